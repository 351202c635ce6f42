"""scripts/interpretation_vs_labels.py: each dataset's labels read from its headers, the statements read from the
interpretation. Truth: the header lines as the datasets write them and the Challenge's public SNOMED-CT table."""

from __future__ import annotations

from helpers_scripts import load_script


def test_interpretation_vs_labels_reads_each_datasets_labels_and_the_statements_said():
    """LUDB's diagnoses as its headers give them, the Challenge's SNOMED-CT codes (dx_mapping_scored.csv: 164889003
    atrial fibrillation, 713427006 complete RBBB, 270492004 first degree AV block) and PTB Diagnostic's infarct
    localisation; a withheld interpretation's statements count, a statement's rate and marks do not hide it."""
    m = load_script("interpretation_vs_labels")
    ludb = ["<age>: 51", "<sex>: F", "<diagnoses>:", "Rhythm: Sinus bradycardia.",
            "Electric axis of the heart: left axis deviation. ", "Left ventricular hypertrophy. ",
            "Atrial extrasystole, type: single PAC. ", "Stemi: anterior wall. ", "Pacemaker presence, undefined. "]
    assert m.ludb_labels(ludb) == {"sinus rhythm (any)", "sinus bradycardia", "left axis deviation",
                                   "left ventricular hypertrophy", "atrial premature complexes", "infarction",
                                   "paced rhythm"}
    assert m.snomed_labels(["Age: 60", "Dx: 164889003,713427006,270492004"]) == {
        "atrial fibrillation", "complete RBBB", "first degree AV block"}
    assert m.ptbdb_labels(["Acute infarction (localization): infero-latera",
                           "Former infarction (localization): no"]) == {"infarction"}
    assert m.ptbdb_labels(["Reason for admission: Healthy control", "Acute infarction (localization): no"]) == set()
    said = m.stated_findings("WITHHELD (limb leads inconsistent (Einthoven/Goldberger); paced rhythm (pacemaker "
                             "spikes)): Paced rhythm, 60 bpm; Sinus rhythm (?); Incomplete right bundle branch block; "
                             "Left axis deviation (-44 deg) (?)")
    assert said == {"paced rhythm", "sinus rhythm (any)", "incomplete RBBB", "left axis deviation"}
    assert m.stated_findings("Sinus bradycardia, 49.8 bpm; Right bundle branch block (QRS 135 ms)") == {
        "sinus rhythm (any)", "sinus bradycardia", "complete RBBB"}
    said = m.stated_findings("WITHHELD (beats smaller than any heart gives in every lead (largest 0.28 mV): units or "
                             "gain wrong?): Sinus rhythm, 50 bpm (?); Left axis deviation (-40 deg)")
    assert said == {"sinus rhythm (any)", "left axis deviation"}
    assert m.stated_findings("Atrial fibrillation, 162 bpm (?); Right bundle branch block (?); Right bundle branch "
                             "block (QRS 130 ms)", marked=True) == {"atrial fibrillation"}
