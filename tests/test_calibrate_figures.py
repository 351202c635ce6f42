"""What ``mirage calibrate`` prints of the thresholds it chose: a threshold below a probability of 0
or under 1e-6 (every validation record positive at the best F1) had been below 0, -5e-7, printed
"-0.000"."""

from __future__ import annotations

import numpy as np

from training_cli.commands.calibrate import method_lines
from mirage_model.calibration import Calibration
from training_cli.engine.metrics import best_f1_thresholds


def test_a_threshold_below_a_probability_of_zero_is_zero_not_minus_zero():
    # three positives and a negative, the lowest two at probability 0. F1 by cut:
    # >= 0.8: 2 * 2 / (2 + 0 + 3) = 0.8; >= 0: 2 * 3 / (3 + 1 + 3) = 0.857, the best: every record positive
    y = np.array([[1], [1], [1], [0]])
    p = np.array([[0.9], [0.8], [0.0], [0.0]])
    thr = best_f1_thresholds(y, p)
    assert thr[0] == 0.0 and not np.signbit(thr[0])
    assert (p[:, 0] >= thr[0]).all()                 # the same decisions: every record positive
    cal = Calibration(("identity",), ({},), metrics={"ece_before": [0.1]})
    line = method_lines(cal, y, ["AF"], thr)[0]
    assert "threshold 0.000" in line and "-0.000" not in line
    # a sigmoid's 1e-7 for a confident negative: halfway to 0, not 1e-7 - 5e-7
    thr = best_f1_thresholds(y, np.array([[0.9], [0.8], [1e-7], [1e-7]]))
    assert thr[0] == 5e-8
    # a lowest score above 1e-6 keeps its half-step below (1e-6 / 2)
    thr = best_f1_thresholds(y, np.array([[0.9], [0.8], [0.2], [0.2]]))
    assert abs(thr[0] - (0.2 - 5e-7)) < 1e-12


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
