"""Air-pollutant co-benefits of fuel switching and efficiency: SO2, NOx and primary PM2.5 [t/yr] in
the air model's sector × pollutant layout.

A change of the energy balance (:func:`fuel_switch`, :func:`efficiency`, or any two balances) is
turned into emission changes with fuel- and sector-specific emission factors
(``ecomodel/data/carbon/cobenefit_factors.csv``, one row per air sector, fuel and pollutant, each
with its basis and source):

.. math::

    \\Delta M_{kp} = \\sum_{i \\in k} \\sum_j \\left(E^{base}_{ij} - E^{scen}_{ij}\\right) EF_{kjp}

with *k* the air-model sector of carbon sector *i*, *p* the pollutant and :math:`EF_{kjp}` [kg per
physical unit]. Controlled stationary sources use the national emission limits
(GB 13223-2011 with the 2015 ultra-low emission limits for power, GB 13271-2014 special limits for
industrial boilers) times the dry flue-gas volume of the fuel (EPA Method 19 F-factors corrected to
0 °C and the reference O2); small combustion uses US EPA AP-42 factors; vehicles, ships and
aircraft use fuel-based factors with the sulfur limits of the Chinese fuel standards. Several
factors are stated assumptions — see ``SOURCES.md``. Purchased electricity has no local emissions
here (the power plants may lie outside the region); NH3, VOCs, dust and solvent rows are zero by
construction (not estimated) and flagged in the result's attributes.

Examples
--------
>>> from ecomodel.carbon import demo_balance
>>> base = demo_balance(["常州市天宁区"]).isel(region=0, drop=True)
>>> scen = fuel_switch(base, "textiles", "raw_coal", "natural_gas", 0.5)
>>> red = air_cobenefits(base, scen)
>>> red.dims
('sector', 'pollutant')
>>> bool(red.sel(sector="industry", pollutant="SO2") > 0)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .. import vocabulary
from .._cf import cf_attrs
from .._data import data_path
from ..errors import CarbonError, close_matches
from .factors import FUELS, emission_factors

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["AIR_SECTORS", "AIR_POLLUTANTS", "ESTIMATED_POLLUTANTS", "cobenefit_factors", "air_cobenefits", "fuel_switch",
           "efficiency", "as_air_reductions", "default_sector_map"]

#: Sectors and pollutants of the air model's inventory (ecomodel.air, from :mod:`ecomodel.vocabulary`).
AIR_SECTORS = vocabulary.AIR_SECTORS
AIR_POLLUTANTS = vocabulary.AIR_POLLUTANTS
#: Pollutants the co-benefit factors cover; the others are reported as 0 (not estimated).
ESTIMATED_POLLUTANTS = ("SO2", "NOx", "PM2.5")
#: Air sectors with combustion factors.
COMBUSTION_SECTORS = ("power", "industry", "residential", "transport")

# ---------------------------------------------------------------------------------------------------
# Factor construction (documented here so that the CSV can be rebuilt and checked by the tests)

#: EPA Method 19 (40 CFR 60 App. A-7) dry F-factors [dscf/MMBtu at 0 % O2, 68 degF]
_F_FACTOR = {"coal": 9780.0, "oil": 9190.0, "gas": 8710.0}
_DSCF_M3 = 0.0283168
_MMBTU_GJ = 1.055056
_T_CORR = 273.15 / 293.15  # 68 degF (20 degC) -> 0 degC


def _flue_gas_nm3_per_gj(kind: str, o2_ref: float) -> float:
    """Dry flue gas [Nm3/GJ, 0 degC] at reference O2 [%] from the Method 19 F-factor."""
    return _F_FACTOR[kind] * _DSCF_M3 / _MMBTU_GJ * _T_CORR * 21.0 / (21.0 - o2_ref)


_KIND = {"raw_coal": "coal", "washed_coal": "coal", "coke": "coal", "coke_oven_gas": "gas", "crude_oil": "oil",
         "gasoline": "oil", "kerosene": "oil", "diesel": "oil", "fuel_oil": "oil", "lpg": "gas", "natural_gas": "gas"}

_GB13223 = ("GB 13223-2011 with the ultra-low emission limits of 环发〔2015〕164号 (SO2 35, NOx 50, PM 10 mg/Nm3 "
            "at 6 % O2)")
_GB13223_GT = "GB 13223-2011 gas-turbine limits (NOx 50, SO2 35, PM 5 mg/Nm3 at 15 % O2)"
_GB13271 = "GB 13271-2014 special emission limits for boilers"


def _build_factor_rows() -> list[dict]:
    """The co-benefit factor table, row by row (what cobenefit_factors.csv holds)."""
    ef = emission_factors("china")
    ncv = dict(zip(FUELS, ef["ncv"].values))
    rows = _stack_limit_rows(ncv) + _mobile_rows() + _residential_rows()
    for sector in COMBUSTION_SECTORS:
        for pol in ESTIMATED_POLLUTANTS:
            rows.append(_factor_row(sector, "electricity", pol, 0.0, "no local emissions",
                                    "assumption: emissions of purchased electricity occur at the power plants, "
                                    "possibly outside the region"))
    return rows


def _factor_row(sector: str, fuel: str, pol: str, value: float, method: str, source: str) -> dict:
    """One row of the co-benefit factor table (factor rounded to 6 significant digits)."""
    return {"sector": sector, "fuel": fuel, "pollutant": pol, "factor": float(f"{value:.6g}"),
            "unit": "kg per physical unit (t, 10^4 m3)", "method": method, "source": source}


def _limit_rows(sector: str, fuel: str, so2: float, nox: float, pm: float, o2: float, pm25_frac: float, src: str,
                ncv: dict[str, float]) -> list[dict]:
    """SO2, NOx and PM2.5 rows of a fuel from stack emission limits [mg/Nm3] and its flue-gas volume."""
    rows: list[dict] = []
    add = lambda *args: rows.append(_factor_row(*args))  # noqa: E731
    v = _flue_gas_nm3_per_gj(_KIND[fuel], o2) * ncv[fuel]  # Nm3 per physical unit
    basis = (f"limit concentration x {v:.0f} Nm3 dry flue gas per unit ({_KIND[fuel]} F-factor, {o2:g} % O2, "
             "China NCV)")
    add(sector, fuel, "SO2", so2 * 1e-6 * v, f"emission limit {so2} mg/Nm3; {basis}", src)
    add(sector, fuel, "NOx", nox * 1e-6 * v, f"emission limit {nox} mg/Nm3; {basis}", src)
    add(sector, fuel, "PM2.5", pm * pm25_frac * 1e-6 * v,
        f"PM limit {pm} mg/Nm3 x PM2.5 fraction {pm25_frac} (assumption); {basis}", src)
    return rows


def _stack_limit_rows(ncv: dict[str, float]) -> list[dict]:
    """Rows of power and industry: stack emission limits (natural-gas SO2 from its sulfur limit)."""
    rows: list[dict] = []
    limits = lambda *args: rows.extend(_limit_rows(*args, ncv))  # noqa: E731
    # power: coal and oil at the ultra-low limits, gases at the gas-turbine limits
    for fuel in ("raw_coal", "washed_coal", "coke"):
        limits("power", fuel, 35, 50, 10, 6.0, 0.6, _GB13223)
    for fuel in ("crude_oil", "fuel_oil", "diesel", "kerosene", "gasoline"):
        limits("power", fuel, 35, 50, 10, 6.0, 0.8, _GB13223 + " (applied to oil firing: assumption)")
    for fuel in ("natural_gas", "coke_oven_gas", "lpg"):
        limits("power", fuel, 35, 50, 5, 15.0, 1.0, _GB13223_GT)
    # industry: boilers and furnaces at the GB 13271-2014 special limits
    for fuel in ("raw_coal", "washed_coal", "coke"):
        limits("industry", fuel, 200, 200, 30, 9.0, 0.6,
               _GB13271 + ", coal (PM 30, SO2 200, NOx 200 mg/Nm3 at 9 % O2; applied to kilns and furnaces: assumption)")
    for fuel in ("crude_oil", "fuel_oil"):
        limits("industry", fuel, 100, 200, 30, 3.5, 0.8,
               _GB13271 + ", oil (PM 30, SO2 100, NOx 200 mg/Nm3 at 3.5 % O2)")
    for fuel in ("natural_gas", "coke_oven_gas", "lpg"):
        limits("industry", fuel, 50, 150, 20, 3.5, 1.0,
               _GB13271 + ", gas (PM 20, SO2 50, NOx 150 mg/Nm3 at 3.5 % O2)")
    # natural gas carries little sulfur: SO2 from the fuel-quality limit instead of the stack limit
    for row in rows:
        if row["fuel"] == "natural_gas" and row["pollutant"] == "SO2":
            row["factor"] = 2 * 20.0 * 1e-6 * 1e4  # kg SO2 per 10^4 m3 (S -> SO2 doubles the mass)
            row["method"] = "sulfur balance: 2 x 20 mg S per m3 of gas"
            row["source"] = "GB 17820-2018 class-1 natural gas, total sulfur <= 20 mg/m3 (upper bound)"
    return rows


# fuel-based factors of mobile sources [g/kg fuel]: (SO2, NOx, PM2.5, source)
_MOBILE_FACTORS = {
    "gasoline": (0.02, 5.0, 0.1, "SO2: 2 x 10 mg/kg sulfur (GB 17930-2016 China VI gasoline); NOx and PM2.5 g/kg "
                 "fuel: assumption for a mixed China 3-6 gasoline fleet"),
    "diesel": (0.02, 25.0, 0.6, "SO2: 2 x 10 mg/kg sulfur (GB 19147-2016 China VI diesel); NOx and PM2.5 g/kg fuel: "
               "assumption for a mixed China III-VI diesel fleet and machinery"),
    "kerosene": (1.0, 12.0, 0.1, "assumption: aircraft LTO cycle, jet-fuel sulfur about 0.05 % (SO2 1 g/kg), NOx "
                 "about 12 g/kg, PM2.5 0.1 g/kg"),
    "fuel_oil": (10.0, 50.0, 1.0, "SO2: 2 x 0.5 % sulfur (domestic ship emission control area limit, 0.5 % m/m, "
                 "from 2019); NOx and PM2.5 g/kg: assumption for inland vessels (IMO Tier II ~ 9 g/kWh)"),
    "natural_gas": (0.0, 15.0, 0.05, "assumption: CNG/LNG vehicles with three-way catalysts, g/kg fuel "
                    "(0.72 kg/m3)"),
    "lpg": (0.0, 5.0, 0.05, "assumption: LPG taxis, g/kg fuel"),
    "crude_oil": (10.0, 50.0, 1.0, "assumption: as fuel oil"),
}


def _mobile_rows() -> list[dict]:
    """Rows of transport and of industrial mobile machinery (fuel-based factors), and transport's unused fuels."""
    rows: list[dict] = []
    add = lambda *args: rows.append(_factor_row(*args))  # noqa: E731
    mobile = _MOBILE_FACTORS
    per_unit = {"natural_gas": 7.2}  # t per 10^4 m3 (0.72 kg/m3): g/kg x t/unit = kg/unit
    for fuel, (so2, nox, pm, src) in mobile.items():
        mass = per_unit.get(fuel, 1.0)
        for pol, val in (("SO2", so2), ("NOx", nox), ("PM2.5", pm)):
            add("transport", fuel, pol, val * mass, "fuel-based factor [g/kg fuel] x t per unit", src)
    for fuel in ("gasoline", "diesel", "kerosene"):
        so2, nox, pm, src = mobile[fuel]
        for pol, val in (("SO2", so2), ("NOx", nox), ("PM2.5", pm)):
            add("industry", fuel, pol, val, "fuel-based factor of mobile machinery [g/kg = kg/t]",
                src + " (industrial use taken as mobile machinery: assumption)")
    for fuel in ("raw_coal", "washed_coal", "coke", "coke_oven_gas"):
        for pol in ESTIMATED_POLLUTANTS:
            add("transport", fuel, pol, 0.0, "not used in transport", "assumption: no solid fuels or coke-oven gas in "
                "transport")
    return rows


def _residential_rows() -> list[dict]:
    """Rows of residential and commercial use: small uncontrolled combustion."""
    rows: list[dict] = []
    add = lambda *args: rows.append(_factor_row(*args))  # noqa: E731
    mobile = _MOBILE_FACTORS
    lb_per_mmscf = 0.45359237 / (1e6 * _DSCF_M3) * 1e4  # kg per 10^4 m3 for 1 lb/10^6 scf
    for pol, val, note in (("SO2", 0.6, "SO2 0.6"), ("NOx", 94.0, "NOx 94 (residential furnaces)"),
                           ("PM2.5", 7.6, "PM total 7.6, all below 1 um")):
        add("residential", "natural_gas", pol, val * lb_per_mmscf, f"AP-42 {note} lb/10^6 scf -> kg/10^4 m3",
            "US EPA AP-42 Ch. 1.4 (natural gas combustion), Tables 1.4-1 and 1.4-2")
    for pol, val, note in (("SO2", 0.0, "negligible sulfur"), ("NOx", 94.0, "as natural gas"),
                           ("PM2.5", 7.6, "as natural gas")):
        add("residential", "coke_oven_gas", pol, val * lb_per_mmscf, f"{note}: natural-gas AP-42 factors",
            "assumption: coke-oven (town) gas burned like natural gas")
    for pol, val, src in (("SO2", 0.01, "assumption: LPG sulfur negligible"),
                          ("NOx", 3.0, "assumption: about AP-42 Ch. 1.5 commercial propane boilers (~13 lb/10^3 gal)"),
                          ("PM2.5", 0.2, "assumption: about AP-42 Ch. 1.5 (~0.7 lb/10^3 gal)")):
        add("residential", "lpg", pol, val, "kg/t", src)
    s_coal = 0.8  # % sulfur, assumption
    for fuel in ("raw_coal", "washed_coal", "coke"):
        add("residential", fuel, "SO2", 2 * s_coal * 10 * 0.8, f"sulfur balance 2 x S x (1 - 0.2 retained in ash), "
            f"S = {s_coal} % (assumption)", "mass balance; sulfur content and ash retention are assumptions")
        add("residential", fuel, "NOx", 1.9, "kg/t", "assumption: household and small commercial coal stoves "
            "(literature range about 1-4 g/kg)")
        add("residential", fuel, "PM2.5", 6.0, "kg/t", "assumption: household coal stoves (literature range about "
            "3-10 g/kg)")
    for fuel in ("diesel", "kerosene", "fuel_oil", "crude_oil"):
        add("residential", fuel, "SO2", 0.02 if fuel in ("diesel", "kerosene") else 10.0, "sulfur balance",
            "2 x 10 mg/kg sulfur (China VI diesel) for distillates; 0.5 % S for heavy oil (assumption)")
        add("residential", fuel, "NOx", 2.85, "AP-42 20 lb/10^3 gal at 0.84 kg/L",
            "US EPA AP-42 Ch. 1.3 (fuel oil), commercial distillate boilers (applied to all oils: assumption)")
        add("residential", fuel, "PM2.5", 0.15, "kg/t", "assumption: about half of AP-42 Ch. 1.3 filterable PM "
            "(2 lb/10^3 gal) for commercial distillate boilers")
    so2, nox, pm, src = mobile["gasoline"]
    for pol, val in (("SO2", so2), ("NOx", nox), ("PM2.5", pm)):
        add("residential", "gasoline", pol, val, "fuel-based factor of gasoline cars [g/kg = kg/t]",
            src + " (residential gasoline = private cars, as in Chinese energy statistics)")
    return rows


