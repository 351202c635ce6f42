"""What names the patient on the pages: page 1's header (record, patient, acquisition,
institution) and the footer of every page (the research-use notice, the record and its patient,
the file it was read from, the page number, "page 2 of 4"). The model's result is in page 1's band
(``summary_band``)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from mirage_model import RESEARCH_USE_NOTICE, __version__
from mirage_model.csvsafe import encodable
from mirage_model.records.age import shown_age
from mirage_model.review.file_info import ANONYMISED_NAME, anonymised, patient_facts, patient_names
from mirage_model.review.overread import research_notice
from mirage_model.review.report.context import ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.text import (
    FONT, FONT_BOLD, MISSING, READABLE, clip_runs, draw_runs_text, font_runs, pdf_escape, pdf_markup,
    pdf_text, register_fonts, runs_width, unprintable,
)

SEP = "   "                            # between the facts of the patient line


def _patient_tag(ctx) -> str:
    """The patient this page belongs to, as printed in every page's footer ("ID 081486213, F, 75 y"; an anonymised
    file's age 90 or older "≥90 y"):
    the ID the user gave, else the file's (as page 1's header has it), so that a page parted from
    page 1 still names its patient; "anonymised" first where page 1's header says "Patient:
    anonymised" (``file_info.patient_names``: "anonymised, M, 43 y"). The name itself is page 1's only."""
    if ctx is None:
        return ""
    name, pid = patient_names(ctx.record, ctx.settings.patient_name, ctx.settings.patient_id)
    bits = [name] if name == ANONYMISED_NAME else []
    if pid:
        bits.append(f"ID {pid}")
    if ctx.sex:
        bits.append(str(ctx.sex))
    if ctx.age is not None:
        # "75 y", an infant's "3 months", an anonymised file's 90 for 90 or older "≥90 y" (page 1: "Age: ≥90")
        bits.append(shown_age(ctx.age, getattr(ctx.record, "meta", None), " y"))
    return ", ".join(bits)


def _who_alone(tag: str) -> str:
    """The footer's patient tag cut to what names the patient ("ID 081486213", "anonymised, ID 7"),
    sex and age left out: what stays when the footer is short of room. "" for a tag without an ID
    ("F, 51 y"): a sex and an age name no one."""
    bits = tag.split(", ")
    keep = 1 + (len(bits) > 1 and bits[0] == ANONYMISED_NAME and bits[1].startswith("ID "))
    return ", ".join(bits[:keep]) if bits[0] == ANONYMISED_NAME or bits[0].startswith("ID ") else ""


def draw_notice(c, page_w: float, record_id: str, ctx=None) -> None:
    """The footer of every page: the research-use notice, the record and its patient, the file it
    was read from (``source_name``), the page ("page 2 of 4"). On a :class:`PageCountCanvas` it is
    drawn when the document is saved, once the number of pages is known; on another canvas now,
    with the page number alone."""
    if isinstance(c, PageCountCanvas):
        c.at_save(lambda total: _draw_notice(c, page_w, record_id, ctx, total))
    else:
        _draw_notice(c, page_w, record_id, ctx, None)


class PageCountCanvas(Canvas):
    """A reportlab canvas that keeps each page until the document is saved, then runs the drawing
    its pages asked for with the number of pages (reportlab's own recipe for "page N of M": a
    page's state holds its content so far, and drawing more on it before it is shown adds to it)."""

    def __init__(self, *args, **kwargs):
        register_fonts()
        kwargs["initialFontName"] = kwargs.get("initialFontName") or FONT   # else an unused Helvetica is declared
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._pending: list = []

    def at_save(self, draw) -> None:
        """Run ``draw(total_pages)`` on this page when the document is saved."""
        self._pending.append(draw)

    def showPage(self):   # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__, _pending=list(self._pending)))
        self._pending = []
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            for draw in state["_pending"]:
                draw(total)
            super().showPage()
        super().save()


def source_name(record) -> str:
    """The file the record was read from, as every page's footer names it: its folder and name
    ("dupe/3.xml"; the name alone for a file with no folder named), never the path on this machine.
    Records of one id from other files (3.hea, 3.xml, 3.dcm) read "record 3" alike: the file tells
    a printed page's source. The name alone for a file that says it was anonymised (``file_info.anonymised``): its
    folder may be the patient's ("DOE_JANE/ecg.hea", saved beside the identified file). "" for a record read from no
    file."""
    path = getattr(record, "path", None)
    if not path:
        return ""
    path = Path(path)
    folder = "" if anonymised(record) else path.parent.name
    return encodable(f"{folder}/{path.name}" if folder else path.name)   # PDF text is Unicode


