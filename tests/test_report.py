"""The PDF report: real text (pypdf), landscape page sizes, true ECG scale read back from the
drawing's own coordinates, the research-use notice on every page, atomic writes."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf")

import mirage_model as mm
from mirage_model.review.report import ReportSettings, build_report, model_info_from, report_layout
from mirage_model.review.report.clinical_table import session_clinical_rows
from mirage_model.review.session import ReviewSession

from helpers_pdf import text_spans

PT_PER_MM = 72.0 / 25.4          # independent of the module: the PDF point is 1/72 inch


# ------------------------------------------------------------------------------ fixtures

def _report(out, record, prediction=None, *, clinical_values=None, schema=None, measurements=None,
            measurement_edits=None, settings=None, model_info=None) -> Path:
    """The report of results computed here, through the session that ``mirage score --pdf-dir``
    builds from them (the caller's values are all the model saw)."""
    session = ReviewSession.from_results(
        record, values=clinical_values, prediction=prediction, schema=schema,
        model_name=getattr(prediction, "model_name", None), measurements=measurements,
        measurement_edits=measurement_edits, file_values=False)
    return build_report(session, out, settings=settings, model_info=model_info)


@pytest.fixture(scope="module")
def ptbxl_sample() -> Path:
    """The bundled PTB-XL sample 00417_lr (100 Hz, 10 s) and its metadata row."""
    for path in mm.sample_records():
        if path.stem == "00417_lr":
            return path
    pytest.skip("bundled PTB-XL sample 00417_lr not present")


@pytest.fixture(scope="module")
def ludb_sample() -> Path:
    for path in mm.sample_records():
        if path.parent.name == "ludb":
            return path
    pytest.skip("bundled LUDB sample not present")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")
    return mm.Predictor(folder, device="cpu")


@pytest.fixture(scope="module")
def full_report(tmp_path_factory, ptbxl_sample, predictor):
    """A report with every section: prediction with explanations, labs, measurements, settings."""
    from mirage_model.measure import measure

    record = mm.load_record(ptbxl_sample)
    values = {"age": record.age, "sex": record.sex, "troponin_t": (0.03, "ng/mL"),
              "potassium": (3.0, "mmol/L"), "crp": 2.0}
    pred = predictor.predict(record, values, explain=True)
    settings = ReportSettings(institution="Test Institution of Cardiology", reviewer="Dr. Reviewer",
                              comment="Sinus rhythm, reviewed.", patient_id="PID-77")
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path = _report(out, record, pred, clinical_values=values, schema=predictor.schema,
                   measurements=measure(record), settings=settings, model_info=model_info_from(predictor))
    return dict(path=path, record=record, pred=pred, reader=pypdf.PdfReader(str(path)))


def _page_texts(reader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


# ------------------------------------------------------------------------------ content stream

_NUM = r"-?(?:\d+\.?\d*|\.\d+)"


def _paths(page) -> list[tuple[tuple[float, float, float], list[list[tuple[float, float]]]]]:
    """Stroked paths of a page as (stroke colour, subpaths of points), from its content stream.

    A small reader of the PDF operators reportlab emits for line art (m, l, S, RG, w, q/Q, cm):
    enough to read the drawing back without trusting the report module's own numbers.
    """
    data = page.get_contents().get_data().decode("latin-1")
    tokens = re.findall(r"\((?:\\.|[^\\)])*\)|\[[^\]]*\]|/[^\s/\[\]()<>]+|[^\s\[\]()<>/]+", data)
    stack: list[str] = []
    colour = (0.0, 0.0, 0.0)
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    saved = []
    subpaths: list[list[tuple[float, float]]] = []
    out = []

    def apply(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    for tok in tokens:
        if re.fullmatch(_NUM, tok):
            stack.append(tok)
            continue
        if tok == "m":
            y, x = float(stack.pop()), float(stack.pop())
            subpaths.append([apply(x, y)])
        elif tok == "l":
            y, x = float(stack.pop()), float(stack.pop())
            subpaths[-1].append(apply(x, y))
        elif tok in ("S", "s", "B", "b", "f", "F", "n", "B*", "f*"):
            if tok in ("S", "s", "B", "b") and subpaths:
                out.append((colour, subpaths))
            subpaths = []
        elif tok == "RG":
            b, g, r = float(stack.pop()), float(stack.pop()), float(stack.pop())
            colour = (r, g, b)
        elif tok == "q":
            saved.append((list(ctm), colour))
        elif tok == "Q" and saved:
            ctm, colour = saved.pop()
        elif tok == "cm":
            f, e, d, c, b, a = (float(stack.pop()) for _ in range(6))
            A, B, C, D, E, F = ctm
            ctm = [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F]
        stack = []
    return out


# ------------------------------------------------------------------------------ tests

def test_page_size_and_notice_on_every_page(full_report):
    reader = full_report["reader"]
    assert len(reader.pages) >= 2
    for page in reader.pages:
        box = page.mediabox
        # landscape A4: 297 x 210 mm = 841.89 x 595.28 pt
        assert float(box.width) == pytest.approx(297 * PT_PER_MM, abs=0.01)
        assert float(box.height) == pytest.approx(210 * PT_PER_MM, abs=0.01)
    for i, text in enumerate(_page_texts(reader)):
        assert mm.RESEARCH_USE_NOTICE in text, f"page {i + 1} lacks the research-use notice"


def test_header_matches_ptbxl_metadata(full_report, ptbxl_sample):
    """Header fields against the PTB-XL database row (read here with the csv module)."""
    db = ptbxl_sample.parents[2] / "ptbxl_database.csv"
    if not db.is_file():
        pytest.skip("sample's ptbxl_database.csv not bundled")
    with db.open(newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if int(r["ecg_id"]) == 417)
    page1 = _page_texts(full_report["reader"])[0]
    assert "record 00417_lr" in page1
    assert f"Age: {float(row['age']):g}" in page1
    assert f"Sex: {'F' if row['sex'] == '1' else 'M'}" in page1      # PTB-XL: 0 male, 1 female
    assert row["recording_date"] in page1
    assert "Test Institution of Cardiology" in page1 and "ID: PID-77" in page1
    assert "25 mm/s" in page1 and "10 mm/mV" in page1 and "100 Hz" in page1
    for lead in ("aVR", "aVL", "aVF", "V1", "V6", "II (rhythm)"):
        assert lead in page1


def test_model_result_text(full_report):
    text = "\n".join(_page_texts(full_report["reader"]))
    pred = full_report["pred"]
    for label, p, th in zip(pred.labels, pred.probabilities, pred.thresholds):
        assert re.search(rf"{label}\s*\n.*\n?{p:.3f}\s*\n{th:.3f}", text), (label, p)
    # positive findings come first in the table
    order = [m.group(1) for m in re.finditer(r"^(NORM|MI|STTC|CD|HYP)\s*$", text, re.M)]
    positives = [lab for lab in order if lab in pred.positive]
    assert order[:len(positives)] == positives
    assert "tiny-random-mirage-multilabel" in text
    assert "Training data: none (random weights, tests only)" in text
    assert "Reviewer: Dr. Reviewer" in text and "Sinus rhythm, reviewed." in text


def test_a_class_above_a_tiny_threshold_reads_not_called(tmp_path, full_report):
    """MI at 0.4 % above a 0.3 % threshold (a rare class's max-F1 point) is not POSITIVE: its row says
    "< 20%", and the note says why; NORM at 90 % over 50 % is POSITIVE."""
    import dataclasses

    from mirage_model.outputs import is_called

    pred = full_report["pred"]
    probs = np.array([0.9, 0.004, 0.1, 0.1, 0.1], dtype=np.float32)
    thr = np.array([0.5, 0.003, 0.5, 0.5, 0.5], dtype=np.float32)
    called = tuple(lab for lab, p, t in zip(pred.labels, probs, thr) if is_called(p, t))
    assert called == ("NORM",) and pred.labels[:2] == ("NORM", "MI")
    pred = dataclasses.replace(pred, probabilities=probs, thresholds=thr, positive=called, model_positive=called)
    out = _report(tmp_path / "low.pdf", full_report["record"], pred)
    text = "\n".join(_page_texts(pypdf.PdfReader(str(out))))
    assert re.search(r"NORM\s*\n.*\n?0\.900\s*\n0\.500\s*\nPOSITIVE", text)
    assert re.search(r"MI\s*\n.*\n?0\.004\s*\n0\.003\s*\n< 20%", text)
    assert "at least 20%" in text


def test_clinical_section(full_report):
    text = "\n".join(_page_texts(full_report["reader"]))
    assert "hs-Troponin T" in text
    # troponin and potassium are not among the tiny model's features (age, sex, height, weight)
    assert len(re.findall(r"^not used by\s+this model$", text, re.M)) == 3      # the table's rows (wrapped in its cell)
    assert "Not used by this model (kept for the record): hs-Troponin T, Potassium, CRP" in " ".join(text.split())
    assert len(re.findall(r"^used by model$", text, re.M)) == 2               # age, sex
    # the tiny model reads age, sex, height and weight: the two not given were masked, and the page says so
    assert "Read by this model but not given (masked as missing): Height, Weight." in " ".join(text.split())


def test_measurements_and_explanations(full_report):
    text = "\n".join(_page_texts(full_report["reader"]))
    assert "QTc (Bazett: QT / sqrt(RR in s))" in text
    assert "QTc (Fridericia: QT / cbrt(RR in s))" in text
    assert "Lead importance" in text and "attention rollout" in text.lower()
    reader = full_report["reader"]
    assert len(reader.pages[0].images) == 0, "the ECG page must be vector, not an image"
    assert sum(len(p.images) for p in reader.pages[1:]) == 1    # the saliency overlay


def test_clinical_flags_and_unit_conversion(ptbxl_sample, predictor):
    session = ReviewSession(mm.load_record(ptbxl_sample), schema=predictor.schema, model_name="tiny")
    session.set_values({"troponin_t": (0.03, "ng/mL"), "potassium": (3.0, "mmol/L"), "crp": 1.0, "age": 60})
    rows = {r["name"]: r for r in session_clinical_rows(session)}
    assert rows["troponin_t"]["flag"] == "H"        # 0.03 ng/mL = 30 ng/L, above 14 ng/L
    assert rows["troponin_t"]["value"] == "0.03 (= 30 ng/L)"
    assert rows["potassium"]["flag"] == "L"         # below 3.5 mmol/L
    assert rows["crp"]["flag"] == "" and rows["crp"]["used"] == "not used by this model"
    assert rows["age"]["used"] == "used by model" and rows["age"]["source"] == "user"
    assert rows["crp"]["source"] == "user" and rows["crp"]["reference"]
    # at its upper bound troponin T is within its range, as the range printed beside it says
    session.set_values({"troponin_t": (14.0, "ng/L")})
    row = {r["name"]: r for r in session_clinical_rows(session)}["troponin_t"]
    assert row["flag"] == "" and row["reference"] == "\u2264 14 ng/L"


def test_layout_scale():
    lay = report_layout(ReportSettings())
    assert lay.minor_pt == pytest.approx(PT_PER_MM, abs=1e-4)             # 1 mm = 2.8346 pt
    assert lay.major_pt == pytest.approx(5 * PT_PER_MM, abs=1e-4)
    assert lay.pt_per_s == pytest.approx(25 * PT_PER_MM, abs=1e-3)         # 1 s = 70.87 pt
    assert lay.pt_per_mv == pytest.approx(10 * PT_PER_MM, abs=1e-3)
    by_lead = {p.lead: p for p in lay.panels if not p.rhythm}
    assert set(by_lead) == {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"}
    # columns are consecutive 2.5 s slices: 62.5 mm apart
    assert by_lead["V4"].t0 == pytest.approx(7.5)
    assert by_lead["V4"].x0 - by_lead["I"].x0 == pytest.approx(3 * 62.5 * PT_PER_MM, abs=1e-3)
    rhythm = [p for p in lay.panels if p.rhythm]
    assert len(rhythm) == 1 and rhythm[0].lead == "II"
    assert rhythm[0].x1 - rhythm[0].x0 == pytest.approx(250 * PT_PER_MM, abs=1e-3)
    for xa, xb, base, top in lay.calibration:
        assert xb - xa == pytest.approx(0.2 * 25 * PT_PER_MM, abs=1e-3)    # 200 ms
        assert top - base == pytest.approx(10 * PT_PER_MM, abs=1e-3)       # 1 mV
    # the sheet lies on the page with margins
    assert lay.grid_x0 > 5 * PT_PER_MM and lay.grid_x0 + lay.grid_width < lay.page_width - 5 * PT_PER_MM
    letter = report_layout(ReportSettings(page_size="Letter"))
    assert (letter.page_width, letter.page_height) == pytest.approx((792.0, 612.0), abs=0.01)
    with pytest.raises(ValueError, match="page size"):
        report_layout(ReportSettings(page_size="A3"))


def test_grid_and_traces_in_the_pdf(full_report):
    """Read the grid, calibration pulses and the rhythm strip back from page 1's content stream."""
    page = full_report["reader"].pages[0]
    paths = _paths(page)
    vertical_x, horizontal_y = [], []
    for colour, subpaths in paths:
        if colour == (0.0, 0.0, 0.0):
            continue                                    # traces are black; the grid is red
        for sp in subpaths:
            if len(sp) == 2 and abs(sp[0][0] - sp[1][0]) < 1e-6:
                vertical_x.append(sp[0][0])
            elif len(sp) == 2 and abs(sp[0][1] - sp[1][1]) < 1e-6:
                horizontal_y.append(sp[0][1])
    xs, ys = np.unique(np.round(vertical_x, 3)), np.unique(np.round(horizontal_y, 3))
    assert len(xs) == 261 and len(ys) == 161        # a 260 x 160 mm sheet at 1 mm
    assert np.allclose(np.diff(xs), PT_PER_MM, atol=0.01)
    assert np.allclose(np.diff(ys), PT_PER_MM, atol=0.01)

    black = [sp for colour, sps in paths if colour == (0.0, 0.0, 0.0) for sp in sps]
    pulses = [sp for sp in black if len(sp) == 6]
    assert len(pulses) == 4
    for sp in pulses:
        (_, base), (x1, _), (_, top), (x2, _) = sp[0], sp[1], sp[2], sp[3]
        assert top - base == pytest.approx(10 * PT_PER_MM, abs=0.01)      # 1 mV at 10 mm/mV
        assert x2 - x1 == pytest.approx(5 * PT_PER_MM, abs=0.01)          # 200 ms at 25 mm/s

    # the rhythm strip: the longest trace; 1000 samples of lead II, 0.7087 pt apart (100 Hz)
    strip = max(black, key=len)
    sx = np.array([p[0] for p in strip])
    sy = np.array([p[1] for p in strip])
    assert len(strip) == 1000
    assert np.allclose(np.diff(sx), 25 * PT_PER_MM / 100.0, atol=1e-3)
    assert sx[-1] - sx[0] == pytest.approx(999 / 100.0 * 25 * PT_PER_MM, abs=0.01)
    # amplitude: its peak-to-peak in mV equals the display-filtered lead II (wfdb's own reader)
    wfdb = pytest.importorskip("wfdb")
    from mirage_model.preprocess import filter_signal

    raw = wfdb.rdrecord(str(full_report["record"].path.with_suffix("")))
    lead_ii = filter_signal(raw.p_signal.T.astype(np.float32), raw.fs)[1]
    ptp_mv = (sy.max() - sy.min()) / (10 * PT_PER_MM)
    assert ptp_mv == pytest.approx(float(np.ptp(lead_ii)), rel=0.01)


def test_no_model_still_renders(tmp_path, ludb_sample):
    record = mm.load_record(ludb_sample)
    out = _report(tmp_path / "sub" / "r.pdf", record, None, settings=ReportSettings(page_size="Letter"))
    reader = pypdf.PdfReader(str(out))
    texts = _page_texts(reader)
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask        # an ordinary file, not a 0600 temp
    assert float(reader.pages[0].mediabox.width) == pytest.approx(792.0, abs=0.01)
    assert "no model result" in texts[0].lower()
    assert "500 Hz" in texts[0] and "0.5-75 Hz" in texts[0] and "50/60 Hz mains filter with harmonics" in texts[0]
    assert all(mm.RESEARCH_USE_NOTICE in t for t in texts)
    # LUDB at 500 Hz: the rhythm strip has 5000 points 0.1417 pt apart
    strip = max((sp for c, sps in _paths(reader.pages[0]) if c == (0.0, 0.0, 0.0) for sp in sps), key=len)
    assert len(strip) == 5000
    assert strip[1][0] - strip[0][0] == pytest.approx(25 * PT_PER_MM / 500.0, abs=1e-3)


def test_short_record_and_nan_samples(tmp_path):
    from helpers_models import synthetic_record

    rec = synthetic_record(duration_s=4.0, fs=250.0, record_id="short")
    rec.signal[3, 100:200] = np.nan
    out = _report(tmp_path / "short.pdf", rec)
    text = pypdf.PdfReader(str(out)).pages[0].extract_text()
    assert "shown: first 4.0 s of 4.0 s" in text


def test_channels_that_are_no_12_lead_ecg_lead_are_named_on_page_1(tmp_path):
    """The PTB Diagnostic record's Frank leads vx, vy, vz (meta["dropped_leads"]) were left out of
    the PDF without a word; page 1's notes now name them, and the page they are drawn on. Truth: wfdb's own reading
    of the header."""
    import wfdb

    hea = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"
    std = {"I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"}
    others = [n for n in wfdb.rdheader(str(hea.with_suffix(""))).sig_name if n.upper() not in std]
    assert others == ["vx", "vy", "vz"]
    out = _report(tmp_path / "ptbdb.pdf", mm.load_record(hea))
    text = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    # drawn on a page of their own (had been named only): the sheet's notes say which page (page 1's line, where
    # the short record's own note leaves room, else page 3's notes in full)
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(out)).pages]
    extra = next(k for k, page in enumerate(pages) if page.startswith("Extra leads"))
    note = f"extra leads on page {extra + 1}: {', '.join(others)} (not read by the models)"
    assert note in text or ("1 more note on page 3" in text and note in pages[2])


def test_the_ptb_diagnostic_ecg_date_is_on_page_1(tmp_path):
    """The PTB Diagnostic header's "# ECG date: 01/10/1990" (day/month/year: the same database has
    18/10/1990) was missing from the patient line, which said only age and sex; page 1 now says
    "Acquired: 1990-10-01". Truth: wfdb's own reading of the header's comments."""
    import wfdb

    hea = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"
    stated = next(c.split(":", 1)[1].strip() for c in wfdb.rdheader(str(hea.with_suffix(""))).comments
                  if c.lower().startswith("ecg date"))
    day, month, year = stated.split("/")
    out = _report(tmp_path / "ptbdb.pdf", mm.load_record(hea))
    text = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert f"Acquired: {year}-{month}-{day}" in text


def test_a_challenge_header_date_with_a_month_name_is_printed_year_month_day(tmp_path):
    """A PhysioNet Challenge header's base date "12-May-2020" was printed as written, the one date of
    the report not in year-month-day form. Truth: the header's own first line, read here."""
    import datetime

    hea = mm.resources_dir() / "samples" / "cinc2021" / "A0003.hea"
    date_s, time_s = hea.read_text().splitlines()[0].split()[4:6]
    when = datetime.datetime.strptime(f"{date_s} {time_s}", "%d-%b-%Y %H:%M:%S")
    out = _report(tmp_path / "cinc.pdf", mm.load_record(hea))
    text = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert f"Acquired: {when:%Y-%m-%d %H:%M:%S}" in text, text[:300]


def test_a_ptbxl_record_is_named_by_its_tables_patient_id(tmp_path, ptbxl_sample):
    """PTB-XL's table gives each record a (pseudonymised) patient_id that ties one patient's records
    together; the header said only age, sex and date, so two patients' pages could not be told apart
    by the patient. Truth: the database CSV read here with the csv module."""
    db = ptbxl_sample.parents[2] / "ptbxl_database.csv"
    if not db.is_file():
        pytest.skip("sample's ptbxl_database.csv not bundled")
    with db.open(newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if int(r["ecg_id"]) == 417)
    record = mm.load_record(ptbxl_sample)
    pid = f"{float(row['patient_id']):.0f}"
    out = build_report(ReviewSession(record), tmp_path / "r.pdf")
    pages = [" ".join(t.split()) for t in _page_texts(pypdf.PdfReader(str(out)))]
    assert f"ID: PTB-XL patient {pid}" in pages[0]
    assert all(f"(ID PTB-XL patient {pid}, " in page for page in pages[1:])
    typed = build_report(ReviewSession(record), tmp_path / "t.pdf", settings=ReportSettings(patient_id="H-1"))
    first = _page_texts(pypdf.PdfReader(str(typed)))[0]
    assert "ID: H-1" in first and "PTB-XL patient" not in first     # what the user typed wins


def test_every_page_names_the_patient_id_the_file_gives(tmp_path):
    """A GE MUSE file's patient ID was on page 1's header only; the footer of pages 2 onwards said
    "record muse-sinus (M, 43 y)", so a page parted from page 1 named no patient. Every page's
    footer now has the file's ID. Truth: the XML's own PatientID element."""
    pytest.importorskip("ecgdatakit")
    import xml.etree.ElementTree as ET

    xml = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"
    pid = ET.parse(xml).getroot().findtext("PatientDemographics/PatientID")
    assert pid
    out = build_report(ReviewSession(mm.load_record(xml)), tmp_path / "muse.pdf")   # the file's age and sex too
    pages = pypdf.PdfReader(str(out)).pages
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"record muse-sinus (ID {pid}, M, 43 y)" in text and f"page {n}" in text, n


def test_atomic_write_keeps_old_file(tmp_path, ptbxl_sample, monkeypatch):
    import mirage_model.review.report.write as write

    record = mm.load_record(ptbxl_sample)
    out = tmp_path / "r.pdf"
    out.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write, "review_flowables", boom)
    with pytest.raises(RuntimeError):
        _report(out, record)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]      # no temp file left


