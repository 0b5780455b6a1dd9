"""Year-by-year CO2 projections from drivers, with parameter ensembles, peak year and the plan
indicators (CO2 and energy intensity cuts, coal share).

The model is a Kaya-type identity per region *r*, sector *s* and fuel *j* (all energy in tce):

.. math::

    E_{rsj}(t) = \\underbrace{GDP_r(t)\\,a_{rs}(t)}_{\\text{activity}}\\;
                 \\underbrace{e_{rs}(0)\\,\\prod_{\\tau\\le t}(1-d_{s}(\\tau))}_{\\text{energy intensity}}\\;
                 \\tilde m_{rsj}(t),
    \\qquad C_{rsj}(t) = E_{rsj}(t)\\,EF_j(t)

- GDP grows at ``gdp_growth`` [1/yr]; activity shares :math:`a_{rs}` move linearly from the base
  year to ``structure_target`` (production sectors renormalised to 1); on top of that path,
  ``structure_shift`` moves that fraction of a sector's remaining activity share to the receiving
  sector (``Drivers.structure_receiver``, default ``services``) each year, so with
  :math:`S_s(t)=\\prod(1-x_s)` the share is :math:`a_{rs}S_s` and the receiver gains
  :math:`\\sum_s a_{rs}(1-S_s)` (GDP unchanged: the industry share of GDP declines);
- the energy intensity of each sector falls by ``energy_intensity_decline`` [1/yr];
- the (unnormalised) fuel mix :math:`\\tilde m` evolves by three share shifts, applied every year:
  ``coal_to_gas`` and ``coal_to_electricity`` move those fractions of the remaining coal energy
  to natural gas (1 tce for 1 tce) and to electricity, and ``electrification`` moves that
  fraction of the remaining fossil energy to electricity, each tce of fossil fuel replaced by
  ``electrification_ratio`` tce of electricity (electric end uses need less final energy). In
  closed form, with :math:`K(t)=\\prod(1-x_g-x_{ce})`, the coal moved to gas
  :math:`G=\\sum K(\\tau-1)x_g(\\tau)` and to electricity :math:`H=\\sum K(\\tau-1)x_{ce}(\\tau)`
  (:math:`K+G+H=1`) and :math:`F(t)=\\prod(1-x_e)`: coal :math:`c_0KF`, gas
  :math:`(m_g(0)+c_0G)F`, other fossil :math:`m_o(0)F`, electricity
  :math:`m_{el}(0)+\\rho\\,[c_0H+(f_0-c_0H)(1-F)]`;
- the grid factor falls with the non-fossil share of the grid,
  :math:`EF_{el}(t)=EF_{el}(0)\\,(1-n(t))/(1-n(0))`, where :math:`n` rises by
  ``grid_non_fossil_increase`` [1/yr] from ``grid_non_fossil_base``.

Primary energy (``primary_energy_consumption``, the denominator of
``non_fossil_energy_share_pct``) counts fossil fuels at their calorific value and purchased
electricity at ``Drivers.electricity_coal_equivalent`` tce/MWh, the coal-equivalent method (发电煤耗
计算法) Chinese statistics use for primary electricity; ``coal_share_energy_pct`` stays a share of
final energy at calorific value (the basis of the plans' raw-coal shares the demo is calibrated to).

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
from typing import TYPE_CHECKING, Any

import numpy as np

from .._members import block_generators, check_block
from .._cf import cf_attrs, conform
from ..errors import CarbonError, close_matches
from .factors import FUELS, emission_factors

if TYPE_CHECKING:
    import numpy.typing as npt
    import xarray as xr

__all__ = ["Drivers", "project", "peak_year", "sample_parameters", "PARAMETERS"]

#: parameter name -> (default, lower bound, upper bound, per-sector?, unit, meaning)
PARAMETERS = {
    "gdp_growth": (0.05, -0.5, 1.0, False, "1/yr", "real GDP growth rate"),
    "structure_shift": (0.0, 0.0, 0.5, True, "1/yr",
                        "fraction of a sector's remaining activity share moved to the receiving sector each year"),
    "energy_intensity_decline": (0.03, -0.5, 0.9, True, "1/yr", "annual decline of sectoral energy intensity"),
    "coal_to_gas": (0.0, 0.0, 1.0, True, "1/yr", "fraction of remaining coal energy switched to natural gas each year"),
    "coal_to_electricity": (0.0, 0.0, 1.0, True, "1/yr",
                            "fraction of remaining coal energy switched to electricity each year "
                            "(electrification_ratio tce of electricity per tce of coal)"),
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
    structure_receiver : str
        Sector receiving the activity share that ``structure_shift`` and structure measures move
        (a production sector; default ``'services'``).
    factors : xarray.Dataset, optional
        Emission factors (default :func:`~ecomodel.carbon.factors.emission_factors`).
    name_en : mapping, optional
        English names of the regions, used for the ``name_en`` coordinate.
    electricity_coal_equivalent : float
        Primary energy of one MWh of purchased electricity [tce/MWh] for the primary-energy
        indicators (``non_fossil_energy_share_pct``, ``primary_energy_consumption``): the
        coal-equivalent (发电煤耗) method of Chinese energy statistics; default 0.3055, the
        2020 national average coal consumption of thermal power supply (305.5 gce/kWh, CEC).
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
    structure_receiver: str = "services"
    factors: object = None
    name_en: Mapping | None = None
    electricity_coal_equivalent: float = 0.3055

    def with_parameters(self, **changes: Any) -> Drivers:
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


def sample_parameters(parameters: Mapping, years: Sequence[int], sectors: Sequence[str], members: int = 1,
                      seed: int | np.random.Generator | None = None) -> dict:
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


def peak_year(series: npt.ArrayLike | xr.DataArray, years: Sequence[int] | None = None, *, dim: str = "year",
              tolerance: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray] | xr.Dataset:
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


@dataclass
class _Base:
    """Base-year state of a projection (arrays over region, sector and fuel)."""

    regions: list
    sectors: list
    base_year: int
    model_years: np.ndarray
    out_years: np.ndarray
    factors: object
    tce_f: np.ndarray  # tce per physical unit, (j,)
    ef_tce: np.ndarray  # t CO2 per tce, (j,)
    is_coal: np.ndarray  # (j,) bool
    other: np.ndarray  # (j,) bool: fossil fuels that are neither coal nor natural gas
    gdp0: np.ndarray  # (r,) 10^8 CNY
    share0: np.ndarray  # (r, s) activity / GDP
    intensity0: np.ndarray  # (r, s) tce per 10^4 CNY
    mix0: np.ndarray  # (r, s, j) fuel shares of sector energy
    ng: int = FUELS.index("natural_gas")
    el: int = FUELS.index("electricity")


def _years(drivers: Drivers, years) -> tuple[int, np.ndarray, np.ndarray]:
    """(base year, sorted output years, model years from the base year) [year]."""
    base_year = int(drivers.base_year)
    out_years = np.asarray(sorted(int(y) for y in years), dtype=int)
    if out_years.size == 0:
        raise CarbonError("years: empty; expected at least one year", field="years", value=[], expected="years")
    if out_years[0] < base_year:
        raise CarbonError(f"years: {out_years[0]} is before the base year {base_year}", field="years",
                          value=int(out_years[0]), expected=f">= {base_year}")
    return base_year, out_years, np.arange(base_year, out_years[-1] + 1)


def _balance(drivers: Drivers):
    """The drivers' balance as a (region, sector, fuel) DataArray over all :data:`FUELS`."""
    import xarray as xr

    from .inventory import energy_balance

    balance = drivers.balance
    if not isinstance(balance, xr.DataArray) or "unit" not in balance.coords:
        balance = energy_balance(balance)
    if "region" not in balance.dims:
        raise CarbonError("drivers.balance: no 'region' dimension; expected (region, sector, fuel)", field="balance",
                          value=balance.dims, expected="('region', 'sector', 'fuel')")
    return balance.transpose("region", "sector", "fuel").reindex(fuel=list(FUELS), fill_value=0.0)


