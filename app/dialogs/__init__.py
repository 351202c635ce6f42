"""The window's dialogs: ``export`` (the PDF report's fields), ``batch`` (score a folder),
``about``, ``shortcuts``; ``form_rows`` labels their fields for the keyboard and a screen reader. The
Settings dialog lives beside the settings it edits (``app.settings``)."""
