"""One patient at a time, through the real window (pytest-qt, offscreen).

The carry-over that issue 13 found: a second record scored with the first patient's age, sex and
labs, and printed with them. Each test opens record A (PTB-XL 00417_lr, female, 75) and then
record B (LUDB 14, male, 50) in the ways a user can, with jobs held back by gates so that results
arrive late on purpose, and checks B's model inputs, screen and PDF against B's own header (read
here with wfdb) and a direct ``Predictor.predict`` with B's values.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from app import jobs, workers  # noqa: E402
from helpers_app import isolated_settings, shown_window, tiny_model, with_a_header  # noqa: E402,F401 - fixtures
from app.main_window import MainWindow  # noqa: E402
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"   # F, 75
B = resources_dir() / "samples" / "ludb" / "14.hea"                                  # M, 50
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000




def header_demographics(hea: Path) -> tuple[float, str]:
    """Age and sex from the header's comments, read by wfdb (LUDB: '<age>: 50', '<sex>: M')."""
    import wfdb

    h = wfdb.rdheader(str(hea.with_suffix("")))
    fields = dict(c.strip("<").split(">:") for c in h.comments if c.startswith("<") and ">:" in c)
    return float(fields["age"]), fields["sex"].strip()


def window_for(qtbot, model=None) -> MainWindow:
    """A shown 1280x800 window; with ``model``, that checkpoint loaded before it returns."""
    return shown_window(qtbot, model, size=(1280, 800))


class Gate:
    """Holds a job until ``open()``: makes "arrives late" deterministic."""

    def __init__(self):
        self.event = threading.Event()
        self.entered = threading.Event()

    def wait(self):
        self.entered.set()
        assert self.event.wait(60), "gate never opened"

    def open(self):
        self.event.set()


def hold(monkeypatch, owner, name: str, gate: Gate, when=lambda *args, **kwargs: True) -> None:
    """Replace ``owner.name`` by a wrapper that waits for ``gate`` (on the calls ``when`` picks) and
    then does what it did."""
    real = getattr(owner, name)

    def held(*args, **kwargs):
        if when(*args, **kwargs):
            gate.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)


def pdf_text(path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages]


def assert_only_b(window, qtbot, tmp_path, predictor):
    """B's inputs, screen and PDF carry B's data and nothing of A's."""
    import mirage_model as mm
    from mirage_model.clinical import record_values

    age, sex = header_demographics(B)
    assert (age, sex) == (50.0, "M")
    session = window.session
    assert session.record_id == "14"
    # inputs: exactly the values B's header carries, nothing typed for or read from A
    assert session.model_values() == {"age": age, "sex": sex}
    pred = window.prediction
    assert pred is not None and pred.record_id == "14"
    assert pred.clinical_used["used"] == {"age": age, "sex": sex}
    direct = predictor.predict(mm.load_record(B), record_values(mm.load_record(B)), explain=False)
    np.testing.assert_allclose(pred.probabilities, direct.probabilities, atol=1e-5)
    np.testing.assert_allclose(window.results.bars.probabilities, direct.probabilities, atol=1e-5)
    # screen
    raw = window.lab_form.raw_values()
    assert raw.get("age", ("",))[0] == "50" and raw.get("sex", ("",))[0] == "M"
    assert set(raw) == {"age", "sex"}, raw
    assert "14" in window.windowTitle() and "00417" not in window.windowTitle()
    assert window.grab().width() > 0
    # PDF
    out = tmp_path / "b.pdf"
    window.export_pdf(out)
    qtbot.waitUntil(lambda: out.is_file() and window.export_worker is None, timeout=WAIT_MS)
    pages = pdf_text(out)
    assert "Age: 50" in pages[0] and "Sex: M" in pages[0]
    for i, text in enumerate(pages):
        assert "record 14 (M, 50 y)" in text, f"page {i + 1} does not name B"
        assert "00417" not in text and "Age: 75" not in text and "Sex: F" not in text
        assert "F, 75" not in text and "hs-Troponin" not in text and "150" not in text


