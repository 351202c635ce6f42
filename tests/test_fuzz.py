"""Fuzzing the record reader (issue 19): a seeded mutator over the shipped sample records.

Each case copies one bundled record (PTB-XL .hea/.dat, Challenge .hea/.mat, LUDB) into a
temporary folder and applies one to three random mutations: truncation of either file, header
field replaced by a hostile value (huge, negative, NaN, inf, unicode digits, ``1_000``, long
digit runs, other formats), huge declared lengths over sparse files, NaN/inf/complex MATLAB
files, byte flips, garbage signal files and regex-hostile comments. ``load_record`` must then
return a valid ``EcgRecord`` or raise ``RecordError`` -- nothing else -- within a time bound per
case and a memory bound for the whole run.

The default suite runs ``MIRAGE_FUZZ_CASES`` cases (300 unless set) from seed
``MIRAGE_FUZZ_SEED`` (19); set the count to 10000 for a long run. A failing case prints its seed and mutations,
so it can be replayed alone.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.records import EcgRecord, RecordError, load_record

N_CASES = int(os.environ.get("MIRAGE_FUZZ_CASES", "300"))
SEED = int(os.environ.get("MIRAGE_FUZZ_SEED", "19"))
CASE_SECONDS = 2.0            # CPU seconds per case (a 10 s record loads in milliseconds)
RUN_MEMORY_MB = 500           # growth of the peak RSS over the whole run

HOSTILE_NUMBERS = [
    "0", "-1", "-0", "1", "1e10", "10000000000", "1e308", "1e-308", "1e400", "-1e308", "nan", "NaN",
    "inf", "-inf", "0.12", "1e-9", "1e9", "99999999999999999999999", "١٢٠٠", "1_000", "1000\u00b2",
    "", "x", "0x10", "1" * 400, "-" * 50, "16x999999", "212", "311", "310", "508", "8", "24", "32",
    "80", "160", "61", "999", "1e-300(0)/mV", "1e300(0)/mV", "NaN(0)/mV", "1000(99999999999)/uV",
    "1000(0)/furlong", "+24", "+99999999999", "16+-5", "16:99999", "43200000", "8640000",
]
COMMENTS = [
    lambda n: "#a" + " " * n + "b",
    lambda n: "#" + " " * n + ":",
    lambda n: "#<" + "a " * (n // 2) + ">",
    lambda n: "#Age" + " " * n + ": 54",
    lambda n: "#" + "(" * n,
    lambda n: "#Dx: " + ",".join(["1"] * (n // 2)),
    lambda n: "#" + "a:" * (n // 2),
    lambda n: "#Age: over" + " " * n + "x",
    lambda n: "#Sex:" + " " * n + "F",
]


def _samples() -> list[Path]:
    found = mm.sample_records()
    if not found:
        pytest.skip("bundled sample records not present")
    return found


def _copy(hea: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in hea.parent.glob(hea.stem + ".*"):
        shutil.copy(f, folder / f.name)
    return folder / hea.name


def _signal_file(hea: Path) -> Path:
    for suffix in (".dat", ".mat"):
        if hea.with_suffix(suffix).exists():
            return hea.with_suffix(suffix)
    return hea.with_suffix(".dat")


def _mutate(rng: random.Random, hea: Path) -> str:
    """Apply one random mutation to the record at ``hea``; returns its description."""
    sig = _signal_file(hea)
    small = sig.exists() and sig.stat().st_size < (16 << 20)   # not a sparse giant from a mutation
    lines = hea.read_text(encoding="latin-1").splitlines()
    kind = rng.choice(["truncate_signal", "truncate_header", "field", "field", "field", "length",
                       "sparse", "comment", "flip_header", "flip_signal", "garbage_signal",
                       "mat_float", "nsig", "drop_line", "binary_header"])
    if kind == "truncate_signal" and small:
        data = sig.read_bytes()
        sig.write_bytes(data[: rng.randrange(len(data) + 1)])
    elif kind == "truncate_header":
        text = hea.read_bytes()
        hea.write_bytes(text[: rng.randrange(len(text) + 1)])
    elif kind == "field":
        i = rng.randrange(min(len(lines), 13))
        parts = lines[i].split()
        if parts:
            j = rng.randrange(len(parts))
            parts[j] = rng.choice(HOSTILE_NUMBERS)
            lines[i] = " ".join(parts)
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"field line {i} token {j if parts else '-'}: {parts[j] if parts else ''!r}"
    elif kind in ("length", "sparse"):
        parts = lines[0].split()
        length = rng.choice([10**10, 43_200_000, 360_000, 2**31, 2**40, 9_000_001])
        while len(parts) < 4:
            parts.append("500")
        parts[3] = str(length)
        lines[0] = " ".join(parts)
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if kind == "sparse" and sig.exists():
            with open(sig, "r+b") as fh:
                fh.truncate(min(length * 24, 1 << 42))
        return f"{kind} {length}"
    elif kind == "comment":
        n = rng.choice([1000, 4000, 20000])
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(COMMENTS)(n))
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"comment {n}"
    elif kind == "flip_header":
        data = bytearray(hea.read_bytes())
        for _ in range(rng.randint(1, 8)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        hea.write_bytes(bytes(data))
    elif kind == "flip_signal" and small:
        data = bytearray(sig.read_bytes())
        for _ in range(rng.randint(1, 64)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        sig.write_bytes(bytes(data))
    elif kind == "garbage_signal":
        sig.write_bytes(rng.randbytes(rng.choice([0, 1, 7, 24, 1000, 24000, 120000])))
    elif kind == "mat_float":
        import scipy.io

        mat = hea.with_suffix(".mat")
        if not mat.exists():
            return "mat_float (not a .mat record)"
        val = np.asarray(np.random.default_rng(rng.randrange(2**32)).normal(0, 100, (12, 5000)))
        poison = rng.choice(["nan", "inf", "complex", "fraction", "int", "huge", "shape", "bool"])
        if poison == "nan":
            val[rng.randrange(12), rng.randrange(5000)] = np.nan
        elif poison == "inf":
            val[rng.randrange(12)] = -np.inf
        elif poison == "complex":
            val = val + 1j * val
        elif poison == "int":
            val = np.round(val).astype(np.int16)
        elif poison == "huge":
            val[0, 0] = 1e300
        elif poison == "shape":
            val = val[: rng.randint(1, 11)]
        elif poison == "bool":
            val = val > 0
        scipy.io.savemat(str(mat), {"val": val}, format="5")
        return f"mat_float {poison}"
    elif kind == "nsig":
        parts = lines[0].split()
        if len(parts) > 1:
            parts[1] = str(rng.choice([0, 1, 11, 13, 255, 256, 257, 10**6, 10**12]))
            lines[0] = " ".join(parts)
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "drop_line":
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        hea.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "binary_header":
        hea.write_bytes(rng.randbytes(rng.randint(1, 4000)))
    return kind


def _check_record(rec: EcgRecord) -> None:
    assert isinstance(rec, EcgRecord)
    assert rec.signal.dtype == np.float32 and rec.signal.ndim == 2 and rec.signal.shape[0] == 12
    assert np.isfinite(rec.fs) and rec.fs > 0
    for flag in ("flat", "saturated", "missing", "derived"):
        assert rec.quality[flag].shape == (12,)
    # NaN only where the missing flag says so (the EcgRecord contract)
    for k in np.flatnonzero(~rec.quality["missing"]):
        assert not np.isnan(rec.signal[k]).any()


def run_cases(tmp: Path, n_cases: int, seed: int = 19) -> dict:
    """Run ``n_cases`` fuzz cases under ``tmp``; returns counts and the slowest case."""
    samples = _samples()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = {"record": 0, "error": 0, "slowest_s": 0.0, "slowest": "", "wall_max_s": 0.0}
    import scipy.io  # noqa: F401  (imported once here: a first import is not the reader's cost)
    import wfdb.io._signal  # noqa: F401
    for case in range(n_cases):
        rng = random.Random(seed * 1_000_003 + case)
        folder = tmp / f"c{case}"
        hea = _copy(rng.choice(samples), folder)
        done = [_mutate(rng, hea) for _ in range(rng.choice([1, 1, 2, 3]))]
        what = f"case {case} (seed {seed}): {hea.name}: {done}"
        t0, cpu0 = time.perf_counter(), time.process_time()
        rec = None
        try:
            rec = load_record(hea)
        except RecordError as err:
            assert str(err).startswith(str(err.path)), what
            stats["error"] += 1
        except BaseException as err:   # noqa: BLE001 -- anything else is the failure we look for
            raise AssertionError(f"{what}: {type(err).__name__}: {err}") from err
        else:
            _check_record(rec)
            stats["record"] += 1
        # CPU time, not wall time: on a shared machine another program's load must not fail the test
        seconds = time.process_time() - cpu0
        stats["wall_max_s"] = max(stats["wall_max_s"], time.perf_counter() - t0)
        if seconds > stats["slowest_s"]:
            stats["slowest_s"], stats["slowest"] = seconds, what
        # an error must come fast; a record that loads may be long (a mutated length of up to
        # 1 h): allow it time in proportion to its samples
        allowed = CASE_SECONDS + (10.0 * rec.signal.size / 12e6 if rec is not None else 0.0)
        assert seconds < allowed, f"{what}: took {seconds:.1f} s"
        shutil.rmtree(folder, ignore_errors=True)
    stats["rss_growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    return stats


def test_fuzz_record_reader(tmp_path):
    stats = run_cases(tmp_path, N_CASES, SEED)
    print(f"fuzz: {N_CASES} cases, {stats}")
    assert stats["rss_growth_mb"] < RUN_MEMORY_MB, stats
    assert stats["record"] > 0 and stats["error"] > 0    # the mutator reaches both outcomes
