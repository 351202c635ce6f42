"""Page 1's band with both an over-read and a serial comparison: the statements not struck keep their room.

Found in the app (PTB-XL 03341_lr, atrial fibrillation, compared with the same patient's 03277_lr; atrial premature
complexes and a T wave statement struck, signed, amended): page 1 printed "1 statement, continued on page 3: Atrial
fibrillation ..." under the head, then the struck statements' line, the signature and the comparison, the one
statement the reviewer kept pushed off page 1 by what was struck. Truth: the statements' whole words and sources
as the interpretation gives them (``source_tag``), which the same band prints without a prior.
"""

from __future__ import annotations

from datetime import datetime, timezone

from helpers_overread import record_and_measurements  # noqa: F401 - fixture
from helpers_pdf import pdftotext_page
from mirage_model.review.interpret import session_interpretation
from mirage_model.review.session import ReviewSession
from test_overread import IRBBB, SINUS, _prediction, _statement


def test_a_prior_ecg_takes_the_over_reads_room_not_the_statements(record_and_measurements, tmp_path):
    """00417_lr: sinus rhythm and IRBBB kept, LAFB struck, signed, compared with another bundled record (another
    patient: its warning is pointed to). The two kept statements are printed with their whole sources, as
    without the prior; the over-read folds into its signature's line, which names what was struck; the comparison
    follows. Before, the statements were squeezed onto one line in short ("[model 90%]") while the struck line and
    the signature kept two."""
    import mirage_model as mm
    from mirage_model.measure import MeasureConfig, measure
    from mirage_model.review.report import build_report

    record, measured = record_and_measurements
    s = ReviewSession.from_results(record, file_values=False, measurements=measured,
                                   prediction=_prediction((0.9, 0.6, 0.6, 0.1)))
    s.overread.strike(_statement(s, "Left anterior fascicular block"), "axis -27 deg")
    it = session_interpretation(s)
    kept = [f"{st.text} [{st.source_tag()}]" for st in it.statements if st.text in (SINUS, IRBBB)]
    assert len(kept) == 2 and all(", " in k.split("[")[1] for k in kept), kept    # "[model 90%, high confidence]"
    s.overread.sign(it, "Dr A. Reader", now=datetime(2026, 12, 6, 7, 10, tzinfo=timezone.utc))
    path = next((p for p in mm.sample_records() if p.stem == "04016_lr"), None)
    assert path is not None
    other = mm.load_record(path)
    prior = ReviewSession.from_results(other, file_values=False, measurements=measure(other, MeasureConfig(
        delineator="rules")), prediction=_prediction((0.9, 0.1, 0.1, 0.1)))
    s.set_prior(prior)
    page1 = " ".join(pdftotext_page(build_report(s, tmp_path / "r.pdf"), 1).split())
    for words in kept:
        assert words in page1, (words, page1)
    assert "continued on page 3" not in page1, page1
    assert "Over-read by Dr A. Reader" in page1 and "struck: Left anterior fascicular block" in page1, page1
    assert "Compared with the ECG of" in page1 and "warning on the last page" in page1, page1
