"""What a file's reader noticed reaches the user on every face, with a model or without: a MUSE file's
placeholder birth date (1900-01-01: age unknown) and a WFDB header's "Age: 300" (PTB-XL's "older than
89", shown as 90) were said only by the quality check's finding, so only where a model ran; the age note
nowhere. Each face now says them through ``file_info.reader_notes``: the PDF (no model: under the sheet,
page 3 in full), ``mirage score``'s notes, ``mirage convert``'s output and the app's message bar
(test_reader_notes_app.py); a note the model's signal-quality lines say in full is not said twice on their page.

The files are written here: the MUSE XML by the MUSE tests' writer, the WFDB record by wfdb itself.
"""

from __future__ import annotations

import csv
import types
from pathlib import Path

import pytest

from mirage_model.records import load_record
from mirage_model.review.file_info import reader_notes

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")
wfdb = pytest.importorskip("wfdb")

from test_formats_muse_philips import muse_xml, truth  # noqa: E402

# the readers' own words (tests/test_formats_impossible_ages.py, test_ages_over_89_and_infants.py)
PLACEHOLDER = ("birth date 1900-01-01 looks like a placeholder (1900-01-01 or earlier, what exports write for "
               "none): age unknown")
OVER_89 = "the header's age '300': PTB-XL age 300 means older than 89; shown as 90"
IMPOSSIBLE = "the header's age '999' is older than anyone has lived (122.5 years), a placeholder: age unknown"
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def _muse(folder: Path) -> Path:
    path = folder / "placeholder.xml"
    path.write_bytes(muse_xml(truth(), age="", dob="01-01-1900"))
    return path


def _wfdb(folder: Path, age: str, stem: str) -> Path:
    wfdb.wrsamp(stem, fs=500, units=["mV"] * 12, sig_name=LEADS, p_signal=truth().T, fmt=["16"] * 12,
                comments=[f"Age: {age}", "Sex: Female"], write_dir=str(folder))
    return folder / f"{stem}.hea"