def test_b_opened_while_the_model_loads_gets_only_b(qtbot, tiny_model, tmp_path, monkeypatch):
    gate = Gate()
    real = jobs.load_predictor_job

    def slow_model(ctx, path, device="auto"):
        gate.wait()
        return real(ctx, path, device)

    monkeypatch.setattr(jobs, "load_predictor_job", slow_model)
    window = window_for(qtbot)
    window.model_path_arg = str(tiny_model)
    window.expect_model()
    assert "Loading model" in window.results.model_label.text()
    assert "No model loaded" not in window.results.model_label.text()
    assert not window.run_action.isEnabled()
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    window.load_model()
    assert window.lab_form.raw_values()["age"][0] == "75"
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(B)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        gate.open()                       # the model arrives after B is on screen
    assert window.predictor is not None and window.run_action.isEnabled()
    assert_only_b(window, qtbot, tmp_path, window.predictor)


def test_a_result_arriving_after_b_is_dropped(qtbot, tiny_model, tmp_path, monkeypatch):
    window = window_for(qtbot, tiny_model)
    gate = Gate()
    real = jobs.score_job

    def held_for_a(ctx, predictor, record, ticket, explain=True, **kwargs):
        if record.record_id == "00417_lr":
            gate.wait()
        return real(ctx, predictor, record, ticket, explain, **kwargs)

    monkeypatch.setattr(jobs, "score_job", held_for_a)
    seen = []
    window.predictionReady.connect(lambda p: seen.append(p.record_id))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    qtbot.waitUntil(gate.entered.is_set, timeout=WAIT_MS)    # A's model run is under way
    stale_ticket = window.session.ticket()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(B)
    gate.open()                                             # A's result comes in now
    qtbot.wait(500)
    workers.cancel_all_and_wait(30000)
    qtbot.wait(200)
    assert seen == ["14"]
    assert not window.session.is_current(stale_ticket)
    assert_only_b(window, qtbot, tmp_path, window.predictor)


def test_values_typed_for_a_do_not_reach_b(qtbot, tiny_model, tmp_path):
    window = window_for(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(A)
    form = window.lab_form
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        form.set_value("weight", "150", "kg")
        form.set_value("troponin_t", "1,5", "ng/L")        # a decimal comma is accepted
    assert window.session.values["troponin_t"].canonical == 1.5
    assert window.prediction.clinical_used["used"]["weight"] == 150.0
    a_session = window.session
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(B)
    assert window.session is not a_session and window.session.id != a_session.id
    assert "troponin_t" not in window.session.values and "weight" not in window.session.values
    assert_only_b(window, qtbot, tmp_path, window.predictor)
    # editing the old session (a stale reference) changes nothing on screen
    a_session.set_value("age", "99")
    assert window.lab_form.raw_values()["age"][0] == "50"


def test_export_while_measuring_says_so_or_waits(qtbot, tiny_model, tmp_path, monkeypatch):
    import mirage_model.measure as measure_mod

    gate = Gate()
    hold(monkeypatch, measure_mod, "measure", gate)
    window = window_for(qtbot, tiny_model)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(B)
    assert window.session.state["measurements"] == "pending"
    now = tmp_path / "now.pdf"
    window.export_pdf(now, wait=False)
    qtbot.waitUntil(lambda: now.is_file() and window.export_worker is None, timeout=WAIT_MS)
    text = "\n".join(pdf_text(now))
    assert "Not complete in this report" in text
    assert "still being computed" in text and "Interval measurements" in text
    later = tmp_path / "later.pdf"
    assert window.export_pdf(later) is True                 # the Export button's way: queued
    assert not later.is_file()
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        gate.open()
    text = "\n".join(pdf_text(later))
    assert "still being computed" not in text and "QT interval" in text
    assert "record 14 (M, 50 y)" in text


def test_refused_value_is_shown_in_the_pdf(qtbot, tiny_model, tmp_path):
    window = window_for(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(B)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.lab_form.set_value("weight", "9000", "kg")    # impossible: refused, but kept
        window.lab_form.set_value("crp", "12", "mg/L")       # not used by this model
        window.run_prediction()
    assert window.lab_form.status("weight") == "error"
    assert "weight" not in window.prediction.clinical_used["used"]
    out = tmp_path / "refused.pdf"
    window.export_pdf(out)
    qtbot.waitUntil(lambda: out.is_file() and window.export_worker is None, timeout=WAIT_MS)
    text = "\n".join(pdf_text(out))
    assert "Refused (not given to the model): Weight 9000: 9000 kg is not a possible Weight" in " ".join(text.split())
    assert "not used by this model" in " ".join(text.split()) and "CRP" in text    # (the cell wraps)
    assert "Probability with this value minus with it masked" in text


@pytest.mark.slow
def test_export_pdf_cli_matches_mirage_report(tmp_path, tiny_model):
    """``mirage-review A B --export-pdf DIR`` (the real window, offscreen) against ``mirage report``:
    every page names only its own patient; the probabilities agree to 3 decimals."""
    import os
    import re
    import subprocess

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), HOME=str(tmp_path))
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "pdfs"
    proc = subprocess.run([sys.executable, "-m", "app.main", str(A), str(B), "--model", str(tiny_model),
                           "--export-pdf", str(out)], env=env, capture_output=True, text=True, timeout=600,
                          cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]

    def probs(text):
        return dict(re.findall(r"^(NORM|MI|STTC|CD|HYP)\n.*\n(\d\.\d{3})$", text, re.M))

    for hea, rid, who in ((A, "00417_lr", "F, 75 y"), (B, "14", "M, 50 y")):
        pages = pdf_text(out / f"{rid}.pdf")
        other = "M, 50 y" if who == "F, 75 y" else "F, 75 y"
        for text in pages:     # the footer: "record 00417_lr (ID PTB-XL patient 4938, F, 75 y)", "record 14 (M, 50 y)"
            assert re.search(rf"record {rid} \((ID [^,]+, )?{who}\)", text) and other not in text
        cli = tmp_path / f"cli_{rid}.pdf"
        rc = subprocess.run([sys.executable, "-m", "training_cli.main", "report", str(hea), "--out", str(cli),
                             "--model", str(tiny_model)], env=env, capture_output=True, text=True,
                            timeout=600, cwd=root)
        assert rc.returncode == 0, rc.stderr[-2000:]
        app_p, cli_p = probs("\n".join(pages)), probs("\n".join(pdf_text(cli)))
        assert len(app_p) == 5 and app_p == cli_p