@lru_cache(maxsize=1)
def _factor_frame():
    import pandas as pd

    return pd.read_csv(data_path("carbon", "cobenefit_factors.csv"))


def cobenefit_factors() -> pd.DataFrame:
    """The co-benefit emission factors: one row per air sector, fuel and pollutant.

    Returns
    -------
    pandas.DataFrame
        Columns ``sector`` (air model), ``fuel``, ``pollutant``, ``factor`` [kg per physical unit:
        t, 10⁴ m³ or MWh], ``unit``, ``method``, ``source``.

    Examples
    --------
    >>> f = cobenefit_factors().set_index(["sector", "fuel", "pollutant"])["factor"]
    >>> round(float(f["industry", "raw_coal", "SO2"]), 2)   # kg SO2 per t raw coal at 200 mg/Nm3
    1.79
    """
    return _factor_frame().copy()


def _factor_array():
    table = _factor_frame()
    arr = np.zeros((len(AIR_SECTORS), len(FUELS), len(AIR_POLLUTANTS)))
    for row in table.itertuples(index=False):
        arr[AIR_SECTORS.index(row.sector), FUELS.index(row.fuel), AIR_POLLUTANTS.index(row.pollutant)] = row.factor
    return arr


def default_sector_map() -> dict:
    """Carbon sector → air-model sector, from the demo sector table (``demo_sectors.csv``).

    Examples
    --------
    >>> default_sector_map()["services"]
    'residential'
    """
    import pandas as pd

    table = pd.read_csv(data_path("carbon", "demo_sectors.csv"))
    return dict(zip(table["sector"], table["air_sector"]))


