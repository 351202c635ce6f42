"""Dataset forms (PTB-XL, Challenge, folder), label aggregation and splits, against independent truth."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from training_cli.engine import datasets as D

from helpers_training import make_folder, make_mini_ptbxl

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Hand-checked against scp_statements.csv (diagnostic_class / diagnostic_subclass of each code;
# codes kept whatever their likelihood; form and rhythm codes ignored for the diagnostic tasks).
HAND_SUPER = {
    "1": ("NORM",),               # NORM 100, LVOLT (form), SR (rhythm)
    "8": ("MI",),                 # IMI 35 (kept despite likelihood 35), ABQRS (form), SR
    "39": ("MI", "STTC"),         # IMI 15, LNGQT (STTC), NST_ (STTC), DIG (STTC)
    "77": ("CD", "MI"),           # AMI 50, IRBBB 100
    "2000": ("CD",),              # LAFB 80
    "15000": ("HYP", "STTC"),     # NDT (STTC), LVH 50, NT_ (form), SARRH (rhythm)
}
HAND_SUB = {"39": ("IMI", "NST_", "STTC"), "77": ("AMI", "IRBBB"), "2000": ("LAFB/LPFB",)}
HAND_SPLIT = {"1": "train", "8": "val", "39": "val", "100": "test"}   # strat_fold 3, 9, 9, 10


@pytest.fixture(scope="module")
def ptbxl_meta(shared_datasets, tmp_path_factory):
    """The shared PTB-XL metadata as a PTB-XL root (records are not needed to resolve labels)."""
    src = shared_datasets / "ptbxl"
    if not (src / "ptbxl_database.csv").is_file():
        pytest.skip("PTB-XL metadata not in shared datasets")
    root = tmp_path_factory.mktemp("ptbxl_meta")
    for name in ("ptbxl_database.csv", "scp_statements.csv"):
        shutil.copy(src / name, root / name)
    return root


@pytest.fixture(scope="module")
def ptbxl_task(ptbxl_meta):
    """open_dataset on the shared metadata, once per task."""
    opened = {}

    def get(task):
        if task not in opened:
            opened[task] = D.open_dataset(f"ptbxl:{ptbxl_meta}", task)
        return opened[task]

    return get


def test_ptbxl_superdiagnostic_matches_hand_derivation(ptbxl_task):
    ds = ptbxl_task("superdiagnostic")
    by_id = {it.record_id: it for it in ds.items}
    assert ds.classes == ["NORM", "MI", "STTC", "CD", "HYP"]
    for rid, labels in HAND_SUPER.items():
        assert tuple(sorted(by_id[rid].labels)) == labels, rid
    for rid, split in HAND_SPLIT.items():
        assert by_id[rid].split == split
    # ecg 17, 18: only rhythm/form codes (AFLT, ABQRS, AFIB): no superclass, dropped
    assert "17" not in by_id and "18" not in by_id
    # 21,388 records have a superdiagnostic label in PTB-XL 1.0.3 (benchmark count)
    assert len(ds.items) == 21388
    y = ds.targets()
    assert y.shape == (21388, 5) and y.sum(1).min() == 1


@pytest.mark.slow       # reads the full PTB-XL metadata five times over (about 20 s)
def test_ptbxl_other_tasks(ptbxl_task):
    sub = ptbxl_task("subdiagnostic")
    by_id = {it.record_id: it for it in sub.items}
    for rid, labels in HAND_SUB.items():
        assert tuple(sorted(by_id[rid].labels)) == labels
    assert len(sub.classes) == 23
    rhythm = ptbxl_task("rhythm")
    assert {it.record_id: it.labels for it in rhythm.items}["1"] == ("SR",)
    form = ptbxl_task("form")
    assert {it.record_id: it.labels for it in form.items}["1"] == ("LVOLT",)
    mi = ptbxl_task("mi")
    mi_by = {it.record_id: it.labels for it in mi.items}
    assert mi.classes == ["MI"] and mi_by["8"] == ("MI",) and mi_by["1"] == () and mi_by["2000"] == ()
    assert len(mi.items) == 21388
    alltask = ptbxl_task("all")
    assert len(alltask.classes) == 71


def test_ptbxl_clinical(ptbxl_meta, ptbxl_task):
    import pandas as pd

    ds = ptbxl_task("superdiagnostic")
    db = pd.read_csv(ptbxl_meta / "ptbxl_database.csv", index_col="ecg_id")
    by_id = {it.record_id: it for it in ds.items}
    c1 = by_id["1"].clinical
    assert c1 == {"age": 56.0, "sex": "F", "height": None, "weight": 63.0}   # sex 1 = female
    assert by_id["8"].clinical["sex"] == "M"
    old = db.index[db.age == 300]
    old = [str(i) for i in old if str(i) in by_id]
    assert old and all(by_id[i].clinical["age"] == 90.0 for i in old)   # ">89" coded 300 -> 90


def test_unknown_task_and_bad_spec(ptbxl_meta, tmp_path):
    with pytest.raises(D.DatasetError, match="unknown PTB-XL task"):
        D.open_dataset(f"ptbxl:{ptbxl_meta}", "nonsense")
    with pytest.raises(D.DatasetError, match="expected ptbxl:ROOT"):
        D.open_dataset(str(tmp_path))
    with pytest.raises(D.DatasetError, match="ptbxl_database.csv"):
        D.open_dataset(f"ptbxl:{tmp_path}")


def test_ptbxl_on_shipped_records(tmp_path):
    root = make_mini_ptbxl(tmp_path / "ptbxl")
    ds = D.open_dataset(f"ptbxl:{root}", "superdiagnostic")
    labels = {it.record_id: it.labels for it in ds.items}
    assert labels == {"417": ("NORM",), "11125": ("MI",), "4016": ("CD",), "10388": ("HYP",)}
    assert sorted(it.split for it in ds.items) == ["test", "train", "train", "val"]
    from mirage_model.records import load_record

    for it in ds.items:           # the item path is what load_record reads
        assert load_record(it.path).signal.shape[0] == 12


def test_challenge_samples(cinc_folder):
    root = cinc_folder          # the CinC samples' headers, PTB-XL's fold 10 left out
    ds = D.open_dataset(f"challenge:{root}")
    by_id = {it.record_id: it for it in ds.items}
    # E00009: "#Dx: 428750005,39732003,427084000" -> LAD and STach (428750005 is not scored)
    e9 = by_id["cinc2020/E00009"]
    assert e9.labels == ("LAD", "STach") and e9.clinical == {"age": 76.0, "sex": "M"}
    # A0002: "#Dx: 426783006" sinus rhythm, "#Age: 49", "#Sex: Female"
    a2 = by_id["cinc2021/CPSC_CPSC-Extra/A0002"]
    assert a2.labels == ("NSR",) and a2.clinical == {"age": 49.0, "sex": "F"}
    assert set(ds.classes) <= set(D.read_label_map(D.DEFAULT_CHALLENGE_LABELMAP).values())
    splits = [it.split for it in ds.items]
    assert {"train", "val", "test"} <= set(splits)
    again = D.open_dataset(f"challenge:{root}", seed=0)
    assert [it.split for it in again.items] == splits          # seeded split is reproducible
    other = D.open_dataset(f"challenge:{root}", seed=1)
    assert [it.split for it in other.items] != splits


def test_challenge_equivalent_codes_merge(tmp_path):
    (tmp_path / "r1.hea").write_text("r1 12 500 5000\n#Age: 60\n#Sex: Male\n#Dx: 733534002,63593006\n")
    (tmp_path / "r2.hea").write_text("r2 12 500 5000\n#Age: NaN\n#Sex: Unknown\n#Dx: 164909002\n")
    (tmp_path / "r3.hea").write_text("r3 12 500 5000\n#Dx: 1111111\n")          # unscored only: dropped
    ds = D.open_dataset(f"challenge:{tmp_path}")
    labels = {it.record_id: it.labels for it in ds.items}
    assert labels == {"r1": ("LBBB", "PAC"), "r2": ("LBBB",)}
    assert {it.record_id: it.clinical for it in ds.items}["r2"] == {"age": None, "sex": None}


def test_challenge_records_of_no_class_are_named_and_counted(tmp_path, caplog):
    # 164865005 (myocardial infarction) and 428750005 (nonspecific ST-T) are not among the 2021 scored classes:
    # a tester's 95 CinC records trained as 70 and nothing said which 25 were left out, nor why
    from training_cli.engine.left_out import left_out_lines

    (tmp_path / "a.hea").write_text("a 12 500 5000\n#Dx: 164889003\n")                    # AF
    (tmp_path / "b.hea").write_text("b 12 500 5000\n#Dx: 164889003,59118001\n")           # AF and RBBB
    (tmp_path / "s1.hea").write_text("s1 12 500 5000\n#Dx: 164865005\n")
    (tmp_path / "s2.hea").write_text("s2 12 500 5000\n#Dx: 164865005,428750005\n")
    (tmp_path / "s3.hea").write_text("s3 12 500 5000\n#Age: 50\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"challenge:{tmp_path}")
    assert sorted(it.record_id for it in ds.items) == ["a", "b"]
    assert ("3 records of 5 headers not used: no #Dx code of a class of cinc2021_scored.csv (the 2021 Challenge's "
            "scored classes; give --label-map FILE.csv, snomed_ct,class, to train on other codes): s1 (164865005); "
            "s2 (164865005, 428750005); s3 (no #Dx)") in caplog.text
    assert ds.left_out == {"no_scored_class": {"count": 3, "first": ["s1 (164865005)", "s2 (164865005, 428750005)",
                                                                     "s3 (no #Dx)"]}}
    assert left_out_lines({"left_out": ds.left_out})[1] == (
        "  - 3 records none of whose #Dx codes is of a class of the 2021 Challenge scored classes (s1 (164865005), "
        "s2 (164865005, 428750005), s3 (no #Dx))")
    caplog.clear()
    with caplog.at_level("WARNING"):
        one = D.open_dataset(f"challenge:{tmp_path}", "multiclass")
    assert [it.record_id for it in one.items] == ["a"]
    assert "1 record of 5 headers not used: more than one class, in a multiclass task" in caplog.text
    assert one.left_out["not_one_class"] == {"count": 1, "first": ["b (AF, RBBB)"]}


def test_challenge_user_label_map_and_split_file(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for i, dx in enumerate(["164889003", "426783006", "164889003,426783006"]):
        (data / f"x{i}.hea").write_text(f"x{i} 12 500 5000\n#Dx: {dx}\n")
    lmap = tmp_path / "map.csv"
    lmap.write_text("snomed_ct,class\n164889003,AF\n426783006,SR\n")
    split = tmp_path / "split.csv"
    split.write_text("record_id,split\nx0,train\nx1,val\nx2,test\n")
    ds = D.open_dataset(f"challenge:{data}", label_map=lmap, split_file=split)
    assert ds.classes == ["AF", "SR"]
    assert {it.record_id: it.split for it in ds.items} == {"x0": "train", "x1": "val", "x2": "test"}
    bad = tmp_path / "bad.csv"
    bad.write_text("code_x,name\n1,2\n")
    with pytest.raises(D.DatasetError, match="bad.csv"):
        D.open_dataset(f"challenge:{data}", label_map=bad)


def test_folder_dataset_labels_and_labs(tmp_path):
    root, labels = make_folder(tmp_path / "f", n_copies=3)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t [ng/L],age\necg000,14,70\necg001,0.5 ,\n")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs, seed=3)
    assert ds.classes == ["CD", "HYP", "MI", "NORM"]
    by = {it.record_id: it for it in ds.items}
    assert len(by) == 12
    hyp0 = [it for it in ds.items if "HYP" in it.labels][0]
    assert hyp0.labels == ("HYP", "NORM")            # "HYP;NORM" -> two labels
    assert by["ecg000"].clinical["troponin_t"][0] == pytest.approx(14.0)
    assert "troponin_t" in ds.clinical_names
    assert {"train", "val", "test"} <= {it.split for it in ds.items}


def test_folder_split_column_and_one_hot(tmp_path):
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "onehot.csv"
    labels.write_text("record_id,AF,NORM,split\necg000,1,0,train\necg001,0,1,val\necg002,1,1,test\necg003,0,0,train\n")
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert {it.record_id: (it.labels, it.split) for it in ds.items} == {
        "ecg000": (("AF",), "train"), "ecg001": (("NORM",), "val"), "ecg002": (("AF", "NORM"), "test"),
        "ecg003": ((), "train")}                     # 0,0: a labelled negative of both classes
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,AF\necg000,yes\n")
    with pytest.raises(D.DatasetError, match="bad.csv, line 2"):
        D.open_dataset(f"folder:{root}", labels=bad)
    with pytest.raises(D.DatasetError, match="needs --labels"):
        D.open_dataset(f"folder:{root}")


def test_folder_one_hot_keeps_its_negatives(tmp_path, caplog):
    """A researcher's binary table (one AF column, 0/1): its 0 rows are the negatives. They had been
    left out silently, so the model trained on AF-positive records alone (every target 1)."""
    root, _ = make_folder(tmp_path / "f", n_copies=2)
    written = {f"ecg{k:03d}": int(k in (1, 6)) for k in range(8)}          # two positives, six negatives
    labels = tmp_path / "af.csv"
    labels.write_text("record_id,AF\n" + "".join(f"{r},{v}\n" for r, v in written.items()))
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert ds.classes == ["AF"]
    got = {it.record_id: int(y[0]) for it, y in zip(ds.items, ds.targets())}
    assert got == written
    # an empty `labels` cell says nothing about the record: left out, and said
    named = tmp_path / "named.csv"
    named.write_text("record_id,labels\necg000,AF\necg001,\necg002,NORM\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=named)
    assert sorted(it.record_id for it in ds.items) == ["ecg000", "ecg002"]
    assert "1 row has an empty 'labels' cell and is left out (line 3: ecg001)" in caplog.text
    # a table with no 1 anywhere trains nothing: refused, naming the file
    zeros = tmp_path / "zeros.csv"
    zeros.write_text("record_id,AF\necg000,0\necg001,0\n")
    with pytest.raises(D.DatasetError, match="zeros.csv: no record .* carries a class"):
        D.open_dataset(f"folder:{root}", labels=zeros)


def test_a_bad_labs_cell_is_named_once(tmp_path):
    """The error named the file twice ("error: labs.csv: labs.csv, line 3, ...")."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id;CRP [mg/dL]\necg000;1,5\necg001;positiv\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value) == f"{labs}, line 3, column 'CRP [mg/dL]': crp: 'positiv' is not a number"


