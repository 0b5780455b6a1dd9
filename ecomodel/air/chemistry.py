"""Secondary-aerosol chemistry: conversion rates and NH3–HNO3–H2SO4 partitioning (plain numpy).

These functions are the readable, vectorised statement of what the numba kernel does inside its
time loop; the tests hold the kernel to them.

Sulfate takes ammonia first, up to ammonium sulfate (NH4)2SO4 (Seinfeld & Pandis 2016, §10.4).
The ammonia left over (``free = NH3_total − 2·SO4`` in moles) forms ammonium nitrate with nitric
acid until the gas-phase product reaches the dissociation constant,

.. math::  (A - x)(N - x) = K_p(T, RH), \\qquad x \\ge 0,

so that cutting SO2 alone frees ammonia and raises nitrate, and cutting NH3 lowers nitrate
sharply where ammonia limits — the non-linear NH3/NOx/SO2 interaction of the literature
(e.g. West, Ansari & Pandis 1999, *J. Air Waste Manage. Assoc.* 49, 1415).

``K_p`` follows Mozurkewich (1993), *Atmos. Environ.* 27A, 261–270:
``ln K_p = 118.87 − 24084/T − 6.025·ln T`` [ppb²] below the deliquescence RH
``DRH = exp(618.3/T − 2.551)``, and ``K_p' = [P1 − P2(1−a) + P3(1−a)²](1−a)^1.75·K_p`` above it
(``a = RH``; ``P1..P3`` given there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._checks import as_float_array
from ..errors import InputError
from .parameters import ProcessParameters

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["deliquescence_rh", "nitrate_dissociation_constant", "partition", "hydroxyl", "conversion_rates",
           "MOLAR_MASS"]

#: molar masses [g/mol]
MOLAR_MASS = {"SO2": 64.066, "SO4": 96.06, "NO2": 46.0055, "HNO3": 63.0128, "NO3": 62.0049, "NH3": 17.0305,
              "NH4": 18.0385}
_R = 8.314462618


def _arr(values, field, **kw):
    """Checked float array that keeps the input's shape (0-d for scalars)."""
    shape = np.shape(values)
    return as_float_array(values, field, **kw).reshape(shape)


def _temperature_k(temperature):
    t = _arr(temperature, "temperature", positive=True)
    if np.any(t < 200) or np.any(t > 340):
        bad = t[(t < 200) | (t > 340)].flat[0]
        raise InputError(f"temperature: {bad} K is outside 200–340 K; give kelvin (°C + 273.15)",
                         field="temperature", value=float(bad), expected="200–340 K")
    return t


def _rh_fraction(relative_humidity):
    r = _arr(relative_humidity, "relative_humidity")
    if np.any(r > 1):
        bad = r[r > 1].flat[0]
        raise InputError(f"relative_humidity: {bad}; expected a fraction 0–1 (not %)", field="relative_humidity",
                         value=float(bad), expected="0 <= RH <= 1")
    return r


def deliquescence_rh(temperature: ArrayLike) -> float | np.ndarray:
    """Deliquescence relative humidity of NH4NO3 [1] (Mozurkewich 1993).

    Parameters
    ----------
    temperature : float or array-like
        Air temperature [K].

    Returns
    -------
    numpy.ndarray or float
        ``exp(618.3/T − 2.551)`` [1].

    Examples
    --------
    >>> round(float(deliquescence_rh(298.15)), 3)
    0.621
    """
    t = _temperature_k(temperature)
    out = np.exp(618.3 / t - 2.551)
    return float(out) if out.ndim == 0 else out


