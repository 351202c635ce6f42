"""A batch's row says when its ECG is the same as an earlier row's (``same_ecg_as``, by ``ecg_key``: the over-read
store's key of the samples, leads, rate, patient and time), and the summary counts them; nothing is dropped.
Byte-identical copies of a record (dup_a, dup_b) had been two rows with nothing to say so.

Truth: the files themselves: dup_a.xml and dup_b.xml are byte copies of muse-sinus.xml; muse-sinus.hea/.dat is the
same ECG converted to WFDB by another program, written in microvolts under a header of 200 per mV (five times the
XML's amplitudes, README) and without the patient's ID: no copy by its samples."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from training_cli.main import main

DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def _score(folder: Path, checkpoint: Path, out: Path, *extra: str) -> tuple[int, list[str], dict]:
    args = ["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--no-progress", "--no-measure",
            "--statements-model", "none", *extra]
    code = main(args)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        rows = {r["record_path"]: r for r in reader}
    return code, list(reader.fieldnames or []), rows


def _folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "records"
    folder.mkdir(exist_ok=True)
    for name in names:
        source = "muse-sinus.xml" if name.startswith("dup_") else name
        shutil.copy(DATA / source, folder / name)
    return folder


def test_a_copy_names_the_earlier_record_and_both_rows_stay(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path, "dup_a.xml", "dup_b.xml", "muse-sinus.hea", "muse-sinus.dat", "Example.scp")
    assert (folder / "dup_a.xml").read_bytes() == (folder / "dup_b.xml").read_bytes()
    code, cols, rows = _score(folder, checkpoint, tmp_path / "r.csv")
    assert code == 0 and sorted(rows) == ["Example.scp", "dup_a.xml", "dup_b.xml", "muse-sinus.hea"]
    assert cols.index("same_ecg_as") == cols.index("error") + 1
    assert rows["dup_b.xml"]["same_ecg_as"] == "dup_a.xml" and rows["dup_b.xml"]["status"] == "ok"
    assert rows["dup_a.xml"]["ecg_key"] == rows["dup_b.xml"]["ecg_key"] != ""
    for other in ("dup_a.xml", "muse-sinus.hea", "Example.scp"):
        assert rows[other]["same_ecg_as"] == ""
    # the WFDB conversion is the same ECG at five times its amplitudes, without the ID: not the same samples
    assert rows["muse-sinus.hea"]["ecg_key"] != rows["dup_a.xml"]["ecg_key"]
    assert "1 record is a copy of another (the same ECG: same_ecg_as names the earlier record)" in \
        capsys.readouterr().out


def test_a_resumed_run_names_a_kept_row_of_the_same_ecg(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path, "dup_a.xml", "Example.scp")
    out = tmp_path / "r.csv"
    assert _score(folder, checkpoint, out)[0] == 0
    _folder(tmp_path, "dup_b.xml")                   # a copy added after the first run
    capsys.readouterr()
    code, _, rows = _score(folder, checkpoint, out, "--resume")
    assert code == 0 and rows["dup_b.xml"]["same_ecg_as"] == "dup_a.xml"
    assert "1 record is a copy of another" in capsys.readouterr().out


def test_an_output_written_before_the_columns_is_resumed_its_kept_rows_saying_so(tmp_path, checkpoint, capsys):
    folder = _folder(tmp_path, "dup_a.xml", "dup_b.xml")
    out = tmp_path / "r.csv"
    _, cols, rows = _score(folder, checkpoint, out)
    old = [c for c in cols if c not in ("same_ecg_as", "ecg_key")]
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.DictWriter(fh, old, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows.values())
    (tmp_path / ".r.csv.stamps").unlink()              # that version wrote none
    capsys.readouterr()
    code, now, rows = _score(folder, checkpoint, out, "--resume")
    assert code == 0 and now == cols and sorted(rows) == ["dup_a.xml", "dup_b.xml"]
    # kept rows of an earlier version: their copy is not named (no key to name it by), and they say why
    for row in rows.values():
        assert (row["same_ecg_as"], row["ecg_key"]) == ("", "")
        assert row["notes"].endswith("kept from an earlier version: no same_ecg_as, ecg_key value"), row["notes"]
    said = capsys.readouterr().err
    assert "2 kept rows from an earlier version have no same_ecg_as, ecg_key value" in said, said


def test_after_a_resume_the_copy_names_the_row_above_it(tmp_path, checkpoint):
    """A record that failed in a cancelled run (1.xml, still being copied in: half its bytes) and is scored when the
    run is resumed stands above its copy (2.xml), kept from the first run: the CSV says the later row is the copy
    of the earlier one. The resumed run had written 1.xml's row naming 2.xml, a row below it, and 2.xml's naming
    none."""
    import mirage_model as mm
    from mirage_model.review.batch import score_folder

    folder = tmp_path / "records"
    folder.mkdir()
    whole = (DATA / "muse-sinus.xml").read_bytes()
    (folder / "1.xml").write_bytes(whole[:len(whole) // 2])
    (folder / "2.xml").write_bytes(whole)
    shutil.copy(DATA / "Example.scp", folder / "3.scp")
    predictor = mm.Predictor(checkpoint, device="cpu")
    out = tmp_path / "r.csv"
    seen: list[str] = []
    first = score_folder(folder, predictor, out, measure=False, chunk_size=1,
                         progress=lambda _d, _t, row: seen.append(row["record_path"]), cancel=lambda: len(seen) >= 2)
    assert first.cancelled and seen == ["1.xml", "2.xml"]
    with out.open(newline="", encoding="utf-8-sig") as fh:
        assert {r["record_path"]: r["status"] for r in csv.DictReader(fh)} == {"1.xml": "error", "2.xml": "ok"}
    (folder / "1.xml").write_bytes(whole)                        # copied in whole now
    again = score_folder(folder, predictor, out, measure=False, resume=True)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["record_path"], r["status"], r["same_ecg_as"]) for r in rows] == [
        ("1.xml", "ok", ""), ("2.xml", "ok", "1.xml"), ("3.scp", "ok", "")]
    assert rows[0]["ecg_key"] == rows[1]["ecg_key"] != ""
    assert again.copies == 1 and "1 record is a copy of another" in again.copies_line()


def test_an_anonymised_files_row_carries_no_ecg_key_and_its_copy_is_still_named(tmp_path, checkpoint):
    """The MUSE sample, its patient JANE DOE, ID 123456, in "DOE_JANE_123456.xml", anonymised twice as ``mirage
    convert --anonymise`` does (ecg_0001, ecg_0002: one ECG). Their rows' ``ecg_key`` is empty: their key is what
    whoever holds the identified file gets by anonymising it again; the second still names the first in
    ``same_ecg_as``. The identified file's row keeps its key; no anonymised row names her."""
    from mirage_model.formats.write import write_record
    from mirage_model.records import load_record
    from mirage_model.review.record_key import overread_key

    folder = tmp_path / "records"
    folder.mkdir()
    text = (DATA / "muse-sinus.xml").read_text(encoding="latin-1")
    (folder / "DOE_JANE_123456.xml").write_text(text.replace(">JOHN<", ">JANE<").replace(">081486213<", ">123456<"),
                                               encoding="latin-1")
    ident = load_record(folder / "DOE_JANE_123456.xml")
    for name in ("ecg_0001", "ecg_0002"):
        write_record(ident, folder, "wfdb", anonymise=True, name=name)
    anon_key = overread_key(load_record(folder / "ecg_0001.hea"))
    code, _cols, rows = _score(folder, checkpoint, tmp_path / "r.csv")
    assert code == 0 and sorted(rows) == ["DOE_JANE_123456.xml", "ecg_0001.hea", "ecg_0002.hea"]
    assert rows["ecg_0001.hea"]["ecg_key"] == rows["ecg_0002.hea"]["ecg_key"] == ""
    assert rows["ecg_0002.hea"]["same_ecg_as"] == "ecg_0001.hea" and rows["ecg_0001.hea"]["same_ecg_as"] == ""
    assert rows["DOE_JANE_123456.xml"]["ecg_key"] == overread_key(ident)
    assert anon_key not in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    for name in ("ecg_0001.hea", "ecg_0002.hea"):
        said = " ".join(str(v) for v in rows[name].values())
        assert not re.findall(r"(?<![a-z0-9])(?:doe|jane|123456)(?![a-z0-9])", said, re.IGNORECASE), said