def test_a_file_that_cannot_be_opened_leaves_nothing_of_the_previous_patient(qtbot, tiny_model, tmp_path):
    """A (GE MUSE, JOHN DOE, with the cart's own analysis), then a WFDB record whose .dat is cut short:
    the message names the file; A's traces, title and device analysis are gone (they had stayed on
    screen beside the error, and the measurements read "measuring..." for ever)."""
    pytest.importorskip("ecgdatakit")
    import shutil

    muse = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"
    window = window_for(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(muse)
    assert "JOHN DOE" in window.windowTitle()
    assert window.results.device.text() and any(c.isVisible() for c in window.viewer.plot.curves)
    bad = tmp_path / "trunc"
    bad.mkdir()
    shutil.copy(B, bad / "14.hea")
    (bad / "14.dat").write_bytes(B.with_suffix(".dat").read_bytes()[:5000])
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(bad / "14.hea")
    assert "Could not open 14.hea" in window.message_bar.text() and "truncated" in window.message_bar.text()
    assert "JOHN DOE" not in window.windowTitle() and "muse" not in window.windowTitle()
    assert "could not be opened" in window.windowTitle()
    assert window.results.device.text() == ""
    assert not any(c.isVisible() for c in window.viewer.plot.curves)
    assert window.measure_panel.note.text().startswith("Measurement failed")
    assert window.measure_panel.source("qrs_ms") != "measuring..."
    assert "could not be read" in window.results.state.text()
    assert window.prediction is None


def test_esc_during_a_rerun_clears_the_old_result_and_the_pdf_says_why(qtbot, tiny_model, tmp_path, monkeypatch):
    """B scored, then Run model again (F5) and Esc while it runs: the previous bars had stayed on screen
    (red, "Above threshold") with "Running ..." though the session had no result, and page 3 of the PDF
    said "no model was loaded". Now the bars are cleared, the panel says the run was cancelled, and the
    PDF gives the session's reason."""
    window = window_for(qtbot, tiny_model)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(B)
    assert window.results.bars.probabilities.size == 5
    gate = Gate()
    hold(monkeypatch, jobs, "score_job", gate)
    window.run_prediction()
    qtbot.waitUntil(gate.entered.is_set, timeout=WAIT_MS)
    window.cancel_work()
    gate.open()
    workers.cancel_all_and_wait(30000)
    qtbot.wait(200)
    assert window.prediction is None
    assert window.results.bars.probabilities.size == 0
    assert "cancelled" in window.results.state.text() and "Running" not in window.results.state.text()
    out = tmp_path / "after_esc.pdf"
    window.export_pdf(out, wait=False)
    qtbot.waitUntil(lambda: out.is_file() and window.export_worker is None, timeout=WAIT_MS)
    text = "\n".join(pdf_text(out))
    assert "no model was loaded" not in text and "the model run was cancelled" in text


def test_an_export_waiting_for_a_is_reported_when_b_is_opened(qtbot, tiny_model, tmp_path, monkeypatch):
    """Export pressed while A is measured queues the PDF until A's analysis ends; opening B first used to
    drop it without a word. Now the message bar says which report was not written, and reportFailed fires."""
    import mirage_model.measure as measure_mod

    gate = Gate()
    hold(monkeypatch, measure_mod, "measure", gate, when=lambda record, *a, **k: record.record_id == "00417_lr")
    window = window_for(qtbot, tiny_model)
    failed = []
    window.reportFailed.connect(lambda p, msg: failed.append((p, msg)))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    qtbot.waitUntil(gate.entered.is_set, timeout=WAIT_MS)
    a_pdf = tmp_path / "a.pdf"
    assert window.export_pdf(a_pdf) is True              # queued until A's measurements arrive
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(B)
    gate.open()
    workers.cancel_all_and_wait(30000)
    qtbot.wait(200)
    assert not a_pdf.exists()
    assert failed and failed[0][0] == str(a_pdf)
    assert "Report not written: a.pdf" in window.message_bar.text()


def test_closing_while_a_pdf_is_written_asks_first_and_keeps_working_on_no(qtbot, tmp_path, monkeypatch):
    """Closing the window abandoned a PDF export under way (after a 10 s wait the process ends
    without it) and stopped a batch, without a word. A person closing it is now asked, the work
    named; "No" keeps the window and the export, which then writes its PDF; with nothing under way
    it closes without a question. (Scripted runs and other tests close without one: ask_before_quit.)"""
    from PySide6.QtWidgets import QMessageBox

    window = shown_window(qtbot)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(A)
    window.ask_before_quit = True
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: asked.append(args[2]) or QMessageBox.StandardButton.No)
    gate = Gate()
    hold(monkeypatch, jobs, "report_job", gate)
    pdf = tmp_path / "A.pdf"
    window.export_pdf(pdf, wait=False)
    qtbot.waitUntil(gate.entered.is_set, timeout=WAIT_MS)
    window.close()
    assert window.isVisible(), "the window closed with a PDF still being written"
    assert len(asked) == 1 and "A.pdf is being written" in asked[0]
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        gate.open()
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    qtbot.waitUntil(lambda: window.export_worker is None, timeout=WAIT_MS)
    window.close()
    assert not window.isVisible() and len(asked) == 1       # nothing under way: no question


