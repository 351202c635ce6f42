"""Clinical and vendor ECG formats in, research formats out.

``io.load_record`` hands every file that is not WFDB to :func:`read`; the format is recognised
from the file's content (:func:`detect`). Readers: ecgdatakit for GE MUSE XML, Philips Sierra
XML, HL7 aECG, DICOM ECG, SCP-ECG, ISHNE and MFER; ``cardiosoft`` (into ecgdatakit's record) for GE
CardioSoft XML; edfio for EDF/EDF+/BDF. They come with the
optional ``formats`` extra (``pip install 'mirage-review[formats]'``); without it, a file of one of
these formats is still recognised and the error names the extra to install.

Writers: :func:`write_record` (WFDB or EDF+, optionally anonymised).
"""

from __future__ import annotations

import glob
import unicodedata

from pathlib import Path
from typing import Callable, Iterator

from mirage_model.formats.assemble import fail, format_name
from mirage_model.formats.edf import read_edf
from mirage_model.formats.registry import (DICOM_PROBE_BYTES, ECG_EXTENSIONS, FORMATS, OPEN_FILTER, SAVE_FILTER,
                                           SCAN_BYTES, Format, contec_ecg90a, dicom_ecg_head, edf_problem,
                                           ishne_problem, mfer_problem, read_head, save_choice, scp_problem,
                                           scp_variant, sniff, sniff_file, sniff_unnamed, unread_xml_ecg)
from mirage_model.formats.vendor import read_vendor
from mirage_model.formats.write import (ANONYMISED_NOTE, WRITE_FORMATS, OutputExistsError, anonymous_names,
                                        write_record)
from mirage_model.records.folder import walk_files
from mirage_model.records.record import EcgRecord, RecordError, read_guarded
from mirage_model.records.wfdb_header import _parse_header, _read_text, segment_headers

__all__ = ["ECG_EXTENSIONS", "FORMATS", "OPEN_FILTER", "SAVE_FILTER", "WRITE_FORMATS", "ANONYMISED_NOTE",
           "Format", "save_choice", "detect", "guess_format", "read", "find_ecg_files", "listed_files", "header_keys",
           "header_names", "named_files",
           "record_key", "name_key", "signal_names", "same_name_records",
           "write_record", "OutputExistsError", "anonymous_names", "format_of"]

# Suffixes that belong to a WFDB record (header or signal file): left to the WFDB reader.
_WFDB_SUFFIXES = (".hea", ".dat", ".mat", ".atr", ".qrs")
# a WFDB signal or annotation file is never a record of its own: no record search lists it
_SIGNAL_FILES = tuple(e for e in _WFDB_SUFFIXES if e != ".hea" and e not in ECG_EXTENSIONS)


def listed_files(folder: str | Path, check: Callable[[], None] | None = None,
                 unreadable: list | None = None, file_links: list | None = None) -> Iterator[Path]:
    """The files under ``folder`` that a search for its records looks at: ``records.folder.walk_files``
    (``check``, ``unreadable``, ``file_links`` as there) less the WFDB signal and annotation files (.dat, .mat, .atr,
    .qrs), which are no record of their own. The one listing of ``find_ecg_files`` (the folder browser,
    ``mirage score``, training's folder datasets) and ``records.find_records`` (``mirage bench``,
    ``mirage robustness``): PTB-XL's 21,799 .dat files had each been made a Path, half of a listing."""
    return walk_files(folder, check, unreadable, skip_suffixes=_SIGNAL_FILES, file_links=file_links)


