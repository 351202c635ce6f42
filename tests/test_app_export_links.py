"""``mirage-review FOLDER --export-pdf DIR`` opens a record file that the folder holds under two names
(a symbolic link beside its record) once, as ``mirage score`` scores it once: it had written two PDFs of
the one recording (sub/1.pdf and links/1.pdf), and a labs row '1' then fitted "2 records", so that
neither PDF had the row's values (a folder of 39 records, PTB-XL 00941_lr linked under links/, walked in
session 46).

Truth: the files this test makes (one record, one link to each of its files)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mirage_model.paths import resources_dir

LUDB_1 = resources_dir() / "samples" / "ludb" / "1.hea"


def _folder_with_a_link(tmp_path) -> Path:
    folder = tmp_path / "records"
    (folder / "sub").mkdir(parents=True)
    (folder / "links").mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB_1.with_suffix(suffix), folder / "sub")
        try:
            os.symlink(Path("..") / "sub" / f"1{suffix}", folder / "links" / f"1{suffix}")
        except (OSError, NotImplementedError):
            pytest.skip("symbolic links cannot be made here")
    return folder


@pytest.mark.skipif(not LUDB_1.is_file(), reason="bundled LUDB sample absent")
def test_a_linked_record_is_opened_once_and_said(tmp_path):
    from app.main import export_inputs, export_targets

    folder = _folder_with_a_link(tmp_path)
    names, scopes, links = {}, {}, []
    records, notes = export_inputs([folder], [], names, scopes, links)
    assert records == [folder / "sub" / "1.hea"], records
    assert export_targets(records, tmp_path / "pdfs", names) == [tmp_path / "pdfs" / "sub" / "1.pdf"]
    # the labs table is matched among the folder's records: the link is not one of them
    assert scopes[folder / "sub" / "1.hea"] == (folder, [folder / "sub" / "1.hea"])
    assert notes == []          # its lines are the files not ECG: the last line counts them
    assert links == [f"{folder}: 1 record file is another name of a record of the folder (a link), opened once, "
                     "one PDF: links/1.hea = sub/1.hea"], links


@pytest.mark.skipif(not LUDB_1.is_file(), reason="bundled LUDB sample absent")
def test_a_folder_without_links_says_nothing_of_them(tmp_path):
    from app.main import export_inputs

    folder = tmp_path / "records"
    folder.mkdir()
    for suffix in (".hea", ".dat"):
        shutil.copy(LUDB_1.with_suffix(suffix), folder)
    records, notes = export_inputs([folder])
    assert records == [folder / "1.hea"] and notes == [], (records, notes)
