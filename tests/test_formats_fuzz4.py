"""Hostile clinical files, fourth round: what ``scripts/fuzz_structural.py`` (structural mutants of every sample:
cuts at each tag, element or section, elements dropped or doubled, other encodings, entity expansion, DICOM, SCP-ECG,
EDF and WFDB structure damaged) found neither opening sanely nor refused with a message naming the file and the
problem. Each case is a small edit of a bundled sample made here; the truth it checks is the edit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mirage_model.records import RecordError, load_record

pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
PHILIPS = DATA / "129DYPRG.XML"


def test_philips_without_its_waveforms_element_says_the_element_is_missing(tmp_path):
    """129DYPRG.XML with <waveforms> (which holds <parsedwaveforms>) dropped was refused as "...: parsedwaveforms",
    the element's name alone (ecgdatakit's MissingElementError): now the message says the element is missing."""
    text = PHILIPS.read_text(encoding="utf-8")
    cut = re.sub(r"<waveforms>.*</waveforms>", "", text, flags=re.S)
    assert cut != text
    path = tmp_path / "no_waveforms.xml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(RecordError) as err:
        load_record(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "<parsedwaveforms>" in msg and "missing" in msg, msg