def detect(path: str | Path) -> str | None:
    """The format id of ``path`` from its content; None when it is (or may be) WFDB.

    "xml" is an XML document that is not an ECG. A file that is none of the known formats and
    has no WFDB header beside it raises (an EDF, BDF, SCP-ECG or MFER extension on a file that is
    no such file says so), so that its error is not about a missing .hea; so does one
    with a clinical format's extension (``z.xml`` holding no ECG) even beside a ``z.hea``: the user
    opened that file, not the WFDB record of the same name.

    Raises:
        RecordError: an existing file of no known format (and no .hea next to it).
    """
    path = Path(path)
    if path.suffix.lower() == ".hea" or not path.is_file():
        return None
    try:
        head = read_head(path)
    except OSError as err:
        raise RecordError(path, f"cannot read the file ({err.strerror or err})") from None
    fmt = sniff(head, path.suffix)
    if fmt is not None:
        return fmt
    suffix = path.suffix.lower()
    # a WFDB signal file (or a stem) goes to its .hea; a file with a clinical format's extension that
    # is not of that format is the user's choice, never swapped for a WFDB record of the same stem
    if suffix in _WFDB_SUFFIXES or (suffix not in ECG_EXTENSIONS and (
            path.with_suffix(".hea").is_file() or path.with_name(path.name + ".hea").is_file())):
        return None
    if not head:
        raise RecordError(path, "the file is empty")
    for fmt, article in (("edf", "an"), ("bdf", "a")):
        if suffix in FORMATS[fmt].extensions:
            raise RecordError(path, f"not {article} {fmt.upper()} file, though named as one ({path.suffix}): "
                                    f"{edf_problem(head)}")
    if suffix in FORMATS["scp-ecg"].extensions:
        variant = scp_variant(head)
        if variant:
            raise RecordError(path, f"{variant}, which MIRAGE does not read")
        raise RecordError(path, f"not an SCP-ECG file, though named as one ({path.suffix}): {scp_problem(head)}")
    if suffix in FORMATS["mfer"].extensions:
        raise RecordError(path, f"not an MFER file, though named as one ({path.suffix}): {mfer_problem(head)}")
    if suffix in FORMATS["ishne"].extensions:
        raise RecordError(path, f"not an ISHNE Holter file, though named as one ({path.suffix}): {ishne_problem(head)}")
    known = ", ".join(f.name for f in FORMATS.values())
    kind = _other_kind(head)
    if kind:
        raise RecordError(path, f"not an ECG file MIRAGE recognises: it is {kind}; its content matches none of: "
                                f"{known}")
    raise RecordError(path, f"not an ECG file MIRAGE recognises (its content matches none of: {known})")


