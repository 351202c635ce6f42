"""mirage_model.measure against independent truth: synthetic beats with known wave boundaries,
the QTc and axis formulas, and LUDB cardiologists' annotations (skipped when absent)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from helpers_scripts import load_script
from mirage_model.records import STANDARD_LEADS, EcgRecord
from mirage_model.measure import (
    FIDUCIAL_KEYS, LeadFiducials, Measurements, SCALAR_KEYS, frontal_axis_deg, measure,
    qtc_bazett, qtc_framingham, qtc_fridericia, rr_successive_variation, rr_variation,
)

FS = 500.0
ROOT = Path(__file__).resolve().parent.parent

# frontal lead directions (degrees, hexaxial) and gains (Goldberger leads see sqrt(3)/2 of the vector)
_FRONTAL = {"I": (0, 1.0), "II": (60, 1.0), "III": (120, 1.0),
            "aVR": (-150, math.sqrt(3) / 2), "aVL": (-30, math.sqrt(3) / 2), "aVF": (90, math.sqrt(3) / 2)}
# precordial leads: a fixed gain per wave, so every lead has the same timing
_PRECORDIAL = {"V1": (-0.6, 0.3, -0.2), "V2": (-0.2, 0.8, 0.6), "V3": (0.4, 1.2, 0.8),
               "V4": (0.9, 1.3, 0.9), "V5": (1.0, 1.0, 0.7), "V6": (0.9, 0.7, 0.5)}


def _hump(n: int) -> np.ndarray:
    """A sine-squared hump of exactly n samples, zero outside: a known onset and offset, and, as
    in real waves, no jump in slope there."""
    return np.sin(np.pi * (np.arange(n) + 0.5) / n) ** 2


def project_leads(waves: dict, angles: dict) -> np.ndarray:
    """(12, T) mV: each wave ("p", "qrs", "t": (T,) humps) a frontal vector at its angle (degrees), the limb leads its
    projections (Einthoven/Goldberger), the precordial leads fixed multiples (``_PRECORDIAL``)."""
    sig = np.zeros((12, len(waves["p"])))
    for li, lead in enumerate(STANDARD_LEADS):
        for k, wave in enumerate(("p", "qrs", "t")):
            if lead in _FRONTAL:
                deg, gain = _FRONTAL[lead]
                sig[li] += gain * math.cos(math.radians(angles[wave] - deg)) * waves[wave]
            else:
                sig[li] += _PRECORDIAL[lead][k] * waves[wave]
    return sig


def synthetic_record(pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0, rr_ms=1000.0, seconds=10.0,
                     p_angle=60.0, qrs_angle=45.0, t_angle=40.0, with_p=True, noise_mv=0.005,
                     seed=0, rr_cycle=None, t_amp=0.35) -> tuple[EcgRecord, dict]:
    """A 12-lead record of identical beats with known P onset, QRS onset/offset and T offset.

    ``rr_cycle``: RR intervals (ms) used in turn instead of the constant ``rr_ms`` (irregular rhythm).

    Each wave is a frontal vector of fixed direction times a compact hump; limb leads are the
    projections (Einthoven/Goldberger), precordial leads fixed multiples.
    """
    rng = np.random.default_rng(seed)
    T = int(seconds * FS)
    s = lambda ms: int(round(ms * FS / 1000.0))  # noqa: E731
    p_len, t_len = s(100), s(180)
    q_len, r_len = s(qrs_ms * 0.2), s(qrs_ms * 0.45)
    s_len = s(qrs_ms) - q_len - r_len
    waves = {"p": np.zeros(T), "qrs": np.zeros(T), "t": np.zeros(T)}
    truth = {"p_on": [], "qrs_on": [], "qrs_off": [], "t_off": []}
    start = s(300)
    while start + s(pr_ms) + s(qt_ms) + s(100) < T:
        q0 = start + s(pr_ms)
        if with_p:
            waves["p"][start:start + p_len] += 0.15 * _hump(p_len)
        waves["qrs"][q0:q0 + q_len] -= 0.15 * _hump(q_len)
        waves["qrs"][q0 + q_len:q0 + q_len + r_len] += 1.2 * _hump(r_len)
        waves["qrs"][q0 + q_len + r_len:q0 + s(qrs_ms)] -= 0.35 * _hump(s_len)
        t_end = q0 + s(qt_ms)
        waves["t"][t_end - t_len:t_end] += t_amp * _hump(t_len)
        truth["p_on"].append(start)
        truth["qrs_on"].append(q0)
        truth["qrs_off"].append(q0 + s(qrs_ms))
        truth["t_off"].append(t_end)
        start += s(rr_cycle[len(truth["t_off"]) % len(rr_cycle)] if rr_cycle else rr_ms)
    sig = project_leads(waves, {"p": p_angle, "qrs": qrs_angle, "t": t_angle})
    t = np.arange(T) / FS
    sig += 0.05 * np.sin(2 * np.pi * 0.2 * t)[None, :]          # slow baseline wander
    sig += noise_mv * rng.standard_normal(sig.shape)
    rec = EcgRecord(signal=sig.astype(np.float32), fs=FS, record_id="synthetic")
    return rec, {k: np.asarray(v) for k, v in truth.items()}


# --- formulas ---------------------------------------------------------------------------------

def test_qtc_formulas_match_their_definitions():
    assert qtc_bazett(400.0, 1000.0) == pytest.approx(400.0)
    assert qtc_bazett(400.0, 640.0) == pytest.approx(400.0 / 0.8)
    assert qtc_fridericia(400.0, 729.0) == pytest.approx(400.0 / 0.9)
    assert qtc_fridericia(360.0, 1331.0) == pytest.approx(360.0 / 1.1)
    assert qtc_framingham(400.0, 1000.0) == pytest.approx(400.0)
    assert qtc_framingham(360.0, 600.0) == pytest.approx(360.0 + 154.0 * 0.4)   # Sagie 1992


@pytest.mark.parametrize("net_i, net_avf, expected", [
    (1.0, 0.0, 0.0), (0.0, 1.0, 90.0), (-1.0, 0.0, 180.0), (0.0, -1.0, -90.0),
    (1.0, math.sqrt(3) / 2, 45.0),          # aVF sees sqrt(3)/2 of the vertical component
    (-1.0, -math.sqrt(3) / 2, -135.0),
    (math.cos(math.radians(-30)), math.sqrt(3) / 2 * math.sin(math.radians(-30)), -30.0),
])
def test_frontal_axis_formula(net_i, net_avf, expected):
    assert frontal_axis_deg(net_i, net_avf) == pytest.approx(expected, abs=1e-9)


# --- synthetic records with known truth -------------------------------------------------------

def test_synthetic_intervals_match_construction():
    rec, truth = synthetic_record(pr_ms=160, qrs_ms=90, qt_ms=400, rr_ms=1000)
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(60.0, abs=0.5)
    assert m.rr_ms == pytest.approx(1000.0, abs=5)
    assert m.pr_ms == pytest.approx(160.0, abs=12)
    assert m.qrs_ms == pytest.approx(90.0, abs=12)
    assert m.qt_ms == pytest.approx(400.0, abs=25)
    # QTc follows its definitions from the reported QT and RR
    assert m.qtc_bazett_ms == pytest.approx(m.qt_ms / math.sqrt(m.rr_ms / 1000), abs=0.1)
    assert m.qtc_fridericia_ms == pytest.approx(m.qt_ms / (m.rr_ms / 1000) ** (1 / 3), abs=0.1)
    assert m.fs == FS and m.method


@pytest.mark.parametrize("pr, qrs, qt, rr", [(200, 120, 440, 1200), (130, 80, 320, 600)])
def test_synthetic_other_intervals(pr, qrs, qt, rr):
    rec, _ = synthetic_record(pr_ms=pr, qrs_ms=qrs, qt_ms=qt, rr_ms=rr, seed=1)
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(60000 / rr, rel=0.01)
    assert m.pr_ms == pytest.approx(pr, abs=12)
    assert m.qrs_ms == pytest.approx(qrs, abs=12)
    assert m.qt_ms == pytest.approx(qt, abs=25)


def test_synthetic_fiducials_per_beat():
    rec, truth = synthetic_record()
    m = measure(rec)
    assert set(m.global_fiducials) == set(FIDUCIAL_KEYS)
    assert set(m.fiducials) == set(STANDARD_LEADS)
    n = len(m.beats)
    assert n == len(truth["qrs_on"])
    tol = 0.012 * FS
    for key in ("p_on", "qrs_on", "qrs_off"):
        got = m.global_fiducials[key]
        assert got.shape == (n,)
        assert np.nanmax(np.abs(got - truth[key])) <= tol, key
    assert np.nanmax(np.abs(m.global_fiducials["t_off"] - truth["t_off"])) <= 0.025 * FS
    lead = m.fiducials["II"]
    assert isinstance(lead, LeadFiducials)
    for arr in (lead.p_on, lead.p_off, lead.qrs_on, lead.qrs_off, lead.t_off, lead.r_peak):
        assert arr.shape == (n,)
    # lead II's R peak lies inside the constructed QRS of every beat
    assert np.all((lead.r_peak >= truth["qrs_on"]) & (lead.r_peak <= truth["qrs_off"]))


@pytest.mark.parametrize("angle", [-30.0, 0.0, 60.0, 100.0])
def test_synthetic_qrs_axis(angle):
    rec, _ = synthetic_record(qrs_angle=angle, t_angle=angle, p_angle=50.0)
    m = measure(rec)
    # the QRS is biphasic in every lead (q, R, s in proportion), so the net area points along it
    assert m.qrs_axis_deg == pytest.approx(angle, abs=4)
    assert m.t_axis_deg == pytest.approx(angle, abs=4)
    assert m.p_axis_deg == pytest.approx(50.0, abs=6)


def test_no_p_waves_gives_pr_none():
    rec, _ = synthetic_record(with_p=False)
    m = measure(rec)
    assert m.pr_ms is None and m.p_axis_deg is None
    assert any(n.startswith("PR") for n in m.notes)
    assert m.qrs_ms is not None and m.qt_ms is not None


def _decimate(rec: EcgRecord, factor: int) -> EcgRecord:
    from scipy.signal import resample_poly
    sig = resample_poly(rec.signal.astype(np.float64), 1, factor, axis=1).astype(np.float32)
    return EcgRecord(signal=sig, fs=rec.fs / factor, record_id=rec.record_id + "_lr")


def test_100hz_record_matches_construction_and_500hz():
    """At 100 Hz (PTB-XL's rate) the record is delineated at 500 Hz: the intervals agree with the
    construction and with the 500 Hz measurement, and fiducials are sample indices at 100 Hz.

    The synthetic QRS (sine-squared humps of 18-40 ms) has much energy above 50 Hz, which a
    100 Hz record cannot hold: its edges spread by about a sample each side (QRS ~112 ms for 90
    here). The intervals are calibrated to cardiologists' per-lead readings on LUDB
    (``MeasureConfig.pr_bias_ms`` ...), not to this construction, whose sine-squared P wave starts
    imperceptibly: PR reads up to ~15 ms short of it."""
    rec, truth = synthetic_record(pr_ms=160, qrs_ms=90, qt_ms=400, rr_ms=900)
    lr = _decimate(rec, 5)
    m, m500 = measure(lr), measure(rec)
    assert m.fs == 100.0
    assert m.heart_rate_bpm == pytest.approx(60000 / 900, rel=0.01)
    assert m.pr_ms == pytest.approx(160.0, abs=15)
    assert m.qrs_ms == pytest.approx(90.0, abs=25)
    assert m.qt_ms == pytest.approx(400.0, abs=25)
    for k, tol in (("pr_ms", 10), ("qrs_ms", 20), ("qt_ms", 20)):
        assert getattr(m, k) == pytest.approx(getattr(m500, k), abs=tol), k
    T = lr.signal.shape[1]
    assert m.beats.max() < T and len(m.beats) == len(truth["qrs_on"])
    assert np.nanmax(np.abs(m.global_fiducials["qrs_on"] - truth["qrs_on"] / 5)) <= 2   # samples at 100 Hz
    assert np.nanmax(np.abs(m.global_fiducials["qrs_off"] - truth["qrs_off"] / 5)) <= 2
    r = m.fiducials["II"].r_peak
    assert np.all((r >= truth["qrs_on"] / 5 - 1) & (r <= truth["qrs_off"] / 5 + 1))
    assert any("resampled to 500 Hz" in n for n in m.notes)


def test_fiducials_false_gives_identical_scalars():
    for rec in (synthetic_record()[0], _decimate(synthetic_record(seed=2)[0], 5),
                synthetic_record(rr_cycle=(600, 1000), pr_ms=130, qt_ms=320, seed=4)[0]):
        full, fast = measure(rec), measure(rec, fiducials=False)
        assert fast.as_dict() == full.as_dict()
        assert fast.notes == full.notes
        assert np.array_equal(fast.beats, full.beats) and np.array_equal(fast.dominant, full.dominant)
        for k in FIDUCIAL_KEYS:
            np.testing.assert_array_equal(fast.global_fiducials[k], full.global_fiducials[k])
        assert fast.fiducials == {} and set(full.fiducials) == set(STANDARD_LEADS)


def test_rr_variation_formula():
    assert rr_variation(np.array([0, 100, 200, 300])) == 0.0
    rr = np.array([600.0, 1000.0, 600.0, 1000.0])
    assert rr_variation(np.concatenate([[0], np.cumsum(rr)])) == pytest.approx(rr.std(ddof=1) / rr.mean())
    assert rr_variation(np.array([0, 100])) is None


def test_rr_successive_variation_formula():
    """Normalised RMSSD by hand: RR 600, 1000, 600, 1000 ms -> successive differences +-400 ms,
    RMSSD 400, mean RR 800: 0.5; a slow steady drift (RR 600, 700, 800, 900) varies as much by the
    coefficient of variation but only 100 / 750 beat to beat."""
    assert rr_successive_variation(np.array([0, 100, 200, 300])) == 0.0
    assert rr_successive_variation(np.cumsum([0, 600, 1000, 600, 1000])) == pytest.approx(0.5)
    drift = np.cumsum([0, 600, 700, 800, 900])
    assert rr_successive_variation(drift) == pytest.approx(100 / 750)
    assert rr_variation(drift) > 0.17 > rr_successive_variation(drift)
    assert rr_successive_variation(np.array([0, 100, 250])) is None


def test_measure_reports_beat_to_beat_variation():
    rec, _ = synthetic_record(rr_cycle=(600, 1000), pr_ms=130, qt_ms=320)
    m = measure(rec)
    assert m.rr_nrmssd == pytest.approx(rr_successive_variation(m.beats)) and m.rr_nrmssd > 0.4
    regular, _ = synthetic_record(rr_ms=800)
    assert measure(regular).rr_nrmssd < 0.02


def test_qtc_reported_with_caveat_in_irregular_rhythm():
    rec, _ = synthetic_record(rr_cycle=(600, 1000), pr_ms=130, qt_ms=320)      # RR CV 0.27
    m = measure(rec)
    assert m.qt_ms is not None and m.qtc_bazett_ms is not None and m.qtc_fridericia_ms is not None
    assert any(n.startswith("QTc unreliable: irregular rhythm") for n in m.notes)
    regular, _ = synthetic_record(rr_ms=800)
    assert not any(n.startswith("QTc") for n in measure(regular).notes)


@pytest.mark.parametrize("t_amp, qrs", [(1.0, 90), (2.5, 120)])
def test_tall_t_waves_are_not_counted_as_beats(t_amp, qrs):
    """A slow rhythm (50 bpm) with T waves as tall as the QRS or taller: one beat per QRS."""
    rec, truth = synthetic_record(rr_ms=1200, t_amp=t_amp, qrs_ms=qrs, qt_ms=460)
    m = measure(rec, fiducials=False)
    assert len(m.beats) == len(truth["qrs_on"])
    assert m.heart_rate_bpm == pytest.approx(50.0, abs=0.5)
    assert m.rhythm_irregular is False


def test_ventricular_bigeminy_counts_every_beat():
    """Alternating short and long RR (ectopic beats or AF-like irregularity): the rate is 60 / mean
    RR over all QRS complexes, and the rhythm is called irregular."""
    rec, truth = synthetic_record(rr_cycle=(500, 1100), pr_ms=130, qt_ms=320)
    m = measure(rec, fiducials=False)
    rr = np.diff(truth["qrs_on"]) * 1000 / FS
    assert len(m.beats) == len(truth["qrs_on"])
    assert m.heart_rate_bpm == pytest.approx(60000 / rr.mean(), abs=1)
    assert m.rhythm_irregular is True and any(n.startswith("rhythm irregular") for n in m.notes)


def test_pacing_spike_is_left_out_of_the_qrs():
    """A 2 ms, 3 mV spike 20 ms before each QRS (ventricular pacing): the QRS starts after it."""
    rec, truth = synthetic_record(qrs_ms=140, pr_ms=200, qt_ms=440, rr_ms=1000)
    sig = rec.signal.astype(np.float64).copy()
    for q0 in truth["qrs_on"]:
        sig[:, q0 - 10:q0 - 9] += 3.0
    paced = EcgRecord(signal=sig.astype(np.float32), fs=FS, record_id="paced")
    m = measure(paced, fiducials=False)
    assert any("pacing spike" in n for n in m.notes)
    assert m.qrs_ms == pytest.approx(140, abs=15)
    plain = measure(rec, fiducials=False)
    assert not any("pacing spike" in n for n in plain.notes)


def test_bazett_caveat_at_high_heart_rate():
    rec, _ = synthetic_record(rr_ms=450, pr_ms=120, qt_ms=280)                 # 133 bpm, regular
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(133.3, abs=1)
    assert m.qtc_bazett_ms is not None
    assert any(n.startswith("QTc Bazett unreliable: heart rate") for n in m.notes)
    assert not any("irregular" in n for n in m.notes)


@pytest.mark.parametrize("rr", [333, 316, 300, 270, 250])
def test_tachycardia_rate_is_true(rr):
    """A regular tachycardia of identical beats at 180-240 bpm: the rate given is the constructed one
    (within 2 %), never a rate off by half. The measurement's QRS detector takes one beat in two from
    200 bpm (it had given 100, 107 and 120 bpm for 200, 214 and 240), which the table, the PDF, the CSV
    and the interpretation showed as measured beside the quality gate's right rate (CinC JS45547: 121 bpm
    against the gate's 222); then the rate and RR are the second detector's, with a note, and PR and
    QT/QTc, which the missed beats make wrong, are not given."""
    true_bpm = 60000.0 / rr
    rec, _ = synthetic_record(rr_ms=rr, with_p=False, qrs_ms=80, qt_ms=0.8 * rr, t_amp=0.2)
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(true_bpm, rel=0.02)
    assert m.rr_ms == pytest.approx(rr, rel=0.02)
    said = [n for n in m.notes if "missed beats" in n]
    if said:
        assert true_bpm >= 200          # below 200 bpm the measurement itself must give the rate
        assert m.qt_ms is None and m.qtc_bazett_ms is None and m.qtc_fridericia_ms is None and m.pr_ms is None
        assert m.rhythm_irregular is False
        assert len(said) == 1
        assert said[0].startswith(f"rate and RR from a second QRS detector, {m.heart_rate_bpm:.0f} bpm")
        assert not any(n.startswith(("QTc", "rhythm irregular")) for n in m.notes), m.notes
        assert m.qrs_ms == pytest.approx(80, abs=15)              # read off the beats it found


def test_qtc_caveat_at_slow_heart_rate():
    rec, _ = synthetic_record(rr_ms=1500, pr_ms=160, qt_ms=440)                # 40 bpm, regular
    m = measure(rec)
    assert m.heart_rate_bpm == pytest.approx(40, abs=1)
    assert m.qtc_bazett_ms is not None
    assert any(n.startswith("QTc unreliable: heart rate 40") and "< 50" in n for n in m.notes), m.notes
    at_60, _ = synthetic_record(rr_ms=1000, pr_ms=160, qt_ms=400)
    assert not any("QTc unreliable" in n for n in measure(at_60).notes)


def test_repository_samples():
    """The app's samples: a normal PTB-XL ECG at 100 Hz has a normal QRS (it read 160 ms before the
    record was delineated at 500 Hz), the left bundle branch block a wide one, and the atrial
    fibrillation record (CinC 2021 A0003, 145 bpm) a QTc with both caveats."""
    from mirage_model.records import load_record
    samples = ROOT / "resources" / "samples"
    if not (samples / "cinc2021" / "A0003.hea").is_file():
        pytest.skip("repository samples not present")
    normal = measure(load_record(samples / "ptbxl" / "records100" / "00000" / "00417_lr.hea"))
    assert 80 <= normal.qrs_ms <= 120                                         # PTB-XL: NORM, sinus
    lbbb = measure(load_record(samples / "ptbxl" / "records100" / "04000" / "04016_lr.hea"))
    assert lbbb.qrs_ms >= 120                                                 # PTB-XL: CLBBB
    af = measure(load_record(samples / "cinc2021" / "A0003.hea"))
    assert af.heart_rate_bpm > 120 and af.qtc_bazett_ms is not None and af.pr_ms is None
    assert any(n.startswith("QTc unreliable: irregular rhythm") for n in af.notes)
    assert any(n.startswith("QTc Bazett unreliable") for n in af.notes)


def test_flat_signal_gives_all_none():
    rec = EcgRecord(signal=np.zeros((12, 5000), dtype=np.float32), fs=FS, record_id="flat")
    m = measure(rec)
    assert all(v is None for v in m.as_dict().values())
    assert m.notes


def test_noise_gives_all_none():
    rng = np.random.default_rng(3)
    rec = EcgRecord(signal=(0.3 * rng.standard_normal((12, 5000))).astype(np.float32), fs=FS, record_id="noise")
    m = measure(rec)
    assert all(v is None for v in m.as_dict().values())
    assert m.notes


def test_nan_lead_and_short_record():
    rec, _ = synthetic_record()
    sig = rec.signal.copy()
    sig[7, 100:200] = np.nan                      # V2 has a gap: left out, the whole record measured on
    m = measure(EcgRecord(signal=sig, fs=FS, record_id="gap"))   # the other leads, no NaN leaks out
    for v in m.as_dict().values():
        assert v is None or math.isfinite(v)
    assert m.qrs_ms == pytest.approx(90, abs=12)
    assert m.beats.min() < 100 + FS and not any(n.startswith("measured on") for n in m.notes)
    short = measure(EcgRecord(signal=rec.signal[:, :500], fs=FS, record_id="short"))
    assert all(v is None for v in short.as_dict().values())
    assert "short" in short.notes[0]


def test_a_gap_in_every_lead_is_measured_around_not_given_up():
    """A dropout across all leads (0.6 s of NaN, as a loose cable gives) leaves the rest measurable: the
    record is measured on its longest stretch without missing samples, beats at the record's own
    sample indices, against the construction's truth."""
    rec, truth = synthetic_record(pr_ms=160, qrs_ms=90, qt_ms=400, rr_ms=1000)
    sig = rec.signal.copy()
    a, b = int(3.2 * FS), int(3.8 * FS)
    sig[:, a:b] = np.nan
    m = measure(EcgRecord(signal=sig, fs=FS, record_id="dropout"))
    assert m.heart_rate_bpm == pytest.approx(60.0, abs=0.5)
    assert m.pr_ms == pytest.approx(160.0, abs=12) and m.qrs_ms == pytest.approx(90.0, abs=12)
    assert m.qt_ms == pytest.approx(400.0, abs=25)
    assert np.all(m.beats >= b)                                          # the longest stretch: 3.8-10 s
    on = m.global_fiducials["qrs_on"]
    expected = truth["qrs_on"][truth["qrs_on"] >= b]
    assert len(on) == len(expected) and np.nanmax(np.abs(on - expected)) <= 0.012 * FS   # record indices
    assert any("measured on 3.8-10.0 s" in n and "gaps in I, II" in n for n in m.notes)


