"""MIRAGE: Multimodal Integration via Representational Alignment using Graphormer and Encoders.

The Qt-free core of MIRAGE Review: records in, one preprocessing path, one renderer, the model,
one checkpoint format, inference and explanations, measurements; and the product layer built on
them (the PDF report, batch scoring). Research use only, not a diagnosis.

The names below are the public API; ``__init__.pyi`` gives their types to IDEs and type checkers.
They are imported on first use (PEP 562), so that ``import mirage_model`` costs nothing and reading
a record does not import torch (the app draws its window before the model is loaded).

Shape glossary used in every docstring of this package:
    B  batch            L  leads (12, standard order I, II, III, aVR, aVL, aVF, V1-V6)
    T  samples in time  N  tokens            H  attention heads
    D  model width      C  clinical features K  classes
    P  patches per side of the rendered image (14 for 224 px and 16 px patches)
"""

from importlib import import_module

__version__ = "0.1.0"

RESEARCH_USE_NOTICE = "Research use only, not a diagnosis; unconfirmed."

# Public name -> the module (under mirage_model) that defines it.
_EXPORTS = {
    # records in
    "EcgRecord": "records.record", "RecordError": "records.record",
    "UnscorableRecordError": "records.record", "STANDARD_LEADS": "records.record",
    "load_record": "records.load", "find_records": "records.load",
    # what the model sees
    "PreprocessConfig": "preprocess", "PreprocessError": "preprocess", "ModelInputs": "preprocess",
    "model_inputs": "preprocess",
    "RenderConfig": "render", "RenderedEcg": "render", "EcgLayout": "render", "render_ecg": "render",
    "ClinicalError": "clinical.features", "LabsTableError": "clinical.features",
    "ClinicalFeature": "clinical.features", "ClinicalSchema": "clinical.schema",
    "default_schema": "clinical.schema", "read_labs_table": "clinical.labs",
    # models and checkpoints
    "Mirage": "models.mirage", "MirageConfig": "models.config", "MirageOutput": "models.mirage",
    "build_model": "models",
    "CheckpointError": "checkpoint.format", "LoadedModel": "checkpoint.format",
    "load_checkpoint": "checkpoint.load", "save_checkpoint": "checkpoint.save",
    # inference (and every error Predictor.predict raises: RecordError, UnscorableRecordError,
    # ClinicalError, PreprocessError above; ModelNotFoundError and DeviceError when it is built)
    "Predictor": "inference", "Prediction": "inference", "ModelNotFoundError": "inference",
    "DeviceError": "runtime", "resolve_device": "runtime",
    "Explanation": "explain",
    # (the function ``measure`` stays in ``mirage_model.measure``: the package has that name)
    "Measurements": "measure.results",
    # the product layer
    "build_report": "review.report", "score_folder": "review.batch",
    # shipped resources
    "default_model_path": "paths", "default_sample": "paths", "resources_dir": "paths",
    "sample_records": "paths",
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


__all__ = [*_EXPORTS, "RESEARCH_USE_NOTICE", "__version__"]
