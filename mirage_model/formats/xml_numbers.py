"""Numbers in the text of a vendor XML's fields (GE MUSE, GE CardioSoft)."""

from __future__ import annotations

import math
import re

# a whole number as a field's text: a sign and digits
WHOLE = re.compile(r"[+-]?\d+")


def whole_count(text: str | None, decimals: bool = False) -> int | None:
    """A count field's text as an int; None when it is absent or no number.

    Args:
        text: the field's text (white space around it allowed).
        decimals: take a number written with decimals too, cut to its whole part ("5000.0", "5000,0",
            "5e3" -> 5000), as GE MUSE's fields are read; else only a whole number is one (GE
            CardioSoft's: "5000.0" is none).
    """
    text = (text or "").strip()
    if not decimals:
        return int(text) if WHOLE.fullmatch(text) else None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return int(value) if math.isfinite(value) else None
