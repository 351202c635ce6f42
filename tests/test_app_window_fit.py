"""The main window on a laptop screen (1024x700 and 1280x800): what the user sized stays as they
sized it, every command is reachable without an overflow menu, and controls look as live as they are.

Truth comes from outside the code under test: the width the user gave the dock, the window's own
pixel width, and whether an overlay exists (a model result with its saliency, or none)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from helpers_app import WAIT_MS, hold_scoring, shown_window  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
needs_ludb = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")
SIZES = [(1024, 700), (1280, 800)]


def _open_first(qtbot, window):
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.step_record(1)


@needs_ludb
@pytest.mark.parametrize("size", SIZES)
def test_the_folder_dock_keeps_the_width_the_user_gave_it_from_record_to_record(qtbot, size):
    """The dock, dragged wide, narrowed by a few pixels on Ctrl+PgDown and the traces jumped: the
    scale line's text ("zoom 1.23x: 30.9 mm/s ...", with the record and the zoom) set the window's
    minimum width, and the main window took the difference from the dock. Now the dock keeps the
    width it was given (as wide as the window lets it: the central part at its narrowest) while the
    records, the zoom and that text change."""
    window = shown_window(qtbot, size=size)
    _open_first(qtbot, window)
    window.resizeDocks([window.browser_dock], [size[0]], Qt.Orientation.Horizontal)    # as wide as it goes
    qtbot.wait(50)
    given = window.browser_dock.width()
    assert given > 200
    for zoom in (1.2345, 0.5123, 2.3456):
        window.viewer.plot.set_zoom(zoom)
        with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
            assert window.step_record(1) or window.step_record(-1)
        # the layout settles after the record is drawn: on a loaded machine 50 ms was not always enough (495 for 496
        # once in a full run); a dock that narrows for good still fails here
        try:
            qtbot.waitUntil(lambda: window.browser_dock.width() == given, timeout=3000)
        except AssertionError:
            pass
        assert window.browser_dock.width() == given, (zoom, window.viewer.scale_label.text())


@needs_ludb
@pytest.mark.parametrize("size", SIZES)
def test_every_toolbar_command_is_on_screen_without_an_overflow_menu(qtbot, size):
    """At 1024 px with the folder dock open, the trace tool bars put Layout, Page, Saliency in time
    and Fiducials into their ">>" overflow menus. Now every item of every tool bar is shown inside
    its bar (the window's own pixels), no bar shows its overflow button, with the fiducial legend
    drawn too; the overlay switches keep their tooltips and have keys in the View menu."""
    from PySide6.QtWidgets import QToolBar

    window = shown_window(qtbot, size=size)
    _open_first(qtbot, window)
    window.viewer.fid_box.setChecked(True)
    qtbot.wait(50)
    assert window.browser_dock.isVisible()
    bars = [b for b in window.findChildren(QToolBar) if b.isVisible()]
    assert len(bars) >= 3
    for bar in bars:
        ext = [c for c in bar.children() if c.objectName() == "qt_toolbar_ext_button"]
        assert not any(e.isVisible() for e in ext), bar.windowTitle()
        for action in bar.actions():
            w = bar.widgetForAction(action)
            assert w is not None and w.isVisible(), (action.text(), getattr(w, "text", lambda: "")())
            right = w.mapTo(window, w.rect().topRight()).x()
            assert right < window.width() and w.geometry().right() < bar.width()
    assert window.viewer.fid_legend.isVisible()
    view = next(m for m in window.menuBar().actions() if m.text() == "&View").menu()
    for switch in (window.viewer.importance_box, window.viewer.saliency_box, window.viewer.fid_box):
        assert switch in view.actions() and not switch.shortcut().isEmpty() and switch.toolTip()
        assert switch in window.viewer.overlay_btn.menu().actions()
    keys = [a.shortcut().toString() for a in window.findChildren(type(window.viewer.fid_box))
            if not a.shortcut().isEmpty()]
    assert len(keys) == len(set(keys)), sorted(keys)               # no key does two things
    before = window.viewer.fid_box.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.viewer.fid_box.isChecked() != before


def _darkest(widget) -> int:
    """The darkest grey level (0-255) the widget draws: its text or handle, as the eye sees it."""
    img = widget.grab().toImage()
    return min(img.pixelColor(x, y).value() for x in range(img.width()) for y in range(img.height()))


@needs_ludb
def test_the_opacity_slider_is_live_exactly_while_a_saliency_overlay_is_drawn(qtbot, tiny_model):
    """With a record and no model result the model image showed no overlay, yet its opacity slider
    was live and did nothing. Now the slider and its label are live exactly while a saliency
    overlay is drawn over the image (truth: the overlay item shown or not), and greyed out visibly
    (the label's darkest pixel is grey, not black) otherwise: no record, no model result, the
    overlay switched off."""
    bare = shown_window(qtbot, size=SIZES[0])
    view = bare.image_view
    assert not view.opacity.isEnabled()                                                  # no record
    _open_first(qtbot, bare)
    assert view.image is not None and not view.sal_item.isVisible()                      # image, no overlay
    assert not view.opacity.isEnabled()
    assert not view.opacity_label.isEnabled()
    greyed = _darkest(view.opacity_label)

    window = shown_window(qtbot, tiny_model, size=SIZES[0])
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        assert window.step_record(1)
    view = window.image_view
    qtbot.waitUntil(lambda: view.sal_item.isVisible(), timeout=WAIT_MS)
    assert view.opacity.isEnabled() and view.opacity_label.isEnabled()
    live = _darkest(view.opacity_label)
    assert live < 80 < greyed, (live, greyed)
    view.opacity.setValue(80)
    assert view.sal_item.opacity() == pytest.approx(0.8)
    view.show_box.setChecked(False)
    assert not view.sal_item.isVisible() and not view.opacity.isEnabled()
    view.show_box.setChecked(True)
    assert view.sal_item.isVisible() and view.opacity.isEnabled()


def _right_edge(table, column: int) -> int:
    """Pixels from the table viewport's left edge to the right edge of ``column``."""
    header = table.horizontalHeader()
    return header.sectionViewportPosition(column) + header.sectionSize(column)


SAMPLES = resources_dir() / "samples"


def _open_measured(qtbot, window):
    """The bundled samples' folder open, its first record analysed and measured."""
    window.open_folder(SAMPLES)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.step_record(1)
    qtbot.waitUntil(lambda: window.session.state["measurements"] != "pending", timeout=WAIT_MS)


@needs_ludb
@pytest.mark.parametrize("size", [(1024, 768), (1400, 900)])
def test_folder_sex_and_measurement_source_columns_fit_without_scrolling(qtbot, size):
    """At 1024x768 with the folder dock open the folder table's Sex column ended at 300 px in a
    254 px view (six 100 px columns) and the Measurements table's Source column at 281 px in a
    181 px view: both behind a horizontal scroll bar. Now the patient's columns (record, age, sex)
    and all three measurement columns lie inside their views, the record names whole where there
    is room, the tabs' names all in view, at 1024 px and in a wider window."""
    window = shown_window(qtbot, size=size)
    _open_measured(qtbot, window)
    qtbot.wait(50)
    assert window.width() == size[0] and window.browser_dock.isVisible()

    folder = window.browser.table
    assert folder.rowCount() >= 3
    sex = window.browser.COLUMNS.index("Sex")
    assert _right_edge(folder, sex) <= folder.viewport().width(), (_right_edge(folder, sex), folder.viewport().width())
    assert folder.horizontalScrollBar().value() == 0
    names = [folder.item(r, 0).text() for r in range(folder.rowCount())]
    if size[0] > 1024:     # room to spare: every record name whole
        assert folder.columnWidth(0) >= max(folder.fontMetrics().horizontalAdvance(n) for n in names)
    # the short headers say in full what they are
    for c in range(folder.columnCount()):
        assert folder.horizontalHeaderItem(c).toolTip()

    table = window.measure_panel.table
    assert window.measure_panel.isVisible()
    assert _right_edge(table, 2) <= table.viewport().width(), (_right_edge(table, 2), table.viewport().width())
    assert not table.horizontalScrollBar().isVisible()
    for r in range(table.rowCount()):
        text = table.item(r, 2).text()
        assert table.columnWidth(2) >= table.fontMetrics().horizontalAdvance(text), text

    # the tabs beside it keep their names in view (no scroll arrows)
    bar = window.tabs.tabBar()
    assert all(bar.tabRect(i).right() < bar.width() for i in range(bar.count()))

    # the result panel beside them wraps its interpretation inside its own width: its Run and Choose
    # buttons side by side had set a least width (205 px) wider than the panel at 1024 px, and the
    # statements ran past its right edge behind a scroll bar
    scroll = window.results_scroll
    assert window.results.width() <= scroll.viewport().width(), (window.results.width(), scroll.viewport().width())
    assert not scroll.horizontalScrollBar().isVisible()


@needs_ludb
@pytest.mark.parametrize("size", [(1024, 768), (1024, 700), (1400, 900)])
def test_lab_form_columns_fit_without_scrolling_and_keep_value_and_unit_whole(qtbot, size):
    """At 1024x768 with the folder dock open the "Labs & clinical" tab's grid was 460 px wide in a
    323 px view: the Reference column ended at 322 px and From and Contribution lay behind a
    horizontal scroll bar, with the value fields squeezed to 39 px. Now every shown column lies
    inside the view, no scroll bar; a typed value ("1250.5") shows whole beside its clear button
    and the unit box shows its unit; the reference's numbers show whole, the whole range (with its
    unit) on hover. Where there is no room for From and Contribution they give way, and what they
    say is in the value's tooltip; in a wide window they are shown. The result panel keeps its width."""
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox, QToolButton

    window = shown_window(qtbot, size=size)
    _open_measured(qtbot, window)
    window.tabs.setCurrentWidget(window.lab_form)
    qtbot.wait(50)
    assert window.width() == size[0] and window.browser_dock.isVisible()
    form = window.lab_form
    view = form._scroll.viewport()
    grid = form._scroll.widget().layout()
    body = form._scroll.widget()
    assert not form._scroll.horizontalScrollBar().isVisible(), (view.width(), body.minimumSizeHint().width(),
                                                                [grid.cellRect(0, c).right() for c in range(6)])
    cols = [c for c in range(grid.columnCount()) if any(
        grid.itemAtPosition(r, c) is not None and grid.itemAtPosition(r, c).widget().isVisible()
        for r in range(grid.rowCount()))]
    assert cols[:4] == [0, 1, 2, 3]
    for c in cols:
        right = grid.cellRect(0, c).right()
        assert right < view.width(), (c, right, view.width())

    edit = form.editor("nt_probnp")
    form.set_value("nt_probnp", "1250.5", emit=False)
    edit.setCursorPosition(len(edit.text()))              # as after typing it
    qtbot.wait(20)
    end = edit.cursorRect().center().x()
    clear = edit.findChildren(QToolButton)          # its clear button (fading in)
    assert end - edit.fontMetrics().horizontalAdvance("1250.5") >= 0, end              # its start in view
    assert clear and end <= clear[0].geometry().left(), (end, clear[0].geometry())     # not under the button
    for name in form.features():
        row = form._rows[name]
        if row.unit is not None:      # the unit box shows its whole unit (the style's room for it)
            box = row.unit
            opt = QStyleOptionComboBox()
            box.initStyleOption(opt)
            text = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                              QStyle.SubControl.SC_ComboBoxEditField, box)
            assert text.width() >= box.fontMetrics().horizontalAdvance(box.currentText()), (name, text.width())
        if row.reference.text():
            whole = row.feature.reference_text()
            assert row.reference.width() >= row.reference.fontMetrics().horizontalAdvance(row.reference.text())
            assert whole.startswith(row.reference.text()) and whole in row.reference.toolTip()

    crp = form._rows["crp"]
    form.set_value("crp", "12", emit=False)
    if not form.columns_shown():       # no room: From and Contribution give way, told on hover and in the caption
        assert "From and Contribution: hover a value" in form.caption.text()
        assert "from: user" in form.editor("crp").toolTip()
        assert "high" in form.editor("crp").toolTip()            # its flag stays first
    else:       # (at 1024 px too since the tabs have the width under the traces, not a third of a row)
        assert crp.source.isVisible() and crp.source.text() == "user"
    if size[0] > 1024:
        assert form.columns_shown() and "hover a value" not in form.caption.text()
    scroll = window.results_scroll
    assert scroll.width() >= 156, scroll.width()


def _widest_unit(form) -> tuple[str, int, str]:
    """(feature, index, unit) of the widest unit any row's unit box offers, in the box's own font."""
    return max(((name, i, form.unit_box(name).itemText(i)) for name in form.features()
                if form.unit_box(name) is not None for i in range(form.unit_box(name).count())),
               key=lambda t: form.unit_box(t[0]).fontMetrics().horizontalAdvance(t[2]))


@needs_ludb
@pytest.mark.parametrize("size", [(1024, 768), (1400, 900), (1600, 1000)])
def test_the_lab_form_fits_with_the_longest_unit_chosen(qtbot, size):
    """At 1024x768, choosing D-dimer's "ug/mL DDU" (the widest unit any lab offers) widened its
    unit box to that unit (99 px) and the grid to 323 px in a 312 px view: a horizontal scroll bar
    came back. Now a unit box is as wide as its row's own unit needs; a chosen unit wider than the
    room its column gives is drawn whole in a smaller font (never below three quarters of it), the
    whole unit on hover, and the grid stays inside the view. In a wide window (1600 px: 1400 px leaves the
    form ~510 px beside the model image, From and Contribution shown) it shows whole in the box's own font."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    window = shown_window(qtbot, size=size)
    _open_measured(qtbot, window)
    window.tabs.setCurrentWidget(window.lab_form)
    form = window.lab_form
    name, index, unit = _widest_unit(form)
    box = form.unit_box(name)
    fm = box.fontMetrics()
    assert fm.horizontalAdvance(unit) > max(fm.horizontalAdvance(form.unit_box(n).itemText(0))
                                            for n in form.features() if form.unit_box(n) is not None)
    box.setCurrentIndex(index)                       # as the user chooses it
    form._scroll.ensureWidgetVisible(box)
    qtbot.wait(50)
    view = form._scroll.viewport()
    grid = form._scroll.widget().layout()
    assert not form._scroll.horizontalScrollBar().isVisible(), (view.width(), form._scroll.widget().width())
    for c in range(4):
        assert grid.cellRect(0, c).right() < view.width(), (c, grid.cellRect(0, c).right(), view.width())
    font, shown = box.shown()
    assert shown == unit                             # the whole unit, not cut
    opt = QStyleOptionComboBox()
    box.initStyleOption(opt)
    field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                       QStyle.SubControl.SC_ComboBoxEditField, box)
    assert QFontMetrics(font).horizontalAdvance(unit) <= field.width(), (field.width(), font.pointSizeF())
    assert font.pointSizeF() >= 0.75 * box.font().pointSizeF()
    if size[0] >= 1600:       # room: the box's own font
        assert font.pointSizeF() == box.font().pointSizeF()
    if font.pointSizeF() < box.font().pointSizeF():
        assert unit in box.toolTip()
    # back to its own unit: drawn in the box's font again
    box.setCurrentIndex(0)
    qtbot.wait(20)
    font, shown = box.shown()
    assert shown == box.currentText() and font.pointSizeF() == box.font().pointSizeF()


@needs_ludb
@pytest.mark.parametrize("size", [(1024, 768), (1366, 768)])
def test_a_long_records_explained_window_entry_is_whole_with_the_folder_dock_open(qtbot, size):
    """The page box ended the first tool bar row: at 1024x768 with the folder dock open it had 130 px
    and showed a 1 h record's explained window as "2393.33-2403.33", without the word "explained"
    (screenshot in a real X window). It ends the second row now, which has the room. Truth: the pixel
    width of the entry's own text in the box's font against the box's text field, the window's own
    width, and the tool bars' overflow buttons."""
    import numpy as np
    from PySide6.QtWidgets import QToolBar
    from test_app_long_records import FS, _shows_whole, explanation_of

    from mirage_model.records import EcgRecord

    window = shown_window(qtbot, size=size)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert window.browser_dock.isVisible()
    viewer = window.viewer
    viewer.set_record(EcgRecord(signal=np.zeros((12, int(3600 * FS)), np.float32), fs=FS, record_id="long"))
    viewer.plot.set_explanation(explanation_of(viewer.plot.record, 3350.67))
    qtbot.wait(50)
    assert viewer.show_explained()
    qtbot.wait(50)
    assert viewer.page.currentText() == "3350.67-3360.67 s explained"
    assert viewer.page.isVisible() and _shows_whole(viewer.page), viewer.page.width()
    right = viewer.mapTo(window, viewer.rect().topRight()).x()
    assert viewer.page.mapTo(window, viewer.page.rect().topRight()).x() < right
    for bar in viewer.toolbars:
        ext = [c for c in bar.children() if c.objectName() == "qt_toolbar_ext_button"]
        assert not any(e.isVisible() for e in ext)
        assert all(bar.widgetForAction(a).isVisible() for a in bar.actions())
    assert all(isinstance(b, QToolBar) for b in viewer.toolbars)


CINC = resources_dir() / "samples" / "cinc2021" / "A0003.hea"


@pytest.mark.skipif(not (CINC.is_file() and (LUDB / "1.hea").is_file()), reason="bundled samples not present")
@pytest.mark.parametrize("size", [(1008, 740), (1366, 768)])   # 1008x740: the window fit_to_screen makes of 1024x768
def test_the_tab_names_stay_whole_when_the_measurements_widen(qtbot, size):
    """A record whose measurements say "not measurable" (the Challenge sample A0003, atrial
    fibrillation: no PR, no P axis) widens the measurement table; at 1024x768 with the folder dock
    open the tabs then showed "Median b" behind scroll arrows (real X screenshot). The tabs (the model
    image beside them) keep their names whole. Truth: each
    tab's own rectangle against the tab bar's width, and the scroll buttons."""
    from PySide6.QtWidgets import QToolButton

    window = shown_window(qtbot, size=size)
    window.open_folder(LUDB)
    qtbot.waitUntil(lambda: window.browser.worker is None, timeout=WAIT_MS)
    assert window.browser_dock.isVisible()
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(CINC)
    qtbot.waitUntil(lambda: window.session is not None and window.session.measurements is not None, timeout=WAIT_MS)
    qtbot.wait(100)
    bar = window.tabs.tabBar()
    assert [bar.tabText(i) for i in range(bar.count())] == ["Labs && clinical", "Lead attention", "Median beats"]
    whole = [bar.tabSizeHint(i).width() for i in range(bar.count())]     # each name unelided
    assert bar.width() >= sum(whole), (bar.width(), whole)
    for i in range(bar.count()):
        r = bar.tabRect(i)
        assert r.left() >= 0 and r.right() < bar.width() and r.width() >= whole[i], (bar.tabText(i), r, bar.width())
    arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
    assert arrows == []
    right = window.tabs.mapTo(window, window.tabs.rect().topRight()).x()
    assert right < window.width()


def test_the_shortcuts_list_fits_the_screen_with_its_close_button(qtbot):
    """Help > Keyboard shortcuts was a message box 880 px high: at 1024x768 its last rows (the
    calipers' keys) and its Close button were off the screen (real X screenshot). It fits the
    screen's free area now, the list scrolls, and Close is on screen. Truth: the screen's own
    geometry and the dialog's."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton, QApplication, QTextBrowser

    window = shown_window(qtbot, size=(1000, 700))
    room = window.screen().availableGeometry()
    seen = {}

    def inspect():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, inspect)
            return
        seen["frame"] = box.frameGeometry()
        close = [b for b in box.findChildren(QAbstractButton) if b.text().replace("&", "") == "Close"]
        seen["close"] = [b.mapToGlobal(b.rect().bottomRight()) for b in close if b.isVisible()]
        seen["text"] = " ".join(t.toPlainText() for t in box.findChildren(QTextBrowser))
        box.reject()

    QTimer.singleShot(50, inspect)
    action = next(a for m in window.menuBar().actions() if m.menu() is not None for a in m.menu().actions()
                  if a.text().replace("&", "") == "Keyboard shortcuts")
    action.trigger()
    assert seen["frame"].height() <= room.height(), (seen["frame"], room)
    assert len(seen["close"]) == 1 and room.contains(seen["close"][0]), (seen["close"], room)
    assert "Shift+Up / Shift+Down" in seen["text"]     # the list's last rows are in it (it scrolls)


def test_the_settings_model_field_shows_its_placeholder_whole(qtbot):
    """Settings' model field was sized by its empty text and showed "bundled default ..." (real X
    screenshot at 1024x768). It has room for the placeholder and a short path. Truth: the pixel
    width of the placeholder in the field's font against the field's text area."""
    from PySide6.QtWidgets import QStyle, QStyleOptionFrame

    from app.settings import Settings, SettingsDialog

    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.wait(50)
    field = dlg.model_path
    opt = QStyleOptionFrame()
    field.initStyleOption(opt)
    text_area = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, opt, field)
    need = field.fontMetrics().horizontalAdvance(field.placeholderText())
    assert text_area.width() >= need + 4, (text_area.width(), need)
    assert text_area.width() >= field.fontMetrics().horizontalAdvance("/models/mirage-ptbxl-base")


@needs_ludb
def test_the_scale_on_screen_and_the_filter_state_read_whole_at_1024(qtbot):
    """At 1024x768 with the folder dock open, the line over the traces read "... 13.3 mm/s, 5.34
    mm/mV o..." and "Display fil..." (real X screenshot). The filter state is never cut now, and the
    scale on screen is whole; only "(page fitted)", last, may go. Truth: the text each label draws
    against the text it was given, and the plot's own zoom."""
    from PySide6.QtWidgets import QLabel

    window = shown_window(qtbot, size=(1008, 740))      # the window fit_to_screen makes of 1024x768
    _open_first(qtbot, window)
    v = window.viewer
    v.plot.fit_page()
    qtbot.wait(100)
    assert window.browser_dock.isVisible() and v.plot.fitted and abs(v.plot.zoom - 1.0) > 0.01
    drawn_filter = QLabel.text(v.filter_label)
    assert drawn_filter == v.filter_label.text() == "Display filters off"
    drawn_scale = QLabel.text(v.scale_label)
    z = v.plot.zoom
    assert f"zoom {z:.2f}x: {25 * z:.3g} mm/s, {10 * z:.3g} mm/mV on screen" in drawn_scale, drawn_scale


