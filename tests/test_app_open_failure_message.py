"""A record that cannot be opened is named once in what the window says: the message bar read "Could not
open 1.hea: /full/path/to/1.hea: ...", the file named twice, and the Measurements panel repeated the
full path. The reason is the ``RecordError``'s own (``load_record`` run here), which names the file
already; a signal file that is missing is named by its name, not its folder."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from mirage_model.paths import resources_dir  # noqa: E402
from mirage_model.records import RecordError, load_record  # noqa: E402

LUDB = resources_dir() / "samples" / "ludb" / "1.hea"
pytestmark = pytest.mark.skipif(not LUDB.is_file(), reason="bundled samples not present")
WAIT_MS = 60000


def _open(qtbot, window, path) -> None:
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)


@pytest.mark.parametrize("damage", ["rate lost", "no signal file"])
def test_the_file_that_cannot_be_opened_is_named_once(qtbot, tmp_path, damage):
    folder = tmp_path / "records"
    folder.mkdir()
    lines = LUDB.read_text().split("\n")
    if damage == "rate lost":
        shutil.copy(LUDB.with_suffix(".dat"), folder / "1.dat")
        lines[0] = "1 12 5000"
    (folder / "1.hea").write_text("\n".join(lines))
    with pytest.raises(RecordError) as err:
        load_record(folder / "1.hea")
    window = shown_window(qtbot)
    _open(qtbot, window, folder / "1.hea")
    said = window.message_bar.text()
    measured = window.measure_panel.note.text()
    assert str(folder) not in said and str(folder) not in measured, (said, measured)
    if err.value.path.name == "1.hea":
        assert said == f"Could not open 1.hea: {err.value.reason}"
    else:                                      # the missing 1.dat, named by its name
        assert said == f"Could not open 1.hea: 1.dat: {err.value.reason}"
    assert err.value.reason in measured
