"""A device maker's name is shown without the copyright notice some carts write in its place: Mindray's
BeneHeart R12 writes its HL7 aECG <manufacturerOrganization><name> as "(C) Shenzhen Mindray Bio-Medical
Electronics Co., Ltd. All rights reserved." (LIRYC-IHU/hl7v3-aecg's example, written to match a reference
file of that cart; two other public converters write the same string for Mindray). The app's patient line,
the PDF's header and mirage score's device column had carried the whole notice.

Truth is the file's own fields, read here with ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mirage_model.formats.device_report import maker_name
from mirage_model.records import load_record

pytest.importorskip("ecgdatakit")

MINDRAY = Path(__file__).parent / "data" / "formats" / "mindray-beneheart-aecg-liryc.xml"
HL7 = {"h": "urn:hl7-org:v3"}


def test_mindray_aecg_device_is_its_maker_and_model_without_the_copyright_notice():
    root = ET.parse(MINDRAY).getroot()
    maker = root.find(".//h:manufacturerOrganization/h:name", HL7).text
    model = root.find(".//h:manufacturedSeriesDevice/h:manufacturerModelName", HL7).text
    assert maker == "(C) Shenzhen Mindray Bio-Medical Electronics Co., Ltd. All rights reserved."
    rec = load_record(MINDRAY)
    assert rec.meta["device"] == f"Shenzhen Mindray Bio-Medical Electronics Co., Ltd. {model}"
    assert rec.meta["device_report"]["source"] == rec.meta["device"]


@pytest.mark.parametrize("written, shown", [
    ("Copyright 2010-2015, ACME Medical Inc. All Rights Reserved", "ACME Medical Inc."),
    ("© 2020 Foo GmbH", "Foo GmbH"),
    ("Mortara Instrument, Inc.", "Mortara Instrument, Inc."),
    ("Cobra Co", "Cobra Co"),
    ("(C) All rights reserved.", "(C) All rights reserved."),     # the notice alone: nothing else to show
    ("Unknown", ""),
    ("Unknown Instruments Ltd.", "Unknown Instruments Ltd."),
])
def test_maker_name_cuts_only_a_copyright_notice(written, shown):
    assert maker_name(written) == shown


def test_a_placeholder_maker_leaves_the_model_alone():
    """The C# ECG Toolkit's DICOM writer states Manufacturer "Unknown" beside the cart's model: the device read
    "Unknown ELI250". Truth: the file's own Manufacturer and Manufacturer's Model Name, read with pydicom."""
    pydicom = pytest.importorskip("pydicom")
    path = MINDRAY.parent / "ecgtoolkit-Example.dcm"
    ds = pydicom.dcmread(path)
    assert (ds.Manufacturer, ds.ManufacturerModelName) == ("Unknown", "ELI250")
    assert load_record(path).meta["device"] == "ELI250"
