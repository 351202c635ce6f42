"""A row of the folder panel whose file cannot be read says "unreadable: NAME (why)" across the row. The
cell spans the row past the dock's right edge, wider than its text, so Qt's eliding saw room for all of
it: at the default dock width it showed "unreadab", cut with no mark. It now ends at the edge with "...",
its whole text on hover.

Truth: Qt's own font metrics (``QFontMetrics.elidedText``, what the style draws into the cell) and the
drawn pixels: the text's red ends before the view's edge."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")


def _browser(qtbot, tmp_path):
    from app.views.folder_browser import FolderBrowser

    (tmp_path / "129ECORG.hea").write_text("this is no header\n", encoding="utf-8")
    browser = FolderBrowser()
    qtbot.addWidget(browser)
    browser.resize(browser.sizeHint().width(), 200)        # the dock's width as it opens
    browser.show()
    browser.set_folder(tmp_path)
    qtbot.waitUntil(lambda: browser.worker is None, timeout=20000)
    item = browser.table.item(0, 1)
    assert item is not None and item.text().startswith("unreadable: ")
    browser.table.clearSelection()
    browser.table.setCurrentItem(None)
    qtbot.wait(20)
    return browser, item


def test_the_unreadable_line_is_elided_at_the_dock_s_edge(qtbot, tmp_path):
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    browser, item = _browser(qtbot, tmp_path)
    table = browser.table
    index = table.indexFromItem(item)
    edge = table.viewport().rect().right()
    assert table.visualRect(index).right() > edge          # the spanned cell runs past the dock's edge
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    option.rect = table.visualRect(index)
    table.itemDelegate(index).initStyleOption(option, index)
    # what QCommonStyle draws into the cell: the text elided to the cell less its margins
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    shown = option.fontMetrics.elidedText(option.text, option.textElideMode, option.rect.width() - 2 * margin)
    assert option.rect.right() <= edge
    assert shown.endswith("\u2026") and shown != option.text, shown
    assert item.toolTip().startswith(str(tmp_path)) and "129ECORG.hea" in item.toolTip()


def test_the_drawn_text_ends_before_the_edge(qtbot, tmp_path):
    from PySide6.QtGui import QImage

    browser, item = _browser(qtbot, tmp_path)
    table = browser.table
    rect = table.visualItemRect(item).intersected(table.viewport().rect())
    img = table.viewport().grab(rect).toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    rgb = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, :3 * w].reshape(h, w, 3)
    rgb = rgb.astype(int)
    red = (rgb[..., 0] > 120) & (rgb[..., 1] < 110) & (rgb[..., 2] < 110)      # the text's #b00000, blends aside
    columns = np.flatnonzero(red.any(axis=0))
    assert len(columns) > 10
    # elided, the text and its "..." end inside the cell's right margin; cut, its glyphs ran to the edge
    # elided, the text ends in "...": its last ink is a dot, a few pixels high at the baseline; cut, it was a
    # letter's (the "b" of "unreadab", as tall as the text)
    last = np.flatnonzero(red[:, columns[-1] - 1:columns[-1] + 1].any(axis=1))
    text_rows = np.flatnonzero(red.any(axis=1))
    assert last[-1] - last[0] + 1 <= 3 and last[-1] >= text_rows[-1] - 2, (last, text_rows)
