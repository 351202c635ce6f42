"""The status line's record text, longer than the room beside the research-use notice, is cut with "..."
and whole on hover, not clipped mid-word.

Walked at 1280x800 on the Philips PageWriter Touch sample: "3191723_ZZDEMOPTONLY_1-04_orig: 500 Hz, 10.6 s,
age 60, sex M; ADULT ZZDEMOPTONLY, ID 9999; Philips Medical Products PageWriter Touch; model res" ended at
the notice, its "model result ready" cut to "model res" with nothing to say there was more.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QLabel  # noqa: E402

from helpers_app import isolated_settings, shown_window  # noqa: E402,F401 (fixture)

LONG = ("3191723_ZZDEMOPTONLY_1-04_orig: 500 Hz, 10.6 s, age 60, sex M; ADULT ZZDEMOPTONLY, ID 9999; "
        "Philips Medical Products PageWriter Touch; model result ready")


def test_a_status_text_too_long_for_its_room_is_cut_with_an_ellipsis_and_whole_on_hover(qtbot):
    window = shown_window(qtbot, size=(1280, 800))
    qtbot.waitExposed(window)
    label = window.status_label
    window.show_status(LONG)
    qtbot.waitUntil(lambda: label.width() > 0)
    drawn = QLabel.text(label)                       # what the label paints
    room = label.contentsRect().width()
    assert label.fontMetrics().horizontalAdvance(LONG) > room        # the case: it does not fit at 1280 px
    assert label.fontMetrics().horizontalAdvance(drawn) <= room, (drawn, room)
    assert drawn.endswith("\N{HORIZONTAL ELLIPSIS}") and LONG.startswith(drawn[:-1])
    assert LONG in label.toolTip()
    assert label.text() == LONG                      # the whole text for whoever reads it back
    # the window keeps its width: the text asks for no minimum of its own
    assert window.width() <= 1280


def test_a_short_status_text_is_shown_whole(qtbot):
    window = shown_window(qtbot, size=(1280, 800))
    window.show_status("Cancelled.")
    assert QLabel.text(window.status_label) == "Cancelled." and window.status_label.text() == "Cancelled."
