"""The model card's lines of how its model was trained: the command, the recipe in words (``recipe_words``)
and the wall time, for one model or each member of an ensemble (``command_lines``, read by ``model_card``), and
that it keeps its training records' fingerprints (``training_records_lines``).
"""

from __future__ import annotations

# the recipe's numbers, in the order and words of ``mirage train``'s options
_NUMBERS = (("epochs", "epochs"), ("lr", "lr"), ("batch_size", "batch size"), ("weight_decay", "weight decay"),
            ("warmup", "warm-up"))


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def recipe_words(recipe) -> str:
    """A checkpoint's provenance "recipe" as a reader reads it: "epochs 1, lr 0.0003, batch size 32, weight
    decay 0.05, warm-up 0.13; augmentation off, fault noise off, EMA off; from scratch" (the card had
    printed the Python dict). A recipe that is no dict (an ensemble's sentence) is given as it is."""
    if not isinstance(recipe, dict):
        return str(recipe)
    known = {"augment", "noise", "smooth_noise", "consistency", "consistency_faults", "ema", "init_from"}
    numbers = [f"{name} {_value(recipe[key])}" for key, name in _NUMBERS if key in recipe]
    numbers += [f"{key.replace('_', ' ')} {_value(v)}" for key, v in recipe.items()
                if key not in known and key not in dict(_NUMBERS)]
    switches = []
    if "augment" in recipe:
        switches.append("augmentation " + ("on" if recipe["augment"] else "off"))
    if "noise" in recipe:
        switches.append("fault noise " + ("on" if recipe["noise"] else "off"))
    if recipe.get("smooth_noise"):
        switches.append(f"smooth noise {_value(recipe['smooth_noise'])} mV")
    if recipe.get("consistency"):
        switches.append(f"consistency {_value(recipe['consistency'])} ({recipe.get('consistency_faults', '?')} faults)")
    if "ema" in recipe:
        switches.append(f"EMA {_value(recipe['ema'])}" if recipe["ema"] else "EMA off")
    parts = [", ".join(numbers), ", ".join(switches)]
    if "init_from" in recipe:
        parts.append(f"initialised from {recipe['init_from']}" if recipe["init_from"] else "from scratch")
    return "; ".join(p for p in parts if p) or "?"


def wall_time(seconds: float) -> str:
    """A run's wall time as the card says it: "16 s" under a minute (not "0 min"), else whole minutes."""
    return f"{seconds:.0f} s" if seconds < 59.5 else f"{seconds / 60:.0f} min"


def command_lines(model_type: str, prov: dict, metrics: dict) -> list[str]:
    """The card's command and recipe lines: one model's, or each member's of an ensemble and the ensemble's."""
    if model_type != "ensemble":
        return [f"- Command: `{prov.get('command', '?')}`",
                f"- Recipe: {recipe_words(prov.get('recipe', '?'))}; best epoch {metrics.get('best_epoch', '?')}"]
    lines = []
    for i, p in enumerate(prov.get("members") or [], 1):
        lines.append(f"- Member {i}: `{p.get('command', '?')}`; recipe {recipe_words(p.get('recipe', '?'))}; "
                     f"{wall_time(float(p.get('duration_s') or 0))} on {p.get('hardware', '?')}")
    lines.append(f"- Ensemble (thresholds on the validation split): `{prov.get('command', '?')}`")
    return lines


def training_records_lines(prov: dict) -> list[str]:
    """The card's line that the model keeps the fingerprints of its training and validation records
    (``provenance["training_records"]``, ``mirage_model.records.fingerprint``) and marks them where they are scored;
    none where it keeps none."""
    entry = prov.get("training_records")
    counts = entry.get("counts") if isinstance(entry, dict) else None
    if not isinstance(counts, dict):
        return []
    return [f"- Training records marked: the model keeps a fingerprint of the signal files of each of its "
            f"{counts.get('train', 0)} training and {counts.get('val', 0)} validation records (config.json "
            "`provenance.training_records`), and `mirage score` (column `in_training`), the app and the PDF mark a "
            "scored record that is one of them: its probabilities are optimistic, no measure of the model"]
