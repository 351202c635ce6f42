"""The explanations page: lead importance (bars), the record's lead-to-lead attention (heat map)
and the patch saliency over the model's own image of the explained window. Each names its
method; what a model has no part for is named as not available."""

from __future__ import annotations

import io
import logging

import numpy as np
from PIL import Image as PILImage
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.platypus import Image, NextPageTemplate, PageBreak, Paragraph, Table, TableStyle

from mirage_model.records import STANDARD_LEADS
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import FONT, READABLE, pdf_escape

log = logging.getLogger(__name__)


def bar_drawing(values: np.ndarray, width: float, height: float):
    """(L,) values as 12 labelled bars in a ``width`` x ``height`` pt drawing; its text at
    ``READABLE`` pt (build it at the size it is printed: a scaled drawing scales its text)."""
    d = Drawing(width, height)
    d.initialFontName = FONT      # else the drawing starts in Helvetica, declared but never embedded
    vals = np.nan_to_num(np.asarray(values, dtype=float).ravel()[:12])
    top = float(vals.max()) if vals.size and vals.max() > 0 else 1.0
    # 2 mm either side: a bar's pitch is 6.7 mm at 85 mm (Letter), "0.17" at 7 pt is 5.5 mm wide
    left, bottom, plot_h = 2 * MM, 6 * MM, height - 10 * MM
    bar_w = (width - left - 2 * MM) / 12.0
    d.add(Line(left, bottom, width - 2 * MM, bottom, strokeWidth=0.5))
    for i, v in enumerate(vals):
        h = plot_h * v / top
        x = left + i * bar_w
        d.add(Rect(x + 0.15 * bar_w, bottom, 0.7 * bar_w, h, fillColor=colors.Color(0.75, 0.1, 0.1),
                   strokeColor=None))
        d.add(String(x + bar_w / 2, bottom - 4 * MM, STANDARD_LEADS[i], fontName=FONT, fontSize=READABLE,
                     textAnchor="middle"))
        d.add(String(x + bar_w / 2, bottom + h + 1, f"{v:.2f}", fontName=FONT, fontSize=READABLE,
                     textAnchor="middle"))
    return d


def heatmap_scale(matrix: np.ndarray) -> float:
    """The attention that is drawn full red: twice the uniform weight, or the maximum when higher.

    From 0, not min-max: a near-uniform attention (every cell ~1/12) must look uniform, not like a
    strong pattern drawn from differences in the third decimal."""
    m = np.nan_to_num(np.asarray(matrix, dtype=float))[:12, :12]
    return max(float(m.max()), 2.0 / 12.0)


def heatmap_legend(matrix: np.ndarray) -> str:
    """What the heat map's rows, columns and colours mean (its caption's first words: in the
    drawing, at a readable size, it ran past the drawing into the image beside it)."""
    return (f"rows: query lead, columns: key lead; white 0 to red {heatmap_scale(matrix):.3f}, "
            f"uniform {1 / 12:.3f}")


def heatmap_drawing(matrix: np.ndarray, size: float):
    """An (L, L) attention map as a ``size`` pt square heat map, white at 0, red at
    ``heatmap_scale``; leads named at ``READABLE`` pt, its legend is ``heatmap_legend``."""
    m = np.nan_to_num(np.asarray(matrix, dtype=float))[:12, :12]
    hi = heatmap_scale(m)
    margin = 8 * MM                                     # "aVR" at 7 pt is 4.9 mm
    cell = (size - margin - 2 * MM) / 12.0              # 5.4 mm on Letter: "aVR" fits under its column
    d = Drawing(size, size)
    d.initialFontName = FONT
    top = size - 2 * MM
    for i in range(12):
        for j in range(12):
            a = m[i, j] / hi
            col = colors.Color(1.0 - 0.25 * a, 1.0 - 0.9 * a, 1.0 - 0.9 * a)
            d.add(Rect(margin + j * cell, top - (i + 1) * cell, cell, cell, fillColor=col,
                       strokeColor=colors.Color(0.85, 0.85, 0.85), strokeWidth=0.2))
        d.add(String(margin - 1, top - (i + 0.5) * cell - 0.35 * READABLE, STANDARD_LEADS[i], fontName=FONT,
                     fontSize=READABLE, textAnchor="end"))
        d.add(String(margin + (i + 0.5) * cell, top - 12 * cell - 1.1 * READABLE, STANDARD_LEADS[i],
                     fontName=FONT, fontSize=READABLE, textAnchor="middle"))
    return d


