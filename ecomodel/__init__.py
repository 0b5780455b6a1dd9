"""ecomodel — environmental-quality simulation for eco-plans in the Taihu basin.

Subpackages are loaded on first use, so ``import ecomodel`` is light: it imports neither numba,
scipy nor matplotlib and compiles nothing.

>>> import ecomodel
>>> int(ecomodel.standards.iaqi("PM2.5", 80.0))
107
"""

from __future__ import annotations

from ._lazy import lazy_namespace

__version__ = "0.1.0"

_SUBMODULES = {
    "air", "water", "carbon", "standards", "targets", "scenario", "io", "plot", "units", "errors", "cli",
    "vocabulary",
}
_FORWARDS = {  # top-level conveniences -> module that defines them
    "run": "scenario",
    "compare": "scenario",
    "optimise": "scenario",
    "EcomodelError": "errors",
}

__all__ = sorted(_SUBMODULES | set(_FORWARDS)) + ["__version__"]


__getattr__, __dir__ = lazy_namespace(__name__, _FORWARDS, _SUBMODULES)