def test_limit_keeps_each_split(tmp_path):
    root = make_mini_ptbxl(tmp_path / "p")
    ds = D.open_dataset(f"ptbxl:{root}", "superdiagnostic").limit(1)
    assert sorted(it.split for it in ds.items) == ["test", "train", "val"]
    assert np.array_equal(ds.split_indices("val"), [1])


def test_folder_reads_age_sex_from_challenge_headers(tmp_path, test_data):
    src = test_data / "cinc2020"
    if not (src / "E00009.hea").is_file():
        pytest.skip("tests/data/cinc2020 sample absent")
    data = tmp_path / "d"
    shutil.copytree(src, data)
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels\nE00009,LAD\n")
    ds = D.open_dataset(f"folder:{data}", labels=labels)
    assert ds.items[0].clinical == {"age": 76.0, "sex": "M"}       # "#Age: 76", "#Sex: Male"
    assert ds.clinical_names == ["age", "sex"]


def test_folder_of_ludb_records_gives_the_clinical_values_score_and_report_read(tmp_path, shared_datasets):
    """LUDB headers say ``#<age>: 51`` / ``#<sex>: F``: a folder dataset used to read none of them
    ("0 clinical features") while score/report read age and sex from the same header. The values
    a model trains on are those ``record_values`` gives for the loaded record, and the header's own."""
    import re

    from mirage_model.clinical import record_values
    from mirage_model.records import load_record

    src = shared_datasets / "ludb" / "data"
    stems = ["1", "2", "3", "4"]
    if not all((src / f"{s}.hea").is_file() for s in stems):
        pytest.skip("LUDB records absent")
    data = tmp_path / "d"
    data.mkdir()
    for s in stems:
        for ext in (".hea", ".dat"):
            shutil.copy(src / f"{s}{ext}", data / f"{s}{ext}")
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels\n" + "".join(f"{s},X\n" for s in stems))
    ds = D.open_dataset(f"folder:{data}", labels=labels)
    assert ds.clinical_names == ["age", "sex"]
    for it in ds.items:
        text = it.path.read_text()
        age = float(re.search(r"#<age>: (\d+)", text).group(1))
        sex = re.search(r"#<sex>: ([MF])", text).group(1)
        assert it.clinical == {"age": age, "sex": sex}
        assert it.clinical == record_values(load_record(it.path))


