"""File > Save record as says what the written file does not hold (``formats.write.left_out``), as
``mirage convert`` does; a record that loses nothing is saved with the short status line as before."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("ecgdatakit")
from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.records import load_record  # noqa: E402

DATA = Path(__file__).parent / "data"


def test_save_as_names_what_it_left_out(qtbot, tmp_path):
    """The MUSE file's median beats (its <QRSTimesTypes> beat, read as ``device_median_beats``) were dropped
    by Save as without a word; the PTB record's Frank leads (vx, vy, vz, its .xyz file) are written after the
    12, not left out."""
    window = shown_window(qtbot, size=None)
    said = []
    window.message.connect(said.append)
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(DATA / "formats" / "muse-sinus.xml")
    out = window.save_record_as(tmp_path / "muse.edf", "edf")
    assert out is not None and load_record(out).meta["device_report"]
    assert said[-1] == "Saved muse.edf; left out: the device's median beats."
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(DATA / "ptbdb" / "s0010_re.hea")
    said.clear()
    assert window.save_record_as(tmp_path / "Müller.hea", "wfdb", anonymise=False) is not None
    assert said[-1] == ("Saved: 'Müller' was saved as 'Muller': a WFDB record name may hold only ASCII letters, "
                        "digits, '-' and '_' (PhysioNet's WFDB software refuses any other character), so the "
                        "name was transliterated.")
    assert [e.name for e in load_record(tmp_path / "Muller.hea").extra_leads] == ["vx", "vy", "vz"]
    said.clear()
    with qtbot.waitSignal(window.recordLoaded, timeout=WAIT_MS):
        window.open_record(Path(__file__).parent.parent / "resources" / "samples" / "cinc2021" / "A0003.hea")
    assert window.save_record_as(tmp_path / "cinc.hea", "wfdb") is not None
    assert not any("left out" in s.lower() for s in said)
