"""pydicom's log and warnings never reach the user's terminal: a DICOM ECG cut short inside its SOP
Class UID printed "WARNING pydicom: Invalid value for VR UI ..." and a UserWarning with pydicom's
source line under ``mirage convert``/``score`` (whose logging prints WARNING records), and a
readable file with one malformed UID printed the same. Truth: the bytes this test damages in the
shipped DICOM sample, and its own signal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pydicom")
pytest.importorskip("ecgdatakit")

from mirage_model.records import load_record  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "formats" / "waveform_ecg.dcm"
SOP_CLASS = b"1.2.840.10008.5.1.4.1.1.9.1.1"
INSTANCE = b"1.3.6.1.4.1.20029.40.20130125105919.5407.1.1"


def _damaged(tmp_path: Path) -> tuple[Path, Path]:
    data = SAMPLE.read_bytes()
    sop = data.index(SOP_CLASS, 200)            # the dataset's (0008,0016), after the file meta's copy
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[:sop + len(SOP_CLASS) - 5])         # ends in "1.1.1.", inside the UID
    uid = data.index(INSTANCE, sop)             # the dataset's SOP Instance UID: "A-" is no UID
    bad = tmp_path / "baduid.dcm"
    bad.write_bytes(data[:uid] + b"A-" + data[uid + 2:])
    return cut, bad


def test_no_library_chatter_in_the_terminal(tmp_path):
    cut, bad = _damaged(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)}
    res = subprocess.run([sys.executable, "-m", "training_cli", "convert", str(cut), str(bad), "--to", "edf",
                          str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120)
    err = res.stderr
    assert "WARNING" not in err and "Warning" not in err and "Invalid value for VR" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith(f"error: {cut}") and "not a valid UID" in lines[0] and "cut short" in lines[0]
    assert lines[1:] == ["1 of 2 inputs not converted"]
    assert (tmp_path / "out" / "baduid.edf").is_file()


def test_a_damaged_element_is_the_records_own_warning(tmp_path, recwarn):
    import logging

    class Seen(logging.Handler):      # what the app's and the CLI's root handlers would print
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.records = []

        def emit(self, record):
            self.records.append(record)

    _, bad = _damaged(tmp_path)
    seen, root = Seen(), logging.getLogger()
    root.addHandler(seen)
    try:
        rec = load_record(bad)
    finally:
        root.removeHandler(seen)
    np.testing.assert_array_equal(rec.signal, load_record(SAMPLE).signal)
    assert not [r for r in seen.records if r.name.startswith("pydicom")]
    assert not [w for w in recwarn if "pydicom" in str(w.filename) or "VR UI" in str(w.message)]
    assert any("'A-3.6.1.4.1.20029" in note for note in rec.meta["reader_warnings"])


def test_what_the_reader_read_past_is_a_quality_warning_beside_the_record(tmp_path):
    # the malformed SOP Instance UID was kept only in rec.meta, where no screen, PDF or batch row shows it
    from mirage_model import quality

    _, bad = _damaged(tmp_path)
    rec = load_record(bad)
    q = quality.assess(rec)
    f = next(f for f in q.findings if f.code == "reader_notes")
    assert f.severity == "warning" and "A-3.6.1.4.1.20029" in f.name + f.detail
    assert q.verdict == quality.assess(load_record(SAMPLE)).verdict      # a warning: the gate is unchanged
    assert not quality.assess(load_record(SAMPLE)).has("reader_notes")


def test_malformed_uids_are_said_once_in_words():
    """The C# ECG Toolkit's Example.dcm holds three UIDs with an empty component ("...091000..1"): pydicom's
    three notes, each "Invalid value for VR UI: '...'. Please see <https://dicom.nema.org/...> for allowed
    values for each VR.", filled the app's warning bar. Truth: the file's UI elements that PS3.5 6.2's form
    (digits, no leading zero, single dots) refuses, found here with pydicom."""
    import re

    import pydicom

    path = ROOT / "tests" / "data" / "formats" / "ecgtoolkit-Example.dcm"
    form = re.compile(r"(0|[1-9]\d*)(\.(0|[1-9]\d*))*")
    bad = []
    pydicom.dcmread(path).walk(lambda ds, el: bad.append(str(el.value)) if el.VR == "UI" and el.value
                               and not form.fullmatch(str(el.value)) else None)
    bad = list(dict.fromkeys(bad))
    assert len(bad) == 3
    notes = load_record(path).meta["reader_warnings"]
    said = [n for n in notes if "UID" in n]
    assert said == [f"DICOM: 3 malformed identifiers (UIDs) ({', '.join(repr(u) for u in bad)}; PS3.5 6.2 allows "
                    "digits and single dots): the file's identifiers only, its ECG is read as stored"]
    assert not any("Please see" in n or "Invalid value for VR" in n for n in notes)
