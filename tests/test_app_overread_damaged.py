"""A store damaged after over-reads were kept in it (a real save, then the file truncated, as a disk full or a copy
cut short leaves it): the record opens, its over-read "unknown" (it may be signed); a change that the store cannot
keep either is said in one red line on the over-read panel, naming the store and what failed, not two saying the same
("Not kept: ..." above "Over-read unknown ..."); a signature then made is said under it, never green. The tiny
statements model of test_app_overread on the bundled PTB-XL 00417_lr."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.views.overread import GREEN, RED  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture

pytestmark = pytest.mark.skipif(not A.is_file(), reason="bundled sample not present")


def test_a_truncated_store_is_one_red_line_naming_it(qtbot, tiny_model, statements_model, tmp_path):
    store = tmp_path / "overreads.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(window)
    panel.comment.setPlainText("Kept before the file was damaged")
    panel.sign("Dr A")
    assert store.stat().st_size >= 8192
    with open(store, "r+b") as f:          # half of it gone: its pages past the header missing
        f.truncate(store.stat().st_size // 2)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.open_record(str(A)) is not None
    panel, it, rows = _rows(window)
    assert "Over-read unknown" in panel.status.text() and "<br>" not in panel.status.text()
    rows[0][0].click()                      # confirmed here; the store keeps it no more than it was read
    status = panel.status.text()
    lines = status.split("<br>")
    said = (f"Over-read unknown and not kept: the over-read store {store} could not be read or written: database disk "
            "image is malformed (the file is damaged: move it aside or delete it to keep over-reads again); machine "
            "statements unconfirmed")
    assert len(lines) == 1 and lines[0].startswith(f"<b style='color:{RED}'>{said} (the one below is this window")
    assert status.count(str(store)) == 1
    panel.sign("Dr B")                      # signed, not kept: why, and the signature under it, not green
    lines = panel.status.text().split("<br>")
    assert lines[0].startswith(f"<b style='color:{RED}'>Not kept: the over-read store {store} could not be written")
    assert lines[1] == f"<b style='color:{RED}'>Over-read by Dr B" or lines[1].startswith(
        f"<b style='color:{RED}'>Over-read by Dr B")
    assert GREEN not in panel.status.text()
