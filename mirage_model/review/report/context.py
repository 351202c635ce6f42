"""What every page of one report reads: the session snapshot, the settings, the sheet's geometry
and the display-filtered signal."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mirage_model.review import interpret
from mirage_model.review.report.layout import ReportLayout, ReportSettings


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

    # built once per report: page 1's band, page 3's interpretation and page 4's table read the same
    @cached_property
    def interpretation(self):
        """The session's interpretation (``interpret.session_interpretation``)."""
        return interpret.session_interpretation(self.session)

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
