"""The main window's reading order on a laptop screen: the interpretation, read first, has a column of
its own beside the traces, wide and tall enough for a typical record's statements at 1280x800 without
scrolling; the column's width is the user's to set and is kept from one run to the next. The image the
model got is in view beside the tabs under the traces, without a click.

Truth comes from outside the code under test: the window's own pixels (where each widget lies against
its scroll area's viewport) and the width the user gave the column."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
WINDOW_1280 = (1264, 784)          # the window mirage-review opens on a 1280x800 screen (the screen less 16 px)
WINDOW_1024 = (1008, 740)          # and on a 1024x768 one


def _statements(n: int = 8):
    """``n`` of eight statements as long as a real record's (ECG_P28.01's five with the statements model, and three
    more): rhythm first, each with its source."""
    from mirage_model.review.interpret import Interpretation, Statement

    def model(group, text, p, confidence, measured=True):
        return Statement(group, text, "model", code="X", probability=p, confidence=confidence, measured=measured)

    return Interpretation(statements=(
        model("rhythm", "Sinus rhythm, 61 bpm, most probable rhythm (below its threshold)", 0.42, "low"),
        model("rhythm", "Ventricular premature complexes", 0.34, "low"),
        Statement("conduction", "First degree AV block (PR 224 ms)", "measurement",
                  rule="PR 224 ms > 200 ms (Rautaharju et al. 2009)"),
        model("form", "Abnormal QRS", 0.35, "low"),
        model("infarction", "Anteroseptal infarct", 0.74, "moderate"),
        Statement("repolarisation", "Prolonged QTc (479 ms, Bazett)", "measurement",
                  rule="QTc 479 ms >= 450 ms for men; sex unknown (Rautaharju et al. 2009)"),
        Statement("axis", "Left axis deviation (QRS axis -45 deg)", "measurement",
                  rule="QRS axis -45 deg < -30 deg (Surawicz et al. 2009)"),
        model("repolarisation", "Non-specific ST-T changes", 0.51, "moderate", measured=False),
    )[:n], rate_bpm=61.0, model_name="statements")


# window, statements, the interpretation's least width (px): the statements in two or three lines
@needs_ludb
@pytest.mark.parametrize("size, n, least", [(WINDOW_1280, 8, 300), (WINDOW_1024, 6, 250)])
def test_a_records_statements_are_read_whole_without_scrolling(qtbot, monkeypatch, size, n, least):
    """At 1280x800 with the folder dock open the interpretation sat in a 220 px column under the traces,
    210 px tall (130 px wide at 1024x768): 4 or 5 statements in view, each over two to five lines. Now
    it heads a column of its own beside the traces: at least ``least`` px wide, and a record's ``n``
    statements, their sources and the line saying which model said them lie inside the column's view,
    nothing scrolled."""
    import app.views.interpretation as interpretation
    from app.main_window import MainWindow
    from app.settings import Settings

    monkeypatch.setattr(interpretation, "session_interpretation", lambda session: _statements(n))
    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)        # as mirage-review opens it: a short screen, records fitted
    window.resize(*size)
    window.show()
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.step_record(1)
    qtbot.wait(50)
    QApplication.processEvents()
    assert window.size().toTuple() == size and window.browser_dock.isVisible()

    view = window.results.interpretation
    shown = view.text.text()
    assert shown.count("<li>") == n and _statements(n).statements[-1].text in shown       # all drawn
    assert view.text.width() >= least, view.text.width()
    scroll = window.results_scroll
    port = scroll.viewport()
    top = view.mapTo(port, QPoint(0, 0)).y()
    bottom = view.mapTo(port, QPoint(0, view.height())).y()
    assert scroll.verticalScrollBar().value() == 0
    assert 0 <= top and bottom <= port.height(), (top, bottom, port.height())       # the whole list in view
    assert view.text.height() >= view.text.heightForWidth(view.text.width())        # none of it squeezed
    assert not scroll.horizontalScrollBar().isVisible()
    # the traces beside it, not under it: the column spans the window's height below the patient line
    assert window.results_scroll.mapTo(window, QPoint(0, 0)).y() < window.viewer.plot.mapTo(window, QPoint(0, 0)).y()


@needs_ludb
def test_the_result_columns_width_is_kept_from_one_run_to_the_next(qtbot):
    """The result column is as wide as the user drags it, and the next window opens with it so wide
    (QSettings), its measurements as tall as they were left, the model image as wide."""
    from app.main_window import MainWindow
    from app.settings import Settings

    first = MainWindow(Settings())
    qtbot.addWidget(first)
    first.resize(*WINDOW_1280)
    first.show()
    qtbot.wait(50)
    total = sum(first.side_splitter.sizes())
    first.side_splitter.setSizes([total - 457, 457])            # as the user drags its handle
    height = sum(first.result_column.sizes())
    first.result_column.setSizes([height - 301, 301])
    below = sum(first.image_splitter.sizes())
    first.image_splitter.setSizes([below - 263, 263])          # and the model image's edge
    qtbot.wait(20)
    assert first.side_splitter.sizes()[1] == 457 and first.image_splitter.sizes()[1] == 263
    first.close()

    again = MainWindow(Settings())
    qtbot.addWidget(again)
    again.resize(*WINDOW_1280)
    again.show()
    qtbot.wait(50)
    assert again.side_splitter.sizes()[1] == 457 and again.results_scroll.width() == 457
    assert again.result_column.sizes()[1] == 301
    assert again.image_splitter.sizes()[1] == 263 and again.image_view.width() == 263


def _bar_start(img, row: int) -> int:
    """The x where the bars start: the first pixel of a row's bar (its fill, blue below the threshold, or its
    grey track) on the bar's middle line."""
    y = 4 + 22 * row + 9
    return next(x for x in range(img.width()) if img.pixelColor(x, y).getRgb()[:3] in ((232, 232, 232), (70, 120, 190)))


