"""The Qt-free review session: one record, its patient's values with their source, late results
dropped, the one clinical-values function, contributions, and the same probabilities from the
app's path, ``mirage report`` and ``mirage score``."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.clinical import record_values
from mirage_model.review.scoring import clinical_contributions, score_session
from mirage_model.review.session import ReviewSession

SAMPLES = mm.resources_dir() / "samples"
A = SAMPLES / "ptbxl" / "records100" / "00000" / "00417_lr.hea"     # F, 75, height 165, weight 60
B = SAMPLES / "ludb" / "14.hea"                                     # M, 50
needs = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    sys.path.insert(0, str(Path(__file__).parent))
    from helpers_models import make_tiny_checkpoint

    folder = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny",
                                  clinical=("age", "sex", "height", "weight", "troponin_t"))
    return mm.Predictor(folder, device="cpu")


def ptbxl_row(ecg_id: int) -> dict:
    with (SAMPLES / "ptbxl" / "ptbxl_database.csv").open(newline="") as fh:
        return next(r for r in csv.DictReader(fh) if int(float(r["ecg_id"])) == ecg_id)


@needs
def test_record_values_is_the_files_own_data():
    """Against the PTB-XL database row and the LUDB header comments, read here with csv / text."""
    row = ptbxl_row(417)
    assert record_values(mm.load_record(A)) == {
        "age": float(row["age"]), "sex": "F" if row["sex"] == "1" else "M",   # PTB-XL: 1 female
        "height": float(row["height"]), "weight": float(row["weight"])}
    comments = dict(line[2:].split(">: ") for line in B.read_text().splitlines() if line.startswith("#<")
                    and ">: " in line)
    assert record_values(mm.load_record(B)) == {"age": float(comments["age"]), "sex": comments["sex"].strip()}


@pytest.mark.slow
def test_record_values_agree_with_the_training_dataset(ptbxl_root):
    """Training and evaluation read PTB-XL's clinical values from its database
    (``training_cli.engine.datasets``); a record loaded by the app or the CLI must carry the same."""
    from training_cli.engine.datasets import open_dataset

    ds = open_dataset(f"ptbxl:{ptbxl_root}", "superdiagnostic")
    by_id = {it.record_id: it for it in ds.items}
    for ecg_id in ("417", "4016", "10388", "11125", "1", "2", "100"):
        item = by_id.get(ecg_id)
        if item is None:
            continue
        record = mm.load_record(item.path.with_suffix(".hea") if item.path.suffix else Path(f"{item.path}.hea"))
        assert record_values(record) == {k: v for k, v in item.clinical.items() if v is not None}, ecg_id


@needs
def test_a_session_holds_one_patient_and_sources():
    s = ReviewSession(mm.load_record(A))
    assert {n: v.source for n, v in s.values.items()} == {"age": "file", "sex": "file", "height": "file",
                                                          "weight": "file"}
    s.set_value("weight", "61,5", "kg")                 # decimal comma, typed by the reviewer
    s.set_value("troponin_t", "0.05", "ng/mL")          # converted: 50 ng/L, high
    s.set_value("creatinine", "-1", "umol/L")           # impossible: kept, refused, never sent
    assert s.values["weight"].source == "user" and s.values["weight"].canonical == 61.5
    assert s.values["troponin_t"].canonical == pytest.approx(50.0) and s.values["troponin_t"].status == "high"
    assert "creatinine" in s.refused() and "creatinine" not in s.model_values()
    with pytest.raises(ValueError):
        s.set_record(mm.load_record(B))                 # another patient never enters this session
    t = ReviewSession(mm.load_record(B))
    assert t.id != s.id and set(t.values) == {"age", "sex"}


@needs
def test_late_and_stale_results_are_dropped(predictor):
    a = ReviewSession(mm.load_record(A), schema=predictor.schema, model_name=predictor.name)
    ticket_a = a.ticket()
    pred_a = predictor.predict(a.record, ticket_a.values, explain=False)
    b = ReviewSession(mm.load_record(B), schema=predictor.schema, model_name=predictor.name)
    ticket_b = b.ticket()
    assert not b.accept_prediction(ticket_a, pred_a)            # A's result in B's session
    assert b.prediction is None and b.state["prediction"] == "pending"
    b.set_value("troponin_t", "20", "ng/L")                     # inputs changed since ticket_b
    pred_b_old = predictor.predict(b.record, ticket_b.values, explain=False)
    assert not b.accept_prediction(ticket_b, pred_b_old)
    ticket = b.ticket()
    assert ticket.values == {"age": 50.0, "sex": "M", "troponin_t": 20.0}
    assert b.accept_prediction(ticket, predictor.predict(b.record, ticket.values, explain=False))
    assert b.state["prediction"] == "ready" and b.result.values == ticket.values
    b.set_value("troponin_t", "25", "ng/L")
    assert b.state["prediction"] == "stale"
    snap = b.snapshot()
    b.set_value("age", "51")
    assert snap.values["age"].canonical == 50.0                 # a PDF being written keeps its copy


@needs
def test_only_a_value_the_model_reads_makes_its_result_out_of_date(predictor):
    """A lab the model's schema leaves out ("not used by this model") is kept in the session and
    the report's table but leaves the result current (no re-run); a value it reads, or one the
    statements model beside it reads, still makes the result stale and drops a late result."""
    from mirage_model.clinical import default_schema
    from mirage_model.review.report.clinical_table import session_clinical_rows

    reads = default_schema(["age", "sex", "height", "weight"])      # troponin_t and creatinine: not read
    s = ReviewSession(mm.load_record(A), schema=reads, model_name="four-values")
    ticket = s.ticket()
    assert s.accept_prediction(ticket, predictor.predict(s.record, ticket.values, explain=False))
    s.set_value("troponin_t", "52", "ng/L")
    s.set_values({"creatinine": ("90", "umol/L")})
    assert s.state["prediction"] == "ready" and s.is_current(ticket)
    assert s.values["troponin_t"].canonical == 52.0 and s.values["creatinine"].canonical == 90.0
    rows = {r["name"]: r for r in session_clinical_rows(s)}
    assert rows["troponin_t"]["used"] == rows["creatinine"]["used"] == "not used by this model"
    assert rows["troponin_t"]["value"] == "52"
    # a run under way while an unused lab is typed: its result is still this session's result
    s.set_value("weight", "70", "kg")
    running = s.ticket()
    s.set_value("troponin_t", "60", "ng/L")
    assert s.accept_prediction(running, predictor.predict(s.record, running.values, explain=False))
    assert s.state["prediction"] == "ready"
    # a value it reads: out of date, and a result for the old values is dropped
    s.set_value("weight", "71", "kg")
    assert s.state["prediction"] == "stale" and not s.is_current(running)
    assert not s.accept_prediction(running, predictor.predict(s.record, running.values, explain=False))
    # a value only the statements model beside it reads makes the result out of date as well
    t = ReviewSession(mm.load_record(A), schema=reads, model_name="four-values", also_read=("troponin_t",))
    ticket = t.ticket()
    assert t.accept_prediction(ticket, predictor.predict(t.record, ticket.values, explain=False))
    t.set_value("creatinine", "90", "umol/L")
    assert t.state["prediction"] == "ready"
    t.set_value("troponin_t", "52", "ng/L")
    assert t.state["prediction"] == "stale" and not t.is_current(ticket)
    # no model known yet: whatever it will read, every change counts
    u = ReviewSession(mm.load_record(A))
    version = u.ticket().version
    u.set_value("troponin_t", "52", "ng/L")
    assert u.ticket().version != version


@needs
def test_contributions_are_masked_forward_passes(predictor):
    """Each contribution equals p(all values) - p(values without it), by separate predict calls."""
    record = mm.load_record(A)
    values = dict(record_values(record), troponin_t=30.0)
    contrib = clinical_contributions(predictor, record, values)
    assert set(contrib) == {"age", "sex", "height", "weight", "troponin_t"}
    full = predictor.predict(record, values, explain=False).probabilities
    for name, delta in contrib.items():
        without = {k: v for k, v in values.items() if k != name}
        masked = predictor.predict(record, without, explain=False).probabilities
        np.testing.assert_allclose(delta, full - masked, atol=2e-6)
    assert clinical_contributions(predictor, record, {}) == {}


@needs
def test_same_probabilities_in_report_score_and_session(predictor, tmp_path, capsys):
    """The app's path (a session), ``mirage report`` and ``mirage score`` on the same records."""
    from training_cli import main as cli

    folder = tmp_path / "recs"
    for hea in (A, B):
        for f in hea.parent.glob(hea.stem + ".*"):
            (folder / hea.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(f, folder / hea.parent.name / f.name)
    shutil.copy(SAMPLES / "ptbxl" / "ptbxl_database.csv", folder / "ptbxl_database.csv")
    # the PTB-XL metadata is found beside the records: keep the dataset layout
    shutil.rmtree(folder / "00000")
    dst = folder / "ptbxl" / "records100" / "00000"
    dst.mkdir(parents=True)
    for f in A.parent.glob(A.stem + ".*"):
        shutil.copy(f, dst / f.name)
    shutil.move(str(folder / "ptbxl_database.csv"), folder / "ptbxl" / "ptbxl_database.csv")
    model = str(predictor.loaded.path)
    out = tmp_path / "scores.csv"
    assert cli.main(["score", str(folder), "--out", str(out), "--model", model, "--no-progress",
                     "--workers", "1"]) in (0, None)
    rows = {r["record_id"]: r for r in csv.DictReader(out.open())}
    for hea, rid in ((folder / "ptbxl" / "records100" / "00000" / "00417_lr.hea", "00417_lr"),
                     (folder / "ludb" / "14.hea", "14")):
        session = ReviewSession(mm.load_record(hea))
        score_session(session, predictor, explain=True)
        capsys.readouterr()
        assert cli.main(["report", str(hea), "--out", str(tmp_path / f"{rid}.pdf"), "--model", model]) in (0, None)
        line = capsys.readouterr().out
        for lab, p in zip(session.prediction.labels, session.prediction.probabilities):
            assert f"{lab} {p:.3f}" in line
            assert float(rows[rid][f"prob_{lab}"]) == pytest.approx(float(p), abs=5e-4)
        row = rows[rid]
        assert float(row["age_used"]) == session.age and row["sex_used"] == session.sex


def test_the_session_is_qt_free_and_light():
    """The review layer imports neither Qt nor torch (the app builds a session before the model loads)."""
    import subprocess

    code = ("import sys, mirage_model.review.session, mirage_model.review.measurements; "
            "bad = [m for m in ('PySide6', 'torch', 'app', 'training_cli', 'scipy') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs
def test_measurement_edits_are_checked_by_the_session():
    from mirage_model.measure import Measurements

    s = ReviewSession(mm.load_record(B))
    auto = Measurements(heart_rate_bpm=60.0, rr_ms=1000.0, pr_ms=160.0, qrs_ms=90.0, qt_ms=400.0,
                        qtc_bazett_ms=400.0, qtc_fridericia_ms=400.0, p_axis_deg=50.0, qrs_axis_deg=30.0,
                        t_axis_deg=40.0)
    assert s.accept_measurements(s.id, auto)
    with pytest.raises(ValueError, match="between"):
        s.set_measurement_edit("qt_ms", 5000.0)
    with pytest.raises(ValueError, match="names no measurement"):
        s.set_measurement_edit("qt_msec", 400.0)
    s.set_measurement_edit("heart_rate_bpm", 75.0)
    rows = {r["key"]: r for r in s.measurement_table()}
    # RR follows the edited rate (60000 / 75 = 800 ms) and QTc follows RR (Bazett: 400 / sqrt(0.8))
    assert rows["rr_ms"]["value"] == pytest.approx(800.0) and rows["rr_ms"]["status"] == "recomputed"
    assert rows["qtc_bazett_ms"]["value"] == pytest.approx(400.0 / np.sqrt(0.8))


def test_measurement_flags_follow_the_cited_ranges_and_the_patients_sex():
    # boundaries of the cited adult ranges (Mason 2007, Surawicz 2009, Rautaharju 2009, Priori 2015)
    from mirage_model.review.measurements import flag

    assert flag("heart_rate_bpm", 49.9) == "low" and flag("heart_rate_bpm", 50) == ""
    assert flag("heart_rate_bpm", 101) == "high"
    assert flag("pr_ms", 200) == "" and flag("pr_ms", 201) == "high" and flag("pr_ms", 119) == "low"
    assert flag("qrs_ms", 119) == "" and flag("qrs_ms", 120) == "high"
    assert flag("qtc_bazett_ms", 455, "F") == "" and flag("qtc_bazett_ms", 455, "M") == "high"
    assert flag("qtc_fridericia_ms", 460, "F") == "high" and flag("qtc_framingham_ms", 340, "F") == "low"
    assert flag("qtc_framingham_ms", 341, "F") == "" and flag("qtc_bazett_ms", 389, "M") == ""
    assert flag("qrs_axis_deg", -31) == "low" and flag("qrs_axis_deg", 91) == "high" and flag("qt_ms", 900) == ""


def test_measurement_table_finds_the_measure_package_in_a_fresh_process():
    """``measure`` is not a public name of mirage_model (a lazy function of that name used to
    replace the package's attribute ``mirage_model.measure`` once read): the table finds the
    measure package's keys and formulas, and the attribute is the package."""
    import subprocess

    code = ("import mirage_model as mm; assert 'measure' not in mm.__all__\n"
            "import mirage_model.measure; assert not callable(mm.measure)\n"
            "from mirage_model.review.measurements import measurement_rows\n"
            "rows = {r['key']: r for r in measurement_rows(None, {'qt_ms': 400.0, 'rr_ms': 1000.0})}\n"
            "r = rows['qtc_bazett_ms']; print(r['value'], r['status'])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["400.0", "recomputed"]        # Bazett at RR 1 s: QTc = QT


def test_a_view_that_lets_go_of_a_session_hears_none_of_its_events():
    """``Events.disconnect(view.method)``: the bound method read again is a new object (equal, not
    identical) to the one connected; the view must stop hearing the session all the same."""
    from mirage_model.review.session import Events

    class View:
        def __init__(self):
            self.heard = []

        def on_event(self, name, info):
            self.heard.append(name)

    events, view, other = Events(), View(), View()
    events.connect(view.on_event)
    events.connect(other.on_event)
    assert view.on_event is not view.on_event     # why identity cannot be the test
    events.disconnect(view.on_event)
    events.emit("prediction")
    assert view.heard == [] and other.heard == ["prediction"]


def test_a_scored_record_s_labs_table_values_are_the_table_s():
    """``mirage score --labs`` PDFs said "user" (entered by the reviewer) of the labs table's values; the app's
    session opened from a batch row says "table". The record's own header value stays "file", a --lab "user"; a
    row's value the header gives alike (age 50) is the table's too, as mirage report's PDF of the same row marks
    it (it had read "file", beside "table" for the row's sex where the header spells it otherwise)."""
    values = {"age": 50, "sex": "M", "crp": (6.5, "mg/L"), "potassium": 4.1}   # LUDB 14's header: M, 50
    session = ReviewSession.from_results(mm.load_record(B), values=values, file_values=False,
                                         labs_row={"age": 50, "crp": (6.5, "mg/L")})
    assert {n: v.source for n, v in session.values.items()} == {"age": "table", "sex": "file", "crp": "table",
                                                                "potassium": "user"}


def test_a_reported_record_s_labs_table_values_are_the_table_s():
    """``mirage report --labs`` (the record's own values kept: ``file_values``) said "user" of the labs row's values,
    where the app's session of the same row says "table"; a --lab value stays "user", the header's own "file"."""
    session = ReviewSession.from_results(mm.load_record(B), values={"crp": (6.5, "mg/L"), "potassium": 4.1},
                                         labs_row={"crp": (6.5, "mg/L")})
    assert {n: v.source for n, v in session.values.items()} == {"age": "file", "sex": "file", "crp": "table",
                                                                "potassium": "user"}
