"""At the noise warning level (the record's noise load from ``QualityConfig.noise_calls_mv`` to ``noise_withhold_mv``)
the calls the noise can move are marked "(?) noise in LEADS may change this call", not only the record: a call whose
logit lies within the model's spread under noise (config.json's "noise_spread", measured on PTB-XL folds 1-8 by
scripts/noise_spread.py) of its threshold's. Below the warning level nothing is marked. The spread is part of the one
checkpoint format: written by ``save_checkpoint``, read in both forms, kept by ``mirage export``, left behind (and
said) by ``mirage calibrate`` and ``mirage ensemble``.

Truth: logits worked here from the probabilities and thresholds (math.log), the noise added here (white, its RMS in
mV, into V1-V4: 0.07 mV reads a load of about 0.10 mV, 0.03 mV about 0.045 on the bundled 100 Hz records), and
the CSV read back as a user reads it; the checkpoint's JSON read back with ``json`` (and the safetensors header
with ``safetensors``' own reader).
"""

from __future__ import annotations

import csv
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from helpers_models import TINY_LABELS, make_tiny_checkpoint
from helpers_training import make_folder, train_argv

from mirage_model.noise_spread import NoiseSpread, NoiseSpreadError
from mirage_model.quality import Finding, QualityReport
from mirage_model.review.interpret import doubted_calls, interpret
from test_quality_noise_calls import PTBXL, V1_V4, _write, noisy

pytestmark = pytest.mark.skipif(not PTBXL, reason="bundled samples not present")
NOTE = "noise in V1, V2, V3, V4 may change this call"
SPREAD = [3.0, 3.0, 0.1, 0.1, 3.0]          # the tiny model's (TINY_LABELS): NORM, MI, STTC, CD, HYP


def lg(p: float) -> float:
    return math.log(p / (1.0 - p))


def spread_doc(labels, rows, bands=(0.08, 0.10, 0.12, 0.15)) -> dict:
    return {"version": 1, "labels": list(labels), "bands_mv": list(bands), "spread_logit": rows}


def write_spread(folder, labels, rows, bands=(0.08, 0.10, 0.12, 0.15)):
    """Put a spread into checkpoint ``folder``'s config.json by hand (json), as a shipped model carries it."""
    doc = json.loads((folder / "config.json").read_text())
    doc["noise_spread"] = spread_doc(labels, rows, bands)
    (folder / "config.json").write_text(json.dumps(doc, indent=2))


def test_near_threshold_marked_far_not(tmp_path):
    """Spread 0.5 logit at a load of 0.09 mV: 0.55 against 0.5 (0.20 logit away) marked, 0.95 (2.94 away) not,
    0.45 (not called, 0.20 away) marked; a threshold under 20 % is judged at 20 % (the call's own edge): 0.25
    against 0.05 lies 0.29 logit from 0.2 (marked), 1.85 from 0.05."""
    s = NoiseSpread.from_dict(spread_doc("ABCD", [[0.5] * 4, [0.1] * 4, None]))
    p, t = [0.55, 0.95, 0.45, 0.25], [0.5, 0.5, 0.5, 0.05]
    assert abs(lg(0.55) - lg(0.5)) < 0.5 < abs(lg(0.95) - lg(0.5)) and abs(lg(0.25) - lg(0.2)) < 0.5
    assert s.marked(p, t, 0.09).tolist() == [True, False, True, True]
    assert s.marked(p, t, 0.11).tolist() == [False] * 4           # the next band's spread, 0.1 logit
    assert s.marked(p, t, 0.13).tolist() == [False] * 4           # not measured there
    assert s.marked(p, t, 0.07).tolist() == [False] * 4           # below the warning level
    assert s.marked(p, t, 0.15).tolist() == [False] * 4           # withheld from there


@pytest.mark.parametrize("doc", [{"labels": ["A"], "bands_mv": [0.08, 0.1], "spread_logit": [[1, 2]]},
                                 {"labels": ["A"], "bands_mv": [0.1, 0.08], "spread_logit": [[1]]},
                                 {"labels": ["A"], "bands_mv": [0.08, 0.1], "spread_logit": [[-1]]},
                                 {"labels": "A", "bands_mv": [0.08, 0.1], "spread_logit": [[1]]},
                                 {"labels": ["A"], "bands_mv": [0.08, 0.1], "spread_logit": [["wide"]]},
                                 ["A"]])
