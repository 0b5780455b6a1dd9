"""Emission factors for energy-related CO2: net calorific values, carbon contents, oxidation rates
and grid factors for purchased electricity.

Two factor sets are shipped in ``ecomodel/data/carbon/emission_factors.csv`` (one row per fuel,
each with its source and how it was checked; see ``ecomodel/data/carbon/SOURCES.md``):

``"china"`` (default)
    Net calorific values of the Chinese energy statistics (China Energy Statistical Yearbook,
    GB/T 2589-2020 reference coefficients) with the carbon contents and oxidation rates of the
    NDRC enterprise greenhouse-gas accounting guidelines, which for the fuels used here agree with
    the provincial inventory guideline (省级温室气体清单编制指南, 试行, 2011) to three digits.
``"ipcc2006"``
    IPCC 2006 Guidelines, Volume 2, Chapter 1, Tables 1.2 (NCV) and 1.3 (carbon content), with the
    default oxidation fraction of 1.

The CO2 factor of a fuel is

.. math::

    EF_{CO_2} = NCV \\cdot CC \\cdot 10^{-3} \\cdot OF \\cdot \\frac{44}{12}

with *NCV* in GJ per physical unit, *CC* in t C/TJ and *OF* the fraction oxidised (IPCC 2006
Vol. 2 Ch. 2 Eq. 2.1 with the emission factor built from carbon content as in Ch. 1 sec. 1.4.2).
Purchased electricity is counted in the indirect scope with a regional grid factor; the default is
the 2022 East China (华东) regional average published by MEE and NBS on 2024-12-20
(0.5617 t CO2/MWh).

Any factor can be overridden, for one fuel or all.

Examples
--------
>>> ef = emission_factors()
>>> round(float(ef["co2_factor"].sel(fuel="raw_coal")), 3)   # t CO2 per t raw coal
1.866
>>> float(ef["co2_factor"].sel(fuel="electricity"))          # t CO2 per MWh, East China 2022
0.5617
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .._data import data_path
from ..errors import CarbonError, close_matches

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd
    import xarray as xr

__all__ = [
    "FUELS",
    "TCE_GJ",
    "CO2_PER_C",
    "fuel_table",
    "factor_sets",
    "grid_factors",
    "grid_factor",
    "co2_factor",
    "emission_factors",
]

#: GJ per tonne of standard coal equivalent (7000 kcal/kg, GB/T 2589-2020).
TCE_GJ = 29.3076
#: Mass ratio CO2/C (44/12).
CO2_PER_C = 44.0 / 12.0
#: GJ of final energy per MWh of electricity (calorific equivalent).
ELECTRICITY_GJ_PER_MWH = 3.6

FACTOR_FIELDS = ("ncv", "carbon_content", "oxidation", "co2_factor")


@lru_cache(maxsize=1)
def _fuels_frame():
    import pandas as pd

    return pd.read_csv(data_path("carbon", "fuels.csv"), dtype={"is_coal": bool}).set_index("fuel")


def fuel_table() -> pd.DataFrame:
    """The fuels known to the carbon module, as a :class:`pandas.DataFrame` indexed by fuel key.

    Columns: ``name_zh``, ``name_en``, ``unit`` (physical unit of the energy balance: ``t``,
    ``10^4 m3`` or ``MWh``), ``group`` (coal/oil/gas/electricity), ``scope`` (direct/indirect),
    ``is_coal`` and ``source``.

    Examples
    --------
    >>> fuel_table().loc["natural_gas", "unit"]
    '10^4 m3'
    """
    return _fuels_frame().copy()


FUELS: tuple[str, ...] = (
    "raw_coal", "washed_coal", "coke", "coke_oven_gas", "crude_oil", "gasoline", "kerosene",
    "diesel", "fuel_oil", "lpg", "natural_gas", "electricity",
)


@lru_cache(maxsize=1)
def _factor_frame():
    import pandas as pd

    return pd.read_csv(data_path("carbon", "emission_factors.csv"))


def factor_sets() -> list[str]:
    """Names of the shipped factor sets.

    Examples
    --------
    >>> factor_sets()
    ['china', 'ipcc2006']
    """
    return sorted(_factor_frame()["set"].unique())


def grid_factors() -> pd.DataFrame:
    """The shipped grid emission factors for purchased electricity, as a DataFrame indexed by name.

    Columns: ``name_zh``, ``year``, ``factor`` [t CO2/MWh], ``unit``, ``source``, ``verified``.

    Examples
    --------
    >>> grid_factors().loc["east_china_2022", "year"]
    np.int64(2022)
    """
    import pandas as pd

    return pd.read_csv(data_path("carbon", "grid_factors.csv")).set_index("grid")


def grid_factor(grid: str | float = "east_china_2022") -> float:
    """Grid emission factor [t CO2/MWh] by name, or a number checked and passed through.

    Parameters
    ----------
    grid : str or float
        A name from :func:`grid_factors` (default ``'east_china_2022'``, MEE/NBS 2022 East China
        regional average, 0.5617 t CO2/MWh) or a factor [t CO2/MWh].

    Examples
    --------
    >>> grid_factor("national_2022")
    0.5366
    >>> grid_factor(0.6)
    0.6
    """
    if isinstance(grid, str):
        table = grid_factors()
        if grid not in table.index:
            raise CarbonError(f"grid: unknown grid factor {grid!r}" + close_matches(grid, table.index),
                              field="grid", value=grid, expected=f"one of {list(table.index)} or a number [t/MWh]")
        return float(table.loc[grid, "factor"])
    value = _check_number(grid, "grid", "a grid factor [t CO2/MWh] >= 0")
    return value


def _check_number(value, field: str, expected: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise CarbonError(f"{field}: {value!r} is not a number; expected {expected}", field=field, value=value,
                          expected=expected) from None
    if not np.isfinite(v) or v < 0:
        raise CarbonError(f"{field}: {v} is not allowed; expected {expected}", field=field, value=v,
                          expected=expected)
    return v


def co2_factor(ncv: npt.ArrayLike, carbon_content: npt.ArrayLike, oxidation: npt.ArrayLike = 1.0) -> float | np.ndarray:
    """CO2 emission factor of a fuel [t CO2 per physical unit].

    Parameters
    ----------
    ncv : float or array-like
        Net calorific value [GJ per physical unit, e.g. GJ/t or GJ/10^4 m3].
    carbon_content : float or array-like
        Carbon content per unit of energy [t C/TJ].
    oxidation : float or array-like
        Fraction of the carbon oxidised [0–1].

    Returns
    -------
    float or numpy.ndarray
        ``ncv * carbon_content * 1e-3 * oxidation * 44/12`` [t CO2 per physical unit]
        (IPCC 2006 Vol. 2 Ch. 1 sec. 1.4.2 and Ch. 2 Eq. 2.1).

    Examples
    --------
    >>> round(co2_factor(43.0, 20.2), 3)   # IPCC diesel: 43.0 GJ/t x 74.07 kg CO2/GJ
    3.185
    """
    out = np.asarray(ncv, dtype=float) * np.asarray(carbon_content, dtype=float) * 1e-3 \
        * np.asarray(oxidation, dtype=float) * CO2_PER_C
    return float(out) if out.ndim == 0 else out


def emission_factors(factor_set: str = "china", *, grid: str | float = "east_china_2022",
                     overrides: Mapping | None = None, electricity_tce: float | None = None) -> xr.Dataset:
    """Emission factors per fuel as an :class:`xarray.Dataset` over the ``fuel`` dimension.

    Parameters
    ----------
    factor_set : str
        ``'china'`` (default) or ``'ipcc2006'`` (see the module docstring and SOURCES.md).
    grid : str or float
        Grid factor for purchased electricity: a name from :func:`grid_factors` or a value
        [t CO2/MWh]. Default: MEE/NBS 2022 East China regional average.
    overrides : mapping, optional
        ``{fuel: number}`` replaces the CO2 factor [t CO2 per physical unit] of that fuel;
        ``{fuel: {"ncv": …, "carbon_content": …, "oxidation": …, "co2_factor": …}}`` replaces any of
        those fields (units as in the returned Dataset); the CO2 factor is recomputed from the
        replaced components unless given itself. ``{"electricity": x}`` sets the grid factor.
    electricity_tce : float, optional
        Standard-coal equivalent of electricity [tce/MWh] used for energy totals. Default: the
        calorific equivalent 3.6 GJ/MWh / 29.3076 GJ/tce = 0.1228 tce/MWh (GB/T 2589-2020, 0.1229
        kgce/kWh). Pass e.g. 0.3 to count electricity at a coal-equivalent (等价值) basis.

    Returns
    -------
    xarray.Dataset
        Variables ``ncv`` [GJ per unit], ``carbon_content`` [t C/TJ], ``oxidation`` [1],
        ``co2_factor`` [t CO2 per unit], ``tce_factor`` [tce per unit] and ``co2_per_tce``
        [t CO2/tce]; coordinates ``unit``, ``name_zh``, ``group``, ``scope``, ``is_coal``.
        Electricity has no carbon content of its own: its ``carbon_content`` is 0 and its
        ``co2_factor`` is the grid factor.

    Raises
    ------
    CarbonError
        Unknown factor set, fuel or field, or a negative / non-finite value.

    Examples
    --------
    >>> ef = emission_factors("ipcc2006", overrides={"raw_coal": {"ncv": 20.908}})
    >>> round(float(ef["co2_factor"].sel(fuel="raw_coal")), 4)
    1.9779
    >>> float(emission_factors(grid=0.7)["co2_factor"].sel(fuel="electricity"))
    0.7
    """
    ncv, cc, ox, source = _set_factors(factor_set)
    co2 = co2_factor(ncv, cc, ox)
    co2[FUELS.index("electricity")] = grid_factor(grid)
    grid_label = grid if isinstance(grid, str) else f"user value {float(grid)} t/MWh"
    if overrides:
        grid_label = _apply_overrides(overrides, ncv, cc, ox, co2, source, grid_label)
    elec_tce, basis = _electricity_tce(electricity_tce)
    tce = ncv / TCE_GJ
    tce[FUELS.index("electricity")] = elec_tce
    with np.errstate(divide="ignore", invalid="ignore"):
        per_tce = np.where(tce > 0, co2 / np.where(tce > 0, tce, 1.0), 0.0)
    if np.any((tce <= 0) & (co2 > 0)):
        bad = FUELS[int(np.argmax((tce <= 0) & (co2 > 0)))]
        raise CarbonError(f"overrides[{bad!r}]: ncv 0 with a positive CO2 factor; expected ncv > 0",
                          field=f"overrides[{bad}]", value=0.0, expected="ncv > 0")
    return _factor_dataset(ncv, cc, ox, co2, tce, per_tce, source,
                           {"factor_set": factor_set, "grid": grid_label, "electricity_energy_basis": basis})


def _set_factors(factor_set: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(NCV, carbon content, oxidation, source text) per fuel of a factor set (electricity: NCV only)."""
    table = _factor_frame()
    if factor_set not in set(table["set"]):
        raise CarbonError(f"factor_set: unknown factor set {factor_set!r}" + close_matches(factor_set, factor_sets()),
                          field="factor_set", value=factor_set, expected=f"one of {factor_sets()}")
    rows = table[table["set"] == factor_set].set_index("fuel")
    n = len(FUELS)
    ncv = np.zeros(n)
    cc = np.zeros(n)
    ox = np.ones(n)
    source = []
    for k, fuel in enumerate(FUELS):
        if fuel == "electricity":
            ncv[k] = ELECTRICITY_GJ_PER_MWH
            source.append("grid factor")
            continue
        row = rows.loc[fuel]
        ncv[k], cc[k], ox[k] = float(row["ncv"]), float(row["carbon_content"]), float(row["oxidation"])
        source.append(f"NCV: {row['ncv_source']}; carbon: {row['carbon_source']}; oxidation: {row['oxidation_source']}")
    return ncv, cc, ox, source


