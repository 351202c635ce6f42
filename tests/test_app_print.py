"""File > Print: the exported report on paper at true scale (pytest-qt, offscreen).

The printer is Qt's own PDF printer (``QPrinter.OutputFormat.PdfFormat``), handed to the method the
menu command calls after its dialog. The printed page is rasterised by poppler's ``pdftoppm`` (not
the PDFium that printed it) at a known dpi, and its ECG paper measured in millimetres: the 1 mm and
5 mm grid lines and the calibration pulse (200 ms wide at 25 mm/s, 1 mV high at 10 mm/mV). A
report fitted to the paper instead of printed at 100 % (an A4 page on Letter paper: 94 %) fails.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("pypdfium2")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtGui import QKeySequence, QPageLayout, QPageSize  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

A = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr.hea"
B = resources_dir() / "samples" / "ludb" / "14.hea"
pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")
WAIT_MS = 60000
DPI = 200                       # the printer's resolution, and the dpi the printout is read back at
MM_PER_PT = 25.4 / 72.0


def window_with(qtbot, path=A):
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)
    return window


def pdf_printer(out: Path, page=QPageSize.PageSizeId.A4) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(DPI)
    printer.setPageSize(QPageSize(page))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    return printer


def print_and_wait(qtbot, window, printer):
    """``window.print_report(printer)`` to its end; the painted page sizes (None when nothing was printed)."""
    got = []
    w = window.print_report(printer)
    assert w is not None, window.message_bar.text()
    w.signals.result.connect(got.append)
    qtbot.waitUntil(lambda: window.print_worker is None, timeout=WAIT_MS)
    qtbot.wait(50)
    return got[0] if got else None


def page_sizes_mm(pdf: Path) -> list[tuple[float, float]]:
    pypdf = pytest.importorskip("pypdf")
    return [(float(p.mediabox.width) * MM_PER_PT, float(p.mediabox.height) * MM_PER_PT)
            for p in pypdf.PdfReader(str(pdf)).pages]


def _peaks(profile: np.ndarray, threshold: float) -> list[tuple[float, float]]:
    """(centroid, area above ``threshold``) of each run of ``profile`` above it."""
    out, i, n = [], 0, len(profile)
    while i < n:
        if profile[i] <= threshold:
            i += 1
            continue
        j = i
        while j < n and profile[j] > threshold:
            j += 1
        w = profile[i:j] - threshold
        out.append((float((np.arange(i, j) * w).sum() / w.sum()), float(w.sum())))
        i = j
    return out


def measure_sheet(pdf: Path, tmp_path: Path) -> dict:
    """Page 1 of ``pdf`` read by pdftoppm at ``DPI``: the grid's minor and major line spacing across
    and down (mm, a straight line fitted through every line's centre), and the first row's calibration
    pulse (width and height, mm, between the centres of its strokes)."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    # PPM, not PNG: pdftoppm takes 7 s to compress a 200 dpi page as PNG, 0.3 s to write it raw
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", str(pdf), str(tmp_path / "read")], check=True)
    img = np.asarray(Image.open(next(tmp_path.glob("read*.ppm"))).convert("RGB")).astype(float)
    px_mm = DPI / 25.4
    redness = img[..., 0] - img[..., 1]          # the grid is red, the traces and text black or grey
    on_grid = redness > 20
    rows = np.flatnonzero(on_grid.mean(1) > 0.3)
    cols = np.flatnonzero(on_grid.mean(0) > 0.3)
    top, bottom, left, right = rows.min(), rows.max(), cols.min(), cols.max()
    sheet = redness[top:bottom + 1, left:right + 1]
    out = {"sheet_mm": ((right - left) / px_mm, (bottom - top) / px_mm)}
    for axis, profile in (("across", sheet.mean(0)), ("down", sheet.mean(1))):
        peaks = _peaks(profile, float(np.median(profile)) + 12)
        pos = np.array([p for p, _ in peaks])
        area = np.array([a for _, a in peaks])
        # lines numbered in their order (not from an assumed pitch, which would hide a wrong one)
        out[f"n_minor_{axis}"] = len(pos)
        out[f"minor_{axis}"] = np.polyfit(np.arange(len(pos)), pos, 1)[0] / px_mm
        major = pos[area > (np.median(area) + area.max()) / 2]
        out[f"n_major_{axis}"] = len(major)
        out[f"major_{axis}"] = np.polyfit(np.arange(len(major)), major, 1)[0] / px_mm
    # the first row's pulse: dark pixels within the sheet's left 12 mm and top 40 mm (one row)
    dark = img.sum(2) < 250
    box = dark[top:top + int(40 * px_mm), left:left + int(12 * px_mm)]
    across, down = box.sum(0).astype(float), box.sum(1).astype(float)
    strokes = [p for p, _ in _peaks(across, across.max() * 0.5)]       # up and down
    levels = [p for p, _ in _peaks(down, down.max() * 0.4)]            # the top and the baseline
    assert len(strokes) == 2 and len(levels) == 2, (strokes, levels)
    out["pulse_width"] = (strokes[1] - strokes[0]) / px_mm
    out["pulse_height"] = (levels[1] - levels[0]) / px_mm
    return out


def assert_true_scale(m: dict) -> None:
    for axis in ("across", "down"):
        assert m[f"minor_{axis}"] == pytest.approx(1.0, abs=0.005), m       # 1 mm
        assert m[f"major_{axis}"] == pytest.approx(5.0, abs=0.025), m       # 5 mm
    # 4 columns of 2.5 s at 25 mm/s and the 10 mm of the pulses, 4 rows of 40 mm: 260 x 160 mm of paper
    assert (m["n_minor_across"], m["n_minor_down"], m["n_major_across"], m["n_major_down"]) == (261, 161, 53, 33), m
    assert m["sheet_mm"] == pytest.approx((260.0, 160.0), abs=0.5), m
    assert m["pulse_width"] == pytest.approx(5.0, abs=0.2), m               # 200 ms at 25 mm/s
    assert m["pulse_height"] == pytest.approx(10.0, abs=0.2), m             # 1 mV at 10 mm/mV


@pytest.mark.slow           # about 9 s: a print, an export and a page read back (the Letter case runs by default)
def test_the_printed_report_is_the_exported_one_at_true_scale(qtbot, tmp_path):
    window = window_with(qtbot)
    out = tmp_path / "printed.pdf"
    sizes = print_and_wait(qtbot, window, pdf_printer(out))
    assert sizes is not None, window.message_bar.text()
    assert window.status_label.text() == f"Printed the report of record 00417_lr: {len(sizes)} pages at 100 %."
    # each page painted whole at the printer's resolution: 297 x 210 mm at 200 dpi, not a 96 dpi bitmap
    assert sizes[0] == (math.ceil(297 / 25.4 * DPI), math.ceil(210 / 25.4 * DPI))
    exported = tmp_path / "exported.pdf"
    window.export_pdf(exported)
    qtbot.waitUntil(lambda: exported.is_file() and window.export_worker is None, timeout=WAIT_MS)
    printed_pages = page_sizes_mm(out)
    assert "/DCTDecode" not in out.read_bytes().decode("latin-1")      # no page stored as a JPEG
    assert len(printed_pages) == len(page_sizes_mm(exported)) == len(sizes)
    for w, h in printed_pages:
        assert w == pytest.approx(297.0, abs=0.3) and h == pytest.approx(210.0, abs=0.3)
    assert_true_scale(measure_sheet(out, tmp_path))


def test_strips_meet_without_a_seam(qtbot, tmp_path):
    """A page painted in strips of 100 rows equals PDFium's render of the whole page at once."""
    import pypdfium2 as pdfium
    from PySide6.QtGui import QImage, QPainter
    from reportlab.pdfgen import canvas

    from app import report_printer

    pdf = tmp_path / "lines.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(297 * 72 / 25.4, 210 * 72 / 25.4))
    for k in range(0, 600, 7):                       # thin lines at every angle the sheet has
        c.line(k, 0, k, 600)
        c.line(0, k, 842, k)
        c.line(0, 0, 842, k)
    c.save()
    doc = pdfium.PdfDocument(str(pdf))
    scale = 150 / 72
    whole = doc[0].render(scale=scale, rev_byteorder=True)
    expect = np.array(whole.to_pil().convert("RGB"))
    image = QImage(whole.width, whole.height, QImage.Format.Format_RGB888)
    image.fill(0)
    painter = QPainter(image)
    old, report_printer.STRIP_PX = report_printer.STRIP_PX, 100
    try:
        size = report_printer._paint_page(painter, doc[0], scale, None)
    finally:
        report_printer.STRIP_PX = old
        painter.end()
    assert size == (whole.width, whole.height) == (math.ceil(297 / 25.4 * 150), math.ceil(210 / 25.4 * 150))
    got = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    got = got[:, :3 * image.width()].reshape(image.height(), image.width(), 3)
    # antialiasing of a diagonal differs by a few levels here and there; a seam (a row lost, doubled or
    # shifted) differs by up to 255 along every line it crosses
    assert np.abs(got.astype(int) - expect).max() <= 4
    doc.close()


def test_letter_paper_gets_the_report_in_letter_still_at_true_scale(qtbot, tmp_path):
    """The report's page size is A4 (the setting's default); the printer holds Letter: the report is
    built in Letter, not an A4 page cut or shrunk, and the window says so."""
    window = window_with(qtbot)
    assert window.settings.page_size == "A4"
    out = tmp_path / "letter.pdf"
    assert print_and_wait(qtbot, window, pdf_printer(out, QPageSize.PageSizeId.Letter)) is not None
    w, h = page_sizes_mm(out)[0]
    assert w == pytest.approx(279.4, abs=0.3) and h == pytest.approx(215.9, abs=0.3)
    assert_true_scale(measure_sheet(out, tmp_path))
    assert "printed on Letter paper" in window.status_label.text()


def test_page_range_and_copies(qtbot, tmp_path):
    """Pages 3 to 3, two copies: two pages, both page 3 (the results: no red ECG paper on them)."""
    import pypdfium2 as pdfium

    window = window_with(qtbot)
    out = tmp_path / "range.pdf"
    printer = pdf_printer(out)
    printer.setResolution(50)
    printer.setFromTo(3, 3)
    printer.setCopyCount(2)
    assert print_and_wait(qtbot, window, printer) is not None
    doc = pdfium.PdfDocument(str(out))
    red = []
    for page in doc:
        rgb = np.asarray(page.render(scale=50 / 72).to_pil().convert("RGB")).astype(int)
        red.append(float(((rgb[..., 0] - rgb[..., 1]) > 20).mean()))
    doc.close()
    assert len(red) == 2 and max(red) < 0.01, red


def test_paper_smaller_than_the_page_is_refused_not_shrunk(qtbot, tmp_path):
    window = window_with(qtbot)
    out = tmp_path / "a5.pdf"
    assert window.print_report(pdf_printer(out, QPageSize.PageSizeId.A5)) is None
    text = window.message_bar.text()
    assert text.startswith("Not printed: the printer's paper (210 x 148 mm) is smaller than the report's A4 page")
    assert window.print_worker is None and not out.exists()


def test_a_printer_that_fails_is_said_plainly(qtbot, tmp_path):
    window = window_with(qtbot)
    printer = pdf_printer(tmp_path / "no such folder" / "x.pdf")    # Qt cannot open the output: begin() fails
    assert print_and_wait(qtbot, window, printer) is None
    text = window.message_bar.text()
    assert text.startswith("Could not print: the printer") and "could not be started" in text, text
    assert "Traceback" not in text


def test_esc_cancels_a_print_under_way(qtbot, tmp_path, monkeypatch):
    from app import report_printer

    entered, release = threading.Event(), threading.Event()
    real = report_printer._paint_page
    painted = []

    def held(*args, **kwargs):       # the first page painted, then held until Esc has been pressed
        painted.append(real(*args, **kwargs))
        entered.set()
        release.wait(60)
        return painted[-1]

    monkeypatch.setattr(report_printer, "_paint_page", held)
    window = window_with(qtbot)
    assert "a report is being printed" not in " ".join(window.unfinished_work())
    got = []
    w = window.print_report(pdf_printer(tmp_path / "cancelled.pdf"))
    w.signals.result.connect(got.append)
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)
    assert "Printing the report of record 00417_lr" in window.status_label.text()
    assert "a report is being printed" in " ".join(window.unfinished_work())
    window.cancel_work()                                        # Esc
    release.set()
    qtbot.waitUntil(lambda: window.print_worker is None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert len(painted) == 1 and not got
    assert window.status_label.text().startswith("Printing cancelled")


class FakePrintDialog:
    """Qt's print dialog, answered Print at once (``exec``); ``on_exec`` runs first (a record opened behind it)."""
    shown: list = []
    on_exec = None

    def __init__(self, printer, parent):
        FakePrintDialog.shown.append(printer)

    def setWindowTitle(self, title):
        pass

    def setOption(self, *args):
        pass

    def setMinMax(self, *args):
        pass

    def exec(self):
        from PySide6.QtWidgets import QDialog

        if FakePrintDialog.on_exec is not None:
            FakePrintDialog.on_exec()
        return QDialog.DialogCode.Accepted


def hold_measuring(monkeypatch) -> threading.Event:
    """Measuring (and so the analysis) waits in its worker until the returned event is set."""
    import mirage_model.measure as measure_mod

    gate = threading.Event()
    real = measure_mod.measure
    monkeypatch.setattr(measure_mod, "measure", lambda *a, **k: gate.wait(60) and real(*a, **k))
    return gate


def test_ctrl_p_while_the_analysis_runs_prints_when_it_is_done(qtbot, tmp_path, monkeypatch):
    """Ctrl+P while the record is being measured: the print dialog, then the report waits for the analysis
    (said in the status bar) and is printed when it is done, as a PDF export waits (it had been refused)."""
    from app.window import printing

    pypdf = pytest.importorskip("pypdf")
    gate = hold_measuring(monkeypatch)
    monkeypatch.setattr(printing, "QPrintDialog", FakePrintDialog)
    window = shown_window(qtbot, size=(1280, 800))
    out = tmp_path / "waited.pdf"
    monkeypatch.setattr(window, "new_printer", lambda: pdf_printer(out))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    assert window.session.pending()
    qtbot.keyClick(window, "p", modifier=QtCore.Qt.KeyboardModifier.ControlModifier)     # File > Print
    text = window.status_label.text()
    assert text.startswith("The report of record 00417_lr will be printed when the analysis is done (waiting "
                           "for: ") and text.endswith("(Esc cancels)"), text
    assert "a report waiting for the analysis to be printed" in " ".join(window.unfinished_work())
    qtbot.wait(300)
    assert window.print_worker is None and not out.exists()
    gate.set()
    qtbot.waitUntil(lambda: window.status_label.text().startswith("Printed the report of record 00417_lr"),
                    timeout=WAIT_MS)
    exported = tmp_path / "exported.pdf"
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_pdf(exported)
    assert len(pypdf.PdfReader(str(out)).pages) == len(pypdf.PdfReader(str(exported)).pages) >= 3


def test_a_record_opened_while_a_print_waits_prints_nothing(qtbot, tmp_path, monkeypatch):
    """The print asked for record A's report waits for A's analysis; record B opened meanwhile: neither
    report is printed (never the next patient's for the previous request), and the window says so."""
    gate = hold_measuring(monkeypatch)
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    out = tmp_path / "dropped.pdf"
    assert window.print_report(pdf_printer(out)) is True
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(B)
    assert window.message_bar.text() == ("Not printed: another record was opened before the analysis of record "
                                         "00417_lr had finished; open that record again to print its report.")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        gate.set()
    qtbot.wait(500)
    assert window.print_worker is None and not out.exists()
    assert not window.unfinished_work()


def test_esc_drops_a_print_waiting_for_the_analysis(qtbot, tmp_path, monkeypatch):
    gate = hold_measuring(monkeypatch)
    window = shown_window(qtbot, size=(1280, 800))
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(A)
    out = tmp_path / "cancelled.pdf"
    assert window.print_report(pdf_printer(out)) is True
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)                 # Model > Cancel running work
    assert window.status_label.text() == "Cancelled. The report of record 00417_lr was not printed."
    gate.set()
    qtbot.wait(800)
    assert window.print_worker is None and not out.exists()


def test_a_record_opened_while_the_dialog_is_up_is_not_printed(qtbot, tmp_path, monkeypatch):
    """Printing names only the session it was asked for: the dialog closing after another record was
    opened prints nothing (neither record's report)."""
    from app.window import printing

    window = window_with(qtbot)
    FakePrintDialog.shown = []
    monkeypatch.setattr(FakePrintDialog, "on_exec", lambda: window.open_record(B))
    monkeypatch.setattr(printing, "QPrintDialog", FakePrintDialog)
    window.print_action.trigger()
    assert FakePrintDialog.shown and window.print_worker is None
    assert window.message_bar.text() == "Not printed: another record was opened while the print dialog was open."


def test_ctrl_p_prints_and_no_other_command_has_it(qtbot):
    from app.dialogs.shortcuts import menu_shortcuts

    window = shown_window(qtbot, size=(1280, 800))
    assert window.print_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    assert not window.print_action.isEnabled()          # no record on screen
    keys = QKeySequence(QKeySequence.StandardKey.Print).toString(QKeySequence.SequenceFormat.NativeText)
    have = [(path, text) for path, text, k in menu_shortcuts(window.menuBar()) if keys in k.split(", ")]
    assert have == [("File", "Print report")], have
