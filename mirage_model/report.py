"""The PDF report (reportlab), shared by ``mirage report``, ``mirage score --pdf-dir`` and the app.

Page 1 is the 12-lead ECG on paper at true scale, as the conventional printed 12-lead layout
(3x4 leads, each column a different 2.5 s slice, plus a 10 s lead II rhythm strip; AHA/ACC/HRS
recommendations for the standardization of the ECG, Kligfield et al. 2007: 25 mm/s, 10 mm/mV,
1 mm minor and 5 mm major grid, a 1 mV / 200 ms calibration pulse at the start of each row).
The traces are vector paths, so they stay crisp at any zoom, and every word is real text.
The following pages hold the model result, the clinical and laboratory values, the interval
measurements and the explanations. Research use only, not a diagnosis: the notice is printed on
every page.

The geometry of the ECG sheet is computed by :func:`report_layout` alone; :func:`build_report`
draws exactly that layout, so tests (and anyone else) can check the scale from it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from mirage_model import RESEARCH_USE_NOTICE, __version__
from mirage_model.records import STANDARD_LEADS
from mirage_model.paths import temp_sibling
# the one measurement table lives beside the measurements (measurement_rows re-exported here)
from mirage_model.review.measurements import MEASURE_ROWS as _MEASURE_ROWS
from mirage_model.review.measurements import measurement_rows  # noqa: F401
from mirage_model.review.labels import LABEL_NAMES, is_normal  # noqa: F401  (LABEL_NAMES re-exported)

log = logging.getLogger(__name__)

MM = 72.0 / 25.4                 # PDF points per millimetre (1 mm = 2.8346 pt)
PAGE_SIZES_MM = {"A4": (297.0, 210.0), "LETTER": (279.4, 215.9)}   # landscape (width, height)

# ECG sheet, in mm. 4 columns of 2.5 s at 25 mm/s are 250 mm, plus 10 mm for the calibration pulse.
_CAL_MM = 10.0                   # left part of the sheet that holds the calibration pulses
_ROW_MM = 40.0                   # row pitch on paper (4 mV at 10 mm/mV); baselines at 20 mm: on a 5 mm line
_N_ROWS = 4                      # 3 lead rows + the rhythm strip
_HEADER_MM = 25.0                # page top margin + header block

@dataclass
class ReportSettings:
    """What the user chooses for a report (the app keeps these in QSettings)."""
    page_size: str = "A4"            # "A4" or "Letter", always landscape
    institution: str = ""            # printed under the header
    reviewer: str = ""               # name of the person who reviewed the tracing
    comment: str = ""                # reviewer's free-text comment
    patient_name: str = ""           # optional; the record rarely carries one
    patient_id: str = ""             # optional
    speed_mm_s: float = 25.0         # paper speed (the 10 s sheet must fit: at most 26 mm/s on A4)
    gain_mm_mv: float = 10.0         # amplitude scale (rows stay 40 mm: 5 mm/mV shows +-4 mV)


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
    from mirage_model.render import make_layout

    settings = settings or ReportSettings()
    lay, _ = _page_layouts(settings, make_layout)
    return lay


def _page_layouts(settings: ReportSettings, make_layout):
    """(ReportLayout, the renderer's EcgLayout in pt with y down from the sheet's top-left trace origin)."""
    from mirage_model.render import LEAD_NAMES, PAGE_S, RenderConfig

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
    y0_mm = math.floor(page_h_mm - _HEADER_MM - grid_h_mm)
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
        speed_mm_s=float(settings.speed_mm_s), gain_mm_mv=float(settings.gain_mm_mv))
    return lay, (ecg, trace_x0, top)


# --------------------------------------------------------------------------------------------
# text helpers

_TEXT_FALLBACKS = {
    "\u03bc": "\u00b5", "\u2264": "<=", "\u2265": ">=", "\u2212": "-", "\u2013": "-", "\u2014": "-",
    "\u2070": "^0", "\u2074": "^4", "\u2075": "^5", "\u2076": "^6", "\u2077": "^7", "\u2078": "^8",
    "\u2079": "^9", "\u221a": "sqrt", "\u221b": "cbrt", "\u00d7": "x", "\u2248": "~",
}


def _t(value) -> str:
    """Text the standard PDF fonts can show (WinAnsi); anything else becomes a readable fallback."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        ch = _TEXT_FALLBACKS.get(ch, ch)
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def _esc(value) -> str:
    """_t() escaped for reportlab's Paragraph mini-markup."""
    return _t(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fmt_num(value, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, never in exponent form for everyday sizes."""
    if value is None:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return ""
    if abs(v) >= 10 ** digits:
        return f"{v:.0f}"
    if v != 0 and abs(v) < 1e-3:
        return f"{v:.{digits}g}"
    return f"{v:.{digits}g}"


def _record_date(record) -> str:
    meta = getattr(record, "meta", None) or {}
    for key in ("recording_date", "acquisition_date", "acquired", "datetime", "date", "base_datetime"):
        if meta.get(key):
            return str(meta[key])
    date, time = meta.get("base_date"), meta.get("base_time")
    if date:
        return f"{date} {time}" if time else str(date)
    return ""


# --------------------------------------------------------------------------------------------
# clinical table

def _split_value(entry) -> tuple[object, str | None]:
    if isinstance(entry, (tuple, list)) and len(entry) == 2:
        return entry[0], (str(entry[1]) if entry[1] not in (None, "") else None)
    return entry, None


def _catalogue(schema):
    """name -> ClinicalFeature: the model's schema first, then the package's known features."""
    features = {}
    try:
        from mirage_model.clinical import default_schema
        for f in default_schema().features:
            features[f.name] = f
    except Exception as err:   # the catalogue only adds labels and ranges; never block a report
        log.debug("default clinical schema unavailable: %s", err)
    if schema is not None:
        for f in getattr(schema, "features", []):
            features[f.name] = f
    return features


def clinical_rows(clinical_values: Mapping | None, schema=None, used: set[str] | None = None) -> list[dict]:
    """The clinical/lab table of the report: one dict per entered value.

    Args:
        clinical_values: name -> (value, unit) or value, as entered.
        schema: the model's ClinicalSchema (labels, units, reference ranges), or None.
        used: names of the features the model reads; None when there is no model.

    Returns:
        dicts with keys name, label, value, unit, reference, flag ("H", "L", "invalid" or ""),
        used ("used by model", "not used by model" or "no model").
    """
    from mirage_model.clinical import ClinicalError

    rows = []
    features = _catalogue(schema)
    for name, entry in (clinical_values or {}).items():
        value, unit = _split_value(entry)
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            continue
        feat = features.get(name)
        label = getattr(feat, "label", "") or name
        shown_unit = unit if unit is not None else (getattr(feat, "unit", "") or "")
        reference, flag = "", ""
        if feat is not None:
            if feat.kind == "continuous":
                reference = feat.reference_text()
            else:
                shown_unit = ""
            try:
                flag = {"high": "H", "low": "L", None: ""}.get(feat.flag(value, unit), "")
            except ClinicalError as err:
                flag = "invalid"
                reference = f"{reference} ({err})".strip()
        if feat is not None and feat.kind == "binary" and name == "sex" and not isinstance(value, str):
            value = {1: "M", 0: "F"}.get(int(value), value)
        if used is None:
            use = "no model"
        else:
            use = "used by model" if name in used else "not used by model"
        value_text = _fmt_num(value, 4) if isinstance(value, (int, float, np.number)) \
            and not isinstance(value, bool) else str(value)
        rows.append(dict(name=name, label=label, value=value_text, unit=shown_unit or "",
                         reference=reference, flag=flag, used=use))
    return rows


# --------------------------------------------------------------------------------------------
# model info

def _flatten_metrics(metrics, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    if isinstance(metrics, Mapping):
        for k, v in metrics.items():
            _flatten_metrics(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(metrics, (int, float, np.number)) and not isinstance(metrics, bool):
        out[prefix] = float(metrics)
    elif isinstance(metrics, str) and len(metrics) < 60:
        out[prefix] = metrics
    return out


def model_info_from(model) -> dict:
    """model_info for :func:`build_report` from a LoadedModel, or a Predictor that holds one.

    Returns:
        dict with name, version, training_data, date, metrics (flat name -> value), task, labels.
    """
    loaded = model
    for attr in ("loaded", "model_info", "checkpoint"):
        candidate = getattr(model, attr, None)
        if candidate is not None and hasattr(candidate, "metrics"):
            loaded = candidate
            break
    prov = dict(getattr(loaded, "provenance", None) or {})
    path = getattr(loaded, "path", None)
    name = getattr(loaded, "name", "") or (Path(path).name if path else "") or "unnamed model"
    return {
        "name": name,
        "version": prov.get("code_version") or prov.get("version") or "",
        "training_data": prov.get("data") or prov.get("training_data") or "",
        "date": prov.get("date") or "",
        "task": getattr(loaded, "task", ""),
        "model_type": getattr(loaded, "model_type", ""),
        "metrics": _flatten_metrics(getattr(loaded, "metrics", None) or {}),
    }


# --------------------------------------------------------------------------------------------
# drawing the ECG sheet

# The ECG page shows the first 10 s; this much is filtered for it (the rest of a long record is
# never drawn, and filtering a 24 h recording whole would take gigabytes).
DISPLAY_S = 12.0


def _display_signal(record) -> tuple[np.ndarray, float, str]:
    """(12, T) mV band-passed for display with the preprocessing filter, its fs, and the band text.

    Only the first ``DISPLAY_S`` seconds (the page shows 10 s): memory does not grow with the
    record's length.
    """
    from mirage_model import preprocess

    cfg = preprocess.PreprocessConfig()
    fs = float(record.fs)
    n = int(round(DISPLAY_S * fs))
    shown = preprocess.filter_signal(np.asarray(record.signal[:, :n], dtype=np.float32), fs, cfg)
    # the preprocessing skips the low-pass near Nyquist (see its module docstring)
    frac = getattr(preprocess, "LOWPASS_MAX_NYQUIST_FRACTION", 0.9)
    if cfg.high_hz < frac * fs / 2.0:
        band = f"{cfg.low_hz:g}-{cfg.high_hz:g} Hz (Butterworth, zero-phase)"
        if cfg.mains_hz:
            band += f", {'/'.join(f'{f:g}' for f in cfg.mains_hz)} Hz mains removed"
    else:
        band = (f"{cfg.low_hz:g} Hz high-pass, zero-phase ({cfg.high_hz:g} Hz low-pass not applied "
                f"at {fs:g} Hz)")
    return np.asarray(shown, dtype=np.float64), fs, band


def _polyline_ops(xs: np.ndarray, ys: np.ndarray) -> str:
    """PDF path operators (moveto + linetos, 3 decimals = 0.35 um) for one polyline.

    Formatted in one pass here instead of one reportlab call per point: a 500 Hz record has
    5,000 points in its rhythm strip alone, and reportlab's pure-Python number formatting
    dominated the report's run time.
    """
    pts = np.column_stack([xs, ys]).ravel()
    text = " ".join(f"{v:.3f}" for v in pts.tolist()).split(" ")
    ops = [f"{text[0]} {text[1]} m"]
    ops.extend(f"{text[i]} {text[i + 1]} l" for i in range(2, len(text), 2))
    return "\n".join(ops)


@functools.lru_cache(maxsize=8)
def _grid_ops(x0: float, y0: float, w: float, h: float, minor: float) -> tuple[str, str]:
    """(minor lines, major lines) of the ECG paper as PDF path operators; the same on every page
    of a batch, so formatted once."""
    nx = int(round(w / minor))
    ny = int(round(h / minor))
    out = []
    for major in (False, True):
        segments = []
        for i in range(nx + 1):
            if (i % 5 == 0) == major:
                x = x0 + i * minor
                segments.append(_polyline_ops(np.array([x, x]), np.array([y0, y0 + h])))
        for j in range(ny + 1):
            if (j % 5 == 0) == major:
                y = y0 + j * minor
                segments.append(_polyline_ops(np.array([x0, x0 + w]), np.array([y, y])))
        out.append("\n".join(segments) + "\nS")
    return out[0], out[1]


def _draw_grid(c, lay: ReportLayout) -> None:
    ops = _grid_ops(lay.grid_x0, lay.grid_y0, lay.grid_width, lay.grid_height, lay.minor_pt)
    for major, literal in zip((False, True), ops):
        c.saveState()
        if major:
            c.setStrokeColorRGB(0.94, 0.55, 0.55)
            c.setLineWidth(0.5)
        else:
            c.setStrokeColorRGB(1.0, 0.82, 0.82)
            c.setLineWidth(0.2)
        c.addLiteral(literal)
        c.restoreState()


def _draw_traces(c, lay: ReportLayout, geom, signal: np.ndarray, fs: float) -> None:
    """Lead traces as vector paths from the renderer's ``panel_traces`` (the geometry the raster
    images use); NaN (missing) samples break the line, nothing is invented."""
    from mirage_model.render import panel_traces, polyline_segments

    ecg, x_off, top = geom
    c.setStrokeColorRGB(0, 0, 0)
    c.setLineWidth(0.6)
    c.setLineJoin(1)
    c.setLineCap(1)
    for _panel, xs, ys in panel_traces(signal, fs, ecg):
        for sx, sy in polyline_segments(xs, ys):
            if len(sx) < 2:
                continue
            # renderer y runs down from the sheet's top
            c.addLiteral(_polyline_ops(sx + x_off, top - sy) + "\nS")
    # calibration pulses (1 mV, 200 ms) and column separators
    c.setLineWidth(0.8)
    for xa, xb, base, top in lay.calibration:
        path = c.beginPath()
        path.moveTo(xa - 1.5 * MM, base)
        path.lineTo(xa, base)
        path.lineTo(xa, top)
        path.lineTo(xb, top)
        path.lineTo(xb, base)
        path.lineTo(xb + 1.5 * MM, base)
        c.drawPath(path, stroke=1, fill=0)
    c.setLineWidth(0.6)
    for panel in lay.panels:
        if panel.rhythm or panel.t0 == 0:
            continue
        c.line(panel.x0, panel.baseline - 2.5 * MM, panel.x0, panel.baseline + 2.5 * MM)
    # labels on a light paper-coloured patch: a tall QRS (V1-V3) must not overprint them
    c.setFont("Helvetica-Bold", 8)
    for panel in lay.panels:
        label = f"{panel.lead} (rhythm)" if panel.rhythm else panel.lead
        x, y = panel.x0 + 1.2 * MM, panel.baseline + 12.0 * MM
        w = c.stringWidth(label, "Helvetica-Bold", 8)
        c.saveState()
        c.setFillColorRGB(1.0, 1.0, 1.0)
        c.setFillAlpha(0.85)
        c.rect(x - 0.6 * MM, y - 0.9 * MM, w + 1.2 * MM, 3.9 * MM, stroke=0, fill=1)
        c.restoreState()
        c.setFillColorRGB(0, 0, 0)
        c.drawString(x, y, label)


def _patient_tag(ctx) -> str:
    """The patient this page belongs to, as printed in every page's footer ("F, 75 y")."""
    if ctx is None:
        return ""
    bits = []
    if ctx.settings.patient_id:
        bits.append(f"ID {ctx.settings.patient_id}")
    if ctx.sex:
        bits.append(str(ctx.sex))
    if ctx.age is not None:
        bits.append(f"{_fmt_num(ctx.age, 3)} y")
    return ", ".join(bits)


def _notice(c, page_w: float, record_id: str, ctx=None) -> None:
    c.saveState()
    c.setFillColorRGB(0.65, 0.0, 0.0)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(10 * MM, 6 * MM, _t(RESEARCH_USE_NOTICE))
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont("Helvetica", 7.5)
    tag = _patient_tag(ctx)
    who = f"record {record_id}" + (f" ({tag})" if tag else "")
    c.drawRightString(page_w - 10 * MM, 6 * MM,
                      _t(f"{who}  |  MIRAGE Review {__version__}  |  page {c.getPageNumber()}"))
    c.restoreState()


# --------------------------------------------------------------------------------------------
# the report

@dataclass
class _Context:
    session: object                  # review.session.ReviewSession (a snapshot)
    settings: ReportSettings
    layout: ReportLayout
    signal: np.ndarray
    fs: float
    band: str
    generated: str = ""
    extra: dict = field(default_factory=dict)

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


def _header_lines(ctx: _Context) -> list[str]:
    from mirage_model.review.session import file_patient

    s = ctx.settings
    patient = []
    from_file = file_patient(ctx.record)     # what the file says, unless the user gave it
    name = s.patient_name or from_file.get("name")
    pid = s.patient_id or from_file.get("id")
    if name:
        patient.append(f"Patient: {name}")
    if pid:
        patient.append(f"ID: {pid}")
    if ctx.age is not None:
        patient.append(f"Age: {_fmt_num(ctx.age, 3)}")
    if ctx.sex:
        patient.append(f"Sex: {ctx.sex}")
    date = _record_date(ctx.record)
    if date:
        patient.append(f"Acquired: {date}")
    if from_file.get("device"):
        patient.append(f"Device: {from_file['device']}" + (f", {from_file['site']}" if from_file.get("site") else ""))
    return patient


def _device_flowables(ctx: _Context, st) -> list:
    """The acquiring device's own statements and measurements, labelled as the device's."""
    from reportlab.platypus import Paragraph

    from mirage_model.review.session import device_report_lines

    heading, lines = device_report_lines(ctx.record)
    if not lines:
        return []
    return [Paragraph(_esc(heading), st["h2"]),
            Paragraph("<br/>".join(_esc(x) for x in lines), st["body"])]


def _draw_ecg_page(c, doc, ctx: _Context) -> None:
    lay = ctx.layout
    rec = ctx.record
    c.saveState()
    top = lay.page_height - 10 * MM
    c.setFont("Helvetica-Bold", 13)
    c.drawString(10 * MM, top - 3 * MM, _t(f"12-lead ECG  -  record {rec.record_id}"))
    c.setFont("Helvetica", 9)
    c.drawString(10 * MM, top - 8.5 * MM, _t("   ".join(_header_lines(ctx))))
    if ctx.settings.institution:
        c.drawString(10 * MM, top - 13 * MM, _t(ctx.settings.institution))
    c.setFont("Helvetica", 7.5)
    c.drawRightString(lay.page_width - 10 * MM, top - 3 * MM,
                      _t(f"Report generated {ctx.generated}"))
    pred = ctx.prediction
    if pred is None:
        summary = "Model: no model result"
    else:
        pos = [f"{lab} {p:.2f}" for lab, p in zip(pred.labels, np.asarray(pred.probabilities))
               if lab in set(pred.positive)]
        if getattr(pred, "withheld", ""):
            summary = f"Model {pred.model_name}: RESULT WITHHELD - {pred.withheld}"
        else:
            summary = (f"Model {pred.model_name}: positive " + ", ".join(pos)) if pos else \
                f"Model {pred.model_name}: no class above its threshold"
        summary += "  (details on page 2)"
    c.setFont("Helvetica-Bold", 9)
    c.drawRightString(lay.page_width - 10 * MM, top - 8.5 * MM, _t(summary))
    c.restoreState()

    _draw_grid(c, lay)
    _draw_traces(c, lay, ctx.extra["geom"], ctx.signal, ctx.fs)

    c.saveState()
    c.setFont("Helvetica", 8)
    y = lay.grid_y0 - 4.5 * MM
    duration = rec.signal.shape[1] / float(rec.fs)
    shown = min(duration, 10.0)
    c.drawString(lay.grid_x0, y, _t(
        f"{lay.speed_mm_s:g} mm/s   {lay.gain_mm_mv:g} mm/mV   filter: {ctx.band}   "
        f"sampling rate {ctx.fs:g} Hz   shown: first {shown:.1f} s of {duration:.1f} s   "
        f"calibration 1 mV / 200 ms   grid 1 mm / 5 mm"))
    if duration < 10.0:
        c.drawRightString(lay.grid_x0 + lay.grid_width, y, "record shorter than 10 s: blank after its end")
    quality = getattr(rec, "quality", None) or {}
    flagged = []
    for key, flags in quality.items():
        leads = [STANDARD_LEADS[i] for i, f in enumerate(np.asarray(flags).ravel()[:12]) if f]
        if leads:
            flagged.append(f"{key}: {', '.join(leads)}")
    if flagged:
        c.drawString(lay.grid_x0, y - 4 * MM, _t("Lead quality flags - " + "; ".join(flagged)))
    c.restoreState()
    _notice(c, lay.page_width, rec.record_id, ctx)


def _styles():
    from reportlab.lib.styles import getSampleStyleSheet, ParagraphStyle

    base = getSampleStyleSheet()
    return {
        "h1": ParagraphStyle("h1", parent=base["Heading2"], fontSize=12, spaceBefore=4, spaceAfter=3),
        "h2": ParagraphStyle("h2", parent=base["Heading3"], fontSize=10, spaceBefore=3, spaceAfter=2),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontSize=8.5, leading=10.5),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontSize=7.5, leading=9,
                                textColor="#444444"),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontSize=8, leading=9.5,
                               spaceBefore=0, spaceAfter=0),
    }


