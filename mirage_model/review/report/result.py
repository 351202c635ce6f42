"""Page 3's result sections: page 1's interpretation and model line in full, the model's result and
card, the acquiring device's own analysis and what the file itself says of the diagnosis, what the report
lacks and why, and the reviewer's block."""

from __future__ import annotations

import numpy as np
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer

from mirage_model.outputs import MIN_CALLED_P, threshold_fallbacks
from mirage_model.preprocess import prediction_coverage
from mirage_model.records.fingerprint import in_training_words
from mirage_model.review.file_info import anonymised, device_report_lines, file_diagnosis_lines, reader_notes
from mirage_model.review.interpret import (doubted_calls, no_statement_text, session_disagreement,
                                           session_noise_hidden)
from mirage_model.review.labels import is_normal, label_words, model_words
from mirage_model.review.overread import research_notice
from mirage_model.review.record_key import overread_key
from mirage_model.review.report.context import MODEL_RESULT, ReportContext
from mirage_model.review.report.layout import MM
from mirage_model.review.report.model_info import code_version_text, flatten_metrics, metric_lines
from mirage_model.review.report.model_line import DETAILS, model_line, stated_counts
from mirage_model.review.report.overread import page3_lines
from mirage_model.review.report.styles import TABLE_SIZE, make_table
from mirage_model.review.report.text import FONT, FONT_BOLD, pdf_escape, pdf_markup, pdf_text


def interpretation_flowables(ctx: ReportContext, st, before_sheet: tuple = ()) -> list:
    """Page 1's interpretation in full, which its band may shorten: every statement in reading order
    with its whole source and note, what was resolved away, every finding the noise may hide (not calls), and the
    model line with both models' names (``model_line.model_line``), then the sheet's caption and notes in full
    (``before_sheet`` laid out just before them: ``write.PageMark``, which records their page and keeps with them).
    One flat list for the caller's ``KeepTogether``: a ``KeepTogether`` nested in it wraps as 0xffffff pt tall, which
    sent the whole section to the next column whatever room was left."""
    session = ctx.session
    it = ctx.interpretation
    out = [Paragraph("Interpretation (page 1, in full)", st["h2"])]
    if it.withheld:
        out.append(Paragraph(pdf_escape(f"WITHHELD: {it.withheld}. The statements below are unreliable."),
                             st["body"]))
    for note in it.notes:        # a child's ECG: no adult criteria, models trained on adults
        out.append(Paragraph(f"<b>{pdf_escape(note)}.</b>", st["body"]))
    disagree = session_disagreement(session, names=True)
    if disagree:                 # the superclass model's MI against the statements model's infarcts, said once
        out.append(Paragraph(f"<b>{pdf_escape(disagree)}.</b>", st["body"]))
    hidden = session_noise_hidden(session, it, limit=None)      # page 1 names the nearest; here every one
    if hidden:
        out.append(Paragraph(pdf_escape(f"{hidden}."), st["body"]))
    # each statement with the reviewer's decision (struck through, confirmed), the reviewer's own after them
    lines, overread = page3_lines(getattr(session, "overread", None), it, amendment=ctx.amendment)
    if not lines:
        lines.append(pdf_escape(no_statement_text(session)))
    if it.resolved:
        lines.append("<b>Resolved</b>: " + pdf_escape("; ".join(it.resolved)))
    stated, guessed = stated_counts(it.statements)
    results = ctx.page(MODEL_RESULT)            # a withheld result's line names the probabilities' page
    text = model_line(ctx.prediction, session.errors.get("prediction", ""),
                      getattr(session, "statements_prediction", None), stated, guessed=guessed, results=results)
    lines.append(pdf_escape(text.removesuffix(DETAILS.replace("page 3", results))))
    lines += overread
    out.append(Paragraph("<br/>".join(lines), st["body"]))
    out.extend(list(before_sheet) + sheet_flowables(ctx, st))
    return out


