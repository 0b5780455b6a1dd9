"""Daily regional meteorology: a seeded stochastic generator and loaders for observed series.

Variables (one series per member for the whole domain): ``wind_speed`` — mean transport wind in
the mixed layer [m/s]; ``mixing_height`` [m]; ``temperature`` [degC]; ``relative_humidity`` [%];
``precipitation`` [mm/d].

Generator
---------
A monthly climatology (``ecomodel/data/air/meteorology_climatology.csv``, typical of Changzhou and
the Yangtze River Delta; see SOURCES.md) is interpolated to each day of the year. Anomalies are
AR(1) processes (``x_t = ρ x_{t−1} + √(1−ρ²) ε_t``). A shared *stagnation* index drives wind speed
and mixing height together (log-normal, mean-preserving), so calm days also have shallow mixed
layers — the situation of winter haze. Rain occurrence is a two-state Markov chain with the
monthly wet-day frequency ``p`` and lag-1 persistence ``r`` (``P(wet|dry) = p(1−r)``,
``P(wet|wet) = p + r(1−p)``); wet-day amounts are gamma distributed with the monthly mean per wet
day (Richardson 1981, *Water Resour. Res.* 17, 182 — the WGEN weather-generator structure).
Relative humidity rises on wet days.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from .._cf import cf_attrs
from ..errors import MeteorologyError, UnitError, close_matches
from ..units import convert

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from numpy.typing import ArrayLike

__all__ = ["MeteorologySettings", "load_climatology", "generate_meteorology", "load_meteorology",
           "check_meteorology", "meteorology_arrays", "VARIABLES"]

#: variable -> (canonical unit, long name, CF standard name)
VARIABLES = {
    "wind_speed": ("m/s", "mixed-layer mean wind speed", "wind_speed"),
    "mixing_height": ("m", "mixing height (daily mean)", "atmosphere_boundary_layer_thickness"),
    "temperature": ("degC", "air temperature (daily mean)", "air_temperature"),
    "relative_humidity": ("%", "relative humidity (daily mean)", "relative_humidity"),
    "precipitation": ("mm/d", "precipitation amount per day", "lwe_precipitation_rate"),
}
_CLIM_COLUMNS = ("month", "temperature", "relative_humidity", "wind_speed", "mixing_height", "precipitation",
                 "wet_days")


def load_climatology(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Monthly climatology table (12 rows): temperature [degC], relative_humidity [%], wind_speed
    [m/s], mixing_height [m], precipitation [mm/month], wet_days [d/month].

    Examples
    --------
    >>> clim = load_climatology()
    >>> int(clim["precipitation"].sum()) > 1000
    True
    """
    from .._data import data_path

    df = pd.read_csv(path or data_path("air", "meteorology_climatology.csv"), comment="#")
    missing = [c for c in _CLIM_COLUMNS if c not in df.columns]
    if missing:
        raise MeteorologyError(f"climatology: missing columns {missing}", field="columns", value=missing,
                               expected=str(list(_CLIM_COLUMNS)))
    df = df.sort_values("month").reset_index(drop=True)
    if df["month"].tolist() != list(range(1, 13)):
        raise MeteorologyError(f"climatology: months {df['month'].tolist()}; expected 1..12", field="month",
                               value=df["month"].tolist())
    vals = df[list(_CLIM_COLUMNS[1:])].to_numpy(float)
    if not np.all(np.isfinite(vals)):
        raise MeteorologyError("climatology: NaN values", field="climatology")
    for c in ("wind_speed", "mixing_height"):
        if (df[c] <= 0).any():
            raise MeteorologyError(f"climatology: {c} must be > 0", field=c, value=float(df[c].min()), expected="> 0")
    if ((df["wet_days"] < 0) | (df["precipitation"] < 0)).any():
        raise MeteorologyError("climatology: negative precipitation or wet days", field="precipitation")
    return df


