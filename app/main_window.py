"""The main window of MIRAGE Review: traces on paper, the image the model saw, results,
explanations, measurements, the lab form, a folder browser, PDF export and batch scoring.

All slow work (reading records, measuring, loading the model, inference, PDF export, folder
listing, batch scoring) runs in ``app.workers`` jobs; the window only wires results to widgets.
Research use only, not a diagnosis.
"""

from __future__ import annotations

import html
import logging
import platform
import re
import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QThread, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QDockWidget, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QMainWindow, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton, QScrollArea, QSplitter,
    QTableWidget, QTableWidgetItem, QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from app import workers
from app.batch_dialog import BatchDialog
from app.ecg_view import EcgViewer
from app.explain_view import LeadHeatmaps, ModelImageView, ProbabilityBars
from app.lab_form import LabForm
from app.measure_view import MeasurementsPanel
from app.settings import Settings, SettingsDialog
from mirage_model import RESEARCH_USE_NOTICE, __version__
from mirage_model import formats
from mirage_model.paths import shipped_models
from mirage_model.review.file_info import device_report_lines, file_patient
from mirage_model.review.session import PENDING, STALE, ReviewSession

log = logging.getLogger(__name__)

RECORD_FILTER = formats.OPEN_FILTER  # WFDB, vendor XML, DICOM, SCP-ECG, EDF/BDF ...
LAB_DEBOUNCE_MS = 600
ICON_DIR = Path(__file__).resolve().parent / "resources" / "icons"


def icon(name: str) -> QIcon:
    path = ICON_DIR / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def about_text() -> str:
    """The About box: versions and the research-use notice (HTML)."""
    import numpy
    import pyqtgraph
    import PySide6
    try:
        import torch
        torch_version = torch.__version__
    except Exception:  # noqa: BLE001 (the About box must open whatever is installed)
        torch_version = "not installed"
    return (f"<h3>MIRAGE Review {__version__}</h3>"
            "<p>Multimodal ECG review: Graphormer lead encoder, ViT image encoder, clinical FiLM "
            "and fusion (MIRAGE).</p>"
            f"<p><b>{RESEARCH_USE_NOTICE}</b> The output of this program is not a medical device result and "
            "must be confirmed by a qualified clinician.</p>"
            f"<p>Python {platform.python_version()}, PySide6 {PySide6.__version__}, pyqtgraph "
            f"{pyqtgraph.__version__}, PyTorch {torch_version}, NumPy {numpy.__version__}</p>")


class ExportDialog(QDialog):
    """Reviewer name, comment and optional patient fields for the PDF report."""

    def __init__(self, reviewer: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export PDF report")
        form = QFormLayout(self)
        self.reviewer = QLineEdit(reviewer)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("reviewer's comment (printed in the report)")
        self.patient_name = QLineEdit()
        self.patient_id = QLineEdit()
        form.addRow("Reviewer", self.reviewer)
        form.addRow("Comment", self.comment)
        form.addRow("Patient name", self.patient_name)
        form.addRow("Patient ID", self.patient_id)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class FolderBrowser(QWidget):
    """Records of a folder with id, age, sex, rate and duration, filled in lazily by a worker."""

    openRecord = Signal(str)

    COLUMNS = ("Record", "Age", "Sex", "fs (Hz)", "Length (s)", "Dx / status")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder_label = QLabel("No folder")
        self.folder_label.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        # one record is open at a time: Ctrl+PgDown (Ctrl held) must not extend the selection
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.cellDoubleClicked.connect(self._open_row)
        self.table.cellActivated.connect(self._open_row)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.folder_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.progress)
        self.paths: list[Path] = []
        self.worker: workers.Worker | None = None

    def set_folder(self, folder: str | Path) -> workers.Worker:
        """List the folder's records now and load their details in a worker (cancels a previous one)."""
        if self.worker is not None:
            self.worker.cancel()
        self.folder_label.setText(str(folder))
        self.table.setRowCount(0)
        self.paths = []
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.worker = workers.Worker(_folder_job, folder, name="folder")
        self.worker.signals.progress.connect(self._progress)
        self.worker.signals.error.connect(self._error)
        self.worker.signals.finished.connect(self._finished)
        return self.worker.start()

    def _progress(self, done: int, total: int, payload) -> None:
        kind, data = payload
        if kind == "paths":
            self.paths = list(data)
            self.table.setRowCount(len(self.paths))
            for r, path in enumerate(self.paths):
                self.table.setItem(r, 0, QTableWidgetItem(Path(path).stem))
                self.table.setItem(r, 5, QTableWidgetItem("loading..."))
            self.progress.setRange(0, max(1, len(self.paths)))
            if not self.paths:
                self.folder_label.setText(f"{self.folder_label.text()}: no ECG records found")
            return
        index, info = data
        self.progress.setValue(done)
        if isinstance(info, str):
            item = QTableWidgetItem(f"unreadable: {info}")
            item.setForeground(Qt.GlobalColor.red)
            item.setToolTip(info)
            self.table.setItem(index, 5, item)
            return
        age = info.get("age")
        values = (info["record_id"], "" if age is None else f"{age:g}", info.get("sex") or "",
                  f"{info['fs']:g}", f"{info['duration_s']:.1f}", ", ".join(list(map(str, info.get("dx") or ()))[:4]))
        for c, text in enumerate(values):
            self.table.setItem(index, c, QTableWidgetItem(text))

    def _error(self, message: str) -> None:
        self.folder_label.setText(f"{self.folder_label.text()}: {message}")

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.worker = None

    def _open_row(self, r: int, _c: int = 0) -> None:
        if 0 <= r < len(self.paths):
            self.openRecord.emit(str(self.paths[r]))

    def step(self, current: Path | None, delta: int) -> bool:
        """Open the record ``delta`` rows from ``current`` (the next / previous one); False at an end."""
        if not self.paths:
            return False
        try:
            i = [Path(p).resolve() for p in self.paths].index(Path(current).resolve()) if current else -1
        except ValueError:
            i = -1
        j = i + delta if i >= 0 else (0 if delta > 0 else len(self.paths) - 1)
        if not 0 <= j < len(self.paths):
            return False
        self.table.selectRow(j)
        self._open_row(j)
        return True


