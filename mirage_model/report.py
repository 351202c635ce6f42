"""The PDF report (reportlab), shared by ``mirage report``, ``mirage score --pdf-dir`` and the app.

CONTRACT (owned by the report/batch helper).
"""
