"""An exogenous daily O3 series (maximum 8-h mean) for the AQI-based good-day ratio.

The box model does not simulate ozone photochemistry. The good-day ratio of the plans
(优良天数比例) is however set as much by summer O3 as by winter PM2.5 in the Yangtze River Delta
(003:205: Jiangyin's July–September O3 ranks 48–54th in Jiangsu), so a PM2.5-only ratio would be
far too optimistic. This module supplies a statistical O3 series, driven by the same meteorology:

.. math:: \\ln O_3 = \\ln(\\ell \\cdot \\bar O_3(doy)) + β_T T' - β_{RH} RH' + σ ε_t,

with ``Ō3`` a monthly climatology of the daily maximum 8-h mean, ``T'`` and ``RH'`` the daily
temperature and humidity anomalies from their climatology, ``ε`` an AR(1) series and ``ℓ`` a
level factor calibrated to the observed good-day ratios (``ecomodel.air.calibrate``). Hot, dry
days have more ozone (the standard meteorological dependence, e.g. Jacob & Winner 2009,
*Atmos. Environ.* 43, 51). The series does not respond to NOx/VOC cuts: projections hold O3 at
its calibrated level unless ``level`` is changed — a stated limitation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from .._cf import cf_attrs
from ..errors import InputError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["OzoneSettings", "generate_ozone"]


def _default_climatology():
    # monthly mean MDA8 O3 [µg/m3] typical of Changzhou (assumption, see SOURCES.md)
    return [62.0, 78.0, 100.0, 125.0, 150.0, 140.0, 130.0, 135.0, 150.0, 115.0, 85.0, 60.0]


@dataclass(frozen=True)
class OzoneSettings:
    """Parameters of the statistical O3 series (assumptions documented in SOURCES.md).

    Parameters
    ----------
    climatology : list of float
        Monthly mean of the daily maximum 8-h O3 [µg/m³], January..December.
    temperature_sensitivity : float
        ``β_T`` [1/degC].
    humidity_sensitivity : float
        ``β_RH`` [1/%].
    sd : float
        Standard deviation of the log residual [1].
    ar1 : float
        Lag-1 autocorrelation of the residual [1].

    Examples
    --------
    >>> OzoneSettings().sd
    0.25
    """

    climatology: list = field(default_factory=_default_climatology)
    temperature_sensitivity: float = 0.03
    humidity_sensitivity: float = 0.01
    sd: float = 0.25
    ar1: float = 0.5

    def __post_init__(self):
        clim = np.asarray(self.climatology, dtype=float)
        if clim.shape != (12,) or not np.all(np.isfinite(clim)) or (clim <= 0).any():
            raise InputError(f"climatology: expected 12 positive monthly values [ug/m3], got {self.climatology!r}",
                             field="climatology", value=self.climatology)
        if not 0 <= self.ar1 < 1 or self.sd < 0:
            raise InputError(f"ar1 {self.ar1}, sd {self.sd}: expected 0 <= ar1 < 1 and sd >= 0", field="ar1",
                             value=self.ar1)


def _seasonal(settings: OzoneSettings, dates: pd.DatetimeIndex) -> np.ndarray:
    """The monthly MDA8 climatology interpolated to each date (mid-month nodes, periodic) [µg/m³]."""
    mid = np.array([pd.Timestamp(2021, m, 15).day_of_year for m in range(1, 13)], dtype=float)
    xs = np.concatenate([mid[-1:] - 365.0, mid, mid[:1] + 365.0])
    o3c = np.asarray(settings.climatology, dtype=float)
    return np.interp(dates.day_of_year.values.astype(float), xs, np.concatenate([o3c[-1:], o3c, o3c[:1]]))


def _levels(level, dates: pd.DatetimeIndex) -> np.ndarray:
    """Level factor of each date from a number or ``{year: factor}`` (missing years: the mean)."""
    if isinstance(level, dict):
        vals = {int(k): float(v) for k, v in level.items()}
        if not vals or any((not np.isfinite(v)) or v <= 0 for v in vals.values()):
            raise InputError(f"level: {level!r}; expected positive factors", field="level", value=level)
        default = float(np.mean(list(vals.values())))
        return np.array([vals.get(int(y), default) for y in dates.year])
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise InputError(f"level: {level!r}; expected a positive factor", field="level", value=level) from None
    if not np.isfinite(lv) or lv <= 0:
        raise InputError(f"level: {level!r}; expected a positive factor", field="level", value=level)
    return np.full(len(dates), lv)


def generate_ozone(meteorology: xr.Dataset, *, level: float | Mapping[int, float] = 1.0, settings: OzoneSettings | None = None,
                   climatology: pd.DataFrame | None = None,
                   seed: int | np.random.Generator | None = None) -> xr.DataArray:
    """Daily maximum 8-h mean O3 [µg/m³] over the meteorology's ``(time, member)``.

    Parameters
    ----------
    meteorology : xarray.Dataset
        Daily meteorology (see :func:`~ecomodel.air.meteorology.generate_meteorology`).
    level : float or mapping
        Level factor ``ℓ`` [1], or ``{year: factor}`` (years missing from the mapping use the mean
        of the given factors).
    settings : OzoneSettings, optional
        Series parameters.
    climatology : pandas.DataFrame, optional
        Monthly meteorology climatology against which anomalies are taken (the embedded one).
    seed : int or numpy.random.Generator, optional
        Seed of the residual series.

    Returns
    -------
    xarray.DataArray
        ``o3_mda8`` [µg/m³] over ``(time, member)``.

    Examples
    --------
    >>> from ecomodel.air import generate_meteorology
    >>> met = generate_meteorology(years=2020, members=2, seed=3)
    >>> o3 = generate_ozone(met, seed=3)
    >>> o3.dims, o3.attrs["units"]
    (('time', 'member'), 'ug/m3')
    >>> bool(o3.sel(time="2020-07").mean() > o3.sel(time="2020-01").mean())
    True
    """
    from .meteorology import _ar1, _daily_climatology, check_meteorology, load_climatology

    s = settings or OzoneSettings()
    met = check_meteorology(meteorology)
    dates = pd.DatetimeIndex(met["time"].values)
    clim = _daily_climatology(climatology if climatology is not None else load_climatology(), dates)
    base = _seasonal(s, dates)
    lev = _levels(level, dates)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    shape = (len(dates), met.sizes["member"])
    eps = _ar1(rng, s.ar1, shape)
    t_anom = met["temperature"].values - clim["temperature"][:, None]
    rh_anom = met["relative_humidity"].values - clim["relative_humidity"][:, None]
    logo3 = (np.log(lev * base)[:, None] + s.temperature_sensitivity * t_anom - s.humidity_sensitivity * rh_anom
             + s.sd * eps - 0.5 * s.sd ** 2)
    da = xr.DataArray(np.exp(logo3), dims=("time", "member"), coords={"time": met["time"].values,
                                                                     "member": met["member"].values},
                      name="o3_mda8")
    da.attrs = cf_attrs("ug/m3", "daily maximum 8-hour mean O3 (statistical series)",
                        "mass_concentration_of_ozone_in_air", "time: maximum (interval: 1 day)",
                        comment="exogenous series; does not respond to emission reductions")
    return da
