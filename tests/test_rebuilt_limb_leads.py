"""A limb lead whose channel is in the file but whose samples are all invalid (NaN: not stored, damaged) or
withheld for amplitudes that are no ECG's is rebuilt from the other two by Einthoven's law (III = II - I) and
Goldberger's, as a lead without a channel is (``records.leads.derive_leads``), where it had been left blank and
the calls withheld. An electrode off spoils two of I, II, III: then nothing is rebuilt. The truth compared with
is the file's own samples read by wfdb and the identities worked out by hand."""
import numpy as np
import pytest
import wfdb

from mirage_model.quality import assess
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.file_info import reader_notes
from test_withheld_leads import LUDB_1, WHY_8, _square, _written

PTBXL_SAMPLE = LUDB_1.parents[1] / "ptbxl" / "records100" / "00000" / "00417_lr"
I, II, III, AVF = (STANDARD_LEADS.index(n) for n in ("I", "II", "III", "aVF"))


def _with_nan(folder, lead: str):
    """The shipped PTB-XL record 00417 written in µV steps with ``lead`` all NaN (WFDB's invalid sample);
    returns (its .hea, wfdb's reading of it, mV (T, 12))."""
    rec = wfdb.rdrecord(str(PTBXL_SAMPLE))
    sig = rec.p_signal.copy()
    sig[:, [n.lower() for n in rec.sig_name].index(lead.lower())] = np.nan
    wfdb.wrsamp("nan", fs=rec.fs, units=["mV"] * 12, sig_name=rec.sig_name, p_signal=sig, fmt=["16"] * 12,
                adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return folder / "nan.hea", wfdb.rdrecord(str(folder / "nan")).p_signal


@pytest.mark.parametrize("lead, rebuilt", [("III", lambda x: x[:, II] - x[:, I]),
                                           ("aVF", lambda x: x[:, II] - x[:, I] / 2),
                                           ("I", lambda x: x[:, II] - x[:, III])])
def test_a_limb_lead_all_invalid_is_rebuilt_from_two_others(tmp_path, lead, rebuilt):
    """III all NaN: III = II - I of the file's own I and II (wfdb's reading), flagged derived and not missing;
    the reader's note names it; no lead is missing in the quality check (the calls not withheld on it)."""
    hea, truth = _with_nan(tmp_path, lead)
    rec = load_record(hea)
    k = STANDARD_LEADS.index(lead)
    np.testing.assert_allclose(rec.signal[k], rebuilt(truth), atol=1e-6)
    assert rec.flagged_leads("derived") == (lead,) and not rec.flagged_leads("missing")
    sources = {"I": "II and III"}.get(lead, "I and II")
    assert rec.meta["reader_warnings"] == (f"{lead} derived from {sources}: its own samples were all invalid",)
    assert reader_notes(rec) == [f"the file reader noted: {lead} derived from {sources}: its own samples were "
                                 "all invalid"]
    report = assess(rec)
    assert not report.has("lead_missing") and report.has("leads_derived")


def test_a_lead_withheld_for_its_amplitudes_is_rebuilt(tmp_path):
    """LUDB 1 with III a +-8 mV square wave (its units wrong, or its samples damaged; I and II fine): III is
    withheld and rebuilt as II - I, its note saying why it was withheld. A lead rebuilt and shown is not withheld:
    ``meta["withheld_leads"]`` (the blank leads the reader withheld) had still named III, and the record written
    again (``mirage convert``) and reopened said III withheld while it drew III's rebuilt samples."""
    from mirage_model.formats.write import write_record

    n = wfdb.rdheader(str(LUDB_1)).sig_len
    rec = load_record(_written(tmp_path, "iii_off", {"iii": _square(n, 500.0)}))
    truth = wfdb.rdrecord(str(tmp_path / "iii_off")).p_signal
    np.testing.assert_allclose(rec.signal[III], truth[:, II] - truth[:, I], atol=1e-6)
    assert "withheld_leads" not in rec.meta and rec.flagged_leads("derived") == ("III",)
    assert rec.meta["reader_warnings"] == (f"III derived from I and II: its own samples were withheld ({WHY_8})",)
    assert not assess(rec).has("lead_missing")
    for fmt in ("wfdb", "edf"):
        again = load_record(write_record(rec, tmp_path / fmt, fmt, name="converted"))
        assert "withheld_leads" not in again.meta and again.flagged_leads("derived") == ("III",), fmt
        np.testing.assert_allclose(again.signal[III], rec.signal[III], atol=1e-3)


@pytest.mark.parametrize("lead", ["III", "aVF", "I"])
def test_ludbs_leads_scaled_one_by_one_are_said_so_with_a_limb_lead_rebuilt(tmp_path, lead):
    """LUDB stores each lead scaled to one size (1.00 mV peak to peak, wfdb's reading of its file), which the quality
    check says ("amplitude_scaled": the voltage rules are not read). With a limb lead all invalid and rebuilt from two
    others, the check read the rebuilt lead as one of the file's (II - I of leads scaled one by one is of another
    size) and said nothing: the record's amplitudes read as the heart's. It reads the file's own leads."""
    rec = wfdb.rdrecord(str(LUDB_1))
    ptp = np.ptp(rec.p_signal, axis=0)
    assert ptp.max() / ptp.min() <= 1.01                      # the file's truth: every lead one size
    sig = rec.p_signal.copy()
    sig[:, [n.lower() for n in rec.sig_name].index(lead.lower())] = np.nan
    wfdb.wrsamp("nan", fs=rec.fs, units=rec.units, sig_name=rec.sig_name, p_signal=sig, fmt=rec.fmt,
                adc_gain=rec.adc_gain, baseline=rec.baseline, write_dir=str(tmp_path))
    got = load_record(tmp_path / "nan.hea")
    assert got.flagged_leads("derived") == (lead,)
    k = STANDARD_LEADS.index(lead)
    assert np.ptp(got.signal[k]) / ptp.min() > 1.01 or np.ptp(got.signal[k]) / ptp.max() < 0.99   # another size
    report = assess(got)
    assert report.has("amplitude_scaled") and assess(load_record(LUDB_1)).has("amplitude_scaled")


def test_an_electrode_off_spoiling_two_limb_leads_rebuilds_nothing(tmp_path):
    """LA off: I (LA - RA) and III (LL - LA) both swing +-8 mV. Only II is left of Einthoven's three: I and III
    stay blank, withheld, and the quality check names both (calls withheld)."""
    sq = _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)
    rec = load_record(_written(tmp_path, "la_off", {"i": sq, "iii": -sq}))
    assert np.isnan(rec.signal[[I, III]]).all() and not rec.flagged_leads("derived")
    assert set(rec.meta["withheld_leads"]) == {"I", "III"} and "reader_warnings" not in rec.meta
    finding = next(f for f in assess(rec).findings if f.code == "lead_missing")
    assert finding.leads == ("I", "III") and finding.severity == "critical"
