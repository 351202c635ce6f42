"""A prior ECG read by the app (``app.jobs.prior_job``) and by ``mirage report --prior``
(``report.add_prior``) is one review session (``review.opening.session_from_file``): the serial comparison of
one pair of files is the same on either surface.

The pair: bundled LUDB 1 (current) and LUDB 14, and two priors written here: LUDB 14's every sample zero (a
blank recording) and LUDB 14 under 1 mV of white noise. Truth: what the signal written is (a zero signal, or
noise well past what any lead of an ECG carries, has no verdict the quality gate passes: its statements are
withheld), and the two surfaces' comparisons against each other. Before the one function the CLI's prior
was never assessed: its rules alone spoke on a blank or noisy prior where the app's were withheld.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest

from mirage_model.paths import resources_dir

LUDB = resources_dir() / "samples" / "ludb"
pytestmark = pytest.mark.skipif(not (LUDB / "14.hea").is_file(), reason="bundled LUDB samples not present")


class _Ctx:
    """A worker's context for a job run here: never cancelled."""

    def check(self) -> None:
        pass

    def progress(self, *args) -> None:
        pass

    def cancelled(self) -> bool:
        return False


@pytest.fixture(scope="module")
def priors(tmp_path_factory):
    """{name: path}: LUDB 14 as bundled, blank (all zero) and noisy (+ N(0, 1 mV), seed 0), as WFDB."""
    from mirage_model.formats.write import write_record
    from mirage_model.records import load_record

    tmp = tmp_path_factory.mktemp("priors")
    r14 = load_record(LUDB / "14")
    noise = np.random.default_rng(0).normal(0.0, 1.0, r14.signal.shape)
    return {"ludb14": LUDB / "14.hea",
            "blank": write_record(dataclasses.replace(r14, signal=np.zeros_like(r14.signal)), tmp, "wfdb",
                                  name="blank"),
            "noisy": write_record(dataclasses.replace(r14, signal=(r14.signal + noise).astype(np.float32)), tmp,
                                  "wfdb", name="noisy")}


@pytest.fixture(scope="module")
def predictors(tmp_path_factory):
    """{"none": None, "tiny": a tiny random model that assesses quality}."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.inference import Predictor

    path = make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny", clinical=("age", "sex"))
    return {"none": None, "tiny": Predictor(path, device="cpu", threads=1)}


def _current(predictor):
    """LUDB 1's session, measured (and scored) as ``mirage report`` makes the record's."""
    from mirage_model.limits import record_head, with_head_note
    from mirage_model.measure import measure
    from mirage_model.records import load_record
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    record = load_record(LUDB / "1")
    session = ReviewSession.from_results(record, measurements=with_head_note(measure(record_head(record)), record),
                                         path=LUDB / "1")
    if predictor is not None:
        score_session(session, predictor, explain=False)
    return session


def _said(c) -> tuple:
    """What a comparison says: its summary and notes, the table, the statements and the rhythm."""
    table = tuple((m.key, m.prior, m.current, m.change, m.significant, m.words) for m in c.measurements)
    return (c.summary, c.notes, table, c.new_statements, c.gone_statements, c.unchanged_statements,
            c.possibly_new, c.possibly_gone, c.rhythm_words, c.warnings, c.not_compared)


@pytest.mark.parametrize("model", ["none", "tiny"])
def test_the_app_and_the_cli_compare_a_prior_alike(priors, predictors, model):
    """For each prior, with and without a model: the app's prior and the CLI's give one comparison; a blank
    or noisy prior's statements are withheld on both (the rules alone too, where no model speaks)."""
    from app import jobs
    from mirage_model.review.serial import compare
    from training_cli.commands.report import add_prior

    predictor = predictors[model]
    current = _current(predictor)
    for name, path in priors.items():
        app_prior = jobs.prior_job(_Ctx(), path, predictor, None)
        cli_current = current.snapshot()
        with contextlib.redirect_stderr(io.StringIO()):
            assert add_prior(cli_current, Path(path), predictor, None) == ""
        app, cli = compare(app_prior, current), compare(cli_current.prior, current)
        assert _said(app) == _said(cli), (model, name)
        withheld = [n for n in cli.not_compared if n.startswith("statements (the prior ECG's calls were withheld")]
        assert bool(withheld) == (name != "ludb14"), (model, name, cli.not_compared)
        if name == "blank":
            assert "flat" in withheld[0]
            assert all(m.prior is None for m in cli.measurements)     # nothing to measure on a zero signal
        if name == "ludb14":
            assert sum(m.prior is not None for m in cli.measurements) >= 6


def test_a_file_that_cannot_be_read_raises_naming_it(tmp_path, monkeypatch):
    """Not a header: the reader's RecordError; a reader that raises anything else: a RecordError naming the
    file and what was raised, never a traceback."""
    from mirage_model.records import RecordError
    from mirage_model.review import opening

    bad = tmp_path / "old.hea"
    bad.write_text("this is no header\n", encoding="utf-8")
    with pytest.raises(RecordError) as err:
        opening.session_from_file(bad)
    assert "old.hea" in str(err.value)

    def broken(path):
        raise IndexError("list index out of range")

    monkeypatch.setattr(opening, "load_record", broken)
    with pytest.raises(RecordError) as err:
        opening.session_from_file(LUDB / "14.hea")
    assert str(err.value) == f"{LUDB / '14.hea'}: cannot be read (IndexError: list index out of range)"


