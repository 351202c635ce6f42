"""What a review session's parts are and how its work reports back: the states of its parts, its events
(:class:`Events`, which views subscribe to, as napari's viewer model's), and the :class:`Ticket` a job
started for it carries, which a result must bring back to be kept (:class:`PredictionResult`).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Callable

PENDING, READY, STALE, FAILED, UNAVAILABLE = "pending", "ready", "stale", "failed", "unavailable"
STATES = (PENDING, READY, STALE, FAILED, UNAVAILABLE)
PARTS = ("inputs", "measurements", "prediction", "contributions", "quality")
SOURCES = ("file", "table", "user", "none")

_IDS = itertools.count(1)
_IDS_LOCK = threading.Lock()


def next_session_id() -> int:
    with _IDS_LOCK:
        return next(_IDS)


class Events:
    """Minimal event hub: ``connect(callback)``; ``emit(name, **info)`` calls ``callback(name, info)``.

    Callbacks run synchronously in the emitting thread; the app calls the session only from its
    GUI thread (workers hand results back through Qt signals first).
    """

    def __init__(self):
        self._callbacks: list[Callable[[str, dict], None]] = []

    def connect(self, callback: Callable[[str, dict], None]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable | None = None) -> None:
        """Stop calling ``callback`` (every callback when None). Compared by equality, not identity:
        ``view.method`` is a new bound-method object each time it is read, equal to the one connected."""
        self._callbacks = [] if callback is None else [c for c in self._callbacks if c != callback]

    def emit(self, event: str, **info) -> None:
        for cb in list(self._callbacks):
            cb(event, info)


@dataclass(frozen=True)
class Ticket:
    """What a job computes for: the session it belongs to and the version of its inputs."""
    session_id: int
    version: int
    values: dict = field(default_factory=dict)   # the clinical values sent to the model (a copy)


@dataclass
class PredictionResult:
    """A prediction with the exact inputs it was computed from."""
    prediction: object                 # inference.Prediction
    values: dict                       # clinical values sent to the model (name -> value)
    version: int                       # the session's input version it was computed for
    contributions: dict | None = None  # name -> float (K,) p(with it) - p(it masked)
    statements: object | None = None   # the statements model's Prediction of the same inputs (the interpretation)
