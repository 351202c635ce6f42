"""A labs table none of whose rows fits a record is refused with an example id taken from the folder's own records.
A hospital's table keyed by case numbers ("X-916793") beside records named H-100022 had been told to write ids
"e.g. 'siteA/1' or '1'", a form no record of the folder has."""
import pytest

from helpers_training import make_folder
from training_cli.engine import datasets as D


def test_the_refusal_names_records_of_the_folder(tmp_path):
    root, labels = make_folder(tmp_path / "ecgs", n_copies=1, split_column=True)      # ecg000 ... ecg003
    labs = tmp_path / "labs.csv"
    labs.write_text("Fallnummer,Alter (years)\nX-916793,61\nX-912601,70\n")
    with pytest.raises(D.DatasetError) as info:
        D.open_dataset(f"folder:{root}", labels=labels, labs=labs)
    assert str(info.value).startswith(
        f"{labs}: none of its 2 rows fits a record (ids such as 'X-916793', 'X-912601'); name each record by its "
        "path in the folder without the extension, e.g. 'ecg000' or 'ecg001' (records of the folder)")
