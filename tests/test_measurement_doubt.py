"""A measurement the record cannot carry is not shown as if it could: the one measurement table
(``review.measurements.measurement_rows``) as the app's panel, the PDF and ``mirage score``'s CSV show it.

* Mains left after its subtraction (the quality check's "mains_left", critical): the intervals, QTc and the P and T
  axes are read through it; they stay visible, marked "?" and unreliable with the finding's words, their flag kept.
  Found: LUDB 1 at 100 Hz with 0.03 mV of 50 Hz (on Nyquist, where the measurement subtracts nothing) showed PR 141,
  QT 472 ms and a T axis of -24 deg unmarked beside the withheld interpretation (the clean record: 137, 473, -51).
  Truth: the interference added here, and the serial comparison's rule for the same finding (PR, QRS, QT, QTc, P and
  T axes out; the rate and the QRS axis in).
* Atrial fibrillation or flutter stated as the rhythm: the PR and the P axis are a P wave's and are not shown as
  values ("not applicable"). Found: PTB-XL 02739_lr (AFLT) showed PR 87 ms (flagged low) and a P axis of -139 deg
  beside "Atrial flutter with 2:1 conduction (possible)". Truth: an interpretation built here with that rhythm, and a
  tiny model that calls atrial flutter on every record.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import mirage_model as mm
from mirage_model.measure import Measurements
from mirage_model.review.measurements import measurement_rows

ROOT = Path(__file__).resolve().parent.parent
# the serial comparison's rows for mains left (``serial``'s module docstring: "leaves out the PR, QRS, QT, QTc and the
# P and T axes"), the three QTc formulas each
READ_THROUGH_MAINS = ("pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "qtc_framingham_ms",
                      "p_axis_deg", "t_axis_deg")
# 02739_lr's measurements as the PDF showed them (PR 87 ms, P axis -139 deg, QRS axis -40 deg)
FLUTTER_RECORD = dict(heart_rate_bpm=147.0, rr_ms=408.0, pr_ms=87.0, qrs_ms=102.0, qt_ms=305.0, qtc_bazett_ms=478.0,
                      qtc_fridericia_ms=412.0, qtc_framingham_ms=396.0, p_axis_deg=-139.0, qrs_axis_deg=-40.0,
                      t_axis_deg=-158.0)


def _mains_finding():
    from mirage_model.quality.findings import Finding

    return Finding("mains_left", "mains interference (50 Hz) left after its subtraction: intervals and calls "
                   "unreliable", "critical", ("II", "V1"), "up to 0.050 mV of 50 Hz")


def _statement(code="AFLT", text="Atrial flutter, 147 bpm", **kw):
    from mirage_model.review.interpret import Statement

    return Statement("rhythm", text, "model", code, 0.9, "high", **kw)


def _interpretation(*statements, withheld=None):
    from mirage_model.review.interpret import Interpretation

    return Interpretation(statements=tuple(statements), withheld=withheld)


def _by_key(rows) -> dict:
    return {r["key"]: r for r in rows}


# ---------------------------------------------------------------------- the table (Qt-free)
def test_mains_left_marks_the_intervals_and_axes_and_keeps_their_flags():
    # PR 250 ms (> 200) and QTc Bazett 480 ms (>= 450, a man) are flagged high on a clean record; read through mains
    # left they are marked and keep the flag, as a cart marks a doubtful value past its limit
    m = Measurements(**{**FLUTTER_RECORD, "pr_ms": 250.0, "qtc_bazett_ms": 480.0, "heart_rate_bpm": 40.0,
                        "rr_ms": 1500.0})
    clean = _by_key(measurement_rows(m, sex="M", age=60))
    assert clean["pr_ms"]["flag"] == "high" and clean["qtc_bazett_ms"]["flag"] == "high"
    assert not any(r["doubt"] for r in clean.values())
    rows = _by_key(measurement_rows(m, sex="M", age=60, quality=SimpleNamespace(findings=(_mains_finding(),))))
    for key in READ_THROUGH_MAINS:
        r = rows[key]
        assert r["doubt"] == "unreliable" and r["flag"] == {"pr_ms": "high", "qtc_bazett_ms": "high"}.get(key, ""), r
        assert r["value"] == getattr(m, key) and r["shown"]            # still there for the reviewer
        assert "mains interference (50 Hz) left after its subtraction" in r["doubt_why"]
        assert "leads II, V1" in r["doubt_why"], r["doubt_why"]
    # the rate (R peaks) and the QRS axis stand, flagged as before (40 bpm: low; -40 deg: left)
    assert rows["heart_rate_bpm"]["flag"] == "low" and rows["qrs_axis_deg"]["flag"] == "low"
    assert not any(rows[k]["doubt"] for k in ("heart_rate_bpm", "rr_ms", "qrs_axis_deg", "sokolow_lyon_mv"))


def test_a_reviewers_own_value_carries_no_doubt():
    m = Measurements(**FLUTTER_RECORD)
    q = SimpleNamespace(findings=(_mains_finding(),))
    rows = _by_key(measurement_rows(m, {"qt_ms": 320.0, "pr_ms": 150.0}, quality=q,
                                    interpretation=_interpretation(_statement())))
    assert rows["pr_ms"]["doubt"] == "" and rows["pr_ms"]["value"] == 150.0
    assert rows["qt_ms"]["doubt"] == ""
    assert rows["qtc_bazett_ms"]["status"] == "recomputed" and rows["qtc_bazett_ms"]["doubt"] == ""   # from their QT
    assert rows["p_axis_deg"]["doubt"] == "not applicable" and rows["qrs_ms"]["doubt"] == "unreliable"
    # an edited RR recomputes the QTc from the automatic QT: still read through the mains
    rr = _by_key(measurement_rows(m, {"rr_ms": 400.0}, quality=q))
    assert rr["qtc_bazett_ms"]["status"] == "recomputed" and rr["qtc_bazett_ms"]["doubt"] == "unreliable"


@pytest.mark.parametrize("code, rule_id, name", [("AFLT", None, "atrial flutter"),
                                                 ("AFIB", None, "atrial fibrillation"),
                                                 ("AFLT", "atrial_flutter", "atrial flutter"),
                                                 ("AFIB", "atrial_fibrillation", "atrial fibrillation")])
def test_pr_and_p_axis_are_not_applicable_beside_atrial_fibrillation_or_flutter(code, rule_id, name):
    m = Measurements(**FLUTTER_RECORD)
    # the rule's statement (source "measurement") carries the code too; its words are not what is read
    st = _statement(code, "Some rhythm words", rule_id=rule_id)
    if rule_id:
        st = dataclasses.replace(st, source="measurement", probability=None, confidence=None)
    rows = _by_key(measurement_rows(m, sex="M", interpretation=_interpretation(st)))
    for key in ("pr_ms", "p_axis_deg"):
        assert rows[key]["doubt"] == "not applicable" and rows[key]["flag"] == "", rows[key]
        assert rows[key]["doubt_why"].startswith(name + ":"), rows[key]["doubt_why"]
    assert rows["pr_ms"]["value"] == 87.0        # the value itself is kept: the interpretation's rules read it
    for key in ("qrs_ms", "qt_ms", "qtc_bazett_ms", "qrs_axis_deg", "t_axis_deg", "heart_rate_bpm"):
        assert rows[key]["doubt"] == "", key
    assert rows["qrs_axis_deg"]["flag"] == "low" and rows["qtc_bazett_ms"]["flag"] == "high"


def test_no_atrial_rhythm_said_leaves_the_pr():
    m = Measurements(**FLUTTER_RECORD)
    sinus = _interpretation(_statement("STACH", "Sinus tachycardia, 147 bpm"))
    withheld = _interpretation(_statement(), withheld="noise in leads V1, V2")     # no rhythm stated
    for it in (None, sinus, withheld):
        rows = _by_key(measurement_rows(m, interpretation=it))
        assert rows["pr_ms"]["doubt"] == "" and rows["pr_ms"]["flag"] == "low", it
    # a rhythm the interpretation marks: the PR shown, marked, with the mark's reason
    marked = _interpretation(_statement("AFIB", "Atrial fibrillation, 80 bpm", note="P-like waves before each QRS"))
    rows = _by_key(measurement_rows(m, interpretation=marked))
    assert rows["pr_ms"]["doubt"] == "unreliable" and rows["pr_ms"]["flag"] == "low"     # 87 ms < 120: kept
    assert "P-like waves before each QRS" in rows["pr_ms"]["doubt_why"]



def test_flutter_waves_with_no_model_of_the_rhythm_mark_the_pr():
    """The default model alone (no statements model) states no rhythm; with flutter waves measured in II, III, aVF and
    V1 beside a PR of 87 ms (flagged low; PTB-XL 10752_lr, AFLT, had shown 103 ms so) the PR and the P axis are shown
    marked unreliable, their flag kept (87 ms < 120: low), while the interpretation leaves its short PR unsaid.
    Truth: the superclass model's labels and flutter waves at 294/min built here, through ``interpret_prediction`` as
    ``mirage score`` calls it."""
    from mirage_model.measure import AtrialActivity
    from mirage_model.review.interpret import interpret_prediction

    alone = SimpleNamespace(labels=("NORM", "MI", "STTC", "CD", "HYP"), thresholds=np.full(5, 0.5),
                            probabilities=np.array([0.1, 0.2, 0.1, 0.3, 0.1]), withheld=None, model_name="default",
                            quality=None)
    flutter = AtrialActivity(("II", "III", "aVF", "V1"), np.full(4, 4.9), np.array([0.9, 0.8, 0.85, 0.76]))
    for atrial, doubt in ((None, ""), (flutter, "unreliable")):
        m = Measurements(**FLUTTER_RECORD, atrial=atrial)
        it = interpret_prediction(alone, m, "M")
        rows = _by_key(measurement_rows(m, sex="M", interpretation=it))
        for key in ("pr_ms", "p_axis_deg"):
            assert rows[key]["doubt"] == doubt, rows[key]
        if doubt:
            assert rows["pr_ms"]["flag"] == "low" and rows["pr_ms"]["shown"], rows["pr_ms"]
            why = rows["pr_ms"]["doubt_why"]
            assert why.startswith("flutter waves at 294/min in II, III, aVF and V1"), why
            assert "may be a flutter wave" in rows["pr_ms"]["doubt_why"]
            assert not any(s.text.startswith("Short PR") for s in it.statements)
            # withheld: the interpretation states nothing, and nothing follows from it
            gated = dataclasses.replace(it, withheld="noise in leads V1, V2")
            assert _by_key(measurement_rows(m, interpretation=gated))["pr_ms"]["flag"] == "low"
        else:
            assert rows["pr_ms"]["flag"] == "low" and "Short PR interval (PR 87 ms)" in it.text()
        assert rows["qrs_ms"]["doubt"] == "" and rows["qrs_axis_deg"]["flag"] == "low"


def test_the_atrial_reason_comes_in_parts_that_the_rows_sentence_joins():
    from mirage_model.review.measurements import atrial_doubt, atrial_reason

    reason = ("the wave measured as a P wave is a flutter wave (Saoudi et al. 2001), and a PR and a P axis need a "
              "P wave")
    flutter = _statement("AFLT", "Atrial flutter with 2:1 conduction (possible)")
    assert atrial_reason(flutter) == ("atrial flutter", reason)
    assert atrial_doubt(flutter) == ("not applicable", f"atrial flutter: {reason}")
    marked = _statement("AFLT", note="P-like waves before each QRS")
    assert atrial_reason(marked) == ("atrial flutter", reason)
    assert atrial_doubt(marked) == ("unreliable",
                                    f"atrial flutter said, marked (P-like waves before each QRS): {reason}")
    assert atrial_reason(_statement("AFIB"))[0] == "atrial fibrillation"
    assert atrial_reason(None) == ("", "") and atrial_doubt(None) == ("", "")


def test_the_atrial_statement_is_the_first_rhythm_coded_afib_or_aflt():
    from mirage_model.review.interpret import atrial_statement

    sinus, flutter = _statement("SR", "Sinus rhythm"), _statement("AFLT")
    fib = _statement("AFIB", "Atrial fibrillation")
    not_rhythm = dataclasses.replace(fib, group="other")
    assert atrial_statement([sinus, not_rhythm, flutter, fib]) is flutter
    assert atrial_statement([sinus, not_rhythm]) is None and atrial_statement([]) is None


def test_finding_is_the_reports_first_finding_of_its_code():
    from mirage_model.review.measurements import amplitudes_not_in_mv, finding

    first, second = _mains_finding(), SimpleNamespace(code="mains_left", name="a second one")
    q = SimpleNamespace(findings=(SimpleNamespace(code="noise"), SimpleNamespace(), first, second))
    assert finding(q, "mains_left") is first
    assert finding(q, "amplitude_scaled") is None and finding(None, "noise") is None
    assert finding(SimpleNamespace(findings=None), "noise") is None
    assert not amplitudes_not_in_mv(q) and not amplitudes_not_in_mv(None)
    assert amplitudes_not_in_mv(SimpleNamespace(findings=(first, SimpleNamespace(code="amplitude_scaled"))))


def test_short_labels_name_the_rows_as_the_tables_do():
    from mirage_model.review.measurements import short_labels

    short = short_labels()
    assert (short["pr_ms"], short["qtc_bazett_ms"], short["qtc_framingham_ms"], short["p_axis_deg"]) == (
        "PR", "QTc Bazett", "QTc Framingham", "P axis")

# ---------------------------------------------------------------------- a real record with mains left
@pytest.fixture(scope="module")
def mains_session():
    """Bundled LUDB 1 resampled to 100 Hz with 0.03 mV of 50 Hz (on Nyquist, cosine phase) in every lead, measured
    and assessed as the app does it; the same record without the interference beside it."""
    from scipy.signal import resample_poly

    from mirage_model.measure import measure
    from mirage_model.quality import assess
    from mirage_model.review.session import ReviewSession

    path = ROOT / "resources" / "samples" / "ludb" / "1.hea"
    if not path.is_file():
        pytest.skip("bundled LUDB samples not present")
    rec = mm.load_record(path)
    x = resample_poly(np.asarray(rec.signal, np.float64), 100, int(rec.fs), axis=1)
    t = np.arange(x.shape[1]) / 100.0
    out = []
    for mv in (0.03, 0.0):
        r = dataclasses.replace(rec, signal=(x + mv * np.cos(2 * np.pi * 50 * t)[None]).astype(np.float32),
                                fs=100.0, path=None, record_id=f"ludb1+{mv:g}mV")
        s = ReviewSession.from_results(r, measurements=measure(r))
        s.set_quality(assess(r))
        out.append(s)
    return out


def test_the_mains_record_is_found_and_its_table_marked(mains_session):
    laden, clean = mains_session
    assert laden.quality.has("mains_left") and not clean.quality.has("mains_left")
    rows = _by_key(laden.measurement_table())
    measured = [k for k in READ_THROUGH_MAINS if rows[k]["value"] is not None]
    assert len(measured) >= 6, rows       # the intervals are measured (through the interference)
    assert all(rows[k]["doubt"] == "unreliable" and "50 Hz" in rows[k]["doubt_why"] for k in measured)
    assert rows["heart_rate_bpm"]["doubt"] == "" and rows["qrs_axis_deg"]["doubt"] == ""
    # the clean record's one doubt is the measurement's own: its QTc at 45 bpm, below 50 (``test_qtc_doubt``)
    assert [r["key"] for r in clean.measurement_table() if r["doubt"]] == ["qtc_bazett_ms", "qtc_fridericia_ms",
                                                                           "qtc_framingham_ms"]


def test_the_app_marks_the_mains_records_values(qtbot, mains_session):
    pytest.importorskip("pytestqt")
    from app.views.measurements import ROWS, MeasurementsPanel

    laden, clean = mains_session
    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    keys = [k for k, *_ in ROWS]
    panel.set_session(laden)
    pr = keys.index("pr_ms")
    value, source = panel.table.item(pr, 1), panel.table.item(pr, 2)
    auto = laden.measurements.pr_ms
    assert value.text() == f"{auto:.0f} ?", value.text()
    assert "unreliable: mains interference (50 Hz)" in value.toolTip() and "all 12 leads" in value.toolTip()
    assert source.text() == "unreliable" and "mains interference" in source.toolTip()
    assert panel.note.text().startswith("Unreliable (?): PR, QRS, QT"), panel.note.text()
    hr = keys.index("heart_rate_bpm")                       # 45 bpm: flagged low, as before
    assert panel.table.item(hr, 2).text() == "automatic \u2193"
    panel.set_edit("pr_ms", 140.0)                          # the reviewer's own reading: not marked
    assert panel.table.item(pr, 1).text() == "140" and panel.table.item(pr, 2).text() == "edited"
    assert panel.note.text().startswith("Unreliable (?): QRS, QT"), panel.note.text()
    panel.set_edit("pr_ms", None)
    panel.set_session(clean)
    assert not panel.table.item(pr, 1).text().endswith("?") and panel.table.item(pr, 2).text() == "automatic"


def test_the_pdf_marks_the_mains_records_values(tmp_path, mains_session):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    laden, _ = mains_session
    out = build_report(laden, tmp_path / "mains.pdf")
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages).split())
    pr, t_axis = laden.measurements.pr_ms, laden.measurements.t_axis_deg
    assert re.search(rf"PR interval {pr:.0f} \? ms 120-200", text), text
    assert re.search(rf"T axis \(frontal\) {t_axis:.0f} \? deg", text), text
    assert ("Unreliable (?): PR, QRS, QT, QTc Bazett, QTc Fridericia, QTc Framingham, P axis, T axis: mains "
            "interference (50 Hz)") in text
    assert re.search(rf"PR {pr:.0f}\? ms", text), text                     # page 1's block


# ---------------------------------------------------------------------- a model that calls atrial flutter
@pytest.fixture(scope="module")
def flutter_session(tmp_path_factory):
    """A real record (bundled PTB-XL 00417_lr) with 02739_lr's measurements, scored by a tiny model that calls
    atrial flutter on every record (its threshold 0) and nothing else."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled sample 00417_lr not present")
    ckpt = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "flutter", labels=("SR", "AFLT", "NORM"),
                                thresholds=(1.01, 0.0, 1.01), name="tiny-flutter")
    predictor = mm.Predictor(ckpt, device="cpu")
    s = ReviewSession.from_results(mm.load_record(path), measurements=Measurements(**FLUTTER_RECORD))
    score_session(s, predictor, explain=False, contributions=False)
    return s, predictor, path


