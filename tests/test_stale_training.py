"""Training's caches of what it read from the records' files (the model inputs, ``training_cli.engine.cache``; the
measured features, ``training_cli.engine.measured``) follow a record rewritten in place between two runs: LUDB 1's
files given LUDB 14's content under the same names, sizes and modification times. The truth: the same cache's row
of record 14, whose files hold exactly that content."""

from __future__ import annotations

import numpy as np
import pytest

from helpers_stale import fourteen_over_one, ludb_pair

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_input_cache_is_built_again_when_a_record_is_rewritten_in_place(tmp_path):
    from training_cli.engine import datasets as D
    from training_cli.engine.cache import build_or_load

    root = ludb_pair(tmp_path / "f")
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\n1,NORM,train\n14,MI,train\n")
    ds = D.open_dataset(f"folder:{root}", labels=labels)
    first = build_or_load(ds, cache_dir=tmp_path / "cache", workers=1, progress=False)
    one, fourteen = first.record_ids.index("1"), first.record_ids.index("14")
    assert first.ok.all() and not np.array_equal(first.signal[one], first.signal[fourteen])
    fourteen_over_one(root)
    again = build_or_load(D.open_dataset(f"folder:{root}", labels=labels), cache_dir=tmp_path / "cache",
                          workers=1, progress=False)
    assert not again.reused
    for name in ("signal", "image", "mv"):
        rows = getattr(again, name)
        assert np.array_equal(rows[one], rows[fourteen]), name
    unchanged = build_or_load(D.open_dataset(f"folder:{root}", labels=labels), cache_dir=tmp_path / "cache",
                              workers=1, progress=False)
    assert unchanged.reused and unchanged.path == again.path


def test_the_measured_features_are_measured_again_when_a_record_is_rewritten_in_place(tmp_path):
    from training_cli.engine.measured import split_features

    root = ludb_pair(tmp_path / "f")
    paths = [root / "1.hea", root / "14.hea"]
    first = split_features(paths, cache_dir=tmp_path / "cache")
    assert not np.allclose(first[0], first[1], equal_nan=True)
    fourteen_over_one(root)
    again = split_features(paths, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(again[0], again[1])
    np.testing.assert_array_equal(again[1], first[1])
