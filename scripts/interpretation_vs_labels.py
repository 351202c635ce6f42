"""The interpretation read against cardiologists' labels on records the models never trained on.

Reads the ``interpretation`` column that ``mirage score`` wrote for LUDB, the PhysioNet/CinC Challenge samples and
PTB Diagnostic records, and each record's own labels from its header: LUDB's diagnoses (the ``#`` comment lines),
the Challenge's ``#Dx`` SNOMED-CT codes (named as in the Challenge's public dx_mapping_scored.csv and
dx_mapping_unscored.csv, physionetchallenges/evaluation-2021) and PTB Diagnostic's infarct localisation. Per
statement family (rhythm, conduction, axis, hypertrophy, ischaemia/infarction, repolarisation): for each finding,
the records labelled with it, those of them whose interpretation states it (sensitivity) and the records it is
stated on without the label (false statements), each named.

    mirage score LUDB/data --out ludb.csv --all-statements
    mirage score CINC --out cinc.csv --all-statements
    mirage score PTBDB --out ptbdb.csv --all-statements
    python scripts/interpretation_vs_labels.py --ludb LUDB/data ludb.csv --cinc CINC cinc.csv \
        --ptbdb PTBDB ptbdb.csv [--markdown table.md] [--records]

The Challenge's PTB-XL records (names HR...) are left out: the models were trained on PTB-XL's folds 1-8, and its
fold 10 is the benchmark's test fold, read by nothing here. Its PTB records (S...) carry diagnoses only (an infarct,
at times the rhythm): there only the ischaemia/infarction family and the findings labelled are counted; CPSC 2018's
(A...) only its nine classes; CPSC-Extra's (Q...) all but sinus rhythm and long QT, which it hardly codes.

A finding a dataset never labels (LUDB has no label for low voltage, PTB Diagnostic none for the rhythm) is not
counted for that dataset's records: a statement there is neither a hit nor a false statement.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path
from typing import NamedTuple

from mirage_model.records.ptbxl import challenge_ecg_id

# finding -> (family, words in the interpretation that state it: a statement starting with one of them)
FINDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sinus rhythm (any)": ("rhythm", ("Sinus rhythm", "Sinus bradycardia", "Sinus tachycardia", "Sinus arrhythmia")),
    "sinus bradycardia": ("rhythm", ("Sinus bradycardia",)),
    "sinus tachycardia": ("rhythm", ("Sinus tachycardia",)),
    "sinus arrhythmia": ("rhythm", ("Sinus arrhythmia",)),
    "atrial fibrillation": ("rhythm", ("Atrial fibrillation",)),
    "atrial flutter": ("rhythm", ("Atrial flutter",)),
    "paced rhythm": ("rhythm", ("Paced rhythm",)),
    "atrial premature complexes": ("rhythm", ("Atrial premature complexes",)),
    "ventricular premature complexes": ("rhythm", ("Ventricular premature complexes",)),
    "first degree AV block": ("conduction", ("First degree AV block", "Prolonged PR interval")),
    "second/third degree AV block": ("conduction", ("Second degree AV block", "Third degree")),
    "complete RBBB": ("conduction", ("Right bundle branch block",)),
    "incomplete RBBB": ("conduction", ("Incomplete right bundle branch block",)),
    "complete LBBB": ("conduction", ("Left bundle branch block",)),
    "incomplete LBBB": ("conduction", ("Incomplete left bundle branch block",)),
    "left anterior fascicular block": ("conduction", ("Left anterior fascicular block",)),
    "nonspecific IV conduction delay": ("conduction", ("Nonspecific intraventricular conduction delay",)),
    "left axis deviation": ("axis", ("Left axis deviation",)),
    "right axis deviation": ("axis", ("Right axis deviation",)),
    "left ventricular hypertrophy": ("hypertrophy", ("Left ventricular hypertrophy",
                                                     "Voltage criteria for left ventricular hypertrophy")),
    "right ventricular hypertrophy": ("hypertrophy", ("Right ventricular hypertrophy",)),
    "left atrial enlargement": ("hypertrophy", ("Left atrial enlargement",)),
    "right atrial enlargement": ("hypertrophy", ("Right atrial enlargement",)),
    "infarction": ("ischaemia", ("Inferior infarct", "Inferolateral infarct", "Inferoposterolateral infarct",
                                 "Inferoposterior infarct", "Anteroseptal infarct", "Anterior infarct",
                                 "Anterolateral infarct", "Lateral infarct", "Posterior infarct", "Q waves present")),
    "ischaemia/injury": ("ischaemia", ("Subendocardial injury", "Nonspecific ischaemic changes", "Ischaemic changes",
                                       "Nonspecific ST elevation", "Nonspecific ST depression")),
    "nonspecific ST-T / T wave": ("repolarisation", ("Nonspecific ST changes", "Nonspecific T wave",
                                                     "T wave abnormality", "Inverted T waves", "Low amplitude T waves",
                                                     "Nonspecific ST depression", "Nonspecific ST elevation")),
    "long QT": ("repolarisation", ("Long QT interval", "Prolonged QTc")),
    "low QRS voltage": ("other", ("Low QRS voltage",)),
}
FAMILIES = ("rhythm", "conduction", "axis", "hypertrophy", "ischaemia", "repolarisation", "other")

# LUDB diagnosis (lower case, as in its headers) -> findings; LUDB labels every family (an empty one is a negative)
LUDB = {
    "sinus rhythm": ("sinus rhythm (any)",), "sinus bradycardia": ("sinus rhythm (any)", "sinus bradycardia"),
    "sinus tachycardia": ("sinus rhythm (any)", "sinus tachycardia"),
    "sinus arrhythmia": ("sinus rhythm (any)", "sinus arrhythmia"),
    "atrial fibrillation": ("atrial fibrillation",), "atrial flutter": ("atrial flutter",),
    "atrial extrasystole": ("atrial premature complexes",),
    "ventricular extrasystole": ("ventricular premature complexes",),
    "i degree av block": ("first degree AV block",), "iii degree av-block": ("second/third degree AV block",),
    "complete right bundle branch block": ("complete RBBB",),
    "incomplete right bundle branch block": ("incomplete RBBB",),
    "complete left bundle branch block": ("complete LBBB",),
    "incomplete left bundle branch block": ("incomplete LBBB",),
    "left anterior hemiblock": ("left anterior fascicular block",),
    "non-specific intravintricular conduction delay": ("nonspecific IV conduction delay",),
    "left axis deviation": ("left axis deviation",), "right axis deviation": ("right axis deviation",),
    "left ventricular hypertrophy": ("left ventricular hypertrophy",),
    "right ventricular hypertrophy": ("right ventricular hypertrophy",),
    "left atrial hypertrophy": ("left atrial enlargement",), "left atrial overload": ("left atrial enlargement",),
    "right atrial overload": ("right atrial enlargement",),
    "scar formation": ("infarction",), "stemi": ("infarction",),
    "ischemia": ("ischaemia/injury",), "undefined ischemia/scar/supp.nstemi": ("infarction", "ischaemia/injury"),
    "non-specific repolarization abnormalities": ("nonspecific ST-T / T wave",),
    "pacemaker presence": ("paced rhythm",), "unipolar atrial pacing": ("paced rhythm",),
    "unipolar ventricular pacing": ("paced rhythm",),
    "bipolar ventricular pacing": ("paced rhythm",), "biventricular pacing": ("paced rhythm",),
}
LUDB_UNLABELLED = frozenset({"long QT", "low QRS voltage"})

# SNOMED-CT code (the Challenge's dx_mapping_scored.csv / dx_mapping_unscored.csv) -> findings, for the codes in the
# samples; the Challenge's labels are what each source's reader wrote, so a finding not coded is a negative
SNOMED = {
    "426783006": ("sinus rhythm (any)",), "426177001": ("sinus rhythm (any)", "sinus bradycardia"),
    "427084000": ("sinus rhythm (any)", "sinus tachycardia"), "427393009": ("sinus rhythm (any)", "sinus arrhythmia"),
    "164889003": ("atrial fibrillation",), "164890007": ("atrial flutter",), "10370003": ("paced rhythm",),
    "284470004": ("atrial premature complexes",), "63593006": ("atrial premature complexes",),
    "427172004": ("ventricular premature complexes",), "17338001": ("ventricular premature complexes",),
    "164884008": ("ventricular premature complexes",),
    "270492004": ("first degree AV block",), "164947007": ("first degree AV block",),
    "713427006": ("complete RBBB",), "59118001": ("complete RBBB",), "713426002": ("incomplete RBBB",),
    "164909002": ("complete LBBB",), "733534002": ("complete LBBB",), "251120003": ("incomplete LBBB",),
    "445118002": ("left anterior fascicular block",), "698252002": ("nonspecific IV conduction delay",),
    "39732003": ("left axis deviation",), "47665007": ("right axis deviation",),
    "164873001": ("left ventricular hypertrophy",), "55827005": ("left ventricular hypertrophy",),
    "89792004": ("right ventricular hypertrophy",), "67741000119109": ("left atrial enlargement",),
    "446358003": ("right atrial enlargement",),
    "164865005": ("infarction",), "164867002": ("infarction",), "164917005": ("infarction",),
    "164861001": ("ischaemia/injury",), "413844008": ("ischaemia/injury",), "425623009": ("ischaemia/injury",),
    "428750005": ("nonspecific ST-T / T wave",), "164934002": ("nonspecific ST-T / T wave",),
    "59931005": ("nonspecific ST-T / T wave",), "164930006": ("nonspecific ST-T / T wave",),
    "55930002": ("nonspecific ST-T / T wave",), "429622005": ("nonspecific ST-T / T wave",),
    "111975006": ("long QT",), "251146004": ("low QRS voltage",),
    "233917008": ("second/third degree AV block",), "27885002": ("second/third degree AV block",),
}

# CPSC 2018 (records A...) labels nine classes (normal, AF, I-AVB, LBBB, RBBB, PAC, PVC, STD, STE); a sinus rhythm
# with a block is labelled by the block alone. CPSC-Extra (Q...) codes sinus rhythm on 4 and a prolonged QT on 4 of
# its 3,453 records (dx_mapping_scored.csv): neither is a negative there.
CPSC_JUDGED = ("atrial fibrillation", "first degree AV block", "complete LBBB", "complete RBBB",
               "atrial premature complexes", "ventricular premature complexes")
CPSC_EXTRA_UNLABELLED = frozenset({"sinus rhythm (any)", "long QT"})


class Row(NamedTuple):
    dataset: str
    record: str
    labels: frozenset          # findings labelled
    judged: frozenset          # findings the dataset labels at all (the others are not counted)
    stated: frozenset          # findings the interpretation states
    marked: frozenset          # of them, those stated marked "(?)" only
    interpretation: str


def header_comments(hea: Path) -> list[str]:
    return [ln[1:].strip() for ln in hea.read_text(errors="replace").splitlines() if ln.startswith("#")]


def ludb_labels(comments: list[str]) -> set[str]:
    out = set()
    for c in comments:
        c = c.lower().rstrip(". ")
        for key in (c, c.split(":")[-1].strip(), c.split(":")[0].strip(), c.split(",")[0].strip()):
            if key in LUDB:
                out.update(LUDB[key])
                break
        else:
            if c.startswith("rhythm:"):
                body = c.split(":", 1)[1].strip().split(",")[0]
                out.update(LUDB.get(body, ()))
    return out


def snomed_labels(comments: list[str]) -> set[str]:
    out = set()
    for c in comments:
        if c.lower().startswith("dx:"):
            for code in c.split(":", 1)[1].split(","):
                out.update(SNOMED.get(code.strip(), ()))
    return out


def ptbdb_labels(comments: list[str]) -> set[str]:
    text = " ".join(comments).lower()
    out = set()
    if re.search(r"acute infarction \(localization\): (?!no\b|n/a)", text) or \
            re.search(r"former infarction \(localization\): (?!no\b|n/a)", text):
        out.add("infarction")
    return out


def stated_findings(interpretation: str, marked: bool = False) -> set[str]:
    """The findings an interpretation states; a withheld one ("WITHHELD (reason): ...") counts as stated (its
    statements are what the record read as, marked withheld). ``marked``: only those said marked "(?)" (a
    measurement or a check doubts them; every statement of the finding marked)."""
    out, unmarked = set(), set()
    if interpretation.startswith("WITHHELD ("):          # its reason in (nested) parentheses, then ": "
        depth = 0
        for i, ch in enumerate(interpretation):
            depth += (ch == "(") - (ch == ")")
            if ch == ")" and depth == 0:
                interpretation = interpretation[i + 1:].removeprefix(": ")
                break
    for s in (x.strip() for x in interpretation.split(";")):
        for finding, (_, words) in FINDINGS.items():
            if any(s.startswith(w) for w in words):
                out.add(finding)
                if not s.endswith("(?)"):
                    unmarked.add(finding)
    return out - unmarked if marked else out


def read_rows(dataset: str, folder: Path, scores: Path) -> list[Row]:
    """The scored records of one dataset: ``scores``'s rows (status ok), their labels from the headers in ``folder``."""
    rows = []
    with open(scores, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r.get("status") != "ok":
                continue
            hea = (folder / r["record_path"]).with_suffix(".hea")
            if dataset == "CinC" and challenge_ecg_id(hea) is not None:
                continue        # a PTB-XL record: trained on, or the test fold
            if not hea.exists():
                raise SystemExit(f"{scores}: {r['record_path']} has no header {hea}")
            comments = header_comments(hea)
            if dataset == "LUDB":
                labels, judged = ludb_labels(comments), set(FINDINGS) - LUDB_UNLABELLED
            elif dataset == "PTB Diagnostic":
                labels, judged = ptbdb_labels(comments), {"infarction"}
            else:
                labels, judged = snomed_labels(comments), set(FINDINGS)
                if re.fullmatch(r"S\d+", hea.stem):        # the PTB source: diagnoses only
                    judged = {f for f in FINDINGS if FINDINGS[f][0] == "ischaemia"} | labels
                elif re.fullmatch(r"A\d+", hea.stem):      # CPSC 2018: its nine classes only
                    judged = set(CPSC_JUDGED)
                elif re.fullmatch(r"Q\d+", hea.stem):      # CPSC-Extra: no sinus rhythm, no long QT coded
                    judged = set(FINDINGS) - CPSC_EXTRA_UNLABELLED
            interp = r.get("interpretation", "")
            rows.append(Row(dataset, r.get("record_id") or hea.stem, frozenset(labels), frozenset(judged),
                            frozenset(stated_findings(interp)), frozenset(stated_findings(interp, marked=True)),
                            interp))
    return rows


def table(rows: list[Row]) -> list[dict]:
    out = []
    for finding, (family, _) in FINDINGS.items():
        judged = [r for r in rows if finding in r.judged]
        pos = [r for r in judged if finding in r.labels]
        hit = [r for r in pos if finding in r.stated]
        miss = [r for r in pos if finding not in r.stated]
        false = [r for r in judged if finding in r.stated and finding not in r.labels]
        # a statement marked "(?)" is named with the mark: the reader was told it is doubted
        name = lambda r: f"{r.dataset} {r.record}" + (" (?)" if finding in r.marked else "")     # noqa: E731
        out.append(dict(family=family, finding=finding, judged=len(judged), labelled=len(pos), stated_labelled=len(hit),
                        hit_marked=sum(finding in r.marked for r in hit), missed=[name(r) for r in miss],
                        false=[name(r) for r in false], false_marked=sum(finding in r.marked for r in false)))
    return out


def markdown(tab: list[dict]) -> str:
    lines = ["| family | finding | records judged | labelled | stated when labelled (sensitivity; marked (?)) "
             "| false statements (marked (?)) | missed (labelled, not stated) | stated, not labelled |",
             "|---|---|---|---|---|---|---|---|"]
    for t in tab:
        sens = f"{t['stated_labelled']}/{t['labelled']}" + (f" ({t['stated_labelled'] / t['labelled']:.0%}; "
                                                            f"{t['hit_marked']})" if t['labelled'] else "")
        lines.append(f"| {t['family']} | {t['finding']} | {t['judged']} | {t['labelled']} | {sens} "
                     f"| {len(t['false'])} ({t['false_marked']}) | {', '.join(t['missed'])} "
                     f"| {', '.join(t['false'])} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for opt, name in (("--ludb", "LUDB"), ("--cinc", "CinC"), ("--ptbdb", "PTB Diagnostic")):
        ap.add_argument(opt, nargs=2, type=Path, metavar=("FOLDER", "CSV"),
                        help=f"the {name} folder that was scored and the CSV mirage score wrote for it")
    ap.add_argument("--markdown", type=Path, help="write the table here too")
    ap.add_argument("--records", action="store_true", help="also print each record's labels and interpretation")
    args = ap.parse_args(argv)
    rows = []
    for dataset, given in (("LUDB", args.ludb), ("CinC", args.cinc), ("PTB Diagnostic", args.ptbdb)):
        if given:
            rows += read_rows(dataset, *given)
    if args.records:
        for r in rows:
            print(f"{r.dataset} {r.record}\tlabels: {', '.join(sorted(r.labels))}\n\t{r.interpretation}")
    text = markdown(table(rows))
    counts = {}
    for r in rows:
        counts[r.dataset] = counts.get(r.dataset, 0) + 1
    head = "Records: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n\n"
    print(head + text)
    if args.markdown:
        args.markdown.write_text(head + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