def test_gaps_too_frequent_for_a_measurable_stretch_give_none_with_the_reason():
    rec, _ = synthetic_record()
    sig = rec.signal.copy()
    for k in range(0, sig.shape[1], int(2 * FS)):  # 30 ms missing every 2 s in every lead (a single
        sig[:, k:k + int(0.03 * FS)] = np.nan      # sample, or up to 10 ms, is bridged: test_measure_short_gaps)
    m = measure(EcgRecord(signal=sig, fs=FS, record_id="holes"))
    assert all(v is None for v in m.as_dict().values())
    assert "usable independent leads" in m.notes[0]


def test_bad_shape_names_the_record():
    with pytest.raises(ValueError, match="oops"):
        measure(EcgRecord(signal=np.zeros((3, 5000), dtype=np.float32), fs=FS, record_id="oops"))


def test_as_dict_keys():
    rec, _ = synthetic_record()
    d = measure(rec).as_dict()
    assert list(d) == ["heart_rate_bpm", "rr_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms",
                       "qtc_fridericia_ms", "qtc_framingham_ms", "p_axis_deg", "qrs_axis_deg", "t_axis_deg",
                       "sokolow_lyon_mv", "cornell_mv", "qrs_limb_mv", "qrs_precordial_mv"]
    assert tuple(d) == SCALAR_KEYS
    assert all(v is None or isinstance(v, float) for v in d.values())
    empty = Measurements(*([None] * 10))
    assert all(v is None for v in empty.as_dict().values())


