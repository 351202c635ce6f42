"""The questions the batch dialog asks before a run that would replace what an earlier run
wrote (``mirage score`` refuses such a run without --overwrite): the PDFs in its PDF folder, the
rows of its output CSV. Each answers True for Replace; Cancel is the default and the Escape key."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.dialogs.question_box import ask, warning_box
from mirage_model.review.batch.naming import pdfs_named


def _replace_or_cancel(box: QMessageBox) -> bool:
    """Ask ``box`` with Replace and Cancel (Cancel the default and the Escape key); True: Replace."""
    return ask(box, "Cancel", ("&Replace", QMessageBox.ButtonRole.DestructiveRole)) == 0


def ask_replace_pdfs(parent: QWidget | None, earlier: list, pdf_dir, resumed: bool = False) -> bool:
    """Ask whether to replace the ``earlier`` PDFs in ``pdf_dir`` (Replace / Cancel, Cancel the
    default); True: replace them. ``resumed``: the run resumes an output that has no finished row
    of their records."""
    n = len(earlier)
    shown = pdfs_named(earlier, pdf_dir)
    box = warning_box(parent, "Replace earlier PDFs?")
    if resumed:
        box.setText(f"The PDF folder {pdf_dir} holds {n} PDF{'s' if n != 1 else ''} of records this resumed run "
                    f"would score ({shown}) that the output CSV has no finished row of: an earlier run's (one stopped "
                    f"before it replaced them, another model's, or other records' of the same names). This run "
                    f"would replace {'them' if n != 1 else 'it'}.")
        box.setInformativeText("Replace, or Cancel to keep them: then choose another PDF folder.")
    else:
        box.setText(f"The PDF folder {pdf_dir} holds {n} PDF{'s' if n != 1 else ''} an earlier run wrote for "
                    f"these records ({shown}). This run would replace {'them' if n != 1 else 'it'}.")
        box.setInformativeText("Replace, or Cancel to keep them: then choose another PDF folder, or tick Resume "
                               "with that run's output CSV to score only the records it did not finish.")
    return _replace_or_cancel(box)


def ask_replace_output(parent: QWidget | None, out) -> bool:
    """Ask whether to replace the rows an earlier run wrote in the output CSV ``out`` (Replace /
    Cancel, Cancel the default); True: replace them."""
    box = warning_box(parent, "Replace the earlier output?")
    box.setText(f"The output CSV {out} holds the rows of an earlier run. This run would replace them.")
    box.setInformativeText("Replace, or Cancel to keep them: then tick Resume to keep them and score only "
                           "the other records, or choose another output CSV.")
    return _replace_or_cancel(box)
