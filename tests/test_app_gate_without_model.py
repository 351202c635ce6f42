"""The window without a model gates the measurement rules by the record's own quality report.

The app assesses every record it opens, with or without a model, but the interpretation read its
quality report only from a prediction: with no model loaded, a record whose lead II is flat (a
critical finding that withholds every model call) still showed its rule statements (rate, axis ...)
as findings. Now the session keeps the record's report and the interpretation is withheld with its
reason, as it is with a model. Truth: the same record with lead II zeroed (``perturb``), and the
unmodified record, which is not withheld."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
wfdb = pytest.importorskip("wfdb")

from helpers_app import PTBXL_PAIR, WAIT_MS, isolated_settings, shown_window  # noqa: E402,F401 - fixtures


def _plain(label) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(label.text())
    return " ".join(doc.toPlainText().split())


@pytest.fixture
def flat_lead_ii(tmp_path):
    """PTB-XL 00417_lr with lead II zeroed, written as tmp_path/flat (.hea, .dat)."""
    from mirage_model.perturb import apply
    from mirage_model.records import load_record

    rec = apply(load_record(PTBXL_PAIR[0]), "lead II zeroed")
    wfdb.wrsamp("flat", fs=rec.fs, units=["mV"] * 12, sig_name=list(rec.sig_name),
                p_signal=np.asarray(rec.signal, dtype=np.float64).T, fmt=["16"] * 12, write_dir=str(tmp_path))
    return tmp_path / "flat.hea"


def _open(qtbot, window, path):
    with qtbot.waitSignal(window.analysisFinished, timeout=WAIT_MS):
        window.open_record(path)
    qtbot.waitUntil(lambda: window.session.quality is not None, timeout=WAIT_MS)
    return _plain(window.results.interpretation.text)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_without_a_model_a_gated_record_has_its_interpretation_withheld(qtbot, flat_lead_ii):
    window = shown_window(qtbot)
    assert window.predictor is None
    text = _open(qtbot, window, flat_lead_ii)
    quality = window.session.quality
    assert quality.gated and "flat" in quality.reason
    assert "Interpretation withheld" in text and quality.reason in text, text
    # the next record, clean: its own report, not withheld
    text = _open(qtbot, window, PTBXL_PAIR[0])
    assert not window.session.quality.gated
    assert "Interpretation withheld" not in text and text.startswith("Rhythm not classified"), text