def _table(rows, widths, header=True, highlight_rows=(), highlight_color=(0.6, 0.0, 0.0)):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    tbl = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.95, 0.95)]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8))
    for r in highlight_rows:
        style.append(("FONT", (0, r), (-1, r), "Helvetica-Bold", 8))
        style.append(("TEXTCOLOR", (0, r), (-1, r), colors.Color(*highlight_color)))
    tbl.setStyle(TableStyle(style))
    return tbl


def _result_flowables(ctx: _Context, st, model_info: dict | None) -> list:
    from reportlab.platypus import Paragraph, Spacer

    out = [Paragraph("Model result", st["h1"])]
    pred = ctx.prediction
    if pred is None:
        out.append(Paragraph("<b>No model result</b>: no model was loaded; this report shows the "
                             "ECG, the entered values and the measurements only.", st["body"]))
        return out
    probs = np.asarray(pred.probabilities, dtype=float)
    thr = np.asarray(pred.thresholds, dtype=float)
    withheld = getattr(pred, "withheld", "")
    quality = getattr(pred, "quality", None)
    if withheld:
        out.append(Paragraph(_esc(f"RESULT WITHHELD: {withheld}. The model was not trained for such a "
                                  "recording or the signal cannot carry a finding; the probabilities "
                                  "below are shown for reference only and are unreliable."), st["h2"]))
    if quality is not None and quality.findings:
        lines = [f for f in quality.findings if f.severity != "info"]
        if lines:
            out.append(Paragraph("<br/>".join(
                _esc(f"Signal quality ({f.severity}): {f.name}" + (f" [{', '.join(f.leads)}]" if f.leads else ""))
                for f in lines), st["small"]))
    positive = set(pred.positive)
    shown = set(getattr(pred, "model_positive", ()) or ()) if withheld else positive
    order = sorted(range(len(pred.labels)),
                   key=lambda k: (pred.labels[k] not in shown, -probs[k]))
    rows = [["Class", "Description", "Probability", "Threshold", "Result"]]
    highlight, normal_rows = [], []
    for k in order:
        lab = pred.labels[k]
        is_pos = lab in positive
        result = "POSITIVE" if is_pos else ("unreliable" if lab in shown else "-")
        rows.append([_t(lab), _t(LABEL_NAMES.get(lab, "")), f"{probs[k]:.3f}",
                     f"{thr[k]:.3f}" if k < len(thr) else "", result])
        if is_pos and not is_normal(lab):
            highlight.append(len(rows) - 1)
        elif is_pos:
            normal_rows.append(len(rows) - 1)
    tbl = _table(rows, [20 * MM, 48 * MM, 21 * MM, 21 * MM, 18 * MM], highlight_rows=highlight)
    if normal_rows:   # a positive normal class is reassuring: bold, green, never alarm red
        from reportlab.lib import colors
        tbl.setStyle([("FONT", (0, r), (-1, r), "Helvetica-Bold", 8) for r in normal_rows]
                     + [("TEXTCOLOR", (0, r), (-1, r), colors.Color(0.0, 0.4, 0.15)) for r in normal_rows])
    out.append(tbl)
    n_win = None if pred.window_probabilities is None else np.asarray(pred.window_probabilities).shape[0]
    windows = "its 10 s window" if n_win in (None, 1) else f"its {n_win} overlapping 10 s windows"
    note = ("Positive = probability at or above the class threshold stored with the model. "
            f"Probabilities are the mean over {windows}.")
    total = (pred.timings or {}).get("total")
    if total:
        note += f" Inference took {total * 1000:.0f} ms."
    out.append(Paragraph(_esc(note), st["small"]))
    info = dict(model_info or {})
    out.append(Spacer(1, 2 * MM))
    out.append(Paragraph("Model", st["h2"]))
    lines = [f"<b>Name</b>: {_esc(info.get('name') or pred.model_name)}"]
    if info.get("version"):
        lines.append(f"<b>Version</b>: {_esc(info['version'])}")
    if info.get("model_type") or info.get("task"):
        lines.append(f"<b>Type</b>: {_esc(info.get('model_type', ''))} {_esc(info.get('task', ''))}")
    lines.append(f"<b>Training data</b>: {_esc(info.get('training_data') or 'not stated in the model card')}")
    if info.get("date"):
        lines.append(f"<b>Trained</b>: {_esc(info['date'])}")
    out.append(Paragraph("<br/>".join(lines), st["body"]))
    metric_lines = _metric_lines(_flatten_metrics(info.get("metrics") or {}), pred.labels)
    if metric_lines:
        out.append(Paragraph("<br/>".join(metric_lines), st["body"]))
    else:
        out.append(Paragraph("<b>Metrics</b>: none recorded with this model.", st["body"]))
    return out


