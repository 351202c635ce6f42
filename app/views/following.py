"""One way for a view to follow a ``ReviewSession``: draw it, redraw on the events it cares about,
and let go of the previous session's events first, so that nothing of an earlier record is drawn
after the next one opened."""

from __future__ import annotations


class FollowsSession:
    """Mixin for a view (put it before ``QWidget``): ``set_session`` swaps the session and its event
    subscription, then ``refresh()``. The view sets ``self.session = None`` before its first
    ``refresh()``, defines ``refresh()`` and ``redraws_on(name, info)`` (which session events
    change what it shows)."""

    session = None

    def set_session(self, session) -> None:
        """Show ``session`` (none of any earlier record); None: empty."""
        if self.session is not None:
            self.session.events.disconnect(self._on_event)
        self.session = session
        if session is not None:
            session.events.connect(self._on_event)
        self.refresh()

    def _on_event(self, name: str, info: dict) -> None:
        if self.redraws_on(name, info):
            self.refresh()

    def redraws_on(self, name: str, info: dict) -> bool:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError
