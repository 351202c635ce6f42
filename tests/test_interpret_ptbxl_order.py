"""The order of the conduction statements on real PTB-XL records, against their cardiologists' reports (folds 1-8
only; skipped without PTB-XL)."""

from __future__ import annotations

import pytest

from mirage_model.measure import measure
from mirage_model.records.load import load_record
from mirage_model.review.interpret import interpret


def _texts(root, stem: str, pos: dict, sex: str) -> list[str]:
    m = measure(load_record(root / "records100" / f"{stem[:2]}000" / stem), fiducials=False).as_dict()
    return [s.text for s in interpret(list(pos), list(pos.values()), [0.5] * len(pos), m, sex).statements]


def _first(texts: list[str], head: str) -> int:
    return next(i for i, t in enumerate(texts) if t.startswith(head))


@pytest.mark.slow
def test_the_av_conduction_comes_before_the_bundle_branch_block_and_abnormal_qrs_after_the_axis(ptbxl_root):
    """15010_lr (fold 1; labelled IMI, CRBBB, 1AVB) reads in its report "sinus rhythm. prolonged pr interval. right
    bundle branch block. q waves in ii, iii, avf ..."; its PR (227 ms) is the rule's first degree AV block, which had
    been said after the model's right bundle branch block. 17903_lr (fold 8; LAFB, IRBBB, ABQRS) reads
    "... ueberdrehter linkstyp linksanteriorer hemiblock unvollstaendiger rechtsschenkelblock qrs(t) abnormal
    anteroseptaler myokardschaden moeglich": the abnormal QRS after the blocks and the axis, before the infarct.
    Folds 1-8's reports name a prolonged PR or first degree AV block before a bundle branch or fascicular block on 206
    of the 217 naming both, "QRS(T) abnormal" after such a block on 405 of 410 and after the axis on all 2,606 naming
    both."""
    rbbb = _texts(ptbxl_root, "15010_lr", {"SR": 0.9, "CRBBB": 0.9, "IMI": 0.8}, "M")
    assert _first(rbbb, "First degree AV block") < _first(rbbb, "Right bundle branch block") < _first(rbbb, "Inferior")
    lafb = _texts(ptbxl_root, "17903_lr", {"SBRAD": 0.9, "ABQRS": 0.95, "LAFB": 0.9, "IRBBB": 0.6, "ASMI": 0.5}, "M")
    assert (_first(lafb, "Left anterior fascicular block") < _first(lafb, "Incomplete right bundle branch block")
            < _first(lafb, "Left axis deviation") < _first(lafb, "Abnormal QRS") < _first(lafb, "Anteroseptal infarct"))
