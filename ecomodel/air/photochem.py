"""Photochemical O3 in the box model: the Generic Reaction Set over a diurnal cycle.

The Generic Reaction Set (GRS; Azzi, Johnson & Cope 1992, *Proc. 11th Int. Clean Air Conf.*,
Brisbane; evaluated by Venkatram et al. 1994, *Atmos. Environ.* 28, 3665; used in TAPM, Hurley
2008, CSIRO Marine and Atmospheric Research Paper 25, and ADMS-Urban) lumps VOC photochemistry
into seven reactions::

    R1  ROC + hν  → RP + ROC        k1 = a_R · J(NO2) · exp(−4710 (1/T − 1/316))
    R2  RP  + NO  → NO2             k2 = 5482 exp(242/T)       ppm⁻¹ min⁻¹
    R3  NO2 + hν  → NO + O3         k3 = J(NO2)
    R4  NO  + O3  → NO2             k4 = 2643 exp(−1370/T)     ppm⁻¹ min⁻¹
    R5  RP  + RP  → RP              k5 = 10200                 ppm⁻¹ min⁻¹
    R6  RP  + NO2 → SGN             k6 = 120                   ppm⁻¹ min⁻¹
    R7  RP  + NO2 → SNGN            k7 = 120                   ppm⁻¹ min⁻¹

ROC (reactive organic compounds, ppbC) is not consumed: it is the "smog" potential that light
turns into radicals RP, which convert NO to NO2 without using O3 (net O3 production) and end as
nitrates (R6/R7) or in radical–radical reactions (R5). The same equations give both regimes: with
much NOx, RP is used up by NO/NO2 and production is set by ROC (VOC-limited; a NOx cut removes
titration and nitrate termination and *raises* O3); with little NOx, R5 takes the radicals and
production grows with NO (NOx-limited).

Each local box is a mixed layer whose height grows from a night value to the day's mixing height
(07–14 h solar time) and collapses at 19 h, entraining residual-layer air of background
composition as it grows, exchanges air with the regional background at the box's ventilation
rate, receives NOx and VOC emissions with hourly profiles and loses O3 by dry deposition.
``J(NO2)`` follows the solar zenith angle by latitude, day of year and hour (the MCM v3.3.1
parameterisation, Saunders et al. 2003, *Atmos. Chem. Phys.* 3, 161), reduced on rainy days.
The kernel (:mod:`ecomodel.air._o3kernels`) integrates, by default, one step per hour of the
exponential scheme (NOx and Ox = O3 + NO2 carried, split into NO, NO2 and O3 by the photostationary
state, RP in quasi-steady state); ``scheme="split"`` integrates 10-minute steps of operator
splitting with the exact solution of NO + O3 ⇌ NO2. Both conserve nitrogen exactly.

The background O3 (regional air that enters the boxes) is ``level × bg_fraction × Ō3(doy) ×
noise``: Ō3 the monthly MDA8 climatology of :class:`~ecomodel.air.ozone.OzoneSettings`, the noise
a log-normal AR(1) series for day-to-day regional transport (same ``sd``/``ar1``), ``level``
calibrated per year to the good-day ratios (:func:`ecomodel.air.calibrate`). Sources of every
default value: ``ecomodel/data/air/SOURCES.md`` ("Photochemical O3").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping, Sequence

    import pandas as pd
    import xarray as xr
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import ArrayLike

    from .ozone import OzoneSettings

__all__ = ["GRSParameters", "cos_solar_zenith", "j_no2", "photolysis_table", "mda8", "o3_background",
           "simulate_o3", "ppb_to_ugm3", "isopleth", "peak_ratio", "plot_isopleth", "DEFAULT_LATITUDE"]

#: latitude of Changzhou [degrees north] (city centre 31.8 N, 119.97 E)
DEFAULT_LATITUDE = 31.8
#: molar volume at 25 °C and 101.325 kPa [L/mol], the GB 3095-2012 (2018 amendment) reference state
MOLAR_VOLUME = 24.465
_M_NO2, _M_O3, _M_C = 46.0055, 47.9982, 12.011


def ppb_to_ugm3(molar_mass: float) -> float:
    """µg/m³ per ppb at the reference state (25 °C, 101.325 kPa)."""
    return molar_mass / MOLAR_VOLUME


def _nox_profile():
    # hourly shares of daily NOx emission (traffic peaks 7-9 h and 17-19 h; assumption, SOURCES.md)
    w = [2.2, 1.9, 1.8, 1.8, 2.0, 2.8, 4.0, 5.6, 5.9, 5.2, 4.9, 4.8,
         4.8, 4.8, 4.9, 5.1, 5.6, 6.0, 5.8, 4.9, 4.2, 3.6, 3.0, 2.4]
    return [x / sum(w) for x in w]


def _voc_profile():
    # hourly shares of daily VOC emission (industrial and solvent use in working hours; assumption)
    w = [2.8, 2.6, 2.5, 2.5, 2.6, 3.0, 3.6, 4.6, 5.2, 5.4, 5.5, 5.4,
         5.2, 5.3, 5.4, 5.4, 5.3, 5.1, 4.6, 4.0, 3.6, 3.3, 3.1, 2.9]
    return [x / sum(w) for x in w]


#: time-integration schemes of the GRS kernel and their codes in the parameter vector
_SCHEMES = {"split": 0, "exponential": 1}
#: steps per hour when ``substeps`` is not given: the accuracy of one exponential step per hour
#: (0.46 % mean |ΔMDA8| from 1-minute splitting) is better than 10-minute splitting's (1.25 %)
_DEFAULT_SUBSTEPS = {"split": 6, "exponential": 1}


@dataclass(frozen=True)
class GRSParameters:
    """Parameters of the photochemical O3 model (defaults and sources: SOURCES.md).

    Parameters
    ----------
    reactivity : float
        ``a_R`` of R1: radicals per ppbC of ROC per unit ``J(NO2)`` at 316 K [1].
    no_fraction : float
        Share of NOx emitted as NO (mole basis) [1].
    night_height_fraction, min_height : float
        Night mixed-layer height as a share of the day's mixing height [1], and its floor [m].
    nox_background, roc_background : float
        NOx [ppb] and ROC [ppbC] of the regional air entering a box.
    o3_deposition_velocity : float
        O3 dry deposition velocity [m/s].
    rain_attenuation : float
        Largest relative cut of photolysis on rainy days [1] (``J × (1 − a·(1 − e^{−P/5 mm}))``).
    voc_carbon_fraction : float
        Carbon mass fraction of the NMVOC inventory [1] (mass → ppbC).
    bg_fraction : float
        Background O3 as a share of the MDA8 climatology [1].
    latitude : float
        Latitude for the solar zenith angle [degrees north], −90…90.
    substeps : int, optional
        Chemistry/transport steps per hour; default 1 with the exponential scheme and 6 (10 min)
        with splitting (halving the split step changes the annual MDA8 P90 by about 0.7 %, see tests).
    scheme : str
        Time integration: ``"exponential"`` (the default, with which the stored calibration is
        fitted: photostationary NOx/Ox partition with an exponential predictor–corrector; one step
        per hour is closer to the converged solution than splitting with 10-minute steps, and 3×
        faster; see :mod:`ecomodel.air._o3kernels`) or ``"split"`` (operator splitting, the
        scheme of the first calibration).
    nox_profile, voc_profile : list of float
        Hourly shares of the daily emission (24 values, local solar time, summing to 1).
    """

    reactivity: float = 0.0067
    no_fraction: float = 0.9
    night_height_fraction: float = 0.3
    min_height: float = 100.0
    nox_background: float = 6.0
    roc_background: float = 30.0
    o3_deposition_velocity: float = 0.004
    rain_attenuation: float = 0.6
    voc_carbon_fraction: float = 0.85
    bg_fraction: float = 0.8
    latitude: float = DEFAULT_LATITUDE
    substeps: int | None = None
    scheme: str = "exponential"
    nox_profile: list = field(default_factory=_nox_profile)
    voc_profile: list = field(default_factory=_voc_profile)

    def __post_init__(self):
        if not (np.isfinite(self.latitude) and -90.0 <= self.latitude <= 90.0):
            raise InputError(f"latitude {self.latitude!r}: expected degrees north in [-90, 90]", field="latitude",
                             value=self.latitude, expected="-90 <= latitude <= 90")
        if self.substeps is None:  # the scheme's own default step
            object.__setattr__(self, "substeps", _DEFAULT_SUBSTEPS.get(self.scheme, 1))
        if isinstance(self.substeps, bool) or not isinstance(self.substeps, (int, np.integer)) or not (
                1 <= self.substeps <= 60):
            raise InputError(f"substeps {self.substeps!r}: expected an integer 1..60 per hour", field="substeps",
                             value=self.substeps, expected="1..60")
        if self.scheme not in _SCHEMES:
            raise InputError(f"scheme {self.scheme!r}: expected one of {sorted(_SCHEMES)}", field="scheme",
                             value=self.scheme, expected=" or ".join(sorted(_SCHEMES)))
        for name in ("nox_profile", "voc_profile"):
            p = np.asarray(getattr(self, name), dtype=float)
            if p.shape != (24,) or not np.all(np.isfinite(p)) or (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
                raise InputError(f"{name}: expected 24 non-negative hourly shares summing to 1, got sum "
                                 f"{float(np.nansum(p)) if p.size else 0.0:.6g} over {p.size} values", field=name,
                                 value=getattr(self, name), expected="24 shares, sum 1")
        for name in ("reactivity", "nox_background", "roc_background", "o3_deposition_velocity", "min_height",
                     "bg_fraction"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise InputError(f"{name} {v!r}: expected a finite value >= 0", field=name, value=v, expected=">= 0")
        for name in ("no_fraction", "night_height_fraction", "rain_attenuation", "voc_carbon_fraction"):
            v = getattr(self, name)
            if not (np.isfinite(v) and 0.0 <= v <= 1.0):
                raise InputError(f"{name} {v!r}: expected a share in [0, 1]", field=name, value=v, expected="0..1")

    def vector(self) -> np.ndarray:
        """The kernel's parameter vector (order of :mod:`ecomodel.air._o3kernels`)."""
        return np.array([self.reactivity, self.no_fraction, self.night_height_fraction, self.nox_background,
                         self.roc_background, self.o3_deposition_velocity * 60.0,
                         1.0, self.voc_carbon_fraction * MOLAR_VOLUME / _M_C, MOLAR_VOLUME / _M_NO2,
                         ppb_to_ugm3(_M_O3), self.min_height, float(self.substeps),
                         float(_SCHEMES[self.scheme])])


