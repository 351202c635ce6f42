"""``Predictor``: a loaded checkpoint that prepares records (``inference.inputs``), scores their windows in
batched forward passes under ``torch.inference_mode`` and makes each record's ``Prediction``
(``inference.aggregate``); ``resolve_model_path`` finds the checkpoint to load.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from mirage_model.averaging import average_copies, noisy_copies
from mirage_model.calibration import label_support
from mirage_model.records.fingerprint import TrainingRecords
from mirage_model.checkpoint import CheckpointError, load_checkpoint
from mirage_model.checkpoint.format import trained_on_ptbxl
from mirage_model.clinical import KNOWN_FEATURES, ClinicalError
from mirage_model.inference.aggregate import Aggregation
from mirage_model.inference.inputs import RecordInputs, _Prepared, inputs_key, record_inputs
from mirage_model.inference.prediction import Prediction
from mirage_model.inference.stage_features import record_stage_features
from mirage_model.limits import record_unscorable
from mirage_model.measure.pipeline import MIN_FS
from mirage_model.outputs import probabilities, unmeasured_thresholds
from mirage_model.paths import default_model_path, missing_model_text, resources_dir, shipped_models
from mirage_model.records import UnscorableRecordError, load_record
from mirage_model.render import RenderConfig, make_layout
from mirage_model.runtime import resolve_device, set_threads

log = logging.getLogger(__package__)    # "mirage_model.inference", the name its log lines have always had


class ModelNotFoundError(CheckpointError):
    """No checkpoint where one was asked for (or no default model ships). ``str()`` says what to do."""


def resolve_model_path(path=None) -> Path:
    """The checkpoint to load: ``path``; the name of a shipped model ("default", "mi") when no
    such file or folder exists; or, when None, the shipped default model.

    Raises:
        ModelNotFoundError: no such file/folder or shipped model, or no default model ships.
    """
    if path is None:
        default = default_model_path()
        if default is None:
            raise ModelNotFoundError(
                f"no trained model ships with this installation ({resources_dir() / 'models' / 'default'} "
                "has no config.json); open a checkpoint folder or train one with `mirage train`")
        return default
    path = Path(path)
    problem = missing_model_text(path)
    if problem:
        raise ModelNotFoundError(problem)
    return path if path.exists() else shipped_models()[str(path)]


def _load_record(record, timings: dict):
    if isinstance(record, (str, os.PathLike)):
        t0 = time.perf_counter()
        record = load_record(record)
        timings["load"] = time.perf_counter() - t0
    return record


class Predictor(Aggregation):
    """A loaded model ready to score records. Holds the model; create once, reuse.

    Args:
        path: checkpoint folder or file (None: the shipped default, see ``paths.default_model_path``).
        device: "auto" (CUDA when present, else CPU), "cpu" or "cuda".
        batch_size: windows per forward pass in ``predict_batch``.
        threads: torch intra-op threads (process-wide). None: leave a count that
            ``runtime.set_threads`` already set in this process, else ``MIRAGE_THREADS`` or
            ``default_threads()`` (1 on 2-core machines).

    Raises:
        ModelNotFoundError: no checkpoint at ``path`` / no default model ships.
        CheckpointError: the checkpoint is corrupt or mismatched (message names the file).
    """

    def __init__(self, path=None, device: str = "auto", batch_size: int = 32, threads: int | None = None,
                 quality: bool = True):
        resolved = resolve_model_path(path)
        self.device = str(resolve_device(device))   # "cpu", "cuda", "cuda:1": what the app shows
        set_threads(threads)
        self.assess_quality = bool(quality)
        self._setup(load_checkpoint(resolved, device=self.device), batch_size)

    @classmethod
    def from_loaded(cls, loaded, device: str = "auto", batch_size: int = 32,
                    threads: int | None = None, quality: bool = True) -> "Predictor":
        """Wrap an in-memory ``LoadedModel`` (e.g. a freshly built model for benchmarks)."""
        self = cls.__new__(cls)
        self.assess_quality = bool(quality)
        self.device = str(resolve_device(device))   # "cpu", "cuda", "cuda:1": what the app shows
        set_threads(threads)
        loaded.model.to(self.device)
        self._setup(loaded, batch_size)
        return self

    def _setup(self, loaded, batch_size: int) -> None:
        self.loaded = loaded
        self.model = loaded.model.eval()
        self.model.requires_grad_(False)    # inference only: gradients are taken w.r.t. inputs
        self.model_type = loaded.model_type
        self.task = loaded.task
        self.labels = tuple(loaded.labels)
        k = len(self.labels)
        th = loaded.thresholds if loaded.thresholds is not None and len(loaded.thresholds) else [0.5] * k
        self.thresholds = np.asarray(th, dtype=np.float32).reshape(-1)
        if self.thresholds.shape != (k,):
            raise CheckpointError(f"{loaded.path}: {self.thresholds.size} thresholds for {k} labels")
        self.schema = loaded.schema
        self.preprocess_cfg = loaded.preprocess
        self.render_cfg = loaded.render
        self.name = loaded.name or (Path(loaded.path).name if loaded.path else self.model_type)
        self.ptbxl_labels = trained_on_ptbxl(loaded.provenance) is not False
        self.calibration_support = label_support(loaded.calibration, loaded.metrics, self.labels)
        self.calibrated = loaded.calibration is not None
        self.unmeasured_thresholds = unmeasured_thresholds(loaded.metrics, self.labels)
        self.label_descriptions = dict(getattr(loaded, "label_descriptions", None) or {})
        # the fingerprints of the records it was trained and selected on (None: the checkpoint keeps none)
        self.training_records = TrainingRecords.of(loaded.provenance)
        self.batch_size = int(batch_size)
        cfg = getattr(self.model, "config", None)
        self._uses_labs = bool(getattr(cfg, "use_labs", True)) and int(getattr(cfg, "n_clinical", 0) or 0) > 0
        self._n_clinical = len(self.schema.names) if self.schema is not None else 0
        self._layout = None
        self.noise_average = getattr(loaded, "noise_average", None)   # averaging.NoiseAverage (on) or None

    @property
    def clinical_read(self) -> tuple[str, ...]:
        """The clinical features the model reads (its schema's, none when it uses no labs): a bad
        labs value of another feature changes none of its outputs."""
        return tuple(self.schema.names) if self._uses_labs and self.schema is not None else ()

    # -- inputs ------------------------------------------------------------------------------

    def encode_clinical(self, clinical: Mapping[str, object] | None) -> tuple[np.ndarray, np.ndarray, dict]:
        """Encode clinical values with the checkpoint's schema.

        Args:
            clinical: name -> value or (value, unit); None for none.

        Returns:
            x float32 (C,), mask float32 (C,), and the used/ignored/missing report.

        Raises:
            ClinicalError: an impossible value or unknown unit for a feature the model uses, or a
                name that is no known clinical feature (a typo). Known features that the model
                does not use are ignored (reported, never validated).
        """
        clinical = dict(clinical or {})
        names = list(self.schema.names) if self.schema is not None else []
        known = set(KNOWN_FEATURES) | set(names)
        for key in clinical:
            if key not in known:     # a typo must not be dropped silently (as ClinicalSchema.canonical)
                raise ClinicalError(str(key), f"unknown clinical feature (known: {', '.join(sorted(known))})",
                                    "feature")
        used_names = names if self._uses_labs else []
        ignored = {k: v for k, v in clinical.items() if k not in used_names}
        if not self._n_clinical:
            empty = np.zeros(0, dtype=np.float32)
            return empty, empty.copy(), {"used": {}, "ignored": ignored, "missing": []}
        x, mask = self.schema.encode({k: v for k, v in clinical.items() if k in used_names})
        x = np.asarray(x, dtype=np.float32)
        mask = np.asarray(mask, dtype=np.float32)
        # the schema's mask is the one definition of "present" (None, NaN, "", "n/a" ... are missing)
        used = {n: clinical[n] for n, m in zip(names, mask) if m > 0 and n in used_names}
        missing = [n for n, m in zip(names, mask) if m == 0 and n in used_names]
        # values outside the training data's range, held within it (ClinicalFeature.normalise): name -> words
        canonical = self.schema.canonical({k: v for k, v in clinical.items() if k in used})
        held = {n: note for n in used if (note := self.schema[n].training_note(canonical.get(n)))}
        return x, mask, {"used": used, "ignored": ignored, "missing": missing, "held": held}

    @property
    def prepare_key(self) -> tuple:
        """The ``RecordInputs.key`` (and ``_Prepared.key``) of the records this Predictor prepares:
        inputs made with another key are not reused, the record is prepared again."""
        return inputs_key(self.preprocess_cfg, self.render_cfg, self.assess_quality)

    def prepare(self, record, clinical: Mapping[str, object] | None = None, like: _Prepared | None = None,
                measurements=None, inputs: RecordInputs | None = None) -> _Prepared:
        """Load (if a path), preprocess and render one record and encode its clinical values.

        ``like``: the record already prepared by another Predictor (a statements model beside the
        superclass model): its model inputs and quality report are reused when both Predictors
        preprocess, render and assess alike (the shipped models do), so a record is filtered,
        rendered and assessed once; only the clinical values are encoded again, for this model.
        ``measurements``: the record's first minute already measured (``measure.measure``, as
        ``mirage score`` does), for a checkpoint with a measured-rhythm stage; None: it measures.
        ``inputs``: ``record_inputs`` of this very record already made (the app's record-load job),
        reused when made with this Predictor's preprocessing, rendering and assessment
        (``RecordInputs.key``); otherwise the record is prepared again with the model's own.
        """
        if like is not None and like.key == self.prepare_key:
            x, mask, report = self.encode_clinical(clinical)
            timings = {k: v for k, v in like.timings.items() if k in ("load", "preprocess", "quality")}
            prep = _Prepared(like.record, like.inputs, x, mask, report, timings, like.quality, like.key,
                             like.window_quality, like.rhythm)
            self._measure_rhythm(prep, measurements)
            like.rhythm = prep.rhythm     # a third model preparing like it measures nothing again
            return prep
        if like is not None:
            record = like.record
        timings: dict = {}
        record = _load_record(record, timings)
        # never score a record with no usable signal: the model answers zeros with confident findings
        reason = record_unscorable(record)
        if reason:
            raise UnscorableRecordError(getattr(record, "path", None) or record.record_id, reason)
        x, mask, report = self.encode_clinical(clinical)
        made = inputs
        if made is None or made.record is not record or made.key != self.prepare_key:
            made = record_inputs(record, self.preprocess_cfg, self.render_cfg, self.assess_quality)
        timings.update(made.timings)
        prep = _Prepared(record, made.inputs, x, mask, report, timings, made.quality, made.key,
                         made.window_quality)
        self._measure_rhythm(prep, measurements)
        return prep

    def _measure_rhythm(self, prep: _Prepared, measurements=None) -> None:
        """Measure the record's rhythm (first minute, ``measure.measure``; or take ``measurements``)
        into ``prep.rhythm`` when this checkpoint has a measured-rhythm stage and nobody measured it yet."""
        if self.loaded.measured_stack is None or prep.rhythm is not None:
            return
        t0 = time.perf_counter()
        try:
            stack = self.loaded.measured_stack
            feats, why = record_stage_features(prep.record, measurements, stack.kind)
            fs = float(prep.record.fs)
            note = ("" if feats is not None else
                    f"sampling rate {fs:g} Hz is below the {MIN_FS:g} Hz the measurements need" if fs < MIN_FS else why)
        except Exception as err:  # noqa: BLE001 - the model's own probabilities stand
            log.warning("measuring the rhythm of %s failed", getattr(prep.record, "record_id", ""), exc_info=True)
            feats, note = None, f"measuring failed ({type(err).__name__})"
        prep.rhythm = (feats, note)
        prep.timings["measure"] = time.perf_counter() - t0

    def _tensors(self, signal: np.ndarray, image: np.ndarray, x: np.ndarray, mask: np.ndarray):
        """numpy windows -> model tensors: signal (N, L, T), image (N, 1, S, S) in [0, 1], clinical (N, C)."""
        dev = self.device
        sig = torch.from_numpy(np.ascontiguousarray(signal, dtype=np.float32)).to(dev)
        img = torch.from_numpy(np.ascontiguousarray(image)).to(dev)
        img = (img.float() / 255.0 if img.dtype == torch.uint8 else img.float()).unsqueeze(1)
        cx = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(dev)
        cm = torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32)).to(dev)
        return sig, img, cx, cm

    @property
    def windows_per_call(self) -> int:
        """Windows one forward call of ``forward_windows`` scores (with ``mv``): ``batch_size`` model rows, a
        window's noisy copies among them when the checkpoint averages over copies (4 for the shipped model:
        32 rows, 8 copies)."""
        avg = self.noise_average
        return max(1, self.batch_size // (avg.copies if avg is not None else 1))

    @torch.inference_mode()
    def forward_windows(self, signal: np.ndarray, image: np.ndarray, x: np.ndarray,
                        mask: np.ndarray, mv: np.ndarray | None = None) -> np.ndarray:
        """Probabilities for a stack of windows, in chunks of ``batch_size`` windows.

        Args:
            signal: float32 (N, L, T) instance-normalised windows.
            image: uint8 (N, S, S) renderings (255 = white).
            x, mask: float32 (N, C) encoded clinical values and presence mask.
            mv: float32 (N, L, T) the same windows in mV (``ModelInputs.mv``). Used when the
                checkpoint averages over noisy copies (``noise_average``; ``mirage_model.averaging``):
                each window's probability is then the mean over its copies. Without it such a
                checkpoint scores each window once (benchmarks of the model alone).

        Returns:
            float32 (N, K), uncalibrated.
        """
        avg = self.noise_average
        copies = avg.copies if avg is not None and mv is not None else 1
        step = self.windows_per_call if copies > 1 else max(1, self.batch_size)    # batch_size model rows
        out = []
        for i in range(0, len(signal), step):
            sl = slice(i, i + step)
            sig, img, cx, cm = signal[sl], image[sl], x[sl], mask[sl]
            if copies > 1:
                sig = noisy_copies(sig, mv[sl], avg, self.preprocess_cfg)
                img, cx, cm = (np.repeat(a, copies, axis=0) for a in (img, cx, cm))
            logits = self.model(*self._tensors(sig, img, cx, cm)).logits
            out.append(average_copies(probabilities(logits, self.task).cpu().numpy(), copies))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, len(self.labels)), np.float32)

    def layout(self):
        """The render layout of the model image (geometry only; cached)."""
        if self._layout is None:
            cfg = self.render_cfg if self.render_cfg is not None else RenderConfig()
            self._layout = make_layout(cfg.width, cfg.height, cfg)
        return self._layout

    # -- prediction --------------------------------------------------------------------------

    def predict(self, record, clinical: Mapping[str, object] | None = None, explain: bool = True,
                prepared: _Prepared | None = None) -> Prediction:
        """Score one record.

        Args:
            record: an ``EcgRecord`` or a path to one.
            clinical: name -> value or (value, unit) (see ``encode_clinical``); None for none.
            explain: also compute the explanation (slower: a forward pass with attention weights
                and backward passes to the inputs; for a one-window record that pass also gives
                the probabilities, which then agree with ``explain=False`` to float rounding).
            prepared: ``self.prepare(record, clinical)`` (or with ``like=``) already made, so the
                caller that also needs the inputs (``review.scoring``) prepares the record once.

        Returns:
            Prediction (probabilities (K,), window_probabilities (W, K), explanation or None).

        Raises:
            RecordError: the record cannot be read; UnscorableRecordError (a RecordError): it
                holds no usable signal (flat, saturated, missing, too short) and is not scored.
                ClinicalError: a bad clinical value.
            PreprocessError: the signal cannot be preprocessed (e.g. not 12 leads).
            AssessmentError (a RecordError): the quality assessment failed; without a verdict the
                gate cannot pass the record, so there is no prediction (never calls without the gate).
        """
        t0 = time.perf_counter()
        prep = prepared if prepared is not None else self.prepare(record, clinical)
        inp = prep.inputs
        w = len(inp.signal)
        if explain and w == 1 and self.noise_average is None:
            pred = self._finish(prep, None, True)
        else:
            t1 = time.perf_counter()
            probs = self.forward_windows(inp.signal, inp.image, np.repeat(prep.x[None], w, 0),
                                         np.repeat(prep.mask[None], w, 0), inp.mv)
            prep.timings["predict"] = time.perf_counter() - t1
            pred = self._finish(prep, probs, explain)
        prep.timings["total"] = time.perf_counter() - t0
        return pred

    def predict_batch(self, records: Sequence, clinicals: Sequence[Mapping | None] | None = None,
                      explain: bool = False, prepared: Sequence[_Prepared] | None = None) -> list[Prediction]:
        """Score many records with batched forward passes across all their windows.

        Args:
            records: EcgRecords or paths. A record that cannot be read raises RecordError
                (callers that must carry on load records first and skip the bad ones).
            clinicals: one mapping (or None) per record, or None for none at all.
            explain: also explain every record (one extra pass each).
            prepared: ``self.prepare`` of each record already made (see ``predict``), or None.

        Returns:
            One Prediction per record, in order; equal to ``predict`` on each record.
        """
        records = list(records)
        if clinicals is None:
            clinicals = [None] * len(records)
        clinicals = list(clinicals)
        if len(clinicals) != len(records):
            raise ValueError(f"{len(clinicals)} clinical entries for {len(records)} records")
        t_start = time.perf_counter()
        if prepared is not None and len(prepared) != len(records):
            raise ValueError(f"{len(prepared)} prepared entries for {len(records)} records")
        preps = (list(prepared) if prepared is not None
                 else [self.prepare(r, c) for r, c in zip(records, clinicals)])
        if not preps:
            return []
        counts = [len(p.inputs.signal) for p in preps]
        signal = np.concatenate([p.inputs.signal for p in preps])
        image = np.concatenate([p.inputs.image for p in preps])
        mv = np.concatenate([p.inputs.mv for p in preps])
        x = np.concatenate([np.repeat(p.x[None], n, 0) for p, n in zip(preps, counts)])
        mask = np.concatenate([np.repeat(p.mask[None], n, 0) for p, n in zip(preps, counts)])
        t1 = time.perf_counter()
        probs = self.forward_windows(signal, image, x, mask, mv)
        t_fwd = time.perf_counter() - t1
        total_w = sum(counts)
        out, i = [], 0
        for p, n in zip(preps, counts):
            p.timings["predict"] = t_fwd * n / total_w        # this record's share of the batch
            out.append(self._finish(p, probs[i:i + n], explain))
            p.timings["total"] = sum(v for k, v in p.timings.items() if k != "total")
            i += n
        log.debug("scored %d records (%d windows) in %.3f s", len(out), total_w, time.perf_counter() - t_start)
        return out