def natural_key(path) -> tuple:
    """Sort key that orders numbers by value: 1, 2, 10, 11, 100 (not 1, 10, 100, 11, 2)."""
    parts = re.split(r"(\d+)", str(path).lower())
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in parts)


def _folder_job(ctx, folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    paths = sorted(formats.find_ecg_files(folder), key=natural_key)
    ctx.progress(0, len(paths), ("paths", paths))

    class _Relay:  # header_job reports (index, info); tag it for the browser
        def progress(self, done, total, payload):
            ctx.progress(done, total, ("info", payload))

        def check(self):
            ctx.check()

    return workers.header_job(_Relay(), paths)


class ResultsPanel(QWidget):
    """Model name and training data, busy state, and the class probabilities against thresholds."""

    chooseModel = Signal()
    runModel = Signal()
    modelAvailable = Signal(bool)        # Run model can (not) be used

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_label = QLabel("")
        self.model_label.setWordWrap(True)
        self.model_label.setTextFormat(Qt.TextFormat.RichText)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        self.bars = ProbabilityBars()
        self.positive = QLabel("")
        self.positive.setWordWrap(True)
        self.device = QLabel("")          # the acquiring device's own analysis (file), never mixed with ours
        self.device.setWordWrap(True)
        self.choose_btn = QPushButton("Choose model...")
        self.choose_btn.clicked.connect(self.chooseModel)
        self.run_btn = QPushButton("Run model")
        self.run_btn.clicked.connect(self.runModel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_btn)
        buttons.addWidget(self.choose_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(QLabel("<b>Model result</b>"))
        lay.addWidget(self.model_label)
        lay.addWidget(self.busy)
        lay.addWidget(self.state)
        lay.addWidget(self.bars)
        lay.addWidget(self.positive)
        lay.addWidget(self.device)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.model_label.setText("<b>Model</b>: not loaded yet")
        self.run_btn.setEnabled(False)

    def set_no_model(self, why: str) -> None:
        self.model_label.setText("<span style='color:#a04000'><b>No model loaded</b></span>: records can be "
                                 "viewed and measured, but not classified. Choose a checkpoint folder."
                                 + (f"<br><small>{why}</small>" if why else ""))
        self.bars.clear()
        self.positive.setText("")
        self.run_btn.setEnabled(False)
        self.modelAvailable.emit(False)

    def set_loading(self, name: str) -> None:
        """A model is loading: say so (never "No model loaded" meanwhile); nothing to run yet."""
        self.model_label.setText(f"<b>Loading model {name}...</b><br><small>The record can be viewed "
                                 "and measured meanwhile; it is scored as soon as the model is ready.</small>")
        self.busy.setVisible(True)
        self.state.setText("")
        self.run_btn.setEnabled(False)
        self.modelAvailable.emit(False)

    def set_model(self, predictor) -> None:
        loaded = getattr(predictor, "loaded", None)
        prov = dict(getattr(loaded, "provenance", {}) or {})
        data = prov.get("data") or prov.get("training_data") or "unknown"
        metrics = getattr(loaded, "metrics", {}) or {}
        metric = ""
        for key in ("macro_auroc", "test_macro_auroc", "auroc"):
            if isinstance(metrics.get(key), (int, float)):
                metric = f", {key} {metrics[key]:.3f}"
                break
        device = str(predictor.device)
        threads = workers.chosen_threads()
        if device == "cpu" and threads:
            device += f", {threads} torch thread{'s' if threads > 1 else ''}"
        self.model_label.setText(f"Model <b>{predictor.name}</b> ({device}{metric})<br>"
                                 f"<small>Trained on: {data}</small>")
        self.run_btn.setEnabled(True)
        self.modelAvailable.emit(True)


class MainWindow(QMainWindow):
    """MIRAGE Review's window. Public methods are what menus call and what tests drive."""

    recordLoaded = Signal(object)        # EcgRecord, once drawn
    predictionReady = Signal(object)     # Prediction shown
    analysisFinished = Signal()          # record drawn and the model step done (result, error or no model)
    message = Signal(str)                # user-facing messages (also in the message bar)
    reportWritten = Signal(str)          # a PDF export finished (its path)
    modelFinished = Signal()             # a model load ended (loaded or failed)
    reportFailed = Signal(str, str)      # a PDF export failed (path, message)

    def __init__(self, settings: Settings | None = None, model_path: str | None = None, device: str | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.setWindowTitle("MIRAGE Review")
        self.setAcceptDrops(True)
        self.session: ReviewSession | None = None     # the one patient on screen (a new one per record)
        self._finished_session = 0                    # id of the last session analysisFinished was sent for
        self._export_queue: list = []                 # exports waiting for the session's pending work
        self.fit_page_on_open = False                 # small screens: records open fitted to the page
        self.predictor = None
        self.model_error = ""
        self.model_path_arg = model_path
        self.device_arg = device          # --device: this session only (Settings keep their own)
        self.load_worker: workers.Worker | None = None
        self.predict_worker: workers.Worker | None = None
        self.model_worker: workers.Worker | None = None
        self.export_worker: workers.Worker | None = None
        self.batch_dialog: BatchDialog | None = None
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
        self.heatmaps = LeadHeatmaps()
        self.measure_panel = MeasurementsPanel()
        self.lab_form = LabForm()
        self.browser = FolderBrowser()

        self.notice = QLabel(f"{RESEARCH_USE_NOTICE}")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
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
        msg_row = QHBoxLayout()
        msg_row.setContentsMargins(0, 0, 0, 0)
        msg_row.addWidget(self.message_bar, 1)
        msg_row.addWidget(close_msg)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.viewer)
        top.addWidget(self.image_view)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        top.setSizes([1200, 320])
        self.top_splitter = top

        self.tabs = QTabWidget()
        self.tabs.addTab(self.lab_form, "Labs && clinical")
        self.tabs.addTab(self.heatmaps, "Lead attention")

        bottom = QSplitter(Qt.Orientation.Horizontal)
        # the result panel grows with what it has to say (a withheld result, the device's own
        # analysis): it scrolls rather than squeezing its lines over each other on a short screen
        results_scroll = QScrollArea()
        results_scroll.setWidgetResizable(True)
        results_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        results_scroll.setWidget(self.results)
        bottom.addWidget(results_scroll)
        bottom.addWidget(self.measure_panel)
        bottom.addWidget(self.tabs)
        bottom.setSizes([420, 330, 700])

        center = QSplitter(Qt.Orientation.Vertical)
        center.addWidget(top)
        center.addWidget(bottom)
        center.setStretchFactor(0, 3)
        center.setStretchFactor(1, 1)
        center.setSizes([700, 290])
        self.center_splitter = center

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.notice)
        lay.addLayout(msg_row)
        lay.addWidget(center, 1)
        self.setCentralWidget(body)

        self.browser_dock = QDockWidget("Folder", self)
        self.browser_dock.setObjectName("folder_browser")
        self.browser_dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)
        self.browser_dock.setVisible(False)
        self.browser.openRecord.connect(self.open_record)

        self.status_label = QLabel("")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(QLabel(RESEARCH_USE_NOTICE))

        self.results.chooseModel.connect(self.choose_model)
        self.results.runModel.connect(self.run_prediction)
        self.image_view.methodChanged.connect(self.viewer.plot.set_saliency_method)
        self.measure_panel.edited.connect(lambda: self.show_status("Measurement corrected (goes into the report)."))

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
        file_menu.addSeparator()
        self.export_action = act("&Export PDF report...", self.export_dialog, "Ctrl+E", "pdf")
        self.save_as_action = act("Save record &as WFDB/EDF+...", self.save_as_dialog, "Ctrl+Shift+S")
        self.batch_action = act("&Batch score folder...", self.batch_dialog_open, "Ctrl+B", "batch")
        file_menu.addSeparator()
        act("&Settings...", self.settings_dialog, "Ctrl+,", "settings")
        act("&Quit", self.close, QKeySequence.StandardKey.Quit)

        view_menu = menu.addMenu("&View")
        act("Reset to &true scale", self.viewer.plot.reset_scale, "Ctrl+0", None, view_menu)
        act("&Fit page", self.viewer.plot.fit_page, "Ctrl+9", None, view_menu)
        act("Zoom &in", lambda: self.viewer.plot.set_zoom(self.viewer.plot.zoom * 1.25), "Ctrl++", None, view_menu)
        act("Zoom &out", lambda: self.viewer.plot.set_zoom(self.viewer.plot.zoom / 1.25), "Ctrl+-", None, view_menu)
        view_menu.addAction(self.browser_dock.toggleViewAction())

        model_menu = menu.addMenu("&Model")
        self.run_action = act("&Run model", self.run_prediction, "F5", "run", model_menu)
        self.run_action.setEnabled(self.predictor is not None)
        self.results.modelAvailable.connect(self.run_action.setEnabled)
        act("&Cancel running work", self.cancel_work, "Esc", None, model_menu)
        act("&Choose model...", self.choose_model, None, None, model_menu)
        shipped = model_menu.addMenu("&Shipped models")
        for name, folder in shipped_models().items():
            act(name, lambda _=False, f=str(folder): self.use_model(f), None, None, shipped)
        shipped.setEnabled(bool(shipped.actions()))

        help_menu = menu.addMenu("&Help")
        act("&About MIRAGE Review", self.about, None, None, help_menu)

        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.open_action, self.folder_action, self.run_action, self.export_action, self.batch_action):
            tb.addAction(a)

    # ------------------------------------------------------------------ messages
    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self.status_label.setText(text)

    def show_message(self, text: str) -> None:
        """A user-facing problem: the message bar (non-blocking) and the status line."""
        log.warning("%s", text)
        self.message_bar.setText(text)
        self._set_message_visible(True)
        self.show_status(text)
        self.message.emit(text)

    def _set_message_visible(self, on: bool) -> None:
        self.message_bar.setVisible(on)
        self._close_msg.setVisible(on)

    # ------------------------------------------------------------------ model
    def model_path(self) -> str | None:
        """--model, else the checkpoint chosen in Settings, else the bundled default (None if none ships)."""
        if self.model_path_arg:
            return self.model_path_arg
        if self.settings.model_path:
            return self.settings.model_path
        from mirage_model.paths import default_model_path
        path = default_model_path()
        return str(path) if path is not None else None

    def expect_model(self) -> None:
        """The model will be loaded shortly (after the first record is drawn): say "loading", so
        that nothing reads "No model loaded" meanwhile, and keep the session's result pending."""
        path = self.model_path()
        if path is not None and self.predictor is None:
            self._model_loading = True
            self.results.set_loading(Path(path).name)
            self.lab_form.set_loading_model(True)

    def load_model(self, path: str | None = None) -> workers.Worker | None:
        """Load the model in a worker; without one the app stays a viewer and says so."""
        path = path if path is not None else self.model_path()
        if self.model_worker is not None:
            self.model_worker.cancel()
        if path is None:
            self.predictor = None
            self.model_error = "No trained model ships with this build yet."
            self.results.set_no_model(self.model_error)
            self._session_model_changed()
            return None
        self._model_loading = True
        self.results.set_loading(Path(path).name)
        self.lab_form.set_loading_model(True)
        self.model_worker = workers.Worker(workers.load_predictor_job, path, self.device(), name="model")
        self.model_worker.signals.result.connect(self._model_loaded)
        self.model_worker.signals.error.connect(self._model_failed)
        self.model_worker.signals.finished.connect(self._model_finished)
        return self.model_worker.start()

    def _model_loaded(self, predictor) -> None:
        self.predictor = predictor
        self.model_error = ""
        self.results.set_model(predictor)
        self.results.state.setText("")
        self._session_model_changed()

    def _model_failed(self, message: str) -> None:
        self.predictor = None
        self.model_error = message
        self.results.set_no_model(message)
        self.results.state.setText("")
        self._session_model_changed()
        self.show_message(f"Could not load the model: {message}")

    def _model_finished(self) -> None:
        self._model_loading = False
        self.model_worker = None
        self.lab_form.set_loading_model(False)
        if self.predict_worker is None:
            self.results.busy.setVisible(False)
        self.modelFinished.emit()
        self._check_finished()

    def _session_model_changed(self) -> None:
        """The model arrived (late), changed or failed: the current session is scored again with
        its own values (never with anything of an earlier session)."""
        session = self.session
        if session is None:
            self.lab_form.set_schema(getattr(self.predictor, "schema", None))
            return
        if self.predictor is None:
            session.no_model(self.model_error or "no model loaded")
        else:
            session.set_model(self.predictor.schema, self.predictor.name)
        self.lab_form.set_session(session)
        self._show_result()
        if self.predictor is not None and session.record is not None:
            self.inputs_for_model()
            self.run_prediction()
        self._check_finished()

    def _check_finished(self) -> None:
        """analysisFinished once per session, when nothing of it is pending any more."""
        session = self.session
        if session is None or session.record is None or self._finished_session == session.id:
            return
        if self._model_loading and self.predictor is None:
            return
        if not session.pending():
            self._finished_session = session.id
            self.analysisFinished.emit()
            self._run_queued_exports()

    def device(self) -> str:
        """The inference device: --device for this session, else the Settings choice (auto/cpu/cuda)."""
        return self.device_arg or self.settings.device

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model checkpoint folder", self.settings.model_path)
        if folder:
            self.use_model(folder)

    def use_model(self, folder: str) -> None:
        """Load the checkpoint in ``folder`` and remember it as the Settings choice."""
        self.settings.model_path = folder
        self.model_path_arg = None
        self.load_model(folder)

    # ------------------------------------------------------------------ records
    def open_dialog(self) -> None:
        start = self.settings.last_folder or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open ECG record", start, RECORD_FILTER)
        if path:
            self.open_record(path)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of records", self.settings.last_folder)
        if folder:
            self.open_folder(folder)

    def step_record(self, delta: int) -> bool:
        """Next (+1) / previous (-1) record of the folder browser (Ctrl+PgDown / Ctrl+PgUp)."""
        ok = self.browser.step(self.record_path, delta)
        if not ok:
            self.show_status("No next record in the folder." if delta > 0 else "No previous record in the folder.")
        return ok

    def open_folder(self, folder: str | Path) -> workers.Worker:
        self.browser_dock.setVisible(True)
        self.settings.last_folder = str(folder)
        return self.browser.set_folder(folder)

    def open_record(self, path: str | Path) -> workers.Worker:
        """Read, draw, measure and (with a model) classify a record in a new review session.

        The previous session is closed first: its jobs are cancelled, its late results are
        dropped (their session id no longer matches) and no widget keeps any of its values.
        """
        path = Path(path)
        for w in (self.load_worker, self.predict_worker):
            if w is not None:
                w.cancel()
        self.predict_worker = None
        self._debounce.stop()
        if self.session is not None:
            self.session.events.disconnect()
        pred = self.predictor
        session = ReviewSession(path=path, schema=getattr(pred, "schema", None),
                                model_name=getattr(pred, "name", None))
        if pred is None and not self._model_loading:
            session.no_model(self.model_error or "no model loaded")
        self.session = session
        self._export_queue = [e for e in self._export_queue if e[0] == session.id]
        self._clear_views()
        sid = session.id
        self._t_open = time.perf_counter()
        self.show_status(f"Opening {path.name}...")
        pcfg = getattr(pred, "preprocess_cfg", None)
        rcfg = getattr(pred, "render_cfg", None)
        w = workers.Worker(workers.load_record_job, path, pcfg, rcfg, name="load")
        w.signals.progress.connect(lambda d, t, out, i=sid, p=path: self._load_progress(i, p, d, out))
        w.signals.result.connect(lambda out, i=sid: self._load_done(i, out))
        w.signals.error.connect(lambda msg, i=sid, p=path: self._load_failed(i, p, msg))
        w.signals.finished.connect(lambda i=sid: self._load_finished(i))
        self.load_worker = w
        return w.start()

    def _current(self, sid: int) -> bool:
        return self.session is not None and self.session.id == sid

    def _clear_views(self) -> None:
        """Nothing of the previous patient stays on screen."""
        self._set_message_visible(False)
        self.viewer.plot.set_explanation(None)
        self.image_view.set_image(None)
        self.image_view.set_explanation(None)
        self.heatmaps.set_explanation(None)
        self.measure_panel.set_session(self.session)
        self.lab_form.set_session(self.session)
        self.results.bars.clear()
        self.results.positive.setText("")
        self.results.state.setText("")

    def _load_progress(self, sid: int, path: Path, done: int, out) -> None:
        if not self._current(sid):
            out.drawn.set()
            return
        if done == 1:
            try:
                self._show_record(path, out.record)
                self.viewer.plot.viewport().update()
                self.timings["open_to_drawn_s"] = time.perf_counter() - self._t_open
            finally:
                out.drawn.set()
        elif done == 2:
            self.session.accept_inputs(sid, out.inputs, out.errors.get("inputs", ""))
            self._show_inputs(out)

    def _show_record(self, path: Path, record) -> None:
        t0 = time.perf_counter()
        self.session.set_record(record, path)
        self.viewer.set_record(record)
        if self.fit_page_on_open:
            QTimer.singleShot(0, self.viewer.plot.fit_page)
        self.lab_form.refresh()
        self.settings.add_recent(path)
        self.settings.last_folder = str(path.parent)
        self._refresh_recent()
        heading, lines = device_report_lines(record)
        self.results.device.setText(
            f"<small><b>{html.escape(heading)}</b><br>{'<br>'.join(html.escape(x) for x in lines)}</small>"
            if lines else "")
        sex = self.session.sex or "-"
        age = "-" if self.session.age is None else f"{self.session.age:g}"
        who = file_patient(record)
        named = ", ".join(x for x in (who.get("name"), f"ID {who['id']}" if who.get("id") else "") if x)
        self.setWindowTitle(f"MIRAGE Review - {record.record_id}" + (f" - {named}" if named else ""))
        self.show_status(f"{record.record_id}: {record.fs:g} Hz, {record.duration_s:.1f} s, age {age}, sex {sex}"
                         + (f"; {named}" if named else "")
                         + (f"; {who['device']}" if who.get("device") else ""))
        flagged = [f"{name}: {', '.join(record.flagged_leads(name))}" for name in ("flat", "saturated", "missing")
                   if hasattr(record, "flagged_leads") and record.flagged_leads(name)]
        if flagged:
            self.show_message(f"{record.record_id}: lead quality: " + "; ".join(flagged))
        self.timings["draw_s"] = time.perf_counter() - t0
        self.recordLoaded.emit(record)
        if self.predictor is not None:
            self.run_prediction()

    def _show_inputs(self, out) -> None:
        if out.inputs is not None:
            self.image_view.set_image(out.inputs.image[0])
        elif "inputs" in out.errors:
            self.image_view.caption.setText(f"Model image unavailable: {out.errors['inputs']}")

    def inputs_for_model(self) -> None:
        """Recompute the model image with the loaded model's preprocess/render settings (a worker)."""
        if self.record is None:
            return
        pcfg = getattr(self.predictor, "preprocess_cfg", None)
        rcfg = getattr(self.predictor, "render_cfg", None)

        def job(ctx, record):
            from mirage_model import preprocess
            return preprocess.model_inputs(record.signal, record.fs, pcfg or preprocess.PreprocessConfig(), rcfg)

        sid = self.session.id
        w = workers.Worker(job, self.record, name="inputs")
        w.signals.result.connect(lambda inputs, i=sid: self._inputs_ready(i, inputs))
        w.start()

    def _inputs_ready(self, sid: int, inputs) -> None:
        if not self._current(sid) or not self.session.accept_inputs(sid, inputs):
            return
        expl = getattr(self.prediction, "explanation", None)
        window = int(getattr(expl, "window", 0) or 0) if expl is not None else 0
        self.image_view.set_image(inputs.image[min(window, len(inputs.image) - 1)])

    def _load_done(self, sid: int, out) -> None:
        if not self._current(sid):
            return
        self.session.accept_measurements(sid, out.measurements, out.errors.get("measure", ""))
        self.measure_panel.refresh()
        self.viewer.plot.set_measurements(out.measurements)
        self.timings.update({f"job_{k}_s": v for k, v in out.timings.items()})
        self._check_finished()

    def _load_failed(self, sid: int, path: Path, message: str) -> None:
        if not self._current(sid):
            return
        self.show_message(f"Could not open {path.name}: {message}")
        self.session.cancel_measurements(f"the record could not be read: {message}")
        self._finished_session = sid
        self.analysisFinished.emit()

    def _load_finished(self, sid: int) -> None:
        if self._current(sid):
            self.load_worker = None

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for path in files:
            a = self.recent_menu.addAction(path)
            a.triggered.connect(lambda _=False, p=path: self.open_record(p))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        self.recent_menu.setEnabled(bool(files))

    def _clear_recent(self) -> None:
        self.settings.clear_recent()
        self._refresh_recent()

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if not urls:
            return
        event.acceptProposedAction()
        self.open_path(urls[0])

    def open_path(self, path: str | Path) -> None:
        """A dropped or command-line path: a folder goes to the browser, a file is opened."""
        path = Path(path)
        if path.is_dir():
            self.open_folder(path)
        else:
            self.open_record(path)

    # ------------------------------------------------------------------ prediction
    def _labs_changed(self) -> None:
        session = self.session
        if self.predictor is not None and session is not None and session.record is not None \
                and session.state["prediction"] == STALE:
            self.results.bars.set_stale(True)
            self.results.state.setText("Clinical values changed: updating...")
            self._debounce.start()

    def run_prediction(self) -> workers.Worker | None:
        """Classify the session's record with the session's values, off the GUI thread.

        The job carries the session's ticket; a result for another session, or for values that
        have changed since, is dropped when it arrives.
        """
        self._debounce.stop()
        session = self.session
        if self.predictor is None or session is None or session.record is None:
            return None
        if self.predict_worker is not None:
            self.predict_worker.cancel()
        if session.model_name != self.predictor.name or session.schema is not self.predictor.schema:
            session.set_model(self.predictor.schema, self.predictor.name)
        ticket = session.ticket()
        w = workers.Worker(workers.score_job, self.predictor, session.record, ticket, name="predict")
        w.signals.started.connect(lambda t=ticket: self._predict_started(t))
        w.signals.result.connect(lambda res, t=ticket: self._predict_done(t, res))
        w.signals.error.connect(lambda msg, t=ticket: self._predict_failed(t, msg))
        w.signals.finished.connect(lambda t=ticket: self._predict_finished(t))
        self.predict_worker = w
        self.results.busy.setVisible(True)
        self.results.bars.set_stale(True)
        self.results.state.setText(f"Running {self.predictor.name} on {self.predictor.device}...")
        return w.start()

    def _predict_started(self, ticket) -> None:
        if self.session is not None and self.session.is_current(ticket) and self.predictor is not None:
            self.show_status(f"Running the model on {self.predictor.device}...")

    def _predict_done(self, ticket, result) -> None:
        pred, contributions = result
        session = self.session
        if session is None or not session.accept_prediction(ticket, pred, contributions):
            return      # an earlier session's (or earlier values') result: dropped
        self._show_result()
        self.lab_form.refresh()
        self.show_status(f"{session.record_id}: model result ready")
        self.predictionReady.emit(pred)
        self._check_finished()

    def _show_result(self) -> None:
        """The session's prediction (or why there is none) in the results panel and overlays."""
        session = self.session
        pred = session.prediction if session is not None else None
        if pred is None:
            self.results.bars.clear()
            self.results.positive.setText("")
            self.viewer.plot.set_explanation(None)
            self.image_view.set_explanation(None)
            self.heatmaps.set_explanation(None)
            return
        withheld = getattr(pred, "withheld", "")
        self.results.bars.set_prediction(pred.labels, pred.probabilities, pred.thresholds, withheld)
        t = pred.timings.get("total")
        timing = f"<br><small>{t:.2f} s</small>" if t else ""
        if withheld:
            self.results.positive.setText(
                f"<span style='color:#a04000'><b>Result withheld</b>: {html.escape(withheld)}.</span> "
                f"The model's calls ({html.escape(', '.join(pred.model_positive))}) are unreliable on this "
                f"recording; the probabilities are shown for reference only." + timing)
        else:
            pos = ", ".join(pred.positive) if pred.positive else "none above threshold"
            self.results.positive.setText(f"Above threshold: <b>{pos}</b>" + timing)
        quality = getattr(pred, "quality", None)
        if quality is not None:
            warn = [f.name for f in quality.findings if f.severity != "info"]
            self.results.positive.setToolTip(quality.summary())
            if warn:
                self.results.positive.setText(self.results.positive.text()
                                              + "<br><small>Signal quality: " + html.escape("; ".join(warn))
                                              + "</small>")
        unused = session.unused()
        refused = list(session.refused())
        notes = []
        if unused:
            notes.append(f"Not used by this model: {', '.join(unused)}")
        if refused:
            notes.append(f"Refused (not given to the model): {', '.join(refused)}")
        self.results.state.setText("; ".join(notes))
        expl = pred.explanation
        self.viewer.plot.set_explanation(expl)
        self.image_view.set_explanation(expl)
        self.heatmaps.set_explanation(expl)
        if expl is not None and self.inputs is not None:
            w = int(getattr(expl, "window", 0) or 0)
            self.image_view.set_image(self.inputs.image[min(w, len(self.inputs.image) - 1)])

    def _predict_failed(self, ticket, message: str) -> None:
        if self.session is None or not self.session.fail_prediction(ticket, message):
            return
        self.results.bars.set_stale(False)
        self.results.state.setText(f"Model failed: {message}")
        self.show_message(f"The model could not score this record: {message}")
        self._check_finished()

    def _predict_finished(self, ticket) -> None:
        if self.session is not None and self.session.is_current(ticket):
            self.predict_worker = None
            if not self._model_loading:
                self.results.busy.setVisible(False)

    # ------------------------------------------------------------------ export
    def save_as_dialog(self) -> None:
        if self.record is None:
            self.show_message("Open a record before saving it.")
            return
        default = str(Path(self.settings.last_folder or Path.home()) / f"{self.record.record_id}.hea")
        path, chosen = QFileDialog.getSaveFileName(self, "Save record as", default, formats.SAVE_FILTER)
        if path:
            fmt, anonymise = formats.save_choice(chosen, path)
            self.save_record_as(path, fmt, anonymise)

    def save_record_as(self, path: str | Path, fmt: str, anonymise: bool = False) -> Path | None:
        """Write the current record as WFDB or EDF+ (a few milliseconds: no worker needed)."""
        from mirage_model.records import RecordError

        path = Path(path)
        try:
            out = formats.write_record(self.record, path.parent, fmt, anonymise=anonymise, name=path.stem)
        except RecordError as err:
            self.show_message(f"Cannot save: {err}")
            return None
        self.show_status(f"Saved {out.name}" + (" (anonymised)" if anonymise else ""), 5000)
        return out

    def export_dialog(self) -> None:
        if self.record is None:
            self.show_message("Open a record before exporting a report.")
            return
        dlg = ExportDialog(self.settings.reviewer, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        default = str(Path(self.settings.last_folder or Path.home()) / f"{self.record.record_id}_report.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save PDF report", default, "PDF (*.pdf)")
        if not path:
            return
        self.settings.reviewer = dlg.reviewer.text().strip()
        self.export_pdf(path, reviewer=dlg.reviewer.text().strip(), comment=dlg.comment.toPlainText().strip(),
                        patient_name=dlg.patient_name.text().strip(), patient_id=dlg.patient_id.text().strip())

    def export_pdf(self, path: str | Path, reviewer: str = "", comment: str = "", patient_name: str = "",
                   patient_id: str = "", wait: bool = True) -> workers.Worker | bool | None:
        """Write the PDF report of the current session (``report.build_report``) in a worker.

        With ``wait`` (the Export button's way) an export asked for while measurements or the model
        are still running starts when they are done (returns True: queued); without it the PDF is
        written now and names on its page what is missing and why.
        """
        session = self.session
        if session is None or session.record is None:
            self.show_message("Open a record before exporting a report.")
            return None
        from mirage_model.review import report

        settings = report.ReportSettings(page_size=self.settings.page_size, institution=self.settings.institution,
                                         reviewer=reviewer, comment=comment, patient_name=patient_name,
                                         patient_id=patient_id)
        if wait and (session.pending() or self._finished_session != session.id):
            self._export_queue.append((session.id, Path(path), settings))
            self.show_status(f"{Path(path).name} will be written when the analysis is done "
                             f"(waiting for: {', '.join(session.pending()) or 'the model'})...")
            return True
        return self._start_export(session, Path(path), settings)

    def _run_queued_exports(self) -> None:
        queued, self._export_queue = self._export_queue, []
        for sid, path, settings in queued:
            if self._current(sid):
                self._start_export(self.session, path, settings)

    def _start_export(self, session, path: Path, settings) -> workers.Worker:
        from mirage_model.review import report

        model_info = report.model_info_from(self.predictor) if self.predictor is not None else None
        w = workers.Worker(workers.report_job, session.snapshot(), path, settings=settings,
                           model_info=model_info, name="report")
        w.signals.result.connect(lambda p: self.show_status(f"Report written: {p}"))
        w.signals.result.connect(lambda p: self.reportWritten.emit(str(p)))
        w.signals.error.connect(lambda msg: self.show_message(f"Could not write the report: {msg}"))
        w.signals.error.connect(lambda msg, p=path: self.reportFailed.emit(str(p), msg))
        w.signals.finished.connect(lambda: setattr(self, "export_worker", None))
        self.export_worker = w
        self.show_status(f"Writing {path.name}...")
        return w.start()

    # ------------------------------------------------------------------ dialogs
    def batch_dialog_open(self) -> BatchDialog:
        if self.batch_dialog is None:
            self.batch_dialog = BatchDialog(self, self.predictor, self.model_path() or "", self.device(),
                                            self.settings.last_folder)
            self.batch_dialog.openRecord.connect(self.open_record)
        self.batch_dialog.predictor = self.predictor
        self.batch_dialog.model_path = self.model_path() or ""
        self.batch_dialog.show()
        self.batch_dialog.raise_()
        return self.batch_dialog

    def settings_dialog(self) -> None:
        dlg = SettingsDialog(self.settings, self)
        before = (self.settings.device, self.settings.model_path)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            dlg.apply()
            self.viewer.plot.set_dpi_override(self.settings.dpi_override)
            if (self.settings.device, self.settings.model_path) != before:
                self.model_path_arg = None
                self.device_arg = None
                self.load_model()

    def about(self) -> None:
        QMessageBox.about(self, "About MIRAGE Review", about_text())

    def cancel_work(self) -> None:
        """Esc: stop loading, inference and folder listing (their results are dropped)."""
        self.cancel_all()
        self.results.busy.setVisible(False)
        self.results.bars.set_stale(False)
        self.browser.progress.setVisible(False)
        if self.session is not None and self.session.state["measurements"] == PENDING:
            self.session.cancel_measurements("measuring was cancelled: open the record again to measure it")
            self.measure_panel.refresh()
        if self.session is not None:
            self.session.cancel_prediction("the model run was cancelled: press Run model to score again")
        self.show_status("Cancelled.")

    def cancel_all(self) -> None:
        """Set the cancel flag of every job this window started."""
        for w in (self.load_worker, self.predict_worker, self.model_worker, self.browser.worker,
                  getattr(self.batch_dialog, "worker", None)):
            if w is not None:
                w.cancel()

    def fit_to_screen(self, restore: bool = True) -> None:
        """The saved geometry when it fits a screen, else 1600x1000 shrunk to the screen's
        available area (a 1280x800 laptop gets a window that fits, status bar included)."""
        from PySide6.QtGui import QGuiApplication

        screen = self.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        saved = self.settings.window_geometry if restore else None
        if saved is not None and self.restoreGeometry(saved):
            if avail is None or avail.contains(self.frameGeometry().center()):
                return
        if avail is None:
            self.resize(1600, 1000)
            return
        w = min(1600, avail.width() - 16)
        h = min(1000, avail.height() - 16)
        # a short screen cannot show the 3x4 page at true scale: open records fitted (True scale: Ctrl+0)
        self.fit_page_on_open = avail.height() < 900
        self.resize(w, h)
        self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
        if avail.width() <= 1440:
            # a small screen: give the traces most of the width, shrink the model image column
            self.top_splitter.setSizes([int(w * 0.8), int(w * 0.2)])

    def closeEvent(self, event) -> None:
        self.cancel_all()
        self.settings.window_geometry = self.saveGeometry()
        self.settings.sync()
        super().closeEvent(event)