def _sector_index(sectors, sector_map):
    mapping = default_sector_map()
    if sector_map:
        if not isinstance(sector_map, Mapping):
            raise CarbonError(f"sector_map: expected a mapping carbon sector -> air sector, got "
                              f"{type(sector_map).__name__}", field="sector_map", value=sector_map, expected="mapping")
        mapping.update(sector_map)
    idx = []
    for s in sectors:
        s = str(s)
        if s in AIR_SECTORS and s not in mapping:
            target = s
        elif s in mapping:
            target = mapping[s]
        else:
            raise CarbonError(f"cobenefits: no air-model sector for carbon sector {s!r}; pass sector_map={{{s!r}: ...}} "
                              f"with one of {list(COMBUSTION_SECTORS)}", field="sector_map", value=s,
                              expected=f"a mapping to one of {list(AIR_SECTORS)}")
        if target not in AIR_SECTORS:
            raise CarbonError(f"sector_map: {s!r} -> {target!r} is not an air-model sector" +
                              close_matches(str(target), AIR_SECTORS), field="sector_map", value=target,
                              expected=f"one of {list(AIR_SECTORS)}")
        idx.append(AIR_SECTORS.index(target))
    return np.asarray(idx)


def _as_balance(obj, name):
    import xarray as xr

    from .inventory import energy_balance

    if not isinstance(obj, xr.DataArray) or "unit" not in obj.coords or list(obj["fuel"].values) != list(FUELS):
        try:
            obj = energy_balance(obj)
        except CarbonError as err:
            raise CarbonError(f"{name}: {err}", field=name, value=err.value, expected=err.expected) from None
    return obj


