"""scripts/flutter_2to1.py: the PTB-XL records it chooses (fold 10 never among them) and how it reads a first
statement, against a small database table written here."""

from __future__ import annotations

import pytest

from helpers_scripts import load_script

HEADER = "ecg_id,patient_id,age,sex,scp_codes,strat_fold,filename_lr\n"
# ecg_id -> (scp_codes, strat_fold)
ROWS = {1: ("{'AFLT': 100.0}", 1), 2: ("{'AFLT': 100.0, 'AFIB': 50.0}", 8), 3: ("{'AFLT': 100.0}", 9),
        4: ("{'AFLT': 100.0}", 10), 5: ("{'STACH': 100.0, 'SR': 0.0}", 2), 6: ("{'STACH': 100.0, 'AFIB': 100.0}", 3),
        7: ("{'STACH': 100.0}", 10), 8: ("{'SR': 0.0, 'NORM': 100.0}", 4), 9: ("{'SR': 0.0}", 9),
        10: ("{'SR': 0.0}", 10), 11: ("{'SR': 0.0, 'STACH': 100.0}", 5), 12: ("{'NORM': 100.0}", 6)}


@pytest.fixture
def ptbxl(tmp_path):
    lines = [f'{i},{i},60,0,"{codes}",{fold},records100/{i:05d}_lr\n' for i, (codes, fold) in ROWS.items()]
    (tmp_path / "ptbxl_database.csv").write_text(HEADER + "".join(lines))
    return tmp_path


@pytest.mark.parametrize("which, ids", [("aflt18", [1, 2]), ("aflt9", [3]), ("stach18", [5, 11]), ("stach9", []),
                                        ("sr18", [8]), ("sr9", [9])])
def test_the_sets_are_the_labelled_records_of_their_folds_and_never_fold_10(ptbxl, which, ids):
    s = load_script("flutter_2to1").chosen(ptbxl, which)
    assert sorted(s.index) == ids
    assert not (set(s.index) & {4, 7, 10})


def test_a_first_statement_is_read_past_the_quality_gate_s_prefix():
    first = load_script("flutter_2to1").first_statement
    assert first("Sinus tachycardia, 150 bpm; Normal ECG") == "Sinus tachycardia, 150 bpm"
    assert first("WITHHELD (poor signal): Atrial flutter, 150 bpm; Normal ECG") == "WITHHELD Atrial flutter, 150 bpm"
    assert first(None) == ""