def test_closing_the_batch_dialog_or_the_window_mid_run_asks_first(qtbot, tmp_path, monkeypatch):
    """Closing the batch dialog (or the window) during a run stopped it without a word. Asked
    first now, with where the run is; "No" lets it go on to its end, "Yes" stops it after the
    current record with the rows so far. A stand-in score_folder, held between records."""
    import threading

    from PySide6.QtWidgets import QMessageBox

    from mirage_model.review import batch

    step = threading.Semaphore(0)
    scored = []

    def held_score_folder(folder, predictor, out_path, progress=None, cancel=None, **kwargs):
        for i in range(4):
            assert step.acquire(timeout=60), "never let on"
            if cancel():
                break
            scored.append(i)
            progress(i + 1, 4, {"record_id": f"r{i}", "record_path": f"r{i}.hea", "status": "ok"})
        return {"n_scored": len(scored)}

    monkeypatch.setattr(batch, "score_folder", held_score_folder, raising=False)
    window = shown_window(qtbot)
    window.ask_before_quit = True
    answers = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: answers.append(args[2]) or answers_given.pop(0))
    answers_given = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    dlg = window.batch_dialog_open()
    dlg.folder.setText(str(with_a_header(tmp_path)))
    dlg.predictor = object()
    assert dlg.start() is not None
    step.release()
    qtbot.waitUntil(lambda: dlg.status.text().startswith("1 / 4 records"), timeout=WAIT_MS)
    dlg.close()                                               # No: the run goes on
    assert dlg.isVisible() and not dlg.worker.is_cancelled
    assert "Stop batch scoring now (1 / 4 records)?" in answers[0]
    window.close()                                            # the window names the run too; No
    assert window.isVisible() and "batch scoring is running (1 / 4 records)" in answers[1]
    dlg.close()                                               # Yes: stops after the current record
    assert not dlg.isVisible()
    step.release(3)
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    assert scored == [0]
