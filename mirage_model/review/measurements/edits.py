"""The reviewer's corrections of the measurement table: the range each must fall in, checked (``check_edit``,
``clean_edits``); and ``_measure``, the measure package the table's keys and formulas come from."""

from __future__ import annotations

import importlib
import math
from typing import Mapping


def _measure():
    """``mirage_model.measure``, the owner of the measurement keys (``SCALAR_FIELDS``: key, label,
    unit; ``QTC_KEYS``) and the QTc formulas. Imported on first use: it imports scipy.signal, and
    the app draws a record (and builds its session) before paying for that import.

    ``import_module``, not ``from mirage_model import measure``: that attribute of the package
    is the ``measure()`` function once ``mirage_model.measure`` has been read as a public name.
    """
    return importlib.import_module("mirage_model.measure")


# the range a reviewer's correction must fall in (physiologically possible, generously)
EDIT_LIMITS: dict[str, tuple[float, float]] = {
    "heart_rate_bpm": (10, 400), "rr_ms": (150, 6000), "pr_ms": (40, 600), "qrs_ms": (20, 400),
    "qt_ms": (100, 900), "qtc_bazett_ms": (100, 1000), "qtc_fridericia_ms": (100, 1000),
    "qtc_framingham_ms": (100, 1000), "p_axis_deg": (-180, 180), "qrs_axis_deg": (-180, 180), "t_axis_deg": (-180, 180),
    "sokolow_lyon_mv": (0, 20), "cornell_mv": (0, 20), "qrs_limb_mv": (0, 20), "qrs_precordial_mv": (0, 20)}


def check_edit(key: str, value: float) -> float:
    """A reviewer's correction, checked against ``EDIT_LIMITS``.

    Raises:
        ValueError: unknown key, not a number, or outside the possible range (names the range).
    """
    v = clean_edits({key: value})[key]
    lo, hi = EDIT_LIMITS[key]
    if not lo <= v <= hi:
        label = next(f.label for f in _measure().SCALAR_FIELDS if f.key == key)
        raise ValueError(f"{label} must be between {lo} and {hi}")
    return v


def clean_edits(edits: Mapping[str, object] | None) -> dict[str, float]:
    """Validated edits: key -> finite float.

    Raises:
        ValueError: an edit names no measurement, or its value is not a finite number.
    """
    clean: dict[str, float] = {}
    keys = _measure().SCALAR_KEYS if edits else ()   # no edits: no need to import measure
    for key, value in (edits or {}).items():
        if key not in keys:
            raise ValueError(f"measurement edit {key!r} names no measurement (known: {', '.join(keys)})")
        try:
            v = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"measurement edit {key}: {value!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"measurement edit {key}: {value!r} is not a finite number")
        clean[key] = v
    return clean
