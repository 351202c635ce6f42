"""The window's dialogs: ``export`` (the PDF report's fields), ``batch`` (score a folder),
``about``. The Settings dialog lives beside the settings it edits (``app.settings``)."""