def _not_applicable_panel(qtbot, s):
    """The app's measurement table of session ``s``, checked to read "not applicable" in the PR's and the P axis's
    value and source; returns (the panel, its row keys in order)."""
    from app.views.measurements import ROWS, MeasurementsPanel

    panel = MeasurementsPanel()
    qtbot.addWidget(panel)
    panel.set_session(s)
    keys = [k for k, *_ in ROWS]
    for key in ("pr_ms", "p_axis_deg"):
        value, source = panel.table.item(keys.index(key), 1), panel.table.item(keys.index(key), 2)
        assert value.text() == "not applicable" and source.text() == "not applicable", (value.text(), source.text())
    return panel, keys


def test_the_app_shows_no_pr_beside_atrial_flutter(qtbot, flutter_session):
    pytest.importorskip("pytestqt")

    s, _, _ = flutter_session
    panel, keys = _not_applicable_panel(qtbot, s)
    for key in ("pr_ms", "p_axis_deg"):
        value = panel.table.item(keys.index(key), 1)
        assert "atrial flutter" in value.toolTip() and "flutter wave" in value.toolTip()
    assert panel.table.item(keys.index("qrs_ms"), 1).text() == "102"
    assert panel.table.item(keys.index("qrs_axis_deg"), 2).text() == "automatic \u2193"
    assert "PR 87" not in panel.flagged.text()


def test_the_pdf_shows_no_pr_beside_atrial_flutter(tmp_path, flutter_session):
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    s, _, _ = flutter_session
    out = build_report(s, tmp_path / "flutter.pdf")
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages).split())
    assert "PR interval not applicable" in text and "P axis (frontal) not applicable" in text, text
    # no range beside no value (it had read "PR interval not applicable 120-200"): a dash in the Reference column
    assert "PR interval not applicable \u2014 QRS duration" in text, text
    assert "P axis (frontal) not applicable \u2014 QRS axis" in text, text
    assert "Not applicable: PR, P axis: atrial flutter" in text
    assert "QRS duration 102 ms" in text
    assert "87 \u2193" not in text and "-139" not in text, text
    assert re.search(r"PR n/a", text), text                                  # page 1's block


def test_the_csv_leaves_the_pr_out_beside_atrial_flutter(flutter_session):
    from mirage_model.review.batch import columns
    from mirage_model.review.batch.loading import LoadedRecord
    from mirage_model.review.batch.rows import Scorer

    s, predictor, path = flutter_session
    scorer = Scorer(predictor, path.parent, {}, True, None, False, None, columns(predictor.labels))
    row = scorer.ok_row(LoadedRecord(path=str(path), record=s.record, measurements=s.measurements), s.prediction, {})
    assert row["interpretation"].startswith("Atrial flutter"), row["interpretation"]
    assert row["pr_ms"] is None and row["p_axis_deg"] is None
    assert row["qrs_ms"] == 102.0 and row["qrs_axis_deg"] == -40.0
    assert "Not applicable: PR, P axis: atrial flutter" in row["notes"], row["notes"]


