"""The app's panels say what is true now, through the real window (pytest-qt, offscreen): while the
clinical values change and a re-run is pending, after a cancelled run, when no model could be loaded,
and for a record that gives no age.

Truth: the record's header as written here, the values typed, what the model reads (its schema)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import PTBXL_PAIR, hold_scoring, isolated_settings, shown_window, tiny_model  # noqa: E402,F401
from mirage_model.paths import resources_dir  # noqa: E402

B = resources_dir() / "samples" / "ludb" / "14.hea"                                  # M, 50
pytestmark = pytest.mark.skipif(not B.is_file(), reason="bundled samples not present")
WAIT_MS = 60000


def open_and_wait(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


def ludb14_without(tmp_path, field: str):
    """LUDB 14 (M, 50) written to ``tmp_path`` without its header's ``#<field>:`` line -> its header's path."""
    lines = B.read_text().splitlines()
    (tmp_path / "14.hea").write_text("\n".join(x for x in lines if not x.startswith(f"#<{field}>")) + "\n")
    (tmp_path / "14.dat").write_bytes(B.with_suffix(".dat").read_bytes())
    return tmp_path / "14.hea"


def test_a_record_that_gives_no_age_reads_age_unknown_on_the_patient_line_as_on_the_pdf(qtbot, tmp_path):
    """LUDB 14 without its "#<age>: 50" line: page 1 of the PDF says "Age: unknown"; the patient line
    left the age out. It now says "Age: unknown" too, and "Age: 50" once the reviewer types 50."""
    assert "#<age>: 50" in B.read_text().splitlines()
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, ludb14_without(tmp_path, "age"))
    facts = window.patient_line.patient_text.split("   |   ")
    assert facts[:2] == ["Age: unknown", "Sex: M"], facts
    window.lab_form.set_value("age", "50")
    assert window.patient_line.patient_text.split("   |   ")[:2] == ["Age: 50", "Sex: M"]


def test_a_record_that_gives_no_age_reads_age_unknown_in_the_status_bar_too(qtbot, tmp_path):
    """The same record: the status bar said "age -, sex M" where the patient line and page 1 of the PDF
    say "Age: unknown". It now says "age unknown"; with the age given, "age 50" as before."""
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, ludb14_without(tmp_path, "age"))
    assert "Age: unknown" in window.patient_line.patient_text
    assert ", age unknown, sex M" in window.status_label.text(), window.status_label.text()
    open_and_wait(qtbot, window, B)
    assert ", age 50, sex M" in window.status_label.text(), window.status_label.text()


def test_the_status_bar_says_sex_unknown_and_follows_the_lab_form(qtbot, tmp_path):
    """LUDB 14 (M, 50) without its sex line: the status bar said "sex -" where "age unknown" sits beside
    it; it now says "sex unknown". And it was the opening's snapshot: an age or sex typed in the lab form
    changed the patient line but not the status bar. It now follows, as the patient line does."""
    lines = B.read_text().splitlines()
    assert "#<sex>: M" in lines and "#<age>: 50" in lines
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, ludb14_without(tmp_path, "sex"))
    assert window.status_label.text().startswith("14: 500 Hz, 10.0 s, age 50, sex unknown"), \
        window.status_label.text()
    window.lab_form.set_value("sex", "F")
    window.lab_form.set_value("age", "<1")
    assert window.patient_line.patient_text.split("   |   ")[:2] == ["Age: under 1 year", "Sex: F"]
    assert window.status_label.text().startswith("14: 500 Hz, 10.0 s, age under 1 year, sex F"), \
        window.status_label.text()
    window.lab_form.set_value("sex", "")
    assert ", age under 1 year, sex unknown" in window.status_label.text(), window.status_label.text()


def test_a_record_that_gives_no_sex_reads_sex_unknown_on_the_patient_line_as_in_the_status_bar(qtbot, tmp_path):
    """LUDB 14 (M, 50) without its sex line: the status bar said "sex unknown" while the patient line
    (and page 1 of the PDF, the same words) left the sex out. It now says "Sex: unknown", and "Sex: F"
    once the reviewer picks F."""
    assert "#<sex>: M" in B.read_text().splitlines()
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, ludb14_without(tmp_path, "sex"))
    assert window.patient_line.patient_text.split("   |   ")[:2] == ["Age: 50", "Sex: unknown"]
    assert ", age 50, sex unknown" in window.status_label.text(), window.status_label.text()
    window.lab_form.set_value("sex", "F")
    assert window.patient_line.patient_text.split("   |   ")[:2] == ["Age: 50", "Sex: F"]


def test_the_status_bar_keeps_the_records_line_with_the_models_result(qtbot, tiny_model):
    """With a model, "14: model result ready" replaced the record's line (its age and sex) at once; the
    line stays, the result's word after it, and follows an age typed afterwards."""
    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    assert window.status_label.text() == "14: 500 Hz, 10.0 s, age 50, sex M; model result ready"
    window.lab_form.set_value("age", "51")      # the model reads age: a re-run follows
    qtbot.waitUntil(lambda: window.status_label.text().endswith("model result ready"), timeout=WAIT_MS)
    assert window.status_label.text() == "14: 500 Hz, 10.0 s, age 51, sex M; model result ready"


