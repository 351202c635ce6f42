"""Qt's own messages on the terminal, less one known harmless line.

Qt's offscreen platform (``QT_QPA_PLATFORM=offscreen``: ``mirage-review --export-pdf`` on a server)
says "This plugin does not support propagateSizeHints()" each time a window's size hints change,
about twice per record exported: it has no window manager to tell, and nothing is wrong. The
message has no logging category (a plain ``qWarning``), so ``QT_LOGGING_RULES`` cannot turn it
off alone; a message handler drops that exact text and passes every other message on as Qt
would have printed it.
"""

from __future__ import annotations

import sys

# said by QPlatformWindow::propagateSizeHints, the base class the offscreen platform's windows keep
HARMLESS = frozenset({"This plugin does not support propagateSizeHints()"})

_previous: list = []        # the handler Qt had before ours (None: its own), once installed


def _handle(kind, context, message: str) -> None:
    """Drop a ``HARMLESS`` message; hand any other to the handler installed before, or print it
    on stderr as Qt's own handler does (``qFormatLogMessage``: QT_MESSAGE_PATTERN is kept)."""
    from PySide6.QtCore import qFormatLogMessage

    if message in HARMLESS:
        return
    if _previous and _previous[0] is not None:
        _previous[0](kind, context, message)
        return
    try:
        sys.stderr.write(qFormatLogMessage(kind, context, message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):     # stderr closed (its terminal gone): nothing to tell
        pass


def quiet_harmless_messages() -> None:
    """Install the handler; a second call leaves the first in place."""
    from PySide6.QtCore import qInstallMessageHandler

    if _previous:
        return
    _previous.append(None)
    _previous[0] = qInstallMessageHandler(_handle)