def _apply_overrides(overrides: Mapping, ncv: np.ndarray, cc: np.ndarray, ox: np.ndarray, co2: np.ndarray,
                     source: list[str], grid_label: str) -> str:
    """Apply ``overrides`` to the factor arrays in place; returns the (possibly overridden) grid label."""
    if not isinstance(overrides, Mapping):
        raise CarbonError(f"overrides: expected a mapping fuel -> value or dict, got {type(overrides).__name__}",
                          field="overrides", value=overrides, expected="a mapping")
    for fuel, spec in overrides.items():
        if fuel not in FUELS:
            raise CarbonError(f"overrides: unknown fuel {fuel!r}" + close_matches(str(fuel), FUELS),
                              field="overrides", value=fuel, expected=f"one of {list(FUELS)}")
        k = FUELS.index(fuel)
        if isinstance(spec, Mapping):
            _apply_field_overrides(fuel, k, spec, ncv, cc, ox, co2)
        else:
            co2[k] = _check_number(spec, f"overrides[{fuel!r}]", "a CO2 factor >= 0 [t CO2 per unit]")
        source[k] = f"user override ({spec!r})"
        if fuel == "electricity":
            grid_label = f"user override {co2[k]} t/MWh"
    return grid_label


def _apply_field_overrides(fuel: str, k: int, spec: Mapping, ncv: np.ndarray, cc: np.ndarray, ox: np.ndarray,
                           co2: np.ndarray) -> None:
    """Apply one fuel's ``{field: value}`` override in place, recomputing its CO2 factor unless given."""
    bad = set(spec) - set(FACTOR_FIELDS)
    if bad:
        raise CarbonError(f"overrides[{fuel!r}]: unknown field(s) {sorted(bad)}; expected some of "
                          f"{list(FACTOR_FIELDS)}", field=f"overrides[{fuel}]", value=sorted(bad),
                          expected=str(list(FACTOR_FIELDS)))
    if "ncv" in spec:
        ncv[k] = _check_number(spec["ncv"], f"overrides[{fuel!r}]['ncv']", "a value >= 0 [GJ per unit]")
    if "carbon_content" in spec:
        cc[k] = _check_number(spec["carbon_content"], f"overrides[{fuel!r}]['carbon_content']",
                              "a value >= 0 [t C/TJ]")
    if "oxidation" in spec:
        ox[k] = _check_number(spec["oxidation"], f"overrides[{fuel!r}]['oxidation']", "a fraction 0-1")
        if ox[k] > 1:
            raise CarbonError(f"overrides[{fuel!r}]['oxidation']: {ox[k]} > 1; expected a fraction 0-1",
                              field=f"overrides[{fuel}]", value=ox[k], expected="0 <= x <= 1")
    if "co2_factor" in spec:
        co2[k] = _check_number(spec["co2_factor"], f"overrides[{fuel!r}]['co2_factor']",
                               "a value >= 0 [t CO2 per unit]")
    elif fuel != "electricity":
        co2[k] = co2_factor(ncv[k], cc[k], ox[k])


