"""Names of the classes a model outputs, as the app, the PDF and the CSV show them.

PTB-XL's diagnostic superclasses (Wagner et al. 2020): NORM normal ECG, MI myocardial infarction,
STTC ST/T change, CD conduction disturbance, HYP hypertrophy. Other labels are shown as they are, and so is
every label of a model trained on other data (``inference.Prediction.ptbxl_labels``): a researcher's "MI" is
whatever their labels table meant by it.
"""

from __future__ import annotations

# the normal class is the core's (``noise_spread`` reads it too); its callers here import it from here
from mirage_model.outputs import NORMAL_LABELS, is_normal  # noqa: F401

LABEL_NAMES = {
    "NORM": "Normal ECG",
    "MI": "Myocardial infarction",
    "STTC": "ST/T change",
    "CD": "Conduction disturbance",
    "HYP": "Hypertrophy",
}


def label_name(label: str, ptbxl: bool = True) -> str:
    """The class's full name ("MI" -> "Myocardial infarction"); the label itself when unknown, or when
    ``ptbxl`` is False (the model was trained on other data than PTB-XL: its "MI" is its own)."""
    return LABEL_NAMES.get(label, label) if ptbxl else label


def ptbxl_coded(model) -> tuple[str, ...]:
    """The labels of ``model`` (an ``inference.Predictor`` or ``Prediction``) that may be read as PTB-XL's codes
    (its statements, ``interpret.statement_labels``; its superclasses): all of them for a model trained on PTB-XL,
    none for one trained on other data (``ptbxl_labels`` False). A researcher's "AFIB" had been taken for PTB-XL's
    statement: no statements model ran beside it, and it was said as that statement, its rules read against it."""
    return tuple(getattr(model, "labels", ()) or ()) if getattr(model, "ptbxl_labels", True) else ()
