"""interpret_prediction: which of a model's labels are statements, and the interpretation of a Prediction."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mirage_model.inference import Prediction
from mirage_model.review.interpret import interpret_prediction, statement_labels


def _pred(labels, probs, thresholds, withheld=""):
    return Prediction(labels=tuple(labels), probabilities=np.asarray(probs, np.float32),
                      thresholds=np.asarray(thresholds, np.float32), positive=(), model_name="m",
                      withheld=withheld)


def test_statement_labels():
    assert statement_labels(("NORM", "MI", "STTC", "CD", "HYP")) == []          # the superclass model
    assert statement_labels(("MI",)) == []                                     # the MI model
    assert statement_labels(("NORM", "MI", "SR", "AFIB", "LAO/LAE")) == ["NORM", "SR", "AFIB", "LAO/LAE"]


def test_superclasses_give_normal_ecg_only_and_rules_say_no_model_states_rhythm():
    pred = _pred(("NORM", "MI", "STTC", "CD", "HYP"), [0.9, 0.1, 0.1, 0.1, 0.1], [0.5] * 5)
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0, "pr_ms": 160.0, "qrs_ms": 90.0, "qrs_axis_deg": 30.0}, "F")
    assert [s.text for s in it.statements] == ["Rhythm not classified, 70 bpm", "Normal ECG"]
    assert it.statements[0].rule == "no model here states rhythm; measured rate only"
    # an abnormal superclass above its threshold: no "normal ECG" beside it, and the reason
    pred = _pred(("NORM", "MI", "STTC", "CD", "HYP"), [0.9, 0.1, 0.1, 0.1, 0.6], [0.5] * 5)
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert [s.text for s in it.statements] == ["Rhythm not classified, 70 bpm"]
    assert it.resolved == ("normal ECG (90%) not stated: the model's hypertrophy (HYP 60%) above threshold",)
    # a statements model without a rhythm call: its most probable rhythm, marked (a tie: sinus)
    pred = _pred(("SR", "AFIB"), [0.1, 0.1], [0.5, 0.5])
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert it.statements[0].text == "Sinus rhythm, 70 bpm, most probable rhythm (below its threshold)"
    # one with ectopy labels only says no rhythm of its own is above threshold
    pred = _pred(("PVC", "PAC"), [0.1, 0.1], [0.5, 0.5])
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert it.statements[0].rule == "no rhythm statement of the model is above its threshold"


def test_withheld_and_irregular_from_the_prediction_and_measurements():
    from mirage_model.measure import SCALAR_KEYS, Measurements

    m = Measurements(**dict(dict.fromkeys(SCALAR_KEYS), heart_rate_bpm=110.0), rhythm_irregular=True)
    pred = _pred(("AFIB", "SR"), [0.9, 0.2], [0.5, 0.5], withheld="lead missing (V3)")
    it = interpret_prediction(pred, m)
    assert it.withheld == "lead missing (V3)"
    assert it.text() == "WITHHELD (lead missing (V3)): Atrial fibrillation, 110 bpm, irregular"
    assert interpret_prediction(None, m).statements[0].text == "Rhythm not classified, 110 bpm, irregular"


def test_pacemaker_spikes_found_by_the_quality_check_make_the_rhythm_paced():
    """LUDB record 1 (atrial fibrillation, not paced) with a 2 mV, 2 ms stimulus added 60 ms before each
    QRS that LUDB annotates: the quality check finds the paced rhythm, and the interpretation of a
    statements prediction without a paced call (sinus guessed below threshold) says "Paced rhythm"
    first; the unmodified record keeps the model's rhythm."""
    import dataclasses
    from pathlib import Path

    wfdb = pytest.importorskip("wfdb")
    from mirage_model import quality
    from mirage_model.paths import resources_dir
    from mirage_model.records import load_record

    rec = load_record(resources_dir() / "samples" / "ludb" / "1")
    ann = wfdb.rdann(str(Path(__file__).resolve().parent / "data" / "ludb" / "1"), "ii")   # LUDB's own QRS marks
    peaks = np.asarray(ann.sample)[np.asarray(ann.symbol) == "N"]
    x = rec.signal.astype(np.float64).copy()
    for p in peaks - int(0.06 * rec.fs):
        if p >= 0:
            x[:, p] += 2.0
    paced_q = quality.assess(dataclasses.replace(rec, signal=x.astype(np.float32)))
    assert paced_q.has("paced_rhythm")
    labels = ("SR", "AFIB", "PACE", "NORM")
    pred = dataclasses.replace(_pred(labels, [0.3, 0.2, 0.1, 0.7], [0.5] * 4), quality=paced_q)
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0, "qrs_ms": 90.0})
    assert it.first.text == "Paced rhythm, 70 bpm" and it.first.source == "measurement"
    # the detector's count, as the finding words it (8 QRS complexes, a stimulus before each: not "most")
    assert re.search(r"pacemaker spikes \(a stimulus before \d+ of \d+ beats; quality check\)", it.first.rule)
    assert not any(s.code in ("SR", "NORM") for s in it.statements)
    clean = dataclasses.replace(pred, quality=quality.assess(rec))
    assert interpret_prediction(clean, {"heart_rate_bpm": 70.0, "qrs_ms": 90.0}).first.code == "SR"


