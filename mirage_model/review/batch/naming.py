"""What a record is called in a batch's output: its ``record_path`` (its path under the folder), its
``record_id`` (unique among the output's rows) and its PDF's name (unique among the run's records,
numbered where still taken: ``numbered``, the one rule ``mirage score``, the batch dialog and
``mirage-review --export-pdf`` name PDFs by)."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Iterable

from mirage_model.csvsafe import encodable, printable
from mirage_model.formats import same_name_records
from mirage_model.records.folder import natural_key


def record_ids(rels: Iterable[str]) -> dict[str, str]:
    """{record_path: record_id} of the rows of one output whose name another row of it bears too
    (``siteA/1.hea`` and ``siteB/1.hea``, both "1"; a folder that could not be listed, ``sub/``, and a
    record ``sub.hea``): their path under the folder without the extension ("siteA/1", the id a labs
    table names them by, ``clinical.labs_record_id``; a folder's without its "/"), or their whole
    ``record_path`` when that is shared too (``a.xml`` and ``a.dcm``; ``sub/`` and ``sub.hea``). A row
    whose name is its own keeps it ("00417_lr"; a folder's: its last part), as every output had it.
    ``rels``: the ``record_path`` of every row of the output (a folder's ends in "/"): the run's
    records, its folders that could not be listed and the rows a resumed run keeps of records no
    longer in the folder. So every ``record_id`` is unique in the output, and the same for the same
    rows whichever run (resumed or not) wrote them."""
    rels = sorted(set(rels))

    def name(rel: str) -> str:
        return rel.rstrip("/").rpartition("/")[2] if rel.endswith("/") else PurePosixPath(rel).stem

    def short(rel: str) -> str:
        return rel.rstrip("/") if rel.endswith("/") else PurePosixPath(rel).with_suffix("").as_posix()

    by_name: dict[str, list[str]] = {}
    for rel in rels:
        by_name.setdefault(name(rel), []).append(rel)
    shared = [rel for group in by_name.values() if len(group) > 1 for rel in group]
    by_path: dict[str, list[str]] = {}
    for rel in shared:
        by_path.setdefault(short(rel), []).append(rel)
    return {rel: short(rel) if len(by_path[short(rel)]) == 1 else rel for rel in shared}


def rel_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (posix), or whole when it is not under it, as an output writes
    it (``csvsafe.encodable``: a name's bytes that are not UTF-8 as ``\\xNN``); a resumed run
    matches records by this text, and a record's PDF is named after it."""
    try:
        return encodable(path.relative_to(root).as_posix())
    except ValueError:
        return encodable(path.as_posix())


# the bytes of one file name on ext4, XFS, APFS and tmpfs (NTFS: 255 UTF-16 units, never more than as many UTF-8 bytes)
NAME_MAX = 255
_DIGEST_HEX = 8     # of the whole name, kept in a shortened one so that two long names stay two
_TAIL = 12          # characters of the stem's end kept after the cut ("..._dcm", a number)


def pdf_name(rel: Path, keep_suffix: bool = False) -> Path:
    """The PDF of a record at ``rel``: ``a.hea`` -> ``a.pdf``; ``keep_suffix``: ``a.xml`` -> ``a_xml.pdf``
    (``within_name_max``: a name past the file system's limit is cut in the middle)."""
    if keep_suffix and rel.suffix:
        return within_name_max(rel.with_name(f"{rel.stem}_{rel.suffix[1:]}.pdf"))
    return within_name_max(rel.with_suffix(".pdf"))


def within_name_max(name: Path) -> Path:
    """``name`` whose last part is at most ``NAME_MAX`` bytes in UTF-8: as it is, else its stem cut in the middle,
    the cut marked by "~" and 8 hex digits of a digest of the whole name ("MMMM~1a2b3c4d~MMMMMMMM_dcm.pdf"), so two
    names that differ only where cut stay two, and the same name is cut alike in every run (``--resume``). A record
    file named near the limit (251 bytes and ``.xml``) had stopped ``mirage score --pdf-dir`` before its first
    record: its PDF's name, ``_xml.pdf`` added, was too long for the folder."""
    raw = name.name.encode("utf-8", "surrogateescape")
    if len(raw) <= NAME_MAX:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:_DIGEST_HEX]
    stem, suffix = name.stem, name.suffix
    tail = stem[-_TAIL:]
    room = NAME_MAX - len(f"~{digest}~{tail}{suffix}".encode("utf-8", "surrogateescape"))
    head = stem[:-_TAIL]
    while head and len(head.encode("utf-8", "surrogateescape")) > room:    # whole characters, never half of one
        head = head[:-max(1, (len(head.encode("utf-8", "surrogateescape")) - room) // 4)]
    return name.with_name(f"{head}~{digest}~{tail}{suffix}")


def _record_rel(path, root) -> Path:
    """A record's path under ``root`` (its name when it is not under it), as its PDF is named."""
    rel = Path(rel_path(Path(path), root))
    return Path(rel.name) if rel.is_absolute() else rel


def record_pdf_names(root, paths: Iterable[Path]) -> dict[Path, Path]:
    """Each record of a run over ``paths`` under ``root`` -> its PDF's name under the PDF folder
    (``pdf_names`` of their paths under ``root``): where ``Scorer`` writes them."""
    rels = {Path(p): _record_rel(p, Path(root)) for p in paths}
    names = pdf_names(rels.values())
    return {p: names[r] for p, r in rels.items()}


def earlier_pdfs(pdf_dir, root, paths: Iterable[Path], done: Iterable[str] = ()) -> list[Path]:
    """The PDFs a run over the records ``paths`` under ``root`` would write in ``pdf_dir`` that are
    there already (an earlier run's: the run would replace them), in the records' order. ``done``:
    the ``record_path``s a resumed run keeps (``resume.finished_records``): it writes no PDF for
    them, so theirs are not counted."""
    return list(earlier_pdfs_by_record(pdf_dir, root, paths, done).values())


def earlier_pdfs_by_record(pdf_dir, root, paths: Iterable[Path], done: Iterable[str] = ()) -> dict[str, Path]:
    """``earlier_pdfs`` by the ``record_path`` of their records: {record_path: the PDF in ``pdf_dir``}, in the
    records' order. A run that fails such a record writes no PDF of it, and names the one it keeps
    (``kept_pdf_words``)."""
    pdf_dir, root, done = Path(pdf_dir), Path(root), set(done)
    names = record_pdf_names(root, paths)      # named among all the records, as the run names them
    rels = {p: rel_path(Path(p), root) for p in names}
    return {rels[p]: pdf_dir / name for p, name in names.items()
            if (pdf_dir / name).is_file() and rels[p] not in done}


def kept_pdf_words(pdf: Path, pdf_dir) -> str:
    """What the row of a record this run failed says of the PDF an earlier run wrote for it in ``pdf_dir``, which
    stays there: "its PDF in the PDF folder (ludb/1.pdf) is an earlier run's, kept: not this run's"."""
    return f"its PDF in the PDF folder ({pdfs_named([pdf], pdf_dir)}) is an earlier run's, kept: not this run's"


def earlier_pdfs_text(found: list[Path], pdf_dir) -> str:
    """What a run says of the PDFs ``found`` (``earlier_pdfs``) that it would replace in ``pdf_dir``:
    how many, and the first three by their path under it ("it holds 2 PDFs an earlier run wrote for
    these records (1.pdf, sub/2.pdf)"); ``mirage score --pdf-dir`` and ``mirage-review --export-pdf``
    refuse such a folder in these words."""
    n = len(found)
    names = pdfs_named(found, pdf_dir)
    return f"it holds {n} PDF{'s' if n > 1 else ''} an earlier run wrote for these records ({names})"


def pdfs_named(found: list[Path], pdf_dir) -> str:
    """The first three of the PDFs ``found`` in ``pdf_dir`` by their path under it, "..." after them where there are
    more ("1.pdf, sub/2.pdf, 3.pdf ..."), as the batch's words about earlier PDFs name them."""
    names = []
    for p in found[:3]:
        try:
            names.append(printable(Path(p).relative_to(pdf_dir).as_posix()))
        except ValueError:          # not under it: its name
            names.append(printable(Path(p).name))
    return ", ".join(names) + (" ..." if len(found) > 3 else "")


def not_replaced(earlier: Iterable[Path], pdf_dir, written: Iterable[str]) -> list[Path]:
    """The ``earlier`` PDFs (``earlier_pdfs``: an earlier run's, which this run was told to replace) that are still in
    ``pdf_dir`` and that this run did not write: ``written`` are the ``pdf`` cells of the rows it handed on (paths
    under ``pdf_dir``). A run stopped before its end leaves them beside its own, though its output has no row of
    theirs."""
    written = {str(w) for w in written if w}
    return [Path(p) for p in earlier
            if rel_path(Path(p), Path(pdf_dir)) not in written and Path(p).is_file()]


def not_replaced_text(left: list[Path], pdf_dir) -> str:
    """What a stopped run says of the earlier PDFs it ``left`` (``not_replaced``) in ``pdf_dir``: "7 PDFs an earlier
    run wrote (12565_lr.pdf, 15887_lr.pdf, 18271_lr.pdf ...) are still in pdfs, not replaced: not this run's"; the
    batch dialog's Cancel and ``mirage score`` stopped (Ctrl-C) say it in these words, each adding how it goes on."""
    n = len(left)
    return (f"{n} PDF{'s' if n != 1 else ''} an earlier run wrote ({pdfs_named(left, pdf_dir)}) "
            f"{'are' if n != 1 else 'is'} still in {printable(str(pdf_dir))}, not replaced: not this run's")


def failed_kept_text(left: list[Path], pdf_dir) -> str:
    """What a run that ended says of the earlier PDFs it was told to replace whose records it failed
    (``BatchSummary.earlier_kept``): ``not_replaced_text``, and why ("... not this run's (their records failed in
    this run; their rows say so)"); ``mirage score --overwrite`` and the batch dialog's Replace say it so."""
    n = len(left)
    return (f"{not_replaced_text(left, pdf_dir)} ({'their records' if n != 1 else 'its record'} failed in this run; "
            f"{'their rows say' if n != 1 else 'its row says'} so)")


def pdf_names(rels: Iterable[Path]) -> dict[Path, Path]:
    """One PDF name per record path (relative), none shared: a record whose plain name (``a.pdf``)
    another record would also get keeps its suffix (``a_xml.pdf``); a name still taken after that
    gets ``_2``, ``_3`` ... in the records' order (``records.folder.natural_key``). Names compare
    case-insensitively (a PDF folder may sit on a case-insensitive disk). Deterministic for a given set of
    paths, so ``--resume`` finds them."""
    rels = sorted(set(rels), key=natural_key)
    plain: dict[str, int] = {}
    for r in rels:
        key = str(pdf_name(r)).lower()
        plain[key] = plain.get(key, 0) + 1
    out: dict[Path, Path] = {}
    taken: set[str] = set()
    for r in rels:
        out[r] = numbered(pdf_name(r, keep_suffix=plain[str(pdf_name(r)).lower()] > 1), taken,
                          pdf_name(r, keep_suffix=True))
    return out


def report_pdf_name(record) -> str:
    """The name File > Export PDF and File > Print (to a file) offer for ``record``'s report: "<record id>_report.pdf",
    or where its folder holds another record of its name in another format (``formats.same_name_records``: ``a.hea``
    beside ``a.xml``) the name a batch gives it among them (``pdf_names``: ``a_xml``) before "_report.pdf":
    "a_xml_report.pdf", "a_hea_report.pdf". Both had been offered "a_report.pdf". Within ``NAME_MAX`` bytes."""
    path = getattr(record, "path", None)
    others = same_name_records(path) if path else []
    if not others:
        return within_name_max(Path(f"{record.record_id}_report.pdf")).name
    own = Path(Path(path).name)
    return within_name_max(Path(f"{pdf_names([own, *(Path(p.name) for p in others)])[own].stem}_report.pdf")).name


NOT_A_PDF_NAME = "the report is a PDF; give a name ending in .pdf, e.g. {}"     # what mirage report and Export say


def pdf_named(path) -> Path | None:
    """``path`` named as a PDF report is where its name does not end in .pdf (any case): "x.txt" -> "x.pdf",
    "report" -> "report.pdf", for the words ``NOT_A_PDF_NAME`` refuses it with (``mirage report --out``, File >
    Export PDF); None where it does. A PDF under another name opens in no PDF viewer (x.txt in an editor)."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return None
    return path.with_suffix(".pdf") if path.suffix else path.with_name(path.name + ".pdf")


def numbered(name: Path, taken: set[str], base: Path | None = None) -> Path:
    """``name``, or where an earlier record took it, ``base`` (default: ``name``) with ``_2``, ``_3`` ... after its
    stem: the first name not in ``taken``, which it joins. Names compare case-insensitively (a PDF folder may sit on
    a case-insensitive disk). The one numbering of PDF names: ``pdf_names`` (``mirage score``, the batch dialog) and
    ``export_pdf_names`` (``mirage-review --export-pdf``) number by it."""
    base = name if base is None else base
    n = 2
    while name.as_posix().lower() in taken:
        name = within_name_max(base.with_name(f"{base.stem}_{n}.pdf"))
        n += 1
    taken.add(name.as_posix().lower())
    return name


def export_pdf_names(records: Iterable[Path], names: dict | None = None) -> list[Path]:
    """The PDF ``mirage-review --export-pdf`` writes for each record it opens, under its folder, in their order: a
    folder's record at its path in ``names`` (record -> ``record_pdf_names`` of its folder, as ``mirage score
    --pdf-dir`` of that folder and the batch dialog name it), the files given by their names as a batch names its
    records' PDFs (``pdf_names``: ``a.hea`` -> ``a.pdf``; ``a.hea`` and ``a.xml`` -> ``a_hea.pdf``, ``a_xml.pdf``);
    a name still taken (``x/1.hea`` and ``y/1.hea``; two folders' ``1.pdf``) is ``numbered`` in the order given."""
    records = [Path(p) for p in records]
    names = names or {}
    given = pdf_names(Path(p.name) for p in records if p not in names)
    taken: set[str] = set()
    return [numbered(names.get(p) or given[Path(p.name)], taken) for p in records]
