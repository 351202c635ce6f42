"""The results panel: the model's name and training data, the busy state, the class
probabilities against their thresholds and the acquiring device's own analysis."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QToolButton, QVBoxLayout, QWidget

from app import jobs
from app.views.interpretation import InterpretationView
from app.views.probability_bars import ProbabilityBars


def _test_figure(predictor) -> str:
    """The model's held-out test figure with its split ("fold-10 macro AUROC 0.936"), "" when it has none."""
    # imported here: the report package brings reportlab, which a window that writes no PDF need not load at start
    from mirage_model.review.report.model_info import held_out_figure

    loaded = getattr(predictor, "loaded", None)
    return held_out_figure(getattr(loaded, "metrics", None), getattr(loaded, "provenance", None))


FILE_LINES_SHOWN = 3      # a block of the file's own words of more lines than this and one shows its first 3


def file_info_html(notes: list[str], blocks: list[tuple[str, list[str]]], whole: bool = True) -> tuple[str, int]:
    """The record's ``notes`` (``file_info.record_notes``), then each (heading, lines) block of the file's own
    words (``device_report_lines``, ``file_diagnosis_lines``) as rich text, the words escaped; ``whole`` False:
    a block of more than ``FILE_LINES_SHOWN`` + 1 lines shows its first ``FILE_LINES_SHOWN`` and "... (n more)".
    Returns (the text, how many lines were left out)."""
    parts = [f"<small style='color:#555'>{escape(n)}</small>" for n in notes]
    cut = 0
    for heading, lines in blocks:
        if not lines:
            continue
        shown = lines if whole or len(lines) <= FILE_LINES_SHOWN + 1 else lines[:FILE_LINES_SHOWN]
        more = len(lines) - len(shown)
        cut += more
        said = "<br>".join(escape(x) for x in shown) + (f"<br><i>... ({more} more)</i>" if more else "")
        parts.append(f"<small><b>{escape(heading)}</b><br>{said}</small>")
    return "<br>".join(parts), cut


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
        # the labs the model reads that no table or typed value gives (``LabsTableMixin.say_labs_masked``)
        self.labs_note = QLabel("")
        self.labs_note.setWordWrap(True)
        self.labs_note.setStyleSheet("color: #a04000")
        self.labs_note.setVisible(False)
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
        # why the record has no quality verdict, when its assessment failed (the gate then passes
        # nothing: the model's calls are never shown); at the top, above the fold at 1024x768
        self.quality = QLabel("")
        self.quality.setAccessibleDescription("Signal quality")
        self.quality.setWordWrap(True)
        self.quality.setTextFormat(Qt.TextFormat.RichText)
        self.quality.setVisible(False)
        self.interpretation = InterpretationView()    # statements in reading order, each with its source
        # the file's own words: the record's notes (channels not shown), then the acquiring device's
        # own analysis and the file's own diagnoses ("In the file"), never mixed with ours; a long block
        # (PTB Diagnostic's clinical notes, a long #Dx list) shows its first lines, the whole on hover and
        # with More (``set_file_info``)
        self.device = QLabel("")
        self.device.setWordWrap(True)
        self.device_more = QToolButton()
        self.device_more.setCheckable(True)
        self.device_more.setAccessibleDescription("Show all that the file says")
        self.device_more.toggled.connect(lambda _on: self._draw_file_info())
        self.device_more.setVisible(False)
        self._file_info: tuple[list[str], list[tuple[str, list[str]]]] = ([], [])
        self.choose_btn = QPushButton("Choose model...")
        self.choose_btn.clicked.connect(self.chooseModel)
        self.run_btn = QPushButton("Run model")
        self.run_btn.clicked.connect(self.runModel)
        # one above the other: side by side they set the panel's least width (205 px), wider than the
        # panel is at 1024 px, and the interpretation then ran past its right edge behind a scroll bar.
        # Not in the panel's own layout: the window keeps them in view under the panel's scroll area (at the
        # panel's end they lay below the fold at 1280x800 and 1024x700, under the interpretation)
        self.buttons = QWidget()
        buttons = QVBoxLayout(self.buttons)
        buttons.setContentsMargins(4, 2, 4, 2)
        buttons.setSpacing(2)
        buttons.addWidget(self.run_btn, alignment=Qt.AlignmentFlag.AlignLeft)
        buttons.addWidget(self.choose_btn, alignment=Qt.AlignmentFlag.AlignLeft)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(QLabel("<b>Model result</b>"))
        lay.addWidget(self.quality)       # first: nothing below it passed the quality gate
        lay.addWidget(self.interpretation)        # what a cardiologist reads first: the rhythm, then the rest
        lay.addWidget(self.interpretation.overread)     # confirm / strike each, under the statements, not among them
        lay.addWidget(self.busy)
        lay.addWidget(self.state)
        lay.addWidget(self.bars)
        lay.addWidget(self.positive)
        # which model said so, under what it said (above it, it pushed the probabilities below the
        # panel's fold on a 1280x800 screen)
        lay.addWidget(self.model_label)
        lay.addWidget(self.labs_note)
        lay.addWidget(self.device)
        lay.addWidget(self.device_more, alignment=Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        self.model_label.setText("<b>Model</b>: not loaded yet")
        self.run_btn.setEnabled(False)

    def set_file_info(self, notes: list[str] | None = None, blocks: list[tuple[str, list[str]]] | None = None
                      ) -> None:
        """What the record's file says beside the signal (``file_info_html``; none: nothing): a long block
        shows its first lines and "... (n more)", the whole on hover and with More (shut again for each record)."""
        self._file_info = (list(notes or ()), list(blocks or ()))
        self.device_more.blockSignals(True)
        self.device_more.setChecked(False)
        self.device_more.blockSignals(False)
        self._draw_file_info()

    def _draw_file_info(self) -> None:
        whole = self.device_more.isChecked()
        text, cut = file_info_html(*self._file_info, whole=whole)
        self.device.setText(text)
        self.device.setToolTip(file_info_html(*self._file_info)[0] if cut else "")     # the whole on hover
        self.device_more.setVisible(bool(cut) or whole)
        self.device_more.setText("Less" if whole else "More")

    def set_quality_error(self, message: str) -> None:
        """The open record's quality assessment failed (``message``: "signal quality not assessed:
        ...", ``workers.quality_message``): said plainly at the top of the panel; "" hides it."""
        if message:
            head, _, detail = message.partition(": ")
            self.quality.setText(f"<span style='color:#a04000'><b>{escape(head[:1].upper() + head[1:])}</b>"
                                 + (f": {escape(detail)}" if detail else "") + ".</span> Without a quality "
                                 "verdict the model's calls on this record are not shown.")
        else:
            self.quality.setText("")
        self.quality.setVisible(bool(message))

    def set_labs_note(self, text: str) -> None:
        """The line under the model's name on the labs it reads that are masked ("": none, hidden)."""
        self.labs_note.setText(text)
        self.labs_note.setVisible(bool(text))

    def set_no_model(self, why: str) -> None:
        self.model_label.setText("<span style='color:#a04000'><b>No model loaded</b></span>: records can be "
                                 "viewed and measured, but not classified. Choose a checkpoint folder."
                                 + (f"<br><small>{escape(why)}</small>" if why else ""))
        self.model_label.setToolTip("")
        self.bars.clear()
        self.positive.setText("")
        self.run_btn.setEnabled(False)
        self.modelAvailable.emit(False)

    def set_loading(self, name: str) -> None:
        """A model is loading: say so (never "No model loaded" meanwhile); nothing to run yet."""
        self.model_label.setText(f"<b>Loading model {name}...</b><br><small>The record can be viewed "
                                 "and measured meanwhile; it is scored as soon as the model is ready.</small>")
        self.model_label.setToolTip("")
        self.busy.setVisible(True)
        self.state.setText("")
        self.run_btn.setEnabled(False)
        self.modelAvailable.emit(False)

    def set_model(self, predictor, statements=None, statements_error: str = "", note: str = "") -> None:
        """The loaded model (and the statements model run beside it, or why none runs); ``note``: why it
        is this one, a ``--model`` that could not be used (kept here: the message bar that said it goes
        when a record opens)."""
        loaded = getattr(predictor, "loaded", None)
        prov = dict(getattr(loaded, "provenance", {}) or {})
        data = prov.get("data") or prov.get("training_data") or "unknown"
        figure = _test_figure(predictor)
        metric = f", {figure}" if figure else ""
        device = str(predictor.device)
        threads = jobs.chosen_threads()
        if device == "cpu" and threads:
            device += f", {threads} torch thread{'s' if threads > 1 else ''}"
        extra = ""
        average = getattr(predictor, "noise_average", None)
        if average is not None:
            extra += f"<br><small>Scoring: {average.describe()}</small>"
        if statements is not None:
            said = _test_figure(statements)
            extra += (f"<br><small>Interpretation statements: model <b>{escape(statements.name)}</b> "
                      f"({len(statements.labels)} PTB-XL statements{f', {said}' if said else ''})</small>")
        elif statements_error:
            extra += f"<br><small style='color:#a04000'>No statements model: {escape(statements_error)}</small>"
        if note:
            extra += f"<br><small style='color:#a04000'>{escape(note)}</small>"
        # names and provenance come from the checkpoint's files: shown as text, never as markup
        self.model_label.setText(f"Classes: model <b>{escape(str(predictor.name))}</b> ({device}{metric})<br>"
                                 f"<small>Trained on: {escape(str(data))}</small>{extra}")
        self.model_label.setToolTip(note)
        self.run_btn.setEnabled(True)
        self.modelAvailable.emit(True)
