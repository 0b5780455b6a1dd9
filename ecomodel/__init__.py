"""ecomodel — environmental-quality simulation for eco-plans in the Taihu basin.

Subpackages are loaded on first use, so ``import ecomodel`` is light: it imports neither numba,
scipy nor matplotlib and compiles nothing.

>>> import ecomodel
>>> int(ecomodel.standards.iaqi("PM2.5", 80.0))
107
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "air", "water", "carbon", "standards", "targets", "scenario", "io", "plot", "units", "errors", "cli",
}
_FORWARDS = {  # top-level conveniences -> module that defines them
    "run": "scenario",
    "compare": "scenario",
    "optimise": "scenario",
    "EcomodelError": "errors",
}

__all__ = sorted(_SUBMODULES | set(_FORWARDS)) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FORWARDS:
        module = importlib.import_module(f"{__name__}.{_FORWARDS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'ecomodel' has no attribute {name!r}")


def __dir__():
    return __all__
