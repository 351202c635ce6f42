"""A child's note said "the models were trained on adults' ECGs (PTB-XL: 64 of 21,799 records under 16 years)" of a
researcher's own model too (trained on their data, ``Prediction.ptbxl_labels`` False): nothing of PTB-XL is said of a
model not trained on it, and its statements claim no adult training data."""

from __future__ import annotations

import numpy as np

from mirage_model.inference.prediction import Prediction
from mirage_model.review.interpret import PAEDIATRIC_HEAD, interpret_prediction

VALUES = {"heart_rate_bpm": 95.0, "qrs_ms": 80.0, "pr_ms": 130.0}


def _pred(labels, ptbxl):
    k = len(labels)
    return Prediction(labels=tuple(labels), probabilities=np.full(k, 0.9), thresholds=np.full(k, .5),
                      positive=tuple(labels), model_name="m", ptbxl_labels=ptbxl)


def _note(it):
    return next(n for n in it.notes if n.startswith(PAEDIATRIC_HEAD))


def test_an_own_model_alone_says_nothing_of_ptbxl():
    it = interpret_prediction(_pred(["PVC"], ptbxl=False), VALUES, "F", age=6)
    assert "PTB-XL" not in _note(it) and "adults' ECGs" not in _note(it)
    assert _note(it).endswith("the model's training data are those its model card names")
    own = next(s for s in it.statements if s.code == "PVC")
    assert not own.adult_trained and "trained on adults" not in own.source_tag()


def test_beside_the_statements_model_each_model_is_said_for_what_it_was_trained_on():
    it = interpret_prediction(_pred(["SR"], ptbxl=True), VALUES, "F", age=6, own=_pred(["PVC"], ptbxl=False))
    assert "the statements model was trained on adults' ECGs (PTB-XL: 64 of 21,799" in _note(it)
    assert "the loaded model on the data its model card names" in _note(it)


def test_ptbxl_models_keep_their_note():
    it = interpret_prediction(_pred(["SR"], ptbxl=True), VALUES, "F", age=6)
    assert _note(it).endswith("the models were trained on adults' ECGs (PTB-XL: 64 of 21,799 records under 16 years)")


def test_a_batch_run_with_an_own_model_says_its_childrens_note_so(tmp_path):
    """``mirage score``'s run summary said the child's "[paediatric: adult limits not applied]" meant, among others,
    "the models were trained on adults' ECGs (PTB-XL ...)" of a researcher's own model too, while the rows' own
    interpretation (``interpret_prediction``) said the model card's words."""
    import shutil

    import mirage_model as mm
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.batch import score_folder

    src = mm.resources_dir() / "samples" / "ludb"
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copy(src / "1.dat", folder / "1.dat")
    (folder / "1.hea").write_text((src / "1.hea").read_text().replace("#<age>: 51", "#<age>: 6"))
    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    predictor.ptbxl_labels = False            # trained on a researcher's own data
    summary = score_folder(folder, predictor, tmp_path / "r.csv", measure=False)
    assert summary.paediatric == 1
    line = summary.paediatric_line()
    assert line.endswith("the model's training data are those its model card names") and "PTB-XL" not in line
