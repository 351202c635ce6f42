"""The app's message bar says what a file's reader noticed, with no model loaded, as soon as the
record is drawn, and still when a model then fails to load (test_reader_notes_shown.py has the other
faces)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_reader_notes_shown import OVER_89, PLACEHOLDER, _said, files  # noqa: E402,F401 - files: a fixture


def test_the_app_says_the_notes_with_no_model(qtbot, files):
    window = shown_window(qtbot, size=None)
    assert window.predictor is None
    for key, note in (("muse", PLACEHOLDER), ("over89", OVER_89)):
        with qtbot.waitSignal(window.recordLoaded, timeout=60000):
            window.open_record(files[key])
        assert window.message_bar.isVisible() and _said(window.message_bar.text(), note) == 1, key


def test_a_model_that_fails_to_load_does_not_hide_the_notes(qtbot, files, tmp_path):
    """The model loads once the record is on screen; its failure was said in the bar in place of the
    record's notes."""
    window = shown_window(qtbot, size=None)
    with qtbot.waitSignal(window.recordLoaded, timeout=60000):
        window.open_record(files["over89"])
    bad = tmp_path / "not_a_model"
    bad.mkdir()
    with qtbot.waitSignal(window.message, timeout=60000) as said:
        window.load_model(str(bad))
    assert said.args[0].startswith("Could not load the model") and window.predictor is None
    assert _said(window.message_bar.text(), OVER_89) == 1 and window.message_bar.isVisible()


def test_the_app_says_a_converted_files_note_from_its_source_once(qtbot, files, tmp_path):
    """The MUSE file saved as WFDB (File > Save record as) and opened again: the message bar read "the file
    reader noted: in the source file: birth date ..."; now "the source file's reader noted: birth date ..."."""
    window = shown_window(qtbot, size=None)
    with qtbot.waitSignal(window.recordLoaded, timeout=60000):
        window.open_record(files["muse"])
    out = window.save_record_as(tmp_path / "saved.hea", "wfdb")
    with qtbot.waitSignal(window.recordLoaded, timeout=60000):
        window.open_record(out)
    text = window.message_bar.text()
    assert _said(text, f"the source file's reader noted: {PLACEHOLDER}") == 1, text
    assert "noted: in the source file" not in text
