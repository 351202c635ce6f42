"""The window when a record's quality assessment fails (``quality.assess`` raising, as on a
malformed signal): it said nothing. The load job kept the error in ``LoadedRecord.errors["quality"]``
and the log only, so a reviewer saw no quality verdict and no reason; with a model the run failed
as "cannot assess this record (ValueError)", not saying that the quality gate had nothing to go on.

Now the results panel says "Signal quality not assessed: <why>" above the result, the message bar
names the record, the session keeps it (the PDF lists it under what the report lacks), the
interpretation is withheld with it, and with a model loaded no call is shown (no prediction).
Truth: the message injected into ``assess`` and the record's id."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import PTBXL_PAIR, WAIT_MS, isolated_settings, shown_window, tiny_model  # noqa: E402,F401

MESSAGE = "cannot assess this record"
SAID = f"signal quality not assessed: {MESSAGE} (ValueError)"


@pytest.fixture()
def broken_assessment(monkeypatch):
    """``quality.assess`` (as ``inference.inputs`` calls it) raising; the calls of it and of the model
    inputs (``preprocess.model_inputs``, as ``inference.inputs`` calls it) counted."""
    from mirage_model import inference

    calls = {"assess": 0, "model_inputs": 0}
    real_inputs = inference.model_inputs

    def broken(*args, **kwargs):
        calls["assess"] += 1
        raise ValueError(MESSAGE)

    def inputs(*args, **kwargs):
        calls["model_inputs"] += 1
        return real_inputs(*args, **kwargs)

    monkeypatch.setattr(inference.inputs, "assess", broken)
    monkeypatch.setattr(inference.inputs, "model_inputs", inputs)
    return calls


def _opened(qtbot, model=None):
    window = shown_window(qtbot, model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(PTBXL_PAIR[0])
    return window


def _plain(label) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(label.text())
    return " ".join(doc.toPlainText().split())


def _says_not_assessed(window) -> None:
    quality = window.results.quality
    assert not quality.isHidden()
    assert _plain(quality).startswith(f"Signal quality not assessed: {MESSAGE} (ValueError).")
    assert "calls on this record are not shown" in _plain(quality)
    assert not window.message_bar.isHidden() and SAID in window.message_bar.text()
    session = window.session
    assert session.state["quality"] == "failed" and session.errors["quality"] == SAID
    assert "Interpretation withheld" in _plain(window.results.interpretation.text)
    assert dict(session.missing())["quality"] == f"failed: {SAID}"      # what the PDF lists


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_without_a_model_the_window_says_the_quality_was_not_assessed(qtbot, broken_assessment, monkeypatch):
    window = _opened(qtbot)
    _says_not_assessed(window)
    assert window.message_bar.text().startswith("00417_lr: ")
    monkeypatch.undo()                 # the next record, assessed as usual: nothing of it stays
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(PTBXL_PAIR[1])
    assert window.results.quality.isHidden() and window.results.quality.text() == ""
    assert window.session.state["quality"] != "failed" and "quality" not in window.session.errors
    assert window.record_quality() is not None


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_with_a_model_no_call_is_shown_and_the_reason_is(qtbot, tiny_model, broken_assessment):
    window = _opened(qtbot, tiny_model)
    _says_not_assessed(window)
    session = window.session
    assert session.prediction is None and session.state["prediction"] == "failed"
    assert SAID in session.errors["prediction"] and SAID in window.results.state.text()
    assert window.results.positive.text() == "" and window.results.bars.probabilities.size == 0
    # the model's run reuses the load job's failed preparation: it did it again (2 and 2 before)
    from PySide6.QtCore import QThreadPool

    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WAIT_MS)
    assert broken_assessment == {"assess": 1, "model_inputs": 1}


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_windows_pdf_says_why_there_is_no_result(qtbot, tiny_model, broken_assessment, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    window = _opened(qtbot, tiny_model)
    out = tmp_path / "report.pdf"
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(out)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages]
    assert f"Interpretation WITHHELD: {SAID}" in pages[0] and "RESULT WITHHELD" not in pages[0]
    text = " ".join(pages)
    assert f"Signal quality: failed: {SAID}" in text and "Model result: failed: " in text
