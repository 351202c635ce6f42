"""Isolated spikes no heart gives: one sample, or a few, far off a lead's trace and back (a flipped byte in the
file's samples, a corrupt value in an export), below the 50 mV of ``noise._impossible_samples``. A real ECG never
moves 20 mV in 2 ms; its fastest deflection, the QRS, stays within the lead's own beat height and lasts tens of
milliseconds, and a pacing stimulus (``pacing``) comes before beats in several leads at once, again and again.

A sample is a spike where it stands out of its lead's running median over ``SPIKE_HALF_S`` on either side, two
samples at least (a spike of up to that many samples is ignored by the median; at 100 Hz two samples are 20 ms,
as wide as a QRS, which the thresholds, not the width, keep out) by ``SPIKE_MIN_MV`` and by
``SPIKE_RATIO`` times the lead's own range (the spread between its 0.5th and 99.5th percentiles: the beat's height,
which a few spiked samples do not move). Spikes at a pacing stimulus that ``pacing.pacing_spikes`` found are the
pacing's. Thresholds: see ``SPIKE_MIN_MV``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from mirage_model.quality.findings import LIMB, Finding, QualityConfig, _names, leads_text
from mirage_model.quality.noise import impossible_mask
from mirage_model.records import STANDARD_LEADS

SPIKE_HALF_S = 0.01      # the running median's half width (s); a spike narrower than this stands out of it
# A spike stands out of that median by this much (mV) and by this many times its lead's range. On the real records
# measured (400 PTB-XL records of folds 1-8 drawn at random, seed 52, and the 231 other paced ones (PACE) of those
# folds; LUDB 1-100; the 98 Challenge 2020/2021 samples; their first 60 s) the largest sample off that median is
# 10.9 mV (CinC E00006, 4.9 times its lead's range; JS45544's V1, a 7 mV jump in 2 ms, 5.0 times), of PTB-XL 3.6 mV
# and of LUDB 0.8 mV; where 2 mV or more off, at most 6.9 times the range (CinC Q0010, 2.6 mV)
SPIKE_MIN_MV = 15.0
SPIKE_RATIO = 5.0


def _half(fs: float) -> int:
    """``SPIKE_HALF_S`` in samples at ``fs`` Hz, two at least: the running median's half width, and how near two
    spiked samples lie to be one spike, or spikes of several leads to be one event. Two at 100 Hz, where a flipped
    byte's two samples are 20 ms, a QRS's width: a median over 3 samples followed them, over 5 it does not, and no
    QRS stands out of it by 15 mV and 5 times its lead's range (the rule's thresholds hold it, not its width)."""
    return max(2, int(round(SPIKE_HALF_S * fs)))


def spike_samples(x: np.ndarray, fs: float, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The samples of (L, T) mV ``x`` at ``fs`` Hz, in the ``usable`` (L,) leads, that stand out as spikes, and how
    far: ((L, T) bool, (L, T) mV off the lead's running median, signed)."""
    L, T = x.shape
    half = _half(fs)
    if T < 4 * half + 2:
        return np.zeros((L, T), bool), np.zeros((L, T))
    data = np.nan_to_num(np.asarray(x, dtype=np.float64))
    over, off = np.zeros((L, T), bool), np.zeros((L, T))
    # no sample lies farther than the lead's peak-to-peak from its running median: only such leads are read
    # (a real record's none: 15 ms of a 10 s, 500 Hz record's check spared)
    read = np.flatnonzero(np.asarray(usable, bool) & (np.ptp(data, axis=1) > SPIKE_MIN_MV))
    if read.size:
        part = data[read]
        off[read] = part - median_filter(part, size=(1, 2 * half + 1), mode="nearest")      # (l, T) mV
        lo, hi = np.percentile(part, (0.5, 99.5), axis=1)                                     # (l,) each
        limit = np.maximum(SPIKE_MIN_MV, SPIKE_RATIO * (hi - lo))
        over[read] = np.abs(off[read]) > limit[:, None]
    return over, off


