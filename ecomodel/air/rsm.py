"""Polynomial response surface of annual PM2.5 in the reduction fractions of five precursors.

In the spirit of the polynomial-function response surface model (pf-RSM) of Xing et al. (2018,
*Atmos. Chem. Phys.* 18, 7799–7814; see also the extended RSM of Zhao et al. 2015, *Geosci.
Model Dev.* 8, 115–128, applied to the Yangtze River Delta): the box model is run on a
Latin-hypercube design of reduction packages ``x = (NOx, SO2, NH3, VOCs, PM2.5)`` ∈ [0, 1]⁵
(cuts applied to every sector of the local boxes), and the ensemble-mean annual PM2.5 of every
region is fitted by least squares with all monomials of total degree ≤ ``degree`` (56 terms for
degree 3). An independent Latin-hypercube test set gives the out-of-sample error (``error_``):
mean bias [%], maximum absolute error and RMSE [µg/m³] per region, and the pf-RSM criteria of
Xing et al. (2018): mean and maximum normalised error ``|ŷ − y| / y`` [%] (goals ≤ 2 % and ≤ 10 %).
With ``regional=True`` a sixth variable ``regional`` cuts the regional background box's emissions
uniformly, so local and regional packages share one surface. :meth:`ResponseSurface.check` scores
the surface on other packages and another weather seed. ``predict`` evaluates millions of packages
per second in a numba kernel.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .box import Domain
    from .emissions import Inventory
    from .meteorology import MeteorologySettings
    from .parameters import ProcessParameters

__all__ = ["ResponseSurface", "monomial_powers"]

VARIABLES = ("NOx", "SO2", "NH3", "VOCs", "PM2.5")


def monomial_powers(n_var: int, degree: int) -> np.ndarray:
    """Exponents of all monomials of total degree ≤ *degree* in *n_var* variables.

    Examples
    --------
    >>> monomial_powers(5, 3).shape
    (56, 5)
    """
    rows = [p for d in range(degree + 1) for p in itertools.product(range(d + 1), repeat=n_var) if sum(p) == d]
    return np.array(sorted(set(rows), key=lambda p: (sum(p), tuple(-x for x in p))), dtype=np.int64)


def _features(x: np.ndarray, powers: np.ndarray) -> np.ndarray:
    out = np.ones((x.shape[0], powers.shape[0]))
    for t, p in enumerate(powers):
        for v, e in enumerate(p):
            if e:
                out[:, t] *= x[:, v] ** e
    return out


def _box_model_runs(context: dict, design: np.ndarray) -> np.ndarray:
    """Ensemble-mean annual PM2.5 ``(package, region)`` from the box model for reduction packages."""
    from .box import _run
    from .emissions import POLLUTANT_SPECIES

    n_pkg = design.shape[0]
    members = context["members"]
    flux = np.repeat(context["flux_bg"][None], n_pkg, axis=0)
    if context.get("regional"):  # last column: uniform cut of the regional background box's emissions
        flux *= (1.0 - design[:, len(VARIABLES)])[:, None, None, None]
    for v, pol in enumerate(VARIABLES):
        s = POLLUTANT_SPECIES[pol]
        flux[:, :, s, :] += (1.0 - design[:, v])[:, None, None] * context["flux_local"][None, :, s, :]
    arr = context["arr"]
    big = {k: (np.ascontiguousarray(np.tile(val, (n_pkg, 1))) if k != "doy" else val) for k, val in arr.items()}
    scenario = np.repeat(np.arange(n_pkg, dtype=np.int64), members)
    domain = context["domain"]
    out, _ = _run(domain, flux, context["period"], scenario, big, context["parameters"], chemistry=True,
                  components=False, substeps=1, spinup_days=30)
    output = context.get("output", "pm25_annual_mean")
    if output == "pm25_annual_mean":
        annual = out[0].mean(axis=1).reshape(n_pkg, members, domain.n).mean(axis=1)  # (package, box)
        y = annual[:, context["keep"]]
        if context["city"] is not None:
            idx, w = context["city"]
            y = np.column_stack([y, annual[:, idx] @ w])
        return y
    return _o3_outputs(context, flux, out[0].reshape(n_pkg, members, -1, domain.n), output)


def _o3_outputs(context: dict, flux: np.ndarray, pm: np.ndarray, output: str) -> np.ndarray:
    """Ensemble-mean ``o3_mda8_p90`` [µg/m³] or ``good_air_days_ratio`` [%] ``(package, region)`` with
    the photochemical O3 model on the packages' fluxes (same weather and background O3 for all)."""
    from .emissions import POLLUTANT_SPECIES
    from .indicators import good_day_threshold
    from .photochem import o3_background, simulate_o3

    domain, arr = context["domain"], context["arr"]
    vent = arr["wind"][:, :, None] * domain.ventilation_rate(1.0)[None, None, :]
    bg = o3_background(arr, context["dates"], context["o3_level"], settings=context.get("ozone_settings"),
                       seed=np.random.default_rng(context["o3_seed"]))
    regional = next((i for i, k in enumerate(domain.kind) if k == "background"), -1)
    cols = list(context["keep"])
    res = []
    for k in range(flux.shape[0]):
        o3 = simulate_o3(flux[k, :, POLLUTANT_SPECIES["NOx"], :], flux[k, :, POLLUTANT_SPECIES["VOCs"], :],
                         context["period"], arr, vent, bg, regional=regional)  # (member, day, box)
        x = pm[k]
        if context["city"] is not None:
            idx, w = context["city"]
            o3 = np.concatenate([o3, np.tensordot(o3[:, :, idx], w, axes=([2], [0]))[:, :, None]], axis=2)
            x = np.concatenate([x, np.tensordot(x[:, :, idx], w, axes=([2], [0]))[:, :, None]], axis=2)
            use = cols + [o3.shape[2] - 1]
        else:
            use = cols
        if output == "o3_mda8_p90":
            v = np.percentile(o3[:, :, use], 90.0, axis=1, method="linear").mean(axis=0)
        else:
            good = (x[:, :, use] <= good_day_threshold("PM2.5")) & (o3[:, :, use] <= good_day_threshold("O3_8h"))
            v = good.mean(axis=(0, 1)) * 100.0
        res.append(v)
    return np.asarray(res)


