"""MIRAGE Review, the desktop app (PySide6 + pyqtgraph) over ``mirage_model``.

Research use only, not a diagnosis.

PySide6 6.12.0 releases a reference to ``None`` it never took on every Python ``paintEvent``
override (CPython < 3.12 then aborts with "none_dealloc" after a few thousand repaints);
pyproject.toml excludes that release and ``app.main`` refuses to start on it with a clear message.
"""

BROKEN_PYSIDE = ("6.12.0",)
