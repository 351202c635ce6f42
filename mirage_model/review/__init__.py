"""The product layer, still Qt-free: what a reviewer reads and keeps, built on the core.

``session.ReviewSession`` holds one patient's review (``opening`` reads a file into a finished one, as a
prior ECG is read); ``measurements`` the one measurement table
(reviewer edits, reference ranges); ``scoring`` runs the model on a session; ``interpret`` words
the result as statements in reading order; ``paced`` withholds the calls on a paced rhythm that the
statements model calls and the spike check missed; ``labels`` names the classes; ``file_info`` is what the
record's file says about the patient and the device; ``overread`` is the reader's over-read, ``store`` keeps it
by the record's content. ``report`` writes the PDF of a session and
``batch`` scores folders into a CSV (and PDFs).

The core of ``mirage_model`` (every module outside this package) never imports it
(tests/test_import_graph.py); this package may use all of the core.
"""

from mirage_model.review.session import ReviewSession, Ticket

__all__ = ["ReviewSession", "Ticket"]
