"""Writing the report: the story of page 3 onwards, the four page templates (the ECG sheet, the
median beats, two columns of results, a wide explanations page) and the atomic write of the file.

Page 1 is the header, the band of measurements and interpretation (``summary_band``) and the ECG
sheet (``waveforms``), page 2 the median beats (``median_beats``); the
following pages hold the model result, the clinical and laboratory values, the interval
measurements and the explanations; with a prior ECG (``ReviewSession.prior``) the last page is the serial
comparison (``serial_page``); the file's leads outside the 12 (V4R, Frank's vx), if any, have pages of their own
before it (``extra_leads``). Research use only, not a diagnosis: the notice is printed on
every page.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from reportlab import rl_config
from reportlab.platypus import (
    BaseDocTemplate, Flowable, Frame, KeepTogether, NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer,
)

from mirage_model import RESEARCH_USE_NOTICE, __version__
from mirage_model.paths import atomic_output
from mirage_model.preprocess import PreprocessError
from mirage_model.records.record import RecordError
from mirage_model.review.report.clinical_table import clinical_flowables
from mirage_model.review.report.context import EXTRA_LEADS, MEASUREMENTS, MODEL_RESULT, SHEET_NOTES, ReportContext
from mirage_model.review.report.explanations import explanation_flowables
from mirage_model.review.report.extra_leads import draw_extra_page, extra_pages
from mirage_model.review.file_info import report_title
from mirage_model.review.report.header import PageCountCanvas, draw_notice, header_flowables
from mirage_model.render import PAGE_S
from mirage_model.quality.electrode_off import record_electrode_off
from mirage_model.review.report.layout import MM, ReportSettings, clip_leads, clip_spikes, page_layouts, sheet_gain
from mirage_model.review.report.measurement_table import measurement_flowables
from mirage_model.review.report.median_beats import draw_median_page
from mirage_model.review.report.overread import take_settings_review
from mirage_model.review.report.serial_page import draw_serial_page, report_comparison
from mirage_model.review.report.result import (
    content_keywords, device_flowables, file_flowables, interpretation_flowables, missing_flowables, result_flowables,
    review_flowables,
)
from mirage_model.review.report.styles import styles
from mirage_model.review.report.text import pdf_escape
from mirage_model.review.report.waveforms import display_signal, draw_ecg_page
from mirage_model.review.session import ReviewSession
from mirage_model.words import counted

FRAME_PADDING = 6.0              # pt: reportlab's Frame padding on each side, which the body columns keep
DRAWN_PASSES = 2                 # builds of the file at most (page 1's pointers cannot move the later pages)


class PageMark(Flowable):
    """Nothing to see: records in ``pages`` the page its section starts on (the first of a
    ``KeepTogether``'s flowables, so that it goes where the section's heading goes)."""

    def __init__(self, section: str, pages: dict):
        super().__init__()
        self.section, self.pages = section, pages
        self.keepWithNext = True    # where a section too tall for a column is split, the mark goes with its start

    def wrap(self, avail_width, avail_height):
        return 0.0, 0.0

    def draw(self):
        self.pages.setdefault(self.section, self.canv.getPageNumber())


def build_report(session: ReviewSession, out_path, *, settings: ReportSettings | None = None,
                 model_info: dict | None = None, check=None) -> Path:
    """Write the PDF report of one review session, atomically (``paths.atomic_output``).

    The app's Export, ``mirage report`` and ``mirage score --pdf-dir`` all call this with a
    :class:`mirage_model.review.session.ReviewSession` (``ReviewSession.from_results`` builds one
    from results computed elsewhere); every page names only that session's record and patient.
    Parts of the session that are pending, stale or failed are named on page 3 with the reason.

    Args:
        session: the ReviewSession (record (12, T) mV, patient values with their source,
            measurements with edits, prediction with contributions).
        out_path: the PDF to write (parent folders are created).
        settings: page size, institution, patient fields, speed, gain; a reviewer and comment only for a session
            no one over-read (the command line's: ``overread.take_settings_review``).
        model_info: name, version, training_data, date, metrics (see :func:`model_info_from`).
        check: called once the pages are made, before the file is put in place (the app's cancel flag):
            what it raises leaves ``out_path`` as it was.

    Returns:
        The written path.

    Raises:
        ValueError: unusable settings (page size, scale, a reviewer or comment beside the over-read's) or
            measurement edits; OSError: the
            file cannot be written; RecordError: a record the sheet cannot be drawn from (fewer than
            2 samples, no usable sampling rate), its message naming the record's file and why.
    """
    if not isinstance(session, ReviewSession):
        raise TypeError(f"build_report: session must be a ReviewSession, got {type(session).__name__}")
    snapshot = session.snapshot()
    take_settings_review(snapshot.overread, settings or ReportSettings())    # one reviewer, one comment
    return _write(snapshot, Path(out_path), settings, model_info, check)


def _drawn_signal(record) -> tuple:
    """``waveforms.display_signal`` of ``record``, or a RecordError naming the record's file and what
    keeps it off the sheet (the PDF it was to be written to is not at fault)."""
    where = getattr(record, "path", None) or f"record {record.record_id}"
    fs = float(record.fs)
    T = int(np.shape(record.signal)[-1])
    if not (math.isfinite(fs) and fs > 0):
        raise RecordError(where, f"sampling rate {fs:g} Hz is not a usable rate; no report written")
    if T < 2:
        raise RecordError(where, f"{counted(T, 'sample')} ({T / fs:.3g} s at {fs:g} Hz): too short "
                                 "to draw an ECG (at least 2 samples); no report written")
    try:
        return display_signal(record)
    except PreprocessError as err:     # e.g. a rate too low for the display filter's 0.5 Hz high-pass
        raise RecordError(where, f"cannot be drawn ({err}); no report written") from None


def _write(session, out_path: Path, settings: ReportSettings | None, model_info: dict | None, check=None) -> Path:
    record = session.record
    settings = settings or ReportSettings()
    page_layouts(settings)        # unusable settings fail before any work
    session.measurement_table()   # bad edits fail before any work
    signal, fs, band = _drawn_signal(record)
    # tall complexes: the sheet at a lower gain, as carts print it (the caption says which)
    # not for a lead whose electrode is off (the quality check's "unreadable (electrode off?)"): held in its row
    shown = int(round(PAGE_S * fs))
    off = record_electrode_off(record, samples=shown)[0]     # the check's own pass, read once per record
    gain = sheet_gain(settings, signal[:, :shown], fs, leave_out=off)
    lay, geom = page_layouts(replace(settings, gain_mm_mv=gain))
    signal, spikes_clipped = clip_spikes(lay, signal, fs)      # pacing spikes held inside their row
    signal, off_clipped = clip_leads(lay, signal, off)
    spikes_clipped = [n for n in spikes_clipped if n not in off_clipped]     # its edges are no pacing spikes
    now = _dt.datetime.now(_dt.timezone.utc)
    margin = 12 * MM
    gap = 8 * MM                                          # between pages 3-4's two columns
    col_w = (lay.page_width - 2 * margin - gap) / 2.0
    ctx = ReportContext(session=session, settings=settings, layout=lay, geom=geom, signal=signal, fs=fs,
                        band=band, spikes_clipped=tuple(spikes_clipped), off_clipped=tuple(off_clipped),
                        generated=now.strftime("%Y-%m-%d %H:%M UTC"),
                        wide_width=lay.page_width - 2 * margin, column_width=col_w - 2 * FRAME_PADDING,
                        serial=report_comparison(session))
    with atomic_output(out_path) as tmp:
        # page 1 points to the pages of later sections ("(page 4)") and is drawn before they are laid out: a
        # first build finds their pages (without the pages drawn whole, which cannot move them), the next prints
        first: dict = {}
        _build(io.BytesIO(), ctx, lay, margin, gap, col_w, _story(ctx, model_info, first), drawn=False)
        ctx.pages = first
        for _ in range(DRAWN_PASSES):
            found: dict = {}
            _build(tmp, ctx, lay, margin, gap, col_w, _story(ctx, model_info, found))
            if found == ctx.pages:
                break
            ctx.pages = found
        if check is not None:
            check()
    return out_path


def _story(ctx: ReportContext, model_info: dict | None, pages: dict) -> list:
    """The flowables of the report from page 3 on; where each section lands is recorded in ``pages``."""
    session, record = ctx.session, ctx.record
    st = styles()
    # page 1 the ECG sheet, page 2 the median beats (both drawn whole by their templates)
    story = [Spacer(1, 1), NextPageTemplate("median"), PageBreak(), Spacer(1, 1),
             NextPageTemplate("body"), PageBreak()]
    story.append(Paragraph(pdf_escape(f"Record {record.record_id}: results"), st["h1"]))
    story.extend(header_flowables(ctx, st))              # what page 1's header had no room for
    story.extend(missing_flowables(session, st))
    story.append(KeepTogether(interpretation_flowables(ctx, st, before_sheet=[PageMark(SHEET_NOTES, pages)])))
    # each section stays in one column (a table split over two columns reads badly)
    story.append(KeepTogether([PageMark(MODEL_RESULT, pages)] + result_flowables(ctx, st, model_info)))
    for said in (device_flowables(ctx, st), file_flowables(ctx, st)):     # the file's own words, headed as such
        if said:
            story.append(KeepTogether(said))
    story.append(KeepTogether(clinical_flowables(ctx, st)))
    story.append(KeepTogether([PageMark(MEASUREMENTS, pages)]
                              + measurement_flowables(session, st, ctx.measurement_rows)))
    story.append(KeepTogether(review_flowables(ctx, st)))
    story.extend(explanation_flowables(ctx, st, model_info))
    for k in range(extra_pages(record)):      # the file's leads outside the 12, after the pages page 1 points to
        story += [NextPageTemplate(f"extra{k}"), PageBreak(), PageMark(EXTRA_LEADS, pages), Spacer(1, 1)]
    if ctx.serial is not None:      # the last page: after the pages that page 1 points to by their numbers
        story += [NextPageTemplate("serial"), PageBreak(), Spacer(1, 1)]
    return story


def _title(ctx: ReportContext) -> str:
    """The PDF's metadata title (``file_info.report_title``), shown by a reader's title bar and a file manager's
    Title column; a print of the report names its job the same."""
    return report_title(ctx.record, ctx.settings.patient_name, ctx.settings.patient_id)


def _build(target, ctx: ReportContext, lay, margin: float, gap: float, col_w: float, story: list,
           drawn: bool = True) -> None:
    """Lay ``story`` out on the report's pages into ``target`` (a path or a file); ``drawn=False``:
    without the pages their templates draw whole (the ECG sheet, the median beats, the serial
    comparison), a first pass that only finds where the sections land."""
    record = ctx.record
    page = (lay.page_width, lay.page_height)
    rid = record.record_id

    def on(draw):                                 # a template's drawing, or none in the first pass
        return draw if drawn else (lambda c, d: None)

    doc = BaseDocTemplate(
        target if isinstance(target, io.BytesIO) else str(target), pagesize=page, leftMargin=margin,
        rightMargin=margin, topMargin=10 * MM,
        bottomMargin=12 * MM, title=_title(ctx),     # metadata is Unicode (UTF-16): as written
        author=f"MIRAGE Review {__version__}", subject=RESEARCH_USE_NOTICE,
        creator="MIRAGE Review", keywords=content_keywords(record))     # as page 3 says it
    ecg_frame = Frame(0, 0, 5 * MM, 5 * MM, id="ecg", showBoundary=0,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    body_frames = [Frame(doc.leftMargin, doc.bottomMargin, col_w, doc.height, id="left"),
                   Frame(doc.leftMargin + col_w + gap, doc.bottomMargin, col_w, doc.height,
                         id="right")]
    wide_frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="wide")
    doc.addPageTemplates([
        PageTemplate(id="ecg", frames=[ecg_frame], pagesize=page,
                     onPage=on(lambda c, d: draw_ecg_page(c, d, ctx))),
        PageTemplate(id="median", frames=[ecg_frame], pagesize=page,
                     onPage=on(lambda c, d: draw_median_page(c, d, ctx))),
        PageTemplate(id="serial", frames=[ecg_frame], pagesize=page,
                     onPage=on(lambda c, d: draw_serial_page(c, d, ctx))),
        *(PageTemplate(id=f"extra{k}", frames=[ecg_frame], pagesize=page,
                       onPage=on(lambda c, d, k=k: draw_extra_page(c, d, ctx, k))) for k in range(extra_pages(record))),
        PageTemplate(id="body", frames=body_frames, pagesize=page,
                     onPage=on(lambda c, d: draw_notice(c, page[0], rid, ctx))),
        PageTemplate(id="wide", frames=[wide_frame], pagesize=page,
                     onPage=on(lambda c, d: draw_notice(c, page[0], rid, ctx))),
    ])
    a85 = rl_config.useA85
    rl_config.useA85 = 0    # binary (zlib) streams: ASCII85 only made the file 25% larger and slower
    try:
        doc.build(story, canvasmaker=PageCountCanvas)     # footers say "page N of M"
    finally:
        rl_config.useA85 = a85
