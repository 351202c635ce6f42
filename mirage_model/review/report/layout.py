"""The geometry of the ECG sheet (page 1), in PDF points: :func:`report_layout` alone computes it.

The panels come from the one renderer's :func:`mirage_model.render.make_layout` (the same 3x4 +
rhythm geometry as the model image and the screen), placed on a landscape page at true scale
(Kligfield et al. 2007: 25 mm/s, 10 mm/mV, 1 mm minor and 5 mm major grid, a 1 mV / 200 ms
calibration pulse at the start of each row). The page drawing draws exactly this layout, so tests
(and anyone else) can check the scale from it.

Above the sheet, as on a cart's or GE MUSE / Philips report, a band holds the measurement block
and the interpretation (``summary_band``). The sheet keeps its 4 rows of 40 mm; room for the band
comes from a two-line header and a one-line caption under the sheet.

Very tall complexes (a 6 mV R wave of left ventricular hypertrophy) at 10 mm/mV run into the
neighbouring rows' traces or off the sheet; as carts do, :func:`sheet_gain` then draws the whole
sheet at 5 mm/mV (2.5 if need be), with its pulses at that gain and the gain printed under it.
Pacing spikes do not count toward that choice (carts clip them): :func:`narrow_spikes` finds the
excursions narrower than ``SPIKE_MAX_MS`` at half height, :func:`sheet_gain` decides on the
signal without them, and :func:`clip_spikes` holds them inside their row on the drawn sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from mirage_model.quality.findings import QualityConfig
from mirage_model.render import LEAD_NAMES, PAGE_S, RenderConfig, make_layout

MM = 72.0 / 25.4                 # PDF points per millimetre (1 mm = 2.8346 pt)
PAGE_SIZES_MM = {"A4": (297.0, 210.0), "LETTER": (279.4, 215.9)}   # landscape (width, height)

# ECG sheet, in mm. 4 columns of 2.5 s at 25 mm/s are 250 mm, plus 10 mm for the calibration pulse.
_CAL_MM = 10.0                   # left part of the sheet that holds the calibration pulses
_ROW_MM = 40.0                   # row pitch on paper (4 mV at 10 mm/mV); baselines at 20 mm: on a 5 mm line
_N_ROWS = 4                      # 3 lead rows + the rhythm strip
_HEADER_MM = 15.0                # page top margin + the title and patient lines
_BAND_MM = 21.0                  # the measurement block and the interpretation, under the header
_BAND_GAP_MM = 1.0               # between the band and the sheet


@dataclass
class ReportSettings:
    """What the user chooses for a report (the app keeps these in QSettings)."""
    page_size: str = "A4"            # "A4" or "Letter", always landscape
    institution: str = ""            # printed under the header
    reviewer: str = ""               # a name for the sign-off line of a report no one signed (the CLI's --reviewer)
    comment: str = ""                # the over-read's comment of a report no one over-read (the CLI's --comment)
    patient_name: str = ""           # optional; the record rarely carries one
    patient_id: str = ""             # optional
    speed_mm_s: float = 25.0         # paper speed (the 10 s sheet must fit: at most 26 mm/s on A4)
    gain_mm_mv: float = 10.0         # amplitude scale (rows stay 40 mm: 5 mm/mV shows +-4 mV)
    auto_gain: bool = True           # halve the gain (to 5, then 2.5 mm/mV) where traces would run into the next row


@dataclass(frozen=True)
class TracePanel:
    """One drawn trace on the ECG sheet, in PDF points (origin bottom-left of the page).

    ``t0``/``t1`` are seconds of the record; the trace runs from ``x0`` (at ``t0``) to ``x1`` (at
    ``t1``) with 0 mV on the line ``y = baseline``.
    """
    lead: str
    t0: float
    t1: float
    x0: float
    x1: float
    baseline: float
    rhythm: bool = False


@dataclass(frozen=True)
class ReportLayout:
    """Geometry of the ECG sheet (page 1), in PDF points. 1 mm = :data:`MM` pt.

    Attributes:
        page_width, page_height: landscape page size (A4: 841.89 x 595.28 pt).
        grid_x0, grid_y0, grid_width, grid_height: the ECG paper rectangle (bottom-left corner).
        minor_pt, major_pt: grid pitch (1 mm and 5 mm).
        pt_per_s: horizontal scale (speed_mm_s * MM; 25 mm/s -> 70.87 pt per second).
        pt_per_mv: vertical scale (gain_mm_mv * MM; 10 mm/mV -> 28.35 pt per mV).
        panels: the 12 lead panels (row by row) then the rhythm strip.
        calibration: per row, the pulse's (x_start, x_end, baseline, top) in pt.
        band_top, band_bottom: the band between the header and the sheet that holds the
            measurement block and the interpretation (``summary_band``), in pt from the bottom.
    """
    page_width: float
    page_height: float
    grid_x0: float
    grid_y0: float
    grid_width: float
    grid_height: float
    minor_pt: float
    major_pt: float
    pt_per_s: float
    pt_per_mv: float
    panels: tuple[TracePanel, ...]
    calibration: tuple[tuple[float, float, float, float], ...]
    speed_mm_s: float
    gain_mm_mv: float
    band_top: float = 0.0
    band_bottom: float = 0.0

    def to_point(self, panel: TracePanel, t: float, mv: float = 0.0) -> tuple[float, float]:
        """(time in s of the record, amplitude in mV) on ``panel`` -> page point (x, y) in pt."""
        return panel.x0 + (t - panel.t0) * self.pt_per_s, panel.baseline + mv * self.pt_per_mv


def report_layout(settings: ReportSettings | None = None) -> ReportLayout:
    """The ECG sheet geometry that :func:`build_report` draws for ``settings``.

    The panels come from the one renderer's :func:`mirage_model.render.make_layout` (the same
    3x4 + rhythm geometry as the model image and the screen), placed on the page in points.

    Raises:
        ValueError: unknown page size, or a speed/gain whose 10 s sheet does not fit the page.
    """
    lay, _ = page_layouts(settings or ReportSettings())
    return lay


def page_layouts(settings: ReportSettings):
    """(ReportLayout, geom): geom is (the renderer's EcgLayout in pt with y down from the sheet's
    top-left trace origin, that origin's x, its y on the page), what the traces are drawn with."""
    key = str(settings.page_size).strip().upper()
    if key not in PAGE_SIZES_MM:
        raise ValueError(f"page size {settings.page_size!r} is not supported (use A4 or Letter)")
    if not (settings.speed_mm_s > 0 and settings.gain_mm_mv > 0):
        raise ValueError("paper speed and gain must be positive")
    page_w_mm, page_h_mm = PAGE_SIZES_MM[key]
    trace_w_mm = PAGE_S * settings.speed_mm_s
    grid_w_mm = _CAL_MM + trace_w_mm
    grid_h_mm = _N_ROWS * _ROW_MM
    if grid_w_mm > page_w_mm - 10:
        raise ValueError(
            f"at {settings.speed_mm_s:g} mm/s the {PAGE_S:g} s sheet is {grid_w_mm:.0f} mm wide and "
            f"does not fit a landscape {key} page")
    # whole millimetres so that grid lines, t = 0 and every baseline fall on 1 mm lines
    x0_mm = math.floor((page_w_mm - grid_w_mm) / 2.0)
    # the sheet keeps its size (4 rows of 40 mm): the header is short and the band sits between
    y0_mm = math.floor(page_h_mm - _HEADER_MM - _BAND_MM - _BAND_GAP_MM - grid_h_mm)
    pt_s = settings.speed_mm_s * MM
    pt_mv = settings.gain_mm_mv * MM
    trace_x0 = (x0_mm + _CAL_MM) * MM
    top = (y0_mm + grid_h_mm) * MM
    ecg = make_layout(trace_w_mm * MM, grid_h_mm * MM,
                      RenderConfig(mv_range=_ROW_MM / settings.gain_mm_mv))
    panels = []
    for p in ecg.panels:
        panels.append(TracePanel(LEAD_NAMES[p.lead], p.t0, p.t1, trace_x0 + p.x0, trace_x0 + p.x1,
                                 top - p.y_mid, rhythm=bool(getattr(p, "rhythm", False))))
    calibration = []
    cal_x = (x0_mm + 3.0) * MM
    for base in sorted({pl.baseline for pl in panels}, reverse=True):
        calibration.append((cal_x, cal_x + 0.2 * pt_s, base, base + 1.0 * pt_mv))
    lay = ReportLayout(
        page_width=page_w_mm * MM, page_height=page_h_mm * MM,
        grid_x0=x0_mm * MM, grid_y0=y0_mm * MM, grid_width=grid_w_mm * MM,
        grid_height=grid_h_mm * MM, minor_pt=1.0 * MM, major_pt=5.0 * MM,
        pt_per_s=pt_s, pt_per_mv=pt_mv, panels=tuple(panels), calibration=tuple(calibration),
        speed_mm_s=float(settings.speed_mm_s), gain_mm_mv=float(settings.gain_mm_mv),
        band_top=(page_h_mm - _HEADER_MM) * MM, band_bottom=top + _BAND_GAP_MM * MM)
    return lay, (ecg, trace_x0, top)


REDUCED_GAINS_MM_MV = (5.0, 2.5)      # what a cart steps down to from the standard 10 mm/mV

# Pacing spikes: a stimulus lasts 0.1-2 ms, and the display filter widens it to 5-9 ms at half
# height. In 201 records at 500-1000 Hz (LUDB, the CinC 2020/2021 samples, PTB; display-filtered)
# the narrowest excursion of >= 1 mV that is a wave is 13.6 ms wide there (three narrower ones are
# artefacts: a 50 Hz burst, transients at a record's ends). At 100 Hz a sharp R wave measures
# 7-10 ms (one sample), so spikes are only told from waves where pacing itself can be resolved.
SPIKE_MAX_MS = 10.0                   # excursions narrower than this at half height are spikes, not waves
SPIKE_MIN_MV = 0.5                    # ... and only those of at least this prominence matter to the sheet
SPIKE_MIN_FS = QualityConfig.pace_min_fs   # the quality check's rate: below it no excursion is a spike


def _spikes(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(``x`` with every spike cut off, the (L, T) bool mask of the cut samples). A spike is an
    excursion (either sign, prominence >= ``SPIKE_MIN_MV``) narrower than ``SPIKE_MAX_MS`` at half
    its prominence; it is cut at the straight line between the signal half a width before and
    after its half-height points, so a wider wave next to it (the paced QRS 20 ms later, the deep S
    after a narrow r) keeps its height.

    Not the quality check's stimulus detector (``quality.pacing.pacing_spikes``) nor the mains fit's
    (``preprocess.mains._spike_mask``): both read the raw signal, where a stimulus is 0.1-2 ms; this one reads
    the drawn trace, which the display filter has widened to 5-9 ms, and needs each spike's width and
    base to cut it at, whether or not a beat follows (an artefact that would halve the sheet too)."""
    from scipy.signal import find_peaks

    x = np.array(x, dtype=float)
    mask = np.zeros(x.shape, dtype=bool)
    if fs < SPIKE_MIN_FS:
        return x, mask
    T = x.shape[1]
    for lead in range(x.shape[0]):
        finite = np.isfinite(x[lead])
        for sign in (1.0, -1.0):
            y = sign * np.where(finite, x[lead], 0.0)
            _, props = find_peaks(y, prominence=SPIKE_MIN_MV, width=(None, SPIKE_MAX_MS * 1e-3 * fs),
                                  rel_height=0.5)
            for left, right, width in zip(props["left_ips"], props["right_ips"], props["widths"]):
                a = max(0, int(math.floor(left - 0.5 * width)))
                b = min(T - 1, int(math.ceil(right + 0.5 * width)))
                line = np.interp(np.arange(a, b + 1), (a, b), (y[a], y[b]))
                cut = (y[a:b + 1] > line) & finite[a:b + 1]
                x[lead, a:b + 1][cut] = sign * line[cut]
                mask[lead, a:b + 1] |= cut
    return x, mask


def narrow_spikes(signal: np.ndarray, fs: float) -> np.ndarray:
    """(L, T) bool: the samples of ``signal`` ((L, T) mV at ``fs``) that stand above the base of a
    spike (an excursion narrower than ``SPIKE_MAX_MS`` at half height: a pacing stimulus, as the
    display filter draws it). All False below ``SPIKE_MIN_FS``."""
    return _spikes(signal, fs)[1]


def without_spikes(signal: np.ndarray, fs: float) -> np.ndarray:
    """``signal`` with each spike cut at its base: what the ECG waves alone would draw."""
    return _spikes(signal, fs)[0]


def _row_baselines(lay: ReportLayout) -> list[float]:
    """The sheet's row baselines (pt), top row first."""
    return sorted({p.baseline for p in lay.panels}, reverse=True)


def _row_pitches(lay: ReportLayout) -> np.ndarray:
    """(rows - 1,) pt between each row's baseline and the next one's."""
    return np.abs(np.diff(_row_baselines(lay)))


def spike_room_mv(lay: ReportLayout) -> float:
    """How far (mV) from its baseline a spike is drawn at ``lay``'s gain: half the row pitch."""
    return float(_row_pitches(lay).min() / 2.0 / lay.pt_per_mv)


def clip_spikes(lay: ReportLayout, signal: np.ndarray, fs: float) -> tuple[np.ndarray, list[str]]:
    """(``signal`` with its :func:`narrow_spikes` held inside their row at ``lay``'s gain, the leads
    whose spikes that cut): a pacing spike of several mV is drawn up to half the row pitch from its
    baseline (+-2 mV at 10 mm/mV), as carts clip it, and the caption names the leads."""
    x = np.array(signal, dtype=float)
    mask = narrow_spikes(x, fs)
    room = spike_room_mv(lay)
    clipped = mask & (np.abs(np.nan_to_num(x)) > room)
    x[mask] = np.clip(x[mask], -room, room)
    return x, [LEAD_NAMES[i] for i in np.flatnonzero(clipped.any(axis=1))]


def clip_leads(lay: ReportLayout, signal: np.ndarray, leads) -> tuple[np.ndarray, list[str]]:
    """(``signal`` with its ``leads`` ((12,) bool: an electrode off) held inside their row at ``lay``'s gain,
    as :func:`clip_spikes` holds a spike, the leads that cut): such a lead's swing of several mV would
    otherwise be drawn over its neighbours' rows."""
    x = np.array(signal, dtype=float)
    leads = np.asarray(leads, bool)
    room = spike_room_mv(lay)
    clipped = leads & (np.abs(np.nan_to_num(x)) > room).any(axis=1)
    x[leads] = np.clip(x[leads], -room, room)
    return x, [LEAD_NAMES[i] for i in np.flatnonzero(clipped)]


def rows_overlap(lay: ReportLayout, signal: np.ndarray, fs: float) -> bool:
    """Whether the traces of ``signal`` ((12, T) mV at ``fs``, as drawn) at ``lay``'s gain run
    into the next row's trace.

    At any x of the sheet every row shows the same record time (each column is one 2.5 s window,
    the rhythm strip runs under all four), so within each column's window the lowest point of a
    row's lead and the highest of the next row's lead are compared with the rows' spacing. (The
    sheet's top and bottom edges do not count: a V4 R wave above 2 mV, common in young men, would
    put one PTB-XL record in six at half gain; :func:`edge_clipped` names such leads instead.)"""
    up, down = _excursions(lay, signal, fs)
    gap = 0.2 * MM                                                    # traces closer than this meet
    pitch = _row_pitches(lay)
    return bool(np.any((down[:-1] + up[1:]) * lay.pt_per_mv > pitch[:, None] - gap))


def edge_clipped(lay: ReportLayout, signal: np.ndarray, fs: float) -> list[str]:
    """The leads whose trace the sheet's top or bottom edge cuts at ``lay``'s gain (the renderer
    holds a trace inside the sheet), top row first: page 1 names them under the sheet."""
    up, down = _excursions(lay, signal, fs)
    baselines = _row_baselines(lay)
    above = lay.grid_y0 + lay.grid_height - baselines[0]
    below = baselines[-1] - lay.grid_y0
    windows = sorted({(p.t0, p.t1) for p in lay.panels if not p.rhythm})
    out = []
    for row, excursion, room in ((0, up[0], above), (len(baselines) - 1, down[-1], below)):
        for w, (t0, _t1) in enumerate(windows):
            if excursion[w] * lay.pt_per_mv > room:
                lead = next(p for p in lay.panels if p.baseline == baselines[row] and p.t0 <= t0 < p.t1)
                name = f"{lead.lead} (rhythm)" if lead.rhythm else lead.lead
                if name not in out:
                    out.append(name)
    return out


def _excursions(lay: ReportLayout, signal: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(up, down), each (rows, columns) in mV >= 0: the highest and the lowest point of the lead
    each row shows in each column's 2.5 s window (the rhythm strip's lead in every window)."""
    signal = np.asarray(signal, dtype=float)
    T = signal.shape[1]
    baselines = _row_baselines(lay)                                               # top row first
    windows = sorted({(p.t0, p.t1) for p in lay.panels if not p.rhythm})
    up = np.zeros((len(baselines), len(windows)))
    down = np.zeros_like(up)
    index = {name: i for i, name in enumerate(LEAD_NAMES)}
    for p in lay.panels:
        r = baselines.index(p.baseline)
        for w, (t0, t1) in enumerate(windows):
            if not (p.t0 <= t0 < p.t1):
                continue
            i0, i1 = min(T, math.ceil(t0 * fs - 1e-9)), min(T, math.ceil(t1 * fs - 1e-9))
            x = signal[index[p.lead], i0:i1]
            x = x[np.isfinite(x)]
            if x.size:
                up[r, w], down[r, w] = max(x.max(), 0.0), max(-x.min(), 0.0)
    return up, down


def sheet_gain(settings: ReportSettings, signal: np.ndarray, fs: float, leave_out=None) -> float:
    """The gain (mm/mV) the sheet is drawn at: ``settings.gain_mm_mv``, or with ``auto_gain`` where
    the traces would then overlap (:func:`rows_overlap`), the first of ``REDUCED_GAINS_MM_MV`` below
    it at which they do not (the least of them when none). Pacing spikes (:func:`narrow_spikes`)
    do not count: the sheet is halved for tall waves, never for a stimulus artefact. Nor do the leads
    ``leave_out`` ((12,) bool, or None), an electrode off (``quality.electrode_off_leads``): a cart halves
    its sheet for a heart's tall waves, not for one lead's swing from rail to rail (:func:`clip_leads`
    holds that in its row)."""
    signal = without_spikes(signal, fs)
    if leave_out is not None and np.any(leave_out):
        signal = np.where(np.asarray(leave_out, bool)[:, None], np.nan, signal)
    gains = [float(settings.gain_mm_mv)]
    if settings.auto_gain:
        gains += [g for g in REDUCED_GAINS_MM_MV if g < gains[0]]
    for gain in gains:
        lay, _ = page_layouts(replace(settings, gain_mm_mv=gain))
        if not rows_overlap(lay, signal, fs):
            return gain
    return gains[-1]
