"""Python's cycle collector run in the GUI thread only.

The app's long work runs in worker threads (``app.workers``). CPython's automatic cycle collector runs in whichever
thread happens to allocate past its threshold: in a worker loading a model it collected a cycle holding a dialog made
in the GUI thread, and Qt destroyed the widget off its thread, which ends the process with a segmentation fault (the
test suite's run of test_app_panels_current once, in a worker's ``Predictor`` build, the trace reading "Garbage-
collecting"). :class:`GuiThreadCollector` turns the automatic collector off and collects from a timer in the GUI
thread instead, by the same generation thresholds (the pattern of pyqtgraph's ``GarbageCollector``); objects freed by
their reference count, nearly all of them, are freed where they are dropped as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


def collect_due(threshold: tuple[int, int, int] | None = None) -> int | None:
    """Collect the generation the automatic collector would collect now (``gc.get_count`` against ``threshold``,
    default ``gc.get_threshold()``): the oldest one past its threshold, 0-2; None where none is due."""
    t0, t1, t2 = threshold or gc.get_threshold()
    c0, c1, c2 = gc.get_count()
    if c0 <= t0:
        return None
    gen = 2 if c1 > t1 and c2 > t2 else 1 if c1 > t1 else 0
    gc.collect(gen)
    return gen


class GuiThreadCollector(QObject):
    """While it lives (parent it to the QApplication), cycles are collected in the GUI thread alone, every
    ``interval_ms``; :meth:`stop` turns the automatic collector back on."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(lambda: collect_due(self._threshold))
        self._timer.start(interval_ms)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
