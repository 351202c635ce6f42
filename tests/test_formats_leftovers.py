"""Clinical-format misreadings left over from earlier work, each on a file written here with known
mV (or a bundled real file turned into the variant) and read back through ``load_record``: it reads
within the quantisation step, with a reader note where the file misstates itself, or is refused
naming the file and what is wrong.

- UTF-16 XML without a byte-order mark (GE MUSE, Philips, HL7 aECG): the root element was looked
  for in the bytes read as Latin-1, so the file was refused as "root element <?>".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mirage_model.formats import registry
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

pytest.importorskip("ecgdatakit")
pytest.importorskip("defusedxml")

from test_formats_muse_philips import assert_reads, muse_xml, philips_xml, truth  # noqa: E402

DATA = Path(__file__).parent / "data" / "formats"


def _without_bom(data: bytes, order: str) -> bytes:
    """UTF-16 text with its byte-order mark (Python's "utf-16") as UTF-16 of ``order`` without one."""
    assert data[:2] == b"\xff\xfe"
    return data[2:].decode("utf-16-le").encode(f"utf-16-{order}")


# ---------------------------------------------------------------- UTF-16 without a byte-order mark

@pytest.mark.parametrize("order", ["le", "be"])
@pytest.mark.parametrize("vendor", ["muse", "philips"])
def test_utf16_xml_without_a_byte_order_mark_reads_its_millivolts(tmp_path, vendor, order):
    sig = truth()
    data = muse_xml(sig, name="JOSÉ", encoding="UTF-16") if vendor == "muse" else philips_xml(sig, encoding="utf-16")
    path = tmp_path / "ecg.xml"
    path.write_bytes(_without_bom(data, order))
    rec = load_record(path)
    assert_reads(rec, sig, 500, 0.00488 if vendor == "muse" else 0.005)
    assert rec.meta["patient"]["name"] == ("JOSÉ DOE" if vendor == "muse" else "Anna Müller")


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf16_aecg_without_a_byte_order_mark_reads_its_digits(tmp_path, order):
    """The bundled HL7 aECG (UTF-8) as UTF-16 without a mark: lead II as its digits say."""
    from test_formats import _aecg_lead_mv

    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    path = tmp_path / "aecg.xml"
    path.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(f"utf-16-{order}"))
    assert registry.sniff_file(path) == "hl7-aecg"
    rec = load_record(path)
    np.testing.assert_allclose(rec.signal[STANDARD_LEADS.index("II")], _aecg_lead_mv(text, "MDC_ECG_LEAD_II"),
                               atol=1e-6)


def test_utf16_without_a_mark_that_cannot_be_read_says_so(tmp_path):
    """A prolog that declares UTF-8 in UTF-16 bytes (and a file cut short) cannot be parsed: the
    message says what the file is, not that its root element is unknown or that it is cut."""
    text = philips_xml(truth()).decode("utf-8")
    for order in ("le", "be"):
        path = tmp_path / f"ecg-{order}.xml"
        path.write_bytes(text.encode(f"utf-16-{order}"))
        with pytest.raises(RecordError, match=rf"ecg-{order}\.xml: read as Philips .*UTF-16 text without a "
                                              rf"byte-order mark \({'little' if order == 'le' else 'big'} endian\)"):
            load_record(path)
    other = tmp_path / "other.xml"
    other.write_bytes('<?xml version="1.0" encoding="UTF-16"?><Foo><a/></Foo>'.encode("utf-16-le"))
    with pytest.raises(RecordError, match=r"other\.xml: an XML file, but not an ECG .*root element <Foo>"):
        load_record(other)


def test_utf16_without_a_mark_is_told_from_other_text():
    assert registry.utf16_without_bom('<?xml version="1.0"?>'.encode("utf-16-le")) == "utf-16-le"
    assert registry.utf16_without_bom('\n <RestingECG>'.encode("utf-16-be")) == "utf-16-be"
    for head in ('<?xml version="1.0"?>'.encode("utf-8"), '<?xml?>'.encode("utf-16"), b"<a>\x00\x00",
                 b"", b"\x00\x00\x00\x00\x00\x00"):
        assert registry.utf16_without_bom(head) is None, head
