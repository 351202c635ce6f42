"""The ECG plot's display filters (``PlotFilters``, a mixin of ``ecg_plot.EcgPlot``): the baseline high-pass and the
mains notch the trace is drawn through (view only; the model never sees them), at once for a short record and in a
worker for a long one (``SYNC_FILTER_VALUES``), the trace drawn whole until the filtered one replaces it; and the second
channels of a lead the file names twice (``_twin_rows``) and the file's extra leads (``extra_rows``: V4R, vx), filtered
alike, in the same call or worker as the 12.

``PlotFilters`` holds the methods; ``EcgPlot`` composes it and owns the state (the filters asked for and shown, the
worker) and the ``filtersChanged`` signal.
"""

from __future__ import annotations

import numpy as np

from app import workers
from app.display_filters import display_filter
from mirage_model.records import STANDARD_LEADS
from mirage_model.records.extra_leads import whole_extra_leads

# leads x samples filtered on the GUI thread (about 30 ms: 30 s of 12 leads at 1 kHz); a longer
# record is filtered in a worker (1 h of 12 leads at 500 Hz held the GUI 1.8 s)
SYNC_FILTER_VALUES = 360_000


def _twin_rows(record, n: int) -> list[tuple[int, dict, np.ndarray]]:
    """(lead index, the file's twin entry, (T,) float32 samples) of each second channel the file
    gives a standard lead's name (``meta["named_twice"]``) that is as long as the record."""
    out = []
    for twin in (getattr(record, "meta", None) or {}).get("named_twice") or ():
        if twin.get("lead") not in STANDARD_LEADS or twin.get("signal") is None:
            continue
        row = np.asarray(twin["signal"], dtype=np.float32)
        if row.shape == (n,):
            out.append((STANDARD_LEADS.index(twin["lead"]), twin, row))
    return out


def filter_for_display(ctx, signal: np.ndarray, fs: float, highpass: bool, notch_hz: float | None,
                       twins: list, extra: tuple[list[str], np.ndarray] = ([], None)
                       ) -> tuple[np.ndarray, list, tuple[list[str], np.ndarray]]:
    """The record's (L, T), its twin rows (``_twin_rows``) and its extra leads (``extra_rows``: names, (E, T)) through
    the display filters: a job (``ctx``: its ``JobContext``, checked before each lead; None on the GUI thread).

    Returns:
        ((L, T) float32 mV, [(lead, twin entry, (T,) float32 mV)], (the extra leads' names, (E, T) float32 mV)).
    """
    check = ctx.check if ctx is not None else None
    display = display_filter(signal, fs, highpass, notch_hz, check=check)
    shown = [(lead, t, display_filter(row[None, :], fs, highpass, notch_hz, check=check)[0])
             for lead, t, row in twins]
    names, rows = extra
    rows = np.zeros((0, signal.shape[-1]), np.float32) if rows is None else rows
    return display, shown, (names, display_filter(rows, fs, highpass, notch_hz, check=check) if len(rows) else rows)


def extra_rows(record) -> tuple[list[str], np.ndarray]:
    """The record's extra leads (``EcgRecord.extra_leads``: V4R, Frank's vx) as long as its signal: their names and
    (E, T) float32 mV, unfiltered (``filter_for_display`` filters them with the 12)."""
    leads = whole_extra_leads(record)
    T = record.signal.shape[1]
    rows = np.stack([np.asarray(e.signal, dtype=np.float32) for e in leads]) if leads else np.zeros((0, T), np.float32)
    return [e.name for e in leads], rows