def nitrate_dissociation_constant(temperature: ArrayLike, relative_humidity: ArrayLike = 0.0, *, unit: str = "ppb2",
                                  pressure: float = 101325.0) -> float | np.ndarray:
    """Dissociation constant ``K_p`` of NH4NO3 ⇌ NH3 + HNO3 (Mozurkewich 1993).

    Parameters
    ----------
    temperature : float or array-like
        Air temperature [K].
    relative_humidity : float or array-like
        Relative humidity [1] (fraction). Above the deliquescence RH the aqueous-solution constant
        applies, which falls steeply towards saturation.
    unit : {'ppb2', 'umol2'}
        ``'ppb2'`` for ppb², ``'umol2'`` for (µmol/m³)² at *pressure*.
    pressure : float
        Air pressure [Pa] for the ``'umol2'`` conversion.

    Returns
    -------
    numpy.ndarray or float
        ``K_p`` [ppb²] or [(µmol/m³)²].

    Examples
    --------
    >>> round(float(nitrate_dissociation_constant(298.15)), 1)   # about 43 ppb² at 25 °C
    43.1
    >>> float(nitrate_dissociation_constant(273.15)) < 0.05       # strongly favours the particle when cold
    True
    """
    t = _temperature_k(temperature)
    r = _rh_fraction(relative_humidity)
    t, r = np.broadcast_arrays(t, r)
    kp = np.exp(118.87 - 24084.0 / t - 6.025 * np.log(t))
    drh = np.exp(618.3 / t - 2.551)
    one = np.maximum(1.0 - r, 1e-6)
    p1 = np.exp(-135.94 + 8763.0 / t + 19.12 * np.log(t))
    p2 = np.exp(-122.65 + 9969.0 / t + 16.22 * np.log(t))
    p3 = np.exp(-182.61 + 13875.0 / t + 24.46 * np.log(t))
    factor = np.maximum((p1 - p2 * one + p3 * one * one) * one ** 1.75, 0.0)
    kp = np.where(r >= drh, kp * factor, kp)
    if unit == "umol2":
        conv = 1e-3 * pressure / (_R * t)
        kp = kp * conv * conv
    elif unit != "ppb2":
        raise InputError(f"unit: {unit!r}; expected 'ppb2' or 'umol2'", field="unit", value=unit,
                         expected="'ppb2' or 'umol2'")
    return float(kp) if kp.ndim == 0 else kp


def partition(sulfate: ArrayLike, total_ammonia: ArrayLike, total_nitrate: ArrayLike, temperature: ArrayLike,
              relative_humidity: ArrayLike = 0.0, *,
              pressure: float = 101325.0) -> dict:
    """Thermodynamic partitioning of the sulfate–ammonia–nitrate system.

    Parameters
    ----------
    sulfate : float or array-like
        Sulfate [µg/m³ as SO4²⁻].
    total_ammonia : float or array-like
        Gas + particle ammonia [µg/m³ as NH3].
    total_nitrate : float or array-like
        Gas + particle nitrate [µg/m³ as HNO3].
    temperature : float or array-like
        Air temperature [K].
    relative_humidity : float or array-like
        Relative humidity [1].
    pressure : float
        Air pressure [Pa].

    Returns
    -------
    dict of numpy.ndarray
        ``NH3`` and ``HNO3`` gas [µg/m³ of the molecule], ``NH4`` and ``NO3`` aerosol [µg/m³ of the
        ion], ``SO4`` [µg/m³] (unchanged).

    Examples
    --------
    Ammonia-poor: sulfate binds all ammonia, no nitrate forms.

    >>> out = partition(20.0, 2.0, 10.0, 280.0)
    >>> float(out["NO3"]), round(float(out["NH4"]), 3), float(out["NH3"])
    (0.0, 2.118, 0.0)

    Ammonia-rich and cold: most nitrate is in the particle.

    >>> out = partition(5.0, 10.0, 10.0, 275.0)
    >>> round(float(out["NO3"]), 2)
    9.82
    """
    s = _arr(sulfate, "sulfate") / MOLAR_MASS["SO4"]
    ta = _arr(total_ammonia, "total_ammonia") / MOLAR_MASS["NH3"]
    tn = _arr(total_nitrate, "total_nitrate") / MOLAR_MASS["HNO3"]
    kp = nitrate_dissociation_constant(temperature, relative_humidity, unit="umol2", pressure=pressure)
    s, ta, tn, kp = np.broadcast_arrays(s, ta, tn, np.asarray(kp, dtype=float))
    free = ta - 2.0 * s
    prod = free * tn - kp
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(prod > 0, prod / (0.5 * (free + tn) + 0.5 * np.sqrt((free - tn) ** 2 + 4.0 * kp)), 0.0)
    x = np.clip(x, 0.0, np.minimum(np.maximum(free, 0.0), tn))
    rich = free > 0
    nh3 = np.where(rich, free - x, 0.0)
    nh4 = np.where(rich, 2.0 * s + x, ta)
    hno3 = np.where(rich, tn - x, tn)
    no3 = np.where(rich, x, 0.0)
    out = {"NH3": nh3 * MOLAR_MASS["NH3"], "NH4": nh4 * MOLAR_MASS["NH4"], "HNO3": hno3 * MOLAR_MASS["HNO3"],
           "NO3": no3 * MOLAR_MASS["NO3"], "SO4": s * MOLAR_MASS["SO4"]}
    return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in out.items()}


