"""The interpretation panel: the statements in the order a cardiologist reads them (rhythm first,
with the rate), each with its source: a measurement rule with its cited threshold, or the model
that said it with its probability and confidence. The same ``review.interpret`` text as page 1
of the PDF and the CSV's interpretation column; this view only draws it.

It follows one ``ReviewSession``: it redraws when the measurements arrive or are edited and when
the prediction arrives, goes stale or fails. The line of what the noise may hide names the nearest 3 and
counts the rest; hovering it (or clicking it) shows them all, as page 3 of the PDF and the CSV list them.

The over-read (``app.views.overread``): the reviewer confirms or strikes each statement, adds their own, comments and
signs; a struck statement is drawn struck through, a confirmed one ticked, the reviewer's own marked. This view
follows it (``overread``) and puts its Add statement... and Sign... on the title line; the result panel lays its rows
out as a section of their own under the statements, which stay whole in the column's view.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from app.views.following import FollowsSession
from app.views.overread import OverReadPanel
from mirage_model.review.cited import as_read
from mirage_model.review.labels import ptbxl_coded
from mirage_model.review.interpret import (no_statement_text, session_disagreement, session_interpretation,
                                           session_noise_hidden, statement_labels)
from mirage_model.review.overread import STRUCK, research_notice

_GREY = "#666666"
_RED = "#a00000"
_GREEN = "#1b6e1b"
MAY_HIDE_LINK = "may-hide"      # the anchor of the "may hide" line that counts some: all of them on hover


def interpretation_html(session) -> str:
    """The session's interpretation as rich text (an empty session: a hint)."""
    return _interpretation(session)[0]


def _interpretation(session, it=None) -> tuple[str, str]:
    """(:func:`interpretation_html`, the "may hide" line naming all, where the rich text counts some behind its
    link, else ""), from one interpretation of the session (``it``: the one built already)."""
    if session is None or session.record is None:
        return f"<span style='color:{_GREY}'>Open a record to see its interpretation.</span>", ""
    ov = getattr(session, "overread", None)
    it = as_read(ov, it or session_interpretation(session))     # a note citing a statement struck says so
    stmt_pred = getattr(session, "statements_prediction", None)
    pred = session.prediction
    parts = []
    if it.withheld:
        parts.append(f"<span style='color:{_RED}'><b>Interpretation withheld</b>: {html.escape(it.withheld)}. "
                     "The statements below are unreliable.</span>")
    state = session.state.get("prediction")
    if state in ("pending", "stale"):
        if pred is None:
            why = "The model is still running; the statements below come from the measurements alone until it is done."
        elif state == "stale":
            why = "Out of date: the clinical values changed; the model runs again with them."
        else:   # Run model (F5) again on the same values: nothing the reader typed is waiting
            why = "The model is running again; the statements below are from its last result."
        parts.append(f"<span style='color:{_GREY}'><i>{why}</i></span>")
    for note in it.notes:        # a child's ECG: no adult criteria applied, the models trained on adults
        parts.append(f"<b style='color:{_RED}'>{html.escape(note)}.</b>")
    disagree = session_disagreement(session)      # the superclass model's MI against the statements' infarcts
    if disagree and state not in ("pending", "stale"):
        parts.append(f"<b style='color:{_RED}'>{html.escape(disagree)}.</b>")
    hidden = session_noise_hidden(session, it)     # below threshold, within the noise's reach: not calls
    every = ""
    if hidden and state not in ("pending", "stale"):
        line = f"<span style='color:{_RED}'>{html.escape(hidden)}.</span>"
        every = session_noise_hidden(session, it, limit=None)
        if hidden != every:                         # some only counted: all of them on hover
            line = f"<a href='{MAY_HIDE_LINK}' style='color:{_RED}'>{line}</a>"
        else:
            every = ""
        parts.append(line)
    rows = []
    for s in it.statements:
        colour = _GREY if it.withheld else "#000000"
        text = f"<b style='color:{colour}'>{html.escape(s.text)}</b>"
        tag = html.escape(s.source_tag())
        note = f" <span style='color:{_RED}'>(?) {html.escape(s.note)}</span>" if s.note else ""
        line = f"{text} <span style='color:{_GREY}'><small>[{tag}]</small></span>{note}"
        d = ov.decision(s) if ov is not None else None
        if d is not None and d.verdict == STRUCK:       # the reviewer's: struck through, with why
            why = f": {html.escape(d.reason)}" if d.reason else ""
            line = f"<s>{line}</s> <span style='color:{_RED}'><small>struck by the reviewer{why}</small></span>"
        elif d is not None:
            line += f" <span style='color:{_GREEN}'><small>&#10003; confirmed</small></span>"
        rows.append(f"<li>{line}</li>")
    for a in getattr(ov, "added", ()):                  # the reviewer's own, after the machine's
        rows.append(f"<li><b>{html.escape(a.text)}</b> <span style='color:{_GREEN}'><small>(reviewer, "
                    f"{html.escape(a.group)})</small></span></li>")
    if rows:
        parts.append("<ol style='margin-left:-20px'>" + "".join(rows) + "</ol>")
    elif session.state.get("measurements") == "pending" and pred is None:
        parts.append(f"<span style='color:{_GREY}'>Measuring...</span>")
    else:
        parts.append(f"<span style='color:{_GREY}'>{html.escape(no_statement_text(session))}</span>")
    if it.resolved:
        parts.append(f"<small style='color:{_GREY}'>Resolved: {html.escape('; '.join(it.resolved))}</small>")
    # which model said what
    if stmt_pred is not None:
        src = (f"Statements: model <b>{html.escape(stmt_pred.model_name)}</b>; class probabilities below: model "
               f"<b>{html.escape(getattr(pred, 'model_name', '') or '')}</b>; rules cite their thresholds.")
    elif pred is not None and (statement_labels(ptbxl_coded(pred)) or any(s.source == "model" for s in it.statements)):
        src = f"Statements: model <b>{html.escape(it.model_name)}</b> and the measurement rules."
    else:
        src = "Statements: the measurement rules alone (no statements model ran)."
    # signed over these statements: "over-read" (as the PDF's notice, ``research_notice``), never "unconfirmed"
    said = "over-read" if ov is not None and ov.signed_for(it) else "unconfirmed"
    parts.append(f"<small style='color:{_GREY}'>{src} Research use, {said}; not a diagnosis.</small>")
    return "<br>".join(parts), every


