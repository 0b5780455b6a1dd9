"""Health benefits of cleaner air: premature deaths avoided (GEMM) and their value (VSL).

Hazard ratio of the Global Exposure Mortality Model for non-communicable diseases plus lower
respiratory infections (NCD+LRI, adults ≥ 25) of Burnett et al. (2018), *Global estimates of
mortality associated with long-term exposure to outdoor fine particulate matter*, PNAS 115(38),
9592–9597, doi:10.1073/pnas.1803222115:

.. math:: \\mathrm{HR}(z) = \\exp\\left\\{\\frac{\\theta \\ln(z/\\alpha + 1)}{1 + \\exp(-(z-\\mu)/\\nu)}\\right\\},
          \\qquad z = \\max(0, c - c_0)

with the GEMM NCD+LRI coefficients including the Chinese cohort θ = 0.1430 (SE 0.01807),
α = 1.6, μ = 15.5 µg/m³, ν = 36.8 µg/m³ and the counterfactual c₀ = 2.4 µg/m³ (the paper's lowest
observed cohort exposure). Deaths attributable to PM2.5 are ``P · y₀ · (1 − 1/HR(c))``; deaths
avoided by a package are the baseline's attributable deaths minus the package's, holding the
population ``P`` and the observed all-cause NCD+LRI death rate ``y₀`` fixed.

Population per region: the demo air boxes (``ecomodel/data/air/boxes.csv``, ``population_1e4``).
Baseline rate: 7.0 deaths per 1000 people per year (assumption, close to the crude death rate
Jiangsu reports around 2020) × 0.90 (assumption: share of NCD+LRI deaths among all deaths in China,
GBD 2019 puts NCDs near 89 %) = 6.3 per 1000.

Value of a statistical life (CNY): low 1.47 × 10⁶ (Hoffmann, Krupnick & Qin 2017, *J. Benefit-Cost
Anal.* 8(2), pooled Shanghai/Jiujiang/Nanning, 2009 yuan), central 4.76 × 10⁶ (Cao et al. 2023,
*Chinese J. Popul. Resour. Environ.* 21(4), 269–278, six cities, 2019 yuan), high 6.36 × 10⁶ (the
highest city of Cao et al.). Not inflated to one price year: the spread between studies is larger.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError

if TYPE_CHECKING:
    import numpy.typing as npt
    import xarray as xr

__all__ = ["GEMM_NCD_LRI", "VSL_CNY", "BASELINE_DEATH_RATE", "gemm_hazard_ratio", "attributable_fraction",
           "avoided_deaths", "benefits", "population"]

#: GEMM NCD+LRI (with the Chinese cohort), Burnett et al. 2018: theta [1], alpha, mu, nu, counterfactual [ug/m3]
GEMM_NCD_LRI = {"theta": 0.1430, "theta_se": 0.01807, "alpha": 1.6, "mu": 15.5, "nu": 36.8, "counterfactual": 2.4}

#: value of a statistical life [CNY]: low (Hoffmann et al. 2017), central and high (Cao et al. 2023)
VSL_CNY = {"low": 1.47e6, "central": 4.76e6, "high": 6.36e6}

#: NCD+LRI deaths per person per year (assumption: 7.0 per 1000 crude rate × 0.90 NCD+LRI share)
BASELINE_DEATH_RATE = 7.0e-3 * 0.90


def gemm_hazard_ratio(concentration: npt.ArrayLike, *, theta: float = GEMM_NCD_LRI["theta"],
                      alpha: float = GEMM_NCD_LRI["alpha"],
                      mu: float = GEMM_NCD_LRI["mu"], nu: float = GEMM_NCD_LRI["nu"],
                      counterfactual: float = GEMM_NCD_LRI["counterfactual"]) -> np.ndarray | float:
    """GEMM hazard ratio [1] at annual-mean PM2.5 *concentration* [ug/m3].

    Examples
    --------
    >>> float(gemm_hazard_ratio(2.4))
    1.0
    >>> round(float(gemm_hazard_ratio(35.0)), 4)
    1.3086
    """
    c = np.asarray(concentration, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ScenarioError("concentration: expected finite PM2.5 >= 0 ug/m3", field="concentration",
                            value=c[~np.isfinite(c) | (c < 0)][:3].tolist() if c.ndim else float(c),
                            expected="finite values >= 0")
    z = np.maximum(0.0, c - counterfactual)
    omega = 1.0 / (1.0 + np.exp(-(z - mu) / nu))
    return np.exp(theta * np.log1p(z / alpha) * omega)


def attributable_fraction(concentration: npt.ArrayLike, **kwargs: float) -> np.ndarray | float:
    """``1 − 1/HR`` [1]: share of NCD+LRI deaths attributable to PM2.5 above the counterfactual."""
    return 1.0 - 1.0 / gemm_hazard_ratio(concentration, **kwargs)


def avoided_deaths(baseline: npt.ArrayLike, package: npt.ArrayLike, population: npt.ArrayLike,
                   rate: float = BASELINE_DEATH_RATE, **kwargs: float) -> np.ndarray | float:
    """Premature deaths avoided per year: ``P · y₀ · (AF(baseline) − AF(package))`` [deaths/yr].

    Parameters
    ----------
    baseline, package : array-like
        Annual-mean PM2.5 without and with the package [ug/m3].
    population : array-like
        People exposed (broadcast against the concentrations).
    rate : float
        NCD+LRI deaths per person per year [1/yr].
    """
    return np.asarray(population, dtype=float) * rate * (attributable_fraction(baseline, **kwargs)
                                                         - attributable_fraction(package, **kwargs))


@functools.lru_cache(maxsize=1)
def _box_population() -> dict:
    import csv

    from .._data import data_path

    out: dict = {}
    with open(data_path("air", "boxes.csv"), encoding="utf-8") as fh:
        for r in csv.DictReader(line for line in fh if not line.startswith("#")):
            if r["kind"] != "local" or not r["population_1e4"]:
                continue
            p = float(r["population_1e4"]) * 1e4
            out[r["region"]] = out.get(r["region"], 0.0) + p
            if r["city"] == "常州市":
                out["常州市"] = out.get("常州市", 0.0) + p
    return out


def population(region: str) -> float:
    """Population [people] of a region of the demo air domain (``常州市`` = its six boxes)."""
    pop = _box_population()
    if region not in pop:
        raise ScenarioError(f"region {region!r}: no population in the demo air boxes", field="region", value=region,
                            expected=f"one of {sorted(pop)}")
    return pop[region]


def benefits(pm25: xr.DataArray, baseline: int | str = 0, *, rate: float = BASELINE_DEATH_RATE,
             vsl: dict | None = None) -> xr.Dataset:
    """Deaths avoided and their value for each scenario of a stacked air projection.

    Parameters
    ----------
    pm25 : xarray.DataArray
        ``pm25_annual_mean`` [ug/m3] over ``scenario``, ``year``, optionally ``member``, and ``region``.
    baseline : int or str
        Position or name of the baseline scenario.
    vsl : dict, optional
        ``{label: CNY}``; default :data:`VSL_CNY`.

    Returns
    -------
    xarray.Dataset
        ``deaths_avoided`` [deaths/yr] over (scenario, year, region) (ensemble mean; regions with a
        population only, ``常州市`` not added twice — it is its own row) and ``benefit`` [CNY/yr]
        over (vsl, scenario, year, region).
    """
    import xarray as xr

    vsl = dict(VSL_CNY if vsl is None else vsl)
    regions = [str(r) for r in pm25["region"].values if str(r) in _box_population()]
    da = pm25.sel(region=regions)
    base = da.sel(scenario=baseline) if isinstance(baseline, str) else da.isel(scenario=int(baseline))
    pop = xr.DataArray([population(r) for r in regions], dims="region", coords={"region": regions})
    af = xr.apply_ufunc(attributable_fraction, da)
    af0 = xr.apply_ufunc(attributable_fraction, base)
    deaths = pop * rate * (af0 - af)
    if "member" in deaths.dims:
        deaths = deaths.mean("member")
    deaths = deaths.drop_vars([c for c in deaths.coords if c not in deaths.dims], errors="ignore")
    deaths = deaths.transpose("scenario", "year", ...)
    ds = xr.Dataset({"deaths_avoided": deaths.assign_attrs(
        units="1/yr", long_name="premature NCD+LRI deaths avoided per year (GEMM, Burnett et al. 2018)")})
    v = xr.DataArray(list(vsl.values()), dims="vsl", coords={"vsl": list(vsl)}, attrs={"units": "CNY"})
    ds["vsl_value"] = v
    ds["benefit"] = (v * deaths).transpose("vsl", "scenario", "year", ...).assign_attrs(units="CNY/yr", long_name="value of deaths avoided (VSL)")
    return ds
