r"""Annual projections of TP, nitrogen (organic N, NH3-N, NO3-N, TN), CODcr and CODMn at the Taihu
inflow sections and in the lakes under a reduction package.

:func:`project` runs the Wujin demo year by year. Each year and member it

1. scales the source loads by that year's reductions (by category, optionally per reach and
   substance),
2. draws a wet or dry year (flows × *m*, runoff-driven loads × *m*, river velocities × m^0.4) and the
   calibrated TP parameters from their joint uncertainty,
3. solves the network at steady state (annual means), members in parallel (``prange``),
4. moves each lake's sediment P pool one year forward exactly (:func:`~ecomodel.water.lake.sediment_pool_step`)
   after the year's dredging, so dredging 滆湖 lowers its internal release in the following years;
   the dredged pool is resupplied over ``dredge_recovery_years`` (lakes.csv), so the benefit fades.

The result is an ``xarray.Dataset`` over ``(year, member, site)`` that
:func:`ecomodel.targets.check` accepts directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ecomodel._checks import as_float_array, check_members, check_seed, check_years
from ecomodel._members import block_generators, check_block
from ecomodel.errors import InputError, ScenarioError, SourceError
from ecomodel.units import DAYS_PER_YEAR

from ecomodel._cf import cf_attrs, conform

from .lake import dredge, dredging_recovery, sediment_pool_step
from .sources import N_SPECIES, _reduction_keys
from .steadystate import KG_PER_DAY_TO_MG_PER_L, loss_rate

if TYPE_CHECKING:
    import os

    import xarray as xr
    from matplotlib.figure import Figure

    from .sources import Reductions
    from .wujin import WujinDemo

__all__ = ["project", "lake_classes", "lake_sites", "schedule", "tonnes_to_fractions", "demo_package", "INDICATORS"]

#: substance -> indicator key of the target registry
INDICATORS = {"TP": "tp_concentration", "NH3-N": "nh3n_concentration", "COD": "cod_concentration",
              "OrgN": "orgn_concentration", "NO3-N": "no3n_concentration", "TN": "tn_concentration",
              "CODMn": "codmn_concentration"}
_LONG = {"TP": "total phosphorus", "NH3-N": "ammonia nitrogen", "COD": "chemical oxygen demand (CODcr)",
         "OrgN": "organic nitrogen", "NO3-N": "nitrate nitrogen", "TN": "total nitrogen",
         "CODMn": "permanganate index (CODMn)"}

#: parameters reported for lakes (GB 3838-2002 assesses TP and TN in lakes and reservoirs)
LAKE_PARAMETERS = ("TP", "TN", "NH3-N", "CODMn")


def schedule(reductions: Reductions | Mapping[int, Reductions] | xr.DataArray | None, years: Iterable[int]) -> dict:
    """Reductions in force each year: ``{year: {key: fraction}}``.

    *reductions* is None, one mapping applied every year, a schedule ``{year: mapping}`` (a step
    function: each entry holds until the next; none before the first), or an
    :class:`xarray.DataArray` over ``year`` and ``category`` [fraction].

    Examples
    --------
    >>> s = schedule({2023: {"wwtp": 0.1}, 2025: {"wwtp": 0.3}}, [2022, 2023, 2024, 2025])
    >>> [s[y].get("wwtp", 0.0) for y in (2022, 2023, 2024, 2025)]
    [0.0, 0.1, 0.1, 0.3]
    """
    years = [int(y) for y in years]
    if reductions is None:
        return {y: {} for y in years}
    if hasattr(reductions, "dims"):
        da = reductions
        if "year" not in da.dims or "category" not in da.dims:
            raise ScenarioError(f"reductions: DataArray needs 'year' and 'category' dimensions (dims {da.dims})",
                                field="reductions", value=da.dims, expected="year, category")
        reductions = {int(y): {str(c): float(da.sel(year=y, category=c)) for c in da["category"].values}
                      for y in da["year"].values}
    if not hasattr(reductions, "items"):
        raise ScenarioError(f"reductions: expected a mapping, got {type(reductions).__name__}", field="reductions",
                            value=type(reductions).__name__, expected="a dict")
    keys = list(reductions)
    is_schedule = bool(keys) and all(isinstance(k, (int, np.integer)) for k in keys)
    if not is_schedule:
        _reduction_keys(reductions)  # validate
        return {y: dict(reductions) for y in years}
    steps = sorted((int(k), v) for k, v in reductions.items())
    for _, v in steps:
        _reduction_keys(v)
    out = {}
    for y in years:
        current = {}
        for k, v in steps:
            if k <= y:
                current = dict(v)
        out[y] = current
    return out


def _lake_schedule(lake_measures, lakes, years) -> dict:
    """{(lake, year): (volume [m3], area [km2] or None)}."""
    out = {}
    if not lake_measures:
        return out
    if not hasattr(lake_measures, "items"):
        raise ScenarioError("lake_measures: expected {lake: {year: volume [m3]}}", field="lake_measures",
                            value=type(lake_measures).__name__, expected="a dict")
    for lake, plan in lake_measures.items():
        if lake not in lakes:
            from ecomodel.errors import close_matches

            raise ScenarioError(f"lake_measures: unknown lake {lake!r}" + close_matches(str(lake), lakes),
                                field="lake_measures", value=lake, expected=f"one of {list(lakes)}")
        for year, spec in plan.items():
            if isinstance(spec, dict):
                vol, area = spec.get("volume"), spec.get("area")
            else:
                vol, area = spec, None
            v = float(as_float_array(vol, f"lake_measures[{lake!r}][{year}].volume", error=ScenarioError)[0])
            out[(lake, int(year))] = (v, None if area is None else float(area))
    return out


def demo_package() -> dict:
    """A water reduction schedule built from the measures named in the plans (see SOURCES.md).

    Returns ``{"reductions": schedule, "lake_measures": {...}}``; fractions are relative to 2021
    loads and cumulative.

    Examples
    --------
    >>> p = demo_package()
    >>> p["lake_measures"]["滆湖"][2023]["volume"]
    1500000.0
    """
    return {
        "reductions": {
            2022: {"wwtp": 0.05, "industry": 0.10, "rural_domestic": 0.10},
            2023: {"wwtp": 0.10, "industry": 0.25, "agriculture": 0.02, "aquaculture": 0.15, "rural_domestic": 0.25},
            2024: {"wwtp": 0.20, "industry": 0.30, "agriculture": 0.04, "aquaculture": 0.25, "rural_domestic": 0.30},
            2025: {"wwtp": 0.40, "industry": 0.35, "agriculture": 0.06, "aquaculture": 0.35, "rural_domestic": 0.35,
                   "urban_runoff": 0.10},
        },
        "lake_measures": {"滆湖": {2023: {"volume": 1.5e6, "area": 10.0}}},
    }


def tonnes_to_fractions(tonnes: dict, *, categories: Sequence[str] | None = None, share: float = 1.0,
                        data: WujinDemo | None = None, reductions: Reductions | None = None) -> dict:
    """Convert tonnes removed per year into reduction fractions of the demo loads.

    The tonnes (e.g. the 2023 Changzhou key-project cuts COD 3993 t and NH3-N 225 t, plan 004:19)
    are multiplied by *share* — the part assumed to fall in the modelled catchment — and spread over
    *categories* in proportion to their loads.

    Parameters
    ----------
    tonnes : dict
        ``{substance: t/yr}``, substances among ``TP``, ``NH3-N``, ``COD``.
    categories : list of str, optional
        Source categories that deliver the cut (default: ``wwtp``, ``industry``).
    share : float
        Share of the tonnes removed inside the modelled catchment [1].
    data : WujinDemo, optional
    reductions : mapping, optional
        Reductions already in force (the fractions are of the loads left after them).

    Returns
    -------
    dict
        ``{(category, None, substance): fraction}``, usable as (part of) *reductions*.

    Raises
    ------
    SourceError
        The cut exceeds the loads of the categories.

    Examples
    --------
    >>> f = tonnes_to_fractions({"COD": 3993, "NH3-N": 225}, share=0.05)
    >>> sorted({k[2] for k in f})
    ['COD', 'NH3-N']
    >>> all(0 < v < 1 for v in f.values())
    True
    """
    from .wujin import demo

    d = demo() if data is None else data
    cats = list(categories) if categories is not None else ["wwtp", "industry"]
    sh = float(as_float_array(share, "share", error=SourceError)[0])
    if sh > 1:
        raise SourceError(f"share: {share}; expected a share in [0, 1]", field="share", value=share, expected="0-1")
    totals = d.all_sources().totals(reductions)
    unknown = [c for c in cats if c not in totals.index]
    if unknown:
        from ecomodel.errors import close_matches

        raise SourceError(f"categories: unknown category {unknown[0]!r}" + close_matches(unknown[0], totals.index),
                          field="categories", value=unknown[0], expected=f"one of {list(totals.index)}")
    out = {}
    for sub, t in tonnes.items():
        if sub not in totals.columns:
            raise SourceError(f"tonnes: unknown substance {sub!r}; expected one of {list(totals.columns)}",
                              field="tonnes", value=sub, expected=str(list(totals.columns)))
        cut = float(as_float_array(t, f"tonnes[{sub}]", error=SourceError)[0]) * sh
        available = float(totals.loc[cats, sub].sum())
        if cut > available:
            raise SourceError(f"tonnes[{sub!r}]: {cut:.4g} t/yr to remove but categories {cats} carry only "
                              f"{available:.4g} t/yr in the modelled catchment; lower 'share' or add categories",
                              field="tonnes", value=cut, expected=f"<= {available:.4g} t/yr")
        frac = cut / available if available > 0 else 0.0
        for c in cats:
            out[(c, None, sub)] = frac
    return out


def _parameter_draws(d, members, rng, uncertain: bool, ensemble: int | None = None):
    """(member, 2) calibrated TP multipliers of *members* members; the ensemble mean when the whole
    *ensemble* (default: *members*) has one member or without parameter uncertainty."""
    names = ["tp_diffuse_multiplier", "tp_river_loss_multiplier"]
    mean = np.array([d.parameter(n) for n in names])
    if not uncertain or (members if ensemble is None else ensemble) == 1:
        return np.repeat(mean[None, :], members, axis=0)
    cov_t = d.calibration_covariance
    if cov_t is not None and set(names) <= set(cov_t.index):
        cov = cov_t.loc[names, names].to_numpy(float)
    else:
        se = np.array([float(d.calibration.loc[n, "se"]) if n in d.calibration.index else 0.0 for n in names])
        cov = np.diag(np.where(np.isfinite(se), se, 0.0) ** 2)
    draws = rng.multivariate_normal(mean, cov, size=members, method="eigh")
    return np.clip(draws, 0.2, 5.0)


def project(reductions: Reductions | Mapping[int, Reductions] | xr.DataArray | None = None,
            years: Iterable[int] = range(2021, 2031), members: int = 50, seed: int | np.random.Generator | None = 0, *,
            lake_measures: Mapping[str, Mapping[int, float | Mapping[str, float]]] | None = None,
            data: WujinDemo | None = None, hydrology_cv: float = 0.15, parameter_uncertainty: bool = True,
            load_cv: float = 0.2, member_block: tuple[int, int] | None = None) -> "xr.Dataset":
    """Annual means of TP, the N species and TN, NH3-N, CODcr and CODMn at the demo sections and
    lakes under a reduction package.

    Parameters
    ----------
    reductions : mapping, schedule or DataArray, optional
        Source reductions as fractions [0-1] keyed by category, ``(category, reach)`` or
        ``(category, reach, substance)``; a schedule ``{year: reductions}`` (step function); or a
        DataArray over ``year`` and ``category`` (see :func:`schedule`).
    years : iterable of int
        Years to project [year]; consecutive (the sediment pool steps one year at a time).
    members : int
        Ensemble members. Their draws (TP parameters, flow and load multipliers) come in blocks of
        :data:`ecomodel._members.MEMBER_BLOCK` members, each from its own child of the seed, so a
        member's numbers do not depend on the ensemble size beyond its block.
    seed : int or numpy.random.Generator
        Random seed (same seed, same numbers).
    lake_measures : dict, optional
        ``{lake: {year: volume [m3] or {"volume": m3, "area": km2}}}`` dredging, applied at the start
        of the year. The removed pool is resupplied with the lake's ``dredge_recovery_years``
        timescale (see :func:`~ecomodel.water.lake.dredging_recovery`), so the benefit fades.
    data : WujinDemo, optional
        Demo data (default :func:`ecomodel.water.demo`).
    hydrology_cv : float
        Coefficient of variation of the annual flow multiplier (lognormal, mean 1) [1].
    parameter_uncertainty : bool
        Draw the calibrated TP parameters from their covariance.
    load_cv : float
        Coefficient of variation of member multipliers on the diffuse loads of every substance but
        TP (which are not calibrated) [1].
    member_block : (int, int), optional
        Compute members ``start`` to ``stop - 1`` of the *members*-member ensemble only, on block
        boundaries (an integer seed is needed): bit-identical to that slice of the whole ensemble,
        so blocks can be computed apart (e.g. on a cluster) and joined along ``member``.

    Returns
    -------
    xarray.Dataset
        Over ``(year, member, site)`` [mg/L]: ``tp_concentration``, ``orgn_concentration``,
        ``nh3n_concentration``, ``no3n_concentration``, ``tn_concentration`` (their sum),
        ``cod_concentration`` (CODcr), ``codmn_concentration``, and ``flow`` [m3/s]. Over
        ``(year, member, lake)``: ``lake_tp_concentration``, ``lake_tn_concentration``,
        ``lake_nh3n_concentration``, ``lake_codmn_concentration`` [mg/L] (GB 3838 lake classes:
        :func:`lake_classes`), ``sediment_p`` [t] at the start of the year and ``internal_load``
        [t/yr].

    Examples
    --------
    >>> ds = project(years=[2021, 2022], members=4, seed=1)
    >>> ds["tp_concentration"].dims, ds["lake_tn_concentration"].dims
    (('year', 'member', 'site'), ('year', 'member', 'lake'))
    >>> round(float(ds["tp_concentration"].sel(year=2021, site="姚巷桥").mean()), 2)
    0.15
    """
    from .wujin import demo

    years = _check_years(years)
    M = check_members(members)
    seed = check_seed(seed)
    block = check_block(member_block, M, seed)
    for name, v in (("hydrology_cv", hydrology_cv), ("load_cv", load_cv)):
        as_float_array(v, name)
    d = demo() if data is None else data  # after the argument checks: a bad argument costs no data loading
    plan = schedule(reductions, years)
    run = _Run.build(d, M, block, seed, years, parameter_uncertainty, hydrology_cv, load_cv)
    dredging = _lake_schedule(lake_measures, run.lakes, years)
    for yi, year in enumerate(years):
        run.dredge(year, dredging)
        local = run.year_loads(yi, plan[year])
        res, inflow, share, q = run.solve(yi, local)
        run.record(yi, res, q)
        run.step_pools(yi, inflow, share)
    return conform(run.dataset(years, seed, hydrology_cv))


def _check_years(years) -> list:
    years = check_years(years)
    if any(b - a != 1 for a, b in zip(years, years[1:])):
        raise InputError(f"years: {years} are not consecutive; the sediment pool steps one year at a time",
                         field="years", value=years, expected="consecutive years")
    return years


class _Run:
    """State of one :func:`project` run: member draws, rates, lake pools and the outputs so far."""

    @classmethod
    def build(cls, d, members, block, seed, years, parameter_uncertainty, hydrology_cv, load_cv) -> "_Run":
        """Draws of members ``block[0]`` to ``block[1] - 1`` of a *members*-member ensemble, block by
        block (:func:`ecomodel._members.block_generators`): per block the TP parameters, then the
        (year, member) flow multipliers, then the (member, substance) load multipliers."""
        from .steadystate import _transfer_table, decay_part

        r = cls()
        M = block[1] - block[0]
        r.d, r.M, r.first, r.members, r.net = d, M, block[0], members, d.network
        r.subs = list(d.substances)
        S = len(r.subs)
        r.itp = r.subs.index("TP")
        sig_h = np.sqrt(np.log1p(float(hydrology_cv) ** 2))
        sig_l = np.sqrt(np.log1p(float(load_cv) ** 2))
        theta, flow, load = [], [], []
        for lo, hi, rng in block_generators(seed, members, *block):
            theta.append(_parameter_draws(d, hi - lo, rng, parameter_uncertainty, ensemble=members))
            flow.append(np.exp(sig_h * rng.standard_normal((len(years), hi - lo)) - 0.5 * sig_h ** 2))
            load.append(np.exp(sig_l * rng.standard_normal((hi - lo, S)) - 0.5 * sig_l ** 2))
        r.theta = np.concatenate(theta, axis=0)
        r.flow_mult = np.ascontiguousarray(np.concatenate(flow, axis=1))
        r.load_mult = np.concatenate(load, axis=0)
        r.load_mult[:, r.itp] = 1.0  # TP uncertainty comes from the calibrated parameters
        net = r.net
        # rates at the demo temperature; river TP settling is scaled per member
        unscaled = d.with_parameters(tp_river_loss_multiplier=1.0)
        r.rate_base = loss_rate(net, d.decay_rates(), unscaled.settling_velocities(), temperature=d.temperature,
                                theta=d.theta(), substances=r.subs)
        r.decay = decay_part(net, d.decay_rates(), d.temperature, d.theta(), r.subs)
        r.items = _transfer_table(d.transfers(), r.subs)
        r.river = ~net.is_lake
        depth = np.where(net.depth > 0, net.depth, 1.0)
        r.river_settle_rate = np.where(r.river, unscaled.settling_velocities()["TP"] / depth, 0.0)
        r.lakes = dict(d.lakes)
        lake_names = list(net.lakes["lake"])
        r.lake_pos = {name: int(np.nonzero(net.lake_of == lake_names.index(name))[0][0])
                      for name in r.lakes if name in lake_names}
        r.pools = {name: np.full(M, lk.sediment_p) for name, lk in r.lakes.items()}
        r.deficit = {name: np.zeros(M) for name in r.lakes}
        r.site_names, r.spos = net.section_positions()
        T, K, L = len(years), len(r.site_names), len(r.lakes)
        r.out = np.zeros((T, M, K, S))
        r.out_flow = np.zeros((T, M, K))
        r.out_lake = np.zeros((T, M, L, S))
        r.out_pool = np.zeros((T, M, L))
        r.out_internal = np.zeros((T, M, L))
        return r

    def dredge(self, year, dredging) -> None:
        """Dredging at the start of *year*; the removed pool joins the deficit that is resupplied."""
        for name, lk in self.lakes.items():
            if (name, year) in dredging:
                vol, area = dredging[(name, year)]
                before = self.pools[name]
                self.pools[name] = dredge(before, vol, lk.area, dredged_area=area, active_layer=lk.active_layer)
                self.deficit[name] = self.deficit[name] + (before - self.pools[name])

    def year_loads(self, yi, reductions) -> np.ndarray:
        """(member, reach, substance) loads [kg/d]: constant part + runoff part x m, TP diffuse x the
        calibrated multiplier, other diffuse loads x the member's load multiplier, lake release."""
        from .wujin import DIFFUSE_CATEGORIES

        M, net, subs, itp = self.M, self.net, self.subs, self.itp
        n, S = net.n_reaches, len(subs)
        t = _apply(self.d.sources.table, reductions, subs)
        pos = net.positions(t["reach"])
        vals = t[subs].to_numpy(float) * (1000.0 / DAYS_PER_YEAR)  # kg/d
        runoff = t["runoff"].astype(bool).to_numpy()
        diffuse = t["category"].isin(DIFFUSE_CATEGORIES).to_numpy()
        m = self.flow_mult[yi]
        local = np.zeros((M, n, S))
        other = [k for k in range(S) if k != itp]
        for gi, mask in enumerate([(~runoff & ~diffuse), (~runoff & diffuse), (runoff & ~diffuse),
                                   (runoff & diffuse)]):
            if not mask.any():
                continue
            base = np.zeros((n, S))
            np.add.at(base, pos[mask], vals[mask])
            fac = np.ones((M, S))
            if gi >= 2:
                fac *= m[:, None]
            if gi in (1, 3):
                fac[:, itp] *= self.theta[:, 0]
                fac[:, other] *= self.load_mult[:, other]
            local += fac[:, None, :] * base[None, :, :]
        for name, i in self.lake_pos.items():
            local[:, i, itp] += self.lakes[name].release_rate * self.pools[name] * (1000.0 / DAYS_PER_YEAR)
        return local

    def solve(self, yi, local):
        """Steady solve of every member: (loads leaving, loads entering, shares, flows)."""
        from ._kernels import _steady_members, _steady_members_coupled
        from .steadystate import _coupling_arrays

        net, M, itp = self.net, self.M, self.itp
        n, S = net.n_reaches, len(self.subs)
        m = self.flow_mult[yi]
        rate = np.broadcast_to(self.rate_base, (M, n, S)).copy()
        rate[:, :, itp] += self.river_settle_rate[None, :] * (self.theta[:, 1:2] - 1.0)
        tau = np.where(self.river[None, :], net.travel_time[None, :] * m[:, None] ** -0.4,
                       net.travel_time[None, :] / m[:, None])
        ktau = rate * tau[:, :, None]
        share = np.ascontiguousarray(np.where(self.river[None, :, None], np.exp(-ktau), 1.0 / (1.0 + ktau)))
        res = np.zeros((M, n, S))
        inflow = np.empty((M, n, S))
        local = np.ascontiguousarray(local)
        if self.items:
            pf, pt, coup = _coupling_arrays(tau, ~self.river, rate, np.broadcast_to(self.decay, rate.shape),
                                            self.items)
            _steady_members_coupled(net.down, net.sp_ptr, net.sp_idx, net.sp_w, local, share, pf, pt,
                                    np.ascontiguousarray(coup), res, inflow)
        else:
            _steady_members(net.down, net.sp_ptr, net.sp_idx, net.sp_w, local, share, res, inflow)
        return res, inflow, share, net.flow[None, :] * m[:, None]

    def record(self, yi, res, q) -> None:
        conc = res * (KG_PER_DAY_TO_MG_PER_L / q[:, :, None])
        self.out[yi] = conc[:, self.spos, :]
        self.out_flow[yi] = q[:, self.spos]
        for li, name in enumerate(self.lakes):
            if name in self.lake_pos:
                self.out_lake[yi, :, li] = conc[:, self.lake_pos[name], :]

    def step_pools(self, yi, inflow, share) -> None:
        """Sediment pools: one exact year step with this year's external load, then the resupply of
        the dredged deficit."""
        itp = self.itp
        for li, (name, lk) in enumerate(self.lakes.items()):
            self.out_pool[yi, :, li] = self.pools[name]
            internal = lk.release_rate * self.pools[name]
            self.out_internal[yi, :, li] = internal
            if name not in self.lake_pos:
                continue
            i = self.lake_pos[name]
            external = inflow[:, i, itp] * (DAYS_PER_YEAR / 1000.0) - internal
            alpha = 1.0 - share[:, i, itp]
            pool = sediment_pool_step(self.pools[name], np.maximum(external, 0.0), alpha, lk.release_rate,
                                      lk.burial_rate, 1.0)
            refill = dredging_recovery(self.deficit[name], lk.dredge_recovery_years, 1.0)
            self.pools[name] = pool + refill
            self.deficit[name] = self.deficit[name] - refill

    def dataset(self, years, seed, hydrology_cv) -> "xr.Dataset":
        import xarray as xr

        net, subs = self.net, self.subs
        names = self.site_names
        sec = net.sections.loc[names]
        coords = {"year": ("year", np.asarray(years)), "member": ("member", np.arange(self.first, self.first + self.M)),
                  "site": ("site", np.asarray(names, dtype=object), {"long_name": "monitoring section"}),
                  "name_en": ("site", sec["name_en"].to_numpy(dtype=object) if "name_en" in sec
                              else np.asarray(names)),
                  "lake": ("lake", np.asarray(list(self.lakes), dtype=object)),
                  "lake_name_en": ("lake", np.asarray([lk.name_en for lk in self.lakes.values()], dtype=object))}
        if "waterbody" in sec:
            coords["waterbody"] = ("site", sec["waterbody"].to_numpy(dtype=object))
        data = _site_variables(self.out, subs)
        data["flow"] = (("year", "member", "site"), self.out_flow,
                        cf_attrs("m3/s", "annual-mean flow", "water_volume_transport_in_river_channel", "time: mean"))
        data.update(_lake_variables(self.out_lake, subs))
        data["sediment_p"] = (("year", "member", "lake"), self.out_pool,
                              cf_attrs("t", "mobile sediment phosphorus pool at the start of the year"))
        data["internal_load"] = (("year", "member", "lake"), self.out_internal,
                                 cf_attrs("t/yr", "internal phosphorus release from the sediment pool"))
        return xr.Dataset(data, coords=coords, attrs={
            "title": "projected annual-mean water quality at the Taihu inflow sections and lakes (Wujin demo)",
            "seed": str(seed) if not isinstance(seed, np.random.Generator) else "generator",
            "hydrology_cv": float(hydrology_cv), "members": self.members,
            "source": "ecomodel.water.project",
        })


