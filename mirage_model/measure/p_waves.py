"""Every P wave of a record, found by the median beat's own P wave: conducted ones before their QRS, and those that
no QRS follows (non-conducted), so that the P rate can be told from the QRS rate beat by beat.

The template is the median beat's P wave, from its onset to its offset (``MedianBeat``; only where the measurement
accepted one: repeated beat to beat, ``MeasureConfig.p_corr_min``), in the independent usable leads. It is slid over
the whole record after each dominant beat's QRS-T (the median beat from ``RESIDUE_FROM_S`` before its QRS onset on)
has been subtracted at that beat (average beat subtraction: Slocum J, Sahakian A, Swiryn S. Diagnosis of atrial
fibrillation from surface electrocardiograms based on computer-detected atrial activity. J Electrocardiol
1992;25:1-8), so that a P wave on a T wave stays and the T wave goes; the P wave conducted before each QRS is not
subtracted (it lies before the subtracted stretch). A place is a P wave where the stretch correlates with the
template, over all those leads at once, at least ``MATCH_CORR`` and its size is within ``MATCH_GAIN`` of the
template's (the least-squares gain): a T wave's slope or noise matches a shape by chance, seldom its size too. QRS
complexes (``EXCLUDE_QRS_S`` about each dominant one) and ectopic beats (``EXCLUDE_ECTOPIC_S``) are not searched:
their residue is no P wave. Matches closer than ``MIN_PP_S`` keep the better one.

A P wave is non-conducted where the next P wave comes before the next QRS onset: each QRS is conducted from one P
wave at most, the last before it. The P-P interval is the median of the intervals between successive P waves of
at most 1.5 times the shortest quarter (a P wave hidden in a QRS makes one interval of two cycles); the P waves are
regular where every interval is within ``PP_TOLERANCE_S`` of one or two such cycles. The decisions (AV block,
AV dissociation) are the interpretation's (``review.interpret.av_conduction``). Research use only, not a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATCH_CORR = 0.8                # correlation with the median beat's P wave, over the leads at once
MATCH_GAIN = (0.5, 2.0)         # ... at a size (least-squares gain) within this of the template's
MIN_PP_S = 0.3                  # matches closer than this keep the better one (atrial rate at most 200/min)
RESIDUE_FROM_S = 0.02           # the median beat is subtracted at each dominant beat from this before its QRS onset
RESIDUE_PAST_T_S = 0.04         # ... to this after its T offset (nor past the next beat's QRS onset less that)
EXCLUDE_QRS_S = (0.02, 0.04)    # not searched: this before each dominant QRS onset to this after its offset
EXCLUDE_ECTOPIC_S = (0.1, 0.45)  # ... and this before to this after an ectopic beat's anchor
PP_TOLERANCE_S = 0.16           # P-P intervals within this of one or two cycles: regular (sinus arrhythmia: > 0.16 s)


@dataclass(frozen=True)
class BeatPWaves:
    """The P waves of one record found by the median beat's P wave (module docstring). Times in seconds from the
    record's first sample, whatever the rate it was measured at.

    Attributes:
        onset_s: (m,) each P wave's onset (the template's first sample where it matched), ascending.
        corr: (m,) its correlation with the template.
        blocked: (m,) bool: non-conducted (the next P wave comes before the next QRS); False for the last P wave and
            for those before the first QRS or after the last.
        pr_ms: (n,) each beat's PR, from the last P wave's onset before its QRS onset (within ``pr_max_s``) to that
            onset (ms); NaN where no P wave stands there (or the beat was not searched).
        pp_s: the P-P interval (s, module docstring); None with fewer than 3 P waves.
        regular: every P-P interval within ``PP_TOLERANCE_S`` of one or two P-P intervals.
        span_s: (start, end) of the stretch searched (s).
    """
    onset_s: np.ndarray
    corr: np.ndarray
    blocked: np.ndarray
    pr_ms: np.ndarray
    pp_s: float | None
    regular: bool
    span_s: tuple[float, float] = (0.0, 0.0)

    @property
    def n_blocked(self) -> int:
        """How many P waves are non-conducted."""
        return int(np.count_nonzero(self.blocked))

    @property
    def atrial_rate_per_min(self) -> float | None:
        """60 / the P-P interval (per minute); None without one."""
        return 60.0 / self.pp_s if self.pp_s else None

    def shifted(self, seconds: float) -> "BeatPWaves":
        """The same P waves with ``seconds`` added to every time (a stretch measured from a later sample)."""
        a, b = self.span_s
        return BeatPWaves(self.onset_s + seconds, self.corr, self.blocked, self.pr_ms, self.pp_s, self.regular,
                          (a + seconds, b + seconds))


def template_matches(y: np.ndarray, template: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where ``template`` (l, K) matches ``y`` (l, T): (matched (T-K+1,) bool, correlation (T-K+1,)) at each start.
    Each lead's stretch and template are taken about their own mean; the correlation is over all l x K samples at
    once, the gain their least-squares scale; a start matches where the correlation reaches ``MATCH_CORR``, the gain
    lies within ``MATCH_GAIN`` and ``allowed`` (T,) bool is True over its whole window."""
    l, K = template.shape
    T = y.shape[1]
    if T < K or not (template - template.mean(axis=1, keepdims=True)).any():
        return np.zeros(0, dtype=bool), np.zeros(0)
    tm = template - template.mean(axis=1, keepdims=True)                       # (l, K)
    w = np.lib.stride_tricks.sliding_window_view(y, K, axis=1)                # (l, T-K+1, K)
    wm = w - w.mean(axis=2, keepdims=True)
    dot = np.einsum("lnk,lk->n", wm, tm)                                       # (T-K+1,)
    energy = np.einsum("lnk,lnk->n", wm, wm)
    t_energy = float((tm ** 2).sum())
    corr = dot / (np.sqrt(energy * t_energy) + 1e-12)
    gain = dot / t_energy
    ok_win = np.lib.stride_tricks.sliding_window_view(allowed, K).all(axis=1)   # (T-K+1,)
    ok = ok_win & (corr >= MATCH_CORR) & (gain >= MATCH_GAIN[0]) & (gain <= MATCH_GAIN[1])
    return ok, corr


