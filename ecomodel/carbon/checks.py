"""Carbon projections against the plan-target registry.

:func:`ecomodel.carbon.project` reports ``co2_peak_year`` once per member and region (a peak year
belongs to the whole horizon, not to a year), while :func:`ecomodel.targets.check` reads every
indicator at a target year. :func:`for_check` gives the view ``targets.check`` reads: each
year-less indicator repeated along ``year``. :func:`national_peak_rows` turns the only numeric
peak target of the registry — the national goal quoted in the Wujin plan, 力争2030年前二氧化碳排放
达到峰值 (000:94, region 中国) — into rows for the model's regions.

Examples
--------
>>> from ecomodel import targets
>>> from ecomodel.carbon import demo_drivers, project
>>> ds = project(demo_drivers(["常州市武进区"]), years=range(2020, 2036), members=3, seed=0)
>>> ds["co2_peak_year"].dims
('member', 'region')
>>> r = targets.check(for_check(ds), national_peak_rows(["常州市武进区"]))
>>> r[["region", "indicator", "target_value", "comparator"]].to_dict("records")
[{'region': '常州市武进区', 'indicator': 'co2_peak_year', 'target_value': 2030.0, 'comparator': '<='}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import CarbonError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = ["for_check", "national_peak_rows", "YEARLESS_INDICATORS"]

#: Indicators of a carbon projection without a ``year`` dimension.
YEARLESS_INDICATORS = ("co2_peak_year",)


def for_check(ds: xr.Dataset) -> xr.Dataset:
    """The projection with each year-less indicator repeated along ``year`` (for ``targets.check``).

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`~ecomodel.carbon.projection.project` (or a scenario carbon tree node).

    Returns
    -------
    xarray.Dataset
        A shallow copy; ``co2_peak_year`` [year] over ``(year, member, region)`` with the same
        value in every year. Other variables are unchanged.
    """
    import xarray as xr

    if not isinstance(ds, xr.Dataset) or "year" not in ds.dims:
        raise CarbonError("for_check: expected a carbon projection Dataset with a 'year' dimension",
                          field="projection", value=type(ds).__name__, expected="xarray.Dataset with 'year'")
    out = ds.copy()
    for name in YEARLESS_INDICATORS:
        if name in out and "year" not in out[name].dims:
            da = out[name].expand_dims(year=out["year"].values)
            order = ("year",) + tuple(d for d in ds["co2_emissions"].dims if d != "year" and d in da.dims)
            out[name] = da.transpose(*order, ...).assign_attrs(out[name].attrs)
    return out


def national_peak_rows(regions: Sequence[str]) -> pd.DataFrame:
    """Registry row 000:94 (中国, ``co2_peak_year`` ≤ 2030) once per region, for ``targets.check``.

    The plans set no numeric peak year of their own: Wujin must peak *before* the nation (000:912),
    the others name no year. Applying the national goal to a region is therefore a necessary
    condition for Wujin (peaking after 2030 certainly misses its own target) and an illustration
    for the others.

    Parameters
    ----------
    regions : sequence of str
        Region names as the registry spells them (``'常州市武进区'`` …).

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`ecomodel.targets.load` with ``region`` replaced.
    """
    import pandas as pd

    from .. import targets

    regions = [str(r) for r in regions]
    if not regions:
        raise CarbonError("national_peak_rows: no regions given", field="regions", value=[], expected="region names")
    row = targets.load(region="中国", indicator="co2_peak_year")
    row = row[row["target_value"].notna()]
    registry = targets.load()
    english = dict(zip(registry["region"], registry["region_en"], strict=True))
    frames = []
    for region in regions:
        r = row.copy()
        r["region"] = name = targets.resolve_region(region)
        r["region_en"] = f"{english.get(name, name)} (China's goal)"  # labels stay unique per region
        frames.append(r)
    return pd.concat(frames, ignore_index=True)