def test_a_failed_measurement_leaves_the_rest_and_a_cancel_passes_through(predictors, monkeypatch):
    """Measuring that raises: no measurements, said in the session's errors, the model's result still there.
    A ``check`` that raises at any of its calls stops the whole (the app's Cancelled: no session comes back)."""
    import mirage_model.measure as measure_mod
    from mirage_model.review.opening import session_from_file
    from mirage_model.review.session import FAILED, READY

    def fails(*args, **kwargs):
        raise ValueError("no beats")

    predictor = predictors["tiny"]
    with monkeypatch.context() as m:
        m.setattr(measure_mod, "measure", fails)
        s = session_from_file(LUDB / "14.hea", predictor)
    assert s.measurements is None and s.state["measurements"] == FAILED
    assert s.errors["measurements"] == "ValueError: no beats"
    assert s.state["prediction"] == READY and s.prediction is not None and s.pending() == []

    class Stop(Exception):
        pass

    calls = []

    def counting():
        calls.append(1)

    session_from_file(LUDB / "14.hea", predictor, check=counting)
    for k in range(len(calls)):
        seen = []

        def stop_at_k(k=k, seen=seen):
            seen.append(1)
            if len(seen) > k:
                raise Stop()

        with pytest.raises(Stop):
            session_from_file(LUDB / "14.hea", predictor, check=stop_at_k)
    assert len(calls) == 4


def test_not_measured_is_no_step_pending(predictors):
    """``measured=False`` (``--no-measure``): measurements unavailable, saying so; nothing pending, so a
    report prints the comparison (``report_comparison`` waits for pending parts only)."""
    from mirage_model.review.opening import NOT_MEASURED, session_from_file
    from mirage_model.review.report.serial_page import report_comparison
    from mirage_model.review.session import UNAVAILABLE

    s = session_from_file(LUDB / "14.hea", None, measured=False)
    assert s.state["measurements"] == UNAVAILABLE and s.errors["measurements"] == NOT_MEASURED
    assert s.pending() == []
    current = _current(None)
    current.set_prior(s)
    assert report_comparison(current) is not None


def test_the_models_run_under_the_lock_given(predictors, monkeypatch):
    """``lock`` (the app's model lock: one forward at a time) is held while the models run, and only then."""
    import threading

    from mirage_model.review import opening

    lock = threading.Lock()
    held = []
    real = opening.compute

    def spy(*args, **kwargs):
        held.append(lock.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(opening, "compute", spy)
    s = opening.session_from_file(LUDB / "14.hea", predictors["tiny"], lock=lock)
    assert held == [True] and not lock.locked() and s.prediction is not None


def test_mirage_report_without_a_model_gates_its_rules_as_the_app_does(tmp_path, capsys):
    """``mirage report REC --no-model`` never assessed the record (the app assesses every record it opens): with
    LUDB 1's LA and RA electrodes swapped (I negated, II and III exchanged, aVR and aVL exchanged: the truth
    of the swap) its rule "Right axis deviation (153 deg)" stood on page 1 unmarked; now the interpretation is
    withheld for the limb lead reversal, as in the app."""
    import pypdf

    from mirage_model.formats.write import write_record
    from mirage_model.records import load_record
    from mirage_model.records.record import STANDARD_LEADS
    from training_cli.main import main

    record = load_record(LUDB / "1")
    s = record.signal.copy()                     # (12, n) mV
    at = {lead: i for i, lead in enumerate(STANDARD_LEADS)}
    s[at["I"]] = -record.signal[at["I"]]
    for a, b in (("II", "III"), ("aVR", "aVL")):
        s[at[a]], s[at[b]] = record.signal[at[b]], record.signal[at[a]]
    path = write_record(dataclasses.replace(record, signal=s), tmp_path, "wfdb", name="swapped")
    out = tmp_path / "swapped.pdf"
    assert main(["report", str(path), "--out", str(out), "--no-model"]) == 0
    page1 = pypdf.PdfReader(str(out)).pages[0].extract_text()
    assert "Right axis deviation" in page1                              # the rule is still shown, marked
    assert "WITHHELD: limb lead reversal suspected" in " ".join(page1.split())


def test_an_assessment_that_raises_leaves_the_inputs_in_the_app_and_in_a_session_from_a_file(monkeypatch):
    """The app's record-load job and ``session_from_file`` prepare a record in one step
    (``opening.Preparation``): an assessment that raises an unforeseen error (here a RuntimeError from
    ``inference.assessed``) leaves the model inputs and says the record was not assessed in both. The session's
    step had let it through as a traceback (it caught only ``AssessmentError``); the app's had said it."""
    import threading

    pytest.importorskip("PySide6")
    import mirage_model.inference as inference
    from app import jobs, workers
    from mirage_model.quality import NOT_ASSESSED
    from mirage_model.review.opening import session_from_file

    def boom(made):
        raise RuntimeError("boom")

    monkeypatch.setattr(inference, "assessed", boom)
    s = session_from_file(LUDB / "14.hea", None, measured=False)
    assert s.inputs is not None and s.quality is None
    assert s.errors["quality"] == f"{NOT_ASSESSED}: RuntimeError: boom"
    ctx = workers.JobContext(workers.WorkerSignals(), threading.Event())
    out = jobs.load_record_job(ctx, LUDB / "14.hea", with_measurements=False, with_quality=True)
    assert out.inputs is not None and out.quality is None and out.prepared is None and "inputs" not in out.errors
    assert out.errors["quality"] == f"{NOT_ASSESSED}: boom (RuntimeError)"
