"""Carbon: energy-based CO2 inventory, projections against intensity targets, peak year, LMDI
decomposition and air-pollutant co-benefits.

Public API (loaded lazily, so ``import ecomodel.carbon`` imports neither numba nor scipy):

- :func:`emission_factors`, :func:`grid_factor`, :func:`fuel_table` — factors (``factors``)
- :func:`energy_balance`, :func:`co2_inventory` — energy balance → CO2 by sector and fuel (``inventory``)
- :class:`Drivers`, :func:`project`, :func:`peak_year` — projections 2020–2035 (``projection``)
- :func:`for_check`, :func:`national_peak_rows` — projections against the target registry (``checks``)
- :func:`lmdi_decomposition` — LMDI-I additive/multiplicative decomposition (``lmdi``)
- :func:`air_cobenefits`, :func:`fuel_switch`, :func:`efficiency`, :func:`as_air_reductions` —
  SO2/NOx/PM2.5 co-benefits in the air model's layout (``cobenefits``)
- :func:`to_iamc`, :func:`from_iamc` — IAMC long tables (``iamc``)
- :func:`demo_drivers`, :func:`demo_balance`, :func:`demo_scenarios` — the Changzhou-like demo
  data (``demo``)

Examples
--------
>>> from ecomodel import carbon
>>> sorted(carbon.factor_sets())
['china', 'ipcc2006']
"""

from __future__ import annotations

from .._lazy import lazy_namespace

_EXPORTS = {
    "FUELS": "factors", "emission_factors": "factors", "grid_factor": "factors", "grid_factors": "factors",
    "fuel_table": "factors", "factor_sets": "factors", "co2_factor": "factors",
    "energy_balance": "inventory", "co2_inventory": "inventory", "coal_share": "inventory",
    "Drivers": "projection", "project": "projection", "peak_year": "projection", "sample_parameters": "projection",
    "lmdi_decomposition": "lmdi", "log_mean": "lmdi", "lmdi_inputs": "lmdi",
    "air_cobenefits": "cobenefits", "cobenefit_factors": "cobenefits", "fuel_switch": "cobenefits",
    "efficiency": "cobenefits", "as_air_reductions": "cobenefits", "AIR_SECTORS": "cobenefits",
    "AIR_POLLUTANTS": "cobenefits",
    "for_check": "checks", "national_peak_rows": "checks",
    "to_iamc": "iamc", "from_iamc": "iamc",
    "demo_balance": "demo", "demo_drivers": "demo", "demo_scenarios": "demo", "demo_regions": "demo",
}
_SUBMODULES = {"checks", "factors", "inventory", "projection", "lmdi", "cobenefits", "iamc", "demo"}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_namespace(__name__, _EXPORTS, _SUBMODULES)
