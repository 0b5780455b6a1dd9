"""The water backend: :func:`ecomodel.water.project` on the embedded Wujin demo and the steady
ensembles of the 天宁 and 江阴 networks (:func:`ecomodel.water.networks.network_demo`) beside it, on
one ``site`` dimension with the GB 3838 class of every section, and the section shares of the
regions whose plans name their sections (:data:`SECTION_SETS`) over ``region``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ... import _cache
from ...errors import EcomodelError, ScenarioError, close_matches
from ._shared import _cached, _demo_base, _effect_from_key, _progress, _where

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from ...water.wujin import WujinDemo
    from ..model import Effect
    from ..schedule import Reductions

__all__ = ["WaterBackend", "WATER_NETWORKS", "CITY", "CITY_NETWORKS", "STEADY_NETWORKS", "SECTION_SETS"]


class WaterBackend:
    """:func:`ecomodel.water.project` on the embedded Wujin demo (``base='demo'``), and the steady
    networks beside it: 天宁 (新沟河 to 粮庄桥, :func:`ecomodel.water.networks.tianning`) and 江阴
    (金潼桥, 码头大桥, 泗河桥, ``network_demo('jiangyin')``).

    An effect's ``region`` picks the network: none or 常州市武进区 → Wujin, 常州市天宁区 → 天宁,
    江阴市 → 江阴, 常州市 → Wujin and 天宁 (each where it has such a source; 江阴 is not part of
    常州市, and 钟楼 has no network because its plan names no section). The output has every
    network's sections on one ``site`` dimension, with ``section_water_class`` at each (GB 3838
    single factor), and the 江阴 section shares over ``region`` (:data:`SECTION_SETS`).

    Effects cut source loads by ``category`` (``wwtp``, ``industry``, ``agriculture``,
    ``aquaculture`` …), optionally on one ``reach`` and for one substance (``pollutant``: TP,
    NH3-N, COD). Category ``sediment_release`` with a ``lake`` is dredging: its fraction is the
    share of the lake's mobile sediment P pool removed, turned into a dredged volume
    ``share × area × active layer`` (the inverse of :func:`ecomodel.water.dredge`). Amounts [t/yr]
    are taken against the demo's source loads (use ``share`` for the modelled catchment's part of a
    city-wide figure).

    The model is linear in the source loads for given weather and parameter draws, so the
    ``surface`` method superposes one projection per reduction key at fraction 1 from the first
    year (exact for the current-year loads of keys on different sources; the lake pools' lagged
    response and dredging are first-order approximations). ``full`` runs the model per package.
    """

    domain = "water"
    #: methods taking ``member_block=(start, stop)`` (members drawn in fixed blocks, ecomodel._members)
    member_blocks = ("full",)

    def demo(self, base: str) -> WujinDemo:
        return _water_demo(base)

    def networks(self, effect: Effect) -> tuple[str, ...]:
        """The embedded networks a water effect acts on, by its ``region`` (:data:`WATER_NETWORKS`:
        武进 → ``wujin``, 天宁 → ``tianning``, 江阴 → ``jiangyin``; 常州市 → :data:`CITY_NETWORKS`);
        no region → ``wujin`` (the packages written for the Wujin demo)."""
        if effect.region is None:
            return ("wujin",)
        from ... import targets

        try:
            full = targets.resolve_region(effect.region)
        except EcomodelError:
            full = str(effect.region)
        if full == CITY:
            return CITY_NETWORKS
        if full not in WATER_NETWORKS:
            raise ScenarioError(f"{_where(effect)}: field 'region': no water network for {effect.region!r} in the "
                                f"base data (embedded: {list(WATER_NETWORKS)} and {CITY} for {list(CITY_NETWORKS)})",
                                field="region", value=effect.region,
                                expected=f"one of {list(WATER_NETWORKS) + [CITY]}")
        return (WATER_NETWORKS[full],)

    def _fields(self, base, effect):
        nets = self.networks(effect)
        if "wujin" not in nets:  # one steady network (天宁, 江阴)
            return self._steady_fields(nets[0], effect)
        for net in nets:
            if net != "wujin":
                self._steady_fields(net, effect, required=False)
        d = self.demo(base)
        where = _where(effect)
        table = d.sources.table
        cats = sorted(set(table["category"].astype(str)))
        subs = list(d.substances)
        if effect.pollutant not in subs:
            raise ScenarioError(f"{where}: field 'pollutant': {effect.pollutant!r} is not modelled by the water model "
                                f"(it models {subs})", field="pollutant", value=effect.pollutant,
                                expected=f"one of {subs}")
        if effect.category is None:
            raise ScenarioError(f"{where}: field 'category' is missing; a water effect cuts a source category"
                                + close_matches("", cats + ["sediment_release"]), field="category",
                                expected=f"one of {cats + ['sediment_release']}")
        if effect.category == "sediment_release":
            if effect.lake is None or effect.lake not in d.lakes:
                raise ScenarioError(f"{where}: field 'lake': {effect.lake!r}; dredging (sediment_release) needs a lake"
                                    + close_matches(str(effect.lake), list(d.lakes)), field="lake", value=effect.lake,
                                    expected=f"one of {list(d.lakes)}")
            if effect.pollutant != "TP" or effect.reach is not None:
                raise ScenarioError(f"{where}: sediment_release acts on TP of a whole lake (no reach); got pollutant "
                                    f"{effect.pollutant!r}, reach {effect.reach!r}", field="pollutant",
                                    value=effect.pollutant, expected="pollutant 'TP', no reach")
            return "lake", effect.lake
        if effect.category not in cats:
            raise ScenarioError(f"{where}: field 'category': no {effect.category!r} source in the water base data"
                                + close_matches(effect.category, cats + ["sediment_release"]), field="category",
                                value=effect.category, expected=f"one of {cats + ['sediment_release']}")
        if effect.lake is not None:
            raise ScenarioError(f"{where}: field 'lake' only applies to category 'sediment_release' (dredging)",
                                field="lake", value=effect.lake, expected="no lake")
        if effect.reach is not None:
            reaches = sorted(set(table.loc[table["category"].astype(str) == effect.category, "reach"].astype(str)))
            if str(effect.reach) not in reaches:
                raise ScenarioError(f"{where}: field 'reach': no {effect.category!r} source on reach {effect.reach!r}"
                                    + close_matches(str(effect.reach), reaches), field="reach", value=effect.reach,
                                    expected=f"one of {reaches}")
        return "load", (effect.category, effect.reach, effect.pollutant)

    def _steady_fields(self, net: str, effect, *, required: bool = True):
        """Validate an effect on a steady network (天宁, 江阴: sources cut by category/reach/substance;
        no lakes). Returns ``("steady", (net, (category, reach, pollutant)))``, or None when the effect
        does not apply to *net* and *required* is false (a 常州市 effect on a category only Wujin has)."""
        d = _steady_demo(net)
        label = NETWORK_LABELS.get(net, net)
        where = _where(effect)
        table = d.sources.table
        cats = sorted(set(table["category"].astype(str)))
        subs = list(d.substances)
        if effect.pollutant not in subs:
            if not required:
                return None
            raise ScenarioError(f"{where}: field 'pollutant': {effect.pollutant!r} is not modelled on the {label} "
                                f"network (it models {subs})", field="pollutant", value=effect.pollutant,
                                expected=f"one of {subs}")
        if effect.lake is not None or effect.category == "sediment_release":
            raise ScenarioError(f"{where}: the {label} network has no lake (dredging acts on 滆湖/竺山湖 of the Wujin "
                                "network: no region or region 常州市武进区)", field="lake", value=effect.lake,
                                expected="no lake")
        if effect.category not in cats:
            if not required:
                return None
            raise ScenarioError(f"{where}: field 'category': no {effect.category!r} source on the {label} network"
                                + close_matches(str(effect.category), cats), field="category",
                                value=effect.category, expected=f"one of {cats}")
        if effect.reach is not None:
            reaches = sorted(set(table.loc[table["category"].astype(str) == effect.category, "reach"].astype(str)))
            if str(effect.reach) not in reaches:
                if not required:
                    return None
                raise ScenarioError(f"{where}: field 'reach': no {effect.category!r} source on {label} reach "
                                    f"{effect.reach!r}" + close_matches(str(effect.reach), reaches), field="reach",
                                    value=effect.reach, expected=f"one of {reaches}")
        return "steady", (net, (effect.category, effect.reach, effect.pollutant))

    def check_effect(self, base: str, effect: Effect) -> None:
        self._fields(base, effect)

    def source_table(self, base: str, network: str) -> pd.DataFrame:
        """The source table (one row per source: ``category``, ``reach``, loads [t/yr] per substance)
        of an embedded network (``'wujin'``, ``'tianning'``, ``'jiangyin'``)."""
        if network == "wujin":
            return self.demo(base).sources.table
        _demo_base(base, "water")
        return _steady_demo(network).sources.table

    def baseline_amount(self, base: str, effect: Effect) -> float:
        kind, key = self._fields(base, effect)
        if kind == "lake":
            raise ScenarioError(f"{_where(effect)}: field 'amount': give dredging as the 'fraction' of the mobile "
                                "sediment P pool removed", field="amount", value=effect.amount,
                                expected="a fraction")
        net, (category, reach, substance) = key if kind == "steady" else ("wujin", key)  # loads [t/yr]
        table = self.source_table(base, net)
        mask = table["category"].astype(str) == category
        if reach is not None:
            mask &= table["reach"].astype(str) == str(reach)
        return float(table.loc[mask, substance].sum())

    def _split(self, base, sched, years):
        """Load reductions ``{year: {(category, reach, substance): f}}`` and dredging
        ``{lake: {year: {"volume": m3}}}`` of a schedule."""
        d = self.demo(base)
        loads = {int(y): {} for y in years}
        lakes = {}
        for k, fr in sched.as_dict().items():
            effect = _effect_from_key(k)
            if "wujin" not in self.networks(effect):
                continue  # acts on a steady network only (see _steady_stack)
            kind, key = self._fields(base, effect)
            if kind == "load":
                for i, y in enumerate(years):
                    if fr[i] > 0:
                        loads[int(y)][key] = float(fr[i])
                continue
            lake = d.lakes[key]
            prev = 1.0
            for i, y in enumerate(years):
                r = 1.0 - float(fr[i])
                if r > prev + 1e-12:
                    raise ScenarioError(f"water effect {effect.describe()!r}: dredging cannot be undone (the removed "
                                        f"share falls in {y})", field="end", value=int(y))
                if r < prev - 1e-12:
                    step = 1.0 - r / prev  # share of the pool left by earlier dredging
                    volume = step * lake.area * 1e6 * lake.active_layer
                    lakes.setdefault(key, {})[int(y)] = {"volume": float(volume)}
                prev = r
        return loads, lakes

    def _project(self, base, loads, lakes, years, members, seed, member_block=None):
        from ... import water

        ds = water.project(loads if any(loads.values()) else None, years=years, members=members, seed=seed,
                           lake_measures=lakes or None, data=self.demo(base), member_block=member_block)
        return ds

    def project_stack(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray,
                      members: int, seed: int, method: str, progress: bool = False,
                      member_block: tuple[int, int] | None = None) -> xr.Dataset:
        """Every embedded network over ``(scenario, year, member, site)``: the Wujin demo (rivers and
        lakes) and the steady networks of :data:`STEADY_NETWORKS` (天宁: 粮庄桥, TP, NH3-N, COD; 江阴:
        金潼桥, 码头大桥, 泗河桥, with the N species and CODMn — a variable a network does not model is
        NaN there), with ``section_water_class`` at every section (GB 3838 single factor on the annual
        means) and the section shares of :data:`SECTION_SETS` over ``region``. ``member_block`` (full
        method): members ``start`` to ``stop - 1`` only, as in the whole ensemble."""
        wujin = self._wujin_stack(base, schedules, years, members, seed, method, progress, member_block)
        steady = [self._steady_stack(net, base, schedules, years, members, seed) for net in STEADY_NETWORKS]
        if member_block is not None:  # the steady ensembles are made whole (cached) and cut
            steady = [d.isel(member=slice(*member_block)) for d in steady]
        return _with_shares(_with_classes(_join_sites(wujin, *steady)))

    def _steady_stack(self, net, base, schedules, years, members, seed):
        """A steady network's ensemble, superposed: base + Σ fraction × unit response per key.
        Exact — steady concentrations are linear in the source loads for given parameter and flow
        draws, and the draws do not depend on the year (same members every year)."""
        import xarray as xr

        _demo_base(base, "water")
        years = [int(y) for y in years]

        def applies(k):
            e = _effect_from_key(k)
            return net in self.networks(e) and self._steady_fields(net, e, required=False) is not None

        keys = sorted({k for s in schedules for k in s.keys if applies(k)}, key=lambda k: tuple(str(v) for v in k))
        b = _steady_response(net, base, int(members), int(seed), None)
        unit = {k: _steady_response(net, base, int(members), int(seed),
                                    self._steady_fields(net, _effect_from_key(k))[1][1]) for k in keys}
        names = list(b.data_vars)
        out = {v: np.broadcast_to(b[v].values[None, None], (len(schedules), len(years)) + b[v].shape).copy()
               for v in names}
        for i, sched in enumerate(schedules):
            for k, fr in sched.as_dict().items():
                if k in unit:
                    f = np.asarray(fr, dtype=float).reshape((-1, 1, 1))
                    for v in names:
                        out[v][i] += f * (unit[k][v].values - b[v].values)[None]
        dims = ("scenario", "year", "member", "site")
        coords = {"scenario": np.arange(len(schedules)), "year": years, "member": b["member"].values,
                  "site": b["site"].values}
        return xr.Dataset({v: (dims, np.maximum(out[v], 0.0), b[v].attrs) for v in names}, coords=coords,
                          attrs={"network": net})

    def _tianning_stack(self, base, schedules, years, members, seed):
        """The 天宁 network's superposed ensemble (:meth:`_steady_stack`)."""
        return self._steady_stack("tianning", base, schedules, years, members, seed)

    def _wujin_stack(self, base, schedules, years, members, seed, method, progress=False, member_block=None):
        import xarray as xr

        years = [int(y) for y in years]
        if member_block is not None and method != "full":
            raise ScenarioError(f"water: member_block needs method 'full', not {method!r}", field="method",
                                value=method, expected="'full'")
        if method == "full":
            out = [self._project(base, *self._split(base, s, years), years, members, seed, member_block)
                   for s in _progress(schedules, progress, "water")]
            return xr.concat(out, dim="scenario", coords="minimal", compat="override", join="override",
                             combine_attrs="override")
        tag = ("water", base, tuple(years), int(members), int(seed))
        base_ds = _cached(tag + ("base",), lambda: self._project(base, {y: {} for y in years}, {}, years, members,
                                                                 seed))
        keys = sorted({k for s in schedules for k in s.keys if "wujin" in self.networks(_effect_from_key(k))},
                      key=lambda k: tuple(str(v) for v in k))
        names = [v for v in base_ds.data_vars if base_ds[v].dims[:2] == ("year", "member")]

        def response(k):
            one = type(schedules[0])("water", np.asarray(years), (k,), np.ones((1, len(years))))
            ds_k = self._project(base, *self._split(base, one, years), years, members, seed)
            return {v: (ds_k[v] - base_ds[v]).values for v in names}

        unit = {k: _cached(tag + (k,), lambda k=k: response(k)) for k in _progress(keys, progress, "water responses")}
        out = base_ds.expand_dims(scenario=np.arange(len(schedules))).copy(deep=True)
        for i, sched in enumerate(schedules):
            for k, fr in sched.as_dict().items():
                if k not in unit:
                    continue  # an effect on a steady network only
                f = np.asarray(fr, dtype=float).reshape((-1,) + (1,) * 2)
                for v in names:
                    out[v].values[i] += f * unit[k][v]
        for v in names:
            if v != "flow":
                out[v].values[...] = np.maximum(out[v].values, 0.0)
        out.attrs = dict(base_ds.attrs) | {"method": "surface (superposed unit responses of the water model)"}
        return out


