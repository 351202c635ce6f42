"""Python's cycle collector in the GUI thread only (the app's main runs pyqtgraph's ``GarbageCollector``): a
collection run by a worker thread had destroyed a dialog off its thread (a segmentation fault in a full run of the
suite). Truth: a reference cycle, which only the cycle collector frees, watched through a weak reference; the thread
that frees it read in its finaliser."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

pytest.importorskip("pytestqt")


class _Node:
    def __init__(self, freed_in: list):
        self.me = self              # a cycle: only the cycle collector frees it
        self._freed_in = freed_in

    def __del__(self):
        self._freed_in.append(threading.current_thread() is threading.main_thread())


def test_a_cycle_is_collected_by_the_gui_threads_timer_not_by_a_worker(qtbot):
    from pyqtgraph.util.garbage_collector import GarbageCollector

    was = gc.isenabled()
    collector = GarbageCollector(interval=0.05)
    try:
        assert not gc.isenabled()
        freed_in: list = []
        node = _Node(freed_in)
        ref = weakref.ref(node)
        del node
        # a worker allocating fifty times the collector's threshold in containers: no collection runs in its thread
        worker = threading.Thread(target=lambda: [[object()] for _ in range(50 * gc.get_threshold()[0])])
        worker.start()
        worker.join()
        assert ref() is not None and freed_in == []
        collector.threshold = (-1, -1, -1)      # every generation due at the next tick of the GUI thread's timer
        qtbot.waitUntil(lambda: ref() is None, timeout=5000)
        assert freed_in == [True], freed_in
    finally:
        collector.timer.stop()
        if was:
            gc.enable()
    assert gc.isenabled() == was

