"""Backends: how a scenario reaches each domain model.

A backend turns reduction schedules (:class:`~ecomodel.scenario.schedule.Reductions`) into a
projection of the domain's indicators. It has

``domain``
    ``'air'``, ``'water'`` or ``'carbon'``;
``check_effect(base, effect)``
    raise :class:`~ecomodel.errors.ScenarioError` when the base data has nothing the effect can act
    on (unknown sector, source category, reach, fuel …), naming the effect's file and table;
``baseline_amount(base, effect) -> float``
    the base quantity the effect acts on [t/yr; t CO2 for carbon], to turn amounts into fractions;
``project_stack(base, schedules, years, members, seed, method, progress=False) -> Dataset``
    the projections of all schedules in one Dataset over ``scenario`` (position, leading), ``year``,
    ``member`` and ``region``/``site``, with the same random numbers for every schedule (common
    random numbers: differences between packages are not blurred by sampling noise). ``method`` is
    ``'surface'`` (fast responses) or ``'full'``.

The schedules' keys are :class:`~ecomodel.scenario.schedule.ReductionKey` named tuples (a backend
should accept plain :attr:`Effect.key <ecomodel.scenario.model.Effect.key>` tuples too, e.g. with
``ReductionKey.of(key)``).

Rooms of this package:

- this module — the protocol (above), the registry (:func:`register_backend`, :func:`get_backend`)
  and the factory of the embedded backends (:func:`default_backend`);
- :mod:`.linear` — :class:`LinearBackend`, a complete backend defined by baseline trajectories and
  linear sensitivities (what-if studies with published coefficients; tests of the machinery);
- :mod:`.air`, :mod:`.water`, :mod:`.carbon` — the backends of the embedded models, each with its
  private helpers and per-process caches; they share :mod:`._shared` and never import each other;
- :mod:`ecomodel.scenario.adapters` — the old single module, kept as re-exports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import ScenarioError
from ..model import DOMAINS
from .linear import LinearBackend, effect_fields

if TYPE_CHECKING:
    from .air import AirBackend
    from .carbon import CarbonBackend
    from .water import WaterBackend

__all__ = ["LinearBackend", "default_backend", "effect_fields", "get_backend", "make", "register_backend"]


#: backends in use, by domain (filled with the defaults on first use)
_BACKENDS: dict[str, object] = {}


def register_backend(domain: str, backend: Any) -> None:
    """Use *backend* for *domain* (``'air'``, ``'water'``, ``'carbon'``) from now on.

    A backend has ``domain`` and the methods ``baseline_amount(base, effect) -> float`` [t/yr or t],
    ``check_effect(base, effect)`` and ``project_stack(base, schedules, years, members, seed, method,
    progress=False) -> xarray.Dataset`` (see :mod:`ecomodel.scenario.backends`). Passing ``None``
    restores the default backend.
    """
    if domain not in DOMAINS:
        raise ScenarioError(f"unknown domain {domain!r}; expected one of {DOMAINS}", field="domain", value=domain)
    if backend is None:
        _BACKENDS.pop(domain, None)
    else:
        _BACKENDS[domain] = backend


def get_backend(domain: str) -> Any:
    """The backend used for *domain*."""
    if domain not in _BACKENDS:
        _BACKENDS[domain] = default_backend(domain)
    return _BACKENDS[domain]


def make(domain: str) -> AirBackend | WaterBackend | CarbonBackend:
    """A new default backend of *domain* (the embedded model's)."""
    if domain == "carbon":
        from .carbon import CarbonBackend

        return CarbonBackend()
    if domain == "air":
        from .air import AirBackend

        return AirBackend()
    if domain == "water":
        from .water import WaterBackend

        return WaterBackend()
    raise ScenarioError(f"unknown domain {domain!r}", field="domain", value=domain)


def default_backend(domain: str) -> AirBackend | WaterBackend | CarbonBackend:
    """The backend of an embedded domain model (``air``, ``water``, ``carbon``)."""
    return make(domain)
