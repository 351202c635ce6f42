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


# options a resumed run may change: where outputs, caches and threads go, and what it prints or scores at the end
# (the split's options are checked against the records' split digest instead)
FREE_OPTIONS = ("config", "out", "cache_dir", "workers", "device", "threads", "resume", "overwrite", "no_test",
                "allow_skipped", "bootstrap", "no_progress", "stop_after", "split_method", "group_by")
# files, compared as given or not: the same file may be spelt otherwise (another working folder); the records
# and their split are checked by the split digest, a labs table of other columns by the model's shape
FILE_OPTIONS = ("data", "labels", "labs", "label_map", "split_file", "init_from")


def _option_text(name: str, value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if name in FILE_OPTIONS:
        return "given" if value else "not given"
    return "not given" if value is None else str(value)


def refuse_other_options(options: dict, state: dict | None, folder: Path) -> None:
    """Refuse to resume a stopped run with options that train another model or another way (a
    --preset, --labs or --epochs left out): its weights would not load into the model this command
    builds, or would train on otherwise than the uninterrupted run. Names each option that differs,
    the stopped run's value first, and the command it was started with.

    Args:
        options: this command's resolved options (``TrainConfig.to_dict``).
        state: the stopped run's ``state.json`` (None, or one without ``args``: nothing to compare).
        folder: the run's ``--out``.

    Raises:
        ConfigError: an option that is not free (``FREE_OPTIONS``) differs.
    """
    kept = (state or {}).get("args")
    if not kept:
        return
    differ = []
    for name, was in kept.items():
        now = options.get(name)
        if name in FREE_OPTIONS or name not in options:
            continue
        if (bool(was) != bool(now)) if name in FILE_OPTIONS else was != now:
            differ.append(f"--{name.replace('_', '-')} {_option_text(name, was)} "
                          f"(this command: {_option_text(name, now)})")
    if differ:
        started = f" (it was started as `{state['command']}`)" if state.get("command") else ""
        raise ConfigError(f"--resume: the run stopped in {folder} was trained with other options than this "
                          f"command's: {'; '.join(differ)}. Give the stopped run's options again{started}, or "
                          "train anew with --overwrite")


def load_resume_state(folder: Path, model, opt, sched, scaler, ema=None) -> dict:
    """Restore a stopped run's model, optimizer, scheduler, scaler, weight average and random
    generators from ``folder`` -> its state.json.

    Raises:
        ConfigError: the state cannot be read, or is of another model than ``model`` (a run
            stopped before its state kept its options, resumed with another --preset).
    """
    try:
        state = json.loads((folder / "state.json").read_text())
        model_sd = load_file(str(folder / "model.safetensors"))
        tensors = load_file(str(folder / "state.safetensors"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"--resume: cannot read resume state in {folder} ({err})") from None
    try:
        model.load_state_dict(model_sd)
    except RuntimeError:
        raise ConfigError(f"--resume: the model stopped in {folder} is not the model this command builds "
                          "(another --preset, --model, --lead-encoder, ablation switch, --clinical, or a labs table "
                          "of other columns?): resume with the options the run was started with, or train anew "
                          "with --overwrite") from None
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