def _metric_lines(flat: dict, labels) -> list[str]:
    """Macro and per-class AUROC of the model card's validation and test splits, one line each."""
    lines = []
    for split, title in (("val", "Validation (model selection)"), ("test", "Test (held out)")):
        macro = flat.get(f"{split}.macro.auroc")
        if not isinstance(macro, float):
            continue
        n = flat.get(f"{split}.n")
        per = [f"{_esc(c)} {flat[k]:.3f}" for c in labels
               if isinstance(flat.get(k := f"{split}.per_class.{c}.auroc"), float)]
        line = f"<b>{title}</b>{f' (n={int(n)})' if isinstance(n, float) else ''}: macro AUROC {macro:.3f}"
        if per:
            line += "; per class " + ", ".join(per)
        lines.append(line)
    return lines


def session_clinical_rows(session) -> list[dict]:
    """The clinical/lab table of a session: one dict per given value (accepted or refused).

    Returns:
        dicts with keys name, label, value, unit, reference, flag ("H", "L", "refused" or ""),
        source ("file" or "user"), used ("used by model", "not used by this model", "no model"),
        contribution (float (K,) or None), message (why a value was refused).
    """
    used = session.used_names()
    contributions = session.contributions or {}
    rows = []
    for name, v in session.values.items():
        feat = session.feature(name)
        if feat.kind == "binary":
            value, unit = (v.model_value() if v.accepted else v.text), ""
        else:
            # as entered (its unit), with the canonical value beside it when converted
            value, unit = v.text, (v.unit or feat.unit)
            if v.accepted and v.unit and feat.factor(v.unit) != 1.0:
                value = f"{v.text} (= {_fmt_num(v.canonical, 4)} {feat.unit})"
        if not v.accepted:
            use = "refused, not given"
        elif used is None:
            use = "no model"
        else:
            use = "used by model" if name in used else "not used by this model"
        flag = {"high": "H", "low": "L", "refused": "refused"}.get(v.status, "")
        rows.append(dict(name=name, label=feat.label, value=str(value), unit=unit or "",
                         reference=feat.reference_text() if feat.kind == "continuous" else "",
                         flag=flag, source=v.source, used=use,
                         contribution=contributions.get(name), message=v.message if not v.accepted else ""))
    return rows


