"""Messages that count or list things read as a reader reads them: a finding on every lead, or on every limb or
chest lead, names the group ("in all 12 leads"), not each lead; the measurement's "QRS complexes alike" note is
grammatical for one alike and for many; the pacing finding says how many of the beats a stimulus precedes.

Truth: what the test puts in (noise added to known leads of the bundled PTB-XL records, leads zeroed, stimuli
written before known beats of a synthetic ECG whose QRS peaks are known) and the counts themselves.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mirage_model.measure import measure
from mirage_model.measure.pipeline import unalike_note
from mirage_model.noise_spread import may_hide_text
from mirage_model.paths import resources_dir
from mirage_model.quality import Finding, QualityReport, assess, leads_text
from mirage_model.records import STANDARD_LEADS, EcgRecord, load_record
from mirage_model.review.interpret import noise_evidence
from test_pacing_spikes import _synthetic_ecg, _with_stimuli

PTBXL = sorted((resources_dir() / "samples" / "ptbxl" / "records100").rglob("*.hea"))


def test_leads_text_names_a_whole_group():
    assert leads_text(STANDARD_LEADS) == "all 12 leads"
    assert leads_text(STANDARD_LEADS[:6]) == "all limb leads"
    assert leads_text(STANDARD_LEADS[6:]) == "all chest leads"
    assert leads_text(STANDARD_LEADS[:8]) == "all limb leads and V1, V2"
    assert leads_text(("III",) + tuple(STANDARD_LEADS[6:])) == "lead III and all chest leads"    # CinC JS45546's noise
    assert leads_text(STANDARD_LEADS[:5]) == "leads I, II, III, aVR, aVL"       # one short of the group
    assert leads_text(("V3",)) == "lead V3" and leads_text(("V1", "V2"), noun=False) == "V1, V2"
    every = QualityReport("usable", "", (Finding("noise", "noise", "warning", tuple(STANDARD_LEADS)),))
    assert may_hide_text(noise_evidence(every), [("Left bundle branch block", 0.38)]) == \
        "Noise in all 12 leads may hide: Left bundle branch block (38%)"
    two = QualityReport("usable", "", (Finding("noise", "noise", "warning", ("V1", "V2")),))
    assert may_hide_text(noise_evidence(two), [("Left bundle branch block", 0.38)]).startswith("Noise in V1, V2 may")


@pytest.mark.skipif(not PTBXL, reason="bundled samples not present")
@pytest.mark.parametrize("leads, words", [(range(12), "all 12 leads"), (range(6), "all limb leads")])
def test_noise_finding_names_the_group(leads, words):
    """0.05 mV RMS of white noise in every lead (or every limb lead) of a bundled PTB-XL record: the noise finding
    says "in all 12 leads" ("in all limb leads") where it listed "in leads I, II, III, aVR, aVL, aVF, V1, ..."."""
    rec = load_record(PTBXL[0])
    sig = rec.signal.astype(np.float64).copy()
    leads = list(leads)
    sig[leads] += np.random.default_rng(0).normal(0.0, 0.05, (len(leads), sig.shape[1]))
    found = [f for f in assess(dataclasses.replace(rec, signal=sig.astype(np.float32))).findings
             if f.code == "noise"]
    assert len(found) == 1 and found[0].leads == tuple(STANDARD_LEADS[i] for i in leads)
    assert f"noise in {words} " in found[0].name and "aVR" not in found[0].name, found[0].name


@pytest.mark.skipif(not PTBXL, reason="bundled samples not present")
def test_poor_quality_in_every_lead_says_all():
    """0.3 mV RMS of white noise in every lead: "poor signal quality in all 12 leads" (it read "in 12 leads")."""
    rec = load_record(PTBXL[0])
    sig = rec.signal.astype(np.float64) + np.random.default_rng(0).normal(0.0, 0.3, rec.signal.shape)
    q = assess(dataclasses.replace(rec, signal=sig.astype(np.float32)))
    poor = [f for f in q.findings if f.code == "poor_quality"]
    assert len(poor) == 1 and poor[0].leads == tuple(STANDARD_LEADS), q.summary()
    assert poor[0].name == "poor signal quality in all 12 leads"


def test_chest_leads_missing_say_all():
    """The chest leads flat (zeros) in the bundled LUDB record 1: "all chest leads missing or flat" (it read
    "leads missing or flat (V1, V2, V3, V4, V5, V6)"); one lead flat keeps its name in the list."""
    rec = load_record(resources_dir() / "samples" / "ludb" / "1")
    sig = rec.signal.copy()
    sig[6:] = 0.0
    found = [f for f in assess(dataclasses.replace(rec, signal=sig)).findings if f.code == "lead_missing"]
    assert len(found) == 1 and found[0].leads == tuple(STANDARD_LEADS[6:])
    assert found[0].name == "all chest leads missing or flat"
    sig = rec.signal.copy()
    sig[1] = 0.0
    found = [f for f in assess(dataclasses.replace(rec, signal=sig)).findings if f.code == "lead_missing"]
    assert [f.name for f in found] == ["lead missing or flat (II)"]


def test_unalike_note_reads_for_one_and_for_many():
    end = ": noisy record, no reliable measurement"
    assert unalike_note(1, 7, 3) == "the 7 QRS complexes differ from one another (no 2 alike)" + end
    assert unalike_note(0, 5, 3) == "the 5 QRS complexes differ from one another (no 2 alike)" + end
    assert unalike_note(2, 7, 3) == "only 2 of 7 QRS complexes are alike" + end
    assert unalike_note(1, 2, 3) == "the 2 QRS complexes differ from each other" + end
    assert unalike_note(2, 2, 3) == "only 2 QRS complexes (3 needed): no reliable measurement"


def test_a_record_of_noise_says_its_complexes_differ():
    """White noise in every lead (no heart): the beats the detector finds are unlike each other. The note said
    "only 1 of 6 QRS complexes are alike"; it says they differ."""
    x = np.random.default_rng(2).normal(0.0, 0.3, (12, 5000)).astype(np.float32)
    notes = measure(EcgRecord(signal=x, fs=500.0, record_id="noise")).notes
    assert len(notes) == 1 and notes[0].startswith("the ") and " QRS complexes differ from one another (no 2 alike)" \
        in notes[0] and "are alike" not in notes[0], notes


def _paced(at: np.ndarray):
    """The synthetic ECG (11 known QRS peaks at 500 Hz) with 3 mV, 1 ms stimuli at samples ``at``."""
    x, peaks = _synthetic_ecg(500.0)
    rec = EcgRecord(signal=_with_stimuli(x, 500.0, at, 1.0, 3.0).astype(np.float32), fs=500.0, record_id="paced")
    found = [f for f in assess(rec).findings if f.code == "paced_rhythm"]
    assert len(found) == 1
    return found[0].detail


def test_pacing_detail_says_how_many_beats_a_stimulus_precedes():
    """Stimuli 60 ms before 6 of the 11 beats: the detail read "6 stimuli before 11 beats" (6 of 11? 6 spikes and 11
    beats?); it says "a stimulus before 6 of 11 beats". An extra stimulus 160 ms before one of them (an atrial and a
    ventricular one) counts that beat once."""
    _, peaks = _synthetic_ecg(500.0)
    assert len(peaks) == 11
    at = peaks[::2] - 30                                    # 6 beats
    assert _paced(at) == "a stimulus before 6 of 11 beats"
    two = np.sort(np.concatenate([at, [peaks[1] - 30, peaks[1] - 80]]))       # 8 stimuli, 7 beats
    assert _paced(two) == "8 stimuli before 7 of 11 beats (more than one before some)"


def test_first_few_lists_the_first_and_says_there_are_more():
    from mirage_model.words import first_few

    assert first_few([]) == ""
    assert first_few(["a", "b"]) == "a, b"
    assert first_few([f"r{k}" for k in range(5)]) == "r0, r1, r2, r3, r4"
    assert first_few([f"r{k}" for k in range(6)]) == "r0, r1, r2, r3, r4, ..."
    assert first_few(iter(["x", "y", "z"]), 2, repr, more=" ...") == "'x', 'y' ..."
