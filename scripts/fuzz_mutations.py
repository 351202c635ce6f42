"""A seeded mutation harness for every record reader: damaged copies of real files opened as the app opens them.

Sources: every sample in tests/data/formats (GE MUSE, Philips, HL7 aECG, CardioSoft XML, DICOM, SCP-ECG,
ISHNE, a WFDB pair), an EDF+ and an MFER file written here from LUDB record 1, the PhysioNet Challenge
sample, two LUDB records and three PTB-XL records of folds 1-8 (when their folders are given). Each
source gets, from its own seeded random generator:

- truncated at 10 random offsets, 20 single random byte flips, 5 copies with 20 bytes flipped at once, 10
  single flips in a binary file's first 2 KB, a zeroed block of 512 bytes (at two places);
- its header fields altered where the format has fields to alter (WFDB .hea, EDF, DICOM, ISHNE, MFER, SCP-ECG):
  sampling rate 0 / negative / huge, lead count 0 / 255, gain 0, a sample count larger than the file;
- XML: a leaf element removed or duplicated, a number replaced by "NaN", "1e308" or "", the file in
  another encoding than it declares

(``fuzz_mutators.py`` makes them).

Each copy is opened by ``records.load_record`` (what ``review.opening.session_from_file``, the app's
record-load job and ``mirage score`` call) in a child process with a time limit and 3 GB of memory, and
classified:

- ``opens``: the record is (12, T) float with T > 0, a finite rate > 0, no infinity, and NaN only in
  leads its ``quality["missing"]`` flags;
- ``refused``: a ``RecordError`` whose message names the file and says the problem in three words or more;
- ``BAD``: any other exception, a ``ReaderFaultError`` (a fault of MIRAGE's reader), a hang, a crash,
  a silent NaN or infinity, an insane shape or rate, or a message without the file's name or without
  the problem (a field's name alone).

    python scripts/fuzz_mutations.py OUT [--ptbxl DIR] [--ludb DIR] [--seed 45] [--only REGEX] [--session]

writes the copies under OUT/<source>/<mutation>/, prints the BAD ones and a table of counts per format,
and keeps every outcome in OUT/results.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_judging import judge_all, parse_run, print_counts  # noqa: E402
from fuzz_mutators import _companions, mutations  # noqa: E402
FORMATS_DATA = ROOT / "tests" / "data" / "formats"
SAMPLES = ROOT / "resources" / "samples"
LUDB1 = SAMPLES / "ludb" / "1"


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

def _ludb1():
    import numpy as np
    import wfdb

    ref = wfdb.rdrecord(str(LUDB1), physical=True)
    return np.asarray(ref.p_signal.T), float(ref.fs), list(ref.sig_name)


def _write_edf(folder: Path) -> Path:
    from edfio import Edf, EdfSignal

    sig, fs, names = _ludb1()
    signals = [EdfSignal(row, fs, label=name.upper(), physical_dimension="mV",
                         physical_range=(float(row.min()) - 0.1, float(row.max()) + 0.1))
               for row, name in zip(sig, names)]
    path = folder / "ludb1.edf"
    Edf(signals, data_record_duration=1.0).write(path)
    return path


def _write_mfer(folder: Path) -> Path:
    import numpy as np

    from tests.test_formats_holter_mfer import MFER_CODES, write_mfer

    sig, fs, names = _ludb1()
    counts = np.round(sig * 1000).astype(np.int16)
    lower = [n.lower() for n in names]
    path = folder / "ludb1.mwf"
    write_mfer(path, [(code, fs, counts[lower.index(lead.lower())]) for lead, code in MFER_CODES.items()])
    return path


def _ptbxl_records(root: Path, n: int, rng: random.Random) -> list[Path]:
    """``n`` PTB-XL 100 Hz headers of folds 1-8 (never 9's or 10's), chosen by ``rng``."""
    with open(root / "ptbxl_database.csv", newline="", encoding="utf-8") as f:
        rows = [r["filename_lr"] for r in csv.DictReader(f) if 1 <= int(r["strat_fold"]) <= 8]
    return [root / (name + ".hea") for name in rng.sample(rows, n)]


def sources(work: Path, ptbxl: Path | None, ludb: Path | None, rng: random.Random) -> dict[str, Path]:
    """name -> the file that is opened (a WFDB record by its .hea), copied or written under ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    out = {}
    for p in sorted(FORMATS_DATA.iterdir()):
        if p.suffix.lower() in (".md", ".dat"):
            continue
        out[p.name] = p
    out["ludb1.edf"] = _write_edf(work)
    out["ludb1.mwf"] = _write_mfer(work)
    out["A0003.hea"] = SAMPLES / "cinc2021" / "A0003.hea"
    if ludb is not None:
        out.update({f"ludb-{p.stem}.hea": p for p in sorted(ludb.rglob("*.hea"))[:200:100]})
    if ptbxl is not None:
        out.update({f"ptbxl-{p.stem}.hea": p for p in _ptbxl_records(ptbxl, 3, rng)})
    return out




