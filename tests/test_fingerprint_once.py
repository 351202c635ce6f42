"""A record's fingerprint (``records.fingerprint.record_fingerprint``) is read from its files once while their
stamps stay the same: the app asks for it at every model run, for the loaded model and the statements model beside
it, and each ask had read the record's signal files again (a Holter's first 64 MB). A file rewritten in place, its
modification time set back (as ``cp -p`` does), is read again. Truth: the files' bytes, digested here as the module
docstring says (each file's size, then its bytes), and the count of files opened."""

from __future__ import annotations

import hashlib
import shutil

from mirage_model.paths import resources_dir
from mirage_model.records import fingerprint

LUDB = resources_dir() / "samples" / "ludb"


def _by_hand(dat) -> bytes:
    data = dat.read_bytes()
    return hashlib.blake2b(len(data).to_bytes(8, "little") + data, digest_size=8).digest()


def test_a_fingerprint_is_read_once_until_the_files_change(tmp_path, monkeypatch):
    from helpers_stale import rewrite_in_place

    for name in ("1.hea", "1.dat"):
        shutil.copy(LUDB / name, tmp_path / name)
    opened = []
    real_open = open
    monkeypatch.setattr(fingerprint, "open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k),
                        raising=False)
    first = fingerprint.record_fingerprint(tmp_path / "1.hea")
    assert first == _by_hand(tmp_path / "1.dat") and opened == [str(tmp_path / "1.dat")]
    assert fingerprint.record_fingerprint(tmp_path / "1") == first and len(opened) == 1     # its stem: not read again
    rewrite_in_place(tmp_path / "1.dat", (LUDB / "14.dat").read_bytes())
    assert fingerprint.record_fingerprint(tmp_path / "1.hea") == _by_hand(LUDB / "14.dat") != first
    assert len(opened) == 2
