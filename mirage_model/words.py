"""Numbers in the words of messages: counts ("1 sample", "2 samples"), signed changes ("+0.012"), a value
beside the limit it passed ("0.152 > 0.15"), a number to a few significant digits ("69.85")."""

from __future__ import annotations

import math


def counted(n, noun: str, fmt: str = "", plural: str | None = None) -> str:
    """``n`` and ``noun``, singular when ``n`` is 1 ("1 lead", "12 leads", "0 signals").

    Args:
        n: the count (an int, or a numpy integer).
        noun: the singular noun.
        fmt: the format spec of the number ("," for "1,000").
        plural: the plural when it is not ``noun + "s"``.
    """
    return f"{n:{fmt}} " + (noun if n == 1 else plural or noun + "s")


def first_few(items, n: int = 5, fmt=str, more: str = ", ...") -> str:
    """The first ``n`` of ``items`` in a message, each as ``fmt`` gives it, joined by ", ", with ``more``
    after them when there are more ("a, b, c, d, e, ..."; ``more=" ..."``: "'a', 'b' ...")."""
    items = list(items)
    return ", ".join(fmt(x) for x in items[:n]) + (more if len(items) > n else "")


def signed(x: float, digits: int = 3) -> str:
    """A change with its sign, "+0.012" or "-0.210"; one that rounds to nothing is "0.000", not "-0.000"."""
    text = f"{float(x):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def shown(value: float, *limits: float, decimals: int = 0, judge=None) -> str:
    """``value`` as text with the fewest decimals (from ``decimals``, at most 6) at which it stands on
    the same side of each limit as the value itself and, with ``judge`` (a range's ``flag``), is judged
    as the value is, so that a cited comparison reads true: a rate of 49.8 bpm against 50 reads "49.8"
    ("50 < 50" would not), a QTc of 460.3 ms against ">= 460" reads "460"."""
    for d in range(decimals, 7):    # an RR variation of 0.1503 past 0.15 needs 4
        r = float(f"{value:.{d}f}")
        if all((r > lim) == (value > lim) and (r < lim) == (value < lim) for lim in limits) \
                and (judge is None or judge(r) == judge(value)):
            return f"{value:.{d}f}"
    return f"{value:.6f}"


def fmt_num(value, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, never in exponent form for everyday sizes ("" for None or
    a value not finite). The PDF's tables and the lab form's "(= 69.85 kg)" alike."""
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return ""
    if abs(v) >= 10 ** digits:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"
