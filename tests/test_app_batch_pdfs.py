"""The "Batch score folder" dialog and what an earlier run wrote (its PDFs; the rows of its output
CSV, at the end of this file). Given a PDF folder that held
them, it replaced them one by one without a word, where ``mirage score --pdf-dir`` refuses such a
folder unless --overwrite. It now asks first (Replace / Cancel); Cancel leaves every file as it
was and the dialog open; a resumed run skips its finished records' PDFs, and is asked only about
the PDFs of records its output has no finished row of (another run's), as ``mirage score --resume``
refuses them.

Truth: the bytes and modification times of the PDFs this test wrote, and the message box's text
against the folder and file names the test chose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from helpers_app import WAIT_MS, isolated_settings, tiny_model, two_record_folder  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402

SAMPLES = resources_dir() / "samples" / "ptbxl" / "records100"
SAMPLE = SAMPLES / "00000" / "00417_lr.hea"
pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason="bundled sample records not present")
EARLIER = b"%PDF-1.4\n% an earlier run's report\n"
OLD = 1_600_000_000          # 2020-09-13: a modification time no run of this test writes


@pytest.fixture
def records(tmp_path) -> Path:
    """Two PTB-XL records in one folder (tmp_path/records)."""
    return two_record_folder(tmp_path)


@pytest.fixture
def answer(monkeypatch):
    """The message box's answer: set ``answer.button`` ("Replace" or "Cancel"); the texts of the
    boxes shown are in ``answer.asked``."""
    class Answer:
        button = "Cancel"
        asked: list[str] = []

    state = Answer()
    state.asked = []

    def exec_(box):
        state.asked.append(f"{box.text()}\n{box.informativeText()}")
        [button] = [b for b in box.buttons() if b.text().replace("&", "") == state.button]   # "&Replace"
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return state


def _dialog(qtbot, model, folder: Path, out: Path, pdf_dir: Path):
    from app.dialogs.batch import BatchDialog
    from mirage_model.inference import Predictor

    dlg = BatchDialog(None, predictor=Predictor(model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    dlg.pdf_dir.setText(str(pdf_dir))
    dlg.show()
    return dlg


def _run(qtbot, dlg) -> None:
    assert dlg.start() is not None
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)


def _state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_cancel_keeps_an_earlier_runs_pdf_and_replace_replaces_it(qtbot, tiny_model, records, tmp_path, answer):
    pdf_dir = tmp_path / "pdfs"
    pdf_dir.mkdir()
    earlier = pdf_dir / "00417_lr.pdf"            # the name a run gives the record 00417_lr
    earlier.write_bytes(EARLIER)
    os.utime(earlier, (OLD, OLD))
    before = _state(earlier)
    out = tmp_path / "scores.csv"
    dlg = _dialog(qtbot, tiny_model, records, out, pdf_dir)

    answer.button = "Cancel"
    _run(qtbot, dlg)
    assert len(answer.asked) == 1, dlg.status.text()
    assert f"The PDF folder {pdf_dir} holds 1 PDF an earlier run wrote for these records (00417_lr.pdf)" \
        in answer.asked[0], answer.asked[0]
    assert _state(earlier) == before
    assert sorted(p.name for p in pdf_dir.iterdir()) == ["00417_lr.pdf"]     # the other record's not written
    assert not out.exists() and dlg.table.rowCount() == 0
    assert dlg.isVisible() and dlg.start_btn.isEnabled() and not dlg.cancel_btn.isEnabled()
    assert "Not started" in dlg.status.text() and str(pdf_dir) in dlg.status.text(), dlg.status.text()

    answer.button = "Replace"
    _run(qtbot, dlg)
    assert len(answer.asked) == 2
    assert "2 scored" in dlg.status.text(), dlg.status.text()
    data, mtime = _state(earlier)
    assert data != EARLIER and data.startswith(b"%PDF") and mtime > before[1]
    assert (pdf_dir / "11125_lr.pdf").read_bytes().startswith(b"%PDF")
    assert out.is_file()


def test_a_run_with_no_earlier_pdfs_and_a_resumed_run_are_not_asked(qtbot, tiny_model, records, tmp_path, answer):
    """An empty PDF folder: no question. Resumed over that run's CSV: no question, every record
    skipped and its PDF kept (mirage score --resume). Resume ticked with no CSV yet resumes
    nothing, and is asked, as mirage score --resume refuses such a run when its --out is missing."""
    pdf_dir = tmp_path / "pdfs"
    out = tmp_path / "scores.csv"
    dlg = _dialog(qtbot, tiny_model, records, out, pdf_dir)
    _run(qtbot, dlg)
    assert answer.asked == [] and "2 scored" in dlg.status.text(), dlg.status.text()
    pdfs = sorted(pdf_dir.iterdir())
    assert [p.name for p in pdfs] == ["00417_lr.pdf", "11125_lr.pdf"]
    for p in pdfs:
        os.utime(p, (OLD, OLD))
    before = {p: _state(p) for p in pdfs}

    dlg.resume.setChecked(True)
    _run(qtbot, dlg)
    assert answer.asked == [] and "2 skipped" in dlg.status.text(), dlg.status.text()
    assert {p: _state(p) for p in pdfs} == before

    answer.button = "Cancel"
    dlg.output.setText(str(tmp_path / "other.csv"))
    _run(qtbot, dlg)
    assert len(answer.asked) == 1 and "holds 2 PDFs" in answer.asked[0], answer.asked
    assert {p: _state(p) for p in pdfs} == before and not (tmp_path / "other.csv").exists()


def test_a_resumed_run_is_asked_about_another_runs_pdfs(qtbot, tiny_model, records, tmp_path, answer):
    """Resume ticked onto an output another run wrote into another PDF folder: the dialog had not
    looked into this PDF folder, and replaced the PDF an earlier run wrote there for the record
    the output had not finished. It asks now (about that one only); Cancel leaves every file as it
    was, Replace scores the record and replaces it, the finished record's PDF untouched."""
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "scores.csv"
    dlg = _dialog(qtbot, tiny_model, records, out, elsewhere)
    _run(qtbot, dlg)
    assert answer.asked == [] and "2 scored" in dlg.status.text(), dlg.status.text()
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:2]))                 # stopped after its first record: one row
    finished = lines[1].decode("utf-8-sig").split(",")[0]
    pdf_dir = tmp_path / "pdfs"
    pdf_dir.mkdir()
    for name in ("00417_lr.pdf", "11125_lr.pdf"):        # an earlier run's, of both records
        (pdf_dir / name).write_bytes(EARLIER)
        os.utime(pdf_dir / name, (OLD, OLD))
    before = {p: _state(p) for p in [out, *pdf_dir.iterdir()]}
    other = next(n for n in ("00417_lr.pdf", "11125_lr.pdf") if not finished.endswith(n.replace(".pdf", ".hea")))

    dlg.pdf_dir.setText(str(pdf_dir))
    dlg.resume.setChecked(True)
    answer.button = "Cancel"
    _run(qtbot, dlg)
    assert len(answer.asked) == 1, dlg.status.text()
    assert f"The PDF folder {pdf_dir} holds 1 PDF of records this resumed run would score ({other}) that the " \
           "output CSV has no finished row of" in answer.asked[0], answer.asked[0]
    assert {p: _state(p) for p in before} == before and "Not started" in dlg.status.text()

    answer.button = "Replace"
    _run(qtbot, dlg)
    assert "1 scored" in dlg.status.text() and "1 skipped" in dlg.status.text(), dlg.status.text()
    assert _state(pdf_dir / other) != before[pdf_dir / other]
    kept = next(p for p in before if p.suffix == ".pdf" and p.name != other)
    assert _state(kept) == before[kept]