class PlotFilters:
    """The display filters' part of ``EcgPlot``."""

    def set_filters(self, highpass: bool, notch_hz: float | None) -> None:
        """Display filters: baseline high-pass and mains notch (view only; the model never sees them).

        A long record is filtered in a worker (``SYNC_FILTER_VALUES``): until it is done the trace
        stays as it was, all of it, and ``filter_state`` says what is shown and what is coming."""
        self.highpass, self.notch_hz = bool(highpass), (float(notch_hz) if notch_hz else None)
        if self.record is not None:
            self._refilter()
        else:
            self.filtersChanged.emit()

    def filters_wanted(self) -> tuple[bool, float | None]:
        """(high-pass, notch Hz or None) as asked for."""
        return self.highpass, self.notch_hz

    def shown_filters(self) -> tuple[bool, float | None]:
        """(high-pass, notch Hz or None) that the drawn trace went through (as asked when no record)."""
        return self._shown_filters if self.record is not None else self.filters_wanted()

    def filter_state(self) -> dict:
        """``wanted`` and ``shown`` filters, ``pending`` (a worker is filtering), ``error``."""
        return {"wanted": self.filters_wanted(), "shown": self.shown_filters(),
                "pending": self.filter_worker is not None, "error": self.filter_error}

    def _refilter(self, redraw: bool = True) -> None:
        """Make the displayed signal for the filters asked: at once when it is cheap (or nothing
        to filter), else in a worker whose result replaces the whole trace at once, unless it was
        asked for something else or another record since."""
        self._cancel_filtering()
        self.filter_error = ""
        sig, fs = self.record.signal, float(self.record.fs)
        hp, notch = self.filters_wanted()
        twins = _twin_rows(self.record, sig.shape[1])
        extra = extra_rows(self.record)      # filtered with the 12: on a long Holter, in the worker too
        if not hp and not notch and sig.dtype == np.float32:
            # unfiltered: the record's own samples, read only here; a copy of a 4.9 h 12-lead
            # 500 Hz record held the GUI thread 1 s and 425 MB
            self._show_display((hp, notch), sig, twins, extra, redraw)
        elif sig.size + extra[1].size <= SYNC_FILTER_VALUES:
            self._show_display((hp, notch), *filter_for_display(None, sig, fs, hp, notch, twins, extra),
                               redraw=redraw)
        elif self._display is not None and self._shown_filters == (hp, notch):
            self.filtersChanged.emit()     # asked back for what is shown (the job under way is dropped)
        else:
            if self._display is None or self._display.shape != sig.shape:
                # a new record: drawn unfiltered meanwhile (and labelled so), all of it
                self._show_display((False, None), sig if sig.dtype == np.float32 else display_filter(sig, fs),
                                   twins, extra, redraw=False)
            gen = self._filter_gen
            worker = workers.Worker(filter_for_display, sig, fs, hp, notch, twins, extra, name="display filters",
                                    disposable=True)
            worker.signals.result.connect(workers.while_alive(self, lambda out: self._filtered(gen, (hp, notch), out)))
            worker.signals.error.connect(workers.while_alive(self, lambda msg: self._filter_failed(gen, msg)))
            self.filter_worker = worker
            worker.start()
            self.filtersChanged.emit()

    def _cancel_filtering(self) -> None:
        """Drop the filtering under way (its result, should it still come, is ignored)."""
        self._filter_gen += 1
        if self.filter_worker is not None:
            self.filter_worker.cancel()
            self.filter_worker = None

    def _filtered(self, gen: int, filters: tuple, out) -> None:
        if gen != self._filter_gen or self.record is None:
            return       # asked for other filters, or another record, since
        self.filter_worker = None
        self._show_display(filters, *out)

    def _filter_failed(self, gen: int, message: str) -> None:
        if gen != self._filter_gen:
            return
        self.filter_worker = None
        self.filter_error = message
        self.filtersChanged.emit()

    def _show_display(self, filters: tuple, display: np.ndarray, twins: list, extra: tuple,
                      redraw: bool = True) -> None:
        """Show ``display`` (L, T) mV, made with ``filters``, and the twin rows and the extra leads (names, (E, T))
        made alike."""
        self._display = display
        self._shown_filters = filters
        self._twins = twins
        self._extra = (self.record, *extra)
        if redraw:
            self.redraw()
        self.filtersChanged.emit()
