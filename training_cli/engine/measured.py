"""Rhythm features of a split's records, measured from the files, cached beside the input cache.

The measured-rhythm stage of a checkpoint (``mirage_model.stacking``) reads measurements the
cached model inputs do not carry: each record is read and measured (``measure.measure`` on its
first minute, as ``mirage score`` does) and reduced to ``stacking.rhythm_features``
(``inference.record_rhythm_features``, as the Predictor does). About
half a second a record on one core, so the features are cached per record file in
``<cache dir>/rhythm-features-v<FEATURES_VERSION>-<library version>.json``; a record that cannot be
read or measured gets NaN features (its statements then keep the model's probability).
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from pathlib import Path

import numpy as np

import mirage_model
from mirage_model.inference import record_rhythm_features
from mirage_model.records import load_record
from mirage_model.stacking import FEATURES_VERSION, RHYTHM_FEATURES
from training_cli.engine.cache import default_cache_dir

logger = logging.getLogger(__name__)


def _features_of(path: str) -> list | None:
    """One record file -> its rhythm features as a list, or None (unreadable, unmeasurable, too few beats)."""
    try:
        f = record_rhythm_features(load_record(path))
    except Exception:   # noqa: BLE001 - one bad record must not end a split; it keeps the model's probability
        logger.debug("measuring %s failed", path, exc_info=True)
        return None
    return None if f is None else [float(v) for v in f]


def _init_worker():
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def cache_file(cache_dir=None) -> Path:
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    return root / f"rhythm-features-v{FEATURES_VERSION}-{mirage_model.__version__}.json"


def split_features(paths, cache_dir=None, workers: int = 1, progress: bool = False) -> np.ndarray:
    """Rhythm features of the record files ``paths`` (N,): float64 (N, len(RHYTHM_FEATURES)), NaN rows
    where a record has none. Cached per resolved path; only records not yet cached are measured,
    with ``workers`` processes (0: all cores)."""
    paths = [str(Path(p).resolve()) for p in paths]
    where = cache_file(cache_dir)
    cached: dict = {}
    if where.exists():
        try:
            cached = json.loads(where.read_text())
        except (OSError, ValueError):
            logger.warning("%s cannot be read; measuring again", where)
    todo = [p for p in dict.fromkeys(paths) if p not in cached]
    if todo:
        n = workers or os.cpu_count() or 1
        logger.info("measuring %d records for their rhythm features (%d process%s)", len(todo), n,
                    "es" if n > 1 else "")
        if n > 1:
            with multiprocessing.get_context("spawn").Pool(n, initializer=_init_worker) as pool:
                results = pool.map(_features_of, todo, chunksize=8)
        else:
            results = []
            for k, p in enumerate(todo):
                results.append(_features_of(p))
                if progress and k % 200 == 0:
                    logger.info("measured %d of %d", k, len(todo))
        cached.update(zip(todo, results))
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = where.with_suffix(".tmp")
        tmp.write_text(json.dumps(cached))
        os.replace(tmp, where)
    out = np.full((len(paths), len(RHYTHM_FEATURES)), np.nan)
    for i, p in enumerate(paths):
        if cached.get(p) is not None:
            out[i] = cached[p]
    return out