def sheet_flowables(ctx: ReportContext, st) -> list:
    """Page 1's caption and notes under the ECG sheet in full (``waveforms.caption_parts``), which
    its one line may shorten."""
    from mirage_model.review.report.waveforms import caption_parts

    caption, notes = caption_parts(ctx)
    # a reader's note the model's signal-quality lines on this page already say in full is not said twice
    repeated = set(reader_notes(ctx.record)) - set(reader_notes(ctx.record, " ".join(quality_lines(ctx.prediction))))
    notes = [n for n in notes if n not in repeated]
    lines = ["<b>ECG sheet (page 1)</b>: " + pdf_escape("; ".join(caption))] + [pdf_escape(n) for n in notes]
    # a reader holding the PDF beside the app's screen: the sheet's filter is not the screen's
    lines.append(pdf_escape("The traces of pages 1 and 2 went through the filters their captions name, whatever "
                            "the app's display filters showed on its screen."))
    return [Paragraph("<br/>".join(lines), st["small"])]


def quality_lines(pred) -> list[str]:
    """The prediction's signal-quality findings (warnings and critical ones) as the model result
    prints them, "Signal quality (warning): ... [V1, V2]"; [] without a prediction or its report.

    The file reader's warnings are printed whole: the finding's name holds the first of them cut at
    120 characters ("... give 49 y (49.54 y); th..."), its detail all of them, and this page is the
    one that says everything page 1 shortens."""
    quality = getattr(pred, "quality", None)
    lines = []
    for f in getattr(quality, "findings", ()) or ():
        if f.severity == "info":
            continue
        name = f.name
        if f.code == "reader_notes" and f.detail:
            name = f"{name.partition(': ')[0]}: {f.detail}"
        leads = ", ".join(f.leads)
        # the leads once: "leads missing or flat (V4, V5, V6)" had "[V4, V5, V6]" after it
        lines.append(f"Signal quality ({f.severity}): {name}" + (f" [{leads}]" if leads and f"({leads})" not in name
                                                                 else ""))
    return lines


def told_apart(p: float, threshold: float, digits: int = 3) -> tuple[str, str]:
    """A probability and its threshold as the result table prints them: with ``digits`` decimals, or as many more
    (up to 6) as tell them apart where they differ: 0.5168 below 0.5170 had read "0.517" beside "0.517", not called,
    where 0.5112 above 0.5110 read "0.511" beside "0.511", called."""
    for d in range(digits, 7):
        texts = f"{p:.{d}f}", f"{threshold:.{d}f}"
        if texts[0] != texts[1] or p == threshold:
            break
    return texts


def _fallback_thresholds(model_info: dict | None, labels) -> dict[str, str]:
    """{class: "positives" or "negatives"} of the classes whose stored threshold is training's 0.5 fallback: its
    validation split (the checkpoint's metrics, ``val.n`` and ``val.per_class.<class>.positives``) held no
    positive, or no negative, record of it (the model card says "a fallback, not measured"). The PDF had printed
    such a threshold, and called the class at it, as a measured one (an own Challenge model: LPR, PR, QAb ...)."""
    flat = (model_info or {}).get("metrics") or {}
    n = flat.get("val.n")
    if not isinstance(n, float):
        return {}
    positives = [flat.get(f"val.per_class.{lab}.positives") for lab in labels]
    return threshold_fallbacks([pos if isinstance(pos, float) else None for pos in positives], n, labels)


def _by_reason(fallback: dict[str, str]) -> list[tuple[str, list[str]]]:
    """``_fallback_thresholds``' classes grouped by why, positives first."""
    return [(why, [c for c, w in fallback.items() if w == why]) for why in ("positives", "negatives")
            if why in fallback.values()]


WORDS_W = 42 * MM      # the result table's Description column


def _words_cell(words: str, st):
    """The Description cell: the class's words, wrapped where they outrun the column ("Nonspecific
    intraventricular conduction disorder", a Challenge label's SNOMED-CT term, ran into the probability)."""
    if stringWidth(pdf_text(words), FONT, TABLE_SIZE) <= WORDS_W - 6:       # the table's padding, 3 pt a side
        return pdf_text(words)
    return Paragraph(pdf_escape(words), st["small"])


