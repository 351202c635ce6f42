"""P waves found without the median beat's P wave (``measure.p_template``). The truth is the construction: where each
P wave and each QRS was placed, and at what rate."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import measure
from mirage_model.measure.p_template import atrial_cycle
from mirage_model.records import EcgRecord
from test_measure import FS, project_leads
from test_p_waves import _near, avb_record


def test_complete_block_p_waves_are_found_without_the_median_beat():
    """Atrial rate 90/min, ventricular 42/min, unrelated: the median beat holds no P wave (no PR), yet the P waves
    marching through are found at the constructed places, at their own rate, with the non-conducted ones."""
    p = [100 + 667 * k for k in range(15)]
    q = [280 + 1430 * k for k in range(7)]
    m = measure(avb_record(p, q))
    assert m.pr_ms is None
    w = m.p_waves
    assert w is not None
    assert w.pp_s == pytest.approx(0.667, abs=0.02) and w.regular
    # every P wave clear of a QRS (not within 60 ms before to 130 ms after its onset) is found within 20 ms
    clear = [t for t in p if all(not (qq - 60 <= t + 100 and t <= qq + 130) for qq in q)]
    assert _near(w.onset_s, clear).mean() >= 0.9, (w.onset_s, clear)
    assert w.n_blocked >= 2


def test_atrial_cycle_at_the_p_rate_not_the_rr():
    """Humps every 0.7 s in a flat residue: the cycle is 0.7 s; the same humps at the RR intervals are not P waves of
    their own (the QRS-T's residue repeats at the RR)."""
    fs = 100.0
    r = np.zeros((2, 1000))
    for t in range(50, 1000 - 12, 70):
        r[:, t:t + 10] += np.sin(np.pi * (np.arange(10) + 0.5) / 10) ** 2 * 0.1
    allowed = np.ones(1000, dtype=bool)
    cyc = atrial_cycle(r, allowed, fs, np.full(8, 1.25))
    assert cyc is not None and cyc[0] == pytest.approx(0.7, abs=0.011)
    assert atrial_cycle(r, allowed, fs, np.full(14, 0.7)) is None


def test_complete_block_at_an_irregular_ventricular_rhythm():
    """Atrial rate 85/min (P-P 706 ms), the ventricular rhythm irregular (RR 760-1430 ms, PTB-XL 15368's): two of the
    eight RR intervals lie near the P-P, so the cycle is the P waves', not the QRS-T residue's. The P waves clear of
    a QRS are found at the constructed places, at their own rate."""
    p = [150 + 706 * k for k in range(14)]
    q = list(np.cumsum([400, 760, 1250, 1430, 810, 1310, 1370, 770, 760]))
    m = measure(avb_record(p, q))
    w = m.p_waves
    assert w is not None
    assert w.pp_s == pytest.approx(0.706, abs=0.02)
    clear = [t for t in p if all(not (qq - 60 <= t + 100 and t <= qq + 130) for qq in q)]
    assert _near(w.onset_s, clear).mean() >= 0.9, (w.onset_s, clear)
    assert w.n_blocked >= 2


def _complete_block(stray_ms=(), left_out=()):
    """Atrial 90/min, ventricular 42/min (the first test's), with P-like humps at ``stray_ms`` off the march and the
    P waves at indices ``left_out`` missing: (record, the P onsets placed (ms))."""
    p = [100 + 667 * k for k in range(15) if k not in left_out]
    return avb_record(sorted(p + list(stray_ms)), [280 + 1430 * k for k in range(7)]), p


@pytest.mark.parametrize("stray_ms, left_out", [((1100,), ()), ((), (5,))])
def test_a_stray_or_a_missing_p_wave_does_not_break_the_march(stray_ms, left_out):
    """One hump midway between two P waves (a T wave's chance match), or one P wave not found clear of any QRS: the
    march of the other 14 stands (at most 1 in 5 off it), the stray is not taken for a P wave."""
    rec, p = _complete_block(stray_ms, left_out)
    w = measure(rec).p_waves
    assert w is not None
    assert w.pp_s == pytest.approx(0.667, abs=0.02)
    assert not _near(w.onset_s, stray_ms).any()
    assert _near(w.onset_s, p).sum() >= 10


def test_wenckebach_p_waves_at_the_rr_are_found():
    """5:4 Wenckebach (PTB-XL 14009's): P waves every 620 ms, PR 160, 200, 220, 230 ms, the fifth not conducted, so
    most RR intervals (630-660 ms) lie near the P-P and the PR varies too much for a median P wave. A cycle at the RR
    is taken where its P waves show non-conducted ones (a QRS-T residue's matches come one per beat): every P wave
    placed is found (within 40 ms: the template's onset is trimmed from a folded, blurred cycle), the dropped ones
    non-conducted."""
    p = [150 + 620 * k for k in range(16)]
    prs = [160, 200, 220, 230, None]
    q = [t + prs[k % 5] for k, t in enumerate(p) if prs[k % 5] is not None and t < 9300]
    m = measure(avb_record(p, q))
    assert m.pr_ms is None
    w = m.p_waves
    assert w is not None
    assert w.pp_s == pytest.approx(0.62, abs=0.02)
    assert _near(w.onset_s, p, tol_ms=40.0).all(), (w.onset_s, p)
    assert _near(w.onset_s[w.blocked], [p[4], p[9]], tol_ms=40.0).all() and w.n_blocked == 2


def test_many_strays_break_the_march():
    """Humps midway between every other pair of P waves (7 of 22 off the march): no P waves are claimed."""
    rec, _ = _complete_block(stray_ms=[433 + 1334 * k for k in range(7)])
    assert measure(rec).p_waves is None


def test_flutter_waves_are_not_p_waves():
    """Flutter waves at 286/min (0.21 s) dissociated from a ventricular rhythm at 67/min: activity faster than any
    P wave is not read as P waves (they would make an AV block of a flutter)."""
    p = [30 + 210 * k for k in range(47)]
    q = [400 + 900 * k for k in range(11)]
    m = measure(avb_record(p, q))
    assert m.p_waves is None


def test_fibrillatory_waves_give_no_p_waves():
    """Fibrillatory waves (4-9 Hz noise, 0.1 mV) under an irregular ventricular rhythm: no regular P waves."""
    rng = np.random.default_rng(7)
    q = np.cumsum(rng.uniform(550, 1100, 14)).astype(int)
    q = [int(t) for t in q if t < 9600]
    rec = avb_record([], q, seed=3)
    T = rec.signal.shape[1]
    f = np.fft.rfftfreq(T, 1 / FS)
    spec = np.fft.rfft(rng.standard_normal(T)) * ((f >= 4) & (f <= 9))
    fib = np.fft.irfft(spec, n=T)
    fib *= 0.1 / np.abs(fib).max()
    sig = rec.signal + project_leads({"p": fib, "qrs": np.zeros(T), "t": np.zeros(T)},
                                     {"p": 60.0, "qrs": 45.0, "t": 40.0}).astype(np.float32)
    m = measure(EcgRecord(signal=sig, fs=FS, record_id="synthetic"))
    assert m.p_waves is None


def test_no_atrial_activity_gives_no_p_waves():
    """A junctional rhythm (regular QRS-T, no P wave at all): nothing to find, nothing guessed."""
    m = measure(avb_record([], [300 + 1000 * k for k in range(10)]))
    assert m.p_waves is None