@pytest.fixture()
def files(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "records"
    folder.mkdir()
    return {"muse": _muse(folder), "over89": _wfdb(folder, "300", "over89"), "impossible": _wfdb(folder, "999", "old")}


def _said(text: str, note: str) -> int:
    """How often ``note`` is in ``text``, blanks and line breaks as one blank (a PDF wraps lines)."""
    return " ".join(text.split()).count(note)


def test_reader_notes_says_each_note_once(files):
    assert reader_notes(load_record(files["muse"])) == [f"the file reader noted: {PLACEHOLDER}"]
    assert reader_notes(load_record(files["over89"])) == [f"the file reader noted: {OVER_89}"]
    # the age note is also a reader warning here: said once
    assert reader_notes(load_record(files["impossible"])) == [f"the file reader noted: {IMPOSSIBLE}"]
    # what the page already says in full is not said again
    assert reader_notes(load_record(files["muse"]), shown=f"problem: {PLACEHOLDER}; noise") == []
    assert reader_notes(None) == []


def test_the_pdf_without_a_model_says_the_notes(files, tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    from training_cli.main import main

    for key, note in (("muse", PLACEHOLDER), ("over89", OVER_89)):
        out = tmp_path / f"{key}.pdf"
        assert main(["report", str(files[key]), "--no-model", "--no-measure", "--no-explain", "--out", str(out)]) == 0
        pages = [p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages]
        assert "no model result" in pages[0].lower()
        assert sum(_said(p, note) for p in pages) >= 1, key
        assert all(_said(p, note) <= 1 for p in pages), key        # never twice on a page
    # the short age note fits the line under the sheet: on page 1, by the age it explains
    assert _said(pages[0], OVER_89) == 1


def test_a_note_the_quality_lines_say_is_not_repeated_on_their_page(files, monkeypatch):
    """Page 3 with a model: the signal-quality lines (the quality check's reader finding) and the
    sheet's notes in full share the page; the placeholder note is on it once."""
    from reportlab.lib.styles import getSampleStyleSheet

    from mirage_model.quality import assess
    from mirage_model.review.report import result, waveforms

    rec = load_record(files["muse"])
    quality = assess(rec)
    ctx = types.SimpleNamespace(record=rec, prediction=types.SimpleNamespace(quality=quality))
    monkeypatch.setattr(waveforms, "caption_parts", lambda c: (["25 mm/s, 10 mm/mV"], reader_notes(c.record)))
    st = {"small": getSampleStyleSheet()["Normal"]}
    assert any(PLACEHOLDER in line for line in result.quality_lines(ctx.prediction))   # the quality check's words
    page = " ".join(result.quality_lines(ctx.prediction) + [p.text for p in result.sheet_flowables(ctx, st)])
    assert _said(page, PLACEHOLDER) == 1
    ctx.prediction = None       # no model: the sheet's notes say it
    assert _said(" ".join(p.text for p in result.sheet_flowables(ctx, st)), PLACEHOLDER) == 1


def test_page_3_s_quality_lines_say_a_long_reader_warning_whole(monkeypatch):
    """The HL7 aECG sample's reader warning (its stated age against its birth date, 136 characters):
    the quality check's finding names it cut at 120 ("... (49.54 y); th..."), and page 3's model
    result printed that cut line beside the whole note. Now the line is the reader's words whole, and
    the page says them once."""
    from reportlab.lib.styles import getSampleStyleSheet

    from mirage_model.quality import assess
    from mirage_model.review.report import result, waveforms

    rec = load_record(Path(__file__).parent / "data" / "formats" / "aecg_subject1_0.xml")
    warning = rec.meta["reader_warnings"][0]          # the reader's own words
    assert len(warning) > 120 and warning.endswith("the stated age is used")
    ctx = types.SimpleNamespace(record=rec, prediction=types.SimpleNamespace(quality=assess(rec)))
    lines = result.quality_lines(ctx.prediction)
    assert any(warning in line for line in lines) and not any(line.endswith("...") for line in lines)
    monkeypatch.setattr(waveforms, "caption_parts", lambda c: (["25 mm/s, 10 mm/mV"], reader_notes(c.record)))
    st = {"small": getSampleStyleSheet()["Normal"]}
    page = " ".join(lines + [p.text for p in result.sheet_flowables(ctx, st)])
    assert _said(page, warning) == 1


def test_score_rows_say_the_notes(files, tmp_path):
    from helpers_models import make_tiny_checkpoint
    from training_cli.main import main

    checkpoint = make_tiny_checkpoint(tmp_path / "tiny")
    out = tmp_path / "scores.csv"
    assert main(["score", str(files["muse"].parent), "--model", str(checkpoint), "--out", str(out),
                 "--no-progress", "--no-measure"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_id"]: r for r in csv.DictReader(fh)}
    # the age note no finding says, in the notes; the placeholder once, in the warnings or the notes
    assert _said(rows["over89"]["notes"], OVER_89) == 1
    muse = rows["placeholder"]
    assert _said(muse["warnings"] + " | " + muse["notes"], PLACEHOLDER) == 1


def test_convert_prints_the_notes(files, tmp_path, capsys):
    from training_cli.main import main

    assert main(["convert", str(files["muse"]), str(files["over89"]), "--to", "wfdb", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert _said(printed, PLACEHOLDER) == 1 and _said(printed, OVER_89) == 1


def test_a_converted_files_note_from_its_source_reads_once(files, tmp_path):
    """The MUSE file's placeholder note carried by its WFDB and then EDF+ conversions (``CARRIED_META``)
    read "the file reader noted: in the source file: birth date ..." in the PDF, the CSV's notes and the
    app (test_reader_notes_app.py): who noticed it, said twice over. Now "the source file's reader noted:
    birth date ...", once. Truth: the MUSE reader's own words."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import make_tiny_checkpoint
    from mirage_model import formats
    from training_cli.main import main

    plain = f"the source file's reader noted: {PLACEHOLDER}"
    wfdb_back = load_record(formats.write_record(load_record(files["muse"]), tmp_path / "w", "wfdb"))
    assert reader_notes(wfdb_back) == [plain]
    # converted twice, to EDF+, whose reader finds the placeholder birth date again itself: once, its own
    edf = formats.write_record(wfdb_back, tmp_path / "e", "edf")
    assert reader_notes(load_record(edf)) == [f"the file reader noted: {PLACEHOLDER}"]
    pdf = tmp_path / "conv.pdf"
    assert main(["report", str(wfdb_back.path), "--no-model", "--no-measure", "--no-explain", "--out", str(pdf)]) == 0
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(pdf)).pages).split())
    assert plain in text and "in the source file" not in text
    out = tmp_path / "scores.csv"
    checkpoint = make_tiny_checkpoint(tmp_path / "tiny")
    assert main(["score", str(wfdb_back.path.parent), "--model", str(checkpoint), "--out", str(out),
                 "--no-progress", "--no-measure"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        row = next(csv.DictReader(fh))
    said = row["warnings"] + " | " + row["notes"]
    assert _said(said, PLACEHOLDER) == 1 and "noted: in the source file" not in said, said
    # the quality check's finding says it as plainly ("the file reader reported a problem: in the source file: ...")
    assert "the source file's reader reported a problem: birth date 1900-01-01" in row["warnings"], said
    assert "in the source file" not in said, said


def test_a_converted_files_note_reads_once_beside_the_quality_lines(files, tmp_path, monkeypatch):
    """Page 3 with a model, for the MUSE file converted to WFDB: the quality check's line read "the file
    reader reported a problem: in the source file: birth date ..."; now "the source file's reader reported
    a problem: birth date ...", and the sheet's notes do not say it again."""
    from reportlab.lib.styles import getSampleStyleSheet

    from mirage_model import formats
    from mirage_model.quality import assess
    from mirage_model.review.report import result, waveforms

    rec = load_record(formats.write_record(load_record(files["muse"]), tmp_path / "w", "wfdb"))
    ctx = types.SimpleNamespace(record=rec, prediction=types.SimpleNamespace(quality=assess(rec)))
    lines = result.quality_lines(ctx.prediction)
    assert f"Signal quality (warning): the source file's reader reported a problem: {PLACEHOLDER}" in lines, lines
    monkeypatch.setattr(waveforms, "caption_parts", lambda c: (["25 mm/s, 10 mm/mV"], reader_notes(c.record)))
    st = {"small": getSampleStyleSheet()["Normal"]}
    page = " ".join(lines + [p.text for p in result.sheet_flowables(ctx, st)])
    assert _said(page, PLACEHOLDER) == 1 and "in the source file" not in page, page


def test_page_3_s_quality_lines_name_the_leads_once():
    """Page 3 printed "Signal quality (critical): leads missing or flat (V4, V5, V6) [V4, V5, V6]" of a record whose
    V4-V6 are flat (CinC JS45551): the finding's name names its leads already. A finding whose name does not name
    them keeps them in brackets."""
    from mirage_model.quality import assess
    from mirage_model.review.report import result

    rec = load_record(Path(__file__).parent.parent / "resources" / "samples" / "ludb" / "1.hea")
    rec.signal[9:12] = 0.0                                  # V4, V5, V6 flat, as the CinC record's
    lines = result.quality_lines(types.SimpleNamespace(quality=assess(rec)))
    flat = [line for line in lines if "V4, V5, V6" in line]
    assert flat and all(line.count("V4, V5, V6") == 1 for line in flat), lines
