"""The PDF report read as a cardiologist and a records officer read it: every word on the page
means something to a reader who has only the paper (no repository path), the header says what is
not known, a lab cell reads on its line, a refusal names the record and its problem, the two
models' disagreement is said in words, and the sheet's caption says what its traces went through.

The text is read back from the written PDF (pypdf), not from the report code."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf")

import mirage_model as mm
from mirage_model.review.report import build_report
from mirage_model.review.session import ReviewSession


def _sample(stem: str) -> Path:
    for path in mm.sample_records():
        if path.stem == stem:
            return path
    pytest.skip(f"bundled sample {stem} not present")


def _pages(out) -> list[str]:
    """Each page's text, its whitespace runs made one space."""
    return [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages]


def _report(tmp_path, record, **results) -> list[str]:
    session = ReviewSession.from_results(record, file_values=False, **results)
    return _pages(build_report(session, tmp_path / "r.pdf"))


def test_no_page_names_a_repository_path(tmp_path):
    """PTB-XL 00417_lr is sampled at 100 Hz: the measurement note on resampling for delineation
    named "docs/measurements.md", which no reader of a printed page can open."""
    from mirage_model.measure import MeasureConfig, measure

    record = mm.load_record(_sample("00417_lr"))
    measured = measure(record, MeasureConfig(delineator="rules"))     # the rules: no network to load
    text = " ".join(_report(tmp_path, record, measurements=measured))
    path = r"\b(?:docs|scripts|tests)/|\.md\b|\.py\b"
    assert not re.search(path, text), [w for w in text.split() if re.search(path, w)]
    assert "resampled to 500 Hz for delineation" in text
    assert "a sample every 10 ms" in text


@pytest.mark.parametrize("age, shown", [(None, "Age: unknown"), (float("nan"), "Age: unknown"), (43.0, "Age: 43"),
                                        (0.25, "Age: 3 months")])
def test_the_header_says_an_age_is_unknown(tmp_path, age, shown):
    """Page 1's header left an unknown age out while the measurement block under it read "the adult
    range (age unknown)": the header says it too, and a known age as before."""
    record = mm.load_record(_sample("00417_lr"))
    values = None if age is None else {"age": age}
    page1 = _report(tmp_path, record, values=values)[0]
    header = page1.split("Measurements")[0]
    assert shown in header and header.count("Age:") == 1


@pytest.mark.parametrize("sex, shown", [(None, "Sex: unknown"), ("F", "Sex: F"), ("M", "Sex: M")])
def test_the_header_says_a_sex_is_unknown(tmp_path, sex, shown):
    """Page 1's header left a sex not given out while it said "Age: unknown" and the app's status bar
    "sex unknown": the header says "Sex: unknown", in the words of the app's patient line."""
    record = mm.load_record(_sample("00417_lr"))
    values = None if sex is None else {"sex": sex}
    page1 = _report(tmp_path, record, values=values)[0]
    header = page1.split("Measurements")[0]
    assert shown in header and header.count("Sex:") == 1


def test_a_converted_lab_value_reads_on_two_whole_lines(tmp_path):
    """Creatinine 1.4 mg/dL is 123.8 umol/L (x 88.4 umol/L per mg/dL): the value cell
    wrapped "1.4 (= 123.8 umol/L)" over three lines ("1.4 (=" / "123.8" / "umol/L)"). Now the value
    as entered with its unit on one line, the canonical one on the next, neither broken."""
    from helpers_pdf import text_spans

    record = mm.load_record(_sample("00417_lr"))
    session = ReviewSession.from_results(record, values={"creatinine": (1.4, "mg/dL"), "troponin_t": (0.03, "ng/mL")},
                                         file_values=False)
    out = build_report(session, tmp_path / "r.pdf")
    spans = [(y, " ".join(text.replace("\u00a0", " ").split()))
             for page in pypdf.PdfReader(str(out)).pages for _x0, _x1, y, text, _f, _s in text_spans(page)]
    for entered, canonical in (("1.4 mg/dL", "(= 123.8 umol/L)"), ("0.03 ng/mL", "(= 30 ng/L)")):
        first = [y for y, t in spans if t == entered]
        second = [y for y, t in spans if t == canonical]
        assert len(first) == 1 and len(second) == 1, [t for _, t in spans if entered.split()[0] in t or "(=" in t]
        assert 0 < first[0] - second[0] < 12         # the next line of the same cell (9.5 pt leading)