def _contribution_text(delta, labels) -> str:
    if delta is None:
        return ""
    d = np.asarray(delta, dtype=float)
    return ", ".join(f"{lab} {x:+.3f}" for lab, x in zip(labels, d))


def _clinical_flowables(ctx: _Context, st, schema=None) -> list:
    from reportlab.platypus import Paragraph

    session = ctx.session
    out = [Paragraph("Clinical and laboratory values", st["h1"])]
    rows = session_clinical_rows(session)
    pred = session.prediction
    if not rows:
        out.append(Paragraph("None given." + (" The model ran with its clinical inputs marked "
                                              "missing." if pred is not None else ""), st["body"]))
        return out
    table = [["Feature", "Value", "Unit", "Reference", "Flag", "From", "Model"]]
    highlight = []
    for r in rows:
        value = r["value"]
        table.append([Paragraph(_esc(r["label"]), st["cell"]), Paragraph(_esc(value), st["cell"]),
                      _t(r["unit"]), Paragraph(_esc(r["reference"]), st["cell"]), _t(r["flag"]),
                      _t(r["source"]), _t(r["used"])])
        if r["flag"] in ("H", "L", "refused"):
            highlight.append(len(table) - 1)
    out.append(_table(table, [24 * MM, 15 * MM, 12 * MM, 20 * MM, 10 * MM, 9 * MM, 33 * MM],
                      highlight_rows=highlight))
    notes = ["Flag: H above / L below the reference range (generic adult reference, canonical "
             "unit, not the issuing laboratory's). From: file = the record's own header or "
             "database, user = entered by the reviewer or a labs table."]
    refused = [r for r in rows if r["flag"] == "refused"]
    if refused:
        notes.append("Refused (not given to the model): " + "; ".join(
            f"{r['label']} {r['value']}: {r['message']}" for r in refused) + ".")
    unused = [r["label"] for r in rows if r["used"] == "not used by this model"]
    if unused:
        notes.append(f"Not used by this model (kept for the record): {', '.join(unused)}.")
    out.append(Paragraph(_esc(" ".join(notes)), st["small"]))
    contrib = [(r["label"], r["contribution"]) for r in rows if r["contribution"] is not None]
    if pred is not None and contrib:
        ctable = [["Value used", "Change in probability when this value is masked"]]
        for label, delta in contrib:
            ctable.append([Paragraph(_esc(label), st["cell"]),
                           Paragraph(_esc(_contribution_text(delta, pred.labels)), st["cell"])])
        out.append(_table(ctable, [26 * MM, 97 * MM]))
        out.append(Paragraph(_esc("Contribution: probability with the value minus probability with "
                                  "the value masked as missing (one extra model pass per value). "
                                  "Positive: the value raised that class's probability."), st["small"]))
    elif pred is not None and session.state.get("contributions") not in ("ready",):
        why = session.errors.get("contributions", "")
        if why and session.state.get("contributions") != "unavailable":
            out.append(Paragraph(_esc(f"Contributions of the clinical values: {why}."), st["small"]))
    return out


