"""How the user's regional settings write numbers, for what the app reads and writes (Qt's ``QLocale``, CLDR)."""

from __future__ import annotations

from PySide6.QtCore import QLocale


def decimal_comma(locale: QLocale | None = None) -> bool:
    """Whether ``locale`` (the system's, ``QLocale()``, where none is given) writes a decimal comma, as German,
    French or Dutch settings do: what the lab form reads "12,5" and "12.500" by, and the batch dialog's CSV
    dialect."""
    return (locale or QLocale()).decimalPoint() == ","