class InterpretationView(FollowsSession, QWidget):
    """The session's interpretation (statements in reading order, each with its source). ``noticeChanged`` gives
    the research-use notice of what it shows (``review.overread.research_notice``: "over-read" once signed over these
    statements, "unconfirmed" again when an edit un-signs), for the window's banner and status bar."""

    noticeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = None
        self.notice = research_notice(None, None)
        self.title = QLabel("<b>Interpretation</b>")
        self.text = QLabel("")
        self.setAccessibleName("Interpretation")
        self.text.setAccessibleDescription("Interpretation")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.text.linkHovered.connect(self._link_hovered)
        self.text.linkActivated.connect(self._link_hovered)       # a click on the line shows them too
        self.may_hide = ""        # the "may hide" line naming all of them (its anchor's tooltip), "" when none
        # confirm / strike, the reviewer's own statements, comment, Sign...: laid out by the result panel under this
        # view (``ResultsPanel``), Add statement... and Sign... on the title line here
        self.overread = OverReadPanel()
        head = QHBoxLayout()
        self._head = head
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.overread.title_buttons)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.text)
        self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        m = self.layout().contentsMargins()
        room = event.size().width() - m.left() - m.right() - self.title.sizeHint().width() \
            - max(0, self._head.spacing())
        self.overread.fit_title_buttons(room)      # "Add..." where "Add statement..." would not fit beside the title

    def redraws_on(self, name: str, info: dict) -> bool:
        # "quality": a failed assessment withholds the statements (``session_interpretation``)
        return name in ("measurements", "values", "overread") or (
            name == "state" and info.get("part") in ("measurements", "prediction", "quality"))

    def refresh(self) -> None:
        try:
            session = self.session
            it = session_interpretation(session) if session is not None and session.record is not None else None
            shown, every = _interpretation(session, it)
            self.overread.show_for(session, it)
            self.may_hide = (f"{every}. Not calls: each is below its threshold, within the noise's reach of it."
                             if every else "")
            self.text.setText(shown)
            self._set_notice(research_notice(getattr(session, "overread", None), it))
        except Exception as err:  # noqa: BLE001 - a drawing error must not take the window down
            self.text.setText(f"<span style='color:{_RED}'>The interpretation could not be built: "
                              f"{html.escape(type(err).__name__)}: {html.escape(str(err))}</span>")

    def _set_notice(self, notice: str) -> None:
        if notice != self.notice:
            self.notice = notice
            self.noticeChanged.emit(notice)

    def _link_hovered(self, link: str) -> None:
        """The "may hide" line under the mouse: all it names in a tooltip (the line counts all but 3)."""
        if link == MAY_HIDE_LINK and self.may_hide:
            QToolTip.showText(QCursor.pos(), self.may_hide, self.text)
        else:
            QToolTip.hideText()