def _with_tn(values: np.ndarray, subs: list) -> tuple[list, np.ndarray]:
    """Append TN (sum of the N species) on the last axis when every species is modelled."""
    if not all(s in subs for s in N_SPECIES):
        return list(subs), values
    tn = values[..., [subs.index(s) for s in N_SPECIES]].sum(axis=-1, keepdims=True)
    return list(subs) + ["TN"], np.concatenate([values, tn], axis=-1)


def _site_variables(out: np.ndarray, subs: list) -> dict:
    names, vals = _with_tn(out, subs)
    return {INDICATORS[s]: (("year", "member", "site"), vals[..., k],
                            cf_attrs("mg/L", f"annual-mean {_LONG[s]} concentration", cell_methods="time: mean",
                                     parameter=s))
            for k, s in enumerate(names)}


def _lake_variables(out_lake: np.ndarray, subs: list) -> dict:
    """Lake concentrations of the GB 3838 lake parameters (classes: :func:`lake_classes`)."""
    names, vals = _with_tn(out_lake, subs)
    data = {}
    for s in LAKE_PARAMETERS:
        if s not in names:
            continue
        c = vals[..., names.index(s)]
        key = INDICATORS[s].replace("_concentration", "")
        data[f"lake_{key}_concentration"] = (("year", "member", "lake"), c,
                                             cf_attrs("mg/L", f"annual-mean {_LONG[s]} concentration in the lake",
                                                      cell_methods="time: mean", parameter=s))
    return data


