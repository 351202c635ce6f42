"""The time left of a batch whose rows come a chunk at a time (``pipeline``: a first chunk of ``FIRST_CHUNK``
records, then ``chunk_size`` each), one rule for ``mirage score``'s progress bar and the app's batch dialog: the rate
is counted from the end of the first chunk, whose wait (the loader processes starting, the model's first pass) is no
rate of the others. The two had each counted it (merged an hour apart), and could have drifted apart."""

from __future__ import annotations


class TimeLeft:
    """The rate of a run counted from the end of its first chunk of ``first`` rows.

    Call :meth:`seen` with the rows done as they come (and the time), then :meth:`rate` or :meth:`seconds`."""

    def __init__(self, first: int = 1):
        self.first = max(1, int(first))
        self.origin: tuple[int, float] | None = None      # (rows, time) once the first chunk is in

    def seen(self, done: int, now: float) -> None:
        """``done`` rows are in at ``now`` (seconds, any clock the caller keeps)."""
        if self.origin is None and done >= self.first:
            self.origin = (done, now)

    def rate(self, done: int, now: float) -> float | None:
        """Rows a second since the first chunk came in; None before a row after it is in."""
        if self.origin is None or done <= self.origin[0] or now <= self.origin[1]:
            return None
        return (done - self.origin[0]) / (now - self.origin[1])

    def seconds(self, done: int, total: int, now: float) -> float | None:
        """Seconds left for the ``total - done`` rows to come at :meth:`rate`; None while it is unknown, or when
        every row is in."""
        rate = self.rate(done, now)
        return None if rate is None or done >= total else (total - done) / rate


def left_words(seconds: float) -> str:
    """"about 35 s left" (to 5 s), "about 5 min left", "about 1 h 05 min left"."""
    if seconds < 60:
        return f"about {max(5, 5 * round(seconds / 5)):.0f} s left"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h {minutes:02d} min left" if hours else f"about {minutes} min left"
