"""The batch dialog's table names each record's patient and recording time beside its name (patient_id, recorded),
and the patient's name only with its "Patient names" box ticked, as ``mirage score --patient-names``.

Truth: muse-sinus.xml's <PatientID>081486213</PatientID>, <PatientLastName>DOE, <PatientFirstName>JOHN,
<AcquisitionDate>04-29-2023 and <AcquisitionTime>22:41:16, read off the file by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, isolated_settings  # noqa: E402,F401 - fixtures
from helpers_batch import checkpoint  # noqa: E402,F401 - fixture

DATA = Path(__file__).parent / "data" / "formats"


@pytest.mark.parametrize("names", [False, True])
def test_the_table_names_the_patient_beside_the_record(qtbot, tmp_path, checkpoint, names):  # noqa: F811
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(DATA / "muse-sinus.xml", folder / "muse-sinus.xml")
    dlg = BatchDialog(None, predictor=Predictor(checkpoint, device="cpu"), device="auto", folder=str(folder),
                      statements="none")
    qtbot.addWidget(dlg)
    dlg.output.setText(str(tmp_path / "scores.csv"))
    dlg.patient_names.setChecked(names)
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    shown = [dlg.table.horizontalHeaderItem(c).text() for c in range(dlg.table.columnCount())]
    first = ["record_id", "patient_id", *(["patient_name"] if names else []), "recorded", "record_path"]
    assert shown[:len(first)] == first, shown
    cells = {key: dlg.table.item(0, c).text() for c, key in enumerate(shown) if dlg.table.item(0, c) is not None}
    assert cells["patient_id"] == "081486213" and cells["recorded"] == "2023-04-29 22:41:16"
    assert ("patient_name" in shown) is names and (cells.get("patient_name") == "JOHN DOE") is names
    written = (tmp_path / "scores.csv").read_text(encoding="utf-8-sig")
    assert ("JOHN DOE" in written) is names