def lake_classes(ds: "xr.Dataset") -> "xr.Dataset":
    """GB 3838-2002 lake classes of the annual-mean lake concentrations of a :func:`project` result.

    Adds ``lake_tp_class``, ``lake_tn_class``, ``lake_nh3n_class``, ``lake_codmn_class`` (1–5 for
    classes I–V, 6 for 劣V) and ``lake_class``, the worst of TP, NH3-N and CODMn (GB 3838 lakes
    rate TN apart), over ``(year, member, lake)``. Classes are kept out of :func:`project` itself
    because they do not superpose (the scenario surface adds concentration responses).

    Examples
    --------
    >>> ds = lake_classes(project(years=[2021], members=2, seed=0))
    >>> int(ds["lake_class"].sel(lake="滆湖").max()) >= 1
    True
    """
    import xarray as xr

    from ecomodel.standards import water_class

    out = ds.copy()
    worst = None
    for s in LAKE_PARAMETERS:
        key = INDICATORS[s].replace("_concentration", "")
        name = f"lake_{key}_concentration"
        if name not in ds:
            continue
        cls = xr.DataArray(np.asarray(water_class(s, ds[name].values, "lake"), dtype=np.int64), dims=ds[name].dims,
                           coords=ds[name].coords,
                           attrs={"long_name": f"GB 3838-2002 lake class of the annual-mean {s} (6 = 劣V)",
                                  "units": "1", "parameter": s})
        out[f"lake_{key}_class"] = cls
        if s != "TN":
            worst = cls if worst is None else np.maximum(worst, cls)
    if worst is not None:
        out["lake_class"] = worst.assign_attrs(long_name="GB 3838-2002 lake class over TP, NH3-N and CODMn (TN "
                                                         "rated apart)", units="1")
    return out


