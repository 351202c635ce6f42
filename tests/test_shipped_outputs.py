"""The shipped models give the same outputs as before a refactor, on bundled sample records.

A regression pin, not a check of correctness: ``tests/data/shipped_outputs.npz`` holds the
probabilities and explanation arrays of ``default`` and ``mi`` on two bundled records, written by
this file's ``write_reference`` (``python tests/test_shipped_outputs.py --write``) from the code
before the model modules were rebuilt from their config (session 6). Code that only moves or
restructures must leave them unchanged; on the machine that wrote them they agree bit for bit,
elsewhere to float rounding (other CPUs may order sums differently). The file also holds the
SHA-256 of each model's weights: a replaced shipped model skips the test until it is written again.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mirage_model.inference import Predictor
from mirage_model.paths import resources_dir, shipped_models

REFERENCE = Path(__file__).parent / "data" / "shipped_outputs.npz"
MODELS = ("default", "mi")
# (bundled record, clinical values): a PTB-XL 100 Hz record with labs, a LUDB 500 Hz record without
CASES = {"ptbxl/records100/00000/00417_lr": {"age": 63, "sex": 1, "height": 172, "weight": 81},
         "ludb/1": None}
EXPLANATION = ("lead_bias", "lead_attention", "lead_importance", "patch_rollout", "patch_gradient")


def _samples() -> Path:
    return resources_dir() / "samples"


def _weights_sha(model: str) -> str:
    return hashlib.sha256((Path(shipped_models()[model]) / "model.safetensors").read_bytes()).hexdigest()


def compute() -> dict[str, np.ndarray]:
    """name -> array for every model and case (one torch thread, CPU)."""
    out = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for model in MODELS:
            pred = Predictor(model, device="cpu", threads=1)
            out[f"{model}/sha256"] = np.array(_weights_sha(model))
            for rec, clinical in CASES.items():
                path = _samples() / rec
                key = f"{model}/{rec}"
                out[f"{key}/probabilities"] = pred.predict(path, clinical, explain=False).probabilities
                p = pred.predict(path, clinical, explain=True)
                out[f"{key}/explained_probabilities"] = p.probabilities
                for name in EXPLANATION:
                    value = getattr(p.explanation, name)
                    if value is not None:
                        out[f"{key}/{name}"] = np.asarray(value)
    finally:
        torch.set_num_threads(threads)
    return out


def write_reference(path: Path = REFERENCE) -> None:
    np.savez_compressed(path, **compute())


def test_shipped_models_give_the_reference_outputs():
    if not REFERENCE.is_file():
        pytest.skip(f"no {REFERENCE.name}")
    models = shipped_models()
    if any(m not in models for m in MODELS) or not all((_samples() / rec).with_suffix(".hea").is_file()
                                                       for rec in CASES):
        pytest.skip("shipped models or bundled samples absent")
    ref = np.load(REFERENCE)
    changed = [m for m in MODELS if str(ref[f"{m}/sha256"]) != _weights_sha(m)]
    if changed:
        pytest.skip(f"shipped model(s) {changed} replaced since {REFERENCE.name} was written: write it again")
    now = compute()
    assert set(now) == set(ref.files)
    for key in sorted(now):
        if key.endswith("sha256"):
            continue
        np.testing.assert_allclose(now[key], ref[key], rtol=0, atol=1e-5, err_msg=key)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_shipped_outputs.py --write")
    write_reference()
    print(f"wrote {REFERENCE}")
