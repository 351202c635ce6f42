"""scripts/atrial_pr_default.py: the PTB-XL records it chooses (fold 10 never among them), against a small database
table written here."""

from __future__ import annotations

import pytest

from helpers_scripts import load_script

HEADER = "ecg_id,patient_id,age,sex,scp_codes,strat_fold,filename_lr\n"
# ecg_id -> (scp_codes, strat_fold)
ROWS = {1: ("{'AFLT': 100.0}", 1), 2: ("{'AFLT': 100.0, 'AFIB': 50.0}", 8), 3: ("{'AFLT': 100.0}", 9),
        4: ("{'AFLT': 100.0}", 10), 5: ("{'AFIB': 100.0}", 2), 6: ("{'AFIB': 100.0, 'SR': 0.0}", 9),
        7: ("{'AFIB': 100.0}", 10), 8: ("{'SR': 0.0, 'NORM': 100.0}", 4), 9: ("{'SR': 0.0}", 9),
        10: ("{'SR': 0.0}", 10), 11: ("{'STACH': 100.0}", 5), 12: ("{'NORM': 100.0}", 6),
        13: ("{'STACH': 100.0, 'AFIB': 100.0}", 3), 14: ("{'STACH': 100.0}", 10), 15: ("{'NORM': 100.0}", 10),
        16: ("{'NORM': 100.0, 'AFIB': 0.0}", 7)}


@pytest.fixture
def ptbxl(tmp_path):
    lines = [f'{i},{i},60,0,"{codes}",{fold},records100/{i:05d}_lr\n' for i, (codes, fold) in ROWS.items()]
    (tmp_path / "ptbxl_database.csv").write_text(HEADER + "".join(lines))
    return tmp_path


@pytest.mark.parametrize("which, ids", [("aflt18", [1, 2]), ("aflt9", [3]), ("afib18", [5, 13, 16]), ("afib9", [6]),
                                        ("sr18", [8]), ("sr9", [9]), ("stach18", [11]), ("stach9", []),
                                        ("norm18", [8, 12]), ("norm9", [])])
def test_the_sets_are_the_labelled_records_of_their_folds_and_never_fold_10(ptbxl, which, ids):
    s = load_script("atrial_pr_default").chosen(ptbxl, which)
    assert sorted(s.index) == ids
    assert not (set(s.index) & {4, 7, 10, 14, 15})
