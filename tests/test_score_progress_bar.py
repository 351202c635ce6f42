"""``mirage score``'s progress bar: every row drawn, the time left counted from the end of the first chunk.

Scoring 300 PTB-XL records with --workers 2 on the shared 2-core machine, the rows came in bursts (a chunk of
32 every 25 s) and the bar drew the first row of each burst only (tqdm redraws at most every 0.1 s): it read
"5/300" with 36 rows written. Its mean rate since the start counted the 34 s the first 4 records took (the
loader processes starting, the model's first pass): 2:50:47 left after the first record, 6:38 left at 69
records with 2:18 to go; the run took 4:17.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import tqdm.std

from training_cli.engine.progress import RowsBar
from training_cli.main import main

from test_batch import make_mixed_folder


def _draws(text: str) -> list[tuple[int, str]]:
    """(rows, time left) of every drawing of a bar: '| 36/300 [01:08<04:40, ...' gives (36, '04:40')."""
    return [(int(n), left) for n, left in re.findall(r"\| *(\d+)/\d+ \[[^<]*<([^,]*),", text.replace("\r", "\n"))]


def test_the_time_left_is_counted_from_the_end_of_the_first_chunk(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: clock[0])      # the bar's clock (tqdm.std's time())
    out = io.StringIO()
    bar = RowsBar(total=300, file=out, smoothing=0, first=4, unit="rec")
    clock[0] = 34.0                     # the first chunk: 4 rows, 34 s after the start
    for _ in range(4):
        bar.update(1)
    first = _draws(out.getvalue())
    clock[0] = 68.0                     # the second: 32 rows 34 s later
    for _ in range(32):
        bar.update(1)
    draws = _draws(out.getvalue())
    # every row drawn: the bar reads 36/300 once the burst is in (tqdm's own drew 1, then 5)
    assert [n for n, _ in draws[1:]] == list(range(1, 37))
    # no rate before the first chunk is in, where tqdm's mean said 2:49:26 left (299 rows at 34 s a row)
    assert [left for _, left in first[1:]] == ["?"] * 4
    # by hand: 32 rows in the 34 s since the first chunk, 264 rows left: 264 * 34 / 32 = 280.5 s (not the
    # mean since the start, 264 * 68 / 36 = 498.7 s, 08:18)
    assert draws[-1] == (36, "04:40")
    clock[0] = 100.0
    bar.update(264)                     # the end: the whole run's mean, as the summary line gives it
    bar.close()
    assert re.search(r"300/300 \[01:40<00:00, +3\.00rec/s\]", out.getvalue())


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from helpers_models import make_tiny_checkpoint

    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


def test_mirage_score_draws_every_row_of_a_chunk(tmp_path, checkpoint, capsys):
    folder = tmp_path / "records"
    folder.mkdir()
    make_mixed_folder(folder)
    out = tmp_path / "s.csv"
    main(["score", str(folder), "--model", str(checkpoint), "--out", str(out), "--chunk-size", "3",
          "--no-measure", "--statements-model", "none"])
    draws = _draws(capsys.readouterr().err)
    with out.open(encoding="utf-8-sig") as fh:
        rows = sum(1 for _ in fh) - 1
    # truth: the output's rows, each drawn once as it came (the first chunk's 3 within a few ms)
    assert sorted({n for n, _ in draws}) == list(range(rows + 1))
    # the first chunk's rows give no time left: it is no rate of the records after them
    assert {left for n, left in draws if 1 <= n <= 3} == {"?"}