def test_the_class_bars_are_named_whole_in_the_result_column(qtbot):
    """In the result panel's 220 px the bars read "CD  Conduction distu..." and "MI  Myocardial infar...":
    cut mid-word. Where the full names do not fit half the width the bars are named by their labels alone,
    every label whole left of where its bar starts (the window's own pixels), the full names on hover;
    in a wide panel the full names are drawn. Truth: the PTB-XL superclass names and the bars' pixels."""
    from PySide6.QtGui import QFont, QFontMetrics

    from app.views.probability_bars import ProbabilityBars

    labels = ("NORM", "MI", "STTC", "CD", "HYP")
    full = ("Normal ECG", "Myocardial infarction", "ST/T change", "Conduction disturbance", "Hypertrophy")
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_prediction(labels, [0.05, 0.71, 0.7, 0.16, 0.01], [0.5, 0.5, 0.3, 0.4, 0.4])
    bars.resize(310, bars.sizeHint().height())
    img = bars.grab().toImage()
    grey = _bar_start(img, len(labels) - 1)
    bold = QFont(bars.font())
    bold.setBold(True)
    assert max(QFontMetrics(bold).horizontalAdvance(lab) for lab in labels) < grey       # each label whole
    assert QFontMetrics(bold).horizontalAdvance("CD  Conduction disturbance") > grey    # the full name would not be
    for i, lab in enumerate(labels):       # what is drawn left of each bar is its label, right-aligned: no cut name
        y0 = 4 + 22 * i
        dark = [x for x in range(grey) for y in range(y0, y0 + 18) if img.pixelColor(x, y).lightness() < 128]
        assert dark and min(dark) >= grey - 8 - QFontMetrics(bold).horizontalAdvance(lab) - 2, (lab, min(dark))
    for lab, name in zip(labels, full):
        assert f"{lab}: {name}" in bars.toolTip()

    bars.resize(900, bars.sizeHint().height())
    img = bars.grab().toImage()
    wide = _bar_start(img, len(labels) - 1)
    assert wide > QFontMetrics(bold).horizontalAdvance("CD  Conduction disturbance")      # room: full names drawn
    assert "CD: Conduction disturbance" not in bars.toolTip()


# window, the image's least side (px): as tall as the row under the traces at 1280x800; at 1024x768, where
# the tabs at their least leave it 160 px, its controls under it rather than a column beside it (63 px)
@needs_ludb
@pytest.mark.parametrize("size, least", [(WINDOW_1280, 180), (WINDOW_1024, 110)])
def test_the_model_image_is_in_view_beside_the_traces_without_a_click(qtbot, size, least):
    """The app shows the 12 leads beside the image the model got; a tab of its own under the traces
    ("Model image") hid it behind the lab form until clicked. Now it is in view as the window opens, a
    record shown, the lab form beside it: the 224x224 image drawn at least ``least`` px square inside
    the window, its controls too. Truth: where the image item lands in the window's pixels."""
    from PySide6.QtCore import QRect

    from app.main_window import MainWindow
    from app.settings import Settings

    settings = Settings()
    settings.model_path = ""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.fit_to_screen(restore=False)
    window.resize(*size)
    window.show()
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert window.step_record(1)
    view = window.image_view
    qtbot.waitUntil(lambda: view.image is not None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert window.size().toTuple() == size and window.browser_dock.isVisible()
    assert view.isVisible() and view.image.shape == (224, 224)
    assert window.tabs.currentWidget() is window.lab_form and window.lab_form.isVisible()
    bar = window.tabs.tabBar()
    assert "Model image" not in [bar.tabText(i) for i in range(bar.count())]
    item = view.image_item
    drawn = item.mapRectToDevice(item.boundingRect()).toRect()          # in the image widget's pixels
    port = view.glw.viewport()
    at = QRect(port.mapTo(window, drawn.topLeft()), drawn.size())
    assert min(at.width(), at.height()) >= least, at
    assert window.rect().contains(at) and port.rect().contains(drawn.adjusted(1, 1, -1, -1)), (at, port.rect())
    assert at.top() > window.viewer.plot.mapTo(window, QPoint(0, window.viewer.plot.height())).y()   # under the traces
    for w in (view.show_box, view.method, view.opacity):
        assert w.isVisible() and window.rect().contains(QRect(w.mapTo(window, QPoint(0, 0)), w.size()))
