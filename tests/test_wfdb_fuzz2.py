"""Second WFDB audit: seeded mutants of records written with wfdb-python (formats 16, 24, 32, a
fixed- and a variable-layout multi-segment record) and of the Challenge record E00009, one test
per class of defect the audit found. Each mutant must give a ``RecordError`` that names the file
at fault and the problem, never another exception, a signal beyond ``limits.MAX_ABS_MV``, a
multi-GB allocation or a wrong signal read without a word."""

from __future__ import annotations

import random
import resource
import shutil
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import wfdb

from mirage_model.limits import MAX_ABS_MV, MAX_SEGMENT_HEADERS_BYTES
from mirage_model.records import STANDARD_LEADS, RecordError, load_record

FS = 500
LEADS = list(STANDARD_LEADS)
CINC = Path(__file__).parent / "data" / "cinc2020" / "E00009.hea"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")   # wfdb-python's own pandas calls


def _digital(seed: int, T: int, n: int, gain: float = 200.0) -> np.ndarray:
    """(T, n) int32 digital samples of a 1.2 Hz wave plus noise at ``gain`` units per mV."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)[:, None] / FS
    phys = 0.8 * np.sin(2 * np.pi * 1.2 * t + np.arange(n)[None, :]) + rng.normal(0, 0.05, (T, n))
    return np.round(phys * gain).astype(np.int32)


def _write(folder: Path, name: str, fmt: str, T: int = 2000, leads=LEADS, seed: int = 0) -> Path:
    n = len(leads)
    wfdb.wrsamp(name, fs=FS, units=["mV"] * n, sig_name=leads, d_signal=_digital(seed, T, n), fmt=[fmt] * n,
                adc_gain=[200.0] * n, baseline=[0] * n, write_dir=str(folder))
    return folder / f"{name}.hea"


def _refused(hea: Path, blamed: Path, match: str) -> RecordError:
    with pytest.raises(RecordError, match=match) as info:
        load_record(hea)
    assert info.value.path == blamed and str(info.value).startswith(str(blamed))
    return info.value


def _set_signal_field(hea: Path, token: int, value: str, lines=None) -> None:
    """Replace whitespace token ``token`` of the signal lines ``lines`` (default: all) of ``hea``."""
    text = hea.read_text().splitlines()
    for i in lines or range(1, len(text)):
        parts = text[i].split()
        parts[token] = value
        text[i] = " ".join(parts)
    hea.write_text("\n".join(text) + "\n")


# ----------------------------------------------------------------------------------------------
# samples beyond any recorder's range (huge baseline; corrupt high bytes of 24/32-bit samples)
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("baseline", [99_999_999, -99_999_999, 2**32])
def test_huge_baseline_in_32_bit_format_is_refused(tmp_path, baseline):
    hea = _write(tmp_path, "b32", "32")
    _set_signal_field(hea, 2, f"200({baseline})/mV", lines=[1])
    err = _refused(hea, hea, "beyond any ECG recorder's range")
    assert "lead I " in str(err)


@pytest.mark.parametrize("fmt", ["24", "32"])
@pytest.mark.parametrize("seed", range(4))
def test_flipped_bytes_of_wide_samples_never_exceed_the_range(tmp_path, fmt, seed):
    """A flipped high byte of a 24/32-bit sample is ~40,000 mV at 200/mV: refused, not loaded."""
    hea = _write(tmp_path, "w", fmt)
    dat = hea.with_suffix(".dat")
    data = bytearray(dat.read_bytes())
    rng = random.Random(seed)
    width = int(fmt) // 8
    for _ in range(8):   # the top byte of random samples: a large value, not an invalid-sample mark
        data[rng.randrange(len(data) // width) * width + width - 1] = rng.choice([0x40, 0xC0])
    dat.write_bytes(bytes(data))
    with pytest.raises(RecordError, match="beyond any ECG recorder's range") as info:
        load_record(hea)
    assert info.value.path == hea


def test_samples_within_range_still_load(tmp_path):
    hea = _write(tmp_path, "ok", "32")
    rec = load_record(hea)
    assert np.nanmax(np.abs(rec.signal)) < MAX_ABS_MV
    np.testing.assert_allclose(rec.signal[0], _digital(0, 2000, 12)[:, 0] / 200.0, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# multi-segment: segments of zero length only
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["fixed", "variable"])
def test_master_whose_segments_hold_no_sample_is_refused(tmp_path, layout):
    _write(tmp_path, "z_0001", "16")
    _write(tmp_path, "z_0002", "16", seed=1)
    if layout == "variable":
        (tmp_path / "z_layout.hea").write_text(
            "\n".join([f"z_layout 12 {FS} 0"] + [f"~ 0 200/mV 16 0 0 0 0 {lead}" for lead in LEADS]) + "\n")
        segs = ["z_layout 0", "z_0001 0", "z_0002 0"]
    else:
        segs = ["z_0001 0", "z_0002 0"]
    hea = tmp_path / "z.hea"
    hea.write_text(f"z/{len(segs)} 12 {FS} 0\n" + "\n".join(segs) + "\n")
    _refused(hea, hea, "zero length")
    hea.write_text(f"z/{len(segs)} 12 {FS}\n" + "\n".join(segs) + "\n")   # no length on the record line
    _refused(hea, hea, "zero length")


# ----------------------------------------------------------------------------------------------
# multi-segment: the segment headers' text is bounded as a whole, not only header by header
# ----------------------------------------------------------------------------------------------

def test_many_large_segment_headers_are_refused_before_they_are_read(tmp_path):
    seg = _write(tmp_path, "s", "16", T=10)
    body = seg.read_text() + ("#" + "c" * 4000 + "\n") * 100        # ~400 KB a header
    n = MAX_SEGMENT_HEADERS_BYTES // len(body) + 8                  # just past the budget
    for k in range(n):
        (tmp_path / f"m{k}.hea").write_text(body)
    hea = tmp_path / "big.hea"
    hea.write_text(f"big/{n} 12 {FS}\n" + "".join(f"m{k} 10\n" for k in range(n)))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    _refused(hea, hea, "segment headers hold more than")
    assert time.perf_counter() - t0 < 5.0
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024 < 200   # MB


def test_segment_headers_within_the_budget_still_load(tmp_path):
    seg = _write(tmp_path, "s", "16", T=1000)
    body = seg.read_text() + "# a comment\n"
    for k in range(3):
        (tmp_path / f"m{k}.hea").write_text(body)
    hea = tmp_path / "ok.hea"
    hea.write_text(f"ok/3 12 {FS}\n" + "".join(f"m{k} 1000\n" for k in range(3)))
    rec = load_record(hea)
    assert rec.signal.shape == (12, 3000)
    np.testing.assert_allclose(rec.signal[:, 2000:], rec.signal[:, :1000], atol=0)


def test_variable_layout_maps_segment_signals_by_name(tmp_path):
    """The name lookup of a variable layout (now a dict) still takes the first of duplicate names."""
    (tmp_path / "v_layout.hea").write_text(
        "\n".join([f"v_layout 12 {FS} 0"] + [f"~ 0 200/mV 16 0 0 0 0 {lead}" for lead in LEADS]) + "\n")
    order = LEADS[::-1] + ["extra"]     # reversed, and a 13th channel renamed V1 that must not win
    seg = _write(tmp_path, "v_0001", "16", T=1000, leads=order, seed=3)
    _set_signal_field(seg, 8, "V1", lines=[13])
    hea = tmp_path / "v.hea"
    hea.write_text(f"v/2 12 {FS} 1000\nv_layout 0\nv_0001 1000\n")
    rec = load_record(hea)
    truth = _digital(3, 1000, 13) / 200.0
    for j, lead in enumerate(LEADS[::-1]):
        np.testing.assert_allclose(rec.signal[LEADS.index(lead)], truth[:, j], atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Challenge MATLAB v4: a preamble that does not describe frames of the record's signals
# ----------------------------------------------------------------------------------------------

def _cinc(tmp_path: Path) -> Path:
    if not CINC.exists():
        pytest.skip("tests/data/cinc2020/E00009 not present")
    for f in CINC.parent.glob("E00009.*"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / CINC.name


def _set_preamble(mat: Path, **fields) -> None:
    data = bytearray(mat.read_bytes())
    for name, value in fields.items():
        i = ("type", "rows", "cols", "imag", "namelen").index(name)
        data[4 * i:4 * i + 4] = struct.pack("<i", value)
    mat.write_bytes(bytes(data))


def test_mat_matrix_of_samples_by_signals_is_refused(tmp_path):
    """rows/cols swapped: a (5000, 12) matrix holds samples lead by lead; read as frames it would be
    a wrong signal without any error."""
    hea = _cinc(tmp_path)
    mat = hea.with_suffix(".mat")
    rows, cols = struct.unpack("<ii", mat.read_bytes()[4:12])
    _set_preamble(mat, rows=cols, cols=rows)
    _refused(hea, mat, "expected 12 x samples")


@pytest.mark.parametrize("cols, match", [(100, "holds 100 samples per signal, but the header declares 5000"),
                                         (99_999_999, "truncated")])
def test_mat_matrix_that_disagrees_with_header_or_file_is_refused(tmp_path, cols, match):
    hea = _cinc(tmp_path)
    mat = hea.with_suffix(".mat")
    _set_preamble(mat, cols=cols)
    _refused(hea, mat, match)


def test_unmodified_mat_record_still_loads(tmp_path):
    rec = load_record(_cinc(tmp_path))
    assert rec.signal.shape == (12, 5000) and not rec.quality["missing"].any()