def result_flowables(ctx: ReportContext, st, model_info: dict | None) -> list:
    """The model result table (positive classes first), its notes, and the model's card."""
    out = [Paragraph("Model result", st["h1"])]
    pred = ctx.prediction
    if pred is None:
        errors = getattr(ctx.session, "errors", None) or {}
        why = str(errors.get("prediction", "") or "no model was loaded")
        out.append(Paragraph(f"<b>No model result</b>: {pdf_escape(why)}; this report shows the "
                             "ECG, the entered values and the measurements only.", st["body"]))
        return out
    probs = np.asarray(pred.probabilities, dtype=float)
    thr = np.asarray(pred.thresholds, dtype=float)
    withheld = getattr(pred, "withheld", "")
    if withheld:
        # the gate (``inference.Predictor``: a quality verdict other than usable) withholds the calls for what the
        # signal cannot carry, whatever the model's training records held: "the model was not trained for such a
        # recording" had been said of every model, a researcher's trained on paced records too (9d9fe6cc)
        out.append(Paragraph(pdf_escape(f"RESULT WITHHELD: {withheld}. The quality check withholds the model's "
                                        "calls on such a recording, whose signal cannot carry a finding as the "
                                        "model reads it; the probabilities below are shown for reference only "
                                        "and are unreliable."), st["h2"]))
    trained = in_training_words(getattr(pred, "in_training", ""))
    if trained:     # a record the model was trained or selected on: said before its probabilities are read
        out.append(Paragraph(pdf_escape(f"TRAINING RECORD: {trained}."), st["h2"]))
    lines = quality_lines(pred)
    if lines:
        out.append(Paragraph("<br/>".join(pdf_escape(line) for line in lines), st["small"]))
    positive = set(pred.positive)
    shown = set(getattr(pred, "model_positive", ()) or ()) if withheld else positive
    doubted = doubted_calls(pred)         # called off amplitudes in doubt: kept, marked as the statements are
    order = sorted(range(len(pred.labels)),
                   key=lambda k: (pred.labels[k] not in shown, -probs[k]))
    rows = [["Class", "Description", "Probability", "Threshold", "Result"]]
    highlight, normal_rows = [], []
    fallback = _fallback_thresholds(model_info, pred.labels)
    unmeasured = getattr(pred, "unmeasured_thresholds", None) or {}
    described = model_words(pred)         # the bars' words; a PTB-XL model that records none: PTB-XL's ("NDT")
    for k in order:
        lab = pred.labels[k]
        is_pos = lab in positive
        result = ("POSITIVE (?)" if lab in doubted else "POSITIVE" if is_pos else "unreliable" if lab in shown
                  else f"< {MIN_CALLED_P:.0%}" if k < len(thr) and probs[k] >= thr[k] else "-")
        words = label_words(lab, described)     # a PTB-XL "MI" in PTB-XL's words; a model's own "MI": its own
        p_text, t_text = told_apart(probs[k], thr[k]) if k < len(thr) else (f"{probs[k]:.3f}", "")
        rows.append([pdf_text(lab), _words_cell(words, st), p_text,
                     (t_text + ("*" if lab in fallback else "")) if k < len(thr) else "", result])
        # a call on a threshold never measured is marked, not put forward in red as a finding
        if is_pos and lab not in unmeasured and not is_normal(lab, getattr(pred, "ptbxl_labels", True)):
            highlight.append(len(rows) - 1)
        elif is_pos:
            normal_rows.append(len(rows) - 1)
    # the result column holds "POSITIVE (?)" (a call read off amplitudes in doubt)
    tbl = make_table(rows, [18 * MM, WORDS_W, 20 * MM, 18 * MM, 21 * MM], highlight_rows=highlight, padding=3.0)
    if normal_rows:   # a positive normal class is reassuring: bold, green, never alarm red
        tbl.setStyle([("FONT", (0, r), (-1, r), FONT_BOLD, 8) for r in normal_rows]
                     + [("TEXTCOLOR", (0, r), (-1, r), colors.Color(0.0, 0.4, 0.15)) for r in normal_rows])
    out.append(tbl)
    # a call on an unmeasured threshold: its "*" line below says why, once for them all
    doubted_why = {lab: why for lab, why in doubted.items() if not (lab in fallback and lab in unmeasured)}
    if doubted_why:
        out.append(Paragraph("<br/>".join(pdf_escape(f"{lab} (?): {why}") for lab, why in doubted_why.items()),
                             st["small"]))
    if fallback:
        out.append(Paragraph(pdf_escape(
            "* Threshold not measured: a fallback of 0.5, the model's validation split holding no "
            + "; no ".join(f"{why[:-1]} record of {', '.join(labs)}" for why, labs in _by_reason(fallback))
            + ". A call of such a class rests on no measured threshold."), st["small"]))
    n_win = None if pred.window_probabilities is None else np.asarray(pred.window_probabilities).shape[0]
    coverage = prediction_coverage(pred, ctx.record)
    windows = ("its 10 s window" if n_win in (None, 1) else f"its {coverage}" if coverage
               else f"its {n_win} overlapping 10 s windows")
    left_out = tuple(getattr(pred, "windows_left_out", ()) or ())
    if n_win and left_out:
        starts = np.asarray(pred.window_starts_s if pred.window_starts_s is not None else [], dtype=float)
        at = ", ".join(f"{starts[k]:.0f} s" for k in left_out if k < len(starts))
        why = getattr(pred, "windows_left_out_why", "") or "for signal quality"
        windows = (f"{n_win - len(left_out)} of {windows} (left out, {why}: "
                   f"the window{'s' if len(left_out) > 1 else ''} starting at {at})")
    note = ("Positive = probability at or above the class threshold stored with the model and at least "
            f"{MIN_CALLED_P:.0%} (a rare class's threshold can sit below 1 %; \"< {MIN_CALLED_P:.0%}\": at or "
            "above its threshold, not called). "
            f"Probabilities are the mean over {windows}.")
    total = (pred.timings or {}).get("total")
    if total:
        note += f" Inference took {total * 1000:.0f} ms."
    out.append(Paragraph(pdf_escape(note), st["small"]))
    info = dict(model_info or {})
    out.append(Spacer(1, 2 * MM))
    out.append(Paragraph("Model", st["h2"]))
    lines = [f"<b>Name</b>: {pdf_escape(info.get('name') or pred.model_name)}"]
    if info.get("version"):
        lines.append(f"<b>Made with</b>: {pdf_escape(code_version_text(info['version']))}")  # not this program's
    if info.get("model_type") or info.get("task"):
        lines.append(f"<b>Type</b>: {pdf_escape(info.get('model_type', ''))} {pdf_escape(info.get('task', ''))}")
    lines.append(f"<b>Training data</b>: {pdf_escape(info.get('training_data') or 'not stated in the model card')}")
    if info.get("scoring"):
        lines.append(f"<b>Scoring</b>: {pdf_escape(info['scoring'])}")
    if info.get("date"):
        lines.append(f"<b>Trained</b>: {pdf_escape(info['date'])}")
    out.append(Paragraph("<br/>".join(lines), st["body"]))
    card_lines = metric_lines(flatten_metrics(info.get("metrics") or {}), pred.labels)
    if card_lines:
        out.append(Paragraph("<br/>".join(card_lines), st["body"]))
    else:
        out.append(Paragraph("<b>Metrics</b>: none recorded with this model.", st["body"]))
    return out


