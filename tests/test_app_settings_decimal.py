"""The Settings dialog's screen DPI reads "96.5" and "96,5" alike, on a German, French or English workstation.

Qt's QDoubleSpinBox takes the mark its locale does not use for decimals as a thousands separator and drops it:
"96.5" typed under German or French was 965 dpi (the traces 10 times too small on that screen), "96,5" under
US English the same. No field of the dialog holds thousands: either mark is read as the decimal one (96.5 by
hand), and the field shows it in the locale's own.
"""
import pytest
from PySide6.QtCore import QLocale, Qt

from helpers_app import isolated_settings  # noqa: F401 - fixture


@pytest.mark.parametrize("language, country, shown", [(QLocale.German, QLocale.Germany, "96,5"),
                                                      (QLocale.French, QLocale.France, "96,5"),
                                                      (QLocale.English, QLocale.UnitedStates, "96.5")])
@pytest.mark.parametrize("typed", ["96.5", "96,5"])
def test_screen_dpi_typed_with_either_decimal_mark(qtbot, locale, language, country, shown, typed):
    from app.settings import DecimalSpinBox

    locale(language, country)
    box = DecimalSpinBox()            # as the dialog's: 0-1000, one decimal
    box.setRange(0.0, 1000.0)
    box.setDecimals(1)
    box.setSpecialValueText("screen's own")
    qtbot.addWidget(box)
    box.setValue(50.0)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, typed)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() == 96.5
    assert box.text() == shown


def test_the_settings_dialog_uses_it(qtbot):
    from app.settings import DecimalSpinBox, Settings, SettingsDialog

    dlg = SettingsDialog(Settings())
    qtbot.addWidget(dlg)
    assert isinstance(dlg.dpi, DecimalSpinBox)