@dataclass(frozen=True)
class MeteorologySettings:
    """Parameters of the stochastic weather generator (all assumptions, documented in SOURCES.md).

    Parameters
    ----------
    climatology : pandas.DataFrame
        Monthly means (see :func:`load_climatology`); the embedded Changzhou table by default.
    temperature_sd : float
        Standard deviation of daily temperature anomalies [degC].
    temperature_ar1 : float
        Lag-1 autocorrelation of temperature anomalies [1].
    stagnation_ar1 : float
        Lag-1 autocorrelation of the shared stagnation index [1].
    stagnation_weight : float
        Loading of wind and mixing-height anomalies on the stagnation index [1] (0–1).
    wind_sd, mixing_height_sd : float
        Standard deviation of log wind speed and log mixing height [1].
    wind_ar1, mixing_height_ar1 : float
        Lag-1 autocorrelation of their own (non-shared) anomalies [1].
    rh_sd : float
        Standard deviation of relative-humidity anomalies [%].
    rh_ar1 : float
        Lag-1 autocorrelation of relative-humidity anomalies [1].
    rh_wet_increase : float
        Extra relative humidity on wet days (relative to the monthly mean) [%].
    wet_persistence : float
        Lag-1 persistence ``r`` of rain occurrence [1].
    rain_shape : float
        Gamma shape of wet-day amounts [1].

    Examples
    --------
    >>> s = MeteorologySettings()
    >>> s.replace(temperature_sd=3.0).temperature_sd
    3.0
    """

    climatology: pd.DataFrame = field(default=None, repr=False)
    temperature_sd: float = 2.5
    temperature_ar1: float = 0.8
    stagnation_ar1: float = 0.7
    stagnation_weight: float = 0.8
    wind_sd: float = 0.35
    wind_ar1: float = 0.4
    mixing_height_sd: float = 0.35
    mixing_height_ar1: float = 0.4
    rh_sd: float = 8.0
    rh_ar1: float = 0.6
    rh_wet_increase: float = 8.0
    wet_persistence: float = 0.35
    rain_shape: float = 0.75

    def __post_init__(self):
        if self.climatology is None:
            object.__setattr__(self, "climatology", load_climatology())
        for name in ("temperature_ar1", "stagnation_ar1", "wind_ar1", "mixing_height_ar1", "rh_ar1",
                     "wet_persistence", "stagnation_weight"):
            v = getattr(self, name)
            if not (0.0 <= v < 1.0):
                raise MeteorologyError(f"{name}: {v}; expected 0 <= value < 1", field=name, value=v, expected="[0, 1)")
        for name in ("temperature_sd", "wind_sd", "mixing_height_sd", "rh_sd", "rh_wet_increase"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise MeteorologyError(f"{name}: {v}; expected a finite value >= 0", field=name, value=v)
        if not self.rain_shape > 0:
            raise MeteorologyError(f"rain_shape: {self.rain_shape}; expected > 0", field="rain_shape",
                                   value=self.rain_shape)

    def replace(self, **changes: Any) -> "MeteorologySettings":
        """A copy with some parameters changed."""
        return replace(self, **changes)


def _daily_climatology(clim: pd.DataFrame, dates: pd.DatetimeIndex) -> dict:
    """Interpolate monthly means to *dates* (periodic, anchored mid-month)."""
    doy = dates.day_of_year.values.astype(float)
    mid = np.array([pd.Timestamp(2021, m, 15).day_of_year for m in range(1, 13)], dtype=float)
    xs = np.concatenate([mid[-1:] - 365.0, mid, mid[:1] + 365.0])
    out = {}
    for c in ("temperature", "relative_humidity", "wind_speed", "mixing_height"):
        v = clim[c].to_numpy(float)
        out[c] = np.interp(doy, xs, np.concatenate([v[-1:], v, v[:1]]))
    month = dates.month.values - 1
    dim = dates.days_in_month.values.astype(float)
    wet_days = clim["wet_days"].to_numpy(float)[month]
    out["p_wet"] = np.clip(wet_days / dim, 0.0, 0.98)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["wet_mean"] = np.where(wet_days > 0, clim["precipitation"].to_numpy(float)[month] / np.maximum(wet_days, 1e-9),
                                   0.0)
    return out


def _ar1(rng, rho: float, shape) -> np.ndarray:
    eps = rng.standard_normal(shape)
    x = np.empty(shape)
    x[0] = eps[0]
    c = np.sqrt(1.0 - rho * rho)
    for t in range(1, shape[0]):
        x[t] = rho * x[t - 1] + c * eps[t]
    return x


def _dates(years=None, time=None) -> pd.DatetimeIndex:
    if time is not None:
        dates = pd.DatetimeIndex(time)
    else:
        if years is None:
            raise MeteorologyError("give either years or time", field="years", expected="a year list or a time index")
        years = [int(y) for y in np.atleast_1d(years)]
        if sorted(years) != list(range(min(years), max(years) + 1)):
            raise MeteorologyError(f"years: {years}; expected consecutive years", field="years", value=years)
        dates = pd.date_range(f"{min(years)}-01-01", f"{max(years)}-12-31", freq="D")
    if len(dates) == 0:
        raise MeteorologyError("time: empty", field="time", value=0, expected=">= 1 day")
    return dates


def generate_meteorology(settings: MeteorologySettings | None = None, *, years: int | Sequence[int] | None = None,
                         time: ArrayLike | None = None, members: int = 1,
                         seed: int | np.random.Generator | None = None) -> xr.Dataset:
    """Generate an ensemble of daily regional meteorology.

    Parameters
    ----------
    settings : MeteorologySettings, optional
        Generator parameters (the documented Changzhou defaults when omitted).
    years : int or sequence of int, optional
        Consecutive calendar years to generate.
    time : array-like of dates, optional
        Daily dates instead of *years*.
    members : int
        Number of ensemble members.
    seed : int or numpy.random.Generator, optional
        Same seed, same series (on every machine).

    Returns
    -------
    xarray.Dataset
        ``wind_speed`` [m/s], ``mixing_height`` [m], ``temperature`` [degC],
        ``relative_humidity`` [%], ``precipitation`` [mm/d] over ``(time, member)``.

    Examples
    --------
    >>> met = generate_meteorology(years=2020, members=3, seed=42)
    >>> met.sizes["time"], met.sizes["member"]
    (366, 3)
    >>> bool((met["mixing_height"] > 0).all())
    True
    """
    s = settings or MeteorologySettings()
    if int(members) < 1:
        raise MeteorologyError(f"members: {members}; expected >= 1", field="members", value=members, expected=">= 1")
    dates = _dates(years, time)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_day, n_mem = len(dates), int(members)
    shape = (n_day, n_mem)
    clim = _daily_climatology(s.climatology, dates)
    stag = _ar1(rng, s.stagnation_ar1, shape)
    w = s.stagnation_weight
    c = np.sqrt(1.0 - w * w)
    t = clim["temperature"][:, None] + s.temperature_sd * _ar1(rng, s.temperature_ar1, shape)
    zu = w * stag + c * _ar1(rng, s.wind_ar1, shape)
    zh = w * stag + c * _ar1(rng, s.mixing_height_ar1, shape)
    u = clim["wind_speed"][:, None] * np.exp(s.wind_sd * zu - 0.5 * s.wind_sd ** 2)
    h = clim["mixing_height"][:, None] * np.exp(s.mixing_height_sd * zh - 0.5 * s.mixing_height_sd ** 2)
    # rain occurrence: two-state Markov chain; amounts: gamma with the monthly mean per wet day
    p = clim["p_wet"]
    r = s.wet_persistence
    wet = np.zeros(shape, dtype=bool)
    draws = rng.random(shape)
    wet[0] = draws[0] < p[0]
    for k in range(1, n_day):
        prob = np.where(wet[k - 1], p[k] + r * (1.0 - p[k]), p[k] * (1.0 - r))
        wet[k] = draws[k] < prob
    amount = rng.gamma(s.rain_shape, 1.0, shape) * (clim["wet_mean"][:, None] / s.rain_shape)
    prec = np.where(wet, amount, 0.0)
    rh = (clim["relative_humidity"][:, None] + s.rh_sd * _ar1(rng, s.rh_ar1, shape)
          + s.rh_wet_increase * (wet - p[:, None]))
    rh = np.clip(rh, 15.0, 99.0)
    data = {"wind_speed": u, "mixing_height": h, "temperature": t, "relative_humidity": rh, "precipitation": prec}
    ds = xr.Dataset({k: (("time", "member"), v) for k, v in data.items()},
                    coords={"time": dates, "member": np.arange(n_mem)})
    for k in data:
        unit, long_name, std = VARIABLES[k]
        cm = "time: sum (interval: 1 day)" if k == "precipitation" else "time: mean (interval: 1 day)"
        ds[k].attrs = cf_attrs(unit, long_name, std, cm)
    ds.attrs = {"title": "stochastic daily meteorology (ecomodel.air.generate_meteorology)",
                "seed": str(seed) if not isinstance(seed, np.random.Generator) else "Generator"}
    return ds


def load_meteorology(path: str | os.PathLike[str], *, member: int | None = None) -> xr.Dataset:
    """Read observed daily meteorology from CSV or netCDF.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file with a ``time`` (or ``date``) column, an optional ``member`` column and the
        five variables in the units of :data:`VARIABLES` (a column may carry its unit in brackets,
        ``temperature [K]``); or a netCDF file whose variables have ``units`` attributes.
    member : int, optional
        Keep one member only.

    Returns
    -------
    xarray.Dataset
        Validated series over ``(time, member)`` in canonical units.

    Examples
    --------
    >>> import tempfile, os
    >>> met = generate_meteorology(years=2021, members=1, seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "met.csv")
    >>> met.isel(member=0).drop_vars("member").to_dataframe().to_csv(path)
    >>> load_meteorology(path).sizes["time"]
    365
    """
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        raise MeteorologyError(f"meteorology file {str(path)!r} does not exist", field="path", value=str(path))
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, comment="#")
        tcol = next((c for c in df.columns if c.lower() in ("time", "date")), None)
        if tcol is None:
            raise MeteorologyError(f"{path.name}: no 'time' or 'date' column (columns {list(df.columns)})",
                                   field="time", value=list(df.columns))
        df[tcol] = pd.to_datetime(df[tcol])
        units = {}
        ren = {}
        for col in df.columns:
            name = col
            if "[" in col and col.endswith("]"):
                name, unit = col[:-1].split("[", 1)
                name = name.strip()
                units[name] = unit.strip()
            ren[col] = name
        df = df.rename(columns=ren).rename(columns={tcol.split("[")[0].strip(): "time"})
        index = ["time", "member"] if "member" in df.columns else ["time"]
        ds = df.set_index(index).to_xarray()
        for name, unit in units.items():
            if name in ds:
                ds[name].attrs["units"] = unit
    elif path.suffix.lower() in (".nc", ".nc4", ".netcdf", ".h5"):
        ds = xr.open_dataset(path).load()
    else:
        raise MeteorologyError(f"{path.name}: unknown file type {path.suffix!r}; expected .csv or .nc",
                               field="path", value=path.suffix, expected=".csv or .nc")
    if member is not None:
        if "member" not in ds.dims:
            raise MeteorologyError(f"member={member} requested but {path.name} has no member dimension",
                                   field="member", value=member)
        ds = ds.sel(member=[member])
    return check_meteorology(ds)


