"""The torchrun path: DistributedDataParallel with two CPU processes (gloo) on a tiny run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from helpers_training import make_folder


@pytest.mark.slow
def test_torchrun_two_cpu_processes(tmp_path):
    root, labels = make_folder(tmp_path / "data", n_copies=4, split_column=True)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "training_cli.main", "train", "--data", f"folder:{root}", "--labels", str(labels),
           "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--preset", "tiny", "--epochs", "2",
           "--batch-size", "2", "--device", "cpu", "--no-progress", "--bootstrap", "10", "--threads", "1"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["world_size"] == 2
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2]
    assert (out / "model" / "model.safetensors").is_file() and (out / "test" / "metrics.json").is_file()
    # 8 training records split over 2 processes in batches of 2: 2 steps per epoch per process
    state = json.loads((out / "last" / "state.json").read_text())
    assert state["total_steps"] == 2 * 2
    print(f"torchrun 2 x CPU tiny run: {time.time() - t0:.1f} s")
