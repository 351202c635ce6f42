"""``mirage score``'s statements: the interpretation column (interpret()'s text for each record) and
``--all-statements`` (one stmt_<CODE> probability column per PTB-XL statement the model carries)."""

from __future__ import annotations

import csv
import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.clinical import parse_sex, record_values
from mirage_model.measure import measure
from mirage_model.review.batch import columns, score_folder
from mirage_model.review.batch.loading import LoadedRecord
from mirage_model.review.batch.rows import Scorer
from mirage_model.review.interpret import STATEMENTS, gain_evidence, interpret
from mirage_model.review.measurements import amplitudes_not_in_mv
from training_cli.main import main

# sinus rhythm always above its threshold, the rest never: the interpretation has a model statement
LABELS = ("SR", "AFIB", "1AVB", "CLBBB", "NORM")
THRESHOLDS = (0.0, 1.01, 1.01, 1.01, 1.01)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Two real records (PTB-XL 100 Hz, LUDB 500 Hz) copied from the bundled samples."""
    root = tmp_path_factory.mktemp("records")
    base = mm.resources_dir() / "samples"
    picked = [p for p in mm.sample_records() if p.stem in ("00417_lr", "14")]
    if len(picked) < 2:
        pytest.skip("bundled samples 00417_lr and LUDB 14 not present")
    for hea in picked:
        rel = hea.parent.relative_to(base)
        (root / rel).mkdir(parents=True, exist_ok=True)
        for f in hea.parent.glob(hea.stem + ".*"):
            shutil.copy(f, root / rel / f.name)
    return root


@pytest.fixture(scope="module")
def statements_ckpt(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "stmt", labels=LABELS, thresholds=THRESHOLDS,
                                name="tiny-statements")


@pytest.fixture(scope="module")
def superclass_ckpt(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_interpretation_column_is_interpret_text_and_all_statements(folder, statements_ckpt, tmp_path):
    predictor = mm.Predictor(statements_ckpt, device="cpu")
    out = tmp_path / "out.csv"
    summary = score_folder(folder, predictor, out, all_statements=True)
    assert summary.scored == 2
    rows = _rows(out)
    cols = list(rows[0])
    # the existing columns first and in their order, then the interpretation, then one column per statement
    assert cols[:len(columns(LABELS))] == columns(LABELS)
    assert cols[len(columns(LABELS)):] == [f"stmt_{c}" for c in LABELS]
    for row in rows:
        record = mm.load_record(folder / row["record_path"])
        values = record_values(record)
        pred = predictor.predict(record, values, explain=False)
        m = measure(record)
        # LUDB stores every lead scaled to 1.00 mV: the quality check says so, and no voltage rule is read
        expected = interpret(list(pred.labels), pred.probabilities, pred.thresholds, m.as_dict(),
                             parse_sex(values.get("sex")), withheld=pred.withheld or None,
                             irregular=m.rhythm_irregular, rr_nrmssd=m.rr_nrmssd,
                             amplitudes=gain_evidence(pred.quality), scaled=amplitudes_not_in_mv(pred.quality)).text()
        assert row["interpretation"] == expected
        assert expected.startswith(("Sinus", "WITHHELD"))        # SR is always above its threshold
        for lab, p in zip(pred.labels, pred.probabilities):
            assert float(row[f"stmt_{lab}"]) == pytest.approx(float(p), abs=2e-5)
            assert row[f"stmt_{lab}"] == row[f"prob_{lab}"]


def test_superclass_model_interpretation_and_no_statement_columns(folder, superclass_ckpt, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = main(["score", str(folder), "--out", str(out), "--model", str(superclass_ckpt), "--all-statements",
                 "--no-progress", "--device", "cpu"])
    assert code == 0
    err = capsys.readouterr().err
    assert err.count("carries no PTB-XL statement labels") == 1 and "NORM, MI, STTC, CD, HYP" in err
    rows = _rows(out)
    assert not [c for c in rows[0] if c.startswith("stmt_")]
    predictor = mm.Predictor(superclass_ckpt, device="cpu")
    for row in rows:
        record = mm.load_record(folder / row["record_path"])
        values = record_values(record)
        pred = predictor.predict(record, values, explain=False)
        m = measure(record)
        # only NORM of the superclasses is a PTB-XL statement ("Normal ECG"), and it is not said
        # beside an abnormal superclass above its threshold
        keep = [k for k, lab in enumerate(pred.labels) if lab in STATEMENTS]
        assert [pred.labels[k] for k in keep] == ["NORM"]
        abnormal = [lab for lab, p, t in zip(pred.labels, pred.probabilities, pred.thresholds)
                    if lab != "NORM" and p >= t]
        if abnormal:
            keep = []
            assert "Normal ECG" not in row["interpretation"]
        expected = interpret([pred.labels[k] for k in keep], np.asarray(pred.probabilities)[keep],
                             np.asarray(pred.thresholds)[keep], m.as_dict(), parse_sex(values.get("sex")),
                             withheld=pred.withheld or None, irregular=m.rhythm_irregular, rr_nrmssd=m.rr_nrmssd,
                             amplitudes=gain_evidence(pred.quality), scaled=amplitudes_not_in_mv(pred.quality)).text()
        assert row["interpretation"] == expected
        assert row["interpretation"].startswith("Rhythm not classified, ")     # no rhythm statement


def test_withheld_result_says_so(folder, statements_ckpt):
    """A record the quality gate withholds: the interpretation column starts with WITHHELD and the reason."""
    predictor = mm.Predictor(statements_ckpt, device="cpu")
    path = next(folder.rglob("00417_lr.hea"))
    record = mm.load_record(path)
    pred = dataclasses.replace(predictor.predict(record, None, explain=False), positive=(),
                               withheld="paced rhythm (pacemaker spikes)")
    scorer = Scorer(predictor, folder, {}, False, None, False, None, columns(LABELS))
    row = scorer.ok_row(LoadedRecord(path=str(path), record=record), pred, {})
    assert row["interpretation"] == "WITHHELD (paced rhythm (pacemaker spikes)): Sinus rhythm"


def test_statements_model_beside_a_superclass_model(folder, superclass_ckpt, statements_ckpt, tmp_path):
    """The superclass model's probabilities and the statements model's interpretation in one row,
    each named: prob_ from the one, interpretation and stmt_ from the other, statements_model says which."""
    sup = mm.Predictor(superclass_ckpt, device="cpu")
    stm = mm.Predictor(statements_ckpt, device="cpu")
    out = tmp_path / "both.csv"
    summary = score_folder(folder, sup, out, all_statements=True, statements_predictor=stm)
    assert summary.scored == 2
    rows = _rows(out)
    assert [c for c in rows[0] if c.startswith("prob_")] == [f"prob_{c}" for c in sup.labels]
    assert [c for c in rows[0] if c.startswith("stmt_")] == [f"stmt_{c}" for c in LABELS]
    for row in rows:
        record = mm.load_record(folder / row["record_path"])
        values = record_values(record)
        p_sup = sup.predict(record, values, explain=False)
        p_stm = stm.predict(record, values, explain=False)
        m = measure(record)
        expected = interpret(list(p_stm.labels), p_stm.probabilities, p_stm.thresholds, m.as_dict(),
                             parse_sex(values.get("sex")), withheld=p_stm.withheld or None,
                             irregular=m.rhythm_irregular, rr_nrmssd=m.rr_nrmssd,
                             amplitudes=gain_evidence(p_stm.quality), scaled=amplitudes_not_in_mv(p_stm.quality)).text()
        assert row["interpretation"] == expected and "Sinus" in expected
        assert row["statements_model"] == p_stm.model_name and row["model"] == p_sup.model_name
        assert p_stm.model_name != p_sup.model_name
        for lab, p in zip(p_sup.labels, p_sup.probabilities):
            assert float(row[f"prob_{lab}"]) == pytest.approx(float(p), abs=2e-5)
        for lab, p in zip(p_stm.labels, p_stm.probabilities):
            assert float(row[f"stmt_{lab}"]) == pytest.approx(float(p), abs=2e-5)


def test_cli_statements_model_option(folder, superclass_ckpt, statements_ckpt, tmp_path, monkeypatch):
    """``--statements-model PATH`` runs it beside --model; ``auto`` takes MIRAGE_STATEMENTS_MODEL (the
    shipped one in a real install); ``none``: the superclass model and the rules alone."""
    rows = {}
    monkeypatch.setenv("MIRAGE_STATEMENTS_MODEL", str(statements_ckpt))
    for choice in (str(statements_ckpt), "auto", "none"):
        out = tmp_path / f"{len(rows)}.csv"
        code = main(["score", str(folder), "--out", str(out), "--model", str(superclass_ckpt),
                     "--statements-model", choice, "--no-progress", "--device", "cpu", "--no-measure"])
        assert code == 0
        rows[choice] = _rows(out)
    name = mm.Predictor(statements_ckpt, device="cpu").name
    for choice in (str(statements_ckpt), "auto"):
        assert {r["statements_model"] for r in rows[choice]} == {name}
        assert all(r["interpretation"].startswith("Sinus rhythm") for r in rows[choice])
    assert {r["statements_model"] for r in rows["none"]} == {""}
    assert not any("Sinus" in r["interpretation"] for r in rows["none"])


def test_report_command_runs_the_statements_model_beside(folder, superclass_ckpt, statements_ckpt, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    record = next(folder.rglob("14.hea"))
    texts = {}
    for choice in (str(statements_ckpt), "none"):
        out = tmp_path / f"{len(texts)}.pdf"
        assert main(["report", str(record), "--out", str(out), "--model", str(superclass_ckpt),
                     "--statements-model", choice, "--device", "cpu"]) == 0
        texts[choice] = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    # the statements model named on page 1 (which model the interpretation's statements come from), in the
    # fullest wording that fits ("Statements: model X" or, shorter, "Statements: X")
    assert re.search(r"Statements: (model )?tiny-statements, 1 of 5", texts[str(statements_ckpt)])
    assert "Sinus rhythm" in texts[str(statements_ckpt)]
    assert "Statements: model" not in texts["none"] and "Sinus rhythm" not in texts["none"]


def _doubted(interpretation: str) -> list[str]:
    """The statements the interpretation column marks "(?)", in its order (a WITHHELD prefix set aside)."""
    if interpretation.startswith("WITHHELD ("):
        interpretation = interpretation.split("): ", 1)[1]
    return [part[:-len(" (?)")] for part in interpretation.split("; ") if part.endswith(" (?)")]


def test_interpretation_notes_say_why_each_doubted_statement_is_doubted(folder, tmp_path):
    """The interpretation column marked a doubted statement "(?)" and the reason was only in the app and
    the PDF. ``interpretation_notes``, right after it, gives each "(?)" statement with its reason, in the
    same order: here a model that calls first degree AV block and left bundle branch block on records
    whose measured PR and QRS (the row's own pr_ms and qrs_ms columns) do not support them."""
    import re

    from helpers_models import make_tiny_checkpoint

    ckpt = make_tiny_checkpoint(tmp_path / "doubting", labels=LABELS, thresholds=(0.0, 1.01, 0.0, 0.0, 1.01),
                                name="tiny-doubting")
    out = tmp_path / "out.csv"
    assert score_folder(folder, mm.Predictor(ckpt, device="cpu"), out).scored == 2
    rows = _rows(out)
    cols = list(rows[0])
    assert cols[cols.index("interpretation") + 1] == "interpretation_notes"
    checked = 0
    for row in rows:
        notes = row["interpretation_notes"].split("; ") if row["interpretation_notes"] else []
        assert [n.split(" (?): ")[0] for n in notes] == _doubted(row["interpretation"]), row
        for n in notes:
            pr = re.fullmatch(r"First degree AV block \(\?\): not supported by the measured PR ([\d.]+) ms", n)
            qrs = re.fullmatch(r"Left bundle branch block \(\?\): not supported by the measured QRS ([\d.]+) ms "
                               r"\(complete block: >= 120 ms\)", n)
            if pr:
                assert float(pr.group(1)) == pytest.approx(float(row["pr_ms"]), abs=0.51) and float(row["pr_ms"]) <= 200
            if qrs:
                assert float(qrs.group(1)) == pytest.approx(float(row["qrs_ms"]), abs=0.51)
                assert float(row["qrs_ms"]) < 120
            checked += bool(pr or qrs)
    assert checked >= 2, rows


def test_interpretation_notes_cannot_start_a_spreadsheet_formula(folder, statements_ckpt, tmp_path, monkeypatch):
    """A reason is text like any other cell: one that starts like a formula is written with a quote
    before it (OWASP CSV injection) and read back as it was."""
    from mirage_model.review import interpret as interp
    from mirage_model.review.batch.outputs import read_rows

    formula = '=HYPERLINK("http://example.invalid","check")'
    monkeypatch.setattr(interp.Interpretation, "notes_text", lambda self: formula)
    out = tmp_path / "out.csv"
    assert score_folder(folder, mm.Predictor(statements_ckpt, device="cpu"), out).scored == 2
    with out.open(newline="", encoding="utf-8-sig") as fh:
        raw = list(csv.reader(fh))
    k = raw[0].index("interpretation_notes")
    assert all(r[k] == "'" + formula for r in raw[1:])
    assert all(r["interpretation_notes"] == formula for r in read_rows(out)[1])


def test_the_csv_says_where_the_two_models_disagree_on_infarction(folder, tmp_path):
    """Page 1 and the app say "Models disagree on infarction: ..." where the superclass model calls MI and
    the statements model states no infarct (CinC E00009); the CSV's interpretation_notes said nothing of it.
    Here a superclass model whose MI is always called beside a statements model whose IMI never is."""
    from helpers_models import make_tiny_checkpoint

    sup = make_tiny_checkpoint(tmp_path / "sup", thresholds=(1.01, 0.0, 1.01, 1.01, 1.01), name="tiny-mi-always")
    stm = make_tiny_checkpoint(tmp_path / "stm", labels=("SR", "IMI"), thresholds=(0.0, 1.01), name="tiny-no-imi")
    out = tmp_path / "out.csv"
    summary = score_folder(folder, mm.Predictor(sup, device="cpu"), out,
                           statements_predictor=mm.Predictor(stm, device="cpu"))
    assert summary.scored == 2
    rows = [row for row in _rows(out) if not row["withheld_positive"]]   # a gated record's calls disagree on nothing
    assert rows
    for row in rows:
        assert row["positive"] == "MI"
        assert row["interpretation_notes"].startswith(
            "Models disagree on infarction: superclass model MI "), row["interpretation_notes"]
        assert "statements model no infarct statement (highest IMI " in row["interpretation_notes"]


@pytest.fixture(scope="module")
def own_labels_ckpt(tmp_path_factory) -> Path:
    """A researcher's model of its own labels (no PTB-XL statement): AF always above its threshold, SINUS never."""
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "own", labels=("AF", "SINUS"),
                                thresholds=(0.0, 1.01), name="own-af")


