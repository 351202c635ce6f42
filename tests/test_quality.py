"""Signal quality: synthetic faults with known truth on shipped real records."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from mirage_model import perturb, quality
from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.paths import resources_dir

SAMPLES = resources_dir() / "samples"
PTBXL = sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))
LUDB1 = SAMPLES / "ludb" / "1"
CINC = SAMPLES / "cinc2021" / "A0003"


def with_signal(rec, signal):
    return dataclasses.replace(rec, signal=np.asarray(signal, dtype=np.float32))


@pytest.fixture(scope="module")
def records():
    return {p.stem: load_record(p) for p in PTBXL} | {"A0003": load_record(CINC)}


def test_clean_records_are_usable(records):
    for name, rec in records.items():
        q = quality.assess(rec)
        assert q.verdict == "usable", (name, q.summary())
        assert not any(c in q.codes for c in quality.NOT_TRAINED_FOR), (name, q.codes)


def test_la_ra_reversal_is_flagged(records):
    """Reversal truth: I inverted, II <-> III, aVR <-> aVL (written here, not taken from perturb)."""
    flagged = []
    for name, rec in records.items():
        x = rec.signal
        rev = x[[0, 2, 1, 4, 3, 5, 6, 7, 8, 9, 10, 11]].copy()
        rev[0] *= -1
        q = quality.assess(with_signal(rec, rev))
        hit = [f for f in q.findings if f.code == "limb_reversal"]
        flagged.append(bool(hit) and "LA/RA" in hit[0].name and q.verdict == "unreliable")
    # a statistical detector (about 98 % on PTB-XL fold 9): all five shipped records are caught
    assert all(flagged), flagged


def test_neutral_reversal_flagged(records):
    rec = records["A0003"]
    q = quality.assess(perturb.apply(rec, "reversal RA/RL"))
    assert q.has("neutral_reversal") and "RA/RL" in q.reason
    q = quality.assess(perturb.apply(rec, "reversal LA/RL"))
    assert q.has("neutral_reversal") and "LA/RL" in q.reason


@pytest.mark.parametrize("lead", ["I", "II", "III", "aVR", "aVF"])
def test_einthoven_violation_names_the_rescaled_lead(records, lead):
    rec = records[PTBXL[0].stem]
    assert not quality.assess(rec).has("limb_inconsistent")
    x = rec.signal.copy()
    x[STANDARD_LEADS.index(lead)] *= 1.5
    q = quality.assess(with_signal(rec, x))
    hits = [f for f in q.findings if f.code == "limb_inconsistent"]
    assert hits and hits[0].leads == (lead,), [f.as_dict() for f in q.findings]


def test_einthoven_on_independent_residual(records):
    """The residual in the finding's detail matches I + III - II computed here on the mean beat."""
    rec = records["A0003"]
    x = rec.signal.copy()
    x[2] *= 2.0                                  # III doubled: residual = III (relative to limb RMS)
    q = quality.assess(with_signal(rec, x))
    f = next(f for f in q.findings if f.code == "limb_inconsistent")
    assert "III" in f.leads and f.severity in ("warning", "critical")


def _ludb_qrs_peaks():
    wfdb = pytest.importorskip("wfdb")
    ann = wfdb.rdann(str(Path(__file__).resolve().parent / "data" / "ludb" / "1"), "ii")
    sym = np.asarray(ann.symbol)
    return np.asarray(ann.sample)[sym == "N"]


