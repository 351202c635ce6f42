"""``mirage bench --out FILE --overwrite`` replaced FILE with its results whatever it held: a CSV the user wrote, a
notes file. It replaces only an earlier bench output (a JSON object with the "machine" and "models" every bench
output holds) and refuses any other file, --overwrite or not, before any work, naming the file and what it holds.

Truth: the files this test wrote, their bytes read back, and the keys a bench output is written with
(``bench.run``'s result)."""

from __future__ import annotations

import json

import pytest

from training_cli.main import main


@pytest.mark.parametrize("content, what", [
    ("record_id,age,sex\n1,63,M\n", "it is no JSON; its first line reads 'record_id,age,sex'"),
    ('{"labels": ["NORM"]}', "it is JSON without the 'machine', 'models' of a bench output"),
    ("\x00\x01\x02binary", "it holds binary data"),
])
@pytest.mark.parametrize("overwrite", [True, False])
def test_bench_never_replaces_a_file_it_did_not_write(tmp_path, capsys, content, what, overwrite):
    out = tmp_path / "mine.csv"
    out.write_text(content)
    before = out.read_bytes()
    argv = ["bench", "--records", str(tmp_path / "no_records"), "--out", str(out)] + (["--overwrite"] * overwrite)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"error: mirage bench --out {out}: exists and is no output of mirage bench ({what}); "
                           "it is never replaced, --overwrite or not: give another --out"), err
    assert out.read_bytes() == before


def test_bench_overwrite_replaces_its_own_earlier_output(tmp_path, capsys):
    """An earlier bench output (its keys) and an empty file are replaced with --overwrite: the run goes on to its
    records (here none: exit 2 there, past the --out checks)."""
    out = tmp_path / "bench.json"
    for content in (json.dumps({"machine": {"cpu": "x"}, "model": "m", "models": [], "notes": []}), ""):
        out.write_text(content)
        assert main(["bench", "--records", str(tmp_path / "no_records"), "--out", str(out), "--overwrite"]) == 2
        err = capsys.readouterr().err
        assert "no output of mirage bench" not in err and "earlier run" not in err and "no_records" in err, err