def _pick(ok: np.ndarray, corr: np.ndarray, spacing: int) -> np.ndarray:
    """Starts (ascending) of the best correlations where ``ok``, greedily, no two within ``spacing`` samples."""
    cand = np.flatnonzero(ok)
    cand = cand[np.argsort(-corr[cand], kind="stable")]
    taken: list[int] = []
    for s in cand:
        if all(abs(int(s) - t) >= spacing for t in taken):
            taken.append(int(s))
    return np.asarray(sorted(taken), dtype=np.int64)


def p_interval(onsets_s: np.ndarray) -> tuple[float | None, bool]:
    """(P-P interval s, regular) of P wave onsets (m,) s, ascending (module docstring); (None, False) under 3."""
    if len(onsets_s) < 3:
        return None, False
    pp = np.diff(onsets_s)
    short = pp[pp <= 1.5 * np.percentile(pp, 25)]
    base = float(np.median(short))
    k = np.clip(np.round(pp / base), 1, None)
    regular = bool(np.all(k <= 2) and np.all(np.abs(pp - k * base) <= PP_TOLERANCE_S))
    return base, regular


def blocked_p(onsets: np.ndarray, qrs_on: np.ndarray) -> np.ndarray:
    """(m,) bool: which P waves (onsets (m,), ascending) the next P wave follows before the next QRS onset
    (``qrs_on`` (n,), ascending, same units). The last P wave, one after the last QRS and one before the first are not
    called so."""
    out = np.zeros(len(onsets), dtype=bool)
    for i in range(len(onsets) - 1):
        nxt = qrs_on[qrs_on > onsets[i]]
        # before the first QRS found, a QRS cut off by the record's start may be the one it conducted to
        out[i] = bool(len(nxt)) and len(nxt) < len(qrs_on) and onsets[i + 1] < nxt[0]
    return out


def beat_pr(onsets: np.ndarray, qrs_on: np.ndarray, pr_max: float) -> np.ndarray:
    """(n,) each QRS onset's distance from the last P onset before it (same units as both), NaN where none lies
    within ``pr_max`` before it or ``qrs_on`` is NaN."""
    out = np.full(len(qrs_on), np.nan)
    for j, q in enumerate(qrs_on):
        if np.isfinite(q):
            before = onsets[(onsets < q) & (onsets >= q - pr_max)]
            if len(before):
                out[j] = q - before[-1]
    return out


