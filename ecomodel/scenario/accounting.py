"""Emission and load accounting of a package: tonnes by region, sector/source and pollutant.

Air emissions [t/yr] are the demo inventory (box × sector × pollutant) times the local emission
trend of the year times ``Π(1 − f)`` of the package's reductions acting on each cell (the rule of
:func:`ecomodel.air.project`). Water loads [t/yr] are the source loads (category × substance) of
each embedded water network (:data:`ecomodel.water.networks.NETWORKS`: wujin, tianning, jiangyin)
times ``Π(1 − f)`` of the effects acting on that network — the network(s) the water backend gives
for the effect's region (:meth:`~ecomodel.scenario.backends.water.WaterBackend.networks`: none or
``常州市武进区`` → wujin, ``常州市天宁区`` → tianning, ``江阴市`` → jiangyin, ``常州市`` → wujin and
tianning; a region without a network, such as 钟楼, is refused). The reduction of a package in a
year is the baseline (no measure, same year) minus the package's amount; with the demo's flat trend
after 2020 this is also the reduction from the base year.

The baseline water loads ``loads_baseline`` have no ``year`` dimension because they do not change
by year: the water model puts the same source table into every year
(``ecomodel.water.projection._Run.year_loads``); what varies from year to year there is the
runoff part scaled by a member's flow multiplier (mean 1), hydrology rather than a load trend. A
package's ``loads`` do carry ``year`` (measures ramp in).

CO2 (:func:`carbon_accounts`, in a run that includes carbon) comes from the carbon model
:func:`ecomodel.carbon.project` with the carbon backend's cuts of the package: ``emissions_co2``
[t/yr] by region and sector (its ``detail`` output summed over fuel, ensemble mean) and
``co2_reduction_t`` [t] = no-measure projection − the run's ``/carbon`` ``co2_emissions``, per
member (the carbon model's own parameter ensemble, not an inventory factor).

Regions: each air box reports under its registry region (``常州市武进区`` …), and the six
Changzhou boxes add up to ``常州市``. Each water network reports under its registry region (wujin →
``常州市武进区``, tianning → ``常州市天宁区``, jiangyin → ``江阴市``) and the Changzhou networks
(wujin, tianning) add up to ``常州市``; 江阴 is not part of 常州市. An effect given as a plan figure
for a wider region with ``share`` < 1 (of which the modelled network holds ``share``) reports its
reduction under that region scaled by ``1/share`` (the plan's own figure; a ``share`` without a
region is a share of ``常州市``, and a district's figure counts for ``常州市`` too), so ``004:19``
COD 3993 t is accounted at ``常州市`` and the 江阴 collection measure at ``江阴市``.

Uncertainty
-----------
The plan figures are reductions against an uncertain inventory: a measure that removes a
fraction of a source removes that fraction of the *true* emission. Each member draws one
log-normal factor per pollutant, fitted to the 95 % interval of the Chinese bottom-up inventory of
Zhao, Nielsen, Lei, McElroy & Hao (2011), *Quantifying the uncertainties of a bottom-up emission
inventory of anthropogenic atmospheric pollutants in China*, Atmos. Chem. Phys. 11, 2295–2308:
SO2 −14 %/+13 %, NOx −13 %/+37 %, PM2.5 −17 %/+54 %. VOCs and NH3 (not in that paper) and the
water loads use a stated assumption of a symmetric ±40 % (VOCs, NH3) and ±30 % (water loads) 95 %
interval in log space. The reductions ``*_reduction_t`` carry a ``member`` dimension, so
:func:`ecomodel.targets.check` gives them an attainment probability like any other indicator.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EcomodelError, ScenarioError
from .model import Package, Scenario
from .schedule import ReductionKey

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd
    import xarray as xr

    from .schedule import Reductions

__all__ = ["UNCERTAINTY_95", "lognormal_parameters", "air_accounts", "water_accounts", "carbon_accounts",
           "accounts", "accountable", "scenario_accounts", "check_accounts", "REDUCTION_KEYS", "REDUCTION_DOMAINS", "MET_RULE"]

#: 95 % interval (low, high) of the true/central inventory ratio − 1, per pollutant [1].
UNCERTAINTY_95 = {
    "SO2": (-0.14, 0.13), "NOx": (-0.13, 0.37), "PM2.5": (-0.17, 0.54),  # Zhao et al. 2011, ACP 11:2295
    "VOCs": (-0.33, 0.49), "NH3": (-0.33, 0.49),  # assumption: exp(±0.4) in log space
    "TP": (-0.26, 0.35), "NH3-N": (-0.26, 0.35), "COD": (-0.26, 0.35),  # assumption: exp(±0.3)
}

#: indicator key of the reduction of each pollutant (docs/interfaces.md)
REDUCTION_KEYS = {"NOx": "nox_reduction_t", "VOCs": "vocs_reduction_t", "SO2": "so2_reduction_t",
                  "NH3": "nh3_reduction_t", "PM2.5": "pm25_reduction_t", "COD": "cod_reduction_t",
                  "NH3-N": "nh3n_reduction_t", "TP": "tp_reduction_t", "CO2": "co2_reduction_t"}

#: domain whose measures make each reduction (the ``domain`` column of a tonnage row in ``/targets``)
REDUCTION_DOMAINS = {"nox_reduction_t": "air", "vocs_reduction_t": "air", "so2_reduction_t": "air",
                     "nh3_reduction_t": "air", "pm25_reduction_t": "air", "cod_reduction_t": "water",
                     "nh3n_reduction_t": "water", "tp_reduction_t": "water", "co2_reduction_t": "carbon"}

#: the rule behind the ``met`` column of a registry check (:func:`ecomodel.targets.check`)
MET_RULE = "ensemble mean"

_CITY = "常州市"


def lognormal_parameters(low: float, high: float) -> tuple[float, float]:
    """``(mu, sigma)`` of a log-normal factor whose 2.5 and 97.5 % quantiles are ``1+low`` and ``1+high``.

    Examples
    --------
    >>> mu, s = lognormal_parameters(-0.13, 0.37)
    >>> round(float(np.exp(mu - 1.959964 * s)), 6), round(float(np.exp(mu + 1.959964 * s)), 6)
    (0.87, 1.37)
    """
    if not (-1.0 < low < high):
        raise ScenarioError(f"interval ({low}, {high}): expected -1 < low < high", field="uncertainty",
                            value=(low, high), expected="-1 < low < high")
    a, b = np.log1p(low), np.log1p(high)
    return float((a + b) / 2.0), float((b - a) / (2.0 * 1.959963984540054))


def _factors(pollutants: Sequence[str], members: int, seed: int) -> np.ndarray:
    """(member, pollutant) inventory factors; member 0 of a one-member run is the central value 1."""
    if members <= 1:
        return np.ones((1, len(pollutants)))
    rng = np.random.default_rng([int(seed), 20110318])
    z = rng.standard_normal((members, len(pollutants)))
    out = np.empty_like(z)
    for j, p in enumerate(pollutants):
        mu, s = lognormal_parameters(*UNCERTAINTY_95[p])
        out[:, j] = np.exp(mu + s * z[:, j])
    return out


@functools.lru_cache(maxsize=4)
def _air_layout(base: str):
    """Inventory (box, sector, pollutant) [t/yr], box regions and the region index matrix."""
    from .backends import get_backend

    d = get_backend("air").demo(base)
    inv = d.inventory
    E = np.asarray(inv.emissions.values, dtype=float)
    local = list(d.domain.local_boxes())
    rows = [inv.boxes.index(b) for b in local]
    regions, member = [], []
    for b in local:
        i = d.domain.index(b)
        regions.append(str(d.domain.region[i]) or b)
        member.append(str(d.domain.city[i]))
    names = list(dict.fromkeys(regions)) + [_CITY]
    M = np.zeros((len(names), len(local)))
    for j, (r, c) in enumerate(zip(regions, member, strict=True)):
        M[names.index(r), j] = 1.0
        if c == _CITY:
            M[names.index(_CITY), j] = 1.0
    return E[rows], local, names, M, list(inv.emissions["sector"].values), list(inv.emissions["pollutant"].values), d


def air_accounts(schedules: Sequence[Reductions], years: npt.ArrayLike, *, base: str = "demo", members: int = 1,
                 seed: int = 0) -> xr.Dataset:
    """Air emissions and reductions of reduction schedules (``Reductions`` of domain ``'air'``).

    Returns
    -------
    xarray.Dataset
        ``emissions`` [t/yr] over (scenario, year, region, sector, pollutant) — central inventory;
        ``emissions_baseline`` [t/yr] over (year, region, sector, pollutant); and one
        ``<pollutant>_reduction_t`` [t] per pollutant over (scenario, year, member, region):
        baseline minus package emission in that year, times the member's inventory factor.
    """
    import xarray as xr

    from .backends import get_backend

    E, local, names, M, sectors, pols, d = _air_layout(base)
    years = np.asarray(years, dtype=int)
    trend = np.array([[d.trend(int(y))[p] for p in pols] for y in years])  # (Y, P)
    backend = get_backend("air")
    S = len(schedules)
    remaining = np.ones((S, len(years)) + E.shape)
    rows = slice(0, len(local))
    for s, sched in enumerate(schedules):
        for i, k in enumerate(sched.keys):
            key = ReductionKey.of(k)
            mask = backend.mask(base, (key.region, key.sector, key.pollutant))  # the air model's key
            mask = mask[[d.inventory.boxes.index(b) for b in local]] if mask.shape[0] != len(local) else mask[rows]
            f = sched.fractions[i]
            remaining[s] *= np.where(mask[None], 1.0 - f[:, None, None, None], 1.0)
    base_e = E[None] * trend[:, None, None, :]  # (Y, B, S, P)
    em = base_e[None] * remaining
    by_region = np.einsum("rb,nybsp->nyrsp", M, em)
    base_region = np.einsum("rb,ybsp->yrsp", M, base_e)
    cut = (base_region[None] - by_region).sum(axis=3)  # (S, Y, R, P)
    u = _factors(pols, members, seed)  # (M, P)
    coords = {"scenario": np.arange(S), "year": years, "region": np.array(names, dtype=str),
              "sector": np.array(sectors, dtype=str), "pollutant": np.array(pols, dtype=str)}
    ds = xr.Dataset(coords=coords | {"member": np.arange(u.shape[0])})
    ds["emissions"] = (("scenario", "year", "region", "sector", "pollutant"), by_region,
                       {"units": "t/yr", "long_name": "air emissions with the package (central inventory)"})
    ds["emissions_baseline"] = (("year", "region", "sector", "pollutant"), base_region,
                                {"units": "t/yr", "long_name": "air emissions without measures"})
    for j, p in enumerate(pols):
        val = cut[:, :, None, :, j] * u[None, None, :, j, None]
        ds[REDUCTION_KEYS[p]] = (("scenario", "year", "member", "region"), val, {
            "units": "t", "long_name": f"{p} emission reduction of the package in the year",
            "comment": "baseline minus package emission over the year; members scale the inventory "
                       "(ecomodel.scenario.accounting)"})
    return ds


@functools.lru_cache(maxsize=4)
def _water_layout(base: str):
    """Networks, their registry regions, source categories, substances and the baseline loads
    ``L0`` (network, category, substance) [t/yr] of the embedded water networks."""
    from .backends import get_backend
    from .backends.water import WATER_NETWORKS

    backend = get_backend("water")
    nets = list(WATER_NETWORKS.values())
    tables = {n: backend.source_table(base, n) for n in nets}
    subs = [s for s in ("TP", "NH3-N", "COD") if all(s in t.columns for t in tables.values())]
    cats = sorted({str(c) for t in tables.values() for c in t["category"]})
    L0 = np.array([[[float(t.loc[t["category"].astype(str) == c, s].sum()) for s in subs] for c in cats]
                   for t in tables.values()])
    regions = {n: r for r, n in WATER_NETWORKS.items()}
    return nets, regions, tables, cats, subs, L0


def _effect_fraction(backend, base: str, effect) -> float:
    """The effect's fraction [1]: as given, or ``amount × share`` over the base load it acts on
    (:meth:`WaterBackend.baseline_amount`, the rule of the run)."""
    if effect.fraction is not None:
        return float(effect.fraction)
    return min(1.0, effect.modelled_amount / backend.baseline_amount(base, effect))


def _effect_figures(parts: dict, effect, regions: dict, city_networks) -> dict:
    """Reductions by region of one effect from its modelled reductions *parts* ``{network: (Y,) [t]}``:
    each network under its registry region, the 常州市 networks summed under 常州市; with a
    ``share``, the plan figure ``Σ parts / share`` under the effect's region (常州市 when none), and
    under 常州市 too for one of its districts."""
    figures: dict[str, np.ndarray] = {}
    for net, done in parts.items():
        figures[regions[net]] = figures.get(regions[net], 0.0) + done
        if net in city_networks:
            figures[_CITY] = figures.get(_CITY, 0.0) + done
    if effect.share is not None:
        region = _region(effect.region) or _CITY
        figures[region] = sum(parts.values()) / effect.share
        if region != _CITY and region.startswith(_CITY):
            figures[_CITY] = figures[region]
    return figures


def _water_cuts(packages, years, base, layout):
    """Loads (scenario, year, network, category, substance) [t/yr] with the packages' effects, and the
    reductions ``{(scenario, region): (Y, substance)}`` [t]."""
    from .backends import get_backend
    from .backends.water import CITY_NETWORKS

    nets, regions, tables, cats, subs, L0 = layout
    backend = get_backend("water")
    loads = np.broadcast_to(L0[None, None], (len(packages), len(years)) + L0.shape).copy()
    cut: dict[tuple[int, str], np.ndarray] = {}
    for n, pkg in enumerate(packages):
        for m in pkg.measures:
            ramp = m.ramp(years)
            for e in m.all_effects:
                if e.domain != "water" or e.category in (None, "sediment_release") or e.pollutant not in subs:
                    continue
                backend.check_effect(base, e)  # refuses a region without a network (钟楼)
                f, j, c = _effect_fraction(backend, base, e), subs.index(e.pollutant), cats.index(e.category)
                parts = {}
                for net in backend.networks(e):
                    t, k = tables[net], nets.index(net)
                    mask = t["category"].astype(str) == e.category
                    if e.reach is not None:
                        mask &= t["reach"].astype(str) == str(e.reach)
                    b = float(t.loc[mask, e.pollutant].sum())
                    if b <= 0:
                        continue  # a 常州市 effect on a source only one of its networks has
                    before = loads[n, :, k, c, j].copy()
                    loads[n, :, k, c, j] = before * (1.0 - f * ramp * (b / L0[k, c, j]))
                    parts[net] = before - loads[n, :, k, c, j]
                for region, v in _effect_figures(parts, e, regions, CITY_NETWORKS).items():
                    cut.setdefault((n, region), np.zeros((len(years), len(subs))))[:, j] += v
    return loads, cut


def water_accounts(packages: Sequence[Package], years: npt.ArrayLike, *, base: str = "demo", members: int = 1,
                   seed: int = 0) -> xr.Dataset:
    """Water loads of the embedded networks and reductions of *packages* [t/yr, t].

    Each water effect acts on the source table of the network(s) its region maps to
    (:meth:`WaterBackend.networks <ecomodel.scenario.backends.water.WaterBackend.networks>`: none
    or 常州市武进区 → wujin, 常州市天宁区 → tianning, 江阴市 → jiangyin, 常州市 → wujin and tianning).

    Returns
    -------
    xarray.Dataset
        ``loads`` [t/yr] over (scenario, year, network, source, substance) (coordinate
        ``network_region``: the registry region of each network); ``loads_baseline`` over
        (network, source, substance); ``cod_reduction_t``, ``nh3n_reduction_t``, ``tp_reduction_t``
        [t] over (scenario, year, member, region): each network's reduction under its region
        (``常州市武进区``, ``常州市天宁区``, ``江阴市``), the Changzhou networks' sum under ``常州市``,
        and, for effects with a ``share``, the plan figure ``reduction/share`` under the effect's
        region (``常州市`` without one, and ``常州市`` for its districts).
    """
    import xarray as xr

    layout = _water_layout(base)
    nets, regions, _, cats, subs, L0 = layout
    years = np.asarray(years, dtype=int)
    S = len(packages)
    loads, cut = _water_cuts(packages, years, base, layout)
    region_names = list(dict.fromkeys([regions[n] for n in nets] + [_CITY] + sorted({r for _, r in cut})))
    C = np.zeros((S, len(years), len(region_names), len(subs)))
    for (n, r), v in cut.items():
        C[n, :, region_names.index(r)] = v
    u = _factors(subs, members, seed + 1)
    ds = xr.Dataset(coords={"scenario": np.arange(S), "year": years, "network": np.array(nets, dtype=str),
                            "source": np.array(cats, dtype=str), "substance": np.array(subs, dtype=str),
                            "member": np.arange(u.shape[0]), "region": np.array(region_names, dtype=str)})
    ds = ds.assign_coords(network_region=("network", np.array([regions[n] for n in nets], dtype=str)))
    ds["loads"] = (("scenario", "year", "network", "source", "substance"), loads,
                   {"units": "t/yr", "long_name": "source loads of the embedded water networks with the package"})
    ds["loads_baseline"] = (("network", "source", "substance"), L0,
                            {"units": "t/yr", "long_name": "source loads, no measure"})
    for j, s in enumerate(subs):
        ds[REDUCTION_KEYS[s]] = (("scenario", "year", "member", "region"), C[:, :, None, :, j] * u[None, None, :, j, None],
                                 {"units": "t", "long_name": f"{s} load reduction of the package in the year"})
    return ds


@functools.lru_cache(maxsize=4)
def _carbon_baseline(base: str, last_year: int, members: int, seed: int):
    """The carbon model without measures, base year to *last_year*, with CO2 by sector and fuel
    (``detail``): the projection the carbon backend starts from (both methods)."""
    from .. import carbon
    from .backends import get_backend

    d = get_backend("carbon").drivers(base)
    return carbon.project(d, years=np.arange(d.base_year, last_year + 1), members=members, seed=seed, detail=True)


def _carbon_package(package: Package, years, base: str, members: int, seed: int):
    """(CO2 by (year, member, region, sector, fuel) [t/yr] with the package, without it, and whether the
    package has a carbon effect), from :func:`ecomodel.carbon.project` with the carbon backend's cuts."""
    from .. import carbon
    from .backends import get_backend
    from .schedule import reduction_schedule

    backend = get_backend("carbon")
    d = backend.drivers(base)
    if int(years[0]) < d.base_year:
        raise ScenarioError(f"carbon accounts: years start in {int(years[0])}, before the carbon base year "
                            f"{d.base_year}", field="start_year", value=int(years[0]), expected=f">= {d.base_year}")
    base_ds = _carbon_baseline(base, int(years[-1]), int(members), int(seed))
    for m in package.measures:
        for e in m.all_effects:
            if e.domain == "carbon":
                backend.check_effect(base, e)
    sched = reduction_schedule(package, years, "carbon", lambda e: backend.baseline_amount(base, e))
    cuts = backend._measures(base, sched, years) if sched.keys else []
    if not cuts:
        return base_ds.sel(year=years), base_ds.sel(year=years), False
    ds = carbon.project(d, years=base_ds["year"].values, members=members, seed=seed, detail=True, measures=cuts)
    return ds.sel(year=years), base_ds.sel(year=years), True


