"""The one ECG renderer: grayscale 3x4 layout (each column a different 2.5 s slice) plus a 10 s
lead II rhythm strip, at 224x224 for the model and at high resolution for the screen and PDF.

Follows the standard 12-lead paper printout (AHA/ACC/HRS 2007 recommendations for the
standardisation of the ECG, part I): four columns of 2.5 s, rows I/aVR/V1/V4, II/aVL/V2/V5,
III/aVF/V3/V6, and a 10 s lead II rhythm strip as a fourth row. Column c shows t in
[2.5c, 2.5(c+1)) s of the 10 s page; the rhythm strip shows [0, 10) s (times are offset by the
page's ``start_s`` in the record).

Sizes: the model image is 224x224 (22.4 px/s, 18.7 px/mV with the default 3 mV rows), no grid,
no labels, black on white. ``RenderConfig.high_res()`` is a 2000x1440 page at 8 px per mm:
25 mm/s and 10 mm/mV with a square 1 mm / 5 mm grid and every baseline on a 5 mm line.

One geometry for raster and vector: ``make_layout`` builds the ``EcgLayout`` (panel boxes,
``px_per_s``, ``px_per_mv``), ``panel_traces`` turns a signal into per-panel pixel polylines, and
``render_ecg`` rasterises exactly those polylines. The PDF report (vectors) and the app draw the
same polylines, so every image point maps to (lead, time) and back the same way everywhere.

Geometry (continuous pixel coordinates, x right, y down; pixel (i, j) covers [i, i+1) x [j, j+1)):
    rows: 4 bands of height/4; columns: 4 bands of width/4; panel boxes are half-open.
    x = x0 + (t - t0) * px_per_s,   px_per_s = width / 10 s (the same for every panel).
    y = (y0 + y1) / 2 - mv * px_per_mv,   px_per_mv = (height / 4) / mv_range (the same for every row).
Traces are not clipped to their row (tall QRS complexes overlap the neighbouring row, as on
paper) but to the image: y is clamped to [0, height].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PAGE_S = 10.0                 # seconds on one page (the rhythm strip's span)
COLUMN_S = 2.5                # seconds per column of the 3x4 grid
RHYTHM_LEAD = 1               # lead II
LEAD_NAMES = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def grid_rows(n_cols: int) -> tuple[tuple[int, ...], ...]:
    """Standard multi-column paper: leads fill the columns in order (I, II, III | aVR, aVL, aVF | ...).

    Returns rows[r][c] = lead index drawn in row r, column c; ``n_cols`` 4 (3x4) or 2 (6x2).
    """
    if n_cols not in (1, 2, 3, 4, 6, 12):
        raise ValueError(f"12 leads do not fill {n_cols} equal columns")
    per_col = 12 // n_cols
    return tuple(tuple(c * per_col + r for c in range(n_cols)) for r in range(per_col))


# GRID_ROWS[r][c] = lead index drawn in row r, column c of the 3x4 page (the model's image, the PDF, the app).
GRID_ROWS = grid_rows(4)


@dataclass(frozen=True)
class Cell:
    """Where one trace sits on a multi-column page, in rows and columns (no units): ``lead`` drawn
    in ``row``, ``col`` over record time [t0, t1) s. The rhythm strip spans every column."""
    lead: int
    row: int
    col: int
    t0: float
    t1: float
    rhythm: bool = False


def page_cells(n_cols: int = 4, start_s: float = 0.0, span_s: float = PAGE_S,
               rhythm: bool = True) -> tuple[Cell, ...]:
    """The panel geometry of a standard multi-column page: the one owner of which lead goes in
    which row and column over which seconds, for the model's image (3x4), the PDF (3x4) and
    the app's 3x4 / 6x2 views, each of which only scales the cells to its own units.

    Args:
        n_cols: columns (4: 3x4, 2: 6x2; see ``grid_rows``).
        start_s: record time at the left edge.
        span_s: seconds the page shows; each column shows ``span_s / n_cols`` of it, the
            columns consecutive slices (I, II, III over the first, aVR, aVL, aVF the next ...).
        rhythm: add the lead II rhythm strip over the whole span, as row ``12 // n_cols``.

    Returns:
        The 12 lead cells row by row, then the rhythm strip.
    """
    seg = span_s / n_cols
    cells = [Cell(lead, r, c, start_s + c * seg, start_s + (c + 1) * seg)
             for r, row in enumerate(grid_rows(n_cols)) for c, lead in enumerate(row)]
    if rhythm:
        cells.append(Cell(RHYTHM_LEAD, 12 // n_cols, 0, start_s, start_s + span_s, rhythm=True))
    return tuple(cells)

PAPER = 255                   # background gray level
INK = 0                       # trace gray level
GRID_MINOR = 226              # 1 mm lines
GRID_MAJOR = 190              # 5 mm lines


@dataclass(frozen=True)
class RenderConfig:
    width: int = 224              # output width in pixels
    height: int = 224             # output height in pixels
    mv_range: float = 3.0         # vertical span of one row in mV (gain follows from the row height)
    line_width: float = 1.0       # trace width in pixels at 224 px (scaled with size), at least 1 px
    grid: bool = False            # draw ECG paper grid: 1 mm = 0.04 s and 0.1 mV, 5 mm bold (off for the model image)
    labels: bool = False          # write lead names in each panel (off for the model image)
    supersample: int = 1          # >1: draw at this multiple and box-average (deterministic antialiasing)

    @classmethod
    def high_res(cls, grid: bool = True, labels: bool = True) -> "RenderConfig":
        """2000x1440 screen/PDF page at true paper scale: 25 mm/s and 10 mm/mV with 8 px per mm (square grid)."""
        return cls(width=2000, height=1440, mv_range=4.5, line_width=0.25, grid=grid, labels=labels)


@dataclass(frozen=True)
class Panel:
    """One drawn trace: lead index (0..11), time span in seconds [t0, t1), and its pixel box [x0, x1) x [y0, y1)."""
    lead: int
    t0: float
    t1: float
    x0: float
    y0: float
    x1: float
    y1: float          # y_mid = baseline (0 mV) at (y0 + y1) / 2
    rhythm: bool = False   # True for the 10 s lead II strip

    @property
    def y_mid(self) -> float:
        return (self.y0 + self.y1) / 2.0

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1


@dataclass(frozen=True)
class EcgLayout:
    """Maps image pixels <-> (lead, time). ``panels``: the 12 3x4 panels (panels[i].lead == i) then the rhythm strip.

    Times are record times in seconds: the page shows [start_s, start_s + 10). ``width`` and
    ``height`` are the canvas size as given to ``make_layout`` (pixels, or float PDF points).
    """
    width: float
    height: float
    panels: tuple[Panel, ...]
    mv_per_px: float
    px_per_s: float = 0.0
    start_s: float = 0.0

    @property
    def px_per_mv(self) -> float:
        return 1.0 / self.mv_per_px

    @property
    def rhythm_panel(self) -> Panel:
        return self.panels[12]

    def panel_at(self, x: float, y: float) -> Panel | None:
        """The panel whose box holds pixel point (x, y), or None."""
        for p in self.panels:
            if p.contains(x, y):
                return p
        return None

    def to_lead_time(self, x: float, y: float) -> tuple[int, float] | None:
        """Pixel (x, y) -> (lead index, time in s), or None outside every panel. The rhythm strip gives lead II (1)."""
        p = self.panel_at(x, y)
        if p is None:
            return None
        return p.lead, p.t0 + (x - p.x0) / self.px_per_s

    def to_mv(self, x: float, y: float) -> float | None:
        """Pixel (x, y) -> amplitude in mV relative to its panel's baseline, or None outside every panel."""
        p = self.panel_at(x, y)
        return None if p is None else (p.y_mid - y) * self.mv_per_px

    def to_pixel(self, lead: int, t: float, mv: float = 0.0, rhythm: bool = False) -> tuple[float, float]:
        """(lead, t s, amplitude mV) -> pixel (x, y); rhythm=True addresses the lead II strip.

        Lead II at a time outside its grid panel (t >= start_s + 2.5) falls back to the rhythm strip.

        Raises:
            ValueError: lead out of range, rhythm=True for another lead, or t not on this page.
        """
        if not 0 <= lead < 12:
            raise ValueError(f"lead index must be 0..11, got {lead}")
        if rhythm and lead != RHYTHM_LEAD:
            raise ValueError(f"the rhythm strip shows lead II (index {RHYTHM_LEAD}), not lead {lead}")
        candidates = [self.rhythm_panel] if rhythm else [self.panels[lead]]
        if not rhythm and lead == RHYTHM_LEAD:
            candidates.append(self.rhythm_panel)
        for p in candidates:
            if p.t0 <= t < p.t1:
                return p.x0 + (t - p.t0) * self.px_per_s, p.y_mid - mv * self.px_per_mv
        p = candidates[0]
        raise ValueError(f"lead {LEAD_NAMES[lead]} at t={t} s is not drawn on this page (shown: [{p.t0}, {p.t1}) s)")

    def lead_time_map(self) -> tuple[np.ndarray, np.ndarray]:
        """Every pixel centre -> (lead, time), vectorised ``to_lead_time`` (e.g. to map saliency back to leads).

        Returns:
            lead: int64 (height, width), lead index, -1 outside every panel.
            t: float64 (height, width), time in s, NaN outside every panel.
        """
        H, W = int(math.ceil(self.height)), int(math.ceil(self.width))
        lead = np.full((H, W), -1, dtype=np.int64)
        t = np.full((H, W), np.nan)
        xc = np.arange(W) + 0.5
        yc = np.arange(H) + 0.5
        for p in self.panels:
            cols = (xc >= p.x0) & (xc < p.x1)
            rows = (yc >= p.y0) & (yc < p.y1)
            lead[np.ix_(rows, cols)] = p.lead
            t[np.ix_(rows, cols)] = p.t0 + (xc[cols] - p.x0) / self.px_per_s
        return lead, t