def test_the_csv_notes_say_the_mains_records_intervals_are_unreliable(mains_session, flutter_session):
    from mirage_model.review.batch import columns
    from mirage_model.review.batch.loading import LoadedRecord
    from mirage_model.review.batch.rows import Scorer

    laden, _ = mains_session
    _, predictor, path = flutter_session
    pred = dataclasses.replace(predictor.predict(laden.record, None, explain=False), quality=laden.quality)
    scorer = Scorer(predictor, path.parent, {}, True, None, False, None, columns(predictor.labels))
    row = scorer.ok_row(LoadedRecord(path=str(path), record=laden.record, measurements=laden.measurements), pred, {})
    assert row["pr_ms"] == round(laden.measurements.pr_ms, 1)       # the value stays
    assert "Unreliable (?): PR, QRS, QT, QTc Bazett, QTc Fridericia, QTc Framingham, P axis, T axis: mains " \
           "interference (50 Hz)" in row["notes"], row["notes"]


# ---------------------------------------------------------------------- atrial fibrillation, no P wave found
@pytest.fixture(scope="module")
def af_no_p_session(tmp_path_factory):
    """Bundled PTB-XL 00417_lr with 02739_lr's measurements less the PR and P axis (no P wave found, as the
    delineator finds none in CinC Q0048 or LUDB 35 and 51), scored by a tiny model that calls atrial fibrillation."""
    from helpers_models import make_tiny_checkpoint
    from mirage_model.review.scoring import score_session
    from mirage_model.review.session import ReviewSession

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled sample 00417_lr not present")
    ckpt = make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "af", labels=("SR", "AFIB", "NORM"),
                                thresholds=(1.01, 0.0, 1.01), name="tiny-af")
    m = Measurements(**{**FLUTTER_RECORD, "pr_ms": None, "p_axis_deg": None})
    s = ReviewSession.from_results(mm.load_record(path), measurements=m)
    score_session(s, mm.Predictor(ckpt, device="cpu"), explain=False, contributions=False)
    return s


def test_no_p_wave_beside_atrial_fibrillation_is_not_applicable_not_unmeasurable(qtbot, tmp_path, af_no_p_session):
    """The README: beside a stated atrial fibrillation the PR and P axis are "not applicable"; where the delineator
    found no P wave (the usual case in AF) the app's table and the PDF had read "not measurable" and page 1 "-"."""
    pytest.importorskip("pytestqt")
    pypdf = pytest.importorskip("pypdf")
    from mirage_model.review.report import build_report

    s = af_no_p_session
    from mirage_model.review.interpret import session_interpretation

    rows = _by_key(s.measurement_table(session_interpretation(s)))
    for key in ("pr_ms", "p_axis_deg"):
        assert rows[key]["value"] is None and rows[key]["doubt"] == "not applicable", rows[key]
        assert rows[key]["doubt_why"].startswith("atrial fibrillation:"), rows[key]["doubt_why"]
    _not_applicable_panel(qtbot, s)
    out = build_report(s, tmp_path / "af.pdf")
    text = " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(out)).pages).split())
    assert "PR interval not applicable" in text and "P axis (frontal) not applicable" in text, text
    assert "Not applicable: PR, P axis: atrial fibrillation" in text, text
    assert "PR n/a" in text, text
