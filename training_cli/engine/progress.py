"""The progress bar of a command whose rows come in bursts: ``mirage score`` hands on a chunk of records
(32) at once, after one forward pass, and its first chunk comes late (the loader processes starting, the
model's first pass).

tqdm redraws at most every 0.1 s: the rest of a burst was left undrawn until the next chunk came, so the bar
read "5/300" with 36 rows written, 25 s on a busy machine. Its mean rate since the start counted the first
chunk's wait: 34 s for the first 4 records, then 0.8 s a record, and the bar said 2:50:47 left after the first
record and 6:38 at 69 records, for a run that took 4:17 in all.
"""

from __future__ import annotations

from time import time

from tqdm import tqdm

from mirage_model.review.batch.time_left import TimeLeft


class RowsBar(tqdm):
    """A tqdm bar drawn at every row, whose time left is counted from the end of the first chunk.

    Args:
        first: the rows of the first chunk; until they are in, the time left and the rate read "?".
        Other arguments as tqdm's; at the end (``n == total``) the rate is the mean since the start, as
        the command's summary says it.
    """

    def __init__(self, *args, first: int = 1, **kwargs):
        kwargs.setdefault("mininterval", 0)      # every row drawn: a burst of 32 is 32 short lines
        kwargs.setdefault("miniters", 1)
        self._left = TimeLeft(first)          # the rate since the first chunk, as the app's batch dialog counts it
        super().__init__(*args, **kwargs)

    def update(self, n=1, failed: int = 0):
        """``n`` rows more, ``failed`` of them failed rows (no scored work: ``TimeLeft``)."""
        now = getattr(self, "_time", time)()          # a disabled bar has no clock of its own
        self._left.seen(self.n + n, now, self._left.failed + failed)
        return super().update(n)

    @property
    def format_dict(self):
        d = super().format_dict
        if d["total"] is not None and d["n"] >= d["total"]:
            return d                       # the whole run's mean, as the summary line gives it
        now = getattr(self, "start_t", 0.0) + d["elapsed"]      # tqdm draws once before it sets start_t
        d["rate"] = self._left.rate(d["n"], now)
        if d["rate"] is None:
            d["initial"] = d["n"]          # tqdm's own rate is then 0: "?" for the rate and the time left
        return d