@dataclass(frozen=True)
class RenderedEcg:
    image: np.ndarray   # uint8 (height, width), 255 = white paper, dark traces
    layout: EcgLayout


def make_layout(width: int, height: int, cfg: RenderConfig = RenderConfig(), start_s: float = 0.0) -> EcgLayout:
    """The page geometry for a ``width`` x ``height`` canvas (pixels or PDF points).

    Args:
        width, height: canvas size; ``cfg.width``/``cfg.height`` are ignored here.
        cfg: supplies ``mv_range`` (vertical span of one row in mV).
        start_s: record time (s) at the left edge: the page shows [start_s, start_s + 10).

    Returns:
        EcgLayout with 13 panels: leads 0..11 in the 3x4 grid, then the lead II rhythm strip.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas size must be positive, got {width}x{height}")
    if not cfg.mv_range > 0:
        raise ValueError(f"mv_range must be positive, got {cfg.mv_range}")
    row_h = height / 4.0
    col_w = width / 4.0
    px_per_s = width / PAGE_S
    by_lead: dict[int, Panel] = {}
    rhythm = None
    for cell in page_cells(4, start_s):
        if cell.rhythm:
            rhythm = Panel(lead=cell.lead, t0=cell.t0, t1=cell.t1, x0=0.0, y0=cell.row * row_h,
                           x1=float(width), y1=float(height), rhythm=True)
        else:
            c, r = cell.col, cell.row
            by_lead[cell.lead] = Panel(lead=cell.lead, t0=cell.t0, t1=cell.t1, x0=c * col_w, y0=r * row_h,
                                       x1=(c + 1) * col_w, y1=(r + 1) * row_h)
    panels = tuple(by_lead[i] for i in range(12)) + (rhythm,)
    return EcgLayout(width=width, height=height, panels=panels, mv_per_px=cfg.mv_range / row_h,
                     px_per_s=px_per_s, start_s=float(start_s))


def _check(signal: np.ndarray, fs: float) -> np.ndarray:
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != 12:
        raise ValueError(f"render needs a (12, T) signal in mV, got shape {x.shape}")
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"sampling frequency must be positive, got {fs!r}")
    return x


def panel_traces(signal: np.ndarray, fs: float, layout: EcgLayout) -> list[tuple[Panel, np.ndarray, np.ndarray]]:
    """Per-panel pixel polylines (y down), the geometry both the raster and the vector (PDF) renderers draw.

    Sample i of ``signal`` is at record time i / fs; a panel takes the samples with t in [t0, t1)
    (a short signal just gives shorter polylines; nothing is padded here).

    Args:
        signal: (12, T) mV at ``fs``; NaN samples give NaN in ys (break the line there, see ``polyline_segments``).
        fs: sampling frequency (Hz).
        layout: from ``make_layout``.

    Returns:
        13 tuples (panel, xs (n,), ys (n,)) in ``layout.panels`` order, float64 pixel coordinates,
        ys clamped to [0, layout.height].
    """
    x = _check(signal, fs)
    T = x.shape[1]
    out = []
    for p in layout.panels:
        i0 = max(0, math.ceil(p.t0 * fs - 1e-9))
        i1 = min(T, max(i0, math.ceil(p.t1 * fs - 1e-9)))
        idx = np.arange(i0, i1)
        xs = p.x0 + (idx / fs - p.t0) * layout.px_per_s
        ys = np.clip(p.y_mid - x[p.lead, i0:i1] * layout.px_per_mv, 0.0, float(layout.height))
        out.append((p, xs, ys))
    return out


def polyline_segments(xs: np.ndarray, ys: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split a polyline at non-finite ys into runs of finite points (each run has >= 1 point)."""
    ok = np.isfinite(ys)
    if ok.all():
        return [(xs, ys)] if len(xs) else []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    return [(xs[a:b], ys[a:b]) for a, b in zip(edges[::2], edges[1::2])]


