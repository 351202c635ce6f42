"""One rule for a batch's time left (``batch.time_left``), which ``mirage score``'s bar (``engine.progress.RowsBar``)
and the app's batch dialog both use: the rate from the end of the first chunk. Truth: times worked out by hand."""

from __future__ import annotations

from mirage_model.review.batch.time_left import TimeLeft, left_words


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