def test_unicode_text_is_kept_readable(tmp_path, ptbxl_sample):
    record = mm.load_record(ptbxl_sample)
    out = _report(tmp_path / "u.pdf", record,
                  settings=ReportSettings(comment="K\u207a \u2265 5 \u03bcmol, Gr\u00fc\u00dfe", reviewer="Zo\u00eb"))
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(out)).pages)
    assert "\u2265 5 \u03bcmol, Gr\u00fc\u00dfe" in text and "Zo\u00eb" in text      # as typed


def test_gain_setting_scales_the_traces(tmp_path):
    """At 20 mm/mV a 1 mV square step is drawn 20 mm (56.69 pt) high, and so is the pulse."""
    from helpers_models import synthetic_record

    rec = synthetic_record(duration_s=10.0, fs=100.0, record_id="gain")
    rec.signal[:] = 0.0
    rec.signal[1, 300:600] = 1.0           # lead II: 1 mV for 3 s
    out = _report(tmp_path / "g.pdf", rec, settings=ReportSettings(gain_mm_mv=20.0))
    paths = _paths(pypdf.PdfReader(str(out)).pages[0])
    black = [sp for c, sps in paths if c == (0.0, 0.0, 0.0) for sp in sps]
    strip = max(black, key=len)
    ys = np.array([p[1] for p in strip])
    # the display filter (0.05 Hz high-pass) bends a 3 s step a little: allow 3%
    assert ys.max() - ys.min() == pytest.approx(20 * PT_PER_MM, rel=0.03)
    pulses = [sp for sp in black if len(sp) == 6]
    assert pulses and all(sp[2][1] - sp[1][1] == pytest.approx(20 * PT_PER_MM, abs=0.01) for sp in pulses)
    with pytest.raises(ValueError, match="does not fit"):
        report_layout(ReportSettings(speed_mm_s=50.0))


