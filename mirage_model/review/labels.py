"""Names of the classes a model outputs, as the app, the PDF and the CSV show them.

PTB-XL's diagnostic superclasses (Wagner et al. 2020): NORM normal ECG, MI myocardial infarction,
STTC ST/T change, CD conduction disturbance, HYP hypertrophy. Other labels are shown as they are, and so is
every label of a model trained on other data (``inference.Prediction.ptbxl_labels``): a researcher's "MI" is
whatever their labels table meant by it. Such a model's checkpoint may carry its labels' words (``mirage train``
records a Challenge label map's SNOMED-CT descriptions: ``Prediction.label_descriptions``); a label is then shown
as "Q wave abnormal (QAb)".
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


def label_name(label: str, ptbxl: bool = True, descriptions=None) -> str:
    """The class's full name ("MI" -> "Myocardial infarction"); the label itself when unknown, or when
    ``ptbxl`` is False (the model was trained on other data than PTB-XL: its "MI" is its own). A label that
    ``descriptions`` (label -> the words its training data gave it, ``Prediction.label_descriptions``) gives
    other words than itself is shown as "words (label)": "QAb" -> "Q wave abnormal (QAb)"."""
    return LABEL_NAMES[label] if ptbxl and label in LABEL_NAMES else with_words(label, descriptions)


def with_words(label: str, descriptions=None) -> str:
    """``label`` after the words ``descriptions`` (label -> words) gives it, "Q wave abnormal (QAb)"; the label
    alone where it gives none (a PTB-XL model's "MI" stays "MI": where its words are wanted, ``label_name``)."""
    words = label_words(label, descriptions)
    return f"{words} ({label})" if words else label


def label_words(label: str, descriptions=None) -> str:
    """The words ``descriptions`` (label -> words) gives ``label``, its first letter a capital
    ("qwave abnormal" -> "Qwave abnormal"); "" where it gives none or only the label itself."""
    words = " ".join(str((descriptions or {}).get(label) or "").split())
    if not words or words.casefold() == label.strip().casefold():
        return ""
    return words[0].upper() + words[1:]


def ptbxl_coded(model) -> tuple[str, ...]:
    """The labels of ``model`` (an ``inference.Predictor`` or ``Prediction``) that may be read as PTB-XL's codes
    (its statements, ``interpret.statement_labels``; its superclasses): all of them for a model trained on PTB-XL,
    none for one trained on other data (``ptbxl_labels`` False). A researcher's "AFIB" had been taken for PTB-XL's
    statement: no statements model ran beside it, and it was said as that statement, its rules read against it."""
    return tuple(getattr(model, "labels", ()) or ()) if getattr(model, "ptbxl_labels", True) else ()
