"""The window opens a record whose file has no V4 channel as it opens the same record with V4 all invalid (had
said the record could not be read: "not enough ECG leads ... cannot be scored"): drawn, V4's blank panel
labelled as the invalid V4's is, the interpretation withheld naming V4, and the record's notes saying the file
has no V4 channel (test_missing_lead_channel.py has the readers and the quality findings)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("wfdb")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_missing_lead_channel import v4_two_ways  # noqa: E402,F401 - fixture


def _opened(qtbot, window, hea) -> tuple[dict, str, str]:
    """Open ``hea``: (lead -> its label and flags as drawn, the interpretation's text, the record's notes)."""
    from PySide6.QtGui import QTextDocument

    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.session.quality is not None, timeout=WAIT_MS)
    plot = window.viewer.plot
    said = {lab.toPlainText().split()[0]: " ".join(lab.toPlainText().split() + (
        foot.toPlainText().split() if foot.isVisible() else [])) for lab, foot in zip(plot.labels, plot.flag_labels)
        if lab.isVisible()}
    texts = []
    for html in (window.results.interpretation.text.text(), window.results.device.text()):
        doc = QTextDocument()
        doc.setHtml(html)
        texts.append(" ".join(doc.toPlainText().split()))
    return said, *texts


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_app_opens_a_record_without_v4_as_one_with_v4_invalid(qtbot, v4_two_ways):
    absent, invalid = v4_two_ways
    window = shown_window(qtbot)
    said, interpretation, notes = _opened(qtbot, window, absent)
    said_invalid, interpretation_invalid, notes_invalid = _opened(qtbot, window, invalid)
    assert said == said_invalid and said["V4"] == "V4 [V4: missing]", said
    assert not any("missing" in text for lead, text in said.items() if lead != "V4"), said
    assert "Interpretation withheld" in interpretation and "(V4)" in interpretation, interpretation
    assert interpretation == interpretation_invalid
    assert "no V4 channel in the file: shown blank" in notes and "V4 channel" not in notes_invalid


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_app_names_the_lead_a_paediatric_set_holds_in_a_blank_leads_place(qtbot, tmp_path):
    """A paediatric lead set (V3R and V7 recorded in place of V3 and V5: ``welch_allyn_paediatric``): the blank
    V3 and V5 panels' labels name the lead the file holds in their place and say it is not theirs (had said
    "missing"), and the window's lead message says it as they do."""
    pytest.importorskip("ecgdatakit")
    from test_formats_found_files import welch_allyn_paediatric

    window = shown_window(qtbot)
    said, _, notes = _opened(qtbot, window, str(welch_allyn_paediatric(tmp_path)))
    assert said["V3"] == "V3 [V3: missing: V3R in its place, not V3]", said
    assert said["V5"] == "V5 [V5: missing: V7 in its place, not V5]", said
    assert "V3R in place of V3, V7 in place of V5" in notes
    assert "V3 (missing: V3R in its place, not V3); V5 (missing: V7 in its place, not V5)" in (
        window.message_bar.text())
