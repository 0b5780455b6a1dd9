"""Year-by-year CO2 projections from drivers, with parameter ensembles, peak year and the plan
indicators (CO2 and energy intensity cuts, coal share).

The model is a Kaya-type identity per region *r*, sector *s* and fuel *j* (all energy in tce):

.. math::

    E_{rsj}(t) = \\underbrace{GDP_r(t)\\,a_{rs}(t)}_{\\text{activity}}\\;
                 \\underbrace{e_{rs}(0)\\,\\prod_{\\tau\\le t}(1-d_{s}(\\tau))}_{\\text{energy intensity}}\\;
                 \\tilde m_{rsj}(t),
    \\qquad C_{rsj}(t) = E_{rsj}(t)\\,EF_j(t)

- GDP grows at ``gdp_growth`` [1/yr]; activity shares :math:`a_{rs}` move linearly from the base
  year to ``structure_target`` (production sectors renormalised to 1);
- the energy intensity of each sector falls by ``energy_intensity_decline`` [1/yr];
- the (unnormalised) fuel mix :math:`\\tilde m` evolves by two share shifts, applied every year:
  ``coal_to_gas`` moves that fraction of the remaining coal energy to natural gas (1 tce for
  1 tce), and ``electrification`` moves that fraction of the remaining fossil energy to
  electricity, each tce of fossil fuel replaced by ``electrification_ratio`` tce of electricity
  (electric end uses need less final energy). In closed form, with
  :math:`K_c(t)=\\prod(1-x_c)` and :math:`F(t)=\\prod(1-x_e)`:
  coal :math:`m_c(0)K_cF`, gas :math:`(m_g(0)+c_0(1-K_c))F`, other fossil :math:`m_o(0)F`,
  electricity :math:`m_{el}(0)+\\rho\\,f_0(1-F)`;
- the grid factor falls with the non-fossil share of the grid,
  :math:`EF_{el}(t)=EF_{el}(0)\\,(1-n(t))/(1-n(0))`, where :math:`n` rises by
  ``grid_non_fossil_increase`` [1/yr] from ``grid_non_fossil_base``.

Each parameter is a number, a distribution (``{"dist": "uniform", "low", "high"}``,
``{"dist": "triangular", "low", "mode", "high"}``, ``{"dist": "normal", "mean", "sd"}``) sampled
once per ensemble member with a seeded generator, or a schedule ``{year: value-or-distribution}``
(a step function from each year on); the sector parameters also take ``{sector: spec, "*": spec}``.

The returned Dataset has the indicator variables of ``docs/interfaces.md`` over
``(year, member, region)`` and can be handed to :func:`ecomodel.targets.check`.

Examples
--------
>>> import xarray as xr
>>> from ecomodel.carbon import demo_drivers
>>> ds = project(demo_drivers(regions=["常州市"]), years=range(2020, 2036), members=4, seed=1)
>>> ds["co2_emissions"].dims
('year', 'member', 'region')
>>> float(ds["co2_intensity_decrease_pct"].sel(year=2020).max())
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .._cf import cf_attrs
from ..errors import CarbonError, close_matches
from .factors import FUELS, emission_factors

__all__ = ["Drivers", "project", "peak_year", "sample_parameters", "PARAMETERS"]

#: parameter name -> (default, lower bound, upper bound, per-sector?, unit, meaning)
PARAMETERS = {
    "gdp_growth": (0.05, -0.5, 1.0, False, "1/yr", "real GDP growth rate"),
    "energy_intensity_decline": (0.03, -0.5, 0.9, True, "1/yr", "annual decline of sectoral energy intensity"),
    "coal_to_gas": (0.0, 0.0, 1.0, True, "1/yr", "fraction of remaining coal energy switched to natural gas each year"),
    "electrification": (0.0, 0.0, 1.0, True, "1/yr",
                        "fraction of remaining fossil final energy switched to electricity each year"),
    "electrification_ratio": (0.5, 0.0, 2.0, False, "1",
                              "tce of electricity replacing 1 tce of fossil fuel (end-use efficiency gain)"),
    "grid_non_fossil_base": (0.30, 0.0, 0.99, False, "1", "non-fossil share of grid electricity in the base year"),
    "grid_non_fossil_increase": (0.01, -0.1, 0.2, False, "1/yr", "annual increase of the grid's non-fossil share"),
}

_DIST_KEYS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "normal": ("mean", "sd")}


@dataclass
class Drivers:
    """Everything a projection starts from.

    Parameters
    ----------
    balance : xarray.DataArray
        Base-year energy use (region, sector, fuel) in physical units (see
        :func:`~ecomodel.carbon.inventory.energy_balance`).
    gdp : xarray.DataArray
        Base-year GDP per region [10⁸ CNY], constant prices.
    activity_share : xarray.DataArray
        Activity of each sector as a share of GDP (region, sector) [1]: value-added shares for
        production sectors (summing to 1); household sectors (see *household_sectors*) are scaled
        with GDP by their own share (e.g. household consumption / GDP).
    base_year : int
        Year of the balance [year].
    parameters : mapping
        Parameter specs by name (see :data:`PARAMETERS` and the module docstring); missing names
        take their defaults.
    region_parameters : mapping, optional
        ``{region: {name: spec}}`` overriding *parameters* for single regions.
    structure_target : mapping, optional
        ``{sector: share}`` production-sector activity shares reached in *structure_year* (linear
        path from the base year, constant afterwards); may be keyed by region first.
    structure_year : int
        Year the target structure is reached [year].
    household_sectors : sequence of str
        Sectors whose activity is not part of GDP (not renormalised).
    factors : xarray.Dataset, optional
        Emission factors (default :func:`~ecomodel.carbon.factors.emission_factors`).
    name_en : mapping, optional
        English names of the regions, used for the ``name_en`` coordinate.
    """

    balance: object
    gdp: object
    activity_share: object
    base_year: int = 2020
    parameters: Mapping = field(default_factory=dict)
    region_parameters: Mapping = field(default_factory=dict)
    structure_target: Mapping | None = None
    structure_year: int = 2035
    household_sectors: Sequence[str] = ("residential",)
    factors: object = None
    name_en: Mapping | None = None

    def with_parameters(self, **changes) -> Drivers:
        """A copy with some parameters replaced (``drivers.with_parameters(gdp_growth=0.04)``)."""
        params = dict(self.parameters)
        params.update(changes)
        return replace(self, parameters=params)


# ---------------------------------------------------------------------------------------- sampling


def _check_param_name(name: str) -> None:
    if name not in PARAMETERS:
        raise CarbonError(f"parameters: unknown parameter {name!r}" + close_matches(name, PARAMETERS),
                          field="parameters", value=name, expected=f"one of {list(PARAMETERS)}")


def _draw(spec, name: str, members: int, rng) -> np.ndarray:
    """One value per member for a scalar or distribution spec."""
    _, low, high, _, unit, _ = PARAMETERS[name]
    if isinstance(spec, Mapping):
        dist = spec.get("dist")
        if dist not in _DIST_KEYS:
            raise CarbonError(f"parameter {name!r}: distribution {dist!r} is not known; expected one of "
                              f"{list(_DIST_KEYS)}", field=name, value=dist, expected=str(list(_DIST_KEYS)))
        need = _DIST_KEYS[dist]
        missing = [k for k in need if k not in spec]
        if missing:
            raise CarbonError(f"parameter {name!r}: {dist} distribution lacks {missing}", field=name, value=spec,
                              expected=f"keys {list(need)}")
        args = [_finite(spec[k], f"{name}.{k}") for k in need]
        if dist == "uniform":
            if args[0] > args[1]:
                raise CarbonError(f"parameter {name!r}: uniform low {args[0]} > high {args[1]}", field=name,
                                  value=spec, expected="low <= high")
            values = rng.uniform(args[0], args[1], members)
        elif dist == "triangular":
            lo, mode, hi = args
            if not lo <= mode <= hi:
                raise CarbonError(f"parameter {name!r}: triangular needs low <= mode <= high, got {lo}, {mode}, {hi}",
                                  field=name, value=spec, expected="low <= mode <= high")
            values = rng.triangular(lo, mode, hi, members) if hi > lo else np.full(members, mode)
        else:
            mean, sd = args
            if sd < 0:
                raise CarbonError(f"parameter {name!r}: normal sd {sd} < 0", field=name, value=sd, expected=">= 0")
            values = rng.normal(mean, sd, members)
        # documented truncation: samples are clipped to the parameter's admissible range
        return np.clip(values, low, high)
    value = _finite(spec, name)
    if not low <= value <= high:
        raise CarbonError(f"parameter {name!r}: {value} is outside [{low}, {high}] [{unit}]", field=name, value=value,
                          expected=f"{low} <= x <= {high}")
    return np.full(members, value)


def _finite(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise CarbonError(f"parameter {name!r}: {value!r} is not a number", field=name, value=value,
                          expected="a number or a distribution") from None
    if not np.isfinite(v):
        raise CarbonError(f"parameter {name!r}: {v} is not finite", field=name, value=v, expected="a finite number")
    return v


def _schedule(spec, name: str, years: np.ndarray, members: int, rng) -> np.ndarray:
    """(member, year) values of a spec that may be a step schedule {year: spec}."""
    if isinstance(spec, Mapping) and spec and all(isinstance(k, (int, np.integer)) for k in spec):
        keys = sorted(int(k) for k in spec)
        out = np.empty((members, years.size))
        first = _draw(spec[keys[0]], name, members, rng)
        out[:] = first[:, None]
        for k in keys[1:]:
            out[:, years >= k] = _draw(spec[k], name, members, rng)[:, None]
        return out
    return np.repeat(_draw(spec, name, members, rng)[:, None], years.size, axis=1)


def sample_parameters(parameters: Mapping, years, sectors, members: int = 1, seed=None) -> dict:
    """Sample every projection parameter for each member, year (and sector).

    Parameters
    ----------
    parameters : mapping
        Parameter specs by name (missing names take their default, see :data:`PARAMETERS`).
    years : sequence of int
        Years [year].
    sectors : sequence of str
        Sector names (for the per-sector parameters).
    members : int
        Ensemble size.
    seed : int or numpy.random.Generator, optional
        Random seed; the same seed gives the same samples.

    Returns
    -------
    dict
        ``name -> array`` of shape (member, year) or, for per-sector parameters,
        (member, year, sector).

    Examples
    --------
    >>> p = sample_parameters({"gdp_growth": {"dist": "uniform", "low": 0.03, "high": 0.05}},
    ...                       years=[2021, 2022], sectors=["industry"], members=3, seed=0)
    >>> p["gdp_growth"].shape, bool(((p["gdp_growth"] >= 0.03) & (p["gdp_growth"] <= 0.05)).all())
    ((3, 2), True)
    """
    if not isinstance(parameters, Mapping):
        raise CarbonError(f"parameters: expected a mapping, got {type(parameters).__name__}", field="parameters",
                          value=parameters, expected="a mapping name -> spec")
    for name in parameters:
        _check_param_name(name)
    members = int(members)
    if members < 1:
        raise CarbonError(f"members: {members}; expected at least 1", field="members", value=members, expected=">= 1")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    sectors = list(sectors)
    out = {}
    for name, (default, *_rest) in PARAMETERS.items():
        per_sector = PARAMETERS[name][3]
        spec = parameters.get(name, default)
        if per_sector:
            is_sector_map = isinstance(spec, Mapping) and spec and all(isinstance(k, str) for k in spec) \
                and "dist" not in spec
            arr = np.empty((members, years.size, len(sectors)))
            if is_sector_map:
                unknown = [k for k in spec if k != "*" and k not in sectors]
                if unknown:
                    raise CarbonError(f"parameter {name!r}: unknown sector(s) {unknown}" +
                                      close_matches(unknown[0], sectors), field=name, value=unknown,
                                      expected=f"sectors {sectors} or '*'")
                fallback = spec.get("*", default)
                shared = _schedule(fallback, name, years, members, rng)
                for k, s in enumerate(sectors):
                    arr[:, :, k] = _schedule(spec[s], name, years, members, rng) if s in spec else shared
            else:
                arr[:] = _schedule(spec, name, years, members, rng)[:, :, None]
            out[name] = arr
        else:
            out[name] = _schedule(spec, name, years, members, rng)
    return out


# ---------------------------------------------------------------------------------------- peak


def peak_year(series, years=None, *, dim: str = "year", tolerance: float = 0.0):
    """Peak year and value of emission series.

    The peak is the first year at which a series reaches its maximum over the years given. A
    series has *peaked* when its last value is below the maximum by more than *tolerance*
    (relative); a series still rising, or flat at its maximum to the end, has not. For such
    series the peak year is reported as the last year + 1, a lower bound ("not before"), and the
    value as the maximum so far.

    Parameters
    ----------
    series : array-like or xarray.DataArray
        Emissions [any unit], years along the last axis (or along *dim* for a DataArray).
    years : sequence of int, optional
        The years of the series [year] (taken from the ``year`` coordinate of a DataArray).
    dim : str
        Name of the year dimension of a DataArray.
    tolerance : float
        Relative drop below the maximum required to call it a peak [1], default 0.

    Returns
    -------
    tuple of arrays ``(peak_year, peak_value, peaked)`` for array input; an ``xarray.Dataset``
    with ``co2_peak_year``, ``co2_peak_value`` and ``co2_peaked`` for DataArray input.

    Examples
    --------
    >>> peak_year([1.0, 3.0, 2.0, 1.0], [2020, 2021, 2022, 2023])
    (array(2021), array(3.), array(True))
    >>> peak_year([1.0, 2.0, 3.0], [2020, 2021, 2022])[0]   # still rising: not before 2023
    array(2023)
    """
    import xarray as xr

    if isinstance(series, xr.DataArray):
        if dim not in series.dims:
            raise CarbonError(f"peak_year: series has no {dim!r} dimension (dims {series.dims})", field="dim",
                              value=dim, expected="a year dimension")
        yrs = np.asarray(series[dim].values if years is None else years, dtype=int)
        moved = series.transpose(..., dim)
        py, pv, pk = peak_year(moved.values, yrs, tolerance=tolerance)
        other = moved.dims[:-1]
        coords = {k: v for k, v in moved.coords.items() if dim not in v.dims}
        unit = series.attrs.get("units", "")
        return xr.Dataset({
            "co2_peak_year": xr.DataArray(py, dims=other, coords=coords, attrs=cf_attrs(
                "year", "year of peak CO2 emissions",
                comment="first year of the maximum; last year + 1 (a lower bound) where no peak within the horizon")),
            "co2_peak_value": xr.DataArray(pv, dims=other, coords=coords,
                                           attrs=cf_attrs(unit, "peak (maximum) CO2 emissions", cell_methods="year: maximum")),
            "co2_peaked": xr.DataArray(pk, dims=other, coords=coords,
                                       attrs={"long_name": "emissions have peaked within the horizon", "units": "1"}),
        })
    values = np.asarray(series, dtype=float)
    if values.ndim == 0 or values.shape[-1] == 0:
        raise CarbonError("peak_year: empty series; expected at least one year", field="series", value=values.shape,
                          expected="a non-empty series")
    if not np.isfinite(values).all():
        raise CarbonError("peak_year: series contains NaN or inf; expected finite emissions", field="series",
                          value="non-finite", expected="finite numbers")
    if years is None:
        raise CarbonError("peak_year: years are required for array input", field="years", expected="a sequence of years")
    yrs = np.asarray(years, dtype=int)
    if yrs.shape != (values.shape[-1],):
        raise CarbonError(f"peak_year: {yrs.size} years for a series of length {values.shape[-1]}", field="years",
                          value=yrs.size, expected=str(values.shape[-1]))
    if yrs.size > 1 and np.any(np.diff(yrs) <= 0):
        raise CarbonError("peak_year: years must increase", field="years", value=yrs.tolist(), expected="increasing")
    idx = np.argmax(values, axis=-1)
    vmax = np.max(values, axis=-1)
    last = values[..., -1]
    peaked = last < vmax * (1.0 - float(tolerance)) if tolerance else last < vmax
    py = np.where(peaked, yrs[idx], yrs[-1] + 1)
    return np.asarray(py), np.asarray(vmax), np.asarray(peaked)


# ---------------------------------------------------------------------------------------- projection


def _as_region_sector(obj, regions, sectors, name: str) -> np.ndarray:
    import xarray as xr

    if isinstance(obj, xr.DataArray):
        missing = [d for d in ("region", "sector") if d not in obj.dims]
        if missing:
            raise CarbonError(f"{name}: DataArray lacks dimension(s) {missing}", field=name, value=obj.dims,
                              expected="dims ('region', 'sector')")
        arr = obj.reindex(region=regions, sector=sectors).transpose("region", "sector").values.astype(float)
    else:
        arr = np.asarray(obj, dtype=float)
        if arr.shape != (len(regions), len(sectors)):
            raise CarbonError(f"{name}: shape {arr.shape}; expected (region, sector) = ({len(regions)}, {len(sectors)})",
                              field=name, value=arr.shape, expected=str((len(regions), len(sectors))))
    if not np.isfinite(arr).all() or (arr < 0).any():
        k = np.unravel_index(int(np.argmax(~np.isfinite(arr) | (arr < 0))), arr.shape)
        raise CarbonError(f"{name}: {arr[k]} for region {regions[k[0]]!r}, sector {sectors[k[1]]!r}; expected finite "
                          "values >= 0 (missing sectors?)", field=name, value=float(arr[k]), expected=">= 0")
    return arr


def _structure_path(drivers: Drivers, share0: np.ndarray, regions, sectors, years: np.ndarray) -> np.ndarray:
    """(region, year, sector) activity shares."""
    out = np.repeat(share0[:, None, :], years.size, axis=1)
    target = drivers.structure_target
    if not target:
        return out
    house = np.array([s in drivers.household_sectors for s in sectors])
    span = max(int(drivers.structure_year) - int(drivers.base_year), 1)
    w = np.clip((years - int(drivers.base_year)) / span, 0.0, 1.0)[None, :, None]
    by_region = all(isinstance(v, Mapping) for v in target.values())
    for r, region in enumerate(regions):
        tgt = target.get(region) if by_region else target
        if not tgt:
            continue
        unknown = [s for s in tgt if s not in sectors]
        if unknown:
            raise CarbonError(f"structure_target: unknown sector(s) {unknown}" + close_matches(unknown[0], sectors),
                              field="structure_target", value=unknown, expected=f"sectors {sectors}")
        goal = share0[r].copy()
        for s, v in tgt.items():
            goal[sectors.index(s)] = _finite(v, f"structure_target[{s}]")
        prod = ~house
        if goal[prod].sum() <= 0:
            raise CarbonError(f"structure_target: production shares of {region!r} sum to 0", field="structure_target",
                              value=0.0, expected="> 0")
        goal[prod] = goal[prod] / goal[prod].sum() * share0[r, prod].sum()
        out[r] = share0[r][None, :] * (1 - w[0]) + goal[None, :] * w[0]
    return out


def project(drivers: Drivers, years=range(2020, 2036), members: int = 100, seed=None, *, detail: bool = False,
            measures: Sequence | None = None, tolerance: float = 0.0):
    """Project CO2, energy and the plan indicators year by year, as an ensemble.

    Parameters
    ----------
    drivers : Drivers
        Base-year balance, GDP, activity shares and parameter specs.
    years : sequence of int
        Output years [year], all >= ``drivers.base_year``; the model steps annually from the base year.
    members : int
        Ensemble size (parameters drawn per member).
    seed : int or numpy.random.Generator, optional
        Random seed: the same seed gives the same ensemble.
    detail : bool
        Also return energy and CO2 by sector and fuel (``energy_tce``, ``co2``) — memory grows with
        year × member × region × sector × fuel.
    measures : sequence, optional
        Fuel cuts and switches applied on top of the drivers: mappings or objects with ``fuel``
        (or ``sector``), ``fraction`` [0–1], optional ``sector``, ``to_fuel``, ``region`` and
        ``start_year`` (default: first year after the base year). From ``start_year`` on, the use of
        ``fuel`` in ``sector`` is cut by ``fraction`` of that year's projected use; with ``to_fuel``
        the energy is supplied by that fuel instead (1 tce for 1 tce; ``electrification_ratio`` tce
        for electricity). ``ecomodel.scenario`` carbon effects fit this shape.
    tolerance : float
        Relative drop below the maximum needed to call a peak (see :func:`peak_year`); the peak is
        sought over the output *years*.

    Returns
    -------
    xarray.Dataset
        Over ``(year, member, region)``: ``co2_emissions`` [Mt] (direct + indirect),
        ``co2_direct``, ``co2_indirect`` [Mt], ``gdp`` [10⁸ CNY], ``co2_intensity`` [t/10⁴ CNY],
        ``co2_intensity_decrease_pct`` [%] and ``energy_intensity_decrease_pct`` [%] (cut against
        the base year), ``energy_consumption`` [10⁴ tce], ``energy_intensity`` [tce/10⁴ CNY],
        ``coal_share_energy_pct`` [%], ``non_fossil_energy_share_pct`` [%] (non-fossil part of
        purchased electricity only), ``grid_factor`` [t/MWh], ``co2_peak_year`` [year] (the
        horizon's peak year, repeated along ``year``); over ``(member, region)``:
        ``co2_peak_value`` [Mt] and ``co2_peaked``. Decrease variables carry
        ``attrs['reference_year']`` = the base year.

    Raises
    ------
    CarbonError
        Bad drivers, parameters, years or measures.

    Examples
    --------
    >>> from ecomodel.carbon import demo_drivers
    >>> d = demo_drivers(regions=["常州市钟楼区"]).with_parameters(
    ...     gdp_growth=0.0, energy_intensity_decline=0.0, coal_to_gas=0.0, electrification=0.0,
    ...     grid_non_fossil_increase=0.0)
    >>> ds = project(d, years=[2020, 2030], members=1)
    >>> bool(abs(ds["co2_emissions"].sel(year=2030) - ds["co2_emissions"].sel(year=2020)).max() < 1e-9)
    True
    """
    import xarray as xr

    from .inventory import energy_balance

    if not isinstance(drivers, Drivers):
        raise CarbonError(f"drivers: expected ecomodel.carbon.Drivers, got {type(drivers).__name__}", field="drivers",
                          value=type(drivers).__name__, expected="Drivers")
    base_year = int(drivers.base_year)
    out_years = np.asarray(sorted(int(y) for y in years), dtype=int)
    if out_years.size == 0:
        raise CarbonError("years: empty; expected at least one year", field="years", value=[], expected="years")
    if out_years[0] < base_year:
        raise CarbonError(f"years: {out_years[0]} is before the base year {base_year}", field="years",
                          value=int(out_years[0]), expected=f">= {base_year}")
    model_years = np.arange(base_year, out_years[-1] + 1)
    balance = drivers.balance
    if not isinstance(balance, xr.DataArray) or "unit" not in balance.coords:
        balance = energy_balance(balance)
    if "region" not in balance.dims:
        raise CarbonError("drivers.balance: no 'region' dimension; expected (region, sector, fuel)", field="balance",
                          value=balance.dims, expected="('region', 'sector', 'fuel')")
    balance = balance.transpose("region", "sector", "fuel").reindex(fuel=list(FUELS), fill_value=0.0)
    regions = [str(r) for r in balance["region"].values]
    sectors = [str(s) for s in balance["sector"].values]
    factors = drivers.factors if drivers.factors is not None else emission_factors()
    tce_f = np.asarray(factors["tce_factor"].reindex(fuel=list(FUELS)).values, dtype=float)
    ef_tce = np.asarray(factors["co2_per_tce"].reindex(fuel=list(FUELS)).values, dtype=float)
    grid0_tce = ef_tce[FUELS.index("electricity")]
    is_coal = np.asarray(factors["is_coal"].reindex(fuel=list(FUELS)).values, dtype=bool)
    el = FUELS.index("electricity")
    ng = FUELS.index("natural_gas")
    other = np.ones(len(FUELS), bool)
    other[is_coal] = False
    other[[el, ng]] = False

    gdp0 = drivers.gdp
    if isinstance(gdp0, xr.DataArray):
        gdp0 = gdp0.reindex(region=regions).values
    gdp0 = np.asarray(gdp0, dtype=float).reshape(-1)
    if gdp0.shape != (len(regions),) or not np.isfinite(gdp0).all() or (gdp0 <= 0).any():
        raise CarbonError(f"drivers.gdp: {gdp0.tolist()} for regions {regions}; expected one positive GDP [10^8 CNY] "
                          "per region", field="gdp", value=gdp0.tolist(), expected="> 0 per region")
    share0 = _as_region_sector(drivers.activity_share, regions, sectors, "drivers.activity_share")

    e0 = np.asarray(balance.values, dtype=float) * tce_f  # (r, s, j) tce
    es0 = e0.sum(axis=-1)
    act0 = gdp0[:, None] * share0 * 1e4  # 10^4 CNY
    bad = (act0 <= 0) & (es0 > 0)
    if bad.any():
        r, s = np.argwhere(bad)[0]
        raise CarbonError(f"drivers.activity_share: sector {sectors[s]!r} of {regions[r]!r} uses energy but has zero "
                          "activity; expected a positive share", field="activity_share", value=0.0, expected="> 0")
    intensity0 = np.divide(es0, act0, out=np.zeros_like(es0), where=act0 > 0)  # tce per 10^4 CNY
    mix0 = np.divide(e0, es0[..., None], out=np.zeros_like(e0), where=es0[..., None] > 0)

    # parameters per region (region overrides get their own draws)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    members = int(members)
    base_params = sample_parameters(drivers.parameters, model_years, sectors, members, rng)
    for region in drivers.region_parameters:
        if region not in regions:
            raise CarbonError(f"region_parameters: unknown region {region!r}" + close_matches(str(region), regions),
                              field="region_parameters", value=region, expected=f"one of {regions}")
    params = {}
    for name, arr in base_params.items():
        params[name] = np.repeat(arr[:, None], len(regions), axis=1)  # (m, r, t[, s])
    for region, overrides in drivers.region_parameters.items():
        merged = dict(drivers.parameters)
        merged.update(overrides)
        sampled = sample_parameters(merged, model_years, sectors, members, rng)
        r = regions.index(region)
        for name in overrides:
            params[name][:, r] = sampled[name]

    T = model_years.size
    growth = params["gdp_growth"]  # (m, r, t)
    growth_factor = np.cumprod(np.where(np.arange(T) == 0, 1.0, 1.0 + growth), axis=-1)
    gdp = gdp0[None, :, None] * growth_factor  # (m, r, t) 10^8 CNY
    shares = _structure_path(drivers, share0, regions, sectors, model_years)  # (r, t, s)
    activity = gdp[..., None] * 1e4 * shares[None]  # (m, r, t, s) 10^4 CNY

    first = (np.arange(T) == 0)[None, None, :, None]

    def cumulative(rate):  # (m, r, t, s): product over the years after the base year of (1 - rate)
        return np.cumprod(np.where(first, 1.0, 1.0 - rate), axis=2)

    D = cumulative(params["energy_intensity_decline"])  # (m, r, t, s)
    Kc = cumulative(params["coal_to_gas"])
    F = cumulative(params["electrification"])
    rho = params["electrification_ratio"][..., None]  # (m, r, t, 1)

    nf_base = params["grid_non_fossil_base"][..., :1]  # base-year value of each member
    nf = np.clip(nf_base + np.cumsum(np.where(np.arange(T) == 0, 0.0, params["grid_non_fossil_increase"]), axis=-1),
                 0.0, 1.0)
    grid_scale = (1.0 - nf) / (1.0 - nf_base)  # (m, r, t)
    grid_tce = grid0_tce * grid_scale  # t CO2 per tce of electricity

    scale = activity * intensity0[:, None, :][None]  # (m, r, t, s) tce before the mix factor

    if detail or measures:
        res = _project_fuels(scale, mix0, D, Kc, F, rho, grid_tce, ef_tce, is_coal, other, ng, el, measures,
                             regions, sectors, model_years, base_year)
    else:
        res = _project_groups(scale, mix0, D, Kc, F, rho, grid_tce, ef_tce, is_coal, other, ng, el)
    energy, coal, elec, direct, indirect = (res[k] for k in ("energy", "coal", "elec", "direct", "indirect"))

    if np.any(energy <= 0):
        raise CarbonError("project: total energy use fell to zero in some year/region; check the parameters",
                          field="parameters", value=0.0, expected="positive energy use")
    co2 = direct + indirect  # t
    gdp_1e4 = gdp * 1e4
    co2_int = co2 / gdp_1e4  # t per 10^4 CNY
    e_int = energy / gdp_1e4  # tce per 10^4 CNY
    co2_cut = 100.0 * (1.0 - co2_int / co2_int[..., :1])
    e_cut = 100.0 * (1.0 - e_int / e_int[..., :1])
    coal_pct = 100.0 * coal / energy
    nonfossil_pct = 100.0 * elec * nf / energy

    sel = np.searchsorted(model_years, out_years)
    name_en = drivers.name_en or {}
    coords = {"year": out_years, "member": np.arange(members), "region": regions,
              "name_en": ("region", [name_en.get(r, r) for r in regions])}
    dims = ("year", "member", "region")

    def pack(arr, units, long_name, **extra):
        data = np.moveaxis(arr[..., sel], -1, 0)  # (t, m, r)
        return xr.DataArray(data, dims=dims, coords=coords, attrs=cf_attrs(units, long_name, **extra))

    co2_mt = pack(co2 * 1e-6, "Mt", "energy-related CO2 emissions (direct + purchased electricity)")
    ds = xr.Dataset({
        "co2_emissions": co2_mt,
        "co2_direct": pack(direct * 1e-6, "Mt", "direct CO2 emissions (fuel combustion in the region)"),
        "co2_indirect": pack(indirect * 1e-6, "Mt", "indirect CO2 emissions (purchased electricity)"),
        "gdp": pack(gdp, "10^8 CNY", "gross domestic product, constant base-year prices"),
        "co2_intensity": pack(co2_int, "t/10^4 CNY", "CO2 emissions per unit GDP"),
        "co2_intensity_decrease_pct": pack(co2_cut, "%", "cut of CO2 emissions per unit GDP against the base year",
                                           reference_year=base_year),
        "energy_consumption": pack(energy * 1e-4, "10^4 tce", "total final energy use",
                                   comment=factors.attrs.get("electricity_energy_basis")),
        "energy_intensity": pack(e_int, "tce/10^4 CNY", "energy use per unit GDP"),
        "energy_intensity_decrease_pct": pack(e_cut, "%", "cut of energy use per unit GDP against the base year",
                                              reference_year=base_year),
        "coal_share_energy_pct": pack(coal_pct, "%", "share of coal (raw coal, washed coal, coke) in energy use"),
        "non_fossil_energy_share_pct": pack(nonfossil_pct, "%", "non-fossil share of energy use",
                                            comment="only the non-fossil part of purchased electricity, at the "
                                                    "electricity tce basis of the factors; local renewables are not "
                                                    "modelled"),
        "grid_factor": pack(grid_tce * tce_f[el], "t/MWh", "grid emission factor of purchased electricity"),
    }, attrs={"base_year": base_year, "members": members, "seed": str(seed), "model": "ecomodel.carbon.project",
              "factor_set": factors.attrs.get("factor_set", ""), "grid": factors.attrs.get("grid", ""),
              "references": "Kaya-type identity; LMDI-consistent factors (Ang 2005, Energy Policy 33:867-871)"})
    peak = peak_year(co2_mt, tolerance=tolerance)
    for name, var in peak.data_vars.items():
        ds[name] = var
    # targets.check reads every indicator at a target year: repeat the horizon's peak year along `year`
    ds["co2_peak_year"] = peak["co2_peak_year"].expand_dims(year=out_years).transpose("year", "member", "region")
    ds["co2_peak_year"].attrs = dict(peak["co2_peak_year"].attrs, comment=(
        "peak year over the whole projection horizon, the same value in every year (so that "
        "ecomodel.targets.check can read it at a target year); last year + 1 (a lower bound) where emissions "
        "have not peaked within the horizon"))
    if detail:
        eb = np.moveaxis(res["energy_fuel"][:, :, sel], 2, 0)  # (t, m, r, s, j)
        cb = np.moveaxis(res["co2_fuel"][:, :, sel], 2, 0)
        fcoords = dict(coords, sector=sectors, fuel=list(FUELS))
        ds["energy_tce"] = xr.DataArray(eb, dims=dims + ("sector", "fuel"), coords=fcoords,
                                        attrs=cf_attrs("tce", "final energy use by sector and fuel"))
        ds["co2"] = xr.DataArray(cb, dims=dims + ("sector", "fuel"), coords=fcoords,
                                 attrs=cf_attrs("t", "CO2 emissions by sector and fuel"))
        ds["activity"] = xr.DataArray(np.moveaxis(activity[:, :, sel], 2, 0), dims=dims + ("sector",),
                                      coords=dict(coords, sector=sectors),
                                      attrs=cf_attrs("10^4 CNY", "sector activity (value added or household proxy)"))
    return ds


def _project_groups(scale, mix0, D, Kc, F, rho, grid_tce, ef_tce, is_coal, other, ng, el):
    """Totals over sectors and fuels without materialising the fuel dimension."""
    c0 = mix0[..., is_coal].sum(-1)  # (r, s)
    kc0 = (mix0[..., is_coal] * ef_tce[is_coal]).sum(-1)
    g0 = mix0[..., ng]
    o0 = mix0[..., other].sum(-1)
    ko0 = (mix0[..., other] * ef_tce[other]).sum(-1)
    el0 = mix0[..., el]
    fossil0 = c0 + g0 + o0
    exp = lambda a: a[None, :, None, :]  # noqa: E731  (r, s) -> (1, r, 1, s)
    SD = scale * D
    coal_share = exp(c0) * Kc * F
    gas_share = (exp(g0) + exp(c0) * (1.0 - Kc)) * F
    elec_share = exp(el0) + rho * exp(fossil0) * (1.0 - F)
    energy = (SD * (coal_share + gas_share + exp(o0) * F + elec_share)).sum(-1)
    direct = (SD * (exp(kc0) * Kc * F + gas_share * ef_tce[ng] + exp(ko0) * F)).sum(-1)
    elec = (SD * elec_share).sum(-1)
    indirect = elec * grid_tce
    coal = (SD * coal_share).sum(-1)
    return {"energy": energy, "coal": coal, "elec": elec, "direct": direct, "indirect": indirect}


def _measure_field(m, name, default=None):
    if isinstance(m, Mapping):
        return m.get(name, default)
    return getattr(m, name, default)


def _project_fuels(scale, mix0, D, Kc, F, rho, grid_tce, ef_tce, is_coal, other, ng, el, measures, regions, sectors,
                   years, base_year):
    """Full (member, region, year, sector, fuel) energy and CO2, with measures applied."""
    c0 = mix0[..., is_coal].sum(-1)
    fossil0 = mix0.sum(-1) - mix0[..., el]
    m = np.broadcast_to(mix0[None, :, None], scale.shape + (len(FUELS),)).copy()  # (m, r, t, s, j)
    KF = (Kc * F)[..., None]
    m[..., is_coal] *= KF
    m[..., other] *= F[..., None]
    m[..., ng] = (mix0[None, :, None, :, ng] + c0[None, :, None] * (1.0 - Kc)) * F
    m[..., el] = mix0[None, :, None, :, el] + rho * fossil0[None, :, None] * (1.0 - F)
    energy_fuel = (scale * D)[..., None] * m
    for k, meas in enumerate(measures or []):
        where = f"measures[{k}]"
        fuel = _measure_field(meas, "fuel")
        sector = _measure_field(meas, "sector")
        to_fuel = _measure_field(meas, "to_fuel")
        region = _measure_field(meas, "region")
        frac = _measure_field(meas, "fraction")
        start = _measure_field(meas, "start_year", base_year + 1)
        if frac is None:
            raise CarbonError(f"{where}: no 'fraction'; expected a fraction of fuel use to cut in [0, 1]",
                              field="fraction", value=None, expected="0 <= fraction <= 1")
        frac = _finite(frac, f"{where}.fraction")
        if not 0.0 <= frac <= 1.0:
            raise CarbonError(f"{where}: fraction {frac} outside [0, 1]", field="fraction", value=frac,
                              expected="0 <= fraction <= 1")
        for name, val in (("fuel", fuel), ("to_fuel", to_fuel)):
            if val is not None and val not in FUELS:
                raise CarbonError(f"{where}: unknown {name} {val!r}" + close_matches(str(val), FUELS), field=name,
                                  value=val, expected=f"one of {list(FUELS)}")
        if sector is not None and sector not in sectors:
            raise CarbonError(f"{where}: unknown sector {sector!r}" + close_matches(str(sector), sectors),
                              field="sector", value=sector, expected=f"one of {sectors}")
        if region is not None and region not in regions:
            raise CarbonError(f"{where}: unknown region {region!r}" + close_matches(str(region), regions),
                              field="region", value=region, expected=f"one of {regions}")
        if fuel is None and sector is None:
            raise CarbonError(f"{where}: neither 'fuel' nor 'sector' given", field="fuel", value=None,
                              expected="a fuel and/or a sector")
        r_sel = slice(None) if region is None else regions.index(region)
        s_sel = slice(None) if sector is None else sectors.index(sector)
        t_sel = years >= int(start)
        mask_r = np.zeros(len(regions), bool)
        mask_r[r_sel] = True
        mask_s = np.zeros(len(sectors), bool)
        mask_s[s_sel] = True
        mask = mask_r[:, None, None] & t_sel[None, :, None] & mask_s[None, None, :]
        weight = (frac * mask)[None]  # (1, r, t, s)
        j_idx = [FUELS.index(fuel)] if fuel is not None else [j for j in range(len(FUELS)) if FUELS[j] != to_fuel]
        cut = energy_fuel[..., j_idx] * weight[..., None]
        energy_fuel[..., j_idx] -= cut
        if to_fuel is not None:
            ratio = rho if to_fuel == "electricity" else 1.0
            energy_fuel[..., FUELS.index(to_fuel)] += cut.sum(-1) * ratio
    ef = np.broadcast_to(ef_tce, energy_fuel.shape).copy()
    ef[..., el] = grid_tce[..., None]
    co2_fuel = energy_fuel * ef
    direct_mask = np.ones(len(FUELS), bool)
    direct_mask[el] = False
    return {
        "energy": energy_fuel.sum((-1, -2)),
        "coal": energy_fuel[..., is_coal].sum((-1, -2)),
        "elec": energy_fuel[..., el].sum(-1),
        "direct": co2_fuel[..., direct_mask].sum((-1, -2)),
        "indirect": co2_fuel[..., el].sum(-1),
        "energy_fuel": energy_fuel,
        "co2_fuel": co2_fuel,
    }