# --- LUDB: cardiologists' annotations -----------------------------------------------------------

def _eval_module():
    return load_script("eval_ludb")


@pytest.fixture(scope="module")
def ludb(shared_datasets):
    data = shared_datasets / "ludb" / "data"
    if not (data / "1.hea").is_file():
        pytest.skip("LUDB not present")
    return data, _eval_module()


def _ludb_diffs(ev, data, rids, fs=None):
    """ours - cardiologists (median-over-leads convention) per quantity, over the records rids."""
    diffs = {"heart_rate_bpm": [], "pr_ms": [], "qrs_ms": [], "qt_ms": []}
    for rid in rids:
        rec = ev.load_ludb_record(data / str(rid))
        ref = ev.ludb_reference(data / str(rid), rec.fs)
        ours = measure(rec if fs is None else ev.decimate_record(rec, fs), fiducials=False).as_dict()
        for k in diffs:
            if ours[k] is not None and ref[k] is not None:
                diffs[k].append(ours[k] - ref[k])
    return {k: np.asarray(v) for k, v in diffs.items()}


def test_ludb_records_against_annotations(ludb):
    """Records 51-70 (all of them; the calibration was fitted on 1-50): bias within the issue's
    bounds against the cardiologists' per-lead readings, typical error well inside them."""
    data, ev = ludb
    d = _ludb_diffs(ev, data, range(51, 71))
    assert len(d["qrs_ms"]) == 20 and len(d["qt_ms"]) == 20 and len(d["pr_ms"]) >= 14
    assert abs(d["heart_rate_bpm"].mean()) <= 1 and d["heart_rate_bpm"].std(ddof=1) <= 2
    for k, (m, mad) in (("pr_ms", (10, 10)), ("qrs_ms", (10, 10)), ("qt_ms", (25, 20))):
        assert abs(d[k].mean()) <= m and np.median(np.abs(d[k])) <= mad, (k, d[k].mean())


