"""A WFDB or Challenge header with one field lost or damaged must not read silently wrong. Found by
fuzzing real records (scripts/fuzz_variants.py): LUDB 1's record line without its rate ("1 12 5000",
which header(5) allows: a line may end after any field) read as a 1-second ECG at 5000 Hz; a Challenge
header that lost a field was refused as "signal length '12-May-2020' is not a whole number"; a word
in a signal line's numeric fields turned the line's lead name into that word and the numbers after
it, and the lead was derived from the others, unsaid.

Truth: each record's own undamaged header (its rate, its length, its lead names), read by wfdb."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

wfdb = pytest.importorskip("wfdb")

ROOT = Path(__file__).resolve().parents[1]
LUDB = ROOT / "resources" / "samples" / "ludb" / "1.hea"
CINC = ROOT / "tests" / "data" / "cinc2021" / "JS45545.hea"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")   # wfdb-python's own pandas calls


def _damaged(tmp_path: Path, hea: Path, line: int, edit) -> Path:
    """A copy of ``hea``'s record beside ``tmp_path`` whose header line ``line`` is ``edit(tokens)``."""
    for f in hea.parent.glob(hea.stem + ".*"):
        shutil.copy(f, tmp_path / f.name)
    lines = hea.read_text().split("\n")
    lines[line] = " ".join(edit(lines[line].split()))
    out = tmp_path / hea.name
    out.write_text("\n".join(lines))
    return out


def _without(i: int):
    return lambda tokens: tokens[:i] + tokens[i + 1:]


def test_record_line_that_lost_its_rate_is_refused_not_read_as_one_second(tmp_path):
    ref = wfdb.rdheader(str(LUDB.with_suffix("")))
    hea = _damaged(tmp_path, LUDB, 0, _without(2))          # "1 12 5000"
    assert hea.read_text().split("\n")[0] == f"1 12 {ref.sig_len}"
    with pytest.raises(RecordError) as err:
        load_record(hea)
    text = str(err.value)
    assert text.startswith(f"{hea}: ") and "sampling frequency" in text and f"{ref.sig_len}" in text
    assert "missing" in text


def test_record_line_that_ends_after_a_rate_still_reads(tmp_path):
    """header(5) lets a record line end after the rate: the length then comes from the file."""
    ref = wfdb.rdrecord(str(LUDB.with_suffix("")))
    hea = _damaged(tmp_path, LUDB, 0, lambda t: t[:3])       # "1 12 500": the length left out
    rec = load_record(hea)
    assert rec.fs == ref.fs and rec.signal.shape == (12, ref.sig_len)


@pytest.mark.parametrize("lost", [0, 1, 2, 3], ids=["name", "nsig", "fs", "nsamples"])
def test_challenge_record_line_that_lost_a_field_says_so(tmp_path, lost):
    date = CINC.read_text().split()[4]           # "29-Mar-2021" (wfdb does not read the Challenge's date form)
    hea = _damaged(tmp_path, CINC, 0, _without(lost))
    with pytest.raises(RecordError) as err:
        load_record(hea)
    text = str(err.value)
    assert f"date ({date}) where the signal length belongs" in text and "missing" in text, text
    assert "is not a whole number" not in text


@pytest.mark.parametrize("field, label", [(3, "ADC resolution"), (4, "ADC zero"), (5, "initial value"),
                                          (6, "checksum")])
@pytest.mark.parametrize("hea", [LUDB, CINC], ids=["ludb", "challenge"])
def test_word_in_a_numeric_field_of_a_signal_line_is_refused(tmp_path, hea, field, label):
    ref = wfdb.rdheader(str(hea.with_suffix("")))
    damaged = _damaged(tmp_path, hea, 1, lambda t: t[:field] + ["x#q"] + t[field + 1:])
    with pytest.raises(RecordError) as err:
        load_record(damaged)
    assert "signal line 1" in str(err.value) and f"{label} 'x#q' is not a whole number" in str(err.value)
    # the same line with its fields intact names its lead as the header does
    assert ref.sig_name[0] in hea.read_text().split("\n")[1].split()


def test_signal_line_that_ends_early_then_names_its_lead_still_reads(tmp_path):
    """"1.dat 16 1716(6)/mV i": fields left out from the ADC resolution on, then the description: no
    number follows the name, so nothing was lost into it."""
    ref = wfdb.rdrecord(str(LUDB.with_suffix("")), physical=False)
    hea = _damaged(tmp_path, LUDB, 1, lambda t: t[:3] + t[8:])
    rec = load_record(hea)
    gain, baseline = ref.adc_gain[0], ref.baseline[0]
    assert np.allclose(rec.signal[0], (ref.d_signal[:, 0] - baseline) / gain, atol=1e-6)
    assert not rec.quality["derived"][0]


