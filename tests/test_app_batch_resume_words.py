"""A resumed run the batch dialog cannot carry on says what to do in the dialog's own words: untick Resume, or
choose another output CSV. It had said the command's ("Run without --resume to score every record again", "with
--no-measure, --pdf-dir, --all-statements or --compare-prior changed"): options the dialog has no field of, read
by research staff who had ticked Resume and set a PDF folder for a second run over the same folder.
``mirage score --resume`` keeps its own words.

Truth: the output's columns written by the first run (no PDF folder: no ``pdf`` column), and the model name each
tiny checkpoint was saved with; what the dialog offers is its Resume box and its Output CSV field."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")
from helpers_batch import checkpoint, run_batch_dialog  # noqa: E402,F401
from mirage_model.paths import resources_dir  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "1.hea").is_file(), reason="bundled LUDB samples not present")


def _resumed(qtbot, model, folder, out, pdf_dir=None) -> str:
    """The status line of a dialog that resumes ``out`` with ``model`` (and a PDF folder)."""
    from app.dialogs.batch import BatchDialog
    from helpers_app import WAIT_MS
    from mirage_model.inference import Predictor

    dlg = BatchDialog(None, predictor=Predictor(model, device="cpu"), device="auto", folder=str(folder))
    qtbot.addWidget(dlg)
    dlg.output.setText(str(out))
    if pdf_dir is not None:
        dlg.pdf_dir.setText(str(pdf_dir))
    dlg.resume.setChecked(True)
    dlg.start()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=WAIT_MS)
    return dlg.status.text()


@pytest.fixture
def scored(qtbot, tmp_path, checkpoint):
    """LUDB record 1 scored by the dialog into scores.csv, without a PDF folder: (folder, output)."""
    folder = tmp_path / "records"
    folder.mkdir()
    for f in LUDB.glob("1.*"):
        shutil.copy(f, folder / f.name)
    out = tmp_path / "scores.csv"
    run_batch_dialog(qtbot, checkpoint, folder, out)
    assert "pdf" not in out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    return folder, out


def test_a_resume_with_a_pdf_folder_added_says_untick_resume(qtbot, tmp_path, checkpoint, scored):
    folder, out = scored
    said = _resumed(qtbot, checkpoint, folder, out, pdf_dir=tmp_path / "pdfs")
    assert "cannot resume: it lacks the column pdf, which this run writes" in said
    assert "Untick Resume to score every record again, or choose another output CSV" in said
    assert "the PDF folder" in said
    assert "--" not in said, said


def test_a_resume_with_another_model_says_untick_resume(qtbot, tmp_path, scored):
    from helpers_models import make_tiny_checkpoint

    folder, out = scored
    other = make_tiny_checkpoint(tmp_path / "other", name="other-model")
    said = _resumed(qtbot, other, folder, out)
    assert "cannot resume: its rows were scored with the model" in said and "'other-model'" in said
    assert "Untick Resume to score every record again, or choose another output CSV" in said
    assert "--" not in said, said


def test_mirage_score_keeps_its_own_words(tmp_path, checkpoint, scored):
    from mirage_model.inference import Predictor
    from mirage_model.review.batch import score_folder
    from mirage_model.review.batch.errors import BatchError

    folder, out = scored
    with pytest.raises(BatchError) as err:
        score_folder(folder, Predictor(checkpoint, device="cpu"), out, resume=True, pdf_dir=tmp_path / "pdfs")
    assert "Run without --resume to score every record again" in str(err.value)
    assert "--pdf-dir" in str(err.value)
