"""Counts in the words of messages: "1 sample", "2 samples"."""

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
