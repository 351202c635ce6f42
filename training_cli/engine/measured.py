"""Measured features of a split's records, from the files, cached beside the input cache.

A checkpoint's measured stage (``mirage_model.stacking``) reads measurements the cached model
inputs do not carry: each record is read and measured (``measure.measure`` on its first minute,
without fiducials, as ``mirage score`` does) and reduced to the stage's features
(``inference.record_rhythm_features``, as the Predictor does): the 7 rhythm features
(``stacking.RHYTHM_FEATURES``, kind "rhythm") or the 113 of ``measure.features`` (kind "trees").
A few hundredths of a second to half a second a record on one core, so the features are cached per
record file (its path and its files' stamp, ``records.stamp``) in
``<cache dir>/<kind>-features-v<version>-<library version>-<fingerprint>.npz``, the fingerprint a hash of
the features the code measures on the bundled sample records (and on their faulty copies for a faulty cache;
``features_fingerprint``), as the input cache's ``transform_version``: a change to loading, measuring or the
features changes it, though the version numbers stay. A record that cannot be read or measured gets NaN
features (its statements then keep the model's probability).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import multiprocessing
import os
import zlib
from functools import partial
from pathlib import Path

import numpy as np

import mirage_model
from mirage_model import perturb
from mirage_model.inference import record_rhythm_features
from mirage_model.paths import sample_records
from mirage_model.records import load_record
from mirage_model.records.stamp import files_digests
from mirage_model.stacking import KINDS
from training_cli.engine.cache import default_cache_dir

logger = logging.getLogger(__name__)


def faulty_copy(record, seed: int):
    """The record with one recording fault of the trees' fault recipe, drawn from ``seed``: muscle noise
    of 0.01-0.05 mV RMS, baseline wander of 0.1-0.5 mV at 0.15-0.5 Hz, or electrode motion of 0.5 mV
    (``mirage_model.perturb``, at the record's own rate, leads kept Einthoven-consistent)."""
    rng = np.random.default_rng(seed)
    x, fs = np.asarray(record.signal, dtype=np.float64), float(record.fs)
    which = int(rng.integers(3))
    if which == 0:
        y = perturb.muscle_noise(x, fs, rng, rms_mv=float(rng.uniform(0.01, 0.05)))
    elif which == 1:
        y = perturb.baseline_wander(x, fs, rng, freq_hz=float(rng.uniform(0.15, 0.5)),
                                    amplitude_mv=float(rng.uniform(0.1, 0.5)))
    else:
        y = perturb.electrode_motion(x, fs, rng, amplitude_mv=0.5)
    return dataclasses.replace(record, signal=y.astype(np.float32))


def fault_seed(path: str, seed: int) -> int:
    """The fault drawn for one record file: fixed by its resolved path and the run's seed."""
    return zlib.crc32(str(path).encode()) ^ (int(seed) * 2654435761 % 2**32)


def _features_of(path: str, kind: str = "rhythm", fault: int | None = None) -> list | None:
    """One record file (with the fault of ``fault_seed`` when ``fault`` is a seed) -> its features as a
    list, or None (unreadable, unmeasurable, too few beats)."""
    try:
        record = load_record(path)
        if fault is not None:
            record = faulty_copy(record, fault_seed(path, fault))
        f = record_rhythm_features(record, kind=kind)
    except Exception:   # noqa: BLE001 - one bad record must not end a split; it keeps the model's probability
        logger.debug("measuring %s failed", path, exc_info=True)
        return None
    return None if f is None else [float(v) for v in f]


def _init_worker():
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass


_FINGERPRINTS: dict = {}


def features_fingerprint(kind: str = "rhythm", fault: int | None = None) -> str:
    """Behavioural fingerprint of the features of ``kind``: a hash of what ``_features_of`` returns for
    each bundled sample record (with ``fault``: for its faulty copy), 12 hex digits. Edits that leave
    the measured numbers alone do not change it; a change to reading, measuring or the features does."""
    key = (kind, fault)
    if key not in _FINGERPRINTS:
        h = hashlib.sha256(f"{kind}|{KINDS[kind][1]}|{mirage_model.__version__}".encode())
        for path in sample_records():
            f = _features_of(str(path.with_suffix("")), kind, fault)
            h.update(b"none" if f is None else np.asarray(f, dtype=np.float64).tobytes())
        _FINGERPRINTS[key] = h.hexdigest()[:12]
    return _FINGERPRINTS[key]


def cache_file(cache_dir=None, kind: str = "rhythm", fault: int | None = None) -> Path:
    """Where the features of ``kind`` (of faulty copies drawn with seed ``fault``) are cached."""
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    tag = "" if fault is None else f"-faulty{int(fault)}"
    return root / (f"{kind}{tag}-features-v{KINDS[kind][1]}-{mirage_model.__version__}-"
                   f"{features_fingerprint(kind, fault)}.npz")


def _read_cache(where: Path, width: int) -> dict:
    if not where.exists():
        return {}
    try:
        with np.load(where, allow_pickle=False) as z:
            paths, X = z["paths"], z["X"]
        if X.ndim != 2 or X.shape != (len(paths), width):
            raise ValueError("shape")
        return {str(p): x for p, x in zip(paths, X)}
    except (OSError, ValueError, KeyError):
        logger.warning("%s cannot be read; measuring again", where)
        return {}


def split_features(paths, cache_dir=None, workers: int = 1, progress: bool = False,
                   kind: str = "rhythm", fault: int | None = None) -> np.ndarray:
    """Features of the record files ``paths`` (N,) for a stage of ``kind``: float64 (N, F), NaN rows
    where a record has none; with ``fault`` (a seed), of each record's faulty copy (``faulty_copy``).
    Cached per resolved path and the stamp of its files (``records.stamp.files_digests``: a file rewritten in
    place is measured again); only records not yet cached are measured, with ``workers`` processes
    (0: all cores)."""
    names = KINDS[kind][0]
    paths = [str(Path(p).resolve()) for p in paths]
    # each path with its files' stamp: a record rewritten in place (same name, new content) is measured again
    keys = [f"{p}\t{d}" for p, d in zip(paths, files_digests(paths))]
    where = cache_file(cache_dir, kind, fault)
    cached = _read_cache(where, len(names))
    todo = [k for k in dict.fromkeys(keys) if k not in cached]
    if todo:
        n = workers or os.cpu_count() or 1
        logger.info("measuring %d records for their %s features (%d process%s)", len(todo), kind, n,
                    "es" if n > 1 else "")
        one = partial(_features_of, kind=kind, fault=fault)
        files = [k.split("\t", 1)[0] for k in todo]
        if n > 1:
            with multiprocessing.get_context("spawn").Pool(n, initializer=_init_worker) as pool:
                results = pool.map(one, files, chunksize=16)
        else:
            results = []
            for j, p in enumerate(files):
                results.append(one(p))
                if progress and j % 500 == 0:
                    logger.info("measured %d of %d", j, len(files))
        stale = set(files)      # the same files' features of their earlier content: dropped
        cached = {k: x for k, x in cached.items() if k.split("\t", 1)[0] not in stale}
        for k, r in zip(todo, results):
            cached[k] = np.full(len(names), np.nan) if r is None else np.asarray(r, dtype=np.float64)
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = where.with_name(where.name + ".tmp.npz")
        kept = list(cached)
        np.savez(tmp, paths=np.asarray(kept, dtype=str),
                 X=np.stack([cached[k] for k in kept]) if kept else np.zeros((0, len(names))))
        os.replace(tmp, where)
    out = np.full((len(paths), len(names)), np.nan)
    for i, k in enumerate(keys):
        out[i] = cached[k]
    return out
