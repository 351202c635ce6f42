"""A file whose samples are stored negated while its header's gains are positive (a writer's or converter's sign
error) had its calls stand: PTB-XL 00417 (a normal ECG) so written was scored MI and CD, "Anteroseptal infarct;
Anterolateral infarct", quality usable. No heart turns I, II, V5 and V6 down with aVR upright: the quality check
now reads it from the signal ("inverted_signal", critical) and the calls are withheld. A heart that inverts some
leads (an arm-electrode reversal inverts I) is not named so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model import quality
from mirage_model.paths import resources_dir
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.interpret.prediction import interpret_prediction

PTBXL_SAMPLE = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"
LUDB_SAMPLE = Path(__file__).parent / "data" / "ludb" / "65"


def _written(tmp_path, src: Path, sign: int = 1, order=None, gain_sign: int = 1):
    """``src`` written again as WFDB with its stored samples times ``sign`` (the gains as they were, made negative
    in the header where ``gain_sign`` is -1) and its channels in ``order`` (names -> the source channel written
    under that name)."""
    rec = wfdb.rdrecord(str(src), physical=False)
    d = sign * rec.d_signal.astype(np.int64)
    names = list(rec.sig_name)
    if order:
        d = d[:, [names.index(order.get(n, n)) for n in names]]
    wfdb.wrsamp("rec", fs=rec.fs, units=rec.units, sig_name=names, d_signal=d.astype(np.int16), fmt=["16"] * rec.n_sig,
                adc_gain=rec.adc_gain, baseline=[sign * b for b in rec.baseline], write_dir=str(tmp_path))
    if gain_sign < 0:                                   # "1000.0(0)/mV" -> "-1000.0(0)/mV": wfdb writes none
        lines = (tmp_path / "rec.hea").read_text().splitlines()
        for k in range(1, 1 + rec.n_sig):
            parts = lines[k].split()
            parts[2] = "-" + parts[2]
            lines[k] = " ".join(parts)
        (tmp_path / "rec.hea").write_text("\n".join(lines) + "\n")
    return load_record(tmp_path / "rec.hea")


def _found(report, code="inverted_signal"):
    return [f for f in report.findings if f.code == code]


@pytest.mark.parametrize("src", [PTBXL_SAMPLE, LUDB_SAMPLE], ids=["ptbxl-00417", "ludb-65"])
def test_every_sample_negated_withholds_the_calls(tmp_path, src):
    rec = _written(tmp_path, src, sign=-1)
    truth = wfdb.rdrecord(str(src))
    names = [n.lower() for n in truth.sig_name]
    np.testing.assert_allclose(rec.signal[1], -truth.p_signal[:, names.index("ii")], atol=1e-3)   # stored negated
    assert not rec.meta.get("negative_gain_leads")                  # the header's gains are positive
    report = quality.assess(rec)
    found = _found(report)
    assert len(found) == 1 and found[0].severity == "critical"
    assert "check the file's polarity" in found[0].name
    assert report.gated and "every lead inverted in the signal" in report.reason
    assert "every lead inverted in the signal" in report.as_columns()["quality"] + report.as_columns()["quality_reason"]
    it = interpret_prediction(None, {"hr_bpm": 60.0}, quality=report)
    assert it.withheld and "every lead inverted in the signal" in it.withheld


@pytest.mark.parametrize("src", [PTBXL_SAMPLE, LUDB_SAMPLE], ids=["ptbxl-00417", "ludb-65"])
def test_records_as_recorded_are_not_named(tmp_path, src):
    assert not _found(quality.assess(_written(tmp_path, src)))


def test_arm_electrodes_reversed_are_a_reversal_not_an_inverted_file(tmp_path):
    # LA/RA on PTB-XL 00417, as a cart records it: I inverted, II and III, aVR and aVL exchanged
    swap = {"I": "I", "II": "III", "III": "II", "AVR": "AVL", "AVL": "AVR"}
    src = wfdb.rdrecord(str(PTBXL_SAMPLE), physical=False)
    order = {n: next(m for m in src.sig_name if m.upper() == swap[n.upper()]) for n in src.sig_name
             if n.upper() in swap}
    rec = _written(tmp_path, PTBXL_SAMPLE, order=order)
    rec.signal[0] = -rec.signal[0]                                   # lead I = LA - RA turns over
    report = quality.assess(rec)
    assert not _found(report)
    assert _found(report, "limb_reversal")


def test_a_header_that_inverts_every_lead_is_said_once(tmp_path):
    rec = _written(tmp_path, PTBXL_SAMPLE, gain_sign=-1)
    report = quality.assess(rec)
    assert [f.severity for f in _found(report, "negative_gain")] == ["critical"]
    assert not _found(report)
    assert set(_found(report, "negative_gain")[0].leads) == set(STANDARD_LEADS)


def test_a_header_that_inverts_every_lead_is_no_electrode_reversal(tmp_path):
    """LUDB 65 (upright: no critical finding) written with every header gain negative: the reversal detector,
    trained on upright records, had been asked of the inverted signal and named "limb lead reversal" beside the
    header's negative gain, sending the reader to the electrodes; the negative gain alone is said, as of a file
    whose samples are negated."""
    (tmp_path / "up").mkdir()
    (tmp_path / "down").mkdir()
    assert not [f for f in quality.assess(_written(tmp_path / "up", LUDB_SAMPLE)).findings if f.severity == "critical"]
    report = quality.assess(_written(tmp_path / "down", LUDB_SAMPLE, gain_sign=-1))
    assert [f.code for f in report.findings if f.severity == "critical"] == ["negative_gain"]


def test_the_measurement_table_marks_what_the_inversion_moves(tmp_path):
    """PTB-XL 00417 negated: its table had shown the axes turned by 180 deg (QRS axis -166 deg, 19 as recorded) and
    Sokolow-Lyon 0.29 mV (3.02 as recorded) unmarked, in the app, the PDF and the CSV. The intervals, axes and the
    Sokolow-Lyon and Cornell voltages are marked unreliable with the finding's words; the rate and the QRS voltages
    peak-to-peak (which the sign does not move) are not. As recorded, none of them is marked."""
    from mirage_model.measure import measure
    from mirage_model.review.measurements import UNRELIABLE, measurement_rows

    (tmp_path / "up").mkdir()
    (tmp_path / "down").mkdir()
    moved = {"pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms", "p_axis_deg",
             "qrs_axis_deg", "t_axis_deg", "sokolow_lyon_mv", "cornell_mv"}
    for folder, sign in (("up", 1), ("down", -1)):
        rec = _written(tmp_path / folder, PTBXL_SAMPLE, sign=sign)
        rows = {r["key"]: r for r in measurement_rows(measure(rec), quality=quality.assess(rec))}
        marked = {k for k, r in rows.items() if r["doubt"] == UNRELIABLE}
        if sign > 0:
            assert not marked & moved
            continue
        assert marked >= moved and not marked & {"heart_rate_bpm", "rr_ms", "qrs_limb_mv", "qrs_precordial_mv"}
        assert rows["qrs_axis_deg"]["doubt_why"] == "every lead inverted in the signal"
