"""Air quality: multi-box PM2.5 model, meteorology, emissions, response surface, indicators.

The model behind "PM2.5 36 → 34 µg/m³ by 2025, good days ≥ 83.8 %": boxes for the Changzhou
districts and Jiangyin inside a Yangtze-River-Delta background box, an emission inventory by
sector and pollutant, daily stochastic meteorology, sulfate/nitrate/ammonium/SOA chemistry with
NH3–HNO3–H2SO4 partitioning, annual indicators (annual mean, P95, days above 75 µg/m³, good-day
ratio via :mod:`ecomodel.standards`), a calibration to the plans' observed means and a polynomial
response surface for screening millions of reduction packages.

Importing this package is light: every name below is loaded on first use and nothing compiles
until a simulation runs.

Main entry points
-----------------
:func:`demo` — embedded Changzhou inventory, domain, weather settings, observations, calibration.
:func:`simulate` — daily ``(time, member, box)`` components of PM2.5.
:func:`annual_indicators`, :func:`trajectory`, :func:`project` — yearly indicators, 2020–2030
trajectories and the ``(year, member, region)`` projection read by ``ecomodel.targets.check``.
:func:`dustfall` — monthly and annual dustfall [t km-2 month-1] from the dust sector (``deposition``).
:class:`ResponseSurface` — fitted emulator with ``.predict`` and ``.error_``.
:func:`calibrate` — fit inventory and background scales to the observations; reports residuals.

Examples
--------
>>> from ecomodel import air
>>> d = air.demo()
>>> sorted(d.domain.local_boxes())[:3]
['天宁', '新北', '武进']
"""

from __future__ import annotations

from .._lazy import lazy_namespace

_API = {
    "simulate": "box", "Domain": "box", "load_domain": "box", "steady_state_concentration": "box",
    "OUTPUT_VARIABLES": "box",
    "Inventory": "emissions", "load_inventory": "emissions", "reduction_factors": "emissions",
    "schedule_factors": "emissions", "fractions_from_amounts": "emissions", "SECTORS": "emissions",
    "POLLUTANTS": "emissions",
    "MeteorologySettings": "meteorology", "generate_meteorology": "meteorology", "load_meteorology": "meteorology",
    "check_meteorology": "meteorology", "load_climatology": "meteorology",
    "ProcessParameters": "parameters",
    "partition": "chemistry", "nitrate_dissociation_constant": "chemistry", "deliquescence_rh": "chemistry",
    "conversion_rates": "chemistry", "hydroxyl": "chemistry",
    "OzoneSettings": "ozone", "generate_ozone": "ozone",
    "annual_indicators": "indicators", "add_city_average": "indicators", "to_regions": "indicators",
    "trajectory": "projection", "project": "projection", "expected_dustfall": "projection",
    "dustfall": "deposition", "DustfallParameters": "deposition", "fit_deposited_fraction": "deposition",
    "load_dustfall_observations": "deposition",
    "ResponseSurface": "rsm",
    "calibrate": "calibration", "CalibrationResult": "calibration", "validate": "calibration",
    "local_share": "validation", "key_projects_effect": "validation",
    "demo": "demodata", "AirDemo": "demodata",
}
_SUBMODULES = {"box", "emissions", "meteorology", "parameters", "chemistry", "ozone", "indicators", "projection",
               "rsm", "calibration", "demodata", "validation", "deposition"}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_namespace(__name__, _API, _SUBMODULES)
