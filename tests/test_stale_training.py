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


def _multi_segment(folder, name: str, segments) -> None:
    """A fixed-layout multi-segment record ``name`` (its master header, wfdb.MultiRecord) of ``segments``, each
    (T, 12) format-16 samples written by wfdb.wrsamp as ``name_1``, ``name_2`` ..."""
    import wfdb

    from mirage_model.records import STANDARD_LEADS

    for k, d in enumerate(segments, 1):
        wfdb.wrsamp(f"{name}_{k}", fs=500, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), d_signal=d,
                    fmt=["16"] * 12, adc_gain=[200.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    wfdb.MultiRecord(record_name=name, n_sig=12, fs=500, sig_len=sum(len(d) for d in segments),
                     seg_name=[f"{name}_{k}" for k in range(1, len(segments) + 1)], seg_len=[len(d) for d in segments],
                     layout="fixed", segments=[None] * len(segments)).wrheader(write_dir=str(folder))


@pytest.mark.filterwarnings("ignore:The inplace keyword")       # wfdb-python's own pandas calls
def test_the_input_cache_follows_a_multi_segment_records_segment_rewritten_in_place(tmp_path):
    """Record ms: segments ms_1 and ms_2, ms_2 holding ms_1's samples with all but the first in reverse order (the
    same checksums and initial values, so that the two headers differ by their names alone); record mt: ms_1's
    samples twice. ms_2.dat then given ms_1.dat's bytes in place (same size and time, its header still true): ms now
    holds what mt holds, and the rebuilt cache's rows of the two are equal. Only a segment's file changed: the stamps
    of ms's own files (ms.hea) alone had kept the old cache."""
    from helpers_stale import rewrite_in_place
    from training_cli.engine import datasets as D
    from training_cli.engine.cache import build_or_load

    root = tmp_path / "f"
    root.mkdir()
    T, t = 2500, np.arange(2500)[:, None] / 500
    rng = np.random.default_rng(0)
    first = np.round(200 * (0.8 * np.sin(2 * np.pi * 1.2 * t + np.arange(12)[None, :])
                            + rng.normal(0, 0.05, (T, 12)))).astype(np.int16)
    _multi_segment(root, "ms", [first, np.concatenate([first[:1], first[1:][::-1]])])
    _multi_segment(root, "mt", [first, first])
    assert (root / "ms_1.hea").read_text().replace("ms_1", "ms_2") == (root / "ms_2.hea").read_text()
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\nms,NORM,train\nmt,MI,train\n")

    def cache():
        return build_or_load(D.open_dataset(f"folder:{root}", labels=labels), cache_dir=tmp_path / "cache",
                             workers=1, progress=False)

    before = cache()
    ms, mt = before.record_ids.index("ms"), before.record_ids.index("mt")
    assert before.ok.all() and not np.array_equal(before.mv[ms], before.mv[mt])
    rewrite_in_place(root / "ms_2.dat", (root / "ms_1.dat").read_bytes())
    again = cache()
    assert not again.reused
    for name in ("signal", "image", "mv"):
        rows = getattr(again, name)
        assert np.array_equal(rows[ms], rows[mt]), name
    assert cache().reused


def test_the_caches_a_rebuild_leaves_behind_are_told_and_kept(tmp_path, caplog):
    """A record rewritten in place builds the cache again under another key; the old folder stays (another checkout
    may use it) and is told, with its size, when the new one is opened and by ``mirage info``. A folder of the user's
    named like a cache, without a cache's meta.json, is neither named nor touched. Truth: the folders and their file
    sizes as the file system gives them."""
    import logging
    import os

    from training_cli.engine import datasets as D
    from training_cli.engine.cache import build_or_load
    from training_cli.engine.cache_folders import cache_lines

    root = ludb_pair(tmp_path / "f")
    labels = tmp_path / "labels.csv"
    labels.write_text("record_id,labels,split\n1,NORM,train\n14,MI,train\n")
    cache_dir = tmp_path / "cache"
    decoy = cache_dir / "folder-0123456789abcdef0123"
    decoy.mkdir(parents=True)
    (decoy / "meta.json").write_text('{"format": 2}')
    (decoy / "signal.npy").write_bytes(b"mine")

    def build():
        return build_or_load(D.open_dataset(f"folder:{root}", labels=labels), cache_dir=cache_dir, workers=1,
                             progress=False)

    first = build()
    assert cache_lines(cache_dir) == [f"input caches in {cache_dir}: 1 ({sum(_sizes(first.path)) / 1e3:.0f} kB)"]
    fourteen_over_one(root)
    with caplog.at_level(logging.WARNING, logger="training_cli.engine.cache"):
        again = build()
    assert not again.reused and again.path != first.path and first.path.is_dir()
    kb = f"{sum(_sizes(first.path)) / 1e3:.0f} kB"
    told = [r.getMessage() for r in caplog.records if "older input cache" in r.getMessage()]
    assert told == [f"1 older input cache of this dataset ({kb} in all), built before its records' files or the "
                    f"transform changed, is no longer opened by it: {first.path} ({kb}); remove it (rm -r) where no "
                    "other checkout or run uses it"], told
    lines = cache_lines(cache_dir)
    assert lines[1:] == [f"  1 cache superseded by a newer one of the same dataset, records and settings ({kb}; rm -r "
                         "where no other run uses them):", f"  {first.path} ({kb}, built {_created(first.path)})"]
    assert lines[0].startswith(f"input caches in {cache_dir}: 2 (")
    assert sorted(os.listdir(decoy)) == ["meta.json", "signal.npy"]


def _sizes(folder) -> list[int]:
    import os

    return [os.path.getsize(folder / name) for name in os.listdir(folder)]


def _created(folder) -> str:
    import json

    return json.loads((folder / "meta.json").read_text())["created"]


def test_two_caches_built_within_one_second_are_told_newest_by_their_time(tmp_path):
    """Two caches of one dataset built in the same second (the meta.json's "created" is whole seconds): the one
    built last is the one in use, whatever the folders' names. The quick tier's run of the test above named the new
    cache superseded (its name sorted after the old one's), telling the user to remove the cache in use. Truth: the
    meta.json times set here, the newer under the name that sorts last."""
    import json
    import os

    from training_cli.engine.cache_folders import MARKER_KEYS, cache_lines, superseded

    meta = {k: ["same"] for k in MARKER_KEYS} | {"created": "2026-12-07T15:49:08Z"}
    folders = {}
    for name, ns in (("folder-00000000000000000000", 1_000_000_000), ("folder-ffffffffffffffffffff", 1_500_000_000)):
        f = tmp_path / name
        f.mkdir()
        (f / "signal.npy").write_bytes(b"x" * 10)
        (f / "meta.json").write_text(json.dumps(meta))
        os.utime(f / "meta.json", ns=(ns, ns))
        folders[ns] = f
    old, new = folders[1_000_000_000], folders[1_500_000_000]
    assert [p for p, _ in superseded(new)] == [old] and [p for p, _ in superseded(old)] == [new]
    lines = cache_lines(tmp_path)
    assert len(lines) == 3 and lines[2].startswith(f"  {old} (")
