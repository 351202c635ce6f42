"""Reading a checkpoint's files: where the weights and config are, the config JSON and the
safetensors header, regular files only and within ``limits``."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import safe_open

from mirage_model.checkpoint.format import CONFIG_NAME, METADATA_KEY, WEIGHTS_NAME, CheckpointError
from mirage_model.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_WEIGHTS_BYTES, json_depth

if TYPE_CHECKING:     # reading a config (the app's menu of shipped models, before its window draws) needs no torch
    import torch


def _resolve(path: Path) -> tuple[Path, Path | None, Path]:
    """-> (weights file, config.json or None for the single-file form, folder)."""
    if path.is_dir():
        return path / WEIGHTS_NAME, path / CONFIG_NAME, path
    if path.name == CONFIG_NAME:
        return path.parent / WEIGHTS_NAME, path, path.parent
    if path.suffix == ".safetensors":
        cfg = path.parent / CONFIG_NAME
        if path.name == WEIGHTS_NAME and cfg.is_file():
            return path, cfg, path.parent
        return path, None, path.parent
    raise CheckpointError(f"{path}: not a checkpoint (expected a folder, config.json or a .safetensors file)")


def _read_json(text: str, where: Path) -> dict:
    if len(text) > MAX_JSON_BYTES:
        raise CheckpointError(f"{where}: config larger than {MAX_JSON_BYTES >> 20} MB; not a checkpoint config")
    if json_depth(text) > MAX_JSON_DEPTH:
        raise CheckpointError(f"{where}: config JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as err:
        raise CheckpointError(f"{where}: malformed JSON ({err})") from None
    if not isinstance(doc, dict):
        raise CheckpointError(f"{where}: malformed checkpoint config (expected a JSON object)")
    return doc


def read_checkpoint_config(path) -> dict:
    """The checkpoint's config JSON (no weights read beyond the safetensors header)."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    weights, cfg_file, _ = _resolve(path)
    if cfg_file is not None:
        if not cfg_file.is_file():
            raise CheckpointError(f"{cfg_file}: missing (a checkpoint folder needs {CONFIG_NAME})")
        try:
            _regular_file(cfg_file)
            with open(cfg_file, encoding="utf-8") as fh:
                text = fh.read(MAX_JSON_BYTES + 1)
            return _read_json(text, cfg_file)
        except (OSError, UnicodeDecodeError) as err:
            raise CheckpointError(f"{cfg_file}: cannot read ({err})") from None
    meta = _safetensors_metadata(weights)
    if METADATA_KEY not in meta:
        raise CheckpointError(f"{weights}: no {CONFIG_NAME} next to it and no '{METADATA_KEY}' in its metadata")
    return _read_json(meta[METADATA_KEY], weights)


def label_summary(path, most: int = 5) -> str:
    """What a checkpoint answers, in a few words, from its config alone: its labels when there are at
    most ``most`` ("NORM, MI, STTC, CD, HYP"), else their count ("71 labels"); "" when unreadable."""
    try:
        labels = read_checkpoint_config(path).get("labels")
    except CheckpointError:
        return ""
    if not isinstance(labels, list) or not labels:
        return ""
    return ", ".join(map(str, labels)) if len(labels) <= most else f"{len(labels)} labels"


def _regular_file(path: Path, limit: int | None = None) -> None:
    """Refuse anything but a regular file (a FIFO or device would block or never end) and, with
    ``limit``, a file larger than ``limit`` bytes."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except OSError as err:
        raise CheckpointError(f"{path}: cannot read ({err.strerror or err})") from None
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(f"{path}: not a regular file")
    if limit is not None and st.st_size > limit:
        raise CheckpointError(f"{path}: {st.st_size / 2**30:.1f} GiB is larger than any model this "
                              f"version loads ({limit / 2**30:.0f} GiB)")


def _safetensors_metadata(weights: Path) -> dict:
    if not weights.exists():
        raise CheckpointError(f"{weights}: missing weights file")
    _regular_file(weights, MAX_WEIGHTS_BYTES)
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return dict(fh.metadata() or {})
    except FileNotFoundError:
        raise CheckpointError(f"{weights}: missing weights file") from None
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None


def _read_tensors(weights: Path) -> dict[str, torch.Tensor]:
    if not weights.exists():
        raise CheckpointError(f"{weights}: missing weights file")
    _regular_file(weights, MAX_WEIGHTS_BYTES)
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as fh:
            return {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as err:
        raise CheckpointError(f"{weights}: corrupt or truncated safetensors file ({err})") from None
