"""A limb lead the reader would derive (Einthoven, Goldberger: ``records.leads.derive_leads``) from a lead it
withheld (``records.leads.off_scale_leads``) or from one missing from the file is blank: the quality check,
the lead's label and the sheet's panel say it was not derived and which lead it needs, not merely "missing
or flat". Files written here: LUDB record 1's I, II, aVF and V1-V6 (III, aVR, aVL absent: derived from I and
II). A file that also holds III has I, withheld or all invalid, rebuilt from II and III instead
(test_rebuilt_limb_leads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.quality import assess
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.records.leads import blank_sources, sources_text
from test_withheld_leads import LUDB_1, WHY_8, _square, _written

STORED = ("i", "ii", "avf", "v1", "v2", "v3", "v4", "v5", "v6")     # the file's leads: III, aVR, aVL derived
UNDERIVED = [STANDARD_LEADS.index(n) for n in ("III", "aVR", "aVL")]


def _i_off(folder: Path) -> Path:
    """The 9-lead file with lead I a +-8 mV square wave (an electrode off at the rails): I is withheld."""
    return _written(folder, "i_off", {"i": _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)}, STORED)


def _i_invalid(folder: Path) -> Path:
    """The 9-lead file with every sample of lead I WFDB's invalid value (-32768 in format 16): missing."""
    hea = _written(folder, "i_gone", None, STORED)
    rec = wfdb.rdrecord(str(hea.with_suffix("")), physical=False)
    assert rec.fmt[0] == "16"
    d = rec.d_signal.copy()
    d[:, 0] = -32768
    wfdb.wrsamp("i_gone", fs=rec.fs, units=rec.units, sig_name=rec.sig_name, d_signal=d, fmt=rec.fmt,
                adc_gain=rec.adc_gain, baseline=rec.baseline, write_dir=str(folder))
    return hea


def _lead_missing(rec) -> tuple:
    report = assess(rec)
    (finding,) = [f for f in report.findings if f.code == "lead_missing"]
    return finding, report


def test_the_leads_derived_from_a_lead_withheld_say_so(tmp_path):
    """I withheld: III, aVR, aVL (from I and II) are blank. The finding had said "leads missing or flat (III,
    aVR, aVL)" beside "limb leads derived from I and II"; now it says they were not derived, needing lead I,
    withheld, and no lead is said derived. aVF, stored, is the file's own and stays drawn."""
    rec = load_record(_i_off(tmp_path))
    assert np.isnan(rec.signal[UNDERIVED]).all() and np.isfinite(rec.signal[STANDARD_LEADS.index("aVF")]).all()
    finding, report = _lead_missing(rec)
    assert finding.name == f"lead I withheld: {WHY_8}; leads III, aVR, aVL not derived: need lead I, withheld"
    assert finding.leads == ("I", "III", "aVR", "aVL") and finding.severity == "critical"
    assert not report.has("leads_derived")
    assert [rec.missing_text(k) for k in UNDERIVED] == ["not derived: needs I, withheld"] * 3
    texts = rec.flag_texts()
    assert "samples missing: I (withheld); III, aVR, aVL (not derived: needs I, withheld)" in texts, texts
    assert not any(t.startswith("derived:") for t in texts), texts


def test_the_leads_derived_from_a_lead_missing_from_the_file_say_so(tmp_path):
    """Every sample of I invalid (missing from the file, not withheld): the lead is "missing or flat" as
    before, and III, aVR, aVL "not derived: need lead I, missing from the file"."""
    rec = load_record(_i_invalid(tmp_path))
    assert np.isnan(rec.signal[0]).all() and "withheld_leads" not in rec.meta
    finding, report = _lead_missing(rec)
    assert finding.name == ("lead missing or flat (I); leads III, aVR, aVL not derived: need lead I, missing from "
                            "the file")
    assert not report.has("leads_derived")
    assert [rec.missing_text(k) for k in range(12)][:6] == ["missing", "", *["not derived: needs I, missing"] * 3, ""]