def write_variants(out: Path, srcs: dict[str, Path], seed: int, only: str | None, mutate=None, place=None,
                   unsafe: str = r"[^\w.=@-]") -> list[dict]:
    """Every variant written in its own folder (the source's other files beside it); a list of
    {"source", "mutation", "path"}. ``mutate`` (name, path, rng) -> (file opened, {mutation: {file: bytes}})
    makes them (``mutations``; ``fuzz_structural.mutants``), ``place`` (target, data) writes one file
    (``Path.write_bytes``), ``unsafe`` the characters of a name replaced by "_" in its folder's."""
    mutate, place = mutate or mutations, place or Path.write_bytes
    made = []
    for name, path in srcs.items():
        opened, muts = mutate(name, path, random.Random(f"{seed}-{name}"))
        for mut, files in muts.items():
            if only and not re.search(only, f"{name}/{mut}"):
                continue
            folder = out / re.sub(unsafe, "_", name) / re.sub(unsafe, "_", mut)
            folder.mkdir(parents=True, exist_ok=True)
            if path.suffix.lower() == ".hea":
                for p in [path] + _companions(path):
                    shutil.copyfile(p, folder / p.name)
            for fname, data in files.items():
                place(folder / fname, data)
            made.append({"source": name, "mutation": mut, "path": str(folder / opened)})
    return made


# --------------------------------------------------------------------------------------------
# Opening, in a child process
# --------------------------------------------------------------------------------------------