def _electricity_tce(electricity_tce: float | None) -> tuple[float, str]:
    """(standard-coal equivalent of electricity [tce/MWh], text naming the basis)."""
    if electricity_tce is None:
        return ELECTRICITY_GJ_PER_MWH / TCE_GJ, "calorific equivalent, 3.6 GJ/MWh"
    elec_tce = _check_number(electricity_tce, "electricity_tce", "a value > 0 [tce/MWh]")
    if elec_tce == 0:
        raise CarbonError("electricity_tce: 0 is not allowed; expected a value > 0 [tce/MWh]",
                          field="electricity_tce", value=0.0, expected="> 0")
    return elec_tce, f"user basis {elec_tce} tce/MWh"


def _factor_dataset(ncv: np.ndarray, cc: np.ndarray, ox: np.ndarray, co2: np.ndarray, tce: np.ndarray,
                    per_tce: np.ndarray, source: list[str], attrs: dict[str, str]) -> xr.Dataset:
    """The Dataset of :func:`emission_factors` over ``fuel``, with the fuel table's coordinates."""
    import xarray as xr

    fuels = fuel_table()
    coords = {
        "fuel": list(FUELS),
        "unit": ("fuel", [fuels.loc[f, "unit"] for f in FUELS]),
        "name_zh": ("fuel", [fuels.loc[f, "name_zh"] for f in FUELS]),
        "group": ("fuel", [fuels.loc[f, "group"] for f in FUELS]),
        "scope": ("fuel", [fuels.loc[f, "scope"] for f in FUELS]),
        "is_coal": ("fuel", [bool(fuels.loc[f, "is_coal"]) for f in FUELS]),
    }
    return xr.Dataset(
        {
            "ncv": ("fuel", ncv, {"units": "GJ per physical unit", "long_name": "net calorific value"}),
            "carbon_content": ("fuel", cc, {"units": "t C/TJ", "long_name": "carbon content per unit energy"}),
            "oxidation": ("fuel", ox, {"units": "1", "long_name": "fraction of carbon oxidised"}),
            "co2_factor": ("fuel", co2, {"units": "t CO2 per physical unit", "long_name": "CO2 emission factor"}),
            "tce_factor": ("fuel", tce, {"units": "tce per physical unit",
                                         "long_name": "standard coal equivalent per physical unit"}),
            "co2_per_tce": ("fuel", per_tce, {"units": "t CO2/tce", "long_name": "CO2 per tonne coal equivalent"}),
            "source": ("fuel", source),
        },
        coords=coords,
        attrs={**attrs,
               "references": "IPCC 2006 GL Vol.2 Ch.1-2; China Energy Statistical Yearbook / GB/T 2589-2020; "
                             "NDRC enterprise GHG accounting guidelines; MEE & NBS 2022 electricity CO2 factors"},
    )