def test_a_header_alone_gives_what_the_loaded_record_gives(test_data):
    """``load_header`` (what datasets read per record) fills age, sex, diagnoses and PTB-XL's table
    as ``load_record`` does: the shipped PTB-XL samples (height and weight from the table) and a
    Challenge record."""
    from mirage_model.clinical import record_values
    from mirage_model.records import load_header, load_record

    heads = sorted((Path(__file__).resolve().parents[1] / "resources" / "samples" / "ptbxl").rglob("*.hea"))
    heads += [test_data / "cinc2020" / "E00009.hea"]
    assert len(heads) >= 5
    seen = set()
    for hea in heads:
        head, rec = load_header(hea), load_record(hea)
        assert record_values(head) == record_values(rec) and head.dx == rec.dx and head.signal.shape == (12, 0)
        seen |= set(record_values(rec))
    assert seen == {"age", "sex", "height", "weight"}


def test_a_record_labelled_twice_is_refused_naming_both_lines(tmp_path):
    """A second row for one record silently replaced the first (its labels and its split), and one
    record named two ways ('siteA/ecg000' and 'ecg000') became two items in different splits: the
    same ECG trained on and tested on."""
    root = tmp_path / "f"
    make_folder(root / "siteA", n_copies=1)
    labels = tmp_path / "labels.csv"
    base = "record_id,labels,split\nsiteA/ecg000,NORM,train\nsiteA/ecg001,MI,val\nsiteA/ecg002,CD,test\n"
    labels.write_text(base)
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert {it.record_id: it.split for it in ds.items} == {
        "siteA/ecg000": "train", "siteA/ecg001": "val", "siteA/ecg002": "test"}
    labels.write_text(base + "siteA/ecg000,MI,test\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value).startswith(f"{labels}, line 5: record 'siteA/ecg000' appears twice (also on line 2)")
    labels.write_text(base + "ecg000,NORM,test\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value).startswith(f"{labels}, line 5: row 'ecg000' names the record 'siteA/ecg000' "
                                      "that line 2 ('siteA/ecg000') names already")
    split_file = tmp_path / "splits.csv"
    split_file.write_text("record_id,split\nsiteA/ecg000,train\nsiteA/ecg001,val\nsiteA/ecg000,test\n")
    with pytest.raises(D.DatasetError) as info:
        D.read_split_file(split_file)
    assert str(info.value) == f"{split_file}, line 4: record 'siteA/ecg000' appears twice (also on line 2)"


def test_a_windows_1252_labels_table_split_file_and_label_map_are_read_and_said(tmp_path, caplog):
    """A German Excel's "CSV (Trennzeichen-getrennt)" is Windows-1252: a labels table, a split file or a label
    map saved so had been refused ("not UTF-8 text (byte 0xfc ...)"); they are read as the labs table is, a
    warning naming the file, the line and the byte, once per file though a table is read more than once."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "labels.csv"
    labels.write_bytes("record_id;labels\r\necg000;Vorhofflimmern\r\n"
                       "ecg001;Vorhofflimmern|\u00dcberleitungsst\u00f6rung\r\n"
                       "ecg002;Normalbefund\r\necg003;Normalbefund\r\n".encode("cp1252"))
    assert b"\xdc" in labels.read_bytes()            # "Ü" is one byte, not UTF-8's two
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert {it.record_id: it.labels for it in ds.items} == {
        "ecg000": ("Vorhofflimmern",), "ecg001": ("Vorhofflimmern", "\u00dcberleitungsst\u00f6rung"),
        "ecg002": ("Normalbefund",), "ecg003": ("Normalbefund",)}
    said = (f"{labels}: read as Windows-1252: not UTF-8 (line 3: byte 0xdc read as '\u00dc'); if a name or unit "
            "reads wrong, save it as 'CSV UTF-8'")
    assert caplog.text.count(said) == 1
    split_file = tmp_path / "splits.csv"
    split_file.write_bytes("record_id;split\r\nM\u00fcller_01;train\r\necg001;val\r\n".encode("cp1252"))
    assert D.read_split_file(split_file) == {"M\u00fcller_01": "train", "ecg001": "val"}
    lmap = tmp_path / "map.csv"
    lmap.write_bytes("snomed_ct,class,description\n164889003,Vorhofflimmern,Vorhofflimmern (AF)\n"
                     "270492004,AV-Block I,AV-Block I. Grades (\u00dcberleitung)\n".encode("cp1252"))
    assert D.read_label_map(lmap) == {"164889003": "Vorhofflimmern", "270492004": "AV-Block I"}
    labels.write_bytes(b"record_id,labels\necg000,NORM\necg001,MI\x81\n")   # a byte Windows-1252 has not
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value) == (f"{labels}, line 3: neither UTF-8 nor Windows-1252 text (byte 0x81 is no "
                               "Windows-1252 character; a file of another code page?): save it as 'CSV UTF-8'")
    labs = tmp_path / "labs.csv"          # the labs table is read as Windows-1252 (Latin-1's µ is its µ), said
    labels.write_bytes("record_id,labels\necg000,NORM\n".encode("utf-8-sig"))
    labs.write_bytes("record_id,troponin_t [\u00b5g/L]\necg000,0.01\n".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert f"{labs}: read as Windows-1252: not UTF-8 (line 1: byte 0xb5 read as '\u00b5')" in caplog.text
    assert ds.items[0].clinical["troponin_t"] == (0.01, "\u00b5g/L")          # its unit read as written


def test_labelled_records_without_a_labs_row_are_warned_about(tmp_path, caplog):
    """A labs table with rows for half the records (cut short, or the other site's ids written
    otherwise) trained those records with every lab masked, and said nothing."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)          # ecg000 ... ecg003
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,crp [mg/dL]\necg000,0.5\necg002,1.5\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    got = {it.record_id: it.clinical.get("crp") for it in ds.items}
    assert got == {"ecg000": (0.5, "mg/dL"), "ecg001": None, "ecg002": (1.5, "mg/dL"), "ecg003": None}
    assert "labs.csv: 2 of 4 labelled records have no row" in caplog.text
    assert "(first: ecg001, ecg003)" in caplog.text
    caplog.clear()
    labs.write_text("record_id,crp [mg/dL]\n" + "".join(f"ecg00{k},0.5\n" for k in range(4)))
    with caplog.at_level("WARNING"):
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert "have no row" not in caplog.text


def test_ids_that_differ_only_in_case_or_leading_zeros_are_pointed_out(tmp_path, caplog):
    """A labs table typed 'ECG000' (or a labels table 'ecg0001') for the record ecg000 was refused as
    fitting no record, or warned about, with nothing to tell the user the ids were nearly right."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)          # ecg000 ... ecg003
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,age\nECG000,50\nEcg001,60\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value).endswith("; 'ECG000' differs from the record 'ecg000' only in case or leading "
                                    "zeros (2 ids so; ids must match exactly)")
    labs.write_text("record_id,age\necg000,50\necg0001,60\nx9,70\n")        # one fits, one nearly, one not
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert {it.record_id: it.clinical.get("age") for it in ds.items}["ecg000"] == (50.0, None)
    assert ("2 of 3 rows fit no record and are not used (first: ecg0001, x9); 'ecg0001' differs from the "
            "record 'ecg001' only in case or leading zeros (1 id so; ids must match exactly)") in caplog.text
    caplog.clear()
    upper = tmp_path / "upper.csv"
    upper.write_text("record_id,labels\nECG002,NORM\necg000,MI\n")
    with caplog.at_level("WARNING"):
        D.open_dataset(f"folder:{root}", labels=upper)
    assert "'ECG002' differs from the record 'ecg002' only in case" in caplog.text


def test_a_class_written_in_two_cases_is_refused(tmp_path):
    """'NORM' on some rows and 'norm' on others trained as two classes (4 from MI, NORM), each from a
    part of its records, without a word."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels\necg000,NORM\necg001,MI\necg002,MI;norm\necg003,NORM\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value) == (f"{labels}, line 4: class 'norm' differs from 'NORM' (line 2) only in case or "
                               "blanks; write each class one way")
    onehot = tmp_path / "onehot.csv"                    # one-hot columns: the same rule
    onehot.write_text("record_id,AF,af\necg000,1,0\necg001,0,1\n")
    with pytest.raises(D.DatasetError, match=r"line 3: class 'af' differs from 'AF' \(line 2\) only in case"):
        D.open_dataset(f"folder:{root}", labels=onehot)
    labels.write_text("record_id,labels\necg000,NORM\necg001,MI\necg002,MI;NORM\necg003,NORM\n")
    assert D.open_dataset(f"folder:{root}", labels=labels).classes == ["MI", "NORM"]


