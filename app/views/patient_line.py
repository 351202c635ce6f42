"""The patient line above the traces: whose ECG is on screen (name, ID, age, sex, acquisition,
record, device), always in view. Its words are those of the PDF's page-1 header
(``file_info.patient_facts``); age and sex as the session holds them, so a reviewer's edit in the
lab form shows here at once, as it would on the PDF ("Age: unknown", "Sex: unknown" where none is given). No record
open (or a file that failed to open): it names no one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from app.views.following import FollowsSession
from mirage_model.review.file_info import patient_facts

NO_RECORD = "No record open"
SEPARATOR = "   |   "


class PatientLine(FollowsSession, QLabel):
    """One line naming the session's patient; cut with "..." when the window is too narrow (the
    whole line is in the tooltip), so that it never widens the window."""

    def __init__(self, parent=None):
        QLabel.__init__(self, parent)
        self.session = None
        self.patient_text = ""          # the facts, joined; "" while no record is open
        self.setTextFormat(Qt.TextFormat.PlainText)     # a name from a file is text, never markup
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setObjectName("patient_line")
        self._named: bool | None = None     # the style drawn: a patient named, or none
        self.refresh()

    def redraws_on(self, name: str, info: dict) -> bool:
        return name in ("record", "values")

    def refresh(self) -> None:
        s = self.session
        if s is None or s.record is None:
            facts = []
        else:
            # "Age: unknown", "Sex: unknown" where none is given, as page 1 and the status bar say it
            facts = patient_facts(s.record, s.age, s.sex, with_record=True, say_unknown=True)
        self.patient_text = SEPARATOR.join(facts)
        self.setToolTip(self.patient_text)
        if self._named != bool(facts):
            self._named = bool(facts)
            self.setStyleSheet("background: #eef2f7; padding: 3px 8px; border-bottom: 1px solid #c8d0da;"
                               + ("color: #10243e; font-weight: bold;" if facts else "color: #667;"))
            self.ensurePolished()       # the bold font, before it is measured
        self._elide()

    def _elide(self) -> None:
        text = self.patient_text or NO_RECORD
        room = self.contentsRect().width()
        if room > 0:
            text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        super().setText(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()
