"""MIRAGE: Multimodal Integration via Representational Alignment using Graphormer and Encoders.

The Qt-free core of MIRAGE Review: records in (wfdb), one preprocessing path, one renderer, the
model, one checkpoint format, inference and explanations. Research use only, not a diagnosis.

Shape glossary used in every docstring of this package:
    B  batch            L  leads (12, standard order I, II, III, aVR, aVL, aVF, V1-V6)
    T  samples in time  N  tokens            H  attention heads
    D  model width      C  clinical features K  classes
    P  patches per side of the rendered image (14 for 224 px and 16 px patches)
"""

from importlib import import_module

# Public names -> defining module. Imported lazily (PEP 562) so that reading a record does not
# pay for importing torch, and the app can draw its window before the model is loaded.
_EXPORTS = {
    "EcgRecord": "io", "RecordError": "io", "STANDARD_LEADS": "io", "load_record": "io",
    "find_records": "io",
    "PreprocessConfig": "preprocess", "preprocess_record": "preprocess",
    "preprocess_signal": "preprocess", "model_inputs": "preprocess", "ModelInputs": "preprocess",
    "RenderConfig": "render", "RenderedEcg": "render", "EcgLayout": "render", "render_ecg": "render",
    "ClinicalError": "clinical", "ClinicalFeature": "clinical", "ClinicalSchema": "clinical",
    "default_schema": "clinical", "read_labs_table": "clinical",
    "Mirage": "models.mirage", "MirageConfig": "models.config", "MirageOutput": "models.mirage",
    "CheckpointError": "checkpoint", "LoadedModel": "checkpoint", "load_checkpoint": "checkpoint",
    "save_checkpoint": "checkpoint",
    "Explanation": "explain",
    "Prediction": "inference", "Predictor": "inference",
    "Measurements": "measure", "measure": "measure",
    "default_model_path": "paths", "resources_dir": "paths", "sample_records": "paths",
    "default_sample": "paths",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mirage_model' has no attribute {name!r}")
    value = getattr(import_module(f"mirage_model.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__version__ = "0.1.0"

RESEARCH_USE_NOTICE = "Research use only, not a diagnosis; unconfirmed."

__all__ = [*_EXPORTS, "RESEARCH_USE_NOTICE", "__version__"]
