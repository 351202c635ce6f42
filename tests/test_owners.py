"""The single owners of concepts that several packages use: atomic writes, device choice, the
logits -> probabilities link, sex parsing, the measurement keys, PTB-XL's table, the page cells."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import torch

from mirage_model.clinical import parse_sex
from mirage_model.measure import SCALAR_FIELDS, SCALAR_KEYS, empty_measurements
from mirage_model.outputs import probabilities
from mirage_model.paths import (atomic_folder, atomic_output, atomic_write_bytes, atomic_write_json,
                                atomic_write_text)
from mirage_model.records import ptbxl
from mirage_model.render import GRID_ROWS, make_layout, page_cells
from mirage_model.runtime import DeviceError, resolve_device


# -- atomic writes -------------------------------------------------------------------------------

def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_atomic_writes_replace_the_target_and_leave_nothing_behind(tmp_path):
    target = tmp_path / "sub" / "out.json"
    atomic_write_json(target, {"a": [1, 2.5], "b": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": [1, 2.5], "b": "é"}
    atomic_write_text(target, "line 1\nline 2\n")
    assert target.read_bytes() == b"line 1\nline 2\n"
    atomic_write_bytes(target, b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"
    assert _leftovers(target.parent, {"out.json"}) == []
    # the ordinary mode (0666 less the umask), not mkstemp's 0600
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_atomic_json_default_and_nan(tmp_path):
    out = tmp_path / "x.json"
    atomic_write_json(out, {"p": Path("a/b")}, default=str, indent=None)
    assert out.read_text() == '{"p": "a/b"}'
    with pytest.raises(ValueError):
        atomic_write_json(out, {"x": math.nan}, allow_nan=False)
    assert out.read_text() == '{"p": "a/b"}'          # the failed write left the old file
    assert _leftovers(tmp_path, {"x.json"}) == []


def test_atomic_output_keeps_the_old_file_on_error(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            assert tmp.parent == tmp_path and tmp != target and not tmp.exists()
            tmp.write_bytes(b"half")
            raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path, {"report.pdf"}) == []


def test_atomic_output_names_are_unique(tmp_path):
    names = set()
    for _ in range(20):
        with atomic_output(tmp_path / "a.csv") as tmp:
            names.add(tmp.name)
            tmp.write_text("x")
    assert len(names) == 20


def test_atomic_folder_replaces_a_folder_whole(tmp_path):
    target = tmp_path / "ckpt"
    with atomic_folder(target) as tmp:
        assert tmp.is_dir() and tmp.parent == tmp_path
        (tmp / "a.txt").write_text("1")
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
    with atomic_folder(target) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]      # replaced, not merged
    with pytest.raises(KeyError):
        with atomic_folder(target) as tmp:
            (tmp / "c.txt").write_text("3")
            raise KeyError("fails half way")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert _leftovers(tmp_path, {"ckpt"}) == []


def test_atomic_folder_without_overwrite_refuses_a_folder_that_appeared(tmp_path):
    target = tmp_path / "cache"
    with pytest.raises(OSError):
        with atomic_folder(target, overwrite=False) as tmp:
            (tmp / "mine").write_text("1")
            target.mkdir()                              # another process finished first
            (target / "theirs").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["theirs"]
    assert _leftovers(tmp_path, {"cache"}) == []


# -- device --------------------------------------------------------------------------------------

def test_resolve_device_contract():
    gpu = torch.cuda.is_available()
    for auto in ("auto", None, "", " AUTO "):
        assert resolve_device(auto) == torch.device("cuda" if gpu else "cpu")
    assert resolve_device("cpu") == resolve_device(torch.device("cpu")) == torch.device("cpu")
    for bad in ("tpu", "gpu0", "meta"):
        with pytest.raises(DeviceError, match=repr(bad)):
            resolve_device(bad)
    missing = f"cuda:{torch.cuda.device_count() if gpu else 7}"    # one index past the last GPU
    with pytest.raises(DeviceError, match=missing):
        resolve_device(missing)
    if not gpu:
        with pytest.raises(DeviceError, match="no CUDA"):
            resolve_device("cuda")
    assert issubclass(DeviceError, ValueError)


# -- probabilities -------------------------------------------------------------------------------

def test_probabilities_against_the_definitions():
    z = np.array([[2.0, -1.0, 0.5], [-30.0, 0.0, 30.0]])
    sig = np.array([[1 / (1 + math.exp(-v)) for v in row] for row in z])
    soft = np.array([[math.exp(v) / sum(math.exp(w) for w in row) for v in row] for row in z])
    np.testing.assert_allclose(probabilities(z, "multilabel"), sig, rtol=1e-6)
    np.testing.assert_allclose(probabilities(z, "multiclass"), soft, rtol=1e-6, atol=1e-12)
    t = torch.tensor(z, dtype=torch.float64)
    out = probabilities(t, "multiclass")
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), soft, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(probabilities(t, "multilabel").numpy(), sig, rtol=1e-6)
    assert probabilities([1000.0, 0.0], "multiclass").tolist() == [1.0, 0.0]   # stable, no NaN
    with pytest.raises(ValueError, match="unknown task"):
        probabilities(z, "binary")


# -- sex -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, sex", [
    ("M", "M"), (" male ", "M"), ("Man", "M"), ("MASCULINE", "M"),
    ("f", "F"), ("Female", "F"), ("woman", "F"), ("feminine", "F"),
    ("", None), ("1", None), ("0", None), ("X", None), ("unknown", None), (None, None), (1, None),
])
def test_parse_sex(text, sex):
    assert parse_sex(text) == sex


# -- measurement keys ----------------------------------------------------------------------------

def test_measurement_keys_are_the_measurements_fields():
    m = empty_measurements(500.0, ("test",))
    assert tuple(f.key for f in SCALAR_FIELDS) == SCALAR_KEYS
    assert set(SCALAR_KEYS) <= set(m.as_dict())
    for f in SCALAR_FIELDS:
        assert f.key.endswith("_" + f.unit.lower()) and f.label and f.short       # mV: "_mv", as Python spells names


# -- PTB-XL --------------------------------------------------------------------------------------

PTBXL_CSV = (
    "ecg_id,patient_id,age,sex,height,weight,nurse,site,device,recording_date,report,scp_codes,"
    "heart_axis,infarction_stadium1,infarction_stadium2,validated_by,second_opinion,"
    "initial_autogenerated_report,validated_by_human,baseline_drift,static_noise,burst_noise,"
    "electrodes_problems,extra_beats,pacemaker,strat_fold,filename_lr,filename_hr\n"
    '1,15709.0,56.0,1,,63.0,2.0,0.0,CS-12   E,1984-11-09 09:17:34,sinusrhythmus periphere niederspannung,'
    '"{\'NORM\': 100.0, \'LVOLT\': 0.0, \'SR\': 0.0}",,,,,False,False,True,,,,,,,3,'
    'records100/00000/00001_lr,records500/00000/00001_hr\n'
    '2,13243.0,300.0,0,,,2.0,0.0,CS-12   E,1984-11-14 12:55:37,sinusbradykardie,'
    '"{\'NORM\': 80.0, \'SBRAD\': 0.0}",,,,,False,False,True,,,,,,,10,'
    'records100/00000/00002_lr,records500/00000/00002_hr\n'
)


def test_ptbxl_decoders():
    assert ptbxl.decode_age("300.0") == (90.0, ptbxl.AGE_OVER_89_NOTE)
    assert ptbxl.decode_age("89") == (89.0, None)
    assert ptbxl.decode_age("") == (None, None) and ptbxl.decode_age("nan") == (None, None)
    assert [ptbxl.decode_sex(v) for v in ("0", "1.0", "", "2")] == ["M", "F", None, None]
    assert ptbxl.decode_scp_codes("{'NORM': 100.0, 'SR': 0.0}") == {"NORM": 100.0, "SR": 0.0}
    assert ptbxl.decode_scp_codes("__import__('os')") == {} == ptbxl.decode_scp_codes("[1, 2]")


def test_ptbxl_table_rows_and_record_metadata(tmp_path):
    (tmp_path / "ptbxl_database.csv").write_text(PTBXL_CSV)
    rows = ptbxl.read_database(tmp_path / "ptbxl_database.csv")
    assert [r.ecg_id for r in rows] == ["1", "2"] and rows[1].strat_fold == "10"
    by_stem = ptbxl.rows_by_stem(tmp_path / "ptbxl_database.csv")
    assert by_stem["00001_lr"] is by_stem["00001_hr"] is rows[0]
    hea = tmp_path / "records100" / "00000" / "00002_lr.hea"
    assert ptbxl.find_database(hea) == tmp_path / "ptbxl_database.csv"
    assert ptbxl.find_database(tmp_path / "a" / "b" / "c" / "d" / "x.hea") is None

    class Rec:   # the fields of EcgRecord that the metadata fills
        age = sex = None
        dx = ()

        def __init__(self):
            self.meta = {}

    rec = Rec()
    assert ptbxl.apply_metadata(rec, hea)
    assert rec.age == 90.0 and rec.meta["age_note"] == ptbxl.AGE_OVER_89_NOTE
    assert rec.sex == "M" and rec.dx == ("NORM", "SBRAD") and rec.meta["dx_system"] == "PTB-XL SCP"
    assert rec.meta["ptbxl"]["strat_fold"] == 10 and rec.meta["ptbxl"]["ecg_id"] == 2
    assert "weight" not in rec.meta and rec.meta["recording_date"] == "1984-11-14 12:55:37"
    assert not ptbxl.apply_metadata(Rec(), tmp_path / "records100" / "00000" / "09999_lr.hea")


# -- page cells ----------------------------------------------------------------------------------

def test_page_cells_follow_the_paper_convention():
    cells = page_cells(4, start_s=3.0)
    assert len(cells) == 13 and cells[-1].rhythm and cells[-1].lead == 1 and cells[-1].row == 3
    assert (cells[-1].t0, cells[-1].t1) == (3.0, 13.0)
    # 3x4: column c shows seconds [2.5 c, 2.5 (c + 1)) of the page; leads I, II, III fill column 0
    for cell in cells[:12]:
        assert GRID_ROWS[cell.row][cell.col] == cell.lead
        assert (cell.t0, cell.t1) == (3.0 + 2.5 * cell.col, 3.0 + 2.5 * (cell.col + 1))
    assert [c.lead for c in cells[:12] if c.col == 0] == [0, 1, 2]
    six = page_cells(2, span_s=8.0, rhythm=False)
    assert len(six) == 12 and [c.lead for c in six if c.col == 1] == [6, 7, 8, 9, 10, 11]
    assert {(c.t0, c.t1) for c in six} == {(0.0, 4.0), (4.0, 8.0)}
    # the renderer's layout is these cells scaled to pixels
    lay = make_layout(400, 200, start_s=3.0)
    for cell in cells[:12]:
        p = lay.panels[cell.lead]
        assert (p.t0, p.t1, p.x0, p.y0) == (cell.t0, cell.t1, cell.col * 100.0, cell.row * 50.0)
