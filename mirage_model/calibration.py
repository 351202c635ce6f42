"""Probability calibration: a checkpoint's probabilities mapped so that "70 %" means 70 % of such records.

Fitted on the validation split (PTB-XL fold 9) after training and stored in the checkpoint
(``config.json`` key ``calibration``); ``Predictor`` and ``mirage evaluate`` apply it to every
probability the model gives, and the decision thresholds are chosen afterwards on the calibrated
values. Methods, per class of a multi-label model:

* ``platt`` (Platt 1999): ``sigmoid(a * logit(p) + b)``, fitted by Newton's method on the log-loss
  with Platt's smoothed targets; two numbers per class. The slope is kept at least ``PLATT_MIN_SLOPE``
  (a class whose validation records carry no signal would otherwise get a flat or reversed map).
* ``isotonic`` (Zadrozny & Elkan 2002): a non-decreasing step function fitted by pool-adjacent-
  violators, stored as breakpoints and interpolated linearly between them; clipped to
  [1e-4, 1 - 1e-4]. Applied with a rank-preserving tie-break, ``(1 - TIE_BREAK) * step(p) +
  TIE_BREAK * p``: a step function ties every record inside one step (and beyond its ends), which
  on held-out records throws the model's ranking away (on PTB-XL fold 9, cross-validated, atrial
  flutter 0.906 with ties against 0.968 without). The tie-break moves no probability by more than
  1e-6.
* ``identity``: unchanged.

Every per-class map (multi-label) is strictly increasing, so calibration never changes which of two
records ranks higher in a class: AUROC is the same before and after.

``fit`` picks per class the method with the lower cross-validated Brier score (5 folds of the
validation split), then refits it on the whole split; isotonic wins only when it generalises
better. A class keeps ``identity`` when neither map lowers its cross-validated ECE below the
model's own (a small split: Platt fitted on 6 records took one class from 0.240 to 0.438), and
when it has no positive (or no negative) validation record: there is nothing to calibrate it
against. A multi-class (softmax) model gets one temperature on its log-probabilities
(Guo et al. 2017).

Small splits: isotonic is tried only on a split of at least ``ISOTONIC_MIN_RECORDS`` (1000) records; below it
Platt alone (Niculescu-Mizil & Caruana, "Predicting good probabilities with supervised learning", ICML 2005:
isotonic regression overfits calibration sets under about a thousand records, where Platt does better). A researcher's
19 validation records had got an isotonic map whose steps made one class's age worth +0.267. Each class's positive
and negative counts go into ``metrics``; ``few_outcomes`` names the fitted classes with fewer than ``FEW_OUTCOMES`` of
either (two a fold, on average, of the cross-validation that chooses the map), for ``mirage calibrate`` to say.

Expected calibration error (``ece``) uses 10 equal-width bins, weighted by count.

ECE measured on a finite split is not zero even for a perfectly calibrated model: each bin's observed
frequency scatters around its mean probability. ``chance_ece`` draws outcomes from the probabilities
themselves (consistency resampling, Bröcker & Smith 2007) to give the ECE that scatter alone
produces on the same records; ``ece_against_chance`` sets a measured ECE beside it. For the shipped
superclass model on PTB-XL's fold 10 (2158 records) that chance level is about 0.013-0.016 per
class: a measured 0.02 there is near sampling error, not a gap of 0.02 from perfect calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("identity", "platt", "isotonic", "temperature")
_EPS = 1e-6
_CLIP = 1e-4
TIE_BREAK = 1e-6           # weight of the raw probability in an applied isotonic map (keeps it strictly increasing)
ISOTONIC_MIN_RECORDS = 1000   # a split smaller than this gets Platt, never isotonic (Niculescu-Mizil & Caruana 2005)
FEW_OUTCOMES = 10             # a fitted class on fewer positive (or negative) records than this rests on few
PLATT_MIN_SLOPE = 1e-3     # smallest Platt slope a; a fit below it is refitted with a fixed at this value


class CalibrationError(ValueError):
    """A calibration document that cannot be used; ``str(err)`` says what is wrong."""


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), float64, with p clipped to [1e-6, 1 - 1e-6]."""
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), without overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of binary outcomes y (N,) against probabilities p (N,): sum over
    equal-width bins of (bin share) x |mean outcome - mean probability|."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs(y[sel].mean() - p[sel].mean())
    return float(total)


