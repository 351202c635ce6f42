"""PTB-XL's fold 10 among the PhysioNet/CinC Challenge samples: the Challenge names PTB-XL's records "HR" + the
ecg_id (its 2021 PTB_PTBXL folder holds ecg_id 1-10, its 2020 samples 599 and 20715), and ecg_id 9 is of
PTB-XL's test fold. The library's listing never yields it. Truth: the names as the Challenge gives them, and the
folds as PTB-XL's table states them (written by the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mirage_model.records.ptbxl import (challenge_ecg_id, challenge_fold, headers_outside_test_fold,
                                        may_be_test_fold)

# ecg_id -> strat_fold as PTB-XL 1.0.3's table gives them for the Challenge samples' PTB-XL records
FOLDS = {1: 3, 2: 2, 3: 5, 4: 3, 5: 4, 6: 4, 7: 7, 8: 9, 9: 10, 10: 9, 599: 7, 20715: 4}


def _table(path: Path) -> Path:
    """A ptbxl_database.csv of the columns read (ecg_id, strat_fold) and one more, for ``FOLDS``."""
    path.write_text("ecg_id,patient_id,strat_fold\n" + "".join(f"{k},{k + 100}.0,{v}\n" for k, v in FOLDS.items()))
    return path


def _samples(root: Path) -> Path:
    """A folder laid out as the shared samples (headers only, never read): cinc2020 with HR00599 and HR20715 beside
    other sources, cinc2021/PTB_PTBXL with HR00001-HR00010 and S0001, cinc2021/G12EC with E00001."""
    names = {"cinc2020": ["E00009", "HR00599", "HR20715", "Q0001"],
             "cinc2021/PTB_PTBXL": [f"HR{k:05d}" for k in range(1, 11)] + ["S0001"], "cinc2021/G12EC": ["E00001"]}
    for folder, stems in names.items():
        (root / folder).mkdir(parents=True)
        for stem in stems:
            (root / folder / f"{stem}.hea").write_text(f"{stem} 12 500 5000\n")
    return root


@pytest.mark.parametrize("name, ecg_id", [("HR00009", 9), ("HR20715", 20715), ("hr00599.hea", 599),
                                          (Path("cinc2021/PTB_PTBXL/HR00001.mat"), 1), ("HR0009", None),
                                          ("HR000090", None), ("S0001", None), ("E00009", None), ("JS00009", None),
                                          ("00009_hr", None), ("HR00009_copy", None)])
def test_a_challenge_name_tells_ptbxl_ecg_id(name, ecg_id):
    assert challenge_ecg_id(name) == ecg_id


def test_the_fold_comes_from_the_table_and_is_unknown_without_it(tmp_path):
    table = _table(tmp_path / "ptbxl_database.csv")
    assert [challenge_fold(f"HR{k:05d}", table) for k in (8, 9, 10, 599)] == [9, 10, 9, 7]
    assert challenge_fold("HR00009") is None and challenge_fold("HR12345", table) is None
    assert challenge_fold("E00009", table) is None
    # left out: fold 10, or a fold not told (no table, or not in it); a record not PTB-XL's never
    assert may_be_test_fold("HR00009", table) and may_be_test_fold("HR00008") and may_be_test_fold("HR12345", table)
    assert not may_be_test_fold("HR00008", table) and not may_be_test_fold("E00009")


def test_the_listing_leaves_out_fold_10_and_without_the_table_every_ptbxl_record(tmp_path):
    root = _samples(tmp_path / "cinc")
    table = _table(tmp_path / "ptbxl_database.csv")
    every = sorted(root.rglob("*.hea"))
    told = headers_outside_test_fold(root, table)
    assert [p for p in every if p not in told] == [root / "cinc2021" / "PTB_PTBXL" / "HR00009.hea"]
    untold = headers_outside_test_fold(root)
    assert sorted(p.stem for p in untold) == ["E00001", "E00009", "Q0001", "S0001"]