def _apply(table, reductions, subs):
    from .sources import apply_reductions

    return apply_reductions(table.assign(**{}), reductions, subs)


def lake_sites(ds: "xr.Dataset") -> "xr.Dataset":
    """The lake variables of a :func:`project` result as sites, for :func:`ecomodel.targets.check`.

    ``lake_tp_concentration`` … over ``(year, member, lake)`` become ``tp_concentration``,
    ``tn_concentration``, ``nh3n_concentration``, ``codmn_concentration`` over ``(year, member,
    site)`` with the lake names as sites (a registry target on site ``滆湖`` then matches).

    Examples
    --------
    >>> s = lake_sites(project(years=[2021], members=2, seed=0))
    >>> list(s["site"].values), s["tn_concentration"].dims
    (['滆湖', '竺山湖', '太湖'], ('year', 'member', 'site'))
    """
    out = {}
    for s in LAKE_PARAMETERS:
        key = INDICATORS[s]
        name = f"lake_{key.replace('_concentration', '')}_concentration"
        if name in ds:
            out[key] = ds[name].rename(lake="site")
    import xarray as xr

    res = xr.Dataset(out)
    if "lake_name_en" in res.coords:
        res = res.rename({"lake_name_en": "name_en"})
    return res.assign_attrs(ds.attrs)


