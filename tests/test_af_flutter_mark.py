"""Atrial fibrillation said over regular atrial activity at a flutter rate is marked "atrial flutter?"
(``interpret.flutter.af_flutter_note``), against synthetic signals of a known F-wave rate and conduction ratio:
a sawtooth at 270/min conducted 2:1 and 4:1 in turn whose V1 falls short of the flutter rule's 75 %, and
fibrillatory waves without one rate (not marked)."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import AtrialActivity, measure
from mirage_model.review.interpret import flutter_waves, interpret_prediction
from mirage_model.review.interpret.flutter import AF_FLUTTER_MARK, af_flutter_note
from scipy import signal as sps

from tests.helpers_atrial import SMALL_V1, _prediction, _record, at_100hz, fibrillation_record, with_noisy_v1

LEADS = ("II", "III", "aVF", "V1")
FS = 500.0


def variable_flutter(f_hz: float, conduction=(2, 2, 3, 4, 3, 2, 4), delays=(0.16, 0.26, 0.21)):
    """A sawtooth (0.2 mV) at ``f_hz``, every ``conduction[k]``-th wave conducted in turn (2:1, 3:1, 4:1 variably),
    its QRS ``delays[k]`` s after the wave's start (the AV node's delay varies in variable conduction), V1's waves
    small."""
    tt = np.arange(int(10.0 * FS)) / FS
    waves = np.arange(0.1, 10.0, 1.0 / f_hz)
    qrs, i, k = [], 0, 0
    while i < len(waves):
        qrs.append(int(round((waves[i] + delays[k % len(delays)]) * FS)))
        i += conduction[k % len(conduction)]
        k += 1
    return _record(0.2 * sps.sawtooth(2 * np.pi * f_hz * tt, width=0.8), qrs, FS, 10.0, 0, SMALL_V1)


def _activity(hz, concentration, harmonic=(0.3, 0.3, 0.3, 0.3)) -> AtrialActivity:
    return AtrialActivity(LEADS, np.array(hz, dtype=float), np.array(concentration, dtype=float),
                          harmonic_ratio=np.array(harmonic, dtype=float))


def test_the_mark_needs_one_peak_at_a_flutter_rate_holding_half_the_power():
    """Set by hand: one peak at 5 Hz (300/min) in all four leads, 80 % of the power in II, III, aVF and 40 % in V1
    (median 80 %) is marked, with the rate and the shares; a median of 45 %, a peak at 3.6 Hz (216/min, below
    240/min), leads 0.5 Hz apart, a second harmonic stronger than the peak, or a paced rhythm are not."""
    note = af_flutter_note(_activity([5.0] * 4, [0.8, 0.8, 0.8, 0.4]), False)
    assert note is not None and note.startswith(f"{AF_FLUTTER_MARK} at 300/min") and "40%-80%" in note
    assert af_flutter_note(_activity([5.0] * 4, [0.45, 0.45, 0.6, 0.3]), False) is None
    assert af_flutter_note(_activity([3.6] * 4, [0.8] * 4), False) is None
    assert af_flutter_note(_activity([5.0, 5.0, 5.5, 5.0], [0.8] * 4), False) is None
    assert af_flutter_note(_activity([5.0] * 4, [0.8] * 4, harmonic=(0.3, 1.2, 0.3, 0.3)), False) is None
    assert af_flutter_note(_activity([5.0] * 4, [0.8] * 4), True) is None
    assert af_flutter_note(None, False) is None


@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_atrial_fibrillation_over_flutter_waves_short_in_v1_is_marked(fs):
    """PTB-XL 07512, 06179, 01773 (AFLT, folds 1-8) read "Atrial fibrillation, irregular" unmarked: one peak at
    260-297/min in all four leads, II, III and aVF holding 73-89 %, V1 51-89 % (some lead short of 75 %). A sawtooth
    at 270/min conducted 2:1, 3:1 and 4:1 variably at a varying delay, small in V1 beside noise, the model
    saying AF: AF stays first, marked "atrial flutter?" at 270/min."""
    rec = with_noisy_v1(variable_flutter(4.5))
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert flutter_waves(m.atrial) is None                      # the flutter rule does not state it
    it = interpret_prediction(_prediction({"AFIB": 0.9}), m, "M")
    first = it.first
    assert first.code == "AFIB" and first.text.startswith("Atrial fibrillation"), it.lines()
    assert first.note is not None and first.note.startswith(f"{AF_FLUTTER_MARK} at 270/min"), first.note
    assert not any(s.text.startswith("Normal ECG") for s in it.statements)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_atrial_fibrillation_over_fibrillatory_waves_is_not_so_marked(seed, fs):
    """Fibrillatory waves (4-9 Hz noise, irregularly irregular RR) hold no rate: AF is said without this mark."""
    rec = fibrillation_record(seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    it = interpret_prediction(_prediction({"AFIB": 0.9}), m, "M")
    assert it.first.code == "AFIB", it.lines()
    assert it.first.note is None or not it.first.note.startswith(AF_FLUTTER_MARK)