def air_cobenefits(baseline: xr.DataArray, scenario: xr.DataArray | None = None, *, delta: xr.DataArray | None = None,
                   sector_map: Mapping | None = None) -> xr.DataArray:
    """Emission reductions [t/yr] of SO2, NOx and PM2.5 from a change of the energy balance.

    Parameters
    ----------
    baseline : xarray.DataArray
        Baseline energy balance (…, sector, fuel) in physical units [t, 10⁴ m³, MWh per year].
    scenario : xarray.DataArray, optional
        Scenario energy balance of the same shape; the reduction is baseline − scenario.
    delta : xarray.DataArray, optional
        Reduction of energy use (…, sector, fuel) [physical units per year] instead of *scenario*
        (positive = less use).
    sector_map : mapping, optional
        Carbon sector → air-model sector (default :func:`default_sector_map`; sectors named like
        an air sector map to it).

    Returns
    -------
    xarray.DataArray
        ``emission_reduction`` (…, sector, pollutant) over the air model's sectors
        (:data:`AIR_SECTORS`) and pollutants (:data:`AIR_POLLUTANTS`) [t/yr]; positive = less
        emitted. NH3 and VOCs are 0 (not estimated; see ``attrs['not_estimated']``).
        ``.to_pandas()`` gives the sector × pollutant table.

    Examples
    --------
    >>> from ecomodel.carbon import demo_balance
    >>> base = demo_balance(["常州市钟楼区"]).isel(region=0, drop=True)
    >>> red = air_cobenefits(base, efficiency(base, 0.1))
    >>> float(red.sel(pollutant="NH3").sum())
    0.0
    """
    import xarray as xr

    base = _as_balance(baseline, "baseline")
    if (scenario is None) == (delta is None):
        raise CarbonError("cobenefits: give exactly one of scenario= or delta=", field="scenario", value=None,
                          expected="scenario or delta")
    if scenario is not None:
        scen = _as_balance(scenario, "scenario")
        base, scen = xr.align(base, scen, join="exact")
        change = base - scen
    else:
        if not isinstance(delta, xr.DataArray) or "fuel" not in delta.dims or "sector" not in delta.dims:
            raise CarbonError("cobenefits: delta must be a DataArray with 'sector' and 'fuel' dimensions",
                              field="delta", value=type(delta).__name__, expected="DataArray (…, sector, fuel)")
        change = delta.reindex(fuel=list(FUELS), fill_value=0.0)
        if not np.isfinite(change.values).all():
            raise CarbonError("cobenefits: delta contains NaN or inf; expected finite changes", field="delta",
                              value="non-finite", expected="finite")
    change = change.transpose(..., "sector", "fuel")
    sectors = [str(s) for s in change["sector"].values]
    idx = _sector_index(sectors, sector_map)
    factors = _factor_array()[idx]  # (s, j, p) kg per unit
    values = np.einsum("...sj,sjp->...sp", np.asarray(change.values, dtype=float), factors) * 1e-3  # t
    out = np.zeros(values.shape[:-2] + (len(AIR_SECTORS), len(AIR_POLLUTANTS)))
    for k in range(len(AIR_SECTORS)):
        sel = idx == k
        if sel.any():
            out[..., k, :] = values[..., sel, :].sum(-2)
    lead = change.dims[:-2]
    coords = {d: change[d].values for d in lead if d in change.coords}
    da = xr.DataArray(out, dims=lead + ("sector", "pollutant"),
                      coords={**coords, "sector": list(AIR_SECTORS), "pollutant": list(AIR_POLLUTANTS)},
                      name="emission_reduction",
                      attrs=cf_attrs("t/yr", "reduction of air-pollutant emissions from the energy change",
                                     comment="positive = less emitted; purchased electricity has no local emissions",
                                     not_estimated="NH3, VOCs (and the dust and solvent sectors): reported as 0",
                                     references="ecomodel/data/carbon/cobenefit_factors.csv (GB 13223-2011, "
                                                "GB 13271-2014, US EPA AP-42, assumptions)"))
    return da


