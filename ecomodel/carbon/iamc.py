"""IAMC long tables (model, scenario, region, variable, unit, year, value) of carbon projections.

The table is the format of the Integrated Assessment Modeling Consortium that the ``pyam`` package
reads (``pyam.IamDataFrame(table)``); ``pyam`` itself is not needed here. Variable names follow
``ecomodel.io.IAMC_VARIABLES`` for the plan indicators and IAMC habits for the rest
(``Emissions|CO2``, ``Final Energy``, ``GDP|...``), with units converted to per-year IAMC units.

Regions are named for the place, never ``World``: the IAMC region of a plan region is its
administrative path in English (pinyin) names joined by ``|``, the way IAMC/``nomenclature``
hierarchies name sub-national regions — ``China``, ``China|Jiangsu``, ``China|Jiangsu|Changzhou``,
``China|Jiangsu|Changzhou|Wujin`` (districts and the county-level city Liyang under Changzhou;
Jiangyin under Wuxi: ``China|Jiangsu|Wuxi|Jiangyin``). A monitoring section takes the region it lies
in (:func:`iamc_region`). :func:`from_iamc` maps these names back to the registry's names.

Examples
--------
>>> from ecomodel.carbon import demo_drivers, project
>>> ds = project(demo_drivers(["常州市钟楼区"]), years=[2020, 2025], members=3, seed=0)
>>> table = to_iamc(ds, scenario="baseline")
>>> list(table.columns)
['model', 'scenario', 'region', 'variable', 'unit', 'year', 'value']
>>> sorted(set(table["region"]))
['China|Jiangsu|Changzhou|Zhonglou']
>>> back = from_iamc(table)
>>> bool(abs(back["co2_emissions"] - ds["co2_emissions"].mean("member")).max() < 1e-9)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import CarbonError

if TYPE_CHECKING:
    import os

    import pandas as pd
    import xarray as xr

__all__ = ["IAMC_COLUMNS", "IAMC_REGIONS", "VARIABLES", "iamc_region", "to_iamc", "from_iamc"]

IAMC_COLUMNS = ["model", "scenario", "region", "variable", "unit", "year", "value"]

#: projection variable -> (IAMC variable, IAMC unit, factor from the projection's unit)
VARIABLES = {
    "co2_emissions": ("Emissions|CO2", "Mt CO2/yr", 1.0),
    "co2_direct": ("Emissions|CO2|Direct", "Mt CO2/yr", 1.0),
    "co2_indirect": ("Emissions|CO2|Indirect|Electricity", "Mt CO2/yr", 1.0),
    "gdp": ("GDP|Constant Prices", "billion CNY/yr", 0.1),
    "energy_consumption": ("Final Energy", "Mtce/yr", 0.01),
    "energy_intensity": ("Energy Intensity|GDP", "tce/10^4 CNY", 1.0),
    "co2_intensity": ("Emissions Intensity|CO2|GDP", "t CO2/10^4 CNY", 1.0),
    "co2_intensity_decrease_pct": ("Emissions Intensity|CO2|Decrease", "%", 1.0),
    "energy_intensity_decrease_pct": ("Energy Intensity|Decrease", "%", 1.0),
    "coal_share_energy_pct": ("Primary Energy|Coal|Share", "%", 1.0),
    "non_fossil_energy_share_pct": ("Primary Energy|Non-Fossil|Share", "%", 1.0),
    "grid_factor": ("Emissions Intensity|CO2|Electricity", "t CO2/MWh", 1.0),
    "co2_peak_year": ("Emissions|CO2|Peak Year", "year", 1.0),
}
_STATISTICS = ("mean", "median", "members")

#: registry region (full Chinese name) -> IAMC region (English administrative path, see the module docstring)
IAMC_REGIONS = {
    "中国": "China",
    "江苏省": "China|Jiangsu",
    "常州市": "China|Jiangsu|Changzhou",
    "常州市武进区": "China|Jiangsu|Changzhou|Wujin",
    "常州市天宁区": "China|Jiangsu|Changzhou|Tianning",
    "常州市钟楼区": "China|Jiangsu|Changzhou|Zhonglou",
    "常州市新北区": "China|Jiangsu|Changzhou|Xinbei",
    "常州市金坛区": "China|Jiangsu|Changzhou|Jintan",
    "溧阳市": "China|Jiangsu|Changzhou|Liyang",
    "无锡市": "China|Jiangsu|Wuxi",
    "江阴市": "China|Jiangsu|Wuxi|Jiangyin",
}
_FROM_IAMC = {v: k for k, v in IAMC_REGIONS.items()}


def iamc_region(name: str, *, default: str | None = None) -> str:
    """IAMC region name of a plan region or monitoring section.

    Parameters
    ----------
    name : str
        A region in any form :func:`ecomodel.targets.resolve_region` accepts (``常州市武进区``,
        ``武进``, ``Wujin``), or a section that :func:`ecomodel.targets.resolve_site` knows
        (``姚巷桥``: the region it lies in).
    default : str, optional
        Returned for a name that is neither; without it such a name raises.

    Returns
    -------
    str
        ``China|Jiangsu|Changzhou|Wujin`` … (:data:`IAMC_REGIONS`).

    Raises
    ------
    CarbonError
        Unknown name and no *default*.

    Examples
    --------
    >>> iamc_region("武进"), iamc_region("Jiangyin"), iamc_region("姚巷桥")
    ('China|Jiangsu|Changzhou|Wujin', 'China|Jiangsu|Wuxi|Jiangyin', 'China|Jiangsu|Changzhou|Wujin')
    """
    from .. import targets
    from ..errors import TargetError

    text = str(name)
    if text in _FROM_IAMC:
        return text
    try:
        region = targets.resolve_region(text)
    except TargetError:
        region = None
        try:
            site = targets.resolve_site(text)
            region = next((s.region for s in targets.SITES if s.name == site), None)
        except TargetError:
            pass
    if region in IAMC_REGIONS:
        return IAMC_REGIONS[region]
    if default is not None:
        return default
    raise CarbonError(f"iamc_region: no IAMC region for {name!r}; expected a region or section of the registry "
                      f"({sorted(IAMC_REGIONS)})", field="region", value=name, expected=str(sorted(IAMC_REGIONS)))


def _io_names():
    """Use the shared IAMC names of ecomodel.io for the indicator keys when it is there."""
    try:
        from ..io import IAMC_VARIABLES
    except ImportError:  # pragma: no cover - io is optional for this module
        return dict(VARIABLES)
    out = dict(VARIABLES)
    for key, (name, unit, factor) in VARIABLES.items():
        if key in IAMC_VARIABLES and "{" not in IAMC_VARIABLES[key]:
            out[key] = (IAMC_VARIABLES[key], unit, factor)
    return out


def to_iamc(projection: xr.Dataset, *, model: str = "ecomodel.carbon", scenario: str = "default",
            statistic: str = "mean", quantiles: Sequence[float] = (), region_names: str = "iamc",
            variables: Sequence[str] | None = None) -> pd.DataFrame:
    """IAMC long table of a carbon projection.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`~ecomodel.carbon.projection.project` (variables over year, member,
        region); a ``scenario`` dimension, if present, gives the IAMC scenarios.
    model : str
        IAMC model name.
    scenario : str
        IAMC scenario name (when the Dataset has no ``scenario`` dimension).
    statistic : {'mean', 'median', 'members'}
        Reduce the ensemble to its mean or median, or write every member as scenario
        ``'<scenario>|member <k>'``.
    quantiles : sequence of float
        Extra ensemble quantiles (0–1) written as variables ``'<variable>|<q>th Percentile'``.
    region_names : {'iamc', 'zh', 'en'}
        IAMC administrative paths (default, :func:`iamc_region`: ``China|Jiangsu|Changzhou|Wujin``;
        a region outside the registry keeps its ``name_en``, else its name), registry (Chinese)
        region names, or the ``name_en`` coordinate.
    variables : sequence of str, optional
        Projection variables to write (default: all of :data:`VARIABLES` present).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IAMC_COLUMNS` (year int, value float), sorted.

    Examples
    --------
    >>> from ecomodel.carbon import demo_drivers, project
    >>> ds = project(demo_drivers(["江阴市"]), years=[2020], members=2, seed=0)
    >>> row = to_iamc(ds, variables=["gdp"]).iloc[0]
    >>> row["variable"], row["unit"], float(row["value"])
    ('GDP|Constant Prices', 'billion CNY/yr', 411.4)
    """
    import pandas as pd

    _check_options(projection, statistic, region_names, quantiles)
    names = _io_names()
    wanted = list(variables) if variables is not None else [v for v in names if v in projection]
    unknown = [v for v in wanted if v not in names or v not in projection]
    if unknown:
        raise CarbonError(f"to_iamc: cannot write {unknown}; expected projection variables among {list(names)}",
                          field="variables", value=unknown, expected=str(list(names)))
    scen_values = [str(s) for s in projection["scenario"].values] if "scenario" in projection.dims else [scenario]
    rows = []
    for s_label in scen_values:
        ds = projection.sel(scenario=s_label) if "scenario" in projection.dims else projection
        labels = _region_labels(ds, region_names)
        for key in wanted:
            var, unit, factor = names[key]
            for scen_name, var_name, arr in _variable_blocks(ds, key, s_label, var, statistic, quantiles):
                arr = arr.transpose("year", "region")
                vals = np.asarray(arr.values, dtype=float) * factor
                if not np.isfinite(vals).all():
                    raise CarbonError(f"to_iamc: {key!r} contains NaN or inf; nothing written", field=key,
                                      value="non-finite", expected="finite values")
                years = [int(y) for y in arr["year"].values]
                for t, year in enumerate(years):
                    for r, label in enumerate(labels):
                        rows.append((model, scen_name, label, var_name, unit, year, float(vals[t, r])))
    table = pd.DataFrame(rows, columns=IAMC_COLUMNS)
    table["year"] = table["year"].astype(int)
    return table.sort_values(IAMC_COLUMNS[:-2] + ["year"], kind="stable").reset_index(drop=True)


def _check_options(projection: xr.Dataset, statistic: str, region_names: str, quantiles: Sequence[float]) -> None:
    """Raise CarbonError for a projection that is not a Dataset or an unknown option of :func:`to_iamc`."""
    import xarray as xr

    if not isinstance(projection, xr.Dataset):
        raise CarbonError(f"to_iamc: expected an xarray.Dataset, got {type(projection).__name__}", field="projection",
                          value=type(projection).__name__, expected="Dataset")
    if statistic not in _STATISTICS:
        raise CarbonError(f"to_iamc: statistic {statistic!r}; expected one of {list(_STATISTICS)}", field="statistic",
                          value=statistic, expected=str(list(_STATISTICS)))
    if region_names not in ("iamc", "zh", "en"):
        raise CarbonError(f"to_iamc: region_names {region_names!r}; expected 'iamc', 'zh' or 'en'",
                          field="region_names", value=region_names, expected="'iamc', 'zh' or 'en'")
    for q in quantiles:
        if not 0.0 <= float(q) <= 1.0:
            raise CarbonError(f"to_iamc: quantile {q!r} outside [0, 1]", field="quantiles", value=q, expected="0-1")


def _region_labels(ds: xr.Dataset, region_names: str) -> list[str]:
    """The IAMC region label of each region of *ds* ('iamc' paths, registry names or ``name_en``)."""
    regions = [str(r) for r in ds["region"].values]
    english = [str(x) for x in ds["name_en"].values] if "name_en" in ds.coords else regions
    labels = regions
    if region_names == "en":
        labels = english
    elif region_names == "iamc":
        labels = [iamc_region(r, default=e) for r, e in zip(regions, english, strict=True)]
    return labels


def _variable_blocks(ds: xr.Dataset, key: str, s_label: str, var: str, statistic: str,
                     quantiles: Sequence[float]) -> list[tuple[str, str, xr.DataArray]]:
    """(IAMC scenario, IAMC variable, array over year and region) blocks of one projection variable."""
    da = ds[key]
    if "year" not in da.dims and "year" in ds.dims and "region" in da.dims:
        da = da.expand_dims(year=ds["year"].values[-1:])  # a horizon-wide value (peak year): at its end
    if "year" not in da.dims or "region" not in da.dims:
        raise CarbonError(f"to_iamc: variable {key!r} needs 'year' and 'region' dimensions (has {da.dims})",
                          field=key, value=da.dims, expected="('year', 'region', …)")
    blocks = []
    if "member" in da.dims:
        if statistic == "members":
            for m in da["member"].values:
                blocks.append((f"{s_label}|member {int(m)}", var, da.sel(member=m)))
        else:
            red = da.mean("member") if statistic == "mean" else da.median("member")
            blocks.append((s_label, var, red))
        for q in quantiles:
            blocks.append((s_label, f"{var}|{float(q) * 100:g}th Percentile", da.quantile(float(q), "member")))
    else:
        blocks.append((s_label, var, da))
    return blocks


def from_iamc(table: pd.DataFrame | str | os.PathLike, *, model: str | None = None,
              scenario: str | None = None) -> xr.Dataset:
    """Read an IAMC long table written by :func:`to_iamc` back into a Dataset.

    Parameters
    ----------
    table : pandas.DataFrame or path-like
        IAMC long table (columns :data:`IAMC_COLUMNS`; extra columns are ignored) or a CSV file.
    model, scenario : str, optional
        Keep only this model / scenario (required when the table holds several).

    Returns
    -------
    xarray.Dataset
        Variables of :data:`VARIABLES` found in the table, over (year, region) in the projection's
        units (``co2_emissions`` [Mt] …); IAMC region paths (:data:`IAMC_REGIONS`) become the
        registry's names again, other region labels are kept. Percentile rows are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"model": ["m"], "scenario": ["s"], "region": ["江阴市"],
    ...                   "variable": ["Final Energy"], "unit": ["Mtce/yr"], "year": [2020], "value": [22.6]})
    >>> float(from_iamc(t)["energy_consumption"].sel(year=2020, region="江阴市"))
    2260.0
    """
    import pandas as pd
    import xarray as xr

    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table)
    missing = [c for c in IAMC_COLUMNS if c not in table.columns]
    if missing:
        raise CarbonError(f"from_iamc: missing columns {missing}", field="columns", value=list(table.columns),
                          expected=str(IAMC_COLUMNS))
    if model is not None:
        table = table[table["model"] == model]
    if scenario is not None:
        table = table[table["scenario"] == scenario]
    for col, given in (("model", model), ("scenario", scenario)):
        if table[col].nunique() > 1:
            raise CarbonError(f"from_iamc: the table holds several {col}s {sorted(table[col].unique())}; pass {col}=",
                              field=col, value=sorted(table[col].unique()), expected=f"one {col}")
    if table.empty:
        raise CarbonError("from_iamc: no rows left to read", field="table", value=0, expected="rows")
    names = _io_names()
    reverse = {var: (key, unit, factor) for key, (var, unit, factor) in names.items()}
    out = {}
    for var, group in table.groupby("variable", sort=False):
        if var not in reverse:
            continue
        key, unit, factor = reverse[var]
        units = set(group["unit"])
        if units != {unit}:
            raise CarbonError(f"from_iamc: variable {var!r} has unit(s) {sorted(units)}; expected {unit!r}",
                              field="unit", value=sorted(units), expected=unit)
        wide = group.pivot(index="year", columns="region", values="value").sort_index()
        da = xr.DataArray(wide.to_numpy(dtype=float) / factor, dims=("year", "region"),
                          coords={"year": wide.index.astype(int).to_numpy(),
                                  "region": [_FROM_IAMC.get(str(c), str(c)) for c in wide.columns]})
        out[key] = da
    if not out:
        raise CarbonError("from_iamc: no known variable in the table", field="variable",
                          value=sorted(table["variable"].unique())[:5], expected=str([v[0] for v in names.values()]))
    return xr.Dataset(out)
