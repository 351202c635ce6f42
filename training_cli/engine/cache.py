"""On-disk cache of model inputs (preprocessed signal windows and rendered images) for a dataset.

Every record goes through the one preprocessing path (``preprocess.model_inputs``: band-pass,
resample to 100 Hz, instance normalisation, 10 s windows, 224 px rendering) once; the first
window of each record is stored as numpy ``.npy`` files that later runs open as memory maps:

    CACHE_DIR/<kind>-<key>/signal.npy   float32 (N, 12, T)   instance-normalised window
    CACHE_DIR/<kind>-<key>/image.npy    uint8   (N, S, S)    rendering of the same window
    CACHE_DIR/<kind>-<key>/mv.npy       float16 (N, 12, T)   the same window in mV (filtered, resampled)
    CACHE_DIR/<kind>-<key>/meta.json    record ids, settings, failures, timings

``key`` hashes everything that made the arrays: the preprocess and render configs, the dataset's
identity, the ordered record list, the stamp of each record's files (``records.stamp.stamps_digest``: size,
modification and change times, inode) and a behavioural fingerprint of the transform (the outputs of
io + preprocess + render on fixed probes, ``transform_version``), so a change to any of them
builds a new cache and an unchanged run starts in seconds. A record that
fails to load or preprocess is reported once (file and reason) and marked as failed.

Commands build one such cache per split (``build_or_load_by_split``) and read only the splits they
use: ``mirage evaluate --split val`` opens the validation records alone, never the test split's,
and reuses the validation cache ``mirage train`` built. The caches of the same records and settings that a rebuild
left behind are told when a cache is opened (``cache_folders.superseded_line``), never removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import multiprocessing as mp

import numpy as np
import torch
from numpy.lib.format import open_memmap
from tqdm import tqdm

import mirage_model
from mirage_model.records import RecordError, load_record
from mirage_model.records.stamp import stamps_digest
from mirage_model.paths import atomic_folder, sample_records
from mirage_model.preprocess import PreprocessConfig, model_inputs
from mirage_model.render import RenderConfig
from training_cli.engine.cache_folders import superseded_line
from training_cli.engine.dataset import SPLITS

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2   # 2: mv.npy (the filtered window in mV, for the noise recipe)


def default_cache_dir() -> Path:
    """``MIRAGE_CACHE`` if set, else ~/.cache/mirage."""
    env = os.environ.get("MIRAGE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mirage"


def transform_version() -> str:
    """Behavioural fingerprint of the transform that turns a file into model inputs.

    Hashes the library version and the outputs of ``preprocess.model_inputs`` on fixed probe
    signals (500 Hz and 100 Hz, with a missing stretch) plus the signal ``io.load_record`` reads
    from a shipped sample record: any change to loading, filtering, resampling, normalisation or
    rendering changes it; edits that leave the outputs alone (comments, refactors) do not.
    """
    global _TRANSFORM_VERSION
    if _TRANSFORM_VERSION is not None:
        return _TRANSFORM_VERSION

    h = hashlib.sha256(f"{mirage_model.__version__}|{FORMAT_VERSION}".encode())
    rng = np.random.default_rng(12345)
    for fs, seconds in ((500.0, 12.0), (100.0, 10.0)):
        t = np.arange(int(fs * seconds)) / fs
        sig = (np.sin(2 * np.pi * 1.2 * t)[None, :] * np.linspace(0.2, 1.5, 12)[:, None]
               + 0.05 * rng.standard_normal((12, len(t)))).astype(np.float32)
        sig[3, 200:260] = np.nan
        mi = model_inputs(sig, fs)
        for arr in (mi.signal, mi.image, mi.mv, mi.starts_s):
            h.update(np.ascontiguousarray(arr).tobytes())
    try:
        samples = sample_records()
        if samples:
            rec = load_record(samples[0])
            h.update(np.ascontiguousarray(rec.signal).tobytes())
            h.update(f"{rec.fs}".encode())
    except Exception as err:  # noqa: BLE001 - the fingerprint must not fail when samples are absent/odd
        h.update(type(err).__name__.encode())
    _TRANSFORM_VERSION = h.hexdigest()[:16]
    return _TRANSFORM_VERSION


_TRANSFORM_VERSION: str | None = None


@dataclass
class CachedInputs:
    """Model inputs of a dataset, row i = ``record_ids[i]``.

    Attributes:
        signal: float32 (N, 12, T) memmap; image: uint8 (N, S, S) memmap; mv: float16 (N, 12, T)
            memmap of the window in mV (what ``--noise`` perturbs before normalising and rendering again).
        ok: bool (N,) False where the record failed (its rows are zeros).
        record_ids: the N ids in dataset order.
        errors: record id -> reason for the failed ones.
        path: the cache folder. build_s: seconds the build took (0 when reused).
        fs: the N records' sampling rates as their files gave them, before resampling (None where one
            failed); None for a cache built before they were recorded.
    """

    signal: np.ndarray
    image: np.ndarray
    ok: np.ndarray
    record_ids: list[str]
    errors: dict[str, str]
    path: Path
    build_s: float = 0.0
    reused: bool = False
    mv: np.ndarray | None = None
    fs: list | None = None      # each record's sampling rate as read (Hz; None: it failed); None: not recorded

    def sampling_rates(self, rows) -> dict[str, int]:
        """{sampling rate in Hz as text ("100", "500"): records} of ``rows`` that loaded, as their files gave
        them (lowest first); {} when the cache does not record them (one built before it did)."""
        if self.fs is None:
            return {}
        counts = Counter(self.fs[int(i)] for i in rows if self.fs[int(i)] is not None)
        return {f"{fs:g}": n for fs, n in sorted(counts.items())}


def cache_key(dataset, preprocess_cfg, render_cfg) -> str:
    ident = {
        "format": FORMAT_VERSION,
        "transform": transform_version(),
        "preprocess": asdict(preprocess_cfg),
        "render": asdict(render_cfg),
        "dataset": dataset.identity,
        "records": hashlib.sha256("\n".join(f"{it.record_id}\t{it.path}" for it in dataset.items)
                                  .encode()).hexdigest(),
        # the records' files as they are now: one rewritten in place (a corrected re-export under the same name,
        # ``cp -p`` of a newer export over it) builds a new cache rather than training on its old content
        "files": stamps_digest(it.path for it in dataset.items),
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _work(args):
    """Worker: one record -> (index, (signal (12, T) float32, mv (12, T) float16, the record's fs), image (S, S)
    uint8, error or None)."""
    index, path, pcfg, rcfg = args

    try:
        rec = load_record(path)
        mi = model_inputs(rec.signal, rec.fs, pcfg, rcfg)
        return (index, (np.asarray(mi.signal[0], dtype=np.float32), np.asarray(mi.mv[0], dtype=np.float16),
                        float(rec.fs)), np.asarray(mi.image[0], dtype=np.uint8), None)
    except RecordError as err:
        return index, None, None, err.reason
    except Exception as err:  # noqa: BLE001 - one bad record must not end a 20,000-record build
        return index, None, None, f"{type(err).__name__}: {err}"


def _init_worker():
    # each worker is one process on one core: keep BLAS/OpenMP from oversubscribing the machine
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    torch.set_num_threads(1)


def build_or_load(dataset, preprocess_cfg=None, render_cfg=None, cache_dir: str | Path | None = None,
                  workers: int = 0, progress: bool = True, rebuild: bool = False) -> CachedInputs:
    """Open the cache of ``dataset`` or build it.

    Args:
        dataset: a ``datasets.Dataset``.
        preprocess_cfg / render_cfg: PreprocessConfig / RenderConfig (defaults: the library's).
        cache_dir: parent folder (default ``default_cache_dir()``).
        workers: processes for the build (0: all cores).
        progress: show a tqdm bar.
        rebuild: ignore an existing cache.

    Returns:
        CachedInputs with memmapped arrays.
    """
    pcfg = preprocess_cfg or PreprocessConfig()
    rcfg = render_cfg or RenderConfig(width=224, height=224)
    cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    key = cache_key(dataset, pcfg, rcfg)
    folder = cache_dir / f"{dataset.kind}-{key}"
    if folder.is_dir() and (folder / "meta.json").is_file() and not rebuild:
        try:
            return _open(folder)
        except (OSError, ValueError, KeyError) as err:
            logger.warning("cache %s is unreadable (%s); rebuilding", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = folder.with_name(folder.name + ".lock")
    if not _acquire(lock):
        # another process builds the same inputs: wait for it rather than doing the work twice
        logger.info("another process is building %s; waiting for it", folder)
        while lock.exists() and _lock_alive(lock):
            time.sleep(2.0)
        if (folder / "meta.json").is_file():
            return _open(folder)
        lock.unlink(missing_ok=True)
        if not _acquire(lock):
            raise RuntimeError(f"{lock}: cannot take the cache build lock")
    try:
        return _build(dataset, pcfg, rcfg, folder, workers, progress)
    finally:
        lock.unlink(missing_ok=True)


class RowStack:
    """Rows of several cached arrays read as one: row i of the stack is row ``local[i]`` of
    ``parts[part[i]]``. Indexed by an int or an array of rows, like the memmaps it stacks."""

    def __init__(self, parts: list, part: np.ndarray, local: np.ndarray):
        self.parts, self.part, self.local = parts, part, local
        self.dtype = parts[0].dtype
        self.shape = (len(part), *parts[0].shape[1:])

    def __len__(self) -> int:
        return len(self.part)

    def __getitem__(self, rows):
        if np.ndim(rows) == 0:
            i = int(rows)
            return self.parts[self.part[i]][self.local[i]]
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        which = self.part[rows]
        for k in np.unique(which):
            sel = which == k
            out[sel] = self.parts[k][self.local[rows[sel]]]
        return out


def build_or_load_by_split(dataset, preprocess_cfg=None, render_cfg=None, cache_dir: str | Path | None = None,
                           workers: int = 0, progress: bool = True) -> CachedInputs:
    """The inputs of ``dataset`` from one cache per split (``build_or_load`` of each split's records).

    A command that reads some splits opens (or builds) their caches alone; the caches are shared: the
    validation cache that ``mirage train`` built serves ``mirage evaluate --split val`` unchanged.

    Args:
        dataset: a ``datasets.Dataset`` (``Dataset.only`` cuts it to the splits a command reads).
        preprocess_cfg / render_cfg / cache_dir / workers / progress: as ``build_or_load``.

    Returns:
        CachedInputs whose row i is ``dataset.items[i]``; its arrays are ``RowStack`` views over the
        splits' memmaps, ``path`` the first split's cache folder (its parent is the cache folder).
    """
    N = len(dataset.items)
    part, local = np.zeros(N, np.int64), np.zeros(N, np.int64)
    caches = []
    for split in SPLITS:
        rows = np.array([i for i, it in enumerate(dataset.items) if it.split == split], dtype=np.int64)
        if not len(rows):
            continue
        cache = build_or_load(dataset.only((split,)), preprocess_cfg, render_cfg, cache_dir, workers, progress)
        part[rows], local[rows] = len(caches), np.arange(len(rows))
        caches.append(cache)
    if not caches:       # no record in these splits: the command says which split is empty
        pcfg = preprocess_cfg or PreprocessConfig()
        rcfg = render_cfg or RenderConfig(width=224, height=224)
        T = pcfg.n_samples
        folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        return CachedInputs(np.zeros((0, 12, T), np.float32), np.zeros((0, rcfg.height, rcfg.width), np.uint8),
                            np.zeros(0, bool), [], {}, folder / "none", mv=np.zeros((0, 12, T), np.float16))
    if len(caches) == 1:
        return caches[0]

    def stack(name):
        arrays = [getattr(c, name) for c in caches]
        return None if any(a is None for a in arrays) else RowStack(arrays, part, local)

    ok = np.array([caches[k].ok[j] for k, j in zip(part, local)], dtype=bool)
    return CachedInputs(stack("signal"), stack("image"), ok, [it.record_id for it in dataset.items],
                        {rid: why for c in caches for rid, why in c.errors.items()}, caches[0].path,
                        float(sum(c.build_s for c in caches)), all(c.reused for c in caches), stack("mv"),
                        None if any(c.fs is None for c in caches) else [caches[k].fs[j] for k, j in zip(part, local)])


def _acquire(lock: Path) -> bool:
    """Create the lock file holding our pid; False if another live process holds it."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _lock_alive(lock):
                return False
            lock.unlink(missing_ok=True)      # stale lock of a process that died
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def _lock_alive(lock: Path) -> bool:
    try:
        pid = int(lock.read_text().strip() or "0")
    except (OSError, ValueError):
        return True          # being written right now
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _open(folder: Path) -> CachedInputs:
    meta = json.loads((folder / "meta.json").read_text())
    sig = np.load(folder / "signal.npy", mmap_mode="r")
    img = np.load(folder / "image.npy", mmap_mode="r")
    mv = np.load(folder / "mv.npy", mmap_mode="r")
    ok = np.load(folder / "ok.npy")
    if len(sig) != len(meta["record_ids"]) or len(img) != len(sig) or len(ok) != len(sig) or len(mv) != len(sig):
        raise ValueError("array lengths do not match the record list")
    logger.info("using cached inputs %s (%d records, %d failed)", folder, len(sig), int((~ok).sum()))
    if line := superseded_line(folder):          # told, never removed: another checkout or run may use one
        logger.warning("%s", line)
    return CachedInputs(sig, img, ok, meta["record_ids"], meta.get("errors", {}), folder, 0.0, True, mv,
                        meta.get("fs"))


def _fill(dataset, pcfg, rcfg, tmp: Path, workers: int, progress: bool) -> tuple[dict[str, str], float]:
    """Preprocess every record into the arrays and meta.json of the folder ``tmp``.

    Returns:
        (record id -> why it failed, build time in seconds).
    """
    n = len(dataset.items)
    T, S = pcfg.n_samples, rcfg.height
    sig = open_memmap(tmp / "signal.npy", mode="w+", dtype=np.float32, shape=(n, 12, T))
    img = open_memmap(tmp / "image.npy", mode="w+", dtype=np.uint8, shape=(n, rcfg.height, rcfg.width))
    mvs = open_memmap(tmp / "mv.npy", mode="w+", dtype=np.float16, shape=(n, 12, T))
    ok = np.zeros(n, dtype=bool)
    rates: list[float | None] = [None] * n          # the records' own sampling rates, for the model card
    errors: dict[str, str] = {}
    jobs = [(i, str(it.path), pcfg, rcfg) for i, it in enumerate(dataset.items)]
    t0 = time.perf_counter()
    bar = tqdm(total=n, desc="preprocess+render", unit="rec", disable=not progress, mininterval=2.0)

    def take(result):
        i, arrays, im, err = result
        if err is None:
            s, m, fs = arrays
            if s.shape != (12, T) or im.shape != (rcfg.height, rcfg.width):
                err = f"model inputs have shape {s.shape}/{im.shape}, expected (12, {T})/({S}, {S})"
            else:
                sig[i] = s
                mvs[i] = m
                img[i] = im
                ok[i] = True
                rates[i] = fs
        if err is not None:
            rid = dataset.items[i].record_id
            errors[rid] = err
            logger.warning("skipping record %s (%s): %s", rid, dataset.items[i].path, err)
        bar.update(1)

    try:
        if workers <= 1 or n < 8:
            for job in jobs:
                take(_work(job))
        else:
            ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
            with ctx.Pool(workers, initializer=_init_worker) as pool:
                for result in pool.imap_unordered(_work, jobs, chunksize=16):
                    take(result)
    except BaseException:
        bar.close()
        raise
    bar.close()
    build_s = time.perf_counter() - t0
    sig.flush()
    img.flush()
    mvs.flush()
    del sig, img, mvs
    np.save(tmp / "ok.npy", ok)
    meta = {
        "format": FORMAT_VERSION,
        "dataset": dataset.spec,
        "identity": dataset.identity,
        "transform": transform_version(),
        "preprocess": asdict(pcfg),
        "render": asdict(rcfg),
        "record_ids": [it.record_id for it in dataset.items],
        "errors": errors,
        "fs": rates,
        "build_s": round(build_s, 2),
        "workers": workers,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (tmp / "meta.json").write_text(json.dumps(meta))
    return errors, build_s


def _build(dataset, pcfg, rcfg, folder: Path, workers: int, progress: bool) -> CachedInputs:
    n = len(dataset.items)
    workers = workers or os.cpu_count() or 1
    logger.info("preprocessing %d records into %s with %d worker(s)", n, folder, workers)
    built = False
    try:
        # filled in a temporary folder that replaces ``folder`` in one step (paths.atomic_folder); when
        # another process finished the same cache first, the replace fails and theirs is used
        with atomic_folder(folder, overwrite=False) as tmp:
            errors, build_s = _fill(dataset, pcfg, rcfg, tmp, workers, progress)
            built = True
    except OSError:
        if not (built and (folder / "meta.json").is_file()):
            raise
    logger.info("preprocessed %d records in %.1f s (%.1f ms/record, %d workers); %d failed", n, build_s,
                1000 * build_s / max(n, 1), workers, len(errors))
    out = _open(folder)
    out.build_s, out.reused = build_s, False
    return out
