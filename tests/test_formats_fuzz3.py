"""Hostile clinical files, third round: what ``scripts/fuzz_mutations.py`` (seeded damaged copies of every
sample, opened by ``load_record`` in a child process) found neither opening sanely nor refused with a
message naming the file and the problem. Each case is a small edit of a bundled sample made here; the
truth it checks is the edit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mirage_model.records import RecordError, load_record

pytest.importorskip("ecgdatakit")

DATA = Path(__file__).parent / "data" / "formats"
PHILIPS = DATA / "129DYPRG.XML"                      # <parsedwaveforms> without leadlabels
PHILIPS_NAMED = DATA / "philips-pagewriter-touch-ecg-example.xml"     # with leadlabels (UTF-16)
ROOT = Path(__file__).resolve().parents[1]


def _philips_channels(tmp_path: Path, value: str | None) -> Path:
    """129DYPRG.XML with <numberchannelsallocated> (12) set to ``value``, or without it and without
    <numberchannelsvalid> when ``value`` is None."""
    text = PHILIPS.read_text(encoding="utf-8")
    assert "leadlabels" not in text and "<numberchannelsallocated>12</numberchannelsallocated>" in text
    if value is None:
        text = text.replace("<numberchannelsallocated>12</numberchannelsallocated>", "")
        text = text.replace("<numberchannelsvalid>12</numberchannelsvalid>", "")
    else:
        text = text.replace("<numberchannelsallocated>12</numberchannelsallocated>",
                            f"<numberchannelsallocated>{value}</numberchannelsallocated>")
    path = tmp_path / "channels.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _said_in_child(path: Path, seconds: float = 30) -> str:
    """What ``load_record(path)`` says in a child process with ``seconds`` and 2 GB: "refused: MESSAGE",
    "read", or "timeout" (the reader named one lead a channel: 99,999,999 names took minutes and gigabytes)."""
    code = ("import resource, sys\nresource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from mirage_model.records import RecordError, load_record\n"
            "try:\n    load_record(sys.argv[1]); print('read')\n"
            "except RecordError as e:\n    print('refused:', e)\n")
    try:
        res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=seconds,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)})
    except subprocess.TimeoutExpired:
        return "timeout"
    return res.stdout.strip()


@pytest.mark.parametrize("value", ["0", "-500"])
def test_philips_unnamed_leads_with_no_channels_are_refused_saying_so(tmp_path, value):
    """The message was the element's name alone: "...: read as Philips PageWriter/TraceMaster XML:
    numberchannelsallocated"."""
    path = _philips_channels(tmp_path, value)
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert str(err.value) == (
        f"{path}: read as Philips PageWriter/TraceMaster XML: <signalcharacteristics><numberchannelsallocated> "
        f"states {value} leads (a recording holds 1 to 256) and no leadlabels name them: the leads cannot be told "
        "apart")


def test_philips_unnamed_leads_without_a_channel_count_are_refused_saying_so(tmp_path):
    path = _philips_channels(tmp_path, None)
    with pytest.raises(RecordError, match=r"channels\.xml: read as Philips PageWriter/TraceMaster XML: neither "
                                          r"<parsedwaveforms leadlabels> nor <signalcharacteristics>"
                                          r"<numberchannelsallocated> says how many leads the waveform holds$"):
        load_record(path)


@pytest.mark.parametrize("value", ["99999999", "1e308"])
def test_philips_unnamed_leads_with_millions_of_channels_are_refused_at_once(tmp_path, value):
    """The parser built one lead name a channel before anything checked the count: no answer in 20 s,
    or out of memory."""
    path = _philips_channels(tmp_path, value)
    said = _said_in_child(path)
    assert said == (f"refused: {path}: read as Philips PageWriter/TraceMaster XML: <signalcharacteristics>"
                    f"<numberchannelsallocated> states {value} leads (a recording holds 1 to 256) and no "
                    "leadlabels name them: the leads cannot be told apart"), said


def test_philips_named_leads_do_not_ask_the_channel_count(tmp_path):
    """With leadlabels the parser names the leads from them: a damaged channel count is not consulted."""
    text = PHILIPS_NAMED.read_text(encoding="utf-16")
    assert 'leadlabels="I II III aVR aVL aVF V1 V2 V3 V4 V5 V6"' in text
    path = tmp_path / "named.xml"
    path.write_text(text.replace("<numberchannelsallocated>12<", "<numberchannelsallocated>0<"), encoding="utf-16")
    rec = load_record(path)
    assert rec.signal.shape == (12, 5300) and rec.fs == 500
