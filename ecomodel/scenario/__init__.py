"""Scenarios: measures and packages as TOML files, integrated runs, comparison and optimisation."""

from .files import dump, dumps, embedded_packages, load, load_package, load_scenario, loads
from .model import (DEFAULT_DISCOUNT_RATE, DOMAINS, POLLUTANTS, Cost, Effect, Measure, Package, Scenario,
                    capital_recovery_factor, combine_fractions)

__all__ = [
    "DEFAULT_DISCOUNT_RATE", "DOMAINS", "POLLUTANTS", "Cost", "Effect", "Measure", "Package", "Scenario",
    "capital_recovery_factor", "combine_fractions", "dump", "dumps", "embedded_packages", "load", "load_package",
    "load_scenario", "loads",
]