def carbon_accounts(packages: Sequence[Package] | Package, years: npt.ArrayLike, *, base: str = "demo",
                    members: int = 1, seed: int = 0, projections: Sequence[xr.Dataset | None] | None = None
                    ) -> xr.Dataset:
    """CO2 emissions by region and sector and the CO2 reduction of *packages* [t/yr, t].

    The numbers are those of the carbon model (:func:`ecomodel.carbon.project`) with the carbon
    backend's cuts of each package (:class:`~ecomodel.scenario.backends.carbon.CarbonBackend`,
    the cuts of its ``full`` method) and the scenario's members and seed; the sector split is the
    model's own ``detail`` output (CO2 by sector and fuel, summed over fuel; electricity carries the
    indirect part). ``co2_reduction_t`` is the baseline (no measure, same members) minus the
    package's ``co2_emissions``: of *projections* (the ``/carbon`` node of a run, one per package,
    None: the model with ``detail``) when given, so it is exactly the run's carbon projection with
    either method. A package without a carbon effect has zero reductions.

    Returns
    -------
    xarray.Dataset
        ``emissions_co2`` and ``emissions_co2_baseline`` [t/yr] over (scenario, year,
        carbon_region, carbon_sector) (ensemble means; ``emissions_co2_baseline`` without
        ``scenario``) and ``co2_reduction_t`` [t] over (scenario, year, member, region); regions
        are the carbon model's (常州市 — its whole inventory, not the sum of the districts held —
        武进, 天宁, 钟楼, 江阴市). In :func:`accounts` ``co2_reduction_t`` joins the shared
        ``region`` coordinate (0 where the carbon model has no region, as for water).

    Examples
    --------
    >>> from ecomodel.scenario import load_package
    >>> ds = carbon_accounts(load_package("changzhou_2023_key_projects"), [2023], members=2)
    >>> float(ds["co2_reduction_t"].max()), ds["emissions_co2"].dims
    (0.0, ('scenario', 'year', 'carbon_region', 'carbon_sector'))
    """
    import xarray as xr

    pkgs = [packages] if isinstance(packages, Package) else list(packages)
    years = np.asarray(years, dtype=int)
    projections = list(projections) if projections is not None else [None] * len(pkgs)
    emis, cut, base_ds = [], [], None
    for pkg, proj in zip(pkgs, projections, strict=True):
        ds, base_ds, acts = _carbon_package(pkg, years, base, members, seed)
        emis.append(ds["co2"].sum("fuel").mean("member").transpose("year", "region", "sector").values)
        total = ds["co2_emissions"] if proj is None else proj["co2_emissions"].sel(year=years)
        diff = (base_ds["co2_emissions"] - total.transpose(*base_ds["co2_emissions"].dims)) * 1e6  # Mt -> t
        cut.append(diff.transpose("year", "member", "region").values if acts else np.zeros(diff.shape))
    co2 = base_ds["co2"].sum("fuel")
    coords = {"scenario": np.arange(len(pkgs)), "year": years, "member": base_ds["member"].values,
              "region": base_ds["region"].values.astype(str), "carbon_region": base_ds["region"].values.astype(str),
              "carbon_sector": base_ds["sector"].values.astype(str)}
    out = xr.Dataset(coords=coords)
    out["emissions_co2"] = (("scenario", "year", "carbon_region", "carbon_sector"), np.stack(emis), {
        "units": "t/yr", "long_name": "CO2 emissions with the package (ensemble mean; direct + indirect)",
        "cell_methods": "member: mean", "comment": "ecomodel.carbon.project(detail=True), summed over fuel"})
    out["emissions_co2_baseline"] = (("year", "carbon_region", "carbon_sector"),
                                     co2.mean("member").transpose("year", "region", "sector").values, {
        "units": "t/yr", "long_name": "CO2 emissions without measures (ensemble mean; direct + indirect)",
        "cell_methods": "member: mean"})
    out["co2_reduction_t"] = (("scenario", "year", "member", "region"), np.stack(cut), {
        "units": "t", "long_name": "CO2 emission reduction of the package in the year",
        "comment": "carbon baseline minus the package's co2_emissions (the run's carbon projection), per member"})
    return out


