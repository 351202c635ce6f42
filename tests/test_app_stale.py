"""Nothing of the previous record stays on screen as if it were current, through the real window
(pytest-qt, offscreen): after a file that cannot be opened, a record of other leads or length, another
model, a model run that fails or is cancelled.

Each test opens a bundled record first (PTB-XL 00417_lr or LUDB 14), then what it is about, and reads
what every view says against the second file itself (its header read here with wfdb, or its bytes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from helpers_app import hold_scoring, isolated_settings, shown_window, tiny_model  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"   # F, 75
B = resources_dir() / "samples" / "ludb" / "14.hea"                                  # M, 50
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000


def open_and_wait(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


def test_a_failed_open_leaves_no_zoom_of_the_previous_record_in_the_scale_line(qtbot, tmp_path):
    """A fitted to the page (the scale line: "zoom 0.6x: ... (page fitted)"), then a header whose .dat
    is missing: no paper is drawn, so no scale is said; it had kept A's zoom as if it were the view's."""
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, A)
    window.viewer.plot.fit_page()
    assert "zoom" in window.viewer.scale_label.text()
    (tmp_path / "nodat.hea").write_text(B.read_text())      # names 14.dat, which is not beside it
    open_and_wait(qtbot, window, tmp_path / "nodat.hea")
    assert "Could not open nodat.hea" in window.message_bar.text()
    assert window.viewer.plot.record is None
    assert window.viewer.scale_label.text() == ""
    open_and_wait(qtbot, window, B)                          # drawn again: its scale said again
    assert "mm/s" in window.viewer.scale_label.text()


def test_a_name_whose_byte_is_not_utf8_is_shown_as_xnn(qtbot, tmp_path):
    """"caf<0xE9>.hea" (a Latin-1 name) that cannot be opened: the message, the title, the view and the
    folder's row said "caf.hea" / "caf" (Qt drops the byte Python keeps as a lone surrogate); they read
    "caf\\xe9", as the CLI and the batch CSV write it."""
    import os

    try:
        with open(os.fsencode(tmp_path) + b"/caf\xe9.hea", "wb") as f:
            f.write(b"not a header\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    bad = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.hea"))
    window = shown_window(qtbot, size=(1280, 800))
    open_and_wait(qtbot, window, A)
    open_and_wait(qtbot, window, bad)
    shown = "caf\\xe9.hea"
    assert window.message_bar.text().startswith(f"Could not open {shown}: ")
    assert window.windowTitle() == f"MIRAGE Review - {shown} could not be opened"
    assert window.status_label.text().startswith(f"Could not open {shown}")
    assert f"{shown} could not be opened" in window.viewer.plot.placeholder_text
    assert f"No result: {shown}" in window.results.state.text()
    window.open_folder(tmp_path)
    qtbot.waitUntil(lambda: window.browser.table.rowCount() == 1 and window.browser.table.item(0, 1) is not None,
                    timeout=WAIT_MS)
    assert window.browser.table.item(0, 0).text() == "caf\\xe9"


def ludb_copies(folder: Path, names) -> Path:
    """``folder`` holding LUDB 14 under each of ``names`` (its header's record and signal file renamed)."""
    folder.mkdir()
    lines = B.read_text().splitlines()
    for name in names:
        head = [f"{name} " + lines[0].split(" ", 1)[1]]
        head += [line.replace("14.dat", f"{name}.dat", 1) for line in lines[1:]]
        (folder / f"{name}.hea").write_text("\n".join(head) + "\n")
        (folder / f"{name}.dat").write_bytes(B.with_suffix(".dat").read_bytes())
    return folder


def test_the_batch_dialog_lists_its_rows_in_the_folder_docks_order(qtbot, tiny_model, tmp_path):
    """Records 1, 2, 10, 11: the folder dock lists them so (by number); the batch dialog listed its rows
    1, 10, 11, 2 (the batch's text order). Both now read 1, 2, 10, 11."""
    from app.views.folder_browser import FolderBrowser
    from helpers_batch import run_batch_dialog

    names = ["1", "2", "10", "11"]                       # by number; as text: 1, 10, 11, 2
    folder = ludb_copies(tmp_path / "records", names)
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.set_folder(folder)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=WAIT_MS)
    assert [browser.table.item(r, 0).text() for r in range(browser.table.rowCount())] == names
    dlg = run_batch_dialog(qtbot, tiny_model, folder, tmp_path / "scores.csv")
    col = dlg.columns.index("record_id")
    assert [dlg.table.item(r, col).text() for r in range(dlg.table.rowCount())] == names, dlg.status.text()
    assert [Path(dlg.record_path(r)).stem for r in range(4)] == names      # a double-click opens its row's


