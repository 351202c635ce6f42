"""Shared by the quality tests that alter a record's signal and read what ``quality.assess`` finds."""

from __future__ import annotations

import dataclasses

import numpy as np


def assess_signal(record, sig):
    """``assess`` of ``record`` with its signal replaced by ``sig`` (12, T) mV: (report, {code: Finding})."""
    from mirage_model.quality import assess

    report = assess(dataclasses.replace(record, signal=np.asarray(sig).astype(np.float32)))
    return report, {f.code: f for f in report.findings}