@needs_ludb
@pytest.mark.parametrize("checked", [False, True])
def test_calipers_stay_in_the_tool_bar_of_a_1024x768_window_with_the_folder_dock_open(qtbot, checked):
    """In the window fit_to_screen makes of a 1024x768 screen (1008x740), with the folder dock open,
    the first trace tool bar row asked 503 px of 494: Calipers went into its ">>" overflow menu (real X
    screenshot), though the existing check at 1024x700 passed. "True scale", "Fit page" and "Calipers"
    took the style's 80 px least for a push button; now each is as wide as its word. Truth: the bar's
    overflow button, each button's rectangle inside the bar, and its word's own pixel width inside the
    room its style leaves for it, calipers off and on (on, the style sheet's padding: "Caliper" cut at
    first in the real window)."""
    window = shown_window(qtbot, size=(1008, 740))
    _open_first(qtbot, window)
    assert window.browser_dock.isVisible()
    viewer = window.viewer
    viewer.caliper_btn.setChecked(checked)
    qtbot.wait(50)
    bar = viewer.toolbars[0]
    ext = [c for c in bar.children() if c.objectName() == "qt_toolbar_ext_button"]
    assert not any(e.isVisible() for e in ext)
    for action in bar.actions():
        w = bar.widgetForAction(action)
        assert w.isVisible() and w.geometry().right() < bar.width(), (getattr(w, "text", lambda: "")(), w.geometry())
    from PySide6.QtWidgets import QStyle, QStyleOptionButton
    for button in (viewer.reset_btn, viewer.fit_btn, viewer.caliper_btn):      # each word whole in its style's room
        opt = QStyleOptionButton()
        button.initStyleOption(opt)
        room = button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, button).width()
        assert room >= button.fontMetrics().horizontalAdvance(button.text()), (button.text(), room)
    assert viewer.caliper_btn.isChecked() == checked


