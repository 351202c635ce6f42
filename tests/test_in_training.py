"""A record the model was trained or selected on is marked where it is scored: ``mirage train`` keeps the fingerprints
of its training and validation records' files (``records.fingerprint``), and ``mirage score``'s ``in_training`` column
says "train" or "val" for such a record, whatever it is called now. Before, nothing was kept: a training record's
optimistic probability read like any other.

Truth: the split column of the labels table the model is trained with (written here), and copies made here (a record
renamed into another folder; a record whose samples were changed). Each record's samples differ from every other's
(one sample set apart), so that no two records share their content.
"""

from __future__ import annotations

import csv
import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
from reportlab.platypus import Paragraph

from helpers_training import PTBXL_LABELS, SAMPLES
from mirage_model.records.fingerprint import METHOD, TrainingRecords, record_fingerprint
from tests.helpers_models import make_tiny_checkpoint
from training_cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _distinct_folder(root, copies=3):
    """The four shipped PTB-XL records ``copies`` times, each copy's first sample of lead I set apart by its number
    (format 16: two bytes), with labels.csv: copy 0 train, 1 val, 2 test. -> (root, labels.csv, {stem: split})."""
    recs = sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))
    root.mkdir(parents=True)
    rows, splits, k = ["record_id,labels,split"], {}, 0
    for c in range(copies):
        for hea in recs:
            stem = f"ecg{k:03d}"
            (root / f"{stem}.hea").write_text(hea.read_text().replace(hea.stem, stem))
            data = bytearray(hea.with_suffix(".dat").read_bytes())
            first = int(np.frombuffer(bytes(data[:2]), "<i2")[0])
            data[:2] = np.int16(first + 1 + k).tobytes()
            (root / f"{stem}.dat").write_bytes(bytes(data))
            splits[stem] = ("train", "val", "test")[c]
            rows.append(f"{stem},{PTBXL_LABELS[hea.stem]},{splits[stem]}")
            k += 1
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root, root / "labels.csv", splits