# ------------------------------------------------------------------------------ reviewer edits

def _measurements(**values):
    from mirage_model.measure import Measurements, SCALAR_KEYS

    base = dict.fromkeys(SCALAR_KEYS)
    base.update(values)
    return Measurements(**base, fs=100.0, method="test values")


def test_measurement_edits_printed_with_the_automatic_value(tmp_path, ptbxl_sample):
    record = mm.load_record(ptbxl_sample)
    auto = _measurements(heart_rate_bpm=75.0, rr_ms=800.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0,
                         qtc_bazett_ms=447.2, qtc_fridericia_ms=430.9, qrs_axis_deg=30.0)
    out = _report(tmp_path / "r.pdf", record, None, measurements=auto,
                  measurement_edits={"qt_ms": 440.0, "pr_ms": 182})
    text = " ".join(" ".join(_page_texts(pypdf.PdfReader(str(out)))).split())
    assert re.search(r"QT interval 440 \(edited\) ms 400", text), text
    assert re.search(r"PR interval 182 \(edited\) ms 120-200 160", text), text
    # QTc follows the reviewed QT with its own formula (RR 0.8 s): independent arithmetic here
    bazett = 440.0 / 0.8 ** 0.5                      # 491.9
    fridericia = 440.0 / 0.8 ** (1.0 / 3.0)          # 474.0
    # no sex given on this path: the men's QTc range (the lower limit), said so; above it: high, with an arrow
    assert re.search(rf"{bazett:.0f} \(recomputed\) ↑ high ms > 340, < 450 447", text), text
    assert re.search(rf"{fridericia:.0f} \(recomputed\) ↑ high ms > 340, < 450 431", text), text
    assert "Measurement Value Unit Reference Automatic" in text
    assert ("> 340 and < 450 ms, sex not given: the lower of the two sexes' limits (upper: Rautaharju et al. 2009; "
            "lower: Priori et al. 2015)") in text
    assert "QRS duration 90 ms < 120 QT interval" in text                 # in range: no flag
    assert "Edited: corrected by the reviewer" in text


