"""One checkpoint format: a folder with model.safetensors + config.json (+ MODEL_CARD.md).

config.json holds: format_version, model_type ("mirage" | "resnet1d_wang" | "patchtst"),
model_config (asdict), task, labels, clinical schema (to_dict), preprocess (asdict
PreprocessConfig), render (asdict RenderConfig), thresholds (K,), provenance {data, command, date,
code_version, hardware, duration_s}, metrics {...}, name, extra; where the model has them, calibration,
measured_stack, noise_average and noise_spread (each its object's ``to_dict()``: the probabilities' calibration,
measured stage, noise averaging and spread under noise travel with the weights); label_descriptions (label ->
the words its training data gave it, "QAb": "Q wave abnormal"), where training recorded them. A single
``.safetensors`` file whose metadata holds the same JSON (key ``mirage_config``; a model card under
``model_card``) is accepted too. Loading never unpickles anything (safetensors + json only, never torch.load), and
every problem becomes a ``CheckpointError`` naming the file. Saving is atomic (temp + os.replace).

A checkpoint may come from anyone. Before anything is allocated the loader checks every config
value's type and range (``_validate_config``: whole numbers where the model's config has them,
finite floats, bounded sizes and depths, unique labels, thresholds strictly between 0 and 1,
preprocessing and rendering settings the model can run with), counts the model's parameters on
torch's "meta" device (no memory) against ``limits.MAX_PARAMETERS``, refuses JSON nested deeper
than ``limits.MAX_JSON_DEPTH`` and reads weights only from regular files (a FIFO would hang).
"""

from mirage_model.checkpoint.files import label_summary, read_checkpoint_config
from mirage_model.checkpoint.format import (CARD_KEY, CARD_NAME, CONFIG_NAME, FORMAT_VERSION, METADATA_KEY,
                                            REQUIRED_KEYS, WEIGHTS_NAME, CheckpointError, LoadedModel)

# loading and saving build models (torch), imported when first asked for: reading a config does not need
# torch (the app names its shipped models in a menu before its window draws; importing torch there made
# its cold start 1.7 -> 3.4 s)
_LAZY = {"load_checkpoint": "load", "check_destination": "save", "save_checkpoint": "save"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"mirage_model.checkpoint.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CARD_KEY", "CARD_NAME", "CONFIG_NAME", "FORMAT_VERSION", "METADATA_KEY", "REQUIRED_KEYS", "WEIGHTS_NAME",
           "CheckpointError", "LoadedModel", "check_destination", "label_summary", "load_checkpoint", "read_checkpoint_config",
           "save_checkpoint"]
