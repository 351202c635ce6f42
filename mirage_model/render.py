"""The one ECG renderer: grayscale 3x4 layout (each column a different 2.5 s slice) plus a 10 s
lead II rhythm strip, at 224x224 for the model and at high resolution for the screen and PDF.

CONTRACT (owned by the signal helper; replace the stubs, keep the names and shapes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RenderConfig:
    width: int = 224              # output width in pixels
    height: int = 224             # output height in pixels
    mv_range: float = 3.0         # vertical span of one row in mV (gain follows from the row height)
    line_width: float = 1.0       # trace width in pixels at 224 px (scaled with size)
    grid: bool = False            # draw ECG paper grid (off for the model image)


@dataclass(frozen=True)
class Panel:
    """One drawn trace: lead index (0..11), time span in seconds, and its pixel box."""
    lead: int
    t0: float
    t1: float
    x0: float
    y0: float
    x1: float
    y1: float          # y_mid = baseline (0 mV) at (y0 + y1) / 2


@dataclass(frozen=True)
class EcgLayout:
    """Maps image pixels <-> (lead, time). ``panels``: the 12 3x4 panels then the rhythm strip."""
    width: int
    height: int
    panels: tuple[Panel, ...]
    mv_per_px: float

    def to_lead_time(self, x: float, y: float) -> tuple[int, float] | None:
        """Pixel (x, y) -> (lead index, time in s), or None outside every panel."""
        raise NotImplementedError

    def to_pixel(self, lead: int, t: float, mv: float = 0.0, rhythm: bool = False) -> tuple[float, float]:
        """(lead, t s, amplitude mV) -> pixel (x, y); rhythm=True addresses the lead II strip."""
        raise NotImplementedError


@dataclass(frozen=True)
class RenderedEcg:
    image: np.ndarray   # uint8 (height, width), 255 = white paper, dark traces
    layout: EcgLayout


def render_ecg(signal: np.ndarray, fs: float, cfg: RenderConfig = RenderConfig()) -> RenderedEcg:
    """Render (12, T) mV at fs (first 10 s; shorter is padded flat) into a grayscale image.

    Deterministic; a 224x224 render takes a few ms.
    """
    raise NotImplementedError
