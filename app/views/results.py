"""The results panel: the model's name and training data, the busy state, the class
probabilities against their thresholds and the acquiring device's own analysis."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app import workers
from app.views.explain import ProbabilityBars
from app.views.interpretation import InterpretationView


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
        # why the record has no quality verdict, when its assessment failed (the gate then passes
        # nothing: the model's calls are never shown); at the top, above the fold at 1024x768
        self.quality = QLabel("")
        self.quality.setAccessibleDescription("Signal quality")
        self.quality.setWordWrap(True)
        self.quality.setTextFormat(Qt.TextFormat.RichText)
        self.quality.setVisible(False)
        self.interpretation = InterpretationView()    # statements in reading order, each with its source
        # the file's own words: the record's notes (channels not shown), then the acquiring device's
        # own analysis and the file's own diagnoses ("In the file"), never mixed with ours
        self.device = QLabel("")
        self.device.setWordWrap(True)
        self.choose_btn = QPushButton("Choose model...")
        self.choose_btn.clicked.connect(self.chooseModel)
        self.run_btn = QPushButton("Run model")
        self.run_btn.clicked.connect(self.runModel)
        # one above the other: side by side they set the panel's least width (205 px), wider than the
        # panel is at 1024 px, and the interpretation then ran past its right edge behind a scroll bar
        buttons = QVBoxLayout()
        buttons.addWidget(self.run_btn, alignment=Qt.AlignmentFlag.AlignLeft)
        buttons.addWidget(self.choose_btn, alignment=Qt.AlignmentFlag.AlignLeft)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(QLabel("<b>Model result</b>"))
        lay.addWidget(self.quality)       # first: nothing below it passed the quality gate
        lay.addWidget(self.interpretation)        # what a cardiologist reads first: the rhythm, then the rest
        lay.addWidget(self.busy)
        lay.addWidget(self.state)
        lay.addWidget(self.bars)
        lay.addWidget(self.positive)
        # which model said so, under what it said (above it, it pushed the probabilities below the
        # panel's fold on a 1280x800 screen)
        lay.addWidget(self.model_label)
        lay.addWidget(self.device)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.model_label.setText("<b>Model</b>: not loaded yet")
        self.run_btn.setEnabled(False)

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
        extra = ""
        average = getattr(predictor, "noise_average", None)
        if average is not None:
            extra += f"<br><small>Scoring: {average.describe()}</small>"
        if statements is not None:
            extra += (f"<br><small>Interpretation statements: model <b>{escape(statements.name)}</b> "
                      f"({len(statements.labels)} PTB-XL statements)</small>")
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