#: Embedded water networks by the region whose plan they serve (``CITY`` effects act on :data:`CITY_NETWORKS`).
WATER_NETWORKS = {"常州市武进区": "wujin", "常州市天宁区": "tianning", "江阴市": "jiangyin"}
CITY = "常州市"
#: the networks inside 常州市 (江阴 is a county-level city of 无锡, not part of it; 钟楼 has no network:
#: its plan names no section, ecomodel/data/water/zhonglou/SOURCES.md)
CITY_NETWORKS = ("wujin", "tianning")
#: the steady-ensemble networks (no lakes; superposed exactly), in their order on the ``site`` dimension
STEADY_NETWORKS = ("tianning", "jiangyin")
#: short names of the networks in messages
NETWORK_LABELS = {"wujin": "武进", "tianning": "天宁", "jiangyin": "江阴"}

#: Section shares per region: region -> (registry scope, the plan's sections on the embedded networks,
#: where the plan names them). 江阴: the 2020 sentence on the 国省考 sections names 金潼桥, 码头大桥 and
#: 泗河桥 (003:205) among the 18 国省考 sections (003:531); the three are the ones the plan singles out,
#: so for a 100 % (or 0 % worse-than-V) target the share over them bounds the 18-section share from
#: above (every one of the 18 must pass). See ecomodel/data/water/jiangyin/SOURCES.md.
SECTION_SETS = {"江阴市": ("省考及以上断面", ("金潼桥", "码头大桥", "泗河桥"), "003:205, 003:531")}
#: share indicators written per region (keys of ecomodel.water.assessment.SHARE_INDICATORS)
SHARE_KEYS = ("water_section_class_iii_or_better_ratio", "worse_than_v_section_share_pct")


