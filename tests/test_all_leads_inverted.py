"""A WFDB header that gives every lead a negative gain (a writer's sign error: dextrocardia or a lead reversal
inverts some leads, never all) had its calls stand with a warning alone: PTB-XL 00417 so written was scored MI 0.99,
"Anterolateral infarct, high confidence". Now the quality gate withholds them; a few inverted leads stay a warning."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import wfdb

from mirage_model import quality
from mirage_model.paths import resources_dir
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.interpret.prediction import interpret_prediction

PTBXL_SAMPLE = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"


def _negated(tmp_path, leads):
    """PTB-XL 00417 with the header's ADC gain of ``leads`` made negative."""
    lines = PTBXL_SAMPLE.read_text().splitlines()
    for k in range(1, 13):
        parts = lines[k].split()
        if parts[-1].upper() in {lead.upper() for lead in leads}:
            parts[2] = "-" + parts[2]                   # "1000.0(0)/mV" -> "-1000.0(0)/mV"
            lines[k] = " ".join(parts)
    (tmp_path / "00417_lr.hea").write_text("\n".join(lines) + "\n")
    shutil.copy(PTBXL_SAMPLE.with_suffix(".dat"), tmp_path / "00417_lr.dat")
    return load_record(tmp_path / "00417_lr.hea")


def test_every_lead_inverted_by_the_header_withholds_the_calls(tmp_path):
    rec = _negated(tmp_path, STANDARD_LEADS)
    src = wfdb.rdrecord(str(PTBXL_SAMPLE.with_suffix("")))
    names = [n.lower() for n in src.sig_name]
    truth = np.stack([src.p_signal[:, names.index(lead.lower())] for lead in STANDARD_LEADS])
    np.testing.assert_allclose(rec.signal, -truth, atol=1e-6)          # read upside down, as the format says
    report = quality.assess(rec)
    found = [f for f in report.findings if f.code == "negative_gain"]
    assert len(found) == 1 and found[0].severity == "critical" and found[0].leads == STANDARD_LEADS
    assert "check the file's gain sign" in found[0].name
    assert report.gated and "every lead inverted" in report.reason
    it = interpret_prediction(None, {"hr_bpm": 70.0}, quality=report)
    assert it.withheld and "every lead inverted" in it.withheld


@pytest.mark.parametrize("upright", [("V6",), ()])
def test_all_but_one_lead_inverted_is_critical_too(tmp_path, upright):
    rec = _negated(tmp_path, [lead for lead in STANDARD_LEADS if lead not in upright])
    assert quality.assess(rec).gated


@pytest.mark.parametrize("inverted", [("V2",), ("I", "II", "III", "aVR", "aVL", "aVF"), ("V1", "V2", "V3")])
def test_some_leads_inverted_stay_a_warning(tmp_path, inverted):
    rec = _negated(tmp_path, inverted)
    found = [f for f in quality.assess(rec).findings if f.code == "negative_gain"]
    assert len(found) == 1 and found[0].severity == "warning" and found[0].leads == inverted