def _sector_sel(balance, sector):
    sectors = [str(s) for s in balance["sector"].values]
    if sector is None:
        return np.ones(len(sectors), bool)
    wanted = [sector] if isinstance(sector, str) else list(sector)
    for s in wanted:
        if s not in sectors:
            raise CarbonError(f"unknown sector {s!r}" + close_matches(s, sectors), field="sector", value=s,
                              expected=f"one of {sectors}")
    return np.isin(sectors, wanted)


def fuel_switch(balance: xr.DataArray, sector: str | Sequence[str] | None, from_fuel: str, to_fuel: str,
                fraction: float, *, efficiency_ratio: float = 1.0, factors: xr.Dataset | None = None) -> xr.DataArray:
    """Switch a fraction of one fuel's use to another fuel, energy for energy.

    Parameters
    ----------
    balance : xarray.DataArray
        Energy balance (…, sector, fuel) in physical units.
    sector : str, sequence of str or None
        Sector(s) where the switch happens (all when None).
    from_fuel, to_fuel : str
        Fuel replaced and fuel supplied instead.
    fraction : float
        Share of *from_fuel* use replaced [0–1].
    efficiency_ratio : float
        tce of *to_fuel* needed per tce of *from_fuel* replaced [1] (e.g. 0.9 for a more efficient
        gas boiler, 0.3 for an electric vehicle replacing gasoline).
    factors : xarray.Dataset, optional
        Emission factors providing ``tce_factor`` (default ``emission_factors('china')``).

    Returns
    -------
    xarray.DataArray
        The new balance.

    Examples
    --------
    >>> import xarray as xr
    >>> from ecomodel.carbon import energy_balance
    >>> b = energy_balance(xr.DataArray([[100.0] + [0.0] * 11], dims=("sector", "fuel"),
    ...                    coords={"sector": ["industry"], "fuel": list(FUELS)}), units="default")
    >>> new = fuel_switch(b, "industry", "raw_coal", "natural_gas", 0.5)
    >>> float(new.sel(sector="industry", fuel="raw_coal")), round(float(new.sel(sector="industry", fuel="natural_gas")), 3)
    (50.0, 2.685)
    """
    balance = _as_balance(balance, "balance")
    for name, fuel in (("from_fuel", from_fuel), ("to_fuel", to_fuel)):
        if fuel not in FUELS:
            raise CarbonError(f"{name}: unknown fuel {fuel!r}" + close_matches(str(fuel), FUELS), field=name,
                              value=fuel, expected=f"one of {list(FUELS)}")
    if from_fuel == to_fuel:
        raise CarbonError(f"fuel_switch: from_fuel and to_fuel are both {from_fuel!r}", field="to_fuel", value=to_fuel,
                          expected="a different fuel")
    frac = float(fraction)
    if not np.isfinite(frac) or not 0.0 <= frac <= 1.0:
        raise CarbonError(f"fraction: {fraction!r}; expected a fraction between 0 and 1", field="fraction",
                          value=fraction, expected="0 <= fraction <= 1")
    ratio = float(efficiency_ratio)
    if not np.isfinite(ratio) or ratio < 0:
        raise CarbonError(f"efficiency_ratio: {efficiency_ratio!r}; expected a value >= 0", field="efficiency_ratio",
                          value=efficiency_ratio, expected=">= 0")
    ef = factors if factors is not None else emission_factors("china")
    tce = dict(zip(FUELS, ef["tce_factor"].values))
    mask = _sector_sel(balance, sector)
    out = balance.copy()
    vals = out.values
    j_from, j_to = FUELS.index(from_fuel), FUELS.index(to_fuel)
    moved = vals[..., mask, j_from] * frac
    vals[..., mask, j_from] -= moved
    vals[..., mask, j_to] += moved * tce[from_fuel] * ratio / tce[to_fuel]
    return out