# The first bytes of files that are often opened, or left in a folder, in place of an ECG recording: what each is,
# and what to do. A PNG renamed .xml, or an ECG's PDF printout, had been "not an ECG file" and no more.
_OTHER_KINDS = ((b"%PDF-", "a PDF document (an ECG's printout? MIRAGE reads the recording's own file, "
                           "as the cart or ECG system exports it)"),
                (b"\x89PNG\r\n\x1a\n", "a PNG image (a picture of an ECG holds no signal MIRAGE reads)"),
                (b"\xff\xd8\xff", "a JPEG image (a picture of an ECG holds no signal MIRAGE reads)"),
                (b"GIF8", "a GIF image (a picture of an ECG holds no signal MIRAGE reads)"),
                (b"II*\x00", "a TIFF image (a picture of an ECG holds no signal MIRAGE reads)"),
                (b"MM\x00*", "a TIFF image (a picture of an ECG holds no signal MIRAGE reads)"),
                (b"PK\x03\x04", "a ZIP archive (or an Office document): extract the ECG files in it"),
                (b"\x1f\x8b", "a gzip-compressed file: decompress it, then open the file it holds"),
                (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract the ECG files in it"),
                (b"Rar!\x1a\x07", "a RAR archive: extract the ECG files in it"))


def _other_kind(head: bytes) -> str:
    """What a file of no ECG format is, by its first bytes (``_OTHER_KINDS``); "" when none of those."""
    return next((kind for magic, kind in _OTHER_KINDS if head.startswith(magic)), "")


def same_name_records(path: str | Path) -> list[Path]:
    """The other ECG records beside ``path`` with its name and another extension (``3.hea`` and
    ``3.dcm`` beside ``3.xml``; not ``3.dat``, the header's signal file): other recordings, perhaps of
    other patients, that a labs table's row for the name cannot tell apart. Sorted by name."""
    path = Path(path)
    out = []
    try:
        siblings = sorted(path.parent.glob(glob.escape(path.stem) + ".*"))
    except OSError:
        return []
    for p in siblings:
        if p == path or p.stem != path.stem or not p.is_file():
            continue
        suffix = p.suffix.lower()
        if suffix == ".hea":
            out.append(p)
        elif suffix not in _WFDB_SUFFIXES:
            try:
                if detect(p) not in (None, "xml"):
                    out.append(p)
            except RecordError:
                pass              # no ECG: no other recording
    return out


def read(path: str | Path, fmt: str | None = None) -> EcgRecord:
    """Read a non-WFDB ECG file into an EcgRecord (see ``io.load_record`` for the contract).

    Args:
        path: the file.
        fmt: a ``FORMATS`` id; detected from the content when None.

    Raises:
        RecordError: names the file, the format it was taken for and what is wrong.
    """
    path = Path(path)
    fmt = fmt or detect(path)
    if fmt is None:
        raise RecordError(path, "not a clinical ECG format (a WFDB record?)")
    reader = read_edf if fmt in ("edf", "bdf") else read_vendor
    return read_guarded(lambda: reader(path, fmt), lambda reason: fail(path, fmt, reason), "file", path,
                        format_name(fmt))


def guess_format(path: str | Path) -> str | None:
    """The format id ``path`` looks like ("wfdb" for a header), without reading it; never raises."""
    path = Path(path)
    if path.suffix.lower() == ".hea":
        return "wfdb"
    try:
        return sniff(read_head(path), path.suffix)
    except OSError:
        return None


def format_of(record: EcgRecord) -> str:
    """The format id a record was read from ("wfdb" when unknown)."""
    return str(record.meta.get("format") or "wfdb")


def record_key(path: str | Path) -> str:
    """The key that ties a file to a WFDB record: its path without the extension, lower case; a
    signal file (.dat, .mat) with the key of a header is that record's. A file of another format
    with that key is a file of its own unless the header names it (``header_names``)."""
    return Path(path).with_suffix("").as_posix().lower()


def header_keys(paths) -> set[str]:
    """``record_key`` of each WFDB header (.hea) among ``paths``."""
    return {record_key(p) for p in paths if Path(p).suffix.lower() == ".hea"}


def named_files(hea: str | Path) -> tuple[str, ...]:
    """The names of the signal files the WFDB header at ``hea`` names (beside it), each once, in the
    header's order; empty when the header cannot be read (loading it then says why)."""
    try:
        header = _parse_header(Path(hea))
    except RecordError:
        return ()
    return tuple(dict.fromkeys(s.file_name for s in header.signals if not s.file_name.startswith("~")))


def signal_names(hea: str | Path) -> frozenset[str] | None:
    """The first field of each line after the record line of the WFDB header at ``hea``, as
    ``name_key`` (NFC, lower case): the signal files its signal lines name (and, of a
    multi-segment master, its segments' names).
    A probe for a folder search, which asks of every record whether its header names the signal
    file beside it: the header is read, not parsed (measured on LUDB's header: 39 us against 136 us
    for ``named_files``). None when it cannot be read."""
    try:
        text = _read_text(Path(hea))
    except RecordError:
        return None
    firsts = [line.split(None, 1)[0] for line in text.splitlines()
              if line.strip() and not line.lstrip().startswith("#")]
    return frozenset(name_key(name) for name in firsts[1:])


def name_key(name: str) -> str:
    """A file name as ``signal_names`` holds it: NFC, lower case (a header written with "Müller.dat"
    composed names the file a Mac stored decomposed, and a Windows share's "1.DAT")."""
    return unicodedata.normalize("NFC", name).lower()


def header_names(path: str | Path, headers) -> bool:
    """Whether one of the WFDB ``headers`` of ``path``'s stem (``record_key``) names ``path`` as a
    signal file: only then is it that record's. ``zero.xml`` beside ``zero.hea`` is a file of its
    own (an ECG export, or a file that is none) unless the header's signal lines name it."""
    path = Path(path)
    key = record_key(path)
    return any(record_key(h) == key and path.name in named_files(h) for h in headers
               if Path(h).parent == path.parent)


def find_ecg_files(folder: str | Path, passed_over: list | None = None,
                   check: Callable[[], None] | None = None, unreadable: list | None = None,
                   files: list[Path] | None = None) -> list[Path]:
    """Every record under ``folder``, recursively, sorted: WFDB headers (.hea) and files of the
    other formats (by extension, confirmed by content, as ``detect`` reads them), and DICOM ECG,
    vendor XML ECG (GE MUSE, GE CardioSoft, Philips, HL7 aECG), SCP-ECG, EDF/BDF, ISHNE and MFER (with its
    preamble) files under any other name (PACS exports write "IM000001" or the instance's UID, ECG
    systems and Holter software often no extension at all), recognised from their first bytes
    (``registry.sniff_unnamed``); other files under such names, an XML of another kind included,
    are passed by in silence. Hidden files and folders are skipped, and so
    are the segment and layout headers of a multi-segment WFDB record (listed once, by its master).
    ``passed_over``, when a list, receives (sorted) the files with an ECG format's extension whose
    content none of the readers recognises (an XML of another kind, though not another vendor's XML ECG,
    which is listed, to fail saying what it is (``registry.unread_xml_ecg``), a .dcm that is no DICOM ECG, a
    .scp that holds no SCP-ECG, an .edf that holds no EDF), so
    that a batch can say what it left out; such a file beside a header of its own stem is passed
    over too (``zero.xml`` beside ``zero.hea``: the header's record is one file, the .xml another),
    unless the header names it as its signal file (``header_names``). The folder is walked by ``records.folder.walk_files`` (regular
    files only: a named pipe is never opened); ``check`` is called once per folder (a cancel
    flag that raises stops the search); ``unreadable``, when a list, receives (folder, reason) of
    each folder that cannot be listed. ``files``: the folder's files as ``walk_files`` listed them,
    when the caller has already walked it (it is then not walked again).

    Raises:
        RecordError: ``folder`` does not exist or is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise RecordError(root, "not a folder" if root.exists() else "folder not found")
    others = tuple(e for e in ECG_EXTENSIONS if e != ".hea")
    found, other = [], []
    for p in listed_files(root, check, unreadable) if files is None else files:
        low = p.name.lower()
        if low.endswith(".hea"):
            found.append(p)
        elif low.endswith(others):
            try:
                fmt = sniff_file(p)
                if fmt == "dicom-ecg" and not dicom_ecg_head(read_head(p, DICOM_PROBE_BYTES)):
                    fmt = None        # a .dcm that is a CT or MR image: no ECG, passed over
            except OSError:
                found.append(p)       # unreadable: reading it says why, as a record's error
                continue
            if (fmt == "xml" and unread_xml_ecg(read_head(p, SCAN_BYTES))) or (
                    fmt is None and low.endswith(FORMATS["ishne"].extensions) and contec_ecg90a(read_head(p, 64))) or (
                    fmt is None and low.endswith(FORMATS["scp-ecg"].extensions) and scp_variant(read_head(p, 64))):
                fmt = "unread"        # an ECG of a format MIRAGE does not read: a record that fails, saying so
            (found if fmt not in (None, "xml") else other).append(p)
        elif not low.endswith(_WFDB_SUFFIXES):
            # any other file: only its first bytes, and only an ECG whose signature its header
            # bears out is taken (a PACS export's CT images, a README or an XML of another kind
            # beside them are no more an ECG than a .jpg)
            try:
                if sniff_unnamed(p) is not None:
                    found.append(p)
            except OSError:
                continue
    if passed_over is not None and other:
        # only a file passed over asks which header shares its stem: the keys of 21,799 PTB-XL headers
        # had been made for none (0.7 s)
        by_key: dict[str, list[Path]] = {}
        for p in found:
            if p.suffix.lower() == ".hea":
                by_key.setdefault(record_key(p), []).append(p)
        # a header is parsed only when a file of its stem is in question: rare, and cheap then
        passed_over.extend(sorted(p for p in other if not header_names(p, by_key.get(record_key(p), ()))))
    parts = segment_headers(p for p in found if p.name.lower().endswith(".hea"))   # a multi-segment record's
    # segments: listed by its master. Sorted as paths sort (by their parts), with the parts as the key:
    # a third of the time of comparing Path objects pair by pair
    return sorted((p for p in found if p not in parts), key=lambda p: p.parts)