@functools.lru_cache(maxsize=4)
def _steady_demo(net: str):
    from ...water.networks import network_demo

    return network_demo(net)


def _tianning_demo():
    return _steady_demo("tianning")


@functools.lru_cache(maxsize=128)
def _steady_response(net: str, base: str, members: int, seed: int, key):
    """Steady ensemble at a steady network's sections with the source *key* (category, reach,
    substance) removed (None: no reduction); one year — the draws are the same every year. Kept on
    disk (embedded data)."""
    from ...water.networks import section_ensemble

    _demo_base(base, "water")
    red = None if key is None else {tuple(key): 1.0}
    ds = _cache.load_or_compute(f"water_{net}", (base, members, seed, key), lambda: section_ensemble(
        _steady_demo(net), years=[2000], members=members, seed=seed, reductions=red))
    return ds.isel(year=0, drop=True)


@functools.lru_cache(maxsize=64)
def _tianning_response(base: str, members: int, seed: int, key):
    """:func:`_steady_response` of the 天宁 network."""
    return _steady_response("tianning", base, members, seed, key)


def _join_sites(wujin, *others):
    """The networks' sections along one ``site`` dimension (Wujin's first, then each steady network's,
    named by its ``attrs['network']``, default ``tianning``); a variable a network does not model is
    NaN there (天宁: TP, NH3-N and CODcr only). Lake variables are Wujin's."""
    import xarray as xr

    site_vars = [v for v in wujin.data_vars if "site" in wujin[v].dims]
    parts = [wujin[site_vars]]
    nets = []
    for other in others:
        net = other.attrs.get("network", "tianning")
        nets.append(net)
        info = _steady_demo(net).network.sections
        extra = {}
        for v in site_vars:
            if v in other:
                extra[v] = other[v].transpose(*wujin[v].dims)
            else:
                template = other["tp_concentration"].transpose(*wujin[v].dims)
                extra[v] = xr.full_like(template, np.nan, dtype=float).assign_attrs(
                    comment="not modelled on this network")
        t = xr.Dataset(extra)
        for c, da in wujin.coords.items():
            if c != "site" and da.dims == ("site",):
                values = [str(info.loc[s, c]) if c in info.columns else "" for s in t["site"].values]
                t = t.assign_coords({c: ("site", np.asarray(values, dtype=object))})
        parts.append(t)
    sites = xr.concat(parts, dim="site", coords="different", compat="equals", join="exact",
                      combine_attrs="override")
    both = wujin.drop_vars(site_vars).drop_dims("site").merge(sites, combine_attrs="override")
    for v in site_vars:
        both[v].attrs = dict(wujin[v].attrs)
    labels = {"tianning": "tianning (新沟河, 粮庄桥)", "jiangyin": "jiangyin (金潼桥, 码头大桥, 泗河桥)"}
    both.attrs = dict(wujin.attrs) | {"networks": ", ".join(["wujin (Wujin demo, rivers and lakes)"]
                                                            + [labels.get(n, n) for n in nets])}
    return both


