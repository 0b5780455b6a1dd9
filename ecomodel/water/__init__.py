"""Water quality: river-network and lake model of TP, NH3-N and COD at monitoring sections.

The public API is loaded lazily (importing :mod:`ecomodel.water` imports neither numba nor scipy
and compiles nothing):

- :class:`RiverNetwork` — reach table, validation, topological order (``network``);
- :func:`steady` (``steadystate``), :func:`route`, :class:`Kinetics`, :class:`RouteOptions`,
  :class:`DailyLoads` — steady and daily unsteady transport (``routing``);
- sources, lakes, sections, calibration, load estimation, the Wujin demo and :func:`project`.

>>> import ecomodel.water as water
>>> {"RiverNetwork", "steady", "route", "demo", "project"} <= set(water.__all__)
True
"""

from __future__ import annotations

from .._lazy import lazy_namespace

_API = {
    "RiverNetwork": "network",
    "read_network": "network",
    "steady": "steadystate",
    "route": "routing",
    "DailyLoads": "_inputs",
    "RouteState": "routing",
    "Kinetics": "routing",
    "RouteOptions": "routing",
    "loss_rate": "steadystate",
    "transmission": "steadystate",
    "Sources": "sources",
    "point_source_loads": "sources",
    "diffuse_loads": "sources",
    "EXPORT_COEFFICIENTS": "sources",
    "Lake": "lake",
    "vollenweider_concentration": "lake",
    "vollenweider_1976": "lake",
    "sediment_pool_step": "lake",
    "dredge": "lake",
    "section_table": "sections",
    "assess": "sections",
    "check_targets": "sections",
    "calibrate": "calibration",
    "CalibrationResult": "calibration",
    "ratio_estimator": "loads",
    "rating_curve": "loads",
    "demo": "wujin",
    "WujinDemo": "wujin",
    "project": "projection",
    "lake_classes": "projection",
    "lake_sites": "projection",
    "tonnes_to_fractions": "projection",
    "demo_package": "projection",
    "schedule": "projection",
    "LoadEstimate": "loads",
    "fit": "calibration",
    "section_classes": "assessment",
    "section_shares": "assessment",
    "apportion": "apportion",
    "validate": "validation",
    "read_geojson": "import_",
    "network_demo": "networks",
    "section_ensemble": "networks",
    "read_geopackage": "import_",
    "network_from_geojson": "import_",
    "bootstrap": "validation",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_namespace(__name__, _API)