def test_the_interpretation_is_built_once_per_report(tmp_path, ptbxl_sample, monkeypatch):
    """Page 1's band, page 3's interpretation and page 4's table read one interpretation and one table of it."""
    from mirage_model.review import interpret

    calls = {"interpret": 0, "table": 0}
    real_interpret, real_table = interpret.interpret_prediction, ReviewSession.measurement_table

    def counted_interpret(*args, **kwargs):
        calls["interpret"] += 1
        return real_interpret(*args, **kwargs)

    def counted_table(self, *args, **kwargs):
        calls["table"] += 1
        return real_table(self, *args, **kwargs)

    monkeypatch.setattr(interpret, "interpret_prediction", counted_interpret)
    monkeypatch.setattr(interpret.prediction, "interpret_prediction", counted_interpret)   # session_interpretation's
    monkeypatch.setattr(ReviewSession, "measurement_table", counted_table)
    auto = _measurements(heart_rate_bpm=75.0, rr_ms=800.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0,
                         qtc_bazett_ms=447.2, qtc_fridericia_ms=430.9, qrs_axis_deg=30.0)
    out = _report(tmp_path / "r.pdf", mm.load_record(ptbxl_sample), None, measurements=auto,
                  measurement_edits={"qt_ms": 440.0})
    text = " ".join(" ".join(_page_texts(pypdf.PdfReader(str(out)))).split())
    assert "QT interval 440 (edited) ms 400" in text          # page 4's table is there, from the one built
    assert calls["interpret"] == 1
    # the edits checked before any work, the interpretation's values, and the table beside the interpretation
    assert calls["table"] == 3


def test_measurement_rows_rules():
    from mirage_model.review.measurements import measurement_rows

    auto = _measurements(heart_rate_bpm=60.0, rr_ms=1000.0, qt_ms=400.0, qtc_bazett_ms=400.0,
                         qtc_fridericia_ms=400.0)
    rows = {r["key"]: r for r in measurement_rows(auto, {"heart_rate_bpm": 100.0})}
    # an edited rate implies RR = 600 ms for the QTc
    assert rows["qtc_bazett_ms"]["value"] == pytest.approx(400.0 / 0.6 ** 0.5)
    assert rows["qtc_bazett_ms"]["status"] == "recomputed"
    assert rows["rr_ms"]["value"] == pytest.approx(600.0) and rows["rr_ms"]["status"] == "recomputed"
    assert rows["rr_ms"]["automatic"] == 1000.0
    rows = {r["key"]: r for r in measurement_rows(auto, {"qt_ms": 380.0, "qtc_bazett_ms": 410.0})}
    assert rows["qtc_bazett_ms"]["value"] == 410.0 and rows["qtc_bazett_ms"]["status"] == "edited"
    assert rows["qtc_fridericia_ms"]["value"] == pytest.approx(380.0)      # RR 1 s: QTc = QT
    no_qt = _measurements(heart_rate_bpm=60.0, rr_ms=1000.0)
    rows = {r["key"]: r for r in measurement_rows(no_qt, {"rr_ms": 900.0})}
    assert rows["qtc_bazett_ms"]["value"] is None and rows["qtc_bazett_ms"]["status"] == "not recomputed"
    with pytest.raises(ValueError, match="qt_msec"):
        measurement_rows(auto, {"qt_msec": 400.0})
    with pytest.raises(ValueError, match="not a finite number"):
        measurement_rows(auto, {"qt_ms": float("nan")})


def test_bad_measurement_edit_writes_nothing(tmp_path, ptbxl_sample):
    record = mm.load_record(ptbxl_sample)
    with pytest.raises(ValueError, match="names no measurement"):
        _report(tmp_path / "r.pdf", record, None, measurement_edits={"qtc": 400.0})
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------------ explanations

def test_baseline_model_report_names_missing_explanations(tmp_path, ptbxl_sample):
    from helpers_models import make_tiny_checkpoint

    folder = make_tiny_checkpoint(tmp_path / "wang", model_type="resnet1d_wang")
    pred_er = mm.Predictor(folder, device="cpu")
    record = mm.load_record(ptbxl_sample)
    pred = pred_er.predict(record, explain=True)
    expl = pred.explanation
    assert expl is not None and expl.lead_importance is not None
    assert expl.lead_attention is None and expl.patch_rollout is None and expl.image is None
    out = _report(tmp_path / "r.pdf", record, pred, model_info=model_info_from(pred_er))
    reader = pypdf.PdfReader(str(out))
    text = " ".join(" ".join(_page_texts(reader)).split())
    assert "Lead importance (sums to 1)" in text
    assert "Not available for this model (resnet1d_wang): lead-to-lead attention, image patch saliency" in text
    assert sum(len(p.images) for p in reader.pages) == 0


