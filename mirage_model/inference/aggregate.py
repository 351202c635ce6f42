"""The record's ``Prediction`` of its windows' probabilities: ``Predictor``'s part that calibrates them, leaves
out the windows the quality check finds spoilt, averages the others, applies the checkpoint's measured stage and
the quality gate, marks the calls the noise may change, and explains the most confident window.
"""

from __future__ import annotations

import time

import numpy as np

from mirage_model.explain import explain_window
from mirage_model.inference.inputs import _Prepared
from mirage_model.inference.prediction import Prediction
from mirage_model.limits import HEAD_S
from mirage_model.models import reads_image
from mirage_model.outputs import is_called, probabilities
from mirage_model.quality import Finding, QualityConfig
from mirage_model.records import STANDARD_LEADS


class Aggregation:
    """Mixin of ``Predictor``: windows' probabilities -> the record's ``Prediction`` (``_finish``), and the
    record's probabilities of windows scored with other clinical values (``record_probabilities``)."""

    def _explain_window(self, prep: _Prepared, w: int, predicted):
        inp = prep.inputs
        sig, img, cx, cm = self._tensors(inp.signal[w:w + 1], inp.image[w:w + 1], prep.x[None], prep.mask[None])
        layout = self.layout() if reads_image(self.model_type, self.model.config) else None
        rec = prep.record
        return explain_window(self.model, sig, img, cx, cm, predicted, thresholds=self.thresholds,
                              task=self.task, layout=layout, n_samples=rec.signal.shape[1],
                              fs=float(rec.fs), start_s=float(inp.starts_s[w]), window=w, calibrate=self.calibrate)

    def calibrate(self, probs: np.ndarray) -> np.ndarray:
        """(..., K) model probabilities -> the checkpoint's calibrated probabilities (float32; unchanged without
        one)."""
        cal = self.loaded.calibration
        return probs if cal is None else cal.apply(probs).astype(np.float32)

    def _finish(self, prep: _Prepared, window_probs: np.ndarray | None, explain: bool) -> Prediction:
        """Aggregate windows, explain if asked, and build the Prediction.

        ``window_probs`` None (a one-window record being explained): the explanation pass is also
        the prediction pass, which saves a forward pass.
        """
        explanation = None
        if window_probs is None:
            ew = self._explain_window(prep, 0, None)
            window_probs = probabilities(ew.logits, self.task)[None]           # (1, K)
            explanation = ew.explanation
            prep.timings["predict"] = ew.forward_s
            prep.timings["explain"] = ew.explain_s
            explain = False
        window_probs = self.calibrate(window_probs)
        used, quality, why = self._windows_used(prep)
        if explain:
            t0 = time.perf_counter()
            conf = np.where(used[:, None], window_probs, -1.0)
            w = int(np.argmax(conf.max(axis=1)))               # most confident window used, first on ties
            predicted = [k for k in range(len(self.labels)) if is_called(window_probs[w, k], self.thresholds[k])]
            explanation = self._explain_window(prep, w, predicted).explanation
            prep.timings["explain"] = time.perf_counter() - t0
        probs, measured, note = self._measured(prep, window_probs[used].mean(axis=0).astype(np.float32))   # (K,)
        model_positive = tuple(lab for lab, p, th in zip(self.labels, probs, self.thresholds) if is_called(p, th))
        withheld = ""
        if quality is not None and quality.gated and model_positive:
            withheld = quality.reason or f"signal quality {quality.verdict}"
        positive = () if withheld else model_positive
        return Prediction(
            labels=self.labels, probabilities=probs, thresholds=self.thresholds.copy(), positive=positive,
            model_name=self.name, timings=prep.timings, explanation=explanation,
            window_probabilities=window_probs, clinical_used=prep.clinical_used,
            window_starts_s=np.asarray(prep.inputs.starts_s, dtype=np.float64),
            record_id=str(getattr(prep.record, "record_id", "")),
            quality=quality, model_positive=model_positive, withheld=withheld,
            windows_left_out=tuple(int(k) for k in np.flatnonzero(~used)), windows_left_out_why=why,
            measured_labels=measured, measured_note=note, noise_doubted=self._noise_doubted(probs, quality),
            ptbxl_labels=self.ptbxl_labels, calibration_support=self.calibration_support,
            label_descriptions=self.label_descriptions, calibrated=getattr(self, "calibrated", True),
            unmeasured_thresholds=dict(getattr(self, "unmeasured_thresholds", None) or {}),
            in_training=self._in_training(prep.record),
        )

    def _in_training(self, record) -> str:
        """"train"/"val" where ``record``'s files are one of the records the checkpoint was trained or selected on
        (``records.fingerprint``); "" where not, or where the checkpoint keeps no fingerprints."""
        kept = getattr(self, "training_records", None)
        return kept.split_of(getattr(record, "path", None)) if kept is not None else ""

    def _measured(self, prep: _Prepared, probs: np.ndarray) -> tuple[np.ndarray, tuple, str]:
        """(K,) calibrated probabilities -> (them through the measured stage, its labels, why it was not applied)."""
        stack = self.loaded.measured_stack
        if stack is None:
            return probs, (), ""
        feats, why = prep.rhythm if prep.rhythm is not None else (None, "not measured")
        if feats is None:
            return probs, (), (f"{', '.join(stack.labels) if len(stack.labels) <= 6 else 'statements'} from the "
                               f"model alone (measured stage not applied): {why}")
        return stack.apply(probs, self.labels, feats).astype(np.float32), stack.labels, ""

    def record_probabilities(self, prep: _Prepared, window_probs: np.ndarray) -> np.ndarray:
        """(W, K) ``forward_windows`` probabilities of ``prep``'s windows -> the (K,) record probabilities
        ``predict`` makes of them: calibrated, averaged over the windows it uses, through the measured stage.
        For the record scored with other clinical values (``review.scoring.clinical_contributions``)."""
        used, _, _ = self._windows_used(prep)
        return self._measured(prep, self.calibrate(window_probs)[used].mean(axis=0).astype(np.float32))[0]

    def _noise_doubted(self, probs: np.ndarray, quality) -> tuple[str, ...]:
        """``Prediction.noise_doubted`` of the (K,) calibrated ``probs`` of a record with ``quality``: data read
        with the checkpoint, no model run."""
        spread = getattr(self.loaded, "noise_spread", None)
        if spread is None or quality is None or quality.gated:
            return ()
        load, cfg = quality.noise_load, QualityConfig()
        if not cfg.noise_calls_mv <= load < cfg.noise_withhold_mv:
            return ()
        return tuple(lab for lab, near in zip(self.labels, spread.marked(probs, self.thresholds, load)) if near)

    def _windows_used(self, prep: _Prepared):
        """(used (W,) bool, quality report, why): which windows make the prediction, ``prep.quality``
        saying what was left out, and why in a few words ("" when nothing was).

        Left out, when at least one window remains: the windows that overlap a critical large
        artefact of the first minute (the finding "artefact" with its time span; the finding
        becomes a warning naming them), and the windows past the first minute whose own
        assessment is not usable (``_Prepared.window_quality``; a warning finding "later_windows"
        names them and why). The model normalises each lead per window, so an artefact of several
        mV rescales the whole window, and a lead that came off is a zero lead to it. Otherwise
        every window and the report unchanged: the first minute's verdict gates."""
        quality = prep.quality
        starts = np.asarray(prep.inputs.starts_s, dtype=np.float64)
        ends = starts + self.preprocess_cfg.window_s
        n = len(starts)
        spans = [f.span_s for f in getattr(quality, "findings", ())
                 if f.code == "artefact" and f.severity == "critical" and f.span_s is not None]
        artefact = np.zeros(n, dtype=bool)
        for a, b in spans:
            artefact |= (starts < b) & (ends > a)
        later = np.zeros(n, dtype=bool)
        for k, q in enumerate(prep.window_quality[:n]):
            later[k] = q is not None and q.gated
        used = ~(artefact | later)
        if n < 2 or used.all() or not used.any():
            return np.ones(n, dtype=bool), quality, ""

        def windows(mask) -> str:
            k = np.flatnonzero(mask)
            return (f"the window{'s' if len(k) > 1 else ''} at "
                    + ", ".join(f"{starts[i]:.0f}-{ends[i]:.0f} s" for i in k) + " left out of the prediction")

        why = []
        if artefact.any():
            quality = quality.with_artefact_left_out(windows(artefact))
            why.append("overlapping a large artefact")
        late = later & ~artefact
        if late.any():
            why.append(f"with signal not usable after the first {HEAD_S:.0f} s")
            reasons = sorted({q.reason for q, m in zip(prep.window_quality, late) if m and q.reason})
            leads = sorted({lead for q, m in zip(prep.window_quality, late) if m
                            for f in q.findings if f.severity == "critical" for lead in f.leads},
                           key=STANDARD_LEADS.index)
            quality = quality.with_finding(Finding(
                "later_windows", f"after the first {HEAD_S:.0f} s: {windows(late)} ({'; '.join(reasons)})",
                "warning", tuple(leads)))
        return used, quality, " or ".join(why)