def chance_ece(p: np.ndarray, bins: int = 10, draws: int = 1000, seed: int = 0) -> np.ndarray:
    """ECE that sampling alone gives a perfectly calibrated model on these records.

    Outcomes are drawn from the probabilities themselves, y ~ Bernoulli(p), ``draws`` times, and
    each draw's ``ece`` against p is returned.

    Args:
        p: (N,) probabilities of one class.
        bins: equal-width bins, as ``ece``.
        draws: simulated outcome sets.
        seed: seed of the draws (the result is reproducible).

    Returns:
        float64 (draws,) ECE of each draw.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    n = len(p)
    if n == 0:
        raise CalibrationError("chance ECE needs at least one record")
    which = np.minimum((p * bins).astype(int), bins - 1)
    onehot = np.zeros((n, bins))
    onehot[np.arange(n), which] = 1.0
    p_sum = p @ onehot                               # (bins,) sum of probabilities per bin
    rng = np.random.default_rng(seed)
    out = np.empty(draws)
    for start in range(0, draws, 200):               # 200 draws at a time: (200, N) outcomes
        k = min(200, draws - start)
        y_sum = (rng.random((k, n)) < p).astype(np.float64) @ onehot     # (k, bins)
        out[start:start + k] = np.abs(y_sum - p_sum).sum(axis=1) / n     # sum_b (n_b/n)|mean y - mean p|
    return out


def ece_against_chance(y: np.ndarray, p: np.ndarray, bins: int = 10, draws: int = 1000, seed: int = 0) -> dict:
    """A measured ECE beside the chance level of ``chance_ece`` on the same records.

    Returns {"ece": measured, "chance_mean": mean chance ECE, "chance_p95": its 95th percentile,
    "p_value": share of perfectly calibrated draws with an ECE at least the measured one, (1 + k) /
    (1 + draws), a Monte Carlo test of "calibrated" (small: miscalibration beyond chance)}.
    """
    measured = ece(y, p, bins)
    chance = chance_ece(p, bins, draws, seed)
    return {"ece": measured, "chance_mean": float(chance.mean()), "chance_p95": float(np.quantile(chance, 0.95)),
            "p_value": float((1 + np.sum(chance >= measured - 1e-12)) / (1 + draws))}


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean probability (bins,), observed frequency (bins,), count (bins,)); NaN where a bin is empty."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    which = np.minimum((p * bins).astype(int), bins - 1)
    conf, freq, count = np.full(bins, np.nan), np.full(bins, np.nan), np.zeros(bins, dtype=int)
    for b in range(bins):
        sel = which == b
        count[b] = int(sel.sum())
        if count[b]:
            conf[b], freq[b] = p[sel].mean(), y[sel].mean()
    return conf, freq, count


def fit_platt(y: np.ndarray, p: np.ndarray, iters: int = 100) -> tuple[float, float]:
    """(a, b) minimising the log-loss of sigmoid(a logit(p) + b) against Platt's smoothed targets."""
    y = np.asarray(y, dtype=np.float64)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y > 0.5, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    z = logit(p)

    def loss(a, b):
        q = np.clip(sigmoid(a * z + b), 1e-12, 1 - 1e-12)
        return -np.sum(t * np.log(q) + (1 - t) * np.log1p(-q))

    a, b = 1.0, 0.0
    cur = loss(a, b)
    for _ in range(iters):                                  # Newton with step halving (never uphill)
        q = sigmoid(a * z + b)
        g = np.array([np.sum((q - t) * z), np.sum(q - t)])
        w = q * (1 - q) + 1e-12
        h = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        scale = 1.0
        while scale > 1e-6:
            na, nb = a - scale * step[0], b - scale * step[1]
            new = loss(na, nb)
            if new <= cur:
                break
            scale /= 2
        else:
            break
        a, b, done = na, nb, cur - new < 1e-12 * max(1.0, abs(cur))
        cur = new
        if done:
            break
    if a < PLATT_MIN_SLOPE:                                 # flat or reversed: keep the ranking, refit b alone
        a = PLATT_MIN_SLOPE
        # from the base rate's b, not the 2-D fit's: on scores a few hundredths apart that b can sit where
        # every q is 0 or 1, and Newton's step then divides by q (1 - q) = 0 (b had run to -3e12, the class
        # called for no record, its AUROC 0.5)
        b = _refit_intercept(a, float(logit(np.array([t.mean()]))[0] - a * z.mean()), z, t, loss, iters)
    return float(a), float(b)


