"""The window opens a record with one lead withheld for amplitudes that are not an ECG's (an electrode off
swinging from rail to rail): the record is drawn, the lead's blank panel says "withheld", and the
interpretation is withheld naming the lead and why (test_withheld_leads.py has the library and the CLI)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures
from test_withheld_leads import LUDB_1, WHY_8, _square, _written  # noqa: E402


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_app_opens_the_record_with_the_lead_blank_and_named(qtbot, tmp_path):
    """No model loaded, LUDB 1 with V1 a +-8 mV square wave (had said the record could not be read: "the
    amplitudes of lead V1 (8 mV) are not an ECG's in mV"): drawn, V1 labelled "[withheld]" (no samples: not
    "flat") over its blank panel, and the interpretation withheld with the quality check's reason naming V1."""
    from PySide6.QtGui import QTextDocument

    hea = _written(tmp_path, "v1_off", {"v1": _square(wfdb.rdheader(str(LUDB_1)).sig_len, 500.0)})
    window = shown_window(qtbot)
    assert window.predictor is None
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(hea)
    qtbot.waitUntil(lambda: window.session.quality is not None, timeout=WAIT_MS)
    plot = window.viewer.plot
    said = {lab.toPlainText(): lab.toPlainText() + (f" {foot.toPlainText()}" if foot.isVisible() else "")
            for lab, foot in zip(plot.labels, plot.flag_labels) if lab.isVisible()}    # a column's flags: at its foot
    assert said["V1"] in ("V1 [V1: withheld]", "V1  [withheld]"), said
    assert not any("withheld" in text for name, text in said.items() if name != "V1"), said
    doc = QTextDocument()
    doc.setHtml(window.results.interpretation.text.text())
    text = " ".join(doc.toPlainText().split())
    assert "Interpretation withheld" in text and f"lead V1 withheld: {WHY_8}" in text, text


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_the_leads_derived_from_the_lead_withheld_say_so(qtbot, tmp_path):
    """A file of I, II, aVF and V1-V6 with I swinging +-8 mV: I withheld, and III, aVR, aVL, which the reader
    derives from I and II, blank. Their labels had said "[flat, missing, derived]"; then "[flat, not derived:
    needs I, withheld]"; now "[not derived: needs I, withheld]" (no samples: not flat). aVF, stored, is labelled
    with nothing."""
    from test_not_derived_leads import _i_off

    window = shown_window(qtbot)
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(_i_off(tmp_path))
    plot = window.viewer.plot
    said = {lab.toPlainText().split()[0]: " ".join(lab.toPlainText().split() + (
        foot.toPlainText().split() if foot.isVisible() else [])) for lab, foot in zip(plot.labels, plot.flag_labels)
        if lab.isVisible()}
    for lead in ("III", "aVR", "aVL"):
        assert said[lead] == f"{lead} [{lead}: not derived: needs I, withheld]", said
    assert said["I"] == "I [I: withheld]" and said["aVF"] == "aVF", said
