"""A file without one of the 12 standard leads' channels opens with that lead blank, as the same file with the
channel present and every sample invalid does (found in a cardiologist's walk: a WFDB record of 11 leads, no
V4, was refused as "not enough ECG leads ... cannot be scored", no trace shown).

One rule for both (``records.leads.enough_leads``): the record opens when it shows at least
``limits.MIN_ECG_LEADS`` (8) of the 12, the limb leads derived from I and II counted, as a record with leads
withheld must; otherwise it is refused naming its leads. The truth compared with is wfdb's own reading of the
written files and the same record written with the lead all invalid (NaN, WFDB's invalid sample).
"""
import numpy as np
import pytest
import wfdb

from mirage_model.paths import resources_dir
from mirage_model.quality import assess
from mirage_model.records import STANDARD_LEADS, RecordError, load_record
from mirage_model.review.file_info import record_notes

PTBXL_SAMPLE = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
V4 = STANDARD_LEADS.index("V4")


def _write(folder, name, signal, names):
    """Write ``signal`` (T, L) mV with channel ``names`` as a WFDB record in µV steps; returns its .hea."""
    L = signal.shape[1]
    wfdb.wrsamp(name, fs=100, units=["mV"] * L, sig_name=names, p_signal=signal, fmt=["16"] * L,
                adc_gain=[1000.0] * L, baseline=[0] * L, write_dir=str(folder))
    return folder / f"{name}.hea"


@pytest.fixture(scope="module")
def v4_two_ways(tmp_path_factory):
    """The shipped PTB-XL record 00417 written without its V4 channel, and with V4 all invalid."""
    folder = tmp_path_factory.mktemp("v4")
    rec = wfdb.rdrecord(str(PTBXL_SAMPLE.with_suffix("")))
    names = list(rec.sig_name)
    keep = [k for k in range(12) if k != V4]
    absent = _write(folder, "no_v4", rec.p_signal[:, keep], [names[k] for k in keep])
    nan = rec.p_signal.copy()
    nan[:, V4] = np.nan
    invalid = _write(folder, "nan_v4", nan, names)
    return absent, invalid


def test_a_wfdb_record_without_a_chest_channel_opens_with_it_blank(v4_two_ways):
    absent, _ = v4_two_ways
    rec = load_record(absent)                           # was RecordError: "not enough ECG leads: has 11 of the 12"
    truth = wfdb.rdrecord(str(absent.with_suffix("")))  # wfdb's reading of the 11 channels written
    others = [lead for lead in STANDARD_LEADS if lead != "V4"]
    assert [n.upper() for n in truth.sig_name] == [n.upper() for n in others]
    np.testing.assert_allclose(rec.signal[[STANDARD_LEADS.index(lead) for lead in others]], truth.p_signal.T,
                               atol=1e-6)
    assert np.isnan(rec.signal[V4]).all()
    assert rec.flagged_leads("missing") == ("V4",) and rec.missing_text(V4) == "missing"
    assert rec.meta["absent_leads"] == ("V4",)
    assert record_notes(rec) == ["no V4 channel in the file: shown blank"]


def test_a_missing_channel_reads_as_the_channel_all_invalid(v4_two_ways):
    """The signal, the per-lead flags and every quality finding (the calls withheld on them) are the same; only
    the note that the file has no V4 channel differs."""
    absent, invalid = (load_record(path) for path in v4_two_ways)
    np.testing.assert_array_equal(absent.signal, invalid.signal)       # NaN equal to NaN
    for flag in ("flat", "saturated", "missing", "derived"):
        np.testing.assert_array_equal(absent.quality[flag], invalid.quality[flag])
    a, b = assess(absent), assess(invalid)
    assert a.verdict == b.verdict == "unreliable" and a.lead_grade == b.lead_grade
    said = [[(f.code, f.name, f.severity, f.leads) for f in report.findings] for report in (a, b)]
    assert said[0] == said[1]
    assert any(f.code == "lead_missing" and f.leads == ("V4",) for f in a.findings)
    assert "absent_leads" not in invalid.meta and record_notes(invalid) == []


def _edf(path, labels, seconds=10, fs=250):
    """An EDF of ``labels`` (one 1.2 Hz wave each, a different size each, in mV)."""
    edfio = pytest.importorskip("edfio")
    t = np.arange(seconds * fs) / fs
    signals = [edfio.EdfSignal(0.5 * (1 + 0.1 * k) * np.sin(2 * np.pi * 1.2 * t), sampling_frequency=fs,
                               label=label, physical_dimension="mV", physical_range=(-5, 5))
               for k, label in enumerate(labels)]
    edfio.Edf(signals).write(path)
    return path