def _with_shares(ds):
    """Section-share indicators [%] over ``(…, region)`` for the regions of :data:`SECTION_SETS`, from
    ``section_water_class`` (GB 3838 single factor, 环办〔2011〕22号: the share of the named sections at
    class III or better / worse than class V), with the registry ``scope`` of the set as an attribute."""
    import xarray as xr

    from ...water.assessment import SHARE_INDICATORS

    cls = ds["section_water_class"]
    sets = {r: v for r, v in SECTION_SETS.items() if all(s in cls["site"].values for s in v[1])}
    if not sets:
        return ds
    scopes = {v[0] for v in sets.values()}
    scope = scopes.pop() if len(scopes) == 1 else ""
    regions = list(sets)
    for key in SHARE_KEYS:
        limit, how = SHARE_INDICATORS[key]
        arrays = []
        for r in regions:
            c = cls.sel(site=list(sets[r][1]))
            inside = (c <= limit) if how == "at_or_better" else (c > limit)
            arrays.append(100.0 * inside.astype(float).mean("site"))
        da = xr.concat(arrays, dim=xr.DataArray(np.asarray(regions, dtype=object), dims="region", name="region"))
        word = "class III or better" if how == "at_or_better" else "worse than class V"
        da = da.transpose(*[d for d in cls.dims if d != "site"], "region")
        da.attrs = {}  # not the class variable's
        ds[key] = da.assign_attrs(
            units="%", long_name=f"share of the plan's named sections at {word} (GB 3838 single factor)",
            scope=scope, sections="; ".join(f"{r}: {','.join(sets[r][1])} ({sets[r][2]})" for r in regions),
            partial_set="yes",  # targets.check: only targets every section must meet (100 % / 0 %)
            check_note="over the plan's named sections only (" + "; ".join(
                f"{r}: {len(sets[r][1])} named" for r in regions) + "): an upper bound on the probability",
            comment="over the sections the plan names on the embedded networks, not over every assessed "
                    "section: for a 100 % target an upper bound on the probability (each named section must pass)",
            references="GB 3838-2002 Table 1; 环办〔2011〕22号")
    return ds