def _base_gdp(drivers: Drivers, regions: list) -> np.ndarray:
    """Base-year GDP per region [10⁸ CNY], checked positive."""
    import xarray as xr

    gdp0 = drivers.gdp
    if isinstance(gdp0, xr.DataArray):
        gdp0 = gdp0.reindex(region=regions).values
    gdp0 = np.asarray(gdp0, dtype=float).reshape(-1)
    if gdp0.shape != (len(regions),) or not np.isfinite(gdp0).all() or (gdp0 <= 0).any():
        raise CarbonError(f"drivers.gdp: {gdp0.tolist()} for regions {regions}; expected one positive GDP [10^8 CNY] "
                          "per region", field="gdp", value=gdp0.tolist(), expected="> 0 per region")
    return gdp0


def _base_state(drivers: Drivers, years) -> _Base:
    """Validate the drivers and derive base-year intensities and fuel mixes."""
    base_year, out_years, model_years = _years(drivers, years)
    balance = _balance(drivers)
    regions = [str(r) for r in balance["region"].values]
    sectors = [str(s) for s in balance["sector"].values]
    factors = drivers.factors if drivers.factors is not None else emission_factors()
    tce_f = np.asarray(factors["tce_factor"].reindex(fuel=list(FUELS)).values, dtype=float)
    ef_tce = np.asarray(factors["co2_per_tce"].reindex(fuel=list(FUELS)).values, dtype=float)
    is_coal = np.asarray(factors["is_coal"].reindex(fuel=list(FUELS)).values, dtype=bool)
    other = ~is_coal
    other[[FUELS.index("electricity"), FUELS.index("natural_gas")]] = False
    gdp0 = _base_gdp(drivers, regions)
    share0 = _as_region_sector(drivers.activity_share, regions, sectors, "drivers.activity_share")
    e0 = np.asarray(balance.values, dtype=float) * tce_f  # (r, s, j) tce
    es0 = e0.sum(axis=-1)
    act0 = gdp0[:, None] * share0 * 1e4  # 10^4 CNY
    bad = (act0 <= 0) & (es0 > 0)
    if bad.any():
        r, s = np.argwhere(bad)[0]
        raise CarbonError(f"drivers.activity_share: sector {sectors[s]!r} of {regions[r]!r} uses energy but has zero "
                          "activity; expected a positive share", field="activity_share", value=0.0, expected="> 0")
    intensity0 = np.divide(es0, act0, out=np.zeros_like(es0), where=act0 > 0)
    mix0 = np.divide(e0, es0[..., None], out=np.zeros_like(e0), where=es0[..., None] > 0)
    return _Base(regions, sectors, base_year, model_years, out_years, factors, tce_f, ef_tce, is_coal, other, gdp0,
                 share0, intensity0, mix0)


