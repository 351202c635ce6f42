"""Each record's over-read kept by the app (``app.window.overreads`` over ``review.store``): signed, the next record
opened without a question, and the first one opened again finds its signature restored, said so in the panel; a
draft likewise; the same files copied elsewhere find it (without the PTB-XL table that names the patient, not);
File > Forget this record's over-read... empties it; a damaged store is said in the message bar naming its file, the
record still opens, and leaving then asks as before; a save the store did not keep (another MIRAGE Review's
over-read there, or a file that cannot be written) is said first on the panel, the signature not green, until a
save keeps it or the record is opened again. The tiny statements model of test_app_overread (sinus rhythm on
PTB-XL 00417_lr) and LUDB 14, both bundled."""

from __future__ import annotations

import shutil
from html import escape

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QInputDialog, QMessageBox  # noqa: E402

from app.views.overread import GREEN, RED  # noqa: E402
from helpers_app import isolated_settings, tiny_model  # noqa: E402,F401 - fixtures
from test_app_overread import A, B, WAIT_MS, _rows, _window, statements_model  # noqa: E402,F401 - fixture
from mirage_model.review.store import OverReadStore, overread_key  # noqa: E402

pytestmark = pytest.mark.skipif(not (A.is_file() and B.is_file()), reason="bundled samples not present")


KEEPS = escape("(the one below is this window's alone: File > Export PDF report keeps it)")  # as HTML


def _open(qtbot, window, path):
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        assert window.open_record(str(path)) is not None