#: indicators a surface can emulate, with units and long names
OUTPUTS = {"pm25_annual_mean": ("ug/m3", "annual mean PM2.5"),
           "o3_mda8_p90": ("ug/m3", "90th percentile of the daily maximum 8-hour mean O3"),
           "good_air_days_ratio": ("%", "share of good air days (AQI <= 100)")}


def _check_fit_options(output: str, bounds: tuple[float, float], samples: int, degree: int, nv: int
                       ) -> tuple[float, float]:
    """(low, high) reduction bounds, after checking the output, the bounds and the number of samples."""
    if output not in OUTPUTS:
        raise InputError(f"output {output!r}: expected one of {list(OUTPUTS)}", field="output", value=output,
                         expected=str(list(OUTPUTS)))
    lo, hi = (float(b) for b in bounds)
    if not (0.0 <= lo < hi <= 1.0):
        raise InputError(f"bounds: {bounds}; expected 0 <= low < high <= 1", field="bounds", value=bounds)
    n_terms = len(monomial_powers(nv, degree))
    if samples + 1 < n_terms:
        raise InputError(f"samples: {samples}; a degree-{degree} surface has {n_terms} terms, so at least "
                         f"{n_terms - 1} samples are needed", field="samples", value=samples)
    return lo, hi


def _lhs_designs(rng: np.random.Generator, nv: int, samples: int, test_samples: int, lo: float, hi: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(training design with the no-cut package first, out-of-sample design): Latin hypercubes in [lo, hi]."""
    from scipy.stats import qmc

    train = qmc.LatinHypercube(d=nv, seed=rng).random(samples) * (hi - lo) + lo
    train = np.vstack([np.full(nv, lo), train])
    test = qmc.LatinHypercube(d=nv, seed=rng).random(test_samples) * (hi - lo) + lo
    return train, test


def _split_fluxes(inventory: Inventory, domain: Domain, base_f: np.ndarray, dates: np.ndarray, year: int
                  ) -> tuple[np.ndarray, np.ndarray, object]:
    """(fluxes of the local boxes, fluxes of the background boxes, period) of the baseline emissions."""
    # fluxes of the local and background boxes, split by pollutant, combined per package
    local_rows = [i for i, b in enumerate(inventory.boxes)
                  if dict(zip(domain.boxes, domain.kind)).get(b, "local") == "local"]
    only_local = np.zeros_like(base_f)
    only_local[local_rows] = base_f[local_rows]
    only_bg = base_f - only_local
    flux_local, period, _ = inventory.fluxes(domain, dates, {year: only_local})
    flux_bg, _, _ = inventory.fluxes(domain, dates, {year: only_bg})
    return flux_local, flux_bg, period


def _output_regions(domain: Domain, city: str | None) -> tuple[list[int], list[str], list[str], object]:
    """(boxes with a region, region names, English names, city columns or None) of a surface's outputs."""
    from .projection import _city_columns

    keep = [i for i, r in enumerate(domain.region) if r]
    regions = [domain.region[i] for i in keep]
    names = [domain.name_en[i] for i in keep]
    city_cols = None
    if city:
        from .indicators import CITY_NAME_EN

        city_cols = _city_columns(domain, city, None)
        regions.append(city)
        names.append(CITY_NAME_EN.get(city, city))
    return keep, regions, names, city_cols


def _error_table(regions: list[str], names: list[str], pred: np.ndarray, truth: np.ndarray, test_samples: int,
                 output: str) -> pd.DataFrame:
    """Out-of-sample error statistics per region, overall values in ``attrs``."""
    err = pred - truth
    table = pd.DataFrame({"region": regions, "region_en": names,
                          "mean_bias_pct": 100.0 * err.mean(axis=0) / truth.mean(axis=0),
                          "max_abs_error": np.abs(err).max(axis=0),
                          "rmse": np.sqrt((err ** 2).mean(axis=0))}).set_index("region")
    ne = 100.0 * np.abs(err) / truth
    table["mean_ne_pct"] = ne.mean(axis=0)
    table["max_ne_pct"] = ne.max(axis=0)
    table.attrs = {"mean_bias_pct": float(np.max(np.abs(table["mean_bias_pct"]))),
                   "mean_ne_pct": float(ne.mean()), "max_ne_pct": float(ne.max()),
                   "max_abs_error": float(table["max_abs_error"].max()),
                   "rmse": float(np.sqrt((err ** 2).mean())), "test_samples": int(test_samples),
                   "units": f"{OUTPUTS[output][0]} (errors), % (bias)"}
    return table


class ResponseSurface:
    """Polynomial emulator of the box model's annual PM2.5 by region.

    Build one with :meth:`fit`; then :meth:`predict` maps reduction packages to annual means.

    Attributes
    ----------
    variables : tuple of str
        Reduced pollutants, in column order (``NOx, SO2, NH3, VOCs, PM2.5``).
    regions : list of str
        Output regions (registry names, plus the city average).
    coef_ : numpy.ndarray
        Coefficients ``(n_term, n_region)`` [µg/m³].
    powers_ : numpy.ndarray
        Monomial exponents ``(n_term, n_var)``.
    error_ : pandas.DataFrame
        Out-of-sample statistics per region: ``mean_bias_pct`` [%], ``max_abs_error`` and
        ``rmse`` [µg/m³]; ``error_.attrs`` holds the overall values.
    design_, response_ : numpy.ndarray
        Training packages and box-model responses.
    """

    def __init__(self, coef, powers, regions, *, variables=VARIABLES, year=None, region_en=None,
                 output: str = "pm25_annual_mean"):
        self.coef_ = np.ascontiguousarray(coef, dtype=float)
        self.powers_ = np.ascontiguousarray(powers, dtype=np.int64)
        self.regions = list(regions)
        self.region_en = list(region_en) if region_en is not None else list(regions)
        self.variables = tuple(variables)
        self.year = year
        self.output = output
        self.error_ = None
        self.design_ = None
        self.response_ = None
        self._context = None

    # ------------------------------------------------------------------------------------- fit
    @classmethod
    def fit(cls, *, samples: int = 120, test_samples: int = 40, members: int = 8, year: int = 2025, seed: int = 0,
            degree: int = 3, bounds: tuple[float, float] = (0.0, 1.0), base: Mapping[Any, float] | None = None,
            inventory: Inventory | None = None, domain: Domain | None = None,
            parameters: ProcessParameters | None = None, settings: MeteorologySettings | None = None,
            background: float | Mapping[int, float] | None = None, city: str | None = "常州市", regional: bool = False,
            output: str = "pm25_annual_mean") -> "ResponseSurface":
        """Fit the surface to box-model runs on a Latin-hypercube design.

        Parameters
        ----------
        samples, test_samples : int
            Training and out-of-sample packages (Latin hypercubes, plus the no-cut package in training).
        members : int
            Weather members per package (the same weather for every package).
        year : int
            Year simulated (sets the baseline emissions and background).
        seed : int
            Seed of the designs and weather.
        degree : int
            Total polynomial degree.
        bounds : (float, float)
            Range of each reduction fraction [1].
        base : mapping, optional
            Reductions applied before the package (e.g. measures already decided).
        inventory, domain, parameters, settings, background : optional
            As in :func:`~ecomodel.air.trajectory` (calibrated demo by default).
        city : str or None
            Also emulate this city's average.
        regional : bool
            Add the variable ``regional``: a uniform cut of the background box's emissions [1].
        output : str
            Indicator emulated: ``pm25_annual_mean`` [µg/m³], ``o3_mda8_p90`` [µg/m³] or
            ``good_air_days_ratio`` [%] (the last two with the photochemical O3 model of
            :mod:`ecomodel.air.photochem` at the calibrated O3 level of *year*).

        Returns
        -------
        ResponseSurface

        Examples
        --------
        >>> rs = ResponseSurface.fit(samples=60, test_samples=10, members=2, seed=1)
        >>> rs.error_.attrs["max_abs_error"] < 0.5
        True
        >>> float(rs.predict({"NOx": 0.0}).sel(region="常州市")) > float(rs.predict({"NOx": 0.5}).sel(region="常州市"))
        True
        """
        from .meteorology import generate_meteorology, meteorology_arrays
        from .projection import _factors, _seed_children, _setup

        variables = VARIABLES + (("regional",) if regional else ())
        nv = len(variables)
        lo, hi = _check_fit_options(output, bounds, samples, degree, nv)
        years = [int(year)]
        inventory, domain, parameters, settings, ozs, bg, trend_fn, o3_lev = _setup(
            inventory, domain, parameters, settings, None, background, None, None, years)
        base_f = _factors(inventory, domain, base, years, bg, trend_fn)[years[0]]
        rng_design, rng_met = _seed_children(seed, 2)
        train, test = _lhs_designs(rng_design, nv, samples, test_samples, lo, hi)
        met = generate_meteorology(settings, years=years, members=members, seed=rng_met)
        arr, dates, _ = meteorology_arrays(met)
        flux_local, flux_bg, period = _split_fluxes(inventory, domain, base_f, dates, years[0])
        keep, regions, names, city_cols = _output_regions(domain, city)
        context = {"domain": domain, "parameters": parameters, "arr": arr, "period": period, "members": members,
                   "flux_local": flux_local, "flux_bg": flux_bg, "keep": keep, "city": city_cols,
                   "regional": bool(regional), "settings": settings, "year": years[0], "output": output,
                   "dates": dates, "o3_level": float(o3_lev[years[0]]), "ozone_settings": ozs,
                   "o3_seed": [int(seed or 0), 3]}
        y = _box_model_runs(context, np.vstack([train, test]))
        powers = monomial_powers(nv, degree)
        n_train = train.shape[0]
        coef, *_ = np.linalg.lstsq(_features(train, powers), y[:n_train], rcond=None)
        rs = cls(coef, powers, regions, variables=variables, year=int(year), region_en=names, output=output)
        rs.design_, rs.response_ = train, y[:n_train]
        rs._context = context
        truth = y[n_train:]
        rs.error_ = _error_table(regions, names, rs._predict_array(test), truth, test_samples, output)
        rs.test_design_, rs.test_response_ = test, truth
        return rs

    # --------------------------------------------------------------------------------- predict
    def _as_matrix(self, reductions) -> np.ndarray:
        from .emissions import normalise_pollutant

        if isinstance(reductions, Mapping):
            cols = {}
            n = None
            for k, v in reductions.items():
                if not isinstance(k, str):
                    raise InputError(f"reductions key {k!r}: the response surface takes pollutant-level cuts "
                                     f"({', '.join(self.variables)})", field="reductions", value=k)
                name = k if k == "regional" else normalise_pollutant(k)
                arr = np.atleast_1d(np.asarray(v, dtype=float))
                if n is not None and arr.shape[0] != n and arr.shape[0] != 1 and n != 1:
                    raise InputError("reductions: arrays of different lengths", field="reductions")
                n = max(n or 1, arr.shape[0])
                cols[name] = arr
            n = n or 1
            x = np.zeros((n, len(self.variables)))
            for j, name in enumerate(self.variables):
                if name in cols:
                    x[:, j] = np.broadcast_to(cols[name], (n,))
        else:
            x = np.asarray(reductions, dtype=float)
            if x.ndim == 1:
                x = x[None, :]
            if x.ndim != 2 or x.shape[1] != len(self.variables):
                raise InputError(f"reductions: shape {x.shape}; expected (n_package, {len(self.variables)}) in the "
                                 f"order {self.variables}", field="reductions", value=x.shape)
        if not np.all(np.isfinite(x)):
            raise InputError("reductions: NaN or infinite fractions", field="reductions", expected="finite fractions")
        if (x < 0).any() or (x > 1).any():
            bad = x[(x < 0) | (x > 1)].flat[0]
            raise InputError(f"reductions: fraction {bad}; expected values in [0, 1]", field="reductions", value=bad,
                             expected="0 <= f <= 1")
        return np.ascontiguousarray(x)

    def _predict_array(self, x: np.ndarray) -> np.ndarray:
        from . import _kernels as K

        out = np.empty((x.shape[0], self.coef_.shape[1]))
        if x.shape[0] >= 20000:
            K.rsm_predict(x, self.powers_, self.coef_, out)
        else:
            out[:] = _features(x, self.powers_) @ self.coef_
        return out

    def predict(self, reductions: Mapping[str, ArrayLike] | ArrayLike) -> xr.DataArray:
        """Annual mean PM2.5 [µg/m³] for reduction packages.

        Parameters
        ----------
        reductions : mapping or array-like
            ``{pollutant: fraction or array}`` (missing pollutants are 0), or an array
            ``(n_package, 5)`` in the order of :attr:`variables` [1].

        Returns
        -------
        xarray.DataArray
            ``(package, region)``, or ``(region,)`` for a single mapping of scalars.

        Examples
        --------
        A toy surface ``y = 30 − 5·x_NOx`` for one region:

        >>> rs = ResponseSurface(np.array([[30.0], [-5.0]]), np.array([[0, 0, 0, 0, 0], [1, 0, 0, 0, 0]]), ["A"])
        >>> float(rs.predict({"NOx": 0.2}).sel(region="A"))
        29.0
        >>> rs.predict({"NOx": [0.0, 1.0]}).values.ravel().tolist()
        [30.0, 25.0]
        """
        scalar = isinstance(reductions, Mapping) and all(np.ndim(v) == 0 for v in reductions.values())
        x = self._as_matrix(reductions)
        y = self._predict_array(x)
        units, long = OUTPUTS[self.output]
        attrs = {"units": units, "long_name": f"{long} ({self.year}, response surface)"}
        if self.output == "pm25_annual_mean":
            attrs |= {"standard_name": "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
                      "cell_methods": "time: mean (interval: 1 year)"}
        elif self.output == "o3_mda8_p90":
            attrs |= {"standard_name": "mass_concentration_of_ozone_in_air"}
        da = xr.DataArray(y, dims=("package", "region"),
                          coords={"region": self.regions, "region_en": ("region", self.region_en)},
                          name=self.output, attrs=attrs)
        return da.isel(package=0, drop=True) if scalar else da

    def box_model(self, reductions: Mapping[str, ArrayLike] | ArrayLike) -> xr.DataArray:
        """The box model itself for *reductions*, with the weather the surface was fitted on.

        Same input and output as :meth:`predict` (annual mean PM2.5 [µg/m³] by region), for checking
        the emulator on a package of interest.
        """
        if getattr(self, "_context", None) is None:
            raise InputError("box_model: this surface was not fitted in this session (no box-model set-up)",
                             field="box_model")
        scalar = isinstance(reductions, Mapping) and all(np.ndim(v) == 0 for v in reductions.values())
        y = _box_model_runs(self._context, self._as_matrix(reductions))
        da = self.predict(np.zeros((y.shape[0], len(self.variables)))).copy(data=y)
        da.attrs["long_name"] = f"{OUTPUTS[self.output][1]} ({self.year}, box model)"
        return da.isel(package=0, drop=True) if scalar else da

    def check(self, packages: Mapping[str, ArrayLike] | ArrayLike | None = None, *, seed: int | None = None,
              members: int | None = None, relative: bool = False) -> dict:
        """Score the surface against the box model on *packages*, optionally with other weather.

        Parameters
        ----------
        packages : array or mapping, optional
            Reduction packages (as for :meth:`predict`); default the out-of-sample test packages.
        seed : int, optional
            Weather seed for the box-model runs (default: the weather the surface was fitted on).
        members : int, optional
            Weather members for the new weather (default as fitted).
        relative : bool
            Score the surface as the scenario backend uses it: its relative response
            ``ŷ(x)/ŷ(0)`` applied to the box model's no-cut value under the (new) weather, so that
            the weather's shift of the level itself — sampling noise of a small ensemble, not an
            error of the response — is not counted. Default False: the absolute prediction.

        Returns
        -------
        dict
            ``mean_ne_pct`` and ``max_ne_pct`` (pf-RSM normalised errors [%]), ``max_abs_error``
            [µg/m³], ``packages``.
        """
        from .meteorology import generate_meteorology, meteorology_arrays

        if getattr(self, "_context", None) is None:
            raise InputError("check: this surface was not fitted in this session (no box-model set-up)",
                             field="check")
        x = self.test_design_ if packages is None else self._as_matrix(packages)
        ctx = dict(self._context)
        if seed is not None:
            ctx["members"] = int(members or ctx["members"])
            met = generate_meteorology(ctx["settings"], years=[ctx["year"]], members=ctx["members"],
                                       seed=np.random.default_rng(int(seed)))
            ctx["arr"], ctx["dates"], _ = meteorology_arrays(met)
            ctx["o3_seed"] = [int(seed), 3]
        truth = _box_model_runs(ctx, x)
        pred = self._predict_array(x)
        if relative:
            zero = np.zeros((1, x.shape[1]))
            pred = _box_model_runs(ctx, zero) * pred / self._predict_array(zero)
        err = pred - truth
        ne = 100.0 * np.abs(err) / truth
        return {"mean_ne_pct": float(ne.mean()), "max_ne_pct": float(ne.max()),
                "max_abs_error": float(np.abs(err).max()), "packages": int(x.shape[0])}

    def __repr__(self) -> str:
        unit = OUTPUTS.get(getattr(self, "output", "pm25_annual_mean"), ("ug/m3",))[0]
        err = "" if self.error_ is None else (f"; out-of-sample max |error| {self.error_.attrs['max_abs_error']:.3f} "
                                              f"{unit}, |mean bias| {self.error_.attrs['mean_bias_pct']:.2f} %")
        return (f"<ResponseSurface {self.output}: {len(self.powers_)} terms × {len(self.regions)} regions, "
                f"year {self.year}{err}>")