def test_an_earlier_runs_rows_are_asked_about_and_a_file_that_is_no_output_is_never_written(
        qtbot, tiny_model, records, tmp_path, answer):
    """Start without Resume onto the output CSV of an earlier run replaced its rows without a word
    (the dialog's default output, FOLDER/scores.csv, is the same file for every run on a folder), and
    an output naming a record's signal file wrote a CSV over it. Now the dialog asks about the rows
    (Cancel keeps each byte, Replace scores anew; Resume is not asked), and refuses a file that is
    no batch output without a question, naming it."""
    out = records / "scores.csv"                 # the default: inside the folder scored
    dlg = _dialog(qtbot, tiny_model, records, out, tmp_path / "pdfs")
    dlg.pdf_dir.setText("")
    assert dlg.output.text() == str(out)
    _run(qtbot, dlg)
    assert answer.asked == [] and "2 scored" in dlg.status.text(), dlg.status.text()
    written = out.stat()
    os.utime(out, (OLD, OLD))
    before = _state(out)

    answer.button = "Cancel"
    assert dlg.start() is None
    assert len(answer.asked) == 1
    assert f"The output CSV {out} holds the rows of an earlier run. This run would replace them." \
        in answer.asked[0], answer.asked[0]
    assert "tick Resume" in answer.asked[0]
    assert _state(out) == before and dlg.worker is None and dlg.start_btn.isEnabled()
    assert f"Not started: the rows in {out} are kept, nothing was written" in dlg.status.text(), dlg.status.text()

    # its time as the run wrote it: an output older than its records is refused for resuming (a record may have
    # been rewritten since its row; resume.check_unchanged)
    os.utime(out, ns=(written.st_atime_ns, written.st_mtime_ns))
    dlg.resume.setChecked(True)                  # kept: no question
    _run(qtbot, dlg)
    assert len(answer.asked) == 1 and "2 skipped" in dlg.status.text(), dlg.status.text()
    dlg.resume.setChecked(False)
    answer.button = "Replace"
    _run(qtbot, dlg)
    assert len(answer.asked) == 2 and "2 scored" in dlg.status.text(), dlg.status.text()
    assert _state(out)[1] > before[1]

    signal = next(records.glob("*.dat"))
    data = signal.read_bytes()
    dlg.output.setText(str(signal))
    assert dlg.start() is None
    assert len(answer.asked) == 2                # no question: never written
    assert signal.read_bytes() == data
    assert f"Not started: {signal}: exists and is no output of mirage score" in dlg.status.text(), dlg.status.text()