def test_a_spreadsheets_empty_trailing_columns_are_no_classes(tmp_path, caplog):
    """A one-hot table saved by a spreadsheet with empty columns at the end ("record_id,AF,NORM,,")
    made a class named '' (warned about as "class column(s)  have no 1"), or, with a stray cell
    in one, a class '' that was trained."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,AF,NORM,,\necg000,1,0,,\necg001,0,1,,\necg002,0,1,,\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert ds.classes == ["AF", "NORM"]
    assert {it.record_id: it.labels for it in ds.items} == {"ecg000": ("AF",), "ecg001": ("NORM",),
                                                           "ecg002": ("NORM",)}
    assert "have no 1" not in caplog.text
    labels.write_text("record_id,AF,NORM,,\necg000,1,0,,\necg001,0,1,1,\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value) == (f"{labels}, line 3: '1' stands in a column without a name; name the column "
                               "(its class) or empty it")


def test_a_labs_table_without_rows_is_refused(tmp_path):
    """A labs table holding only its header (an export of no patients) trained a model with no
    clinical input at all, saying only that every record had no row."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id,troponin_t [ng/L]\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value).startswith(f"{labs}: no rows under its header")
    labs.write_text("record_id,troponin_t [ng/L]\necg000,12\n")
    ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert {it.record_id: it.clinical.get("troponin_t") for it in ds.items}["ecg000"] == (12.0, "ng/L")


