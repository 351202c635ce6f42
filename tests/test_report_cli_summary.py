"""mirage report's line on the terminal names the calls the quality gate withheld."""

import numpy as np

from mirage_model.inference import Prediction
from training_cli.commands.report import result_summary


def _prediction(**kw):
    return Prediction(labels=("NORM", "MI", "CD"), probabilities=np.array([0.003, 0.687, 0.991], np.float32),
                      thresholds=np.full(3, 0.5, np.float32), model_name="m", **kw)


def test_a_withheld_result_names_the_withheld_calls_and_why():
    """PTB-XL 17506_lr (paced): the PDF says "RESULT WITHHELD" and the CSV MI;CD withheld, but the terminal said
    only "positive: none", which reads as a record without findings."""
    reason = "paced rhythm (statements model, P=0.93; pacemaker spikes not checked at 100 Hz)"
    line = result_summary(_prediction(positive=(), model_positive=("MI", "CD"), withheld=reason))
    assert line == ("positive: none (withheld: MI, CD: paced rhythm (statements model, P=0.93; pacemaker spikes "
                    "not checked at 100 Hz)); probabilities NORM 0.003, MI 0.687, CD 0.991")


def test_a_result_not_withheld_reads_as_before():
    assert result_summary(_prediction(positive=("MI", "CD"), model_positive=("MI", "CD"))) == \
        "positive: MI, CD; probabilities NORM 0.003, MI 0.687, CD 0.991"
    assert result_summary(None) == "no model result"