def _draw_grid(img: np.ndarray, layout: EcgLayout, scale: int) -> None:
    """1 mm (0.04 s, 0.1 mV) and 5 mm lines, anchored at t = start_s and at the first row's baseline."""
    H, W = img.shape
    for step_px, level in ((layout.px_per_s * 0.04, GRID_MINOR), (layout.px_per_s * 0.2, GRID_MAJOR)):
        if step_px * scale < 2:
            continue
        xs = np.floor(np.arange(0.0, layout.width, step_px) * scale).astype(int)
        img[:, xs[xs < W]] = np.minimum(img[:, xs[xs < W]], level)
    y_base = layout.panels[0].y_mid
    for step_px, level in ((layout.px_per_mv * 0.1, GRID_MINOR), (layout.px_per_mv * 0.5, GRID_MAJOR)):
        if step_px * scale < 2:
            continue
        k0 = -math.floor(y_base / step_px)
        ys = np.floor((y_base + np.arange(k0, k0 + int(layout.height / step_px) + 2) * step_px) * scale).astype(int)
        ys = ys[(ys >= 0) & (ys < H)]
        img[ys, :] = np.minimum(img[ys, :], level)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:          # Pillow < 10.1: bitmap font only
        return ImageFont.load_default()


def render_ecg(signal: np.ndarray, fs: float, cfg: RenderConfig = RenderConfig(), start_s: float = 0.0) -> RenderedEcg:
    """Render (12, T) mV at fs into a grayscale page: the 10 s from ``start_s`` (shorter is padded flat).

    Deterministic (bit-identical for the same input); a 224x224 render takes about a millisecond.

    Args:
        signal: (12, T) mV at ``fs``, standard lead order. NaN samples leave a gap in the trace.
        fs: sampling frequency (Hz).
        cfg: size, gain, grid, labels.
        start_s: record time of the page's left edge (s).

    Returns:
        RenderedEcg: image uint8 (cfg.height, cfg.width), 255 paper, dark traces; and its layout.
    """
    x = _check(signal, fs)
    need = math.ceil((start_s + PAGE_S) * fs - 1e-9)
    if x.shape[1] < need:
        x = np.concatenate([x, np.zeros((12, need - x.shape[1]))], axis=1)
    layout = make_layout(cfg.width, cfg.height, cfg, start_s)
    k = max(1, int(cfg.supersample))
    H, W = cfg.height * k, cfg.width * k
    canvas = np.full((H, W), PAPER, dtype=np.uint8)
    if cfg.grid:
        _draw_grid(canvas, layout, k)
    img = Image.fromarray(canvas)           # uint8 (H, W) -> mode "L"
    draw = ImageDraw.Draw(img)
    lw = max(1, int(round(cfg.line_width * cfg.width / 224.0 * k)))
    for _, xs, ys in panel_traces(x, fs, layout):
        for sx, sy in polyline_segments(xs, ys):
            px = np.minimum(np.floor(sx * k), W - 1).astype(np.int32)
            py = np.minimum(np.floor(sy * k), H - 1).astype(np.int32)
            if len(px) == 1:
                draw.point((int(px[0]), int(py[0])), fill=INK)
                continue
            draw.line(np.column_stack((px, py)).ravel().tolist(), fill=INK, width=lw,
                      joint="curve" if lw > 2 else None)
    if cfg.labels:
        font = _font(max(8, int(round(layout.height / 4 * 0.12 * k))))
        for p in layout.panels:
            name = LEAD_NAMES[p.lead] + (" (rhythm)" if p.rhythm else "")
            draw.text(((p.x0 + 0.01 * layout.width) * k, (p.y0 + 0.04 * (p.y1 - p.y0)) * k), name, fill=INK, font=font)
    out = np.asarray(img)
    if k > 1:
        out = np.rint(out.reshape(cfg.height, k, cfg.width, k).mean(axis=(1, 3))).astype(np.uint8)
    return RenderedEcg(image=np.ascontiguousarray(out), layout=layout)


__all__ = ["RenderConfig", "Panel", "EcgLayout", "RenderedEcg", "make_layout", "panel_traces",
           "polyline_segments", "render_ecg", "GRID_ROWS", "grid_rows", "LEAD_NAMES", "PAGE_S", "COLUMN_S",
           "RHYTHM_LEAD", "Cell", "page_cells"]