def test_records_without_a_labels_row_are_named(tmp_path, caplog):
    """A folder's records that no labels row names are not trained on; that had been silent (70
    ECGs of a researcher's folder became 65 records with nothing said). Now a warning counts them
    and names the first; records with a row (by path or by stem), or an empty-cell row, are not in it."""
    root, _ = make_folder(tmp_path / "f", n_copies=2)            # ecg000 ... ecg007
    (root / "sub").mkdir()
    for ext in ("hea", "dat"):
        (root / f"ecg007.{ext}").rename(root / "sub" / f"ecg007.{ext}")
    labels = tmp_path / "own.csv"
    labels.write_text("record_id,labels\necg000,NORM\necg001,MI\necg002,\nsub/ecg007,MI\necg003,NORM\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    assert sorted(it.record_id for it in ds.items) == ["ecg000", "ecg001", "ecg003", "sub/ecg007"]
    assert "own.csv: 3 of 8 records under" in caplog.text
    assert "have no row in it and are not used (first: ecg004, ecg005, ecg006)" in caplog.text
    caplog.clear()
    full = tmp_path / "full.csv"
    full.write_text("record_id,labels\n" + "".join(f"ecg{k:03d},NORM\n" for k in range(7)) + "ecg007,MI\n")
    with caplog.at_level("WARNING"):
        D.open_dataset(f"folder:{root}", labels=full)
    assert "have no row" not in caplog.text


def test_a_labels_cell_with_commas_is_refused_naming_the_line(tmp_path):
    """"AF, LVH" in a quoted cell of a comma-separated labels table had become one class named
    "AF, LVH" (a third class beside AF and LVH, trained on one record). Which was meant is not
    ours to guess: refused, naming the file, the line and the ';' spelling."""
    root, _ = make_folder(tmp_path / "f", n_copies=1)
    labels = tmp_path / "own.csv"
    labels.write_text('record_id,labels\necg000,AF\necg001,"AF, LVH"\necg002,LVH\n')
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(err.value) == (f"{labels}, line 3: class 'AF, LVH' holds a comma; separate classes with "
                              "';' (AF;LVH), or name the class without a comma")
    labels.write_text('record_id,labels\necg000,AF\necg001,AF;LVH\necg002,LVH\n')
    assert D.open_dataset(f"folder:{root}", labels=labels).classes == ["AF", "LVH"]


def test_a_labs_row_that_differs_from_its_header_in_age_or_sex_is_named(tmp_path, caplog):
    """A labs row whose sex or age is not the ECG header's may be another patient's row; the
    table's value had been used in silence. Now a warning counts such records and names them with
    both values; an age a year apart (another day's draw) and an agreeing row say nothing."""
    root, labels = make_folder(tmp_path / "f", n_copies=1)          # ecg000 ... ecg003
    truth = {"ecg000": {"age": 60, "sex": "M"}, "ecg001": {"age": 45, "sex": "F"}, "ecg002": {"age": 70, "sex": "M"}}
    for rid, v in truth.items():                                    # Challenge-style header comments
        hea = root / f"{rid}.hea"
        sex = "Male" if v["sex"] == "M" else "Female"
        hea.write_text(hea.read_text().rstrip("\n") + f"\n#Age: {v['age']}\n#Sex: {sex}\n")
    other = {"M": "F", "F": "M"}
    labs = tmp_path / "labs.csv"
    labs.write_text("id,age,sex\n"
                    f"ecg000,{truth['ecg000']['age'] + 20:g},{truth['ecg000']['sex']}\n"
                    f"ecg001,{truth['ecg001']['age']:g},{other[truth['ecg001']['sex']]}\n"
                    f"ecg002,{truth['ecg002']['age'] + 1:g},{truth['ecg002']['sex']}\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert "labs.csv: 2 records' rows differ from their headers in age or sex" in caplog.text
    a0 = truth["ecg000"]["age"]
    assert f"ecg000: age {a0 + 20:g} in the labs table, {a0:g} in the header" in caplog.text
    s1 = truth["ecg001"]["sex"]
    assert f"ecg001: sex {other[s1]} in the labs table, {s1} in the header" in caplog.text
    assert "ecg002" not in caplog.text.split("differ from their headers")[1]
    age0 = next(it for it in ds.items if it.record_id == "ecg000").clinical["age"]
    assert (age0[0] if isinstance(age0, tuple) else age0) == a0 + 20          # the table's, as before


def test_a_folder_of_clinical_formats_trains_as_score_reads_it(tmp_path, test_data, caplog):
    """A folder of WFDB records, EDF+ exports and a GE MUSE XML: ``mirage score`` and the app read
    them all, but training looked for .hea headers only, so the EDF and MUSE records' rows were
    "labelled records with no header" and trained on nothing. Every format ``load_record`` reads is
    a record of the folder, found as ``mirage score`` finds it, with the age and sex its file states."""
    from mirage_model.formats.edf import write_edf
    from mirage_model.records import load_record

    root, _ = make_folder(tmp_path / "f", n_copies=2)                  # ecg000 ... ecg007 (WFDB)
    (root / "edf").mkdir()
    for k, sex, out in ((6, "F", root / "edf" / "e6.edf"), (7, "M", root / "e7.edf")):   # two as EDF+ alone
        rec = load_record(root / f"ecg00{k}.hea")
        rec.sex = sex
        write_edf(rec, out)
        for ext in ("hea", "dat"):
            (root / f"ecg00{k}.{ext}").unlink()
    shutil.copy(test_data / "formats" / "muse-sinus.xml", root / "muse-sinus.xml")
    labels = tmp_path / "own.csv"
    labels.write_text("record_id,labels\n" + "".join(f"ecg00{k},{'MI' if k % 2 else 'NORM'}\n" for k in range(6))
                      + "edf/e6,MI\ne7,NORM\nmuse-sinus,NORM\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
    by = {it.record_id: it for it in ds.items}
    assert sorted(by) == sorted([f"ecg00{k}" for k in range(6)] + ["edf/e6", "e7", "muse-sinus"])
    assert (by["edf/e6"].path.name, by["e7"].path.name, by["muse-sinus"].path.name) == (
        "e6.edf", "e7.edf", "muse-sinus.xml")
    # what each file states: the EDF+ patient field written above, the MUSE XML's
    # <PatientAge>43</PatientAge> <Gender>MALE</Gender>
    assert by["edf/e6"].clinical["sex"] == "F" and by["e7"].clinical["sex"] == "M"
    assert by["muse-sinus"].clinical == {"age": 43.0, "sex": "M"}
    assert "no header" not in caplog.text and "have no row" not in caplog.text


def test_two_files_of_one_name_are_refused_naming_both(tmp_path):
    """``1.hea`` and ``1.edf`` side by side (a record converted into its own folder) are two records
    of one id: a row ``1`` had labelled the first found and left the other out, silently."""
    from mirage_model.formats.edf import write_edf
    from mirage_model.records import load_record

    root, labels = make_folder(tmp_path / "f", n_copies=1)
    write_edf(load_record(root / "ecg001.hea"), root / "ecg001.edf")
    with pytest.raises(D.DatasetError) as err:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert "ecg001.hea" in str(err.value) and "ecg001.edf" in str(err.value)
    assert str(err.value).startswith(f"{labels}, line 3: ")


def test_a_labelled_file_that_holds_no_ecg_is_skipped_saying_what_it_is(tmp_path, caplog):
    """``7.edf`` that is no EDF (a renamed text file) was "a labelled record with no file", though
    the file lies there; ``mirage score`` says what it is. Its row is a record that fails to load:
    the cache skips it naming why (skipped.csv). An XML of another kind that no row names is no
    record, and not counted among the records without a row."""
    from training_cli.engine.cache import build_or_load

    root, _ = make_folder(tmp_path / "f", n_copies=1)                  # ecg000 ... ecg003
    (root / "ecg9.edf").write_text("exported by hand, not an EDF\n")
    (root / "notes.xml").write_text("<?xml version='1.0'?><notes>site visit</notes>\n")
    labels = tmp_path / "own.csv"
    labels.write_text("record_id,labels\necg000,NORM\necg001,MI\necg002,CD\necg003,HYP\necg9,NORM\n")
    with caplog.at_level("WARNING"):
        ds = D.open_dataset(f"folder:{root}", labels=labels)
        cache = build_or_load(ds, cache_dir=tmp_path / "cache", workers=1, progress=False)
    item = next(it for it in ds.items if it.record_id == "ecg9")
    assert item.path == root / "ecg9.edf"
    assert "no file" not in caplog.text and "have no row" not in caplog.text
    assert "not an EDF file" in caplog.text and "ecg9" in caplog.text
    assert list(cache.errors) == ["ecg9"] and "not an EDF file" in cache.errors["ecg9"]
