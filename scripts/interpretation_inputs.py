"""What the interpretation was given, per PTB-XL record, cached so that it can be rerun without scoring again.

Shared by scripts/atrial_pr_default.py and scripts/flutter_2to1.py: ``ptbxl_table`` reads the database table (fold 10
dropped before anything else), ``collect`` scores chosen records with the shipped default and statements models
(``mirage score``'s pipeline, ``review.batch.iter_rows``) and pickles, per record scored, what its ``keep`` took from
``interpret.interpret_prediction``'s arguments beside the record's name, its PTB-XL row and the interpretation written;
``load`` reads such pickles back; ``add_collect_parser`` is the scripts' ``collect PTBXL SET OUT``.
"""

from __future__ import annotations

import ast
import pickle
import time
from pathlib import Path


def ptbxl_table(root: Path):
    """PTB-XL's ``ptbxl_database.csv`` without fold 10 (a ``pandas.DataFrame`` indexed by ecg_id, its SCP codes
    parsed into ``codes``)."""
    import pandas as pd
    d = pd.read_csv(root / "ptbxl_database.csv", index_col="ecg_id")
    d = d[d.strat_fold <= 9].copy()                   # fold 10 is never read
    d["codes"] = d.scp_codes.apply(ast.literal_eval)
    return d


def collect(root: Path, s, which: str, out: Path, keep) -> None:
    """Score the records of ``s`` (rows of ``ptbxl_table``; ``which`` names them in the progress lines) and pickle
    to ``out`` a list of dicts, one per record scored: ``keep(said_by, measurements, sex, kw)`` (the arguments
    ``interpret_prediction`` was called with) updated with ``record`` (the record's name), ``meta`` (ecg_id, fold,
    SCP codes, age, sex) and ``interpretation`` (the text ``mirage score`` wrote)."""
    import torch
    torch.set_num_threads(1)
    import mirage_model.review.batch.rows as rows
    from mirage_model.review.batch.pipeline import iter_rows
    from training_cli.engine.checkpoints import load_predictor, load_statements_predictor

    paths = [root / (f + ".hea") for f in s.filename_lr]
    meta = {str(root / f): (int(i), int(r.strat_fold), r.codes, r.age, r.sex)
            for i, r, f in zip(s.index, s.itertuples(), s.filename_lr)}
    given = []
    interpret = rows.interpret_prediction

    def keep_inputs(said_by, measurements, sex, **kw):
        given.append(keep(said_by, measurements, sex, kw))
        return interpret(said_by, measurements, sex, **kw)
    rows.interpret_prediction = keep_inputs

    pred = load_predictor(None, "cpu")
    st = load_statements_predictor(pred, None, "cpu")
    t0, kept = time.time(), []
    for k, row in enumerate(iter_rows(paths, pred, root=root, statements_predictor=st, write_pdfs=False)):
        if row.get("status") != "ok":
            print("not scored:", row.get("record_path"), row.get("error"), flush=True)
            continue
        c = given[len(kept)]
        rp = str(root / row["record_path"]).removesuffix(".hea")
        c.update(record=Path(rp).name, meta=meta[rp], interpretation=row.get("interpretation"))
        kept.append(c)
        if k % 50 == 0:
            print(which, k, f"{time.time() - t0:.0f} s", flush=True)
    with open(out, "wb") as f:
        pickle.dump(kept, f)
    print(which, "done", len(kept), f"{time.time() - t0:.0f} s")


def load(paths: list[Path]) -> list[dict]:
    """The records ``collect`` pickled to each of ``paths``, in order (none of fold 10)."""
    recs = []
    for p in paths:
        with open(p, "rb") as f:
            recs += pickle.load(f)
    assert all(c["meta"][1] <= 9 for c in recs), "fold 10 is never read"
    return recs


def add_collect_parser(sub, sets) -> None:
    """The subcommand ``collect PTBXL SET OUT`` (``SET`` one of ``sets``) of a script's parser (``sub``: its
    subparsers), which runs the script's ``collect``."""
    a = sub.add_parser("collect")
    a.add_argument("ptbxl", type=Path)
    a.add_argument("set", choices=sets)
    a.add_argument("out", type=Path)