def test_a_record_too_short_to_draw_is_named_not_the_pdf(tmp_path, capsys):
    """A WFDB record of one sample: the refusal read "error: cannot write r.pdf: signal has 12 leads and
    1 samples; need at least 1 lead and 2 samples", as if the PDF were at fault. It names the record's
    file and what is wrong with it, and no PDF is written."""
    from training_cli.main import main

    leads = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    (tmp_path / "short7.hea").write_text("short7 12 500 1\n" + "".join(f"short7.dat 16 200 16 0 0 0 0 {ld}\n"
                                                                        for ld in leads))
    (tmp_path / "short7.dat").write_bytes(bytes(2 * 12))
    out = tmp_path / "r.pdf"
    assert main(["report", str(tmp_path / "short7.hea"), "--no-model", "--no-measure", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "short7.hea: 1 sample (0.002 s at 500 Hz): too short to draw an ECG" in err, err
    assert "r.pdf" not in err and not out.exists()


def _prediction(labels, probs, thresholds, name, withheld=""):
    from mirage_model.inference import Prediction
    from mirage_model.outputs import is_called

    return Prediction(labels=tuple(labels), probabilities=np.asarray(probs, np.float32),
                      thresholds=np.asarray(thresholds, np.float32), model_name=name, withheld=withheld,
                      positive=() if withheld else tuple(lab for lab, p, t in zip(labels, probs, thresholds)
                                                         if is_called(p, t)))


SUPER = ("NORM", "MI", "STTC", "CD", "HYP")
STMTS = ("SR", "STACH", "IRBBB", "LAFB", "IMI", "ASMI", "ILMI", "NORM")


@pytest.mark.parametrize("mi, infarcts, said", [
    # CinC 2020 E00009 as the shipped models read it: MI 0.67 (threshold 0.47), no infarct statement called
    (0.67, (0.05, 0.12, 0.16), "superclass model calls MI (myocardial infarction) at 67%; statements model states no "
                               "infarct or injury (highest ILMI, inferolateral infarct, 16%, not called)"),
    (0.21, (0.45, 0.05, 0.05), "statements model states inferior infarct (IMI 45%); superclass model does not call MI "
                               "(myocardial infarction, 21%)"),
    (0.67, (0.45, 0.05, 0.05), ""),           # both say infarct
    (0.21, (0.05, 0.12, 0.16), ""),           # neither
    # IMI at 25%, under its 30% threshold: not called, so not an infarct statement
    (0.67, (0.25, 0.05, 0.05), "superclass model calls MI (myocardial infarction) at 67%; statements model states no "
                               "infarct or injury (highest IMI, inferior infarct, 25%, not called)"),
])
def test_the_two_models_disagreement_on_infarction_is_said(mi, infarcts, said):
    from mirage_model.review.interpret import infarct_disagreement

    cls = _prediction(SUPER, [0.03, mi, 0.43, 0.3, 0.02], [0.41, 0.47, 0.32, 0.35, 0.35], "classes")
    stm = _prediction(STMTS, [0.1, 0.9, 0.76, 0.67, *infarcts, 0.02], [0.5, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.4],
                      "statements")
    assert infarct_disagreement(cls, stm) == (f"Models disagree on infarction: {said}" if said else "")
    if said:    # page 3 names the two models; withheld calls disagree on nothing
        named = infarct_disagreement(cls, stm, names=True)
        assert "the superclass model (classes)" in named and "the statements model (statements)" in named
        gated = _prediction(STMTS, stm.probabilities, stm.thresholds, "s", "poor signal")
        assert infarct_disagreement(cls, gated) == ""
        assert infarct_disagreement(_prediction(SUPER, cls.probabilities, cls.thresholds, "c", "paced"), stm) == ""


def test_the_pdf_says_the_models_disagree_on_infarction(tmp_path):
    """Page 1 showed "Model ...: positive MI 0.67" under statements with no infarct, the disagreement left
    to the reader; it now says it on a line of its own, and page 3 names both models."""
    record = mm.load_record(_sample("00417_lr"))
    cls = _prediction(SUPER, [0.03, 0.67, 0.43, 0.3, 0.02], [0.41, 0.47, 0.32, 0.35, 0.35], "classes")
    stm = _prediction(STMTS, [0.9, 0.1, 0.1, 0.1, 0.05, 0.12, 0.16, 0.02], [0.5, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.4],
                      "statements")
    pages = _report(tmp_path, record, prediction=cls, statements=stm)
    assert "Models disagree on infarction: superclass model" in pages[0]
    assert "statements model no infarct statement (highest ILMI 16%)" in pages[0] or \
        "statements model states no infarct or injury" in pages[0]
    assert ("Models disagree on infarction: the superclass model (classes) calls MI (myocardial infarction) at "
            "67%; the statements model (statements) states no infarct or injury") in pages[2]
    agree = _prediction(STMTS, [0.9, 0.1, 0.1, 0.1, 0.45, 0.12, 0.16, 0.02], stm.thresholds, "statements")
    assert not any("disagree" in p for p in _report(tmp_path, record, prediction=cls, statements=agree))


@pytest.mark.parametrize("fs, words", [
    (500.0, "filter: 0.5-75 Hz (Butterworth, zero-phase), 50/60 Hz mains filter with harmonics"),
    (150.0, "filter: 0.5 Hz high-pass, zero-phase, 50/60 Hz mains filter (75 Hz low-pass not applied at 150 Hz)"),
    (120.0, "filter: 0.5 Hz high-pass, zero-phase, 50 Hz mains filter (75 Hz low-pass not applied at 120 Hz)"),
])
def test_the_sheet_says_the_mains_its_traces_lost(tmp_path, fs, words):
    """The caption under the sheet said "50/60 Hz mains removed" at 500 Hz and nothing of mains at 120-150
    Hz, where 50 Hz is removed from the traces all the same. A 0.3 mV 50 Hz sinusoid on a flat record is
    what the traces lose (truth: the signal made here); the caption says so at every rate, and page 3 says
    that the screen's display filters are not the sheet's."""
    from mirage_model.review.report.waveforms import display_signal

    t = np.arange(int(10 * fs)) / fs
    signal = np.tile(0.3 * np.sin(2 * np.pi * 50.0 * t), (12, 1)).astype(np.float32)
    record = mm.EcgRecord(signal=signal, fs=fs, record_id="mains50")
    shown, _fs, _band = display_signal(record)
    assert np.abs(shown[:, int(fs):-int(fs)]).max() < 0.03          # the 50 Hz is gone from what is drawn
    pages = _report(tmp_path, record)
    assert words in pages[0] or words in pages[2].replace("; ", " "), pages[0]
    assert "whatever the app's display filters showed on its screen" in pages[2]


def test_pages_1_and_2_do_not_contradict_on_mains(tmp_path):
    """CinC 2020 Q0096 (500 Hz) carries no mains line: page 1 said "50/60 Hz mains and harmonics removed" (the
    sheet's filter, run on every record) while page 2 said "No mains line (50/60 Hz) found in any lead: none
    subtracted" (the measurement's, which subtracts what it finds). Page 1 now names a filter, page 2 what the
    measurement found on this record and that page 1's filter runs on every record."""
    from mirage_model.measure import MeasureConfig, measure

    record = mm.load_record(Path(__file__).parent / "data" / "cinc2020" / "Q0096.hea")
    measured = measure(record, MeasureConfig(delineator="rules"))
    pages = _report(tmp_path, record, measurements=measured)
    assert "50/60 Hz mains filter" in pages[0] and "mains and harmonics removed" not in pages[0]
    assert ("No mains line (50/60 Hz) found in this record: none subtracted before measuring (page 1's mains "
            "filter runs on every record).") in pages[1]


def test_at_100_hz_the_sheet_says_no_mains_were_removed(tmp_path):
    """PTB-XL's 100 Hz records: 50 Hz is the Nyquist frequency, nothing is removed, and the caption says so."""
    from mirage_model.review.report.waveforms import display_signal

    record = mm.load_record(_sample("00417_lr"))
    assert display_signal(record)[2] == ("0.5 Hz high-pass, zero-phase (75 Hz low-pass and mains removal not applied "
                                         "at 100 Hz)")


def test_a_power_of_ten_unit_is_printed_raised(tmp_path):
    """WBC is given in 10^9/L: the labs table printed the caret ("11.2 10^9/L", "4-11 10^9/L"), a
    keyboard's spelling, where a laboratory report prints 10 raised to the 9th."""
    record = mm.load_record(_sample("00417_lr"))
    text = " ".join(_report(tmp_path, record, values={"wbc": 11.2})).replace("\u00a0", " ")
    assert "11.2 10\u2079/L" in text and "4-11 10\u2079/L" in text, text
    assert "^" not in text


def test_explanations_left_out_say_they_were_not_asked_for(tmp_path):
    """mirage report --no-explain read "batch scoring skips them unless asked: ... 'mirage report'",
    naming the very command that had left them out."""
    record = mm.load_record(_sample("00417_lr"))
    cls = _prediction(SUPER, [0.9, 0.05, 0.1, 0.1, 0.02], [0.41, 0.47, 0.32, 0.35, 0.35], "classes")
    text = " ".join(_report(tmp_path, record, prediction=cls))
    assert ("Explanations were not computed for this result: they were not asked for ('mirage report --no-explain', "
            "or 'mirage score' without --explain)") in text
    assert "batch scoring skips them" not in text


def test_the_app_says_the_models_disagree_on_infarction_as_the_pdf_does():
    """The app's interpretation panel showed the statements and the model line, the disagreement left to the
    reader as the PDF had; it now shows page 1's line (red, before the statements); the shipped mi model
    (MI alone) is named the MI model, not a superclass model."""
    pytest.importorskip("PySide6")
    from app.views.interpretation import interpretation_html

    record = mm.load_record(_sample("00417_lr"))
    cls = _prediction(SUPER, [0.03, 0.67, 0.43, 0.3, 0.02], [0.41, 0.47, 0.32, 0.35, 0.35], "classes")
    stm = _prediction(STMTS, [0.9, 0.1, 0.1, 0.1, 0.05, 0.12, 0.16, 0.02], [0.5, 0.5, 0.5, 0.5, 0.3, 0.2, 0.2, 0.4],
                      "statements")
    shown = interpretation_html(ReviewSession.from_results(record, file_values=False, prediction=cls, statements=stm))
    said = ("Models disagree on infarction: superclass model calls MI (myocardial infarction) at 67%; statements "
            "model states no infarct or injury (highest ILMI, inferolateral infarct, 16%, not called).")
    assert said in shown and shown.index(said) < shown.index("<ol")
    agree = _prediction(STMTS, [0.9, 0.1, 0.1, 0.1, 0.45, 0.12, 0.16, 0.02], stm.thresholds, "statements")
    assert "disagree" not in interpretation_html(
        ReviewSession.from_results(record, file_values=False, prediction=cls, statements=agree))
    mi_only = _prediction(("MI",), [0.67], [0.47], "mi")
    shown = interpretation_html(ReviewSession.from_results(record, file_values=False, prediction=mi_only,
                                                           statements=stm))
    assert "Models disagree on infarction: MI model calls MI (myocardial infarction) at 67%" in shown
