"""Whether a model's labels are those of the data it is evaluated, calibrated or ensembled on: a model none of
whose labels the task has is refused before the cache is built (``engine.data.open_data``), naming both label sets
and the data the model was trained on."""

from __future__ import annotations

import logging

from training_cli.engine.errors import ConfigError

logger = logging.getLogger("training_cli.engine.data")       # said as before the check had a module of its own


def _names(labels, most: int = 12) -> str:
    labels = list(labels)
    shown = ", ".join(labels[:most])
    return shown + (f", ... ({len(labels)} in all)" if len(labels) > most else "") if labels else "none"


def _trained_on(provenance: dict | None) -> str:
    """The data a model's provenance names, as a refusal gives it back: "folder:cinc, labelled by
    cinc_labels.csv (--label-map codes.csv)", "ptbxl:ptbxl, task superdiagnostic"; "" where it names none."""
    prov = provenance or {}
    data = prov.get("data")
    if not data or not prov.get("data_kind"):      # a shipped model's words ("PTB-XL 1.0.3 ..."), a test's
        return ""
    if prov.get("labels_file"):
        data += f", labelled by {prov['labels_file']}"
    elif prov.get("task") and str(data).startswith("ptbxl:"):
        data += f", task {prov['task']}"
    return data + (f" (--label-map {prov['label_map_file']})" if prov.get("label_map_file") else "")


def check_model_labels(model_labels, ds, provenance: dict | None = None) -> None:
    """Refuse a model whose labels are none of the task's: every output would be scored or fitted
    against all-negative outcomes (a superdiagnostic model on the rhythm task). A model that shares
    some labels with the task goes on (``evaluate`` scores the task's labels of a larger model); the
    labels the task lacks are named in a warning.

    Args:
        model_labels: the model's labels, in its order.
        ds: the opened dataset (``ds.classes``: the task's labels).
        provenance: the model's, where one model is checked: the data it was trained on is named. A model of
            own data had been told to "choose the task the model was trained for", which a folder's labels
            table decides, not ``--task``.

    Raises:
        ConfigError: no label of the model is a label of the task (the message names both sets).
    """
    labels, classes = list(model_labels), list(ds.classes)
    missing = [c for c in labels if c not in classes]
    if len(missing) == len(labels):
        trained = _trained_on(provenance)
        if str(ds.spec).startswith("ptbxl:") and (not trained or trained.startswith("ptbxl:")):
            advice = "choose the task the model was trained for" + (f" ({trained})" if trained else "")
        else:
            advice = (f"the model was trained on {trained}: give that data and its options" if trained else
                      "give the data (and labels table) the model was trained on")
        raise ConfigError(f"error: the model's labels ({_names(labels)}) are not labels of task {ds.task} of "
                          f"{ds.spec} ({_names(classes)}); {advice}")
    if missing:
        logger.warning("the model's labels %s are not labels of task %s (no record carries them)", _names(missing),
                       ds.task)
