"""The bundled record the over-read's tests read and review: PTB-XL 00417_lr with its measurements."""

from __future__ import annotations

import pytest

import mirage_model as mm


@pytest.fixture(scope="module")
def record_and_measurements():
    """(the bundled PTB-XL 00417_lr as read, its measurements by the rule delineator); skipped where not bundled."""
    from mirage_model.measure import MeasureConfig, measure

    path = next((p for p in mm.sample_records() if p.stem == "00417_lr"), None)
    if path is None:
        pytest.skip("bundled sample 00417_lr not present")
    record = mm.load_record(path)
    return record, measure(record, MeasureConfig(delineator="rules"))
