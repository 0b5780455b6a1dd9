"""Dustfall (降尘): the mass of coarse dust settling on the ground per box, [t km-2 month-1].

Dustfall is what a gauge collects by gravity (GB/T 15265-1994, 环境空气 降尘的测定 重量法); its
particles are mostly larger than 10 µm, so the PM2.5 model does not hold it. It is built here from
the same inventory: the ``dust`` sector (fugitive dust of construction sites, roads and yards) is
the PM2.5 part of a total-suspended-particle (TSP) emission ``r`` times larger, and a fixed share
``φ`` of the TSP emitted over a box settles in it:

.. math::

    D_{b,m} = \\varphi \\, r \\, \\Big(\\frac{E_{b}}{A_b} + \\frac{E_{bg}}{A_{bg}}\\Big)
              \\, \\frac{p_m}{12} \\, w_m

with ``E`` the dust-sector PM2.5 emission [t/yr] of box ``b`` and of the regional background box
(after trend, calibration and reductions), ``A`` the areas [km²], ``p_m`` the dust sector's monthly
factor and ``w_m`` the wet-day factor of the member's weather:
AP-42 §13.2.1 eq. 2 (US EPA 2011) scales fugitive road dust by ``(1 − P/(4N))`` for ``P`` wet days
in ``N``; here it is divided by its climatological value so that an average month gives 1 (the
inventory is an average year) and only the weather anomaly varies between members. A month's value
is its deposit expressed per average month (a twelfth of the year, as gauges report a standard
period, GB/T 15265-1994); the annual ``dustfall`` is the year's deposit / 12 (the day-weighted mean
of the months).

``r`` = 3.23/0.15 (AP-42 §13.2.1 particle-size multipliers, PM30/PM2.5); ``φ`` is fitted in-sample
to the one Changzhou observation (the 2023 January–February mean of the provincial-assessment
sites, 1.9 t/(km²·month)); see ``ecomodel/data/air/SOURCES.md``. Cuts of the ``dust`` sector cut
dustfall in proportion (the same control efficiency for TSP as for PM2.5, an assumption).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._checks import as_float_array
from ..errors import EmissionError, InputError, MeteorologyError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import xarray as xr

    from .box import Domain
    from .emissions import Inventory

__all__ = ["DustfallParameters", "DUSTFALL_UNITS", "DUSTFALL_ATTRS", "wet_day_factor", "monthly_dustfall",
           "dustfall", "expected_dustfall", "fit_deposited_fraction", "load_dustfall_observations"]

#: UDUNITS-2 spelling of dustfall (a month is a twelfth of a 365-day year in ecomodel's conversions)
DUSTFALL_UNITS = "t km-2 month-1"

#: CF attributes of the annual dustfall indicator
DUSTFALL_ATTRS = {
    "units": DUSTFALL_UNITS, "long_name": "dustfall: coarse dust deposited by gravity (annual mean of months)",
    "cell_methods": "time: sum (interval: 1 month) time: mean (interval: 1 year)",
    "references": "GB/T 15265-1994 (gravimetric dustfall); AP-42 13.2.1 (US EPA 2011) size and rain factors",
    "comment": "deposited fraction fitted in-sample to Changzhou's 2023 Jan-Feb provincial-site mean "
               "(1.9 t/(km2 month)); member spread from wet days only",
    "check_note": "in-sample: the deposited fraction is fitted to Changzhou's Jan-Feb 2023 dustfall (1.9 t/(km2 "
                  "month), bulletin); the member spread is the wet-day anomaly only (~1 % of the annual value), "
                  "so the probability is in effect 0 or 1",
}

_DUST = "dust"
_PM25 = "PM2.5"


@dataclass(frozen=True)
class DustfallParameters:
    """Coefficients of :func:`monthly_dustfall`.

    Parameters
    ----------
    tsp_per_pm25 : float
        TSP / PM2.5 mass ratio of fugitive dust [1]: AP-42 §13.2.1 Table 13.2.1-1 particle-size
        multipliers, k(PM30) / k(PM2.5) = 3.23 / 0.15 g/VKT (US EPA 2011).
    deposited_fraction : float
        Share of the TSP emitted over a box that settles in it as dustfall [1]; fitted in-sample
        (:func:`fit_deposited_fraction`) to the 2023 Jan–Feb Changzhou mean of 1.9 t/(km²·month).
    rain_weight : float
        Weight of the wet-day share in the rain factor ``1 − rain_weight·P/N`` [1]: 1/4, AP-42
        §13.2.1 eq. 2.
    regional : bool
        Add the regional background box's emission density to every local box.
    """

    tsp_per_pm25: float = 3.23 / 0.15
    deposited_fraction: float = 0.4238
    rain_weight: float = 0.25
    regional: bool = True

    def __post_init__(self):
        for name, lo, hi in (("tsp_per_pm25", 1.0, np.inf), ("deposited_fraction", 0.0, 1.0),
                             ("rain_weight", 0.0, 0.999)):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and lo < v <= hi) and not (
                    name == "rain_weight" and v == 0):
                raise InputError(f"DustfallParameters.{name}: {v!r}; expected a number in ({lo}, {hi}]",
                                 field=name, value=v, expected=f"({lo}, {hi}]")


def wet_day_factor(precipitation: np.ndarray, dates: pd.DatetimeIndex, wet_days: np.ndarray, *,
                   rain_weight: float = 0.25) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Rain factor of each member and month, relative to the climatology [1].

    .. math:: w = \\frac{1 - c\\,P/N}{1 - c\\,\\bar P/N}

    with ``P`` the days with precipitation > 0 in the month, ``N`` its days in *dates*, ``P̄`` the
    climatological wet days scaled to ``N`` and ``c`` = *rain_weight* (AP-42 §13.2.1 eq. 2: 1/4).

    Parameters
    ----------
    precipitation : array-like
        Daily precipitation ``(member, day)`` [mm/d].
    dates : pandas.DatetimeIndex
        The days.
    wet_days : array-like
        Climatological wet days of each calendar month, 12 values [d/month].
    rain_weight : float
        ``c`` [1].

    Returns
    -------
    (numpy.ndarray, list)
        Factors ``(member, period)`` and the periods ``[(year, month), ...]``.

    Examples
    --------
    >>> dates = pd.date_range("2023-01-01", "2023-01-31")
    >>> prec = np.zeros((1, 31)); prec[0, :10] = 1.0   # 10 wet days, as the climatology
    >>> w, periods = wet_day_factor(prec, dates, np.full(12, 10.0))
    >>> periods, float(w[0, 0])
    ([(2023, 1)], 1.0)
    """
    prec = as_float_array(precipitation, "precipitation", error=MeteorologyError, ndim=2)
    clim = as_float_array(wet_days, "wet_days", error=MeteorologyError, ndim=1)
    if clim.shape != (12,):
        raise MeteorologyError(f"wet_days: {clim.shape[0]} values; expected 12 (one per month)", field="wet_days",
                               value=clim.shape[0], expected="12 monthly values")
    if prec.shape[1] != len(dates):
        raise MeteorologyError(f"precipitation: {prec.shape[1]} days for {len(dates)} dates", field="precipitation",
                               value=prec.shape, expected=f"(member, {len(dates)})")
    keys, n = _periods(dates, error=MeteorologyError)
    starts = np.r_[0, np.cumsum(n[:-1])].astype(np.int64)
    wet = np.add.reduceat((prec > 0.0).astype(np.float64), starts, axis=1)
    full = np.array([pd.Period(f"{y}-{m:02d}").days_in_month for y, m in keys], dtype=float)
    expected = np.minimum(clim[[m - 1 for _, m in keys]] * n / full, n)
    return (1.0 - rain_weight * wet / n) / (1.0 - rain_weight * expected / n)[None, :], keys