def test_saliency_overlay_draws_the_model_image(tmp_path, ptbxl_sample, predictor):
    """The overlay is the explanation's own image (what the model saw), not a redraw."""
    import dataclasses
    import io as _io

    from PIL import Image

    record = mm.load_record(ptbxl_sample)
    pred = predictor.predict(record, explain=True)
    expl = pred.explanation
    S = expl.image.shape[0]
    # a distinctive model image (stripes) and saliency only in the top-left patch
    image = np.full((S, S), 255, np.uint8)
    image[::7] = 0
    sal = np.zeros_like(expl.patch_rollout)
    sal[0, 0] = 1.0
    pred = dataclasses.replace(pred, explanation=dataclasses.replace(expl, image=image, patch_rollout=sal))
    out = _report(tmp_path / "r.pdf", record, pred)
    imgs = [im for p in pypdf.PdfReader(str(out)).pages for im in p.images]
    assert len(imgs) == 1
    drawn = np.asarray(Image.open(_io.BytesIO(imgs[0].data)).convert("RGB"))
    k = drawn.shape[0] // S
    assert drawn.shape[:2] == (k * S, k * S)
    gray = drawn[::k, ::k, 1]                         # green channel: the overlay only darkens it
    patch = S // sal.shape[0]
    outside = np.ones((S, S), bool)
    outside[:patch, :patch] = False
    assert np.array_equal(gray[outside], image[outside])
    assert drawn[1, 1, 0] > drawn[1, 1, 1] + 50        # the salient patch is tinted red


def test_uniform_attention_does_not_look_like_a_pattern():
    """Attention rows sum to 1; a near-uniform map (differences in the 4th decimal) must not be
    stretched to white..red as if it had structure."""
    from reportlab.graphics.shapes import Rect

    from mirage_model.review.report.explanations import heatmap_drawing

    rng = np.random.default_rng(0)
    m = np.full((12, 12), 1 / 12) + rng.normal(0, 1e-4, (12, 12))
    fills = [(s.fillColor.red, s.fillColor.green) for s in heatmap_drawing(m, 200).contents
             if isinstance(s, Rect)]
    assert len(fills) == 144
    greens = np.array([g for _, g in fills])
    assert greens.max() - greens.min() < 0.01            # all cells the same shade
    assert 0.3 < greens.mean() < 0.7                     # a middle shade, neither white nor full red


# ------------------------------------------------------------------------------ issue 13 defects

def _text_extents(page):
    """(x start, x end, text) of each text run on a page (width in the run's own font, registered
    with reportlab under the name the PDF gives it, less the subset tag)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            scale = (cm[0] if cm[0] else 1.0)
            x = tm[4] * scale + cm[4]
            size = font_size * abs(tm[0] or 1.0) * abs(scale)
            font = str((font_dict or {}).get("/BaseFont", "/DejaVuSans-Bold")).lstrip("/").split("+")[-1]
            runs.append((x, x + stringWidth(text.strip(), font, size), text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def test_letter_pages_keep_their_text_on_the_page(tmp_path, ptbxl_sample, predictor):
    """Letter is 18 mm narrower than A4: the explanation page used to run to x = 795 pt of 792."""
    from mirage_model.measure import measure
    from mirage_model.review.scoring import score_session

    session = ReviewSession(mm.load_record(ptbxl_sample))
    session.accept_measurements(session.id, measure(session.record))
    score_session(session, predictor, explain=True)
    out = build_report(session, tmp_path / "letter.pdf", settings=ReportSettings(page_size="Letter"))
    reader = pypdf.PdfReader(str(out))
    # the ECG sheet, the median beats, the results (page 1's interpretation in full first), the explanations
    assert 4 <= len(reader.pages) <= 5
    for i, page in enumerate(reader.pages):
        width = float(page.mediabox.width)
        assert width == pytest.approx(792.0)
        for x0, x1, text in _text_extents(page):
            assert 0 <= x0 and x1 <= width + 1, (i + 1, text, x0, x1)
    # the explanation figures are scaled into the Letter frame
    assert "Lead importance" in reader.pages[-1].extract_text()


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_the_comment_line_to_write_on_follows_comment_on_its_line_and_fills_its_column(tmp_path, ptbxl_sample,
                                                                                        page_size):
    """On Letter the 70 underscores after "Comment:" were wider than the column: they wrapped onto a
    line of their own. Truth: the column's frame (write.py: 12 mm margins, 8 mm between the columns,
    6 pt padding) and the underscores' own glyph widths."""
    out = _report(tmp_path / f"{page_size}.pdf", mm.load_record(ptbxl_sample),
                  settings=ReportSettings(page_size=page_size))
    reader = pypdf.PdfReader(str(out))
    page = next(p for p in reader.pages if "Comment:" in (p.extract_text() or ""))
    line = next(t for t in page.extract_text().splitlines() if "Comment:" in t)
    assert "_" * 24 in line                                  # the blank to write on, on the same line
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from mirage_model.review.report.text import FONT, FONT_BOLD     # registered: the glyphs' widths
    column = (float(page.mediabox.width) - 2 * 12 * PT_PER_MM - 8 * PT_PER_MM) / 2 - 12
    n = line.count("_")
    used = stringWidth("Comment: ", FONT_BOLD, 8.5) + n * stringWidth("_", FONT, 8.5)
    assert used <= column < used + stringWidth("_", FONT, 8.5), (n, used, column)


def test_letter_tables_stay_in_their_column(tmp_path, ptbxl_sample, predictor):
    """The results page holds two columns of 119.5 mm text on Letter (128.3 on A4). The model
    result table (128 mm) and the labs table (123 mm) ran past the left / right column there, and
    in the labs table "not used by this model" ran past its own column and a bold "mmol/L" into
    its reference range, on either page size."""
    from mirage_model.measure import measure
    from mirage_model.review.scoring import score_session

    for size, page_w in (("Letter", 279.4), ("A4", 297.0)):
        session = ReviewSession(mm.load_record(ptbxl_sample))
        session.accept_measurements(session.id, measure(session.record))
        session.set_values({"troponin_t": (52.0, "ng/L"), "potassium": (5.9, "mmol/L"), "crp": 12.0,
                            "nt_probnp": 1800.0, "age": 75, "sex": "F"})
        score_session(session, predictor, explain=False)
        out = build_report(session, tmp_path / f"{size}.pdf", settings=ReportSettings(page_size=size))
        page = next(p for p in pypdf.PdfReader(str(out)).pages if "Clinical and laboratory values" in p.extract_text())
        spans = [(*s[:3], s[3].replace("\u00a0", " "), s[4]) for s in text_spans(page)]   # (x0, x1, y, text, font)
        # the page's two frames (12 mm margins, 8 mm apart), each with reportlab's 6 pt padding inside
        col = (page_w - 24 - 8) / 2 * PT_PER_MM
        left_end = 12 * PT_PER_MM + col - 6
        right_end = (page_w - 12) * PT_PER_MM - 6
        for x0, x1, y, text, _ in spans:
            if y < 12 * PT_PER_MM:                  # the footer, in the page's margin by design
                continue
            end = left_end if x0 < left_end else right_end
            # (a wrapped line measures up to 0.8 pt over)
            assert x1 <= end + 1.0, (size, text, round((x1 - end) / PT_PER_MM, 1))
        unit = next(s for s in spans if s[3] == "5.9 mmol/L")         # the value with its unit, bold
        ref = next(s for s in spans if s[3].startswith("3.5-5") and abs(s[2] - unit[2]) < 1)
        assert unit[1] + 1 * PT_PER_MM <= ref[0], (size, round((ref[0] - unit[1]) / PT_PER_MM, 2))
        # a flagged value (troponin 52 ng/L > 14) is bold, as its unit and flag are; its feature is not
        row = [s for s in spans if abs(s[2] - next(t for t in spans if t[3] == "hs-Troponin T")[2]) < 1]
        fonts = {s[3]: s[4] for s in row}
        assert all(fonts[t].endswith("Bold") for t in ("52 ng/L", "H")), fonts
        assert not fonts["hs-Troponin T"].endswith("Bold"), fonts


