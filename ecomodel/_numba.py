"""The one place numba is configured.

Kernels are decorated with :func:`jit` from this module and nothing else. Compilation is lazy
(no eager signatures, so importing a kernel module compiles nothing) and happens on the first
call. This module imports numba, so only ``_kernels`` modules import it, and topic modules import
their ``_kernels`` inside functions: ``import ecomodel`` never pulls numba in.

Environment
-----------
``ECOMODEL_NUMBA_CACHE=1``
    Cache compiled kernels on disk (off by default).

Fast-math is restricted to the safe flag set :data:`SAFE_FASTMATH`; ``nnan``/``ninf`` are never
enabled, so NaN checks inside kernels stay meaningful.
"""

from __future__ import annotations

import contextlib
import os

import numba
from numba import prange  # noqa: F401  (re-exported for kernels)

__all__ = ["jit", "prange", "SAFE_FASTMATH", "CACHE", "threads", "get_num_threads"]

#: LLVM fast-math flags that keep IEEE NaN/Inf semantics.
SAFE_FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})

#: Whether compiled kernels are cached on disk (``ECOMODEL_NUMBA_CACHE=1``).
CACHE = os.environ.get("ECOMODEL_NUMBA_CACHE", "0").strip().lower() in {"1", "true", "yes", "on"}


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

    def wrap(f):
        return numba.njit(cache=CACHE, parallel=parallel, fastmath=flags, nogil=True, **options)(f)

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
