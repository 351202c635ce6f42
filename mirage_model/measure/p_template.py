"""P waves found without the median beat's P wave: where P waves march through the QRS-T at a rate of their own
(complete AV block, AV dissociation, second-degree AV block), averaging on the QRS blurs them away, so the median beat
has none to serve as the template of ``measure.p_waves``. Here the template is sought in the record itself, in II and
V1 (``ATRIAL_LEADS``), where P waves show best.

1. The residue: each dominant beat's median QRS-T subtracted at it (``p_waves.beat_residue``: average beat
   subtraction, Slocum et al. 1992), the QRS complexes and ectopic beats left out, so P waves on T waves stay.
2. The atrial cycle: the residue, band-passed as the atrial periodicity's (``atrial.PERIOD_BAND_HZ``), its
   autocorrelation (each lead's, normalised by the overlapping samples' energy: ``atrial._autocorrelation``; averaged
   over the leads) at its peaks between ``LAG_S``, the largest first; each taken down to the shortest submultiple
   of its lag where the autocorrelation still reaches ``SUBMULTIPLE_SHARE`` of the peak (the fundamental: flutter
   waves at 0.2 s repeat at 0.4 and 0.6 s too). A cycle that lies where the QRS-T residue repeats (``at_rr``: within
   ``RR_APART`` of ``RR_AT_SHARE`` of the RR intervals, or of the spans of two of them in a row; P waves at the RR are
   conducted ones, which the median beat keeps) passes to the next peak: where the QRS-T residue dominates, the P
   waves' own peak comes after it. An irregular ventricular rhythm repeats at no one RR, so a cycle that a few RR
   intervals happen to match is kept. Where no cycle apart from the RR gives P waves, the largest peak at the RR is
   tried, its P waves kept only where ``AT_RR_BLOCKED_MIN`` of them are non-conducted (Wenckebach's P-P lies near
   the RR within a group; a QRS-T residue's matches come one per beat, each followed by its QRS). None where the
   peak is under ``PERIODICITY_MIN``, the cycle under ``p_waves.MIN_PP_S``, or the autocorrelation at a lag under
   it reaches that share of the peak (flutter, fibrillatory waves).
3. The template: the residue folded at that cycle (epoch folding; the cycle refined over +/- ``REFINE_SHARE``), the
   ``P_WIDTH_S`` window of the folded cycle with the most energy, trimmed at both ends to where its energy reaches
   ``P_EDGE_SHARE`` of its peak (the template's first sample is the P onset). A P wave stands out of an isoelectric
   baseline: that window must hold ``P_SHARE_MIN`` of the folded cycle's energy (a flutter's sawtooth or a T wave's
   blurred residue spreads it over the cycle).
4. The P waves: ``p_waves.found_p_waves`` with that template (correlation 0.8, a like size); then once more with the
   template averaged over the residue at the P waves found (P-aligned windows). The march (``on_march``: the longest
   run of P waves each within ``p_waves.PP_TOLERANCE_S`` of a whole number of cycles from the last) is kept, the
   matches off it dropped (a T wave's or a QRS residue's chance match). Kept only where at least ``MIN_FOUND`` are
   found, covering ``COVER_MIN`` of the cycles the record holds, at a P-P interval within ``RR_APART`` of the cycle,
   every interval one to ``MAX_HIDDEN`` + 1 cycles (``missed_through_qrs``), and where the matches dropped and the P
   waves missing where no QRS hides them number at most ``MAX_STRAY`` of the P waves kept (a march otherwise steady:
   PTB-XL 08911's one stray and one P wave on an ST segment not found).

Thresholds fixed on LUDB records 1-100 before any PTB-XL figure (/tmp scripts, recorded in the commit): with every
threshold but the RR's off, a cycle survives on 7 records: complete AV block 34 (peak 0.25, window share 0.73) and 90
(0.46, 0.49; its P waves then leave a gap of four cycles: not kept), atrial fibrillation 83 (0.15, 0.40), sinus
1, 12, 24, 60 (0.12-0.26, their P waves at the RR: found too few, too irregular, or none). ``PERIODICITY_MIN`` and
``P_SHARE_MIN`` sit under the complete blocks' values; the later checks are what tell the sinus records apart. The
atrial periodicity's own figures agree (``review.interpret.rhythm.PACED_ATRIAL_PERIODICITY``: complete AV block
0.43, 0.46; atrial fibrillation 0.07-0.16). ``RR_AT_SHARE`` and ``MAX_STRAY`` were chosen on PTB-XL folds 1-8 (the
records of scripts/av_conduction.py's sets without a median P wave, and 300 AFIB): the 3AVB records with non-conducted
P waves found are the same from a share of 0.34 to 0.67 (0.67 finds a PAC record's P waves, 0.25 loses 15368), and
from 0.2 strays on (0.25 finds one more without non-conducted ones); no SR, AFIB, AFLT, 1AVB, PAC or PVC record has
P waves so found at any of them. A cycle at the RR with its non-conducted P waves finds 2AVB 14009 (Mobitz I) and
P waves on no other record of those sets (without the non-conducted ones: a PAC record's too). Research use only,
not a diagnosis.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mirage_model.measure.atrial import PERIOD_BAND_HZ, _autocorrelation
from mirage_model.measure.filters import bandpass
from mirage_model.measure.p_waves import (MIN_PP_S, PP_TOLERANCE_S, BeatPWaves, beat_residue, found_p_waves,
                                          p_waves_at)

ATRIAL_LEADS = (1, 6)         # II and V1 (standard order), where P waves show best: searched in these alone
LAG_S = (0.15, 2.0)           # autocorrelation lags searched (flutter's 0.2 s cycle seen, to 30/min)
SUBMULTIPLE_SHARE = 0.8       # a submultiple of the peak's lag reaching this share of it is the cycle
PERIODICITY_MIN = 0.20        # the autocorrelation at the cycle (LUDB: complete AV block 0.25, 0.46)
RR_AT_SHARE = 0.5             # a cycle near this share of the RR intervals is the QRS-T residue's
RR_APART = 0.1                # the cycle this share away from the RR and twice it; the P-P found this near the cycle
REFINE_SHARE = 0.05           # the cycle refined by folding within this share of the autocorrelation's lag
P_WIDTH_S = 0.12              # the template's length (a P wave lasts up to 0.12 s)
P_EDGE_SHARE = 0.01          # ... trimmed to where its energy reaches this share of its peak (the P onset)
P_SHARE_MIN = 0.45            # the template window's share of the folded cycle's energy (LUDB 34 0.73, 90 0.49)
MIN_FOUND = 6                 # P waves found, at least
COVER_MIN = 0.6               # ... of the cycles the record holds
MAX_HIDDEN = 2                # P waves in a row a QRS may hide (each where no template fits beside a QRS)
AT_RR_BLOCKED_MIN = 2         # a cycle at the RR only with this many P waves non-conducted (Wenckebach's P-P)
MAX_STRAY = 0.2               # matches off the march dropped, at most this share of them (a T wave's chance match)


def at_rr(cycle_s: float, rr_s: np.ndarray) -> bool:
    """Whether ``cycle_s`` lies where the QRS-T residue repeats: within ``RR_APART`` of at least ``RR_AT_SHARE`` of
    the RR intervals ``rr_s`` (n-1,) s, or of the spans of two of them in a row."""
    two = rr_s[:-1] + rr_s[1:]
    return any(len(r) and np.mean(np.abs(r - cycle_s) <= RR_APART * cycle_s) >= RR_AT_SHARE for r in (rr_s, two))


def atrial_cycle(residue: np.ndarray, allowed: np.ndarray, fs: float, rr_s: np.ndarray,
                 rr_ok: bool = False) -> tuple[float, float] | None:
    """(cycle s, periodicity) of the residue (l, T) within ``allowed`` (T,) (module docstring, step 2), the RR
    intervals ``rr_s`` (n-1,) s, or None. ``rr_ok``: a cycle at the RR is taken too (the largest peak's)."""
    z = bandpass(residue, fs, PERIOD_BAND_HZ) * allowed                      # (l, T) the T wave's slow residue out
    T = z.shape[1]
    ac = _autocorrelation(z).mean(axis=0)                                     # (T,)
    lo, hi = int(round(LAG_S[0] * fs)), min(T - 1, int(round(LAG_S[1] * fs)))
    if hi - lo < 3:
        return None
    seg = ac[lo:hi + 1]
    peaks = [k for k in range(1, len(seg) - 1) if seg[k] >= seg[k - 1] and seg[k] >= seg[k + 1]]
    fast_lag = max(lo + 1, int(round(MIN_PP_S * fs)))
    for k in sorted(peaks, key=lambda k: -seg[k]):      # the largest peak whose fundamental is not the RR's
        lag, best = lo + k, float(seg[k])
        if best < PERIODICITY_MIN:
            return None
        for m in (4, 3, 2):            # the fundamental: the shortest submultiple still near the peak
            a = max(lo, int(round(lag / m)) - 1)
            near = ac[a:a + 3]
            if int(round(lag / m)) >= lo and near.max() >= SUBMULTIPLE_SHARE * best:
                lag = a + int(np.argmax(near))
                break
        cycle = lag / fs
        if cycle < MIN_PP_S or ac[lo:fast_lag].max() >= SUBMULTIPLE_SHARE * best:
            return None                # activity faster than P waves: flutter, fibrillatory waves
        if rr_ok or not at_rr(cycle, rr_s):
            return cycle, best
    return None


def folded_template(residue: np.ndarray, allowed: np.ndarray, fs: float, cycle_s: float) -> tuple[np.ndarray, float]:
    """(template (l, K), its share of the folded cycle's energy): the residue (l, T) folded at ``cycle_s``, refined
    (module docstring, step 3)."""
    t = np.flatnonzero(allowed)
    K = max(3, int(round(P_WIDTH_S * fs)))
    best = None
    for c in np.arange(cycle_s * (1 - REFINE_SHARE), cycle_s * (1 + REFINE_SHARE), 1.0 / fs / 4):
        n = int(round(c * fs))
        phase = np.floor((t % (c * fs)) * n / (c * fs)).astype(int) % n
        count = np.bincount(phase, minlength=n)
        if np.any(count == 0):
            continue
        prof = np.stack([np.bincount(phase, weights=r[t], minlength=n) / count for r in residue])    # (l, n)
        prof -= prof.mean(axis=1, keepdims=True)
        power = (prof ** 2).sum(axis=0)                                       # (n,)
        if best is None or power.sum() > best[0]:
            best = (float(power.sum()), prof, power)
    if best is None or best[0] <= 0:
        return np.zeros((residue.shape[0], K)), 0.0
    _, prof, power = best
    n = prof.shape[1]
    win = np.array([power[(s + np.arange(K)) % n].sum() for s in range(n)])   # (n,) energy of each window
    s = int(np.argmax(win))
    idx = (s + np.arange(K)) % n
    keep = np.flatnonzero(power[idx] >= P_EDGE_SHARE * power[idx].max())    # the P wave's onset and offset
    idx = idx[keep[0]:keep[-1] + 1]
    return prof[:, idx], float(win[s] / power.sum())


def missed_through_qrs(onset_s: np.ndarray, pp_s: float, allowed: np.ndarray, fs: float, width: int) -> int | None:
    """How many P waves the march at ``onset_s`` (m,) s, ``pp_s`` apart, misses where a template ``width`` samples long
    could be searched (``allowed`` (T,) True: no QRS hides it); None where an interval is not within
    ``PP_TOLERANCE_S`` of one to ``MAX_HIDDEN`` + 1 cycles."""
    missed = 0
    for a, b in zip(onset_s[:-1], onset_s[1:]):
        k = int(round((b - a) / pp_s))
        if k < 1 or k > MAX_HIDDEN + 1 or abs(b - a - k * pp_s) > PP_TOLERANCE_S:
            return None
        for j in range(1, k):
            due = int(round((a + j * (b - a) / k) * fs))
            missed += bool(allowed[max(0, due):due + width].all())
    return missed


def on_march(onset_s: np.ndarray, pp_s: float) -> np.ndarray:
    """Indices (ascending) of the longest march among P waves at ``onset_s`` (m,) s: from each P wave, forward and
    back, every next one within ``p_waves.PP_TOLERANCE_S`` of a whole number of cycles ``pp_s`` from the last kept;
    the others are off it."""
    best: list[int] = []
    for a in range(len(onset_s)):
        keep = [a]
        for step in (1, -1):
            last, j = onset_s[a], a + step
            while 0 <= j < len(onset_s):
                gap = abs(onset_s[j] - last)
                k = round(gap / pp_s)
                if k >= 1 and abs(gap - k * pp_s) <= PP_TOLERANCE_S:
                    keep.append(j)
                    last = onset_s[j]
                j += step
        if len(keep) > len(best):
            best = keep
    return np.asarray(sorted(best), dtype=np.int64)


def _aligned(residue: np.ndarray, onset_s: np.ndarray, fs: float, K: int) -> np.ndarray:
    """(l, K) the residue (l, T) averaged over the windows starting at ``onset_s`` (m,) s."""
    st = np.round(onset_s * fs).astype(int)
    st = st[st + K <= residue.shape[1]]
    return residue[:, st[:, None] + np.arange(K)[None, :]].mean(axis=1)


def search_p_waves(y: np.ndarray, fs: float, beats: np.ndarray, dominant: np.ndarray, median: np.ndarray,
                   anchor: int, qrs_span: tuple[int, int], t_end: int | None,
                   pr_max_s: float = 0.6) -> BeatPWaves | None:
    """Every P wave of a record by a template found in the record itself (module docstring).

    Args: as ``p_waves.locate_p_waves``'s, without a P wave on the median beat.

    Returns:
        BeatPWaves (times from ``y``'s first sample), or None: fewer than 3 dominant beats, or the evidence short of
        any threshold.
    """
    beats = np.asarray(beats, dtype=np.int64)
    dominant = np.asarray(dominant, dtype=bool)
    if np.count_nonzero(dominant) < 3:
        return None
    residue, allowed, qrs_on = beat_residue(y, fs, beats, dominant, median, anchor, qrs_span, t_end)
    rr_s = np.diff(beats) / fs
    for rr_ok in (False, True):
        found = atrial_cycle(residue, allowed, fs, rr_s, rr_ok)
        if found is None or (rr_ok and not at_rr(found[0], rr_s)):
            continue                    # none, or the cycle apart from the RR already tried
        w = _marching(residue, allowed, qrs_on, fs, found[0], y.shape[1], pr_max_s)
        if w is not None and (not rr_ok or w.n_blocked >= AT_RR_BLOCKED_MIN):
            return w
    return None


def _marching(residue: np.ndarray, allowed: np.ndarray, qrs_on: np.ndarray, fs: float, cycle: float, n: int,
              pr_max_s: float) -> BeatPWaves | None:
    """The P waves of the residue (l, n) at ``cycle`` s (module docstring, steps 3 and 4), or None."""
    template, share = folded_template(residue, allowed, fs, cycle)
    if share < P_SHARE_MIN:
        return None
    w = found_p_waves(residue, allowed, template, qrs_on, fs, pr_max_s)
    if len(w.onset_s) >= 3:
        w = found_p_waves(residue, allowed, _aligned(residue, w.onset_s, fs, template.shape[1]), qrs_on, fs, pr_max_s)
    if w.pp_s is None:
        return None
    keep = on_march(w.onset_s, w.pp_s)
    stray = len(w.onset_s) - len(keep)
    if stray:
        w = p_waves_at(np.round(w.onset_s[keep] * fs).astype(np.int64), w.corr[keep], qrs_on, fs, n, pr_max_s)
    missed = None if w.pp_s is None else missed_through_qrs(w.onset_s, w.pp_s, allowed, fs, template.shape[1])
    if (len(w.onset_s) < MIN_FOUND or missed is None or stray + missed > MAX_STRAY * len(w.onset_s)
            or abs(w.pp_s - cycle) > RR_APART * cycle or len(w.onset_s) < COVER_MIN * n / fs / cycle):
        return None
    return replace(w, regular=True)