def test_interval_table_stays_in_its_column_at_one_size(tmp_path, ptbxl_sample):
    """The interval table (108 mm, 127 with the reviewer's Automatic column) ran past a Letter
    column (119.5 mm); its reference ranges ("> 340, < 450", 19 mm in a 17 mm column) and its
    Framingham label past their cells on either size; and a flagged value was printed at 7.5 pt
    beside the others' 8."""
    from mirage_model.measure import Measurements

    record = mm.load_record(ptbxl_sample)
    m = Measurements(heart_rate_bpm=90.0, rr_ms=664.0, pr_ms=152.0, qrs_ms=93.0, qt_ms=394.0,
                     qtc_bazett_ms=484.0, qtc_fridericia_ms=452.0, p_axis_deg=59.0, qrs_axis_deg=2.0,
                     t_axis_deg=110.0)
    for size, page_w, edits in (("Letter", 279.4, {"qt_ms": 420.0}), ("A4", 297.0, None), ("Letter", 279.4, None)):
        out = _report(tmp_path / f"{size}{bool(edits)}.pdf", record, None, measurements=m, measurement_edits=edits,
                      settings=ReportSettings(page_size=size))
        page = next(p for p in pypdf.PdfReader(str(out)).pages if "Interval measurements" in p.extract_text())
        spans = [s[:4] + s[5:] for s in text_spans(page)]               # (x0, x1, y, text, font size)
        col = (page_w - 24 - 8) / 2 * PT_PER_MM
        left_end, right_end = 12 * PT_PER_MM + col - 6, (page_w - 12) * PT_PER_MM - 6
        head = next(s for s in spans if s[3] == "Measurement")
        table = [s for s in spans if s[2] <= head[2] + 1 and s[2] > 12 * PT_PER_MM
                 and (s[0] < left_end) == (head[0] < left_end)]
        for x0, x1, y, text, _ in spans:
            if y > 12 * PT_PER_MM:
                assert x1 <= (left_end if x0 < left_end else right_end) + 1.0, (size, edits, text)
        # the table's own stripes end where its columns do: no text of the table beyond its last column
        # (the Reference column for a table without edits)
        value = next(s for s in table if s[3].startswith(("484", "515", "516")))      # QTc Bazett, flagged
        plain = next(s for s in table if s[3] == "664")
        assert value[4] == plain[4] == 8, (value, plain)
        if not edits:
            ref_x = next(s for s in table if s[3] == "Reference")[0]
            frame = next(s for s in table if s[3].startswith("QTc (Framingham"))
            assert frame[1] + 1 * PT_PER_MM <= next(s for s in table if abs(s[2] - frame[2]) < 1 and s[0] > frame[0])[0]
            widest = max(s[1] for s in table if s[0] >= ref_x - 1)
            assert widest - ref_x <= 22 * PT_PER_MM, (size, round((widest - ref_x) / PT_PER_MM, 1))


def test_pdf_creation_date_is_now_and_no_unit_on_missing_values(tmp_path, ptbxl_sample):
    import datetime as dt

    from mirage_model.measure import Measurements

    record = mm.load_record(ptbxl_sample)
    m = Measurements(heart_rate_bpm=70.0, rr_ms=857.0, pr_ms=None, qrs_ms=90.0, qt_ms=380.0,
                     qtc_bazett_ms=410.0, qtc_fridericia_ms=400.0, p_axis_deg=None, qrs_axis_deg=30.0,
                     t_axis_deg=40.0, notes=("PR: no P waves found (AF?)",))
    out = _report(tmp_path / "r.pdf", record, None, measurements=m)
    reader = pypdf.PdfReader(str(out))
    created = reader.metadata.creation_date
    assert created is not None and abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) < 600
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "not measurable ms" not in text and "not measurable deg" not in text
    assert "not measurable" in text and "no P waves found" in text


def test_every_page_names_its_patient(tmp_path, ludb_sample):
    session = ReviewSession(mm.load_record(ludb_sample))
    session.set_value("age", "51")
    out = build_report(session, tmp_path / "p.pdf")
    for page in pypdf.PdfReader(str(out)).pages:
        assert f"record {session.record_id} (" in page.extract_text()
        assert f"{session.sex}, 51 y" in page.extract_text()


def test_header_placement_keeps_texts_apart():
    from mirage_model.review.report.header import place_institution
    from mirage_model.review.report.layout import MM

    w = 277 * MM
    # (title, generated, patient, institution) widths in pt
    assert place_institution(200, 120, 300, 150, w) == 0               # between the title and the time
    assert place_institution(300, 120, 300, 400, w) == 1               # beside the patient instead
    assert place_institution(300, 120, 600, 400, w) == 0               # neither: shrunk on the title line


def test_long_header_and_withheld_summary_do_not_overlap(tmp_path, ptbxl_sample, predictor):
    """A file with an ID, a name and an acquisition time beside a withheld result (seen on a real
    ISHNE Holter file: the summary was drawn over the acquisition time)."""
    import dataclasses

    from pypdf import PdfReader

    rec = mm.load_record(ptbxl_sample)
    rec.meta["patient"] = {"id": "HOLTER-2009-000123456", "name": "Maximiliane Mustermann-Beispiel"}
    rec.meta["acquired"] = "2000-01-01 07:00:00"
    rec.meta["device"] = "Holter recorder model 12"
    pred = predictor.predict(rec, None, explain=False)
    pred = dataclasses.replace(pred, positive=(), withheld="paced rhythm (pacemaker spikes)")
    out = _report(tmp_path / "long.pdf", rec, pred)
    page = PdfReader(str(out)).pages[0]
    spans = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            spans.append((text, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], size))

    page.extract_text(visitor_text=visit)
    patient = next(s for s in spans if "Acquired" in s[0])
    summary = next(s for s in spans if "RESULT WITHHELD" in s[0])
    from reportlab.pdfbase.pdfmetrics import stringWidth

    patient_right = patient[1] + stringWidth(patient[0], "DejaVuSans", patient[3])     # the report's font
    assert abs(patient[2] - summary[2]) > 5 or patient_right < summary[1], (patient, summary)


def test_the_model_block_says_how_the_probabilities_were_made(tmp_path, ptbxl_sample, predictor):
    """A noise-averaged checkpoint's report says so beside the model's name; a plain one says nothing."""
    from helpers_models import make_tiny_checkpoint

    from mirage_model.averaging import NoiseAverage
    from mirage_model.checkpoint import load_checkpoint, save_checkpoint

    src = load_checkpoint(make_tiny_checkpoint(tmp_path / "src", seed=3))
    folder = save_checkpoint(tmp_path / "avg", src.model, model_type=src.model_type, task=src.task, labels=src.labels,
                             schema=src.schema, preprocess=src.preprocess, render=src.render,
                             thresholds=src.thresholds, name="tiny-averaged", noise_average=NoiseAverage(4, 0.03))
    averaged = mm.Predictor(folder, device="cpu")
    record = mm.load_record(ptbxl_sample)
    texts = {}
    for name, pred in (("averaged", averaged), ("plain", predictor)):
        out = _report(tmp_path / f"{name}.pdf", record, pred.predict(record, explain=False),
                      model_info=model_info_from(pred))
        texts[name] = " ".join(" ".join(_page_texts(pypdf.PdfReader(str(out)))).split())
    assert "Scoring: each window scored as the mean of 4 copies with 0.03 mV in-band noise (seed 0)" \
        in texts["averaged"]
    assert "Scoring:" not in texts["plain"]