def _refit_intercept(a: float, b: float, z: np.ndarray, t: np.ndarray, loss, iters: int) -> float:
    """Platt's b for the slope ``a`` held, from ``b``: 1-D Newton on the convex log-loss ``loss(a, b)`` of the
    (N,) logits ``z`` against the (N,) targets ``t``, each step halved until the loss does not rise, never uphill:
    where it still rises at a millionth of the step (rounding at the minimum) the fit stops where it is."""
    cur = loss(a, b)
    for _ in range(iters):
        q = sigmoid(a * z + b)
        step = np.sum(q - t) / (np.sum(q * (1 - q)) + 1e-12)
        scale = 1.0
        while scale > 1e-6 and loss(a, b - scale * step) > cur:
            scale /= 2
        new = loss(a, b - scale * step)
        if new > cur:
            break
        b -= scale * step
        cur = new
        if abs(scale * step) < 1e-10:
            break
    return b


def fit_isotonic(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool-adjacent-violators: breakpoints (x (M,), y (M,)) of the non-decreasing fit of y on p."""
    order = np.argsort(p, kind="mergesort")
    xs, ys = np.asarray(p, dtype=np.float64)[order], np.asarray(y, dtype=np.float64)[order]
    vals, wts, lo, hi = [], [], [], []                      # blocks: mean, weight, first and last x
    for x, v in zip(xs, ys):
        vals.append(v), wts.append(1.0), lo.append(x), hi.append(x)
        while len(vals) > 1 and vals[-2] >= vals[-1]:
            w = wts[-2] + wts[-1]
            vals[-2] = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w
            wts[-2], hi[-2] = w, hi[-1]
            del vals[-1], wts[-1], lo[-1], hi[-1]
    bx, by = [], []
    for v, a, b in zip(vals, lo, hi):                       # each block as a flat segment [a, b]
        bx += [a, b]
        by += [v, v]
    return np.asarray(bx), np.clip(np.asarray(by), _CLIP, 1 - _CLIP)


@dataclass(frozen=True)
class Calibration:
    """Per-class maps of a checkpoint's probabilities (see the module docstring).

    Attributes:
        methods: one of METHODS per class (multi-label), or ("temperature",) for a softmax model.
        params: per class: {} (identity), {"a", "b"} (platt), {"x", "y"} lists (isotonic),
            {"t"} (temperature, the one entry of a softmax model).
        fitted_on: where it was fitted (e.g. "ptbxl superdiagnostic val (fold 9), 2146 records").
        metrics: ECE before/after per class on the fitting split (cross-validated), for the card.
    """
    methods: tuple[str, ...]
    params: tuple[dict, ...]
    fitted_on: str = ""
    metrics: dict = field(default_factory=dict)

    def apply(self, probs: np.ndarray) -> np.ndarray:
        """(..., K) probabilities -> (..., K) calibrated probabilities (float64)."""
        p = np.asarray(probs, dtype=np.float64)
        if self.methods == ("temperature",):
            logp = np.log(np.clip(p, 1e-12, 1.0)) / self.params[0]["t"]
            logp -= logp.max(axis=-1, keepdims=True)
            e = np.exp(logp)
            return e / e.sum(axis=-1, keepdims=True)
        if p.shape[-1] != len(self.methods):
            raise CalibrationError(f"calibration has {len(self.methods)} classes, probabilities {p.shape[-1]}")
        out = np.empty_like(p)
        for k, (m, prm) in enumerate(zip(self.methods, self.params)):
            if m == "platt":
                out[..., k] = sigmoid(prm["a"] * logit(p[..., k]) + prm["b"])
            elif m == "isotonic":                           # strictly increasing: see TIE_BREAK
                out[..., k] = (1 - TIE_BREAK) * np.interp(p[..., k], prm["x"], prm["y"]) + TIE_BREAK * p[..., k]
            else:
                out[..., k] = p[..., k]
        return out

    def to_dict(self) -> dict:
        return {"methods": list(self.methods),
                "params": [{k: (list(map(float, v)) if isinstance(v, (list, tuple, np.ndarray)) else float(v))
                            for k, v in prm.items()} for prm in self.params],
                "fitted_on": self.fitted_on, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, doc, n_classes: int) -> "Calibration":
        """Validate and rebuild a stored calibration. Raises CalibrationError."""
        if not isinstance(doc, dict):
            raise CalibrationError("calibration must be a JSON object")
        methods, params = doc.get("methods"), doc.get("params")
        if not isinstance(methods, list) or not isinstance(params, list) or len(methods) != len(params):
            raise CalibrationError("calibration needs equal-length 'methods' and 'params' lists")
        if methods != ["temperature"] and len(methods) != n_classes:
            raise CalibrationError(f"calibration has {len(methods)} classes, the model {n_classes}")
        out = []
        for m, prm in zip(methods, params):
            if m not in METHODS or not isinstance(prm, dict):
                raise CalibrationError(f"unknown calibration method {m!r}")
            keys = {"identity": (), "platt": ("a", "b"), "temperature": ("t",), "isotonic": ("x", "y")}[m]
            clean = {}
            for k in keys:
                v = prm.get(k)
                arr = np.asarray(v, dtype=np.float64) if isinstance(v, list) else np.asarray([v], dtype=np.float64) \
                    if isinstance(v, (int, float)) and not isinstance(v, bool) else None
                if arr is None or arr.size == 0 or not np.isfinite(arr).all():
                    raise CalibrationError(f"calibration {m}: {k} must be finite numbers")
                clean[k] = arr.tolist() if m == "isotonic" else float(arr[0])
            if m == "temperature" and clean["t"] <= 0:
                raise CalibrationError("calibration temperature must be positive")
            if m == "isotonic":
                x, y = np.asarray(clean["x"]), np.asarray(clean["y"])
                if len(x) != len(y) or len(x) > 100_000 or np.any(np.diff(x) < 0) or np.any(np.diff(y) < 0) \
                        or y.min() < 0 or y.max() > 1:
                    raise CalibrationError("calibration isotonic: x and y must be non-decreasing, y in [0, 1]")
            out.append(clean)
        metrics = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
        return cls(tuple(methods), tuple(out), str(doc.get("fitted_on", "")), metrics)


def _brier(y, p) -> float:
    return float(np.mean((np.asarray(p) - np.asarray(y)) ** 2))


def _fit_one(method: str, y: np.ndarray, p: np.ndarray) -> dict:
    if method == "platt":
        a, b = fit_platt(y, p)
        return {"a": a, "b": b}
    if method == "isotonic":
        x, v = fit_isotonic(y, p)
        return {"x": x.tolist(), "y": v.tolist()}
    return {}


def fit(y: np.ndarray, p: np.ndarray, multiclass: bool = False, folds: int = 5, seed: int = 0,
        fitted_on: str = "", methods: tuple[str, ...] = ("platt", "isotonic")) -> Calibration:
    """Fit a calibration on validation outcomes and probabilities.

    Args:
        y: (N, K) 0/1 outcomes (multi-label) or (N,) class indices (multi-class).
        p: (N, K) the model's probabilities for the same records.
        multiclass: softmax model: one temperature instead of per-class maps.
        folds: cross-validation folds that choose the method per class (by Brier score; the
            model's own probabilities, ``identity``, when no map lowers the ECE).

    Returns:
        the Calibration, with cross-validated ECE per class before and after in ``metrics``
        (``ece_before``, ``ece_after_cv``) and, per class, each map's cross-validated ECE
        (``ece_cv_by_method``: {} for a class without both outcomes).
    """
    p = np.asarray(p, dtype=np.float64)
    N, K = p.shape
    if multiclass:
        yi = np.asarray(y, dtype=np.int64)
        best_t, best = 1.0, np.inf
        for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 121)):
            nll = -np.mean(np.log(np.clip(Calibration(("temperature",), ({"t": t},)).apply(p)[np.arange(N), yi],
                                          1e-12, 1)))
            if nll < best:
                best_t, best = float(t), nll
        cal = Calibration(("temperature",), ({"t": best_t},), fitted_on)
        onehot = np.eye(K)[yi]
        after = cal.apply(p)
        return Calibration(cal.methods, cal.params, fitted_on, {
            "ece_before": [ece(onehot[:, k], p[:, k]) for k in range(K)],
            "ece_after_in_sample": [ece(onehot[:, k], after[:, k]) for k in range(K)]})
    y = np.asarray(y, dtype=np.float64)
    left_out = {}
    if "isotonic" in methods and len(methods) > 1 and N < ISOTONIC_MIN_RECORDS:
        methods = tuple(m for m in methods if m != "isotonic")
        left_out = {"isotonic_left_out": f"isotonic not tried: {N} records, under {ISOTONIC_MIN_RECORDS} "
                                         "(Niculescu-Mizil & Caruana 2005: it overfits so few; Platt alone)"}
    fold = np.random.default_rng(seed).permutation(N) % folds
    chosen, params, before, after_cv, by_method = [], [], [], [], []
    for k in range(K):
        if y[:, k].min() == y[:, k].max():
            # no positive (or no negative) record: nothing to calibrate against. Fitted, both maps
            # send every probability to the one outcome seen (isotonic: 1e-4 for every record, so a
            # class without a validation positive was never called again, and its ECE read 0)
            chosen.append("identity")
            params.append({})
            before.append(ece(y[:, k], p[:, k]))
            after_cv.append(before[-1])
            by_method.append({})
            continue
        cv = {m: np.empty(N) for m in methods}
        for f in range(folds):
            tr, te = fold != f, fold == f
            for m in methods:
                one = Calibration((m,), (_fit_one(m, y[tr, k], p[tr, k]),))
                cv[m][te] = one.apply(p[te, k:k + 1])[:, 0]
        scores = {m: _brier(y[:, k], cv[m]) for m in methods}
        eces = {m: ece(y[:, k], cv[m]) for m in methods}
        before.append(ece(y[:, k], p[:, k]))
        by_method.append(eces)
        if not any(e < before[-1] for e in eces.values()):
            # no map calibrates held-out records better than the model itself (a few validation
            # records): a map fitted on them would only move well-placed probabilities
            chosen.append("identity")
            params.append({})
            after_cv.append(before[-1])
            continue
        m = min(scores, key=scores.get)
        chosen.append(m)
        params.append(_fit_one(m, y[:, k], p[:, k]))
        after_cv.append(eces[m])
    return Calibration(tuple(chosen), tuple(params), fitted_on,
                       {"ece_before": before, "ece_after_cv": after_cv, "ece_cv_by_method": by_method,
                        "folds": folds, "positives": [int(v) for v in y.sum(0)],
                        "negatives": [int(v) for v in N - y.sum(0)], **left_out})


def few_outcomes(cal: Calibration) -> dict[int, tuple[int, int]]:
    """The classes a map was fitted to (not ``identity``) on fewer than ``FEW_OUTCOMES`` positive or negative
    validation records: {class index: (positives, negatives)}; {} for a calibration without the counts."""
    pos, neg = cal.metrics.get("positives") or [], cal.metrics.get("negatives") or []
    if len(pos) != len(cal.methods) or len(neg) != len(cal.methods):
        return {}
    return {k: (int(pos[k]), int(neg[k])) for k, m in enumerate(cal.methods)
            if m != "identity" and min(pos[k], neg[k]) < FEW_OUTCOMES}


def label_support(cal: Calibration | None, metrics: dict | None,
                  labels) -> dict[str, tuple[int, float | None, bool]]:
    """What a checkpoint's config.json says of each label on the split its calibration was fitted on: label ->
    (positive records there, the label's AUROC there or None, whether a map was fitted: False where ``fit`` kept
    ``identity``), for the interpretation's confidence word (``review.interpret.statements.confidence_of``). The
    counts are ``cal.metrics``' ``positives`` (``fit`` writes them; a calibration without them, or with a count per
    class that does not match ``labels``, gives {}); the AUROC is ``metrics``' ``val_calibrated`` figures (else
    ``val``'s) where they were read on as many records."""
    pos, neg = (cal.metrics.get("positives"), cal.metrics.get("negatives")) if cal is not None else (None, None)
    labels = [str(lab) for lab in labels]
    if not isinstance(pos, list) or not isinstance(neg, list) or not len(pos) == len(neg) == len(labels):
        return {}
    try:
        counts = [int(p) for p in pos]
        n = counts[0] + int(neg[0]) if counts else 0
    except (TypeError, ValueError):
        return {}
    per_class = {}
    for key in ("val_calibrated", "val"):
        doc = (metrics or {}).get(key)
        if isinstance(doc, dict) and doc.get("n") == n and isinstance(doc.get("per_class"), dict):
            per_class = doc["per_class"]
            break
    out = {}
    for lab, count, method in zip(labels, counts, cal.methods):
        auroc = (per_class.get(lab) or {}).get("auroc") if isinstance(per_class.get(lab), dict) else None
        ok = isinstance(auroc, (int, float)) and not isinstance(auroc, bool) and np.isfinite(auroc)
        out[lab] = (count, float(auroc) if ok else None, method != "identity")
    return out
