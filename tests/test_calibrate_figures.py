"""What ``mirage calibrate`` prints of the thresholds it chose: a threshold below a probability of 0
or under 1e-6 (every validation record positive at the best F1) had been below 0, -5e-7, printed
"-0.000". Thresholds are now chosen among the cuts at or above the floor of every call (20 %,
``outputs.MIN_CALLED_P``; tests/test_thresholds_floor.py), so none lies near 0 any longer: the same scores give
a threshold above the probabilities of 0, and a best cut below the lowest score gives the floor."""

from __future__ import annotations

import numpy as np

from training_cli.commands.calibrate import method_lines
from mirage_model.calibration import Calibration
from training_cli.engine.metrics import best_f1_thresholds


def test_a_threshold_is_never_below_a_probability_of_zero():
    # three positives and a negative, the lowest two at probability 0. F1 by cut:
    # >= 0.8: 2 * 2 / (2 + 0 + 3) = 0.8; >= 0: 2 * 3 / (3 + 1 + 3) = 0.857, the best of every score (it had given
    # -5e-7) but below the floor of the calls: the best the product can make is >= 0.8, halfway to 0
    y = np.array([[1], [1], [1], [0]])
    p = np.array([[0.9], [0.8], [0.0], [0.0]])
    thr = best_f1_thresholds(y, p)
    assert thr[0] == 0.4
    cal = Calibration(("identity",), ({},), metrics={"ece_before": [0.1]})
    line = method_lines(cal, y, ["AF"], thr)[0]
    assert "threshold 0.400" in line and "-0.000" not in line
    # a sigmoid's 1e-7 for a confident negative: the same cut, halfway to 1e-7
    thr = best_f1_thresholds(y, np.array([[0.9], [0.8], [1e-7], [1e-7]]))
    assert abs(thr[0] - (0.8 + 1e-7) / 2) < 1e-12
    # the best cut below the lowest score (0.2, every record called: F1 0.857): the floor itself, not a half-step
    # (1e-6 / 2) below it
    thr = best_f1_thresholds(y, np.array([[0.9], [0.8], [0.2], [0.2]]))
    assert thr[0] == 0.2


def test_a_label_without_a_validation_negative_gets_the_fallback_and_says_so(caplog):
    """Every validation record positive for a label: F1 is highest below the lowest score (1.0, every
    record called positive), and that threshold, 0.3 - 5e-7 here, was kept and printed as chosen; it is
    now best_f1_thresholds' 0.5 fallback, as for a label without positives, and calibrate and the
    training log say which thresholds are fallbacks and why."""
    import logging

    from training_cli.engine.metrics import warn_no_positives

    y = np.array([[1, 1], [1, 0], [1, 1], [1, 0]])
    p = np.array([[0.9, 0.8], [0.3, 0.1], [0.6, 0.7], [0.5, 0.2]])
    thr = best_f1_thresholds(y, p)
    assert thr[0] == 0.5 and abs(thr[1] - 0.45) < 1e-12      # B: between its positives (0.7) and 0.2
    cal = Calibration(("identity", "identity"), ({}, {}), metrics={"ece_before": [0.1, 0.1]})
    line = method_lines(cal, y, ["SINUS", "AF"], thr)[0]
    assert line == ("   SINUS: identity    not calibrated (no negative record in the validation split); "
                    "threshold 0.500 (a fallback, not measured: no validation negatives)")
    with caplog.at_level(logging.WARNING):
        assert warn_no_positives(y, ["SINUS", "AF"], "validation split") == []
    assert ("validation split: no negative record of SINUS (1 of 2 classes): AUROC undefined; threshold 0.5 is a "
            "fallback, not measured: no validation negatives") in caplog.text


def test_classes_named_past_eight_letters_keep_the_columns_in_line():
    """An own labels table's "Hypertrophy" (11 letters) and "Conduction" (10) beside "Infarct": the names were
    right-aligned to 8, so each line's map and ECE began at another column (" Infarct: identity", "Hypertrophy:
    platt"). Truth: the names' lengths."""
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    cal = Calibration(("identity", "platt", "identity"), ({}, {}, {}),
                      metrics={"ece_before": [0.1, 0.2, 0.3], "ece_after_cv": [0.1, 0.1, 0.3],
                               "ece_cv_by_method": [{"platt": 0.2}, {}, {"platt": 0.4}]})
    lines = method_lines(cal, y, ["Conduction", "Hypertrophy", "Infarct"], [0.5, 0.5, 0.5])
    assert [line.index(":") for line in lines] == [11, 11, 11], lines
    assert lines[2].startswith("    Infarct: identity    ECE 0.300 kept")
    assert lines[1].startswith("Hypertrophy: platt       ECE 0.200 -> 0.100")