def test_a_run_not_started_leaves_the_last_runs_rows_in_view(qtbot, tiny_model, records, tmp_path, answer):
    """Start pressed again on a folder just scored emptied the table before its question; answered Cancel ("the
    rows ... are kept"), the dialog showed no row of them (walked on Xvfb 1280x800: LUDB 1-3, scores.csv inside
    the folder). Now the last run's rows stay in view until another run starts: the two records of the folder,
    each in the CSV the run wrote, and again after the PDFs' question answered Cancel."""
    import csv

    out = records / "scores.csv"
    dlg = _dialog(qtbot, tiny_model, records, out, tmp_path / "pdfs")
    dlg.pdf_dir.setText("")
    _run(qtbot, dlg)
    in_folder = sorted(p.stem for p in records.glob("*.hea"))
    with open(out, newline="", encoding="utf-8-sig") as f:
        assert sorted(r["record_id"] for r in csv.DictReader(f)) == in_folder

    def shown() -> list[str]:
        col = [dlg.table.horizontalHeaderItem(c).text() for c in range(dlg.table.columnCount())].index("record_id")
        return sorted(dlg.table.item(r, col).text() for r in range(dlg.table.rowCount()))

    assert shown() == in_folder
    answer.button = "Cancel"
    assert dlg.start() is None and len(answer.asked) == 1
    assert "Not started" in dlg.status.text() and shown() == in_folder, dlg.status.text()

    pdf_dir = tmp_path / "pdfs"
    pdf_dir.mkdir()
    (pdf_dir / "00417_lr.pdf").write_bytes(EARLIER)
    dlg.output.setText(str(tmp_path / "other.csv"))
    dlg.pdf_dir.setText(str(pdf_dir))
    _run(qtbot, dlg)
    assert len(answer.asked) == 2 and "Not started" in dlg.status.text(), dlg.status.text()
    assert shown() == in_folder


def test_the_last_line_says_how_many_pdfs_were_written_and_where(qtbot, tiny_model, records, tmp_path, answer):
    """The dialog's last line had said "Done: 2 scored ... Results in scores.csv." and nothing of the PDFs,
    where mirage score --pdf-dir says "2 PDFs in pdfs"; a resumed run writes none, and says so.
    Truth: the two records the test put in the folder, and the PDFs found on disk."""
    pdf_dir = tmp_path / "pdfs"
    out = tmp_path / "scores.csv"
    dlg = _dialog(qtbot, tiny_model, records, out, pdf_dir)
    _run(qtbot, dlg)
    assert sorted(p.name for p in pdf_dir.iterdir()) == ["00417_lr.pdf", "11125_lr.pdf"]
    assert dlg.status.text().startswith("Done: 2 scored"), dlg.status.text()
    assert f"Results in {out}; 2 PDFs in {pdf_dir}." in dlg.status.text(), dlg.status.text()

    dlg.resume.setChecked(True)
    dlg.pdf_dir.setText(str(tmp_path / "edited meanwhile"))   # the run's folder is the one it was started with
    _run(qtbot, dlg)
    dlg.pdf_dir.setText(str(tmp_path / "edited after"))
    assert f"; 0 PDFs in {tmp_path / 'edited meanwhile'}." in dlg.status.text(), dlg.status.text()

    dlg.pdf_dir.setText("")                      # no PDF folder: nothing said of PDFs (a new output: a resume
    dlg.output.setText(str(tmp_path / "no_pdfs.csv"))   # of one written with PDFs is refused, naming the PDF folder)
    dlg.resume.setChecked(False)
    _run(qtbot, dlg)
    assert dlg.status.text().startswith("Done: 2 scored"), dlg.status.text()
    assert "PDF" not in dlg.status.text(), dlg.status.text()