def _region(name):
    if name is None:
        return None
    from .. import targets

    try:
        return targets.resolve_region(name)
    except EcomodelError:  # an air box name such as '武进' resolves through the registry aliases too
        return str(name)


def accounts(packages: Sequence[Package] | Package, years: npt.ArrayLike, *, base: str = "demo", members: int = 1,
             seed: int = 0, carbon: bool = False, carbon_projections: Sequence[xr.Dataset | None] | None = None
             ) -> xr.Dataset:
    """Air, water and (with *carbon*) CO2 accounts of *packages* merged: emissions, loads and every
    ``*_reduction_t``.

    *carbon* adds :func:`carbon_accounts` (``emissions_co2``, ``emissions_co2_baseline``,
    ``co2_reduction_t``; *carbon_projections* as its ``projections``) when the registered carbon
    backend is the embedded model; the years must then start at or after the carbon base year (2020).
    It is off by default: it runs the carbon model once per package with a carbon effect (about
    0.07 s at 100 members × 11 years, against about 0.008 s per package for air and water), and
    the tonnage targets it serves are air and water ones; :func:`scenario_accounts` (a run) turns
    it on when the scenario runs carbon.

    Examples
    --------
    >>> from ecomodel.scenario import load_package
    >>> ds = accounts(load_package("changzhou_2023_key_projects"), [2022, 2023])
    >>> round(float(ds["nox_reduction_t"].sel(year=2023, region="常州市").mean()))
    5207
    >>> round(float(ds["cod_reduction_t"].sel(year=2023, region="常州市").mean()))
    3993
    """
    from .backends import get_backend
    from .schedule import reduction_schedule

    single = isinstance(packages, Package)
    pkgs = [packages] if single else list(packages)
    years = np.asarray(years, dtype=int)
    backend = get_backend("air")
    scheds = []
    for p in pkgs:
        for m in p.measures:
            for e in m.all_effects:
                if e.domain == "air":
                    backend.check_effect(base, e)
        scheds.append(reduction_schedule(p, years, "air", lambda e: backend.baseline_amount(base, e)))
    air = air_accounts(scheds, years, base=base, members=members, seed=seed)
    water = water_accounts(pkgs, years, base=base, members=members, seed=seed)
    parts = [water.rename({"region": "water_region"})]
    if carbon and hasattr(get_backend("carbon"), "drivers"):
        co2 = carbon_accounts(pkgs, years, base=base, members=members, seed=seed, projections=carbon_projections)
        parts.append(co2.rename({"region": "co2_region"}).drop_vars("member"))
    ds = air.merge(parts[0], compat="override")
    for part in parts[1:]:
        ds = ds.merge(part, compat="override")
    for k, other in (("cod_reduction_t", "water_region"), ("nh3n_reduction_t", "water_region"),
                     ("tp_reduction_t", "water_region"), ("co2_reduction_t", "co2_region")):
        if k in ds and other in ds[k].dims:
            ds[k] = ds[k].rename({other: "region"})
    ds = _align_regions(ds)
    return ds.isel(scenario=0, drop=True) if single else ds


