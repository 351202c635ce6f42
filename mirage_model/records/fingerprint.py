"""Which records a model was trained on, told by what their files hold: a record's content fingerprint.

A record scored by the model that was trained on it (or selected and calibrated on it) gets an optimistic probability
that looks like any other. ``mirage train`` keeps an 8-byte fingerprint of each record of its training and validation
splits in the checkpoint (``provenance["training_records"]``, ``fingerprints_entry``: 17,418 PTB-XL training records
take 136 KB as bytes, 181 KB in the config's base64); the Predictor marks a scored record whose fingerprint is among
them (``TrainingRecords.split_of``), whatever it is called now: a copy renamed or moved to another folder is the same
record.

A fingerprint is a BLAKE2b digest (8 bytes: two of PTB-XL's 21,799 records share one with probability ~1e-11) of the
bytes of the record's signal files (``stamp.record_files``: a WFDB header's signal files, a clinical format's one file;
a header alone where it names none), never of its name, its header's text or PTB-XL's table: a header rewritten (a
record renamed, a comment added) keeps its record's fingerprint; a re-export with other samples does not. Each file's
first ``READ_BYTES`` are read, with its size (a Holter file of gigabytes is not read whole for this). Research use
only, not a diagnosis.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

DIGEST_BYTES = 8
READ_BYTES = 64 << 20               # of each file: the size is in the digest too
METHOD = f"blake2b-{DIGEST_BYTES * 8} of the record's signal files"
SPLITS = ("train", "val")           # the splits whose records a checkpoint keeps, in the words of its training


def _header_of(path: Path) -> Path:
    """The file a record at ``path`` (a header, a signal file beside one, a record stem or a clinical file) is
    read from, as ``load_record`` takes it."""
    if path.suffix.lower() == ".hea":
        return path
    if path.is_file():                                  # a .dat/.mat named: its header beside it
        header = path.with_suffix(".hea")
        return header if path.suffix.lower() in (".dat", ".mat") and header.is_file() else path
    stem = Path(os.fspath(path) + ".hea")
    return stem if stem.is_file() else path


def record_fingerprint(path: str | Path) -> bytes | None:
    """The record at ``path``'s fingerprint (``DIGEST_BYTES`` bytes; module docstring), None where its files cannot
    be read (gone, unreadable). Read once while its files' stamps (``stamp.file_stamp``) stay the same: the app asks
    for it at each model run, the statements model's too."""
    from mirage_model.records.stamp import file_stamp, record_files     # here: stamp imports formats lazily too

    head = _header_of(Path(path))
    try:
        files = record_files(head)
    except (OSError, ValueError):
        return None
    signal = [f for f in files if f.suffix.lower() not in (".hea", ".csv")] or \
        [f for f in files if f.suffix.lower() == ".hea"]
    stamps = tuple(file_stamp(f) for f in signal)
    if not signal or None in stamps:
        return None
    return _files_digest(tuple(map(os.fspath, signal)), stamps)


@lru_cache(maxsize=64)
def _files_digest(files: tuple[str, ...], stamps: tuple) -> bytes | None:
    """The digest of ``files`` (each one's size, then its first ``READ_BYTES``) as they are at ``stamps`` (their
    stamps, the cache's key with them); None where one cannot be read."""
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    try:
        for f in files:
            with open(f, "rb") as fh:
                digest.update(os.fstat(fh.fileno()).st_size.to_bytes(8, "little"))
                digest.update(fh.read(READ_BYTES))
    except (OSError, ValueError):
        return None
    return digest.digest()


def fingerprints_text(digests: Iterable[bytes]) -> str:
    """``digests`` as one text for a JSON config: their bytes sorted and joined, in URL-safe base64 (no "/": the
    export's path scrubbing leaves it whole)."""
    return base64.urlsafe_b64encode(b"".join(sorted(set(digests)))).decode("ascii")


def fingerprints_entry(paths_by_split: dict[str, Iterable]) -> dict:
    """The checkpoint's ``provenance["training_records"]``: {"method": METHOD, "<split>": ``fingerprints_text``,
    "counts": {split: records fingerprinted}, "unread": {split: records whose files could not be read}} for the
    records of each split in ``paths_by_split`` (split -> their paths)."""
    entry: dict = {"method": METHOD, "counts": {}, "unread": {}}
    for split, paths in paths_by_split.items():
        digests = [record_fingerprint(p) for p in paths]
        kept = [d for d in digests if d is not None]
        entry[split] = fingerprints_text(kept)
        entry["counts"][split] = len(kept)
        entry["unread"][split] = len(digests) - len(kept)
    return entry


def merged_entry(provenances: Iterable[dict | None], val_paths: Iterable = ()) -> dict | None:
    """The ``provenance["training_records"]`` of a model made of models of these provenances (an ensemble): each
    split's fingerprints of every member's, and the records of ``val_paths`` (those its own thresholds were chosen
    on) as validation records; a record in one member's training split and another's validation split counts as
    training. None where a member keeps none (a list missing its records would say they are none)."""
    kept = [TrainingRecords.of(p) for p in provenances]
    if not kept or any(k is None for k in kept):
        return None
    train = frozenset().union(*(k.train for k in kept))
    own = {d for d in map(record_fingerprint, val_paths) if d is not None}
    val = frozenset().union(own, *(k.val for k in kept)) - train
    return {"method": METHOD, "train": fingerprints_text(train), "val": fingerprints_text(val),
            "counts": {"train": len(train), "val": len(val)}, "unread": {}}


def in_training_words(split: str) -> str:
    """What a record of the model's ``split`` ("train", "val") is, in the words of the app, the PDF and ``mirage
    score``: "a record this model was trained on: its probabilities are optimistic, no measure of the model"; ""
    for any other split."""
    what = {"train": "trained on", "val": "selected and calibrated on (its validation split)"}.get(split)
    return f"a record this model was {what}: its probabilities are optimistic, no measure of the model" if what else ""


@dataclass(frozen=True)
class TrainingRecords:
    """The fingerprints a checkpoint keeps of its training (``train``) and validation (``val``) records."""

    train: frozenset
    val: frozenset

    @classmethod
    def of(cls, provenance: dict | None) -> TrainingRecords | None:
        """From a checkpoint's provenance; None where it keeps none (a model trained before they were kept, an
        entry of another method or damaged)."""
        entry = (provenance or {}).get("training_records")
        if not isinstance(entry, dict) or entry.get("method") != METHOD:
            return None
        sets = []
        for split in SPLITS:
            try:
                raw = base64.urlsafe_b64decode(str(entry.get(split) or "").encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                return None
            if len(raw) % DIGEST_BYTES:
                return None
            sets.append(frozenset(raw[i:i + DIGEST_BYTES] for i in range(0, len(raw), DIGEST_BYTES)))
        return cls(*sets)

    def split_of(self, path: str | Path | None) -> str:
        """"train" or "val" where the record at ``path`` is one of that split's records, "" where it is neither
        (or its files cannot be read, or no path)."""
        if path is None:
            return ""
        digest = record_fingerprint(path)
        if digest is None:
            return ""
        return "train" if digest in self.train else "val" if digest in self.val else ""
