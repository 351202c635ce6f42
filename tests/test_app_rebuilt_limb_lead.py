"""The window opens a record whose lead III is all invalid in the file: III is drawn, rebuilt from I and II
(test_rebuilt_limb_leads.py has the library), labelled derived, and the message says why."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_rebuilt_limb_leads import III, _with_nan  # noqa: E402


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_app_draws_the_rebuilt_lead_marked_derived(qtbot, tmp_path):
    """PTB-XL 00417 with III all NaN: had been labelled "[flat, missing]" over a blank panel; now III holds
    samples, is labelled "[derived]", and the message bar says it was derived and why."""
    hea, _ = _with_nan(tmp_path, "III")
    window = shown_window(qtbot)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(hea)
    assert np.isfinite(window.session.record.signal[III]).all()
    plot = window.viewer.plot
    said = {lab.toPlainText().split()[0]: " ".join(lab.toPlainText().split() + (
        foot.toPlainText().split() if foot.isVisible() else [])) for lab, foot in zip(plot.labels, plot.flag_labels)
        if lab.isVisible()}
    assert said["III"] == "III [III: derived]", said     # a column's foot names its lead
    text = " ".join(window.message_bar.text().split())
    assert window.message_bar.isVisible(), text
    assert "the file reader noted: III derived from I and II: its own samples were all invalid" in text, text
