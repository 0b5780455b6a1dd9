"""The one place numba is configured.

Kernels are decorated with :func:`jit` from this module and nothing else. Compilation is lazy
(no eager signatures, so importing a kernel module compiles nothing) and happens on the first
call. This module imports numba, so only ``_kernels`` modules import it, and topic modules import
their ``_kernels`` inside functions: ``import ecomodel`` never pulls numba in.

Environment
-----------
``ECOMODEL_NUMBA_CACHE``
    Compiled kernels are cached on disk by default, so a second process starts in seconds
    instead of recompiling (~10 s). ``0`` (or ``off``/``false``/``no``) turns the kernel cache off;
    ``ECOMODEL_CACHE=0`` turns off every ecomodel cache.

The directory is ``<root>/numba`` with the root of :mod:`ecomodel._cache`
(``ECOMODEL_CACHE_DIR``, default ``~/.cache/ecomodel``); a ``NUMBA_CACHE_DIR`` set by the user
wins. When it cannot be created or written (read-only home, sandbox), caching is switched off
quietly and the kernels compile in memory; :data:`CACHE_PROBLEM` says why.

Fast-math is restricted to the safe flag set :data:`SAFE_FASTMATH`; ``nnan``/``ninf`` are never
enabled, so NaN checks inside kernels stay meaningful.
"""

from __future__ import annotations

import contextlib
import os

import numba
from numba import prange  # noqa: F401  (re-exported for kernels)

from . import _cache

__all__ = ["jit", "prange", "SAFE_FASTMATH", "CACHE", "CACHE_DIR", "default_cache_dir", "threads",
           "get_num_threads"]

#: LLVM fast-math flags that keep IEEE NaN/Inf semantics.
SAFE_FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def default_cache_dir() -> str:
    """Where compiled kernels are kept (see the module docstring)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.path.abspath(os.path.expanduser(os.environ["NUMBA_CACHE_DIR"]))
    return str(_cache.root() / "numba")


def _configure_cache() -> tuple[bool, str | None, str | None]:
    for variable in ("ECOMODEL_CACHE", "ECOMODEL_NUMBA_CACHE"):
        if _cache.switched_off(variable):
            return False, None, f"turned off by {variable}"
    directory = default_cache_dir()
    problem = _cache.writable(directory)
    if problem is not None:
        return False, None, f"cache directory not writable ({problem})"
    numba.config.CACHE_DIR = directory  # read when each kernel's cache locator is built (at decoration)
    return True, directory, None


#: Whether compiled kernels are cached on disk (on unless ``ECOMODEL_NUMBA_CACHE=0`` or not writable).
#: CACHE_DIR is the directory used (None when off); CACHE_PROBLEM why it is off (None when on).
CACHE, CACHE_DIR, CACHE_PROBLEM = _configure_cache()


def jit(func=None, *, parallel: bool = False, fastmath: bool = True, **options):
    """Decorate a kernel: ``njit`` with ecomodel's policy (lazy, safe fast-math, cache switch).

    Use as ``@jit`` or ``@jit(parallel=True)``. Extra keyword options go to ``numba.njit``
    except ``fastmath`` values outside :data:`SAFE_FASTMATH`, which are refused.
    """
    if isinstance(fastmath, (set, frozenset)):
        bad = set(fastmath) - SAFE_FASTMATH
        if bad:
            raise ValueError(f"fastmath flags {sorted(bad)} are not allowed; use a subset of {sorted(SAFE_FASTMATH)}")
        flags = set(fastmath)
    else:
        flags = set(SAFE_FASTMATH) if fastmath else False
    if "signature_or_function" in options or "signature" in options:
        raise ValueError("ecomodel kernels must not have eager signatures (they would compile at import)")

    cache = bool(options.pop("cache", CACHE)) and CACHE  # a kernel may opt out (never in when caching is off)

    def wrap(f):
        return numba.njit(cache=cache, parallel=parallel, fastmath=flags, nogil=True, **options)(f)

    return wrap(func) if func is not None else wrap


def get_num_threads() -> int:
    """Number of threads numba's parallel loops use now."""
    return numba.get_num_threads()


@contextlib.contextmanager
def threads(n: int):
    """Run the enclosed block with *n* numba threads (for scaling benchmarks)."""
    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(old)
