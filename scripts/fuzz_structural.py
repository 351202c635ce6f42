"""Hostile input, fourth round: structural mutants of every reader's samples, of kinds earlier rounds did not make.

Earlier harnesses (``fuzz_mutations.py``, ``fuzz_variants.py``, tests/test_fuzz.py) cut files at random offsets,
flipped random bytes and set single header fields to 0, NaN or huge values. This one damages the structure:

- every format: cut at its structural boundaries (each XML tag's end, each DICOM item and element, each SCP-ECG
  section, each EDF header block and data record, each WFDB header line and signal frame), gzip-compressed under
  the same name, 0 bytes, a folder, a named pipe or a link to /dev/zero in the file's place, a sparse file over
  ``limits.MAX_WAVEFORM_FILE_BYTES`` with the real head, a UTF-8 byte-order mark before a binary file, the
  file twice over;
- XML (``fuzz_structural_xml.py``): elements duplicated, dropped, moved to the end of their parent or their
  siblings reversed; attributes duplicated, dropped or given "Infinity", "1e-400", "5,0", "0x1F4"; numbers
  written as "-inf", "+5", "1e-400", "5,0"; UTF-16 BE with its mark, UTF-32, a UTF-8 mark before a UTF-16
  declaration, undeclared latin-1; entity expansion (billion laughs), external and parameter entities, 100,000
  nested elements, the waveform in CDATA;
- binary formats (``fuzz_structural_bin.py``): DICOM with the waveform sequence doubled, emptied or tripled, wrong
  VRs, odd element lengths, bits allocated 8/32/64, sample interpretations UB/MB/AB/FL, odd or empty waveform
  data, channel definitions fewer or more than the channels; SCP-ECG with bad section CRCs, overlapping or
  duplicated section pointers, odd or tiny section lengths, section ids that disagree; EDF with a wrong header
  byte count, -1 records over a cut data record, a signal listed twice, EDF+D, 0 or negative samples a record;
  WFDB format 212 with odd sample counts and odd signal counts, format 16 with byte offsets, skews and samples per
  frame that are odd, zero or negative, signals listed twice, a master header naming itself, signal files that
  climb out of the folder or are the header itself, CRLF and tabs, a UTF-16 header.

Each mutant is opened in a child process as ``fuzz_mutations.judge`` opens it (``records.load_record``; with
``--session`` also ``review.opening.session_from_file``: prepared, quality-assessed, measured, interpreted) and
classed opens / refused / BAD (traceback, hang, crash, silent NaN, a message without the file or the problem).
With ``--session`` a measurement that is not finite and not withheld is BAD too.

    python scripts/fuzz_structural.py OUT [--seed 54] [--only REGEX] [--session] [--opened RESULTS] [--timeout 30]

writes the mutants under OUT/<source>/<mutation>/, prints the BAD ones, a table per format and OUT/results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_mutations as fm  # noqa: E402  (the sources, the child process and the verdict of the last round)
import fuzz_structural_bin as fb  # noqa: E402
import fuzz_structural_xml as fx  # noqa: E402
from fuzz_judging import judge_all, parse_run, print_counts  # noqa: E402
from fuzz_mutators import _is_xml  # noqa: E402

# markers for mutants that are not bytes: made in place by ``write_mutants``
DIRECTORY, FIFO, DEV_ZERO, SPARSE = (b"\0<directory>", b"\0<fifo>", b"\0<dev-zero>", b"\0<sparse>")


def generic(name: str, data: bytes) -> dict[str, dict[str, bytes]]:
    """The mutants every file gets, whatever its format."""
    out = {"gzip-renamed": {name: gzip.compress(data, mtime=0)},
           "empty": {name: b""},
           "directory": {name: DIRECTORY},
           "fifo": {name: FIFO},
           "link-dev-zero": {name: DEV_ZERO},
           "sparse-over-limit": {name: SPARSE + data[:65536]},
           "twice-over": {name: data + data},
           "trailing-garbage": {name: data + bytes(range(256)) * 64}}
    if not _is_xml(data):
        out["utf8-bom-first"] = {name: b"\xef\xbb\xbf" + data}
    return out


def mutants(name: str, path: Path, rng: random.Random) -> tuple[str, dict[str, dict[str, bytes]]]:
    """(the name of the file that is opened, {mutation: {file name: bytes}}) for one source."""
    if path.suffix.lower() == ".hea":
        return path.name, fb.wfdb(path, rng)
    data = path.read_bytes()
    out = generic(path.name, data)
    if _is_xml(data):
        out.update(fx.xml(path.name, data, rng))
    elif data[:8] == b"0       " or data[:8] == b"\xffBIOSEMI":
        out.update(fb.edf(path.name, data))
    elif data[128:132] == b"DICM":
        out.update(fb.dicom(path, data))
    elif data[:8] == b"ISHNE1.0":
        out.update(fb.ishne(path.name, data))
    elif path.suffix.lower() == ".scp":
        out.update(fb.scp(path.name, data))
    elif path.suffix.lower() == ".mwf":
        out.update(fb.mfer(path.name, data))
    return path.name, out


def _place(target: Path, data: bytes) -> None:
    """``data`` written at ``target`` (in place of a companion copied there), or the thing its marker names."""
    if target.exists() or target.is_symlink():
        target.unlink()
    if data == DIRECTORY:
        target.mkdir()
    elif data == FIFO:
        os.mkfifo(target)
    elif data == DEV_ZERO:
        target.symlink_to("/dev/zero")
    elif data.startswith(SPARSE):
        from mirage_model.limits import MAX_WAVEFORM_FILE_BYTES

        with open(target, "wb") as f:
            f.write(data[len(SPARSE):])
            f.truncate(MAX_WAVEFORM_FILE_BYTES + 1)
    else:
        target.write_bytes(data)


def write_mutants(out: Path, srcs: dict[str, Path], seed: int, only: str | None) -> list[dict]:
    """Every mutant in its own folder (the source's other files beside it): [{"source", "mutation", "path"}]."""
    return fm.write_variants(out, srcs, seed, only, mutate=mutants, place=_place, unsafe=r"[^\w.=@+-]")


def judge(path: str, session: bool = False) -> dict:
    """``fuzz_mutations.judge`` of the file alone; with ``session``, a record that opens is made a review session
    (``review.opening.session_from_file``: prepared, assessed, measured, interpreted) and is BAD when a step failed
    with an exception that is no input error or a measurement it shows is not a finite number."""
    import dataclasses
    import math

    verdict = fm.judge(path, False)
    if not session or verdict["status"] != "opens":
        return verdict
    from mirage_model.review.opening import session_from_file

    try:
        s = session_from_file(path)
    except BaseException as err:  # noqa: BLE001 - what the harness is looking for
        return {"status": "BAD", "detail": f"session: {type(err).__name__}: {str(err)[:200]}"}
    faults = {part: why for part, why in s.errors.items() if re.search(r"\b[A-Z]\w*(?:Error|Exception):", why)}
    m = s.measurements
    shown = {f.name: getattr(m, f.name) for f in dataclasses.fields(m)} if dataclasses.is_dataclass(m) else {}
    odd = [f"{k}={v}" for k, v in shown.items() if isinstance(v, float) and not math.isfinite(v)]
    if faults or odd:
        return {"status": "BAD", "detail": f"session: {faults} {odd}"}
    return verdict


def _worker(session: bool) -> None:
    import logging
    import resource
    import warnings

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    if session:
        import importlib

        for module in ("mirage_model.inference", "mirage_model.measure", "mirage_model.review.opening"):
            importlib.import_module(module)
    for line in sys.stdin:
        t0 = time.perf_counter()
        verdict = judge(line.rstrip("\n"), session)
        verdict["seconds"] = round(time.perf_counter() - t0, 3)
        print(json.dumps(verdict), flush=True)


class Child(fm.Child):
    """``fuzz_mutations.Child`` running this script's judge."""

    def _start(self) -> None:
        import subprocess

        env = dict(os.environ, PYTHONPATH=str(fm.ROOT))
        cmd = [sys.executable, __file__, "--worker"] + ["--session"] * self.session
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, bufsize=0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--seed", type=int, default=54)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds a mutant may take (a hang past it is BAD)")
    ap.add_argument("--only", help="mutants whose 'source/mutation' this regular expression finds")
    ap.add_argument("--session", action="store_true", help="also assess, measure and interpret what opens")
    ap.add_argument("--opened", type=Path, help="an earlier run's results.json: judge only the mutants it opened")
    args = parse_run(ap, argv, _worker)
    if args is None:        # the child process judging the copies: done
        return 0
    srcs = fm.sources(args.out / "_sources", None, None, random.Random(args.seed))
    srcs["wfdb212.hea"] = fb.write_212(args.out / "_sources")
    fmt = {name: fm._format_of(p) for name, p in srcs.items()}
    made = write_mutants(args.out, srcs, args.seed, args.only)
    if args.opened:
        keep = {(v["source"], v["mutation"]) for v in json.loads(args.opened.read_text()) if v["status"] == "opens"}
        made = [v for v in made if (v["source"], v["mutation"]) in keep]
    print(f"{len(made)} mutants of {len(srcs)} sources", flush=True)
    counts = judge_all(made, Child(args.timeout, args.session), fmt, every=250)
    (args.out / "results.json").write_text(json.dumps(made, indent=1))
    slow = sorted((v for v in made if v.get("seconds", 0) > 5), key=lambda v: -v["seconds"])[:10]
    for v in slow:
        print(f"slow {v['seconds']:.1f} s {v['source']}/{v['mutation']}: {v['status']}")
    print_counts(counts, "mutants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
