"""Where the batch dialog's folder and output start, and the outputs it refuses.

Never inside MIRAGE's own resources folder (the bundled sample records and models, ``paths.resources_dir``):
results written there are the program's files, replaced by its next update, and a system install does not let
its users write there at all. The dialog had opened on the bundled sample's folder (the record the app opens
first), so that Start at once wrote scores.csv, and PDFs, into the installed package.
"""

from __future__ import annotations

from pathlib import Path

from mirage_model.paths import resources_dir

# the default output of a folder inside the resources (the bundled samples, chosen to try a batch):
# DOCUMENTS/mirage_results/NAME_scores.csv, a folder the user owns and finds
RESULTS = "mirage_results"


def locale_dialect(locale=None) -> str:
    """The CSV dialect the dialog writes a new output in (``batch.outputs.CSV_DIALECTS``): "excel-eu" (';' between
    cells, decimal commas) where the system's locale (``QLocale``, the user's regional settings) writes a decimal
    comma, as German, French or Dutch ones do: the Excel of that computer reads a CSV with that locale's list
    separator, ';', and had shown a comma-separated one as one column per row. Else "excel" (',' and '.')."""
    from app.locale_numbers import decimal_comma

    return "excel-eu" if decimal_comma(locale) else "excel"


def in_resources(path: str | Path) -> bool:
    """Whether ``path`` is MIRAGE's resources folder or lies under it (links resolved, so a path that
    reaches it through a link is told too)."""
    if not str(path).strip():
        return False
    try:
        target = Path(path).expanduser().resolve()
        root = resources_dir().resolve()
    except (OSError, RuntimeError):
        return False
    return target == root or root in target.parents


def default_folder(candidates) -> str:
    """The first of ``candidates`` (the open record's folder, the folder dock's, the last batch folder:
    None or "" where there is none) that is an existing folder outside the resources; "" when none is."""
    for folder in candidates:
        if folder and str(folder).strip() and Path(folder).is_dir() and not in_resources(folder):
            return str(folder)
    return ""


def default_output(folder: str, documents: str | Path) -> str:
    """The output CSV a run of ``folder`` writes unless one is chosen: FOLDER/scores.csv, where a later run
    of the folder tells it from its records (``batch.own_files``); for a folder inside the resources,
    ``documents``/mirage_results/NAME_scores.csv. "" without a folder."""
    if not folder.strip():
        return ""
    path = Path(folder.strip())
    if in_resources(path):
        return str(Path(documents) / RESULTS / f"{path.name or 'records'}_scores.csv")
    return str(path / "scores.csv")


def refused_output(out: str, pdf_dir: str = "") -> str:
    """Why a run may not write ``out`` or PDFs into ``pdf_dir`` ("" when it may): either inside the resources."""
    for what, path in (("output CSV", out), ("PDF folder", pdf_dir)):
        if path and in_resources(path):
            return (f"the {what} {path} is inside MIRAGE's own resources folder ({resources_dir()}), which the "
                    f"next update replaces and a system install may not let you write: choose a {what} outside it")
    return ""
