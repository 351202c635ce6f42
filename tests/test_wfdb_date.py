"""A WFDB header's base date is DD/MM/YYYY (header(5)): "03/04/2020" is 3 April 2020. It was
shown as written ("Acquired: 03/04/2020 10:20:30" in the app's patient line and the PDF header),
which a reader used to month/day takes for 4 March, and a converted record lost it (WFDB gave no
``acquired``, as the other readers do). Truth: wfdb's own header reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mirage_model.records import load_record
from mirage_model.review.file_info import patient_facts

wfdb = pytest.importorskip("wfdb")

LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"


def _dated(tmp_path: Path, stamp: str) -> Path:
    shutil.copy(LUDB.with_suffix(".dat"), tmp_path / "1.dat")
    lines = LUDB.with_suffix(".hea").read_text().split("\n")
    lines[0] = f"{lines[0].rstrip()} {stamp}"
    hea = tmp_path / "1.hea"
    hea.write_text("\n".join(lines))
    return hea


@pytest.mark.parametrize("stamp", ["10:20:30 03/04/2020", "23:59:59 13/12/2019"])
def test_base_date_is_shown_as_iso_8601(tmp_path, stamp):
    hea = _dated(tmp_path, stamp)
    ref = wfdb.rdheader(str(hea.with_suffix("")))
    expected = f"{ref.base_date.isoformat()} {ref.base_time.strftime('%H:%M:%S')}"
    rec = load_record(hea)
    assert f"Acquired: {expected}" in patient_facts(rec, rec.age, rec.sex)    # the app's line and the PDF's header
    assert rec.meta["acquired"] == expected


def test_a_converted_record_keeps_the_base_date(tmp_path):
    from mirage_model import formats

    rec = load_record(_dated(tmp_path, "10:20:30 03/04/2020"))
    out = tmp_path / "out"
    for fmt in ("edf", "wfdb"):
        back = load_record(formats.write_record(rec, out, fmt))
        assert back.meta["acquired"] == "2020-04-03 10:20:30", fmt
    ref = wfdb.rdheader(str(out / "1"))
    assert ref.base_date.isoformat() == "2020-04-03"


def test_a_date_that_is_no_date_is_shown_as_written_and_said_so(tmp_path):
    """A base date naming no real day (wfdb's own reader refuses it) is shown as the header holds it,
    said to be no date; it had been shown bare, where PTB's "ECG date" 31/02/2020 was printed
    2020-02-31: one parser reads both now."""
    hea = _dated(tmp_path, "10:20:30 31/02/2020")
    with pytest.raises(ValueError):
        wfdb.rdheader(str(hea.with_suffix("")))
    rec = load_record(hea)
    assert "acquired" not in rec.meta
    assert "Acquired: 31/02/2020 10:20:30 (not a valid date)" in patient_facts(rec, rec.age, rec.sex)


PTBDB = Path(__file__).resolve().parent / "data" / "ptbdb" / "s0010_re"


@pytest.mark.parametrize("stated, shown", [("01/10/1990", "1990-10-01"),
                                           ("31/02/2020", "31/02/2020 (not a valid date)"),
                                           ("29/02/2019", "29/02/2019 (not a valid date)"),
                                           ("29/02/2020", "2020-02-29"), ("autumn 1990", "autumn 1990")])
def test_the_ptb_ecg_date_is_read_as_the_base_date_is(tmp_path, stated, shown):
    """PTB's "# ECG date:" comment (day/month/year) was read by its own pattern, which let any day
    1-31 of any month through: 31/02/2020 was printed 2020-02-31. Truth for the valid ones: datetime
    of the day/month/year as written; for the others, that no such day exists."""
    import datetime

    for suffix in (".dat", ".xyz"):
        shutil.copy(PTBDB.with_suffix(suffix), tmp_path / f"s0010_re{suffix}")
    text = PTBDB.with_suffix(".hea").read_text()
    assert "# ECG date: 01/10/1990" in text
    hea = tmp_path / "s0010_re.hea"
    hea.write_text(text.replace("# ECG date: 01/10/1990", f"# ECG date: {stated}"))
    try:
        truth = datetime.datetime.strptime(stated, "%d/%m/%Y").date().isoformat()
    except ValueError:
        truth = None
    assert (truth == shown) if truth else ("-" not in shown)
    rec = load_record(hea)
    assert f"Acquired: {shown}" in patient_facts(rec, rec.age, rec.sex)
