"""The window with an over-read store that lost what it held since it was last read here (``review.store_memory``):
truncated to 0 bytes while the reviewer was at another record, the over-read signed before is "unknown" on the panel
and the message bar names the store and what it lost, in red as other store failures; nothing is written into it.

Had been: the record opened as "Not over-read", the message bar silent, and the next click made a new store there;
then the message named 'mirage overreads --accept', a terminal command, beside the button that does it.

Truth: the signature the test makes, and the file it empties by hand. Records: the bundled PTB-XL 00417_lr (A) and
LUDB 14 (B), with the tiny statements model of test_app_overread."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, B, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


def test_a_store_emptied_meanwhile_is_said_and_never_written(qtbot, tiny_model, statements_model, tmp_path):
    store = tmp_path / "share" / "overreads.sqlite"
    store.parent.mkdir()
    window = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(window)
    rows[0][0].click()
    panel.sign("Dr Kept")
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(B))
    store.write_bytes(b"")                  # a sync tool's failed copy
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(str(A))
    said = window.message_bar.text()
    assert window.message_bar.isVisible() and f"The over-read store {store} could not be read: it held " in said
    # the button beside it says how to take it as it is: no terminal command (had been "... or run 'mirage
    # overreads --store PATH --accept' to take it as it is now", beside the button that does it)
    assert "it holds nothing now" in said and said.endswith(
        "put the right file back, or take it as it is now with Review store change... (at the right of the message "
        "bar). Over-reads are not kept there until it can be."), said
    assert "mirage overreads" not in said and window.store_review.isVisible()
    panel, it, rows = _rows(window)
    assert "Over-read unknown (its store could not be read)" in panel.status.text(), panel.status.text()
    assert "Not over-read" not in panel.status.text()
    rows[0][0].click()                      # kept in the session alone
    assert "could not be written" in window.message_bar.text() and store.stat().st_size == 0