def _score(folder, model, out):
    assert main(["score", str(folder), "--model", str(model), "--out", str(out), "--no-progress", "--no-measure",
                 "--statements-model", "none"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        return {r["record_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained one epoch on ``_distinct_folder`` (no test split scored), calibrated, and the calibrated
    model exported."""
    base = tmp_path_factory.mktemp("in_training")
    root, labels, splits = _distinct_folder(base / "data")
    run = base / "run"
    assert main(["train", "--data", f"folder:{root}", "--labels", str(labels), "--preset", "tiny", "--epochs", "1",
                 "--batch-size", "4", "--no-test", "--cache-dir", str(base / "cache"), "--no-progress",
                 "--threads", "1", "--out", str(run)]) == 0
    assert main(["calibrate", "--model", str(run / "model"), "--data", f"folder:{root}", "--labels", str(labels),
                 "--cache-dir", str(base / "cache"), "--no-progress", "--threads", "1",
                 "--out", str(base / "cal")]) == 0
    assert main(["export", "--model", str(base / "cal"), "--out", str(base / "export")]) == 0
    return SimpleNamespace(root=root, splits=splits, model=run / "model", export=base / "export", cal=base / "cal")


def test_score_marks_the_records_the_model_was_trained_and_selected_on(trained, tmp_path, capsys):
    root, splits = trained.root, trained.splits
    entry = json.loads((trained.model / "config.json").read_text())["provenance"]["training_records"]
    assert entry["counts"] == {"train": 4, "val": 4} and entry["unread"] == {"train": 0, "val": 0}
    # mirage calibrate and mirage export (of the calibrated model) keep them as they were
    for kept in (trained.cal, trained.export):
        assert json.loads((kept / "config.json").read_text())["provenance"]["training_records"] == entry
    rows = _score(root, trained.model, tmp_path / "scores.csv")
    assert {rid: r["in_training"] for rid, r in rows.items()} == \
        {stem: split if split != "test" else "" for stem, split in splits.items()}
    assert ("warning: 8 records scored are ones the model was trained, or selected and calibrated, on (train 4, "
            "val 4): their probabilities are optimistic") in capsys.readouterr().err
    # the exported model keeps them; a training record renamed into another folder (its header rewritten) is still
    # one; a test record is not
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "renamed.hea").write_text((root / "ecg000.hea").read_text().replace("ecg000", "renamed"))
    shutil.copy(root / "ecg000.dat", other / "renamed.dat")
    shutil.copy(root / "ecg008.hea", other / "ecg008.hea")
    shutil.copy(root / "ecg008.dat", other / "ecg008.dat")
    moved = _score(other, trained.export, tmp_path / "moved.csv")
    assert {rid: r["in_training"] for rid, r in moved.items()} == {"renamed": "train", "ecg008": ""}
    # its samples changed: another record, not marked
    data = bytearray((other / "renamed.dat").read_bytes())
    data[2:4] = (int(np.frombuffer(bytes(data[2:4]), "<i2")[0]) + 3).to_bytes(2, "little", signed=True)
    (other / "renamed.dat").write_bytes(bytes(data))
    assert _score(other, trained.export, tmp_path / "changed.csv")["renamed"]["in_training"] == ""


def test_the_pdf_and_the_app_say_it(trained, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from helpers_app import WAIT_MS, shown_window
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record
    from mirage_model.review.report.result import result_flowables
    from mirage_model.review.report.styles import styles

    predictor = Predictor(trained.model, device="cpu")
    said = {}
    for stem in ("ecg000", "ecg004", "ecg008"):         # train, val, test
        pred = predictor.predict(load_record(trained.root / f"{stem}.hea"), explain=False)
        flow = result_flowables(SimpleNamespace(prediction=pred, record=None, session=None), styles(), None)
        said[stem] = [f.text for f in flow if isinstance(f, Paragraph) and "TRAINING RECORD" in f.text]
    assert said == {"ecg000": ["TRAINING RECORD: a record this model was trained on: its probabilities are "
                               "optimistic, no measure of the model."],
                    "ecg004": ["TRAINING RECORD: a record this model was selected and calibrated on (its validation "
                               "split): its probabilities are optimistic, no measure of the model."],
                    "ecg008": []}
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = shown_window(qtbot, trained.model)
    shown = {}
    for stem in ("ecg000", "ecg008"):
        with qtbot.waitSignal(window.predictionReady, timeout=WAIT_MS):
            window.open_record(str(trained.root / f"{stem}.hea"))
        shown[stem] = window.results.positive.text()
    assert "<b>Training record</b>: a record this model was trained on: its probabilities are optimistic" \
        in shown["ecg000"]
    assert "Training record" not in shown["ecg008"]


def test_a_model_that_keeps_no_fingerprints_marks_nothing(tmp_path):
    """A model trained before they were kept keeps none: the column is empty, never a guess."""
    root, _, _ = _distinct_folder(tmp_path / "data", copies=1)
    tiny = make_tiny_checkpoint(tmp_path / "tiny")
    assert "training_records" not in json.loads((tiny / "config.json").read_text())["provenance"]
    assert all(r["in_training"] == "" for r in _score(root, tiny, tmp_path / "s.csv").values())


def test_fingerprints_read_the_signal_files_not_the_names(tmp_path):
    root, _, _ = _distinct_folder(tmp_path / "data", copies=2)
    a, b = record_fingerprint(root / "ecg000.hea"), record_fingerprint(root / "ecg004.hea")
    assert a is not None and len(a) == 8 and a != b                 # same source record, one sample apart
    # the stem and the signal file name the same record
    assert record_fingerprint(root / "ecg000") == record_fingerprint(root / "ecg000.dat") == a
    assert record_fingerprint(tmp_path / "gone.hea") is None
    # an entry of another method, or damaged, is no list
    assert TrainingRecords.of({"training_records": {"method": "md5", "train": "", "val": ""}}) is None
    for damaged in ("AAA", "AAAA"):                                  # not base64; 3 bytes, no 8-byte digest
        assert TrainingRecords.of({"training_records": {"method": METHOD, "train": damaged, "val": ""}}) is None
    assert TrainingRecords.of({}) is None