def efficiency(balance: xr.DataArray, fraction: float, *, sector: str | Sequence[str] | None = None,
               fuels: Sequence[str] | None = None) -> xr.DataArray:
    """Cut energy use by a fraction (efficiency measure), in some sectors and/or fuels.

    Parameters
    ----------
    balance : xarray.DataArray
        Energy balance (…, sector, fuel) in physical units.
    fraction : float
        Share of use saved [0–1].
    sector : str, sequence of str or None
        Sector(s) affected (all when None).
    fuels : sequence of str, optional
        Fuels affected (all when None).

    Examples
    --------
    >>> from ecomodel.carbon import demo_balance
    >>> b = demo_balance(["江阴市"])
    >>> bool(abs(efficiency(b, 0.1).sum() - 0.9 * b.sum()) < 1e-6 * b.sum())
    True
    """
    balance = _as_balance(balance, "balance")
    frac = float(fraction)
    if not np.isfinite(frac) or not 0.0 <= frac <= 1.0:
        raise CarbonError(f"fraction: {fraction!r}; expected a fraction between 0 and 1", field="fraction",
                          value=fraction, expected="0 <= fraction <= 1")
    fuel_mask = np.ones(len(FUELS), bool)
    if fuels is not None:
        for f in fuels:
            if f not in FUELS:
                raise CarbonError(f"fuels: unknown fuel {f!r}" + close_matches(str(f), FUELS), field="fuels", value=f,
                                  expected=f"some of {list(FUELS)}")
        fuel_mask = np.isin(FUELS, list(fuels))
    mask = _sector_sel(balance, sector)[:, None] & fuel_mask[None, :]
    out = balance.copy()
    out.values = np.where(mask, out.values * (1.0 - frac), out.values)
    return out


