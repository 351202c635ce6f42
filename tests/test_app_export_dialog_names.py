"""The Export PDF report dialog says, in its empty patient fields, whom the report will name.

Walked at 1280x800 (session 44): muse-sinus.xml on screen, the patient line reading "Patient: JOHN DOE | ID:
081486213", File > Export showed "Patient name" and "Patient ID" empty and unexplained: a cardiologist could not tell
whether the PDF would name the patient unless they typed the name again (it would: an empty field prints the
file's). Each empty field now says so ("from the file: JOHN DOE"), or that the file gives none.
"""
from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QDialog  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"
PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"


def _muse_patient() -> tuple[str, str]:
    """The name and ID the MUSE XML holds, read with ElementTree (the truth, not the app's reader)."""
    demo = ET.parse(MUSE).getroot().find("PatientDemographics")
    return f"{demo.findtext('PatientFirstName')} {demo.findtext('PatientLastName')}", demo.findtext("PatientID")


def _placeholders_shown(qtbot, monkeypatch, path: Path) -> tuple[str, str]:
    """The patient fields' placeholders of the dialog File > Export opens with ``path`` on screen (closed at
    once: Cancel)."""
    from app.dialogs.export import ExportDialog

    seen = []

    def cancel(dlg):
        seen.append((dlg.patient_name.placeholderText(), dlg.patient_id.placeholderText(),
                     dlg.patient_name.text(), dlg.patient_id.text()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportDialog, "exec", cancel)
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(path)
    window.export_dialog()
    assert len(seen) == 1
    name_hint, id_hint, name, pid = seen[0]
    assert name == "" and pid == ""                 # nothing typed for the reviewer: the fields stay empty
    return name_hint, id_hint


def test_the_empty_patient_fields_name_whom_the_file_names(qtbot, monkeypatch):
    pytest.importorskip("ecgdatakit")
    name, pid = _muse_patient()
    assert (name, pid) == ("JOHN DOE", "081486213")
    assert _placeholders_shown(qtbot, monkeypatch, MUSE) == (f"from the file: {name}", f"from the file: {pid}")


def test_an_empty_patient_field_says_the_file_gives_none(qtbot, monkeypatch):
    """PTB-XL's sample: its header holds no name (PTB-XL has none), its database's row the patient's number."""
    assert not [line for line in PTBXL.read_text().splitlines() if line.startswith("#")]
    with open(PTBXL.parents[2] / "ptbxl_database.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if int(r["ecg_id"]) == 417)
    assert not {"name", "patient_name"} & set(row) and float(row["patient_id"]) == 4938
    assert _placeholders_shown(qtbot, monkeypatch, PTBXL) == ("optional: the file gives none",
                                                             "from the file: PTB-XL patient 4938")