def _notice(ctx) -> str:
    """The research-use notice of every page: "...; over-read." where the report's over-read is signed over its
    statements (``review.overread.research_notice``), else ``RESEARCH_USE_NOTICE`` ("...; unconfirmed.")."""
    if ctx is None:
        return RESEARCH_USE_NOTICE
    return research_notice(getattr(ctx.session, "overread", None), ctx.interpretation)


def _draw_notice(c, page_w: float, record_id: str, ctx, total: int | None) -> None:
    c.saveState()
    c.setFillColorRGB(0.65, 0.0, 0.0)
    c.setFont(FONT_BOLD, 9)
    notice = _notice(ctx)
    c.drawString(10 * MM, 6 * MM, pdf_text(notice))
    c.setFillColorRGB(0.3, 0.3, 0.3)
    tag = _patient_tag(ctx)
    whos = [f"record {record_id}" + (f" ({tag})" if tag else "")]
    if _who_alone(tag) != tag:      # the ID alone, before any of it is cut (the record alone without one)
        whos.append(f"record {record_id}" + (f" ({_who_alone(tag)})" if _who_alone(tag) else ""))
    source = source_name(ctx.record) if ctx is not None else ""
    files = [f"  |  file {source}"] if source else [""]
    if "/" in source:               # the folder gives way before the patient's sex and age
        files.append(f"  |  file {source.split('/', 1)[1]}")
    room = page_w - 20 * MM - c.stringWidth(pdf_text(notice), FONT_BOLD, 9) - 5 * MM
    page = f"page {c.getPageNumber()}" + (f" of {total}" if total else "")
    # a long patient ID or file name shrinks the line (to READABLE pt), then the program's version
    # gives way, then the file's folder, then sex and age; then the file's name is cut in its middle
    # ("resting ECG of...artefact.xml"); the ID is cut ("...") only when it alone is wider than the
    # footer (page 1's header or page 3 prints it whole)
    options = [(who + f, tail) for who in whos for f in files
               for tail in (f"  |  MIRAGE Review {__version__}  |  {page}", f"  |  {page}")]
    for who, tail in options:
        runs = font_runs(who) + [(tail, FONT)]
        size = _fit(c, runs, 7.5, room)
        if runs_width(c, runs, size) <= room:
            break
    else:
        # the file's name cut in its middle, so that its end (3.xml, 3.dcm) still tells it apart
        left = room - c.stringWidth(tail, FONT, size)
        name = source.rsplit("/", 1)[-1]
        lead = font_runs(whos[-1] + ("  |  file " if name else ""))
        keep = _clip_middle(c, name, size, left - runs_width(c, lead, size)) if name else ""
        if keep:
            runs = lead + font_runs(keep) + [(tail, FONT)]
        else:
            runs = clip_runs(c, font_runs(who), size, left) + [(tail, FONT)]
    draw_runs_text(c, page_w - 10 * MM, 6 * MM, runs, size, right=True)
    c.restoreState()


