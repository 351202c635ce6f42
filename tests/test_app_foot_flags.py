"""In a column of a multi-column page (3x4) a lead's flags stand at its panel's foot, right above the next
row's lead name: "[derived]" at the foot of a MUSE file's III stood over "II (rhythm)", and read as the rhythm
strip's (aVR's over aVL alike). The foot names its own lead ("[III: derived]").

Truth: the GE MUSE sample stores eight leads, I, II and V1-V6 (its <LeadID> elements, read here as text); the
four other limb leads are derived from I and II."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from mirage_model import load_record  # noqa: E402
from mirage_model.records.leads import STANDARD_LEADS  # noqa: E402

MUSE = Path(__file__).parent / "data" / "formats" / "muse-sinus.xml"


def test_a_column_s_foot_flag_names_its_lead(qtbot):
    pytest.importorskip("ecgdatakit")
    from app.views.ecg_plot import EcgPlot

    stored = set(re.findall(r"<LeadID>([^<]+)</LeadID>", MUSE.read_text(encoding="utf-8", errors="replace")))
    derived = [lead for lead in ("III", "aVR", "aVL", "aVF") if lead not in stored]
    assert derived == ["III", "aVR", "aVL", "aVF"]
    plot = EcgPlot()
    qtbot.addWidget(plot)
    plot.resize(1280, 700)
    plot.show()
    plot.set_layout("3x4")
    plot.set_record(load_record(MUSE))
    feet = {STANDARD_LEADS[p.lead]: plot.flag_labels[i].toPlainText() for i, p in enumerate(plot.panels())
            if plot.flag_labels[i].isVisible()}
    assert feet == {lead: f"[{lead}: derived]" for lead in derived}, feet
