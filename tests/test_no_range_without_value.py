"""No reference range beside no value: a row of the measurement table without a value (not measurable, not
recomputed, not applicable) shows a dash in the PDF's Reference column, and the app's hover on it says why only.

Found: page 3 printed "Sokolow-Lyon index ... | not measurable | | < 3.5" and "QTc ... | not recomputed |
| > 340, < 460", and the app's hover on a PR "not applicable" beside atrial flutter ended "reference: 120-200 ms".
Truth: which rows
have no value is set here (a constructed ``Measurements`` with values left out, an edited QT with no RR to recompute
the QTc from, an interpretation stating atrial flutter), not read from the table; the ranges' sources under the table
stay.
"""

from __future__ import annotations

import html
import re

import pytest

import mirage_model as mm
from mirage_model.measure import Measurements

# measured: everything but the PR, the RR and the Sokolow-Lyon index (None: not measurable)
MEASURED = dict(heart_rate_bpm=72.0, rr_ms=None, pr_ms=None, qrs_ms=96.0, qt_ms=380.0, qtc_bazett_ms=416.0,
                qtc_fridericia_ms=404.0, qtc_framingham_ms=403.0, p_axis_deg=50.0, qrs_axis_deg=30.0,
                t_axis_deg=40.0, sokolow_lyon_mv=None, cornell_mv=1.2, qrs_limb_mv=1.1, qrs_precordial_mv=2.3)
NOT_MEASURABLE = ("pr_ms", "rr_ms", "sokolow_lyon_mv")
# the reviewer's QT with no RR: the three QTc cannot be recomputed
NOT_RECOMPUTED = ("qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms")
WITH_RANGE = ("heart_rate_bpm", "qrs_ms", "qrs_axis_deg", "cornell_mv")     # a value, and an adult range cited
NO_RANGE = ("qt_ms", "p_axis_deg", "t_axis_deg")                             # a value, no range cited: an empty cell
DASH = "\u2014"


def _session(edit_qt: bool = True, measured=MEASURED):
    from mirage_model.review.session import ReviewSession

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled sample 00417_lr not present")
    s = ReviewSession.from_results(mm.load_record(path), measurements=Measurements(**measured, method="test"))
    if edit_qt:
        s.set_measurement_edit("qt_ms", 400.0)
    return s


def _flutter():
    from mirage_model.review.interpret import Interpretation, Statement

    return Interpretation(statements=(Statement("rhythm", "Atrial flutter, 147 bpm", "model", "AFLT", 0.9, "high"),))


def _table_cells(session, interpretation=None) -> dict[str, list[str]]:
    """Page 3's measurement table as text: the row's label -> its cells' text."""
    from reportlab.platypus import Table

    from mirage_model.review.report import measurement_table
    from mirage_model.review.report.styles import styles

    real = session.measurement_table
    if interpretation is not None:     # the interpretation as the report would read it from a flutter model
        session.measurement_table = lambda _it=None: real(interpretation)
    flow = measurement_table.measurement_flowables(session, styles())
    table = next(f for f in flow if isinstance(f, Table))
    text = [[re.sub(r"<[^>]*>", "", getattr(c, "text", c)) for c in row] for row in table._cellvalues]   # markup out
    return {row[0]: row for row in text[1:]}


def _labels() -> dict[str, str]:
    from mirage_model.measure import SCALAR_FIELDS

    return {f.key: f.label for f in SCALAR_FIELDS}


def test_the_pdf_shows_a_dash_for_the_range_beside_no_value():
    s = _session()
    cells = _table_cells(s)
    labels = _labels()
    for key in NOT_MEASURABLE + NOT_RECOMPUTED:
        row = cells[labels[key]]
        assert "not measurable" in row[1] or "not recomputed" in row[1], row
        assert row[3] == DASH, (key, row)
    for key in WITH_RANGE:                      # a value keeps its range
        assert any(ch.isdigit() for ch in cells[labels[key]][3]), (key, cells[labels[key]])
    for key in NO_RANGE:
        assert cells[labels[key]][3] == "", (key, cells[labels[key]])
    # not applicable beside atrial flutter (a20fc95): the same dash
    flutter = _table_cells(_session(edit_qt=False, measured={**MEASURED, "pr_ms": 87.0, "rr_ms": 408.0}), _flutter())
    for key in ("pr_ms", "p_axis_deg"):
        assert flutter[labels[key]][1] == "not applicable" and flutter[labels[key]][3] == DASH, flutter[labels[key]]


def test_the_pdf_keeps_the_ranges_sources_under_the_table():
    from reportlab.platypus import Paragraph

    from mirage_model.review.report import measurement_table
    from mirage_model.review.report.styles import styles

    flow = measurement_table.measurement_flowables(_session(), styles())
    under = html.unescape(" ".join(f.text for f in flow if isinstance(f, Paragraph)))
    # the PR and the Sokolow-Lyon index have no value: their ranges' sources stay
    assert "120-200 ms (Surawicz et al. 2009)" in under and "< 3.5 mV (Sokolow-Lyon" in under, under


def test_the_pdf_page_reads_not_measurable_then_a_dash(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    out = build_report(_session(), tmp_path / "no-value.pdf")
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages).split())
    assert f"PR interval not measurable {DASH} QRS duration" in text, text


def test_the_app_hover_beside_no_value_says_no_range(qtbot, monkeypatch):
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from app.views.measurements import ROWS, MeasurementsPanel

    keys = [k for k, *_ in ROWS]
    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 600)
    panel.show()

    def hover(key) -> str:
        """The tooltip Qt shows on hovering the value of ``key`` (a help event at its cell)."""
        QToolTip.hideText()
        table = panel.table
        rect = table.visualRect(table.model().index(keys.index(key), 1))
        at = rect.center()
        QApplication.sendEvent(table.viewport(),
                               QHelpEvent(QEvent.Type.ToolTip, at, table.viewport().mapToGlobal(at)))
        return QToolTip.text() if QToolTip.isVisible() else ""

    s = _session()
    panel.set_session(s)
    for key in NOT_MEASURABLE + NOT_RECOMPUTED:
        assert "reference" not in panel.table.item(keys.index(key), 1).toolTip(), key
        assert "reference" not in hover(key), key
    assert "reference: " in hover("qrs_ms")                     # a value keeps its range on hover
    # a PR not applicable beside atrial flutter: the reason only
    import app.views.measurements as view

    monkeypatch.setattr(view, "session_interpretation", lambda _s: _flutter())   # as a flutter model's would read
    panel.set_session(_session(edit_qt=False, measured={**MEASURED, "pr_ms": 87.0, "rr_ms": 408.0}))
    tip = hover("pr_ms")
    assert panel.table.item(keys.index("pr_ms"), 1).text() == "not applicable"
    assert tip.startswith("not applicable: atrial flutter") and "reference" not in tip, tip
