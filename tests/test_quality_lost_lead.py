"""A lead that carries ECG in one part of the record and none in the rest (an electrode come off: a held
level and steps, as V5 of PTB-XL 12251 after 2 s) is named for that ("lead_lost"), and the other leads are
graded on their own: its steps had set the beats of every lead, and all twelve read "poor".

Truth: the faults are made from the two real records shipped with the project (PTB-XL 00417 at 100 Hz,
LUDB 1 at 500 Hz), so which lead loses its ECG, and when, is known; the unmodified records carry no such
finding (``test_clean_records_have_no_lost_lead``).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers_quality import assess_signal

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.fixture(scope="module", params=["00417", "ludb"])
def clean(request):
    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    want = request.param
    return load_record(next(p for p in sample_records() if want in str(p) and (want != "ludb" or p.stem == "1")))


def _held_and_stepped(record, lead: str, at_s: float, levels=(0.9, 4.7, 0.4, 0.9, -3.5, 0.9, 0.4)) -> np.ndarray:
    """(12, T) the record with ``lead`` from ``at_s`` on a held level that steps to each of ``levels`` (mV)
    in turn, each held for an equal share of the rest, with one sample of 0.001 mV jitter in ten (12251's V5)."""
    sig = record.signal.astype(np.float64)
    T = sig.shape[1]
    a = int(at_s * record.fs)
    held = np.repeat(np.asarray(levels, float), int(np.ceil((T - a) / len(levels))))[:T - a]
    jitter = np.where(np.arange(T - a) % 10 == 0, 0.001, 0.0)
    sig[LEADS.index(lead), a:] = held + jitter
    return sig


def test_clean_records_have_no_lost_lead(clean):
    report, found = assess_signal(clean, clean.signal)
    assert "lead_lost" not in found


@pytest.mark.parametrize("lead,at_s", [("V5", 4.5), ("V2", 4.8), ("II", 4.6)])
def test_a_lead_held_and_stepped_after_a_time_is_named(clean, lead, at_s):
    """V5 held and stepped from 4.5 s (the 12251 fault; three beats of ECG before it at LUDB 1's 45 bpm, the
    least that names it): named with the time its ECG ends, critical (no ECG for more than half the record);
    no other lead poor, and no lead "shifted" or "stepped" for it."""
    report, found = assess_signal(clean, _held_and_stepped(clean, lead, at_s))
    assert "lead_lost" in found, report.summary()
    f = found["lead_lost"]
    assert f.leads == (lead,) and f.severity == "critical"
    assert f"lead {lead}: no ECG after" in f.name and "electrode off" in f.name
    said = float(f.name.split("after ")[1].split(" s")[0])
    beat_s = 60.0 / report.heart_rate_bpm
    assert at_s - beat_s - 0.3 <= said <= at_s + 0.05        # the end of the last beat before the fault
    poor = [n for n, g in zip(LEADS, report.lead_grade) if g in ("poor", "absent")]
    assert poor == [lead], poor
    assert "leads_shifted" not in found and "baseline_step" not in found
    assert "lead_noisy" not in found            # one finding per cause: the lost ECG, not a noisy lead besides


def test_a_lead_connected_late_is_named(clean):
    """The same fault at the start: held and stepped until 5.0 s, ECG after: "no ECG before" the first beat
    it shows (or the next: the first beat after the level's last step can carry its edge)."""
    sig = clean.signal.astype(np.float64)
    k = LEADS.index("V4")
    a = int(5.0 * clean.fs)
    sig[k, :a] = np.repeat([0.3, -2.0, 1.1], int(np.ceil(a / 3)))[:a]
    report, found = assess_signal(clean, sig)
    assert "lead_lost" in found, report.summary()
    f = found["lead_lost"]
    assert f.leads == ("V4",) and "no ECG before" in f.name
    said = float(f.name.split("before ")[1].split(" s")[0])
    assert 5.0 - 0.1 <= said <= 5.0 + 2 * 60.0 / report.heart_rate_bpm + 0.1
    poor = [n for n, g in zip(LEADS, report.lead_grade) if g in ("poor", "absent")]
    assert poor == ["V4"], poor


@pytest.mark.parametrize("at_s", [4.0, 5.5])
def test_a_lead_whose_qrs_changes_shape_and_size_keeps_its_ecg(clean, at_s):
    """V1 from ``at_s`` on is its own signal inverted at 0.4 of its size (a QRS that changes shape and size in
    one lead, as V1 of PTB-XL 02746 where a complete right bundle branch block gives way to an incomplete one):
    a QRS at every beat of the others, so ECG throughout. Its earlier beats, unlike the later ones (correlation
    under 0.5) and over twice their height, had read "no ECG" (critical: the calls withheld)."""
    sig = clean.signal.astype(np.float64)
    k, a = LEADS.index("V1"), int(at_s * clean.fs)
    sig[k, a:] = -0.4 * sig[k, a:]
    report, found = assess_signal(clean, sig)
    assert "lead_lost" not in found, found["lead_lost"].name
    assert "V1" not in sum((f.leads for f in report.findings if f.severity == "critical"), ())


def test_a_lead_drifting_away_is_lost_from_then(clean):
    """V3 from 4.5 s: its electrode off, the amplifier drifting 4 mV (exponentially, 2 s) under 0.02 mV of
    noise. The drift's beats, each a ramp, are alike from beat to beat but no QRS: lost after the last beat
    before 4.5 s (00417 had read "no ECG before 6.5 s", the ECG side taken for the lost one)."""
    sig = clean.signal.astype(np.float64)
    k, a = LEADS.index("V3"), int(4.5 * clean.fs)
    t = np.arange(sig.shape[1] - a) / clean.fs
    sig[k, a:] = sig[k, a] - 4.0 * (1 - np.exp(-t / 2.0)) + np.random.default_rng(0).normal(0.0, 0.02, len(t))
    report, found = assess_signal(clean, sig)
    f = found["lead_lost"]
    assert f.leads == ("V3",) and "no ECG after" in f.name, f.name
    said = float(f.name.split("after ")[1].split(" s")[0])
    assert 4.5 - 60.0 / report.heart_rate_bpm - 0.3 <= said <= 4.5 + 0.05


def test_a_short_lost_part_is_a_warning(clean):
    """V3 held from 6.2 s: under half the record without ECG: a warning, the calls stand."""
    report, found = assess_signal(clean, _held_and_stepped(clean, "V3", 6.2, levels=(0.5, 2.0)))
    assert "lead_lost" in found, report.summary()
    assert found["lead_lost"].severity == "warning" and found["lead_lost"].leads == ("V3",)


@pytest.mark.slow
def test_ptbxl_12251_v5_is_named_and_the_other_leads_graded_on_their_own(ptbxl_root):
    """PTB-XL 12251 (fold 2): V5 carries ECG for its first beats, then held levels and steps (seen by eye);
    V6 carries the beats 110 ms late (``test_quality_consistency``). All twelve leads read "poor" before."""
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    report = assess(load_record(ptbxl_root / "records100" / "12000" / "12251_lr.hea"))
    found = {f.code: f for f in report.findings}
    assert "lead_lost" in found and found["lead_lost"].leads == ("V5",), report.summary()
    assert found["lead_lost"].severity == "critical"
    poor = {n for n, g in zip(LEADS, report.lead_grade) if g in ("poor", "absent")}
    assert "V5" in poor and poor <= {"V5", "V6"}, poor


@pytest.mark.slow
def test_ptbxl_02746_v1_changing_shape_is_not_lost(ptbxl_root):
    """PTB-XL 02746 (fold 9): "initially there is complete right bundle branch block, then there is a run of
    incomplete right bundle branch block" (its report); V1's QRS, a tall R' (1.5 mV peak-to-peak) in its first
    five beats, is a small rSr' (0.7-0.9 mV) from 5.8 s on (seen by eye; the other leads change little). It had
    read "lead V1: no ECG before 6.8 s", critical."""
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    report = assess(load_record(ptbxl_root / "records100" / "02000" / "02746_lr.hea"))
    assert "lead_lost" not in report.codes, report.summary()
    assert report.verdict == "usable"


def test_a_part_of_a_lead_recorded_at_another_time_is_said_so():
    """00417's aVL from 6.0 s is its own signal 120 ms later, 0.4 mV up (a step where the part recorded at another
    time begins, as PTB-XL 09898's V6): its ECG is there, late. It had read "lead aVL: no ECG after 5.7 s
    (electrode off?)"; now the lag and the first late beat (the other leads' R peak at 6.6 s, from lead II here),
    and critical, as a lead shifted in time throughout ("leads_shifted")."""
    from scipy.signal import find_peaks

    from mirage_model.paths import sample_records
    from mirage_model.records import load_record

    record = load_record(next(p for p in sample_records() if "00417" in str(p)))
    sig = record.signal.astype(np.float64)
    k, a = LEADS.index("aVL"), int(6.0 * record.fs)
    sig[k, a:] = np.roll(sig[k], int(round(0.12 * record.fs)))[a:] + 0.4
    ii = np.abs(sig[1] - np.median(sig[1]))
    first = find_peaks(ii, height=0.6 * ii.max(), distance=int(0.3 * record.fs))[0] / record.fs
    first = first[first >= 6.0][0]
    report, found = assess_signal(record, sig)
    f = found["lead_lost"]
    assert f.leads == ("aVL",) and "no ECG" not in f.name and f.severity == "critical", f.name
    assert f"lead aVL: QRS complexes 120 ms later than the other leads' from {first:.1f} s" in f.name
    assert "recorded at another time" in f.name and f.span_s[0] == pytest.approx(first, abs=0.03)


@pytest.mark.slow
def test_ptbxl_09898_v6_late_from_a_step_is_said_late_not_lost(ptbxl_root):
    """PTB-XL 09898 (fold 1): V6 carries its ECG throughout (seen by eye); from a 0.4 mV step at 6.0 s its QRS
    complexes come 120 ms after the other leads'. It had read "lead V6: no ECG after 4.2 s (electrode off?)"."""
    from mirage_model.quality import assess
    from mirage_model.records import load_record

    report = assess(load_record(ptbxl_root / "records100" / "09000" / "09898_lr.hea"))
    f = {f.code: f for f in report.findings}["lead_lost"]
    assert f.leads == ("V6",) and f.severity == "critical"
    assert f.name == "lead V6: QRS complexes 120 ms later than the other leads' from 6.0 s (recorded at another time?)"
