r"""Annual projections of TP, NH3-N and COD at the Taihu inflow sections under a reduction package.

:func:`project` runs the Wujin demo year by year. Each year and member it

1. scales the source loads by that year's reductions (by category, optionally per reach and
   substance),
2. draws a wet or dry year (flows × *m*, runoff-driven loads × *m*, river velocities × m^0.4) and the
   calibrated TP parameters from their joint uncertainty,
3. solves the network at steady state (annual means), members in parallel (``prange``),
4. moves each lake's sediment P pool one year forward exactly (:func:`~ecomodel.water.lake.sediment_pool_step`)
   after the year's dredging, so dredging 滆湖 lowers its internal release in the following years.

The result is an ``xarray.Dataset`` over ``(year, member, site)`` that
:func:`ecomodel.targets.check` accepts directly.
"""

from __future__ import annotations

import numpy as np

from ecomodel._checks import as_float_array
from ecomodel.errors import InputError, ScenarioError, SourceError
from ecomodel.units import DAYS_PER_YEAR

from .lake import dredge, sediment_pool_step
from .sources import _reduction_keys
from .steadystate import KG_PER_DAY_TO_MG_PER_L, loss_rate

__all__ = ["project", "schedule", "tonnes_to_fractions", "demo_package", "INDICATORS"]

#: substance -> indicator key of the target registry
INDICATORS = {"TP": "tp_concentration", "NH3-N": "nh3n_concentration", "COD": "cod_concentration"}
_LONG = {"TP": "total phosphorus", "NH3-N": "ammonia nitrogen", "COD": "chemical oxygen demand (CODcr)"}


def schedule(reductions, years) -> dict:
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


def tonnes_to_fractions(tonnes: dict, *, categories=None, share: float = 1.0, data=None, reductions=None) -> dict:
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


def _parameter_draws(d, members, rng, uncertain: bool):
    names = ["tp_diffuse_multiplier", "tp_river_loss_multiplier"]
    mean = np.array([d.parameter(n) for n in names])
    if not uncertain or members == 1:
        return np.repeat(mean[None, :], members, axis=0)
    cov_t = d.calibration_covariance
    if cov_t is not None and set(names) <= set(cov_t.index):
        cov = cov_t.loc[names, names].to_numpy(float)
    else:
        se = np.array([float(d.calibration.loc[n, "se"]) if n in d.calibration.index else 0.0 for n in names])
        cov = np.diag(np.where(np.isfinite(se), se, 0.0) ** 2)
    draws = rng.multivariate_normal(mean, cov, size=members, method="eigh")
    return np.clip(draws, 0.2, 5.0)


