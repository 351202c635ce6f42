"""What every page of one report reads: the session snapshot, the settings, the sheet's geometry
and the display-filtered signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from mirage_model.review import interpret
from mirage_model.review.amendment import amendment_changes
from mirage_model.review.cited import as_read
from mirage_model.review.report.layout import ReportLayout, ReportSettings

FIRST_RESULTS_PAGE = 3             # after the ECG sheet and the median beats
MEASUREMENTS = "measurements"      # the section of the interval measurements' table (``measurement_table``)
MODEL_RESULT = "model result"      # the model result's table and card (``result.result_flowables``)
SHEET_NOTES = "sheet notes"        # page 1's caption and notes in full (``result.sheet_flowables``)
EXTRA_LEADS = "extra leads"        # the first page of the file's leads outside the 12 (``extra_leads``)


@dataclass
class ReportContext:
    session: object                  # review.session.ReviewSession (a snapshot)
    settings: ReportSettings
    layout: ReportLayout
    geom: tuple                      # what the traces are drawn with (layout.page_layouts)
    signal: np.ndarray               # (12, T) mV, display-filtered (waveforms.display_signal)
    fs: float
    band: str                        # the display filter, in words
    spikes_clipped: tuple = ()       # leads whose pacing spikes the sheet holds inside their row (layout.clip_spikes)
    off_clipped: tuple = ()          # leads with an electrode off held inside their row (layout.clip_leads)
    generated: str = ""              # when the report was written (UTC, to the minute)
    wide_width: float = 0.0          # pt across the wide (explanations) page's frame
    column_width: float = 0.0        # pt of text across one of pages 3-4's two columns (frame padding off)
    serial: object = None            # review.serial.SerialComparison with the session's prior ECG (None: none)
    # section -> the page it was laid out on (``write``'s first pass), for page 1's "(page N)" pointers
    pages: dict = field(default_factory=dict)

    def page(self, section: str) -> str:
        """Where ``section`` (``MEASUREMENTS``, ``MODEL_RESULT``, ``SHEET_NOTES``) is printed, as page 1
        points to it: "page 4"; "page 3", the first results page, before the first pass has laid the pages out."""
        return f"page {self.pages.get(section, FIRST_RESULTS_PAGE)}"

    # built once per report: page 1's band, page 3's interpretation and page 4's table read the same
    @cached_property
    def interpretation(self):
        """The session's interpretation (``interpret.session_interpretation``), its notes as the over-read leaves them
        (``cited.as_read``: a note citing a statement the reviewer struck says so)."""
        return as_read(getattr(self.session, "overread", None), interpret.session_interpretation(self.session))

    @cached_property
    def amendment(self) -> tuple | None:
        """What the over-read amends and what it changed of it (``amendment.amendment_changes`` over
        ``interpretation``): page 1 counts the changes, page 3 says them; None where it amends none."""
        overread = getattr(self.session, "overread", None)
        return amendment_changes(overread, self.interpretation) if overread is not None else None

    @cached_property
    def measurement_rows(self) -> list[dict]:
        """The session's measurement table beside its interpretation (``ReviewSession.measurement_table``)."""
        return self.session.measurement_table(self.interpretation)

    @property
    def record(self):
        return self.session.record

    @property
    def prediction(self):
        return self.session.prediction

    @property
    def age(self):
        return self.session.age

    @property
    def sex(self):
        return self.session.sex
