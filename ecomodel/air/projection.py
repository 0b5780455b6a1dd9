"""Year-by-year trajectories under a reduction schedule, and the projection read by ``targets.check``.

A trajectory is one continuous daily simulation over all its years (the state carries over from
one year to the next) for an ensemble of generated weather, reduced to annual indicators on the
fly (members are run in chunks, so 1000 members × 11 years fit in memory).

Emissions in year ``y``:

- local boxes: the calibrated base inventory × the local emission trend of ``y`` (1 after the last
  year of the trend table, i.e. emissions frozen at 2020 without new measures) × ``Π(1 − f)`` of
  the reductions scheduled up to ``y``;
- the regional background box: its inventory × the calibrated background scale of ``y`` (held at
  the last calibrated year afterwards), or *background* when given.

O3 (for the AQI good-day ratio, ``o3_mda8_p90`` and ``heavy_pollution_days``) comes from the
photochemical model of :mod:`ecomodel.air.photochem`, driven by the same NOx and VOC emissions
(so it responds to the reductions, with VOC-limited and NOx-limited regimes), with its background
level calibrated per year; ``ozone='statistical'`` uses the exogenous series of
:mod:`ecomodel.air.ozone` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from .._members import MEMBER_BLOCK
from ..errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .box import Domain
    from .deposition import DustfallParameters
    from .emissions import Inventory
    from .meteorology import MeteorologySettings
    from .ozone import OzoneSettings
    from .parameters import ProcessParameters
    from .photochem import GRSParameters

__all__ = ["trajectory", "project", "expected_dustfall"]

_CHUNK = 250  # members per kernel call (whole blocks of MEMBER_BLOCK; the draws are per block)


def _seed_children(seed, n: int) -> list:
    """*n* independent generators from *seed* (an integer, None or a Generator)."""
    if isinstance(seed, np.random.Generator):
        return [np.random.default_rng(int(x)) for x in seed.integers(0, 2**63 - 1, size=n)]
    ss = np.random.SeedSequence(seed)
    return [np.random.default_rng(c) for c in ss.spawn(n)]


def _block_streams(seed, members: int, start: int, stop: int) -> list:
    """``(lo, hi, weather_rng, o3_rng)`` per member block (ecomodel._members): two child streams per block."""
    from .._members import block_generators

    out = []
    for lo, hi, rng in block_generators(seed, members, start, stop):
        a, b = rng.integers(0, 2**63 - 1, size=2)
        out.append((lo, hi, np.random.default_rng(int(a)), np.random.default_rng(int(b))))
    return out


def _by_year(value, years, default_fn):
    """Per-year floats from None (default_fn), a number, or a {year: value} mapping (held forward)."""
    if value is None:
        return {y: float(default_fn(y)) for y in years}
    if isinstance(value, Mapping):
        items = sorted((int(k), float(v)) for k, v in value.items())
        if not items:
            raise InputError("empty mapping given for a per-year value", field="background")
        out = {}
        for y in years:
            prior = [v for k, v in items if k <= y]
            out[y] = prior[-1] if prior else items[0][1]
        return out
    v = float(value)
    return {y: v for y in years}


def _setup(inventory, domain, parameters, settings, ozone_settings, background, trend, ozone_level, years):
    from .demodata import _calibrated, demo

    d = demo() if (inventory is None or ozone_level is None or trend is None) else None
    if inventory is None:
        inventory = _calibrated(d.base_inventory, d.domain, d.calibration)
        bg_default = d.background_scale
        trend_default = d.trend
    else:
        bg_default = lambda y: 1.0  # noqa: E731
        trend_default = (d.trend if (d is not None and trend is None and inventory is None) else
                         (lambda y: {p: 1.0 for p in ("SO2", "NOx", "NH3", "VOCs", "PM2.5")}))
    if domain is None:
        from .box import load_domain

        domain = d.domain if d is not None else load_domain()
    if parameters is None:
        from .parameters import ProcessParameters

        parameters = ProcessParameters()
    if settings is None:
        from .meteorology import MeteorologySettings

        settings = MeteorologySettings()
    if ozone_settings is None:
        from .ozone import OzoneSettings

        ozone_settings = OzoneSettings()
    bg = _by_year(background, years, bg_default)
    if trend is None:
        trend_fn = trend_default
    elif callable(trend):
        trend_fn = trend
    else:
        trend_fn = lambda y: {p: float(trend.get(y, {}).get(p, 1.0)) for p in ("SO2", "NOx", "NH3", "VOCs", "PM2.5")}  # noqa: E731
    if ozone_level is None:
        lev = {y: d.ozone_level(y) for y in years}
    else:
        lev = _by_year(ozone_level, years, lambda y: 1.0)
    return inventory, domain, parameters, settings, ozone_settings, bg, trend_fn, lev


def _factors(inventory, domain, reductions, years, bg, trend_fn):
    from .emissions import POLLUTANTS, schedule_factors

    base = schedule_factors(reductions, inventory, years, domain=domain)
    kinds = {b: k for b, k in zip(domain.boxes, domain.kind)}
    out = {}
    for y in years:
        f = base[y].copy()
        tr = trend_fn(y)
        for i, b in enumerate(inventory.boxes):
            if kinds.get(b, "local") == "background":
                f[i] *= bg[y]
            else:
                for k, p in enumerate(POLLUTANTS):
                    f[i, :, k] *= tr[p]
        out[y] = f
    return out


def _city_columns(domain, city, weights):
    members = [i for i, (c, k) in enumerate(zip(domain.city, domain.kind)) if c == city and k == "local"]
    if not members:
        raise InputError(f"city: no local box belongs to {city!r}", field="city", value=city)
    if weights is None:
        w = np.ones(len(members))
    else:
        w = np.array([float(weights.get(domain.boxes[i], 0.0)) for i in members])
        if (w < 0).any() or w.sum() <= 0:
            raise InputError(f"city_weights: {weights!r}; expected non-negative weights with a positive sum",
                             field="city_weights", value=weights)
    return members, w / w.sum()


def _ozone_mode(ozone) -> str | None:
    """``'photochemical'``, ``'statistical'`` or None from the *ozone* argument."""
    if ozone is True or ozone == "photochemical":
        return "photochemical"
    if ozone == "statistical":
        return "statistical"
    if ozone is False or ozone is None:
        return None
    raise InputError(f"ozone: {ozone!r}; expected True/'photochemical', 'statistical' or False", field="ozone",
                     value=ozone, expected="True, 'photochemical', 'statistical', False")


def _daily_o3(mode, met, arr, dates, flux, period, domain, levels, ozone_settings, settings, streams, grs):
    """Daily MDA8 O3 [µg/m³]: ``(member, day, box)`` (photochemical) or ``(member, day)`` (statistical).

    *streams*: ``(member slice, rng)`` per member block; the random draws are made block by block."""
    if mode == "statistical":
        from .ozone import generate_ozone

        return np.concatenate([generate_ozone(met.isel(member=sl), level=levels, settings=ozone_settings,
                                              climatology=settings.climatology, seed=rng).values.T
                               for sl, rng in streams], axis=0)
    from .emissions import POLLUTANT_SPECIES
    from .photochem import o3_background, simulate_o3

    vent = arr["wind"][:, :, None] * domain.ventilation_rate(1.0)[None, None, :]
    bg = np.concatenate([o3_background({k: v[sl] for k, v in arr.items()}, dates, levels, settings=ozone_settings,
                                       grs=grs, seed=rng) for sl, rng in streams], axis=0)
    regional = next((i for i, k in enumerate(domain.kind) if k == "background"), -1)
    return simulate_o3(flux[:, POLLUTANT_SPECIES["NOx"], :], flux[:, POLLUTANT_SPECIES["VOCs"], :], period, arr,
                       vent, bg, grs=grs, regional=regional)


def _with_city(x, cols):
    if cols is None:
        return x
    idx, w = cols
    city = np.zeros(x.shape[:2])
    for i, wi in zip(idx, w):  # box by box in a fixed order, not BLAS (tensordot): the city value must
        city += x[:, :, i] * wi  # not depend on how many members share the call (member blocks)
    return np.concatenate([x, city[:, :, None]], axis=2)


def _run_indicators(inventory, domain, parameters, settings, ozone_settings, years, members, seed, factors,
                    ozone_levels, *, city="常州市", city_weights=None, ozone=True, spinup_days=30, grs=None,
                    member_block=None, dustfall=None):
    """Annual indicators ``{name: (year, member, box[+city])}`` for a continuous multi-year run.

    Members are drawn per fixed block (:data:`ecomodel._members.MEMBER_BLOCK`); up to :data:`_CHUNK`
    members (whole blocks) share one kernel call. *member_block* ``(start, stop)``: those members only."""
    from .._members import check_block
    from .box import _run
    from .deposition import dustfall_arrays
    from .indicators import _indicator_arrays, good_day_threshold
    from .meteorology import generate_meteorology, meteorology_arrays
    from .. import standards

    if int(members) < 1:
        raise InputError(f"members: {members}; expected >= 1", field="members", value=members)
    mode = _ozone_mode(ozone)
    limit = float(standards.gb3095_limit("PM2.5", "24h", 2))
    pm_good, o3_good = good_day_threshold("PM2.5"), good_day_threshold("O3_8h")
    cols = _city_columns(domain, city, city_weights) if city else None
    start, stop = check_block(member_block, int(members), seed)
    streams = _block_streams(seed, int(members), start, stop)
    per_call = max(1, _CHUNK // MEMBER_BLOCK)
    parts = []
    for c in range(0, len(streams), per_call):
        group = streams[c:c + per_call]
        mets = [generate_meteorology(settings, years=years, members=hi - lo, seed=r) for lo, hi, r, _ in group]
        met = mets[0] if len(mets) == 1 else xr.concat(mets, dim="member")
        m = group[-1][1] - group[0][0]
        o3_streams = [(slice(lo - group[0][0], hi - group[0][0]), r) for lo, hi, _, r in group]
        arr, dates, _ = meteorology_arrays(met)
        flux, period, _ = inventory.fluxes(domain, dates, factors)
        out, _ = _run(domain, flux[None], period, np.zeros(m, dtype=np.int64), arr, parameters, chemistry=True,
                      components=False, substeps=1, spinup_days=spinup_days)
        pm = _with_city(out[0], cols)
        o3 = None
        if mode is not None:
            o3 = _daily_o3(mode, met, arr, dates, flux, period, domain, ozone_levels, ozone_settings, settings,
                           o3_streams, grs)
            if o3.ndim == 3:
                o3 = _with_city(o3, cols)
        yrs, ind = _indicator_arrays(pm, o3, dates, limit, pm_good, o3_good)
        if dustfall is not False:  # the member's wet days drive its dustfall (ecomodel.air.deposition)
            dust = dustfall_arrays(inventory, domain, dates, factors, arr["prec"],
                                   parameters=None if isinstance(dustfall, bool) else dustfall)[2]
            ind["dustfall"] = _with_city(dust, cols)
        parts.append(ind)
    return yrs, {k: np.concatenate([p[k] for p in parts], axis=1) for k in parts[0]}


def trajectory(reductions: Mapping[Any, Any] | xr.DataArray | None = None, years: Iterable[int] = range(2020, 2031), *,
               members: int = 200, seed: int | np.random.Generator | None = None, inventory: Inventory | None = None,
               domain: Domain | None = None, parameters: ProcessParameters | None = None,
               settings: MeteorologySettings | None = None, ozone_settings: OzoneSettings | None = None,
               background: float | Mapping[int, float] | None = None,
               trend: Callable[[int], Mapping[str, float]] | Mapping[int, Mapping[str, float]] | None = None,
               ozone: bool | str = True, ozone_level: float | Mapping[int, float] | None = None,
               city: str | None = "常州市", city_weights: Mapping[str, float] | None = None,
               spinup_days: int = 30, grs: GRSParameters | None = None,
               member_block: tuple[int, int] | None = None,
               dustfall: DustfallParameters | bool | None = None) -> xr.Dataset:
    """Annual PM2.5 indicators (and dustfall), year by year, for an ensemble under a reduction schedule.

    Parameters
    ----------
    reductions : mapping, DataArray or schedule, optional
        Emission cuts as fractions [1] (see :mod:`ecomodel.air.emissions`), e.g.
        ``{2023: {"NOx": 0.1}, 2025: {"NOx": 0.2, "VOCs": 0.1}}``; the demo package is
        ``demo().package_schedule()``.
    years : iterable of int
        Consecutive years to simulate.
    members : int
        Ensemble members (weather realisations).
    seed : int or numpy.random.Generator, optional
        Same seed, same result.
    inventory : Inventory, optional
        Base inventory [t/yr]; default the calibrated demo inventory (and then the demo's local
        trend, background scales and O3 levels apply).
    domain, parameters, settings, ozone_settings : optional
        Domain, process parameters, weather and O3 settings (demo defaults).
    background : float or mapping, optional
        Factor on the background box's emissions [1], constant or ``{year: factor}`` (held
        forward); default the calibrated demo scales.
    trend : callable or mapping, optional
        Local emission factor by year and pollutant (``{year: {pollutant: factor}}``) [1].
    ozone : bool or str
        O3 for the AQI good-day ratio: ``True``/``'photochemical'`` (the GRS model of
        :mod:`ecomodel.air.photochem`, driven by the same NOx/VOC emissions), ``'statistical'``
        (the exogenous series of :mod:`ecomodel.air.ozone`) or ``False`` (PM2.5 only).
    ozone_level : float or mapping, optional
        O3 level factor [1] (default: calibrated demo levels).
    city : str or None
        Add the city average box (equal weights over its districts unless *city_weights*).
    spinup_days : int
        Spin-up days before the first year [d].
    grs : GRSParameters, optional
        Parameters of the photochemical O3 model.
    member_block : (int, int), optional
        Only members ``start`` to ``stop - 1`` (on block boundaries of
        :data:`ecomodel._members.MEMBER_BLOCK`, integer seed): exactly those members of the whole
        ensemble, so blocks can be computed apart and joined.
    dustfall : DustfallParameters or bool, optional
        Coefficients of the dustfall indicator (:mod:`ecomodel.air.deposition`); ``False`` leaves
        it out.

    Returns
    -------
    xarray.Dataset
        ``pm25_annual_mean``, ``pm25_p95`` [µg/m³], ``days_above_75`` [d],
        ``good_air_days_ratio``, ``good_days_pm25_ratio`` [%], ``dustfall`` [t km-2 month-1]
        (annual mean, from the dust sector and each member's wet days) over ``(year, member, box)``; with
        O3 also ``o3_mda8_p90`` [µg/m³] (HJ 663-2013 annual 90th percentile of MDA8; per box with
        the photochemical model, the same series for every box with the statistical one) and
        ``heavy_pollution_days`` [d] (AQI > 200, HJ 633-2012).

    Examples
    --------
    >>> from ecomodel.air import demo, trajectory
    >>> tr = trajectory(demo().package_schedule(), years=[2022, 2023], members=4, seed=7)
    >>> tr["pm25_annual_mean"].sizes
    Frozen({'year': 2, 'member': 4, 'box': 9})
    """
    from .indicators import CITY_NAME_EN, INDICATOR_ATTRS

    years = [int(y) for y in years]
    if not years or sorted(years) != list(range(min(years), max(years) + 1)):
        raise InputError(f"years: {years}; expected consecutive years", field="years", value=years)
    inventory, domain, parameters, settings, ozone_settings, bg, trend_fn, lev = _setup(
        inventory, domain, parameters, settings, ozone_settings, background, trend, ozone_level, years)
    factors = _factors(inventory, domain, reductions, years, bg, trend_fn)
    yrs, ind = _run_indicators(inventory, domain, parameters, settings, ozone_settings, years, members, seed,
                               factors, lev, city=city, city_weights=city_weights, ozone=ozone,
                               spinup_days=spinup_days, grs=grs, member_block=member_block, dustfall=dustfall)
    from .._members import check_block

    start, stop = check_block(member_block, int(members), seed)
    boxes = list(domain.boxes)
    name_en, region, kind, cityc = list(domain.name_en), list(domain.region), list(domain.kind), list(domain.city)
    if city:
        boxes.append(city)
        name_en.append(CITY_NAME_EN.get(city, city))
        region.append(city)
        kind.append("city")
        cityc.append(city)
    ds = xr.Dataset({k: (("year", "member", "box"), v) for k, v in ind.items()},
                    coords={"year": yrs, "member": np.arange(start, stop), "box": boxes,
                            "name_en": ("box", name_en), "region": ("box", region), "kind": ("box", kind),
                            "city": ("box", cityc)})
    for v in ds.data_vars:
        ds[v].attrs = dict(INDICATOR_ATTRS[v])
    mode = _ozone_mode(ozone)
    ds["good_air_days_ratio"].attrs["comment"] = {
        "photochemical": "AQI of PM2.5 and photochemical O3 (GRS, ecomodel.air.photochem)",
        "statistical": "AQI of PM2.5 and the statistical O3 series"}.get(mode, "PM2.5 IAQI only")
    ds.attrs = {"title": "ecomodel.air trajectory", "seed": str(seed), "members": int(members),
                "background_scale": str({y: round(bg[y], 4) for y in years}),
                "ozone_level": str({y: round(lev[y], 4) for y in years}) if mode else "none",
                "ozone_model": mode or "none",
                "city_average": f"{city}: equal weights over its districts (HJ 663-2013)" if city and city_weights is None
                else str(city_weights)}
    return ds


#: indicators :func:`project` returns (those the trajectory has)
PROJECT_VARIABLES = ("pm25_annual_mean", "good_air_days_ratio", "o3_mda8_p90", "good_days_o3_ratio",
                     "heavy_pollution_days", "dustfall")


def project(reductions: Mapping[Any, Any] | xr.DataArray | None = None, years: Iterable[int] = range(2020, 2031),
            members: int = 100, seed: int | np.random.Generator | None = None,
            member_block: tuple[int, int] | None = None, **kwargs: Any) -> xr.Dataset:
    """Projection for the scenario layer: ``pm25_annual_mean`` [ug/m3], ``good_air_days_ratio`` [%],
    ``dustfall`` [t km-2 month-1] and with O3 ``o3_mda8_p90`` [ug/m3], ``good_days_o3_ratio`` [%],
    ``heavy_pollution_days`` [d] over ``(year, member, region)`` (regions of the plan-target
    registry, plus ``常州市``).

    Parameters
    ----------
    reductions : mapping, DataArray or schedule, optional
        Emission cuts [1] (see :func:`trajectory`).
    years : iterable of int
        Consecutive years.
    members : int
        Ensemble members.
    seed : int or numpy.random.Generator, optional
        Seed.
    member_block : (int, int), optional
        Only these members (see :func:`trajectory`).
    **kwargs
        Passed to :func:`trajectory`.

    Returns
    -------
    xarray.Dataset
        Ready for ``ecomodel.targets.check``.

    Examples
    --------
    >>> from ecomodel.air import project
    >>> p = project(None, years=[2023], members=3, seed=1)
    >>> p["pm25_annual_mean"].dims, p["pm25_annual_mean"].attrs["units"]
    (('year', 'member', 'region'), 'ug/m3')
    """
    from .._cf import conform
    from .indicators import to_regions

    from .._checks import check_members, check_seed, check_years

    years = check_years(years)
    members = check_members(members)
    seed = check_seed(seed)
    tr = trajectory(reductions, years, members=members, seed=seed, member_block=member_block, **kwargs)
    out = to_regions(tr, [v for v in PROJECT_VARIABLES if v in tr])
    out.attrs = dict(tr.attrs) | {"title": "ecomodel.air projection", "source": "ecomodel.air.project"}
    return conform(out)


def expected_dustfall(schedules: Iterable[Mapping[Any, Any] | None], years: Iterable[int], *,
                      inventory: Inventory | None = None, domain: Domain | None = None,
                      background: float | Mapping[int, float] | None = None,
                      trend: Callable[[int], Mapping[str, float]] | Mapping[int, Mapping[str, float]] | None = None,
                      city: str | None = "常州市", dustfall: DustfallParameters | None = None) -> xr.DataArray:
    """Dustfall in climatological weather (wet-day factor 1) for each reduction schedule, with the
    emissions of :func:`trajectory` (trend, calibration, background scale): ``(scenario, year,
    region)`` [t km-2 month-1]. Dustfall is linear in the emissions, so a schedule's ensemble is the
    baseline ensemble × its ratio to the baseline here (the fast method of the scenario layer).

    Examples
    --------
    >>> e = expected_dustfall([None, {2023: {("dust", "PM2.5"): 0.5}}], years=[2023])
    >>> e.dims, bool((e.isel(scenario=1) < e.isel(scenario=0)).all())
    (('scenario', 'year', 'region'), True)
    """
    from .deposition import DUSTFALL_ATTRS, expected_dustfall as _expected

    years = [int(y) for y in years]
    inventory, domain, _, _, _, bg, trend_fn, _ = _setup(inventory, domain, None, None, None, background, trend,
                                                         1.0, years)
    trends = {y: trend_fn(y) for y in years}  # read once for every schedule
    trend_fn = trends.__getitem__
    keep = [i for i, r in enumerate(domain.region) if str(r)]
    cols = _city_columns(domain, city, None) if city else None
    out = []
    for sched in schedules:
        x = _expected(inventory, domain, _factors(inventory, domain, sched, years, bg, trend_fn), years,
                      parameters=dustfall)  # (year, box)
        if cols is not None:  # the city column as the trajectory makes it (_with_city), then the regions
            x = _with_city(x[:, None, :], cols)[:, 0, :]
        out.append(x[:, keep + ([x.shape[1] - 1] if cols is not None else [])])
    regions = [str(domain.region[i]) for i in keep] + ([city] if city else [])
    return xr.DataArray(np.stack(out), dims=("scenario", "year", "region"),
                        coords={"scenario": np.arange(len(out)), "year": years, "region": regions},
                        name="dustfall", attrs=dict(DUSTFALL_ATTRS) | {"comment": "climatological weather"})