@pytest.mark.filterwarnings("ignore:The inplace keyword")     # wfdb's annotation reader on pandas 3
def test_pacing_spikes_detected_at_500_hz():
    rec = load_record(LUDB1)                     # atrial fibrillation, not paced
    assert not quality.assess(rec).has("paced_rhythm")
    peaks = _ludb_qrs_peaks()                    # LUDB's own QRS annotations (independent truth)
    x = rec.signal.astype(np.float64).copy()
    w = np.array([1.0, 0.8, -0.2, -0.9, 0.6, 0.3, -0.5, -1.0, -0.7, 0.4, 0.8, 0.9])
    for p in peaks - int(0.06 * rec.fs):         # a stimulus 60 ms before each QRS peak
        if p >= 0:
            x[:, p] += 2.0 * w                   # one sample (2 ms) wide, 2 mV
    q = quality.assess(with_signal(rec, x))
    assert q.has("paced_rhythm") and q.verdict == "unreliable", q.summary()
    # the same spikes before 3 beats of a record four times as long (24 beats): too few for a paced
    # rhythm; named as a warning, and the calls are not withheld for it
    long_x = np.tile(rec.signal.astype(np.float64), 4)
    for p in peaks[:3] - int(0.06 * rec.fs):
        if p >= 0:
            long_x[:, p] += 2.0 * w
    q_long = quality.assess(with_signal(rec, long_x))
    assert not q_long.has("paced_rhythm") and q_long.has("pacing_spikes"), q_long.summary()
    f = next(f for f in q_long.findings if f.code == "pacing_spikes")
    assert f.severity == "warning" and f.detail.startswith("a stimulus before 3 of ")
    assert q_long.verdict == quality.assess(with_signal(rec, np.tile(rec.signal.astype(np.float64), 4))).verdict
    # the same record at 100 Hz cannot show spikes: said, not guessed
    low = dataclasses.replace(rec, signal=rec.signal[:, ::5].copy(), fs=100.0)
    q100 = quality.assess(low)
    assert q100.has("pacing_unchecked") and not q100.has("paced_rhythm")


def test_zeroed_lead_and_unscorable(records):
    rec = records["A0003"]
    q = quality.assess(perturb.apply(rec, "lead V1 zeroed"))
    f = next(f for f in q.findings if f.code == "lead_missing")
    assert f.leads == ("V1",) and f.severity == "critical" and q.verdict == "unreliable"
    assert q.lead_grade[6] == "absent"
    assert quality.assess(with_signal(rec, np.zeros_like(rec.signal))).verdict == "unscorable"
    short = dataclasses.replace(rec, signal=rec.signal[:, :500].copy())
    assert quality.assess(short).verdict == "unscorable"


def test_noise_findings(records):
    rec = records["A0003"]
    q = quality.assess(with_signal(rec, perturb.muscle_noise(rec.signal, rec.fs, np.random.default_rng(0), 0.3)))
    assert q.has("noise") and q.verdict == "unreliable"        # 0.3 mV of EMG swamps every lead
    q = quality.assess(with_signal(rec, perturb.mains(rec.signal, rec.fs, np.random.default_rng(0), 50.0, 0.1)))
    assert any(f.code == "mains" and "50 Hz" in f.name for f in q.findings)
    q = quality.assess(with_signal(rec, perturb.mains(rec.signal, rec.fs, np.random.default_rng(0), 60.0, 0.1)))
    assert any(f.code == "mains" and "60 Hz" in f.name for f in q.findings)
    wander = perturb.baseline_wander(rec.signal, rec.fs, np.random.default_rng(0), 0.3, 1.5)
    q = quality.assess(with_signal(rec, wander))
    assert q.has("baseline_wander")


def test_sqi_definitions():
    """kSQI is Pearson's kurtosis; pSQI is 1 for a 10 Hz tone and 0 for a 30 Hz tone; basSQI is 0
    for a 0.5 Hz tone and 1 for a 10 Hz one."""
    from scipy.stats import kurtosis

    fs = 500.0
    t = np.arange(5000) / fs
    x = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 30 * t), np.sin(2 * np.pi * 0.5 * t),
                  np.random.default_rng(0).standard_normal(5000)])
    idx = quality.sqi_indices(x, fs)
    np.testing.assert_allclose(idx["kSQI"], kurtosis(x, axis=1, fisher=False), rtol=1e-9)
    assert idx["pSQI"][0] == pytest.approx(1.0, abs=1e-6) and idx["pSQI"][1] == pytest.approx(0.0, abs=1e-6)
    assert idx["basSQI"][2] == pytest.approx(0.0, abs=1e-6) and idx["basSQI"][0] == pytest.approx(1.0, abs=1e-6)


