"""``mirage bench``: latency, throughput and memory of MIRAGE and the 1D ResNet baseline.

Per model, in one run on one machine:
    - end-to-end latency of one record (load, preprocess incl. render, the signal-quality assessment, the
      measured-rhythm stage's measurement where the model has one, predict, and explain), without and with
      explanations: median and p95 per stage and in total;
    - batch throughput: records/s through ``Predictor.predict_batch`` in batches of 32 (including
      preprocessing), and windows/s through the model alone;
    - training throughput: samples/s of forward + backward + AdamW step on a batch of 32 of the
      same config (random inputs; the project loss when it is available);
    - preprocessing per rate: seconds of the one preprocessing path (``preprocess.model_inputs``) and of the
      measurement (``measure.measure``) of one record brought to 100, 500, 1000 and 2000 Hz and to 10 and 60 s
      (``bench_rates``), which the records given do not vary;
    - peak memory: the process's max RSS (``resource.getrusage``) during inference and during
      training, each phase's peak measured separately where Linux allows resetting the mark, and
      CUDA max allocated when on a GPU.

Latency is wall-clock time, so other work on the machine inflates it; the CPU time per record and
the load average are recorded next to it for that reason.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mirage_model.checkpoint import LoadedModel
from mirage_model.clinical import ClinicalSchema, default_schema, record_values
from mirage_model.records import EcgRecord, load_record
from mirage_model.losses import mirage_loss
from mirage_model.measure import measure
from mirage_model.models import build_model, config_dict
from mirage_model.models.config import preset_config
from mirage_model.models.mirage import Mirage
from mirage_model.preprocess import PreprocessConfig, model_inputs, resample
from mirage_model.render import RenderConfig, render_ecg
from mirage_model.runtime import usable_cores
from training_cli.engine.ptbxl import PTBXL_SUPERCLASSES


DEFAULT_LABELS = PTBXL_SUPERCLASSES


DEFAULT_CLINICAL = ("age", "sex", "height", "weight")


@dataclass(frozen=True)
class BenchSettings:
    """How much of each measurement ``mirage bench`` takes."""

    n: int = 30                # timed single-record runs per setting
    warmup: int = 3            # untimed runs first
    batch_size: int = 32       # batch for throughput and training
    batches: int = 3           # timed batches for batch throughput
    train_steps: int = 5       # timed training steps


def _stats(values: list[float]) -> dict:
    """Median and p95 (nearest rank) in milliseconds."""
    if not values:
        return {"median_ms": None, "p95_ms": None, "n": 0}
    arr = np.sort(np.asarray(values, dtype=np.float64)) * 1000.0
    p95 = arr[min(len(arr) - 1, int(np.ceil(0.95 * len(arr))) - 1)]
    return {"median_ms": round(float(statistics.median(arr)), 2), "p95_ms": round(float(p95), 2), "n": len(arr)}


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0: ``echo 5 > /proc/self/clear_refs``), so that
    ``getrusage`` reports the peak of the phase that follows. False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss       # KiB on Linux, bytes on macOS
    return round(kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024, 1)


def machine_info(device: str) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    usable = usable_cores()
    info = {
        "cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__, "python": platform.python_version(), "platform": platform.platform(),
        "device": device,
    }
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]   # other work on the machine
    except OSError:
        pass
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _record_clinical(rec) -> dict:
    """The record's own clinical values, as the app, score and report give them (``record_values``)."""
    return record_values(rec)


def synthetic_records(n: int = 4):
    """Stand-in records when no sample ships: 10 s, 500 Hz, a 72 bpm QRS-like pulse train."""
    fs, dur = 500.0, 10.0
    t = np.arange(int(fs * dur)) / fs
    out = []
    for i in range(n):
        beat = np.exp(-(((t + 0.1 * i) % (60 / 72)) - 0.3) ** 2 / (2 * 0.012 ** 2))
        sig = np.stack([beat * (0.5 + 0.1 * lead) + 0.05 * np.sin(2 * np.pi * 0.3 * t) for lead in range(12)])
        out.append(EcgRecord(signal=sig.astype(np.float32), fs=fs, record_id=f"synthetic{i}"))
    return out


def random_mirage(preset: str):
    """A LoadedModel around a randomly initialised MIRAGE preset (5 superclasses, 4 clinical features)."""
    config = preset_config(preset, num_classes=len(DEFAULT_LABELS), n_clinical=len(DEFAULT_CLINICAL))
    torch.manual_seed(0)
    model = Mirage(config).eval()
    return LoadedModel(model=model, model_type="mirage", task=config.task, labels=list(DEFAULT_LABELS),
                       schema=default_schema(list(DEFAULT_CLINICAL)), preprocess=PreprocessConfig(),
                       render=RenderConfig(), thresholds=[0.5] * len(DEFAULT_LABELS),
                       name=f"MIRAGE {preset} (random init)")


