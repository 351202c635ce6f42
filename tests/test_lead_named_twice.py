"""A file that names one lead twice (LUDB record 1 with its lead I labelled "II": two channels
called II). Which channel is II is unknown, yet the first was read as II, lead I derived from the
wrong pair, and the record scored with only a warning. Now the quality gate withholds the calls
naming the lead and both file channels, the batch row says so, and the viewer draws both channels
in lead II's panel, its label saying which trace is which file channel. Truth: wfdb's own reader
of the unedited record (channel 1 is lead I, channel 2 lead II)."""

from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from mirage_model import quality  # noqa: E402
from mirage_model.records import STANDARD_LEADS, load_record  # noqa: E402

wfdb = pytest.importorskip("wfdb")

LUDB = Path(__file__).resolve().parents[1] / "resources" / "samples" / "ludb" / "1"
II = STANDARD_LEADS.index("II")


def _two_iis(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = LUDB.with_suffix(".hea").read_text().splitlines()
    lines[1] = lines[1].rsplit(" ", 1)[0] + " II"                  # "... -32198 0 i" -> "... II"
    (folder / "1.hea").write_text("\n".join(lines) + "\n")
    shutil.copy(LUDB.with_suffix(".dat"), folder / "1.dat")
    return folder / "1.hea"


@pytest.fixture()
def ref():
    return wfdb.rdrecord(str(LUDB)).p_signal.T                     # (12, T) mV: I, II, ... as recorded


def test_the_calls_are_withheld_naming_the_lead_and_channels(tmp_path, ref):
    rec = load_record(_two_iis(tmp_path))
    q = quality.assess(rec)
    assert q.verdict == "unreliable" and "lead II named twice" in q.reason
    found = [f for f in q.findings if f.code == "lead_named_twice"]
    assert found[0].severity == "critical" and found[0].leads == ("II",)
    assert "file channels 1 and 2" in found[0].detail
    # both channels are kept: the first read as II (it is lead I), the second beside it (the true II)
    np.testing.assert_allclose(rec.signal[II], ref[0], atol=1e-5)
    twin = rec.meta["named_twice"][0]
    assert (twin["lead"], twin["first_channel"], twin["channel"]) == ("II", 1, 2)
    np.testing.assert_allclose(twin["signal"], ref[1], atol=1e-5)
    plain = load_record(LUDB.with_suffix(".hea"))
    assert "named_twice" not in plain.meta and not quality.assess(plain).has("lead_named_twice")


def test_a_limb_lead_derived_from_a_lead_named_twice_is_named_with_it(tmp_path):
    # lead I's channel labelled "II": no channel for I, which Einthoven's I = II - III derives from a doubtful II
    rec = load_record(_two_iis(tmp_path))
    assert rec.meta["derived_leads"] == ("I",)
    found, = [f for f in quality.assess(rec).findings if f.code == "lead_named_twice"]
    assert found.detail == ("II: file channels 1 and 2; the first was read as the lead (I derived from it); the calls "
                            "are withheld until the file's lead labels are checked")


def test_a_clinical_format_keeps_both_channels_too(tmp_path, ref):
    """The clinical formats' assembly (DICOM, EDF, MFER ...): two channels called V1."""
    from mirage_model.formats.assemble import build_record

    names = list(STANDARD_LEADS) + ["V1"]
    channels = [(n, ref[k]) for k, n in enumerate(STANDARD_LEADS)] + [("V1", ref[1])]   # II's samples as "V1"
    rec = build_record(tmp_path / "x.edf", "edf", channels, 500.0, info={})
    twin = rec.meta["named_twice"][0]
    assert (twin["lead"], twin["first_channel"], twin["channel"]) == ("V1", 7, 13) and len(names) == 13
    np.testing.assert_allclose(twin["signal"], ref[1], atol=1e-5)
    assert quality.assess(rec).verdict == "unreliable"


DATA = Path(__file__).parent / "data" / "formats"


def _aecg_two_is(folder: Path) -> tuple[Path, np.ndarray]:
    """The HL7 aECG sample with its rhythm's lead II coded MDC_ECG_LEAD_I; the second sequence's samples in mV
    (its digits times its scale in uV, origin 0), worked out from the text."""
    text = (DATA / "aecg_subject1_0.xml").read_text(encoding="utf-8")
    seq = text[text.index('"MDC_ECG_LEAD_II"'):]
    assert re.search(r'<origin value="0" unit="uV"/>', seq[:400])
    scale = float(re.search(r'<scale value="([^"]+)" unit="uV"/>', seq).group(1))
    digits = np.array(re.search(r"<digits>([^<]*)</digits>", seq).group(1).split(), dtype=float)
    path = folder / "aecg.xml"
    path.write_text(text.replace('"MDC_ECG_LEAD_II"', '"MDC_ECG_LEAD_I"', 1), encoding="utf-8")
    return path, digits * scale / 1000.0


def _dicom_two_is(folder: Path) -> tuple[Path, np.ndarray]:
    """The DICOM sample with channel 2's source (Lead II) made channel 1's (Lead I); channel 2's samples in mV
    (Waveform Data's int16 counts times its sensitivity in uV, baseline 0)."""
    pydicom = pytest.importorskip("pydicom")
    ds = pydicom.dcmread(DATA / "waveform_ecg.dcm")
    wave = ds.WaveformSequence[0]
    chans = wave.ChannelDefinitionSequence
    assert chans[1].ChannelSensitivityUnitsSequence[0].CodeValue == "uV" and float(chans[1].ChannelBaseline) == 0
    counts = np.frombuffer(wave.WaveformData, "<i2").reshape(-1, int(wave.NumberOfWaveformChannels))
    chans[1].ChannelSourceSequence = chans[0].ChannelSourceSequence
    path = folder / "ecg.dcm"
    ds.save_as(path, enforce_file_format=False)
    return path, counts[:, 1] * float(chans[1].ChannelSensitivity) / 1000.0


def _ishne_two_is(folder: Path) -> tuple[Path, np.ndarray]:
    """The ISHNE sample with lead 2's code (II) made lead 1's (I); lead 2's samples in mV (interleaved int16
    counts from the ECG block's offset, times its amplitude resolution in nV)."""
    data = (DATA / "ECG_P28.01.ecg").read_bytes()
    leads, = struct.unpack_from("<h", data, 156)
    codes = list(struct.unpack_from(f"<{leads}h", data, 158))
    resolution = struct.unpack_from(f"<{leads}h", data, 206)
    offset, = struct.unpack_from("<i", data, 22)
    counts = np.frombuffer(data[offset:], "<i2").astype(np.float64)
    counts = counts[: counts.size // leads * leads].reshape(-1, leads)
    codes[1] = codes[0]
    path = folder / "holter.ecg"
    path.write_bytes(data[:158] + struct.pack(f"<{leads}h", *codes) + data[158 + 2 * leads:])
    return path, counts[:, 1] * resolution[1] / 1e6


@pytest.mark.parametrize("make", [_aecg_two_is, _dicom_two_is, _ishne_two_is])
def test_a_lead_named_twice_in_a_vendor_file_is_said(tmp_path, make):
    """ecgdatakit's parsers make a repeated label unique ("I", "I_2"): the second channel had been dropped as
    no standard lead and the record scored as usable, where the same channels in WFDB or EDF are named twice."""
    pytest.importorskip("ecgdatakit")
    path, second = make(tmp_path)
    rec = load_record(path)
    assert rec.meta["duplicate_leads"] == ("I",)
    twin = rec.meta["named_twice"][0]
    assert (twin["lead"], twin["first_channel"], twin["channel"]) == ("I", 1, 2)
    n = min(len(second), len(twin["signal"]))
    assert n >= 0.9 * len(second)
    np.testing.assert_allclose(twin["signal"][:n], second[:n], atol=1e-4)
    q = quality.assess(rec)
    found = [f for f in q.findings if f.code == "lead_named_twice"]
    assert found and found[0].severity == "critical" and found[0].leads == ("I",) and q.verdict == "unreliable"


def test_batch_row_gives_the_reason(tmp_path):
    from helpers_models import make_tiny_checkpoint

    import mirage_model as mm
    from mirage_model.review.batch import read_rows, score_folder

    predictor = mm.Predictor(make_tiny_checkpoint(tmp_path / "tiny"), device="cpu")
    _two_iis(tmp_path / "in")
    out = tmp_path / "r.csv"
    score_folder(tmp_path / "in", predictor, out, measure=False)
    _, rows = read_rows(out)
    assert rows[0]["quality"].startswith("unreliable (lead II named twice in the file")
    assert not rows[0]["positive"]


def test_the_viewer_draws_both_channels_labelled(tmp_path, qtbot, ref):
    from app.views.ecg_plot import TWIN_TRACE, EcgPlot

    rec = load_record(_two_iis(tmp_path))
    plot = EcgPlot()
    qtbot.addWidget(plot)
    plot.set_layout("12x1")
    plot.set_record(rec)
    panel = next(p for p in plot.panels() if p.lead == II)
    label = plot.labels[list(plot.panels()).index(panel)].toPlainText()
    assert "named twice" in label and "black = ch 1" in label and "blue = ch 2" in label
    twins = [c for c in plot.twin_curves if c.isVisible()]
    assert len(twins) == 1 and twins[0].opts["pen"].color().getRgb()[:3] == TWIN_TRACE
    y = twins[0].yData                                            # as set, before downsampling
    mv = (y - panel.baseline) / plot.gain                          # the drawn trace back in mV
    np.testing.assert_allclose(mv, ref[1][: len(mv)], atol=1e-4)   # the true lead II, channel 2
    other = [p for p in plot.panels() if p.lead != II]
    assert all("named twice" not in plot.labels[list(plot.panels()).index(p)].toPlainText() for p in other)


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)])
def test_the_label_of_a_lead_named_twice_stays_in_its_column(tmp_path, qtbot, size):
    # 3x4 at true scale and fitted: "II  [named twice: black = ch 1, blue = ch 2]" ran over aVL's name.
    # In a column the flags stand at the panel's foot: inside the column, in the panel's lower half
    # (clear of the name and of the lead-importance figure drawn under it)
    from app.views.ecg_plot import EcgPlot

    plot = EcgPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    plot.set_layout("3x4")
    plot.set_record(load_record(_two_iis(tmp_path)))
    panels = list(plot.panels())
    for fit in (False, True):
        if fit:
            plot.fit_page()
        qtbot.wait(50)
        panel = next(p for p in panels if p.lead == II and not p.rhythm)
        i = panels.index(panel)
        assert plot.labels[i].toPlainText() == "II"
        foot = plot.flag_labels[i]
        text = foot.toPlainText()
        assert foot.isVisible() and "named twice" in text and "black ch 1" in text and "blue ch 2" in text
        box = foot.mapRectToView(foot.boundingRect())                       # paper mm, y up
        next_column = min(p.x0 for p in panels if p.x0 > panel.x0 + 1.0 and not p.rhythm)
        assert panel.x0 <= box.left() and box.right() < next_column, (fit, box, next_column)
        low, high = sorted((box.top(), box.bottom()))
        assert panel.baseline - panel.height / 2 <= low and high < panel.baseline, (fit, box, panel)
        strip = next(p for p in panels if p.rhythm)                          # full width: inline, long form
        assert "[named twice: black = ch 1, blue = ch 2]" in plot.labels[panels.index(strip)].toPlainText()
        assert not plot.flag_labels[panels.index(strip)].isVisible()
