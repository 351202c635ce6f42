"""How the leads' own wave boundaries make one global PR, QRS and QT.

Two conventions (``MeasureConfig.intervals``):
  * "median" (the default): each lead's own interval (its onset to its offset), the median over the leads:
    how a cardiologist reads lead by lead, and shorter than the global interval by the leads' scatter.
  * "global": from the earliest onset to the latest offset over the leads, read on the leads superimposed
    in time, as electrocardiographs and the standards measure global intervals (IEC 60601-2-25; the CSE
    study, Willems et al., JACC 1985). The thresholds an interpretation cites (QRS >= 120 ms for complete
    bundle branch block, the QTc limits) were set on such measurements. Guarded: the ``rank``-th earliest
    onset and the ``rank``-th latest offset (rank 2: one lead's stray boundary cannot stretch the
    interval). PR: the ``rank``-th earliest P onset to the global QRS onset (the ``rank``-th earliest), QT:
    that QRS onset to the ``rank``-th latest T offset. Not the default: it read PTB-XL's normal QRS long
    (docs/measurements.md).
"""

from __future__ import annotations

import numpy as np

CONVENTIONS = ("global", "median")
# the largest global rank that is one: past the middle of 12 leads ``ranked`` takes the middle value
GLOBAL_RANK_MAX = 6


def ranked(values: np.ndarray, rank: int, latest: bool) -> float:
    """The ``rank``-th earliest (or latest) finite value of (L,) ``values``; with fewer finite values than
    ``2 * rank - 1`` the middle one (so the rank never passes the median), NaN with none."""
    v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
    if v.size == 0:
        return float("nan")
    i = min(rank, (v.size + 1) // 2) - 1
    return float(v[-1 - i] if latest else v[i])


def boundary(values: np.ndarray, rank: int, latest: bool, min_leads: int) -> float | None:
    """A global boundary (samples) from the leads' own (L,) ``values`` (NaN: none in that lead): the
    ``rank``-th earliest (an onset) or latest (an offset, ``latest``); None where fewer than ``min_leads``
    leads have one (the caller falls back to its spatial boundaries)."""
    if np.isfinite(values).sum() < min_leads:
        return None
    return ranked(values, rank, latest)


def lead_median(onsets: np.ndarray, offsets: np.ndarray, min_leads: int) -> float | None:
    """The median over the leads of each lead's own interval, offset - onset (samples); None where fewer
    than ``min_leads`` leads have both."""
    d = np.asarray(offsets, dtype=float) - np.asarray(onsets, dtype=float)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size >= min_leads else None


def biases(cfg, delineator: str) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """The (PR, QRS, QT) calibrations in ms of ``cfg`` (``MeasureConfig``) for the boundaries of ``delineator``
    ("unet", "combined" or "rules"): (the reported intervals' by ``cfg.intervals``, the median over leads')."""
    med = {"unet": cfg.unet_bias_ms, "combined": cfg.combined_bias_ms}.get(
        delineator, (cfg.pr_bias_ms, cfg.qrs_bias_ms, cfg.qt_bias_ms))
    return (dict(cfg.global_bias_ms).get(delineator, (0.0, 0.0, 0.0)) if cfg.intervals == "global" else med), med


def lead_count(onsets: np.ndarray, offsets: np.ndarray, convention: str) -> int:
    """The leads an interval from (L,) ``onsets`` to (L,) ``offsets`` was combined over (NaN: none in that lead):
    "median", the leads with both; "global", the smaller side, as each bound is ranked over the leads that give
    it (a PR whose P onset came from 4 leads is over 4 leads, however many gave the QRS onset)."""
    on, off = np.isfinite(onsets), np.isfinite(offsets)
    if convention == "global":
        return int(min(on.sum(), off.sum()))
    return int((on & off).sum())


def qrs_span(onsets: np.ndarray, offsets: np.ndarray, convention: str, rank: int,
             min_leads: int) -> tuple[float, float, int] | None:
    """The QRS over the leads from each lead's (L,) ``onsets`` and ``offsets`` (samples): (onset, length, leads);
    "global": the ``rank``-th earliest onset to the ``rank``-th latest offset, "median": the median onset and the
    median of the leads' own QRS. None where too few leads have their own (the caller's spatial boundaries)."""
    if convention == "global":
        on, off = boundary(onsets, rank, False, min_leads), boundary(offsets, rank, True, min_leads)
        if on is None or off is None:
            return None
        return on, off - on, lead_count(onsets, offsets, convention)
    if np.isfinite(onsets).sum() < min_leads:
        return None
    return float(np.nanmedian(onsets)), float(np.nanmedian(offsets - onsets)), lead_count(onsets, offsets, convention)


def from_qrs_onset(qrs_onsets: np.ndarray, others: np.ndarray, q_from: float | None, convention: str, rank: int,
                   min_leads: int, after: bool) -> tuple[float, int] | None:
    """An interval between the QRS onset and another boundary, (length in samples, leads): the QT to the T
    offsets (``after``), the PR from the P onsets (not ``after``), each lead's (L,) ``qrs_onsets`` and ``others``.
    "global": from or to ``q_from``, the global QRS onset (``qrs_span``; None: the QRS fell back to the spatial
    boundaries, so does this), and the ``rank``-th latest offset or earliest onset; "median": the median of the
    leads' own intervals. None where too few leads have their own (the caller's spatial boundaries)."""
    if convention == "global":
        g = boundary(others, rank, after, min_leads) if q_from is not None else None
        if g is None:
            return None
        return (g - q_from if after else q_from - g), lead_count(qrs_onsets, others, convention)
    d = others - qrs_onsets if after else qrs_onsets - others
    if np.isfinite(d).sum() < min_leads:
        return None
    return float(np.nanmedian(d)), lead_count(qrs_onsets, others, convention)


_NAMES = (("pr_ms", "PR"), ("qrs_ms", "QRS"), ("qt_ms", "QT"))


def how_measured(m) -> str:
    """How a ``Measurements``' PR, QRS and QT were combined over the leads, in words for a page or a tab
    ("Global PR, QRS and QT: earliest onset to latest offset over 12 leads (the 2nd earliest and latest, so
    that one lead cannot stretch them)."); "" where none was measured or the convention is not recorded."""
    leads = dict(getattr(m, "interval_leads", None) or {})
    given = [(name, leads.get(key, 0)) for key, name in _NAMES if getattr(m, key, None) is not None]
    convention = getattr(m, "intervals", "")
    if not given or convention not in CONVENTIONS:
        return ""
    over = [(name, n) for name, n in given if n]
    spatial = [name for name, n in given if not n]
    names = ", ".join(name for name, _ in over[:-1]) + (" and " if len(over) > 1 else "") + over[-1][0] if over else ""
    counts = sorted({n for _, n in over}, reverse=True)
    rest = [f"{name} {n}" for name, n in over if n != counts[0]] if over else []
    out = []
    if over:
        n_text = f"{counts[0]} lead{'s' if counts[0] != 1 else ''}" + (f" ({', '.join(rest)})" if rest else "")
        rank = int(getattr(m, "interval_rank", 1) or 1)
        if convention == "global":
            guard = ("" if rank == 1 else f" (the {_ordinal(rank)} earliest and latest, so that "
                     f"{'one lead' if rank == 2 else f'{rank - 1} leads'} cannot stretch them)")
            out.append(f"Global {names}: earliest onset to latest offset over {n_text}{guard}.")
        else:
            out.append(f"{names}: the median over {n_text} of each lead's own interval.")
    if spatial:
        out.append(f"{' and '.join(spatial)} from the boundaries of all leads together (too few leads had their own).")
    return " ".join(out)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
