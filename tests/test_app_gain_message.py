"""A gain in doubt is said in the message bar, as a flat lead is: a record whose samples are a fifth of their size
("amplitude_low": "QRS, P waves and noise all 0.25 times their usual size or less: gain wrong?") said it only in
small print at the foot of the result column and on page 3 of the PDF. Truth: PTB-XL 00417 (shipped) written with
its samples multiplied by 0.2, against the same record unmodified (no gain doubt, nothing said of one)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from helpers_app import WAIT_MS, clean_and_scaled, isolated_settings, shown_window  # noqa: E402,F401 - fixtures


@pytest.fixture
def pair(tmp_path):
    """(clean, x0.2): 00417_lr written as WFDB as it is and at a fifth of its size."""
    return clean_and_scaled(tmp_path, 0.2, "small")


def test_a_gain_too_low_is_said_in_the_message_bar(qtbot, pair):
    window = shown_window(qtbot)                    # no model: the record's own quality check
    clean, small = pair
    said = {}
    for name, path in (("small", small), ("clean", clean)):
        window.open_record(path)
        qtbot.waitUntil(lambda: window.record_quality() is not None, timeout=WAIT_MS)
        said[name] = window.message_bar.text() if window.message_bar.isVisible() else ""
    assert said["small"].startswith("r: signal quality: QRS, P waves and noise all 0.2"), said
    assert said["small"].endswith("times their usual size or less: gain wrong?; scaled by the WFDB header's "
                                  "gain (1000 adu/mV)"), said
    assert "gain wrong" not in said["clean"], said