def test_a_malformed_spread_is_refused(doc):
    with pytest.raises(NoiseSpreadError, match="noise_spread"):
        NoiseSpread.from_dict(doc)


def test_a_spread_round_trips_its_json():
    """to_dict gives back the document read (a band measured for no label: null), and from_dict checks the labels
    against the model's."""
    doc = {**spread_doc(["A", "B"], [[0.5, 0.25], None, [1.5, 0.125]]), "quantile": 0.9, "conditions": [3, 0, 4],
           "fitted_on": "here"}
    assert NoiseSpread.from_dict(doc, ["A", "B"]).to_dict() == doc
    with pytest.raises(NoiseSpreadError, match="its labels are not the model's"):
        NoiseSpread.from_dict(doc, ["B", "A"])


def noise_report(leads=("V1", "V2", "V3", "V4")) -> QualityReport:
    return QualityReport("usable", "", (Finding("noise", "high-frequency (muscle) noise in leads "
                                                f"{', '.join(leads)} may change the model's calls (unconfirmed)",
                                                "warning", tuple(leads)),))


def test_statements_and_class_calls_marked_alike():
    """interpret marks the calls said among those the noise may move, with the noise's leads; a marked
    abnormal statement still keeps "normal ECG" away; doubted_calls marks the class model's calls the same way."""
    it = interpret(["IRBBB", "LAFB", "NORM", "AFLT"], [0.6, 0.9, 0.7, 0.3], [0.5, 0.5, 0.5, 0.5],
                   noise_calls=("IRBBB", "AFLT"), noise_leads="V1, V2, V3, V4")
    notes = {s.code: s.note for s in it.statements if s.source == "model"}
    assert notes["IRBBB"] == NOTE and notes["LAFB"] is None and "NORM" not in notes
    assert notes["AFLT"] is None        # said as the most probable rhythm, below its threshold: no call to change
    clean = interpret(["IRBBB", "NORM"], [0.6, 0.7], [0.5, 0.5], noise_calls=("NORM",), noise_leads="V1")
    assert [s.code for s in clean.statements if s.source == "model"] == ["IRBBB"]     # normal ECG still not said
    pred = SimpleNamespace(positive=("NORM", "MI"), noise_doubted=("MI", "CD"), quality=noise_report())
    assert doubted_calls(pred) == {"MI": NOTE}
    assert doubted_calls(SimpleNamespace(positive=("MI",), noise_doubted=("MI",), quality=None)) == {}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A tiny checkpoint (probabilities near 0.5, thresholds 0.2: about 1.4 logit apart) with a noise spread of
    3 logit for NORM, MI and HYP, 0.1 for STTC and CD, in every band."""
    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny", thresholds=[0.2] * len(TINY_LABELS))
    write_spread(folder, TINY_LABELS, [SPREAD] * 3)
    return folder


def test_predictor_marks_only_at_the_warning_level(model):
    """Noise of a load of about 0.10 mV in V1-V4: ``noise_doubted`` is every label within its spread of its
    threshold's, worked here from the probabilities; as recorded, and with the noise in V1 alone (a load of about
    0.05 mV: the noise named, not the calls), none."""
    from mirage_model.inference import Predictor
    from mirage_model.records import load_record

    pred = Predictor(model, threads=1)
    rec = load_record(PTBXL[0])
    got = pred.predict(noisy(rec, V1_V4, 0.07), explain=False)
    assert 0.08 <= got.quality.noise_load < 0.15
    near = tuple(lab for lab, p, t, s in zip(got.labels, got.probabilities, got.thresholds, SPREAD)
                 if abs(lg(min(max(float(p), 1e-4), 1 - 1e-4)) - lg(max(float(t), 0.2))) <= s)
    assert got.noise_doubted == near and near
    assert pred.predict(rec, explain=False).noise_doubted == ()
    low = pred.predict(noisy(rec, [6], 0.07), explain=False)
    assert low.quality.has("noise") and low.quality.noise_load < 0.08 and low.noise_doubted == ()


def test_a_bad_spread_refuses_the_checkpoint_naming_its_file(tmp_path, model):
    import shutil

    from mirage_model.checkpoint import CheckpointError, load_checkpoint

    folder = tmp_path / "bad"
    shutil.copytree(model, folder)
    write_spread(folder, ["NORM"], [[1.0]] * 3)
    with pytest.raises(CheckpointError, match=r"config\.json: bad noise_spread \(noise_spread: its labels are not "
                                              "the model's"):
        load_checkpoint(folder)
    write_spread(folder, TINY_LABELS, [[1.0] * 5] * 2)            # two rows for three bands
    with pytest.raises(CheckpointError, match=r"config\.json: bad noise_spread"):
        load_checkpoint(folder)


def test_save_checkpoint_writes_it_and_both_forms_read_it(tmp_path, model):
    """The key "noise_spread" of the checkpoint's JSON, in the folder's config.json and in a single .safetensors
    file's metadata (read back here with json and safetensors), loaded back the same; spreads of other labels are
    refused at saving, naming the destination."""
    from safetensors import safe_open

    from mirage_model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

    loaded = load_checkpoint(model)
    doc = {**spread_doc(TINY_LABELS, [SPREAD, [0.5] * 5, None]), "quantile": 0.9, "conditions": [1, 2, 0],
           "fitted_on": "t"}
    spread = NoiseSpread.from_dict(doc)
    kw = dict(model_type=loaded.model_type, task=loaded.task, labels=loaded.labels, schema=loaded.schema,
              preprocess=loaded.preprocess, render=loaded.render, thresholds=loaded.thresholds)
    folder = save_checkpoint(tmp_path / "folder", loaded.model, noise_spread=spread, **kw)
    single = save_checkpoint(tmp_path / "single.safetensors", loaded.model, noise_spread=doc, **kw)
    assert json.loads((folder / "config.json").read_text())["noise_spread"] == doc
    with safe_open(str(single), framework="pt") as fh:
        assert json.loads(fh.metadata()["mirage_config"])["noise_spread"] == doc
    for path in (folder, single):
        got = load_checkpoint(path).noise_spread
        # 0.5 against 0.45: 0.20 logit away, within 3.0, not within 0.1
        assert got.to_dict() == doc and got.marked([0.5] * 5, [0.45] * 5, 0.09).tolist() == [s > lg(0.5) - lg(0.45)
                                                                                            for s in SPREAD]
    assert load_checkpoint(save_checkpoint(tmp_path / "none", loaded.model, **kw)).noise_spread is None
    with pytest.raises(CheckpointError, match="other: noise_spread: its labels are not the model's"):
        save_checkpoint(tmp_path / "other", loaded.model, noise_spread=spread_doc(["A"], [[1.0]] * 3), **kw)


def scored_noisy_folder(tmp_path, model) -> tuple[dict[str, dict], object]:
    """``mirage score`` of a folder of two records: a PTB-XL sample under 0.07 mV of noise in V1-V4 ("noisy") and as
    recorded ("clean"). Returns ({record_id: CSV row}, ``model``'s prediction of the noisy record)."""
    from training_cli.main import main

    from mirage_model.inference import Predictor
    from mirage_model.records import load_record

    rec = load_record(PTBXL[0])
    folder = tmp_path / "records"
    folder.mkdir()
    _write(folder, noisy(rec, V1_V4, 0.07), "noisy")
    _write(folder, rec, "clean")
    out = tmp_path / "scores.csv"
    assert main(["score", str(folder), "--model", str(model), "--out", str(out), "--no-progress",
                 "--no-measure"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["record_id"]: r for r in csv.DictReader(fh)}
    return rows, Predictor(model, threads=1).predict(load_record(folder / "noisy.hea"), explain=False)


def test_score_marks_the_calls_in_the_csv(tmp_path, model):
    """``mirage score``: the calls noise-marked in "positive" as "X (?)" with why in the notes; none as recorded."""
    rows, got = scored_noisy_folder(tmp_path, model)
    marked = [lab for lab in got.positive if lab in got.noise_doubted]
    assert marked, "the tiny model calls nothing near its threshold here: pick another spread"
    assert rows["noisy"]["positive"].split(";") == [f"{lab} (?)" if lab in marked else lab for lab in got.positive]
    assert all(f"{lab} (?): {NOTE}" in rows["noisy"]["notes"] for lab in marked)
    assert "(?)" not in rows["clean"]["positive"]


def test_the_script_writes_the_key_and_nothing_else(tmp_path):
    """scripts/noise_spread.py fit --write: config.json gains the key "noise_spread" (the text before it as it
    was, every other key the same), the weights' bytes are untouched, and the checkpoint loads with it; a spread of
    other labels is refused and the file left as it was."""
    from helpers_scripts import load_script

    from mirage_model.checkpoint import load_checkpoint

    folder = make_tiny_checkpoint(tmp_path / "m")
    text, weights = (folder / "config.json").read_text(), (folder / "model.safetensors").read_bytes()
    doc = {**spread_doc(TINY_LABELS, [SPREAD, SPREAD, None]), "quantile": 0.9, "conditions": [5, 6, 0],
           "fitted_on": "here"}
    script = load_script("noise_spread")
    script.write_spread(folder, doc)
    new = (folder / "config.json").read_text()
    assert new.startswith(text.rstrip()[:-1].rstrip() + ",\n  \"noise_spread\": {")
    got = json.loads(new)
    assert got.pop("noise_spread") == doc and got == json.loads(text)
    assert (folder / "model.safetensors").read_bytes() == weights
    assert load_checkpoint(folder).noise_spread.to_dict() == doc and script.read_spread(folder).to_dict() == doc
    with pytest.raises(NoiseSpreadError, match="its labels are not the model's"):
        script.write_spread(folder, spread_doc(["A"], [[1.0]] * 3))
    assert (folder / "config.json").read_text() == new


def _folder_data(tmp_path) -> list[str]:
    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    return ["--data", f"folder:{root}", "--labels", str(labels), "--cache-dir", str(tmp_path / "cache"),
            "--workers", "1", "--no-progress", "--threads", "1"]


def test_export_keeps_the_spread(tmp_path, model):
    """`mirage export` writes the same probabilities (the same calibration): the spread goes with them, and its card
    says how the calls are marked."""
    from training_cli.main import main

    assert main(["export", "--model", str(model), "--out", str(tmp_path / "out")]) == 0
    got = json.loads((tmp_path / "out" / "config.json").read_text())["noise_spread"]
    given = json.loads((model / "config.json").read_text())["noise_spread"]
    assert {k: got[k] for k in given} == given and got["spread_logit"] == [SPREAD] * 3
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert "- Noise marks: at a noise load of 0.08-0.15 mV" in card and "scripts/noise_spread.py" in card


CARD = """# Model card: tiny

## Model
- Probabilities: calibrated on the val split (NORM platt; `mirage calibrate`); thresholds chosen after calibration
- Noise marks: at a noise load of 0.08-0.15 mV a call ... is marked
- Thresholds (max F1 on the validation split): NORM 0.200

## Noise marks
On fold 9 it marked 27 of the 29 calls the noise added.

## Intended use and limits
- Research and education.
"""


def test_calibrate_leaves_the_spread_behind_and_says_so(tmp_path, model, capsys):
    """A new calibration moves the logits the spread was measured on: the calibrated checkpoint has none, stdout
    says so, and its card's "Noise marks" (line and section) become one line saying why, under the calibration's;
    the rest of the card as it was."""
    import shutil

    from training_cli.main import main

    src = tmp_path / "src"
    shutil.copytree(model, src)
    (src / "MODEL_CARD.md").write_text(CARD)
    capsys.readouterr()
    assert main(["calibrate", "--model", str(src), *_folder_data(tmp_path), "--out", str(tmp_path / "cal")]) == 0
    said = capsys.readouterr().out
    assert "noise marks: none; the noise spread of the checkpoint read was measured for its own calibration" in said
    assert "noise_spread" not in json.loads((tmp_path / "cal" / "config.json").read_text())
    card = (tmp_path / "cal" / "MODEL_CARD.md").read_text().splitlines()
    assert card[3].startswith("- Probabilities:") and card[4].startswith("- Noise marks: none; the noise spread")
    assert card[5].startswith("- Thresholds") and "## Noise marks" not in card and "27 of the 29" not in "\n".join(card)
    assert card[-2:] == ["## Intended use and limits", "- Research and education."]
    # without a spread nothing is said
    assert main(["calibrate", "--model", str(tmp_path / "cal"), *_folder_data(tmp_path), "--out",
                 str(tmp_path / "again")]) == 0
    assert "noise marks" not in capsys.readouterr().out
    assert "- Noise marks: none" in (tmp_path / "again" / "MODEL_CARD.md").read_text()     # the card carried


def test_ensemble_leaves_the_spread_behind_and_says_so(tmp_path, model, capsys):
    """An ensemble's probabilities are its members' mean: no member's spread is its own. Said for the model named
    that carries one (a member of an ensemble that carries one, too), not for the other."""
    from training_cli.main import main

    data = _folder_data(tmp_path)
    other = make_tiny_checkpoint(tmp_path / "other", seed=1)
    capsys.readouterr()
    assert main(["ensemble", str(model), str(other), "--out", str(tmp_path / "ens"), *data]) == 0
    said = capsys.readouterr().out
    assert f"{model}: its noise spread is not carried into the ensemble" in said and f"{other}:" not in said
    assert "noise_spread" not in json.loads((tmp_path / "ens" / "config.json").read_text())
    write_spread(tmp_path / "ens", TINY_LABELS, [SPREAD] * 3)
    assert main(["ensemble", f"{tmp_path / 'ens'}#1", str(model), "--out", str(tmp_path / "ens2"), *data]) == 0
    said = capsys.readouterr().out
    assert f"{tmp_path / 'ens'}#1: its noise spread is not carried" in said and f"{model}: its noise" in said
    assert "noise_spread" not in json.loads((tmp_path / "ens2" / "config.json").read_text())


@pytest.mark.slow
def test_train_writes_no_spread(tmp_path):
    """A trained model has not been measured under noise: ``mirage train`` writes none, also from --init-from a
    checkpoint that carries one."""
    from training_cli.main import main

    root, labels = make_folder(tmp_path / "data", n_copies=3, split_column=True)
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["train", *train_argv(f"folder:{root}", first, tmp_path / "cache", "--epochs", "1", "--no-test",
                                      labels=labels)]) == 0
    own = json.loads((first / "model" / "config.json").read_text())["labels"]
    write_spread(first / "model", own, [[1.0] * len(own)] * 3)
    assert main(["train", *train_argv(f"folder:{root}", again, tmp_path / "cache", "--epochs", "1", "--no-test",
                                      "--init-from", str(first / "model"), labels=labels)]) == 0
    assert "noise_spread" not in json.loads((again / "model" / "config.json").read_text())


@pytest.mark.slow
def test_shipped_models_mark_the_calls_nearest_their_thresholds():
    """The shipped models' spreads on a bundled record with white noise of 0.07 mV in V1-V4 (a load of about
    0.10 mV): the labels marked are those whose logit lies within the shipped spread of their threshold's, worked
    here from the probabilities and the JSON; the statements said among them carry the note, the others none; as
    recorded nothing is marked."""
    from mirage_model.inference import Predictor
    from mirage_model.paths import shipped_models
    from mirage_model.records import load_record
    from mirage_model.review.interpret import interpret_prediction

    folders = {m: shipped_models().get(m) for m in ("default", "statements", "mi")}
    if any(f is None for f in folders.values()):
        pytest.skip("shipped models not present")
    rec = load_record(PTBXL[0])
    for name, folder in folders.items():
        doc = json.loads((folder / "config.json").read_text())["noise_spread"]
        pred = Predictor(folder, threads=1)
        got = pred.predict(noisy(rec, V1_V4, 0.07), explain=False)
        load = got.quality.noise_load
        band = next(k for k, (lo, hi) in enumerate(zip(doc["bands_mv"], doc["bands_mv"][1:])) if lo <= load < hi)
        dist = {lab: abs(lg(min(max(float(p), 1e-4), 1 - 1e-4)) - lg(max(float(t), 0.2)))
                for lab, p, t in zip(got.labels, got.probabilities, got.thresholds)}
        spread = dict(zip(doc["labels"], doc["spread_logit"][band]))
        assert got.noise_doubted == tuple(lab for lab in got.labels if dist[lab] <= spread[lab]), name
        assert pred.predict(rec, explain=False).noise_doubted == ()
        if name == "statements":
            it = interpret_prediction(got)
            for s in it.statements:
                if s.source == "model" and s.code in got.positive:
                    assert (s.note == NOTE) == (s.code in got.noise_doubted) or s.note not in (None, NOTE), s
        else:
            assert set(doubted_calls(got)) == set(got.positive) & set(got.noise_doubted)
