"""Annual air-quality indicators from daily PM2.5 (and O3): the numbers the plans set targets on.

- ``pm25_annual_mean`` — mean of the daily means [µg/m³] (HJ 663-2013 annual assessment);
- ``pm25_p95`` — 95th percentile of the daily means [µg/m³], HJ 663-2013 percentile rule
  (rank ``k = 1 + (n − 1)·p/100`` with linear interpolation, identical to numpy's ``'linear'``);
- ``days_above_75`` — days whose daily mean exceeds the GB 3095-2012 class-2 24-h limit
  (75 µg/m³, read from :func:`ecomodel.standards.gb3095_limit`) [d];
- ``good_air_days_ratio`` — share of days with AQI ≤ 100 [%] (HJ 633-2012): from the PM2.5 IAQI
  alone, or the AQI of PM2.5 and the O3 daily maximum 8-h mean when an O3 series is supplied;
- ``good_days_pm25_ratio`` — the PM2.5-only share [%], always.

City averages (:func:`add_city_average`) weight the city's district boxes equally by default: the
city concentration of HJ 663-2013 is the arithmetic mean over its assessment stations, and each
district box stands for its stations (weights can be given, e.g. station counts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from .._cf import cf_attrs
from ..errors import InputError
from .deposition import DUSTFALL_ATTRS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["annual_indicators", "add_city_average", "to_regions", "daily_aqi", "good_day_threshold", "iaqi_concentration"]

CITY_NAME_EN = {"常州市": "Changzhou", "无锡市": "Wuxi"}


def iaqi_concentration(item: str, iaqi: int) -> float:
    """Concentration at which the IAQI of *item* reaches the breakpoint *iaqi* [µg/m³] (HJ 633-2012
    Table 1); e.g. 150 µg/m³ of PM2.5 and 265 µg/m³ of O3_8h at IAQI 200 (heavy pollution above).

    Examples
    --------
    >>> iaqi_concentration("PM2.5", 200), iaqi_concentration("O3_8h", 200)
    (150.0, 265.0)
    """
    from .. import standards

    bp = standards.breakpoints(item)
    hit = np.flatnonzero(np.asarray(bp.iaqi) == int(iaqi))
    if hit.size == 0:
        raise InputError(f"iaqi {iaqi!r}: not a breakpoint of {item} (HJ 633-2012 Table 1)", field="iaqi",
                         value=iaqi, expected=str(list(np.asarray(bp.iaqi))))
    return float(np.asarray(bp.concentration)[hit[0]])


def good_day_threshold(item: str = "PM2.5") -> float:
    """Concentration at which the IAQI of *item* reaches 100 [µg/m³] (HJ 633-2012 Table 1).

    A day is good for that pollutant when ``concentration ≤ threshold`` (the IAQI is monotone and
    rounded up, so IAQI ≤ 100 exactly then).

    Examples
    --------
    >>> good_day_threshold("PM2.5"), good_day_threshold("O3_8h")
    (75.0, 160.0)
    """
    from .. import standards

    bp = standards.breakpoints(item)
    hit = np.flatnonzero(np.asarray(bp.iaqi) == 100)
    return float(np.asarray(bp.concentration)[hit[0]])


def daily_aqi(pm25: xr.DataArray, o3: xr.DataArray | None = None) -> xr.DataArray:
    """Daily AQI from the PM2.5 daily mean and, if given, the O3 daily maximum 8-h mean.

    ``AQI = max(IAQI_PM2.5, IAQI_O3_8h)`` (HJ 633-2012 eq. 2), IAQIs from :func:`ecomodel.standards.iaqi`.

    Parameters
    ----------
    pm25 : xarray.DataArray
        Daily mean PM2.5 [µg/m³].
    o3 : xarray.DataArray, optional
        Daily maximum 8-h O3 [µg/m³], broadcastable against *pm25* (e.g. over ``(time, member)``).

    Examples
    --------
    >>> pm = xr.DataArray([30.0, 80.0], dims="time")
    >>> daily_aqi(pm).values.tolist()
    [43, 107]
    >>> daily_aqi(pm, xr.DataArray([170.0, 100.0], dims="time")).values.tolist()
    [110, 107]
    """
    from .. import standards

    a = standards.iaqi("PM2.5", pm25)
    if o3 is not None:
        b = standards.iaqi("O3_8h", o3)
        a, b = xr.broadcast(a, b)
        a = np.maximum(a, b)
    a.name = "aqi"
    a.attrs = cf_attrs("1", "daily air quality index (HJ 633-2012)")
    return a


def add_city_average(ds: xr.Dataset, city: str = "常州市", *, weights: Mapping[str, float] | None = None) -> xr.Dataset:
    """Append a box for a city's average over its local district boxes.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`~ecomodel.air.simulate` (needs ``city`` and ``kind`` box coordinates).
    city : str
        City name as in the domain's ``city`` column.
    weights : mapping, optional
        Box → weight [1]; equal weights (HJ 663-2013 arithmetic station mean) by default.

    Examples
    --------
    >>> from ecomodel.air import demo, simulate
    >>> d = demo()
    >>> ds = simulate(d.inventory, d.meteorology(members=1, year=2020, seed=0), components=False)
    >>> out = add_city_average(ds)
    >>> str(out["box"].values[-1]), str(out["region"].values[-1])
    ('常州市', '常州市')
    """
    if "city" not in ds.coords or "kind" not in ds.coords:
        raise InputError("ds: no 'city'/'kind' coordinates on 'box'; pass the output of ecomodel.air.simulate",
                         field="ds", expected="simulate() output")
    members = [str(b) for b, c, k in zip(ds["box"].values, ds["city"].values, ds["kind"].values)
               if str(c) == city and str(k) == "local"]
    if not members:
        raise InputError(f"city: no local box belongs to {city!r}; cities present: "
                         f"{sorted({str(c) for c in ds['city'].values if str(c)})}", field="city", value=city)
    if weights is None:
        w = np.ones(len(members))
    else:
        unknown = set(weights) - set(members)
        if unknown:
            raise InputError(f"weights: boxes {sorted(unknown)} are not districts of {city}", field="weights",
                             value=sorted(unknown), expected=str(members))
        w = np.array([float(weights.get(b, 0.0)) for b in members])
        if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise InputError(f"weights: {w.tolist()}; expected non-negative weights with a positive sum",
                             field="weights", value=w.tolist())
    w = xr.DataArray(w / w.sum(), dims="box", coords={"box": members})
    sub = ds.sel(box=members)
    avg = sub[[v for v in ds.data_vars if "box" in ds[v].dims]].weighted(w).sum("box")
    for v in avg.data_vars:
        avg[v].attrs = dict(ds[v].attrs)
    avg = avg.expand_dims(box=[city]).assign_coords(
        name_en=("box", [CITY_NAME_EN.get(city, city)]), region=("box", [city]), kind=("box", ["city"]),
        city=("box", [city]))
    out = xr.concat([ds, avg], dim="box", data_vars="minimal", coords="different", compat="equals",
                    join="outer")
    out.attrs = dict(ds.attrs)
    out.attrs["city_average"] = (f"{city}: {'equal' if weights is None else 'given'} weights over "
                                 f"{', '.join(members)} (HJ 663-2013 arithmetic mean of assessment stations)")
    return out


def _year_slices(dates: pd.DatetimeIndex):
    years = dates.year.values
    out = []
    for y in np.unique(years):
        idx = np.flatnonzero(years == y)
        out.append((int(y), idx[0], idx[-1] + 1))
    return out


def _indicator_arrays(pm: np.ndarray, o3: np.ndarray | None, dates: pd.DatetimeIndex, limit: float,
                      pm_good: float, o3_good: float):
    """Fast path: pm ``(member, day, box)``, o3 ``(member, day)`` or ``(member, day, box)`` → dict of
    ``(year, member, box)``."""
    sl = _year_slices(dates)
    if o3 is not None and o3.ndim == 2:
        o3 = np.broadcast_to(o3[:, :, None], pm.shape)
    pm_heavy, o3_heavy = iaqi_concentration("PM2.5", 200), iaqi_concentration("O3_8h", 200)
    n_y = len(sl)
    shape = (n_y, pm.shape[0], pm.shape[2])
    mean = np.empty(shape)
    p95 = np.empty(shape)
    above = np.empty(shape)
    good = np.empty(shape)
    good_pm = np.empty(shape)
    p90 = np.empty(shape)
    heavy = np.empty(shape)
    good_o3 = np.empty(shape)
    for k, (_, a, b) in enumerate(sl):
        x = pm[:, a:b, :]
        mean[k] = x.mean(axis=1)
        p95[k] = np.percentile(x, 95.0, axis=1, method="linear")
        above[k] = (x > limit).sum(axis=1)
        okpm = x <= pm_good
        good_pm[k] = okpm.mean(axis=1) * 100.0
        if o3 is not None:
            z = o3[:, a:b, :]
            oko3 = z <= o3_good
            good[k] = (okpm & oko3).mean(axis=1) * 100.0
            good_o3[k] = oko3.mean(axis=1) * 100.0
            p90[k] = np.percentile(z, 90.0, axis=1, method="linear")
            heavy[k] = ((x > pm_heavy) | (z > o3_heavy)).sum(axis=1)
        else:
            good[k] = good_pm[k]
            heavy[k] = (x > pm_heavy).sum(axis=1)
    out = {"pm25_annual_mean": mean, "pm25_p95": p95, "days_above_75": above, "good_air_days_ratio": good,
           "good_days_pm25_ratio": good_pm, "heavy_pollution_days": heavy}
    if o3 is not None:
        out["o3_mda8_p90"] = p90
        out["good_days_o3_ratio"] = good_o3
    return [y for y, _, _ in sl], out


INDICATOR_ATTRS = {
    "dustfall": DUSTFALL_ATTRS,
    "pm25_annual_mean": cf_attrs("ug/m3", "annual mean PM2.5", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
                                 "time: mean (interval: 1 day) time: mean (interval: 1 year)",
                                 references="HJ 663-2013 (annual mean of daily means)"),
    "pm25_p95": cf_attrs("ug/m3", "95th percentile of daily mean PM2.5",
                         "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
                         "time: mean (interval: 1 day) time: percentile (interval: 1 year)",
                         references="HJ 663-2013 percentile rule (linear interpolation between ranks)"),
    "days_above_75": cf_attrs("d", "days with daily mean PM2.5 above 75 ug/m3", None,
                              "time: sum (interval: 1 year)", references="GB 3095-2012 class-2 24-h limit"),
    "good_air_days_ratio": cf_attrs("%", "share of days with AQI <= 100 (good air days)", None,
                                    "time: sum (interval: 1 year)", references="HJ 633-2012"),
    "good_days_pm25_ratio": cf_attrs("%", "share of days with PM2.5 IAQI <= 100", None,
                                     "time: sum (interval: 1 year)", references="HJ 633-2012"),
    "good_days_o3_ratio": cf_attrs("%", "share of days with O3 8-h IAQI <= 100", None,
                                   "time: sum (interval: 1 year)", references="HJ 633-2012"),
    "o3_mda8_p90": cf_attrs("ug/m3", "90th percentile of the daily maximum 8-hour mean O3",
                            "mass_concentration_of_ozone_in_air",
                            "time: maximum (interval: 1 day) time: percentile (interval: 1 year)",
                            references="HJ 663-2013 (O3 8-h annual evaluation value)"),
    "heavy_pollution_days": cf_attrs("d", "days with AQI above 200 (heavy pollution or worse)", None,
                                     "time: sum (interval: 1 year)",
                                     references="HJ 633-2012 (PM2.5 > 150 ug/m3 or O3 8-h > 265 ug/m3)"),
}


def annual_indicators(ds: xr.Dataset, *, ozone: xr.DataArray | None = None, variable: str = "pm25") -> xr.Dataset:
    """Annual indicators per box, member and year from a daily simulation.

    Parameters
    ----------
    ds : xarray.Dataset
        Output of :func:`~ecomodel.air.simulate` (optionally with :func:`add_city_average`).
    ozone : xarray.DataArray, optional
        Daily maximum 8-h O3 [µg/m³] over ``(time, member)`` or ``(time, member, box)``; the
        good-day ratio then uses the AQI of PM2.5 and O3.
    variable : str
        Daily PM2.5 variable to use.

    Returns
    -------
    xarray.Dataset
        ``pm25_annual_mean``, ``pm25_p95`` [µg/m³], ``days_above_75`` [d],
        ``good_air_days_ratio`` and ``good_days_pm25_ratio`` [%] over ``(year, member, box)``.

    Examples
    --------
    >>> from ecomodel.air import demo, simulate
    >>> d = demo()
    >>> ds = simulate(d.inventory, d.meteorology(members=2, year=2020, seed=0), components=False)
    >>> ind = annual_indicators(ds)
    >>> ind["pm25_annual_mean"].dims
    ('year', 'member', 'box')
    >>> bool((ind["good_air_days_ratio"] <= 100).all())
    True
    """
    from .. import standards

    pm = _daily_pm25(ds, variable)
    limit = float(standards.gb3095_limit("PM2.5", "24h", 2))
    aqi, good, good_pm, comment = _daily_good(pm, ozone)
    year = pm["time"].dt.year
    extra = {"heavy_pollution_days": (aqi > 200).groupby(year).sum("time").astype(float)}
    if ozone is not None:
        extra.update(_ozone_indicators(ozone, pm, year))
    out = xr.Dataset({
        "pm25_annual_mean": pm.groupby(year).mean("time"),
        "pm25_p95": pm.groupby(year).quantile(0.95, dim="time", method="linear").drop_vars("quantile"),
        "days_above_75": (pm > limit).groupby(year).sum("time").astype(float),
        "good_air_days_ratio": good.groupby(year).mean("time") * 100.0,
        "good_days_pm25_ratio": good_pm.groupby(year).mean("time") * 100.0,
        **extra,
    })
    out = out.transpose("year", "member", "box")
    for v in out.data_vars:
        out[v].attrs = dict(INDICATOR_ATTRS[v])
    out["good_air_days_ratio"].attrs["comment"] = comment
    out["year"].attrs = {"long_name": "calendar year"}
    for c in ("name_en", "region", "kind", "city"):
        if c in ds.coords:
            out = out.assign_coords({c: ds[c]})
    out.attrs = {"title": "annual air-quality indicators (ecomodel.air.annual_indicators)"}
    return out


def _daily_pm25(ds: xr.Dataset, variable: str) -> xr.DataArray:
    """The checked daily PM2.5 variable of a simulation, as ``(time, member, box)``."""
    if variable not in ds:
        raise InputError(f"ds: no variable {variable!r}; variables are {list(ds.data_vars)}", field="variable",
                         value=variable)
    pm = ds[variable]
    if set(pm.dims) != {"time", "member", "box"}:
        raise InputError(f"{variable}: dims {pm.dims}; expected (time, member, box)", field=variable, value=pm.dims)
    pm = pm.transpose("time", "member", "box")
    if not bool(np.isfinite(pm.values).all()):
        raise InputError(f"{variable}: NaN or infinite daily values", field=variable, expected="finite values")
    return pm


def _daily_good(pm: xr.DataArray, ozone: xr.DataArray | None
                ) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, str]:
    """(daily AQI, good days, good days by PM2.5 alone, comment): the AQI of PM2.5 and O3 when O3 is given."""
    from .. import standards

    aqi_pm = standards.iaqi("PM2.5", pm)
    good_pm = (aqi_pm <= 100)
    if ozone is None:
        return aqi_pm, good_pm, good_pm, "PM2.5 IAQI only (no O3 series supplied)"
    if "time" not in ozone.dims:
        raise InputError("ozone: no 'time' dimension", field="ozone", value=ozone.dims)
    if not np.array_equal(ozone["time"].values, pm["time"].values):
        raise InputError("ozone: its time axis differs from the simulation's", field="ozone")
    aqi = daily_aqi(pm, ozone)
    return aqi, aqi <= 100, good_pm, "AQI of PM2.5 (24-h mean) and O3 (daily maximum 8-h mean)"


def _ozone_indicators(o3: xr.DataArray, pm: xr.DataArray, year: xr.DataArray) -> dict[str, xr.DataArray]:
    """Annual ``o3_mda8_p90`` [µg/m³] and ``good_days_o3_ratio`` [%] from the daily O3 series."""
    from .. import standards

    o3b = o3.broadcast_like(pm).transpose("time", "member", "box")

    def p90(g):  # HJ 663-2013 percentile of each member's and box's days of one year
        """90th percentile after HJ 663-2013 over ``time``."""
        return xr.apply_ufunc(lambda a: np.apply_along_axis(standards.hj663_percentile, -1, a, 90.0), g,
                              input_core_dims=[["time"]])

    return {"o3_mda8_p90": o3b.groupby(year).map(p90),
            "good_days_o3_ratio": (standards.iaqi("O3_8h", o3b) <= 100).groupby(year).mean("time") * 100.0}


def to_regions(ind: xr.Dataset,
               variables: Sequence[str] = ("pm25_annual_mean", "good_air_days_ratio")) -> xr.Dataset:
    """Indicators over ``(year, member, region)`` for :func:`ecomodel.targets.check`.

    Boxes without a registry region (the background box) are dropped; ``region_en`` is kept.

    Examples
    --------
    >>> from ecomodel.air import demo, simulate
    >>> ds = simulate(demo().inventory, demo().meteorology(members=1, year=2020, seed=0), components=False)
    >>> reg = to_regions(annual_indicators(add_city_average(ds)))
    >>> "常州市武进区" in reg["region"].values.tolist(), reg["pm25_annual_mean"].dims
    (True, ('year', 'member', 'region'))
    """
    if "region" not in ind.coords:
        raise InputError("ind: no 'region' coordinate on 'box'", field="ind", expected="annual_indicators() output")
    keep = [i for i, r in enumerate(ind["region"].values) if str(r)]
    sub = ind[list(variables)].isel(box=keep)
    regions = [str(r) for r in sub["region"].values]
    names = [str(n) for n in sub["name_en"].values] if "name_en" in sub.coords else regions
    sub = sub.drop_vars([c for c in ("region", "name_en", "kind", "city", "box") if c in sub.coords])
    sub = sub.rename({"box": "region"}).assign_coords(region=("region", regions), region_en=("region", names))
    sub["region"].attrs = {"long_name": "plan-target registry region"}
    sub.attrs = dict(ind.attrs)
    return sub