def as_air_reductions(reductions: xr.DataArray | pd.DataFrame, baseline_emissions: xr.DataArray | pd.DataFrame, *,
                      allow_increase: bool = False) -> xr.DataArray:
    """Express co-benefit reductions as fractions of the air model's baseline emissions.

    Parameters
    ----------
    reductions : xarray.DataArray or pandas.DataFrame
        Output of :func:`air_cobenefits` (sector × pollutant) [t/yr].
    baseline_emissions : xarray.DataArray or pandas.DataFrame
        The air inventory's baseline emissions (sector × pollutant) [t/yr].
    allow_increase : bool
        Accept negative reductions (emission increases), returned as negative fractions. By
        default an increase raises, because the air model's reductions are fractions in [0, 1].

    Returns
    -------
    xarray.DataArray
        Fractions (sector, pollutant) [1]; 0 where the baseline is 0 and nothing changes.

    Raises
    ------
    CarbonError
        A reduction larger than the baseline emission (inconsistent inventories), a reduction
        where the baseline is 0, or an increase without *allow_increase*.

    Examples
    --------
    >>> import pandas as pd
    >>> red = pd.DataFrame({"SO2": [10.0]}, index=pd.Index(["industry"], name="sector"))
    >>> base = pd.DataFrame({"SO2": [200.0]}, index=pd.Index(["industry"], name="sector"))
    >>> float(as_air_reductions(red, base).sel(sector="industry", pollutant="SO2"))
    0.05
    """
    import pandas as pd
    import xarray as xr

    def as_da(obj, name):
        if isinstance(obj, pd.DataFrame):
            obj = xr.DataArray(obj.to_numpy(dtype=float), dims=("sector", "pollutant"),
                               coords={"sector": [str(s) for s in obj.index], "pollutant": [str(c) for c in obj.columns]})
        if not isinstance(obj, xr.DataArray) or set(obj.dims) != {"sector", "pollutant"}:
            raise CarbonError(f"{name}: expected a sector x pollutant table", field=name, value=type(obj).__name__,
                              expected="DataArray or DataFrame (sector, pollutant)")
        return obj.transpose("sector", "pollutant")

    red = as_da(reductions, "reductions")
    base = as_da(baseline_emissions, "baseline_emissions")
    base = base.reindex(sector=red["sector"].values, pollutant=red["pollutant"].values, fill_value=0.0)
    r = np.asarray(red.values, dtype=float)
    b = np.asarray(base.values, dtype=float)
    if not (np.isfinite(r).all() and np.isfinite(b).all()) or (b < 0).any():
        raise CarbonError("as_air_reductions: NaN, inf or negative baseline emissions", field="baseline_emissions",
                          value="invalid", expected="finite values >= 0")
    sectors, pols = red["sector"].values, red["pollutant"].values
    bad = (b == 0) & (r != 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise CarbonError(f"as_air_reductions: change of {r[i, j]} t/yr for {sectors[i]}/{pols[j]} whose baseline "
                          "emission is 0", field="baseline_emissions", value=0.0, expected="> 0 where a change occurs")
    frac = np.divide(r, b, out=np.zeros_like(r), where=b > 0)
    if (frac > 1 + 1e-12).any():
        i, j = np.argwhere(frac > 1 + 1e-12)[0]
        raise CarbonError(f"as_air_reductions: reduction {r[i, j]} t/yr exceeds the baseline {b[i, j]} t/yr for "
                          f"{sectors[i]}/{pols[j]}", field="reductions", value=float(r[i, j]),
                          expected="<= baseline emission")
    if not allow_increase and (frac < 0).any():
        i, j = np.argwhere(frac < 0)[0]
        raise CarbonError(f"as_air_reductions: emissions increase by {-r[i, j]} t/yr for {sectors[i]}/{pols[j]}; "
                          "pass allow_increase=True to get negative fractions", field="reductions",
                          value=float(r[i, j]), expected=">= 0")
    return xr.DataArray(frac, dims=("sector", "pollutant"), coords={"sector": sectors, "pollutant": pols},
                        name="reduction_fraction",
                        attrs=cf_attrs("1", "emission reduction as a fraction of the baseline emission"))
