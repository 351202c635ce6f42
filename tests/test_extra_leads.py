"""The file's ECG leads outside the 12 (a paediatric lead set's V3R and V4R, a 15-lead export's V4R, V8, V9, PTB
Diagnostic's Frank leads vx, vy, vz) are kept as ``EcgRecord.extra_leads`` by every reader that can carry them,
drawn after the 12 on the PDF, and read by nothing else: every reader had dropped their samples, naming them only.
Truth: wfdb's own reader of the same files, the samples the tests write, the channels a file's copy renamed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mirage_model.records import STANDARD_LEADS, load_record
from mirage_model.review.file_info import record_notes

wfdb = pytest.importorskip("wfdb")

DATA = Path(__file__).parent / "data"
PTB = DATA / "ptbdb" / "s0010_re.hea"
FIFTEEN = [*STANDARD_LEADS, "V4R", "V8", "V9"]


def _fifteen(folder: Path, fs: int = 500, seconds: float = 4.0) -> tuple[Path, np.ndarray]:
    """A WFDB record of 15 channels (the 12, V4R, V8, V9) written by wfdb itself, 1000 units a mV, and its samples
    (T, 15) mV on the 1 uV steps the file holds."""
    t = np.arange(int(fs * seconds)) / fs
    p = np.stack([0.4 * np.sin(2 * np.pi * (1.1 + 0.05 * k) * t + k) for k in range(15)], axis=1)
    p = np.round(p * 1000) / 1000
    wfdb.wrsamp("fifteen", fs=fs, units=["mV"] * 15, sig_name=FIFTEEN, p_signal=p, fmt=["16"] * 15,
                adc_gain=[1000.0] * 15, baseline=[0] * 15, write_dir=str(folder))
    return folder / "fifteen.hea", p


def test_a_wfdb_record_of_15_channels_keeps_v4r_v8_v9_as_extra_leads(tmp_path):
    hea, p = _fifteen(tmp_path)
    rec = load_record(hea)
    assert [e.name for e in rec.extra_leads] == ["V4R", "V8", "V9"]
    for k, e in enumerate(rec.extra_leads):
        assert e.signal.dtype == np.float32 and e.signal.shape == (p.shape[0],)
        np.testing.assert_allclose(e.signal, p[:, 12 + k], atol=1e-6)
    # the 12 are the file's 12, as before: nothing of the extra ones in them
    np.testing.assert_allclose(rec.signal, p[:, :12].T, atol=1e-6)
    assert "extra leads drawn after the 12: V4R, V8, V9 (not read by the models)" in record_notes(rec)
    assert not any(note.startswith("not shown") for note in record_notes(rec))


def test_the_ptb_diagnostic_records_frank_leads_are_kept_as_wfdb_reads_them():
    rec = load_record(PTB)
    truth = wfdb.rdrecord(str(PTB.with_suffix("")))
    assert truth.sig_name[12:] == ["vx", "vy", "vz"]
    assert [e.name for e in rec.extra_leads] == ["vx", "vy", "vz"]
    for k, e in enumerate(rec.extra_leads):
        np.testing.assert_allclose(e.signal, truth.p_signal[:, 12 + k], atol=1e-6)
        assert e.signal.shape == (rec.signal.shape[1],)


def test_an_extra_leads_missing_signal_file_is_said_and_the_record_opens(tmp_path):
    """The Frank leads' own file (s0010_re.xyz) gone: the record opens with its 12 leads as before, the notes say
    why vx, vy, vz are not shown (naming the file)."""
    for f in PTB.parent.glob("s0010_re.*"):
        if f.suffix != ".xyz":
            shutil.copy(f, tmp_path / f.name)
    rec = load_record(tmp_path / "s0010_re.hea")
    whole = load_record(PTB)
    np.testing.assert_array_equal(rec.signal, whole.signal)
    assert rec.extra_leads == ()
    unread = rec.meta["extra_leads_unread"]
    assert list(unread) == ["vx", "vy", "vz"] and all("s0010_re.xyz" in why for why in unread.values())
    assert any(n.startswith("not shown: vx (an extra lead: ") and "s0010_re.xyz" in n for n in record_notes(rec))


def test_an_edf_keeps_its_extra_leads_and_says_one_at_another_rate(tmp_path):
    edfio = pytest.importorskip("edfio")
    fs, T = 500, 2000
    t = np.arange(T) / fs
    p = np.stack([0.4 * np.sin(2 * np.pi * 1.2 * t + k) for k in range(15)], axis=1)
    signals = [edfio.EdfSignal(p[:, k], sampling_frequency=fs, label=name, physical_dimension="mV",
                               physical_range=(-5, 5)) for k, name in enumerate(FIFTEEN)]
    signals.append(edfio.EdfSignal(p[::2, 0], sampling_frequency=fs / 2, label="V7", physical_dimension="mV",
                                   physical_range=(-5, 5)))
    signals.append(edfio.EdfSignal(p[:, 0] * 10 + 90, sampling_frequency=fs, label="SpO2", physical_dimension="%",
                                   physical_range=(0, 100)))
    path = tmp_path / "fifteen.edf"
    edfio.Edf(signals).write(path)
    rec = load_record(path)
    assert [e.name for e in rec.extra_leads] == ["V4R", "V8", "V9"]
    for k, e in enumerate(rec.extra_leads):       # 16-bit EDF over +-5 mV: 0.15 uV steps
        np.testing.assert_allclose(e.signal, p[:, 12 + k], atol=2e-4)
    assert rec.meta["extra_leads_unread"] == {"V7": "sampled at 250 Hz, not the leads' 500 Hz"}
    notes = record_notes(rec)
    assert "not shown: V7 (an extra lead: sampled at 250 Hz, not the leads' 500 Hz)" in notes
    assert "not shown: SpO2 (not among the 12 standard leads)" in notes


def test_a_muse_paediatric_lead_set_keeps_v3r_and_says_v3_is_blank(tmp_path):
    """The bundled MUSE file with its V3 and V5 channels renamed V3R and V7 (a paediatric lead set): V3R and V7 are
    the file's V3 and V5 samples, kept; V3 and V5 still say which lead stands in their place."""
    pytest.importorskip("ecgdatakit")
    source = DATA / "formats" / "muse-sinus.xml"
    text = source.read_bytes().replace(b"<LeadID>V3</LeadID>", b"<LeadID>V3R</LeadID>")
    (tmp_path / "ped.xml").write_bytes(text.replace(b"<LeadID>V5</LeadID>", b"<LeadID>V7</LeadID>"))
    rec, whole = load_record(tmp_path / "ped.xml"), load_record(source)
    assert [e.name for e in rec.extra_leads] == ["V3R", "V7"]
    np.testing.assert_array_equal(rec.extra_leads[0].signal, whole.signal[STANDARD_LEADS.index("V3")])
    np.testing.assert_array_equal(rec.extra_leads[1].signal, whole.signal[STANDARD_LEADS.index("V5")])
    assert rec.missing_text(STANDARD_LEADS.index("V3")) == "missing: V3R in its place, not V3"
    assert np.isnan(rec.signal[STANDARD_LEADS.index("V3")]).all()


