"""Patient names in any script on the PDF report: printed as written in an embedded font (DejaVu
Sans), CJK in the PDF's standard Asian fonts, a visible marker and a note for what no font holds.

Truth: the typed names themselves, read back from the written file by pypdf (and pdftotext /
pdffonts from poppler where installed), and the PDF's own font dictionaries."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
import unicodedata
from fnmatch import fnmatch
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.review.report import build_report
from mirage_model.review.report.layout import ReportSettings
from mirage_model.review.session import ReviewSession

pypdf = pytest.importorskip("pypdf")

NAMES = ["Łukasz Wójcik", "Ιωάννης Παπαδόπουλος", "Иванов Сергей", "Şükrü Yılmaz", "Nguyễn Văn An",
         "李小龙", "佐藤 花子", "さとう はなこ", "김민수"]
CID_FONTS = {"STSong-Light", "HeiseiKakuGo-W5", "HYSMyeongJo-Medium"}   # the PDF standard Asian fonts
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def record():
    for path in mm.sample_records():
        if path.stem == "00417_lr":
            return mm.load_record(path)
    pytest.skip("bundled PTB-XL sample 00417_lr not present")


def _report(out, record, name, pid="PID-9") -> Path:
    session = ReviewSession.from_results(record, file_values=False)
    return build_report(session, out, settings=ReportSettings(patient_name=name, patient_id=pid, reviewer=name))


def _fonts(reader) -> dict[str, bool]:
    """BaseFont (subset tag removed) -> embedded, for every font any page uses."""
    out = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            desc = font.get("/FontDescriptor")
            if "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out[str(font["/BaseFont"]).lstrip("/").split("+")[-1]] = embedded
    return out


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_any_script_reads_back_exactly_from_page_1_and_is_printed_in_embedded_fonts(tmp_path, record, name):
    """The report wrote everything in the standard Helvetica (WinAnsi, not embedded), names outside it
    patched with DejaVu from matplotlib's data; now every text is DejaVu Sans, embedded, and the
    header's patient line gives back the typed name whole (no '?')."""
    out = _report(tmp_path / "r.pdf", record, name)
    reader = pypdf.PdfReader(str(out))
    first = " ".join(reader.pages[0].extract_text().split())
    assert f"Patient: {name} ID: PID-9" in first
    review = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"Reviewer: {name}" in review
    fonts = _fonts(reader)
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= set(fonts)
    for font, embedded in fonts.items():     # all embedded but the Asian fonts, which a PDF never embeds
        assert embedded or font in CID_FONTS, font
    has_cjk = any(unicodedata.name(ch).startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) for ch in name)
    assert has_cjk == bool(set(fonts) & CID_FONTS)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-l", "1", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert name in text
    if shutil.which("pdffonts"):
        lines = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in lines.splitlines()[2:]]
        assert rows and all(r[-5] == "yes" or r[0] in CID_FONTS for r in rows), lines   # the 'emb' column


def test_cjk_names_carry_a_note_naming_the_id(tmp_path, record):
    """CJK is drawn in the reader's own Asian fonts (a reader without them shows boxes: poppler here
    does for Chinese), so page 1 says so and names the ID the patient can be identified by."""
    first = " ".join(pypdf.PdfReader(str(_report(tmp_path / "c.pdf", record, "李小龙"))).pages[0].extract_text().split())
    assert "Asian fonts" in first and "identify the patient by ID PID-9" in first
    pdf = pypdf.PdfReader(str(_report(tmp_path / "l.pdf", record, "Łukasz")))
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "identify the patient" not in first


def test_a_character_no_font_holds_is_marked_and_explained_not_a_silent_question_mark(tmp_path, record):
    """A character neither DejaVu nor the Asian fonts hold (a mathematical letter outside the BMP) had
    become '?', silently; it is now the replacement mark, and page 1 says the name is incomplete."""
    out = _report(tmp_path / "m.pdf", record, "Anna \U0001d504 Berg", pid="A-17")
    first = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "Patient: Anna \ufffd Berg ID: A-17" in first
    assert "\ufffd = a character of the name this report cannot print: identify the patient by ID A-17" in first
    assert "Anna ? Berg" not in first


