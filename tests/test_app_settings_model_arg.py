"""Settings with a --model (and --device) given on the command line (``mirage-review --model models/own``,
as training_cli/README.md's own-data walk-through opens a researcher's model): the dialog's fields show the
saved values, not this run's, and its OK replaced both. A device chosen there swapped the researcher's model
for the bundled one, and the model field read "bundled default model" while their own was in use.

Truth: the checkpoint folder given as --model (its name written here), the device chosen in the dialog."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")

from helpers_app import isolated_settings  # noqa: E402,F401 - fixture
from helpers_models import make_tiny_checkpoint  # noqa: E402

WAIT_MS = 60000


def test_settings_ok_keeps_this_run_s_model_unless_the_model_field_is_changed(qtbot, tmp_path):
    from app.main_window import MainWindow
    from app.settings import Settings

    own = make_tiny_checkpoint(tmp_path / "own", name="own-lab-model")
    settings = Settings()
    settings.model_path = ""                                  # saved: the bundled default model
    settings.device = "auto"
    window = MainWindow(settings, model_path=str(own), device="cpu")
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        window.load_model()
    assert window.predictor.name == "own-lab-model"

    dlg = window.settings_dialog()
    assert dlg.this_run.text() == (f"This run uses --model {own} and --device cpu (the command line); a field "
                                   "changed here replaces it.")
    dlg.page_size.setCurrentIndex(1 - dlg.page_size.currentIndex())
    dlg.accept()                                              # nothing of the model or device changed: no reload
    assert window.model_worker is None and window.predictor.name == "own-lab-model"

    dlg = window.settings_dialog()
    assert dlg.device.currentText() == "auto"                 # the saved device, not this run's
    dlg.device.setCurrentText("cpu")                          # the device changed, the model field not
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        dlg.accept()
    assert window.predictor.name == "own-lab-model", window.predictor.name
    assert window.model_path() == str(own) and window.device() == "cpu"

    other = make_tiny_checkpoint(tmp_path / "chosen", name="chosen-model")
    dlg = window.settings_dialog()
    assert dlg.this_run.text().startswith(f"This run uses --model {own} (the command line)")
    dlg.model_path.setText(str(other))                        # the model field changed: it replaces --model
    with qtbot.waitSignal(window.modelFinished, timeout=WAIT_MS):
        dlg.accept()
    assert window.predictor.name == "chosen-model" and window.model_path() == str(other)
    assert not hasattr(window.settings_dialog(), "this_run")   # no command-line value left in use
    shutil.rmtree(other)