def test_a_gated_record_withholds_the_interpretation_even_when_the_model_called_nothing():
    """LUDB record 1 with V1-V6 flat: the quality check gates it ("leads missing or flat"). A statements
    prediction that calls nothing has no calls to withhold, but the interpretation still comes from this
    record (its rule statements, the most probable rhythm): it is withheld with the gate's reason, in the
    text the CSV, the app and the PDF print. The unmodified record's interpretation is not withheld."""
    import dataclasses

    from mirage_model import quality
    from mirage_model.paths import resources_dir
    from mirage_model.records import load_record

    rec = load_record(resources_dir() / "samples" / "ludb" / "1")
    x = rec.signal.copy()
    x[6:12] = 0.0
    flat_q = quality.assess(dataclasses.replace(rec, signal=x))
    assert flat_q.gated and "all chest leads" in flat_q.reason             # V1-V6, the chest leads
    labels = ("SR", "AFIB", "NORM")
    quiet = _pred(labels, [0.3, 0.2, 0.1], [0.5] * 3)             # nothing called: no prediction.withheld
    it = interpret_prediction(dataclasses.replace(quiet, quality=flat_q), {"heart_rate_bpm": 70.0})
    assert it.withheld == flat_q.reason
    assert it.text().startswith(f"WITHHELD ({flat_q.reason}): ")
    # the rules alone, with the record's quality given
    assert interpret_prediction(None, {"heart_rate_bpm": 70.0}, quality=flat_q).withheld == flat_q.reason
    ok_q = quality.assess(rec)
    assert not ok_q.gated
    assert interpret_prediction(dataclasses.replace(quiet, quality=ok_q), {"heart_rate_bpm": 70.0}).withheld is None


def test_an_axis_read_off_inconsistent_limb_leads_is_marked_unreliable(test_data):
    """LUDB record 65 as published: its header gives each lead its own gain, and under them the limb leads
    break Einthoven's law, while the stored samples (microvolts) keep it. The QRS axis measured through the
    header read "Left axis deviation (-43 deg)" unmarked; on the stored samples, at LUDB's own annotated QRS
    of each beat, the axis is about -18 deg (no deviation). The quality check finds the leads scaled one by one
    (each 1.00 mV), and the axis statement is marked unreliable, saying so; it still keeps "normal ECG" away. (It
    had been marked by Einthoven's residuals, which leads scaled one by one break whatever the electrodes did:
    that check is not made beside "amplitude_scaled".)"""
    import dataclasses

    wfdb = pytest.importorskip("wfdb")
    from mirage_model import quality
    from mirage_model.measure import measure
    from mirage_model.records import load_record

    path = test_data / "ludb" / "65"
    # truth: net QRS amplitude in I and aVF on the raw stored samples, over each beat's annotated QRS
    raw = wfdb.rdrecord(str(path), physical=False).d_signal.astype(float)
    ann = wfdb.rdann(str(path), "i")
    sym, at = np.asarray(ann.symbol), np.asarray(ann.sample)
    nets = []
    for k in np.flatnonzero(sym == "N"):
        on, off = at[k - 1], at[k + 1]
        seg = raw[on:off + 1] - raw[on]
        nets.append(seg.max(0) + seg.min(0))
    net = np.median(nets, axis=0)
    truth = np.degrees(np.arctan2(net[5], net[0]))       # columns: i, ii, iii, avr, avl, avf, ...
    assert -30.0 < truth < 0.0

    rec = load_record(path.with_suffix(".hea"))
    q = quality.assess(rec)
    assert q.has("amplitude_scaled") and not q.has("limb_inconsistent")
    labels = ("SR", "AFIB", "NORM")
    pred = dataclasses.replace(_pred(labels, [0.9, 0.01, 0.9], [0.5] * 3), quality=q)
    it = interpret_prediction(pred, measure(rec), "F")
    axis = [s for s in it.statements if s.group == "axis"]
    assert [s.text.split(" (")[0] for s in axis] == ["Left axis deviation"], it.lines()
    note = axis[0].note or ""
    assert note.startswith("unreliable: every lead scaled to the same size"), it.lines()
    assert not any(s.code == "NORM" for s in it.statements)
    clean = dataclasses.replace(pred, quality=dataclasses.replace(q, findings=()))
    assert next(s for s in interpret_prediction(clean, measure(rec), "F").statements if s.group == "axis").note is None