@pytest.mark.slow
def test_ludb_held_out_half_meets_the_issue_bounds(ludb):
    """All held-out records 51-100 without a pacemaker (46 of 50; the 4 paced ones are reported
    apart in docs/measurements.md): |mean| <= 10 ms and SD <= 15 ms for PR and QRS, 25 / 30 ms
    for QT, 1 / 2 bpm for the rate."""
    data, ev = ludb
    paced = ev._paced(data.parent)
    assert paced, "ludb.csv not found next to the data"
    d = _ludb_diffs(ev, data, [r for r in range(51, 101) if str(r) not in paced])
    bounds = {"heart_rate_bpm": (1, 2), "pr_ms": (10, 15), "qrs_ms": (10, 15), "qt_ms": (25, 30)}
    for k, (m, sd) in bounds.items():
        assert abs(d[k].mean()) <= m and d[k].std(ddof=1) <= sd, (k, d[k].mean(), d[k].std(ddof=1))


def test_ludb_reference_conventions(ludb):
    """The median-over-leads reference lies inside the earliest/latest one (record 1)."""
    data, ev = ludb
    ref = ev.ludb_reference(data / "1")
    assert ref["qrs_ms"] <= ref["qrs_ms_extreme"] and ref["qt_ms"] <= ref["qt_ms_extreme"]
    assert ref["pr_ms"] <= ref["pr_ms_extreme"]
    assert 60 <= ref["qrs_ms"] <= 130 and ref["n_beats"] >= 5