def test_a_clinical_format_file_says_so_too(tmp_path):
    """The vendor formats' assembly (``formats.assemble.build_record``) derives as WFDB's reader does: an EDF+
    file of I, II, aVF and V1-V6 (LUDB 1's samples, written with edfio) with lead I swinging +-8 mV."""
    edfio = pytest.importorskip("edfio")
    rec = wfdb.rdrecord(str(LUDB_1))
    keep = [rec.sig_name.index(n) for n in STORED]
    x = rec.p_signal[:, keep].T.copy()
    x[0] = _square(x.shape[1], rec.fs)
    signals = [edfio.EdfSignal(x[i], rec.fs, label=f"ECG {n.upper()}",
                               physical_dimension="mV", physical_range=(-10.0, 10.0)) for i, n in enumerate(STORED)]
    path = tmp_path / "i_off.edf"
    edfio.Edf(signals).write(path)
    got = load_record(path)
    assert got.meta["format"] != "wfdb" and set(got.meta["withheld_leads"]) == {"I"}
    finding, report = _lead_missing(got)
    assert finding.name.endswith("; leads III, aVR, aVL not derived: need lead I, withheld"), finding.name
    assert not report.has("leads_derived")



def test_a_clean_file_still_says_its_leads_derived(tmp_path):
    """The same 9-lead file as recorded: III, aVR, aVL derived and drawn, said derived, none not derived."""
    rec = load_record(_written(tmp_path, "clean", None, STORED))
    assert np.isfinite(rec.signal).all()
    report = assess(rec)
    assert report.has("leads_derived") and not report.has("lead_missing")
    assert "derived: III, aVR, aVL" in rec.flag_texts()


def test_the_sources_of_a_derived_lead_are_the_files_own():
    """By Einthoven and Goldberger: aVR = -(I + II) / 2; with I derived from II and III (a file of II and
    III), aVR needs II and III. Worked out by hand for each case."""
    augmented = {"aVR", "aVL", "aVF"}
    assert blank_sources("aVR", augmented, {"I"}) == ("I",)
    assert blank_sources("aVR", augmented | {"I"}, {"III"}) == ("III",)        # I = II - III
    assert blank_sources("III", augmented | {"III"}, {"II", "V1"}) == ("II",)   # III = II - I
    assert blank_sources("aVR", augmented, {"V1"}) == ()                        # its sources hold samples
    assert blank_sources("II", augmented, {"I"}) == ()                          # II stored: not derived
    assert sources_text(("I",), {"I": "why"}) == "lead I, withheld"
    assert sources_text(("I", "II"), {}) == "leads I and II, missing from the file"
    assert sources_text(("I", "II"), {"I": "why"}) == "lead I, withheld, and lead II, missing from the file"
    assert sources_text(("I", "II"), {"I": "why"}, short=True) == "I, withheld; II, missing"


def test_a_converted_file_keeps_saying_so(tmp_path):
    """Written as WFDB (``mirage convert``'s writer) and reopened: the blank III, aVR, aVL are stored now,
    the carried derived_leads and withheld_leads say why they are blank."""
    from mirage_model.formats.write import write_record

    again = load_record(write_record(load_record(_i_off(tmp_path)), tmp_path / "wfdb", "wfdb", name="converted"))
    finding, _ = _lead_missing(again)
    assert finding.name.endswith("; leads III, aVR, aVL not derived: need lead I, withheld"), finding.name


def test_the_pdf_panel_says_so(tmp_path):
    """``mirage report`` of the file with I withheld: aVR's panel on page 1 is labelled "aVR (not derived:
    needs I, withheld)" (had been "aVR (missing)"), and the PDF gives the quality check's words."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    out = tmp_path / "r.pdf"
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["report", str(_i_off(tmp_path)), "--model", str(ckpt), "--out", str(out), "--no-measure"]) == 0
    pages = [p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages]
    labels = [line.strip() for line in pages[0].splitlines()]
    for lead in ("III", "aVR", "aVL"):
        assert f"{lead} (not derived: needs I, withheld)" in labels and f"{lead} (missing)" not in labels, labels
    assert "I (withheld)" in labels
    assert "leads III, aVR, aVL not derived: need lead I, withheld" in " ".join(" ".join(pages).split())
