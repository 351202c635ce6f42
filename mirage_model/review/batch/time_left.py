"""The time left of a batch whose rows come a chunk at a time (``pipeline``: a first chunk of ``FIRST_CHUNK``
records, then ``chunk_size`` each), one rule for ``mirage score``'s progress bar and the app's batch dialog: the rate
is counted from the end of the first chunk, whose wait (the loader processes starting, the model's first pass) is no
rate of the others. The two had each counted it (merged an hour apart), and could have drifted apart.

A failed row (a broken file, a file that is no ECG) costs next to nothing: it is no scored work. The rate counts
the scored rows alone, and the first chunk ends with a scored row (a chunk of broken files alone runs no model);
a failed row still leaves one record fewer to come. Counted as work, the 5 broken files among 48 records had made
the rate jump, and the time left with it."""

from __future__ import annotations

BURST_S = 0.5     # rows this soon after the first chunk's end are of its burst (a chunk's rows come together)


class TimeLeft:
    """The rate of a run counted from the end of its first chunk of ``first`` rows.

    Call :meth:`seen` with the rows done as they come (and the time, and how many of them failed), then
    :meth:`rate` or :meth:`seconds`."""

    def __init__(self, first: int = 1):
        self.first = max(1, int(first))
        self.origin: tuple[int, float] | None = None      # (scored rows, time) once the first chunk is in
        self.failed = 0                                   # failed rows among those seen: no scored work

    def seen(self, done: int, now: float, failed: int | None = None) -> None:
        """``done`` rows are in at ``now`` (seconds, any clock the caller keeps), ``failed`` of them failed (None:
        as many as before)."""
        if failed is not None:
            self.failed = int(failed)
        scored = done - self.failed
        if self.origin is None and done >= self.first and scored > 0:
            self.origin = (scored, now)
        elif self.origin is not None and scored > self.origin[0] and now - self.origin[1] <= BURST_S:
            # the rest of the chunk whose first scored row ended the wait (its broken files came before it)
            self.origin = (scored, self.origin[1])

    def rate(self, done: int, now: float) -> float | None:
        """Scored rows a second since the first chunk came in; None before a scored row after it is in."""
        scored = done - self.failed
        if self.origin is None or scored <= self.origin[0] or now <= self.origin[1]:
            return None
        return (scored - self.origin[0]) / (now - self.origin[1])

    def seconds(self, done: int, total: int, now: float) -> float | None:
        """Seconds left for the ``total - done`` rows to come at :meth:`rate` (each counted as scored work: which of
        them will fail is not known); None while it is unknown, or when every row is in."""
        rate = self.rate(done, now)
        return None if rate is None or done >= total else (total - done) / rate


def no_work(row) -> bool:
    """Whether a row cost no scoring (its record failed before the model: not read, unscorable, no ECG). A scored
    record whose PDF could not be written is an error row too, but was scored."""
    return (isinstance(row, dict) and row.get("status") not in (None, "ok")
            and not str(row.get("error") or "").startswith("report PDF not written"))


def left_words(seconds: float) -> str:
    """"about 35 s left" (to 5 s), "about 5 min left", "about 1 h 05 min left"."""
    if seconds < 60:
        return f"about {max(5, 5 * round(seconds / 5)):.0f} s left"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h {minutes:02d} min left" if hours else f"about {minutes} min left"
