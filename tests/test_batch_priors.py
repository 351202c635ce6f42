"""``mirage score --compare-prior`` (review.batch.priors): each record of a batch compared with the same
patient's latest earlier record of the folder, by the recording dates the files were written with here."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import mirage_model as mm
from mirage_model.formats.write import write_record
from mirage_model.review.batch import BatchError, columns, score_folder
from mirage_model.review.batch.priors import FIRST, NO_IDENTITY, PRIOR_FAILED, UNDATED
from mirage_model.review.batch.rows import SERIAL_COLUMNS

# name: (patient ID, name and birth date, recording date). The names' order (a1, a2, a3) is not the dates'
# (a3, a1, a2); b1, another patient's, lies between a1 and a2; j1/j2 are one patient by name and birth date,
# j3 another birth date of the same name; a4 is undated; n1 identifies no one.
SPECS = {
    "a1": ("A-1", None, "2020-01-01 10:00:00"),
    "a2": ("A-1", None, "2021-06-01 10:00:00"),
    "a3": ("A-1", None, "2019-03-05 10:00:00"),
    "a4": ("A-1", None, None),
    "b1": ("B-2", None, "2020-06-01 10:00:00"),
    "j1": (None, ("Jane Roe", "1950-01-02"), "2018-01-01 08:00:00"),
    "j2": (None, ("Jane Roe", "1950-01-02"), "2018-02-01 08:00:00"),
    "j3": (None, ("Jane Roe", "1951-07-07"), "2018-01-15 08:00:00"),
    "n1": (None, None, "2020-01-01 10:00:00"),
}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture(scope="module")
def predictor(checkpoint):
    return mm.Predictor(checkpoint, device="cpu")


@pytest.fixture(scope="module")
def patients(tmp_path_factory) -> Path:
    """The records of ``SPECS`` as WFDB records (their identity and date in the header's comments)."""
    from helpers_models import synthetic_record

    folder = tmp_path_factory.mktemp("patients")
    for k, (name, (pid, person, date)) in enumerate(SPECS.items()):
        r = synthetic_record(seed=k, record_id=name)       # each its own signal: no copy of another
        patient = {"id": pid} if pid else {}
        if person:
            patient.update(name=person[0], birth_date=person[1])
        r.meta["patient"] = patient
        if date:
            r.meta["acquired"] = date
        write_record(r, folder, "wfdb")
    return folder


def _rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {Path(r["record_path"]).stem: r for r in csv.DictReader(fh)}


def test_each_record_is_compared_with_its_patients_latest_earlier_record(patients, predictor, tmp_path):
    out = tmp_path / "out.csv"
    summary = score_folder(patients, predictor, out, measure=False, compare_prior=True)
    rows = _rows(out)
    assert all(r["status"] == "ok" for r in rows.values())
    prior = {k: r["prior_file"] for k, r in rows.items()}
    # patient A's three dated ECGs: two pairings, in date order (a3 < a1 < a2), never b1 (B's, between them)
    assert prior["a3"] == "" and rows["a3"]["serial_changes"] == FIRST
    assert prior["a1"] == "a3.hea" and rows["a1"]["prior_date"] == "2019-03-05 10:00:00"
    assert prior["a2"] == "a1.hea" and rows["a2"]["prior_date"] == "2020-01-01 10:00:00"
    assert prior["b1"] == "" and rows["b1"]["serial_changes"] == FIRST
    # name and birth date identify where there is no ID; the same name born another day is someone else
    assert prior["j2"] == "j1.hea" and prior["j3"] == "" and prior["j1"] == ""
    # undated: not paired, and said; nor is it anyone's prior (its patient's rows name it as not compared)
    assert prior["a4"] == "" and rows["a4"]["serial_changes"] == UNDATED
    assert "a4.hea" in rows["a1"]["serial_warnings"] and "undated" in rows["a1"]["serial_warnings"]
    assert prior["n1"] == "" and rows["n1"]["serial_changes"] == NO_IDENTITY
    for k in ("a1", "a2", "j2"):       # the comparison's words, not its head (the prior is its own column)
        assert rows[k]["serial_changes"] and not rows[k]["serial_changes"].startswith("Compared with")
    s = summary.serial
    assert (s.compared, s.first, s.undated, s.unidentified, s.prior_failed) == (3, 4, 1, 1, 0)


def test_a_prior_that_failed_leaves_the_next_record_unpaired(patients, predictor, tmp_path):
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\na3,999\n")          # an impossible age: a3's row is refused
    out = tmp_path / "out.csv"
    score_folder(patients, predictor, out, measure=False, labs=labs, compare_prior=True)
    rows = _rows(out)
    assert rows["a3"]["status"] == "error" and rows["a3"]["serial_changes"] == ""
    # a1's latest earlier ECG failed: a1 is not compared with anything older in its place
    assert rows["a1"]["prior_file"] == ""
    assert rows["a1"]["serial_changes"] == PRIOR_FAILED.format(rel="a3.hea", date="2019-03-05 10:00:00")
    assert rows["a2"]["prior_file"] == "a1.hea"


def test_without_the_flag_the_output_is_unchanged(patients, predictor, tmp_path):
    plain, compared = tmp_path / "plain.csv", tmp_path / "compared.csv"
    score_folder(patients, predictor, plain, measure=False)
    score_folder(patients, predictor, compared, measure=False, compare_prior=True)
    labels = list(predictor.labels)
    with plain.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    assert header == columns(labels, measure=False) and not set(SERIAL_COLUMNS) & set(header)
    with compared.open(newline="", encoding="utf-8-sig") as fh:
        assert next(csv.reader(fh)) == columns(labels, measure=False, serial=True)
    a, b = _rows(plain), _rows(compared)
    assert a == {k: {c: v for c, v in r.items() if c not in SERIAL_COLUMNS} for k, r in b.items()}


def test_a_resumed_runs_rate_is_of_its_scoring_not_of_the_kept_records_scored_again(patients, predictor, tmp_path):
    """A resumed run with the comparison scores its kept records again after its last row (228 PTB-XL records,
    225 s): its rate had counted that time, "117 records ... in 434.2 s (0.3 records/s)" for 209 s of scoring.
    The rate is now of the scoring, and the line says the comparison's time is apart. Here the kept records'
    scoring again is made slow (0.5 s each, in ``comparing``). Truth: the comparison's own time, which the
    scoring's rate cannot include (the run's seconds less it are at least the scoring's)."""
    import time

    part = tmp_path / "part.csv"
    done = []
    score_folder(patients, predictor, part, measure=False, compare_prior=True, chunk_size=1,
                 progress=lambda n, total, row: done.append(n), cancel=lambda: len(done) >= 3)
    kept = len(_rows(part))
    resumed = score_folder(patients, predictor, part, measure=False, compare_prior=True, resume=True,
                           comparing=lambda n, total: time.sleep(0.5 if n else 0))
    assert resumed.serial.rescored == kept and resumed.serial.seconds >= 0.5 * kept
    assert resumed.scored == len(SPECS) - kept
    assert resumed.records_per_s >= resumed.handled / (resumed.seconds - resumed.serial.seconds)
    assert resumed.speed_text() == (f" ({resumed.records_per_s:.1f} records/s; the serial comparison's "
                                    f"{resumed.serial.seconds:.1f} s apart)")


def test_a_resumed_run_compares_as_an_uninterrupted_one(patients, predictor, tmp_path):
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    score_folder(patients, predictor, whole, measure=False, compare_prior=True)
    done = []
    stopped = score_folder(patients, predictor, part, measure=False, compare_prior=True, chunk_size=1,
                           progress=lambda n, total, row: done.append(n), cancel=lambda: len(done) >= 3)
    assert stopped.cancelled and stopped.serial is None
    rows = _rows(part)
    assert 0 < len(rows) < len(SPECS) and not any(r["serial_changes"] for r in rows.values())
    told = []
    resumed = score_folder(patients, predictor, part, measure=False, compare_prior=True, resume=True,
                           comparing=lambda done, total: told.append((done, total)))
    assert resumed.serial.rescored == len(rows)       # the kept records scored again for the comparison
    # that wait (225 s for 228 PTB-XL records) is counted, from 0 before the first to the last
    assert told == [(k, len(rows)) for k in range(len(rows) + 1)]
    cells = {k: [r[c] for c in SERIAL_COLUMNS] for k, r in _rows(part).items()}
    assert cells == {k: [r[c] for c in SERIAL_COLUMNS] for k, r in _rows(whole).items()}
    assert cells["a2"][0] == "a1.hea"
    # resumed once more, nothing left to score: the comparison stands, no record scored again
    again = score_folder(patients, predictor, part, measure=False, compare_prior=True, resume=True,
                         comparing=lambda done, total: told.append((done, total)))
    assert (again.serial.rescored, again.serial.stood) == (0, len(SPECS))
    assert len(told) == len(rows) + 1       # nothing scored again, nothing counted
    assert {k: [r[c] for c in SERIAL_COLUMNS] for k, r in _rows(part).items()} == cells
    # its rows have the comparison's columns: a run without --compare-prior does not resume onto them
    with pytest.raises(BatchError, match="prior_file"):
        score_folder(patients, predictor, part, measure=False, resume=True)


@pytest.fixture()
def pdf_writes(monkeypatch):
    """Every PDF the run builds, in order: (its file name, whether the report has a prior ECG to compare), a small
    file written in its place (the report's pages are the slow test's below)."""
    from mirage_model.review import report

    writes = []

    def build(session, out_path, **_kw):
        writes.append((Path(out_path).name, session.prior is not None))
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        Path(out_path).write_bytes(b"%PDF-1.4 stand-in")
        return Path(out_path)

    monkeypatch.setattr(report, "build_report", build)
    return writes


def test_each_pdf_is_written_once_with_its_comparison(patients, predictor, tmp_path, pdf_writes):
    """With --pdf-dir, a compared record's PDF is written once, with the comparison (it had been written as the
    record was scored, then again with it: a1, a2 and j2 twice); every other record's once, without."""
    out, pdfs = tmp_path / "out.csv", tmp_path / "pdfs"
    summary = score_folder(patients, predictor, out, measure=False, compare_prior=True, pdf_dir=pdfs)
    rows = _rows(out)
    assert sorted(pdf_writes) == sorted((f"{k}.pdf", k in ("a1", "a2", "j2")) for k in SPECS)
    assert all(r["status"] == "ok" and r["pdf"] == f"{k}.pdf" and (pdfs / r["pdf"]).is_file()
               for k, r in rows.items())
    assert (summary.pdfs, summary.serial.pdfs, summary.serial.compared) == (len(SPECS), 3, 3)


def test_a_stopped_runs_pdfs_are_written_once_by_the_run_that_resumes_it(patients, predictor, tmp_path,
                                                                          pdf_writes):
    """Stopped after 3 rows, before the comparison: the records it may compare have no PDF yet (their rows say
    none); the resumed run writes each of them once, a compared one with the comparison, and names it."""
    out, pdfs = tmp_path / "out.csv", tmp_path / "pdfs"
    done = []
    stopped = score_folder(patients, predictor, out, measure=False, compare_prior=True, pdf_dir=pdfs, chunk_size=1,
                           progress=lambda n, total, row: done.append(n), cancel=lambda: len(done) >= 3)
    assert stopped.cancelled and stopped.serial is None
    kept = _rows(out)
    held = {k for k, (pid, person, date) in SPECS.items() if (pid or person) and date}     # dated, identified
    assert {k: r["pdf"] for k, r in kept.items()} == {k: "" if k in held else f"{k}.pdf" for k in kept}
    resumed = score_folder(patients, predictor, out, measure=False, compare_prior=True, pdf_dir=pdfs, resume=True)
    rows = _rows(out)
    assert sorted(pdf_writes) == sorted((f"{k}.pdf", k in ("a1", "a2", "j2")) for k in SPECS)
    assert all(r["status"] == "ok" and r["pdf"] == f"{k}.pdf" and (pdfs / r["pdf"]).is_file()
               for k, r in rows.items())
    assert resumed.serial.written == len(held) == len(SPECS) - 2     # not n1, a4 (never compared: written at once)


@pytest.mark.slow
def test_score_cli_writes_the_serial_page_in_a_compared_records_pdf(patients, checkpoint, tmp_path, capsys):
    from pypdf import PdfReader

    from training_cli.main import main

    out, pdfs = tmp_path / "out.csv", tmp_path / "pdfs"
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a1", "a3", "b1"):
        for f in patients.glob(f"{name}.*"):
            (folder / f.name).write_bytes(f.read_bytes())
    rc = main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress",
               "--pdf-dir", str(pdfs), "--compare-prior"])
    assert rc == 0
    said = capsys.readouterr().out
    assert "serial comparison: 1 record compared with the patient's earlier ECG" in said

    def pages(name):
        return [(p.extract_text() or "") for p in PdfReader(pdfs / f"{name}.pdf").pages]
    a1, a3 = pages("a1"), pages("a3")
    assert "Serial comparison" in a1[-1] and "2019-03-05" in a1[-1]
    assert not any("Serial comparison" in p for p in a3)
    assert _rows(out)["a1"]["prior_file"] == "a3.hea"


def test_score_cli_says_and_counts_the_kept_records_it_scores_again(patients, checkpoint, tmp_path, capsys):
    """``mirage score --resume --compare-prior`` scores the kept records again after its last row (228 PTB-XL
    records: 225 s with the bar sitting at its end and nothing said): it says so, naming how many, and a bar of its
    own counts them."""
    from training_cli.main import main

    out = tmp_path / "out.csv"
    base = ["score", str(patients), "--model", str(checkpoint), "--out", str(out), "--compare-prior", "--workers", "1"]
    assert main(base + ["--no-progress"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        kept = list(csv.DictReader(fh))
    with out.open("w", newline="", encoding="utf-8-sig") as fh:      # as a run stopped after 4 rows leaves it
        w = csv.DictWriter(fh, fieldnames=list(kept[0]))
        w.writeheader()
        w.writerows(dict(r, prior_file="", prior_date="", serial_changes="", serial_warnings="") for r in kept[:4])
    capsys.readouterr()
    assert main(base + ["--resume"]) == 0
    err = capsys.readouterr().err
    assert "serial comparison: scoring again the 4 records kept from the earlier run" in err
    assert "comparing: 100%" in err and "4/4" in err