def _events(over: np.ndarray, off: np.ndarray, half: int) -> list[tuple[int, int, float, np.ndarray]]:
    """The spikes of ``spike_samples``' (L, T) ``over`` and ``off``: [(lead, peak sample, mV, its samples)], its
    samples within ``half`` samples of each other one spike."""
    out = []
    for lead in np.flatnonzero(over.any(axis=1)):
        at = np.flatnonzero(over[lead])
        for g in np.split(at, np.flatnonzero(np.diff(at) > half) + 1):
            k = int(g[np.argmax(np.abs(off[lead, g]))])
            out.append((int(lead), k, float(off[lead, k]), g))
    return out


def _sources(derived: np.ndarray) -> list[set[int]]:
    """Each lead's stored leads, for (L,) bool ``derived`` (the limb leads a reader computed from the file's own,
    ``quality["derived"]``): a lead's own index, or a derived limb lead's stored limb leads (III, aVR, aVL and aVF
    of a GE MUSE file, which stores 8 leads, are computed from I and II, and carry their samples)."""
    derived = np.asarray(derived, bool)
    stored = {i for i in range(min(len(LIMB), len(derived))) if not derived[i]}
    return [set(stored) if derived[i] else {i} for i in range(len(derived))]


def _one_leads(events: list, half: int, derived: np.ndarray) -> list[int | None]:
    """For each of ``_events``' spikes, the stored lead whose spike it is where every spike within ``half`` samples
    of it (its own included) is of that lead or of a lead derived from it: a flipped byte is one stored lead's,
    whereas a pacing stimulus reaches several leads at once. None where the spikes about it are several leads'."""
    source = _sources(derived)
    out = []
    for lead, k, _, _ in events:
        common = set(source[lead])
        for other, j, _, _ in events:
            if abs(j - k) <= half:
                common &= source[other]
        out.append(min(common) if common else None)
    return out


def _mark(mask: np.ndarray, lead: int, samples: np.ndarray, one: int | None, derived: np.ndarray) -> None:
    """Marks in (L, T) ``mask`` the ``samples`` of a spike in ``lead`` and, where it is one stored lead's (``one``,
    ``_one_leads``), the same samples of every limb lead ``derived`` (L,) bool from that lead: they carry it, below
    the spike threshold too (aVR and aVF half of I's)."""
    mask[lead, samples] = True
    if one is not None:
        carry = [i for i, s in enumerate(_sources(derived)) if derived[i] and one in s]
        mask[np.ix_(carry, samples)] = True


@dataclass(frozen=True)
class SpikeScan:
    """The spikes of one (L, T) record (``scan``), read once for both the pacing detector's input
    (``without_lone_spikes``) and the spike finding (``isolated_spikes``): on a damaged record the running median
    over its spiked leads is the cost."""
    events: list            # ``_events``: [(lead, peak sample, mV off the trace, signed, (n,) its samples)]
    stored: list            # ``_one_leads``: for each event, the stored lead whose spike it is, or None
    derived: np.ndarray     # (L,) bool, the limb leads a reader computed from the file's own
    half: int               # ``_half``: samples


def scan(x: np.ndarray, fs: float, usable: np.ndarray, derived: np.ndarray | None = None) -> SpikeScan:
    """The spikes of (L, T) mV ``x`` at ``fs`` Hz in the ``usable`` (L,) leads (``spike_samples``), each with the
    stored lead whose spike it is where the limb leads ``derived`` (L,) bool from it carry it."""
    derived = np.zeros(np.shape(x)[0], bool) if derived is None else np.asarray(derived, bool)
    half = _half(fs)
    events = _events(*spike_samples(x, fs, usable), half)
    return SpikeScan(events, _one_leads(events, half, derived), derived, half)


