"""What a researcher stumbled on running training_cli/README's own-data walk-through on a small
folder (20 LUDB records, a labels table, a labs table with a patient column)."""

from __future__ import annotations

import pytest

from helpers_training import make_folder
from training_cli.engine import datasets as D


def test_the_labs_table_given_as_labels_says_so(tmp_path):
    # --labels and --labs swapped: the labs table's first lab had been refused as a class column of
    # 0/1 cells ("column Age (years) must be 0 or 1, found '51'"), with no word of the swap
    root, labels = make_folder(tmp_path / "ecgs", n_copies=1)
    labs = tmp_path / "labs.csv"
    labs.write_text("record_id;patient_id;Age (years);Sex;CRP [mg/dL]\n" + "".join(
        f"ecg{k:03d};P{k};{60 + k};F;1,{k}\n" for k in range(4)))
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labs, labs=labels)
    assert str(info.value) == (f"{labs}, line 2: column Age (years) must be 0 or 1, found '60'; 'Age (years)' is a lab "
                               "feature: is labs.csv the labs table? Give it as --labs, and the table of classes as "
                               "--labels")
    # a class column with a stray value keeps its own message
    labels.write_text("record_id,AF\necg000,1\necg001,2\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels)
    assert str(info.value) == f"{labels}, line 3: column AF must be 0 or 1, found '2'"
