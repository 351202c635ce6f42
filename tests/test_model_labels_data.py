"""A model of other labels than the data's is refused naming the data it was trained on. A researcher's model of
CinC records labelled by SNOMED-CT codes, evaluated on a folder of PTB-XL superclasses, had been told to "choose the
task the model was trained for": a folder's labels come from its labels table, and --task (multilabel or multiclass)
changes none of them."""
from types import SimpleNamespace

import pytest

from training_cli.engine.errors import ConfigError
from training_cli.engine.model_labels import check_model_labels

OWN = {"data": "folder:cinc", "data_kind": "folder", "task": "multilabel", "labels_file": "cinc_labels.csv",
       "label_map_file": "codes.csv"}
PTBXL = {"data": "ptbxl:ptbxl", "data_kind": "ptbxl", "task": "rhythm"}


@pytest.mark.parametrize("data, provenance, advice", [
    ("folder:mydata", OWN, "the model was trained on folder:cinc, labelled by cinc_labels.csv (--label-map codes.csv): "
                           "give that data and its options"),
    ("folder:mydata", None, "give the data (and labels table) the model was trained on"),
    ("folder:mydata", PTBXL, "the model was trained on ptbxl:ptbxl, task rhythm: give that data and its options"),
    ("ptbxl:ptbxl", PTBXL, "choose the task the model was trained for (ptbxl:ptbxl, task rhythm)"),
    ("ptbxl:ptbxl", None, "choose the task the model was trained for"),
    ("ptbxl:ptbxl", OWN, "the model was trained on folder:cinc, labelled by cinc_labels.csv (--label-map codes.csv): "
                         "give that data and its options"),
])
def test_the_refusal_names_the_data_the_model_was_trained_on(data, provenance, advice):
    ds = SimpleNamespace(classes=["NORM", "MI"], task="multilabel", spec=data)
    with pytest.raises(ConfigError) as info:
        check_model_labels(["AF", "IAVB"], ds, provenance)
    assert str(info.value) == (f"error: the model's labels (AF, IAVB) are not labels of task multilabel of {data} "
                               f"(NORM, MI); {advice}")
