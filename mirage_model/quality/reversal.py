"""Electrode reversal: median-beat features, the learned multinomial model (resources/quality/
reversal.json, built by scripts/train_reversal_detector.py), the rules for neutral-electrode
swaps, the median beats it reads (without mains) and when its call is withheld (a lead graded poor)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from mirage_model.paths import resources_dir
from mirage_model.quality.beats import _beats
from mirage_model.quality.findings import LIMB, Finding, QualityConfig, QualityError, leads_text
from mirage_model.quality.indices import _corr_rows
from mirage_model.records import STANDARD_LEADS
from mirage_model.records.stamp import file_stamp

_P, _Q, _T = (slice(2, 17), slice(19, 33), slice(38, 70))   # P, QRS, T windows in the 70-sample median beat
LIMB_SWAPS = ("LA/RA", "LA/LL", "RA/LL", "RA>LA>LL", "RA>LL>LA")
# Naming weight of the two limb-electrode rotations against the single swaps (a rotation needs two
# misplaced electrodes; LA/RA is the commonest interchange). Chosen on PTB-XL fold 9: LA/RA named
# first in 94 % of detected LA/RA records (70 % without it), rotations in 30 % (71 %).
ROTATION_PRIOR = 0.3
CHEST_SWAPS = ("V1/V2", "V2/V3", "V3/V4", "V4/V5", "V5/V6")


def reversal_features(med: np.ndarray) -> np.ndarray:
    """Features of 100 Hz median beats (..., 12, 70) for the reversal detector: (..., F) float64.

    Per lead: net area of P, QRS and T and the QRS extreme (signed), in units of the record's
    largest limb-lead QRS size; correlations of the six limb leads with V1, V4, V5, V6 and of
    adjacent precordial leads (V1-V2 ... V5-V6, V1-V3, V4-V6); the precordial QRS size and R-wave
    profiles.
    """
    med = np.nan_to_num(np.asarray(med, dtype=np.float64))
    qrs = med[..., _Q]                                                           # (..., 12, 14)
    size = np.maximum(np.abs(qrs[..., :6, :]).max(axis=(-1, -2)), 0.05)[..., None]
    arg = np.abs(qrs).argmax(axis=-1)[..., None]
    ext = np.take_along_axis(qrs, arg, axis=-1)[..., 0] / size                   # (..., 12)
    p = med[..., _P].mean(axis=-1) / size * 4
    q = qrs.mean(axis=-1) / size
    t = med[..., _T].mean(axis=-1) / size * 2
    chest = [6, 9, 10, 11]
    cor = _corr_rows(med[..., :6, None, :], med[..., None, chest, :])           # (..., 6, 4)
    cor = cor.reshape(cor.shape[:-2] + (24,))
    pairs = [(6, 7), (7, 8), (8, 9), (9, 10), (10, 11), (6, 8), (9, 11)]
    cp = _corr_rows(med[..., [a for a, _ in pairs], :], med[..., [b for _, b in pairs], :])   # (..., 7)
    vsize = np.maximum(np.abs(qrs[..., 6:, :]).max(axis=(-1, -2)), 0.05)[..., None]
    v_amp = np.abs(qrs[..., 6:, :]).max(axis=-1) / vsize                        # (..., 6)
    r_amp = qrs[..., 6:, :].max(axis=-1) / vsize                                 # (..., 6)
    return np.concatenate([p, q, t, ext, cor, cp, v_amp, r_amp], axis=-1)


@dataclass(frozen=True)
class ReversalModel:
    """Multinomial logistic regression over ``reversal_features``: which swap, if any, a median
    beat was recorded with.

    Attributes:
        classes: ("none",) + LIMB_SWAPS + CHEST_SWAPS.
        mean, scale: (F,) feature standardisation. coef: (K, F); intercept: (K,).
        thresholds: "limb" (the limb classes' summed probability) and each precordial class -> the
            probability from which it is reported (chosen on PTB-XL fold 9).
    """

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: dict
    provenance: dict = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(..., F) features -> (..., K) class probabilities."""
        z = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict:
        return {"format": "mirage-reversal-logreg/1", "classes": list(self.classes),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist(), "thresholds": self.thresholds,
                "provenance": self.provenance}

    @classmethod
    def from_json(cls, data: dict, path: Path | str = "") -> "ReversalModel":
        try:
            if data.get("format") != "mirage-reversal-logreg/1":
                raise ValueError(f"unknown format {data.get('format')!r}")
            m = cls(tuple(data["classes"]), np.asarray(data["mean"], float), np.asarray(data["scale"], float),
                    np.asarray(data["coef"], float), np.asarray(data["intercept"], float),
                    {k: float(v) for k, v in data["thresholds"].items()}, dict(data.get("provenance", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise QualityError(f"{path}: not a reversal detector ({err})") from err
        k = len(m.classes)
        if (m.coef.ndim != 2 or m.coef.shape[0] != k or m.intercept.shape != (k,)
                or m.mean.shape != (m.coef.shape[1],) or m.scale.shape != m.mean.shape):
            raise QualityError(f"{path}: reversal detector shapes do not agree")
        if m.classes[0] != "none" or "limb" not in m.thresholds:
            raise QualityError(f"{path}: reversal detector lacks its 'none' class or 'limb' threshold")
        return m


def default_reversal_path() -> Path:
    return resources_dir() / "quality" / "reversal.json"


def load_reversal_model(path: str | None = None) -> ReversalModel | None:
    """The shipped (or given) reversal detector; None when the default file is absent.

    The file read is cached by its path, resolved at each call (``resources_dir`` reads ``MIRAGE_RESOURCES`` anew):
    a cache keyed by the argument had kept the None of a resources folder without the detector for every later
    call of the process (one slow test's empty ``MIRAGE_RESOURCES`` left the next tests with no reversal check: LA/RA
    found on 0 of 200 fold-9 copies); and by the file's ``records.stamp.file_stamp``: a detector retrained into the
    same file is read again, not the old one kept until the process ends.

    Raises:
        QualityError: the file exists but is unreadable, or a given path does not exist.
    """
    p = Path(path) if path else default_reversal_path()
    if not p.is_file():
        if path:
            raise QualityError(f"{p}: reversal detector not found")
        return None
    return _read_reversal_model(str(p), file_stamp(p))


@lru_cache(maxsize=4)
def _read_reversal_model(path: str, stamp) -> ReversalModel:
    """The reversal detector in the file at ``path`` (read once a path and ``file_stamp``)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise QualityError(f"{p}: cannot read the reversal detector ({err})") from err
    return ReversalModel.from_json(data, p)


def _reversal_rules(mean_beat: np.ndarray, ptp: np.ndarray, nan_share: np.ndarray) -> list[tuple[str, str]]:
    """Neutral-electrode swaps: (swap, detail). RA/RL leaves lead II (near) flat with I = -III;
    LA/RL leaves III flat with I = II (the arm electrode reads the legs' potential).

    Args:
        mean_beat: (12, S) mean beat. ptp: (12,) robust peak-to-peak of the whole record (mV).
        nan_share: (12,) share of missing samples (a missing lead is not a flat one).
    """
    out = []
    limb_size = np.median(ptp[:6])
    if limb_size <= 0:
        return out
    for flat, (a, b, sign), swap in ((1, (0, 2, -1), "RA/RL"), (2, (0, 1, 1), "LA/RL")):
        med = mean_beat
        if ptp[flat] < 0.15 * limb_size and ptp[a] > 0.1 and nan_share[flat] < 0.5:
            r = _corr_rows(med[a], sign * med[b])
            if r > 0.95:
                out.append((swap, f"lead {STANDARD_LEADS[flat]} near flat ({ptp[flat]:.2f} mV), "
                                  f"{'I = -III' if swap == 'RA/RL' else 'I = II'} (r = {r:.2f})"))
    return out


def _learned_reversal(model: ReversalModel, med: np.ndarray) -> list[Finding]:
    """Findings of the learned detector on a median beat (12, 70).

    A limb swap when the limb classes' summed probability reaches the "limb" threshold. It is
    named by the most probable limb class after weighing the two rotations (three electrodes
    misplaced, two errors at once) by ROTATION_PRIOR against the single swaps, and by the runner-up
    too when it has at least half that weight: the linear model alone mixes up LA/RA with the
    RA>LL>LA rotation, and RA/LL with RA>LA>LL, about one time in four. Each precordial swap is
    reported whose own probability reaches its threshold.
    """
    prob = model.probabilities(reversal_features(med))
    out = []
    limb = [k for k, c in enumerate(model.classes) if c in LIMB_SWAPS]
    p_limb = float(prob[limb].sum())
    if limb and p_limb >= model.thresholds["limb"]:
        weight = {k: prob[k] * (ROTATION_PRIOR if ">" in model.classes[k] else 1.0) for k in limb}
        order = sorted(limb, key=lambda k: -weight[k])
        names = [model.classes[order[0]]]
        if len(order) > 1 and weight[order[1]] >= 0.5 * weight[order[0]]:
            names.append(model.classes[order[1]])
        out.append(Finding("limb_reversal", f"limb lead reversal suspected ({' or '.join(names)})", "critical",
                           _SWAP_LEADS.get(names[0], LIMB), f"p = {p_limb:.2f} ({names[0]} {prob[order[0]]:.2f})"))
    for k, cls in enumerate(model.classes):
        th = model.thresholds.get(cls)
        if cls in CHEST_SWAPS and th is not None and prob[k] >= th:
            out.append(Finding("precordial_reversal", f"precordial lead reversal suspected ({cls})", "critical",
                               tuple(cls.split("/")), f"p = {prob[k]:.2f}"))
    return out


_SWAP_LEADS = {
    "LA/RA": ("I", "II", "III", "aVR", "aVL"), "LA/LL": ("I", "II", "III", "aVL", "aVF"),
    "RA/LL": ("I", "II", "III", "aVR", "aVF"), "RA>LA>LL": LIMB, "RA>LL>LA": LIMB,
    "RA/RL": ("I", "II", "aVR", "aVL", "aVF"), "LA/RL": ("I", "III", "aVR", "aVL", "aVF"),
}


def _without_mains_beat(x: np.ndarray, xm: np.ndarray, fs: float, usable: np.ndarray, med: np.ndarray,
                        cfg: QualityConfig, f0: float | None = None) -> np.ndarray:
    """The median beats (L, S) at 100 Hz of ``xm``, (L, T) mV ``x`` with the mains lines its leads carry subtracted,
    as ``measure`` subtracts them (``preprocess.remove_mains``, ``only_present``); ``med`` itself where there are none
    (``xm`` is ``x``). The reversal detector reads P, QRS and T polarity off them: 50 Hz lies on the 100 Hz signal's
    Nyquist, half of it kept, and 0.5-2 mV of it had read as a swapped pair of chest leads in half the LUDB records
    or more. Mains found at ``f0`` Hz on the record's own Nyquist (50 Hz in a 100 Hz file), which the measurement
    cannot subtract, is taken away here too (``_without_nyquist``): the median of beats that start on odd and on even
    samples keeps part of it, alternating sample by sample with each lead's phase (0.04-0.07 mV in V1, V3, V5 and V6 of
    a PTB-XL record under 0.1 mV of it), and it had read a chest-lead swap, p = 1.00, where there was none."""
    if f0 is not None and abs(f0 - fs / 2) <= 1.0:
        xm = _without_nyquist(xm, fs)
    if xm is x:
        return med
    _, _, _, segs, med_m = _beats(xm, fs, usable, cfg)
    return med_m if len(segs) >= cfg.min_beats else med


def _without_nyquist(x: np.ndarray, fs: float, window_s: float = 0.5) -> np.ndarray:
    """(L, T) ``x`` less its component about Nyquist: the samples times (-1)^n, smoothed by a Hann window of
    ``window_s`` (renormalised at the ends), are its local amplitude (the mains' drift and a line a few tenths of a
    hertz off 50 Hz follow it), subtracted again times (-1)^n. Takes a band of about 2 / window_s Hz below Nyquist,
    where a 100 Hz file has no ECG left (its recorder's anti-aliasing filter)."""
    n = min(int(round(window_s * fs)) | 1, x.shape[1] - 1 | 1)       # odd, no longer than the record
    if n < 3:
        return x
    w = np.hanning(n + 2)[1:-1]
    alt = np.where(np.arange(x.shape[1]) % 2 == 0, 1.0, -1.0)
    ones = np.convolve(np.ones(x.shape[1]), w, mode="same")
    amp = np.stack([np.convolve(row, w, mode="same") for row in np.nan_to_num(x * alt)]) / ones
    return x - amp * alt


def _withhold_on_poor(found: list[Finding], findings: list[Finding], poor: tuple[str, ...]) -> list[Finding]:
    """``findings`` with the learned detector's ``found`` added while no lead is graded poor. A poor lead's
    median beat is its noise's, or a mix of unlike beats (bigeminy, paced and conducted beats), and the
    detector weighs every lead's: a chest lead of 0.1 mV white noise read a reversal in 105 of 500 clean
    PTB-XL records, 24 of them naming other leads (noisy V6 read "LA/LL", noisy V1 "V3/V4"). Where it names
    a swap beside a poor lead, the swap is neither named (critical) nor dropped unsaid: a warning says the
    electrodes could not be checked, naming the swap and the poor lead ("reversal_unchecked"), since a
    true swap with another lead noisy reads so too."""
    if not poor or not found:
        return findings + found
    swaps = [f.name.rsplit("(", 1)[-1].rstrip(")") for f in found]
    leads = f"{leads_text(poor)} poor"
    named = tuple(dict.fromkeys(lead for f in found for lead in f.leads))
    return findings + [Finding(
        "reversal_unchecked", f"electrode reversal not checked ({leads}; {', '.join(swaps)} read): check the "
        "electrodes", "warning", named,
        f"the reversal detector read {', '.join(swaps)}, but it weighs every lead's median beat and {leads}: "
        "a noisy chest lead alone reads a reversal in a fifth of clean records, so the swap is not named")]