def test_a_value_beyond_the_training_data_is_flagged_in_colour_as_one_beyond_its_range(qtbot):
    """Weight 450 kg for a model trained on 5-210 kg: the form said "used as 210 kg" in words only, its
    field plain; it is now framed and coloured as troponin T 40 ng/L (reference < 14) is, and a weight
    inside the training data stays plain."""
    from app.views.lab_form import LabForm
    from mirage_model.clinical import default_schema
    from mirage_model.review.session import ReviewSession

    schema = default_schema(["age", "sex", "weight", "troponin_t"]).fit(     # trained on weights 5-210 kg
        [{"age": 30, "sex": "F", "weight": 5, "troponin_t": 1},
         {"age": 80, "sex": "M", "weight": 210, "troponin_t": 900}])
    form = LabForm()
    qtbot.addWidget(form)
    form.set_session(ReviewSession(schema=schema))
    form.set_value("troponin_t", "40")
    high = form.editor("troponin_t").styleSheet()
    assert form.status("troponin_t") == "high" and high
    form.set_value("weight", "80")
    assert form.editor("weight").styleSheet() == "" and form.message("weight") == ""
    form.set_value("weight", "450")
    assert form.message("weight").endswith("used as 210 kg")
    assert form.status("weight") == "held"
    assert form.editor("weight").styleSheet() == high
    assert form._rows["weight"].message.styleSheet() == form._rows["troponin_t"].message.styleSheet()
    form.set_value("weight", "992", "lb")                      # 450 kg in pounds: the same
    assert form.status("weight") == "held" and form.editor("weight").styleSheet() == high


def test_tab_reaches_the_open_tabs_controls_before_the_model_image_beside_them(qtbot, tiny_model):
    """With "Lead attention" or "Median beats" open, Tab from the tab bar went to the model image's
    controls (right of the tabs) first and to the open tab's switches or button after them; the order
    now follows the screen: the open tab's controls (left), then the model image's (right), then on
    round the window (no stop on the heatmaps' or the median beats' picture)."""
    from PySide6.QtWidgets import QApplication
    from PySide6.QtCore import Qt

    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    image = window.image_view
    image_controls = [w for w in (image.show_box, image.method, image.opacity) if w.isEnabled()]
    assert image_controls
    tabs = window.tabs
    for index, own in ((1, window.heatmaps.boxes), (2, [window.median_beats.enlarge_btn])):
        tabs.setCurrentIndex(index)
        own = [w for w in own if w.isEnabled() and w.isVisible()]
        assert own, tabs.tabText(index)
        tabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
        seen = []
        for _ in range(12):
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            w = QApplication.focusWidget()
            if w is window.viewer.reset_btn or w is window.browser.table:
                break                                         # round the window again
            seen.append(w)
        page = tabs.currentWidget()
        assert all(page.isAncestorOf(w) or w in image_controls for w in seen), (index, seen)
        in_page = [i for i, w in enumerate(seen) if page.isAncestorOf(w)]
        at_image = [seen.index(w) for w in image_controls]
        assert [w for w in seen if w in own] == own, tabs.tabText(index)
        assert max(in_page) < min(at_image), (tabs.tabText(index), seen)
        # the screen's own order: the tab's controls left of the model image's
        x = [w.mapToGlobal(w.rect().topLeft()).x() for w in seen]
        assert max(x[i] for i in in_page) < min(x[i] for i in at_image)


LUDB = resources_dir() / "samples" / "ludb"