def test_ludb_reader_keeps_einthoven(ludb):
    """The evaluation reads LUDB's stored microvolts, under which I + III = II holds exactly."""
    data, ev = ludb
    x = ev.load_ludb_record(data / "1").signal.astype(np.float64)
    assert np.abs(x[0] + x[2] - x[1]).max() < 1e-3


def test_ludb_at_100hz_against_annotations(ludb):
    """Records 51-70 decimated to 100 Hz (resample_poly, as the evaluation script does): bias
    within the issue's bounds; the spread may be larger than at 500 Hz (information above 50 Hz
    is gone)."""
    data, ev = ludb
    d = _ludb_diffs(ev, data, range(51, 71), fs=100.0)
    assert len(d["qrs_ms"]) == 20 and len(d["qt_ms"]) == 20 and len(d["pr_ms"]) >= 14
    for k, (m, mad) in (("pr_ms", (10, 15)), ("qrs_ms", (10, 15)), ("qt_ms", (25, 30))):
        assert abs(d[k].mean()) <= m and np.median(np.abs(d[k])) <= mad, (k, d[k].mean())


@pytest.mark.parametrize("rid", ["38", "44", "51", "83"])
def test_ludb_atrial_fibrillation_has_no_pr(ludb, rid):
    data, ev = ludb
    m = measure(ev.load_ludb_record(data / rid))
    assert m.pr_ms is None and m.p_axis_deg is None
    assert m.heart_rate_bpm is not None and m.qrs_ms is not None


