"""File > Print names its job as the exported PDF titles itself (``file_info.report_title``): the record's file with
its extension, the file's patient ID and recording time (pytest-qt, offscreen). "ECG report a" had named the prints
of a.hea and a.edf alike in a print queue and in a PDF printer's file."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.formats.edf_write import write_edf  # noqa: E402
from mirage_model.formats.write import write_wfdb  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.records.load import load_record  # noqa: E402

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
LUDB14 = resources_dir() / "samples" / "ludb" / "14.hea"
pytestmark = pytest.mark.skipif(not (PTBXL.is_file() and LUDB14.is_file()), reason="bundled samples not present")


def _doc_name(qtbot, window, path) -> str:
    with qtbot.waitSignal(window.analysisFinished, timeout=60000):
        window.open_record(path)
    return window.new_printer().docName()


def test_print_names_the_file_with_its_extension_its_patient_and_its_time(qtbot, tmp_path):
    window = shown_window(qtbot, size=(1280, 800))
    # PTB-XL 00417_lr's header: patient 4938, recorded 1987-01-29 16:51:21 (ptbxl_database.csv's row)
    assert _doc_name(qtbot, window, PTBXL) == ("ECG report 00417_lr.hea, patient ID PTB-XL patient 4938, "
                                               "recorded 1987-01-29 16:51:21")
    # one signal in two files of one stem (LUDB 14 has no patient ID or time): each print named after its own file
    record = load_record(LUDB14)
    hea, edf = write_wfdb(record, tmp_path, "a"), write_edf(record, tmp_path / "a.edf")
    assert _doc_name(qtbot, window, hea) == "ECG report a.hea"
    assert _doc_name(qtbot, window, edf) == "ECG report a.edf"
