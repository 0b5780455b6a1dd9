"""Unit vocabulary and conversions at the boundary.

ecomodel works in fixed model units inside its kernels (µg/m³ for air, mg/L for water, m³/s for
flow, t/yr for annual emissions and loads, kg/d for daily loads, Mt for CO2). Users may hand in
other units; they are converted once, here. Unknown or incompatible units raise
:class:`~ecomodel.errors.UnitError`.

A year is 365 days in every rate conversion (``t/yr`` ↔ ``kg/d``), as in annual load reporting.

Examples
--------
>>> convert(1.0, "mg/L", "ug/L")
1000.0
>>> convert(365.0, "t/yr", "kg/d")
1000.0
>>> canonical("µg/m³")
'ug/m3'

CF outputs (:func:`ecomodel._cf.conform`) write some units in UDUNITS-2 spellings (money with the
currency counted as 1 and ``currency = "CNY"``, tce as GJ, ``MW h``); those spellings are aliases
here, so a conformed output converts as before:

>>> canonical("1e8"), canonical("2.93076e5 GJ"), canonical("1e-4 t"), canonical("t/(MW h)")
('10^8 CNY', '10^4 tce', 't/10^4 CNY', 't/MWh')
>>> display("ug/m3"), display("10^4 tce")
('µg/m³', '10⁴ tce')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import UnitError, close_matches

if TYPE_CHECKING:
    import numpy.typing as npt
    import xarray as xr

__all__ = ["canonical", "dimension", "convert", "factor", "require", "display", "UNITS", "SECONDS_PER_DAY", "DAYS_PER_YEAR"]

SECONDS_PER_DAY = 86400.0
DAYS_PER_YEAR = 365.0
_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY

#: canonical unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    # mass per volume (base kg/m3)
    "kg/m3": ("mass_concentration", 1.0),
    "g/m3": ("mass_concentration", 1e-3),
    "mg/m3": ("mass_concentration", 1e-6),
    "ug/m3": ("mass_concentration", 1e-9),
    "mg/L": ("mass_concentration", 1e-3),
    "ug/L": ("mass_concentration", 1e-6),
    # volume flow (base m3/s)
    "m3/s": ("volume_flow", 1.0),
    "m3/d": ("volume_flow", 1.0 / SECONDS_PER_DAY),
    "L/s": ("volume_flow", 1e-3),
    "10^4 m3/d": ("volume_flow", 1e4 / SECONDS_PER_DAY),
    "10^8 m3/yr": ("volume_flow", 1e8 / _YEAR),
    # mass flow (base kg/s)
    "kg/s": ("mass_flow", 1.0),
    "g/s": ("mass_flow", 1e-3),
    "kg/d": ("mass_flow", 1.0 / SECONDS_PER_DAY),
    "t/d": ("mass_flow", 1e3 / SECONDS_PER_DAY),
    "kg/yr": ("mass_flow", 1.0 / _YEAR),
    "t/yr": ("mass_flow", 1e3 / _YEAR),
    "10^4 t/yr": ("mass_flow", 1e7 / _YEAR),
    # mass (base kg)
    "g": ("mass", 1e-3),
    "kg": ("mass", 1.0),
    "t": ("mass", 1e3),
    "kt": ("mass", 1e6),
    "10^4 t": ("mass", 1e7),
    "Mt": ("mass", 1e9),
    # length, area, volume
    "m": ("length", 1.0),
    "km": ("length", 1e3),
    "m2": ("area", 1.0),
    "ha": ("area", 1e4),
    "km2": ("area", 1e6),
    "mu": ("area", 1e4 / 15.0),
    "m3": ("volume", 1.0),
    "10^4 m3": ("volume", 1e4),
    "10^8 m3": ("volume", 1e8),
    # velocity
    "m/s": ("velocity", 1.0),
    "m/d": ("velocity", 1.0 / SECONDS_PER_DAY),
    "km/h": ("velocity", 1e3 / 3600.0),
    # first-order rate
    "1/s": ("rate", 1.0),
    "1/h": ("rate", 1.0 / 3600.0),
    "1/d": ("rate", 1.0 / SECONDS_PER_DAY),
    "1/yr": ("rate", 1.0 / _YEAR),
    # time
    "s": ("time", 1.0),
    "h": ("time", 3600.0),
    "d": ("time", SECONDS_PER_DAY),
    "yr": ("time", _YEAR),
    # dimensionless
    "1": ("dimensionless", 1.0),
    "%": ("dimensionless", 1e-2),
    # temperature (offset handled in convert)
    "degC": ("temperature", 1.0),
    "K": ("temperature", 1.0),
    # energy (base GJ); tce = 29.3076 GJ (GB/T 2589-2020, 7000 kcal/kg)
    "MJ": ("energy", 1e-3),
    "GJ": ("energy", 1.0),
    "TJ": ("energy", 1e3),
    "PJ": ("energy", 1e6),
    "kWh": ("energy", 3.6e-3),
    "MWh": ("energy", 3.6),
    "GWh": ("energy", 3.6e3),
    "tce": ("energy", 29.3076),
    "10^4 tce": ("energy", 29.3076e4),
    # money (base CNY)
    "CNY": ("money", 1.0),
    "10^4 CNY": ("money", 1e4),
    "10^8 CNY": ("money", 1e8),
    # precipitation depth rate
    "mm/d": ("depth_rate", 1.0),
    # deposition flux (base kg m-2 s-1); dustfall: a month is a twelfth of the 365-day year
    "t km-2 month-1": ("deposition_flux", 1e3 / 1e6 / (_YEAR / 12.0)),
    "t km-2 yr-1": ("deposition_flux", 1e3 / 1e6 / _YEAR),
    # intensities (base t/CNY, GJ/CNY, kg/GJ)
    "t/10^4 CNY": ("mass_per_money", 1e-4),
    "tce/10^4 CNY": ("energy_per_money", 29.3076e-4),
    "t/MWh": ("mass_per_energy", 1e3 / 3.6),
    "kg/GJ": ("mass_per_energy", 1.0),
}

_ALIASES = {
    "µg/m³": "ug/m3", "μg/m³": "ug/m3", "µg/m3": "ug/m3", "μg/m3": "ug/m3", "ug m-3": "ug/m3",
    "ug/m^3": "ug/m3", "微克/立方米": "ug/m3",
    "mg/m³": "mg/m3", "mg m-3": "mg/m3", "毫克/立方米": "mg/m3",
    "mg/l": "mg/L", "mg l-1": "mg/L", "mg L-1": "mg/L", "g/m³": "g/m3", "毫克/升": "mg/L",
    "ug/l": "ug/L", "µg/L": "ug/L", "μg/L": "ug/L",
    "m³/s": "m3/s", "m3 s-1": "m3/s", "m^3/s": "m3/s", "m³/d": "m3/d", "m3 d-1": "m3/d",
    "kg d-1": "kg/d", "kg/day": "kg/d", "t/a": "t/yr", "t a-1": "t/yr", "t yr-1": "t/yr",
    "t/year": "t/yr", "吨/年": "t/yr", "kg/a": "kg/yr", "kg/year": "kg/yr",
    "tonne": "t", "tonnes": "t", "吨": "t", "万吨": "10^4 t", "Mt CO2": "Mt", "MtCO2": "Mt",
    "t CO2": "t", "tCO2": "t", "万吨/年": "10^4 t/yr",
    "万立方米": "10^4 m3", "亿立方米": "10^8 m3", "万吨/日": "10^4 m3/d", "万吨/天": "10^4 m3/d",
    "m³": "m3", "m²": "m2", "hectare": "ha", "km²": "km2", "亩": "mu",
    "d-1": "1/d", "day-1": "1/d", "per day": "1/d", "s-1": "1/s", "yr-1": "1/yr",
    "day": "d", "days": "d", "year": "yr", "a": "yr",
    "percent": "%", "pct": "%", "fraction": "1", "": "1", "-": "1", "dimensionless": "1",
    "°C": "degC", "℃": "degC", "C": "degC", "celsius": "degC", "kelvin": "K",
    "吨标准煤": "tce", "万吨标准煤": "10^4 tce", "元": "CNY", "万元": "10^4 CNY", "亿元": "10^8 CNY",
    "mm": "mm/d", "mm day-1": "mm/d",
    "t/(km2·month)": "t km-2 month-1", "t/(km2 month)": "t km-2 month-1", "t/km2/month": "t km-2 month-1",
    "t/(km²·month)": "t km-2 month-1", "t/(月·km2)": "t km-2 month-1", "吨/(月·平方公里)": "t km-2 month-1",
    "吨/月·平方公里": "t km-2 month-1", "吨/平方千米·月": "t km-2 month-1", "t/km2/yr": "t km-2 yr-1",
    # UDUNITS-2 spellings written by ecomodel._cf.conform (money: currency counted as 1)
    "1e4": "10^4 CNY", "1e8": "10^8 CNY", "1e-4 t": "t/10^4 CNY", "2.93076e-3 GJ": "tce/10^4 CNY",
    "29.3076 GJ": "tce", "2.93076e5 GJ": "10^4 tce", "kW h": "kWh", "MW h": "MWh", "GW h": "GWh",
    "t/(MW h)": "t/MWh", "666.6667 m2": "mu", "class": "1", "tCO2/MWh": "t/MWh", "t CO2/MWh": "t/MWh",
    "1e4 t": "10^4 t", "1e4 t/yr": "10^4 t/yr", "1e4 m3": "10^4 m3", "1e8 m3": "10^8 m3",
    "1e4 m3/d": "10^4 m3/d", "1e8 m3/yr": "10^8 m3/yr",
}
_LOWER = {k.lower(): k for k in UNITS}


def canonical(unit: str) -> str:
    """Return the canonical spelling of *unit* (``'µg/m³'`` → ``'ug/m3'``).

    Raises
    ------
    UnitError
        If the unit is not in the vocabulary.
    """
    if not isinstance(unit, str):
        raise UnitError(f"unit {unit!r} is not a string; expected one of the unit names in ecomodel.units.UNITS",
                        field="units", value=unit)
    u = unit.strip()
    if u in UNITS:
        return u
    if u in _ALIASES:
        return _ALIASES[u]
    if u.lower() in _LOWER:
        return _LOWER[u.lower()]
    if u.lower() in _ALIASES:
        return _ALIASES[u.lower()]
    raise UnitError(f"unknown unit {unit!r}" + close_matches(u, list(UNITS)), field="units", value=unit,
                    expected="a unit in ecomodel.units.UNITS")


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def display(unit: str) -> str:
    """Typeset *unit* for a figure or a report: ``'ug/m3'`` → ``'µg/m³'``, ``'10^4 tce'`` → ``'10⁴ tce'``,
    ``'degC'`` → ``'°C'`` (any string; unknown ones are returned with the same replacements)."""
    import re

    u = str(unit)
    u = re.sub(r"\^(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPT), u)
    u = re.sub(r"\bug\b", "µg", u)
    u = re.sub(r"\b(km|m)([23])\b", lambda m: m.group(1) + m.group(2).translate(_SUPERSCRIPT), u)
    return u.replace("degC", "°C")


def dimension(unit: str) -> str:
    """Physical dimension of *unit* (``'mass_concentration'``, ``'volume_flow'`` …)."""
    return UNITS[canonical(unit)][0]


def factor(from_unit: str, to_unit: str) -> float:
    """Multiplicative factor converting values in *from_unit* to *to_unit* (not for temperature)."""
    a, b = canonical(from_unit), canonical(to_unit)
    da, fa = UNITS[a]
    db, fb = UNITS[b]
    if da != db:
        raise UnitError(f"cannot convert {from_unit!r} ({da}) to {to_unit!r} ({db})", field="units",
                        value=from_unit, expected=f"a {db} unit")
    if da == "temperature" and a != b:
        raise UnitError("temperature conversion has an offset; use convert()", field="units", value=from_unit)
    return fa / fb


def convert(values: npt.ArrayLike | xr.DataArray, from_unit: str, to_unit: str) -> float | np.ndarray | xr.DataArray:
    """Convert *values* from *from_unit* to *to_unit*.

    Parameters
    ----------
    values : float, array-like or xarray.DataArray
        Values to convert. A DataArray keeps its coordinates and gets ``attrs['units']`` updated.
    from_unit, to_unit : str
        Unit names (canonical or an alias such as ``'µg/m³'``).

    Returns
    -------
    Same type as *values* (a Python float for scalar input).
    """
    a, b = canonical(from_unit), canonical(to_unit)
    if dimension(a) == "temperature" and a != b:
        out = values + 273.15 if a == "degC" else values - 273.15
    else:
        f = factor(a, b)
        out = values * f if f != 1.0 else values
    if hasattr(out, "attrs"):
        out = out.copy()
        out.attrs = dict(getattr(values, "attrs", {}))
        out.attrs["units"] = b
        return out
    if np.ndim(out) == 0:
        return float(out)
    return np.asarray(out, dtype=float)


def require(obj: npt.ArrayLike | xr.DataArray, to_unit: str, *, field: str,
            default: str | None = None) -> float | np.ndarray | xr.DataArray:
    """Return *obj* (a DataArray, or values with ``default`` units) converted to *to_unit*.

    The units are read from ``obj.attrs['units']``; when absent, *default* is assumed if given,
    otherwise a :class:`UnitError` names *field*.
    """
    unit = getattr(obj, "attrs", {}).get("units", default)
    if unit is None:
        raise UnitError(f"{field}: no 'units' attribute; expected units compatible with {to_unit!r}",
                        field=field, expected=to_unit)
    try:
        return convert(obj, unit, to_unit)
    except UnitError as err:
        raise UnitError(f"{field}: {err}", field=field, value=unit, expected=to_unit) from None