# --- the learned delineator ---------------------------------------------------------------------

def test_learned_boundaries_from_labels():
    """Runs of labels -> the beat's P onset, QRS onset/offset and T offset (independent truth)."""
    ln = pytest.importorskip("mirage_model.measure.learned")
    lab = np.zeros(600, dtype=np.int64)
    lab[100:150] = 1                     # P
    lab[210:260] = 2                     # QRS around the anchor 225
    lab[330:420] = 3                     # T
    lab[500:560] = 1                     # the next P: not this beat's
    b = ln.boundaries(lab, 225, 500.0)
    assert (b["p_on"], b["p_off"], b["qrs_on"], b["qrs_off"], b["t_off"]) == (100, 150, 210, 260, 420)
    lab[100:150] = 0
    assert math.isnan(ln.boundaries(lab, 225, 500.0)["p_on"])
    assert all(math.isnan(v) for v in ln.boundaries(np.zeros(600, dtype=np.int64), 225, 500.0).values())


def test_learned_unet_shapes_and_safetensors_roundtrip(tmp_path):
    ln = pytest.importorskip("mirage_model.measure.learned")
    import torch

    torch.manual_seed(0)
    net = ln.UNet1d(ln.DelineatorConfig(width=4, depth=2)).eval()
    x = np.random.default_rng(0).standard_normal((3, 600)).astype(np.float32)
    with torch.no_grad():
        assert net(torch.from_numpy(x).unsqueeze(1)).shape == (3, 4, 600)       # (B, 4, W)
    ln.save(net, tmp_path / "d.safetensors", {"note": "test"})
    back = ln.load(str(tmp_path / "d.safetensors"))
    assert back.config == net.config
    assert np.array_equal(ln.segment(back, x), ln.segment(net, x))
    with pytest.raises(FileNotFoundError, match="nope"):
        ln.load(str(tmp_path / "nope.safetensors"))