def judge(path: str, session: bool = False) -> dict:
    """``load_record(path)`` here: {"status": opens/refused/BAD, "detail": ...}. ``session``: a record that
    opens is also made a review session (``review.opening.session_from_file``, no model: prepared, assessed
    and measured), and a step that failed with an exception that is not an input error is BAD."""
    import numpy as np

    from mirage_model.records import RecordError, load_record
    from mirage_model.records.record import ReaderFaultError

    name = Path(path).name
    try:
        rec = load_record(path)
    except ReaderFaultError as err:
        return {"status": "BAD", "detail": f"reader fault: {err}"}
    except RecordError as err:
        msg = str(err)
        if name not in msg or not err.reason.strip():
            return {"status": "BAD", "detail": f"message without the file or the problem: {msg}"}
        problem = re.sub(r"^read as [^:]*:\s*", "", err.reason)
        if len(problem.split()) < 3:     # "numberchannelsallocated": a field's name alone says no problem
            return {"status": "BAD", "detail": f"message without the problem: {msg}"}
        return {"status": "refused", "detail": msg.split(name, 1)[-1].lstrip(": ")}
    except BaseException as err:  # noqa: BLE001 - what the harness is looking for
        import traceback
        where = traceback.extract_tb(err.__traceback__)[-1]
        return {"status": "BAD", "detail": f"{type(err).__name__}: {str(err)[:200]} "
                                           f"({Path(where.filename).name}:{where.lineno})"}
    sig = np.asarray(rec.signal)
    problems = []
    if sig.ndim != 2 or sig.shape[0] != 12 or sig.shape[1] < 1 or sig.dtype.kind != "f":
        problems.append(f"signal {sig.shape} {sig.dtype}")
    if not (isinstance(rec.fs, (int, float, np.number)) and np.isfinite(rec.fs) and rec.fs > 0):
        problems.append(f"fs {rec.fs!r}")
    if sig.ndim == 2 and sig.shape[0] == 12:
        if np.isinf(sig).any():
            problems.append("infinity in the signal")
        flagged = np.asarray(rec.quality.get("missing", np.zeros(12, bool)), bool)
        silent = [rec.sig_name[k] for k in range(12) if np.isnan(sig[k]).any() and not flagged[k]]
        if silent:
            problems.append(f"NaN in unflagged leads {silent}")
    if problems:
        return {"status": "BAD", "detail": "; ".join(problems)}
    if session:
        from mirage_model.review.opening import session_from_file

        try:
            errors = session_from_file(path).errors
        except BaseException as err:  # noqa: BLE001
            return {"status": "BAD", "detail": f"session: {type(err).__name__}: {str(err)[:200]}"}
        faults = {part: why for part, why in errors.items() if re.search(r"\b[A-Z]\w*(?:Error|Exception):", why)}
        if faults:
            return {"status": "BAD", "detail": f"session: {faults}"}
    note = rec.meta.get("unscorable") or ""
    return {"status": "opens",
            "detail": f"{sig.shape[1]} samples at {rec.fs:g} Hz" + (f", unscorable: {note}" if note else "")}


def _worker(session: bool) -> None:
    import logging
    import resource
    import warnings

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if session:       # before the clock: torch, scipy and the measurements load on first use
        import importlib

        for module in ("mirage_model.inference", "mirage_model.measure", "mirage_model.review.opening"):
            importlib.import_module(module)
    for line in sys.stdin:
        print(json.dumps(judge(line.rstrip("\n"), session)), flush=True)


class Child:
    """One worker process judging paths in turn; killed and started again after a hang or a crash."""

    def __init__(self, timeout: float, session: bool = False):
        self.timeout = timeout
        self.session = session
        self.proc = None

    def _start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cmd = [sys.executable, __file__, "--worker"] + ["--session"] * self.session
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, bufsize=0)

    def judge(self, path: str) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
            self.proc.stdin.write(b"/dev/null-warmup\n")     # the imports before the clock starts
            self.proc.stdout.readline()
        self.proc.stdin.write(path.encode() + b"\n")
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            return {"status": "BAD", "detail": f"hang (no answer in {self.timeout:g} s)"}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            self.proc = None
            return {"status": "BAD", "detail": f"crash (exit {code})"}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()


def _format_of(path: Path) -> str:
    from mirage_model import formats

    try:
        return formats.detect(path) or "wfdb"
    except Exception:  # noqa: BLE001
        return "?"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--ptbxl", type=Path, help="PTB-XL's folder (ptbxl_database.csv); three records of folds 1-8")
    ap.add_argument("--ludb", type=Path, help="LUDB's folder; two of its records")
    ap.add_argument("--seed", type=int, default=45)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--only", help="variants whose 'source/mutation' this regular expression finds")
    ap.add_argument("--session", action="store_true",
                    help="make each record that opens a review session too (slow: prepared, assessed, measured)")
    args = parse_run(ap, argv, _worker)
    if args is None:        # the child process judging the copies: done
        return 0
    srcs = sources(args.out / "_sources", args.ptbxl, args.ludb, random.Random(args.seed))
    fmt = {name: _format_of(p) for name, p in srcs.items()}
    made = write_variants(args.out, srcs, args.seed, args.only)
    print(f"{len(made)} variants of {len(srcs)} sources", flush=True)
    counts = judge_all(made, Child(args.timeout, args.session), fmt)
    (args.out / "results.json").write_text(json.dumps(made, indent=1))
    print_counts(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