def _no_questions(monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    return asked


def test_signed_next_record_and_back_restores_the_signature(qtbot, tiny_model, statements_model, monkeypatch):
    window = _window(qtbot, tiny_model, statements_model)
    window.ask_before_quit = True                      # a person: a question would be asked, were it lost
    asked = _no_questions(monkeypatch)
    panel, it, rows = _rows(window)
    texts = [s.text for s in it.statements]
    rows[0][0].click()                                 # the first statement confirmed
    panel.sign("Dr Kept")
    signed_at = window.session.overread.signed_at
    assert window.unsigned_overread() == ""            # kept: leaving loses nothing
    _open(qtbot, window, B)
    assert asked == []
    assert not window.session.overread.edited and "restored" not in panel.title.text()
    _open(qtbot, window, A)
    ov = window.session.overread
    panel, it, rows = _rows(window)
    assert [s.text for s in it.statements] == texts
    assert ov.signed_for(it) and ov.reader == "Dr Kept" and ov.signed_at == signed_at
    assert ov.decision(it.statements[0]).verdict == "confirmed" and rows[0][0].isChecked()
    assert "Over-read by Dr Kept" in panel.status.text()
    assert f"(Signed by Dr Kept on {signed_at:%Y-%m-%d %H:%M} UTC, restored)" in panel.title.text()
    assert asked == []
    window.ask_before_quit = False


def test_a_draft_is_restored_and_found_from_a_copy(qtbot, tiny_model, statements_model, monkeypatch, tmp_path):
    ptbxl = A.parents[2]                       # the sample's PTB-XL folder, with its table naming the patient
    shutil.copytree(ptbxl, tmp_path / "copy")
    copy = tmp_path / "copy" / A.relative_to(ptbxl)
    bare = tmp_path / "bare" / A.name          # its files alone: the table's patient ID not with them
    bare.parent.mkdir()
    for f in A.parent.glob(A.stem + ".*"):
        shutil.copy(f, bare.parent / f.name)
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    panel.comment.setPlainText("Repeat with leads checked")
    _open(qtbot, window, B)
    _open(qtbot, window, copy)            # the same samples and patient at another path
    panel, it, rows = _rows(window)
    assert window.session.overread.comment == "Repeat with leads checked"
    assert panel.comment.toPlainText() == "Repeat with leads checked"
    assert window.session.overread.signed_at is None and "(Draft from " in panel.title.text()
    assert "restored)" in panel.title.text()
    panel.comment.setPlainText("Repeat with leads checked; done")       # edited: no longer the restored draft
    assert panel.title.text() == "<b>Over-read</b>"
    _open(qtbot, window, bare)            # the same samples with no patient ID: maybe another patient's, none shown
    assert not window.session.overread.edited and window.results.interpretation.overread.comment.toPlainText() == ""


def test_forget_empties_it_here_and_in_the_store(qtbot, tiny_model, statements_model, monkeypatch):
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    panel.sign("Dr Gone")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.forget_action.isEnabled() and window.forget_overread()
    assert not window.session.overread.edited and window.session.overread.signed_at is None
    assert "Not over-read" in panel.status.text()
    _open(qtbot, window, B)
    _open(qtbot, window, A)
    assert window.session.overread.signed_at is None and not window.session.overread.edited


def test_a_damaged_store_is_said_and_leaving_asks_again(qtbot, tiny_model, statements_model, monkeypatch, tmp_path):
    store = tmp_path / "overreads.sqlite"
    store.write_bytes(b"garbage " * 200)
    window = _window(qtbot, tiny_model, statements_model, str(store))
    assert window.settings.overread_store == str(store)
    assert window.message_bar.isVisible() and str(store) in window.message_bar.text()
    assert "could not be read" in window.message_bar.text()
    assert window.viewer.plot is not None and window.session.record is not None      # the record is open
    panel, it, rows = _rows(window)
    rows[0][0].click()                                   # kept in the session, not in the store
    assert window.session.overread.decision(it.statements[0]).verdict == "confirmed"
    assert "could not be written" in window.message_bar.text()
    window.ask_before_quit = True
    asked = _no_questions(monkeypatch)
    assert window.open_record(str(B)) is None and len(asked) == 1 and "is not signed" in asked[0]
    assert store.read_bytes().startswith(b"garbage")
    window.ask_before_quit = False


def test_export_pdf_says_the_over_read_is_unknown_when_its_store_cannot_be_read(qtbot, tiny_model, statements_model,
                                                                              monkeypatch, tmp_path):
    """File > Export PDF report with the store damaged: the PDF had said "Not over-read: machine statements
    unconfirmed" of a record whose over-read may be signed there (``mirage report`` and ``--export-pdf`` refuse it).
    The reviewer at the record gets the PDF (they may sign now), saying the over-read is unknown; page 3 and the
    dialog name the store and what failed."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    from app.dialogs.export import ExportDialog
    from helpers_pdf import pdftotext_page

    store = tmp_path / "overreads.sqlite"
    store.write_bytes(b"garbage " * 200)
    window = _window(qtbot, tiny_model, statements_model, str(store))
    shown, pdf = [], tmp_path / "r.pdf"
    monkeypatch.setattr(ExportDialog, "exec", lambda dlg: shown.append(" ".join(dlg.overread.text().split()))
                        or QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), "PDF (*.pdf)"))
    with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
        window.export_dialog()
    page1, page3 = pdftotext_page(pdf, 1), pdftotext_page(pdf, 3)
    unknown = "Over-read unknown (its store could not be read): machine statements unconfirmed"
    for text in (shown[0], page1, page3, _rows(window)[0].status.text()):
        assert "Not over-read" not in text and unknown in text, text
    assert f"The over-read store {store} could not be read: file is not a database" in shown[0]
    assert "could not be read: file is not a database" in page3


def test_a_store_that_cannot_be_looked_at_is_said_and_the_record_opens(qtbot, tiny_model, statements_model,
                                                                        tmp_path):
    """A store path the system refuses to look at (a name too long here; a folder the reader may not enter) is said
    as a damaged one is: the record opens, its over-read works in the session; no traceback."""
    store = tmp_path / ("x" * 300) / "overreads.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(store))
    assert window.message_bar.isVisible() and "could not be read" in window.message_bar.text()
    assert str(store) in window.message_bar.text()
    assert window.viewer.plot is not None and window.session.record is not None
    panel, it, rows = _rows(window)
    rows[0][0].click()
    assert window.session.overread.decision(it.statements[0]).verdict == "confirmed"
    assert "could not be written" in window.message_bar.text()


def test_the_store_is_beside_the_settings_and_the_help_names_it(qtbot, tiny_model, statements_model, tmp_path):
    from app.window.overreads import overreads_help_text

    window = _window(qtbot, tiny_model, statements_model)
    path = window.settings.overread_store
    assert path.startswith(str(tmp_path / "settings")) and path.endswith("overreads.sqlite")
    window.results.interpretation.overread.sign("Dr Here")
    assert OverReadStore(path).load(overread_key(window.session.record)) is not None
    text = overreads_help_text(path)
    assert path in text and "Forget this record's over-read" in text


def test_the_help_says_the_file_holds_patients_data_unencrypted():
    """As the README says it: a cardiologist choosing where the file lives needs to know what it holds."""
    from app.window.overreads import overreads_help_text

    text = overreads_help_text("overreads.sqlite")
    assert "patients' data" in text and "unencrypted" in text
    assert "keep it where the records themselves may be kept" in text


def test_a_comment_typed_just_before_quitting_is_kept(qtbot, tiny_model, statements_model):
    """A comment is saved once its typing pauses (``COMMENT_PAUSE_MS``), and at once when the window closes."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    path, key = window.settings.overread_store, overread_key(window.session.record)
    panel.comment.setPlainText("Last words")
    window.close()
    state, _ = OverReadStore(path).load(key)
    assert state["comment"] == "Last words" and state["signed_at"] is None


def test_export_pdf_prints_a_signed_over_read_the_store_keeps_and_no_draft(tmp_path):
    """``mirage-review FOLDER --export-pdf`` prints the signed over-read kept for LUDB 1 (signed over the statements
    the run's interpretation says, the tiny model's and the rules': one, at LUDB 1's 45 bpm), as the app's Export
    does; LUDB 14's draft (a comment, no signature) is not printed: a run no one watches prints what was signed."""
    from test_app_cli import LUDB, pdf_text, review
    from helpers_models import make_tiny_checkpoint
    from mirage_model.inference import Predictor
    from mirage_model.records.load import load_record
    from mirage_model.review.interpret import session_interpretation
    from mirage_model.review.opening import session_from_file
    from mirage_model.review.overread import statement_key

    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "sex"))
    said = [list(statement_key(s)) for s in
            session_interpretation(session_from_file(LUDB / "1.hea", Predictor(tiny))).statements]
    assert len(said) == 1 and said[0][2].endswith(", 45 bpm")
    store = OverReadStore(tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite")     # beside the run's settings
    store.save(overread_key(load_record(LUDB / "1.hea")),
               {"decisions": [[*said[0], "confirmed", ""]], "added": [], "comment": "Stored comment",
                "reader": "Dr Stored", "signed_at": "2026-12-06T08:00:00+00:00", "signed_over": said})
    store.save(overread_key(load_record(LUDB / "14.hea")),
               {"decisions": [], "added": [], "comment": "Unfinished draft", "reader": "", "signed_at": None,
                "signed_over": []})
    out = tmp_path / "pdfs"
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one, fourteen = (" ".join(pdf_text(out / f"{r}.pdf").split()) for r in ("1", "14"))
    assert "Over-read by Dr Stored, 2026-12-06 08:00 UTC" in one and "Reviewer's comment: Stored comment" in one
    assert "Dr Stored" not in fourteen and "Unfinished draft" not in fourteen
    assert "Not over-read: machine statements unconfirmed" in fourteen

    # --overreads: a department's copy, where LUDB 14 was signed and a draft amends it (its signature printed, the
    # draft not), and LUDB 1 has none; --no-overreads: none read
    shared = OverReadStore(tmp_path / "shared.sqlite")
    k14 = overread_key(load_record(LUDB / "14.hea"))
    said14 = [list(statement_key(s)) for s in
              session_interpretation(session_from_file(LUDB / "14.hea", Predictor(tiny))).statements]
    shared.save(k14, {"decisions": [], "added": [], "comment": "Shared signed", "reader": "Dr Shared",
                      "signed_at": "2026-12-06T09:00:00+00:00", "signed_over": said14})
    shared.save(k14, {"decisions": [], "added": [], "comment": "Shared draft", "reader": "", "signed_at": None,
                      "signed_over": []})
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", out, "--overwrite", "--overreads", shared.path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    one, fourteen = (" ".join(pdf_text(out / f"{r}.pdf").split()) for r in ("1", "14"))
    assert "Dr Stored" not in one and "Not over-read: machine statements unconfirmed" in one
    assert "Over-read by Dr Shared, 2026-12-06 09:00 UTC" in fourteen and "Shared signed" in fourteen
    assert "Shared draft" not in fourteen
    proc = review(tmp_path, LUDB / "1.hea", "--model", tiny, "--export-pdf", out, "--overwrite", "--no-overreads")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Dr Stored" not in pdf_text(out / "1.pdf")


def test_sign_edit_sign_keeps_both_and_forget_keeps_the_signatures(qtbot, tiny_model, statements_model, monkeypatch):
    """Signed, edited (a draft amending it: its title says whom it amends), signed again: the store keeps both
    signatures and the status names the first; File > Forget removes the over-read and says the signatures stay,
    and the record opened again says its empty over-read amends the last one."""
    window = _window(qtbot, tiny_model, statements_model)
    panel, it, rows = _rows(window)
    panel.sign("Dr First")
    first = window.session.overread.signed_at
    rows[0][0].click()                                   # an edit after signing: un-signed, saved as a draft
    assert f"Amends the over-read signed by Dr First on {first:%Y-%m-%d %H:%M} UTC" in panel.title.text()
    panel.sign("Dr Second")
    assert f"amends the over-read signed by Dr First on {first:%Y-%m-%d %H:%M} UTC" in panel.status.text()
    key = overread_key(window.session.record)
    store = OverReadStore(window.settings.overread_store)
    assert [who for who, _, _ in store.signatures(key)] == ["Dr First", "Dr Second"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.forget_overread()
    assert "2 signatures stay in the store" in window.status_label.text()
    assert store.load(key) is None and len(store.signatures(key)) == 2
    _open(qtbot, window, B)
    _open(qtbot, window, A)
    panel, it, rows = _rows(window)
    assert not window.session.overread.edited and "Amends the over-read signed by Dr Second" in panel.title.text()


def test_export_pdf_refuses_a_record_whose_store_cannot_be_read(tmp_path):
    """The run's store locked by another program or damaged: ``--export-pdf`` had printed "Not over-read" of a record
    that may be signed (said in a log line alone, rc 0); the record fails, naming the store and --no-overreads, as
    ``mirage report`` refuses it. With --no-overreads the PDF is written."""
    from test_app_cli import LUDB, review
    from test_cli_overreads import _locked_and_damaged
    from helpers_models import make_tiny_checkpoint

    tiny = make_tiny_checkpoint(tmp_path / "tiny", clinical=("age", "sex"))
    own = tmp_path / "cfg" / "MIRAGE" / "overreads.sqlite"      # beside the run's settings
    out = tmp_path / "pdfs"
    for word in _locked_and_damaged(own):
        proc = review(tmp_path, LUDB / "1.hea", "--model", tiny, "--export-pdf", out, "--overwrite")
        failed = [line for line in proc.stderr.splitlines() if line.startswith("failed: ")]
        assert proc.returncode == 1 and not (out / "1.pdf").exists(), (word, proc.stderr[-3000:])
        assert len(failed) == 1 and str(own) in failed[0] and word in failed[0] and "--no-overreads" in failed[0]
    proc = review(tmp_path, LUDB / "1.hea", "--model", tiny, "--export-pdf", out, "--overwrite", "--no-overreads")
    assert proc.returncode == 0 and (out / "1.pdf").is_file(), proc.stderr[-3000:]


def test_an_amendment_says_what_it_changed_and_again_once_reopened(qtbot, tiny_model, statements_model,
                                                                   monkeypatch):
    """Signed with the statement confirmed, amended (struck with a reason, signed again): the panel's status says
    what the amendment changed of the first signature, and so it does again when the record is opened again (read
    from the store). Truth: the statement's words and the reason given, worded by hand."""
    window = _window(qtbot, tiny_model, statements_model)
    _no_questions(monkeypatch)
    panel, it, rows = _rows(window)
    name = it.statements[0].text
    rows[0][0].click()                                   # confirmed
    panel.sign("Dr First")
    first = window.session.overread.signed_at
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("P waves absent in II", True))
    panel.ask_strike(0)                                  # struck: a draft amending the first signature
    changed = f"{name}: was confirmed, now struck (P waves absent in II)"
    assert f"Changes so far: {changed}" in panel.status.text()
    panel.sign("Dr Second")
    assert f"Changes: {changed}" in panel.status.text()
    _open(qtbot, window, B)
    _open(qtbot, window, A)
    panel, it, rows = _rows(window)
    assert window.session.overread.reader == "Dr Second" and f"Changes: {changed}" in panel.status.text()


def test_two_windows_on_one_store_the_later_signer_is_told_and_the_first_kept(qtbot, tiny_model, statements_model,
                                                                             monkeypatch, tmp_path):
    """Two cardiologists at one record on a shared store (two MIRAGE Reviews: each opens the file per save): Dr A
    signs, then Dr B, who opened it before, strikes a statement and signs. Dr B's message bar names Dr A's signature;
    the store keeps Dr A's over-read and signature alone (Dr B's had replaced Dr A's over-read, unsaid); Dr B's panel
    says first, in red, that the store holds Dr A's signature and Dr B's is not kept, Dr B's signature line red, not
    green (it had read "Over-read by Dr B" in green, as if kept); Dr B's leaving asks first, and the record opened
    again restores Dr A's, the panel saying nothing of it."""
    store = tmp_path / "shared" / "overreads.sqlite"
    store.parent.mkdir()                                # the share's folder (a named store's folder is not made)
    first = _window(qtbot, tiny_model, statements_model, str(store))
    second = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(first)
    rows[0][0].click()
    panel.sign("Dr A")
    signed_at = first.session.overread.signed_at
    assert f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()       # kept: green, nothing "not kept"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("not sinus", True))
    panel, it, rows = _rows(second)
    rows[0][1].click()
    not_kept = (f"Not kept: the store holds the over-read signed by Dr A on {signed_at:%Y-%m-%d %H:%M} UTC in another "
                f"MIRAGE Review {KEEPS}")
    assert f"color:{RED}'>{not_kept}</b>" in panel.status.text()           # at the strike, before any signature
    panel.sign("Dr B")
    shown = panel.status.text()
    assert shown.startswith(f"<b style='color:{RED}'>{not_kept}</b><br>"), shown
    assert f"<b style='color:{RED}'>Over-read by Dr B" in shown and GREEN not in shown
    told = second.message_bar.text()
    assert second.message_bar.isVisible() and "changed by another MIRAGE Review since it was opened here" in told
    assert f"(it is signed by Dr A on {signed_at:%Y-%m-%d %H:%M} UTC): yours is not kept" in told and str(store) in told
    key = overread_key(first.session.record)
    kept = OverReadStore(store)
    assert kept.load(key)[0]["reader"] == "Dr A" and kept.load(key)[0]["decisions"][0][3] == "confirmed"
    assert [who for who, _, _ in kept.signatures(key)] == ["Dr A"]
    second.ask_before_quit = True
    asked = _no_questions(monkeypatch)
    assert second.open_record(str(B)) is None and len(asked) == 1 and "signed but in no report" in asked[0]
    second.ask_before_quit = False
    _open(qtbot, second, B)
    _open(qtbot, second, A)
    assert second.session.overread.reader == "Dr A" and second.session.overread.signed_at == signed_at
    panel, it, rows = _rows(second)
    assert "Not kept" not in panel.status.text() and f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()


def test_a_named_store_on_a_share_not_mounted_is_said_and_not_made(qtbot, tiny_model, statements_model, tmp_path):
    """The settings name the store on a shared folder that is not mounted (its folder not there): the message bar
    says so naming the folder, the record opens, its over-read is "unknown" (the share may hold a signature), and a
    signature is not kept in a new folder made there (it had been, unsaid, where no colleague sees it)."""
    store = tmp_path / "mnt" / "cardiology" / "overreads.sqlite"
    window = _window(qtbot, tiny_model, statements_model, str(store))
    said = f"its folder {store.parent} is not there (a shared folder not mounted?)"
    assert window.message_bar.isVisible() and said in window.message_bar.text()
    assert window.session.record is not None and window.overread_unread.endswith(said)
    panel, it, rows = _rows(window)
    panel.sign("Dr A")
    assert not (tmp_path / "mnt").exists() and said in window.message_bar.text()
    assert "could not be written" in window.message_bar.text()


def test_an_export_of_an_over_read_a_colleague_signed_meanwhile_says_so(qtbot, tiny_model, statements_model,
                                                                        tmp_path):
    """Two windows on one store at one record: Dr A signs; the other window, untouched since it opened the record (its
    panel still "Not over-read"), exports its PDF: the message bar says Dr A signed it meanwhile and that the PDF
    prints this window's over-read (it had said nothing). Dr A's own export says nothing of it."""
    store = tmp_path / "shared" / "overreads.sqlite"
    store.parent.mkdir()
    first = _window(qtbot, tiny_model, statements_model, str(store))
    second = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(first)
    panel.sign("Dr A")
    signed_at = first.session.overread.signed_at
    for window, name in ((first, "a.pdf"), (second, "b.pdf")):
        with qtbot.waitSignal(window.reportWritten, timeout=WAIT_MS):
            window.export_pdf(tmp_path / name)
    told = f"(it is signed by Dr A on {signed_at:%Y-%m-%d %H:%M} UTC): this report prints the over-read shown here"
    assert not (first.message_bar.isVisible() and "another MIRAGE Review" in first.message_bar.text())
    assert second.message_bar.isVisible() and told in second.message_bar.text()
    assert f"The over-read of 00417_lr in {store} was changed by another MIRAGE Review" in second.message_bar.text()


def test_a_store_that_cannot_be_written_is_said_on_the_panel_until_a_save_keeps_it(qtbot, tiny_model,
                                                                                    statements_model, tmp_path):
    """A damaged store (not a database): the confirmation and then the signature are not kept, and the panel says so
    naming the file, the signature not green; the damaged file moved aside, the next change is kept and the panel
    says nothing of it, its signature green."""
    store = tmp_path / "overreads.sqlite"
    store.write_bytes(b"garbage " * 200)
    window = _window(qtbot, tiny_model, statements_model, str(store))
    panel, it, rows = _rows(window)
    rows[0][0].click()          # neither read nor written, for one reason: one line (test_app_overread_damaged)
    said = f"Over-read unknown and not kept: the over-read store {store} could not be read or written: file is not a"
    assert said in panel.status.text() and KEEPS in panel.status.text()
    panel.sign("Dr A")
    said = f"Not kept: the over-read store {store} could not be written: file is not a database"
    assert said in panel.status.text() and GREEN not in panel.status.text()
    store.rename(tmp_path / "damaged.sqlite")
    panel.sign("Dr A")          # signed again: kept in a new file
    assert OverReadStore(store).load(overread_key(window.session.record))[0]["reader"] == "Dr A"
    assert "Not kept" not in panel.status.text() and f"color:{GREEN}'>Over-read by Dr A" in panel.status.text()
    window.ask_before_quit = False