@needs_ludb
def test_the_lab_forms_reference_header_is_whole_in_a_1280x800_window(qtbot):
    """In the window fit_to_screen makes of a 1280x800 screen (1264x784), with the folder dock open,
    the lab form's header read "Referen..." (real X screenshot) while its value fields were 121 px
    wide, for values of six digits: a line edit asks for 17 characters and squeezed the header. Now
    the value field asks for the room a value needs and the header is whole. Truth: the header's own
    text's pixel width in its font against the label's width, and the value field still holding
    "1250.5" whole (its least, kept)."""
    from PySide6.QtWidgets import QLabel

    window = shown_window(qtbot, size=(1264, 784))
    _open_first(qtbot, window)
    window.tabs.setCurrentWidget(window.lab_form)
    qtbot.wait(50)
    assert window.browser_dock.isVisible()
    form = window.lab_form
    head = form._heads[3]
    assert head.text() == "Reference"
    assert head.width() >= head.fontMetrics().horizontalAdvance("Reference"), head.width()
    assert QLabel.text(head) == "Reference"            # drawn whole, not cut with "..."
    assert not head.toolTip().startswith("Reference\n")
    edit = form.editor("age")
    assert edit.width() >= edit.fontMetrics().horizontalAdvance("1250.5") + 30, edit.width()