def saliency_image(image: np.ndarray, saliency: np.ndarray, size_pt: float):
    """The model image of the explained window (uint8 (S, S), exactly what the model saw) with the
    (P, P) patch saliency overlaid in red, as a reportlab Image of ``size_pt`` square."""
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


def explanation_flowables(ctx: ReportContext, st, model_info: dict | None = None) -> list:
    """The explanations page (a wide page of its own when there is an explanation)."""
    pred = ctx.prediction
    expl = getattr(pred, "explanation", None) if pred is not None else None
    out = [] if expl is None else [NextPageTemplate("wide"), PageBreak()]
    out.append(Paragraph("Explanations", st["h1"]))
    if expl is None:
        out.append(Paragraph("No model result." if pred is None else
                             "Explanations were not computed for this result: they were not asked for "
                             "('mirage report --no-explain', or 'mirage score' without --explain); "
                             "'mirage report' and the app compute them.", st["body"]))
        return out
    methods = dict(getattr(expl, "methods", None) or {})
    key = "patch_rollout" if expl.patch_rollout is not None else \
        ("patch_gradient" if expl.patch_gradient is not None else None)
    # the columns' widths (pt); Letter is 18 mm narrower than A4: they share its width, and each
    # figure is built at its share (a scaled drawing would print its 7 pt lead names at 6.6)
    full = [95 * MM] * (expl.lead_importance is not None) + [88 * MM] * (expl.lead_attention is not None) \
        + [88 * MM] * (key is not None)
    avail = float(ctx.wide_width or sum(full))
    scale = min(1.0, avail / sum(full)) if full else 1.0
    cells, captions, widths = [], [], [w * scale for w in full]
    if expl.lead_importance is not None:
        cells.append(bar_drawing(expl.lead_importance, 90 * MM * scale, 70 * MM * scale))
        captions.append(f"Lead importance (sums to 1). Method: "
                        f"{methods.get('lead_importance', 'not stated')}.")
    if expl.lead_attention is not None:
        cells.append(heatmap_drawing(expl.lead_attention, 80 * MM * scale))
        captions.append(f"Lead-to-lead attention of this record ({heatmap_legend(expl.lead_attention)}). "
                        f"Method: {methods.get('lead_attention', 'not stated')}.")
    if key is not None:
        start = float(getattr(expl, "window_start_s", 0.0) or 0.0)
        image = getattr(expl, "image", None)
        if image is None:
            # never redraw with other settings than the model's: that would not be what it saw
            cells.append(Paragraph("Patch saliency computed, but the model image of the explained "
                                   "window was not kept with it; not drawn.", st["small"]))
            captions.append("")
        else:
            try:
                cells.append(saliency_image(image, getattr(expl, key), 80 * MM * scale))
                captions.append(f"The model's own {image.shape[1]} x {image.shape[0]} px image of "
                                f"{start:g}-{start + 10:g} s, patch saliency in red. Method: "
                                f"{methods.get(key, 'not stated')}.")
            except Exception as err:   # an explanation figure must never block the report
                log.warning("saliency image for %s not drawn: %s", ctx.record.record_id, err)
                cells.append(Paragraph(pdf_escape(f"Saliency image unavailable: {err}"), st["small"]))
                captions.append("")
    missing = [name for field_name, name in _EXPLANATION_PARTS[:2] if getattr(expl, field_name, None) is None]
    if key is None:
        missing.append("image patch saliency")
    if cells:
        caption_cells = [Paragraph(pdf_escape(cap), st["small"]) for cap in captions]
        grid = Table([cells, caption_cells], colWidths=widths, hAlign="LEFT")
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), FONT, 8)]))
        out.append(grid)
    if missing:
        info = dict(model_info or {})
        kind = info.get("model_type") or getattr(pred, "model_name", "") or "this model"
        out.append(Paragraph(pdf_escape(f"Not available for this model ({kind}): {', '.join(missing)}. "
                                        "The model has no part that such an explanation reads (e.g. a "
                                        "signal-only baseline has no lead attention and no image)."),
                             st["body"]))
    out.append(Paragraph("Explanations show where the model looked; they are not evidence that "
                         "a finding is present.", st["small"]))
    return out
