"""MIRAGE Review, the desktop app (PySide6 + pyqtgraph) over ``mirage_model``.

Research use only, not a diagnosis.
"""

from __future__ import annotations

import sys


def _keep_singletons_alive() -> None:
    """Work around a reference-count bug seen with PySide6 6.12.0 on CPython 3.11.

    Each time Qt calls certain Python overrides that return None (``QWidget.paintEvent`` of every
    widget that draws, pyqtgraph's ``GraphicsView.paintEvent``...), one reference to ``None`` is
    released that was never taken; some overrides returning a bool do the same to True/False.
    After a few thousand repaints a count reaches zero and the interpreter aborts with "Fatal
    Python error: none_dealloc" / "bool_dealloc" (reproduced here: 20,000 ``repaint()`` calls of
    a bare QWidget subclass). CPython 3.12+ makes these singletons immortal, so the bug is
    harmless there; on older CPython we do the same by giving each 2**40 extra references (one
    repaint costs at most a few dozen). No effect on other interpreters or versions.
    """
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    import ctypes

    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))   # ob_refcnt: first field of every object
        if refcount.value < (1 << 40):
            refcount.value += 1 << 40


_keep_singletons_alive()