def test_an_edf_of_eight_leads_shown_opens_and_of_seven_is_refused(tmp_path):
    """I and II give the six limb leads (Einthoven, Goldberger): with V1 and V2 that is 8 of the 12, the least a
    record with leads withheld may show (``limits.MIN_ECG_LEADS``): it opens, V3-V6 blank; with V1 alone, 7,
    refused, the message saying how many the models need."""
    rec = load_record(_edf(tmp_path / "eight.edf", ["I", "II", "V1", "V2"]))
    blank = ("V3", "V4", "V5", "V6")
    assert rec.flagged_leads("missing") == blank and rec.meta["absent_leads"] == blank
    assert all(np.isnan(rec.signal[STANDARD_LEADS.index(lead)]).all() for lead in blank)
    # the file's own leads as written (EDF's 16-bit steps over +-5 mV: within 0.2 uV), III derived as II - I
    t = np.arange(2500) / 250
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("V2")], 0.65 * np.sin(2 * np.pi * 1.2 * t), atol=2e-4)
    np.testing.assert_allclose(rec.signal[2], 0.05 * np.sin(2 * np.pi * 1.2 * t), atol=4e-4)
    assert record_notes(rec) == ["no V3, V4, V5, V6 channels in the file: shown blank"]
    with pytest.raises(RecordError) as err:
        load_record(_edf(tmp_path / "seven.edf", ["I", "II", "V1"]))
    assert "has 7 of the 12 standard leads" in err.value.reason and "missing V2, V3, V4, V5, V6" in err.value.reason
    assert "read the 12 leads, at least 8 of them given (the others blank)" in err.value.reason


def test_a_wfdb_record_of_seven_leads_shown_is_refused(tmp_path):
    """The WFDB reader keeps the same rule: V1 and I, II (III, aVR, aVL, aVF derived) are 7."""
    rec = wfdb.rdrecord(str(PTBXL_SAMPLE.with_suffix("")))
    hea = _write(tmp_path, "seven", rec.p_signal[:, [0, 1, 6]], [rec.sig_name[k] for k in (0, 1, 6)])
    with pytest.raises(RecordError, match=r"seven\.hea.*has 7 of the 12 standard leads"):
        load_record(hea)


def test_leads_all_invalid_count_as_absent_channels(tmp_path):
    """The 8-lead minimum counts the leads that hold samples: the shipped record with V1-V5 all invalid (WFDB's
    invalid sample) shows 7 (I, II, III, aVR, aVL, aVF, V6) and is refused, as the same record written without
    those five channels is (it opened before, 7 leads drawn, the five blank); with V1-V4 all invalid it shows 8
    and opens, as the file without them does."""
    rec = wfdb.rdrecord(str(PTBXL_SAMPLE.with_suffix("")))
    names = list(rec.sig_name)
    chest = [STANDARD_LEADS.index(f"V{k}") for k in range(1, 6)]
    nan = rec.p_signal.copy()
    nan[:, chest] = np.nan
    keep = [k for k in range(12) if k not in chest]
    for hea in (_write(tmp_path, "nan5", nan, names),
                _write(tmp_path, "no5", rec.p_signal[:, keep], [names[k] for k in keep])):
        with pytest.raises(RecordError) as err:
            load_record(hea)
        assert "has 7 of the 12 standard leads" in err.value.reason
        assert "missing V1, V2, V3, V4, V5" in err.value.reason
        said = "(5 leads hold no samples in the file, every one invalid: V1, V2, V3, V4, V5)"
        assert (said in err.value.reason) == (hea.stem == "nan5")
    nan[:, STANDARD_LEADS.index("V5")] = rec.p_signal[:, STANDARD_LEADS.index("V5")]
    opened = load_record(_write(tmp_path, "nan4", nan, names))
    shown = [lead for k, lead in enumerate(STANDARD_LEADS) if np.isfinite(opened.signal[k]).any()]
    assert shown == ["I", "II", "III", "aVR", "aVL", "aVF", "V5", "V6"]


def test_build_record_counts_a_rebuilt_limb_lead_and_not_an_empty_chest_lead(tmp_path):
    """Every other reader (``build_record``, a format that marks samples missing: DICOM, MFER) keeps the rule: 12
    channels, I and V1-V4 all invalid, show 8 (I rebuilt as II - III) and open; I and V1-V5 all invalid show 7
    (I rebuilt again) and are refused, naming the six leads without samples."""
    from mirage_model.formats.assemble import build_record
    t = np.arange(2500) / 250
    wave = {lead: 0.5 * (1 + 0.1 * k) * np.sin(2 * np.pi * 1.2 * t) for k, lead in enumerate(STANDARD_LEADS)}
    wave["I"] = wave["II"] - wave["III"]

    def channels(empty):
        return [(lead, np.full(t.size, np.nan) if lead in empty else wave[lead]) for lead in STANDARD_LEADS]
    rec = build_record(tmp_path / "x.dcm", "dicom-ecg", channels({"I", "V1", "V2", "V3", "V4"}), 250.0,
                       nan_is_missing=True)
    np.testing.assert_allclose(rec.signal[0], wave["II"] - wave["III"], atol=1e-6)   # Einthoven, by hand
    assert int(np.isfinite(rec.signal).any(axis=1).sum()) == 8
    with pytest.raises(RecordError) as err:
        build_record(tmp_path / "x.dcm", "dicom-ecg", channels({"I", "V1", "V2", "V3", "V4", "V5"}), 250.0,
                     nan_is_missing=True)
    assert "x.dcm" in str(err.value) and "has 7 of the 12 standard leads" in err.value.reason
    assert "6 leads hold no samples in the file, every one invalid: I, V1, V2, V3, V4, V5" in err.value.reason
