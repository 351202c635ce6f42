"""Small datasets for the training CLI tests, built in tmp_path from the shipped sample records."""

from __future__ import annotations

import shutil
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources" / "samples"
PTBXL_LABELS = {"00417_lr": "NORM", "11125_lr": "MI", "04016_lr": "CD", "10388_lr": "HYP"}


def make_folder(root: Path, n_copies: int = 3, split_column: bool = False) -> tuple[Path, Path]:
    """A folder dataset: the four shipped PTB-XL records copied ``n_copies`` times, + labels.csv.

    Record ``ecgNNN`` carries its source's superclass (the first HYP copy also NORM). With
    ``split_column`` copy 0 is train, 1 val, 2 test, further copies train.
    """
    recs = sorted((SAMPLES / "ptbxl" / "records100").rglob("*.hea"))
    root.mkdir(parents=True, exist_ok=True)
    rows = ["record_id,labels" + (",split" if split_column else "")]
    k = 0
    for c in range(n_copies):
        for hea in recs:
            stem = f"ecg{k:03d}"
            (root / f"{stem}.hea").write_text(hea.read_text().replace(hea.stem, stem))
            shutil.copy(hea.with_suffix(".dat"), root / f"{stem}.dat")
            lab = PTBXL_LABELS[hea.stem]
            labels = f"{lab};NORM" if (lab == "HYP" and c == 0) else lab
            split = ("," + (["train", "val", "test"][c] if c < 3 else "train")) if split_column else ""
            rows.append(f"{stem},{labels}{split}")
            k += 1
    labels = root / "labels.csv"
    labels.write_text("\n".join(rows) + "\n")
    return root, labels


def make_mini_ptbxl(dst: Path) -> Path:
    """The shipped PTB-XL samples as a PTB-XL root with a hand-written scp_statements.csv."""
    import pandas as pd

    shutil.copytree(SAMPLES / "ptbxl", dst)
    (dst / "scp_statements.csv").write_text(
        ",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass\n"
        "NORM,normal ECG,1.0,,,NORM,NORM\n"
        "IMI,inferior MI,1.0,,,MI,IMI\n"
        "CLBBB,complete LBBB,1.0,,,CD,CLBBB\n"
        "LVH,left ventricular hypertrophy,1.0,,,HYP,LVH\n"
        "QWAVE,Q waves present,,1.0,,,\n"
        "VCLVH,voltage criteria for LVH,,1.0,,,\n"
        "SR,sinus rhythm,,,1.0,,\n")
    db = pd.read_csv(dst / "ptbxl_database.csv")
    db["strat_fold"] = [1, 2, 9, 10][: len(db)]          # one record in val, one in test
    db.to_csv(dst / "ptbxl_database.csv", index=False)
    return dst


def train_argv(data: str, out: Path, cache: Path, *extra: str, labels: Path | None = None) -> list[str]:
    """Arguments of a tiny, fast ``mirage train`` run."""
    argv = ["--data", data, "--out", str(out), "--cache-dir", str(cache), "--preset", "tiny", "--epochs", "2",
            "--batch-size", "4", "--workers", "1", "--no-progress", "--bootstrap", "20", "--threads", "1"]
    if labels is not None:
        argv += ["--labels", str(labels)]
    return argv + list(extra)