def test_report_api(records):
    rec = records["A0003"]
    q = quality.assess(perturb.apply(rec, "lead II zeroed"))
    cols = q.as_columns()
    assert cols["quality"] == "unreliable" and "lead missing or flat (II)" in cols["warnings"]
    assert "lead_missing" in cols["quality_codes"] and cols["poor_leads"] == "II"
    assert "UNRELIABLE" in q.summary() and q.gated
    d = q.as_dict()
    assert d["verdict"] == "unreliable" and len(d["indices"]["kSQI"]) == 12
    assert d["indices"]["kSQI"][1] is None       # the zeroed lead has no index, not NaN


def test_reversal_model_json_roundtrip(tmp_path):
    m = quality.load_reversal_model()
    assert m is not None and m.classes[0] == "none" and "limb" in m.thresholds
    again = quality.ReversalModel.from_json(m.to_json())
    np.testing.assert_array_equal(again.coef, m.coef)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(quality.QualityError, match="bad.json"):
        quality.load_reversal_model(str(bad))


def test_a_resources_folder_without_the_detector_does_not_stay_cached(tmp_path, monkeypatch):
    # test_bench's run of a random model sets MIRAGE_RESOURCES to an empty folder: the None read there had stayed
    # cached for the process, and the slow suite's LA/RA check after it found 0 reversals of 200
    monkeypatch.setenv("MIRAGE_RESOURCES", str(tmp_path / "empty"))
    assert quality.load_reversal_model() is None
    monkeypatch.delenv("MIRAGE_RESOURCES")
    m = quality.load_reversal_model()
    assert m is not None and m.classes[0] == "none"


@pytest.mark.slow
def test_la_ra_on_ptbxl_fold9(ptbxl_root):
    """The issue's target on PTB-XL, held on the first 200 fold-9 records: LA/RA found in >= 95 % of the
    reversed copies, reversal false alarms <= 1 % on the records as recorded (+1 record of slack
    for the small sample). The issue's figure was measured once on fold 10 (README); a regression check
    run with every slow suite reads the validation fold, never the test fold again."""
    import csv

    with open(ptbxl_root / "ptbxl_database.csv", newline="") as fh:
        names = [r["filename_lr"] for r in csv.DictReader(fh) if r["strat_fold"] == "9"][:200]
    hits = alarms = n = 0
    for name in names:
        rec = load_record(ptbxl_root / name)
        n += 1
        alarms += any(c in ("limb_reversal", "neutral_reversal") for c in quality.assess(rec).codes)
        hits += quality.assess(perturb.apply(rec, "reversal LA/RA")).has("limb_reversal")
    assert hits >= 0.95 * n and alarms <= 0.01 * n + 1, (hits, alarms, n)


def _pop(rec, start_s: float, mv: float = 5.0, width_s: float = 0.3):
    """A lost-contact pop: a square step of ``mv`` in every lead for ``width_s`` from ``start_s``."""
    x = rec.signal.astype(np.float64).copy()
    a = int(start_s * rec.fs)
    sign = np.where(np.arange(12) % 2, -1.0, 1.0)[:, None]
    x[:, a:a + int(width_s * rec.fs)] += mv * sign
    return x