def test_shipped_unet_delineator_on_synthetic_beats():
    """The shipped U-Net (trained on LUDB 1-50) reads constructed intervals within the bounds the
    rules are held to, and its per-lead boundaries feed the same median-over-leads intervals."""
    pytest.importorskip("torch")
    from mirage_model.measure import MeasureConfig
    from mirage_model.measure.learned import default_path

    if not default_path().is_file():
        pytest.skip("learned delineator weights not shipped")
    rec, _ = synthetic_record(pr_ms=160, qrs_ms=90, qt_ms=400, rr_ms=1000)
    m = measure(rec, MeasureConfig(delineator="unet"), fiducials=False)
    assert m.pr_ms == pytest.approx(160.0, abs=12)
    assert m.qrs_ms == pytest.approx(90.0, abs=12)
    assert m.qt_ms == pytest.approx(400.0, abs=25)
    assert m.heart_rate_bpm == pytest.approx(60.0, abs=0.5)


def test_rules_take_over_without_learned_weights(tmp_path):
    """Missing weights: every value is still measured (by the rules), and a note says so."""
    from mirage_model.measure import MeasureConfig

    rec, _ = synthetic_record()
    cfg = MeasureConfig(delineator="unet", delineator_path=str(tmp_path / "absent.safetensors"))
    m = measure(rec, cfg, fiducials=False)
    rules = measure(rec, MeasureConfig(delineator="rules"), fiducials=False)
    assert any(n.startswith("learned delineator unavailable") for n in m.notes)
    assert m.as_dict() == rules.as_dict()