def project(reductions=None, years=range(2021, 2031), members=50, seed=0, *, lake_measures=None, data=None,
            hydrology_cv=0.15, parameter_uncertainty=True, load_cv=0.2):
    """Annual-mean TP, NH3-N and COD at the demo sections under a reduction package.

    Parameters
    ----------
    reductions : mapping, schedule or DataArray, optional
        Source reductions as fractions [0-1] keyed by category, ``(category, reach)`` or
        ``(category, reach, substance)``; a schedule ``{year: reductions}`` (step function); or a
        DataArray over ``year`` and ``category`` (see :func:`schedule`).
    years : iterable of int
        Years to project [year]; consecutive (the sediment pool steps one year at a time).
    members : int
        Ensemble members.
    seed : int or numpy.random.Generator
        Random seed (same seed, same numbers).
    lake_measures : dict, optional
        ``{lake: {year: volume [m3] or {"volume": m3, "area": km2}}}`` dredging, applied at the start
        of the year.
    data : WujinDemo, optional
        Demo data (default :func:`ecomodel.water.demo`).
    hydrology_cv : float
        Coefficient of variation of the annual flow multiplier (lognormal, mean 1) [1].
    parameter_uncertainty : bool
        Draw the calibrated TP parameters from their covariance.
    load_cv : float
        Coefficient of variation of member multipliers on NH3-N and COD diffuse loads (which are not
        calibrated) [1].

    Returns
    -------
    xarray.Dataset
        ``tp_concentration``, ``nh3n_concentration``, ``cod_concentration`` [mg/L] over
        ``(year, member, site)``, plus ``flow`` [m3/s] and ``sediment_p`` [t] over
        ``(year, member, lake)``.

    Examples
    --------
    >>> ds = project(years=[2021, 2022], members=4, seed=1)
    >>> ds["tp_concentration"].dims
    ('year', 'member', 'site')
    >>> round(float(ds["tp_concentration"].sel(year=2021, site="姚巷桥").mean()), 2)
    0.15
    """
    import xarray as xr

    from ecomodel._cf import cf_attrs

    from ._kernels import _steady_members
    from .wujin import DIFFUSE_CATEGORIES, demo

    d = demo() if data is None else data
    years = [int(y) for y in years]
    if not years:
        raise InputError("years: empty; expected at least one year", field="years", value=years, expected=">= 1 year")
    if any(b - a != 1 for a, b in zip(years, years[1:])):
        raise InputError(f"years: {years} are not consecutive; the sediment pool steps one year at a time",
                         field="years", value=years, expected="consecutive years")
    M = int(members)
    if M < 1:
        raise InputError(f"members: {members}; expected >= 1", field="members", value=members, expected=">= 1")
    for name, v in (("hydrology_cv", hydrology_cv), ("load_cv", load_cv)):
        as_float_array(v, name)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    plan = schedule(reductions, years)
    lakes = dict(d.lakes)
    dredging = _lake_schedule(lake_measures, lakes, years)

    net = d.network
    n = net.n_reaches
    subs = list(d.substances)
    S = len(subs)
    itp = subs.index("TP")
    table = d.sources.table

    # member draws
    theta = _parameter_draws(d, M, rng, parameter_uncertainty)
    sig_h = np.sqrt(np.log1p(float(hydrology_cv) ** 2))
    flow_mult = np.exp(sig_h * rng.standard_normal((len(years), M)) - 0.5 * sig_h ** 2)
    sig_l = np.sqrt(np.log1p(float(load_cv) ** 2))
    load_mult = np.exp(sig_l * rng.standard_normal((M, S)) - 0.5 * sig_l ** 2)
    load_mult[:, itp] = 1.0  # TP uncertainty comes from the calibrated parameters

    # rates at the demo temperature; river TP settling is scaled per member
    rate_base = loss_rate(net, d.decay_rates(), d.with_parameters(tp_river_loss_multiplier=1.0).settling_velocities(),
                          temperature=d.temperature, theta=d.theta(), substances=subs)
    settle_tp = d.with_parameters(tp_river_loss_multiplier=1.0).settling_velocities()["TP"]
    river = ~net.is_lake
    depth = np.where(net.depth > 0, net.depth, 1.0)
    river_settle_rate = np.where(river, settle_tp / depth, 0.0)  # part of the TP rate scaled by the multiplier
    lake_names = list(net.lakes["lake"])
    lake_pos = {name: int(np.nonzero(net.lake_of == lake_names.index(name))[0][0]) for name in lakes if name in lake_names}

    pools = {name: np.full(M, lk.sediment_p) for name, lk in lakes.items()}
    names, spos = net.section_positions()
    out = np.zeros((len(years), M, len(names), S))
    out_flow = np.zeros((len(years), M, len(names)))
    out_pool = np.zeros((len(years), M, len(lakes)))

    for yi, year in enumerate(years):
        for name in lakes:
            if (name, year) in dredging:
                vol, area = dredging[(name, year)]
                lk = lakes[name]
                pools[name] = dredge(pools[name], vol, lk.area, dredged_area=area, active_layer=lk.active_layer)
        t = _apply(table, plan[year], subs)
        pos = net.positions(t["reach"])
        vals = t[subs].to_numpy(float) * (1000.0 / DAYS_PER_YEAR)  # kg/d
        runoff = t["runoff"].astype(bool).to_numpy()
        diffuse = t["category"].isin(DIFFUSE_CATEGORIES).to_numpy()
        m = flow_mult[yi]  # (M,)
        # loads (M, n, S): constant part + runoff part x m, TP diffuse x multiplier, NH3-N/COD diffuse x load_mult
        local = np.zeros((M, n, S))
        groups = [(~runoff & ~diffuse), (~runoff & diffuse), (runoff & ~diffuse), (runoff & diffuse)]
        for gi, mask in enumerate(groups):
            if not mask.any():
                continue
            base = np.zeros((n, S))
            np.add.at(base, pos[mask], vals[mask])
            fac = np.ones((M, S))
            if gi >= 2:
                fac *= m[:, None]
            if gi in (1, 3):
                fac[:, itp] *= theta[:, 0]
                other = [k for k in range(S) if k != itp]
                fac[:, other] *= load_mult[:, other]
            local += fac[:, None, :] * base[None, :, :]
        for name, i in lake_pos.items():
            local[:, i, itp] += lakes[name].release_rate * pools[name] * (1000.0 / DAYS_PER_YEAR)
        # shares leaving each reach
        rate = np.broadcast_to(rate_base, (M, n, S)).copy()
        rate[:, :, itp] += river_settle_rate[None, :] * (theta[:, 1:2] - 1.0)
        tau = np.where(river[None, :], net.travel_time[None, :] * m[:, None] ** -0.4,
                       net.travel_time[None, :] / m[:, None])
        ktau = rate * tau[:, :, None]
        share = np.where(river[None, :, None], np.exp(-ktau), 1.0 / (1.0 + ktau))
        res = np.zeros((M, n, S))
        inflow = np.empty((M, n, S))
        _steady_members(net.down, net.sp_ptr, net.sp_idx, net.sp_w, np.ascontiguousarray(local),
                        np.ascontiguousarray(share), res, inflow)
        q = net.flow[None, :] * m[:, None]
        conc = res * (KG_PER_DAY_TO_MG_PER_L / q[:, :, None])
        out[yi] = conc[:, spos, :]
        out_flow[yi] = q[:, spos]
        # sediment pools: one exact year step with this year's external load
        for li, (name, lk) in enumerate(lakes.items()):
            out_pool[yi, :, li] = pools[name]
            if name not in lake_pos:
                continue
            i = lake_pos[name]
            internal = lk.release_rate * pools[name]
            external = inflow[:, i, itp] * (DAYS_PER_YEAR / 1000.0) - internal
            alpha = 1.0 - share[:, i, itp]
            pools[name] = sediment_pool_step(pools[name], np.maximum(external, 0.0), alpha, lk.release_rate,
                                             lk.burial_rate, 1.0)

    sec = net.sections.loc[names]
    coords = {"year": ("year", np.asarray(years)), "member": ("member", np.arange(M)),
              "site": ("site", np.asarray(names, dtype=object), {"long_name": "monitoring section"}),
              "name_en": ("site", sec["name_en"].to_numpy(dtype=object) if "name_en" in sec else np.asarray(names)),
              "lake": ("lake", np.asarray(list(lakes), dtype=object)),
              "lake_name_en": ("lake", np.asarray([lk.name_en for lk in lakes.values()], dtype=object))}
    if "waterbody" in sec:
        coords["waterbody"] = ("site", sec["waterbody"].to_numpy(dtype=object))
    data = {}
    for k, s in enumerate(subs):
        data[INDICATORS[s]] = (("year", "member", "site"), out[:, :, :, k],
                               cf_attrs("mg/L", f"annual-mean {_LONG[s]} concentration", cell_methods="time: mean",
                                        parameter=s))
    data["flow"] = (("year", "member", "site"), out_flow, cf_attrs("m3/s", "annual-mean flow",
                                                                   "water_volume_transport_in_river_channel",
                                                                   "time: mean"))
    data["sediment_p"] = (("year", "member", "lake"), out_pool, cf_attrs("t", "mobile sediment phosphorus pool "
                                                                              "at the start of the year"))
    return xr.Dataset(data, coords=coords, attrs={
        "title": "projected annual-mean water quality at the Taihu inflow sections (Wujin demo)",
        "seed": str(seed) if not isinstance(seed, np.random.Generator) else "generator",
        "hydrology_cv": float(hydrology_cv), "members": M,
        "source": "ecomodel.water.project",
    })


def _apply(table, reductions, subs):
    from .sources import apply_reductions

    return apply_reductions(table.assign(**{}), reductions, subs)