@needs_ludb
def test_the_median_beats_legend_keeps_each_mark_and_its_time_on_one_line(qtbot):
    """The Median beats tab of a 1280x800 window wrapped its legend inside a mark: "P offset -26" at a
    line's end and "ms" on the next, "QRS offset" above "+78 ms" (real X screenshot). Lines now break
    between the marks only. Truth: Qt's own text layout of the legend, in the label's font, at the
    label's width and at every width from 150 to 600 px, and each mark's time from the median beat's view
    (``median_beat_view``: the measured PR, QRS and QT where they lie within a sample of the fiducial)."""
    from PySide6.QtGui import QTextDocument

    window = shown_window(qtbot, size=(1264, 784))
    _open_first(qtbot, window)
    qtbot.waitUntil(lambda: window.median_beats.view is not None, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(window.median_beats)
    qtbot.wait(50)
    legend = window.median_beats.legend
    assert legend.height() >= legend.heightForWidth(legend.width()), legend.height()      # none of it cut off
    doc = QTextDocument()
    doc.setDefaultFont(legend.font())
    doc.setDocumentMargin(0)
    doc.setHtml(legend.text())
    block = doc.begin()
    text = block.text()
    marks = []
    for _key, label, at_ms, _rgb in window.median_beats.view.marks:
        words = f"{label} {at_ms:+.0f} ms" if round(at_ms) else f"{label} 0 ms"
        start = text.replace("\N{NO-BREAK SPACE}", " ").find(words)
        assert start >= 0, (words, text)
        marks.append((start - 4, start + len(words) - 1))      # from its dashes to its "ms"
    for width in [legend.contentsRect().width()] + list(range(150, 601, 5)):
        doc.setTextWidth(width)
        assert doc.size().width() > 0         # laid out at this width
        lines = block.layout()
        assert lines.lineCount() > 0
        for first, last in marks:
            assert lines.lineForTextPosition(first).lineNumber() == lines.lineForTextPosition(last).lineNumber(), \
                (width, text[first:last + 1])


@needs_ludb
@pytest.mark.parametrize("size", [(1008, 740), (1264, 784)])
def test_the_median_beats_tab_cuts_none_of_its_note(qtbot, size):
    """The Median beats tab at 1024x768 (a real X screenshot, the folder dock open) cut its note mid-line at
    the tab's foot ("... 200 ms / 0.5 mV). One beat" and nothing under it): the legend and the note asked for
    more height than the row under the traces has. Now the words under the sheet scroll, the sheet keeps its
    share. Truth: Qt's own layout of each label's text at its width (``heightForWidth``) against the height
    the label shows of it (its scroll area's viewport where it scrolls)."""
    window = shown_window(qtbot, size=size)
    _open_first(qtbot, window)
    view = window.median_beats
    qtbot.waitUntil(lambda: view.view is not None, timeout=WAIT_MS)
    window.tabs.setCurrentWidget(view)
    qtbot.wait(100)
    for label in (view.legend, view.note):
        assert label.text() and label.height() >= label.heightForWidth(label.width()), (label.text(), label.height())
    # what a label shows of its height: all of it, or the rest by scrolling (the scroll bar shown)
    words = view.words
    shown = words.viewport().height()
    assert shown >= words.widget().height() or words.verticalScrollBar().isVisible()
    assert words.widget().width() <= words.viewport().width()        # no line runs past the tab's edge
    assert view.plot.height() >= 60, view.plot.height()               # the sheet is not squeezed to a strip


@needs_ludb
@pytest.mark.parametrize("size", SIZES)
def test_the_fitted_page_keeps_its_scale_when_the_result_arrives(qtbot, tiny_model, monkeypatch, size):
    """The legend under the traces (what the overlays are) was hidden until a model's result came, then took a
    line from the traces: the fitted page shrank under the reader's eye (0.74x to 0.71x on PTB Diagnostic s0014lre
    at 1280x800, a real window under Xvfb). Its line is kept from the start. Truth: the plot's pixel height and
    the zoom the page was fitted at, held while the model runs, against the same once its result is shown."""
    window = shown_window(qtbot, tiny_model, size=size)
    entered, release = hold_scoring(monkeypatch)
    with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
        window.open_record(LUDB / "1.hea")
        qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
        window.viewer.fit_btn.click()
        qtbot.wait(100)
        plot = window.viewer.plot
        before = (plot.height(), round(plot.zoom, 6), window.viewer.scale_label.text())
        assert plot.fitted and window.viewer.overlay_label.text() == ""       # no result, no legend yet
        release.set()
    qtbot.waitUntil(lambda: window.viewer.overlay_label.text() != "", timeout=WAIT_MS)
    qtbot.wait(100)
    assert window.viewer.overlay_label.text().startswith("orange bar + %: lead importance")
    assert (plot.height(), round(plot.zoom, 6), window.viewer.scale_label.text()) == before
