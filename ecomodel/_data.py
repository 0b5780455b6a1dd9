"""Access to the embedded demo data files in ``ecomodel/data``."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_path"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(*parts: str) -> Path:
    """Path of an embedded data file, e.g. ``data_path('targets.csv')``."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        from .errors import InputError

        raise InputError(f"embedded data file {'/'.join(parts)!r} is missing from the installation ({path})",
                         field="data", value="/".join(parts))
    return path
