"""Where files live: the shipped resources (models, sample records, icons), and the temporary
name an atomic write uses next to its target."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path


def resources_dir() -> Path:
    """The project's resources/ folder; ``MIRAGE_RESOURCES`` overrides it."""
    env = os.environ.get("MIRAGE_RESOURCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "resources"


def default_model_path() -> Path | None:
    """The shipped default model folder, or None when no trained model ships yet."""
    return shipped_models().get("default")


def shipped_models() -> dict[str, Path]:
    """Name -> folder of every model shipped in resources/models (e.g. "default", "mi")."""
    root = resources_dir() / "models"
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "config.json").is_file()}


def sample_records() -> list[Path]:
    """Header paths of the bundled sample records, sorted by name."""
    return sorted((resources_dir() / "samples").rglob("*.hea"))


def default_sample() -> Path | None:
    """The record the app opens when started without one, or None when no samples ship.

    resources/samples/ATTRIBUTION.md names it ("Default record of the app: `path`"); otherwise the
    first of ``sample_records()``.
    """
    samples_dir = resources_dir() / "samples"
    attribution = samples_dir / "ATTRIBUTION.md"
    if attribution.is_file():
        match = re.search(r"Default record of the app:\**\s*`([^`]+)`", attribution.read_text(encoding="utf-8"))
        if match and (samples_dir / match.group(1)).is_file():
            return samples_dir / match.group(1)
    samples = sample_records()
    return samples[0] if samples else None


def temp_sibling(path: Path) -> Path:
    """A fresh temporary name in ``path``'s folder, to write to and then ``os.replace`` over ``path``.

    Not ``tempfile.mkstemp``: its 0600 mode would survive the replace.
    """
    path = Path(path)
    # keep the name within the 255 bytes most file systems allow (".", 12 hex, ".tmp": 18 more)
    stem = path.name.encode("utf-8")[:200].decode("utf-8", "ignore")
    return path.parent / f".{stem}.{uuid.uuid4().hex[:12]}.tmp"
