"""Where the shipped resources live (default model, sample records, icons)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def resources_dir() -> Path:
    """The project's resources/ folder; ``MIRAGE_RESOURCES`` overrides it."""
    env = os.environ.get("MIRAGE_RESOURCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "resources"


def default_model_path() -> Path | None:
    """The shipped default model folder, or None when no trained model ships yet."""
    path = resources_dir() / "models" / "default"
    return path if (path / "config.json").is_file() else None


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
