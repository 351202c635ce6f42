"""SNOMED-CT codes of a PhysioNet/CinC Challenge header's ``#Dx`` named in words, from the
challenge's own mapping tables (Reyna et al., Computing in Cardiology 2021; ``snomed_names/README.md``
names the source and its licence). Only for showing what a file says: no model reads these names."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "snomed_names" / "cinc2021_dx.csv"


@cache
def _names() -> dict[str, str]:
    """{code: name} of ``TABLE``; {} where the table cannot be read (the codes are then shown as codes)."""
    try:
        with TABLE.open(encoding="utf-8", newline="") as fh:
            return {row["snomed_ct"].strip(): row["dx"].strip() for row in csv.DictReader(fh)
                    if (row.get("snomed_ct") or "").strip() and (row.get("dx") or "").strip()}
    except (OSError, csv.Error, KeyError, UnicodeDecodeError):
        return {}


def snomed_name(code: str) -> str | None:
    """The challenge's name of SNOMED-CT ``code`` ("164889003" -> "atrial fibrillation"); None for a
    code its tables do not hold."""
    return _names().get(str(code).strip())
