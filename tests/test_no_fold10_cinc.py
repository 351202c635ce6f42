"""PTB-XL's fold 10 among the PhysioNet/CinC Challenge samples: the Challenge names PTB-XL's records "HR" + the
ecg_id (its 2021 PTB_PTBXL folder holds ecg_id 1-10, its 2020 samples 599 and 20715), and ecg_id 9 is of
PTB-XL's test fold. Nothing that walks the samples yields it: the library's listing, the tests' fixtures and each
script's listing. Truth: the names as the Challenge gives them, and the folds as PTB-XL's table states them (read
here with pandas, or a table written by the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PTBXL_ROOT
from helpers_scripts import load_script
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


def _listed(monkeypatch, script, name: str, argv: list[str]) -> list[Path]:
    """The headers ``script``'s main hands to its function ``name`` (which is not run)."""
    seen = []

    class Listed(Exception):
        pass

    def fake(headers, *args, **kwargs):
        seen.extend(Path(h) for h in headers)
        raise Listed

    monkeypatch.setattr(script, name, fake)
    if hasattr(script, "ptbxl_headers"):
        monkeypatch.setattr(script, "ptbxl_headers", lambda *a, **k: [])      # no PTB-XL record added
    with pytest.raises(Listed):
        script.main(argv)
    return seen


def _given(root: Path, ptbxl: Path | None) -> list[str]:
    return [str(root)] + (["--ptbxl", str(ptbxl)] if ptbxl else [])


SCRIPTS = [("quality_finding_counts", "run", _given), ("noise_calls", "run", _given),
           ("noise_spread", "clean", lambda root, ptbxl: ["clean"] + _given(root, ptbxl)),
           ("voltage_agreement", "decimation_rows",     # the headers given one by one, PTB-XL's folder first
            lambda root, ptbxl: [str(ptbxl)] * bool(ptbxl) + ["--decimate"] + [str(p) for p in root.rglob("*.hea")])]


@pytest.mark.parametrize("name, function, argv", SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_each_script_leaves_fold_10_out(monkeypatch, tmp_path, name, function, argv):
    root = _samples(tmp_path / "cinc")
    (tmp_path / "ptbxl").mkdir()
    _table(tmp_path / "ptbxl" / "ptbxl_database.csv")
    script = load_script(name)
    told = _listed(monkeypatch, script, function, argv(root, tmp_path / "ptbxl"))
    assert sorted(p.stem for p in set(sorted(root.rglob("*.hea"))) - set(told)) == ["HR00009"]
    untold = _listed(monkeypatch, script, function, argv(root, None))
    assert not [p.stem for p in untold if p.stem.startswith("HR")] and len(untold) == 4


def test_lying_leads_clean_set_keeps_folds_1_to_8(tmp_path):
    root = _samples(tmp_path / "cinc")
    (tmp_path / "ptbxl").mkdir()
    _table(tmp_path / "ptbxl" / "ptbxl_database.csv")
    kept = load_script("lying_leads").cinc_records(root, tmp_path / "ptbxl")
    hr = sorted(p.stem for p in kept if p.stem.startswith("HR"))
    assert hr == sorted(f"HR{k:05d}" for k, fold in FOLDS.items() if fold <= 8) and len(kept) == len(hr) + 4


def test_the_shared_samples_yield_no_fold_10_record(cinc_samples, shared_datasets, tmp_path):
    """The shared CinC samples through the tests' fixture, the library's listing and lying_leads' listing: HR00009
    never, and with PTB-XL's table at hand no record its table puts in fold 10."""
    cinc = shared_datasets / "cinc"
    assert (cinc / "cinc2021" / "PTB_PTBXL" / "HR00009.hea").is_file()      # the record this is about is there
    assert "HR00009" not in {p.stem for p in cinc_samples} and len(cinc_samples) >= 80
    assert "HR00009" not in {p.stem for p in headers_outside_test_fold(cinc)}
    table = PTBXL_ROOT / "ptbxl_database.csv"
    if not table.is_file():
        return
    import pandas as pd

    fold = pd.read_csv(table, usecols=["ecg_id", "strat_fold"], index_col="ecg_id").strat_fold
    ptbxl = {p.stem: fold[int(p.stem[2:])] for p in sorted(cinc.rglob("HR*.hea"))}
    assert ptbxl["HR00009"] == 10
    assert sorted(p.stem for p in cinc_samples if p.stem.startswith("HR")) == sorted(k for k, v in ptbxl.items()
                                                                                     if v != 10)
    lying = load_script("lying_leads").cinc_records(cinc, PTBXL_ROOT)
    assert sorted(p.stem for p in lying if p.stem.startswith("HR")) == sorted(k for k, v in ptbxl.items() if v <= 8)


def test_the_cinc_folder_fixture_holds_no_fold_10_record(cinc_folder):
    stems = {p.stem for p in cinc_folder.rglob("*")}
    assert "HR00009" not in stems and {"E00009", "A0002"} <= stems
