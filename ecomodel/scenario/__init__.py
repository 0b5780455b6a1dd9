"""Scenarios: measures and packages as TOML files, integrated runs, comparison and optimisation.

- :class:`Measure`, :class:`Effect`, :class:`Cost`, :class:`Package`, :class:`Scenario` — typed,
  validated objects (``model``); :func:`load_package`, :func:`load_scenario`, :func:`dump` — TOML
  files whose errors name the file, table and field (``files``);
- :func:`run` — one scenario through the air, water and carbon models → ``xarray.DataTree``;
  :func:`compare` — several, stacked along ``scenario`` with cost, attainment probability and
  cost-effectiveness; :func:`run_many` — on a dask.distributed ``Client`` when given (``run``);
- :func:`optimise` — the cheapest set of measures meeting every chosen target (``optimise``);
- :func:`run_demo` — the Changzhou demo behind ``ecomodel demo`` (``demo``).

How the modules (rooms) depend on each other: ``ARCHITECTURE.md`` beside this file.

Importing this package imports neither scipy, matplotlib nor numba.

Examples
--------
>>> from ecomodel.scenario import load_package
>>> pkg = load_package("changzhou_2023_key_projects")
>>> pkg.ids[:2]
['nox_key_projects', 'vocs_key_projects']
"""

from .demo import demo_scenario, demo_scenarios, run_demo
from .files import dump, dumps, embedded_packages, load, load_package, load_scenario, loads
from .model import (DEFAULT_DISCOUNT_RATE, DOMAINS, POLLUTANTS, Cost, Effect, Measure, Package, Scenario,
                    capital_recovery_factor, combine_fractions)
from .backends import register_backend
from .optimise import OptimisationResult, optimise
from .run import compare, run, run_many
from .schedule import reduction_schedule
from .specs import TargetSpec, parse_target

__all__ = [
    "DEFAULT_DISCOUNT_RATE", "DOMAINS", "POLLUTANTS", "Cost", "Effect", "Measure", "Package", "Scenario",
    "OptimisationResult", "TargetSpec", "capital_recovery_factor", "combine_fractions", "compare", "demo_scenario",
    "demo_scenarios", "dump", "dumps", "embedded_packages", "load", "load_package", "load_scenario", "loads",
    "optimise", "parse_target", "reduction_schedule", "register_backend", "run", "run_demo", "run_many",
]
