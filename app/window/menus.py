"""The main window's menus (File, View, Over-read, Model, Help) and its toolbar, each command with its keys, and the
commands that act on the record on screen offered or greyed out with it (``_record_controls``). The icons of the
menus and the window (``icon``) are the SVGs of ``app/resources/icons``.

``MenusMixin`` is one of the jobs ``MainWindow`` composes; the window owns the widgets, the session and the
signals, and the slots the menus call live in the other jobs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence

from app.views.paper import LAYOUTS
from app.views.toolbar import TextSizedToolBar
from app.window.model import folder_key as _folder_key
from mirage_model.checkpoint import label_summary
from mirage_model.paths import shipped_models


COMPARE_KEYS = "Ctrl+Shift+P"      # File > Compare with prior ECG...
# the Over-read menu's keys, free of every other command's (a cardiologist signing record after record had tabbed
# through about 12 controls to reach Sign...)
ADD_KEYS, SIGN_KEYS, GO_KEYS = "Ctrl+Shift+A", "Ctrl+Shift+G", "Ctrl+Shift+R"
ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


class MenusMixin:
    """The menus and the toolbar (for ``MainWindow``)."""

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")

        def act(text, slot, shortcut=None, icon_name=None, menu_=file_menu):
            a = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            menu_.addAction(a)
            return a

        self.open_action = act("&Open record...", self.open_dialog, QKeySequence.StandardKey.Open, "open")
        self.folder_action = act("Open &folder...", self.open_folder_dialog, "Ctrl+Shift+O", "folder")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._refresh_recent()
        self.next_action = act("&Next record in folder", lambda: self.step_record(1), "Ctrl+PgDown")
        self.prev_action = act("&Previous record in folder", lambda: self.step_record(-1), "Ctrl+PgUp")
        self.compare_action = act("&Compare with prior ECG...", self.compare_dialog, COMPARE_KEYS, "compare")
        self.compare_action.setToolTip("Read an earlier ECG of this patient and compare this record with it "
                                       f"({COMPARE_KEYS})")
        # a labs table (as mirage score --labs reads it): each record opened gets its row (app/window/labs.py)
        self.labs_action = act("Open &labs table...", self.open_labs_dialog)
        self.close_labs_action = act("Close labs &table", self.close_labs_table)
        self.close_labs_action.setEnabled(False)
        file_menu.addSeparator()
        self.export_action = act("&Export PDF report...", self.export_dialog, "Ctrl+E", "pdf")
        self.print_action = act("&Print report...", self.print_dialog, QKeySequence.StandardKey.Print)
        self.preview_action = act("Print pre&view...", self.print_preview, "Ctrl+F2")
        self.save_as_action = act("Save record &as WFDB/EDF+...", self.save_as_dialog, "Ctrl+Shift+S")
        self.batch_action = act("&Batch score folder...", self.batch_dialog_open, "Ctrl+B", "batch")
        self.forget_action = act("Forget this record's o&ver-read...", self.forget_overread)
        self.elsewhere_action = act("Show the over-read kept for another file...", self.show_elsewhere)
        file_menu.addSeparator()
        act("&Settings...", self.settings_dialog, "Ctrl+,", "settings")
        act("&Quit", self.close, QKeySequence.StandardKey.Quit)

        view_menu = menu.addMenu("&View")
        true_scale = act("Reset to &true scale", self.viewer.plot.reset_scale, "Ctrl+0", None, view_menu)
        fit = act("&Fit page", self.viewer.plot.fit_page, "Ctrl+9", None, view_menu)
        zoom_in = act("Zoom &in", lambda: self.viewer.plot.set_zoom(self.viewer.plot.zoom * 1.25), "Ctrl++", None,
                      view_menu)
        # "+" is Shift+= on US and UK keyboards: Ctrl and the key marked "=" zoom in too, as in browsers
        zoom_in.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        zoom_out = act("Zoom &out", lambda: self.viewer.plot.set_zoom(self.viewer.plot.zoom / 1.25), "Ctrl+-", None,
                       view_menu)
        view_menu.addAction(self.browser_dock.toggleViewAction())
        view_menu.addSeparator()
        # the toolbar's switches, here with keys: a keyboard alone reaches them without tabbing
        self.calipers_action = act("&Calipers", lambda on: self.viewer.caliper_btn.setChecked(on), "Ctrl+K",
                                   None, view_menu)
        self.calipers_action.setCheckable(True)
        self.viewer.caliper_btn.toggled.connect(self.calipers_action.setChecked)
        # the Overlays button's switches (lead importance, saliency in time, fiducials), with their keys
        view_menu.addActions([self.viewer.importance_box, self.viewer.saliency_box, self.viewer.fid_box])
        # pages of a long record: the explained window, and the next and previous 10 s
        view_menu.addActions([self.viewer.explained_action, self.viewer.next_page_action,
                              self.viewer.prev_page_action])
        self.median_window_action = act("&Median beats in a window", self.show_median_window, "Ctrl+Shift+M",
                                        None, view_menu)
        # the row under the traces (the tabs: labs, lead attention, median beats; the model image) hidden and shown
        # again from the keyboard (a splitter's handle moves with a mouse alone): with larger text on a laptop
        # (1366x768 at QT_FONT_DPI=144) that row left the traces about 70 px, their fitted page at 0.20x
        self.panels_action = act("Panels &under the traces", lambda on: self.image_splitter.setVisible(on), None, None,
                                 view_menu)
        self.panels_action.setCheckable(True)
        # as the last run left it (kept at close with the splitters)
        self.panels_action.setChecked(self.settings.panels_under_traces)
        if not self.panels_action.isChecked():
            self.image_splitter.hide()
        layouts = view_menu.addMenu("&Layout")
        group = QActionGroup(self)
        self.layout_actions = {}
        for i, name in enumerate(LAYOUTS):
            a = act(name, lambda _=False, n=name: self.viewer.layout_box.setCurrentText(n), f"Ctrl+{i + 1}",
                    None, layouts)
            a.setCheckable(True)
            a.setChecked(name == self.viewer.layout_box.currentText())
            group.addAction(a)
            self.layout_actions[name] = a
        self.viewer.layout_box.currentTextChanged.connect(
            lambda n: n in self.layout_actions and self.layout_actions[n].setChecked(True))
        # the commands that act on the record on screen (greyed out while none is: _record_controls)
        self.record_actions = (self.export_action, self.print_action, self.preview_action, self.save_as_action,
                               self.forget_action,
                               self.compare_action, true_scale, fit, zoom_in, zoom_out, self.calipers_action,
                               self.median_window_action, *self.layout_actions.values())

        # the over-read panel's Add statement... and Sign... (its own slots: the same questions and checks) and a key to
        # its first statement row; offered while the panel shows its controls (``OverReadPanel.offered``)
        panel = self.results.interpretation.overread
        overread_menu = menu.addMenu("&Over-read")
        self.add_statement_action = act("&Add statement...", lambda _=False: panel.ask_add(), ADD_KEYS, None,
                                        overread_menu)
        self.sign_action = act("Si&gn...", lambda _=False: panel.ask_sign(), SIGN_KEYS, None, overread_menu)
        self.go_overread_action = act("&Go to the over-read", self.go_to_overread, GO_KEYS, None, overread_menu)
        self.overread_actions = (self.add_statement_action, self.sign_action, self.go_overread_action)
        for a in self.overread_actions:
            a.setEnabled(False)         # no record yet
            panel.offered.connect(a.setEnabled)

        model_menu = menu.addMenu("&Model")
        self.run_action = act("&Run model", self.run_prediction, "F5", "run", model_menu)
        self._model_available = False
        self.results.modelAvailable.connect(self._model_availability)
        act("&Cancel running work", self.cancel_work, "Esc", None, model_menu)
        act("&Choose model...", self.choose_model, None, None, model_menu)
        shipped = model_menu.addMenu("&Shipped models")
        # the loaded model is checked (none: a folder of one's own, or none loaded); a click only asks
        # for a model, the check moves when it has loaded (_sync_model_menu)
        self.shipped_group = QActionGroup(self)
        self.shipped_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.shipped_actions: dict[str, QAction] = {}     # resolved folder -> its action
        for name, folder in shipped_models().items():    # "default (NORM, MI, STTC, CD, HYP)", "statements (71 labels)"
            summary = label_summary(folder)
            a = act(f"{name} ({summary})" if summary else name, lambda _=False, f=str(folder): self.use_model(f),
                    None, None, shipped)
            a.setCheckable(True)
            self.shipped_group.addAction(a)
            self.shipped_actions[_folder_key(folder)] = a
        shipped.setEnabled(bool(shipped.actions()))
        # which model produced the numbers on screen, said in the menu itself (disabled: information)
        model_menu.addSeparator()
        self.loaded_model_action = model_menu.addAction("No model loaded")
        self.loaded_model_action.setEnabled(False)
        model_menu.setToolTipsVisible(True)

        help_menu = menu.addMenu("&Help")
        act("&Keyboard shortcuts", self.show_shortcuts, "F1", None, help_menu)
        act("&Where over-reads are kept", self.overreads_help, None, None, help_menu)
        act("&About MIRAGE Review", self.about, None, None, help_menu)

        tb = TextSizedToolBar("Main", 20, self)      # 20 px icons beside default text, larger beside larger
        self.addToolBar(tb)
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.open_action, self.folder_action, self.compare_action, self.run_action, self.export_action,
                  self.batch_action):
            tb.addAction(a)
        self._record_controls(False)

    def go_to_overread(self) -> None:
        """Over-read > Go to the over-read: the focus on its first statement row, scrolled into view."""
        w = self.results.interpretation.overread.first_control()
        self.results_scroll.ensureWidgetVisible(w)
        w.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _model_availability(self, on: bool) -> None:
        self._model_available = bool(on)
        self._record_controls(self.record is not None)

    def _record_controls(self, on: bool) -> None:
        """Offer every control that acts on a record (``on``: one is on screen) or grey them out: the
        trace view's, the model image's, the lab form, export, save, zoom, calipers, layouts, and Run
        model (which also needs a model)."""
        self.viewer.set_controls_enabled(on)
        for a in self.record_actions:
            a.setEnabled(on)
        self.lab_form.setEnabled(on)
        # the over-read kept for another file of the record on screen: offered with that record alone, greyed the
        # moment another is opened (it had stayed offered, and shown, over a record that could not be opened)
        self.elsewhere_action.setEnabled(on and self.elsewhere_here() is not None)
        run = on and self._model_available
        self.run_action.setEnabled(run)
        self.results.run_btn.setEnabled(run)