def _align_regions(ds):
    """One ``region`` coordinate for air and water reductions (water regions outside the air list are added;
    values are 0 where a domain has no account for a region)."""
    import xarray as xr

    out = xr.Dataset(attrs={"comment": "emission and load accounting (ecomodel.scenario.accounting)"})
    others = [c for c in ("water_region", "co2_region") if c in ds.coords]
    regions = list(dict.fromkeys([str(r) for r in ds["region"].values] +
                                 [str(r) for c in others for r in ds[c].values]))
    for v in ds.data_vars:
        da = ds[v]
        if "region" in da.dims:
            da = da.reindex(region=regions, fill_value=0.0).fillna(0.0)
        out[v] = da
    return out.drop_vars(others, errors="ignore")


def accountable(scenario: Scenario) -> bool:
    """Whether :func:`scenario_accounts` gives accounts for *scenario*: it runs air or water and the
    registered air and water backends are the embedded models (an inventory and a source table)."""
    from .backends import get_backend

    if not {"air", "water"} & set(scenario.domains):
        return False
    return hasattr(get_backend("air"), "demo") and hasattr(get_backend("water"), "source_table")


def scenario_accounts(scenario: Scenario, carbon: xr.Dataset | None = None) -> xr.Dataset | None:
    """The accounts of a scenario's package with the scenario's own years, base, members and seed.

    With ``carbon`` among the scenario's domains the CO2 accounts are added (:func:`carbon_accounts`);
    *carbon* is then the run's carbon projection (its ``/carbon`` node), from which
    ``co2_reduction_t`` is taken (None: the carbon model is run for it).

    None when the scenario runs neither air nor water (a carbon-only scenario has its CO2 in
    ``/carbon``), or when the registered air/water backends are not the embedded models (a :class:`~ecomodel.scenario.backends.LinearBackend` has no inventory
    to account: no ``demo`` air data, no water ``source_table``). A package without air (or water)
    measures still gets the baseline emissions (loads) with zero reductions. The root attributes
    name the settings (``base``, ``members``, ``seed``, ``start_year``, ``end_year``).

    Examples
    --------
    >>> from ecomodel.scenario import Scenario, load_package
    >>> sc = Scenario("w", package=load_package("wwtp_taihu_limits"), members=2, start_year=2024, end_year=2025)
    >>> ds = scenario_accounts(sc)
    >>> ds.sizes["member"], ds["year"].values.tolist(), float(ds["nox_reduction_t"].max())
    (2, [2024, 2025], 0.0)
    """
    if not accountable(scenario):
        return None
    ds = accounts(scenario.package, scenario.years, base=scenario.base, members=scenario.members, seed=scenario.seed,
                  carbon="carbon" in scenario.domains, carbon_projections=[carbon])
    ds.attrs.update({"title": f"emission and load accounts of package '{scenario.package.name}'",
                     "base": scenario.base, "members": scenario.members, "seed": scenario.seed,
                     "start_year": scenario.start_year, "end_year": scenario.end_year})
    return ds