def cos_solar_zenith(latitude: ArrayLike, day_of_year: ArrayLike, hour: ArrayLike) -> float | np.ndarray:
    """Cosine of the solar zenith angle [1] at solar *hour* [h, 0–24] of *day_of_year*.

    Declination after Cooper (1969, *Solar Energy* 12, 333): ``δ = 23.45° sin(360°(284 + n)/365)``;
    ``cos χ = sin φ sin δ + cos φ cos δ cos h`` with hour angle ``h = 15°(hour − 12)``.

    Examples
    --------
    >>> round(float(cos_solar_zenith(31.8, 172, 12.0)), 4)   # summer solstice noon: χ = 31.8 − 23.45
    0.9894
    """
    lat = np.deg2rad(np.asarray(latitude, dtype=float))
    if np.any(~np.isfinite(lat)) or np.any(np.abs(lat) > np.pi / 2 + 1e-12):
        raise InputError(f"latitude {latitude!r}: expected degrees north in [-90, 90]", field="latitude",
                         value=latitude, expected="-90 <= latitude <= 90")
    decl = np.deg2rad(23.45) * np.sin(2 * np.pi * (284.0 + np.asarray(day_of_year, dtype=float)) / 365.0)
    ha = np.deg2rad(15.0 * (np.asarray(hour, dtype=float) - 12.0))
    return np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(ha)


