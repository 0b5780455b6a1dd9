"""The Changzhou-like demo data: a 2020 energy balance for five plan regions and three scenarios.

Every number is documented in ``ecomodel/data/carbon/SOURCES.md``: GDP, three-sector structure and
coal shares come from the plans where they give them (seed file and line), everything else is a
stated assumption. The balance (``demo_energy_balance.csv``) is built by :func:`build_demo_balance`
from the region, sector and fuel-mix tables:

1. value added by sector = GDP × three-sector share × sub-sector split (construction 10 % of the
   secondary sector, transport 10 % of the tertiary sector); household activity = GDP ×
   ``household_share``;
2. sector energy ∝ activity × relative intensity, scaled to GDP × ``energy_intensity_2020``;
3. fuel mix per sector from ``demo_sector_mix.csv``; then coal fuels are scaled in every sector so
   that the region's coal share equals ``coal_share_2020_pct`` (other fuels scaled to keep the
   total), a coal share of 0 moving coal energy to natural gas;
4. tce → physical units with the ``china`` factor set.

The regions overlap (the districts are part of 常州市): do not add them up.

Examples
--------
>>> da = demo_balance()
>>> da.dims
('region', 'sector', 'fuel')
>>> sorted(demo_scenarios())
['baseline', 'low_carbon', 'policy']
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .._data import data_path
from ..errors import CarbonError, close_matches
from .factors import FUELS, emission_factors
from .projection import Drivers

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["demo_regions", "demo_sectors", "build_demo_balance", "demo_balance", "demo_drivers", "demo_scenarios",
           "BASE_YEAR"]

BASE_YEAR = 2020
CONSTRUCTION_OF_SECONDARY = 0.10
TRANSPORT_OF_TERTIARY = 0.10


def _read(name):
    import pandas as pd

    return pd.read_csv(data_path("carbon", name))


def demo_regions() -> pd.DataFrame:
    """Region table of the demo (GDP, structure, intensity, coal share, each with its source).

    Examples
    --------
    >>> demo_regions().loc["常州市天宁区", "coal_share_2020_pct"]
    np.float64(27.6)
    """
    return _read("demo_regions.csv").set_index("region")


def demo_sectors() -> pd.DataFrame:
    """Sector table of the demo (Chinese name, relative intensity, air-model sector, source).

    Examples
    --------
    >>> demo_sectors().loc["power_heat", "air_sector"]
    'power'
    """
    return _read("demo_sectors.csv").set_index("sector")


def _activity_shares():
    """(regions, sectors, share array [region, sector] as a fraction of GDP)."""
    regions = demo_regions()
    sectors = demo_sectors()
    split = _read("demo_industry_split.csv")
    names = list(sectors.index)
    shares = np.zeros((len(regions), len(names)))
    for r, region in enumerate(regions.index):
        row = regions.loc[region]
        prim, sec, ter = row["primary_pct"] / 100, row["secondary_pct"] / 100, row["tertiary_pct"] / 100
        total = prim + sec + ter
        prim, sec, ter = prim / total, sec / total, ter / total
        industry = sec * (1 - CONSTRUCTION_OF_SECONDARY)
        sub = split[split["region"] == region].set_index("sector")["share_of_industry"]
        if abs(sub.sum() - 1.0) > 1e-9:
            raise CarbonError(f"demo_industry_split.csv: shares of {region!r} sum to {sub.sum()}", field="share_of_industry",
                              value=float(sub.sum()), expected="1")
        for k, s in enumerate(names):
            econ = sectors.loc[s, "economy"]
            if econ == "primary":
                shares[r, k] = prim
            elif econ == "industry":
                shares[r, k] = industry * float(sub.get(s, 0.0))
            elif econ == "construction":
                shares[r, k] = sec * CONSTRUCTION_OF_SECONDARY
            elif s == "transport":
                shares[r, k] = ter * TRANSPORT_OF_TERTIARY
            elif econ == "tertiary":
                shares[r, k] = ter * (1 - TRANSPORT_OF_TERTIARY)
            elif econ == "household":
                shares[r, k] = float(row["household_share"])
    return list(regions.index), names, shares


def build_demo_balance() -> pd.DataFrame:
    """Build the demo 2020 energy balance from the region, sector and mix tables.

    Returns
    -------
    pandas.DataFrame
        Long table (region, sector, fuel, value, unit, source) — what ``demo_energy_balance.csv``
        holds; values in t, 10⁴ m³ or MWh.

    Examples
    --------
    >>> table = build_demo_balance()
    >>> set(table["unit"]) == {"t", "10^4 m3", "MWh"}
    True
    """
    import pandas as pd

    regions_tab = demo_regions()
    sectors_tab = demo_sectors()
    mix_tab = _read("demo_sector_mix.csv")
    regions, sectors, shares = _activity_shares()
    ef = emission_factors("china")
    tce_f = ef["tce_factor"].values
    is_coal = ef["is_coal"].values.astype(bool)
    ng = FUELS.index("natural_gas")
    mix = np.zeros((len(sectors), len(FUELS)))
    for _, row in mix_tab.iterrows():
        mix[sectors.index(row["sector"]), FUELS.index(row["fuel"])] = row["share"]
    if not np.allclose(mix.sum(1), 1.0):
        bad = sectors[int(np.argmax(np.abs(mix.sum(1) - 1)))]
        raise CarbonError(f"demo_sector_mix.csv: shares of {bad!r} do not sum to 1", field="share", value=bad,
                          expected="1")
    rel = sectors_tab["relative_intensity"].reindex(sectors).to_numpy(float)
    rows = []
    for r, region in enumerate(regions):
        info = regions_tab.loc[region]
        gdp = float(info["gdp_2020"])
        total_tce = gdp * 1e4 * float(info["energy_intensity_2020"])  # tce
        weight = shares[r] * rel
        sector_tce = total_tce * weight / weight.sum()
        e = sector_tce[:, None] * mix  # (s, j) tce
        target = float(info["coal_share_2020_pct"]) / 100
        coal = e[:, is_coal].sum()
        if target == 0:
            e[:, ng] += e[:, is_coal].sum(1)
            e[:, is_coal] = 0.0
        else:
            e[:, is_coal] *= target * total_tce / coal
            non = ~is_coal
            e[:, non] *= (1 - target) * total_tce / e[:, non].sum()
        physical = e / tce_f
        for s, sector in enumerate(sectors):
            for j, fuel in enumerate(FUELS):
                if physical[s, j] > 0:
                    rows.append({"region": region, "sector": sector, "fuel": fuel, "value": round(physical[s, j], 3),
                                 "unit": ef["unit"].values[j],
                                 "source": "assumption: built by ecomodel.carbon.demo.build_demo_balance from "
                                           "demo_regions.csv, demo_industry_split.csv, demo_sectors.csv and "
                                           "demo_sector_mix.csv (see SOURCES.md)"})
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def _balance_cached():
    from .inventory import energy_balance

    table = _read("demo_energy_balance.csv")
    return energy_balance(table.drop(columns=["source"]))


def demo_balance(regions: Sequence[str] | None = None) -> xr.DataArray:
    """The shipped demo energy balance (region, sector, fuel) in physical units.

    Parameters
    ----------
    regions : sequence of str, optional
        Subset of regions (full names such as ``'常州市天宁区'``); all five by default.

    Examples
    --------
    >>> float(demo_balance(["常州市钟楼区"]).sel(fuel="raw_coal").sum())
    0.0
    """
    da = _balance_cached()
    regions_tab = demo_regions()
    sectors_tab = demo_sectors()
    da = da.reindex(sector=list(sectors_tab.index), fill_value=0.0)
    da = da.reindex(region=list(regions_tab.index), fill_value=0.0)
    da = da.assign_coords(name_en=("region", list(regions_tab["name_en"])),
                          sector_zh=("sector", list(sectors_tab["name_zh"])))
    if regions is not None:
        regions = list(regions)
        unknown = [r for r in regions if r not in regions_tab.index]
        if unknown:
            raise CarbonError(f"regions: unknown demo region {unknown[0]!r}" + close_matches(unknown[0], regions_tab.index),
                              field="regions", value=unknown[0], expected=f"some of {list(regions_tab.index)}")
        da = da.sel(region=regions)
    return da


#: Yearly fraction of the activity share of the secondary-sector demo sectors moved to services in
#: every scenario: 1 − (45.5/52.8)^(1/12) = 0.0123, the decline of the secondary share of Jiangsu GDP
#: 2010–2022 (see SOURCES.md); local power/heat is not shifted (its output follows demand).
INDUSTRY_SHIFT = 0.0123
SHIFTED_SECTORS = ("iron_steel", "chemicals", "building_materials", "textiles", "other_industry", "construction")

#: Parameter specs of the three demo scenarios (assumptions; see SOURCES.md).
_SCENARIOS = {
    "baseline": {
        "description": "continued trends: slower intensity decline, little fuel switching",
        "parameters": {
            "gdp_growth": {2021: 0.085, 2022: {"dist": "triangular", "low": 0.025, "mode": 0.035, "high": 0.045},
                           2023: {"dist": "triangular", "low": 0.045, "mode": 0.055, "high": 0.065},
                           2026: {"dist": "triangular", "low": 0.035, "mode": 0.045, "high": 0.055},
                           2031: {"dist": "triangular", "low": 0.025, "mode": 0.035, "high": 0.045}},
            "energy_intensity_decline": {"dist": "triangular", "low": 0.006, "mode": 0.012, "high": 0.02},
            # secondary share of Jiangsu GDP 52.8 % (2010) -> 45.5 % (2022): -1.23 %/yr of the share
            "structure_shift": dict({"*": 0.0}, **{s: INDUSTRY_SHIFT for s in SHIFTED_SECTORS}),
            # Jiangyin non-public coal 422.28 -> 275.22 10^4 t 2016-2020 (003:5): -10.2 %/yr, half to gas,
            # half to electricity (000:1534: furnaces to 天然气、电); local power/heat keeps 1 %/yr to gas
            "coal_to_gas": {"*": {"dist": "triangular", "low": 0.025, "mode": 0.05, "high": 0.05},
                            "power_heat": 0.01},
            "coal_to_electricity": {"*": {"dist": "triangular", "low": 0.025, "mode": 0.05, "high": 0.05},
                                    "power_heat": 0.0},
            "electrification": {"*": 0.004, "power_heat": 0.0},
            "electrification_ratio": 0.5,
            "grid_non_fossil_base": 0.30,
            # East China grid factor 0.5617 (2022) -> 0.5500 (2023), -2.1 %/yr: 0.021 x (1 - 0.30) = 0.0147/yr
            "grid_non_fossil_increase": {"dist": "triangular", "low": 0.01, "mode": 0.015, "high": 0.02},
        },
    },
    "policy": {
        "description": "plan-aligned: energy-intensity cuts near the 14th FYP pace, coal-to-gas and electrification",
        "parameters": {
            "energy_intensity_decline": {"dist": "triangular", "low": 0.015, "mode": 0.022, "high": 0.03},
            "coal_to_gas": {"*": {"dist": "uniform", "low": 0.04, "high": 0.06},
                            "power_heat": {"dist": "uniform", "low": 0.03, "high": 0.05}},
            "coal_to_electricity": {"*": {"dist": "uniform", "low": 0.04, "high": 0.06}, "power_heat": 0.0},
            "electrification": {"*": {"dist": "uniform", "low": 0.01, "high": 0.02}, "power_heat": 0.0},
            "grid_non_fossil_increase": {"dist": "triangular", "low": 0.014, "mode": 0.018, "high": 0.022},
        },
    },
    "low_carbon": {
        "description": "ambitious: faster efficiency, coal phase-down, strong electrification and a cleaner grid, "
                       "industry shifting to low-energy manufacturing",
        "parameters": {
            "energy_intensity_decline": {"dist": "triangular", "low": 0.025, "mode": 0.032, "high": 0.04},
            "coal_to_gas": {"*": {"dist": "uniform", "low": 0.06, "high": 0.08},
                            "power_heat": {"dist": "uniform", "low": 0.06, "high": 0.09}},
            "coal_to_electricity": {"*": {"dist": "uniform", "low": 0.06, "high": 0.08}, "power_heat": 0.0},
            "electrification": {"*": {"dist": "uniform", "low": 0.02, "high": 0.035}, "power_heat": 0.0},
            "grid_non_fossil_increase": {"dist": "triangular", "low": 0.018, "mode": 0.024, "high": 0.03},
        },
        "structure_shift": 0.3,
    },
}


def demo_scenarios() -> dict:
    """The three demo scenarios: name → ``{"description", "parameters"}`` (a deep copy).

    Examples
    --------
    >>> demo_scenarios()["policy"]["description"][:12]
    'plan-aligned'
    """
    import copy

    return copy.deepcopy(_SCENARIOS)


def demo_drivers(regions: Sequence[str] | None = None, scenario: str = "baseline") -> Drivers:
    """:class:`~ecomodel.carbon.projection.Drivers` for the demo regions and one scenario.

    Parameters
    ----------
    regions : sequence of str, optional
        Subset of the demo regions (all five by default).
    scenario : str
        ``'baseline'``, ``'policy'`` or ``'low_carbon'``; the latter two change the baseline
        parameters they name.

    Examples
    --------
    >>> d = demo_drivers(["江阴市"], scenario="policy")
    >>> float(d.gdp.sel(region="江阴市"))
    4114.0
    """
    import xarray as xr

    if scenario not in _SCENARIOS:
        raise CarbonError(f"scenario: unknown demo scenario {scenario!r}" + close_matches(scenario, _SCENARIOS),
                          field="scenario", value=scenario, expected=f"one of {list(_SCENARIOS)}")
    balance = demo_balance(regions)
    names = [str(r) for r in balance["region"].values]
    table = demo_regions().loc[names]
    all_regions, sectors, shares = _activity_shares()
    idx = [all_regions.index(r) for r in names]
    share = xr.DataArray(shares[idx], dims=("region", "sector"), coords={"region": names, "sector": sectors})
    gdp = xr.DataArray(table["gdp_2020"].to_numpy(float), dims="region", coords={"region": names})
    params = dict(_SCENARIOS["baseline"]["parameters"])
    params.update(_SCENARIOS[scenario]["parameters"])
    structure = None
    shift = _SCENARIOS[scenario].get("structure_shift")
    if shift:
        # move `shift` of the energy-intensive industries' value added to other_industry by 2035
        structure = {}
        heavy = ["iron_steel", "chemicals", "building_materials", "textiles"]
        for r, region in enumerate(names):
            row = share.sel(region=region)
            moved = sum(float(row.sel(sector=s)) * shift for s in heavy)
            target = {s: float(row.sel(sector=s)) * (1 - shift) for s in heavy}
            target["other_industry"] = float(row.sel(sector="other_industry")) + moved
            structure[region] = target
    return Drivers(balance=balance, gdp=gdp, activity_share=share, base_year=BASE_YEAR, parameters=params,
                   structure_target=structure, structure_year=2035, household_sectors=("residential",),
                   name_en=dict(zip(names, table["name_en"])))
