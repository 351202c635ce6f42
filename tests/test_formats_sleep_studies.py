"""Sleep studies and monitoring recordings: files that hold one to three ECG channels beside EEG, EOG,
EMG and oximetry are refused, and the refusal says which leads they hold and what the file is.

The montages are the published ones: the Stanford sleep cohort's (EEG C3-A2 ... ECG II, SpO2) and
MrOS's ECG electrodes ('ECG L', 'ECG R'); the files are written here with edfio.
"""

from __future__ import annotations

import numpy as np
import pytest

from mirage_model.records import RecordError, load_record

edfio = pytest.importorskip("edfio")


def _write_edf(path, channels, seconds=30):
    """An EDF of ``channels`` ((label, fs) each) holding a 1.2 Hz sine in mV."""
    signals = []
    for label, fs in channels:
        t = np.arange(seconds * fs) / fs
        signals.append(edfio.EdfSignal(0.5 * np.sin(2 * np.pi * 1.2 * t), sampling_frequency=fs, label=label,
                                       physical_dimension="mV", physical_range=(-5, 5)))
    edfio.Edf(signals).write(path)
    return path


def test_sleep_study_with_one_ecg_lead_is_refused_naming_the_lead_and_the_recording(tmp_path):
    """A polysomnogram's one ECG channel ('ECG II') was refused as 'has 1 of the 12 standard leads
    (EEG C3-A2, EOG LOC-A2, EMG Chin, ECG II, SpO2)': every channel listed as though it were a lead.
    The refusal names the lead it has, under the file's label, the others apart, and what it is."""
    path = _write_edf(tmp_path / "psg.edf", [("EEG C3-A2", 500), ("EOG LOC-A2", 500), ("EMG Chin", 200),
                                             ("ECG II", 200), ("SpO2", 1)])
    with pytest.raises(RecordError) as err:
        load_record(path)
    reason = err.value.reason
    assert "has 1 of the 12 standard leads (II as 'ECG II'); missing I, III, aVR" in reason
    assert "other channels: EEG C3-A2, EOG LOC-A2, EMG Chin, SpO2" in reason
    assert "sleep study or monitoring recording, not a 12-lead ECG" in reason


def test_three_limb_leads_beside_eeg_are_refused_as_a_sleep_study(tmp_path):
    """I, II and III give the six limb leads (Einthoven, Goldberger), not the chest leads."""
    path = _write_edf(tmp_path / "psg3.edf", [("EEG C3-A2", 256), ("ECG I", 256), ("ECG II", 256), ("ECG III", 256)])
    with pytest.raises(RecordError, match=r"has 6 of the 12 standard leads \(I as 'ECG I', II as 'ECG II', III as "
                                          r"'ECG III', and aVR, aVL, aVF derived from its limb leads\); "
                                          r"missing V1, V2, V3, V4, V5, V6; other channels: EEG C3-A2 "
                                          r"\(a sleep study"):
        load_record(path)


def test_ecg_electrode_channels_of_a_sleep_study_name_no_lead(tmp_path):
    """MrOS labels its two ECG electrodes 'ECG L' and 'ECG R': ECG channels that name no lead of the
    12; the refusal said only 'no ECG leads among its 4 channels'."""
    path = _write_edf(tmp_path / "mros.edf", [("C3", 256), ("ECG L", 256), ("ECG R", 256), ("SaO2", 1)])
    with pytest.raises(RecordError, match=r"no ECG leads among its 4 channels \(C3, ECG L, ECG R, SaO2\): "
                                          r"'ECG L', 'ECG R' name no lead of the 12"):
        load_record(path)


def test_one_channel_is_one_channel(tmp_path):
    """pyedflib's test_utf8.edf (one EEG channel, Fp1) was 'no ECG leads among its 1 channels'."""
    path = _write_edf(tmp_path / "eeg.edf", [("Fp1", 256)])
    with pytest.raises(RecordError, match=r"no ECG leads among its 1 channel \(Fp1\)$"):
        load_record(path)


def test_a_twelve_lead_record_missing_chest_leads_gets_no_sleep_study_hint(tmp_path):
    """Only channels of a sleep study's or a monitor's kind earn the hint: six limb leads and a
    respiration-free extra channel are a 12-lead ECG short of its chest leads."""
    path = _write_edf(tmp_path / "limb.edf", [(lead, 500) for lead in ("I", "II", "III", "aVR", "aVL", "aVF")]
                      + [("Marker", 500)])
    with pytest.raises(RecordError) as err:
        load_record(path)
    assert "has 6 of the 12 standard leads (I, II, III, aVR, aVL, aVF); missing V1" in err.value.reason
    assert "other channels: Marker" in err.value.reason and "sleep study" not in err.value.reason