@pytest.mark.parametrize("size", [(1024, 768), (1400, 900)])
def test_a_range_whose_unit_is_not_the_unit_boxs_reads_whole_with_its_unit(qtbot, size):
    """At 1024x768 with the folder dock open, hs-troponin T in ug/L showed its range cut, "<= 14 ...",
    its unit (ng/L) on hover only. Every range whose unit the box no longer shows now reads whole with
    its unit, every line of it inside the label and the label inside the view (no scroll bar)."""
    from PySide6.QtWidgets import QLabel

    window = shown_window(qtbot, size=size)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    open_and_wait(qtbot, window, B)
    window.tabs.setCurrentWidget(window.lab_form)
    form = window.lab_form
    assert window.browser_dock.isVisible()
    changed = []
    for name in form.features():
        box, row = form.unit_box(name), form._rows[name]
        whole = row.feature.reference_text()
        if box is None or box.count() < 2 or not whole.endswith(" " + row.feature.unit):
            continue
        box.setCurrentIndex(1)                        # another unit than the range's
        changed.append(name)
    assert "troponin_t" in changed and len(changed) >= 5
    qtbot.wait(50)
    view = form._scroll.viewport()
    assert not form._scroll.horizontalScrollBar().isVisible()
    for name in changed:
        row = form._rows[name]
        label = row.reference
        shown = QLabel.text(label)
        assert " ".join(shown.split()) == row.feature.reference_text(), (name, shown)   # numbers and unit
        fm = label.fontMetrics()
        assert all(fm.horizontalAdvance(line) <= label.contentsRect().width() for line in shown.split("\n")), \
            (name, shown, label.width())
        assert label.height() >= fm.lineSpacing() * shown.count("\n") + fm.height()      # every line in view
        assert label.mapTo(view, label.rect().topRight()).x() <= view.width()
    box = form.unit_box("troponin_t")
    box.setCurrentIndex(0)                               # its own unit again: the numbers beside it
    assert QLabel.text(form._rows["troponin_t"].reference) == form._rows["troponin_t"].reference_short


def _result_shown(window) -> dict:
    """What the window shows of a model result: bars, the calls, the overlays, the contributions."""
    form = window.lab_form
    return {"bars": int(window.results.bars.probabilities.size), "calls": window.results.positive.text(),
            "plot": window.viewer.plot.explanation is not None, "image": window.image_view.explanation is not None,
            "heatmaps": window.heatmaps.explanation is not None,
            "contributions": {n: form._rows[n].contribution.text() for n in form.features()
                              if form._rows[n].contribution.text()}}


NOTHING = {"bars": 0, "calls": "", "plot": False, "image": False, "heatmaps": False, "contributions": {}}


def test_a_rerun_that_fails_leaves_nothing_of_the_previous_result(qtbot, tiny_model, monkeypatch):
    """B scored, then age changed and the model run again, which fails: the panel said "Model failed"
    under the previous run's bars and calls ("Above threshold: ..."), its saliency, heatmaps and the lab
    form's contributions still drawn, though the session had no result. Now all of them are cleared."""
    from app import jobs

    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    shown = _result_shown(window)
    assert shown["bars"] == 5 and shown["calls"] and shown["plot"] and shown["contributions"], shown

    def fails(*args, **kwargs):
        raise RuntimeError("the device ran out of memory")

    monkeypatch.setattr(jobs, "score_job", fails)
    window.lab_form.set_value("age", "61")
    qtbot.waitUntil(lambda: window.session.state["prediction"] == "failed", timeout=WAIT_MS)
    qtbot.wait(50)
    assert window.prediction is None
    assert "Model failed" in window.results.state.text()
    assert _result_shown(window) == NOTHING


def test_a_rerun_cancelled_leaves_no_contribution_of_the_previous_result(qtbot, tiny_model, monkeypatch):
    """As above with Esc while the re-run runs: the bars went, the lab form's contributions stayed."""
    from app import workers

    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    assert _result_shown(window)["contributions"]
    entered, release = hold_scoring(monkeypatch)
    window.run_prediction()
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    window.cancel_work()
    release.set()
    workers.cancel_all_and_wait(30000)
    qtbot.wait(100)
    assert window.prediction is None and "cancelled" in window.results.state.text()
    assert _result_shown(window) == NOTHING


def test_a_failed_open_leaves_no_quality_summary_of_the_previous_result(qtbot, tiny_model, tmp_path):
    """A scored (the calls' tooltip: its quality report, "Signal quality: usable ..."), then a file that
    cannot be opened: the empty calls line kept A's report on hover. Found comparing every text and
    tooltip of the window after A then the file with a window that had opened LUDB 1 then the file."""
    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, A)
    assert window.results.positive.toolTip().startswith("Signal quality")
    (tmp_path / "nodat.hea").write_text(B.read_text())
    open_and_wait(qtbot, window, tmp_path / "nodat.hea")
    assert window.results.positive.text() == "" and window.results.positive.toolTip() == ""


