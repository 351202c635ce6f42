"""A large artefact confined to part of a longer record: the windows it overlaps are left out of
the prediction and the result stands (the report says so); a 10 s record with the same artefact
is withheld, as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.records import load_record
from mirage_model.paths import resources_dir

PTBXL = resources_dir() / "samples" / "ptbxl" / "records100" / "00000" / "00417_lr"


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    from helpers_models import make_tiny_checkpoint

    return mm.Predictor(make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", seed=4), device="cpu")


# a jump of the left-arm electrode's potential by v, as each lead sees it (I = LA - RA, II = LL - RA,
# III = LL - LA, Goldberger's augmented leads, V = Vi - (RA + LA + LL) / 3): the limb leads stay one heart's
LA_JUMP = np.array([1.0, 0.0, -1.0, -0.5, 1.0, -0.5] + [-1 / 3] * 6)


def _pop(x, fs, start_s, mv=8.0, width_s=0.3):
    y = x.copy()
    a = int(start_s * fs)
    y[:, a:a + int(width_s * fs)] += mv * LA_JUMP[:, None]
    return y


@pytest.fixture(scope="module")
def long_record():
    rec = load_record(PTBXL)                                  # 10 s at 100 Hz, usable as recorded
    sig = np.concatenate([rec.signal, rec.signal], axis=1)    # 20 s: windows at 0, 5 and 10 s
    return dataclasses.replace(rec, signal=sig.astype(np.float32))


def test_the_windows_over_an_artefact_are_left_out(predictor, long_record):
    rec = long_record
    popped = dataclasses.replace(rec, signal=_pop(rec.signal, rec.fs, 17.0).astype(np.float32))
    pred = predictor.predict(popped, explain=False)
    assert list(pred.window_starts_s) == [0.0, 5.0, 10.0]
    assert pred.windows_left_out == (2,)
    assert not pred.withheld and pred.quality.verdict == "usable", pred.quality.summary()
    f = next(f for f in pred.quality.findings if f.code == "artefact")
    assert f.severity == "warning" and "10-20 s left out of the prediction" in f.name, f.name
    assert 16.8 <= f.span_s[0] <= 17.05 and 17.25 <= f.span_s[1] <= 17.5, f.span_s
    # the result is that of the two clean windows: the same record without the pop, its first two windows
    clean = predictor.predict(rec, explain=False)
    assert clean.windows_left_out == ()
    np.testing.assert_allclose(pred.probabilities, clean.window_probabilities[:2].mean(axis=0), atol=2e-3)
    # the pop is in every window of a 10 s record: withheld as before
    short = dataclasses.replace(rec, signal=_pop(rec.signal[:, :1000], rec.fs, 7.0).astype(np.float32))
    pred = predictor.predict(short, explain=False)
    assert pred.windows_left_out == () and pred.quality.verdict == "unreliable"
    assert "large artefact" in pred.quality.reason and (pred.withheld or not pred.model_positive)


def test_the_explained_window_is_one_that_was_used(predictor, long_record):
    rec = long_record
    popped = dataclasses.replace(rec, signal=_pop(rec.signal, rec.fs, 2.0).astype(np.float32))
    pred = predictor.predict(popped, explain=True)
    assert pred.windows_left_out == (0,)                      # the pop at 2 s is in the window at 0 s only
    assert pred.explanation is not None
    starts = list(pred.window_starts_s)
    assert pred.explanation.window_start_s in starts[1:]


def test_the_report_says_which_windows_made_the_result(predictor, long_record, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    rec = long_record
    session = ReviewSession(dataclasses.replace(rec, signal=_pop(rec.signal, rec.fs, 17.0).astype(np.float32)))
    score_session(session, predictor, explain=False)
    out = build_report(session, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages)
    assert ("Probabilities are the mean over 2 of its 3 overlapping 10 s windows (left out, overlapping a "
            "large artefact: the window starting at 10 s)") in text
    assert "10-20 s left out of the prediction" in text


def test_a_lead_that_comes_off_after_the_first_minute(predictor):
    """80 s of a clean record with lead II zeroed from 67 s (a lead that came off): quality looked
    at the first minute only, so the windows with the zero lead went into the mean unremarked. Now
    each window past the first minute is assessed on its own stretch; the windows mostly flat in II
    are left out and a warning names them; windows without a flat sample are kept."""
    rec = load_record(PTBXL)
    sig = np.concatenate([rec.signal] * 8, axis=1).astype(np.float32)      # 80 s
    clean = dataclasses.replace(rec, signal=sig.copy())
    off = sig.copy()
    off[1, int(67 * rec.fs):] = 0.0
    pred = predictor.predict(dataclasses.replace(rec, signal=off), explain=False)
    starts = np.asarray(pred.window_starts_s)
    assert list(starts) == [5.0 * k for k in range(15)]
    flat_share = np.clip((starts + 10.0 - 67.0) / 10.0, 0.0, 1.0)            # of lead II, per window
    left = set(pred.windows_left_out)
    assert {int(k) for k in np.flatnonzero(flat_share > 0.5)} <= left, (left, flat_share)
    assert not left & {int(k) for k in np.flatnonzero(flat_share == 0)}, left
    f = next(f for f in pred.quality.findings if f.code == "later_windows")
    assert f.severity == "warning" and "II" in f.leads and "70-80 s" in f.name and "left out" in f.name, f
    assert pred.quality.verdict == "usable" and not pred.withheld
    ref = predictor.predict(clean, explain=False)
    assert ref.windows_left_out == () and not any(f.code == "later_windows" for f in ref.quality.findings)
    keep = sorted(set(range(len(starts))) - left)
    np.testing.assert_allclose(pred.probabilities, ref.window_probabilities[keep].mean(axis=0), atol=2e-3)


def test_the_report_says_why_later_windows_were_left_out(predictor, tmp_path):
    """Windows left out for a lead that came off after the first minute are not described as
    overlapping an artefact (the PDF said so whatever the reason)."""
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    rec = load_record(PTBXL)
    sig = np.concatenate([rec.signal] * 8, axis=1).astype(np.float32)
    sig[1, int(67 * rec.fs):] = 0.0
    session = ReviewSession(dataclasses.replace(rec, signal=sig))
    score_session(session, predictor, explain=False)
    pred = session.prediction
    assert pred.windows_left_out and pred.windows_left_out_why == "with signal not usable after the first 60 s"
    out = build_report(session, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out)).pages)
    n = len(pred.window_starts_s)
    assert (f"Probabilities are the mean over {n - len(pred.windows_left_out)} of its {n} overlapping 10 s "
            "windows (left out, with signal not usable after the first 60 s: the windows starting at") in text
    assert "overlapping a large artefact" not in text


def test_an_impossible_sample_of_a_damaged_file_is_named_and_its_windows_left_out(predictor, long_record):
    """One sample at 130 mV (a flipped byte in a Holter's data: ISHNE ECG_P28.01 with a few bytes changed
    loaded with a 132 mV sample and read 'usable'): no body surface gives that (the largest of PTB-XL folds
    1-9's 19,601 records is 17.9 mV). The windows it falls in are left out; on a 10 s record the result is withheld."""
    from mirage_model import quality

    rec = long_record
    sig = rec.signal.copy()
    sig[7, int(16.0 * rec.fs)] = 130.0                       # V2 at 16 s
    spiked = dataclasses.replace(rec, signal=sig)
    f = next(f for f in quality.assess(spiked).findings if f.code == "artefact")
    assert f.severity == "critical" and f.leads == ("V2",)
    assert f.name == "impossible sample values at 16.0-16.0 s (damaged file?)"
    assert f.span_s == pytest.approx((15.95, 16.05))
    pred = predictor.predict(spiked, explain=False)
    assert pred.windows_left_out == (2,) and not pred.withheld, pred.quality.summary()
    short = rec.signal[:, :1000].copy()
    short[7, 500] = 130.0
    q = quality.assess(dataclasses.replace(rec, signal=short))
    assert q.gated and q.reason.startswith("impossible sample values at 5.0-5.0 s")
    # a real record, and the same record with a lead in the wrong units (every sample 1000 times): not this
    assert not any(f.name.startswith("impossible") for f in quality.assess(rec).findings)
    wrong = rec.signal.copy()
    wrong[7] *= 1000.0
    assert not any(f.name.startswith("impossible")
                   for f in quality.assess(dataclasses.replace(rec, signal=wrong)).findings)