def monthly_dustfall(dust_emission: np.ndarray, area_km2: np.ndarray, profile: np.ndarray,
                     wet_factor: np.ndarray, *, background_density: np.ndarray | float = 0.0,
                     parameters: DustfallParameters | None = None) -> np.ndarray:
    """Dustfall of each member, month and box [t km-2 month-1] (the closed form of the module).

    Parameters
    ----------
    dust_emission : array-like
        Dust-sector PM2.5 emission ``(period, box)`` [t/yr] (the rate in force that month).
    area_km2 : array-like
        Box areas ``(box,)`` [km²].
    profile : array-like
        Monthly factor of the dust sector ``(period,)`` [1] (day-weighted mean 1 over a year).
    wet_factor : array-like
        Rain factor ``(member, period)`` [1] (:func:`wet_day_factor`).
    background_density : array-like or float
        Regional dust PM2.5 emission density [t km-2 yr-1] added to each box: a number, ``(period,)``
        (every box) or ``(period, box)``.
    parameters : DustfallParameters, optional
        Coefficients.

    Returns
    -------
    numpy.ndarray
        ``(member, period, box)`` [t km-2 month-1].

    Examples
    --------
    >>> p = DustfallParameters(tsp_per_pm25=20.0, deposited_fraction=0.5)
    >>> d = monthly_dustfall([[120.0]], [10.0], [1.0], [[1.0]], parameters=p)
    >>> round(float(d[0, 0, 0]), 9)   # 0.5 * 20 * (120 t/yr / 10 km2) / 12 months
    10.0
    """
    p = parameters or DustfallParameters()
    e = as_float_array(dust_emission, "dust_emission", error=EmissionError, ndim=2)
    a = as_float_array(area_km2, "area_km2", positive=True, ndim=1)
    prof = as_float_array(profile, "profile", ndim=1)
    w = as_float_array(wet_factor, "wet_factor", error=MeteorologyError, ndim=2)
    bg = as_float_array(background_density, "background_density", error=EmissionError)
    bg = np.broadcast_to(bg[:, None] if bg.ndim == 1 else bg, e.shape) if p.regional else np.zeros(e.shape)
    if e.shape[1] != a.shape[0] or not (e.shape[0] == prof.shape[0] == w.shape[1]):
        raise InputError(f"dust_emission {e.shape}, area_km2 {a.shape}, profile {prof.shape}, wet_factor "
                         f"{w.shape}: expected (period, box), (box,), (period,), (member, period)",
                         field="dust_emission", value=e.shape)
    density = e / a[None, :] + bg  # (period, box) [t km-2 yr-1] of PM2.5
    month = p.deposited_fraction * p.tsp_per_pm25 * density * (prof / 12.0)[:, None]
    return w[:, :, None] * month[None, :, :]