@pytest.mark.parametrize("other_rr_s, given", [
    ([0.4] * 20, False),                # a regular 150 bpm: one beat in two missed
    ([0.6] * 14, True),                 # 100 bpm: 0.72 of it, not half
    ([0.3, 0.5] * 12, True),            # median 150 bpm but alternating: T waves counted as beats there
    (None, True),
])
def test_a_rate_about_half_the_other_detectors_is_replaced_by_it(monkeypatch, other_rr_s, given):
    """At any rate, a measured rate under 0.6 of the quality check's detector's, whose intervals are
    regular, is one beat in two missed: rate and RR are the other detector's and PR and QT/QTc are not
    given, with a note naming both rates (below 200 bpm this cross-check had not run). The other detector
    is replaced here so that only the rule is under test."""
    import mirage_model.measure.pipeline as pipeline

    rec, _ = synthetic_record(rr_ms=833.3)                                # 72 bpm
    rr = None if other_rr_s is None else np.asarray(other_rr_s)
    monkeypatch.setattr(pipeline, "detected_rr_s", lambda x, fs: rr)
    m = measure(rec)
    if given:
        assert m.heart_rate_bpm == pytest.approx(72, abs=1) and m.qt_ms is not None and m.pr_ms is not None
        assert not any("missed beats" in n for n in m.notes)
    else:
        assert m.heart_rate_bpm == 150.0 and m.rr_ms == 400.0 and m.rhythm_irregular is False
        assert m.pr_ms is None and m.qt_ms is None and m.qtc_bazett_ms is None
        said = [n for n in m.notes if "missed beats" in n]
        assert len(said) == 1 and "second QRS detector, 150 bpm" in said[0] and "found 72 bpm" in said[0], m.notes
        assert m.qrs_ms == pytest.approx(90, abs=15)                      # read off the beats it found


def test_a_wide_complex_tachycardia_is_not_measured_at_half_its_rate(shared_datasets):
    """CinC 2021 JS45546 (Ningbo, labelled paroxysmal ventricular tachycardia): about 29 wide complexes in its
    10 s (one every 346 ms, 173 bpm). neurokit2's detector takes one in two in places; the table had
    shown 94 bpm."""
    from mirage_model.records import load_record

    path = shared_datasets / "cinc" / "cinc2021" / "ChapmanShaoxing_Ningbo" / "JS45546.hea"
    if not path.is_file():
        pytest.skip("CinC 2021 samples absent")
    m = measure(load_record(path))
    assert m.heart_rate_bpm == pytest.approx(173, rel=0.05)
    assert any("missed beats" in n for n in m.notes)


def test_p_correlation_is_the_candidates_beat_to_beat_correlation():
    """Measurements.p_correlation: the P wave candidate's median beat-to-beat correlation, as its note
    quotes it when under MeasureConfig.p_corr_min (no PR); None with no candidate."""
    import re

    from mirage_model.measure import MeasureConfig

    rec, _ = synthetic_record(pr_ms=160)
    m = measure(rec)
    assert m.pr_ms is not None and m.p_correlation >= MeasureConfig().p_corr_min
    m = measure(synthetic_record(with_p=False)[0])
    assert m.pr_ms is None and m.p_correlation is None
    # P waves that wander against the QRS (onsets 30 ms early, on time, 30 ms late, 10 ms late in turn): a
    # candidate, too unlike beat to beat to be a P wave; the note quotes the same correlation
    rec, truth = synthetic_record(pr_ms=160, rr_ms=900, seed=3)
    without, _ = synthetic_record(pr_ms=160, rr_ms=900, seed=3, with_p=False)
    p = rec.signal - without.signal
    sig = without.signal.copy()
    for k, start in enumerate(truth["p_on"]):
        d = int((0, 30, -30, 10)[k % 4] * FS / 1000)
        sig[:, start + d:start + d + 50] += p[:, start:start + 50]
    m = measure(EcgRecord(signal=sig, fs=FS, record_id="wandering P"))
    note = next(n for n in m.notes if "beat-to-beat correlation" in n)
    assert m.pr_ms is None and 0.6 < m.p_correlation < MeasureConfig().p_corr_min
    assert float(re.search(r"correlation (-?[\d.]+)", note).group(1)) == pytest.approx(m.p_correlation, abs=0.005)
