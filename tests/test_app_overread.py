"""The over-read in the app's interpretation panel: each statement confirmed or struck from the keyboard, drawn
struck through or ticked; the reviewer's own statements marked; Sign... prefilled with the remembered name and
remembering it; opening the next record with an edited, unsigned over-read asks first, and the next record's panel
starts empty. A tiny statements model says sinus rhythm (threshold 0.0) on the bundled PTB-XL 00417_lr."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QInputDialog, QMessageBox  # noqa: E402

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from helpers_models import make_tiny_checkpoint  # noqa: E402
from app.main_window import MainWindow  # noqa: E402
from app.settings import Settings  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.review.interpret import session_interpretation  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
B = resources_dir() / "samples" / "ludb" / "14.hea"
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000


@pytest.fixture(scope="module")
def statements_model(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "stmt", labels=("SR", "AFIB", "1AVB", "NORM"),
                                thresholds=(0.0, 1.01, 1.01, 1.01), name="tiny-statements")


def _window(qtbot, model, statements, store: str = "") -> MainWindow:
    """``store``: the over-read store's file (``review.store``; "": beside the test's settings)."""
    settings = Settings()
    settings.model_path = ""
    settings.overread_store = store
    settings.reviewer = "Dr Remembered"
    window = MainWindow(settings, model_path=str(model))
    window.statements_model_arg = str(statements)
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    window.load_model()
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    return window


def _rows(window):
    panel = window.results.interpretation.overread
    it = session_interpretation(window.session)
    return panel, it, [panel._row_buttons(k) for k in range(len(it.statements))]


def test_confirm_and_strike_from_the_keyboard_and_the_reviewers_own(qtbot, tiny_model, statements_model,
                                                                     monkeypatch):
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    texts = [s.text for s in it.statements]
    sinus = next(k for k, s in enumerate(it.statements) if s.code == "SR")
    assert len(rows) == len(texts) >= 1
    confirm, strike = rows[sinus]
    assert confirm.focusPolicy() & Qt.FocusPolicy.TabFocus and strike.focusPolicy() & Qt.FocusPolicy.TabFocus
    confirm.setFocus()
    qtbot.keyClick(confirm, Qt.Key.Key_Space)
    html = window.results.interpretation.text.text()
    assert window.session.overread.decision(it.statements[sinus]).verdict == "confirmed"
    assert confirm.isChecked() and "&#10003; confirmed" in html
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("P waves absent in II", True))
    _, strike = panel._row_buttons(sinus)
    strike.setFocus()
    qtbot.keyClick(strike, Qt.Key.Key_Space)
    html = window.results.interpretation.text.text()
    assert window.session.overread.decision(it.statements[sinus]).verdict == "struck"
    assert f"<s><b style='color:#000000'>{texts[sinus]}</b>" in html
    assert "struck by the reviewer: P waves absent in II" in html
    assert panel._row_buttons(sinus)[1].isChecked() and not panel._row_buttons(sinus)[0].isChecked()
    assert panel.add_statement("Early repolarisation, inferior leads", "repolarisation")
    assert "<b>Early repolarisation, inferior leads</b>" in window.results.interpretation.text.text()
    assert "(reviewer, repolarisation)" in window.results.interpretation.text.text()
    assert not panel.add_statement("   ", "rhythm")
    assert "The statement is empty" in panel.status.text()
    assert "Not over-read: machine statements unconfirmed" in panel.status.text()


def test_sign_is_prefilled_and_remembers_the_name(qtbot, tiny_model, statements_model, monkeypatch):
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: asked.append(a) or ("Dr New Reader", True))
    panel.ask_sign()
    assert asked[0][-1] == "Dr Remembered"
    n = len(it.statements)
    assert f"{n} machine statement{'s are' if n > 1 else ' is'} neither confirmed nor struck" in asked[0][2]
    assert window.settings.reviewer == "Dr New Reader"
    assert window.session.overread.signed_for(it)
    assert "Over-read by Dr New Reader" in panel.status.text()
    panel.comment.setPlainText("Positional")          # an edit after signing un-signs, and says so
    assert not window.session.overread.signed_for(it)
    assert "Un-signed: the over-read was edited after signing" in panel.status.text()


def _unwritable(tmp_path) -> str:
    """A store that cannot be written (its folder is a file): the over-read lives with the session alone."""
    (tmp_path / "not_a_folder").write_text("")
    return str(tmp_path / "not_a_folder" / "overreads.sqlite")


def test_opening_the_next_record_asks_about_an_unsigned_over_read(qtbot, tiny_model, statements_model, monkeypatch,
                                                                  tmp_path):
    """Where the store cannot keep it (test_app_overread_store: where it can, nothing is asked)."""
    window = _window(qtbot, tiny_model, statements_model, _unwritable(tmp_path))
    window.ask_before_quit = True                     # a person, as ``mirage-review`` runs it
    panel, it, rows = _rows(window)
    rows[0][0].click()
    asked, answers = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answers.pop(0))
    first = window.session
    assert window.open_record(str(B)) is None          # No: the record and its over-read stay
    assert window.session is first and window.record_path.name == A.name
    assert len(asked) == 1 and "the over-read of" in asked[0] and "is not signed" in asked[0]
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(B))                     # Yes
    assert window.session is not first and not window.session.overread.edited
    panel, it, rows = _rows(window)
    assert not any(b.isChecked() for row in rows for b in row)
    assert panel.comment.toPlainText() == "" and "&#10003; confirmed" not in window.results.interpretation.text.text()
    window.session.overread.sign(it, "Dr C")
    # signed, but in no report: leaving would lose the signature (the session is the only place it lives)
    answers.append(QMessageBox.StandardButton.No)
    assert window.open_record(str(A)) is None and window.record_path.name == B.name
    assert len(asked) == 3 and "is signed but in no report yet" in asked[2] and "export its report" in asked[2]
    window.ask_before_quit = False                       # the test's window closes without a question


def test_a_signed_over_read_written_into_a_report_is_left_without_asking(qtbot, tiny_model, statements_model,
                                                                        monkeypatch, tmp_path):
    """Where the store cannot keep it: signed and exported, the PDF keeps it, so the next record opens without a
    question; signed again after the export (another signature), it is in no report again and asked about."""
    window = _window(qtbot, tiny_model, statements_model, _unwritable(tmp_path))
    window.ask_before_quit = True
    panel, it, rows = _rows(window)
    panel.sign("Dr Kept")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    assert "signed but in no report" in window.unsigned_overread()
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(tmp_path / "kept.pdf", wait=False)
    qtbot.waitUntil(lambda: window.unsigned_overread() == "", timeout=WAIT_MS)
    panel.strike(0, "artefact")                          # edited after the export: un-signed, asked again
    assert "is not signed" in window.unsigned_overread()
    panel.sign("Dr Kept")
    assert "signed but in no report" in window.unsigned_overread()
    assert asked == []
    window.ask_before_quit = False                       # the test's window closes without a question


def test_the_exported_pdf_says_who_over_read_it(qtbot, tiny_model, statements_model, tmp_path):
    """The app's Export writes the over-read as it stood (the session's snapshot): signed, page 1 says by whom;
    struck after that, "Not over-read" again and the struck statement listed."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    panel.sign("Dr Export")

    def page1(pdf) -> str:
        with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
            window.export_pdf(pdf, wait=False)
        out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
        return " ".join(out.split())

    text = page1(tmp_path / "signed.pdf")
    assert "Over-read by Dr Export, " in text and "Not over-read" not in text
    panel.strike(0, "artefact")
    text = page1(tmp_path / "struck.pdf")
    assert "Interpretation Not over-read: machine statements unconfirmed" in text
    assert f"Struck by the reviewer: {it.statements[0].text} (artefact)" in text


