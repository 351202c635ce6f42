"""The acquiring device's own measurements beside MIRAGE's: read from real vendor files
(tests/data/formats, see ATTRIBUTION.md) and shown in the measurement panel's Device column.

Truth is each file's own text: the values typed here were read off the XML by eye
(cardiosoft-example1.xml's <RestingECGMeasurements>, 129DYPRG.XML's <globalmeasurements>)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

FORMATS = Path(__file__).parent / "data" / "formats"
CARDIOSOFT = FORMATS / "cardiosoft-example1.xml"
PHILIPS = FORMATS / "129DYPRG.XML"


def test_device_values_are_the_files_own():
    from mirage_model.records.load import load_record
    from mirage_model.review.file_info import device_values

    name, values = device_values(load_record(CARDIOSOFT))
    # <VentricularRate>42, <RRInterval>1440, <PQInterval>250, <QRSDuration>106, <QTInterval>462, axes 31/83/58
    assert values == {"heart_rate_bpm": 42, "rr_ms": 1440, "pr_ms": 250, "qrs_ms": 106, "qt_ms": 462,
                      "p_axis_deg": 31, "qrs_axis_deg": 83, "t_axis_deg": 58}
    assert "12SL" in name
    # <QTCInterval>385 states no formula: it is not put on the Bazett row
    name, values = device_values(load_record(PHILIPS))
    assert values["qrs_ms"] == 135 and values["qt_ms"] == 476 and values["pr_ms"] == 151
    assert "qtc_bazett_ms" not in values and "qtc_fridericia_ms" not in values


def test_device_values_none_without_a_report():
    from helpers_models import synthetic_record
    from mirage_model.review.file_info import device_values

    assert device_values(synthetic_record()) == ("", {})
    assert device_values(None) == ("", {})


def test_panel_shows_the_devices_values_beside_mirages(qtbot):
    pytest.importorskip("pytestqt")
    from app.views.measurements import DEVICE_COLUMN, ROWS, MeasurementsPanel
    from helpers_models import synthetic_record
    from mirage_model.records.load import load_record
    from mirage_model.review.session import ReviewSession

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(ReviewSession(load_record(CARDIOSOFT)))
    panel.refresh()
    table = panel.table
    assert not table.isColumnHidden(DEVICE_COLUMN)
    assert table.horizontalHeaderItem(DEVICE_COLUMN).text() == "Device"
    cells = {key: table.item(r, DEVICE_COLUMN).text() for r, (key, *_) in enumerate(ROWS)}
    assert cells["pr_ms"] == "250" and cells["qrs_ms"] == "106" and cells["qt_ms"] == "462"
    assert cells["qtc_bazett_ms"] == "" and cells["qtc_framingham_ms"] == ""
    assert "not MIRAGE's" in table.item([k for k, *_ in ROWS].index("pr_ms"), DEVICE_COLUMN).toolTip()
    # a record without the device's values: no Device column
    panel.set_session(ReviewSession(synthetic_record()))
    panel.refresh()
    assert table.isColumnHidden(DEVICE_COLUMN)


def test_cart_agreement_axes_wrap():
    from helpers_scripts import load_script

    ca = load_script("cart_agreement")
    assert ca._difference("qrs_axis_deg", 179.0, -179.0) == -2.0     # 2 degrees apart, not 358
    assert ca._difference("qrs_ms", 93.0, 106.0) == -13.0


@pytest.mark.slow
def test_cart_agreement_reads_the_carts_values(capsys, tmp_path):
    """The script's table holds each cart's values as its file states them, and a file whose signal is
    another's (the same Philips ECG in 129DYPRG.XML, copied) counts once."""
    import shutil

    from helpers_scripts import load_script

    ca = load_script("cart_agreement")
    copy = shutil.copy(PHILIPS, tmp_path / "copy.xml")
    assert ca.main([str(CARDIOSOFT), str(PHILIPS), str(copy)]) == 0
    out = capsys.readouterr().out
    assert "copy.xml: the same signal as 129DYPRG.XML, counted once" in out
    row = next(line for line in out.splitlines() if line.startswith("| cardiosoft-example1.xml"))
    assert "/ 250 (" in row and "/ 106 (" in row and "/ 462 (" in row      # <PQInterval> <QRSDuration> <QTInterval>
    assert "over 2 ECGs" in out


