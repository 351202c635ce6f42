"""A focus ring: the control that has the keyboard focus, outlined plainly (WCAG 2.1 2.4.7, focus visible).

The Fusion style marks a focused button, box or slider with a faint frame of 4 to 20 changed pixels, and
the traces and the result column with none: a keyboard user lost the focus after a Tab. The ring is a
2 px outline around the focused control, drawn by a child of the control's own parent (so it scrolls and
is clipped with it) that lets every mouse event through.
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QApplication, QWidget

RING_COLOUR = QColor(0, 88, 200)     # #0058c8: 5.6:1 on the window's grey, 6.5:1 on white (WCAG 1.4.11 asks 3:1)
RING_PX = 2


class FocusRing(QObject):
    """Follows the application's focus within ``window`` and outlines the focused widget: the outline is
    one child of the window over everything, laid out by no one (a child of the control's own parent
    joined a splitter as a pane of its own), moved with the control and its ancestors (a scrolled lab
    form) and clipped to what of the control is in view."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.window_ = window
        self.watched: list[QWidget] = []        # the target and its ancestors up to the window
        self.ring = _Ring(window)
        self.ring.hide()
        # through a weak reference, not a bound method: a dialog deleted with the focus inside it (an export
        # dialog once closed) moves the focus as it goes, when this object is half gone ("Slot not found")
        ref = weakref.ref(self)

        def changed(old, new) -> None:
            ring = ref()
            if ring is not None and shiboken6.isValid(ring):
                ring._focus_changed(old, new)

        app = QApplication.instance()
        app.focusChanged.connect(changed)
        self.destroyed.connect(lambda *_: _disconnect(app.focusChanged, changed))

    @property
    def target(self) -> QWidget | None:
        return self.watched[0] if self.watched else None

    def _focus_changed(self, old, new) -> None:
        for w in self.watched:
            if shiboken6.isValid(w):
                w.removeEventFilter(self)
        self.watched = []
        if not shiboken6.isValid(self.ring):
            return
        if not isinstance(new, QWidget) or new.window() is not self.window_ or new is self.window_:
            self.ring.hide()
            return
        w = new
        while w is not None and w is not self.window_:
            self.watched.append(w)
            w.installEventFilter(self)
            w = w.parentWidget()
        self.follow()

    def follow(self) -> None:
        """Around the target (over its edge where its view ends), above everything; hidden with it."""
        t, ring = self.target, self.ring
        if not shiboken6.isValid(ring):
            return
        if t is None or not shiboken6.isValid(t) or not t.isVisible():
            ring.hide()
            return
        # the control's rectangle in the window, clipped by every ancestor (a scroll area's viewport)
        rect = QRect(t.mapTo(self.window_, QPoint(0, 0)), t.size())
        shown = QRect(rect)
        for w in self.watched[1:]:
            shown = shown.intersected(QRect(w.mapTo(self.window_, QPoint(0, 0)), w.size()))
        if shown.isEmpty():
            ring.hide()
            return
        ring.setGeometry(shown.adjusted(-RING_PX, -RING_PX, RING_PX, RING_PX).intersected(self.window_.rect()))
        ring.raise_()
        ring.show()
        ring.update()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide) \
                and obj in getattr(self, "watched", ()):      # none once this object is being deleted
            self.follow()
        return False


_kept: set = set()          # the rings ring_every_dialog made, until their dialogs go


def ring_every_dialog(owner: QObject) -> None:
    """A FocusRing for each dialog the focus enters that has none: the message boxes of
    ``QMessageBox.about`` and ``QMessageBox.question`` ("About", "Work in progress", "Stop batch scoring
    now?"), made inside Qt. Follows the focus only (no event filter on the application); ends with
    ``owner``."""
    from PySide6.QtWidgets import QDialog

    def changed(old, new) -> None:
        if not isinstance(new, QWidget) or not shiboken6.isValid(new):
            return
        window = new.window()
        if isinstance(window, QDialog) and not window.findChildren(FocusRing):
            ring = FocusRing(window)
            _kept.add(ring)                 # its Python side kept while its dialog lives (it follows by a weak one)
            window.destroyed.connect(lambda *_: _kept.discard(ring))
            ring._focus_changed(old, new)   # this change too: it was made while it is said

    app = QApplication.instance()
    app.focusChanged.connect(changed)
    owner.destroyed.connect(lambda *_: _disconnect(app.focusChanged, changed))


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):       # gone already (the application quitting)
        pass


class _Ring(QWidget):
    """The outline itself: lets every mouse event through, takes no focus."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pen = QPen(RING_COLOUR, RING_PX)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(pen)
        half = RING_PX / 2
        p.drawRect(self.rect().toRectF().adjusted(half, half, -half, -half))
        p.end()