def test_the_interpretations_notice_says_over_read_once_signed(qtbot, tiny_model, statements_model):
    """The line under the statements read "Research use, unconfirmed; not a diagnosis." under a signature too:
    signed over the statements it says "over-read" (as the PDF's notice does); an edit after signing un-signs."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    label = window.results.interpretation.text
    assert "Research use, unconfirmed; not a diagnosis." in label.text()
    panel.sign("Dr Notice")
    qtbot.waitUntil(lambda: "Research use, over-read; not a diagnosis." in label.text(), timeout=5000)
    assert "unconfirmed" not in label.text()
    panel.strike(0, "artefact")
    qtbot.waitUntil(lambda: "Research use, unconfirmed; not a diagnosis." in label.text(), timeout=5000)


def test_the_rows_show_a_statements_whole_words_at_1024x700(qtbot, tiny_model, statements_model):
    """At 1024x700 the rows had cut a statement's words to about 12 characters and "..."; they wrap now: each row's
    label is as tall as its words wrapped at its width need (worked out from the font, not the label)."""
    from PySide6.QtCore import QRect

    window = _window(qtbot, tiny_model, statements_model)
    window.resize(1024, 700)
    qtbot.wait(200)
    long = "Sinus arrhythmia with occasional supraventricular premature complexes"     # the reviewer's own
    window.session.overread.add(long, "rhythm")
    qtbot.wait(200)
    panel, it, _ = _rows(window)
    texts = [s.text for s in it.statements] + [f"{long} (reviewer, rhythm)"]
    for k, text in enumerate(texts):
        label = panel.rows.itemAtPosition(k, 0).widget()
        qtbot.waitUntil(lambda: label.width() > 0, timeout=WAIT_MS)
        need = label.fontMetrics().boundingRect(QRect(0, 0, label.width(), 10000),
                                                int(Qt.TextFlag.TextWordWrap), f"{k + 1}. {text}").height()
        assert label.height() >= need, (text, label.width(), label.height(), need)


def test_the_banner_and_status_bar_say_over_read_once_signed(qtbot, tiny_model, statements_model):
    """The yellow banner and the status bar's notice said "...; unconfirmed." under a signature: signed over the
    statements on screen they say "...; over-read." (the PDF's words, ``research_notice``); an edit un-signs and
    they say "unconfirmed" again."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    from PySide6.QtWidgets import QLabel
    shown = [window.notice] + [w for w in window.statusBar().findChildren(QLabel) if w.text().startswith("Research")]
    assert len(shown) == 2
    assert all(w.text() == "Research use only, not a diagnosis; unconfirmed." for w in shown)
    panel.sign("Dr Banner")
    qtbot.waitUntil(lambda: all(w.text() == "Research use only, not a diagnosis; over-read." for w in shown),
                    timeout=5000)
    panel.strike(0, "artefact")
    qtbot.waitUntil(lambda: all(w.text() == "Research use only, not a diagnosis; unconfirmed." for w in shown),
                    timeout=5000)


def test_the_median_beats_window_says_over_read_once_signed(qtbot, tiny_model, statements_model):
    """The median beats' window said "...; unconfirmed." under a signature: it says what the banner says, "...;
    over-read." signed over the statements on screen, "unconfirmed" again when an edit un-signs, and a window
    opened after signing says "over-read" from the start."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    from PySide6.QtWidgets import QLabel
    window.show_median_window()
    notices = [w for w in window.median_window.findChildren(QLabel) if w.text().startswith("Research")]
    assert len(notices) == 1
    notice = notices[0]
    assert notice.text() == "Research use only, not a diagnosis; unconfirmed."
    panel.sign("Dr Beats")
    qtbot.waitUntil(lambda: notice.text() == "Research use only, not a diagnosis; over-read.", timeout=5000)
    panel.strike(0, "artefact")
    qtbot.waitUntil(lambda: notice.text() == "Research use only, not a diagnosis; unconfirmed.", timeout=5000)
    panel.sign("Dr Beats")
    qtbot.waitUntil(lambda: window.notice.text() == "Research use only, not a diagnosis; over-read.", timeout=5000)
    window.median_window.close()
    window.median_window = None
    window.show_median_window()
    assert [w.text() for w in window.median_window.findChildren(QLabel) if w.text().startswith("Research")] == [
        "Research use only, not a diagnosis; over-read."]
