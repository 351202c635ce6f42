"""A file with too few of the 12 leads is refused naming its other channels: a file of 200 channels names the first
12 and the count (all 200 had filled the app's message bar, hiding what to do), and a name the file repeats is
named once with its count (twelve channels called "I" had read "other channels: I, I, I, ..."), first, as a lead named
more than once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record


def _write(folder: Path, names: list[str]) -> Path:
    """A format-16 WFDB record of 1000 samples at 100 Hz, one channel per name (a 1 Hz sine, 1 mV)."""
    t = np.arange(1000) / 100
    digital = np.tile((np.sin(2 * np.pi * t) * 1000).astype("<i2")[:, None], (1, len(names)))
    digital.tofile(folder / "rec.dat")
    lines = [f"rec {len(names)} 100 1000"]
    for k, name in enumerate(names):
        lines.append(f"rec.dat 16 1000(0)/mV 16 0 {digital[0, k]} {int(digital[:, k].astype(int).sum()) % 65536} 0 "
                     f"{name}")
    (folder / "rec.hea").write_text("\n".join(lines) + "\n")
    return folder / "rec.hea"


def test_two_hundred_channels_are_named_by_the_first_twelve_and_their_count(tmp_path):
    with pytest.raises(RecordError) as err:
        load_record(_write(tmp_path, [f"ch{k}" for k in range(200)]))
    text = str(err.value)
    assert "other channels: ch0, ch1, ch2, ch3, ch4, ch5, ch6, ch7, ch8, ch9, ch10, ch11, ... (200 channels in all)" \
        in text
    assert "ch12," not in text and "ch199" not in text
    assert text.endswith("so a record of fewer (a 3-lead Holter's, a monitor's) cannot be scored by them")
    assert len(text) < 600


def test_a_lead_named_on_every_channel_is_named_once_with_its_count(tmp_path):
    with pytest.raises(RecordError) as err:
        load_record(_write(tmp_path, ["I"] * 12))
    # named once with its count, as a lead named more than once, first (not among the "other channels")
    assert str(err.value).startswith(f"{tmp_path / 'rec.hea'}: the header names a lead more than once (I on 12 "
                                     "signals: 1, 2, 3, 4, 5, ...): only one signal of a name can be the lead it "
                                     "names; not enough ECG leads: has 1 of the 12 standard leads (I); missing II, III")
    assert "I, I, I" not in str(err.value) and "other channels" not in str(err.value)


def test_sixteen_channels_are_all_named(tmp_path):
    names = [f"EEG {k}" for k in range(16)]
    with pytest.raises(RecordError) as err:
        load_record(_write(tmp_path, names))
    assert f"other channels: {', '.join(names)};" in str(err.value)
