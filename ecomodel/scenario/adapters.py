"""Compatibility module: the embedded backends now live in :mod:`ecomodel.scenario.backends`
(:mod:`~ecomodel.scenario.backends.air`, :mod:`~ecomodel.scenario.backends.water`,
:mod:`~ecomodel.scenario.backends.carbon`, shared helpers in ``backends._shared``).

Every name this module used to define is re-exported here — the same objects, so the per-process
caches (``_RESPONSES``, ``_AIR_SRM_EXTRA``, the ``functools.lru_cache`` functions) exist once.
New code should import from the backends package.
"""

from __future__ import annotations

import functools  # noqa: F401  (the old module's imports, kept for code that reads them from here)

import numpy as np  # noqa: F401

from .. import _cache  # noqa: F401
from ..errors import EcomodelError, ScenarioError, close_matches  # noqa: F401
from .backends import make
from .backends._shared import (_RESPONSES, _RESPONSES_MAX, _cached, _demo_base, _effect_from_key, _progress,
                               _resolve_region, _where)
from .backends.air import (_AIR_SRM_EXTRA, SRM_EXTRA, AirBackend, _air_baseline, _air_demo, _air_kwargs, _air_srm,
                           _air_srm_compute, _air_surface, _good_day_slope)
from .backends.carbon import (_FUEL_GROUPS, _LINEAR, _SECTOR_GROUPS, CarbonBackend, _carbon_drivers, _inventory,
                              _linear_quantities, _rebuild, _year_da)
from .backends.water import (CITY, WATER_NETWORKS, WaterBackend, _classes, _join_sites, _tianning_demo,
                             _tianning_response, _water_demo, _with_classes)

__all__ = ["make", "CarbonBackend", "AirBackend", "WaterBackend"]

_MOVED = (_RESPONSES, _RESPONSES_MAX, _cached, _demo_base, _effect_from_key, _progress, _resolve_region, _where,
          _AIR_SRM_EXTRA, SRM_EXTRA, _air_baseline, _air_demo, _air_kwargs, _air_srm, _air_srm_compute, _air_surface,
          _good_day_slope, _FUEL_GROUPS, _LINEAR, _SECTOR_GROUPS, _carbon_drivers, _inventory, _linear_quantities,
          _rebuild, _year_da, CITY, WATER_NETWORKS, _classes, _join_sites, _tianning_demo, _tianning_response,
          _water_demo, _with_classes)  # re-exported names (listed so linters see them used)
