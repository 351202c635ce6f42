"""The main window of MIRAGE Review, wiring only: it builds the views (``app.views``) and opens the
dialogs (``app.dialogs``), and composes the window's jobs (``app.window``: records in, the model,
exports out, the menus, the window on the screen, stopping work). Each view renders the
``ReviewSession`` on screen and sends edits back.

All slow work (reading records, measuring, loading the model, inference, PDF export, folder
listing, batch scoring) runs in ``app.workers`` jobs; the window only wires results to widgets.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QThread, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton, QScrollArea, QSplitter, QStyle, QTabWidget,
    QToolButton, QVBoxLayout, QWidget,
)

from app import workers
from app.dialogs.about import about_text
from app.dialogs.batch import BatchDialog
from app.dialogs.batch_paths import default_folder
from app.dialogs.shortcuts import ShortcutsDialog
from app.settings import Settings, SettingsDialog
from app.views.comparison import ComparisonView
from app.views.dialog_focus import back_from_dialog, back_when_closed, dialog_of
from app.views.ecg_viewer import EcgViewer
from app.views.elided_label import ElidedLabel
from app.views.explain import LeadHeatmaps, ModelImageView
from app.views.focus_ring import FocusRing, ring_every_dialog
from app.views.folder_browser import FolderBrowser
from app.views.lab_form import LabForm
from app.views.measurements import MeasurementsPanel
from app.views.median_beats import MedianBeatsView, MedianBeatsWindow
from app.views.patient_line import PatientLine
from app.views.results import ResultsPanel
from app.window.export import ExportMixin
from app.window.file_check import FileCheckMixin
from app.window.labs import LabsTableMixin
from app.window.menus import COMPARE_KEYS, MenusMixin
from app.window.model import ModelMixin
from app.window.overreads import OverReadsMixin
from app.window.printing import PrintMixin
from app.window.prior import PriorMixin
from app.window.reading import ReadingMixin
from app.window.records import RecordsMixin
from app.window.screen_fit import RESULT_COLUMN_PX, ScreenFitMixin
from app.window.work import WorkMixin
from mirage_model import RESEARCH_USE_NOTICE
from mirage_model.review.log_words import unnamed
from mirage_model.review.session import ReviewSession

log = logging.getLogger(__name__)

LAB_DEBOUNCE_MS = 600


class MainWindow(FileCheckMixin, RecordsMixin, ReadingMixin, LabsTableMixin, ModelMixin, ExportMixin, PrintMixin,
                 PriorMixin, OverReadsMixin, MenusMixin, ScreenFitMixin, WorkMixin, QMainWindow):
    """MIRAGE Review's window. Public methods are what menus call and what tests drive; the
    work of each menu lives in its mixin (``app.window``)."""

    recordLoaded = Signal(object)        # EcgRecord, once drawn
    predictionReady = Signal(object)     # Prediction shown
    analysisFinished = Signal()          # record drawn and the model step done (result, error or no model)
    message = Signal(str)                # user-facing messages (also in the message bar)
    reportWritten = Signal(str)          # a PDF export finished (its path)
    modelFinished = Signal()             # a model load ended (loaded or failed)
    reportFailed = Signal(str, str)      # a PDF export failed (path, message)
    priorReady = Signal(object)          # a prior ECG set beside the open record (its ReviewSession)
    priorFailed = Signal(str, str)       # a prior ECG could not be read (path, message)
    log_file = None     # the log file written (``run_logging.setup_logging``, set by ``app.main``), named in About

    def __init__(self, settings: Settings | None = None, model_path: str | None = None, device: str | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.setWindowTitle("MIRAGE Review")
        self.setAcceptDrops(True)
        self.session: ReviewSession | None = None     # the one patient on screen (a new one per record)
        self.record_status = ""      # the status bar's line for the open record ("" until it is drawn)
        self._finished_session = 0                    # id of the last session analysisFinished was sent for
        self._export_queue: list = []                 # exports waiting for the session's pending work
        self.fit_page_on_open = False                 # small screens: records open fitted to the page
        self.predictor = None
        self.statements_predictor = None              # the statements model beside it (the interpretation)
        self.statements_model_arg: str | None = None  # --statements-model: auto, none or a folder
        self.model_error = ""
        self.model_note = ""              # what was said of a --model that could not be used (main's)
        self.model_path_arg = model_path
        self.device_arg = device          # --device: this session only (Settings keep their own)
        self.load_worker: workers.Worker | None = None
        self.predict_worker: workers.Worker | None = None
        self.model_worker: workers.Worker | None = None
        self.prior_worker: workers.Worker | None = None   # reading a prior ECG to compare with
        self.loaded_model_path: str | None = None   # the folder the loaded model came from (None: none loaded)
        self.export_worker: workers.Worker | None = None
        self.export_path: Path | None = None          # the PDF export_worker writes
        self.print_worker: workers.Worker | None = None   # File > Print's job
        self.printer = None                           # the QPrinter print_worker paints on
        self.preview_worker: workers.Worker | None = None  # File > Print preview's job (the pages it shows)
        self.preview_of = ""                          # the record whose preview preview_worker makes
        self.preview_dialog = None                    # the print preview on screen
        self.batch_dialog: BatchDialog | None = None
        # closing while a PDF is being written or a batch is scoring asks first (an interactive
        # session: app.main sets it; scripted runs and tests close without a question)
        self.ask_before_quit = False
        # why the record being opened could not be ("": it opened, or is opening). A scripted export
        # (app.main) says each record that fails itself, on one line: with ``open_failures_said`` the
        # window's message of it goes to the log file only, not to the terminal a second time
        self.open_failure = ""
        self.open_failures_said = False
        self._model_loading = False
        self.timings: dict = {}
        # Loading, measuring, inference, folder listing and batch scoring may all run at once;
        # on a 2-core machine the default pool (2 threads) would queue a new record behind them.
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(max(6, QThread.idealThreadCount()))

        self._build_widgets()
        self._build_actions()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(LAB_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_prediction)
        self.lab_form.changed.connect(self._labs_changed)
        self.viewer.plot.set_dpi_override(self.settings.dpi_override)
        self._tab_order()
        self.focus_ring = FocusRing(self)       # the focused control outlined plainly (Fusion's mark is faint)
        ring_every_dialog(self)                 # and in the message boxes Qt makes (About, questions)

    def _tab_order(self) -> None:
        """Tab walks the window as it reads: the folder's records, the trace controls, the traces, the
        result column (the result, its over-read: ``OverReadPanel.chain_tab_order`` again with each record's
        rows; the measurements), the tabs under the traces and the open tab's controls
        (the lab form's rows follow the form: ``LabForm.set_schema``; the lead attention's switches, the
        median beats' words, scrolled by the keys, and button), then the model image's controls beside them.
        Qt skips the hidden tabs'."""
        v = self.viewer
        chain = [self.browser.table, *v.record_controls, v.plot, self.results_scroll, self.results.device_more,
                 self.results.run_btn, self.results.choose_btn, self.measure_panel.table, self.tabs.tabBar(),
                 self.heat_scroll, *self.heatmaps.boxes, self.median_beats.words, self.median_beats.enlarge_btn,
                 self.image_view.show_box, self.image_view.method, self.image_view.opacity]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        self.lab_form.tab_after = self.tabs.tabBar()
        self.lab_form.chain_tab_order()            # its rows after the tabs, before the other tabs' and the image
        overread = self.results.interpretation.overread
        overread.tab_after = self.results_scroll
        overread.chain_tab_order()      # after the statements, before the measurements (again with each record's rows)
        # stops that lead nowhere: the model image, the heatmaps and the median beats are pictures; and the
        # tab widget, after the lab form in Qt's chain, handed the focus on to its tab bar (its focus proxy),
        # so Tab from the last lab field went back to the tabs, round and round the bottom right corner
        for w in (self.image_view.glw, self.image_view.glw.viewport(), self.heatmaps.glw, self.median_beats.plot,
                  self.tabs):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setFocusProxy(None)
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.TabFocus)   # (the tab widget passed its policy on)

    # ------------------------------------------------------------------ the session's parts
    @property
    def record(self):
        return self.session.record if self.session is not None else None

    @property
    def record_path(self) -> Path | None:
        return Path(self.session.path) if self.session is not None and self.session.path else None

    @property
    def prediction(self):
        return self.session.prediction if self.session is not None else None

    @property
    def measurements(self):
        return self.session.measurements if self.session is not None else None

    @property
    def inputs(self):
        return self.session.inputs if self.session is not None else None

    # ------------------------------------------------------------------ building
    def _build_widgets(self) -> None:
        self.viewer = EcgViewer()
        self.image_view = ModelImageView()
        self.results = ResultsPanel()
        self.results.interpretation.overread.settings = self.settings    # the reviewer's name, remembered
        self.results.interpretation.overread.comment_left.connect(self.flush_overread)
        self.heatmaps = LeadHeatmaps()
        self.measure_panel = MeasurementsPanel()
        self.median_beats = MedianBeatsView()
        self.median_beats.physical_dpi = self.viewer.plot.physical_dpi   # one DPI (and its override) for both
        self.median_window = None             # MedianBeatsWindow, made when first asked for
        self.median_beats.enlarge.connect(self.show_median_window)
        self.lab_form = LabForm()
        self.browser = FolderBrowser()
        self.patient_line = PatientLine()     # whose ECG is on screen, always in view

        self.notice = QLabel(f"{RESEARCH_USE_NOTICE}")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setAccessibleDescription("Research-use notice")
        self.notice.setStyleSheet("background: #fff3cd; color: #7a4b00; font-weight: bold; padding: 3px;"
                                  "border-bottom: 1px solid #e0c070")
        self.message_bar = QLabel("")
        self.message_bar.setWordWrap(True)
        self.message_bar.setStyleSheet("background: #fdecea; color: #8a1c12; padding: 4px;")
        self.message_bar.setVisible(False)
        self.message_bar.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close_msg = QToolButton()
        close_msg.setText("x")
        close_msg.setAutoRaise(True)
        close_msg.clicked.connect(lambda: self._set_message_visible(False))
        self._close_msg = close_msg
        close_msg.setVisible(False)
        # shown with the message that the over-read store is refused for having lost what it held (``OverReadsMixin``)
        self.store_review = QPushButton("Review store change...")
        self.store_review.clicked.connect(self.review_store_change)
        self.store_review.setVisible(False)
        msg_row = QHBoxLayout()
        msg_row.setContentsMargins(0, 0, 0, 0)
        msg_row.addWidget(self.message_bar, 1)
        msg_row.addWidget(self.store_review)
        msg_row.addWidget(close_msg)

        self.tabs = QTabWidget()
        self.tabs.tabBar().setAccessibleName("Panels")
        self.tabs.addTab(self.lab_form, "Labs && clinical")
        # the two heatmaps side by side need about 620 px (LeadHeatmaps._fit_width): they scroll rather than holding
        # the whole row of panels that wide (a 1024 px window with the folder dock then hid the measured values)
        heat_scroll = QScrollArea()
        heat_scroll.setWidgetResizable(True)
        heat_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        heat_scroll.setWidget(self.heatmaps)
        self.heat_scroll = heat_scroll
        heat_scroll.setAccessibleName("Lead attention")
        self.heatmaps.described.connect(heat_scroll.setAccessibleDescription)     # the maps' values in words
        heat_scroll.setAccessibleDescription(self.heatmaps.accessibleDescription())
        self.tabs.addTab(heat_scroll, "Lead attention")
        self.tabs.addTab(self.median_beats, "Median beats")
        # the comparison with a prior ECG: a tab of its own while the record on screen has a prior (it
        # would take its width from the folder dock at 1024x768 for every record)
        self.comparison_view = ComparisonView(keys=COMPARE_KEYS)
        self.comparison_view.priorShown.connect(self._comparison_tab)
        self._tabs_least_width()

        # what the model sees, in view beside the tabs without a click: the 12 leads beside the image
        # the model got (as a tab of its own it was hidden behind the lab form)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.tabs)
        bottom.addWidget(self.image_view)
        bottom.setStretchFactor(0, 1)
        bottom.setStretchFactor(1, 0)
        bottom.setCollapsible(0, False)
        bottom.setCollapsible(1, False)
        self.image_splitter = bottom

        center = QSplitter(Qt.Orientation.Vertical)
        center.addWidget(self.viewer)
        center.addWidget(bottom)
        center.setStretchFactor(0, 3)
        center.setStretchFactor(1, 1)
        center.setSizes([700, 290])
        self.center_splitter = center

        # the result column, read first: the interpretation (rhythm, then the statements), the class
        # probabilities, then the measured values. Full height beside the traces, whose fitted page is
        # about twice as wide as it is tall: on a short screen its height, not its width, sets their size.
        # The result panel grows with what it has to say (a withheld result, the device's own analysis):
        # it scrolls rather than squeezing its lines over each other
        results_scroll = QScrollArea()
        results_scroll.setWidgetResizable(True)
        results_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        results_scroll.setWidget(self.results)
        self.results_scroll = results_scroll
        results_scroll.setAccessibleName("Model result")
        result_box = QWidget()        # Run model and Choose model in view under it, however long the result
        box = QVBoxLayout(result_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(results_scroll, 1)
        box.addWidget(self.results.buttons)
        column = QSplitter(Qt.Orientation.Vertical)
        column.addWidget(result_box)
        column.addWidget(self.measure_panel)
        column.setStretchFactor(0, 1)
        column.setStretchFactor(1, 0)
        column.setCollapsible(0, False)
        column.setSizes([700, 290])
        self.result_column = column

        side = QSplitter(Qt.Orientation.Horizontal)
        side.addWidget(center)
        side.addWidget(column)
        side.setStretchFactor(0, 1)
        side.setStretchFactor(1, 0)
        side.setCollapsible(1, False)
        side.setSizes([1200, RESULT_COLUMN_PX[0]])
        self.side_splitter = side
        self._split_pending = True            # the first show sizes the result column (or restores it)
        self._image_split_pending = True      # and the model image beside the tabs

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.notice)
        lay.addWidget(self.patient_line)
        lay.addLayout(msg_row)
        lay.addWidget(side, 1)
        self.setCentralWidget(body)

        self.browser_dock = QDockWidget("Folder", self)
        self.browser_dock.setObjectName("folder_browser")
        self.browser_dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)
        self.browser_dock.setVisible(False)
        self.browser.openRecord.connect(self.open_record)

        # cut with "..." where it meets the notice, whole on hover: a long record's line had been clipped
        # mid-word ("...; model res") with nothing to say there was more
        self.status_label = ElidedLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.status_notice = QLabel(RESEARCH_USE_NOTICE)
        self.statusBar().addPermanentWidget(self.status_notice)
        # signed over the statements on screen: "over-read", as the PDF's notice says (an edit un-signs: back)
        self.results.interpretation.noticeChanged.connect(self._set_notice)

        self.results.chooseModel.connect(self.choose_model)
        self.results.runModel.connect(self.run_prediction)
        self.image_view.methodChanged.connect(self.viewer.plot.set_saliency_method)
        self.measure_panel.edited.connect(lambda: self.show_status("Measurement corrected (goes into the report)."))

    def _set_notice(self, notice: str) -> None:
        self.notice.setText(notice)
        self.status_notice.setText(notice)
        if self.median_window is not None:
            self.median_window.set_notice(notice)

    def _tabs_least_width(self) -> None:
        """The tabs never narrower than their names ("Median b" behind scroll arrows at 1024x768)."""
        self.tabs.setMinimumWidth(self.tabs.tabBar().sizeHint().width() + 2 * self.tabs.style().pixelMetric(
            QStyle.PixelMetric.PM_DefaultFrameWidth))

    def _comparison_tab(self, on: bool) -> None:
        """The "Prior ECG" tab, after the others, while the session has a prior (``on``); gone with it."""
        index = self.tabs.indexOf(self.comparison_view)
        if on and index < 0:
            self.tabs.addTab(self.comparison_view, "Prior ECG")
        elif not on and index >= 0:
            self.tabs.removeTab(index)
        else:
            return
        self._tabs_least_width()

    # ------------------------------------------------------------------ messages
    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.status_label.setText(text)

    def show_message(self, text: str, level: int = logging.WARNING, logged: str = "") -> None:
        """A user-facing problem: the message bar (non-blocking) and the status line; logged at
        ``level`` (WARNING: the terminal too; INFO: the log file only), ``logged`` in its place where given, and
        never the open record's patient ID, name or birth date (``log_words.unnamed``: its file name instead); the log
        file tags that name (``record_names``: ``run_logging._LogFile``)."""
        s = self.session
        record = s.record if s is not None else None
        path = getattr(record, "path", None)
        names = (Path(path).name if path else "", str(getattr(record, "record_id", "") or ""))
        log.log(level, "%s", unnamed(logged or text, record), extra={"record_names": names})
        self.message_bar.setText(text)
        self.store_review.setVisible(False)     # another message: the store's button goes with its own
        self._set_message_visible(True)
        self.show_status(text)
        self.message.emit(text)

    def _set_message_visible(self, on: bool) -> None:
        self.message_bar.setVisible(on)
        self._close_msg.setVisible(on)
        if not on:
            self.store_review.setVisible(False)

    # ------------------------------------------------------------------ dialogs
    def batch_dialog_open(self) -> BatchDialog:
        if self.batch_dialog is None:
            self.batch_dialog = BatchDialog(self, self.predictor, self.model_path() or "", self.device(),
                                            self._batch_folder(), self.statements_model_arg or "auto")
            self.batch_dialog.openRecord.connect(self.open_record)
            self.batch_dialog.folderStarted.connect(lambda folder: setattr(self.settings, "batch_folder", folder))
            # closed (Close, Escape): this window active again; it is not modal, so the focus stays where it was left
            self.batch_dialog.finished.connect(lambda *_: back_from_dialog(self))
        self.batch_dialog.predictor = self.predictor
        self.batch_dialog.model_path = self.model_path() or ""
        self.batch_dialog.follow_labs(self.labs_table.path if self.labs_table is not None else None)
        self.batch_dialog.show()
        self.batch_dialog.raise_()
        self.batch_dialog.activateWindow()      # no window manager: else its keys (Esc: close) went to this window
        return self.batch_dialog

    def _batch_folder(self) -> str:
        """The batch dialog's Folder when it opens: the open record's folder (the folder dock's, when the record
        is one of its), else the last folder a batch was started on; never one inside MIRAGE's resources (the
        bundled sample the app opens first had made Start write its results into the installed program)."""
        record, dock = self.record_path, self.browser.folder
        under_dock = dock is not None and record is not None and dock in record.parents
        return default_folder([dock if under_dock else None, record.parent if record is not None else None, dock,
                               self.settings.batch_folder])

    def settings_dialog(self) -> SettingsDialog:
        """File > Settings: a window-modal dialog (``open``, not a nested ``exec`` loop); its OK applies
        the values (``_settings_accepted``)."""
        # --no-overreads: no store read, none to ask about
        changing = lambda new: self.overread_file == "" or self.leave_overread(None, new)      # noqa: E731
        dlg = SettingsDialog(self.settings, self, model_arg=self.model_path_arg, device_arg=self.device_arg,
                             overreads_arg=self.overread_file, store_changing=changing)
        before = (self.settings.device, self.settings.model_path)
        store = self.overread_store().path
        dlg.accepted.connect(lambda: self._settings_accepted(dlg, before, store))
        dlg.finished.connect(dlg.deleteLater)
        back_when_closed(dlg)
        dlg.open()
        return dlg

    def _settings_accepted(self, dlg: SettingsDialog, before: tuple[str, str], store: Path) -> None:
        dlg.apply()
        if self.overread_store().path != store and self.overread_file != "" and self.record_path is not None:
            self.open_record(self.record_path, asked=True)      # its over-read read again from the new store
        self.viewer.plot.set_dpi_override(self.settings.dpi_override)
        self.median_beats.refresh_note()
        # what was changed replaces this run's --model or --device; what was not keeps it (a device chosen had
        # swapped a researcher's --model for the bundled model, the status bar saying only "model result ready")
        if self.settings.model_path != before[1]:
            self.model_note = ""           # a model chosen: the --model refused at start is no reason any more
            self.model_path_arg = None
        if self.settings.device != before[0]:
            self.device_arg = None
        if (self.settings.device, self.settings.model_path) != before:
            self.load_model()

    def show_shortcuts(self) -> None:
        with dialog_of(self):
            ShortcutsDialog(self.menuBar(), self).exec()

    def about(self) -> None:
        """Help > About: versions, and the files kept: the settings, the over-read store and the log written
        (``log_file``)."""
        files = (("Settings", self.settings.file), ("Over-reads", self.overread_store().path)) + (
            (("Log (for support when something fails; it names the records opened)", self.log_file),)
            if self.log_file else ())
        with dialog_of(self):
            QMessageBox.about(self, "About MIRAGE Review", about_text(files))

    def show_median_window(self) -> None:
        """View > Median beats in a window: the session's median beats, as large as the window is
        made; it follows the record on screen (``_clear_views`` gives it each new session)."""
        if self.median_window is None:
            self.median_window = MedianBeatsWindow(self)
            self.median_window.beats.physical_dpi = self.viewer.plot.physical_dpi
            self.median_window.set_notice(self.notice.text())
        self.median_window.set_session(self.session)
        self.median_window.show()
        self.median_window.raise_()
        self.median_window.activateWindow()
