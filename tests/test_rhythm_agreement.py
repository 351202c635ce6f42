"""scripts/rhythm_agreement.py: the folds it reads (PTB-XL's test fold 10 refused) and the rhythm an interpretation's
first statement says. Truth: the statement words of PTB-XL's rhythm codes (scp_statements.csv) and interpretations
written here by hand as ``mirage score`` writes them."""

from __future__ import annotations

import pytest

from helpers_scripts import load_script


def test_folds_default_to_1_8_and_fold_10_is_refused():
    m = load_script("rhythm_agreement")
    assert m.parse_folds("1-8") == [1, 2, 3, 4, 5, 6, 7, 8]
    assert m.parse_folds("9") == [9]
    assert m.parse_folds("1,3-4") == [1, 3, 4]
    for bad in ("10", "8-10", "9,10", "0", "a"):
        with pytest.raises(SystemExit):
            m.parse_folds(bad)


def test_first_rhythm_reads_the_first_statement_withheld_or_not():
    m = load_script("rhythm_agreement")
    assert m.first_rhythm("Sinus rhythm, 74 bpm; Normal ECG") == ("SR", "Sinus rhythm, 74 bpm", False)
    assert m.first_rhythm("WITHHELD (poor signal quality in 4 leads): Atrial fibrillation, 91 bpm, irregular (?); "
                          "Bigeminal pattern") == ("AFIB", "Atrial fibrillation, 91 bpm, irregular (?)", True)
    assert m.first_rhythm("Paroxysmal supraventricular tachycardia, 160 bpm")[0] == "PSVT"
    assert m.first_rhythm("Supraventricular tachycardia, 150 bpm")[0] == "SVTAC"
    assert m.first_rhythm("Atrial flutter with 2:1 conduction (possible), atrial rate 288/min")[0] == "AFLT"
    assert m.first_rhythm("Wide QRS tachycardia, 106 bpm (QRS 144 ms), ventricular tachycardia not excluded")[0] \
        == "WCT"
    assert m.first_rhythm("Left bundle branch block")[0] == "other"
    assert m.first_rhythm(None) == ("other", "", False)
