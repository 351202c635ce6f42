"""A clinical value's contribution (the lab form's and the PDF's "Contribution" column) is what its words say:
the class probability with the value minus the probability with it masked, each as ``predict`` gives it.

It had been computed on the network's own probabilities: no calibration, no noise-averaged copies, no measured
stage, while the probabilities beside it are calibrated. A model trained and calibrated on one's own data
(``mirage calibrate``: Platt on a class) had CRP move its Hypertrophy from 0.153 to 0.161 and the PDF say
"Hypertrophy 0.000". The shipped default is calibrated, noise-averaged and stacked.

Truth: two ``predict`` calls, one with the value and one without it."""

from __future__ import annotations

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.paths import resources_dir
from mirage_model.review.scoring import clinical_contributions

RECORD = resources_dir() / "samples" / "ludb" / "14.hea"
VALUES = {"age": 50, "sex": "M", "height": 178, "weight": (96, "kg")}


@pytest.mark.skipif(mm.default_model_path() is None or not RECORD.is_file(), reason="no shipped model or sample")
def test_each_value_s_contribution_is_predict_with_it_minus_predict_without_it():
    predictor = mm.Predictor(mm.default_model_path(), device="cpu")
    loaded = predictor.loaded
    assert loaded.calibration is not None and predictor.noise_average is not None
    assert loaded.measured_stack is not None
    record = mm.load_record(RECORD)
    contributions = clinical_contributions(predictor, record, VALUES)
    assert sorted(contributions) == sorted(VALUES)
    with_all = predictor.predict(record, VALUES, explain=False).probabilities
    for name in VALUES:
        without = predictor.predict(record, {k: v for k, v in VALUES.items() if k != name}, explain=False)
        np.testing.assert_allclose(contributions[name], with_all - without.probabilities, atol=2e-6, err_msg=name)
