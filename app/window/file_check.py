"""Whether the open record's files changed on disk, told when the window is come back to (after the file manager, the
cart's export tool), without waiting for the record's folder: a network share whose server is gone answers a stat
after minutes, and the window keeps going meanwhile (``app.disk_check``).

``ReadingMixin.changeEvent`` calls ``FileCheckMixin.tell_file_changed`` on activation.
"""

from __future__ import annotations

from app import disk_check


class FileCheckMixin:
    """The activation's check of the open record's files, answered when it comes (for ``MainWindow``)."""

    def tell_file_changed(self) -> None:
        """Say in the message bar, once, that the open record's file changed on disk since it was read
        (``ReviewSession.changed_on_disk``): what is on screen is no longer the file's, and it is not exported or
        signed as the file's. Asked off the GUI thread; where the record's folder has not answered within
        ``disk_check.ANSWER_S``, the message bar says so, and the answer is said when it comes."""
        s = self.session
        if s is None or s.record is None:
            return

        def said(why: str) -> None:
            if why and self.session is s and getattr(self, "_said_changed", None) != (s.id, why):
                self._said_changed = (s.id, why)
                self.show_message(f"Record {s.record_id}: {why}.")

        disk_check.when_answered(self, s, said, lambda: said(
            f"{disk_check.NO_ANSWER}: whether its files changed since it was opened is not known yet; export, "
            "printing and signing wait for it"))
