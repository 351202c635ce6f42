"""A paced record at 100 Hz whose QRS detector anchors some paced complexes on the pacing spike and some on the QRS
120 ms later (the spike a sample of the record, tall in some beats, small in others: PTB-XL's PACE records): its
complexes, alike to the eye, did not correlate where they stood, and the record got "only 4 of 11 QRS complexes are
alike: noisy record, no reliable measurement". Now the complexes are compared at their best lag: the median beat is
that of the paced ones, anchored on their QRS, and the note says the native ones are left out. Truth: the record the
test writes (which beats are paced, where each QRS is, the sign of each lead's paced QRS)."""

from __future__ import annotations

import numpy as np

from mirage_model.measure import measure
from mirage_model.records import EcgRecord

FS = 100.0
KINDS = "PPNPPNPPNPP"                      # 8 paced complexes, 3 native ones between
SPIKE_MV = [4.0, 0.2, None, 4.0, 0.2, None, 4.0, 0.2, None, 4.0, 0.2]   # tall or small spike; none on a native beat
# lead weights of the paced QRS (a left-axis, LBBB-like form) and of the native one (narrow, upright)
PACED_W = np.array([0.6, -0.8, -1.4, -0.1, 1.0, -1.1, -1.2, -1.3, -1.4, -1.2, -0.6, 0.4])
NATIVE_W = np.array([0.8, 1.0, 0.2, -0.9, 0.3, 0.6, -0.6, 0.2, 0.7, 1.2, 1.3, 1.1])


def _record() -> tuple[EcgRecord, np.ndarray]:
    """(the record, (11,) s of each complex's QRS centre)."""
    t = np.arange(int(10 * FS)) / FS
    x = np.zeros((12, t.size))
    centres = 0.6 + 0.85 * np.arange(len(KINDS))
    for k, (kind, qrs) in enumerate(zip(KINDS, centres)):
        if kind == "P":
            shape = (np.exp(-0.5 * ((t - qrs + 0.03) / 0.02) ** 2)
                     - 0.6 * np.exp(-0.5 * ((t - qrs - 0.04) / 0.025) ** 2)
                     + 0.3 * np.exp(-0.5 * ((t - qrs - 0.3) / 0.06) ** 2))
            x += PACED_W[:, None] * shape
            x[:, int(round((qrs - 0.12) * FS))] += SPIKE_MV[k]          # the stimulus, 120 ms before the QRS
        else:
            shape = (np.exp(-0.5 * ((t - qrs) / 0.012) ** 2) + 0.15 * np.exp(-0.5 * ((t - qrs + 0.16) / 0.03) ** 2)
                     + 0.3 * np.exp(-0.5 * ((t - qrs - 0.26) / 0.05) ** 2))
            x += NATIVE_W[:, None] * shape
    return EcgRecord(signal=x.astype(np.float32), fs=FS, record_id="paced"), centres


def test_paced_complexes_anchored_on_the_spike_or_the_qrs_make_one_median_beat():
    rec, centres = _record()
    m = measure(rec, fiducials=False)
    assert not any("alike" in n for n in m.notes), m.notes
    assert len(m.beats) == len(KINDS)
    paced = np.array([k == "P" for k in KINDS])
    np.testing.assert_array_equal(m.dominant, paced)             # the paced ones, not the native ones
    # each paced complex's anchor on its QRS (within 40 ms), none on its spike 120 ms before
    assert np.all(np.abs(m.beats[paced] / FS - centres[paced]) <= 0.04)
    assert "median beat of the 8 QRS complexes of the dominant form, aligned on it; the other 3 complexes left out" \
        in m.notes
    assert m.qrs_ms is not None
    # the median beat is the paced form: around its anchor (past the spike) each lead's largest deflection has the
    # sign of the paced QRS's weight there, which differs from the native one's in II, III, aVF and V2-V5
    med = m.median
    a, b = med.anchor - int(0.05 * med.fs), med.anchor + int(0.12 * med.fs)
    seg = med.signal[:, a:b]
    peak = seg[np.arange(12), np.argmax(np.abs(seg), axis=1)]
    np.testing.assert_array_equal(np.sign(peak), np.sign(PACED_W))
    assert (np.sign(PACED_W) != np.sign(NATIVE_W)).sum() == 7
