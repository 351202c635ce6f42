"""Each record's over-read kept between sessions (``review.store``): restored when its record is opened, saved on
every change (a draft) and on signing, forgotten on request (File > Forget this record's over-read...). Every
signature stays in the store (``OverReadStore.signatures``): a draft after one says on the panel's title whom it
amends, and Forget removes the over-read as it stands, saying that its signatures stay.

A record is found by its content (``store.overread_key``), so its copy elsewhere finds its over-read and another file
at its path does not. Where the key finds none but an over-read of a record of the same name, patient, recording
time, rate and length is kept (``store.loose_identity``: the file re-exported, or read by a changed reader), nothing
is restored: the panel's title and the message bar say so, and File > Show the over-read kept for another file...
shows it, read-only, to be redone. An over-read saved before loose identities were kept gains its record's when
found by the key (``OverReadStore.keep_loose``). A store that cannot be read or written is said in the message bar,
naming its file; the over-read on screen is kept in the session as before, and leaving the record asks first again
(``RecordsMixin.leave_overread``). ``OverReadsMixin`` is one of the jobs ``MainWindow`` composes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from app.dialogs.store_change import ACCEPT, CHOOSE, ask_store_change
from app.views.dialog_focus import dialog_of
from mirage_model.review.amendment import keep_signatures, kept_now
from mirage_model.review.store import (UNCHECKED, OverReadStore, StoreConflict, StoreError, loose_identity,
                                       overread_key)
from mirage_model.review.store_change import StoreChange, store_change
from mirage_model.review.store_location import StoreChoice, store_choice
from mirage_model.review.store_memory import held_words
from mirage_model.review.store_words import changed_elsewhere, elsewhere_notice, kept_text, not_kept

COMMENT_PAUSE_MS = 400      # a comment is saved once its typing pauses this long (and at once on leaving its box, the
#                             record or the app)

log = logging.getLogger(__name__)


class OverReadsMixin:
    """Restore, save and forget the open record's over-read (for ``MainWindow``); a comment saved at once when focus
    leaves its box (``OverReadPanel.comment_left``)."""

    _overread_key: tuple[int, str] | None = None     # (session id, the record's key) once its record is read
    _overread_saved: int | None = None                # the session whose over-read the store holds as it stands
    _overread_seen = UNCHECKED      # what the store held of it when last read or written here (``save``'s ``since``)
    _store_said = ""                                  # the store's last failure, said once until it changes
    _loose_unwritten: frozenset = frozenset()         # stores a loose identity could not be written to (``keep_loose``)
    _overread_loose: str | None = None                # the open record's ``loose_identity`` (None: it has none)
    _elsewhere: tuple[int, str, str] | None = None    # an over-read kept for another file: (session id, what, text)
    overread_drafts = True      # restore a draft too (False: signed ones alone, as --export-pdf prints them)

    overread_file: str | None = None     # --overreads STORE in place of the settings' file; "": --no-overreads
    overread_unread = ""        # the open record's over-read could not be read (the store's words): maybe signed
    # how the message of a store refused for having lost what it held says to take it as it is (``StoreMemory``'s
    # ``accepting``): the button beside it, not a terminal command ("": the command's words, for --export-pdf)
    store_accepting = "take it as it is now with Review store change... (at the right of the message bar)"

    def overread_choice(self) -> StoreChoice:
        """The store this window keeps over-reads in, and why: --overreads, $MIRAGE_OVERREAD_STORE, the settings'
        (the user's or an admin's), the default, in that order, as ``mirage report`` chooses it."""
        return store_choice(self.overread_file or None, self.settings.store_settings())

    def overread_store(self) -> OverReadStore:
        # a file named (--overreads, the settings' key; perhaps on a share): its folder not there is said, not made
        return self.overread_choice().store(accepting=self.store_accepting)

    _overread_timer: QTimer | None = None             # a comment being typed: saved once the typing pauses

    def overread_kept(self) -> bool:
        """Whether the store holds the open record's over-read as it stands (leaving it then loses nothing); a
        comment still being typed is saved first."""
        self.flush_overread()
        return self.session is not None and self._overread_saved == self.session.id

    def flush_overread(self) -> None:
        """Save now what waits for the typing to pause (focus leaves the comment, the record is left, the app
        quits)."""
        if self._overread_timer is not None and self._overread_timer.isActive():
            self._overread_timer.stop()
            self.save_overread()

    def restore_overread(self) -> None:
        """The over-read kept for the open session's record, if any, into its session (its record just read);
        from now on every change of it is saved."""
        s = self.session
        self.overread_unread = ""
        if self.overread_file == "":
            return          # --no-overreads: none read, none kept
        self._overread_key, self._overread_saved = (s.id, overread_key(s.record)), None
        self._overread_seen = UNCHECKED     # what the store holds of it unknown until read: a save replaces it
        self._overread_loose, self._elsewhere = loose_identity(s.record), None
        s.events.connect(lambda name, info, sid=s.id: self._overread_changed(sid, name, info))
        store, key = self.overread_store(), self._overread_key[1]
        try:
            # a run no one watches prints what was signed (the last signature of a draft's amendment), never a draft
            kept, signatures = store.printed(key, drafts=self.overread_drafts)
            if self.overread_drafts:    # the over-read as it stands (a printed one may be a signature): saved over it
                self._overread_seen = kept      # alone, never over another MIRAGE Review's save since
            keep_signatures(s.overread, signatures)     # who signed, when and what: an amendment says what it changed
            other = None if kept is not None or s.overread.kept_signatures else \
                store.elsewhere(key, self._overread_loose)
        except StoreError as err:
            # maybe signed: its PDF, Print and the panel say "Over-read unknown", never "Not over-read"
            self.overread_unread = s.overread.store_unread = err.problem
            self._store_failed(str(err))
            return
        if kept is not None:
            try:
                s.overread.restore(*kept)
            except ValueError as err:
                self.overread_unread = s.overread.store_unread = (
                    f"The over-read kept for {s.record_id} in {store.path} could not be restored ({err})")
                self._store_failed(f"{self.overread_unread}; it is left there until this record's over-read is "
                                   "changed.")
                return
        if (kept is not None or s.overread.kept_signatures) and store.path not in self._loose_unwritten:
            try:    # one saved before loose identities were kept: a changed copy of this file is told of it from now
                store.keep_loose(key, self._overread_loose)
            except StoreError as err:
                # nothing the reader did failed (the over-read is restored; a change of theirs that fails is said
                # then): logged, and not tried again with this store, which may be a read-only share
                self._loose_unwritten = self._loose_unwritten | {store.path}
                log.info("over-read store: loose identity not kept: %s", err)
        if other is not None:
            self._kept_elsewhere(*other)
        self._overread_saved, self._store_said = s.id, ""

    def _kept_elsewhere(self, name: str, state: dict, when) -> None:
        """Say that an over-read of another file of this record is kept (not restored), and offer to show it."""
        s = self.session
        kept = elsewhere_notice(s.record, name, state, when)      # the library's words: mirage report says the same
        what = f"{kept} (File > Show the over-read kept for another file... to see it)"
        self._elsewhere = (s.id, kept, kept_text(state, when))
        s.overread.elsewhere = what
        # the log, for support, names the files and the key, not the patient the notice names
        self.show_message(what + ".", logged=f"{s.record_id}: an over-read of another file of this record ({name}) "
                          f"is kept, not restored (key {self._overread_key[1][:12]})")

    def elsewhere_here(self) -> tuple[str, str] | None:
        """The over-read kept for another file of the record on screen, (what, its text), offered by File > Show the
        over-read kept for another file... (``MenusMixin._record_controls``); None where none is, or another record
        is being opened or could not be."""
        s, kept = self.session, self._elsewhere
        if kept is None or s is None or s.record is None or s.id != kept[0]:
            return None
        return kept[1], kept[2]

    def show_elsewhere(self) -> None:
        """File > Show the over-read kept for another file...: its text, read-only, to redo it on this record."""
        if self.elsewhere_here() is None:
            self.show_status("No over-read of another file of this record is kept.")
            return
        what, text = self.elsewhere_here()
        with dialog_of(self):
            QMessageBox.information(self, "Over-read kept for another file",
                                    f"{what}.\n\nShown to read only: it is another file's, not this one's. Redo it "
                                    f"here if it applies.\n\n{text}")

    def _overread_changed(self, sid: int, name: str, info: dict) -> None:
        if name != "overread" or info.get("what") == "restored" or self.session is None or self.session.id != sid:
            return
        if info.get("what") != "comment":
            if self._overread_timer is not None:
                self._overread_timer.stop()
            self.save_overread()
            return
        # a save (a transaction on disk: about 20 ms) at each key typed would lag the typing: once it pauses
        self._overread_saved = None
        if self._overread_timer is None:
            self._overread_timer = QTimer(self)
            self._overread_timer.setSingleShot(True)
            self._overread_timer.setInterval(COMMENT_PAUSE_MS)
            self._overread_timer.timeout.connect(self.save_overread)
        self._overread_timer.start()

    def save_overread(self) -> bool:
        """Keep the open record's over-read as it stands (an empty one: none kept); False where it could not be."""
        s = self.session
        if s is None or self._overread_key is None or self._overread_key[0] != s.id:
            return False
        ov = s.overread
        state = ov.state() if ov.edited or ov.signed_at is not None else None
        try:
            self._overread_seen = self.overread_store().save(self._overread_key[1], state, record=s.record_id,
                                                             loose=self._overread_loose, since=self._overread_seen)
        except StoreError as err:
            self._overread_saved = None
            self._store_failed(str(err))
            self._not_kept(self._refusal(err))
            return False
        if state is not None and ov.signed_at is not None:
            kept_now(ov, state)         # kept for good now: an edit after it amends it
        self._overread_saved, self._store_said = s.id, ""
        self._not_kept("")
        return True

    def _refusal(self, err: StoreError) -> str:
        """The panel's line on the over-read ``err`` did not keep (``store_words.not_kept``): what the file holds
        now where another MIRAGE Review changed it (``StoreConflict``), else the store's words."""
        if isinstance(err, StoreConflict):
            try:
                held = self.overread_store().load(self._overread_key[1])
            except StoreError:
                return not_kept(problem=err.problem)
            return not_kept(None if held is None else held[0])
        # not read when opened and not written now for one reason (a damaged file): said once; a signature stays said
        return not_kept(problem=err.problem, unread=self.overread_unread if self.session.overread.signed_at is None
                        else "")

    def _not_kept(self, said: str) -> None:
        """The panel says the over-read on screen is not kept (``OverRead.store_refused``: in the warning colour,
        its signature never green), until a save keeps it or the record is opened again (a new session); the
        message bar alone had said so, and the panel read "Over-read by Dr B" in green as if the store held it."""
        ov = self.session.overread
        if said != ov.store_refused:
            ov.store_refused = said
            self.results.interpretation.refresh()     # drawn before the save (its views follow the session first)

    def overread_changed_elsewhere(self) -> str:
        """Where another MIRAGE Review changed the open record's over-read in the store since it was read or written
        here (a colleague signed it while it was open here, untouched), what the file holds now
        (``store_words.changed_elsewhere``); "" where not, or where the store cannot be read (said on the next save).
        """
        s, seen = self.session, self._overread_seen
        if s is None or self._overread_key is None or self._overread_key[0] != s.id or seen is UNCHECKED:
            return ""
        store = self.overread_store()
        try:
            kept = store.load(self._overread_key[1])
        except StoreError:
            return ""
        return "" if kept == seen else changed_elsewhere(store.path, s.record_id, None if kept is None else kept[0])

    def _store_failed(self, text: str) -> None:
        """Say ``text`` (the store's failure) in the message bar, with Review store change... where the store is
        refused for having lost what it held (``refused_change``)."""
        refused = self.refused_change() is not None
        if text != self._store_said or (refused and self.store_review.isHidden()):
            self._store_said = text         # a comment typed into a store that fails: said once, not per key
            self.show_message(text)
        self.store_review.setVisible(refused and not self.message_bar.isHidden())

    def refused_change(self) -> StoreChange | None:
        """What the over-read store held when last read here and holds now, where it is refused for having lost what
        it held (``review.store_change``); None where it is not (read as it is, or failing for another reason)."""
        if self.overread_file == "":
            return None
        try:
            change = store_change(self.overread_store())
        except StoreError:
            return None         # damaged or locked: said as such, nothing to accept
        return change if change.why else None

    def review_store_change(self) -> None:
        """The message bar's Review store change...: what the refused store held and holds (``ask_store_change``);
        Keep refusing changes nothing, Accept takes it as it is now (``OverReadStore.accept``, as ``mirage overreads
        --accept``: nothing written into the store) and reads the open record's over-read again from it, Choose
        another store file... opens Settings at the over-read store."""
        store = self.overread_store()
        try:
            change = store_change(store)
        except StoreError as err:       # damaged or locked since: said as such, nothing to accept
            self.show_message(f"{err.problem}.")
            return
        if not change.why:              # the right file put back meanwhile: read from it again
            self.store_review.setVisible(False)
            self.show_status(f"The over-read store {store.path} is read as it is now: nothing to accept.")
            if self.record_path is not None:
                self.open_record(self.record_path)
            return
        answer = ask_store_change(self, change)
        if answer == CHOOSE:
            self.settings_dialog().store.path.setFocus()
            return
        if answer != ACCEPT:
            return
        try:
            store.accept(shown=change.now)      # what the dialog showed, or nothing taken
        except StoreError as err:
            self.show_message(f"{err.problem}.")
            return
        if self.refused_change() is not None:   # the memory beside the settings could not be written
            self.show_message(f"The over-read store {store.path} could not be taken as it is: what was read of it is "
                              f"remembered in {store.memory.path}, which could not be written.")
            return
        self._store_said = ""
        self._set_message_visible(False)
        self.show_status(f"The over-read store {store.path} is taken as it is now; over-reads are read from and kept "
                         "in it.")
        log.warning("over-read store %s taken as it is now, on the user's choice (it held %s when last read here)",
                    store.path, held_words(change.was) if change.judged else "nothing")
        self._read_again_from(store.path)

    def _read_again_from(self, store: Path) -> None:
        """The open record's over-read read again from ``store``, just taken as it is, asking first where that drops
        an over-read on screen it does not keep (made while the store was refused: ``leave_overread``), which "No"
        keeps there and in the store from now. The focus then goes where the reviewer goes next, the over-read (once
        read again), or the record list where no record is open: the button that had it is gone, and Qt had passed
        it to the trace view's "True scale"."""
        if self.record_path is None:
            self.browser.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if not self.leave_overread(None, store, taken=True):
            if self.save_overread():        # the store taken keeps it (or the message says why not): no longer
                self.overread_unread = self.session.overread.store_unread = ""      # "unknown", as it is this one
                self.results.interpretation.refresh()
            QTimer.singleShot(0, self.go_to_overread)   # its rows made again by the save are shown on the next pass
            return
        sid = self.session.id if self.session is not None else None
        self.open_record(self.record_path, asked=True)
        if self.session is None or self.session.id == sid:
            return

        def read(sid=self.session.id) -> None:
            self.analysisFinished.disconnect(read)
            if self.session is not None and self.session.id == sid:
                QTimer.singleShot(0, self.go_to_overread)

        self.analysisFinished.connect(read)

    def forget_overread(self) -> bool:
        """File > Forget this record's over-read...: asked first, then emptied on screen and removed from the
        store; True when forgotten."""
        s = self.session
        if s is None or s.record is None:
            self.show_status("No record is open: its over-read is forgotten with it.")
            return False
        with dialog_of(self):
            answer = QMessageBox.question(
                self, "Forget the over-read",
                f"Forget the over-read of {s.record_id}?\n\nIts decisions, statements, comment and signature are "
                f"emptied here and removed from {self.overread_store().path}. The signatures it was given stay in that "
                "file (a signed report is never erased; the next one amends it). A PDF report already exported keeps "
                "what it printed.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        s.overread.clear()          # saved as none: removed from the store (or said why not)
        if self.overread_kept():
            kept = len(s.overread.kept_signatures)
            self.show_status(f"The over-read of {s.record_id} is forgotten" + (
                f"; its {kept} signature{'s' if kept > 1 else ''} stay{'' if kept > 1 else 's'} in the store."
                if kept else "."))
        return True

    def overreads_help(self) -> None:
        """Help > Where over-reads are kept."""
        with dialog_of(self):
            QMessageBox.information(self, "Where over-reads are kept", overreads_help_text(self.overread_store().path))


def overreads_help_text(path: str | Path) -> str:
    return (f"Each record's over-read (decisions, your statements, the comment, the signature) is kept in {path} "
            "as you make it, and shown again when the record is opened again, from that file or a copy of it. "
            "A record is known by its samples, when it was recorded and its patient, not its path: a changed file, "
            "or another patient's, finds none.\n\nFile > Forget this record's over-read... removes the open "
            "record's as it stands; every signature it was given stays in the file (an amendment names the one it "
            "amends). Deleting the file removes them all; a file that lost what it held when last read here "
            "(emptied, an older copy or another store in its place, removed) is neither read nor written until you "
            "take it as it is (Review store change... beside the message that says so, or 'mirage overreads "
            "--accept'). File > Settings... (Over-read store) names another file; "
            "$MIRAGE_OVERREAD_STORE or --overreads, where given, come first.\n\nThe file holds patients' data "
            "(the reviewers' comments and names, the records' names), unencrypted, readable by your user account "
            "alone where the system has file modes: keep it where the records themselves may be kept.")