def _range_cell(row: dict) -> str:
    """The reference range in a table cell: "120-200", "< 120" (the unit is beside it)."""
    lo, hi = row.get("ref_low"), row.get("ref_high")
    if lo is not None and hi is not None:
        return f"{lo:g} to {hi:+g}" if lo < 0 else f"{lo:g}-{hi:g}"
    if hi is not None:   # whole units: "< 120" for a last normal value of 119
        return f"< {hi + 1:g}"
    return f">= {lo:g}" if lo is not None else ""


def _measure_flowables(session, st) -> list:
    from reportlab.platypus import Paragraph

    out = [Paragraph("Interval measurements", st["h1"])]
    measurements = session.measurements
    edits = session.measurement_edits
    state = session.state.get("measurements")
    if measurements is None and not edits:
        why = session.errors.get("measurements", "")
        if state == "pending":
            text = "Not in this report: the measurements were still being computed when it was written."
        elif why:
            text = f"Not measured: {why}."
        else:
            text = "Not measured."
        out.append(Paragraph(_esc(text), st["body"]))
        return out
    rows = session.measurement_table()
    changed = any(r["status"] for r in rows)
    table = [["Measurement", "Value", "Unit", "Reference"] + (["Automatic"] if changed else [])]
    highlight, flagged = [], []
    for r in rows:
        unit = r["unit"]
        if r["value"] is None:
            shown = "not recomputed" if r["status"] == "not recomputed" else "not measurable"
            unit = ""
        else:
            shown = f"{r['value']:.0f}" + (f" ({r['status']})" if r["status"] else "")
            if r.get("flag"):   # bold, with an arrow from the Symbol font (WinAnsi has none)
                arrow = {"high": "\u2191", "low": "\u2193"}[r["flag"]]
                shown = Paragraph(f'<b>{_esc(shown)}</b> <font name="Symbol">{arrow}</font> '
                                  f'<font size="6">{r["flag"]}</font>', st["small"])
        line = [r["label"], shown, unit, _range_cell(r)]
        if r.get("flag") and r["value"] is not None:
            flagged.append(len(table))
        if changed:
            auto = "not measured" if measurements is None else \
                ("not measurable" if r["automatic"] is None else f"{r['automatic']:.0f} {r['unit']}")
            line.append(auto if r["status"] else "")
            if r["status"]:
                highlight.append(len(table))
        table.append(line)
    widths = [55 * MM, 27 * MM, 9 * MM, 17 * MM] + ([19 * MM] if changed else [])
    tbl = _table(table, widths, highlight_rows=highlight, highlight_color=(0.0, 0.2, 0.55))
    if flagged:   # outside the adult reference range: bold, with the arrow beside the value
        tbl.setStyle([("FONT", (0, r), (1, r), "Helvetica-Bold", 8) for r in flagged])
    out.append(tbl)
    ranges = [r["range"] for r in rows if r.get("range")]
    if ranges:
        seen = list(dict.fromkeys(ranges))
        out.append(Paragraph(_esc("Adult reference ranges: " + "; ".join(seen) + ". Bold with an arrow "
                                  "(high / low): outside the range."), st["small"]))
    method = getattr(measurements, "method", "") if measurements is not None else ""
    notes = list(getattr(measurements, "notes", ()) or ()) if measurements is not None else []
    text = f"Method: {method}." if method else ""
    if changed:
        text += (" Edited: corrected by the reviewer; the automatic value is beside it. "
                 "Recomputed: follows from the reviewed values (RR = 60000 / heart rate; QTc "
                 "from the reviewed QT and RR with the same formula).")
    if notes:
        text += " Notes: " + "; ".join(str(n) for n in notes)
    if text:
        out.append(Paragraph(_esc(text.strip()), st["small"]))
    return out


