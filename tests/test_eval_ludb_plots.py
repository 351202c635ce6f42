"""``scripts/eval_ludb.py --plots``: the Bland-Altman PNGs go beside the output, not into the
repository's docs/.

Found: the documented command (``--fs 100 --plots docs``) wrote ``ludb_bland_altman_extreme_100hz.png``
into docs/, a file no page shows and git does not track.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers_scripts import load_script

ROOT = Path(__file__).resolve().parent.parent


def _eval_module():
    return load_script("eval_ludb")


def _ludb_record_1(folder: Path) -> Path:
    """LUDB record 1 as the script reads it: its signal (resources/samples/ludb) beside the
    cardiologists' per-lead annotations (tests/data/ludb)."""
    folder.mkdir()
    for src in [*(ROOT / "resources" / "samples" / "ludb").glob("1.*"),
                *(ROOT / "tests" / "data" / "ludb").glob("1.*")]:
        shutil.copy(src, folder / src.name)
    return folder


def test_plots_without_a_folder_go_beside_the_output(tmp_path):
    ev = _eval_module()
    data = _ludb_record_1(tmp_path / "ludb")
    out = tmp_path / "eval" / "ludb_eval_100"
    assert ev.main(["--ludb", str(data), "--fs", "100", "--scalars-only", "--delineator", "rules",
                    "--out", str(out), "--plots"]) == 0
    plots = tmp_path / "eval" / "ludb_eval_100_plots"
    assert sorted(p.name for p in plots.iterdir()) == ["ludb_bland_altman_extreme_rules_100hz.png",
                                                       "ludb_bland_altman_global_rules_100hz.png",
                                                       "ludb_bland_altman_median_rules_100hz.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots.iterdir())
    assert sorted(p.name for p in out.parent.iterdir()) == ["ludb_eval_100.json", "ludb_eval_100.md",
                                                            "ludb_eval_100_plots"]
    # a folder named writes there, as before
    assert ev.main(["--ludb", str(data), "--scalars-only",
                    "--delineator", "rules", "--out", str(out), "--plots", str(tmp_path / "figs")]) == 0
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["ludb_bland_altman_extreme_rules.png",
                                                                     "ludb_bland_altman_global_rules.png",
                                                                     "ludb_bland_altman_median_rules.png"]


def test_the_documented_commands_write_no_plot_into_docs():
    # every eval_ludb command the pages give leaves docs/ to be updated by hand
    for page in (ROOT / "README.md", ROOT / "docs" / "measurements.md"):
        commands = [line for line in page.read_text(encoding="utf-8").splitlines() if "eval_ludb.py" in line]
        assert commands, page
        assert not [c for c in commands if "--plots docs" in c], page
