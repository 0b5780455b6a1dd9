"""The per-user cache: compiled kernels and expensive fitted results, so a second process is fast.

Two things are kept on disk, both under one root directory:

``<root>/numba``
    numba's compiled kernels (configured in :mod:`ecomodel._numba`).
``<root>/results``
    Results that take many model runs to compute and depend only on the installed code and
    embedded data plus a few settings — the air response surface and source–receptor
    sensitivities the scenario backends fit on first use (~40 photochemical projections).
    Each entry's name is a hash of the settings *and* of every source and data file of the
    installed package, so editing the code or the data invalidates it; nothing is ever read
    back from a different version.

Environment
-----------
``ECOMODEL_CACHE_DIR``
    The root. Default: ``$XDG_CACHE_HOME/ecomodel`` (``~/.cache/ecomodel``;
    ``%LOCALAPPDATA%\\ecomodel`` on Windows).
``ECOMODEL_CACHE=0``
    Keep nothing on disk (kernels compile in memory, results are recomputed per process).
    ``ECOMODEL_NUMBA_CACHE=0`` turns off the kernel cache alone.

A root that cannot be created or written (read-only home, sandbox) turns caching off quietly;
:func:`problem` says why. This module never imports numba.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

__all__ = ["root", "enabled", "problem", "fingerprint", "load_or_compute"]

_OFF = {"0", "false", "no", "off"}
_PACKAGE = Path(__file__).resolve().parent


def switched_off(variable: str) -> bool:
    """Whether the environment *variable* is set to an off value (``0``, ``off``, ``false``, ``no``)."""
    return os.environ.get(variable, "1").strip().lower() in _OFF


def root() -> Path:
    """The cache root directory (not created here)."""
    if os.environ.get("ECOMODEL_CACHE_DIR"):
        return Path(os.path.expanduser(os.environ["ECOMODEL_CACHE_DIR"])).absolute()
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base.absolute() / "ecomodel"


def writable(directory: Path) -> str | None:
    """None when *directory* exists (or can be made) and a file can be written in it; else why not."""
    try:
        os.makedirs(directory, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=directory)
        os.close(fd)
        os.remove(probe)
    except OSError as exc:  # read-only file system, a file in the way, no permission …
        return f"{directory}: {exc.strerror or exc}"
    return None


def problem(sub: str = "results") -> str | None:
    """Why the *sub* cache directory is not used (None when it is)."""
    if switched_off("ECOMODEL_CACHE"):
        return "turned off by ECOMODEL_CACHE"
    why = writable(root() / sub)
    return None if why is None else f"cache directory not writable ({why})"


def enabled(sub: str = "results") -> bool:
    """Whether the *sub* cache directory is in use."""
    return problem(sub) is None


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """SHA-256 over the relative path and bytes of every source and data file of the package."""
    h = hashlib.sha256()
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in {".pyc", ".nbi", ".nbc"}):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _entry(kind: str, key) -> Path:
    digest = hashlib.sha256(repr((fingerprint(), kind, key)).encode()).hexdigest()[:32]
    return root() / "results" / f"{kind}-{digest}.pkl"


def load_or_compute(kind: str, key, compute):
    """``compute()``, kept on disk under (*kind*, *key*, the package fingerprint).

    *key* must have a stable ``repr`` (tuples of str/int/float). A missing, unreadable or corrupt
    entry is recomputed; the entry is written atomically (a temporary file renamed into place), so
    concurrent processes and a kill mid-write never leave a half entry behind.
    """
    if not enabled("results"):
        return compute()
    path = _entry(kind, key)
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError,
            IndexError):  # a corrupt or foreign entry is recomputed, never trusted
        path.unlink(missing_ok=True)
    value = compute()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # full disk, directory removed meanwhile: the value is still returned
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return value