@pytest.mark.filterwarnings("ignore:The inplace keyword")     # wfdb's annotation reader on pandas 3
def test_beats_are_found_beside_a_large_artefact():
    """A 5 mV pop in the last 1.5 s set the beat detector's bar above every QRS (a global
    percentile): "fewer than 3 heartbeats", unscorable. The beats before it are found (LUDB's own
    QRS annotations are the truth) and the pop is named, with its time and leads, as critical."""
    rec = load_record(LUDB1)
    end_s = rec.signal.shape[1] / rec.fs
    q = quality.assess(with_signal(rec, _pop(rec, end_s - 1.2)))
    assert q.verdict == "unreliable", q.summary()
    truth = _ludb_qrs_peaks() / rec.fs
    truth = truth[truth < end_s - 1.5]
    clean = quality.assess(rec)
    assert q.n_beats >= len(truth) and clean.n_beats >= len(truth) - 1, (q.n_beats, clean.n_beats, len(truth))
    f = next(f for f in q.findings if f.code == "artefact")
    assert f.severity == "critical" and len(f.leads) >= 3, f
    lo, hi = (float(v) for v in f.name.split(" at ")[1].rstrip(" s").split("-"))
    assert end_s - 1.3 <= lo and hi <= end_s - 0.8, f.name
    assert not clean.has("artefact")


def test_a_tall_premature_beat_is_not_an_artefact(records):
    """A QRS three times the others (a ventricular premature beat's size) lasts about 100 ms: not
    an artefact, which needs 200 ms beyond three times the typical beat."""
    rec = records["A0003"]
    x = rec.signal.astype(np.float64).copy()
    mid = x.shape[1] // 2
    b = mid - int(rec.fs) + int(np.argmax(np.abs(x[1, mid - int(rec.fs):mid + int(rec.fs)])))   # a QRS in lead II
    w = int(0.06 * rec.fs)
    x[:, b - w:b + w] *= 3.0
    q = quality.assess(with_signal(rec, x))
    assert not q.has("artefact"), q.summary()
    q = quality.assess(with_signal(rec, _pop(rec, 4.0, mv=5.0, width_s=0.25)))
    assert q.has("artefact"), q.summary()


def test_a_device_low_pass_is_named(records):
    """A cart's "muscle filter" at 20 Hz (Butterworth, written here) leaves almost no 30-45 Hz in
    the QRS: a warning says so; the records as recorded (100 and 500 Hz) raise none."""
    from scipy.signal import butter, sosfiltfilt

    for name in ("A0003", "00417_lr"):
        rec = records[name]
        assert not quality.assess(rec).has("lowpassed"), name
        low = sosfiltfilt(butter(2, 20.0, fs=rec.fs, output="sos"), rec.signal.astype(np.float64), axis=-1)
        q = quality.assess(with_signal(rec, low))
        f = next(f for f in q.findings if f.code == "lowpassed")
        assert f.severity == "warning" and "25 Hz or lower" in f.name, f
        assert q.verdict == quality.assess(rec).verdict                # a warning: the gate is unchanged