def _block_parameters(drivers: Drivers, base: _Base, members: int, block: tuple[int, int], seed) -> dict:
    """:func:`_region_parameters` of members ``block[0]`` to ``block[1] - 1``, drawn block by block
    (:func:`ecomodel._members.block_generators`) and joined along the member axis."""
    parts = [_region_parameters(drivers, base, hi - lo, rng)
             for lo, hi, rng in block_generators(seed, members, *block)]
    return {name: np.concatenate([p[name] for p in parts], axis=0) for name in parts[0]}


def _region_parameters(drivers: Drivers, base: _Base, members: int, rng) -> dict:
    """Sampled parameters per (member, region, year[, sector]); region overrides get their own draws."""
    sampled = sample_parameters(drivers.parameters, base.model_years, base.sectors, members, rng)
    for region in drivers.region_parameters:
        if region not in base.regions:
            raise CarbonError(f"region_parameters: unknown region {region!r}" + close_matches(str(region), base.regions),
                              field="region_parameters", value=region, expected=f"one of {base.regions}")
    n_r = len(base.regions)
    # read-only views over regions; a parameter some region overrides gets its own copy
    params = {name: np.broadcast_to(arr[:, None], (arr.shape[0], n_r) + arr.shape[1:])
              for name, arr in sampled.items()}
    for region, overrides in drivers.region_parameters.items():
        merged = dict(drivers.parameters)
        merged.update(overrides)
        own = sample_parameters(merged, base.model_years, base.sectors, members, rng)
        r = base.regions.index(region)
        for name in overrides:
            if not params[name].flags.writeable:
                params[name] = params[name].copy()
            params[name][:, r] = own[name]
    return params


def _cumulative(rate: np.ndarray, axis: int = 2) -> np.ndarray:
    """Product over the years after the base year of (1 − rate); 1 in the base year [1]."""
    first = np.arange(rate.shape[axis]) == 0
    shape = [1] * rate.ndim
    shape[axis] = -1
    return np.cumprod(np.where(first.reshape(shape), 1.0, 1.0 - rate), axis=axis)


def _receiver(drivers: Drivers, base: _Base, where: str) -> int:
    """Index of the sector receiving shifted activity shares."""
    rec = drivers.structure_receiver
    if rec not in base.sectors or rec in drivers.household_sectors:
        prod = [s for s in base.sectors if s not in drivers.household_sectors]
        raise CarbonError(f"{where}: receiving sector {rec!r} is not a production sector" + close_matches(str(rec), prod),
                          field="structure_receiver", value=rec, expected=f"one of {prod}")
    return base.sectors.index(rec)


def _shift_shares(shares: np.ndarray, keep: np.ndarray, receiver: int) -> np.ndarray:
    """Shares times *keep* (the fraction each sector keeps), the lost share added to *receiver*.

    *shares* and *keep* broadcast to (member, region, year, sector); the receiver's own *keep* is
    ignored, so the total share is unchanged (closed form of a share shift).
    """
    keep = np.broadcast_to(keep, np.broadcast_shapes(shares.shape, keep.shape)).copy()
    keep[..., receiver] = 1.0
    out = shares * keep
    out[..., receiver] += (shares * (1.0 - keep)).sum(-1)
    return out


def _activity(drivers: Drivers, base: _Base, params: dict, structure: list) -> tuple[np.ndarray, np.ndarray]:
    """GDP (member, region, year) [10⁸ CNY] and sector activity (member, region, year, sector) [10⁴ CNY]."""
    T = base.model_years.size
    growth = params["gdp_growth"]  # (m, r, t)
    gdp = base.gdp0[None, :, None] * np.cumprod(np.where(np.arange(T) == 0, 1.0, 1.0 + growth), axis=-1)
    shares = _structure_path(drivers, base.share0, base.regions, base.sectors, base.model_years)[None]  # (1, r, t, s)
    house = np.array([s in drivers.household_sectors for s in base.sectors])
    rate = np.where(house, 0.0, params["structure_shift"])  # (m, r, t, s)
    if np.any(rate > 0) or structure:
        rec = _receiver(drivers, base, "structure_shift" if np.any(rate > 0) else "measures")
        shares = _shift_shares(shares, _cumulative(rate), rec)
        for meas in structure:
            shares = _shift_shares(shares, 1.0 - meas["weight"][None, ..., None] * meas["sector_mask"], rec)
    return gdp, gdp[..., None] * 1e4 * shares


