"""WFDB annotation files beside their records (LUDB's "1.i" ... "1.v6", MIT-BIH's "100.atr") are the
record's, not files passed over: a batch of LUDB had said "1202 files not read: 100 .avf, 100 .avl, ...",
as though records had been left out. They are counted apart in one line, in ``mirage score`` and the batch
dialog alike; a file that looks like one but has no record of its stem, or is no annotation file (text,
zeros, a cut one), stays among the files not read.

Truth: the files this test wrote with wfdb's own writers (``wrsamp``, ``wrann``), read back by ``rdann``."""

from __future__ import annotations

import re

from pathlib import Path

import numpy as np
import pytest

wfdb = pytest.importorskip("wfdb")

from helpers_batch import batch_dialog_status, checkpoint, score_listing_not_read  # noqa: E402,F401 - a fixture
from mirage_model.records.leads import STANDARD_LEADS  # noqa: E402
from mirage_model.review.batch.inputs import find_inputs  # noqa: E402

FS = 500
SIGNAL = np.array([(0.3 + 0.05 * k) * np.sin(2 * np.pi * (1 + 0.1 * k) * np.arange(5000) / FS + k)
                   for k in range(12)])          # (12, T) mV
BESIDE = ["rec.atr", "rec.ii", "rec.qrs", "sub/rec2.v6"]     # annotations of a record of their stem
NOT_READ = ["orphan.atr", "rec.txt", "rec.zero", "rec.cut"]


def _rows(text: str) -> int:
    """How many records got a row, scored or failed (``mirage score``'s "scored N, failed M" or the dialog's "Done: N
    scored, M failed"): the records here are short or synthetic, which the quality check may read unscorable."""
    m = re.search(r"scored (\d+), failed (\d+)", text) or re.search(r"Done: (\d+) scored(?:, (\d+) failed)?", text)
    return int(m.group(1)) + int(m.group(2) or 0)


def _annotate(folder: Path, name: str, ext: str, **extra) -> Path:
    """Annotations of record ``name`` written by wfdb.wrann: beats 1500 samples apart (a SKIP word each:
    more than the 1023 a word holds) and waves between them."""
    sample = np.array([10, 400, 1900, 2300, 3800, 4100])
    symbol = ["N", "(", "N", ")", "V", "t"]
    wfdb.wrann(name, ext, sample, symbol=symbol, write_dir=str(folder), **extra)
    return folder / f"{name}.{ext}"


def _folder(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    for folder, name in ((root, "rec"), (root / "sub", "rec2")):
        wfdb.wrsamp(name, fs=FS, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=SIGNAL.T,
                    fmt=["16"] * 12, adc_gain=[200.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    _annotate(root, "rec", "atr", fs=FS)        # its first annotation a note: "## time resolution: 500"
    _annotate(root, "rec", "ii")
    _annotate(root, "rec", "qrs", subtype=np.array([0, 1, 0, 2, 0, 0]), chan=np.array([0, 1, 1, 1, 0, 0]),
              num=np.array([0, 0, 3, 0, 0, 0]), aux_note=["", "", "(AFIB", "", "", "x"])
    v6 = _annotate(root / "sub", "rec2", "v")    # wfdb.wrann writes letters alone; LUDB's files say "v6"
    v6.rename(v6.with_suffix(".v6"))
    _annotate(root, "orphan", "atr")             # an annotation file, but no record "orphan"
    (root / "rec.txt").write_text("N 10\nN 1900\n")
    (root / "rec.zero").write_bytes(bytes(64))
    cut = _annotate(root, "rec", "cut")
    cut.write_bytes(cut.read_bytes()[:-2])      # its end-of-file word gone
    return root


def test_wfdb_reads_what_is_counted_as_annotations(tmp_path):
    from mirage_model.review.batch.annotations import is_annotation_file

    folder = _folder(tmp_path / "records")
    for name in BESIDE + ["orphan.atr"]:
        p = folder / name
        ann = wfdb.rdann(str(p.with_suffix("")), p.suffix[1:])
        assert len(ann.sample) >= 6, name
        assert is_annotation_file(p), name
    for name in ("rec.txt", "rec.zero", "rec.cut", "rec.hea", "rec.dat"):
        assert not is_annotation_file(folder / name), name
    assert not is_annotation_file(folder / "missing.atr")


def test_annotation_files_beside_their_records_are_not_counted_as_not_read(tmp_path):
    folder = _folder(tmp_path / "records")
    found = find_inputs(folder)
    assert sorted(p.name for p in found[0]) == ["rec.hea", "rec2.hea"]
    assert sorted(p.relative_to(folder).as_posix() for p in found.not_read) == sorted(NOT_READ)
    assert sorted(p.relative_to(folder).as_posix() for p in found.annotations) == sorted(BESIDE)


def test_ludb_s_own_annotation_files(tmp_path):
    """LUDB's files as PhysioNet ships them (tests/data/ludb): record 65 with its lead I and aVF annotations,
    and record 1's twelve annotation files without their record (its signal ships elsewhere)."""
    import shutil

    src = Path(__file__).resolve().parent / "data" / "ludb"
    if not (src / "65.hea").is_file():
        pytest.skip("LUDB test data not present")
    folder = tmp_path / "ludb"
    shutil.copytree(src, folder)
    found = find_inputs(folder)
    assert [p.name for p in found.annotations] == ["65.avf", "65.i"]
    assert sorted(p.name for p in found.not_read) == sorted(p.name for p in src.glob("1.*"))
    for p in found.annotations:
        assert len(wfdb.rdann(str(p.with_suffix("")), p.suffix[1:]).sample) > 0


def test_annotations_line():
    from mirage_model.review.batch.annotations import annotations_line

    assert annotations_line([]) == ""
    assert annotations_line(["1.atr"]) == ("1 annotation file beside its record (WFDB), not scored: "
                                           "annotations are not signals (1 .atr)")
    ludb = [f"{n}.{ext}" for n in range(1, 101) for ext in ("i", "ii", "iii", "avr", "avl", "avf")]
    assert annotations_line(ludb) == ("600 annotation files beside their records (WFDB), not scored: annotations "
                                      "are not signals (100 .avf, 100 .avl, 100 .avr, 100 .i, ...)")


def test_mirage_score_counts_them_apart(tmp_path, checkpoint, capsys):
    out, named = score_listing_not_read(_folder(tmp_path / "records"), checkpoint, tmp_path / "scores.csv", capsys,
                                       codes=(0, 1))
    assert ("4 annotation files beside their records (WFDB), not scored: annotations are not signals "
            "(1 .atr, 1 .ii, 1 .qrs, 1 .v6)") in out, out
    assert "4 files not read: 1 .atr, 1 .cut, 1 .txt, 1 .zero (no ECG records; named above)" in out, out
    assert named == sorted(NOT_READ)


def test_the_batch_dialog_counts_them_apart(qtbot, tmp_path, checkpoint):
    text, tip = batch_dialog_status(qtbot, _folder(tmp_path / "records"), checkpoint, tmp_path / "scores.csv")
    assert _rows(text) == 2, text
    assert "4 annotation files beside their records (WFDB), not scored: annotations are not signals" in text, text
    assert "4 files not read: 1 .atr, 1 .cut, 1 .txt, 1 .zero (no ECG records)." in text, text
    assert "orphan.atr" in tip and "rec.ii" not in tip, tip