def test_amplitude_statements_of_a_record_at_the_wrong_gain_are_marked(test_data):
    """A real file at five times its gain: the EGM package's WFDB export of GE MUSE's muse-sinus.xml
    writes microvolts under a header of 200 per mV. The quality check names it ("amplitude_high"); the
    statements read off amplitudes (hypertrophy, voltage, atrial enlargement) are then marked, as the
    statements model read "Left ventricular hypertrophy" (91 %) there and none on the XML; the others,
    and the same statements without the finding, stand."""
    import dataclasses

    from mirage_model import quality
    from mirage_model.measure import measure
    from mirage_model.records import load_record

    rec = load_record(test_data / "formats" / "muse-sinus.hea")
    q = quality.assess(rec)
    assert q.has("amplitude_high") and not q.gated
    labels = ("SR", "LVH", "VCLVH", "LAO/LAE", "ISC_", "NORM")
    pred = dataclasses.replace(_pred(labels, [0.9, 0.9, 0.6, 0.5, 0.6, 0.1], [0.3] * 6), quality=q)
    it = interpret_prediction(pred, measure(rec), "M")
    notes = {s.code: s.note for s in it.statements if s.source == "model"}
    assert {c for c, n in notes.items() if n} == {"LVH", "VCLVH", "LAO/LAE"}, it.lines()
    assert all(n.startswith("unreliable: amplitudes in doubt (beats taller than a heart gives")
               for c, n in notes.items() if n)
    assert "Left ventricular hypertrophy (?)" in it.text()
    clean = dataclasses.replace(pred, quality=dataclasses.replace(q, findings=()))
    assert not any(s.note for s in interpret_prediction(clean, measure(rec), "M").statements if s.source == "model")
    xml = load_record(test_data / "formats" / "muse-sinus.xml")
    assert not quality.assess(xml).has("amplitude_high")


def test_an_own_label_named_as_a_statement_is_said_once():
    """A researcher's model whose own classes are named "Normal ECG" and "sinus rhythm" beside a statements model
    that states both: the interpretation had read "Sinus rhythm, 70 bpm; sinus rhythm (the model's own label);
    Normal ECG (the model's own label); Normal ECG". Each is said once, as the statement, and ``resolved`` says
    why; an own label that names no statement ("AF") is still said as the model's, and keeps the statements model's
    "Normal ECG" away as any finding does (the model's own "Normal ECG" is then said as its own)."""
    stm = _pred(("NORM", "SR"), [0.9, 0.9], [0.5, 0.5])
    own = _pred(("Normal ECG", "sinus rhythm", "AF"), [0.8, 0.7, 0.3], [0.5, 0.5, 0.5])
    it = interpret_prediction(stm, {"heart_rate_bpm": 70.0, "pr_ms": 160.0, "qrs_ms": 90.0}, own=own)
    assert [s.text for s in it.statements] == ["Sinus rhythm, 70 bpm", "Normal ECG"]
    assert it.resolved[-2:] == ("the model's own label Normal ECG (80%) said once, as the statement Normal ECG",
                                "the model's own label sinus rhythm (70%) said once, as the statement "
                                "Sinus rhythm, 70 bpm")
    own = _pred(("Normal ECG", "sinus rhythm", "AF"), [0.8, 0.7, 0.6], [0.5, 0.5, 0.5])
    it = interpret_prediction(stm, {"heart_rate_bpm": 70.0, "pr_ms": 160.0, "qrs_ms": 90.0}, own=own)
    assert [s.text for s in it.statements] == ["Sinus rhythm, 70 bpm", "Normal ECG (the model's own label)",
                                               "AF (the model's own label)"]
    assert it.resolved[-1] == "normal ECG (90%) not stated: the model's own label AF (60%) above threshold"


def test_the_resolved_normal_ecg_names_the_superclasses_in_words():
    """Page 1's resolved line had read "the model's MI (49%), STTC (48%)" beside a model line in words: PTB-XL's
    superclasses are myocardial infarction and ST/T change (Wagner et al. 2020)."""
    pred = _pred(("NORM", "MI", "STTC", "CD", "HYP"), [0.52, 0.49, 0.48, 0.1, 0.1], [0.5, 0.3, 0.3, 0.5, 0.5])
    it = interpret_prediction(pred, {"heart_rate_bpm": 70.0})
    assert it.resolved == ("normal ECG (52%) not stated: the model's myocardial infarction (MI 49%), ST/T change "
                           "(STTC 48%) above threshold",)