def check_accounts(accounts: xr.Dataset, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tonnage targets checked from one set of accounts (:func:`accounts` of one package, or the
    ``/accounts`` node of a run): its ``*_reduction_t`` variables through
    :func:`ecomodel.targets.check` against *targets* (default: the registry's target rows).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`ecomodel.targets.check` — ``projected`` (ensemble mean of the
        reduction [t]), ``probability`` (share of members whose reduction meets the target),
        ``met`` (for the ensemble mean) — and ``met_rule`` (:data:`MET_RULE`), ``basis``
        (``'accounts'``) and ``domain`` (whose measures make the reduction,
        :data:`REDUCTION_DOMAINS`); an empty table when no target row matches.

    Examples
    --------
    >>> from ecomodel.scenario import load_package
    >>> t = check_accounts(accounts(load_package("changzhou_2023_key_projects"), [2023], carbon=False))
    >>> t.loc[t["indicator"] == "nox_reduction_t", ["target_value", "projected", "met", "met_rule", "basis"]
    ...       ].round(0).to_dict("records")
    [{'target_value': 5207.0, 'projected': 5207.0, 'met': True, 'met_rule': 'ensemble mean', 'basis': 'accounts'}]
    """
    import pandas as pd

    from .. import targets as registry
    from ..errors import TargetError

    keys = [k for k in accounts.data_vars if str(k).endswith("_reduction_t")]
    if not keys:
        return pd.DataFrame()
    try:
        t = registry.check(accounts[keys], targets, outside="skip")
    except TargetError as exc:
        if exc.field == "projection":  # no target row names these reductions at these places
            return pd.DataFrame()
        raise
    t.attrs = {}
    return t.assign(met_rule=MET_RULE, basis="accounts",
                    domain=[REDUCTION_DOMAINS.get(str(v), "") for v in t["variable"]])
