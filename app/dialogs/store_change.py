"""The message bar's Review store change...: what an over-read store refused for having lost what it held
(``review.store_change``: emptied, an older copy or another store in its place, removed) held when last read here and
holds now, and the choice: Keep refusing (the default and the Escape key: nothing changes, on disk or in the memory),
Accept the store as it is now (``OverReadStore.accept``, as ``mirage overreads --accept``), or Choose another store
file... (Settings' over-read store row)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.dialogs.question_box import ask, warning_box
from mirage_model.review.store_change import StoreChange

KEEP, ACCEPT, CHOOSE = "keep", "accept", "choose"


def ask_store_change(parent: QWidget | None, change: StoreChange) -> str:
    """Ask what to do with the store ``change`` describes; KEEP (the default), ACCEPT or CHOOSE."""
    box = warning_box(parent, "Over-read store changed")
    box.setText(f"The over-read store {change.path} holds less than when it was last read here, or is another file "
                "now: nothing is read from it or kept in it until you choose.")
    box.setInformativeText("\n\n".join([*change.lines(), change.accepting(), change.choosing()]))
    answer = ask(box, "&Keep refusing", ("&Accept the store as it is now", QMessageBox.ButtonRole.DestructiveRole),
                 ("&Choose another store file...", QMessageBox.ButtonRole.ActionRole))
    return {0: ACCEPT, 1: CHOOSE}.get(answer, KEEP)
