"""The product layer, still Qt-free: the review session, its measurement table and its scoring.

``session.ReviewSession`` holds one patient's review; ``measurements`` the one measurement table;
``scoring`` runs the model on a session. The PDF (``mirage_model.report.build_report``) and the
batch CSV read a session. The core of ``mirage_model`` never imports this package.
"""

from mirage_model.review.session import ReviewSession, Ticket  # noqa: F401