def plot_lakes(package: "xr.Dataset", baseline: "xr.Dataset | None" = None, *, parameters: Sequence[str] = ("TP", "TN"),
               path: str | os.PathLike | None = None) -> Figure:
    """Lake TP and TN trajectories (ensemble median and 5–95 % band) under a package, one panel per
    lake and parameter, with the baseline's median dashed and the GB 3838 class III lake limit.

    Parameters
    ----------
    package, baseline : xarray.Dataset
        :func:`project` results (e.g. under :func:`demo_package` and without measures).
    parameters : sequence of str
        Lake parameters among ``TP``, ``TN``, ``NH3-N``, ``CODMn``.
    path : str or Path, optional
        Also save the figure (PNG/SVG/PDF).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> p = demo_package()
    >>> ds = project(p["reductions"], years=range(2021, 2024), members=3, lake_measures=p["lake_measures"])
    >>> fig = plot_lakes(ds)
    >>> len(fig.axes)      # TP and TN for 滆湖, 竺山湖 and 太湖
    6
    """
    from matplotlib.figure import Figure

    from ecomodel.plot import _finish
    from ecomodel.standards import water_limits

    lakes = list(package["lake"].values)
    fig = Figure(figsize=(3.6 * len(lakes), 2.8 * len(parameters)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(parameters), len(lakes), squeeze=False))
    years = package["year"].values
    for r, s in enumerate(parameters):
        name = f"lake_{INDICATORS.get(s, s).replace('_concentration', '')}_concentration"
        if name not in package:
            raise InputError(f"parameters: {s!r} has no lake variable {name!r} in the projection", field="parameters",
                             value=s, expected=f"one of {list(LAKE_PARAMETERS)}")
        limit = float(water_limits(s, "lake").limits[2])
        for c, lake in enumerate(lakes):
            ax = axes[r, c]
            da = package[name].sel(lake=lake)
            lo, mid, hi = (da.quantile(q, "member").values for q in (0.05, 0.5, 0.95))
            ax.fill_between(years, lo, hi, color="C0", alpha=0.25, linewidth=0)
            ax.plot(years, mid, color="C0", label="package")
            if baseline is not None:
                ax.plot(years, baseline[name].sel(lake=lake).median("member").values, "--", color="0.4",
                        label="baseline")
            ax.axhline(limit, color="#2ca02c", linewidth=0.8, label="class III")
            en = str(package["lake_name_en"].sel(lake=lake).item()) if "lake_name_en" in package.coords else lake
            ax.set_title(f"{en}: {s}", fontsize=9)
            ax.set_ylabel("mg/L")
            if r == 0 and c == 0:
                ax.legend(fontsize=7)
    return _finish(fig, path)