def test_a_value_the_model_does_not_read_is_named_in_the_results_note_as_it_is_typed(qtbot, tiny_model):
    """The tiny model reads age, sex, height and weight. Troponin T typed after its run: the result
    stands (nothing it reads changed) and the results panel's note said nothing of it until the next
    run; it now names it at once, and an impossible weight as refused, and forgets both once cleared. Each by the
    lab form's own label for it (truth: the form's rows, "hs-Troponin T" and "Weight"): the note had named them
    by their internal feature names ("troponin_t", "weight"), words the form shows nowhere."""
    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    assert set(window.predictor.schema.names) == {"age", "sex", "height", "weight"}
    assert window.results.state.text() == ""
    window.lab_form.set_value("troponin_t", "40")
    assert window.session.state["prediction"] == "ready"              # no re-run: the result stands
    # in the lab form's words (its row reads "hs-Troponin T"; the note had said the feature's name "troponin_t")
    assert window.results.state.text() == "Not used by this model: hs-Troponin T"
    window.lab_form.set_value("weight", "-3")                          # refused: never given to the model
    assert window.session.state["prediction"] == "ready"
    assert window.results.state.text() == ("Not used by this model: hs-Troponin T; "
                                           "Refused (not given to the model): Weight")
    window.lab_form.set_value("troponin_t", "")
    window.lab_form.set_value("weight", "")
    assert window.results.state.text() == ""


def test_the_lab_contributions_fade_with_the_bars_while_a_rerun_is_pending(qtbot, tiny_model):
    """Weight typed for a model that reads it: the probability bars were greyed until the re-run's result,
    the contributions beside the values (the earlier run's, age and sex from the file) were not. They now
    fade too, their tooltip saying why, and come back with the new run's (weight's among them)."""
    from app.views.lab_form import CONTRIBUTION_MEANS, CONTRIBUTION_STYLE

    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    form, rows = window.lab_form, window.lab_form._rows
    assert "weight" in window.predictor.schema.names
    assert rows["age"].contribution.text() and rows["weight"].contribution.text() == ""
    assert rows["age"].contribution.styleSheet() == CONTRIBUTION_STYLE and not window.results.bars.stale
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        form.set_value("weight", "80")
        assert window.results.bars.stale                                   # the bars: out of date
        for name in ("age", "sex"):
            cell = rows[name].contribution
            assert cell.text() and cell.styleSheet() != CONTRIBUTION_STYLE, name
            assert cell.toolTip().startswith("out of date (clinical values changed since the model ran): ")
    assert not window.results.bars.stale
    for name in ("age", "sex", "weight"):
        cell = rows[name].contribution
        assert cell.text() and cell.styleSheet() == CONTRIBUTION_STYLE, name
        assert cell.toolTip().startswith(CONTRIBUTION_MEANS + ": ")


