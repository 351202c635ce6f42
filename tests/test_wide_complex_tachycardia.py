"""A wide-complex tachycardia whose complexes run into each other (CinC 2021 JS45545, Ningbo, labelled
paroxysmal ventricular tachycardia; tests/data/cinc2021): read as such by the quality check, the
measurement and the interpretation, not as noise or as sinus tachycardia."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model import quality
from mirage_model.measure import measure
from mirage_model.paths import resources_dir
from mirage_model.records import load_record

from conftest import TEST_DATA

JS45545 = TEST_DATA / "cinc2021" / "JS45545"


@pytest.fixture(scope="module")
def vt():
    rec = load_record(JS45545)
    assert "425856008" in " ".join(rec.meta.get("comments", [])) \
        or "425856008" in JS45545.with_suffix(".hea").read_text()
    return rec


def _autocorrelation_rate(x: np.ndarray, fs: float) -> float:
    """The rhythm's rate (bpm) from the first autocorrelation peak of the leads' summed squares between
    250 ms and 1.5 s: a method independent of both QRS detectors."""
    e = np.sum((x - x.mean(axis=1, keepdims=True)) ** 2, axis=0)
    e = e - e.mean()
    ac = np.correlate(e, e, mode="full")[len(e) - 1:]
    lo, hi = int(0.25 * fs), int(1.5 * fs)
    return 60.0 * fs / (lo + int(np.argmax(ac[lo:hi])))


def test_its_beats_are_not_read_as_noise(vt):
    q = quality.assess(vt)
    assert not q.has("poor_quality"), q.summary()
    assert np.nanmax(q.indices["noise_mv"]) < 0.08          # no lead poor from noise (0.30 mV before)
    assert np.nanmin(q.indices["beat_corr"]) > 0.85          # the beats repeat


def test_its_qrs_is_unbounded_and_its_rate_measured(vt):
    m = measure(vt)
    rate = _autocorrelation_rate(np.asarray(vt.signal, float), vt.fs)
    assert m.heart_rate_bpm == pytest.approx(rate, rel=0.03)
    assert m.qrs_ms is None and m.pr_ms is None and m.qrs_unbounded
    assert any("does not go quiet within 200 ms" in n for n in m.notes)
    normal = measure(load_record(resources_dir() / "samples" / "ludb" / "1"))
    assert normal.qrs_ms is not None and not normal.qrs_unbounded


def test_it_reads_as_a_wide_qrs_tachycardia_not_sinus(vt):
    from mirage_model.review.interpret import interpret_prediction

    it = interpret_prediction(None, measure(vt))         # the measurement rules alone
    assert it.first.text == "Wide QRS tachycardia, 187 bpm, ventricular tachycardia not excluded", it.text()
    assert it.first.note.startswith("QRS not measurable: no isoelectric interval")
    assert not any(s.text.startswith("Sinus") for s in it.statements)
