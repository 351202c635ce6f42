"""Numbers in the words of messages: counts ("1 sample", "2 samples"), signed changes ("+0.012"), a value
beside the limit it passed ("0.152 > 0.15")."""

from __future__ import annotations


def counted(n, noun: str, fmt: str = "", plural: str | None = None) -> str:
    """``n`` and ``noun``, singular when ``n`` is 1 ("1 lead", "12 leads", "0 signals").

    Args:
        n: the count (an int, or a numpy integer).
        noun: the singular noun.
        fmt: the format spec of the number ("," for "1,000").
        plural: the plural when it is not ``noun + "s"``.
    """
    return f"{n:{fmt}} " + (noun if n == 1 else plural or noun + "s")


def signed(x: float, digits: int = 3) -> str:
    """A change with its sign, "+0.012" or "-0.210"; one that rounds to nothing is "0.000", not "-0.000"."""
    text = f"{float(x):+.{digits}f}"
    return text[1:] if float(text) == 0 else text