def test_after_a_cancelled_or_failed_run_the_model_image_says_so_not_no_result_yet(qtbot, tiny_model, monkeypatch):
    """Esc while the model runs: the results panel said "Model run cancelled", the model image and the
    lead attention tab "No explanation (no model result yet)", as if the run were still to come. They now
    say it was cancelled; a run that fails, that it failed; the next result draws its explanation again."""
    from app import jobs, workers

    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    assert window.image_view.explanation is not None
    real = jobs.score_job
    entered, release = hold_scoring(monkeypatch)
    window.run_prediction()
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    window.cancel_work()                                              # Esc
    release.set()
    workers.cancel_all_and_wait(30000)
    qtbot.wait(100)
    assert window.session.state["prediction"] == "failed" and "cancelled" in window.results.state.text()
    assert window.image_view.caption.text() == "No explanation (model run cancelled)."
    assert window.heatmaps.caption.text() == "No explanation (model run cancelled)."

    def fails(*args, **kwargs):
        raise RuntimeError("the device ran out of memory")

    monkeypatch.setattr(jobs, "score_job", fails)
    window.run_prediction()
    qtbot.waitUntil(lambda: "Model failed" in window.results.state.text(), timeout=WAIT_MS)
    assert window.image_view.caption.text() == "No explanation (model run failed)."
    monkeypatch.setattr(jobs, "score_job", real)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.run_prediction()
    assert window.image_view.explanation is not None and "No explanation" not in window.image_view.caption.text()


def test_with_no_model_the_model_image_says_no_model_is_loaded(qtbot, tmp_path):
    """A model that cannot be loaded, then a record: the model image said "No explanation (no model
    result yet)", as if one were coming; it now says none is loaded, as the results panel does."""
    window = shown_window(qtbot, size=(1280, 800))
    window.load_model(str(tmp_path / "no-such-model"))
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    open_and_wait(qtbot, window, B)
    assert window.predictor is None and "No model loaded" in window.results.model_label.text()
    assert window.image_view.caption.text() == "No explanation (no model loaded)."
    assert window.heatmaps.caption.text() == "No explanation (no model loaded)."


def test_why_no_model_is_loaded_stays_in_the_results_panel_once_a_record_opens(qtbot, tmp_path, monkeypatch):
    """Started with a --model that is no model and nothing to load instead (or a fallback that fails):
    the message bar said why, the first record opened hid it, and the results panel said "No model
    loaded" with "No trained model ships with this build yet." only, the --model's problem gone. The
    panel now keeps the whole reason, as the bar said it."""
    import html

    import app.window.model as window_model
    import mirage_model.paths as paths
    from app.main import fallback_model_note, model_problem

    monkeypatch.setattr(paths, "default_model_path", lambda: None)        # a build that ships no model
    monkeypatch.setattr(window_model, "default_model_path", lambda: None)
    window = shown_window(qtbot, size=(1280, 800))
    problem = model_problem(str(tmp_path / "no-such-model"))
    note = fallback_model_note(problem, window.settings)
    assert "no-such-model" in note and note.endswith("no model is loaded")
    window.model_note = note                                   # as main hands it over
    window.load_model()
    window.show_message(note)
    open_and_wait(qtbot, window, B)
    assert not window.message_bar.isVisible()                  # the record's open hides the bar
    label = window.results.model_label.text()
    assert "No model loaded" in label and html.escape(note) in label, label

    broken = tmp_path / "broken"                               # the Settings choice, loaded instead: fails
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (broken / "model.safetensors").write_bytes(b"")
    window.settings.model_path = str(broken)
    window.model_note = note = fallback_model_note(problem, window.settings)
    assert "loaded instead" in note
    window.load_model()
    qtbot.waitUntil(lambda: window.model_worker is None, timeout=WAIT_MS)
    open_and_wait(qtbot, window, B)
    label = window.results.model_label.text()
    assert html.escape(note) in label and "config.json" in label and "JSON" in label, label


