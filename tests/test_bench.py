"""``mirage bench``: runs end to end on tiny settings and writes a complete JSON (no timing asserts)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from training_cli.engine import benchmark
from training_cli.main import main

from helpers_models import make_tiny_checkpoint, synthetic_record


def test_stats_median_and_nearest_rank_p95():
    values = [i / 1000 for i in range(1, 101)]          # 1..100 ms
    s = benchmark._stats(values)
    assert s["median_ms"] == pytest.approx(50.5) and s["p95_ms"] == pytest.approx(95.0) and s["n"] == 100
    assert benchmark._stats([])["median_ms"] is None


@pytest.fixture(scope="module")
def records_dir(tmp_path_factory):
    wfdb = pytest.importorskip("wfdb")
    folder = tmp_path_factory.mktemp("records")
    for i, (dur, fs) in enumerate([(10, 500), (12, 250)]):
        rec = synthetic_record(dur, fs, seed=i)
        wfdb.wrsamp(f"r{i}", fs=fs, units=["mV"] * 12, sig_name=list(rec.sig_name),
                    p_signal=rec.signal.T.astype(np.float64), fmt=["16"] * 12, adc_gain=[1000.0] * 12,
                    baseline=[0] * 12, write_dir=str(folder))
    return folder


FAST = ["--n", "2", "--warmup", "0", "--batch-size", "4", "--batches", "1", "--train-steps", "1",
        "--device", "cpu", "--rates", "250", "--rate-seconds", "2"]


def _check_result(result: dict, n_models: int):
    assert {"cpu", "cores", "torch", "device"} <= set(result["machine"])
    assert len(result["models"]) == n_models
    row = result["models"][0]
    for key in ("latency", "latency_explain"):
        # the signal-quality assessment every prediction makes is its own stage: its speed is read here, where a
        # timed test had failed under load (0.102-0.114 s of CPU a check against its 0.1 s)
        for stage in ("load", "preprocess", "quality", "predict", "total"):
            assert row[key][stage]["n"] == 2 and row[key][stage]["median_ms"] > 0
    assert row["latency_explain"]["explain"]["median_ms"] > 0
    assert row["batch"]["records_per_s"] > 0 and row["batch"]["model_windows_per_s"] > 0
    assert row["train"]["samples_per_s"] > 0 and row["train"]["batch_size"] == 4
    assert row["peak_rss_mb"] > 0
    # the preprocessing case: the record of the highest rate (500 Hz), brought to 250 Hz and 2 s: 500 samples
    assert result["rates"]["source_fs"] == 500.0
    (case,) = result["rates"]["rows"]
    assert (case["fs"], case["seconds"], case["samples"], case["n"]) == (250.0, 2.0, 500, 2)
    assert case["preprocess_s"] > 0 and case["measure_s"] > 0


@pytest.mark.slow
def test_bench_random_model_when_none_ships(tmp_path, records_dir, monkeypatch, capsys):
    monkeypatch.setenv("MIRAGE_RESOURCES", str(tmp_path / "empty"))
    out = tmp_path / "bench.json"
    assert main(["bench", "--preset", "tiny", "--records", str(records_dir), "--out", str(out), *FAST]) == 0
    result = json.loads(out.read_text())
    _check_result(result, n_models=2)
    assert "random" in result["model"]
    assert any("randomly initialised" in n for n in result["notes"])
    base = result["models"][1]
    assert base["model_type"] == "resnet1d_wang"
    assert "unavailable" in base or base["latency"]["total"]["median_ms"] > 0
    text = capsys.readouterr().out
    assert "randomly initialised" in text and "resnet1d_wang" in text and "machine:" in text


def test_bench_with_a_checkpoint(tmp_path, records_dir):
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "b.json"
    assert main(["bench", "--model", str(ckpt), "--records", str(records_dir), "--no-baseline",
                 "--out", str(out), *FAST]) == 0
    result = json.loads(out.read_text())
    _check_result(result, n_models=1)
    assert result["model"] == str(ckpt)
    assert result["records"]["count"] == 2


def test_bench_bad_inputs_are_clear_errors(tmp_path, capsys):
    assert main(["bench", "--model", str(tmp_path / "missing"), "--out", str(tmp_path / "x.json")]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["bench", "--records", str(tmp_path / "nodir"), "--out", str(tmp_path / "x.json")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["bench", "--records", str(tmp_path / "empty"), "--out", str(tmp_path / "x.json")]) == 2
    assert "no records" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main(["bench", "--device", "cuda", "--out", str(tmp_path / "x.json")]) == 2
        assert "no CUDA" in capsys.readouterr().err
    # a count of zero was a ZeroDivisionError after the inference runs
    for flag in ("--train-steps", "--n", "--batches", "--batch-size"):
        assert main(["bench", flag, "0", "--out", str(tmp_path / "x.json")]) == 2, flag
        assert f"{flag} must be at least 1 (got 0)" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_bench_reports_an_unavailable_baseline(tmp_path, records_dir, monkeypatch, capsys):
    def not_yet(reference):
        raise NotImplementedError

    monkeypatch.setattr(benchmark, "baseline_of", not_yet)
    ckpt = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "b.json"
    assert main(["bench", "--model", str(ckpt), "--records", str(records_dir), "--out", str(out),
                 "--threads", "1", *FAST]) == 0
    result = json.loads(out.read_text())
    assert result["models"][1]["unavailable"].startswith("models/baselines.py")
    assert result["machine"]["torch_threads"] == 1
    assert "unavailable" in capsys.readouterr().out


def test_bench_model_none_is_a_random_preset_even_beside_a_shipped_model(tmp_path, records_dir):
    """--help says "none: a random preset"; it had been looked up as a checkpoint called "none"."""
    from mirage_model.paths import default_model_path

    out = tmp_path / "bench.json"
    assert main(["bench", "--model", "none", "--preset", "tiny", "--records", str(records_dir), "--no-baseline",
                 "--out", str(out), *FAST]) == 0
    result = json.loads(out.read_text())
    _check_result(result, n_models=1)
    assert result["model"] == "random-init tiny preset"
    assert any(n.startswith("--model none: benchmarked a randomly initialised 'tiny' preset") for n in result["notes"])
    if default_model_path() is not None:      # not the shipped model, whose size is another
        from mirage_model.checkpoint import load_checkpoint

        shipped = sum(p.numel() for p in load_checkpoint(default_model_path()).model.parameters())
        assert result["models"][0]["parameters"] != shipped


def test_the_readme_speed_tables_bench_commands_write_distinct_files():
    """The README's current speed table names `mirage bench --threads 1 --no-baseline` and `mirage
    bench` as its sources: both wrote bench.json, so the second, run as written, was refused (an
    earlier run's bench.json; bench replaces it only with --overwrite). Each distinct command there
    writes its own --out now."""
    import re
    from pathlib import Path

    from training_cli.commands.bench import bench_command_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Speed on this project's reference machine"):readme.index("**Earlier rows**")]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    commands = sorted({c for line in rows for c in re.findall(r"`mirage bench([^`]*)`", line)})
    assert len(commands) >= 2, commands
    outs = [str(bench_command_parser().parse_args(c.split()).out) for c in commands]
    assert len(set(outs)) == len(commands), dict(zip(commands, outs))


def test_the_table_names_a_long_model_name_whole():
    # the shipped model's name, 58 characters, had been cut to "mirage-ptbxl-superdiagnostic-base-": which model?
    from training_cli.commands.bench import format_table

    stat = {"median_ms": 1.0, "p95_ms": 2.0, "n": 2}
    name = "mirage-ptbxl-superdiagnostic-base-ensemble2-smoothed-stage"
    row = {"name": name, "parameters": 1722666, "render": stat, "peak_rss_mb": 630.0,
           "latency": {k: stat for k in ("load", "preprocess", "predict", "total", "cpu_total")},
           "latency_explain": {"explain": stat, "total": stat},
           "batch": {"records_per_s": 1.7, "model_windows_per_s": 3.9},
           "train": {"samples_per_s": 20.2, "peak_rss_mb": 1038.0}}
    result = {"machine": {"cpu": "x", "usable_cores": 2, "torch": "2", "torch_threads": 1, "device": "cpu"},
              "records": {"source": "bundled samples", "count": 7}, "n": 2,
              "models": [row, dict(row, name="resnet1d_wang (random init)", parameters=473349)]}
    lines = format_table(result).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("model "))
    first, second = lines[header + 2], lines[header + 3]
    assert first.startswith(name + " ") and second.startswith("resnet1d_wang (random init) ")
    column = lines[header].index("params") + len("params")          # right-aligned under its header
    assert first[:column].endswith("1,722,666") and second[:column].endswith("473,349")


def test_a_rate_case_signal_is_the_record_at_that_rate_repeated_to_its_length():
    rec = synthetic_record(10.0, 500.0, seed=3)                      # (12, 5000)
    x = benchmark.rate_signal(rec, 1000.0, 25.0)
    assert x.shape == (12, 25000)                                    # 1000 Hz x 25 s
    up = benchmark.resample(np.asarray(rec.signal, dtype=np.float64), 500.0, 1000.0)
    assert np.array_equal(x[:, :10000], up)                          # the record itself, brought to 1 kHz
    assert np.array_equal(x[:, 10000:20000], up) and np.array_equal(x[:, 20000:], up[:, :5000])
    assert benchmark.rate_signal(rec, 100.0, 4.0).shape == (12, 400)  # cut where shorter
