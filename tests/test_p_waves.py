"""Every P wave of a record by the median beat's P wave (``measure.p_waves``). The truth is the construction: where
each P wave and each QRS was placed."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import measure
from mirage_model.measure.p_waves import blocked_p, p_interval
from mirage_model.records import EcgRecord
from test_measure import FS, _hump, project_leads

P_MS, QRS_MS, QT_MS = 100, 90, 400


def avb_record(p_on_ms, qrs_on_ms, seconds=10.0, seed=0) -> EcgRecord:
    """A 12-lead record with P waves (100 ms, 0.15 mV, axis 60 deg) starting at ``p_on_ms`` and QRS-T complexes
    (QRS 90 ms, QT 400 ms) starting at ``qrs_on_ms``, each on its own schedule."""
    rng = np.random.default_rng(seed)
    T = int(seconds * FS)
    s = lambda ms: int(round(ms * FS / 1000.0))  # noqa: E731
    waves = {"p": np.zeros(T), "qrs": np.zeros(T), "t": np.zeros(T)}
    for t in p_on_ms:
        waves["p"][s(t):s(t) + s(P_MS)] += 0.15 * _hump(s(P_MS))
    q_len, r_len = s(QRS_MS * 0.2), s(QRS_MS * 0.45)
    for t in qrs_on_ms:
        q0 = s(t)
        waves["qrs"][q0:q0 + q_len] -= 0.15 * _hump(q_len)
        waves["qrs"][q0 + q_len:q0 + q_len + r_len] += 1.2 * _hump(r_len)
        waves["qrs"][q0 + q_len + r_len:q0 + s(QRS_MS)] -= 0.35 * _hump(s(QRS_MS) - q_len - r_len)
        waves["t"][q0 + s(QT_MS) - s(180):q0 + s(QT_MS)] += 0.35 * _hump(s(180))
    sig = project_leads(waves, {"p": 60.0, "qrs": 45.0, "t": 40.0})
    sig += 0.005 * rng.standard_normal(sig.shape)
    return EcgRecord(signal=sig.astype(np.float32), fs=FS, record_id="synthetic")


def _near(found_s, truth_ms, tol_ms=20.0) -> np.ndarray:
    """(len(truth),) bool: each true onset has a found one within ``tol_ms``."""
    f = np.asarray(found_s) * 1000.0
    return np.array([bool(np.any(np.abs(f - t) <= tol_ms)) for t in truth_ms])


def test_two_to_one_block_finds_every_p_wave_and_the_non_conducted_ones():
    p = [300 + 750 * k for k in range(13)]                     # atrial rate 80/min
    q = [t + 180 for t in p[::2]]                              # every other P conducted, PR 180 ms
    m = measure(avb_record(p, q))
    w = m.p_waves
    assert w is not None
    inside = [t for t in p if q[0] - 180 <= t <= q[-1]]         # between the first and the last QRS
    assert _near(w.onset_s, inside).all(), (w.onset_s, inside)
    blocked = np.array([t for t in p[1::2] if q[0] < t < q[-1]])
    assert _near(w.onset_s[w.blocked], blocked).all() and w.n_blocked == len(blocked)
    assert w.regular and w.pp_s == pytest.approx(0.75, abs=0.02)
    pr = w.pr_ms[np.isfinite(w.pr_ms)]
    assert len(pr) >= len(q) - 1 and np.all(np.abs(pr - 180.0) <= 20.0), pr


def test_sinus_rhythm_has_no_non_conducted_p_wave():
    p = [300 + 850 * k for k in range(11)]
    m = measure(avb_record(p, [t + 160 for t in p]))
    w = m.p_waves
    assert w is not None and w.n_blocked == 0
    assert _near(w.onset_s, p[:-1]).sum() >= len(p) - 2
    assert w.regular


def test_p_interval_counts_a_hidden_p_wave_as_two_cycles():
    pp, regular = p_interval(np.array([0.0, 0.8, 1.6, 3.2, 4.0, 4.8]))
    assert pp == pytest.approx(0.8) and regular
    pp, regular = p_interval(np.array([0.0, 0.8, 1.2, 2.0, 2.8]))          # a premature P wave
    assert not regular


def test_blocked_p_needs_a_qrs_before_and_after():
    onsets = np.array([0.1, 0.9, 1.7, 2.5])
    qrs = np.array([1.0, 2.6])
    # 0.1: before the first QRS (a QRS cut off by the start may follow it); 0.9 conducts to 1.0; 1.7 is followed by
    # 2.5 before the QRS at 2.6: not conducted; 2.5 is the last
    assert blocked_p(onsets, qrs).tolist() == [False, False, True, False]