def test_the_fonts_are_package_data_with_their_licence():
    """The fonts must come with a non-editable install: pyproject's package data covers each file."""
    fonts = REPO / "mirage_model" / "review" / "report" / "fonts"
    files = sorted(p.name for p in fonts.iterdir())
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE_DEJAVU"} <= set(files)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["mirage_model"]
    for name in files:
        assert any(fnmatch(f"review/report/fonts/{name}", p) for p in patterns), name
    assert "Bitstream" in (fonts / "LICENSE_DEJAVU").read_text()


def test_every_page_of_a_full_report_uses_only_the_embedded_fonts(tmp_path, record):
    """The explanation page's bar and attention drawings labelled their leads in Helvetica, and its
    grid table declared it: the one font of the file not embedded. A report with a prediction and
    its explanations now holds DejaVu Sans alone (pypdf's font dictionaries, and pdffonts)."""
    from helpers_models import make_tiny_checkpoint

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    pred = predictor.predict(record, {"age": record.age, "sex": record.sex}, explain=True)
    session = ReviewSession.from_results(record, values={"age": record.age, "sex": record.sex}, prediction=pred,
                                         schema=predictor.schema, model_name=predictor.name, file_values=False)
    out = build_report(session, tmp_path / "full.pdf", settings=ReportSettings(patient_name="Иванов Сергей"))
    reader = pypdf.PdfReader(str(out))
    assert "Explanations" in reader.pages[-1].extract_text()
    assert _fonts(reader) == {"DejaVuSans": True, "DejaVuSans-Bold": True}
    if shutil.which("pdffonts"):
        lines = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        assert "Helvetica" not in lines and all(r.split()[-5] == "yes" for r in lines.splitlines()[2:]), lines


def test_a_right_to_left_name_carries_a_note_naming_the_id(tmp_path, record):
    """Hebrew and Arabic print unreordered and unshaped (reportlab has no bidi without extra
    packages): page 1 had shown "ןהכ דוד" with no word; it now says so and names the ID."""
    out = _report(tmp_path / "rtl.pdf", record, "דוד כהן", pid="R-1")
    first = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "right-to-left name printed left to right" in first and "identify the patient by ID R-1" in first


def test_a_decomposed_name_prints_composed(tmp_path, record):
    """A name in decomposed form (NFD: macOS file names, some exports: "e" + U+0302 + U+0303) is
    printed composed, one glyph per letter as the font holds it, and reads back as the composed name."""
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert len(nfd) > len("Nguyễn Văn An")
    first = " ".join(pypdf.PdfReader(str(_report(tmp_path / "d.pdf", record, nfd))).pages[0].extract_text().split())
    assert "Patient: Nguyễn Văn An ID: PID-9" in first


def test_a_note_or_footer_without_an_id_names_the_record_not_the_patients_sex(tmp_path, record):
    """With no ID (typed or in the file), page 1's note for a CJK name said "identify the patient by F"
    and a footer short of room "record 00417_lr (F)": the first of the footer's facts, which is the
    sex when there is no ID. A sex and an age identify no one; the note and the footer name the record."""
    import dataclasses

    meta = {k: v for k, v in record.meta.items() if k not in ("ptbxl", "patient")}     # no ID anywhere
    rec = dataclasses.replace(record, meta=meta, sex="F", age=75.0)
    session = ReviewSession.from_results(rec, file_values=True)
    out = build_report(session, tmp_path / "n.pdf", settings=ReportSettings(patient_name="李小龙"))
    first = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert "ID:" not in first and "Sex: F" in first                      # the case: a sex, no ID
    assert "identify the patient by record 00417_lr" in first, first
    name = "resting ECG of the patient, second attempt " * 4 + ".xml"
    long = dataclasses.replace(rec, path=tmp_path / "export" / name)
    out = build_report(ReviewSession.from_results(long, file_values=True), tmp_path / "f.pdf")
    for text in (" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(out)).pages):
        footer = text[text.index("unconfirmed."):]
        assert "record 00417_lr | file" in footer and "(F)" not in footer, footer