def baseline_of(reference):
    """A LoadedModel around a randomly initialised resnet1d_wang matching ``reference``'s task."""
    torch.manual_seed(0)
    model = build_model("resnet1d_wang", {"num_classes": len(reference.labels), "task": reference.task,
                                          "n_samples": reference.preprocess.n_samples}).eval()
    return LoadedModel(model=model, model_type="resnet1d_wang", task=reference.task,
                       labels=list(reference.labels), schema=ClinicalSchema([]),
                       preprocess=reference.preprocess, render=reference.render,
                       thresholds=[0.5] * len(reference.labels), name="resnet1d_wang (random init)")


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bench_latency(predictor, sources, n: int, warmup: int, explain: bool) -> dict:
    """Per-record end-to-end latency; ``sources`` are paths (loaded each time) or EcgRecords."""
    stages: dict[str, list[float]] = {k: [] for k in ("load", "preprocess", "quality", "measure", "predict", "explain",
                                                      "total", "cpu_total")}
    for i in range(warmup + n):
        src = sources[i % len(sources)]
        c0 = time.process_time()
        t0 = time.perf_counter()
        rec = load_record(src) if isinstance(src, (str, os.PathLike)) else src
        t_load = time.perf_counter() - t0
        pred = predictor.predict(rec, _record_clinical(rec), explain=explain)
        _sync(predictor.device)
        total = time.perf_counter() - t0
        cpu = time.process_time() - c0          # CPU seconds of all threads (spinning ones included)
        if i < warmup:
            continue
        stages["load"].append(t_load)
        for k in ("preprocess", "quality", "measure", "predict", "explain"):
            if k in pred.timings:
                stages[k].append(pred.timings[k])
        stages["total"].append(total)
        stages["cpu_total"].append(cpu)
    return {k: _stats(v) for k, v in stages.items() if v}


def bench_render(predictor, rec, n: int) -> dict:
    """The render step alone (one 224 px window), a part of "preprocess"."""
    prep = predictor.prepare(rec)
    mv = prep.inputs.mv[0]
    fs = float(predictor.preprocess_cfg.target_fs)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        render_ecg(mv, fs, predictor.render_cfg)
        times.append(time.perf_counter() - t0)
    return _stats(times)


def bench_batch(predictor, records, batch_size: int, batches: int) -> dict:
    """records/s through predict_batch (incl. preprocessing) and windows/s through the model alone."""
    batch = [records[i % len(records)] for i in range(batch_size)]
    predictor.predict_batch(batch[:4])                                  # warm-up
    t_all = []
    for _ in range(batches):
        t0 = time.perf_counter()
        predictor.predict_batch(batch)
        _sync(predictor.device)
        t_all.append(time.perf_counter() - t0)
    preps = [predictor.prepare(r) for r in batch]
    counts = [len(p.inputs.signal) for p in preps]
    sig = np.concatenate([p.inputs.signal for p in preps])[:batch_size]            # one batch of windows
    img = np.concatenate([p.inputs.image for p in preps])[:batch_size]
    x = np.concatenate([np.repeat(p.x[None], n, 0) for p, n in zip(preps, counts)])[:batch_size]
    mask = np.concatenate([np.repeat(p.mask[None], n, 0) for p, n in zip(preps, counts)])[:batch_size]
    mv = np.concatenate([p.inputs.mv for p in preps])[:batch_size]     # a noise-averaging model scores its copies
    predictor.forward_windows(sig, img, x, mask, mv)
    t_model = []
    for _ in range(batches):
        t0 = time.perf_counter()
        predictor.forward_windows(sig, img, x, mask, mv)
        _sync(predictor.device)
        t_model.append(time.perf_counter() - t0)
    return {
        "batch_size": batch_size,
        "records_per_s": round(batch_size / statistics.median(t_all), 1),
        "model_windows_per_s": round(len(sig) / statistics.median(t_model), 1),
    }


