"""``mirage bench``: latency, throughput and memory of MIRAGE and the 1D ResNet baseline.

The command line of :mod:`training_cli.engine.benchmark`, whose docstring says what is measured
and how (per-stage latency, batch and training throughput, peak memory).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from mirage_model.checkpoint import CheckpointError
from mirage_model.csvsafe import printable
from mirage_model.inference import ModelNotFoundError, Predictor
from mirage_model.records import RecordError, find_records, load_record
from mirage_model.paths import atomic_write_json, default_model_path, sample_records
from mirage_model.runtime import resolve_device, set_threads
from training_cli.engine.errors import UsageError
from training_cli.engine import benchmark
from training_cli.engine.benchmark import BenchSettings
from training_cli.options import add_overwrite_arg, command_parser, count
from training_cli.outputs import check_output_file, refuse_earlier_outputs

log = logging.getLogger(__name__)


def bench_command_parser(subparsers=None) -> argparse.ArgumentParser:
    """The parser of ``mirage bench`` (a subcommand when ``subparsers`` is given, else standalone)."""
    p = command_parser(subparsers, "bench",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=None,
                   help="checkpoint folder or shipped name (default: the shipped model); none: a randomly "
                   "initialised model of --preset")
    p.add_argument("--preset", default="small", help="preset of the random model (--model none, or no shipped model) (small)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="compute device")
    p.add_argument("--records", type=Path, default=None,
                   help="folder of records (default: the bundled sample records)")
    p.add_argument("--n", type=int, default=30, help="timed single-record runs per setting (default 30)")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    p.add_argument("--batch-size", type=int, default=32, help="batch for throughput and training (32)")
    p.add_argument("--batches", type=int, default=3, help="timed batches for batch throughput (3)")
    p.add_argument("--train-steps", type=int, default=5, help="timed training steps (5)")
    p.add_argument("--threads", type=count(1), default=None,
                   help="torch intra-op threads (default: MIRAGE_THREADS or the inference default, "
                        "see mirage_model.runtime.default_threads)")
    p.add_argument("--no-baseline", action="store_true", help="skip the resnet1d_wang baseline")
    p.add_argument("--rates", type=float, nargs="+", default=list(benchmark.RATES_HZ), metavar="HZ",
                   help="rates (Hz) of the preprocessing case: the record of the highest rate brought to each "
                        "(100 500 1000 2000)")
    p.add_argument("--rate-seconds", type=float, nargs="+", default=list(benchmark.RATE_SECONDS), metavar="S",
                   help="lengths (s) of the preprocessing case, the record repeated end to end (10 60)")
    p.add_argument("--no-rates", action="store_true", help="skip the preprocessing case per rate")
    p.add_argument("--out", type=Path, default=Path("bench.json"), help="JSON results (bench.json)")
    add_overwrite_arg(p, "the results")
    p.set_defaults(func=run)
    return p


# what every bench output holds (``run``'s ``result``): a JSON file without them is no output of mirage bench
BENCH_KEYS = ("machine", "models")
BENCH_MAX_BYTES = 16 << 20      # a bench output is a few kB: a larger file is read no further


def not_bench_output(path: Path) -> str:
    """What ``path`` holds, in words, when it is a file that no ``mirage bench`` wrote ("its first line reads
    'record_id,age'"); "" when it is missing, empty, or a bench output (a JSON object with ``BENCH_KEYS``)."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return ""
        if path.stat().st_size > BENCH_MAX_BYTES:
            return f"it holds {path.stat().st_size >> 20} MB: a bench output is a few kB"
        raw = path.read_bytes()
    except OSError as err:
        return f"it cannot be read ({err.strerror or err})"
    try:
        data = json.loads(raw)
    except ValueError:      # UnicodeDecodeError too
        text = raw.decode("utf-8", "replace")
        if "\ufffd" in text or "\0" in text:
            return "it holds binary data"
        first = text.strip().splitlines()[0] if text.strip() else ""
        return f"it is no JSON; its first line reads {printable(first[:60]) + ('...' if len(first) > 60 else '')!r}"
    if isinstance(data, dict) and all(key in data for key in BENCH_KEYS):
        return ""
    return f"it is JSON without the {', '.join(repr(k) for k in BENCH_KEYS)} of a bench output"


def _fmt(stats: dict | None, key: str) -> str:
    if not stats or key not in stats or stats[key]["median_ms"] is None:
        return "-"
    s = stats[key]
    return f"{s['median_ms']:.1f}/{s['p95_ms']:.1f}"


def format_table(result: dict) -> str:
    lines = []
    m = result["machine"]
    lines.append(f"machine: {m['cpu']}, {m['usable_cores']} usable cores, torch {m['torch']} "
                 f"(threads: {m['torch_threads']}), device {m['device']}{' ' + m['gpu'] if 'gpu' in m else ''}")
    lines.append(f"records: {result['records']['source']} ({result['records']['count']}), n={result['n']}")
    if "load_average" in m:
        lines.append(f"load average at the end (1, 5, 15 min): {m['load_average']}")
    lines.append("latency in ms, median/p95 ('preprocess' includes render; 'cpu' = CPU time of all threads "
                 "per record); throughput per second; peak RSS in MB for inference / training")
    # as wide as the longest name: the shipped model's, 58 characters, had been cut to its first 34
    w = max([34, *(len(row["name"]) for row in result["models"])])
    header = (f"{'model':<{w}} {'params':>9} {'load':>11} {'preprocess':>11} {'render':>9} {'quality':>11} "
              f"{'measure':>11} {'predict':>11} "
              f"{'total':>11} {'cpu':>11} {'explain':>11} {'total+expl':>11} {'batch rec':>9} "
              f"{'model win':>9} {'train smp':>9} {'peak RSS':>11}")
    lines.append(header)
    lines.append("-" * len(header))
    for row in result["models"]:
        if row.get("unavailable"):
            lines.append(f"{row['name']:<{w}} unavailable: {row['unavailable']}")
            continue
        lat, lex = row["latency"], row["latency_explain"]
        render = f"{row['render']['median_ms']:.1f}/{row['render']['p95_ms']:.1f}"
        rss = f"{row['peak_rss_mb']:.0f}/{row['train']['peak_rss_mb']:.0f}"
        lines.append(
            f"{row['name']:<{w}} {row['parameters']:>9,} {_fmt(lat, 'load'):>11} {_fmt(lat, 'preprocess'):>11} "
            f"{render:>9} {_fmt(lat, 'quality'):>11} {_fmt(lat, 'measure'):>11} {_fmt(lat, 'predict'):>11} "
            f"{_fmt(lat, 'total'):>11} {_fmt(lat, 'cpu_total'):>11} "
            f"{_fmt(lex, 'explain'):>11} {_fmt(lex, 'total'):>11} {row['batch']['records_per_s']:>9} "
            f"{row['batch']['model_windows_per_s']:>9} {row['train']['samples_per_s']:>9} {rss:>11}")
        if "cuda_max_allocated_mb" in row:
            lines.append(f"{'':<{w}} CUDA max allocated {row['cuda_max_allocated_mb']} MB inference, "
                         f"{row['train']['cuda_max_allocated_mb']} MB training")
    if result.get("rates"):
        case = result["rates"]
        lines.append(f"preprocessing per rate ({case['record']}, {case['source_fs']:g} Hz, brought to each rate; "
                     "seconds, median of n: model_inputs / measure):")
        for row in case["rows"]:
            lines.append(f"  {row['fs']:>7g} Hz {row['seconds']:>5g} s  {row['preprocess_s']:>7.3f} "
                         f"{row['measure_s']:>7.3f}  (n={row['n']})")
    for note in result.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def run(args) -> int:
    notes: list[str] = []
    for flag, values in (("--rates", args.rates), ("--rate-seconds", args.rate_seconds)):
        if not all(v > 0 and v == v and v != float("inf") for v in values):
            raise UsageError(f"mirage bench: {flag} must be positive numbers (got {' '.join(map(str, values))})")
    for flag, value, least in (("--n", args.n, 1), ("--warmup", args.warmup, 0), ("--batch-size", args.batch_size, 1),
                               ("--batches", args.batches, 1), ("--train-steps", args.train_steps, 1)):
        if value < least:
            raise UsageError(f"mirage bench: {flag} must be at least {least} (got {value})")
    check_output_file(args.out, "--out")
    records = () if args.records is None else (args.records,)
    refuse_earlier_outputs("mirage bench", args.out, [args.out.expanduser()], True, records=records)  # an input
    foreign = not_bench_output(args.out.expanduser())
    if foreign:     # a CSV the user wrote, a record: --overwrite had replaced it with the results
        raise UsageError(f"error: mirage bench --out {args.out}: exists and is no output of mirage bench ({foreign}); "
                         "it is never replaced, --overwrite or not: give another --out")
    refuse_earlier_outputs("mirage bench", args.out, [args.out.expanduser()], args.overwrite, records=records)
    settings = BenchSettings(n=args.n, warmup=args.warmup, batch_size=args.batch_size, batches=args.batches,
                             train_steps=args.train_steps)
    try:
        device = str(resolve_device(args.device))
    except ValueError as err:
        raise UsageError(f"mirage bench: {err}")
    set_threads(args.threads)

    # records
    if args.records is not None:
        if not args.records.is_dir():
            raise UsageError(f"mirage bench: --records {args.records}: not a folder")
        paths = find_records(args.records)
        source = str(args.records)
        if not paths:
            raise UsageError(f"mirage bench: {args.records}: no records (.hea) found")
    else:
        paths = sample_records()
        source = "bundled samples"

    # models
    random_asked = args.model is not None and str(args.model).strip().lower() == "none"
    model_path = None if random_asked else args.model if args.model is not None else default_model_path()
    try:
        if model_path is None:
            loaded = benchmark.random_mirage(args.preset)
            predictor = Predictor.from_loaded(loaded, device=device, batch_size=args.batch_size)
            why = "--model none" if random_asked else "no --model and no shipped default model"
            notes.append(f"{why}: benchmarked a randomly initialised "
                         f"'{args.preset}' preset (speed only; its predictions mean nothing)")
            model_desc = f"random-init {args.preset} preset"
        else:
            predictor = Predictor(model_path, device=device, batch_size=args.batch_size)
            loaded = predictor.loaded
            model_desc = str(model_path)
    except (ModelNotFoundError, CheckpointError, ValueError) as err:   # ValueError: unknown --preset
        raise UsageError(f"mirage bench: {err}")

    records, sources = [], []
    for p in paths:
        try:
            records.append(load_record(p))
            sources.append(p)
        except RecordError as err:
            notes.append(f"skipped {err}")
    if not records:
        records = benchmark.synthetic_records()
        sources = records
        source = "synthetic 10 s records (no readable sample records)"
        notes.append("no readable records: used synthetic 10 s records (load stage not measured from disk)")

    result = {"machine": benchmark.machine_info(device), "model": model_desc, "records": {"source": source,
              "count": len(records)}, "n": args.n, "models": [], "notes": notes}
    # every model's inference first, then every model's training, so that no inference phase
    # runs in a heap that training has grown
    runs = [(loaded, predictor)]
    if not args.no_baseline:
        try:
            base = benchmark.baseline_of(loaded)
        except NotImplementedError:
            base = None
            unavailable = {"name": "resnet1d_wang", "model_type": "resnet1d_wang",
                           "unavailable": "models/baselines.py ResNet1dWang not implemented yet"}
        except (ValueError, TypeError) as err:
            base = None
            unavailable = {"name": "resnet1d_wang", "model_type": "resnet1d_wang",
                           "unavailable": f"could not build it: {err}"}
        if base is not None:
            runs.append((base, Predictor.from_loaded(base, device=device, batch_size=args.batch_size)))
    for lm, pred in runs:
        log.info("benchmarking inference of %s on %s", pred.name, device)
        result["models"].append(benchmark.bench_inference(lm, pred, sources, records, settings))
    for (lm, pred), row in zip(runs, result["models"]):
        log.info("benchmarking training of %s on %s", pred.name, device)
        row["train"] = benchmark.bench_training(lm, device, settings)
    if not args.no_baseline and len(runs) == 1:
        result["models"].append(unavailable)
    if any(r.get("peak_rss_scope") == "process so far" for r in result["models"]):
        result["notes"].append("peak RSS could not be reset per phase here: each figure is the process's "
                               "maximum so far")

    if not args.no_rates:
        rec = max(records, key=lambda r: float(r.fs))                   # the first of the highest rate
        log.info("benchmarking preprocessing of %s at %s Hz", rec.record_id, args.rates)
        result["rates"] = {"record": rec.record_id, "source_fs": float(rec.fs),
                           "rows": benchmark.bench_rates(rec, predictor.preprocess_cfg, args.rates,
                                                         args.rate_seconds, n=min(3, args.n))}
    table = format_table(result)
    print(table)
    atomic_write_json(args.out, result, indent=2)
    print(f"wrote {args.out}")
    return 0