def device_flowables(ctx: ReportContext, st) -> list:
    """The acquiring device's own statements and measurements, labelled as the device's."""
    heading, lines = device_report_lines(ctx.record)
    if not lines:
        return []
    return [Paragraph(pdf_escape(heading), st["h2"]),
            Paragraph("<br/>".join(pdf_escape(x) for x in lines), st["body"])]


def file_flowables(ctx: ReportContext, st) -> list:
    """What the record's own file says of the diagnosis (``file_info.file_diagnosis_lines``), as written,
    headed as the file's: "In the file (#Dx, SNOMED-CT): not MIRAGE's"."""
    heading, lines = file_diagnosis_lines(ctx.record)
    if not lines:
        return []
    return [Paragraph(pdf_escape(heading), st["h2"]),
            Paragraph("<br/>".join(pdf_escape(x) for x in lines), st["body"])]


def review_flowables(ctx: ReportContext, st) -> list:
    """The sign-off. The over-read's signature and comment are printed once, under the statements they were signed
    over (``interpretation_flowables``), never again here (a name typed for the report had printed "Reviewer: B"
    under "Over-read by A"); a report no one signed gets a line to sign on paper, named where the command line gave
    one (``--reviewer``), and a line for a comment where the over-read has none."""
    overread = getattr(ctx.session, "overread", None)
    signed = overread is not None and overread.signed_for(ctx.interpretation)
    out = [Paragraph("Review", st["h1"])]
    if not signed:
        body = st["body"]
        out.append(Paragraph(f"<b>Reviewer</b>: {pdf_markup(ctx.settings.reviewer) or '________________________'}",
                             body))
        if not getattr(overread, "comment", ""):
            # the line to write on fills its column (70 underscores were wider than a Letter column: they wrapped
            # under "Comment:", a blank line of their own)
            room = ctx.column_width - stringWidth("Comment: ", FONT_BOLD, body.fontSize)
            blank = "_" * max(24, int(room // stringWidth("_", body.fontName, body.fontSize))) if room > 0 else "_" * 70
            out.append(Paragraph(f"<b>Comment</b>: {blank}", body))
    said = ("was over-read as page 1 says (signed under the interpretation), and" if signed
            else "has not been confirmed by a clinician and")
    notice = research_notice(overread, ctx.interpretation)
    out.append(Paragraph(pdf_escape(f"{notice} The model's output {said} must not be used for "
                                    "patient care."), st["small"]))
    out.append(Paragraph(pdf_escape(content_line(ctx.record)), st["small"]))
    return out


def content_line(record) -> str:
    """Which content of the file this report was made from: "Made from the record's content 3f2a9c1b7d4e5a60 (its
    samples and patient details as read, digested: the key its over-read is kept by)." (``record_key.overread_key``,
    its first 16 hex digits): a file rewritten since holds other content, under another key. Not of a file that says
    it was anonymised (``file_info.anonymised``): its key is its samples' digest, which whoever holds the identified
    file gets by anonymising it again, so that it would tie the anonymised report to its patient."""
    if anonymised(record):
        return ("Made from an anonymised record: its content key is not printed (it would tie this report to the "
                "identified file it was made from).")
    return (f"Made from the record's content {overread_key(record)[:16]} (its samples and patient details as read, "
            "digested: the key its over-read is kept by).")


def content_keywords(record) -> str:
    """The PDF's metadata keywords: the whole key page 3's ``content_line`` gives 16 digits of; "" for a file that
    says it was anonymised, whose page 3 prints no key."""
    return "" if anonymised(record) else f"record content {overread_key(record)}"


def missing_flowables(session, st) -> list:
    """What this report lacks and why (pending, stale, failed or unavailable parts)."""
    missing = session.missing()
    if not missing:
        return []
    names = {"measurements": "Interval measurements", "prediction": "Model result",
             "contributions": "Contributions of the clinical values", "quality": "Signal quality"}
    lines = [f"<b>{pdf_escape(names.get(part, part))}</b>: {pdf_escape(why)}" for part, why in missing]
    return [Paragraph("<b>Not complete in this report</b><br/>" + "<br/>".join(lines), st["body"])]