def test_the_open_batch_dialog_scores_with_the_model_loaded_since(qtbot, tiny_model, tmp_path):
    """The batch dialog opened with model A, then model B chosen in the window: the dialog's next run
    loaded A (the model it was opened with) and its CSV named A. It now scores with B."""
    import csv

    from helpers_models import make_tiny_checkpoint

    other = make_tiny_checkpoint(tmp_path / "other", clinical=("age", "sex"), name="tiny-other")
    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    dlg = window.batch_dialog_open()
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.use_model(str(other))
    assert window.predictor.name == "tiny-other"
    folder = ludb_copies(tmp_path / "records", ["1"])
    dlg.folder.setText(str(folder))
    dlg.output.setText(str(tmp_path / "scores.csv"))
    dlg.start()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    with open(tmp_path / "scores.csv", encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["status"] == "ok", row
    named = [v for k, v in row.items() if "model" in k]
    assert any("tiny-other" in v for v in named), named


def _explanations_drawn(window) -> dict:
    """How the explanations of the result are drawn: each overlay's opacity (the importance bands, the
    saliency strips, the model image's saliency against its opacity slider, this record's lead attention)
    and what the captions say."""
    plot = window.viewer.plot
    image, heatmaps = window.image_view, window.heatmaps
    shown = [item for item in plot._bands + plot._sal_items if item.isVisible()]
    return {"plot": sorted({round(item.opacity(), 2) for item in shown}),
            "image": round(image.sal_item.opacity() / (image.opacity.value() / 100.0), 2),
            "attention": round(heatmaps.images[1][0].opacity(), 2), "bias": round(heatmaps.images[0][0].opacity(), 2),
            "said": [window.viewer.overlay_full, image.caption.toolTip(), image.glw.toolTip(), heatmaps.caption.text()],
            "image caption": image.caption.text()}


def test_the_explanations_of_a_result_out_of_date_are_faded_as_its_bars_are(qtbot, tiny_model, monkeypatch):
    """B scored, then age changed (the re-run pending), then the model run again: the bars and the lab
    form's contributions faded, the saliency and lead importance on the traces, the model image's saliency
    and this record's lead attention stayed at full strength, said current. They are now faded and said
    out of date (the learned lead bias, the model's own, stays), and drawn whole again with the new result."""
    window = shown_window(qtbot, tiny_model, size=(1280, 800))
    open_and_wait(qtbot, window, B)
    current = _explanations_drawn(window)
    assert current["plot"] == [1.0] and current["image"] == 1.0 and current["attention"] == 1.0, current
    assert not any("out of date" in text.lower() for text in current["said"] + [current["image caption"]]), current

    def faded(why):
        drawn = _explanations_drawn(window)
        assert window.results.bars.stale
        assert drawn["plot"] and max(drawn["plot"]) <= 0.5 and drawn["image"] <= 0.5, drawn
        assert drawn["attention"] <= 0.5 and drawn["bias"] == 1.0, drawn
        assert all(f"out of date ({why}" in text.lower() for text in drawn["said"]), drawn
        assert "out of date" in drawn["image caption"].lower()       # a narrow column: the reason on hover

    window.lab_form.set_value("age", "61")          # the re-run waits for more typing
    assert window.session.state["prediction"] == "stale"
    faded("clinical values changed")
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        pass
    drawn = _explanations_drawn(window)
    assert drawn["plot"] == [1.0] and drawn["image"] == 1.0 and drawn["attention"] == 1.0, drawn
    assert not any("out of date" in text.lower() for text in drawn["said"] + [drawn["image caption"]]), drawn

    entered, release = hold_scoring(monkeypatch)
    window.run_prediction()                          # run again, the values unchanged
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    faded("the model is running again")
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        release.set()
    drawn = _explanations_drawn(window)
    assert drawn["plot"] == [1.0] and drawn["image"] == 1.0 and drawn["attention"] == 1.0, drawn
    assert not any("out of date" in text.lower() for text in drawn["said"] + [drawn["image caption"]]), drawn
