"""Types of the public names of ``mirage_model`` (imported lazily at run time, see __init__.py)."""

from typing import Final

from mirage_model.checkpoint.format import CheckpointError as CheckpointError, LoadedModel as LoadedModel
from mirage_model.checkpoint.load import load_checkpoint as load_checkpoint
from mirage_model.checkpoint.save import save_checkpoint as save_checkpoint
from mirage_model.clinical.features import (ClinicalError as ClinicalError, ClinicalFeature as ClinicalFeature,
                                            LabsTableError as LabsTableError)
from mirage_model.clinical.labs import read_labs_table as read_labs_table
from mirage_model.clinical.schema import ClinicalSchema as ClinicalSchema, default_schema as default_schema
from mirage_model.explain import Explanation as Explanation
from mirage_model.inference import (ModelNotFoundError as ModelNotFoundError, Prediction as Prediction,
                                    Predictor as Predictor)
from mirage_model.measure.results import Measurements as Measurements
from mirage_model.models import build_model as build_model
from mirage_model.models.config import MirageConfig as MirageConfig
from mirage_model.models.mirage import Mirage as Mirage, MirageOutput as MirageOutput
from mirage_model.paths import (default_model_path as default_model_path, default_sample as default_sample,
                                resources_dir as resources_dir, sample_records as sample_records)
from mirage_model.preprocess import (ModelInputs as ModelInputs, PreprocessConfig as PreprocessConfig,
                                     PreprocessError as PreprocessError, model_inputs as model_inputs)
from mirage_model.records.load import find_records as find_records, load_record as load_record
from mirage_model.records.record import (STANDARD_LEADS as STANDARD_LEADS, EcgRecord as EcgRecord,
                                         RecordError as RecordError,
                                         UnscorableRecordError as UnscorableRecordError)
from mirage_model.render import (EcgLayout as EcgLayout, RenderConfig as RenderConfig, RenderedEcg as RenderedEcg,
                                 render_ecg as render_ecg)
from mirage_model.review.batch import score_folder as score_folder
from mirage_model.review.report import build_report as build_report
from mirage_model.runtime import DeviceError as DeviceError, resolve_device as resolve_device

__version__: Final[str]
RESEARCH_USE_NOTICE: Final[str]

__all__ = [
    "EcgRecord", "RecordError", "UnscorableRecordError", "STANDARD_LEADS", "load_record", "find_records",
    "PreprocessConfig", "PreprocessError", "ModelInputs", "model_inputs", "RenderConfig", "RenderedEcg",
    "EcgLayout", "render_ecg", "ClinicalError", "LabsTableError", "ClinicalFeature", "ClinicalSchema",
    "default_schema", "read_labs_table", "Mirage", "MirageConfig", "MirageOutput", "build_model",
    "CheckpointError", "LoadedModel", "load_checkpoint", "save_checkpoint", "Predictor", "Prediction",
    "ModelNotFoundError", "DeviceError", "resolve_device", "Explanation", "Measurements",
    "build_report", "score_folder", "default_model_path", "default_sample", "resources_dir", "sample_records",
    "RESEARCH_USE_NOTICE", "__version__",
]
