"""The About box: versions, the research-use notice and where the app keeps its files."""

from __future__ import annotations

import html
import platform

import numpy
import pyqtgraph
import PySide6

from mirage_model import RESEARCH_USE_NOTICE, __version__


def about_text(files: tuple[tuple[str, object], ...] = ()) -> str:
    """The About box: versions and the research-use notice (HTML); ``files``: (what, path) of each file the app
    keeps (its settings, the over-read store, the log), for whoever looks after it or is asked for the log."""
    try:
        import torch   # here, not at the top: torch takes seconds to import and is optional for viewing
        torch_version = torch.__version__
    except Exception:  # noqa: BLE001 (the About box must open whatever is installed)
        torch_version = "not installed"
    return (f"<h3>MIRAGE Review {__version__}</h3>"
            "<p>Multimodal ECG review: Graphormer lead encoder, ViT image encoder, clinical FiLM "
            "and fusion (MIRAGE).</p>"
            f"<p><b>{RESEARCH_USE_NOTICE}</b> The output of this program is not a medical device result and "
            "must be confirmed by a qualified clinician.</p>"
            f"<p>Python {platform.python_version()}, PySide6 {PySide6.__version__}, pyqtgraph "
            f"{pyqtgraph.__version__}, PyTorch {torch_version}, NumPy {numpy.__version__}</p>"
            + "".join(f"<p>{html.escape(what)}: {html.escape(str(path))}</p>" for what, path in files))
