"""A lead whose amplitudes are no ECG's (an electrode off swinging from rail to rail, one lead's units
field 1000 times off) beside leads that are one's: the lead is withheld, as a missing lead is, and the
record opens (``records.leads.off_scale_leads``); it had refused the whole record, eleven good leads too.
Too many such leads, or a whole record over the limit, are still refused."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.quality import assess
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

LUDB_1 = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"
SQUARE_MV = 8.0      # a swing from rail to rail: +-8 mV, half a second at each rail


def _square(n: int, fs: float) -> np.ndarray:
    """(n,) mV: +-SQUARE_MV, half a second at each: its median absolute deviation is SQUARE_MV exactly."""
    return np.where((np.arange(n) // int(fs / 2)) % 2 == 0, SQUARE_MV, -SQUARE_MV)


def _written(folder: Path, name: str, leads: dict[str, np.ndarray] | None = None,
             keep: tuple[str, ...] | None = None) -> Path:
    """LUDB record 1 written again in its own digital units (same gains, baselines, format), the
    ``leads`` given (file name "v1" -> (T,) mV) replaced, only the ``keep`` channels (all when None)."""
    rec = wfdb.rdrecord(str(LUDB_1), physical=False)
    d = rec.d_signal.copy()
    for lead, mv in (leads or {}).items():
        k = rec.sig_name.index(lead)
        d[:, k] = np.round(mv * rec.adc_gain[k] + rec.baseline[k]).astype(d.dtype)
    cols = [rec.sig_name.index(n) for n in (keep or rec.sig_name)]
    wfdb.wrsamp(name, fs=rec.fs, units=[rec.units[k] for k in cols], sig_name=[rec.sig_name[k] for k in cols],
                d_signal=d[:, cols], fmt=[rec.fmt[k] for k in cols], adc_gain=[rec.adc_gain[k] for k in cols],
                baseline=[rec.baseline[k] for k in cols], write_dir=str(folder))
    return folder / f"{name}.hea"


WHY_8 = ("its amplitudes (8.0 mV from baseline) are not an ECG's: electrode off, the file's units for this lead "
         "wrong, or its samples damaged")


def test_an_electrode_off_swinging_rail_to_rail_is_withheld_and_the_record_opens(tmp_path):
    """LUDB 1 with V1 a +-8 mV square wave (an electrode off at the amplifier's rails): had been refused
    ("the amplitudes of lead V1 (8 mV) are not an ECG's in mV"). Opens: V1 blank (NaN) and flagged missing,
    named with its deviation worked out by hand (8.0 mV), the other eleven leads the file's own samples,
    and the quality check names V1 withheld with that reason, critical (the calls withheld)."""
    clean = load_record(_written(tmp_path, "clean"))
    fs = clean.fs
    rec = load_record(_written(tmp_path, "v1_off", {"v1": _square(clean.signal.shape[1], fs)}))
    v1 = STANDARD_LEADS.index("V1")
    assert np.isnan(rec.signal[v1]).all() and rec.quality["missing"][v1]
    assert rec.meta["withheld_leads"] == {"V1": WHY_8}
    others = [k for k in range(12) if k != v1]
    assert np.array_equal(rec.signal[others], clean.signal[others])
    assert rec.missing_text(v1) == "withheld"
    report = assess(rec)
    finding = next(f for f in report.findings if f.code == "lead_missing")
    assert finding.name == f"lead V1 withheld: {WHY_8}" and finding.leads == ("V1",)
    assert finding.severity == "critical" and report.verdict != "usable"


def test_a_drift_of_8_mv_is_withheld(tmp_path):
    """V5 drifting +-8 mV at 0.2 Hz (an electrode off, its input wandering through the amplifier's range):
    its deviation from baseline, 8 mV times sin(pi/4) over two whole periods, is 5.66 mV.
    Withheld, named V5 with that figure; the other leads intact."""
    n = wfdb.rdheader(str(LUDB_1)).sig_len
    t = np.arange(n) / 500.0
    drift = SQUARE_MV * np.sin(2 * np.pi * 0.2 * t + 1.0)
    rec = load_record(_written(tmp_path, "v5_drift", {"v5": drift}))
    assert rec.meta["withheld_leads"]["V5"].startswith("its amplitudes (5.7 mV from baseline)")
    assert set(rec.meta["withheld_leads"]) == {"V5"}
    assert np.isnan(rec.signal[STANDARD_LEADS.index("V5")]).all()
    assert np.isfinite(rec.signal[[k for k in range(12) if STANDARD_LEADS[k] != "V5"]]).all()


def test_five_leads_off_are_still_refused(tmp_path):
    """V1-V5 swinging: five of twelve is a minority, but seven leads left are fewer than eight. Refused,
    naming the leads and why they were not withheld."""
    n = wfdb.rdheader(str(LUDB_1)).sig_len
    hea = _written(tmp_path, "five", {f"v{i}": _square(n, 500.0) for i in range(1, 6)})
    with pytest.raises(RecordError, match=r"leads V1 \(8 mV\), V2 \(8 mV\).*too many to withhold: 5 of the "
                                          r"file's 12 leads, 7 left to show") as err:
        load_record(hea)
    assert "five.hea" in str(err.value)


def test_an_eight_lead_file_counts_the_limb_leads_derived_from_what_is_left(tmp_path):
    """A file of I, II and V1-V6, as carts store them. V3 off: 11 leads left to show (III, aVR, aVL, aVF
    derived from I and II), so it opens. I off: no limb lead can be derived from II alone (Einthoven's
    III = II - I), 7 left: refused."""
    keep = ("i", "ii", "v1", "v2", "v3", "v4", "v5", "v6")
    n = wfdb.rdheader(str(LUDB_1)).sig_len
    rec = load_record(_written(tmp_path, "v3_off", {"v3": _square(n, 500.0)}, keep))
    assert set(rec.meta["withheld_leads"]) == {"V3"}
    assert np.isfinite(rec.signal).all(axis=1).sum() == 11 and rec.quality["derived"].sum() == 4
    with pytest.raises(RecordError, match=r"lead I \(8 mV\).*1 of the file's 8 leads, 7 left to show"):
        load_record(_written(tmp_path, "i_off", {"i": _square(n, 500.0)}, keep))


def test_a_whole_record_over_the_limit_is_still_refused(tmp_path):
    """Every lead's units field says mV of samples in uV (1000 times too large): the typical lead is over
    the limit, so nothing is withheld and the record is refused as before."""
    hea = _written(tmp_path, "all_uv")
    hea.write_text(hea.read_text().replace("/mV", "/V"))
    with pytest.raises(RecordError, match=r"the amplitudes are not an ECG's in mV \(the leads deviate"):
        load_record(hea)


def test_mirage_score_opens_the_record_and_names_the_lead(tmp_path):
    """``mirage score`` of a folder holding LUDB 1 with V1 off: the row is scored ("ok", had been "error":
    "the amplitudes of lead V1 ... are not an ECG's in mV"), its quality unreliable for V1 withheld with
    the reason, the calls withheld, and V1 flagged missing."""
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    folder = tmp_path / "records"
    folder.mkdir()
    _written(folder, "v1_off", {"v1": _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)})
    out = tmp_path / "results.csv"
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["score", str(folder), "--model", str(ckpt), "--out", str(out), "--no-progress"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["status"] == "ok"
    assert row["quality"] == f"unreliable (lead V1 withheld: {WHY_8})"
    assert f"lead V1 withheld: {WHY_8}" in row["warnings"]
    assert "missing: V1" in row["quality_flags"] and row["positive"] == ""


def test_the_pdf_labels_the_lead_withheld_and_says_why(tmp_path):
    """``mirage report`` of LUDB 1 with V1 off (had failed: the record could not be read): page 1's sheet
    labels V1's blank panel "V1 (withheld)", and the PDF says why in the quality check's words."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    hea = _written(tmp_path, "v1_off", {"v1": _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)})
    out = tmp_path / "r.pdf"
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["report", str(hea), "--model", str(ckpt), "--out", str(out), "--no-measure"]) == 0
    pages = [p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages]
    labels = [line.strip() for line in pages[0].splitlines()]
    assert "V1 (withheld)" in labels and "V1 (missing)" not in labels     # the panel's label, a line of its own
    assert "lead V1 withheld: its amplitudes (8.0 mV from baseline)" in " ".join(" ".join(pages).split())


def test_a_lead_withheld_stays_so_with_its_reason_once_converted(tmp_path):
    """The record written again as WFDB and as EDF+ (``mirage convert``'s writer): V1 is blank in the file
    written, and reopened it is withheld with the same reason, not merely "missing or flat"."""
    from mirage_model.formats.write import write_record

    rec = load_record(_written(tmp_path, "v1_off", {"v1": _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)}))
    for fmt in ("wfdb", "edf"):
        again = load_record(write_record(rec, tmp_path / fmt, fmt, name="converted"))
        assert again.meta["withheld_leads"] == {"V1": WHY_8}
        assert np.isnan(again.signal[STANDARD_LEADS.index("V1")]).all()
        names = [f.name for f in assess(again).findings if f.code == "lead_missing"]
        assert names == [f"lead V1 withheld: {WHY_8}"]