def test_cart_agreement_says_an_interval_outside_its_limit_over_all_ecgs(capsys, monkeypatch):
    """Two ECGs whose QRS each reads 7 ms above the cart's: the mean difference (7 ms) is outside the IEC limit
    of 6 ms, no single ECG past the mean + SD limit (16 ms). The last line had said "Nothing beyond the
    limits." under the summary's "outside"; it now says the look is of single ECGs and the "outside" of all."""
    from types import SimpleNamespace

    from helpers_scripts import load_script
    from mirage_model.review.file_info import device_values

    ca = load_script("cart_agreement")

    def cart_plus_7_ms_qrs(record, cfg, fiducials=False):
        values = dict(device_values(record)[1])
        values["qrs_ms"] += 7.0
        return SimpleNamespace(as_dict=lambda: values)

    monkeypatch.setattr(ca, "measure", cart_plus_7_ms_qrs)
    assert ca.main([str(CARDIOSOFT), str(PHILIPS)]) == 0
    out = capsys.readouterr().out
    qrs = next(line for line in out.splitlines() if line.lstrip().startswith("QRS "))
    assert "mean   +7.0" in qrs and qrs.endswith("IEC limits mean 6, SD 10: outside"), qrs
    assert "Nothing beyond the limits" not in out
    assert out.rstrip().endswith("No single ECG with a difference beyond the mean + SD limit (axes: 15 deg); the "
                                 "summary's 'outside' above is of the mean or SD over all of them"), out


def test_pdf_interval_table_has_the_devices_column(tmp_path):
    """Page 3's interval table: the cart's value in a Device column beside MIRAGE's, named under it;
    a record without the device's values has no such column."""
    pypdf = pytest.importorskip("pypdf")
    from helpers_models import synthetic_record
    from mirage_model.measure import Measurements
    from mirage_model.records.load import load_record
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    ours = Measurements(heart_rate_bpm=41.6, rr_ms=1442.0, pr_ms=212.0, qrs_ms=92.8, qt_ms=450.0,
                        qtc_bazett_ms=374.9, qtc_fridericia_ms=399.0, p_axis_deg=24.5, qrs_axis_deg=80.2,
                        t_axis_deg=51.6)
    texts = {}
    for name, record in (("cart", load_record(CARDIOSOFT)), ("none", synthetic_record())):
        session = ReviewSession.from_results(record, measurements=ours, file_values=False)
        out = build_report(session, tmp_path / f"{name}.pdf")
        texts[name] = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages).split())
    text = texts["cart"]
    assert "Measurement Value Unit Reference Device" in text, text
    # MIRAGE's PR 212 beside the cart's <PQInterval> 250, QRS 93 beside <QRSDuration> 106
    assert re.search(r"PR interval 212 ↑ high ms 120-200 250", text), text
    assert re.search(r"QRS duration 93 ms < 120 106", text), text
    assert "12SL V21)'s own measurement, as stored in the file; not MIRAGE's" in text
    assert "Reference Device" not in texts["none"] and "own measurement" not in texts["none"]


def test_the_site_is_not_printed_as_part_of_the_device(tmp_path):
    """A Philips HeartStart MRx file whose <institutionname> is "GE EMS": page 1 of the PDF (and the app's patient
    line, the same ``patient_facts``) had read "Device: HeartstartMRx, GE EMS", the site joined to the device's
    name. Truth: the XML's own <machine> and <institutionname>, read with ElementTree."""
    import xml.etree.ElementTree as ET

    from mirage_model.records.load import load_record
    from mirage_model.review.file_info import patient_facts

    text = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in ET.parse(PHILIPS).getroot().iter()}
    machine, site = text["machine"], text["institutionname"]
    assert (machine, site) == ("HeartstartMRx", "GE EMS")
    facts = patient_facts(load_record(PHILIPS))
    assert f"Device: {machine}" in facts and f"Site: {site}" in facts
    assert not any(machine in f and site in f for f in facts)

    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    out = build_report(ReviewSession(load_record(PHILIPS)), tmp_path / "philips.pdf")
    page1 = " ".join(pypdf.PdfReader(str(out)).pages[0].extract_text().split())
    assert f"Device: {machine}" in page1 and f"Site: {site}" in page1 and f"{machine}, {site}" not in page1
