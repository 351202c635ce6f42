"""One rule for a batch's time left (``batch.time_left``), which ``mirage score``'s bar (``engine.progress.RowsBar``)
and the app's batch dialog both use: the rate from the end of the first chunk. Truth: times worked out by hand."""

from __future__ import annotations

import io

from mirage_model.review.batch.time_left import TimeLeft, left_words, no_work


def test_the_rate_is_counted_from_the_end_of_the_first_chunk():
    left = TimeLeft(first=4)
    left.seen(1, 30.0)                       # the first chunk's wait: no rate of the others
    assert left.origin is None and left.rate(1, 30.0) is None and left.seconds(1, 300, 30.0) is None
    left.seen(4, 34.0)
    assert left.origin == (4, 34.0) and left.rate(4, 35.0) is None      # nothing after it yet
    left.seen(36, 66.0)
    assert left.origin == (4, 34.0)                                     # kept: later rows do not move it
    assert left.rate(36, 66.0) == 1.0                                   # 32 rows in 32 s
    assert left.seconds(36, 300, 66.0) == 264.0                         # 264 rows at 1 a second
    assert left.seconds(300, 300, 330.0) is None                        # done: nothing left to say


def test_the_time_left_in_words():
    assert left_words(2) == "about 5 s left"
    assert left_words(32) == "about 30 s left"
    assert left_words(264) == "about 4 min left"
    assert left_words(3725) == "about 1 h 02 min left"


def test_the_cli_bar_and_the_dialog_count_it_by_this_rule():
    from training_cli.engine.progress import RowsBar

    bar = RowsBar(total=10, first=4, disable=True)
    assert isinstance(bar._left, TimeLeft) and bar._left.first == 4
    bar.close()


def test_a_failed_row_is_no_scored_work():
    # a chunk of 32 rows in 34 s, 8 of them broken files (read and failed at once): 24 scored records in 34 s
    left = TimeLeft(first=4)
    left.seen(4, 34.0, failed=0)
    left.seen(36, 68.0, failed=8)
    assert left.rate(36, 68.0) == 24 / 34
    assert left.seconds(36, 300, 68.0) == 264 * 34 / 24                 # 374 s; counted as work, 264 s
    left.seen(37, 68.5, failed=9)                                       # one more broken file: one record fewer
    assert left.rate(37, 68.5) == 24 / 34.5 and left.seconds(37, 300, 68.5) == 263 * 34.5 / 24


def test_a_first_chunk_of_failed_rows_ran_no_model():
    # broken files first: their 4 rows came at 1 s, before the model's first pass; the first chunk ends with the
    # first scored rows (32 at 35 s), and the rate is that of the next (32 in 10 s)
    left = TimeLeft(first=4)
    left.seen(4, 1.0, failed=4)
    assert left.origin is None
    left.seen(36, 35.0, failed=4)
    assert left.origin == (32, 35.0) and left.seconds(36, 300, 35.0) is None
    left.seen(68, 45.0)                                                 # failed: as before
    assert left.rate(68, 45.0) == 3.2 and left.seconds(68, 300, 45.0) == 232 / 3.2


def test_which_rows_are_no_work():
    assert no_work({"status": "error", "error": "file not found"})
    assert no_work({"status": "not_ecg", "error": "a PDF"}) and no_work({"status": "unscorable", "error": "flat"})
    assert not no_work({"status": "ok", "error": ""})
    assert not no_work({"status": "error", "error": "report PDF not written: disk full"})     # scored, then failed
    assert not no_work(None)


def test_the_cli_bar_counts_failed_rows_apart():
    from training_cli.engine.progress import RowsBar

    bar = RowsBar(total=10, first=4, file=io.StringIO())
    bar.update(1, failed=1)
    bar.update(1)
    assert bar._left.failed == 1 and bar.n == 2
    bar.close()