def check_meteorology(ds: xr.Dataset) -> xr.Dataset:
    """Validate a meteorology Dataset and return it in canonical units over ``(time, member)``.

    Raises
    ------
    MeteorologyError
        Missing variables, extra dimensions (the meteorology is regional), non-daily or unsorted
        time, NaN, mixing height <= 0, negative wind or precipitation, RH outside 0–100 %, or
        implausible temperature — naming the variable, date and member.

    Examples
    --------
    >>> met = generate_meteorology(years=2021, seed=1)
    >>> bad = met.copy(deep=True)
    >>> bad["mixing_height"][3, 0] = 0.0
    >>> check_meteorology(bad)
    Traceback (most recent call last):
    ...
    ecomodel.errors.MeteorologyError: mixing_height: 0 m on 2021-01-04, member 0; expected > 0 m
    """
    if not isinstance(ds, xr.Dataset):
        raise MeteorologyError(f"meteorology: expected an xarray.Dataset, got {type(ds).__name__}",
                               field="meteorology", value=type(ds).__name__)
    missing = [v for v in VARIABLES if v not in ds]
    if missing:
        have = list(ds.data_vars)
        hint = close_matches(missing[0], have) if have else ""
        raise MeteorologyError(f"meteorology: missing variable(s) {missing}{hint}", field=missing[0],
                               expected=f"variables {list(VARIABLES)}")
    if "time" not in ds.dims:
        raise MeteorologyError(f"meteorology: no 'time' dimension (dims {dict(ds.sizes)})", field="time")
    if "member" not in ds.dims:
        ds = ds.expand_dims(member=[0])
    res = _canonical_variables(ds)
    dates = pd.DatetimeIndex(res["time"].values)
    if len(dates) > 1 and not (np.diff(dates.values) == np.timedelta64(1, "D")).all():
        k = int(np.argmax(np.diff(dates.values) != np.timedelta64(1, "D")))
        raise MeteorologyError(f"time: {dates[k].date()} is followed by {dates[k + 1].date()}; expected consecutive "
                               "daily steps", field="time", value=str(dates[k + 1].date()), expected="daily steps")
    _check_ranges(res, dates)
    res.attrs = dict(ds.attrs)
    return res