def _clip_middle(c, text: str, size: float, width: float, least: int = 8) -> str:
    """``text`` with its middle cut to "..." to fit ``width`` at ``size`` (its start and its end
    kept); whole when it fits; "" when not even ``least`` of its characters would."""
    if runs_width(c, font_runs(text), size) <= width:
        return text
    for keep in range(len(text) - 1, least - 1, -1):
        head, tail = text[:(keep + 1) // 2], text[len(text) - keep // 2:]
        cut = head.rstrip() + "..." + tail.lstrip()
        if runs_width(c, font_runs(cut), size) <= width:
            return cut
    return ""


def script_note(lines: list[str], ctx: ReportContext) -> str:
    """What page 1 says when the patient line is not printed whole in embedded fonts: characters
    no font of the report holds (printed as MISSING), or CJK / Hangul, drawn in the reader's own
    Asian fonts (``text.font_runs``; a reader without them shows boxes). It names the ID and the
    record, which the patient can be identified by. "" when there is nothing to say."""
    text = " ".join(lines)
    who = _who_alone(_patient_tag(ctx)) or f"record {ctx.record.record_id}"
    if unprintable(text):
        return f"{MISSING} = a character of the name this report cannot print: identify the patient by {who}"
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        # reportlab neither reorders nor shapes: Hebrew and Arabic come out letter by letter, left to right
        return f"right-to-left name printed left to right, letters unjoined: identify the patient by {who}"
    if any(font not in (FONT, FONT_BOLD) for _, font in font_runs(text)):
        return (f"CJK shown in the PDF reader's Asian fonts (not embedded); if boxes, identify the patient by {who}")
    return ""


def header_lines(ctx: ReportContext) -> list[str]:
    """Page 1's patient line, fact by fact: the words the app's patient line shows too
    (``file_info.patient_facts``); the name and ID typed for the report win over the file's. An age
    not given reads "Age: unknown", as the measurement block's "adult range (age unknown)" does, and a
    sex not given "Sex: unknown", as the app's patient line and status bar say it."""
    s = ctx.settings
    return patient_facts(ctx.record, ctx.age, ctx.sex, name=s.patient_name, patient_id=s.patient_id,
                         say_unknown=True)


def place_institution(title_w: float, generated_w: float, patient_w: float, institution_w: float,
                      width: float, gap: float = 5 * MM) -> int:
    """Which header line the institution goes on so that no two texts meet: 0 (the title line,
    between the title and the generation time) when it fits there, else 1 (right-aligned on the
    patient line) when it fits beside the patient, else 0 again, shrunk to the room there.

    Widths in points (the institution's at its full size); ``width`` is the header's width.
    """
    if title_w + gap + institution_w + gap + generated_w <= width:
        return 0
    if patient_w + gap + institution_w <= width:
        return 1
    return 0


def _fit(c, runs, size: float, width: float, smallest: float = READABLE) -> float:
    """The largest font size <= ``size`` (down to ``smallest``) at which ``runs`` (``font_runs``) fit ``width``."""
    while size > smallest and runs_width(c, runs, size) > width:
        size -= 0.5
    return max(size, smallest)


def clip(c, text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with "...") to fit ``width`` at ``size``; whole when it fits."""
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "..." if text else ""


class _Widths:
    """What a canvas measures text with (``Canvas.stringWidth``), without a canvas: page 3 works out
    what page 1's header had no room for."""
    stringWidth = staticmethod(pdfmetrics.stringWidth)   # noqa: N815 - the canvas's name


PAGE3 = "page 3"
NAME_SHORT = "name: see page 3"        # the script note where the patient line leaves it no room


@dataclass
class HeaderText:
    """Page 1's header as drawn: every text at ``READABLE`` pt or more, and what it had no room
    for (``cut``: (what, its whole text; "" for the patient line, whose facts name themselves),
    printed in full on page 3 by :func:`header_flowables`)."""
    title: list
    generated: str
    patient: list
    patient_size: float
    note: list = field(default_factory=list)
    note_size: float = READABLE
    institution: list = field(default_factory=list)
    institution_size: float = 9.0
    institution_line: int = 0
    cut: list = field(default_factory=list)


def _patient_runs(c, facts: list[str], width: float) -> tuple[list, float, bool]:
    """(runs, size, cut?) of the patient line in ``width``: whole at 9 pt down to ``READABLE``;
    else at ``READABLE`` as many facts whole as fit, from the first (the name, the ID), the
    others named as on page 3 (or counted: "more: page 3"); a name too long to leave room for the
    ID is cut ("... (page 3)"). Page 3 prints the line whole (``header_flowables``)."""
    line = font_runs(SEP.join(facts))
    size = _fit(c, line, 9, width)
    if runs_width(c, line, size) <= width:
        return line, size, False
    size = READABLE

    def pointer(dropped, name_cut=False):
        what = (["name in full"] if name_cut else []) + [f.split(":")[0] for f in dropped]
        return [(pdf_text(f"{SEP}({', '.join(what) or 'in full'}: {PAGE3})"), FONT)]

    identity = sum(1 for f in facts[:2] if f.startswith(("Patient:", "ID:")))     # whom: never dropped
    for k in range(len(facts) - 1, max(identity, 1) - 1, -1):
        runs = font_runs(SEP.join(facts[:k])) + pointer(facts[k:])
        if runs_width(c, runs, size) <= width:
            return runs, size, True
    if identity and identity < len(facts):         # the name and the ID whole, the others counted
        runs = font_runs(SEP.join(facts[:identity])) + [(f"{SEP}(more: {PAGE3})", FONT)]
        if runs_width(c, runs, size) <= width:
            return runs, size, True
    # the name and the ID do not fit whole: the name cut (page 3 has it), the ID whole where there is room
    if identity == 2:
        cut_end = [(f" ({PAGE3})", FONT)]
        tail = font_runs(SEP + facts[1]) + ([(f"{SEP}(more: {PAGE3})", FONT)] if len(facts) > 2 else [])
        room = width - runs_width(c, cut_end + tail, size)
        if room > 20 * MM:
            return clip_runs(c, font_runs(facts[0]), size, room) + cut_end + tail, size, True
    end = [(f" ({PAGE3})", FONT)]
    return clip_runs(c, line, size, width - runs_width(c, end, size)) + end, size, True


def header_text(c, ctx: ReportContext) -> HeaderText:
    """What page 1's header draws on canvas ``c`` (any object with a canvas's ``stringWidth``)."""
    width = ctx.layout.page_width - 20 * MM
    gap = 5 * MM
    rec = ctx.record
    # what files and people wrote (record id, name, ID, institution) prints in its own script (font_runs)
    title = font_runs(f"12-lead ECG  -  record {rec.record_id}", FONT_BOLD)
    generated = pdf_text(f"Report generated {ctx.generated}")
    generated_w = c.stringWidth(generated, FONT, 7.5)
    title = clip_runs(c, title, 12, width - generated_w - gap)
    title_w = runs_width(c, title, 12)
    lines = header_lines(ctx)
    note = script_note(lines, ctx)
    cut = []
    reserve = runs_width(c, font_runs(NAME_SHORT), READABLE) + gap if note else 0.0
    patient, patient_size, patient_cut = _patient_runs(c, lines, width - reserve)
    if patient_cut:
        cut.append(("", "; ".join(lines)))          # the facts name themselves ("Patient: ...; ID: ...")
    out = HeaderText(title, generated, patient, patient_size, cut=cut)
    patient_w = runs_width(c, patient, patient_size)
    if note:     # right of the patient line, in red: the institution goes to the title line
        room = width - patient_w - gap
        full = font_runs(note)
        if runs_width(c, full, READABLE) <= room:
            out.note = full
        else:
            out.note = font_runs(NAME_SHORT)
            cut.append(("About the name", note))
    institution = font_runs(ctx.settings.institution or "")
    if institution:
        line = place_institution(title_w, generated_w, patient_w, runs_width(c, institution, 9), width, gap)
        out.institution_line = 0 if note else line
        if out.institution_line == 0:
            room = width - title_w - generated_w - 2 * gap
            out.institution_size = _fit(c, institution, 9, room)
            if runs_width(c, institution, out.institution_size) > room:
                end = [(f" ({PAGE3})", FONT)]
                institution = clip_runs(c, institution, READABLE, room - runs_width(c, end, READABLE)) + end
                cut.append(("Institution", ctx.settings.institution))
        out.institution = institution
    return out


def header_flowables(ctx: ReportContext, st) -> list:
    """Page 3's lines for what page 1's header had no room for, in full ([] when it had room)."""
    cut = header_text(_Widths(), ctx).cut
    if not cut:
        return []
    text = "<br/>".join((f"<b>{pdf_escape(what)}</b>: " if what else "") + pdf_markup(whole) for what, whole in cut)
    return [Paragraph("<b>Page 1's header, in full</b><br/>" + text, st["body"])]


def draw_page_header(c, ctx: ReportContext) -> None:
    """Page 1's header: the title, the institution and the time of writing on the first line;
    record, patient and acquisition on the second. (The model's result is in the band under it.)
    Every text at ``READABLE`` pt or more: what has no room is named on page 3 (``header_text``)."""
    lay = ctx.layout
    h = header_text(c, ctx)
    c.saveState()
    top = lay.page_height - 10 * MM
    left, right = 10 * MM, lay.page_width - 10 * MM
    line_y = {0: top + 1.5 * MM, 1: top - 3 * MM}
    draw_runs_text(c, left, line_y[0], h.title, 12)
    c.setFont(FONT, 7.5)
    c.drawRightString(right, line_y[0], h.generated)
    draw_runs_text(c, left, line_y[1], h.patient, h.patient_size)
    if h.note:
        c.setFillColorRGB(0.65, 0.0, 0.0)
        draw_runs_text(c, right, line_y[1], h.note, h.note_size, right=True)
        c.setFillColorRGB(0, 0, 0)
    if h.institution:
        if h.institution_line == 1:
            draw_runs_text(c, right, line_y[1], h.institution, 9, right=True)
        else:
            title_w = runs_width(c, h.title, 12)
            draw_runs_text(c, left + title_w + 5 * MM, line_y[0], h.institution, h.institution_size)
    c.restoreState()
