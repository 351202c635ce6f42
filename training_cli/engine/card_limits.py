"""The model card's limits line, in the words ``model_card`` writes and the shipped cards carry: why a paced record's
calls are withheld and what the model's training data held of paced records (``paced_words``), and the label systems
outside its classes (``outside_labels``). Research use only, not a diagnosis.
"""

from __future__ import annotations

from mirage_model.checkpoint.format import trained_on_ptbxl
from mirage_model.review.interpret import PRIMARY_RHYTHMS
from mirage_model.review.interpret.own_meanings import own_meaning
from mirage_model.review.labels import label_words


def paced_words(loaded) -> str:
    """Why paced records' calls are withheld, and its training records labelled paced (a label meaning PACE; a
    PTB-XL model's data hold such records, whose count its provenance may not keep)."""
    why = "whose wide QRS and secondary repolarisation the usual criteria do not read (Sgarbossa et al. 1996)"
    train = ((loaded.provenance or {}).get("class_counts") or {}).get("train") or {}
    paced = ", ".join(f"{n} labelled {lab}" for lab, n in train.items()
                      if own_meaning(lab, label_words(lab, loaded.label_descriptions)) == "PACE")
    if paced:
        return f"{why}; of its training records {paced}"
    if trained_on_ptbxl(loaded.provenance or {}) is True:
        # PTB-XL's statements include PACE, in the training folds as in the others: known of the data, if not counted
        return f"{why}; its training data, PTB-XL, hold records labelled paced (the PACE statement)"
    return f"{why}; whether any of its training records was paced is not recorded"


def outside_labels(labels, words=None) -> str:
    """The card's sentence on what the model does not answer: "these 5 classes", "its one class (MI)". Rhythm is
    named among the label systems outside them only where none of them is a rhythm, a PTB-XL rhythm statement or an
    own label meaning one by its words (``words``: label -> the data's words) or name (``own_meaning``: "AF",
    "sinus rhythm"): a researcher's AF, LVH, OTHER, SR model's card had said rhythm was outside its 4 classes."""
    rhythm = any(lab in PRIMARY_RHYTHMS or own_meaning(lab, label_words(lab, words)) in PRIMARY_RHYTHMS
                 for lab in labels)
    systems = "other cohorts' codes" if rhythm else "rhythm, other cohorts' codes"
    if len(labels) == 1:
        return f"Other label systems ({systems}) are outside its one class ({labels[0]})."
    if len(labels) < 12:
        return f"Other label systems ({systems}) are outside these {len(labels)} classes."
    return "Other cohorts' codes are outside these labels."
