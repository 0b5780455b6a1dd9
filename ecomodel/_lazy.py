"""Lazy package namespaces (PEP 562): a package's public names are imported from the module that
defines them on first use, so importing the package itself stays light (no numba, scipy or
matplotlib, nothing compiled)."""

from __future__ import annotations

import importlib
import sys


def lazy_namespace(package: str, exports: dict[str, str], submodules=frozenset()):
    """Module-level ``__getattr__`` and ``__dir__`` for *package*.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict
        Public name -> submodule (relative to *package*) that defines it.
    submodules : set of str
        Submodules reachable as attributes before anything imported them.

    Returns
    -------
    (__getattr__, __dir__)
        ``__dir__`` lists the package's ``__all__`` and the submodules.

    Examples
    --------
    >>> getattr_, dir_ = lazy_namespace("ecomodel", {"EcomodelError": "errors"}, {"units"})
    >>> getattr_("EcomodelError").__name__
    'EcomodelError'
    >>> getattr_("nope")
    Traceback (most recent call last):
    ...
    AttributeError: module 'ecomodel' has no attribute 'nope'
    """
    subs = frozenset(submodules)

    def __getattr__(name: str):
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        if name in subs:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(getattr(sys.modules[package], "__all__", ())) | subs)

    return __getattr__, __dir__
