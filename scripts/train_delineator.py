"""Train the learned single-lead delineator (mirage_model.measure.learned) on LUDB records 1-50.

Records 51-100 are never read here: they are the held-out half on which scripts/eval_ludb.py
compares this delineator with the rule-based one. Records 1-42 train, 43-50 choose the epoch.

Every detected beat of every lead whose QRS the cardiologists annotated gives one window
(-0.45 s to +0.75 s around the beat's anchor, as the median beat), labelled per sample from that
lead's annotations (P, QRS, T, else background). Augmentation: a random shift of up to 20 ms,
white noise and a slow baseline wander.

Usage:
    python scripts/train_delineator.py --ludb DATA_DIR [--out resources/models/delineator/unet.safetensors]
                                       [--epochs 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

from mirage_model.measure.beats import INDEPENDENT, detect_beats
from mirage_model.measure.filters import bandpass
from mirage_model.measure.learned import CLASSES, DelineatorConfig, UNet1d, normalise, save

log = logging.getLogger(__name__)
SHIFT = 10                                   # samples of random shift each side (20 ms at 500 Hz)


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_ludb", Path(__file__).with_name("eval_ludb.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def windows(ludb: Path, records: range, cfg: DelineatorConfig) -> tuple[np.ndarray, np.ndarray]:
    """Beat windows and labels of the given records: x (N, W + 2 SHIFT) float32, y (N, W + 2 SHIFT) int64."""
    ev = _eval_module()
    pre, post = int(round(cfg.pre_s * cfg.fs)) + SHIFT, int(round(cfg.post_s * cfg.fs)) + SHIFT
    xs, ys = [], []
    for rid in records:
        stem = ludb / str(rid)
        rec = ev.load_ludb_record(stem)
        assert rec.fs == cfg.fs, f"{stem}: {rec.fs} Hz, the net is trained at {cfg.fs} Hz"
        x = bandpass(rec.signal.astype(np.float64), rec.fs, (0.5, 100.0))
        beats = detect_beats(x, rec.fs, np.asarray(INDEPENDENT))
        T = x.shape[1]
        for li, lead in enumerate(ev.LUDB_LEADS):
            waves = ev._waves(stem, lead)
            lab = np.zeros(T, dtype=np.int64)
            for k, kind in ((1, "p"), (2, "N"), (3, "t")):
                for on, _, off in waves[kind]:
                    lab[on:off + 1] = k
            qrs_peaks = np.asarray([w[1] for w in waves["N"]])
            for b in beats:
                if b - pre < 0 or b + post > T or qrs_peaks.size == 0:
                    continue
                if np.min(np.abs(qrs_peaks - b)) > int(0.05 * cfg.fs):
                    continue                       # this beat is not annotated in this lead
                xs.append(x[li, b - pre:b + post].astype(np.float32))
                ys.append(lab[b - pre:b + post])
    return np.stack(xs), np.stack(ys)


def augment(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, W: int) -> tuple[np.ndarray, np.ndarray]:
    """Random crop of W samples (shift), noise and baseline wander. x, y: (B, W + 2 SHIFT) -> (B, W)."""
    B = x.shape[0]
    s = rng.integers(0, 2 * SHIFT + 1, size=B)
    idx = s[:, None] + np.arange(W)[None, :]
    xc = np.take_along_axis(x, idx, axis=1)
    yc = np.take_along_axis(y, idx, axis=1)
    xc = normalise(xc)
    xc += rng.normal(0, 1, (B, 1)) * 0.03 * rng.standard_normal((B, W))
    t = np.arange(W) / W
    xc += rng.uniform(-0.2, 0.2, (B, 1)) * np.sin(2 * np.pi * (rng.uniform(0.2, 1.0, (B, 1)) * t
                                                              + rng.uniform(0, 1, (B, 1))))
    return xc.astype(np.float32), yc


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ludb", type=Path, required=True, help="LUDB data folder (1.hea, 1.dat, 1.i ...)")
    p.add_argument("--out", type=Path, default=Path("resources/models/delineator/unet.safetensors"))
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    return p


def main(argv: list[str] | None = None) -> int:
    args = get_args_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    cfg = DelineatorConfig()
    W = int(round(cfg.pre_s * cfg.fs)) + int(round(cfg.post_s * cfg.fs))
    t0 = time.time()
    xtr, ytr = windows(args.ludb, range(1, 43), cfg)
    xva, yva = windows(args.ludb, range(43, 51), cfg)
    log.info("windows: %d train, %d validation (%.0f s)", len(xtr), len(xva), time.time() - t0)
    xva_c = torch.from_numpy(normalise(xva[:, SHIFT:SHIFT + W])).unsqueeze(1)
    yva_c = torch.from_numpy(yva[:, SHIFT:SHIFT + W])
    net = UNet1d(cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=(len(xtr) + args.batch - 1) // args.batch)
    loss_fn = torch.nn.CrossEntropyLoss()
    best, best_state, history = np.inf, None, []
    for epoch in range(args.epochs):
        net.train()
        order = rng.permutation(len(xtr))
        total = 0.0
        for i in range(0, len(order), args.batch):
            j = order[i:i + args.batch]
            xb, yb = augment(xtr[j], ytr[j], rng, W)
            logits = net(torch.from_numpy(xb).unsqueeze(1))                 # (B, 4, W)
            loss = loss_fn(logits, torch.from_numpy(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(j)
        net.eval()
        with torch.inference_mode():
            val = float(np.mean([float(loss_fn(net(xva_c[i:i + 512]), yva_c[i:i + 512]))
                                 for i in range(0, len(xva_c), 512)]))
        history.append({"epoch": epoch + 1, "train_loss": round(total / len(xtr), 4), "val_loss": round(val, 4)})
        log.info("epoch %d: train %.4f, validation %.4f (%.0f s)", epoch + 1, total / len(xtr), val,
                 time.time() - t0)
        if val < best:
            best, best_state = val, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    n_params = sum(p.numel() for p in net.parameters())
    save(net, args.out, {
        "classes": list(CLASSES), "parameters": n_params,
        "trained_on": "LUDB 1.0.1 records 1-42 (training) and 43-50 (epoch choice); 51-100 never read",
        "windows": {"train": len(xtr), "validation": len(xva)}, "seed": args.seed,
        "best_val_loss": round(best, 4), "history": history,
        "licence": "weights derived from LUDB (ODC-By 1.0): Kalyakulina et al., IEEE Access 2020",
    })
    log.info("saved %s (%d parameters, best validation loss %.4f)", args.out, n_params, best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