def locate_p_waves(y: np.ndarray, fs: float, beats: np.ndarray, dominant: np.ndarray, median: np.ndarray,
                   anchor: int, p_span: tuple[int, int], qrs_span: tuple[int, int], t_end: int | None,
                   pr_max_s: float = 0.6) -> BeatPWaves | None:
    """Every P wave of a record by the median beat's P wave (module docstring).

    Args:
        y: (l, T) mV, the independent usable leads, conditioned and smoothed as the median beat was.
        fs: sampling rate of ``y`` (Hz).
        beats: (n,) QRS anchors (sample indices of ``y``), every detected beat; dominant: (n,) bool, those of the
            median beat's form.
        median: (l, K) mV, the median beat of the same leads, its anchor at sample ``anchor``.
        p_span: (onset, offset) of its P wave, qrs_span: (onset, offset) of its QRS, t_end: its T offset (samples
            of the median beat; None: not found, the median beat is subtracted to its end or the next beat).
        pr_max_s: a P wave further than this before a QRS onset gives that beat no PR.

    Returns:
        BeatPWaves (times from ``y``'s first sample), or None: fewer than 3 beats or a P wave under 3 samples.
    """
    l, T = y.shape
    p_on, p_off = int(p_span[0]), int(p_span[1])
    if len(beats) < 3 or p_off - p_on < 3 or p_on < 0:
        return None
    residue, allowed, qrs_on = beat_residue(y, fs, beats, dominant, median, anchor, qrs_span, t_end)
    return found_p_waves(residue, allowed, median[:, p_on:p_off + 1], qrs_on, fs, pr_max_s)


def beat_residue(y: np.ndarray, fs: float, beats: np.ndarray, dominant: np.ndarray, median: np.ndarray, anchor: int,
                 qrs_span: tuple[int, int], t_end: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The record with each dominant beat's median QRS-T subtracted (module docstring), where P waves are searched.

    Args: as ``locate_p_waves``'s.

    Returns:
        residue (l, T) mV; allowed (T,) bool: outside every QRS and ectopic beat (``EXCLUDE_QRS_S``,
        ``EXCLUDE_ECTOPIC_S``); qrs_on (n,) every beat's QRS onset (samples of ``y``).
    """
    T = y.shape[1]
    beats = np.asarray(beats, dtype=np.int64)
    dominant = np.asarray(dominant, dtype=bool)
    q_on, q_off = int(qrs_span[0]), int(qrs_span[1])
    residue = np.array(y, dtype=np.float64, copy=True)
    allowed = np.ones(T, dtype=bool)
    start = q_on - int(round(RESIDUE_FROM_S * fs))
    end = median.shape[1] if t_end is None else min(median.shape[1], int(t_end) + int(round(RESIDUE_PAST_T_S * fs)))
    tail = median[:, start:end]                                                # (l, k) the median QRS-T
    nxt = np.append(beats[1:], T + anchor)
    for b, dom, b_next in zip(beats, dominant, nxt):
        if dom:
            # not into the next beat's P wave: the median beat runs past a short RR into the next beat
            a = int(b) - anchor + start
            lo = max(0, a)
            hi = min(T, a + tail.shape[1], int(b_next) - anchor + start)
            if hi > lo:
                residue[:, lo:hi] -= tail[:, lo - a:hi - a]
            e0 = int(b) - anchor + q_on - int(round(EXCLUDE_QRS_S[0] * fs))
            e1 = int(b) - anchor + q_off + int(round(EXCLUDE_QRS_S[1] * fs))
        else:
            e0 = int(b) - int(round(EXCLUDE_ECTOPIC_S[0] * fs))
            e1 = int(b) + int(round(EXCLUDE_ECTOPIC_S[1] * fs))
        allowed[max(0, e0):max(0, min(T, e1))] = False
    return residue, allowed, (beats - anchor + q_on).astype(float)


def found_p_waves(residue: np.ndarray, allowed: np.ndarray, template: np.ndarray, qrs_on: np.ndarray, fs: float,
                  pr_max_s: float = 0.6) -> BeatPWaves:
    """The P waves where ``template`` (l, K) matches ``residue`` (l, T) within ``allowed`` (T,) (``beat_residue``),
    read against the beats' QRS onsets ``qrs_on`` (n,) samples (module docstring)."""
    T = residue.shape[1]
    ok, corr = template_matches(residue, template, allowed)
    starts = _pick(ok, corr, int(round(MIN_PP_S * fs))) if len(ok) else np.zeros(0, dtype=np.int64)
    return p_waves_at(starts, corr[starts] if len(starts) else np.zeros(0), qrs_on, fs, T, pr_max_s)


def p_waves_at(starts: np.ndarray, corr: np.ndarray, qrs_on: np.ndarray, fs: float, T: int,
               pr_max_s: float = 0.6) -> BeatPWaves:
    """The P waves starting at samples ``starts`` (m,) ascending, matched at ``corr`` (m,), read against the beats'
    QRS onsets ``qrs_on`` (n,) samples, in a record of ``T`` samples (module docstring)."""
    pp, regular = p_interval(starts / fs)
    return BeatPWaves(onset_s=starts / fs, corr=corr,
                      blocked=blocked_p(starts.astype(float), qrs_on[np.isfinite(qrs_on)]),
                      pr_ms=beat_pr(starts.astype(float), qrs_on, pr_max_s * fs) * 1000.0 / fs,
                      pp_s=pp, regular=regular, span_s=(0.0, T / fs))
