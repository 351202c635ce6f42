"""``folder:ROOT``: any records under ROOT that ``mirage score`` reads (WFDB, Challenge, EDF+, GE MUSE
and the other clinical formats) with a labels table (``--labels labels.csv``)
and optionally a labs table (``--labs labs.csv``), the way a hospital group brings ECGs plus
laboratory results. Splits by a ``split`` column in the labels table, a split file, or a seed (by
patient where the labels table names them: ``splits``).

Every record is named by its path in the folder without the extension (``siteA/1``); a row may name
it by a shorter trailing part (``1``) that fits no other record. What a table says that does not fit
the records (ids that fit none, a record named twice, a class written two ways, labs rows that differ
from the headers) is refused or warned of, naming the file and the line."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from mirage_model.clinical import RECORD_FEATURES, default_schema, header_disagreement
from mirage_model.clinical.labs import (LabsMatch, folded_column, id_example, listed_warnings, near_miss_text,
                                        respelled_note, respelled_rows, respelled_warning)
from mirage_model.clinical.labs_ids import _trailing_ids, renamed_rows
from mirage_model.clinical.labs_tree import rows_above, run_match, tree_match
from mirage_model.clinical.renamed import read_renamed
from mirage_model.words import counted, first_few
from training_cli.engine.dataset import SPLITS, Dataset, DatasetError, Item, refuse_ambiguous
from training_cli.engine.headers import find_folder_records, header_values, record_id_of
from training_cli.engine.left_out import kinds_left_out
from training_cli.engine.splits import (BY_RECORD, PATIENT_COLUMNS, SPLIT_METHODS, SPLIT_SPELLINGS, assign_splits,
                                       patient_column)
from training_cli.engine.tables import id_column, read_label_descriptions, read_label_map, read_labs, read_table, \
    table_record_id, table_text

logger = logging.getLogger(__name__)


def open_folder(spec, root, task, labels_path, labs_path, split_file, seed, val_frac, test_frac,
                label_map=None, group_by: str | None = None, split_method: str = "stratified") -> Dataset:
    if task not in ("multilabel", "multiclass"):
        raise DatasetError(f"folder datasets take task multilabel or multiclass, not {task!r}")
    # a labels table written with SNOMED-CT codes ("426783006"), or with codes and names mixed: the
    # map names the codes, so that "426783006" and "Sinus rhythm" train as one class
    lmap = read_label_map(label_map) if label_map else {}
    rows = read_table(labels_path)
    id_col = id_column(labels_path, rows[0].keys())
    lower = {c.strip().lower(): c for c in rows[0].keys()}
    label_col = lower.get("labels") or lower.get("label")
    split_col = lower.get("split")
    # the patients' ids (PATIENT_COLUMNS, or --group-by): one patient's records are split together;
    # the labels table's column first, else the labs table's (below)
    taken = (id_col, label_col, split_col)
    patient_col = patient_column(rows[0].keys(), labels_path, group_by, taken=taken, required=not labs_path)
    # a column without a name is a spreadsheet's trailing empty column ("record_id,AF,,"), not a class
    class_cols = [c for c in rows[0].keys() if c not in (id_col, label_col, split_col, patient_col)
                  and c is not None and c.strip()] if not label_col else []
    if not label_col and not class_cols:
        # a table of ids (and patients, splits) alone had been read, every record found, and then refused as
        # "every class column is 0 or empty": of class columns it has none
        roles = [f"{c.strip()} (record id)" if c == id_col else f"{c.strip()} (patient)" if c == patient_col
                 else f"{c.strip()} (split)" for c in (id_col, patient_col, split_col) if c]
        sep = "|" if ";" in table_text(labels_path).partition("\n")[0] else ";"
        raise DatasetError(f"{labels_path}: no class column (its columns: {', '.join(roles)}); add a column "
                           f"'labels' of each record's classes (e.g. NORM{sep}MI), or one column of 0/1 per class")
    headers, not_ecg = find_folder_records(root)
    by_id: dict[str, Path] = {}
    stems: dict[str, list[str]] = {}
    files_of: dict[str, list[Path]] = {}          # a record id -> its files: two where 1.hea and 1.edf lie side by side
    for hea in headers:
        rid = record_id_of(root, hea)
        by_id.setdefault(rid, hea)
        by_id.setdefault(hea.stem, hea)
        if rid not in files_of:
            stems.setdefault(hea.stem, []).append(rid)
        files_of.setdefault(rid, []).append(hea)
    # a labelled file named as an ECG format that holds none (an .edf that is no EDF) had been "a labelled
    # record with no header"; as a record, it fails to load and is skipped saying what it is (skipped.csv)
    for path in not_ecg:
        by_id.setdefault(record_id_of(root, path), path)
        by_id.setdefault(path.stem, path)
    labels_by_id: dict[str, tuple[str, ...]] = {}
    split_by_id: dict[str, str] = {}
    patient_by_id: dict[str, str] = {}
    line_of: dict[str, int] = {}
    spelled: dict[str, tuple[str, int]] = {}       # a class name in lower case -> (as first written, line)
    for n, row in zip(rows.lines, rows):
        rid = table_record_id(row[id_col])
        if not rid:
            continue
        if rid in line_of:
            # a second row for one record had silently replaced the first (its labels and its split:
            # a record moved from train to test); which row is right is not ours to guess
            raise DatasetError(f"{labels_path}, line {n}: record {rid!r} appears twice (also on line "
                               f"{line_of[rid]}); give each record one row")
        line_of[rid] = n
        if label_col:
            labs = tuple(sorted({s.strip() for s in re.split(r"[;|]", row[label_col] or "") if s.strip()}))
            comma = next((c for c in labs if "," in c), None)
            if comma is not None:
                # "AF, LVH" (a quoted cell of a comma-separated file) had become one class "AF, LVH";
                # a class name may hold a comma, so which was meant is not ours to guess. In a table
                # whose columns are separated by ';' (a spreadsheet's export in a decimal-comma
                # locale) a ';' inside the cell would split the row: '|' there
                sep = "|" if ";" in table_text(labels_path).partition("\n")[0] else ";"
                raise DatasetError(f"{labels_path}, line {n}: class {comma!r} holds a comma; separate "
                                   f"classes with {sep!r} ({sep.join(c.strip() for c in comma.split(','))}), "
                                   "or name the class without a comma")
        else:
            stray = [c for c in row if c is not None and not c.strip() and (row[c] or "").strip()]
            if stray:
                raise DatasetError(f"{labels_path}, line {n}: {row[stray[0]].strip()!r} stands in a column "
                                   "without a name; name the column (its class) or empty it")
            labs = []
            for c in class_cols:
                v = (row[c] or "").strip()
                if v not in ("", "0", "1", "0.0", "1.0"):
                    # a column of class names under another name ("Diagnosis") had read as a 0/1 class
                    # column, and the message said only that it must be 0 or 1
                    hint = ("" if re.fullmatch(r"[0-9.,+-]+", v) else
                            "; a column of class names must be named 'labels' (without one, every column "
                            "but the record id and 'split' is a class of 0/1 cells: leave other columns out)")
                    if _lab_feature(c):
                        # the labs table given as --labels (the two options swapped): its first lab read as a class
                        hint = (f"; {c.strip()!r} is a lab feature: is {labels_path.name} the labs table? Give it as "
                                "--labs, and the table of classes as --labels")
                    raise DatasetError(f"{labels_path}, line {n}: column {c} must be 0 or 1, found {v!r}{hint}")
                if v in ("1", "1.0"):
                    labs.append(c.strip())
            labs = tuple(labs)
        labs = tuple(sorted({lmap.get(c, c) for c in labs}))
        for c in labs:
            first = spelled.setdefault(" ".join(c.split()).casefold(), (c, n))
            if first[0] != c:
                # 'NORM' and 'norm' had become two classes, each learnt from part of its records; so had
                # 'Sinus rhythm' and 'Sinus  rhythm' (two blanks, as free text typed in a spreadsheet)
                raise DatasetError(f"{labels_path}, line {n}: class {c!r} differs from {first[0]!r} (line "
                                   f"{first[1]}) only in case or blanks; write each class one way")
        labels_by_id[rid] = labs
        if patient_col and (row[patient_col] or "").strip():
            patient_by_id[rid] = " ".join(row[patient_col].split())
        if split_col and (row[split_col] or "").strip():
            s = row[split_col].strip().lower()
            s = SPLIT_SPELLINGS.get(s, s)
            if s not in SPLITS:
                raise DatasetError(f"{labels_path}, line {n}: split must be train, val or test, found {s!r}")
            split_by_id[rid] = s
    # mirage convert's list of the records it wrote under another name: labels and labs rows named as its inputs
    renamed, why = read_renamed(root)
    if why:
        logger.warning("%s", why)
    lab_values: dict[str, dict] = {}
    clinical_names: list[str] = []
    labs_match = None
    labs_patients: dict[str, dict[str, str]] = {}  # labs row id -> {patient column: id}
    labs_patient_col = None
    labs_not_read: list[str] = []                 # the labs table's columns of no feature ("Smoker")
    labs_patient_first: list[str] = []            # its first column's header, when that names patients
    if labs_path:
        by_record = group_by is not None and folded_column(group_by) == BY_RECORD
        lab_values, clinical_names = read_labs(Path(labs_path), labs_patients,
                                               (group_by,) if group_by is not None and not by_record else (),
                                               not_read=labs_not_read, patient_first=labs_patient_first)
        labs_patient_col = patient_column(list(dict.fromkeys(c for ids in labs_patients.values() for c in ids)),
                                          Path(labs_path), group_by, required=False)
        if group_by is not None and not by_record and not (patient_col or labs_patient_col):
            try:
                patient_column(rows[0].keys(), labels_path, group_by, taken=taken)     # "no such column"
            except DatasetError as err:
                raise DatasetError(f"{err} (nor has {labs_path} such a column)") from None
        # a record's row as mirage score, mirage report and the app find it (``clinical.labs_tree.run_match``): by
        # its path in the folder ("siteA/1"), else by a shorter trailing part ("1") that fits no other record, here
        # or under the table's folder (DATASET/labs.csv's "1" beside DATASET/siteA/1 and DATASET/siteB/1 had been
        # given to siteA/1 in a run of DATASET/siteA: perhaps siteB's patient's labs), else by its whole path;
        # and a row named as an input mirage convert wrote under another name, by its list in the folder
        labs_match = run_match(lab_values, headers, root, renamed, Path(labs_path))
    items = []
    missing_files = []
    ambiguous: dict[str, str] = {}                # record's path id -> why its labs row is refused
    unlabelled: list[str] = []
    header_fields: set[str] = set()
    labelled: dict[str, str] = {}                 # record's path id -> the id of the row that labelled it
    labs_patient_by_id: dict[str, str] = {}       # labels row id -> the patient its labs row names
    no_row: list[str] = []                        # labelled records the labs table has no row for
    disagree: list[str] = []                      # records whose labs row and header differ in age or sex
    # a row whose id a spreadsheet made a number ("417" for 00417, "1.0" for 1) labels the one record
    # that number names, where unambiguous (``clinical.labs.respelled_rows``), and is said below
    respelled, _ = respelled_rows([r for r in labels_by_id if r not in by_id], [record_id_of(root, h) for h in headers],
                                  taken={record_id_of(root, by_id[r]) for r in labels_by_id if r in by_id})
    # a row named as an input mirage convert wrote under another name ("Müller" for Muller), by its list alone
    known: dict[str, str] = {}                    # record id -> the first row that fits it as written (or a number)
    for r in labels_by_id:
        if hea := by_id.get(r) or by_id.get(respelled.get(r, "")):
            known.setdefault(record_id_of(root, hea), r)
    listed, not_listed = _labels_by_list(labels_path, renamed, labels_by_id, known,
                                         [record_id_of(root, h) for h in headers], line_of)
    # a row named by its record's path under a folder above ROOT ("siteA/1" for DATASET/siteA), as a labs row is found
    above = rows_above([r for r in labels_by_id if not (r in by_id or r in respelled or r in listed)], headers, root)
    for rid, labs in labels_by_id.items():
        # a row of 0/1 columns that are all 0 is a labelled negative (no AF, no BRADY), kept in a
        # multilabel task; it had been left out, silently, so that a one-column table (AF 0/1)
        # trained on its positives alone. An empty `labels` cell, or a multiclass row with no
        # class, says nothing: such rows are left out, and counted
        if not labs and (label_col or task == "multiclass"):
            unlabelled.append(rid)
            continue
        if task == "multiclass" and len(labs) != 1:
            raise DatasetError(f"{labels_path}: record {rid} has {len(labs)} labels; multiclass needs exactly one")
        hea = by_id.get(rid) or by_id.get(respelled.get(rid, "")) or by_id.get(listed.get(rid, "")) or above.get(rid)
        if rid in not_listed:
            continue        # a row convert's list names, refused: warned of, naming it and why
        if hea is None:
            missing_files.append(rid)
            continue
        if record_id_of(root, hea) != rid and len(stems.get(rid, ())) > 1:
            # a row keyed by a file name that two records of the folder share (siteA/1, siteB/1): it had
            # labelled the first found and left the other out, silently; as labs rows, it labels neither
            raise DatasetError(f"{labels_path}: row {rid!r} fits {len(stems[rid])} records "
                               f"({', '.join(stems[rid][:5])}); name each record by its path in the folder "
                               f"(e.g. {stems[rid][0]!r})")
        path_id = record_id_of(root, hea)
        if len(files_of.get(path_id, ())) > 1:
            # 1.hea beside 1.edf (a record converted into its own folder): one id, two records; the
            # row had labelled the first found and left the other out, silently
            raise DatasetError(f"{labels_path}, line {line_of[rid]}: row {rid!r} fits {len(files_of[path_id])} files "
                               f"({', '.join(p.name for p in files_of[path_id])}) of one name; give each record a "
                               "name of its own, or move one of them out of the folder")
        if path_id in labelled:
            # one record named two ways ('siteA/1' and '1'): it had become two items, which could
            # fall into different splits (the same ECG in training and in test)
            other = labelled[path_id]
            raise DatasetError(f"{labels_path}, line {line_of[rid]}: row {rid!r} names the record {path_id!r} "
                               f"that line {line_of[other]} ({other!r}) names already; give each record one row")
        labelled[path_id] = rid
        clin = {}
        if labs_match is not None:
            if path_id in labs_match.ambiguous:
                ambiguous[path_id] = labs_match.ambiguous[path_id]
            elif labs_match.row_id(path_id) is not None:
                clin = dict(lab_values[labs_match.row_id(path_id)])
                pid = labs_patients.get(labs_match.row_id(path_id), {}).get(labs_patient_col or "")
                if pid:
                    labs_patient_by_id[rid] = pid
            else:
                no_row.append(path_id)
        differs = []
        for name, value in header_values(hea).items():     # the labs table wins
            if name not in clin:
                clin[name] = value
                header_fields.add(name)
            elif differ := header_disagreement(name, value, clin[name]):
                differs.append(differ)
        if differs:
            disagree.append(f"{path_id}: {', '.join(differs)}")
        items.append(Item(rid, hea, labs, clin, split_by_id.get(rid, "")))
    # a row that fits records of two folders under the table's ("1": siteA/1 and siteB/1) labels neither, as labs rows
    refuse_ambiguous(labels_path, "labels", tree_match(LabsMatch(labelled, {}, [], {p: r for p, r in labelled.items()
                      if r in listed}), {record_id_of(root, it.path): it.path for it in items}, labels_path,
                      "labels").ambiguous)
    if missing_files and not items and headers:
        # every row named no record: the run had ended on "no labelled records for task 'multilabel'",
        # which said nothing of the ids
        raise DatasetError(f"{labels_path}: none of its {len(missing_files)} rows names a record under {root} "
                           f"(ids such as {', '.join(repr(r) for r in missing_files[:3])}); name each record by "
                           f"its path in the folder without the extension, e.g. "
                           f"{record_id_of(root, headers[0])!r}"
                           f"{near_miss_text(missing_files, (record_id_of(root, h) for h in headers), bool(renamed))}")
    if warning := respelled_warning(labels_path, [respelled_note(row, record_id_of(root, by_id[rec]))
                                                  for row, rec in respelled.items() if row in labelled.values()]):
        logger.warning("%s", warning)
    def at_lines(ids) -> str:
        # "line 62: 99, line 63: 100": a row found by its line in a table of thousands, not by its id alone
        return first_few(ids, fmt=lambda r: f"line {line_of[r]}: {r}" if r in line_of else r)

    if missing_files:
        n = len(missing_files)
        logger.warning("%s: %d labelled %s no file under %s and %s not used (%s)%s", labels_path, n,
                       "record has" if n == 1 else "records have", root, "is" if n == 1 else "are",
                       at_lines(missing_files),
                       near_miss_text(missing_files, (record_id_of(root, h) for h in headers), bool(renamed)))
    # records in the folder that no row of the table names: they had been left out in silence (a
    # researcher's 70 ECGs trained as 65, nothing said which or why)
    rowless = [rid for rid in (record_id_of(root, h) for h in headers)
               if rid not in labelled and not any(t in labels_by_id for t in _trailing_ids(rid))]
    if rowless:
        one = len(rowless) == 1
        logger.warning("%s: %d of %s under %s %s no row in it and %s not used (%s%s)", labels_path, len(rowless),
                       counted(len(headers), "record"), root, "has" if one else "have", "is" if one else "are",
                       "" if one else "first: ", first_few(rowless))
    if disagree:
        # the table's value is used; a sex or an age that differs from the ECG's own header may be
        # another patient's row (a mix-up), which had gone unsaid
        logger.warning("%s: %d records' rows differ from their headers in age or sex; the table's "
                       "values are used (first: %s)", labs_path, len(disagree), "; ".join(disagree[:3]))
    if unlabelled:
        what = f"an empty {label_col!r} cell" if label_col else "no class column set to 1 (multiclass needs one)"
        n = len(unlabelled)
        logger.warning("%s: %d %s %s and %s left out (%s)", labels_path, n, "row has" if n == 1 else "rows have",
                       what, "is" if n == 1 else "are", at_lines(unlabelled))
    refuse_ambiguous(labs_path, "labs", ambiguous)
    # the table said to hold the patient column, or said to hold none ("labels.csv or labs.csv")
    group_table = labels_path.name if patient_col or not labs_path else f"{labels_path.name} or {Path(labs_path).name}"
    if labs_patient_col:
        if patient_col:
            _check_patients(labels_path, patient_col, patient_by_id, Path(labs_path), labs_patient_col,
                            labs_patient_by_id, line_of)
        else:
            patient_col, group_table = labs_patient_col, Path(labs_path).name
        # the labels table first; the labs table for the records its cell leaves empty
        patient_by_id = {**labs_patient_by_id, **patient_by_id}
    # the split column first; a split file or the seed for the records it leaves without one
    unsplit = sum(not it.split for it in items) if split_by_id else 0
    info = assign_splits(items, split_file, seed, val_frac, test_frac, keep_existing=bool(split_by_id),
                         patients=patient_by_id, method="column" if split_by_id and not unsplit else split_method,
                         group_column=patient_col, table=group_table, looked_for=group_by is None,
                         split_table=str(labels_path))
    if unsplit and not split_file:
        # a column filled for some rows only: the rest are dealt by the seed (a patient's records follow
        # the one the column places), which had gone unsaid
        logger.warning("%s: %d of %d records have no split in its split column: split by --seed %d%s", labels_path,
                       unsplit, len(items), seed, ", by patient" if patient_col else "")
    if info.looked_for and not patient_col and info.method in SPLIT_METHODS:
        # two ECGs of one patient in training and test inflate every figure; a table of one ECG per
        # patient says so with --group-by record
        logger.warning("%s: no patient column (%s ...)%s: the seeded split is by record, so one patient's ECGs may "
                       "lie in training and test; name the column of patient ids with --group-by COLUMN, or give "
                       "--group-by record if every record is another patient's", labels_path,
                       ", ".join(PATIENT_COLUMNS[:6]), f", nor in {labs_path}" if labs_path else "")
    if patient_col and (unnamed := sum(it.record_id not in patient_by_id for it in items)):
        logger.warning("%s: %d of %d records have no %s; each such record is split as a patient of its own",
                       labels_path if group_table == labels_path.name else labs_path, unnamed, len(items),
                       patient_col)
    if info.across:
        # a split file or the split column put one patient's records in two splits: the figures on
        # the later split are then partly measured on that patient's training records
        logger.warning("%s: %d patients (%s) have records in more than one split", split_file or labels_path,
                       info.across, patient_col)
    classes = sorted({c for it in items for c in it.labels})
    if items and not classes:
        raise DatasetError(f"{labels_path}: no record found under {root} carries a class (every class "
                           "column is 0 or empty)")
    never = [c.strip() for c in class_cols if lmap.get(c.strip(), c.strip()) not in classes]
    if never:
        logger.warning("%s: class column(s) %s have no 1 in any record found and are not trained",
                       labels_path, ", ".join(never))
    if labs_match is not None:
        _check_labs(Path(labs_path), lab_values, labs_match, clinical_names, items, no_row,
                    [record_id_of(root, h) for h in headers])
    clinical_names = [n for n in RECORD_FEATURES if n in header_fields and n not in clinical_names] + clinical_names
    _warn_codes(labels_path, classes, label_map)
    ident = {"kind": "folder", "root": str(root.resolve()),
             "labels": hashlib.sha256(labels_path.read_bytes()).hexdigest()[:16],
             **({"labelmap": hashlib.sha256(Path(label_map).read_bytes()).hexdigest()[:16]} if label_map else {})}
    left_out = kinds_left_out(no_file=missing_files, unlabelled=unlabelled, no_labels_row=rowless, no_labs_row=no_row,
                           labs_rows_unmatched=labs_match.unmatched if labs_match is not None else (),
                           labs_columns_not_read=labs_not_read)
    return Dataset(spec, "folder", root, task, task, classes, items, clinical_names, identity=ident, split_info=info,
                   left_out=left_out, labs_rows=lab_values, labs_patient_first=next(iter(labs_patient_first), None),
                   descriptions={c: w for c, w in read_label_descriptions(label_map).items() if c in classes}
                   if label_map else {})


def _check_patients(labels_path: Path, column: str, patients: dict[str, str], labs_path: Path, labs_column: str,
                    labs_patients: dict[str, str], line_of: dict[str, int]) -> None:
    """Refuse a labels table and a labs table that both name the records' patients and disagree: a
    record whose two cells differ under one column name ("patient_id" in both), or, under two
    names (the study's id and the MRN), two records that one table gives one patient and the other
    two. Either is a row of the other patient's, or a table sorted apart from its ids; which
    table is right is not ours to guess.

    Args:
        patients, labs_patients: labels row id -> patient, from each table (records with a cell).
        line_of: labels row id -> its line.

    Raises:
        DatasetError: naming the record(s), both cells and both files.
    """
    both = [rid for rid in patients if rid in labs_patients]
    if folded_column(column) == folded_column(labs_column):
        for rid in both:
            if patients[rid] != labs_patients[rid]:
                raise DatasetError(f"{labels_path}, line {line_of[rid]}: record {rid!r} is patient {patients[rid]!r} "
                                   f"there ({column}), but {labs_patients[rid]!r} in {labs_path} ({labs_column}); "
                                   "correct one table, or leave one of the columns out")
        return
    for one, other, one_path, other_path, one_col, other_col in (
            (patients, labs_patients, labels_path, labs_path, column, labs_column),
            (labs_patients, patients, labs_path, labels_path, labs_column, column)):
        first: dict[str, str] = {}                # a patient of one table -> its first record
        for rid in both:
            seen = first.setdefault(one[rid], rid)
            if other[seen] != other[rid]:
                raise DatasetError(f"{one_path}: records {seen!r} and {rid!r} are one patient there ({one_col} "
                                   f"{one[rid]!r}), but two in {other_path} ({other_col} {other[seen]!r} and "
                                   f"{other[rid]!r}); correct one table, or leave one of the columns out")


def _lab_feature(column: str) -> bool:
    """Whether a labels-table column is named as a lab feature ("Age (years)", "CRP [mg/dL]")."""
    name = re.sub(r"\s*[\[(][^\[\]()]*[\])]\s*$", "", column.strip())
    return any(f.matches(name) for f in default_schema().features)


def _warn_codes(labels_path: Path, classes: list[str], label_map) -> None:
    """Warn of classes written as codes beside classes written as names (or codes a label map does not
    name): "426783006" and "Sinus rhythm" had trained as two classes, each on part of its records."""
    codes = [c for c in classes if re.fullmatch(r"[0-9]{6,18}", c)]
    if not codes or (len(codes) == len(classes) and not label_map):
        return
    shown = first_few(codes, more=" ...")
    if label_map:
        logger.warning("%s: %d classes look like SNOMED-CT codes that %s does not name (%s); each trains "
                       "as a class of its own", labels_path, len(codes), Path(label_map).name, shown)
    else:
        logger.warning("%s: %d of %d classes look like SNOMED-CT codes (%s) beside classes written as names; "
                       "each trains as a class of its own: --label-map FILE.csv (columns snomed_ct,class; "
                       "a row such as '426783006,Sinus rhythm') names them", labels_path, len(codes),
                       len(classes), shown)


def _labels_by_list(path: Path, renamed, row_ids, known: dict, record_ids, line_of: dict) -> tuple[dict, set]:
    """The rows of a labels table named as inputs mirage convert wrote under another name, given their records by its
    list in the folder (``renamed``) as labs rows are (``clinical.labs_ids.renamed_rows``), and the rows it names
    that were refused (the record has a row of its own, two rows would be the one record, the row names two inputs),
    each warned of, naming the rows (``listed_warnings``).

    Args:
        known: {record id: row id} of the rows that fit a record as written or as a spreadsheet's number.

    Returns:
        {row id: record id} of the rows matched by the list, and the ids of those refused.

    Raises:
        DatasetError: a row names one record as written and another by the list: either may be its patient.
    """
    if not renamed:
        return {}, set()
    unmatched = [r for r in row_ids if r not in known.values()]
    found, refused, twice = renamed_rows(unmatched, renamed, known, record_ids, kind="labels")
    if twice:
        row = next(known[r] for r in twice if r in known)
        raise DatasetError(f"{path}, line {line_of[row]}: {twice[next(iter(twice))]}")
    listed = {rid: row for row, rid in found.items()}
    for warning in listed_warnings(path, LabsMatch(listed, {}, [], listed, refused, True)):
        logger.warning("%s", warning)
    return found, set(refused)


def _check_labs(path: Path, lab_values: dict, match, names: list[str], items: list[Item],
                no_row: list[str] = (), record_ids=()) -> None:
    """Say what a labs table gives the training split. A table without rows, or none of whose rows
    fits a record (ids as "1.hea" or "ecg_1"), is an error: --labs would then train a "labs" model on no lab
    value at all. Rows that fit no record, labelled records without a row (``no_row``: their labs
    are masked as missing; a table cut short or half its ids misspelt had said nothing), and a lab
    feature with no value in the training split (the model cannot learn it; the checkpoint keeps
    its prior statistics), are warnings: a lab measured for a few records only may be left in on
    purpose.

    Raises:
        DatasetError: the table has no row, or none that fits a record under the dataset's folder.
    """
    if not lab_values:
        raise DatasetError(f"{path}: no rows under its header: --labs would train a labs model without a "
                           "lab value; give the table's rows or leave --labs out")
    if len(match.unmatched) == len(lab_values):
        # the example is one of the folder's own records ('H-100022'), not a made-up 'siteA/1'
        example = id_example(record_ids)
        raise DatasetError(f"{path}: none of its {len(lab_values)} rows fits a record (ids such as "
                           f"{', '.join(repr(r) for r in match.unmatched[:3])}); name each record by "
                           f"its path in the folder without the extension, e.g. {example}"
                           f"{near_miss_text(match.unmatched, record_ids, match.listed_read)}")
    for warning in (respelled_warning(path, match.respelled_notes()), *listed_warnings(path, match)):
        # a row matched by the number its id reads as ("1.0" for the record 1), or by convert's list of the
        # records it renamed ("Müller" for Muller), and the rows that list names refused: said, never silent
        if warning:
            logger.warning("%s", warning)
    if match.unmatched:
        one = len(match.unmatched) == 1
        logger.warning("%s: %d of %s %s no record and %s not used (%s%s)%s", path, len(match.unmatched),
                       counted(len(lab_values), "row"), "fits" if one else "fit", "is" if one else "are",
                       "" if one else "first: ", first_few(match.unmatched),
                       near_miss_text(match.unmatched, record_ids, match.listed_read))
    if no_row:
        one = len(no_row) == 1
        logger.warning("%s: %d of %s %s no row: %s masked as missing (%s%s)", path, len(no_row),
                       counted(len(items), "labelled record"), "has" if one else "have",
                       "its labs are" if one else "every lab of theirs is",
                       "" if one else "first: ", first_few(no_row))
    train = [it for it in items if it.split == "train"]
    if not train:
        return
    empty = [n for n in names if not any(it.clinical.get(n) is not None for it in train)]
    for name in empty:
        logger.warning("%s: %s has no value in the training split (%s); the model cannot "
                       "learn it", path, name, counted(len(train), "record"))
