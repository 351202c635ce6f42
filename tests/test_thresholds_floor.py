"""Thresholds chosen among the calls the product makes: a class is called at or above its threshold and at
least 20 % (``outputs.is_called``), so max F1 is taken over the cuts at or above that floor
(``metrics.best_f1_thresholds``). Before, max F1 over every score chose thresholds below it (34 of the shipped
statements model's 71), which the product called from 20 %, a threshold nobody chose. Truth: F1 counted by hand
for each cut of small score lists."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.outputs import MIN_CALLED_P
from training_cli.engine import metrics as M


def test_the_best_of_the_calls_the_product_makes_not_of_every_score():
    # three positives of six. F1 = 2 TP / (TP + FP + 3) by cut:
    # >= .70: 2/4 = 0.5; >= .40: 2/5 = 0.4; >= .30: 2/6 = 0.333; >= .18: 4/7 = 0.571; >= .15: 6/8 = 0.75 (the
    # best of every score, threshold (.15 + .05) / 2 = 0.10, which the product calls from 20 %: the records at
    # .70, .40 and .30, F1 0.333); >= .05: 6/9. Among the cuts at or above 20 %, >= .70 is the best: F1 0.5.
    y = np.array([[1], [0], [0], [1], [1], [0]])
    p = np.array([[.70], [.40], [.30], [.18], [.15], [.05]])
    thr = M.best_f1_thresholds(y, p)
    assert thr[0] == pytest.approx(0.55)                        # between .70 and the next lower score, .40
    assert M.threshold_metrics(y, p, thr)["f1"][0] == pytest.approx(0.5)
    assert M.threshold_metrics(y, p, np.array([0.10]))["f1"][0] == pytest.approx(2 / 6)


def test_a_class_whose_best_is_the_floor_gets_the_floor():
    # three positives of five. >= .50: 2/4 = 0.5; >= .25: 4/5 = 0.8; >= .22: 4/6; >= .21: 6/7 = 0.857, the best;
    # >= .10: 6/8. The midpoint of .21 and .10, 0.155, lies below the floor: the threshold is the floor, which
    # makes the same calls on these records (those at .21 and above).
    y = np.array([[1], [1], [0], [1], [0]])
    p = np.array([[.50], [.25], [.22], [.21], [.10]])
    thr = M.best_f1_thresholds(y, p)
    assert thr[0] == MIN_CALLED_P
    assert M.threshold_metrics(y, p, thr)["f1"][0] == pytest.approx(6 / 7)


def test_a_score_at_the_floor_is_a_call_and_nothing_below_it_is_chosen():
    # two positives of four. >= .6: 2/3; >= .3: 2/4; >= .2: 4/5 = 0.8, the best (the record at exactly 20 % is
    # called); >= .1: 4/6. Threshold the floor, F1 0.8 as the product calls.
    y = np.array([[1], [0], [1], [0]])
    p = np.array([[.6], [.3], [.2], [.1]])
    thr = M.best_f1_thresholds(y, p)
    assert thr[0] == MIN_CALLED_P and M.threshold_metrics(y, p, thr)["f1"][0] == pytest.approx(0.8)


def test_no_score_reaches_the_floor_the_floor():
    # every score below 20 %: no threshold calls a record; max F1 over every score had chosen 0.125 (F1 1.0 on
    # paper, no call in the product). The floor, not the 0.5 of a class without positives.
    y = np.array([[1], [0], [0], [0], [0]])
    p = np.array([[.15], [.10], [.05], [.03], [.01]])
    assert M.best_f1_thresholds(y, p)[0] == MIN_CALLED_P


def test_every_threshold_at_least_the_floor_on_many_classes():
    # rare classes with low scores, as a large statement set: none below the floor, the fallbacks still 0.5
    rng = np.random.default_rng(3)
    y = (rng.random((300, 6)) < [0.01, 0.03, 0.1, 0.3, 0.0, 1.0]).astype(np.float32)
    p = np.clip(rng.random((300, 6)) * 0.3 + y * 0.1, 0, 1)
    thr = M.best_f1_thresholds(y, p)
    assert (thr >= MIN_CALLED_P).all() and thr[4] == 0.5 and thr[5] == 0.5


def test_no_positive_reaches_the_floor_the_floor():
    # the positives at .18 and .15, three negatives at or above 20 %: every cut the product can make has F1 0
    # (>= .60, >= .40, >= .25: TP 0). Not the highest score's cut (.60 and .40: 0.50, a tie broken by order): the
    # floor, as the threshold 0.165 (between .18 and .15, F1 0.8 over every score) was called.
    y = np.array([[0], [0], [0], [1], [1], [0]])
    p = np.array([[.60], [.40], [.25], [.18], [.15], [.05]])
    assert M.best_f1_thresholds(y, p)[0] == MIN_CALLED_P
