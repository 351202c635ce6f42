"""The QTc rule beside a wide QRS and the voltage rule beside pre-excitation on real PTB-XL records (folds 1-8 only;
skipped without PTB-XL)."""

from __future__ import annotations

import pytest

from mirage_model.measure import measure
from mirage_model.records.load import load_record
from mirage_model.records.ptbxl import decode_scp_codes, decode_sex, read_database
from mirage_model.review.interpret import interpret

N_RECORDS = 40


@pytest.mark.slow
def test_no_prolonged_qtc_is_read_off_the_wide_qrs_of_a_left_bundle_branch_block(ptbxl_root):
    """PTB-XL's cardiologists label these records complete LBBB and not long QT. With their QRS >= 120 ms the measured
    Bazett QTc had read "Prolonged QTc" on 148 of 370 such records of folds 1-8; the QRS-adjusted QTc (QT - 0.5 x QRS,
    Bogossian et al. 2014) states it unmarked on none (before: on 17 of these first 40, in ecg_id order); where only the
    unadjusted QTc is past the limit it stands marked with the adjusted value."""
    train = {str(f) for f in range(1, 9)}       # fold 10 is never read
    rows = [r for r in read_database(ptbxl_root / "ptbxl_database.csv") if r.strat_fold.strip() in train
            and "CLBBB" in decode_scp_codes(r.scp_codes) and "LNGQT" not in decode_scp_codes(r.scp_codes)]
    judged = said = adjusted = 0
    for r in rows:
        m = measure(load_record(ptbxl_root / r.filename_lr), fiducials=False).as_dict()
        if m.get("qrs_ms") is None or m["qrs_ms"] < 120.0 or m.get("qt_ms") is None or m.get("qtc_bazett_ms") is None:
            continue
        it = interpret([], [], [], m, decode_sex(r.sex))
        judged += 1
        qtc = [s for s in it.statements if s.text.startswith("Prolonged QTc")]
        said += any(s.note is None for s in qtc)
        adjusted += any((s.note or "").startswith("QT lengthened by the wide QRS") for s in qtc)
        if judged == N_RECORDS:
            break
    assert judged == N_RECORDS
    assert said == 0
    assert adjusted > 0        # some of them past the unadjusted limit: marked, with the QRS-adjusted value


@pytest.mark.slow
def test_no_voltage_criteria_for_lvh_are_read_off_the_qrs_of_a_wolff_parkinson_white_pattern(ptbxl_root):
    """PTB-XL's cardiologists label these records WPW and neither LVH nor its voltage criteria (folds 1-8: 1 of the
    64 WPW records is labelled VCLVH). Beside the model's WPW the Sokolow-Lyon and Cornell voltages had read "Voltage
    criteria for left ventricular hypertrophy" on 17 of the 64 (10053_lr: Cornell 2.53 mV in a woman); they are not
    read beside it now, and the resolved list says so where an adult limit is passed (on 7 of these first 20, in
    ecg_id order, each of which had read them)."""
    train = {str(f) for f in range(1, 9)}       # fold 10 is never read
    rows = [r for r in read_database(ptbxl_root / "ptbxl_database.csv") if r.strat_fold.strip() in train
            and "WPW" in decode_scp_codes(r.scp_codes)
            and not {"LVH", "VCLVH"} & set(decode_scp_codes(r.scp_codes))][:20]
    assert len(rows) == 20
    passed = 0
    for r in rows:
        m = measure(load_record(ptbxl_root / r.filename_lr), fiducials=False).as_dict()
        it = interpret(["SR", "WPW"], [0.9, 0.9], [0.5, 0.5], m, decode_sex(r.sex))
        assert not any(s.text.startswith("Voltage criteria") for s in it.statements), r.filename_lr
        passed += any("not read beside Wolff-Parkinson-White pattern" in x for x in it.resolved)
    assert passed > 0          # some of them past an adult voltage limit: left out, the reason said
