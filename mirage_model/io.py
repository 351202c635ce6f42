"""Records in: WFDB (.hea + .dat, any wfdb format incl. FLAC) and PhysioNet Challenge (.hea + .mat).

CONTRACT (owned by the records helper; replace the stubs, keep the names and shapes).
The one place where wfdb's time-major ``p_signal`` (T, L) becomes lead-first (L, T).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STANDARD_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)


class RecordError(Exception):
    """A record that cannot be read. ``str(err)`` names the file and what is wrong.

    Attributes:
        path: the file (or record stem) at fault.
        reason: a short human sentence, e.g. "signal file is truncated (expected 12000 samples, found 5000)".
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class EcgRecord:
    """One 12-lead ECG.

    Attributes:
        signal: float32 (12, T) in mV, leads in STANDARD_LEADS order. Missing samples are NaN only
            if ``quality["missing"]`` flags that lead; loaders never invent values silently.
        fs: sampling frequency in Hz.
        sig_name: lead names as in STANDARD_LEADS (after mapping from the file's spelling).
        record_id: the record's name (file stem), e.g. "00001_lr".
        path: path of the header file.
        age: years or None; sex: "M", "F" or None.
        dx: diagnosis codes/labels the file carries (SNOMED-CT codes from ``#Dx``, PTB-XL scp codes, PTB notes).
        quality: per-lead boolean flags, each a (12,) bool array: "flat", "saturated", "missing", "derived".
        comments: raw header comment lines; meta: any other fields (acquisition date, original leads, units...).
    """

    signal: np.ndarray
    fs: float
    record_id: str
    path: Path | None = None
    sig_name: tuple[str, ...] = STANDARD_LEADS
    age: float | None = None
    sex: str | None = None
    dx: tuple[str, ...] = ()
    quality: dict[str, np.ndarray] = field(default_factory=dict)
    comments: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.signal.shape[1] / self.fs


def load_record(path: str | Path) -> EcgRecord:
    """Read one record. ``path`` may name the .hea, the .dat/.mat or the record stem.

    Raises:
        RecordError: missing/truncated signal file, unparsable header, fewer leads than needed,
            unknown units, zero-length signal (message names the file and the problem).
    """
    raise NotImplementedError


def find_records(folder: str | Path) -> list[Path]:
    """All header files (.hea) under ``folder``, recursively, sorted. Files that are not headers are ignored."""
    raise NotImplementedError
