"""The PDF report (reportlab), shared by ``mirage report``, ``mirage score --pdf-dir`` and the app.

Page 1 is the 12-lead ECG on paper at true scale (``waveforms``, geometry from ``layout``); the
following pages hold the model result (``result``), the clinical and laboratory values
(``clinical_table``), the interval measurements (``measurement_table``) and the explanations
(``explanations``); ``header`` names the patient on every page and ``write`` puts them together.
The traces are vector paths and every word is real text. Research use only, not a diagnosis.

Importing this package imports reportlab (about a second): callers that may never write a PDF
import it where they do.
"""

from mirage_model.review.report.layout import MM, ReportLayout, ReportSettings, TracePanel, report_layout
from mirage_model.review.report.model_info import model_info_from
from mirage_model.review.report.write import build_report

__all__ = ["MM", "ReportLayout", "ReportSettings", "TracePanel", "build_report", "model_info_from",
           "report_layout"]
