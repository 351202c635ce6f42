"""A converted record keeps its extra leads (``EcgRecord.extra_leads``: a 15-lead export's V4R, V8, V9, PTB
Diagnostic's vx, vy, vz): ``mirage convert`` and Save as wrote the 12 alone and said the others were left out.
WFDB writes them after the 12 under their names in mV, EDF+ as signals of their own; what is not written (an SpO2
channel, an extra lead that could not be read) is still named. Truth: the samples the test writes (on the 1 uV
steps of the file), each format's resolution worked out here, wfdb's own reader of what was written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mirage_model import formats
from mirage_model.formats.write import left_out, left_out_line
from mirage_model.records import STANDARD_LEADS, load_record
from training_cli.main import main

wfdb = pytest.importorskip("wfdb")
edfio = pytest.importorskip("edfio")

PTB = Path(__file__).parent / "data" / "ptbdb" / "s0010_re.hea"
FIFTEEN = [*STANDARD_LEADS, "V4R", "V8", "V9"]


def _fifteen(folder: Path, fs: int = 500, seconds: float = 4.0) -> tuple[Path, np.ndarray]:
    """A WFDB record of 15 channels (the 12, then V4R, V8, V9 at 3 to 4 times the 12's amplitude) written by wfdb,
    1000 units a mV, and its samples (T, 15) mV on the 1 uV steps the file holds."""
    t = np.arange(int(fs * seconds)) / fs
    amp = [0.4] * 12 + [1.3, 1.5, 1.6]
    p = np.stack([amp[k] * np.sin(2 * np.pi * (1.1 + 0.05 * k) * t + k) for k in range(15)], axis=1)
    p = np.round(p * 1000) / 1000
    folder.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp("fifteen", fs=fs, units=["mV"] * 15, sig_name=FIFTEEN, p_signal=p, fmt=["16"] * 15,
                adc_gain=[1000.0] * 15, baseline=[0] * 15, write_dir=str(folder))
    return folder / "fifteen.hea", p


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_a_15_channel_record_converted_keeps_v4r_v8_v9(tmp_path, fmt):
    hea, p = _fifteen(tmp_path / "in")
    rec = load_record(hea)
    assert left_out(rec) == []            # was ["channels V4R, V8, V9 (not among the 12 standard leads)"]
    back = load_record(formats.write_record(rec, tmp_path / "out", fmt))
    assert [e.name for e in back.extra_leads] == ["V4R", "V8", "V9"]
    # WFDB: 1 uV a unit, the test's own steps: exact to float32. EDF+: each extra lead's range is its own peak
    # (0.1 % wider), 65535 steps over it: within half a step of its own peak's range, not the 12's
    for k, e in enumerate(back.extra_leads):
        truth = p[:, 12 + k]
        step = 2 * max(1.0, np.abs(truth).max() * 1.001) / 65535 if fmt == "edf" else 0.0
        np.testing.assert_allclose(e.signal, truth, atol=step / 2 + 1e-6)
    twelve = 2 * 1.0 / 65535 if fmt == "edf" else 0.0      # the 12's range: +-1 mV, the least, above their peak
    np.testing.assert_allclose(back.signal, p[:, :12].T, atol=twelve / 2 + 1e-6)
    assert left_out_line(back) == ""


def test_the_wfdb_file_names_them_after_the_12_in_mv(tmp_path):
    hea, p = _fifteen(tmp_path / "in")
    out = formats.write_record(load_record(hea), tmp_path / "out", "wfdb")
    truth = wfdb.rdrecord(str(out.with_suffix("")))
    assert truth.sig_name == FIFTEEN and truth.units == ["mV"] * 15
    np.testing.assert_allclose(truth.p_signal, p, atol=1e-9)


def test_ptb_frank_leads_travel_and_convert_says_nothing_left_out(tmp_path, capsys):
    assert main(["convert", str(PTB), "--to", "wfdb", str(tmp_path / "out")]) == 0
    assert "left out" not in capsys.readouterr().out
    back = load_record(tmp_path / "out" / "s0010_re.hea")
    assert [e.name for e in back.extra_leads] == ["vx", "vy", "vz"]
    truth = wfdb.rdrecord(str(PTB.with_suffix("")))        # PTB's own 1/2000 mV steps; written at 1 uV
    for k, e in enumerate(back.extra_leads):
        np.testing.assert_allclose(e.signal, truth.p_signal[:, 12 + k], atol=0.5e-3 + 1e-6)


def test_channels_not_written_are_still_named(tmp_path):
    """An SpO2 channel and an extra lead at another rate are not written: left out, and said."""
    fs, T = 500, 2000
    t = np.arange(T) / fs
    p = np.stack([0.4 * np.sin(2 * np.pi * 1.2 * t + k) for k in range(13)], axis=1)
    signals = [edfio.EdfSignal(p[:, k], sampling_frequency=fs, label=name, physical_dimension="mV",
                               physical_range=(-5, 5)) for k, name in enumerate([*STANDARD_LEADS, "V4R"])]
    signals.append(edfio.EdfSignal(p[::2, 0], sampling_frequency=fs / 2, label="V7", physical_dimension="mV",
                                   physical_range=(-5, 5)))
    signals.append(edfio.EdfSignal(p[:, 0] * 10 + 90, sampling_frequency=fs, label="SpO2", physical_dimension="%",
                                   physical_range=(0, 200)))
    edfio.Edf(signals, data_record_duration=1).write(tmp_path / "mixed.edf")
    rec = load_record(tmp_path / "mixed.edf")
    assert [e.name for e in rec.extra_leads] == ["V4R"]
    assert left_out(rec) == ["channels V7, SpO2 (not among the 12 standard leads)"]
    back = load_record(formats.write_record(rec, tmp_path / "out", "wfdb"))
    assert [e.name for e in back.extra_leads] == ["V4R"]


@pytest.mark.parametrize("fmt", ["wfdb", "edf"])
def test_a_paediatric_records_v3r_in_v3s_place_is_still_said_once_converted(tmp_path, fmt):
    """A paediatric lead set (I, II, V1, V2, V3R, V4, V7, V6: V3R and V7 where V3 and V5 were) converted: V3R and
    V7 were written after the 12 and V3, V5 blank, but the file reopened said V3 and V5 were plain "missing", and its
    notes no longer said which leads stood in their place. Now it says what the source said, through a second
    conversion too. Truth: the channels the test writes (which lead holds which place), and the words README gives
    for such a file ("V3 (missing: V3R in its place, not V3)", "it holds V3R in place of V3, V7 in place of V5")."""
    from mirage_model.review.file_info import record_notes

    fs, T = 500, 2000
    names = ["I", "II", "V1", "V2", "V3R", "V4", "V7", "V6"]
    t = np.arange(T) / fs
    p = np.round(np.stack([0.4 * np.sin(2 * np.pi * 1.2 * t + k) for k in range(8)], axis=1) * 1000) / 1000
    (tmp_path / "in").mkdir()
    wfdb.wrsamp("ped", fs=fs, units=["mV"] * 8, sig_name=names, p_signal=p, fmt=["16"] * 8,
                adc_gain=[1000.0] * 8, baseline=[0] * 8, write_dir=str(tmp_path / "in"))
    said = ["missing: V3R in its place, not V3", "missing: V7 in its place, not V5"]
    held = ("no V3, V5 channels in the file: shown blank (it holds V3R in place of V3, V7 in place of V5: "
            "a paediatric lead set?)")
    rec = load_record(tmp_path / "in" / "ped.hea")
    v3, v5 = STANDARD_LEADS.index("V3"), STANDARD_LEADS.index("V5")
    assert [rec.missing_text(v3), rec.missing_text(v5)] == said and held in record_notes(rec)
    for k in (1, 2):                                   # converted, then the converted file converted again
        rec = load_record(formats.write_record(rec, tmp_path / f"out{k}", fmt))
        assert [e.name for e in rec.extra_leads] == ["V3R", "V7"]
        np.testing.assert_allclose(rec.extra_leads[0].signal, p[:, 4], atol=1e-4)
        assert np.isnan(rec.signal[[v3, v5]]).all()
        assert [rec.missing_text(v3), rec.missing_text(v5)] == said
        assert held in record_notes(rec)
