"""Names of the classes a model outputs, as the app, the PDF and the CSV show them.

PTB-XL's diagnostic superclasses (Wagner et al. 2020): NORM normal ECG, MI myocardial infarction,
STTC ST/T change, CD conduction disturbance, HYP hypertrophy. Other labels are shown as they are, and so is
every label of a model trained on other data (``inference.Prediction.ptbxl_labels``): a researcher's "MI" is
whatever their labels table meant by it. Such a model's checkpoint may carry its labels' words (``mirage train``
records a Challenge label map's SNOMED-CT descriptions: ``Prediction.label_descriptions``); a label is then shown
as "Q wave abnormal (QAb)". A PTB-XL statements model is shown in the statements' words (``ptbxl_words``), those
its checkpoint records or, where it records none (a checkpoint written before ``mirage train`` recorded them, the
shipped statements model), the same words; a PTB-XL superclass by its name. ``model_words`` gives each model's
words, and the bars, the result table, the model line, the lab form and the PDF's contributions all say them.
"""

from __future__ import annotations

# the normal class is the core's (``noise_spread`` reads it too); its callers here import it from here
from mirage_model.outputs import NORMAL_LABELS, is_normal  # noqa: F401
from mirage_model.words import counted, signed

LABEL_NAMES = {
    "NORM": "Normal ECG",
    "MI": "Myocardial infarction",
    "STTC": "ST/T change",
    "CD": "Conduction disturbance",
    "HYP": "Hypertrophy",
}
SPELLED_OUT = 12    # a model of more classes has its unchanged ones counted in ``changes_said`` (statements: 71)


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


def ptbxl_words(labels, task: str = "") -> dict[str, str]:
    """label -> PTB-XL's words for it, as ``mirage train`` records them for a model trained on PTB-XL and the app,
    the PDF and the model card show them: a superclass by its name (``LABEL_NAMES``, "MI" -> "Myocardial
    infarction"), a statement by the words the interpretation says it in (``interpret.STATEMENTS``, from
    scp_statements.csv: "NDT" -> "Nonspecific T wave abnormality"); a label that is neither (a subclass such as
    "LAFB/LPFB") is left out. ``task``: the PTB-XL task trained for ("superdiagnostic" and "mi" name superclasses
    only, any other statements only); "" where it is not known, both ("NORM" is "Normal ECG" either way)."""
    from mirage_model.review.interpret.statements import STATEMENTS    # it imports this module
    supers = task in ("", "superdiagnostic", "mi")
    statements = task not in ("superdiagnostic", "mi")
    out = {}
    for lab in labels:
        words = (LABEL_NAMES.get(lab, "") if supers else "") or (
            STATEMENTS[lab].text if statements and lab in STATEMENTS else "")
        if words:
            out[lab] = words
    return out


def model_words(model) -> dict[str, str]:
    """label -> the words ``model`` (an ``inference.Predictor`` or ``Prediction``) is shown in: those its checkpoint
    records (``label_descriptions``), and for a PTB-XL statements model (``ptbxl_labels``, its labels PTB-XL's
    statements: ``interpret.statement_labels``) the statements' words (``ptbxl_words``) where it records none, so
    that a checkpoint written before ``mirage train`` recorded them (the shipped statements model, its "NDT") is
    shown as a retrained one is; a recorded "SR": "SR" is no words. A PTB-XL superclass is said by its name
    (``LABEL_NAMES``, "STTC": "ST/T change", as ``label_name`` says it) whatever the checkpoint records, so that the
    shipped superclass models' calls read in one wording on the bars, the result table, the model line, the lab
    form's Contribution column and the PDF's contributions. A model trained on other data has its recorded words
    alone: its "NDT" or "MI" is its own."""
    from mirage_model.review.interpret.statements import statement_labels    # it imports this module
    recorded = dict(getattr(model, "label_descriptions", None) or {})
    if not getattr(model, "ptbxl_labels", True):
        return recorded
    said = {lab: words for lab, words in recorded.items() if label_words(lab, recorded)}
    labels = tuple(getattr(model, "labels", ()) or ())
    supers = {lab: LABEL_NAMES[lab] for lab in labels if lab in LABEL_NAMES}
    return {**ptbxl_words(statement_labels(labels), "all"), **said, **supers}


def changes_said(delta, labels, words=None) -> str:
    """A clinical value's contribution to each class (``delta``, one change per label) in the classes' words
    (``words``: ``model_words``): "Normal ECG (NORM) -0.025, Myocardial infarction (MI) +0.004, ...", each change
    as ``words.signed`` writes it, in the model's order. A model of more than ``SPELLED_OUT`` classes names those the
    value changed and counts the rest ("..., 52 other classes 0.000"): the statements model's 71 in words would run
    to a page column per value. The lab form's tooltip and the PDF's contributions table alike."""
    items = [(with_words(lab, words), signed(x)) for lab, x in zip(labels, delta)]
    if len(items) <= SPELLED_OUT:
        return ", ".join(f"{name} {change}" for name, change in items)
    moved = [f"{name} {change}" for name, change in items if change != signed(0)]
    rest = len(items) - len(moved)
    if not moved:
        return f"all {rest} classes {signed(0)}"
    return ", ".join(moved + ([f"{counted(rest, 'other class', plural='other classes')} {signed(0)}"] if rest else []))
