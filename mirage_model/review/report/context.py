"""What every page of one report reads: the session snapshot, the settings, the sheet's geometry
and the display-filtered signal."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mirage_model.review.report.layout import ReportLayout, ReportSettings


@dataclass
class ReportContext:
    session: object                  # review.session.ReviewSession (a snapshot)
    settings: ReportSettings
    layout: ReportLayout
    signal: np.ndarray               # (12, T) mV, display-filtered (waveforms.display_signal)
    fs: float
    band: str                        # the display filter, in words
    generated: str = ""
    extra: dict = field(default_factory=dict)   # "geom" (layout.page_layouts), "wide_width" (pt)

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