def test_a_model_s_own_labels_are_said_and_the_rhythm_line_points_to_them(folder, own_labels_ckpt, statements_ckpt,
                                                                           tmp_path):
    """A model of a researcher's labels ('AF', 'SINUS') called AF while the interpretation said 'Rhythm
    not classified' (its labels are no PTB-XL codes, and were dropped), in the CSV, the app and the PDF
    alike. The one interpretation path now says the model's own labels above threshold as its
    statements, and the rhythm line points to them; beside a statements model its rhythm stands and the
    own label is said after it. A label below its threshold (SINUS) is not said."""
    from mirage_model.review.interpret import session_interpretation
    from mirage_model.review.session import ReviewSession

    own = mm.Predictor(own_labels_ckpt, device="cpu")
    stm = mm.Predictor(statements_ckpt, device="cpu")
    alone, beside = tmp_path / "alone.csv", tmp_path / "beside.csv"
    assert score_folder(folder, own, alone).scored == 2
    assert score_folder(folder, own, beside, statements_predictor=stm).scored == 2
    for row, both in zip(_rows(alone), _rows(beside)):
        assert row["positive"] in ("AF", "") and "SINUS" not in row["interpretation"]
        # past a WITHHELD (why); a voltage rule's statement (a measurement, not the labels') set aside
        text = re.sub(r"; Low QRS voltage \([^)]*\)", "", row["interpretation"].split("): ", 1)[-1])
        assert re.fullmatch(r"Rhythm not classified by PTB-XL statements, \d+ bpm(, irregular)? \(see the "
                            r"model's own label AF\); AF \(the model's own label\)", text), text
        said = re.sub(r"; Low QRS voltage \([^)]*\)", "", both["interpretation"].split("): ", 1)[-1])
        # the own AF means atrial fibrillation, which the sinus rhythm said contradicts: marked (own_meanings)
        assert said.startswith("Sinus") and said.endswith("; AF (the model's own label) (?)"), said
        assert "not classified" not in said
    # the app's panel and the PDF's page 1 build it from the session, the statements model's beside the model's
    record = mm.load_record(next(folder.rglob("00417_lr.hea")))
    values = record_values(record)
    session = ReviewSession.from_results(record, values=values, prediction=own.predict(record, values, explain=False),
                                         statements=stm.predict(record, values, explain=False))
    it = session_interpretation(session)
    af = next(s for s in it.statements if s.code == "AF")
    assert (af.text, af.source, af.group) == ("AF (the model's own label)", "model", "other")
    assert it.statements[0].text.startswith("Sinus") and it.statements[1] is af
