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
The kernel (:mod:`ecomodel.air._o3kernels`) integrates 10-minute steps, with RP in quasi-steady
state and the exact solution of NO + O3 ⇌ NO2 (nitrogen is conserved exactly).

The background O3 (regional air that enters the boxes) is ``level × bg_fraction × Ō3(doy) ×
noise``: Ō3 the monthly MDA8 climatology of :class:`~ecomodel.air.ozone.OzoneSettings`, the noise
a log-normal AR(1) series for day-to-day regional transport (same ``sd``/``ar1``), ``level``
calibrated per year to the good-day ratios (:func:`ecomodel.air.calibrate`). Sources of every
default value: ``ecomodel/data/air/SOURCES.md`` ("Photochemical O3").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

__all__ = ["GRSParameters", "cos_solar_zenith", "j_no2", "photolysis_table", "mda8", "o3_background",
           "simulate_o3", "ppb_to_ugm3", "DEFAULT_LATITUDE"]

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
    nox_profile: list = field(default_factory=_nox_profile)
    voc_profile: list = field(default_factory=_voc_profile)

    def __post_init__(self):
        if not (np.isfinite(self.latitude) and -90.0 <= self.latitude <= 90.0):
            raise InputError(f"latitude {self.latitude!r}: expected degrees north in [-90, 90]", field="latitude",
                             value=self.latitude, expected="-90 <= latitude <= 90")
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
                         ppb_to_ugm3(_M_O3), self.min_height])


def cos_solar_zenith(latitude, day_of_year, hour):
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


def j_no2(cos_zenith):
    """Clear-sky NO2 photolysis frequency [1/s]: ``l·cos(χ)^m·exp(−n·sec χ)``, l = 1.165×10⁻²,
    m = 0.244, n = 0.267 (MCM v3.3.1, reaction J4); 0 when the sun is below the horizon.

    Examples
    --------
    >>> round(float(j_no2(1.0)), 6)
    0.008913
    """
    c = np.asarray(cos_zenith, dtype=float)
    safe = np.where(c > 1e-3, c, 1.0)
    return np.where(c > 1e-3, 1.165e-2 * safe ** 0.244 * np.exp(-0.267 / safe), 0.0)


def photolysis_table(day_of_year, latitude: float = DEFAULT_LATITUDE) -> np.ndarray:
    """Hour-mean clear-sky ``J(NO2)`` [1/min] for each day and solar hour: ``(day, 24)`` (the mean of
    six 10-minute values per hour)."""
    doy = np.asarray(day_of_year, dtype=float)
    t = (np.arange(144) + 0.5) / 6.0
    j = j_no2(cos_solar_zenith(latitude, doy[:, None], t[None, :])) * 60.0
    return j.reshape(doy.size, 24, 6).mean(axis=2)


def mda8(hourly, axis: int = -1):
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


def o3_background(meteorology_arrays: dict, dates, level, *, settings=None, grs: GRSParameters | None = None,
                  seed=None) -> np.ndarray:
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


def simulate_o3(nox_flux, voc_flux, period, met: dict, ventilation, o3_bg, *, grs: GRSParameters | None = None,
                regional: int = -1, hourly: bool = False, spinup_days: int = 3):
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
    k.run_grs(e_nox, e_voc, np.ascontiguousarray(period, dtype=np.int64), vent,
              np.ascontiguousarray(met["mixh"], dtype=float), np.ascontiguousarray(met["temp"], dtype=float),
              np.ascontiguousarray(cloud), jtab, bg, np.asarray(g.nox_profile, dtype=float),
              np.asarray(g.voc_profile, dtype=float), g.vector(), int(spinup_days), int(regional), out, hr, bool(hourly))
    return (out, hr) if hourly else out