def _bar_drawing(values: np.ndarray, width: float, height: float):
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    vals = np.nan_to_num(np.asarray(values, dtype=float).ravel()[:12])
    top = float(vals.max()) if vals.size and vals.max() > 0 else 1.0
    left, bottom, plot_h = 8 * MM, 6 * MM, height - 10 * MM
    bar_w = (width - left - 2 * MM) / 12.0
    d.add(Line(left, bottom, width - 2 * MM, bottom, strokeWidth=0.5))
    for i, v in enumerate(vals):
        h = plot_h * v / top
        x = left + i * bar_w
        d.add(Rect(x + 0.15 * bar_w, bottom, 0.7 * bar_w, h, fillColor=colors.Color(0.75, 0.1, 0.1),
                   strokeColor=None))
        d.add(String(x + bar_w / 2, bottom - 4 * MM, STANDARD_LEADS[i], fontSize=6.5, textAnchor="middle"))
        d.add(String(x + bar_w / 2, bottom + h + 1, f"{v:.2f}", fontSize=5.5, textAnchor="middle"))
    return d


def _heatmap_drawing(matrix: np.ndarray, size: float):
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    m = np.nan_to_num(np.asarray(matrix, dtype=float))[:12, :12]
    # from 0, not min-max: a near-uniform attention (every cell ~1/12) must look uniform, not
    # like a strong pattern drawn from differences in the third decimal
    # (full red at twice the uniform weight, or at the maximum when that is higher)
    lo, hi = 0.0, max(float(m.max()), 2.0 / 12.0)
    span = hi - lo
    margin = 8 * MM
    cell = (size - margin - 2 * MM) / 12.0
    d = Drawing(size, size)
    top = size - 2 * MM
    for i in range(12):
        for j in range(12):
            a = (m[i, j] - lo) / span
            col = colors.Color(1.0 - 0.25 * a, 1.0 - 0.9 * a, 1.0 - 0.9 * a)
            d.add(Rect(margin + j * cell, top - (i + 1) * cell, cell, cell, fillColor=col,
                       strokeColor=colors.Color(0.85, 0.85, 0.85), strokeWidth=0.2))
        d.add(String(margin - 1, top - (i + 0.7) * cell, STANDARD_LEADS[i], fontSize=5.5, textAnchor="end"))
        d.add(String(margin + (i + 0.5) * cell, top - 12 * cell - 6, STANDARD_LEADS[i], fontSize=5.5,
                     textAnchor="middle"))
    d.add(String(margin, top - 12 * cell - 13, f"row: query lead, column: key lead; "
                 f"scale 0 (white) to {hi:.3f} (red); uniform = {1 / 12:.3f}", fontSize=5.5))
    return d


def _saliency_image(image: np.ndarray, saliency: np.ndarray, size_pt: float):
    """The model image of the explained window (uint8 (S, S), exactly what the model saw) with the
    (P, P) patch saliency overlaid in red, as a reportlab Image of ``size_pt`` square."""
    from PIL import Image as PILImage
    from reportlab.platypus import Image

    gray = np.asarray(image, dtype=np.float32)                  # (S, S) 255 = paper
    if gray.ndim != 2:
        raise ValueError(f"model image must be (S, S), got shape {gray.shape}")
    h, w = gray.shape
    sal = np.nan_to_num(np.asarray(saliency, dtype=np.float32))
    sal = (sal - sal.min()) / (sal.max() - sal.min()) if sal.max() > sal.min() else np.zeros_like(sal)
    # nearest: one flat tint per patch, the unit the saliency is computed on
    sal_img = PILImage.fromarray((sal * 255).astype(np.uint8)).resize((w, h), PILImage.NEAREST)
    a = np.asarray(sal_img, dtype=np.float32)[..., None] / 255.0 * 0.55   # overlay opacity
    base = np.repeat(gray[..., None], 3, axis=2)
    heat = np.array([230.0, 30.0, 20.0])
    rgb = (base * (1 - a) + heat * a).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    PILImage.fromarray(rgb).resize((3 * w, 3 * h), PILImage.NEAREST).save(buf, format="PNG")
    buf.seek(0)
    return Image(buf, width=size_pt, height=size_pt * h / w)


# lead-level explanation parts (field, what a reader calls it); the image saliency is one more
_EXPLANATION_PARTS = (
    ("lead_importance", "lead importance"),
    ("lead_attention", "lead-to-lead attention"),
)


def _explain_flowables(ctx: _Context, st, model_info: dict | None = None) -> list:
    from reportlab.platypus import NextPageTemplate, PageBreak, Paragraph, Table, TableStyle

    pred = ctx.prediction
    expl = getattr(pred, "explanation", None) if pred is not None else None
    out = [] if expl is None else [NextPageTemplate("wide"), PageBreak()]
    out.append(Paragraph("Explanations", st["h1"]))
    if expl is None:
        out.append(Paragraph("No model result." if pred is None else
                             "Explanations were not computed for this result (batch scoring "
                             "skips them unless asked: 'mirage score --explain', 'mirage report', "
                             "or open the record in the app).", st["body"]))
        return out
    methods = dict(getattr(expl, "methods", None) or {})
    cells, captions, widths = [], [], []
    if expl.lead_importance is not None:
        cells.append(_bar_drawing(expl.lead_importance, 90 * MM, 70 * MM))
        captions.append(f"Lead importance (sums to 1). Method: "
                        f"{methods.get('lead_importance', 'not stated')}.")
        widths.append(95 * MM)
    if expl.lead_attention is not None:
        cells.append(_heatmap_drawing(expl.lead_attention, 80 * MM))
        captions.append(f"Lead-to-lead attention of this record. Method: "
                        f"{methods.get('lead_attention', 'not stated')}.")
        widths.append(88 * MM)
    key = "patch_rollout" if expl.patch_rollout is not None else \
        ("patch_gradient" if expl.patch_gradient is not None else None)
    if key is not None:
        start = float(getattr(expl, "window_start_s", 0.0) or 0.0)
        image = getattr(expl, "image", None)
        widths.append(88 * MM)
        if image is None:
            # never redraw with other settings than the model's: that would not be what it saw
            cells.append(Paragraph("Patch saliency computed, but the model image of the explained "
                                   "window was not kept with it; not drawn.", st["small"]))
            captions.append("")
        else:
            try:
                cells.append(_saliency_image(image, getattr(expl, key), 80 * MM))
                captions.append(f"The model's own {image.shape[1]} x {image.shape[0]} px image of "
                                f"{start:g}-{start + 10:g} s, patch saliency in red. Method: "
                                f"{methods.get(key, 'not stated')}.")
            except Exception as err:   # an explanation figure must never block the report
                log.warning("saliency image for %s not drawn: %s", ctx.record.record_id, err)
                cells.append(Paragraph(_esc(f"Saliency image unavailable: {err}"), st["small"]))
                captions.append("")
    missing = [name for field_name, name in _EXPLANATION_PARTS[:2] if getattr(expl, field_name, None) is None]
    if key is None:
        missing.append("image patch saliency")
    if cells:
        caption_cells = [Paragraph(_esc(cap), st["small"]) for cap in captions]
        avail = float(ctx.extra.get("wide_width") or sum(widths))
        if sum(widths) > avail:      # Letter is 18 mm narrower than A4: share the width
            scale = avail / sum(widths)
            widths = [w * scale for w in widths]
            for cell in cells:
                if hasattr(cell, "scale") and hasattr(cell, "width") and hasattr(cell, "contents"):
                    cell.scale(scale, scale)
                    cell.width *= scale
                    cell.height *= scale
                elif hasattr(cell, "drawWidth"):
                    cell.drawWidth *= scale
                    cell.drawHeight *= scale
        grid = Table([cells, caption_cells], colWidths=widths, hAlign="LEFT")
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        out.append(grid)
    if missing:
        info = dict(model_info or {})
        kind = info.get("model_type") or getattr(pred, "model_name", "") or "this model"
        out.append(Paragraph(_esc(f"Not available for this model ({kind}): {', '.join(missing)}. "
                                  "The model has no part that such an explanation reads (e.g. a "
                                  "signal-only baseline has no lead attention and no image)."),
                             st["body"]))
    out.append(Paragraph("Explanations show where the model looked; they are not evidence that "
                         "a finding is present.", st["small"]))
    return out


def _review_flowables(ctx: _Context, st) -> list:
    from reportlab.platypus import Paragraph

    s = ctx.settings
    out = [Paragraph("Review", st["h1"])]
    out.append(Paragraph(f"<b>Reviewer</b>: {_esc(s.reviewer) or '________________________'}",
                         st["body"]))
    comment = _esc(s.comment).replace("\n", "<br/>") if s.comment else \
        "______________________________________________________________________"
    out.append(Paragraph(f"<b>Comment</b>: {comment}", st["body"]))
    out.append(Paragraph(_esc(f"{RESEARCH_USE_NOTICE} The model's output has not been confirmed by "
                              "a clinician and must not be used for patient care."), st["small"]))
    return out


def _missing_flowables(session, st) -> list:
    """What this report lacks and why (pending, stale, failed or unavailable parts)."""
    from reportlab.platypus import Paragraph

    missing = session.missing()
    if not missing:
        return []
    names = {"measurements": "Interval measurements", "prediction": "Model result",
             "contributions": "Contributions of the clinical values", "quality": "Signal quality"}
    lines = [f"<b>{_esc(names.get(part, part))}</b>: {_esc(why)}" for part, why in missing]
    return [Paragraph("<b>Not complete in this report</b><br/>" + "<br/>".join(lines), st["body"])]


def build_report(session, out_path=None, *legacy_args, settings: ReportSettings | None = None,
                 model_info: dict | None = None, **legacy) -> Path:
    """Write the PDF report of one review session. Atomic: a temp file, then os.replace.

    The app's Export, ``mirage report`` and ``mirage score --pdf-dir`` all call this with a
    :class:`mirage_model.review.session.ReviewSession`; every page names only that session's
    record and patient. Parts of the session that are pending, stale or failed are named on page 2
    with the reason.

    Args:
        session: the ReviewSession (record (12, T) mV, patient values with their source,
            measurements with edits, prediction with contributions).
        out_path: the PDF to write (parent folders are created).
        settings: page size, institution, reviewer, comment, patient fields, speed, gain.
        model_info: name, version, training_data, date, metrics (see :func:`model_info_from`).

    Older form: ``build_report(out_path, record, prediction=None, *, clinical_values=None,
    schema=None, measurements=None, measurement_edits=None, ...)`` builds the session with
    ``ReviewSession.from_results`` (clinical values as given by the caller) and writes it.

    Returns:
        The written path.

    Raises:
        ValueError: unusable settings (page size, scale) or measurement edits; OSError: the
            file cannot be written.
    """
    from mirage_model.review.session import ReviewSession

    if not isinstance(session, ReviewSession):
        path, record = session, out_path
        prediction = legacy_args[0] if legacy_args else legacy.pop("prediction", None)
        legacy_args = legacy_args[1:]
        edits = legacy.pop("measurement_edits", None)
        measurement_rows(None, edits)      # bad edits fail before any work
        session = ReviewSession.from_results(
            record, values=legacy.pop("clinical_values", None), prediction=prediction,
            schema=legacy.pop("schema", None), model_name=getattr(prediction, "model_name", None),
            measurements=legacy.pop("measurements", None), measurement_edits=edits,
            contributions=legacy.pop("contributions", None), file_values=False)
        out_path = path
    if legacy or legacy_args:
        raise TypeError(f"build_report: unexpected arguments {sorted(legacy)}")
    if out_path is None:
        raise TypeError("build_report: out_path is required")
    return _write(session.snapshot(), Path(out_path), settings, model_info)


def _write(session, out_path: Path, settings: ReportSettings | None, model_info: dict | None) -> Path:
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    from mirage_model.render import make_layout

    record = session.record
    settings = settings or ReportSettings()
    lay, geom = _page_layouts(settings, make_layout)
    session.measurement_table()   # bad edits fail before any work
    out_path.parent.mkdir(parents=True, exist_ok=True)
    signal, fs, band = _display_signal(record)
    now = _dt.datetime.now(_dt.timezone.utc)
    ctx = _Context(session=session, settings=settings, layout=lay, signal=signal, fs=fs, band=band,
                   generated=now.strftime("%Y-%m-%d %H:%M UTC"), extra={"geom": geom})
    st = _styles()
    margin = 12 * MM
    wide_width = lay.page_width - 2 * margin
    ctx.extra["wide_width"] = wide_width

    story = [Spacer(1, 1), NextPageTemplate("body"), PageBreak()]
    story.append(Paragraph(_esc(f"Record {record.record_id}: results"), st["h1"]))
    story.extend(_missing_flowables(session, st))
    # each section stays in one column (a table split over two columns reads badly)
    story.append(KeepTogether(_result_flowables(ctx, st, model_info)))
    device = _device_flowables(ctx, st)
    if device:
        story.append(KeepTogether(device))
    story.append(KeepTogether(_clinical_flowables(ctx, st)))
    story.append(KeepTogether(_measure_flowables(session, st)))
    story.append(KeepTogether(_review_flowables(ctx, st)))
    story.extend(_explain_flowables(ctx, st, model_info))

    tmp_name = str(temp_sibling(out_path))
    try:
        page = (lay.page_width, lay.page_height)
        doc = BaseDocTemplate(
            tmp_name, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=10 * MM,
            bottomMargin=12 * MM, title=_t(f"ECG report {record.record_id}"),
            author=_t(f"MIRAGE Review {__version__}"), subject=_t(RESEARCH_USE_NOTICE),
            creator="MIRAGE Review")
        ecg_frame = Frame(0, 0, 5 * MM, 5 * MM, id="ecg", showBoundary=0,
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        gap = 8 * MM
        col_w = (doc.width - gap) / 2.0
        body_frames = [Frame(doc.leftMargin, doc.bottomMargin, col_w, doc.height, id="left"),
                       Frame(doc.leftMargin + col_w + gap, doc.bottomMargin, col_w, doc.height,
                             id="right")]
        wide_frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="wide")
        rid = record.record_id
        doc.addPageTemplates([
            PageTemplate(id="ecg", frames=[ecg_frame], pagesize=page,
                         onPage=lambda c, d: _draw_ecg_page(c, d, ctx)),
            PageTemplate(id="body", frames=body_frames, pagesize=page,
                         onPage=lambda c, d: _notice(c, page[0], rid, ctx)),
            PageTemplate(id="wide", frames=[wide_frame], pagesize=page,
                         onPage=lambda c, d: _notice(c, page[0], rid, ctx)),
        ])
        from reportlab import rl_config

        a85 = rl_config.useA85
        rl_config.useA85 = 0    # binary (zlib) streams: ASCII85 only made the file 25% larger and slower
        try:
            doc.build(story)
        finally:
            rl_config.useA85 = a85
        os.replace(tmp_name, out_path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return out_path