def test_the_scoring_text_names_a_measured_stage_s_labels_or_counts_many():
    from types import SimpleNamespace

    from mirage_model.review.report.model_info import scoring_text

    def loaded(labels):
        return SimpleNamespace(noise_average=None, measured_stack=SimpleNamespace(labels=tuple(labels), kind="trees"))

    assert scoring_text(loaded(["MI", "CD", "HYP"])) == ("MI, CD, HYP re-estimated from the record's measurements "
                                                         "(measured stage, trees)")
    assert scoring_text(loaded([f"S{i}" for i in range(38)])).startswith("38 of its labels re-estimated")
    assert scoring_text(loaded([])) == "" and scoring_text(SimpleNamespace()) == ""


def test_a_split_s_line_gives_its_n_in_the_one_bracket():
    """The PDF's model section had read "Validation (model selection) (n=25)": two brackets in a row."""
    from mirage_model.review.report.model_info import metric_lines

    flat = {"val.macro.auroc": 0.75, "val.n": 25.0, "test.macro.auroc": 0.5, "test.n": 30.0, "val.n_classes": 1}
    val, test = metric_lines(flat, ["NORM"])
    assert val.startswith("<b>Validation (model selection, n=25)</b>: macro AUROC 0.750")
    assert test.startswith("<b>Test (held out, n=30)</b>: macro AUROC 0.500")
    assert metric_lines({"val.macro.auroc": 0.75}, ["NORM"])[0].startswith("<b>Validation (model selection)</b>: ")


def test_the_validation_line_as_scored_appears_only_where_scoring_changed_the_ranking():
    from mirage_model.review.report.model_info import metric_lines

    flat = {"val.macro.auroc": 0.9337, "val.n": 2146.0, "val_calibrated.macro.auroc": 0.9402}
    lines = metric_lines(flat, ["NORM"])
    assert len(lines) == 2 and "model selection" in lines[0] and lines[1].endswith("macro AUROC 0.940")
    flat["val_calibrated.macro.auroc"] = 0.9337 + 1e-6             # calibration alone: rankings kept, no line
    assert len(metric_lines(flat, ["NORM"])) == 1


def test_names_in_any_script_print_as_written_and_stay_on_the_page(tmp_path, ptbxl_sample):
    """A patient name in Greek, Cyrillic, Chinese and Korean had printed as '?' (the standard fonts are
    WinAnsi), and a very long ID ran off the right edge, cutting off the acquisition time. The text is
    now the typed text (DejaVu Sans for the alphabets, the PDF's standard Asian fonts for CJK/Hangul),
    and the header and footer are cut with '...' to the page."""
    record = mm.load_record(ptbxl_sample)
    name = "Ünïcødé 李雷 Ωμέγα Иванов 김민수"
    out = _report(tmp_path / "n.pdf", record,
                  settings=ReportSettings(patient_name=name, patient_id="ID" * 80, reviewer="Ψ Łukasz",
                                          comment="Проверено"))
    reader = pypdf.PdfReader(str(out))
    first = reader.pages[0].extract_text().replace("\n", "")        # pypdf breaks the line at font changes
    assert f"Patient: {name}   ID: IDID" in first
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "Ψ Łukasz" in text and "Проверено" in text
    width = float(reader.pages[0].mediabox.width)
    for x0, x1, run in _text_extents(reader.pages[0]):
        assert 0 <= x0 and x1 <= width + 1, (run, x0, x1)


def test_every_footer_says_page_n_of_the_pages_the_file_has(tmp_path, ptbxl_sample):
    """The footers said "page 2" with no total, so a missing page went unnoticed; each now says
    "page N of M", M the pages the PDF holds (truth: pypdf's count of the written file)."""
    out = build_report(ReviewSession(mm.load_record(ptbxl_sample)), tmp_path / "r.pdf")
    pages = pypdf.PdfReader(str(out)).pages
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"page {n} of {len(pages)}" in text, (n, text[-120:])
        assert mm.RESEARCH_USE_NOTICE in text


# ------------------------------------------------------------------------------ gain for tall complexes

def _tall_record(amplitude_mv: float):
    """A 100 Hz synthetic record whose V1 and V2 (rows 1 and 2 of the third column, 5-7.5 s) carry
    a 5 Hz cosine of ``amplitude_mv``: 20 samples a period, so the samples hit +-amplitude exactly,
    and the display filter at 100 Hz (a 0.5 Hz second-order Butterworth high-pass, zero-phase; no
    mains frequency below Nyquist) passes 5 Hz with a gain of 1 - 1e-8."""
    from helpers_models import synthetic_record

    rec = synthetic_record(duration_s=10.0, fs=100.0, record_id="tall")
    t = np.arange(rec.signal.shape[1]) / 100.0
    shown = (t >= 4.0) & (t < 8.5)     # about 5-7.5 s; the rest keeps its beats (10 s of it reads as an electrode off)
    for lead in (6, 7):                                                    # V1, V2
        rec.signal[lead, shown] = amplitude_mv * np.cos(2 * np.pi * 5.0 * t[shown])
    return rec


def _drawn_gain(out, lead: str):
    """(caption text, calibration pulse heights in mm, the lead's drawn peak-to-peak in mm) read
    back from page 1's content stream; the lead's trace found by its panel's x span at either gain."""
    page = pypdf.PdfReader(str(out)).pages[0]
    text = " ".join(page.extract_text().split())
    black = [sp for c, sps in _paths(page) if c == (0.0, 0.0, 0.0) for sp in sps]
    pulses = [(sp[2][1] - sp[1][1]) / PT_PER_MM for sp in black if len(sp) == 6]
    panel = next(p for p in report_layout().panels if p.lead == lead)      # x and baselines do not depend on the gain
    trace = [sp for sp in black if len(sp) > 100 and panel.x0 - 0.5 <= sp[0][0] and sp[-1][0] <= panel.x1 + 0.5
             and abs(np.median([y for _, y in sp]) - panel.baseline) < 10 * PT_PER_MM]    # its row, not V1's above
    ys = np.array([y for sp in trace for _, y in sp])
    return text, pulses, float(np.ptp(ys)) / PT_PER_MM


def test_tall_complexes_put_the_sheet_at_5_mm_per_mv(tmp_path):
    """V1 and V2 each swinging +-2.5 mV at 10 mm/mV would meet in the 40 mm between their rows
    (25 + 25 mm): the sheet is drawn at 5 mm/mV, its pulses 5 mm high, the caption says "25 mm/s,
    5 mm/mV", and the 5 mV peak-to-peak of V2 measures 25.00 mm on the page (1 pt = 25.4/72 mm)."""
    out = _report(tmp_path / "tall.pdf", _tall_record(2.5))
    text, pulses, ptp_mm = _drawn_gain(out, "V2")
    assert "25 mm/s, 5 mm/mV" in text and "10 mm/mV" not in text.split("filter")[0]
    assert len(pulses) == 4 and all(h == pytest.approx(5.0, abs=0.005) for h in pulses)
    assert ptp_mm == pytest.approx(5.0 * 5.0, abs=0.05)
    why = "gain 5 mm/mV: at 10 mm/mV the tallest complexes would run into the next row"
    # on page 1's line under the sheet, or (no room there at 7 pt) counted there and printed on page 3
    page3 = " ".join(pypdf.PdfReader(str(out)).pages[2].extract_text().split())
    assert why in text or ("1 more note on page 3" in text and why in page3)
    assert "cut at the sheet's edge" not in text + page3                  # 12.5 mm of the 20 above V1's baseline
    # the caption and each pulse (the number over the unit)
    assert len(re.findall(r"\b5 mm/mV", text)) >= 1 + 4