def _grid(params: dict, ef_grid0: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid non-fossil share (member, region, year) [1] and grid factor [t CO2 per tce of electricity]."""
    T = params["grid_non_fossil_increase"].shape[-1]
    nf_base = params["grid_non_fossil_base"][..., :1]
    steps = np.cumsum(np.where(np.arange(T) == 0, 0.0, params["grid_non_fossil_increase"]), axis=-1)
    nf = np.clip(nf_base + steps, 0.0, 1.0)
    return nf, ef_grid0 * (1.0 - nf) / (1.0 - nf_base)


def project(drivers: Drivers, years: Sequence[int] = range(2020, 2036), members: int = 100,
            seed: int | np.random.Generator | None = None, *, detail: bool = False,
            measures: Sequence | None = None, tolerance: float = 0.0,
            member_block: tuple[int, int] | None = None) -> xr.Dataset:
    """Project CO2, energy and the plan indicators year by year, as an ensemble.

    Parameters
    ----------
    drivers : Drivers
        Base-year balance, GDP, activity shares and parameter specs.
    years : sequence of int
        Output years [year], all >= ``drivers.base_year``; the model steps annually from the base year.
    members : int
        Ensemble size (parameters drawn per member). The draws come in blocks of
        :data:`ecomodel._members.MEMBER_BLOCK` members, each from its own child of the seed, so a
        member's parameters do not depend on the ensemble size beyond its block.
    seed : int or numpy.random.Generator, optional
        Random seed: the same seed gives the same ensemble.
    detail : bool
        Also return energy and CO2 by sector and fuel (``energy_tce``, ``co2``) and sector
        ``activity`` — memory grows with year × member × region × sector × fuel.
    measures : sequence, optional
        Cuts applied on top of the drivers: mappings or objects with ``fraction`` [0–1], optional
        ``region`` and ``start_year`` (default: first year after the base year), and either

        - a fuel cut (``kind`` absent or ``'fuel'``): ``fuel`` and/or ``sector``, optional
          ``to_fuel``. From ``start_year`` on, the use of ``fuel`` in ``sector`` is cut by
          ``fraction`` of that year's projected use; with ``to_fuel`` the energy is supplied by
          that fuel instead (1 tce for 1 tce; ``electrification_ratio`` tce for electricity);
        - a structure shift (``kind='structure'``): ``sector`` (a production sector). From
          ``start_year`` on, ``fraction`` of the sector's activity share moves to
          ``Drivers.structure_receiver`` (the sector's energy use follows its activity).

        ``ecomodel.scenario`` carbon effects fit this shape.
    tolerance : float
        Relative drop below the maximum needed to call a peak (see :func:`peak_year`); the peak is
        sought over the output *years*.
    member_block : (int, int), optional
        Compute members ``start`` to ``stop - 1`` of the *members*-member ensemble only, on block
        boundaries (an integer seed is needed): bit-identical to that slice of the whole ensemble,
        so blocks can be computed apart (e.g. on a cluster) and joined along ``member``.

    Returns
    -------
    xarray.Dataset
        Over ``(year, member, region)``: ``co2_emissions`` [Mt] (direct + indirect),
        ``co2_direct``, ``co2_indirect`` [Mt], ``gdp`` [10⁸ CNY], ``co2_intensity`` [t/10⁴ CNY],
        ``co2_intensity_decrease_pct`` [%] and ``energy_intensity_decrease_pct`` [%] (cut against
        the base year), ``energy_consumption`` [10⁴ tce], ``energy_intensity`` [tce/10⁴ CNY],
        ``coal_share_energy_pct`` [%], ``non_fossil_energy_share_pct`` [%] (non-fossil part of
        purchased electricity over primary energy, coal-equivalent method),
        ``primary_energy_consumption`` [10⁴ tce], ``industry_share_pct`` [%] (activity share of
        GDP of the industrial sectors), ``grid_factor`` [t/MWh]; over ``(member, region)``
        (no ``year``): ``co2_peak_year`` [year] (the horizon's peak year; pass the Dataset
        through :func:`ecomodel.carbon.for_check` for ``targets.check``), ``co2_peak_value``
        [Mt] and ``co2_peaked``. Decrease variables carry ``attrs['reference_year']`` = the base year.

    Raises
    ------
    CarbonError
        Bad drivers, parameters, years or measures.

    Examples
    --------
    >>> from ecomodel.carbon import demo_drivers
    >>> d = demo_drivers(regions=["常州市钟楼区"]).with_parameters(
    ...     gdp_growth=0.0, energy_intensity_decline=0.0, coal_to_gas=0.0, electrification=0.0,
    ...     grid_non_fossil_increase=0.0, structure_shift=0.0, coal_to_electricity=0.0)
    >>> ds = project(d, years=[2020, 2030], members=1)
    >>> bool(abs(ds["co2_emissions"].sel(year=2030) - ds["co2_emissions"].sel(year=2020)).max() < 1e-9)
    True
    """
    if not isinstance(drivers, Drivers):
        raise CarbonError(f"drivers: expected ecomodel.carbon.Drivers, got {type(drivers).__name__}", field="drivers",
                          value=type(drivers).__name__, expected="Drivers")
    base = _base_state(drivers, years)
    members = int(members)
    block = check_block(member_block, members, seed)
    params = _block_parameters(drivers, base, members, block, seed)
    fuel_cuts, structure = _parse_measures(measures or [], base)
    gdp, activity = _activity(drivers, base, params, structure)
    nf, grid_tce = _grid(params, float(base.ef_tce[base.el]))
    D = _cumulative(params["energy_intensity_decline"])  # (m, r, t, s)
    coal = _coal_paths(params["coal_to_gas"], params["coal_to_electricity"])
    F = _cumulative(params["electrification"])
    rho = params["electrification_ratio"][..., None]  # (m, r, t, 1)
    scale = activity * base.intensity0[None, :, None, :] * D  # (m, r, t, s) tce before the mix factor
    if detail or fuel_cuts:
        res = _project_fuels(scale, base, coal, F, rho, grid_tce, fuel_cuts)
    else:
        res = _project_groups(scale, base, coal, F, rho, grid_tce)
    if np.any(res["energy"] <= 0):
        raise CarbonError("project: total energy use fell to zero in some year/region; check the parameters",
                          field="parameters", value=0.0, expected="positive energy use")
    industry = np.array([s in _INDUSTRY for s in base.sectors])
    res["industry_share"] = activity[..., industry].sum(-1) / (gdp * 1e4)
    _primary(res, base, _coal_equivalent(drivers))
    ds = _dataset(res, gdp, nf, grid_tce, base, drivers, members, seed, first=block[0])
    _add_peak(ds, tolerance)
    if detail:
        _add_detail(ds, res, activity, base)
    return conform(ds)  # CF-1.10: Conventions, coordinate attributes, UDUNITS spellings (units_label keeps ours)


def _coal_equivalent(drivers: Drivers) -> float:
    """The checked primary-energy factor of purchased electricity [tce/MWh]."""
    k = drivers.electricity_coal_equivalent
    try:
        v = float(k)
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or not 0.12 <= v <= 0.6:
        raise CarbonError(f"drivers.electricity_coal_equivalent: {k!r}; expected tce per MWh between 0.12 "
                          "(about the calorific value, 0.1229) and 0.6", field="electricity_coal_equivalent", value=k,
                          expected="0.12 <= x <= 0.6 [tce/MWh]")
    return v


def _coal_paths(to_gas: np.ndarray, to_elec: np.ndarray) -> dict:
    """Coal kept, and coal moved to gas and to electricity, as fractions of base-year coal [1].

    Each year the remaining coal loses ``to_gas + to_elec`` of itself, so with
    :math:`K(t)=\\prod_{\\tau\\le t}(1-x_g-x_e)` the gas share gained is
    :math:`G(t)=\\sum_{\\tau\\le t}K(\\tau-1)x_g(\\tau)` and the electricity share
    :math:`H(t)=\\sum K(\\tau-1)x_e(\\tau)`; :math:`K+G+H=1` (coal is conserved) and with
    :math:`x_e=0`, :math:`G=1-K` (the one-switch closed form). Arrays (member, region, year, sector).
    """
    total = to_gas + to_elec
    if np.any(total > 1.0 + 1e-12):
        k = np.unravel_index(int(np.argmax(total)), total.shape)
        raise CarbonError(f"coal_to_gas + coal_to_electricity = {float(total[k]):.4g} > 1 in some year/sector; "
                          "more than all remaining coal cannot be switched", field="coal_to_electricity",
                          value=float(total[k]), expected="coal_to_gas + coal_to_electricity <= 1")
    if not np.any(to_elec):  # one switch: the closed form needs no running sums
        K = _cumulative(to_gas)
        return {"K": K, "G": 1.0 - K, "H": 0.0}
    K = _cumulative(total)
    prev = np.concatenate([np.ones_like(K[:, :, :1]), K[:, :, :-1]], axis=2)
    first = (np.arange(K.shape[2]) == 0)[None, None, :, None]
    G = np.cumsum(np.where(first, 0.0, prev * to_gas), axis=2)
    H = np.cumsum(np.where(first, 0.0, prev * to_elec), axis=2)
    return {"K": K, "G": G, "H": H}


def _primary(res: dict, base: _Base, coal_eq: float) -> None:
    """Add primary energy [tce] (coal-equivalent method for purchased electricity) to *res*.

    Fossil fuels count at their calorific value; each MWh of purchased electricity counts
    *coal_eq* tce (发电煤耗计算法, as Chinese statistics count primary electricity), so the
    non-fossil part of it is ``MWh × n × coal_eq``.
    """
    mwh = res["elec"] / base.tce_f[base.el]
    res["primary"] = res["energy"] - res["elec"] + mwh * coal_eq
    res["elec_mwh"] = mwh
    res["coal_eq"] = coal_eq


#: Sectors counted in ``industry_share_pct`` (industrial value added, excluding construction).
_INDUSTRY = ("power_heat", "iron_steel", "chemicals", "building_materials", "textiles", "other_industry")


def _indicators(res: dict, gdp: np.ndarray, nf: np.ndarray) -> dict:
    """Indicator arrays (member, region, year) from the summed quantities (t, tce, 10⁸ CNY)."""
    co2 = res["direct"] + res["indirect"]  # t
    gdp_1e4 = gdp * 1e4
    co2_int = co2 / gdp_1e4  # t per 10^4 CNY
    e_int = res["energy"] / gdp_1e4  # tce per 10^4 CNY
    return {
        "co2": co2, "co2_int": co2_int, "e_int": e_int,
        "co2_cut": 100.0 * (1.0 - co2_int / co2_int[..., :1]),
        "e_cut": 100.0 * (1.0 - e_int / e_int[..., :1]),
        "coal_pct": 100.0 * res["coal"] / res["energy"],
        "nonfossil_pct": 100.0 * res["elec_mwh"] * nf * res["coal_eq"] / res["primary"],
    }


def _dataset(res: dict, gdp, nf, grid_tce, base: _Base, drivers: Drivers, members: int, seed, first: int = 0):
    """The projection Dataset over (year, member, region) at the output years (members *first* on
    of a *members*-member ensemble)."""
    import xarray as xr

    ind = _indicators(res, gdp, nf)
    sel = np.searchsorted(base.model_years, base.out_years)
    name_en = drivers.name_en or {}
    coords = {"year": base.out_years, "member": np.arange(first, first + gdp.shape[0]), "region": base.regions,
              "name_en": ("region", [name_en.get(r, r) for r in base.regions])}
    dims = ("year", "member", "region")
    by = base.base_year

    def pack(arr, units, long_name, **extra):
        data = np.moveaxis(arr[..., sel], -1, 0)  # (t, m, r)
        return xr.DataArray(data, dims=dims, coords=coords, attrs=cf_attrs(units, long_name, **extra))

    f = base.factors
    return xr.Dataset({
        "co2_emissions": pack(ind["co2"] * 1e-6, "Mt", "energy-related CO2 emissions (direct + purchased electricity)"),
        "co2_direct": pack(res["direct"] * 1e-6, "Mt", "direct CO2 emissions (fuel combustion in the region)"),
        "co2_indirect": pack(res["indirect"] * 1e-6, "Mt", "indirect CO2 emissions (purchased electricity)"),
        "gdp": pack(gdp, "10^8 CNY", "gross domestic product, constant base-year prices"),
        "co2_intensity": pack(ind["co2_int"], "t/10^4 CNY", "CO2 emissions per unit GDP"),
        "co2_intensity_decrease_pct": pack(ind["co2_cut"], "%", "cut of CO2 emissions per unit GDP against the base "
                                           "year", reference_year=by),
        "energy_consumption": pack(res["energy"] * 1e-4, "10^4 tce", "total final energy use",
                                   comment=f.attrs.get("electricity_energy_basis")),
        "energy_intensity": pack(ind["e_int"], "tce/10^4 CNY", "energy use per unit GDP"),
        "energy_intensity_decrease_pct": pack(ind["e_cut"], "%", "cut of energy use per unit GDP against the base year",
                                              reference_year=by),
        "coal_share_energy_pct": pack(ind["coal_pct"], "%", "share of coal (raw coal, washed coal, coke) in energy use"),
        "non_fossil_energy_share_pct": pack(ind["nonfossil_pct"], "%", "non-fossil share of primary energy use",
                                            comment="non-fossil part of purchased electricity at the coal-equivalent "
                                                    f"method ({res['coal_eq']} tce/MWh, 发电煤耗计算法) over primary "
                                                    "energy (fossil fuels at calorific value + purchased electricity "
                                                    "at the same coal equivalent); local renewables are not modelled"),
        "primary_energy_consumption": pack(res["primary"] * 1e-4, "10^4 tce", "primary energy use (coal-equivalent "
                                           "method for purchased electricity)",
                                           comment=f"electricity at {res['coal_eq']} tce/MWh"),
        "industry_share_pct": pack(100.0 * res["industry_share"], "%", "industrial value added as a share of GDP",
                                   comment=f"sectors {list(_INDUSTRY)}"),
        "grid_factor": pack(grid_tce * base.tce_f[base.el], "t/MWh", "grid emission factor of purchased electricity"),
    }, attrs={"base_year": by, "members": members, "seed": str(seed), "model": "ecomodel.carbon.project",
              "factor_set": f.attrs.get("factor_set", ""), "grid": f.attrs.get("grid", ""),
              "references": "Kaya-type identity; LMDI-consistent factors (Ang 2005, Energy Policy 33:867-871)"})


def _add_peak(ds, tolerance: float) -> None:
    """Add the peak year, peak value and peaked flag over ``(member, region)`` (no ``year``) to *ds*."""
    peak = peak_year(ds["co2_emissions"], tolerance=tolerance)
    for name, var in peak.data_vars.items():
        ds[name] = var
    ds["co2_peak_year"].attrs["comment"] = (
        "peak year over the whole projection horizon, one value per member and region (no year dimension); "
        "last year + 1 (a lower bound) where emissions have not peaked within the horizon. ecomodel.targets.check "
        "needs a year dimension: pass ecomodel.carbon.for_check(ds). The only numeric peak target is the "
        "national 'peak before 2030' quoted in the Wujin plan (000:94, region 中国); Wujin must peak before "
        "the nation (000:912, no year) - ecomodel.carbon.national_peak_rows() applies 000:94 to each region")


def _add_detail(ds, res: dict, activity: np.ndarray, base: _Base) -> None:
    """Add energy and CO2 by sector and fuel and sector activity at the output years to *ds*."""
    import xarray as xr

    sel = np.searchsorted(base.model_years, base.out_years)
    dims = ("year", "member", "region")
    coords = {k: ds[k] for k in ("year", "member", "region")}
    coords["name_en"] = ds["name_en"]
    fcoords = dict(coords, sector=base.sectors, fuel=list(FUELS))
    ds["energy_tce"] = xr.DataArray(np.moveaxis(res["energy_fuel"][:, :, sel], 2, 0), dims=dims + ("sector", "fuel"),
                                    coords=fcoords, attrs=cf_attrs("tce", "final energy use by sector and fuel"))
    ds["co2"] = xr.DataArray(np.moveaxis(res["co2_fuel"][:, :, sel], 2, 0), dims=dims + ("sector", "fuel"),
                             coords=fcoords, attrs=cf_attrs("t", "CO2 emissions by sector and fuel"))
    ds["activity"] = xr.DataArray(np.moveaxis(activity[:, :, sel], 2, 0), dims=dims + ("sector",),
                                  coords=dict(coords, sector=base.sectors),
                                  attrs=cf_attrs("10^4 CNY", "sector activity (value added or household proxy)"))


def _project_groups(scale, base: _Base, coal: dict, F, rho, grid_tce) -> dict:
    """Totals over sectors and fuels without materialising the fuel dimension (t, tce)."""
    mix0, ef_tce, is_coal, other, ng, el = base.mix0, base.ef_tce, base.is_coal, base.other, base.ng, base.el
    c0 = mix0[..., is_coal].sum(-1)  # (r, s)
    kc0 = (mix0[..., is_coal] * ef_tce[is_coal]).sum(-1)
    g0 = mix0[..., ng]
    o0 = mix0[..., other].sum(-1)
    ko0 = (mix0[..., other] * ef_tce[other]).sum(-1)
    el0 = mix0[..., el]
    fossil0 = c0 + g0 + o0
    exp = lambda a: a[None, :, None, :]  # noqa: E731  (r, s) -> (1, r, 1, s)
    K, G, H = coal["K"], coal["G"], coal["H"]
    coal_share = exp(c0) * K * F
    gas_share = (exp(g0) + exp(c0) * G) * F
    # electricity: rho per tce of coal switched directly, and rho per tce of the fossil mix electrified
    elec_share = exp(el0) + rho * (exp(c0) * H + (exp(fossil0) - exp(c0) * H) * (1.0 - F))
    energy = (scale * (coal_share + gas_share + exp(o0) * F + elec_share)).sum(-1)
    direct = (scale * (exp(kc0) * K * F + gas_share * ef_tce[ng] + exp(ko0) * F)).sum(-1)
    elec = (scale * elec_share).sum(-1)
    coal_e = (scale * coal_share).sum(-1)
    return {"energy": energy, "coal": coal_e, "elec": elec, "direct": direct, "indirect": elec * grid_tce}


def _measure_field(m, name, default=None):
    if isinstance(m, Mapping):
        return m.get(name, default)
    return getattr(m, name, default)


def _measure_mask(meas, where: str, base: _Base, region, sector, frac) -> np.ndarray:
    """(region, year, sector) weight of one measure: *frac* in its cells from its start year, else 0."""
    if region is not None and region not in base.regions:
        raise CarbonError(f"{where}: unknown region {region!r}" + close_matches(str(region), base.regions),
                          field="region", value=region, expected=f"one of {base.regions}")
    start = _finite(_measure_field(meas, "start_year", base.base_year + 1), f"{where}.start_year")
    mask_r = np.ones(len(base.regions), bool) if region is None else np.array([r == region for r in base.regions])
    mask_s = np.ones(len(base.sectors), bool) if sector is None else np.array([s == sector for s in base.sectors])
    t_sel = base.model_years >= int(start)
    return frac * (mask_r[:, None, None] & t_sel[None, :, None] & mask_s[None, None, :])


def _parse_measures(measures: Sequence, base: _Base) -> tuple[list, list]:
    """Validated fuel cuts and structure shifts: ``(fuel_cuts, structure)`` lists of dicts."""
    fuel_cuts, structure = [], []
    for k, meas in enumerate(measures):
        where = f"measures[{k}]"
        kind = _measure_field(meas, "kind", None) or "fuel"
        if kind not in ("fuel", "structure"):
            raise CarbonError(f"{where}: unknown kind {kind!r}; expected 'fuel' or 'structure'", field="kind",
                              value=kind, expected="'fuel' or 'structure'")
        frac = _measure_field(meas, "fraction")
        if frac is None:
            raise CarbonError(f"{where}: no 'fraction'; expected a fraction in [0, 1]", field="fraction", value=None,
                              expected="0 <= fraction <= 1")
        frac = _finite(frac, f"{where}.fraction")
        if not 0.0 <= frac <= 1.0:
            raise CarbonError(f"{where}: fraction {frac} outside [0, 1]", field="fraction", value=frac,
                              expected="0 <= fraction <= 1")
        sector = _measure_field(meas, "sector")
        if sector is not None and sector not in base.sectors:
            raise CarbonError(f"{where}: unknown sector {sector!r}" + close_matches(str(sector), base.sectors),
                              field="sector", value=sector, expected=f"one of {base.sectors}")
        region = _measure_field(meas, "region")
        if kind == "structure":
            if sector is None:
                raise CarbonError(f"{where}: a structure shift needs a 'sector'", field="sector", value=None,
                                  expected=f"one of {base.sectors}")
            w = _measure_mask(meas, where, base, region, None, frac)[..., 0]  # (r, t)
            structure.append({"weight": w, "sector_mask": np.array([s == sector for s in base.sectors])})
            continue
        fuel_cuts.append(_fuel_cut(meas, where, base, region, sector, frac))
    return fuel_cuts, structure


def _fuel_cut(meas, where: str, base: _Base, region, sector, frac) -> dict:
    """One validated fuel cut: (region, year, sector) weight, cut fuel indices and replacement fuel."""
    fuel = _measure_field(meas, "fuel")
    to_fuel = _measure_field(meas, "to_fuel")
    for name, val in (("fuel", fuel), ("to_fuel", to_fuel)):
        if val is not None and val not in FUELS:
            raise CarbonError(f"{where}: unknown {name} {val!r}" + close_matches(str(val), FUELS), field=name,
                              value=val, expected=f"one of {list(FUELS)}")
    if fuel is None and sector is None:
        raise CarbonError(f"{where}: neither 'fuel' nor 'sector' given", field="fuel", value=None,
                          expected="a fuel and/or a sector")
    j_idx = [FUELS.index(fuel)] if fuel is not None else [j for j in range(len(FUELS)) if FUELS[j] != to_fuel]
    return {"weight": _measure_mask(meas, where, base, region, sector, frac), "fuels": j_idx,
            "to": None if to_fuel is None else FUELS.index(to_fuel)}


def _project_fuels(scale, base: _Base, coal: dict, F, rho, grid_tce, fuel_cuts: list) -> dict:
    """Full (member, region, year, sector, fuel) energy [tce] and CO2 [t], with fuel cuts applied."""
    mix0, is_coal, ng, el = base.mix0, base.is_coal, base.ng, base.el
    c0 = mix0[..., is_coal].sum(-1)[None, :, None]  # (1, r, 1, s)
    fossil0 = (mix0.sum(-1) - mix0[..., el])[None, :, None]
    K, G, H = coal["K"], coal["G"], coal["H"]
    m = np.broadcast_to(mix0[None, :, None], scale.shape + (len(FUELS),)).copy()  # (m, r, t, s, j)
    m[..., is_coal] *= (K * F)[..., None]
    m[..., base.other] *= F[..., None]
    m[..., ng] = (mix0[None, :, None, :, ng] + c0 * G) * F
    m[..., el] = mix0[None, :, None, :, el] + rho * (c0 * H + (fossil0 - c0 * H) * (1.0 - F))
    energy_fuel = scale[..., None] * m
    for cut_spec in fuel_cuts:
        j_idx = cut_spec["fuels"]
        cut = energy_fuel[..., j_idx] * cut_spec["weight"][None, ..., None]
        energy_fuel[..., j_idx] -= cut
        if cut_spec["to"] is not None:
            ratio = rho if cut_spec["to"] == el else 1.0
            energy_fuel[..., cut_spec["to"]] += cut.sum(-1) * ratio
    ef = np.broadcast_to(base.ef_tce, energy_fuel.shape).copy()
    ef[..., el] = grid_tce[..., None]
    co2_fuel = energy_fuel * ef
    direct = np.ones(len(FUELS), bool)
    direct[el] = False
    return {"energy": energy_fuel.sum((-1, -2)), "coal": energy_fuel[..., is_coal].sum((-1, -2)),
            "elec": energy_fuel[..., el].sum(-1), "direct": co2_fuel[..., direct].sum((-1, -2)),
            "indirect": co2_fuel[..., el].sum(-1), "energy_fuel": energy_fuel, "co2_fuel": co2_fuel}
