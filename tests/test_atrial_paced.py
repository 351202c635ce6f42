"""measure.atrial's periodicity of the atrial activity between paced complexes against independent truth:
synthetic P waves dissociated from ventricular pacing at a known P-P interval, fibrillatory waves beside
pacing, and LUDB's paced records (skipped when absent); and the interpretation's sinus-beside-pacing rule on
them (the synthetic records: ``helpers_atrial``)."""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.measure import measure
from mirage_model.review.interpret import PACED_ATRIAL_PERIODICITY, interpret_prediction

from tests.helpers_atrial import FS, _prediction, at_100hz, paced_record

# ludb.csv's paced records with no P wave before the QRS: (id, rhythm is sinus). 34 and 90: sinus rhythm, third
# degree AV block, ventricular pacing; 8, 93, 95: atrial fibrillation, ventricular pacing. Left out: 74 (sinus, third
# degree block), whose P waves are barely above the noise (periodicity 0.07: a sinus statement there would go)
LUDB_PACED = (("34", True), ("90", True), ("8", False), ("93", False), ("95", False))


@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_dissociated_p_waves_repeat_at_their_own_interval(fs):
    """Complete AV block under ventricular pacing: no P wave before the QRS, and P waves between the complexes
    at their own P-P interval (0.8 s), not the RR interval (1.0 s)."""
    rec = paced_record("dissociated")
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is None and m.heart_rate_bpm == pytest.approx(60.0, abs=1.0)
    a = m.atrial
    assert a.periodicity >= 0.5 and a.period_s == pytest.approx(0.8, abs=0.02)
    assert a.atrial_rate_per_min == pytest.approx(75.0, abs=2.0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fs", [500.0, 100.0])
def test_fibrillatory_waves_beside_paced_complexes_do_not_repeat(seed, fs):
    rec = paced_record("fibrillation", seed=seed)
    m = measure(at_100hz(rec) if fs == 100.0 else rec, fiducials=False)
    assert m.pr_ms is None and m.atrial.periodicity < PACED_ATRIAL_PERIODICITY


def test_no_periodicity_is_sought_where_every_lag_is_an_rr_interval():
    """RR intervals of 0.44 and 1.0 s cover every P-P interval sought (0.4-1.5 s, within 10 % of the RR intervals
    and of twice them): a residue of the QRS-T could repeat at any of them, so nothing is measured."""
    from mirage_model.measure.atrial import atrial_periodicity

    beats = np.cumsum([250] + [220, 500] * 6)                    # samples at 500 Hz
    y = np.random.default_rng(0).standard_normal((4, int(beats[-1]) + 500))
    on, off = np.full(len(beats), 20.0), np.full(len(beats), 40.0)
    assert atrial_periodicity(y, FS, beats, on, off) is None
    assert atrial_periodicity(y, FS, beats[::2], on[::2], off[::2]) is not None     # RR 1.44 s: lags left


@pytest.mark.parametrize("atrial, sinus", [("dissociated", True), ("fibrillation", False)])
def test_a_sinus_statement_beside_a_paced_rhythm_needs_atrial_activity_that_repeats(atrial, sinus):
    """The model's sinus rhythm beside its paced rhythm, no P wave before the QRS: it stands, marked with the
    atrial rate, over dissociated P waves (complete AV block); over fibrillatory waves it is not said."""
    m = measure(paced_record(atrial), fiducials=False)
    it = interpret_prediction(_prediction({"SR": 0.8, "PACE": 0.9}), m, "F")
    rhythm = [s for s in it.statements if s.group == "rhythm"]
    assert rhythm[0].code == "PACE"
    said = [s for s in rhythm if s.code == "SR"]
    if sinus:
        assert len(said) == 1 and said[0].note.startswith("no P wave found before the QRS; regular atrial activity "
                                                          "at 75/min between the paced complexes")
    else:
        assert not said
        assert any(r.startswith("sinus rhythm (80%) not stated: a paced rhythm with no P wave found before the QRS "
                                "and no regular atrial activity between the complexes") for r in it.resolved)


@pytest.mark.parametrize("rid, sinus", LUDB_PACED)
def test_ludb_paced_records_keep_a_sinus_statement_only_over_sinus_p_waves(ludb_data, rid, sinus):
    """LUDB 8 (atrial fibrillation, ventricular pacing) had read "Paced rhythm, 72 bpm; Sinus rhythm (?)", as
    LUDB 34 (sinus rhythm, third degree AV block) does rightly: a sinus statement beside their paced rhythm stands
    where ludb.csv gives sinus rhythm and not where it gives atrial fibrillation."""
    from mirage_model.inference import assess_record
    from mirage_model.records import load_record

    record = load_record(ludb_data / f"{rid}.hea")
    m = measure(record, fiducials=False)
    assert m.pr_ms is None and m.qrs_ms is not None
    it = interpret_prediction(_prediction({"SR": 0.8, "PACE": 0.9}), m, "F", quality=assess_record(record))
    assert any(s.code == "SR" for s in it.statements) == sinus
    assert (m.atrial.periodicity >= PACED_ATRIAL_PERIODICITY) == sinus