def test_complexes_that_fit_keep_10_mm_per_mv(tmp_path):
    """+-1.5 mV in V1 and V2 (15 + 15 mm of the 40 between their rows): the standard 10 mm/mV, and
    3 mV peak-to-peak measures 30.00 mm; with auto_gain off a tall record keeps 10 mm/mV too."""
    text, pulses, ptp_mm = _drawn_gain(_report(tmp_path / "fit.pdf", _tall_record(1.5)), "V2")
    assert "25 mm/s, 10 mm/mV" in text and "gain 5" not in text
    assert all(h == pytest.approx(10.0, abs=0.005) for h in pulses)
    assert ptp_mm == pytest.approx(3.0 * 10.0, abs=0.05)
    kept = _report(tmp_path / "kept.pdf", _tall_record(2.5), settings=ReportSettings(auto_gain=False))
    text, pulses, ptp_mm = _drawn_gain(kept, "V2")
    assert "25 mm/s, 10 mm/mV" in text and all(h == pytest.approx(10.0, abs=0.005) for h in pulses)
    assert ptp_mm == pytest.approx(5.0 * 10.0, abs=0.05)
    # V1 in the top row: 25 mm up from a baseline 20 mm under the sheet's top, held at the edge, and said
    assert "cut at the sheet's edge: V1" in text


# ------------------------------------------------------------------------------ pacing spikes and the gain

FS_PACED = 1000.0
STIMULI_S = np.arange(0.30, 10.0, 0.8)            # known stimulus times, 20 ms before each R


def _paced_record(spike_mv: float, r_mv: float = 0.6):
    """A 1000 Hz record of Gaussian R waves (FWHM 20 ms, ``r_mv`` in V2 and -``r_mv`` in V1, 0.6 mV
    elsewhere), each 20 ms after a 2 ms rectangular stimulus of ``spike_mv`` in V2 (-``spike_mv`` in
    V1, a tenth of it elsewhere): a ventricular pacemaker seen through a cart's 1 kHz front end."""
    t = np.arange(int(10.0 * FS_PACED)) / FS_PACED
    r = sum(np.exp(-0.5 * ((t - s - 0.02) / 0.0085) ** 2) for s in STIMULI_S)     # sigma 8.5 ms: FWHM 20 ms
    stim = sum(((t >= s) & (t < s + 0.002)).astype(float) for s in STIMULI_S)
    signal = np.tile(0.6 * r + 0.1 * spike_mv * stim, (12, 1))
    signal[6] = -(r_mv * r + spike_mv * stim)                                     # V1, top row
    signal[7] = r_mv * r + spike_mv * stim                                        # V2, under V1
    return mm.EcgRecord(signal=signal.astype(np.float32), fs=FS_PACED, record_id="paced")


def test_narrow_spikes_are_the_stimuli_and_not_the_r_waves():
    """The spike mask covers every known 2 ms stimulus in V2 and none of the R-wave peaks 20 ms
    later (their times are the record's construction, not the code's output)."""
    from mirage_model.review.report.layout import narrow_spikes
    from mirage_model.review.report.waveforms import display_signal

    signal, fs, _ = display_signal(_paced_record(12.0))
    mask = narrow_spikes(signal, fs)
    stim = np.round((STIMULI_S + 0.001) * fs).astype(int)
    peaks = np.round((STIMULI_S + 0.02) * fs).astype(int)
    assert mask[7, stim].all() and mask[6, stim].all()
    assert not mask[:, peaks].any()
    assert not narrow_spikes(_paced_record(0.0).signal, fs).any()


def _trace_mm(out, lead: str) -> np.ndarray:
    """The y of ``lead``'s drawn trace on page 1, in mm above its panel's baseline."""
    page = pypdf.PdfReader(str(out)).pages[0]
    panel = next(p for p in report_layout().panels if p.lead == lead)
    black = [sp for c, sps in _paths(page) if c == (0.0, 0.0, 0.0) for sp in sps]
    trace = [sp for sp in black if len(sp) > 100 and panel.x0 - 0.5 <= sp[0][0] and sp[-1][0] <= panel.x1 + 0.5
             and abs(np.median([y for _, y in sp]) - panel.baseline) < 10 * PT_PER_MM]
    return (np.array([y for sp in trace for _, y in sp]) - panel.baseline) / PT_PER_MM


def test_pacing_spikes_do_not_halve_the_sheet_and_are_clipped_at_their_row(tmp_path):
    """12 mV stimuli of 2 ms in V1 (down) and V2 (up), the rows meeting only at the spikes: the
    sheet was drawn at 5 mm/mV for them. Now it stays at 10 mm/mV (pulses 10 mm high), the spikes
    still drawn, up to 20 mm from V2's baseline (half the 40 mm row pitch) and no further, and the
    caption names them."""
    out = _report(tmp_path / "paced.pdf", _paced_record(12.0))
    text, pulses, _ = _drawn_gain(out, "V2")
    assert "25 mm/s, 10 mm/mV" in text and "gain 5" not in text
    assert len(pulses) == 4 and all(h == pytest.approx(10.0, abs=0.005) for h in pulses)
    ys = _trace_mm(out, "V2")
    assert ys.max() == pytest.approx(20.0, abs=0.01) and ys.min() > -20.01
    notes = " ".join(pypdf.PdfReader(str(out)).pages[2].extract_text().split())
    assert "clipped at \u00b12 mV: V1, V2" in notes, notes[:600]


def test_a_tall_r_wave_still_halves_the_gain_with_pacing_spikes(tmp_path):
    """2.5 mV R waves of 20 ms (V1 down, V2 up: 25 + 25 mm of the 40 mm between the rows) still
    put the sheet at 5 mm/mV when pacing spikes ride with them."""
    text, pulses, _ = _drawn_gain(_report(tmp_path / "tall.pdf", _paced_record(12.0, r_mv=2.5)), "V2")
    assert "25 mm/s, 5 mm/mV" in text
    assert all(h == pytest.approx(5.0, abs=0.005) for h in pulses)


@pytest.mark.slow
def test_the_gain_reads_every_annotated_ludb_qrs_at_its_full_height(shared_datasets):
    """On LUDB's 93 unpaced records (500 Hz, stored microvolts, display-filtered, and three times
    taller so that more of them would matter to the gain), the largest excursion of every QRS that
    its cardiologists annotated (onset to offset, per lead) is what the gain decision reads, to
    0.02 mV: no real wave is taken for a spike."""
    from mirage_model.review.report.layout import without_spikes
    from mirage_model.review.report.waveforms import display_signal

    data = shared_datasets / "ludb" / "data"
    if not (data / "1.hea").is_file():
        pytest.skip("LUDB not present")
    from helpers_scripts import load_script

    ev = load_script("eval_ludb")
    paced = ev._paced(data)
    assert len(paced) == 7
    lost = []
    for rid in (r for r in range(1, 101) if str(r) not in paced):
        signal, fs, _ = display_signal(ev.load_ludb_record(data / str(rid)))
        signal = 3.0 * signal[:, :int(10 * fs)]
        read = without_spikes(signal, fs)
        for i, lead in enumerate(ev.LUDB_LEADS):
            for on, _, off in ev._waves(data / str(rid), lead)["N"]:
                drawn = np.abs(signal[i, on:off + 1]).max(initial=0.0)
                if drawn - np.abs(read[i, on:off + 1]).max(initial=0.0) > 0.02:
                    lost.append((rid, lead, on))
    assert not lost


def test_a_probability_and_its_threshold_are_told_apart():
    """A tiny own model's NORM 0.517101 under its threshold 0.517103 had read "0.517" beside "0.517", not called,
    and its STTC 0.5115 over 0.5114 the same figures, called: the table prints the decimals that tell them apart."""
    from mirage_model.review.report.result import told_apart

    assert told_apart(0.517101, 0.517103) == ("0.517101", "0.517103")
    assert told_apart(0.5115, 0.5114) == ("0.5115", "0.5114")
    assert told_apart(0.196, 0.228) == ("0.196", "0.228")
    assert told_apart(0.5, 0.5) == ("0.500", "0.500")                   # equal: at the threshold, called