def isolated_spikes(x: np.ndarray, fs: float, found: SpikeScan, stim_s: np.ndarray = np.zeros(0),
                    ceiling_mv: float = np.inf) -> tuple[list[tuple[int, float, float]], np.ndarray]:
    """The isolated spikes ``found`` (``scan``) in (L, T) mV ``x`` at ``fs`` Hz, those at a pacing stimulus
    (``stim_s`` (n,) s) and those whose sample lies beyond ``ceiling_mv`` (the impossible values' finding names it)
    left out. A spike that a limb lead derived from a stored lead carries with it is that lead's, said once.

    Returns:
        [(lead index, time s, mV off the trace, signed)], in time order, one per spike; and (L, T) bool, their
        samples and those of the leads derived from a spike's lead at them: the samples the spikes damaged.
    """
    derived, half, events = found.derived, found.half, found.events
    stim = np.asarray(stim_s, dtype=np.float64)
    damaged, said = np.zeros(np.shape(x), bool), []
    for (lead, k, mv, samples), one in zip(events, found.stored):
        if (stim.size and np.min(np.abs(stim - k / fs)) <= SPIKE_HALF_S) or abs(x[lead, k]) > ceiling_mv:
            continue
        _mark(damaged, lead, samples, one, derived)
        # a derived lead's spike at its stored lead's is that lead's, said there
        if not (derived[lead] and any(other == one and abs(j - k) <= half for other, j, _, _ in events)):
            said.append((lead, k / fs, mv))
    return sorted(said, key=lambda s: s[1]), damaged


def without_lone_spikes(x: np.ndarray, found: SpikeScan) -> np.ndarray:
    """(L, T) mV ``x`` with the spikes ``found`` (``scan``) that no other lead shows within ``SPIKE_HALF_S``
    bridged (``bridged``), for the pacing detector: a stimulus reaches the body surface in several leads at once, a
    flipped byte is one lead's, and three of them in LUDB 71's aVL, each before a beat, had read "paced rhythm". A
    spike that only the limb leads derived from its lead show too is that lead's alone. ``x`` itself when there is
    none."""
    lone = np.zeros(np.shape(x), bool)
    for (lead, _, _, samples), one in zip(found.events, found.stored):
        if one is not None:
            _mark(lone, lead, samples, one, found.derived)
    return bridged(x, lone) if lone.any() else x