def j_no2(cos_zenith: ArrayLike) -> np.ndarray:
    """Clear-sky NO2 photolysis frequency [1/s]: ``l·cos(χ)^m·exp(−n·sec χ)``, l = 1.165×10⁻²,
    m = 0.244, n = 0.267 (MCM v3.3.1, reaction J4); 0 when the sun is below the horizon.

    Examples
    --------
    >>> round(float(j_no2(1.0)), 6)
    0.00892
    """
    c = np.asarray(cos_zenith, dtype=float)
    safe = np.where(c > 1e-3, c, 1.0)
    return np.where(c > 1e-3, 1.165e-2 * safe ** 0.244 * np.exp(-0.267 / safe), 0.0)


def photolysis_table(day_of_year: ArrayLike, latitude: float = DEFAULT_LATITUDE) -> np.ndarray:
    """Hour-mean clear-sky ``J(NO2)`` [1/min] for each day and solar hour: ``(day, 24)`` (the mean of
    six 10-minute values per hour)."""
    doy = np.asarray(day_of_year, dtype=float)
    t = (np.arange(144) + 0.5) / 6.0
    j = j_no2(cos_solar_zenith(latitude, doy[:, None], t[None, :])) * 60.0
    return j.reshape(doy.size, 24, 6).mean(axis=2)


