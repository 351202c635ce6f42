"""The over-read controls: each machine statement confirmed or struck, statements of the reviewer's own, a comment,
and Sign... (``review.overread``; the PDF's page 1 prints the result).

This view only sends the reviewer's choices to the session's ``OverRead`` and draws its state; the interpretation
panel draws the statements themselves (struck through, confirmed, the reviewer's own marked). The panel is a section
of its own under the interpretation (inside it, it pushed a record's statements out of the column's view), and
Add statement... and Sign... (``title_buttons``) sit on the interpretation's title line, in view without scrolling,
and the over-read's status (who signed, what an amendment changed) under the section's title, before the rows.
Every control is reached with Tab in the order it reads (``chain_tab_order``, again whenever the rows are rebuilt)
and worked with Space; nothing here runs long.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QApplication, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QHBoxLayout, QInputDialog, QLabel,
    QLineEdit, QPlainTextEdit, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget,
)

from app import disk_check
from app.views.dialog_focus import back_from_dialog, dialog_of
from mirage_model.review.interpret import GROUPS
from mirage_model.review.interpret.statements import STATEMENTS
from mirage_model.review.amendment import changes_line
from mirage_model.review.overread import CONFIRMED, STRUCK, statement_key
from mirage_model.review.store_words import UNKNOWN_NOT_KEPT

_GREY = "#666666"
# the over-read's status colours (public: the Export dialog says the over-read in them too)
RED = "#a00000"         # not signed, or edited after signing; its notes
GREEN = "#1b6e1b"       # signed over the statements shown
# Add statement...'s words: whole where the title line has the room, short in a narrow column (1024x768: the
# whole words made the title line 10 px wider than the column, which then scrolled sideways)
ADD_WORDS = ("&Add statement...", "&Add...")


class AddStatementDialog(QDialog):
    """The words of a statement of the reviewer's own and its group (the interpretation's groups)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add statement")
        self.words = QLineEdit()
        self.words.setPlaceholderText("e.g. Early repolarisation, inferior leads")
        # as wide as the machine's statements are long (the 71 PTB-XL statements' words whole): at Qt's own width,
        # about 17 characters, the example was cut and a statement typed scrolled out of view as it was typed
        fm = self.words.fontMetrics()
        words = [info.text for info in STATEMENTS.values()] + [self.words.placeholderText()]
        self.words.setMinimumWidth(max(fm.horizontalAdvance(w) for w in words) + 16)
        self.group = QComboBox()
        self.group.addItems(list(GROUPS))
        self.group.setCurrentIndex(-1)      # none chosen: a default group filed statements under rhythm unread
        self.group.setPlaceholderText("choose a group")
        form = QFormLayout(self)
        form.addRow("&Statement", self.words)
        form.addRow("&Group", self.group)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setToolTip("Type the statement and choose its group")
        self.words.textChanged.connect(self._allow)
        self.group.currentIndexChanged.connect(self._allow)
        self._allow()

    def _allow(self) -> None:
        """OK only with words and a group chosen."""
        self._ok.setEnabled(bool(self.words.text().strip()) and self.group.currentIndex() >= 0)