def without_spikes(x: np.ndarray, fs: float, derived: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(L, T) mV ``x`` with its spikes (``scan``) and its samples past the impossible values' limit
    (``noise.impossible_mask``, however wide) bridged (``bridged``), in the limb leads ``derived`` (L,) bool from the
    stored lead they are in too (``_mark``), and how many leads were; ``x`` itself when there is none. The
    measurement reads it so: a spike of 37 mV in LUDB 1's V6 had been counted a beat (45 bpm measured 53), one of
    30 mV in I of a GE MUSE file had left 15 mV in aVR and aVF, below the threshold, which moved the QRS axis, and
    60 mV over 30 ms at 100 Hz, too wide for the running median, had been counted a beat."""
    L = np.shape(x)[0]
    present = np.isfinite(x).any(axis=1)
    found = scan(x, fs, present, derived)
    damaged = np.zeros(np.shape(x), bool)
    for (lead, _, _, samples), one in zip(found.events, found.stored):
        _mark(damaged, lead, samples, one, found.derived)
    centre = np.zeros((L, 1))
    centre[present] = np.nanmedian(x[present], axis=1, keepdims=True)
    damaged |= impossible_damage(np.nan_to_num(x - centre), present, found.derived)
    if not damaged.any():
        return x, 0
    return bridged(x, damaged), int(damaged.any(axis=1).sum())


def impossible_damage(x: np.ndarray, present: np.ndarray, derived: np.ndarray,
                      cfg: QualityConfig | None = None) -> np.ndarray:
    """(L, T) bool: the samples of (L, T) mV ``x``, less each lead's median, past the impossible values' limit
    (``noise.impossible_mask``) in the ``present`` (L,) leads, and the same samples of the limb leads ``derived``
    (L,) bool from a stored lead that has them (``_mark``): they carry them, half in aVR and aVF."""
    derived = np.asarray(derived, bool)
    wild = impossible_mask(x, present, cfg or QualityConfig())
    out = np.zeros(wild.shape, bool)
    for lead in np.flatnonzero(wild.any(axis=1)):
        _mark(out, lead, np.flatnonzero(wild[lead]), None if derived[lead] else lead, derived)
    return out


def bridged(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of (L, T) ``x`` with the samples of ``mask`` (L, T) and one on either side drawn linearly between the
    lead's finite samples around them."""
    y = np.array(x, dtype=np.float64, copy=True)
    bad = mask | np.roll(mask, 1, axis=1) | np.roll(mask, -1, axis=1)
    t = np.arange(x.shape[1])
    for lead in np.flatnonzero(bad.any(axis=1)):
        keep = ~bad[lead] & np.isfinite(y[lead])
        if keep.any():
            y[lead, bad[lead]] = np.interp(t[bad[lead]], t[keep], y[lead, keep])
    return y


# each limb lead by Einthoven's and Goldberger's laws from two others: (lead, (a, b), weights) as indices into LIMB
_LIMB_FROM = ((0, (1, 2), (1.0, -1.0)), (1, (0, 2), (1.0, 1.0)), (2, (0, 1), (-1.0, 1.0)),
              (3, (0, 1), (-0.5, -0.5)), (4, (0, 1), (1.0, -0.5)), (5, (0, 1), (-0.5, 1.0)))


def repaired(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(L, T) mV ``x`` with the samples of ``mask`` (L, T) bool bridged (``bridged``); in a limb lead whose two
    others of ``_LIMB_FROM`` are not in ``mask`` there, its departure from Einthoven's and Goldberger's laws is
    bridged instead, the laws drawing the rest: at 100 Hz a bridge over a QRS peak is 30 ms of one lead's beat,
    which the limb leads' consistency check (``lead_set._einthoven``) read as that lead breaking the laws; the other
    limb leads carry what it lost (exactly where the file keeps the laws, as a cart deriving them does)."""
    y = bridged(x, mask)
    bad = mask | np.roll(mask, 1, axis=1) | np.roll(mask, -1, axis=1)
    if x.shape[0] < len(LIMB):
        return y
    for lead, (a, b), (wa, wb) in _LIMB_FROM:
        at = bad[lead] & ~bad[a] & ~bad[b] & np.isfinite(x[a]) & np.isfinite(x[b])
        if at.any():
            law = wa * np.asarray(x[a], np.float64) + wb * np.asarray(x[b], np.float64)      # (T,)
            y[lead, at] = law[at] + bridged((x[lead] - law)[None], mask[lead][None])[0, at]
    return y


def spikes_finding(spikes: list[tuple[int, float, float]], carried: tuple[str, ...] = (),
                   fs: float = 500.0) -> Finding | None:
    """The "artefact" finding of ``isolated_spikes``' spikes, each named with its lead and time, critical with the
    time they span, as impossible sample values are: the prediction leaves the model's windows they fall in out, or
    is withheld without another (``inference.aggregate``). The model normalises each lead per window, and one spike
    of 20-50 mV in one lead changed the default model's calls on 2 of 30 PTB-XL records (a class probability by up
    to 0.45); the median beat and the measurements read past it, and so do the quality check's other rules.
    ``carried``: the limb leads derived from a spike's lead (``isolated_spikes``) that carry it too, said in the
    detail, not as spikes of their own; ``fs``: the record's rate (Hz), for the spike's width. None without a
    spike."""
    if not spikes:
        return None
    leads = sorted({s[0] for s in spikes})
    where = ", ".join(f"{STANDARD_LEADS[i]} at {t:.2f} s" for i, t, _ in spikes[:6])
    more = f" and {len(spikes) - 6} more" if len(spikes) > 6 else ""
    names = _names(np.isin(np.arange(len(STANDARD_LEADS)), leads))
    times = [t for _, t, _ in spikes]
    n = f"{len(spikes)} spike{'s' if len(spikes) > 1 else ''}"
    also = (f"; {leads_text(carried)}, derived from the file's own limb leads, carry "
            f"{'them' if len(spikes) > 1 else 'it'} too" if carried else "")
    return Finding("artefact", f"isolated spike{'s' if len(spikes) > 1 else ''} no heart gives ({where}{more}): "
                   "damaged file?", "critical", names,
                   f"{n} in {leads_text(names)}, up to {max(abs(s[2]) for s in spikes):.0f} mV off the trace within "
                   f"{_half(fs) / fs * 1000:.0f} ms and back, {SPIKE_RATIO:g} times the lead's own beat height or "
                   "more; the model would read them (each lead is scaled per window), the median beat, the "
                   f"measurements and the other checks do not{also}",
                   span_s=(max(0.0, min(times) - 0.05), max(times) + 0.05))