def test_the_pdf_draws_the_extra_leads_on_a_page_of_their_own(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report
    from mirage_model.review.session import ReviewSession

    hea, _ = _fifteen(tmp_path, seconds=10.0)
    out = build_report(ReviewSession.from_results(load_record(hea), file_values=False), tmp_path / "r.pdf")
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(str(out)).pages]
    extra = [k for k, text in enumerate(pages) if text.startswith("Extra leads - record fifteen")]
    assert len(extra) == 1
    page = pages[extra[0]]
    assert all(name in page for name in ("V4R", "V8", "V9")) and "25 mm/s, 10 mm/mV" in page
    assert f"extra leads on page {extra[0] + 1}: V4R, V8, V9" in pages[0]


def test_a_multi_segment_records_extra_lead_is_its_segments_joined(tmp_path):
    """Two WFDB segments of 13 channels (the 12 and V4R) under a master header: V4R is its two segments' samples
    in order, as the 12 are."""
    names = [*STANDARD_LEADS, "V4R"]
    parts = []
    for k, n in enumerate((1000, 1500)):
        t = np.arange(n) / 500
        p = np.round(np.stack([0.3 * np.sin(2 * np.pi * 1.1 * t + j + k) for j in range(13)], axis=1) * 1000) / 1000
        wfdb.wrsamp(f"seg{k}", fs=500, units=["mV"] * 13, sig_name=names, p_signal=p, fmt=["16"] * 13,
                    adc_gain=[1000.0] * 13, baseline=[0] * 13, write_dir=str(tmp_path))
        parts.append(p)
    (tmp_path / "ms.hea").write_text("ms/2 13 500 2500\nseg0 1000\nseg1 1500\n")
    rec = load_record(tmp_path / "ms.hea")
    assert [e.name for e in rec.extra_leads] == ["V4R"]
    np.testing.assert_allclose(rec.extra_leads[0].signal, np.concatenate([p[:, 12] for p in parts]), atol=1e-6)
