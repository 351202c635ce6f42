"""Lists the heavy tests (``tests/heavy_tests.txt``) from a run's timings, so that the README's test command stays
a few minutes long and ``.ci/run`` still runs every test (it runs the heavy ones after it).

    python -m pytest -m "not slow" -q -p no:cacheprovider --durations=0 -vv > durations.txt
    python scripts/heavy_tests.py durations.txt --write

A test function is heavy when its setup, call and teardown, summed over all its parametrised cases, take
``--min-seconds`` or more (a module-scoped fixture's setup counts to the test that first asks for it). ``-vv`` makes
pytest print every duration, the short ones too. Without ``--write`` it prints what it would list.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

LIST = Path(__file__).resolve().parent.parent / "tests" / "heavy_tests.txt"
# pytest's --durations lines: "12.34s call     tests/test_x.py::test_y[case]"
_LINE = re.compile(r"^\s*([0-9.]+)s\s+(setup|call|teardown)\s+(\S+::\S+)\s*$")


def function_seconds(lines) -> dict[str, float]:
    """{test function's node id (its parametrisation cut off): seconds, summed over its phases and cases}."""
    total: dict[str, float] = defaultdict(float)
    for line in lines:
        m = _LINE.match(line)
        if m:
            total[m[3].split("[", 1)[0]] += float(m[1])
    return dict(total)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("durations", type=Path, help="a pytest run's output with --durations=0 -vv")
    p.add_argument("--min-seconds", type=float, default=0.5, help="a function this long or longer is heavy")
    p.add_argument("--write", action="store_true", help=f"write the list to {LIST.name}")
    args = p.parse_args(argv)
    seconds = function_seconds(args.durations.read_text(encoding="utf-8", errors="replace").splitlines())
    if not seconds:
        print(f"{args.durations}: no --durations lines found (run pytest with --durations=0 -vv)", file=sys.stderr)
        return 2
    heavy = sorted(k for k, s in seconds.items() if s >= args.min_seconds)
    kept = sum(s for k, s in seconds.items() if s < args.min_seconds)
    print(f"{len(heavy)} of {len(seconds)} test functions take {args.min_seconds:g} s or more: "
          f"{sum(seconds.values()) - kept:.0f} s of {sum(seconds.values()):.0f} s; the rest {kept:.0f} s")
    if args.write:
        LIST.write_text(f"# Heavy tests: {args.min_seconds:g} s or more each, measured from {args.durations.name} "
                        "(scripts/heavy_tests.py).\n# tests/conftest.py marks them 'heavy'; .ci/run runs them after "
                        "the README's test command.\n" + "".join(f"{k}\n" for k in heavy), encoding="utf-8")
        print(f"written: {LIST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
