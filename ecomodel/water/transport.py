"""Steady and unsteady transport (compatibility module).

The solvers live in :mod:`ecomodel.water.steadystate` (loss rates, reach shares, :func:`steady`)
and :mod:`ecomodel.water.routing` (:func:`route`, :class:`RouteState`, :class:`Kinetics`,
:class:`RouteOptions`); input parsing shared by both is in :mod:`ecomodel.water._inputs`. This
module re-exports their names so ``from ecomodel.water.transport import ...`` keeps working.
"""

from __future__ import annotations

from ._inputs import DailyLoads, _daily_loads, _lateral_flow_input, _load_matrix, _per_substance  # noqa: F401
from .routing import (TIME_CHUNK, Kinetics, RouteOptions, RouteState, _choose_plan, _coefficients,  # noqa: F401
                      _plan, route)
from .steadystate import KG_PER_DAY_TO_MG_PER_L, _loss_rates, loss_rate, steady, transmission  # noqa: F401

__all__ = ["steady", "route", "DailyLoads", "RouteState", "Kinetics", "RouteOptions", "transmission", "loss_rate",
           "KG_PER_DAY_TO_MG_PER_L"]