def bench_train(loaded, device: str, batch_size: int, steps: int) -> dict:
    """samples/s of forward + backward + AdamW step on a fresh copy of the model (random inputs)."""
    torch.manual_seed(0)
    model_type, config = loaded.model_type, config_dict(loaded.model)
    if model_type == "ensemble":            # members train one by one: time the first member's training
        model_type, config = config["members"][0]["model_type"], config["members"][0]["config"]
    model = build_model(model_type, config).to(device).train()
    cfg = model.config
    k = len(loaded.labels)
    t_len = loaded.preprocess.n_samples
    c = int(getattr(cfg, "n_clinical", 0) or 0)
    size = int(getattr(cfg, "img_size", 224))
    sig = torch.randn(batch_size, 12, t_len, device=device)
    img = torch.rand(batch_size, 1, size, size, device=device)
    cx = torch.randn(batch_size, c, device=device)
    cm = torch.ones(batch_size, c, device=device)
    if loaded.task == "multiclass":
        target = torch.randint(0, k, (batch_size,), device=device)
    else:
        target = (torch.rand(batch_size, k, device=device) > 0.7).float()
    loss_name = "project loss (losses.mirage_loss)"
    try:
        out = model(sig, img, cx, cm)
        mirage_loss(out, target, cfg)
        use_project_loss = True
    except NotImplementedError:
        use_project_loss = False
        loss_name = "plain BCE/CE (losses.py not implemented yet)"
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3.26e-5)

    def step():
        out = model(sig, img, cx, cm)
        if use_project_loss:
            loss, _ = mirage_loss(out, target, cfg)
        elif loaded.task == "multiclass":
            loss = torch.nn.functional.cross_entropy(out.logits, target)
        else:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(out.logits, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    dt = time.perf_counter() - t0
    return {"batch_size": batch_size, "steps": steps, "samples_per_s": round(batch_size * steps / dt, 1),
            "step_ms": round(1000 * dt / steps, 1), "loss": loss_name,
            "parameters": int(sum(p.numel() for p in model.parameters()))}


def _release_memory() -> None:
    """Return freed heap to the OS (glibc keeps it otherwise), so the next phase's RSS is its own."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def bench_inference(loaded, predictor, sources, records, settings: BenchSettings) -> dict:
    """Latency (with and without explanations), render, batch throughput and peak RSS of inference."""
    device = predictor.device
    _release_memory()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    row: dict = {"name": predictor.name, "model_type": loaded.model_type,
                 "parameters": int(sum(p.numel() for p in predictor.model.parameters()))}
    cfg = getattr(predictor.model, "config", None)
    if dataclasses.is_dataclass(cfg):
        row["config"] = dataclasses.asdict(cfg)
    row["peak_rss_scope"] = "per phase" if _reset_peak_rss() else "process so far"
    t0 = time.perf_counter()
    predictor.predict(records[0], _record_clinical(records[0]), explain=False)
    row["first_call_ms"] = round(1000 * (time.perf_counter() - t0), 1)
    row["latency"] = bench_latency(predictor, sources, settings.n, settings.warmup, explain=False)
    row["latency_explain"] = bench_latency(predictor, sources, settings.n, settings.warmup, explain=True)
    row["render"] = bench_render(predictor, records[0], settings.n)
    row["batch"] = bench_batch(predictor, records, settings.batch_size, settings.batches)
    row["peak_rss_mb"] = _peak_rss_mb()
    if device.startswith("cuda"):
        row["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
    return row


def bench_training(loaded, device: str, settings: BenchSettings) -> dict:
    """Training throughput and the peak RSS (and CUDA memory) of training."""
    _release_memory()
    _reset_peak_rss()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    out = bench_train(loaded, device, settings.batch_size, settings.train_steps)
    out["peak_rss_mb"] = _peak_rss_mb()
    if device.startswith("cuda"):
        out["cuda_max_allocated_mb"] = round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
    return out


RATES_HZ = (100.0, 500.0, 1000.0, 2000.0)
RATE_SECONDS = (10.0, 60.0)


def rate_signal(rec, fs: float, seconds: float) -> np.ndarray:
    """(12, fs x seconds) mV: ``rec``'s signal brought to ``fs`` (``preprocess.resample``) and repeated end to end
    to ``seconds`` (or cut to it). A timing input: the joins are steps no real record has."""
    x = np.nan_to_num(np.asarray(rec.signal, dtype=np.float64))
    x = resample(x, float(rec.fs), fs)
    n = int(round(fs * seconds))
    reps = -(-n // x.shape[1])                                          # ceil
    return np.tile(x, (1, reps))[:, :n]


def bench_rates(rec, cfg: PreprocessConfig, rates=RATES_HZ, seconds=RATE_SECONDS, n: int = 3) -> list[dict]:
    """Seconds (median of ``n``) of ``model_inputs`` and of ``measure`` for ``rec`` at each rate and length (after
    one untimed call of each on ``rec`` itself)."""
    rows = []
    model_inputs(np.asarray(rec.signal, dtype=np.float64), float(rec.fs), cfg)   # untimed: the first call loads
    measure(rec)                                                        # what later calls reuse
    for fs in rates:
        for dur in seconds:
            x = rate_signal(rec, float(fs), float(dur))
            r = EcgRecord(signal=x.astype(np.float32), fs=float(fs), record_id=f"{rec.record_id}@{fs:g}Hz")
            prep, meas = [], []
            for _ in range(n):
                t0 = time.perf_counter()
                model_inputs(r.signal, r.fs, cfg)
                t1 = time.perf_counter()
                measure(r)
                prep.append(t1 - t0)
                meas.append(time.perf_counter() - t1)
            rows.append({"fs": float(fs), "seconds": float(dur), "samples": int(x.shape[1]), "n": n,
                         "preprocess_s": round(statistics.median(prep), 6),
                         "measure_s": round(statistics.median(meas), 6)})
    return rows