def test_a_model_used_instead_of_a_refused_model_says_so_until_a_model_is_chosen(qtbot, tiny_model, tmp_path):
    """Started with a --model that is no model, the model chosen in Settings loaded instead: the message
    bar said so, and the first record opened hid it; the results panel named the model loaded, the
    --model's problem gone. The panel's model line now keeps it (shown and on hover) until the user
    chooses a model."""
    import html

    from app.main import fallback_model_note, model_problem

    window = shown_window(qtbot, size=(1280, 800))
    window.settings.model_path = str(tiny_model)
    problem = model_problem(str(tmp_path / "no-such-model"))
    note = fallback_model_note(problem, window.settings)
    assert "no-such-model" in note and "loaded instead" in note
    window.model_note = note                                   # as main hands it over
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.load_model()
    assert window.predictor is not None
    window.show_message(note)
    open_and_wait(qtbot, window, B)
    assert not window.message_bar.isVisible()                  # the record's open hides the bar
    label = window.results.model_label.text()
    assert window.predictor.name in label and html.escape(note) in label, label
    assert window.results.model_label.toolTip() == note
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.use_model(str(tiny_model))                      # chosen: the --model is no reason any more
    label = window.results.model_label.text()
    assert window.predictor.name in label and "no-such-model" not in label, label
    assert window.results.model_label.toolTip() == ""


def test_a_model_chosen_in_the_settings_dialog_ends_the_refused_models_note(qtbot, tiny_model, tmp_path):
    """The same start (a --model that is no model, the Settings choice loaded instead, the panel saying
    so): the Settings dialog, driven as a person does (its fields, then OK), clears the note only when
    the model it names changes; OK with the model unchanged (the device, the page size changed) keeps it,
    Cancel changes nothing. The dialog opens without a nested event loop (``open``), so it can be driven."""
    import html
    import shutil

    from app.main import fallback_model_note, model_problem

    window = shown_window(qtbot, size=(1280, 800))
    window.settings.model_path = str(tiny_model)
    note = fallback_model_note(model_problem(str(tmp_path / "no-such-model")), window.settings)
    window.model_note = note                                   # as main hands it over
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.load_model()
    assert window.results.model_label.toolTip() == note

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def close_a_nested_loop():        # a dialog run by exec() would hold the test here: closed, it fails below
        modal = QApplication.activeModalWidget()
        if modal is not None and modal.isVisible() and dlg_holder == []:
            modal.reject()

    dlg_holder: list = []
    QTimer.singleShot(3000, close_a_nested_loop)
    dlg = window.settings_dialog()
    dlg_holder.append(dlg)
    assert dlg is not None and dlg.isVisible() and dlg.isModal()     # returned at once: open, not exec
    dlg.page_size.setCurrentIndex(1 - dlg.page_size.currentIndex())
    dlg.accept()                                              # OK, the model unchanged: still the fallback
    assert window.model_note == note and window.results.model_label.toolTip() == note
    assert html.escape(note) in window.results.model_label.text()

    other = tmp_path / "chosen"                               # the same weights in another folder: chosen
    shutil.copytree(tiny_model, other)
    dlg = window.settings_dialog()
    dlg.model_path.setText(str(other))
    dlg.reject()                                              # Cancel: nothing applied
    assert window.settings.model_path == str(tiny_model) and window.model_note == note

    dlg = window.settings_dialog()
    dlg.model_path.setText(str(other))
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        dlg.accept()
    assert window.settings.model_path == str(other) and window.model_note == ""
    label = window.results.model_label.text()
    assert window.predictor.name in label and "no-such-model" not in label, label
    assert window.results.model_label.toolTip() == ""



def test_another_record_opens_with_its_results_read_from_the_top(qtbot, tiny_model):
    """The results column scrolled down on one record (to its "In the file" block) stayed scrolled on the next
    one opened (Ctrl+PgDown, File > Open) wherever the emptied column still overflowed (the model's lines stay):
    the new record's first lines (its rhythm, a noise "may hide" or a models-disagree line) opened above the fold,
    out of sight. A new patient's results now open at their top. At 1024x600 the emptied column overflows
    offscreen (at 1280x800 on an X11 screen with the shipped models)."""
    window = shown_window(qtbot, tiny_model, size=(1024, 600))
    bar = window.results_scroll.verticalScrollBar()
    open_and_wait(qtbot, window, PTBXL_PAIR[1])
    bar.setValue(bar.maximum())
    assert bar.value() > 0, "the results column fits: nothing to scroll"
    open_and_wait(qtbot, window, PTBXL_PAIR[0])
    assert bar.maximum() > 0
    assert bar.value() == 0, (bar.value(), bar.maximum())