def _dust_inputs(inventory: Inventory, domain: Domain, keys, factors_by_year: Mapping[int, np.ndarray]):
    """Per period, in domain box order: dust PM2.5 [t/yr] (period, box), the regional density added to
    each box [t/km²/yr] (period, box; 0 for the background box itself), areas [km²], profile."""
    from .emissions import POLLUTANTS, SECTORS

    sec, pol = SECTORS.index(_DUST), POLLUTANTS.index(_PM25)
    order = [inventory.boxes.index(b) for b in domain.boxes]
    is_bg = np.array([k == "background" for k in domain.kind])
    area = np.asarray(domain.area, dtype=float) / 1e6
    base = inventory.emissions.values[:, sec, pol]
    e = np.array([(base * np.asarray(factors_by_year[y])[:, sec, pol])[order] for y, _ in keys])
    bg_density = e[:, is_bg].sum(axis=1) / area[is_bg].sum() if is_bg.any() else np.zeros(len(keys))
    bg = np.where(is_bg[None, :], 0.0, bg_density[:, None])
    prof = inventory.monthly_profile.values[sec][[m - 1 for _, m in keys]]
    return list(domain.boxes), area, e, bg, prof


def _periods(dates: pd.DatetimeIndex,
             error: type[InputError] = InputError) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The (year, month) periods of consecutive *dates* and their days in *dates* [d]; *error* for
    dates out of time order."""
    code = np.asarray(dates.year.values, dtype=np.int64) * 12 + np.asarray(dates.month.values) - 1
    if len(code) == 0 or (np.diff(code) < 0).any():
        raise error("dates: expected consecutive days in time order", field="dates", value=len(code))
    starts = np.flatnonzero(np.r_[True, np.diff(code) != 0])
    keys = [(int(c // 12), int(c % 12) + 1) for c in code[starts]]
    return keys, np.diff(np.r_[starts, len(code)]).astype(float)


def _annual(monthly: np.ndarray, keys, days: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Day-weighted mean of the months of each year (the year's deposit / 12):
    ``(member, period, box)`` → ``(year, member, box)``."""
    years = sorted({y for y, _ in keys})
    yr = np.array([y for y, _ in keys])
    out = np.zeros((len(years), monthly.shape[0], monthly.shape[2]))
    for i, y in enumerate(years):
        idx = np.flatnonzero(yr == y)
        weights = days[idx] / days[idx].sum()
        for k, wk in zip(idx, weights):  # month by month in a fixed order, not BLAS (tensordot): the sum
            out[i] += monthly[:, k, :] * wk  # must not depend on how many members share the call
    return years, out


def dustfall_arrays(inventory: Inventory, domain: Domain, dates: pd.DatetimeIndex,
                    factors_by_year: Mapping[int, np.ndarray], precipitation: np.ndarray | None, *,
                    parameters: DustfallParameters | None = None, wet_days: np.ndarray | None = None
                    ) -> tuple[list[str], list[int], np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Fast path for the trajectory: ``(boxes, years, annual (year, member, box), monthly
    (member, period, box), periods)`` in domain box order; *precipitation* None gives the
    climatological weather (w = 1)."""
    p = parameters or DustfallParameters()
    keys, days = _periods(dates)
    yr = np.array([y for y, _ in keys])
    if any(days[yr == y].sum() < 365 for y in set(yr.tolist())):
        raise InputError("dates: dustfall needs whole calendar years", field="dates", value=len(dates),
                         expected="every day of each year")
    if precipitation is None:
        w = np.ones((1, len(keys)))
    else:
        if wet_days is None:
            from .meteorology import load_climatology

            wet_days = load_climatology()["wet_days"].to_numpy(float)
        w, _ = wet_day_factor(precipitation, dates, wet_days, rain_weight=p.rain_weight)
    boxes, area, e, bg, prof = _dust_inputs(inventory, domain, keys, factors_by_year)
    monthly = monthly_dustfall(e, area, prof, w, background_density=bg, parameters=p)
    years, annual = _annual(monthly, keys, days)
    return boxes, years, annual, monthly, keys


def dustfall(inventory: Inventory, meteorology: xr.Dataset | None = None,
             reductions: Mapping[Any, Any] | None = None, *, domain: Domain | None = None,
             years: Iterable[int] | None = None, parameters: DustfallParameters | None = None,
             city: str | None = "常州市") -> xr.Dataset:
    """Monthly and annual dustfall per box (and the city average) [t km-2 month-1]; the regional
    background box gets its own emission density only.

    Parameters
    ----------
    inventory : Inventory
        Emissions [t/yr] with a ``dust`` sector (its PM2.5 drives dustfall).
    meteorology : xarray.Dataset, optional
        Generated weather (:func:`ecomodel.air.generate_meteorology`); its daily precipitation
        [mm/d] gives each member's wet days. Without it: the climatological weather of *years*.
    reductions : mapping, optional
        Emission cuts or a schedule (see :mod:`ecomodel.air.emissions`); ``("dust", "PM2.5")``
        keys act on dustfall.
    domain : Domain, optional
        Box geometry (the demo's by default).
    years : iterable of int, optional
        Years without *meteorology* (default: the inventory's year).
    parameters : DustfallParameters, optional
        Coefficients.
    city : str or None
        Add the equal-weight average of this city's local boxes (as :func:`ecomodel.air.add_city_average`);
        a city with no local box raises :class:`~ecomodel.errors.InputError`. ``None``: boxes only.

    Returns
    -------
    xarray.Dataset
        ``dustfall`` over ``(year, member, box)`` and ``dustfall_monthly`` over
        ``(month, member, box)`` [t km-2 month-1].

    Examples
    --------
    >>> from ecomodel.air import demo
    >>> d = demo()
    >>> ds = dustfall(d.inventory_for(2023), years=[2023])
    >>> ds["dustfall"].attrs["units"], ds["dustfall"].sizes["box"]
    ('t km-2 month-1', 9)
    >>> cut = dustfall(d.inventory_for(2023), years=[2023], reductions={("dust", "PM2.5"): 0.5})
    >>> bool((cut["dustfall"] <= ds["dustfall"]).all()), bool(cut["dustfall"].sel(box="武进") < ds["dustfall"].sel(box="武进"))
    (True, True)
    """
    import xarray as xr

    from .emissions import schedule_factors

    if domain is None:
        from .box import load_domain

        domain = load_domain()
    if meteorology is not None:
        from .meteorology import meteorology_arrays

        arr, dates, _ = meteorology_arrays(meteorology)
        prec = arr["prec"]
    else:
        dates = _year_days(tuple(int(y) for y in (years if years is not None else [inventory.year])))
        prec = None
    factors = schedule_factors(reductions, inventory, sorted(set(dates.year.tolist())), domain=domain)
    boxes, yrs, annual, monthly, keys = dustfall_arrays(inventory, domain, dates, factors, prec, parameters=parameters)
    if city:
        from .projection import _city_columns

        idx, _ = _city_columns(domain, city, None)  # a city without a local box is an error, not left out
        annual = np.concatenate([annual, annual[:, :, idx].mean(axis=2, keepdims=True)], axis=2)
        monthly = np.concatenate([monthly, monthly[:, :, idx].mean(axis=2, keepdims=True)], axis=2)
        boxes.append(city)
    month = pd.DatetimeIndex([f"{y}-{m:02d}-01" for y, m in keys])
    ds = xr.Dataset({"dustfall": (("year", "member", "box"), annual, dict(DUSTFALL_ATTRS)),
                     "dustfall_monthly": (("month", "member", "box"), monthly.transpose(1, 0, 2),
                                          dict(DUSTFALL_ATTRS) | {"long_name": "monthly dustfall",
                                                                  "cell_methods": "time: sum (interval: 1 month)"})},
                    coords={"year": yrs, "month": month, "member": np.arange(annual.shape[1]), "box": boxes})
    ds.attrs = {"title": "ecomodel.air dustfall", "weather": "generated" if prec is not None else "climatological"}
    return ds


def expected_dustfall(inventory: Inventory, domain: Domain, factors_by_year: Mapping[int, np.ndarray],
                      years: Iterable[int], *, parameters: DustfallParameters | None = None) -> np.ndarray:
    """Dustfall in climatological weather (w = 1), ``(year, box)`` [t km-2 month-1]: the
    deterministic part the surface method scales the baseline ensemble by."""
    dates = _year_days(tuple(int(y) for y in years))
    _, _, annual, _, _ = dustfall_arrays(inventory, domain, dates, factors_by_year, None, parameters=parameters)
    return annual[:, 0, :]


@functools.lru_cache(maxsize=16)
def _year_days(years: tuple[int, ...]) -> pd.DatetimeIndex:
    """Every day of *years*."""
    return pd.DatetimeIndex([d for y in years for d in pd.date_range(f"{y}-01-01", f"{y}-12-31")])


def load_dustfall_observations() -> pd.DataFrame:
    """Observed dustfall (``ecomodel/data/air/dustfall_observations.csv``) with its source.

    Examples
    --------
    >>> obs = load_dustfall_observations()
    >>> obs.loc[obs["use"] == "fit", ["region", "year", "months", "value"]].values.tolist()
    [['常州市', 2023, '1-2', 1.9]]
    """
    from .._data import data_path

    return pd.read_csv(data_path("air", "dustfall_observations.csv"), comment="#", dtype={"months": str})


def fit_deposited_fraction(observed: float | None = None, *, year: int | None = None,
                           months: Iterable[int] | None = None, city: str = "常州市",
                           parameters: DustfallParameters | None = None) -> float:
    """The deposited fraction φ [1] that makes the demo's climatological-weather dustfall of *city*
    (equal-weight mean of its boxes) over *months* of *year* equal *observed* (the closed form:
    dustfall is proportional to φ). Defaults: the ``fit`` row of :func:`load_dustfall_observations`.

    Examples
    --------
    >>> round(fit_deposited_fraction(), 4) == DustfallParameters().deposited_fraction
    True
    """
    from .demodata import demo
    from .emissions import schedule_factors

    if observed is None:
        row = load_dustfall_observations().query("use == 'fit'").iloc[0]
        observed, year = float(row["value"]), int(row["year"])
        lo, hi = (int(x) for x in str(row["months"]).split("-"))
        months = range(lo, hi + 1)
    if not (np.isfinite(observed) and observed > 0):
        raise InputError(f"observed: {observed!r}; expected a dustfall > 0 [t km-2 month-1]", field="observed",
                         value=observed, expected="> 0")
    d = demo()
    year = int(year if year is not None else 2023)
    months = list(months if months is not None else range(1, 13))
    inv = d.inventory_for(year)
    unit = DustfallParameters(**({} if parameters is None else {"tsp_per_pm25": parameters.tsp_per_pm25,
                                                                "rain_weight": parameters.rain_weight,
                                                                "regional": parameters.regional}),
                              deposited_fraction=1.0)
    dates = pd.date_range(f"{year}-01-01", f"{year}-12-31")
    _, _, _, monthly, keys = dustfall_arrays(inv, d.domain, dates, schedule_factors(None, inv, [year]), None,
                                             parameters=unit)
    from .projection import _city_columns

    cols, _ = _city_columns(d.domain, city, None)
    rows = [k for k, (_, m) in enumerate(keys) if m in months]
    days = np.array([pd.Period(f"{y}-{m:02d}").days_in_month for y, m in keys], dtype=float)[rows]
    city_mean = monthly[0][np.ix_(rows, cols)].mean(axis=1)  # equal weights over the boxes
    return float(observed) / float((city_mean * days).sum() / days.sum())
