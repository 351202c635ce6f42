"""MIRAGE: Multimodal Integration via Representational Alignment using Graphormer and Encoders.

The Qt-free core of MIRAGE Review: records in (wfdb), one preprocessing path, one renderer, the
model, one checkpoint format, inference and explanations. Research use only, not a diagnosis.

Shape glossary used in every docstring of this package:
    B  batch            L  leads (12, standard order I, II, III, aVR, aVL, aVF, V1-V6)
    T  samples in time  N  tokens            H  attention heads
    D  model width      C  clinical features K  classes
    P  patches per side of the rendered image (14 for 224 px and 16 px patches)
"""

from mirage_model.io import EcgRecord, RecordError, STANDARD_LEADS, load_record, find_records
from mirage_model.preprocess import PreprocessConfig, preprocess_record, preprocess_signal
from mirage_model.render import RenderConfig, RenderedEcg, EcgLayout, render_ecg
from mirage_model.clinical import ClinicalError, ClinicalFeature, ClinicalSchema, default_schema
from mirage_model.models.mirage import Mirage, MirageConfig, MirageOutput
from mirage_model.checkpoint import CheckpointError, LoadedModel, load_checkpoint, save_checkpoint
from mirage_model.explain import Explanation
from mirage_model.inference import Prediction, Predictor
from mirage_model.paths import default_model_path, resources_dir, sample_records

__version__ = "0.1.0"

RESEARCH_USE_NOTICE = "Research use only, not a diagnosis; unconfirmed."

__all__ = [
    "EcgRecord", "RecordError", "STANDARD_LEADS", "load_record", "find_records",
    "PreprocessConfig", "preprocess_record", "preprocess_signal",
    "RenderConfig", "RenderedEcg", "EcgLayout", "render_ecg",
    "ClinicalError", "ClinicalFeature", "ClinicalSchema", "default_schema",
    "Mirage", "MirageConfig", "MirageOutput",
    "CheckpointError", "LoadedModel", "load_checkpoint", "save_checkpoint",
    "Explanation", "Prediction", "Predictor",
    "default_model_path", "resources_dir", "sample_records",
    "RESEARCH_USE_NOTICE", "__version__",
]