def test_a_file_that_fails_its_own_checksum_is_named(tmp_path):
    """A byte flipped in an SCP-ECG file's rhythm data (its CRC then fails, which the reader only
    warns about) and one sample changed in a WFDB lead (its header checksum then fails)."""
    pytest.importorskip("ecgdatakit")
    wfdb = pytest.importorskip("wfdb")
    data = bytearray((Path(__file__).resolve().parent / "data" / "formats" / "Example.scp").read_bytes())
    data[len(data) // 2] ^= 0x01                                  # inside Section 6, the rhythm data
    (tmp_path / "flipped.scp").write_bytes(bytes(data))
    q = quality.assess(load_record(tmp_path / "flipped.scp"))
    f = next(f for f in q.findings if f.code == "file_checksum")
    assert f.severity == "critical" and "Section 6" in f.detail and q.verdict == "unreliable"
    clean = load_record(Path(__file__).resolve().parent / "data" / "formats" / "Example.scp")
    assert not quality.assess(clean).has("file_checksum")

    rng = np.random.default_rng(0)
    t = np.arange(5000) / 500
    sig = (0.8 * np.sin(2 * np.pi * 1.2 * t)[:, None] * rng.uniform(0.3, 1.0, 12)
           + 0.01 * rng.standard_normal((5000, 12)))
    wfdb.wrsamp("rec", fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=sig, fmt=["16"] * 12,
                write_dir=str(tmp_path))
    raw = np.fromfile(tmp_path / "rec.dat", dtype="<i2").reshape(-1, 12)
    raw[100, 7] += 50                                             # lead V2, one sample
    raw.tofile(tmp_path / "rec.dat")
    rec = load_record(tmp_path / "rec.hea")
    assert rec.meta["checksum_mismatch"] == ("V2",)
    f = next(f for f in quality.assess(rec).findings if f.code == "file_checksum")
    assert f.severity == "warning" and f.leads == ("V2",)


def test_a_copied_channel_is_named_not_read_as_a_reversal(records):
    """An export that fills V2-V6 with copies of V1 (truth: the copies written here) was gated as
    "limb lead reversal suspected (RA/LL)" (the reversal detector read the copies), sending the reader
    to limb electrodes that were fine. The copies are named, critical, and no reversal is said; lead I
    in all 12 channels is named too. No shipped clean record has two equal leads."""
    rec = load_record(LUDB1)
    x = rec.signal.astype(np.float64).copy()
    x[7:12] = x[6]
    q = quality.assess(with_signal(rec, x))
    f = next(f for f in q.findings if f.code == "leads_duplicated")
    assert f.severity == "critical" and f.leads == ("V1", "V2", "V3", "V4", "V5", "V6"), f
    assert q.verdict == "unreliable" and "V1 = V2 = V3 = V4 = V5 = V6" in q.reason, q.reason
    assert not any(c.endswith("reversal") for c in q.codes), q.codes
    same = quality.assess(with_signal(rec, np.repeat(rec.signal[:1], 12, axis=0)))
    assert next(f for f in same.findings if f.code == "leads_duplicated").leads == STANDARD_LEADS
    for name, clean in list(records.items()) + [("ludb1", rec)]:
        assert not quality.assess(clean).has("leads_duplicated"), name


def _beats_at(rec, bpm: float, seconds: float = 10.0) -> np.ndarray:
    """LUDB 1's beats (its own QRS annotations) at ``bpm``: each QRS (R +- 60 ms) as recorded, its
    ST-T (R + 60 to R + 500 ms) squeezed into the rest of the RR interval, as in a tachycardia."""
    x = rec.signal.astype(np.float64)
    fs = rec.fs
    peaks = [p for p in _ludb_qrs_peaks() if p >= int(0.06 * fs) and p + int(0.5 * fs) <= x.shape[1]]
    n_rr = int(round(60.0 / bpm * fs))
    out = []
    while sum(b.shape[1] for b in out) < seconds * fs:
        r = peaks[len(out) % len(peaks)]
        qrs = x[:, r - int(0.06 * fs): r + int(0.06 * fs)]
        st = x[:, r + int(0.06 * fs): r + int(0.5 * fs)]
        grid = np.linspace(0, st.shape[1] - 1, n_rr - qrs.shape[1])
        beat = np.hstack([qrs, np.stack([np.interp(grid, np.arange(st.shape[1]), row) for row in st])])
        out.append(beat - beat[:, :1])
    return np.hstack(out)[:, : int(seconds * fs)]


def test_a_rate_the_measurement_cannot_count_withholds_the_result():
    """At 220 bpm (truth: LUDB 1's beats, 273 ms apart) the measurement's QRS detector, which finds no
    two beats closer than 300 ms, counted every other beat: "Sinus tachycardia, 110 bpm; Prolonged
    QTc (1029 ms, Bazett)" stood on a usable record. The check's own rate is named and withholds it;
    150 bpm, which the measurement counts, does not."""
    rec = load_record(LUDB1)
    q = quality.assess(with_signal(rec, _beats_at(rec, 220.0)))
    f = next(f for f in q.findings if f.code == "rate_too_fast")
    assert f.severity == "critical" and q.verdict == "unreliable", q.summary()
    assert abs(q.heart_rate_bpm - 220.0) <= 10.0, q.heart_rate_bpm
    q150 = quality.assess(with_signal(rec, _beats_at(rec, 150.0)))
    assert abs(q150.heart_rate_bpm - 150.0) <= 8.0 and not q150.has("rate_too_fast"), q150.summary()
    assert not quality.assess(rec).has("rate_too_fast")


def test_peaks_of_one_wide_complex_are_no_heart_rate():
    """The Mindray BeneHeart aECG export (tests/data/formats, 100 Hz, synthetic beats) holds two complexes 5 s
    apart, each rising for about 0.3 s; the check's detector found three peaks 210-240 ms apart in each and
    called "heart rate 250 bpm (at or above 200)" beside the measurement's "only 2 QRS complexes (3 needed)",
    one report contradicting itself. Six peaks whose median RR spans 22 % of the 5.5 s they cover are no
    rhythm: no rate, no rate finding. Truth: lead II's excursions past half its largest, counted here."""
    rec = load_record(Path(__file__).parent / "data" / "formats" / "mindray-beneheart-aecg-liryc.xml")
    ii = rec.signal[STANDARD_LEADS.index("II")].astype(np.float64)
    big = np.abs(ii - np.median(ii)) > 0.5 * np.abs(ii - np.median(ii)).max()
    assert int(np.count_nonzero(np.diff(big.astype(int)) == 1)) == 2          # two complexes in 10 s
    q = quality.assess(rec)
    assert not q.has("rate_too_fast") and q.heart_rate_bpm is None, q.summary()
    assert quality.detected_rate_bpm(rec.signal, rec.fs) is None


def test_a_sine_wave_is_no_ecg():
    """A 1 Hz sine (truth: written here from three electrode potentials, so Einthoven's law holds and
    no lead is a copy) passed as "usable": its crests were taken for beats, and the interpretation
    read "Sinus rhythm; Abnormal QRS; Left atrial enlargement". Nothing in it rises like a QRS: no
    beats, unscorable. LUDB 1 slowed to half its speed (QRS twice as wide) still has its QRS."""
    rec = load_record(LUDB1)
    t = np.arange(rec.signal.shape[1]) / rec.fs
    s = np.sin(2 * np.pi * 1.0 * t)
    ra, la, ll = 0.0 * s, 0.6 * s, 1.0 * s
    wct = (ra + la + ll) / 3
    x = np.stack([la - ra, ll - ra, ll - la, ra - (la + ll) / 2, la - (ra + ll) / 2, ll - (ra + la) / 2]
                 + [0.3 * k * s - wct for k in range(1, 7)])
    q = quality.assess(with_signal(rec, x))
    assert q.verdict == "unscorable" and "no QRS complexes" in q.reason, q.summary()
    assert not q.has("leads_duplicated") and not q.has("limb_inconsistent"), q.codes
    slow = rec.signal.astype(np.float64)
    grid = np.linspace(0, slow.shape[1] - 1, 2 * slow.shape[1])
    slow = np.stack([np.interp(grid, np.arange(slow.shape[1]), row) for row in slow])
    q = quality.assess(with_signal(rec, slow))
    assert not any(f.code == "no_beats" for f in q.findings), q.summary()


def test_limb_leads_equal_by_the_lead_identities_are_not_called_a_copied_channel():
    """The RA/RL cable reversal flattens II, and the limb leads then follow from the rest with I = aVL and
    aVR = aVF exactly (truth: the reversal applied here, and a record whose limb leads are derived from I
    with II flat); the reason had added "leads identical: one channel copied (I = aVL; aVR = aVF)" beside
    the reversal, pointing at an export fault that is not there. A copied precordial lead is still named."""
    rec = load_record(LUDB1)
    swapped = perturb.reverse_electrodes(rec.signal, rec.fs, swap="RA/RL")
    q = quality.assess(with_signal(rec, swapped))
    assert q.has("neutral_reversal") and not q.has("leads_duplicated"), q.reason
    x = rec.signal.astype(np.float64).copy()
    i = x[0]
    x[1] = 0.0                                            # II flat; III, aVR, aVL, aVF from I and II
    x[2], x[3], x[4], x[5] = -i, -i / 2, i, -i / 2
    q = quality.assess(with_signal(rec, x))
    assert q.has("lead_missing") and not q.has("leads_duplicated"), q.reason
    x[8] = x[7]                                           # and V3 written as V2: a copy, named
    f = next(f for f in quality.assess(with_signal(rec, x)).findings if f.code == "leads_duplicated")
    assert f.leads == ("V2", "V3"), f


def test_beats_taller_than_any_heart_gives_are_named_as_units_not_read_as_hypertrophy(records):
    """A record stored in other units than its header says (truth: the samples multiplied by 10 here)
    had been scored as usable and read "Left ventricular hypertrophy" from its voltages. Beats over
    20 mV peak-to-peak (the largest of 19,794 real records: 10.7 mV) are a critical finding naming
    the tallest lead; the records as recorded, and twice their size, are not."""
    tall_enough = 0
    for name, rec in records.items():
        x = np.nan_to_num(rec.signal.astype(np.float64))
        span = np.percentile(x, 99.5, axis=1) - np.percentile(x, 0.5, axis=1)     # the samples' own height
        for k in (1.0, 2.0):
            assert not quality.assess(with_signal(rec, x * k)).has("amplitude_implausible"), (name, k)
        q = quality.assess(with_signal(rec, x * 10))
        if span.max() * 10 >= 25.0:                      # well over 20 mV once scaled
            tall_enough += 1
            f = next(f for f in q.findings if f.code == "amplitude_implausible")
            assert f.severity == "critical" and q.verdict == "unreliable", (name, q.reason)
            assert "units or gain wrong?" in f.name and f.leads, f
            assert STANDARD_LEADS[int(np.argmax(span))] in f.leads, (name, f.leads)
    assert tall_enough >= 2


def test_a_wide_complex_tachycardia_is_not_read_as_noise():
    """Identical wide complexes (QRS 180 ms) at 182 bpm carry 0.005 mV of white noise: the signal
    outside R +- 80 ms is the ECG, not noise (CinC 2021 JS45545, such a rhythm, read 0.30 mV and
    "poor signal quality in 11 leads"). Added white noise of 0.15 mV at 500 Hz is still found, at
    its RMS in the 40 Hz band the estimate reads: 0.15 * sqrt(40 / 250) = 0.06 mV."""
    from test_measure import synthetic_record

    clean, _ = synthetic_record(qrs_ms=180.0, qt_ms=300.0, rr_ms=330.0, with_p=False, noise_mv=0.005)
    q = quality.assess(clean)
    assert not q.has("noise") and q.verdict == "usable", q.summary()
    assert np.nanmax(q.indices["noise_mv"]) < 0.01
    noisy, _ = synthetic_record(qrs_ms=180.0, qt_ms=300.0, rr_ms=330.0, with_p=False, noise_mv=0.15)
    q = quality.assess(noisy)
    assert q.has("noise")
    assert np.nanmedian(q.indices["noise_mv"]) == pytest.approx(0.06, rel=0.15)


def test_every_code_in_the_columns_has_its_words(records):
    """PTB-XL's 100 Hz records carry the info code pacing_unchecked; the warnings column named
    nothing for it (a code without words in mirage score's CSV)."""
    rec = records[PTBXL[0].stem]
    assert rec.fs == 100
    cols = quality.assess(rec).as_columns()
    assert "pacing_unchecked" in cols["quality_codes"]
    assert "pacing spikes not checked at 100 Hz" in cols["warnings"]


def test_an_object_without_meta_is_checked_as_its_record_is(records):
    """``assess`` reads any object with ``signal`` and ``fs`` (its reader's ``meta`` and ``quality`` where it has
    them); the stated-scale step read ``record.meta`` bare and raised AttributeError on one without ``meta``."""
    from types import SimpleNamespace

    rec = records[PTBXL[0].stem]
    bare = SimpleNamespace(signal=rec.signal, fs=rec.fs, quality=rec.quality, record_id=rec.record_id)
    got, want = quality.assess(bare), quality.assess(rec)
    assert got.verdict == want.verdict
    assert [f.code for f in got.findings] == [f.code for f in want.findings]
