"""Qt's messages on the terminal: the offscreen platform's harmless "This plugin does not support
propagateSizeHints()" is dropped (``mirage-review --export-pdf`` printed it about twice a record),
any other Qt warning still printed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")
from helpers_models import make_tiny_checkpoint  # noqa: E402
from test_app_cli import LUDB, ROOT, review  # noqa: E402

NOTICE = "This plugin does not support propagateSizeHints()"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("models") / "tiny", clinical=("age", "sex"))


def test_export_pdf_does_not_print_the_offscreen_notice(tmp_path, tiny):
    proc = review(tmp_path, LUDB, "--model", tiny, "--export-pdf", tmp_path / "pdfs")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list((tmp_path / "pdfs").glob("*.pdf"))) == 2            # LUDB 1 and 14
    assert "propagateSizeHints" not in proc.stderr, proc.stderr[-2000:]


def test_other_qt_warnings_are_still_printed():
    script = ("from PySide6.QtCore import qWarning\n"
              "from app.qt_messages import quiet_harmless_messages\n"
              "quiet_harmless_messages()\n"
              f"qWarning({NOTICE!r})\n"
              "qWarning('QPainter::begin: Paint device returned engine == 0, type: 3')\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("QT_MESSAGE_PATTERN", None)
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ["QPainter::begin: Paint device returned engine == 0, type: 3"]
