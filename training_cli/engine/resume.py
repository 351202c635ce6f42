"""Resume state of a training run (``OUT/last``): model, optimizer, scheduler, grad scaler, the weight
average, the epoch and every random generator, as safetensors + JSON (no pickle), written atomically."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from mirage_model.paths import atomic_folder
from training_cli.engine.errors import ConfigError
from training_cli.engine.runlog import json_default


def _opt_to_tensors(opt) -> tuple[dict, dict]:
    """Optimizer state_dict -> (tensors for safetensors, JSON-able rest)."""
    sd = opt.state_dict()
    tensors, meta = {}, {"param_groups": sd["param_groups"], "state": {}}
    for pid, st in sd["state"].items():
        meta["state"][str(pid)] = {}
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous()
                meta["state"][str(pid)][k] = "tensor"
            else:
                meta["state"][str(pid)][k] = v
    return tensors, meta


def _opt_from_tensors(tensors: dict, meta: dict) -> dict:
    state = {}
    for pid, st in meta["state"].items():
        state[int(pid)] = {k: (tensors[f"{pid}.{k}"] if v == "tensor" else v) for k, v in st.items()}
    return {"state": state, "param_groups": meta["param_groups"]}


def save_resume_state(folder: Path, model, opt, sched, scaler, epoch: int, extra: dict, ema=None) -> None:
    """Write model + optimizer + scheduler + epoch + RNG state (+ the weight average) as safetensors + JSON
    (no pickle), atomically (``paths.atomic_folder``)."""
    with atomic_folder(folder) as tmp:
        sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(sd, str(tmp / "model.safetensors"))
        opt_tensors, opt_meta = _opt_to_tensors(opt)
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            for i, s in enumerate(torch.cuda.get_rng_state_all()):
                rng[f"cuda{i}"] = s
        ema_tensors = {} if ema is None else {f"ema.{k}": v.detach().cpu().contiguous()
                                              for k, v in ema.state_dict().items()}
        save_file({**{f"opt.{k}": v for k, v in opt_tensors.items()}, **{f"rng.{k}": v for k, v in rng.items()},
                   **ema_tensors}, str(tmp / "state.safetensors"))
        np_state = np.random.get_state()
        py_state = random.getstate()
        state = {
            "epoch": epoch,
            "optimizer": opt_meta,
            "scheduler": {k: v for k, v in sched.state_dict().items() if k != "lr_lambdas"},
            "scaler": scaler.state_dict() if scaler is not None else None,
            "numpy_rng": [np_state[0], np_state[1].tolist(), int(np_state[2]), int(np_state[3]), float(np_state[4])],
            "python_rng": [py_state[0], list(py_state[1]), py_state[2]],
            **extra,
        }
        (tmp / "state.json").write_text(json.dumps(state, default=json_default))


def load_resume_state(folder: Path, model, opt, sched, scaler, ema=None) -> dict:
    try:
        state = json.loads((folder / "state.json").read_text())
        model_sd = load_file(str(folder / "model.safetensors"))
        tensors = load_file(str(folder / "state.safetensors"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"--resume: cannot read resume state in {folder} ({err})") from None
    model.load_state_dict(model_sd)
    if ema is not None:
        ema_sd = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
        if not ema_sd:
            raise ConfigError(f"--resume: the run in {folder} kept no weight average; resume it without --ema")
        ema.load_state_dict(ema_sd)
    opt_tensors = {k[4:]: v for k, v in tensors.items() if k.startswith("opt.")}
    opt.load_state_dict(_opt_from_tensors(opt_tensors, state["optimizer"]))
    sd = sched.state_dict()
    sd.update(state["scheduler"])
    sched.load_state_dict(sd)
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(tensors["rng.torch"])
    if torch.cuda.is_available():
        cuda = [tensors[k] for k in sorted(t for t in tensors if t.startswith("rng.cuda"))]
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
    ns = state["numpy_rng"]
    np.random.set_state((ns[0], np.array(ns[1], dtype=np.uint32), ns[2], ns[3], ns[4]))
    ps = state["python_rng"]
    random.setstate((ps[0], tuple(ps[1]), ps[2]))
    return state