def _with_classes(ds):
    """``section_water_class`` [class] at every section: GB 3838 single factor over the modelled
    Table 1 factors of 环办〔2011〕22号 (TP, NH3-N, CODcr, CODMn; a factor a network does not model —
    CODMn on the 天宁 network — is left out there)."""
    from ... import standards

    factors = {"tp_concentration": "TP", "nh3n_concentration": "NH3-N", "cod_concentration": "COD",
               "codmn_concentration": "CODMn"}
    tp = ds["tp_concentration"]
    cls = np.ones(tp.shape, dtype=np.int64)
    for var, par in factors.items():
        if var in ds:
            v = ds[var].transpose(*tp.dims).values
            cls = np.maximum(cls, np.where(np.isnan(v), 1, _classes(standards, par, np.nan_to_num(v))))
    ds["section_water_class"] = (tp.dims, cls, {
        "units": "1", "units_label": "class", "long_name": "section class by the single-factor method over TP, NH3-N, CODcr and CODMn "
        "(where modelled); 1-5 = I-V, 6 = worse than V", "references": "GB 3838-2002 Table 1; 环办〔2011〕22号"})
    return ds


def _classes(standards, parameter, values):
    flat = np.asarray(values, dtype=float).ravel()
    out = np.asarray(standards.water_class(parameter, flat), dtype=np.int64)
    return out.reshape(np.shape(values))


@functools.lru_cache(maxsize=2)
def _water_demo(base: str):
    from ... import water

    _demo_base(base, "water")
    return water.demo()