def _canonical_variables(ds: xr.Dataset) -> xr.Dataset:
    """The meteorology variables over ``(time, member)`` in their canonical units, with CF attributes."""
    out = {}
    for v, (unit, long_name, std) in VARIABLES.items():
        da = ds[v]
        extra = set(da.dims) - {"time", "member"}
        if extra:
            raise MeteorologyError(f"{v}: dims {da.dims}; the meteorology is regional, expected (time, member)",
                                   field=v, value=da.dims, expected="(time, member)")
        if "member" not in da.dims:
            da = da.expand_dims(member=ds["member"].values)
        da = da.transpose("time", "member")
        src = da.attrs.get("units", unit)
        try:
            vals = np.asarray(convert(np.asarray(da.values, dtype=float), src, unit), dtype=float)
        except UnitError as exc:
            raise MeteorologyError(f"{v}: {exc}", field=v, value=src, expected=unit) from None
        out[v] = xr.DataArray(vals, dims=("time", "member"), attrs=cf_attrs(unit, long_name, std))
    return xr.Dataset(out, coords={"time": ds["time"].values, "member": ds["member"].values})


def _check_ranges(res: xr.Dataset, dates: pd.DatetimeIndex) -> None:
    """Raise MeteorologyError at the first NaN or out-of-range value, naming the variable, date and member."""
    members = res["member"].values

    def where(mask):
        """Text and index of the first true element of a ``(time, member)`` mask."""
        i, j = np.argwhere(mask)[0]
        return f"on {dates[i].date()}, member {members[j]}", (i, j)

    limits = {"wind_speed": (0.0, None, False), "mixing_height": (0.0, None, True), "precipitation": (0.0, None, False),
              "relative_humidity": (0.0, 100.0, False), "temperature": (-73.15, 66.85, False)}
    for v, (lo, hi, strict) in limits.items():
        x = res[v].values
        unit = VARIABLES[v][0]
        nan = ~np.isfinite(x)
        if nan.any():
            txt, _ = where(nan)
            raise MeteorologyError(f"{v}: NaN {txt}; expected finite values (fill gaps before use)", field=v,
                                   value=float("nan"), expected="finite")
        bad = (x <= lo) if strict else (x < lo)
        if hi is not None:
            bad |= x > hi
        if bad.any():
            txt, ij = where(bad)
            exp = (f"> {lo:g} {unit}" if strict else f">= {lo:g} {unit}") if hi is None else f"{lo:g}–{hi:g} {unit}"
            raise MeteorologyError(f"{v}: {x[ij]:g} {unit} {txt}; expected {exp}", field=v, value=float(x[ij]),
                                   expected=exp)


def meteorology_arrays(ds: xr.Dataset) -> tuple[dict[str, np.ndarray], pd.DatetimeIndex, np.ndarray]:
    """Kernel inputs from a meteorology Dataset: arrays ``(member, day)`` in kernel units
    (wind m/s, mixing height m, temperature K, RH fraction, precipitation mm/d), day of year,
    dates and member labels."""
    ds = check_meteorology(ds)
    arr = lambda v: np.ascontiguousarray(ds[v].values.T, dtype=np.float64)  # noqa: E731
    dates = pd.DatetimeIndex(ds["time"].values)
    met = {"wind": arr("wind_speed"), "mixh": arr("mixing_height"), "temp": arr("temperature") + 273.15,
           "rh": arr("relative_humidity") / 100.0, "prec": arr("precipitation"),
           "doy": np.ascontiguousarray(dates.day_of_year.values, dtype=np.float64)}
    return met, dates, ds["member"].values
