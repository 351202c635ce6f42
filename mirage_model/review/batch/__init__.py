"""Batch scoring of folders, shared by ``mirage score`` and the app's "Batch score folder..." dialog.

Every record under a folder (recursively; WFDB .hea + .dat, Challenge .hea + .mat and the
clinical formats of :mod:`mirage_model.formats`: GE MUSE, Philips, HL7 aECG, DICOM, SCP-ECG,
EDF ...) gets one row: its format and acquiring device, its probabilities, positive labels, the
model's id and, when asked, its interval measurements and a PDF report. A bad record never stops
a batch: it gets ``status = "error"`` and a message naming the problem. A file with an ECG
format's extension that is no ECG (another XML, a .dcm that is no DICOM ECG) gets
``status = "not_ecg"`` and what it is; every other file (a .pdf, a .txt: no record, no part of
one) is counted by extension in the summary (``BatchSummary.not_read``), so that nothing in the
folder is passed over in silence; the files MIRAGE itself wrote there (an earlier run's results and PDFs:
``own_files``) are counted apart (``BatchSummary.own_files``), not among them, as are the WFDB annotation
files beside their records (``annotations``: ``BatchSummary.annotations``). A WFDB signal file is the
record's whose header names it, whatever its extension (PTB's .xyz of the Frank leads). A folder with
nothing to score (``not_read.nothing_to_score``) gets no output, in the CLI and the app alike.

The modules, in the order a record passes them: ``inputs`` (the folder, the labs table),
``loading`` (read and measure ahead of the model, under a time limit, optionally in a process
pool), ``predict`` (batched predictions over a chunk), ``rows`` (one row per record, its PDF through
``mirage_model.review.report``; its columns and cells ``cells``, its names and its PDF's ``naming``),
``pipeline`` (``iter_rows``: rows in input order), ``outputs`` (the CSV or JSON-lines file, atomic,
locked), ``saving`` (the rows written while the run goes), ``resume``, ``not_read`` (what the folder
holds that is not scored), ``summary`` (``BatchSummary``) and ``run`` (``score_folder``); ``priors``
compares each record with the same patient's earlier one once all are scored (``compare_prior``).

Hostile input: records with no usable signal get ``status = "unscorable"`` and the reason, never
probabilities; text cells that would start a spreadsheet formula are prefixed with a quote
(``csvsafe``); a labs table row that cannot be read is refused for its record alone.

Research use only, not a diagnosis.
"""

from mirage_model.review.batch.errors import BatchError
from mirage_model.review.batch.inputs import LabsLookup, find_inputs, labs_lookup
from mirage_model.review.batch.outputs import FORMATS, read_rows
from mirage_model.review.batch.pipeline import iter_rows
from mirage_model.review.batch.cells import columns
from mirage_model.review.batch.naming import earlier_pdfs
from mirage_model.review.batch.run import BatchSummary, score_folder

__all__ = ["FORMATS", "BatchError", "BatchSummary", "LabsLookup", "columns", "earlier_pdfs", "find_inputs",
           "iter_rows", "labs_lookup", "read_rows", "score_folder"]
