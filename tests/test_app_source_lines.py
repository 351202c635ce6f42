"""The app's source keeps to the project's 120-character lines (STYLE: "Lines at most 120 characters"),
counted in characters as an editor shows them (not bytes: a line with "≤" or "…" is not longer)."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def test_no_line_of_the_app_is_over_120_characters():
    long = [f"{p.relative_to(APP.parent)}:{i} ({len(line)})"
            for p in sorted(APP.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if len(line) > 120]
    assert not long, long