def test_initial_value_that_is_not_the_first_sample_is_a_reader_note(tmp_path):
    """WFDB writes each signal's first sample as its initial value: a header that says another one was
    damaged or written for other samples. The samples read are the file's (its checksum fits), said
    beside the record."""
    from mirage_model.review.file_info import reader_notes

    ref = wfdb.rdrecord(str(LUDB.with_suffix("")), physical=False)
    first = int(ref.d_signal[0, 0])
    hea = _damaged(tmp_path, LUDB, 1, lambda t: t[:5] + [str(first + 1000)] + t[6:])
    rec = load_record(hea)
    notes = rec.meta["reader_warnings"]
    assert len(notes) == 1 and f"I ({first + 1000} in the header, {first} in the file)" in notes[0]
    assert any(f"{first + 1000} in the header" in n for n in reader_notes(rec))
    assert "checksum_mismatch" not in rec.meta            # the samples are as written
    assert "reader_warnings" not in load_record(LUDB).meta     # the undamaged header says nothing


def test_declared_length_shorter_than_the_file_without_checksums_is_a_reader_note(tmp_path):
    """A header without checksums whose length was halved read the record's first half as all of it,
    unsaid: the signal file's size is the one witness left."""
    ref = wfdb.rdheader(str(LUDB.with_suffix("")))
    hea = _damaged(tmp_path, LUDB, 0, lambda t: t[:3] + [str(ref.sig_len // 2)])
    lines = hea.read_text().split("\n")
    for k in range(1, ref.n_sig + 1):                  # "1.dat 16 1716(6)/mV 0 0 -120 i": no checksum, no block size
        t = lines[k].split()
        lines[k] = " ".join(t[:6] + t[8:])
    hea.write_text("\n".join(lines))
    held = (tmp_path / "1.dat").stat().st_size // (2 * ref.n_sig)
    assert held == ref.sig_len
    rec = load_record(hea)
    assert rec.signal.shape[1] == ref.sig_len // 2
    assert any(f"holds {held:,} samples per signal, but the header declares {ref.sig_len // 2:,}" in n
               for n in rec.meta["reader_warnings"]), rec.meta.get("reader_warnings")
    from mirage_model.quality.assess import assess

    codes = {f.code for f in assess(rec).findings}      # said as the reader's note, not as a failed CRC
    assert "reader_notes" in codes and "file_checksum" not in codes


@pytest.mark.parametrize("length", [1, 2])
def test_declared_length_shorter_than_the_file_with_checksums_names_the_length(tmp_path, length):
    """A record line declaring 1 or 2 samples of LUDB 1's 5,000 fails the signals' checksums; the refusal had
    blamed the format ("wrong format 16?") where the file's size shows the length is what disagrees. Truth: the
    .dat's size over 12 signals of 2 bytes, and wfdb's header of the undamaged record."""
    ref = wfdb.rdheader(str(LUDB.with_suffix("")))
    hea = _damaged(tmp_path, LUDB, 0, lambda t: t[:3] + [str(length)])
    held = (tmp_path / "1.dat").stat().st_size // (2 * ref.n_sig)
    assert held == ref.sig_len and ref.fmt[0] == "16"
    with pytest.raises(RecordError) as info:
        load_record(hea)
    msg = str(info.value)
    assert msg.startswith(str(hea)) and "checksums of 12 of 12 signals do not match" in msg
    assert f"declares {length} sample{'s' if length > 1 else ''} per signal, but its signal file holds {held:,}" in msg
    assert "signal length" in msg


def test_samples_that_fail_their_checksums_at_the_declared_length_still_name_the_format(tmp_path):
    """The file as long as declared, its samples not the ones the checksums were made of: the format hint stays."""
    ref = wfdb.rdheader(str(LUDB.with_suffix("")))
    hea = _damaged(tmp_path, LUDB, 0, lambda t: t)
    (tmp_path / "1.dat").write_bytes(bytes(2 * ref.n_sig * ref.sig_len))
    with pytest.raises(RecordError, match=r"does not fit its header \(wrong format 16\?\)"):
        load_record(hea)