def hydroxyl(day_of_year: ArrayLike, parameters: ProcessParameters | None = None) -> float | np.ndarray:
    """24-h mean OH concentration [molecule/cm³] on *day_of_year* (cosine seasonal cycle).

    Parameters
    ----------
    day_of_year : int or array-like
        Day of the year [1–366].
    parameters : ProcessParameters, optional
        ``oh_mean``, ``oh_amplitude``, ``oh_peak_day``.

    Examples
    --------
    >>> f"{hydroxyl(172):.2e}"
    '1.92e+06'
    """
    p = parameters or ProcessParameters()
    doy = np.asarray(day_of_year, dtype=float)
    out = p.oh_mean * (1.0 + p.oh_amplitude * np.cos(2.0 * np.pi * (doy - p.oh_peak_day) / 365.25))
    return float(out) if out.ndim == 0 else out


def conversion_rates(day_of_year: ArrayLike, relative_humidity: ArrayLike,
                     parameters: ProcessParameters | None = None) -> dict:
    """Pseudo-first-order conversion rates [1/d] of SO2 → sulfate, NOx → HNO3 and VOC oxidation.

    ``k_SO2 = k_OH·[OH] + k_aq·max(RH − RH₀, 0)/(1 − RH₀)``, ``k_NOx = k_NO2+OH·f_NO2·[OH] +
    k_het·RH``, ``k_VOC = k_VOC+OH·[OH]``; the SOA formed is ``soa_yield`` times the VOC mass reacted.

    Parameters
    ----------
    day_of_year : int or array-like
        Day of the year [1–366].
    relative_humidity : float or array-like
        Relative humidity [1].
    parameters : ProcessParameters, optional
        Rate constants (defaults documented there).

    Returns
    -------
    dict
        ``SO2``, ``NOx``, ``VOC`` rates [1/d].

    Examples
    --------
    >>> r = conversion_rates(172, 0.5)
    >>> round(r["SO2"], 3), round(r["NOx"], 2)
    (0.149, 1.52)
    """
    p = parameters or ProcessParameters()
    oh = np.asarray(hydroxyl(day_of_year, p))
    rh = _rh_fraction(relative_humidity)
    wet = np.maximum(rh - p.rh_aqueous, 0.0) / (1.0 - p.rh_aqueous)
    out = {
        "SO2": p.k_so2_oh * oh * 86400.0 + p.k_so2_aqueous * wet,
        "NOx": p.k_no2_oh * p.no2_fraction * oh * 86400.0 + p.k_nox_heterogeneous * rh,
        "VOC": p.k_voc_oh * oh * 86400.0 + 0.0 * rh,
    }
    return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in out.items()}