def mda8(hourly: ArrayLike, axis: int = -1) -> float | np.ndarray:
    """Daily maximum 8-h mean of hourly values (24 per day along *axis*): the largest of the 17
    running 8-h means ending at 08…24 h of the same day (HJ 663-2013, 臭氧日最大8小时平均).

    Examples
    --------
    >>> float(mda8(np.r_[np.zeros(12), np.full(8, 80.0), np.zeros(4)]))
    80.0
    """
    h = np.moveaxis(np.asarray(hourly, dtype=float), axis, -1)
    if h.shape[-1] != 24:
        raise InputError(f"hourly: expected 24 values per day along axis {axis}, got {h.shape[-1]}",
                         field="hourly", value=h.shape, expected="24 hourly values")
    c = np.concatenate([np.zeros(h.shape[:-1] + (1,)), np.cumsum(h, axis=-1)], axis=-1)
    return ((c[..., 8:] - c[..., :-8]) / 8.0).max(axis=-1)


def o3_background(meteorology_arrays: dict, dates: pd.DatetimeIndex | ArrayLike, level: float | Mapping[int, float], *,
                  settings: OzoneSettings | None = None, grs: GRSParameters | None = None,
                  seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Background O3 [ppb] ``(member, day)``: ``level × bg_fraction × Ō3(doy)`` with log-normal
    AR(1) noise (``settings.sd``, ``settings.ar1``); *level* a factor or ``{year: factor}``."""
    from .meteorology import _ar1
    from .ozone import OzoneSettings, _levels, _seasonal

    s = settings or OzoneSettings()
    g = grs or GRSParameters()
    import pandas as pd

    dates = pd.DatetimeIndex(dates)
    base = _seasonal(s, dates) * _levels(level, dates)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_m = meteorology_arrays["temp"].shape[0]
    eps = _ar1(rng, s.ar1, (len(dates), n_m)).T
    ug = g.bg_fraction * base[None, :] * np.exp(s.sd * eps - 0.5 * s.sd ** 2)
    return ug / ppb_to_ugm3(_M_O3)


def _check_flux(name, flux):
    a = np.asarray(flux, dtype=float)
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{name}: value {a[idx]!r} at index {idx}; expected finite emission fluxes >= 0 "
                         "[ug m-2 d-1]", field=name, value=float(a[idx]), expected=">= 0, finite")
    return np.ascontiguousarray(a)


def simulate_o3(nox_flux: np.ndarray, voc_flux: np.ndarray, period: np.ndarray, met: dict, ventilation: np.ndarray,
                o3_bg: np.ndarray, *, grs: GRSParameters | None = None, regional: int = -1, hourly: bool = False,
                spinup_days: int = 3) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Run the GRS model for every member, day and box.

    Parameters
    ----------
    nox_flux, voc_flux : array (period, box)
        Emission fluxes [µg m⁻² d⁻¹] (NOx as NO2; NMVOC mass).
    period : int array (day,)
        Emission period of each day (index into the first axis of the fluxes).
    met : dict
        Kernel meteorology ``(member, day)`` from :func:`~ecomodel.air.meteorology.meteorology_arrays`
        (``wind`` m/s is not used here; ``mixh`` m, ``temp`` K, ``prec`` mm/d, ``doy``).
    ventilation : array (member, day, box)
        Rate at which air of each box is exchanged with background air [1/d].
    o3_bg : array (member, day)
        Background O3 [ppb] (:func:`o3_background`).
    grs : GRSParameters, optional
    regional : int
        Index of the regional background box, run first each day with the background inflow; its
        hourly composition is the inflow of every other box (``-1``: every box takes the background).
    hourly : bool
        Also return the hourly O3 [ppb] ``(member, day, 24, box)``.
    spinup_days : int
        Times the first day is run before recording.

    Returns
    -------
    numpy.ndarray or tuple
        MDA8 O3 [µg/m³] ``(member, day, box)`` (and the hourly array).
    """
    from . import _o3kernels as k

    g = grs or GRSParameters()
    e_nox = _check_flux("nox_flux", nox_flux)
    e_voc = _check_flux("voc_flux", voc_flux)
    if e_nox.shape != e_voc.shape or e_nox.ndim != 2:
        raise InputError(f"nox_flux {e_nox.shape} and voc_flux {e_voc.shape}: expected the same (period, box) shape",
                         field="voc_flux", value=e_voc.shape, expected=str(e_nox.shape))
    vent = np.ascontiguousarray(ventilation, dtype=float)
    n_m, n_d = met["temp"].shape
    n_b = e_nox.shape[1]
    if vent.shape != (n_m, n_d, n_b):
        raise InputError(f"ventilation {vent.shape}: expected (member, day, box) = {(n_m, n_d, n_b)}",
                         field="ventilation", value=vent.shape, expected=str((n_m, n_d, n_b)))
    bg = np.ascontiguousarray(o3_bg, dtype=float)
    if bg.shape != (n_m, n_d) or not np.all(np.isfinite(bg)) or (bg < 0).any():
        raise InputError(f"o3_bg: expected finite values >= 0 over (member, day) = {(n_m, n_d)}", field="o3_bg",
                         value=bg.shape, expected=str((n_m, n_d)))
    prec = np.asarray(met["prec"], dtype=float)
    cloud = 1.0 - g.rain_attenuation * (1.0 - np.exp(-np.maximum(prec, 0.0) / 5.0))
    jtab = photolysis_table(met["doy"], g.latitude)
    out = np.zeros((n_m, n_d, n_b))
    hr = np.zeros((n_m, n_d, 24, n_b) if hourly else (1, 1, 1, 1))
    kernel = k.run_grs_exp_lanes if g.scheme == "exponential" else k.run_grs  # exponential: members in SIMD lanes
    kernel(e_nox, e_voc, np.ascontiguousarray(period, dtype=np.int64), vent,
              np.ascontiguousarray(met["mixh"], dtype=float), np.ascontiguousarray(met["temp"], dtype=float),
              np.ascontiguousarray(cloud), jtab, bg, np.asarray(g.nox_profile, dtype=float),
              np.asarray(g.voc_profile, dtype=float), g.vector(), int(spinup_days), int(regional), out, hr, bool(hourly))
    return (out, hr) if hourly else out


def _demo_inputs(year: int, members: int, seed):
    """Inputs of :func:`simulate_o3` for the embedded demo in *year* (calibrated inventory, trend of the
    year, calibrated O3 level), and the dates and domain."""
    from . import demo
    from .emissions import POLLUTANT_SPECIES
    from .meteorology import generate_meteorology, meteorology_arrays
    from .projection import _factors, _setup

    inv, dom, _, settings, ozs, bg, trend_fn, lev = _setup(None, None, None, None, None, None, None, None, [year])
    factors = _factors(inv, dom, None, [year], bg, trend_fn)
    met = generate_meteorology(settings, years=[year], members=members, seed=seed)
    arr, dates, _ = meteorology_arrays(met)
    flux, period, _ = inv.fluxes(dom, dates, factors)
    vent = arr["wind"][:, :, None] * dom.ventilation_rate(1.0)[None, None, :]
    rng = np.random.default_rng(None if seed is None else [int(seed), 3])
    o3bg = o3_background(arr, dates, lev[year], settings=ozs, seed=rng)
    regional = next((i for i, k in enumerate(dom.kind) if k == "background"), -1)
    demo()  # the cached demo (nothing recomputed)
    return (flux[:, POLLUTANT_SPECIES["NOx"], :], flux[:, POLLUTANT_SPECIES["VOCs"], :], period, arr, vent, o3bg,
            regional, dates, dom)


def isopleth(nox_cuts: Sequence[float] | np.ndarray = np.linspace(0.0, 0.8, 5),
             voc_cuts: Sequence[float] | np.ndarray = np.linspace(0.0, 0.8, 5), *, year: int = 2025,
             members: int = 4, seed: int = 0, statistic: str = "p90", scope: str = "all",
             grs: GRSParameters | None = None) -> xr.DataArray:
    """O3 over a grid of NOx × VOC cuts for the embedded Changzhou demo (an EKMA-style isopleth).

    Parameters
    ----------
    nox_cuts, voc_cuts : sequence of float
        Fractions [0, 1) of NOx and VOC emissions removed.
    year : int
        Emission and O3-level year.
    members : int
        Weather members (the same for every cell, so differences are not sampling noise).
    seed : int
    statistic : {'p90', 'summer', 'winter'}
        Annual 90th percentile of MDA8 (HJ 663-2013), or the mean MDA8 of Jun–Aug / Dec–Feb [µg/m³].
    scope : {'all', 'local'}
        Cut every box (local and regional) or only the local (Changzhou and Jiangyin) boxes.
    grs : GRSParameters, optional

    Returns
    -------
    xarray.DataArray
        ``(nox_cut, voc_cut, box)`` [µg/m³], member mean.

    Examples
    --------
    >>> iso = isopleth([0.0, 0.5], [0.0, 0.5], members=1)
    >>> iso.dims
    ('nox_cut', 'voc_cut', 'box')
    """
    import xarray as xr

    from .._cf import cf_attrs

    if statistic not in ("p90", "summer", "winter"):
        raise InputError(f"statistic {statistic!r}: expected 'p90', 'summer' or 'winter'", field="statistic",
                         value=statistic, expected="p90, summer, winter")
    if scope not in ("all", "local"):
        raise InputError(f"scope {scope!r}: expected 'all' or 'local'", field="scope", value=scope,
                         expected="all, local")
    nc = np.asarray(nox_cuts, dtype=float)
    vc = np.asarray(voc_cuts, dtype=float)
    for name, c in (("nox_cuts", nc), ("voc_cuts", vc)):
        if c.ndim != 1 or not np.all(np.isfinite(c)) or (c < 0).any() or (c >= 1).any():
            raise InputError(f"{name}: expected fractions in [0, 1), got {c.tolist()}", field=name, value=c.tolist(),
                             expected="0 <= cut < 1")
    nox, voc, period, arr, vent, o3bg, regional, dates, dom = _demo_inputs(year, members, seed)
    mask = np.ones(nox.shape[1], dtype=bool)
    if scope == "local":
        mask[:] = [k == "local" for k in dom.kind]
    months = np.asarray(dates.month)
    sel = {"summer": np.isin(months, [6, 7, 8]), "winter": np.isin(months, [12, 1, 2])}.get(statistic)
    out = np.zeros((nc.size, vc.size, nox.shape[1]))
    for i, a in enumerate(nc):
        for j, b in enumerate(vc):
            m = simulate_o3(nox * np.where(mask, 1 - a, 1.0), voc * np.where(mask, 1 - b, 1.0), period, arr, vent,
                            o3bg, grs=grs, regional=regional)
            out[i, j] = (np.percentile(m, 90.0, axis=1, method="linear").mean(axis=0) if sel is None
                         else m[:, sel, :].mean(axis=(0, 1)))
    da = xr.DataArray(out, dims=("nox_cut", "voc_cut", "box"),
                      coords={"nox_cut": nc, "voc_cut": vc, "box": list(dom.boxes)}, name="o3_" + statistic)
    da["nox_cut"].attrs = {"units": "1", "long_name": "fraction of NOx emissions removed"}
    da["voc_cut"].attrs = {"units": "1", "long_name": "fraction of VOC emissions removed"}
    da.attrs = cf_attrs("ug/m3", {"p90": "90th percentile of MDA8 O3", "summer": "Jun-Aug mean MDA8 O3",
                                  "winter": "Dec-Feb mean MDA8 O3"}[statistic], "mass_concentration_of_ozone_in_air",
                        comment=f"GRS photochemical box model, {year}, {members} members, cuts on {scope} boxes")
    return da


def peak_ratio(year: int = 2025, *, members: int = 4, seed: int = 0,
               scales: Sequence[float] | np.ndarray = np.linspace(0.0, 1.5, 16),
               grs: GRSParameters | None = None) -> xr.DataArray:
    """pf-RSM-style peak ratio per box and month: the NOx emission level, as a multiple of today's,
    at which monthly-mean MDA8 O3 is highest (Xing et al. 2018, *Atmos. Chem. Phys.* 18, 7799).

    A value below 1 means cutting NOx first *raises* O3 until emissions fall to that level
    (VOC-limited); a value of 1 or more means every NOx cut lowers O3 (NOx-limited or transitional at
    the top of the scanned range). NOx is scaled in every box (local and regional) by each value in
    *scales*; VOC emissions are unchanged.

    Returns
    -------
    xarray.DataArray
        ``o3_peak_ratio`` over ``(month, box)`` [1].
    """
    import xarray as xr

    s = np.asarray(scales, dtype=float)
    if s.ndim != 1 or s.size < 3 or not np.all(np.isfinite(s)) or (s < 0).any() or np.any(np.diff(s) <= 0):
        raise InputError(f"scales: expected >= 3 increasing non-negative NOx multiples, got {s.tolist()}",
                         field="scales", value=s.tolist(), expected="increasing, >= 0")
    nox, voc, period, arr, vent, o3bg, regional, dates, dom = _demo_inputs(year, members, seed)
    months = np.asarray(dates.month)
    mon = np.zeros((s.size, 12, nox.shape[1]))
    for i, f in enumerate(s):
        m = simulate_o3(nox * f, voc, period, arr, vent, o3bg, grs=grs, regional=regional).mean(axis=0)
        for k in range(12):
            mon[i, k] = m[months == k + 1].mean(axis=0)
    pr = s[np.argmax(mon, axis=0)]
    da = xr.DataArray(pr, dims=("month", "box"), coords={"month": np.arange(1, 13), "box": list(dom.boxes)},
                      name="o3_peak_ratio")
    da.attrs = {"units": "1", "long_name": "NOx emission multiple at which monthly-mean MDA8 O3 peaks",
                "comment": f"scan of NOx multiples {s.min():g}..{s.max():g}; < 1: VOC-limited (NOx cuts raise O3)",
                "references": "Xing et al. (2018), Atmos. Chem. Phys. 18, 7799 (pf-RSM peak ratio)"}
    return da


def plot_isopleth(iso: xr.DataArray, box: str = "天宁", *, ax: Axes | None = None,
                  path: str | os.PathLike[str] | None = None) -> Figure:
    """Contour figure of :func:`isopleth` for one *box* (NOx cut on x, VOC cut on y, µg/m³ labels).

    Returns the matplotlib Figure (written to *path* when given).
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if box not in [str(b) for b in iso["box"].values]:
        raise InputError(f"box {box!r}: not in the isopleth ({[str(b) for b in iso['box'].values]})", field="box",
                         value=box)
    z = iso.sel(box=box).transpose("voc_cut", "nox_cut")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 4.5))
    cs = ax.contourf(100 * z["nox_cut"].values, 100 * z["voc_cut"].values, z.values, levels=12, cmap="viridis")
    ax.contour(100 * z["nox_cut"].values, 100 * z["voc_cut"].values, z.values, levels=12, colors="k",
               linewidths=0.4)
    fig.colorbar(cs, ax=ax, label=f"{iso.attrs.get('long_name', 'O3')} [µg/m³]")
    ax.set_xlabel("NOx emissions removed [%]")
    ax.set_ylabel("VOC emissions removed [%]")
    ax.set_title(f"O3 isopleth, {box}")
    if path is not None:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig
