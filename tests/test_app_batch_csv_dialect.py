"""The batch dialog's output CSV follows the system's locale: where it writes decimal commas (German, French, Dutch
settings) the CSV has ';' between cells and decimal commas, as the Excel of that computer opens a CSV in columns; it
had written commas and decimal points there, which that Excel shows as one column per row. A resumed output keeps
its own dialect whatever the locale is now.

Truth: the cells as Python's ``csv`` reads them with the separator each locale's Excel uses, each decimal comma
turned into a point by hand."""

from __future__ import annotations

import csv
import shutil

import pytest

pytest.importorskip("pytestqt")
from helpers_batch import batch_dialog_status, checkpoint, run_batch_dialog  # noqa: E402,F401
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


def _copy(folder, name):
    folder.mkdir(exist_ok=True)
    for f in LUDB.glob(f"{name}.*"):
        shutil.copy(f, folder / f.name)


def _rows(path, delimiter):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["record_path"]: row for row in csv.DictReader(fh, delimiter=delimiter)}


def test_a_german_locale_writes_semicolons_and_decimal_commas_kept_on_resume(qtbot, tmp_path, checkpoint, locale):
    from PySide6.QtCore import QLocale

    folder = tmp_path / "records"
    _copy(folder, "1")
    locale(QLocale.German, QLocale.Germany)
    out = tmp_path / "scores.csv"
    batch_dialog_status(qtbot, folder, checkpoint, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrecord_path;record_id;")
    row = _rows(out, ";")["1.hea"]
    assert row["status"] == "ok"
    assert "," in row["prob_NORM"] and 0 <= float(row["prob_NORM"].replace(",", ".")) <= 1
    assert "," in row["qrs_ms"] and 40 < float(row["qrs_ms"].replace(",", ".")) < 200

    # the same output resumed under an English locale, a record more: the rows stay ';' and decimal commas
    _copy(folder, "14")
    locale(QLocale.English, QLocale.UnitedStates)
    run_batch_dialog(qtbot, checkpoint, folder, out, resume=True)
    rows = _rows(out, ";")
    assert set(rows) == {"1.hea", "14.hea"} and rows["1.hea"] == row
    assert "," in rows["14.hea"]["prob_NORM"]

    # a new output under the English locale: commas and decimal points, as before
    plain = tmp_path / "plain.csv"
    batch_dialog_status(qtbot, folder, checkpoint, plain)
    got = _rows(plain, ",")["14.hea"]
    assert "." in got["prob_NORM"] and float(got["prob_NORM"]) == float(rows["14.hea"]["prob_NORM"].replace(",", "."))