class OverReadPanel(QWidget):
    """Confirm / strike per statement, the reviewer's own statements, a comment and the signature of one session."""

    comment_left = Signal()     # focus left the comment box: what was typed is saved now, not once typing pauses
    offered = Signal(bool)      # the controls shown (a record's over-read) or hidden: the Over-read menu follows

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = None
        self.interpretation = None
        self.settings = None            # the app's Settings: the reviewer's name remembered (report/reviewer)
        self.tab_after = None           # the widget before the over-read in the window's Tab order (None: Qt's own)
        self._keys: list = []           # the statements the rows are for, in order
        self._amending = None           # (session id, signature amended, signed_at) the rows were last scrolled to
        self._scroll_pending = None     # that amending, until the column's scroll range next changes (laid out)
        self._watched_bar = None        # the scroll bar whose range changes are followed
        self._added: list = []
        self.title = QLabel("<b>Over-read</b>")
        self.title.setWordWrap(True)
        self.rows = QGridLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setColumnStretch(0, 1)
        self.add_button = self._button(ADD_WORDS[0], "Add a statement of your own", lambda _=False: self.ask_add(),
                                       checkable=False)
        self.sign_button = self._button("Si&gn...", "Sign the over-read", lambda _=False: self.ask_sign(),
                                        checkable=False)
        # Add statement... and Sign... in a strip of their own that the interpretation puts on its title line:
        # under the rows they lay below the column's fold at 1280x800 (a record's rows, the comment between)
        self.title_buttons = QWidget()
        buttons = QHBoxLayout(self.title_buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(4)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.sign_button)
        self.fit_title_buttons(1 << 20)         # the full words until the interpretation says how much room it has
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("Comment (printed in the report)")
        self.comment.setAccessibleName("Over-read comment")
        self.comment.setTabChangesFocus(True)          # Tab leaves the box for the next control
        self.comment.setFixedHeight(self.comment.fontMetrics().lineSpacing() * 3 + 12)
        self.comment.textChanged.connect(self._comment_changed)
        self.comment.installEventFilter(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addWidget(self.title)
        # the signature line and what an amendment changed under the title, before the rows: under the comment they
        # lay below the column's fold at 1280x800 (LUDB 1 signed, amended: found by scrolling)
        lay.addWidget(self.status)
        lay.addLayout(self.rows)
        lay.addWidget(self.comment)
        self.show_for(None, None)

    # ------------------------------------------------------------------ drawing
    def show_for(self, session, interpretation) -> None:
        """Draw the over-read of ``session`` over ``interpretation`` (None: no record; the controls hidden)."""
        self.session, self.interpretation = session, interpretation
        ov = getattr(session, "overread", None)
        on = ov is not None and interpretation is not None
        for w in (self.title, self.title_buttons, self.comment, self.status):
            w.setVisible(on)
        self.offered.emit(on)
        statements = list(interpretation.statements) if on else []
        keys = [statement_key(s) for s in statements]
        added = list(ov.added) if on else []
        if keys != self._keys or added != self._added:
            self._rebuild(statements, added)
        for k, s in enumerate(statements):
            d = ov.decision(s)
            confirm, strike = self._row_buttons(k)
            for button, on_it in ((confirm, d is not None and d.verdict == CONFIRMED),
                                  (strike, d is not None and d.verdict == STRUCK)):
                button.blockSignals(True)
                button.setChecked(on_it)
                button.blockSignals(False)
        if on:
            if self.comment.toPlainText().strip() != ov.comment:
                self.comment.blockSignals(True)
                self.comment.setPlainText(ov.comment)
                self.comment.blockSignals(False)
            self.status.setText(self._status_html(ov, interpretation))
            # amending started (an edit after a signature, or a record opened amended) or signed: the status above the
            # rows grew by the signature amended and what changed, so the first row is scrolled into view once laid out
            amends = ov.amended_signature()
            amending = None if amends is None else (getattr(session, "id", None), amends, ov.signed_at)
            scroll = amending is not None and amending != self._amending
            self._amending = amending
            # kept from an earlier session of this record (``review.store``), until edited: on the section's title,
            # in view where the record opens
            restored = f" <span style='color:{_GREY}'>({html.escape(ov.restored)})</span>" if ov.restored else ""
            # a signature this record was given, kept in the store: a draft (or an empty one) amends it
            amends = f" <span style='color:{RED}'>{html.escape(ov.amends())}</span>" if ov.amends() else ""
            # one kept for another file of this record (re-exported, read otherwise): said, never restored
            other = f" <span style='color:{RED}'>{html.escape(ov.elsewhere)}</span>" if ov.elsewhere else ""
            self.title.setText(f"<b>Over-read</b>{restored}{amends}{other}")
            if scroll:
                self._scroll_when_laid_out()

    def _status_html(self, ov, it) -> str:
        # a save the store refused (another MIRAGE Review changed it since it was read here, or the file could not be
        # written): said first, and the signature on screen is not kept, so never green (it had read as kept)
        refused = ov.store_refused
        signed = ov.signed_for(it)
        colour = GREEN if signed and not refused else RED if (refused or ov.edited or ov.signed_at is not None
                                                              or ov.store_unread) else _GREY
        parts = [f"<b style='color:{RED}'>{html.escape(refused)}</b>"] if refused else []
        if not (refused.startswith(UNKNOWN_NOT_KEPT) and ov.signed_at is None):     # it says "Over-read unknown" too
            parts.append(f"<b style='color:{colour}'>{html.escape(ov.status(it))}</b>")
        changed = changes_line(ov, it)      # what an amendment changed of the signature it amends
        if changed and (signed or ov.signed_at is None):
            parts.append(html.escape(changed))
        if ov.note and not signed:
            parts.append(f"<span style='color:{RED}'>{html.escape(ov.note)}.</span>")
        gone = ov.no_longer_applies(it)
        if gone:
            parts.append(f"<span style='color:{RED}'>{gone} earlier decision{'s' if gone > 1 else ''} no longer "
                         f"appl{'y' if gone > 1 else 'ies'}: {'their' if gone > 1 else 'its'} statement changed "
                         "(a measurement edited or the model run again).</span>")
        return "<br>".join(parts)

    def _rebuild(self, statements, added) -> None:
        while self.rows.count():
            w = self.rows.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for k, s in enumerate(statements):
            name = _wrapped(f"{k + 1}. {s.text}")
            confirm = self._button("Confirm", f"Confirm statement {k + 1}: {s.text}",
                                   lambda _=False, i=k: self.confirm(i))
            strike = self._button("Strike...", f"Strike statement {k + 1} out: {s.text}",
                                  lambda _=False, i=k: self.ask_strike(i))
            self.rows.addWidget(name, k, 0)
            self.rows.addWidget(confirm, k, 1)
            self.rows.addWidget(strike, k, 2)
        for j, a in enumerate(added):
            row = len(statements) + j
            name = _wrapped(f"{row + 1}. {a.text} (reviewer, {a.group})")
            remove = self._button("Remove", f"Remove your statement {row + 1}: {a.text}",
                                  lambda _=False, i=j: self.remove_added(i), checkable=False)
            self.rows.addWidget(name, row, 0)
            self.rows.addWidget(remove, row, 1, 1, 2)
        self._keys = [statement_key(s) for s in statements]
        self._added = list(added)
        self.chain_tab_order()

    def fit_title_buttons(self, room: int) -> None:
        """Add statement... in full words where ``room`` px (the title line beside its title) holds both buttons,
        else "Add..." (its tooltip says the whole); the least width is always the short one's, so a narrower column
        shortens the words rather than scrolling sideways."""
        b = self.add_button
        fm = b.fontMetrics()
        frame = b.sizeHint().width() - fm.horizontalAdvance(b.text().replace("&", ""))     # the button round its words
        width = {w: frame + fm.horizontalAdvance(w.replace("&", "")) for w in ADD_WORDS}
        spacing = self.title_buttons.layout().spacing()
        fits = width[ADD_WORDS[0]] + spacing + self.sign_button.sizeHint().width() <= room
        words = ADD_WORDS[0] if fits else ADD_WORDS[1]
        if b.text() != words:
            b.setText(words)
        b.setMinimumWidth(width[ADD_WORDS[1]])

    def controls(self) -> list[QWidget]:
        """The over-read's controls in reading order: Add statement... and Sign... (the interpretation's title
        line), each row's Confirm and Strike... (or Remove), the comment."""
        rows = [self.rows.itemAtPosition(r, c).widget() for r in range(self.rows.rowCount()) for c in (1, 2)
                if self.rows.itemAtPosition(r, c) is not None]
        rows = [w for k, w in enumerate(rows) if w not in rows[:k]]         # Remove spans two columns: once
        return [self.add_button, self.sign_button, *rows, self.comment]

    def _results_area(self) -> QScrollArea | None:
        """The scroll area the panel lies in (the results column), None outside one."""
        area = self.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        return area

    def _scroll_when_laid_out(self) -> None:
        """The first row scrolled into view once the column has been laid out around the status that grew. Qt lays it
        out over the event loop's next passes (a LayoutRequest a level, from this panel up to the scroll area, after
        what else this change makes the window redo), and the area's scroll range changes when it has
        (``rangeChanged``: the row's place and the range the scroll needs are known then); a 100 ms timer had waited
        for it instead (0 ms was too soon on Xvfb). Once, at the first change of range while this amendment lasts (none
        comes where the column's height did not change: then the next one does it): later ones (the window resized)
        leave the column where the reader put it, and a scroll of the reader's own before it drops the scroll."""
        area = self._results_area()
        if area is None:
            return
        bar = area.verticalScrollBar()
        if self._watched_bar is not bar:
            self._watched_bar = bar
            bar.rangeChanged.connect(self._range_changed)
            bar.actionTriggered.connect(lambda *_: setattr(self, "_scroll_pending", None))     # the reader's scroll
        self._scroll_pending = self._amending

    def _range_changed(self, *_) -> None:
        if self._scroll_pending is not None and self._scroll_pending == self._amending:
            self._first_row_in_view()
        self._scroll_pending = None

    def _first_row_in_view(self) -> None:
        """The first statement's row (its words and buttons) scrolled into the view of the scroll area the panel lies
        in (the results column), as little as needed: at 1280x800 an amendment's status had pushed it below the
        fold (LUDB 1 signed, struck, signed again)."""
        area = self._results_area()
        item = self.rows.itemAtPosition(0, 0)
        if area is None or item is None or not self.isVisible():
            return
        for w in (item.widget(), self.first_control()):
            area.ensureWidgetVisible(w, 0, 4)

    def first_control(self) -> QWidget:
        """The control "Go to the over-read" focuses: the first statement's Confirm (Remove for a statement of the
        reviewer's own), or Add statement... where there are no rows."""
        item = self.rows.itemAtPosition(0, 1)
        return item.widget() if item is not None else self.add_button

    def chain_tab_order(self) -> None:
        """Tab walks the controls in reading order from ``tab_after`` (the widget before the over-read in the
        window's order); rows made for a new interpretation would otherwise join the chain at its end, after
        the model image's controls. Shift+Tab the reverse (Qt's chain is one list)."""
        prev = self.tab_after
        if prev is None:
            return
        for w in self.controls():
            QWidget.setTabOrder(prev, w)
            prev = w

    def _button(self, text: str, name: str, slot, checkable: bool = True) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setCheckable(checkable)
        b.setAccessibleName(name)
        b.setToolTip(name)
        b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)       # reached with Tab, worked with Space
        b.clicked.connect(slot)
        return b

    def _row_buttons(self, k: int) -> tuple[QToolButton, QToolButton]:
        return self.rows.itemAtPosition(k, 1).widget(), self.rows.itemAtPosition(k, 2).widget()

    # ------------------------------------------------------------------ the reviewer's choices
    def _statement(self, k: int):
        return self.interpretation.statements[k]

    def confirm(self, k: int) -> None:
        """Confirm statement ``k`` (0-based), or take the confirmation back."""
        self.session.overread.confirm(self._statement(k))

    def strike(self, k: int, reason: str = "") -> None:
        self.session.overread.strike(self._statement(k), reason)

    def ask_strike(self, k: int) -> None:
        """Strike statement ``k`` out, asking why (optional); struck already: take it back."""
        s = self._statement(k)
        d = self.session.overread.decision(s)
        if d is not None and d.verdict == STRUCK:
            self.session.overread.undecide(s)
            return
        reason, ok = QInputDialog.getText(self, "Strike statement", f"Why is \"{s.text}\" struck out? (optional)")
        back_from_dialog(self, self._row_buttons(k)[1])
        if ok:
            self.strike(k, reason)
        else:
            self.show_for(self.session, self.interpretation)     # the button's check taken back

    def add_statement(self, text: str, group: str) -> bool:
        """Add a statement of the reviewer's own; a refused one says why under the controls."""
        try:
            self.session.overread.add(text, group)
        except ValueError as err:
            self.status.setText(f"<span style='color:{RED}'>{html.escape(str(err))}</span><br>"
                                + self._status_html(self.session.overread, self.interpretation))
            return False
        return True

    def ask_add(self) -> None:
        dlg = AddStatementDialog(self)
        with dialog_of(self, self.add_button):
            accepted = dlg.exec() == QDialog.DialogCode.Accepted
        if accepted:
            self.add_statement(dlg.words.text(), dlg.group.currentText())

    def remove_added(self, j: int) -> None:
        self.session.overread.remove_added(j)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.comment and event.type() == QEvent.Type.FocusOut:
            self.comment_left.emit()
        return super().eventFilter(watched, event)

    def _comment_changed(self) -> None:
        if self.session is not None:
            self.session.overread.set_comment(self.comment.toPlainText())

    def sign(self, name: str, why: str | None = None) -> str:
        """Sign over the statements shown, as ``name`` (remembered for the next time); returns what it said. Not
        where the record's file changed on disk since it was read (``ReviewSession.changed_on_disk``, asked off the
        GUI thread: ``disk_check``; ``why``: its answer, already asked), nor where its folder does not answer: the
        signature would stand under the file's name over other content; the panel says so, in red."""
        if why is None:
            why = disk_check.changed_on_disk(self.session, "signing")
        if why:
            ov = self.session.overread
            ov.note = f"Not signed: {why}"
            self.show_for(self.session, self.interpretation)
            return ov.note
        said = self.session.overread.sign(self.interpretation, name)
        if self.settings is not None:
            self.settings.reviewer = self.session.overread.reader
        return said

    def ask_sign(self) -> None:
        if why := disk_check.changed_on_disk(self.session, "signing"):    # said on the panel, never asked a name first
            self.sign("", why)
            return
        name = self.settings.reviewer if self.settings is not None else ""
        n = self.session.overread.unread(self.interpretation)
        left = (f"\n{n} machine statement{'s are' if n > 1 else ' is'} neither confirmed nor struck; "
                "the report will say so." if n else "")
        why = ""
        before = QApplication.focusWidget()
        while True:         # a signature names its reader: an empty name is asked again, saying why
            name, ok = QInputDialog.getText(self, "Sign the over-read",
                                            f"{why}Your name, printed on the report:{left}",
                                            QLineEdit.EchoMode.Normal, name)
            back_from_dialog(self, before or self.sign_button)
            if not ok:
                return
            if name.strip():
                self.sign(name)
                return
            why = "A signature needs the reviewer's name: the report prints who over-read it.\n"


def _wrapped(text: str) -> QLabel:
    """A statement's words in its row, wrapped onto more lines where the panel is narrow (a 1024x700 window had cut
    them to about 12 characters and "..."), whole on hover too."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setToolTip(text)
    policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)      # as tall as its words need at the width it gets (a new policy drops it)
    label.setSizePolicy(policy)
    return label
