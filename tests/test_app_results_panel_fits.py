"""The results panel on a small screen (pytest-qt, offscreen): a PTB Diagnostic header's whole clinical notes (its
heading and 8 lines: every diagnosis and medication field the database writes) had pushed Run model and Choose
model below the fold at 1024x700 and 1280x800 (they sat at the panel's end, under the interpretation). The buttons
now stay in view under the panel, and the notes show their first lines and "... (n more)", the whole on hover and
with More.

Truth: the header's comments written here (tmp_path) and the buttons' rectangles in the window.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QRect  # noqa: E402
from PySide6.QtGui import QTextDocument  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from test_file_diagnosis import write_record  # noqa: E402

# a PTB Diagnostic header (as s0010_re.hea) with every field the app shows filled
NOTES = ["Myocardial infarction", "Acute infarction (localization): infero-latera",
         "Former infarction (localization): anterior", "Additional diagnoses: Diabetes mellitus",
         "Medication pre admission: Isosorbit-Dinitrate Digoxin Glibenclamide",
         "Additional medication: Heparin Isosorbit-Mononitrate ASA Diazepam",
         "In hospital medication: ASA Isosorbit-Mononitrate Ca-antagonist Amiloride+Chlorothiazide Glibenclamide "
         "Insulin", "Medication after discharge: ASA Isosorbit-Mononitrate Amiloride+Chlorothiazide Glibenclamide"]
COMMENTS = ["age: 81", "sex: female", "ECG date: 01/10/1990", "Diagnose:",
            "Reason for admission: Myocardial infarction"] + NOTES[1:] + ["Smoker: no"]
HEADING = "In the file (PTB Diagnostic notes): not MIRAGE's"


def plain(rich: str) -> list[str]:
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText().splitlines()


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_the_buttons_stay_in_view_with_a_long_clinical_note(qtbot, tmp_path, tiny_model, size):
    window = shown_window(qtbot, model=tiny_model, size=size)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(write_record(tmp_path, "s0010_re", COMMENTS))
    qtbot.wait(100)
    assert window.size().toTuple() == size
    panel = window.results
    for button in (panel.run_btn, panel.choose_btn):
        at = QRect(button.mapTo(window, QPoint(0, 0)), button.size())
        assert button.isVisible() and window.rect().contains(at), (button.text(), at, window.rect())
        # not under the edge of a scroll area: the whole button is drawn
        assert button.visibleRegion().boundingRect() == button.rect(), (button.text(), button.visibleRegion())

    # the notes: the first 3 lines and how many more; the whole on hover and with More
    assert plain(panel.device.text()) == [HEADING] + NOTES[:3] + ["... (5 more)"]
    assert plain(panel.device.toolTip()) == [HEADING] + NOTES
    assert panel.device_more.isVisible() and panel.device_more.text() == "More"
    panel.device_more.click()
    assert plain(panel.device.text()) == [HEADING] + NOTES and panel.device_more.text() == "Less"
    panel.device_more.click()
    assert plain(panel.device.text())[-1] == "... (5 more)"


def test_a_short_note_is_shown_whole_without_more(qtbot, tmp_path):
    """Four lines are shown as they are: "... (1 more)" would take the line it saves."""
    window = shown_window(qtbot, size=(1024, 700))
    comments = ["age: 81", "sex: female", "Reason for admission: Myocardial infarction"] + NOTES[1:4]
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(write_record(tmp_path, "s0011_re", comments))
    assert plain(window.results.device.text()) == [HEADING] + NOTES[:4]
    assert not window.results.device_more.isVisible() and window.results.device.toolTip() == ""


def test_the_next_record_opens_at_the_top_of_its_result(qtbot, tmp_path, tiny_model):
    """Scrolled down to the end of one patient's result, the next record's result is read from its top (its
    interpretation's first line in view), not from where the previous one was left."""
    window = shown_window(qtbot, model=tiny_model, size=(1024, 700))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(write_record(tmp_path, "s0010_re", COMMENTS))
    window.results.device_more.click()            # the whole note: the panel scrolls
    qtbot.wait(100)
    bar = window.results_scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the panel must be taller than its view for this test"
    bar.setValue(bar.maximum())
    other = tmp_path / "other"
    other.mkdir()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(write_record(other, "s0011_re", COMMENTS))
    qtbot.wait(100)
    assert bar.value() == 0
