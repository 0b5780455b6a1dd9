"""Backends for the embedded domain models (see :mod:`ecomodel.scenario.backends` for the protocol).

Carbon
------
Effects cut the use of a fuel (or of all fuels) in a sector, optionally switching it to another
fuel; they become ``measures`` of :func:`ecomodel.carbon.project`. Names accepted besides the
model's own: fuel ``coal`` (raw coal, washed coal, coke — the fuels counted in the coal share) and
``gas``; sector ``industry`` (every industrial sector of the inventory). An effect without a region
acts in every region; its ``amount`` (t CO2) is taken against 常州市 (the regions overlap). A
region that contains others (常州市 contains 常州市武进区 …) acts in each of them.

The carbon model applies a cut to each year's projected fuel use, with no carry-over between
years, so the quantities it adds up — CO2 (direct, indirect), energy, coal energy and non-fossil
energy — are linear in each cut fraction. The ``surface`` method uses this: one projection with
no measure and one per reduction key at fraction 1, combined year by year with the schedule's
fractions; ratios (intensities, shares, decreases against the base year) are recomputed from the
combined quantities. This is exact for keys acting on different fuel × sector cells, and a
first-order approximation where two keys cut the same cell (the full model applies them one after
the other). The ``full`` method runs the model with the schedule as a sequence of cuts.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import _cache
from ..errors import EcomodelError, ScenarioError, close_matches

__all__ = ["make", "CarbonBackend", "AirBackend", "WaterBackend"]


def make(domain: str):
    """Default backend of *domain*."""
    if domain == "carbon":
        return CarbonBackend()
    if domain == "air":
        return AirBackend()
    if domain == "water":
        return WaterBackend()
    raise ScenarioError(f"unknown domain {domain!r}", field="domain", value=domain)


#: unit responses of the surface methods, kept per process: (domain, base, horizon, members, seed, key) → arrays
_RESPONSES: dict = {}
_RESPONSES_MAX = 4096


def _cached(key, compute):
    if key not in _RESPONSES:
        if len(_RESPONSES) >= _RESPONSES_MAX:
            _RESPONSES.clear()
        _RESPONSES[key] = compute()
    return _RESPONSES[key]


def _where(effect) -> str:
    return effect.where or f"{effect.domain} effect {effect.describe()!r}"


def _demo_base(base: str, domain: str) -> str:
    """``'demo'`` or ``'demo:<variant>'`` → variant name ('' for the default)."""
    if base == "demo":
        return ""
    if base.startswith("demo:"):
        return base.split(":", 1)[1]
    raise ScenarioError(f"base {base!r}: the {domain} model has embedded data for 'demo' only", field="base",
                        value=base, expected="'demo' or 'demo:<variant>'")


# ------------------------------------------------------------------------------------------------ carbon

_FUEL_GROUPS = {"coal": ("raw_coal", "washed_coal", "coke"), "gas": ("natural_gas",), "oil": (
    "crude_oil", "gasoline", "kerosene", "diesel", "fuel_oil", "lpg")}
_SECTOR_GROUPS = {"industry": ("iron_steel", "chemicals", "building_materials", "textiles", "other_industry"),
                  "power": ("power_heat",)}
_LINEAR = ("co2_emissions", "co2_direct", "co2_indirect", "energy_consumption", "primary_energy_consumption",
           "_coal_energy", "_non_fossil_energy")


class CarbonBackend:
    """:func:`ecomodel.carbon.project` on the embedded demo drivers (``base='demo'`` or
    ``'demo:<carbon demo scenario>'``, e.g. ``'demo:policy'``)."""

    domain = "carbon"

    def drivers(self, base: str):
        """The demo :class:`ecomodel.carbon.Drivers` of *base* (cached per process)."""
        return _carbon_drivers(base)

    def _cells(self, base, effect):
        from .. import carbon

        d = self.drivers(base)
        sectors = [str(s) for s in d.balance["sector"].values]
        regions = [str(r) for r in d.balance["region"].values]
        where = _where(effect)
        fuels = None
        if effect.fuel is not None:
            fuels = _FUEL_GROUPS.get(effect.fuel, (effect.fuel,))
            for f in fuels:
                if f not in carbon.FUELS:
                    raise ScenarioError(f"{where}: field 'fuel': unknown fuel {effect.fuel!r}"
                                        + close_matches(effect.fuel, list(carbon.FUELS) + list(_FUEL_GROUPS)),
                                        field="fuel", value=effect.fuel, expected=f"one of {list(carbon.FUELS)}")
        to_fuel = effect.to_fuel
        if to_fuel is not None:
            group = _FUEL_GROUPS.get(to_fuel, (to_fuel,))
            if len(group) != 1 or group[0] not in carbon.FUELS:
                raise ScenarioError(f"{where}: field 'to_fuel': {to_fuel!r} is not one fuel"
                                    + close_matches(to_fuel, carbon.FUELS), field="to_fuel", value=to_fuel,
                                    expected=f"one of {list(carbon.FUELS)}")
            to_fuel = group[0]
        secs = None
        if effect.sector is not None:
            secs = _SECTOR_GROUPS.get(effect.sector, (effect.sector,))
            for s in secs:
                if s not in sectors:
                    raise ScenarioError(f"{where}: field 'sector': unknown carbon sector {effect.sector!r}"
                                        + close_matches(effect.sector, sectors + list(_SECTOR_GROUPS)),
                                        field="sector", value=effect.sector, expected=f"one of {sectors}")
        region = None
        if effect.region is not None:
            region = _resolve_region(effect.region, regions, where)
        return fuels, secs, to_fuel, region

    def _regions(self, base, region):
        """Regions a cut acts in: all (None), or the region and the regions inside it (常州市 → its districts)."""
        if region is None:
            return (None,)
        regions = [str(r) for r in self.drivers(base).balance["region"].values]
        return tuple(r for r in regions if r == region or r.startswith(region))

    def check_effect(self, base, effect) -> None:
        self._cells(base, effect)

    def baseline_amount(self, base, effect) -> float:
        fuels, secs, _, region = self._cells(base, effect)
        d = self.drivers(base)
        inv = _inventory(d)
        co2 = inv["co2"]  # t, (region, sector, fuel)
        regions = [str(r) for r in co2["region"].values]
        region = region or ("常州市" if "常州市" in regions else None)
        sel = co2 if region is None else co2.sel(region=region)
        if fuels is not None:
            sel = sel.sel(fuel=list(fuels))
        if secs is not None:
            sel = sel.sel(sector=list(secs))
        return float(sel.sum())

    def _measures(self, base, schedule, years):
        """A schedule as the model's sequence of cuts: per key, the increments of the cumulative fraction."""
        out = []
        for key, fr in schedule.as_dict().items():
            effect = _effect_from_key(key)
            fuels, secs, to_fuel, region = self._cells(base, effect)
            remaining = 1.0 - np.asarray(fr, dtype=float)
            prev = 1.0
            for y, r in zip(years, remaining, strict=True):
                if r > prev + 1e-12:
                    raise ScenarioError(f"carbon effect {effect.describe()!r}: the reduction falls from "
                                        f"{1 - prev:.3f} to {1 - r:.3f} in {y}; the carbon model only adds cuts (a "
                                        "measure with an 'end' year cannot be represented)", field="end", value=int(y))
                if r < prev - 1e-12:
                    step = 1.0 - r / prev
                    out += [{"fuel": f, "sector": s, "to_fuel": to_fuel, "region": g, "fraction": float(step),
                             "start_year": int(y)} for f in (fuels or (None,)) for s in (secs or (None,))
                            for g in self._regions(base, region)]
                prev = r
        return out

    def project_stack(self, base, schedules, years, members, seed, method, progress=False):
        import xarray as xr

        from .. import carbon

        d = self.drivers(base)
        years = np.asarray(years, dtype=int)
        if years[0] < d.base_year:
            raise ScenarioError(f"carbon: years start in {years[0]}, before the carbon base year {d.base_year}",
                                field="start_year", value=int(years[0]), expected=f">= {d.base_year}")
        model_years = np.arange(d.base_year, years[-1] + 1)
        if method == "full":
            out = [self._finish(carbon.project(d, years=model_years, members=members, seed=seed,
                                               measures=self._measures(base, sched, years) or None), years)
                   for sched in _progress(schedules, progress, "carbon")]
            return xr.concat(out, dim="scenario", coords="minimal", compat="override", join="override",
                             combine_attrs="override")
        # surface: superpose unit responses of every key used in the batch (numpy, all schedules at once)
        keys = sorted({k for s in schedules for k in s.keys}, key=lambda k: tuple(str(v) for v in k))
        tag = ("carbon", base, int(model_years[-1]), int(members), int(seed))
        base_ds = _cached(tag + ("base",), lambda: carbon.project(d, years=model_years, members=members, seed=seed))
        q0 = _linear_quantities(base_ds)
        q0 = {n: np.asarray(v.transpose("year", "member", "region").values) for n, v in q0.items()}
        unit = np.zeros((len(keys), len(_LINEAR)) + q0["co2_emissions"].shape)

        def response(k):
            fuels, secs, to_fuel, region = self._cells(base, _effect_from_key(k))
            meas = [{"fuel": f, "sector": s, "to_fuel": to_fuel, "region": g, "fraction": 1.0,
                     "start_year": int(d.base_year)} for f in (fuels or (None,)) for s in (secs or (None,))
                    for g in self._regions(base, region)]
            qk = _linear_quantities(carbon.project(d, years=model_years, members=members, seed=seed, measures=meas))
            return np.stack([qk[name].transpose("year", "member", "region").values - q0[name] for name in _LINEAR])

        for i, k in enumerate(_progress(keys, progress, "carbon responses")):
            unit[i] = _cached(tag + (k,), lambda k=k: response(k))
        index = {k: i for i, k in enumerate(keys)}
        F = np.zeros((len(schedules), len(keys), model_years.size))
        pos = np.searchsorted(model_years, years)
        for s_i, sched in enumerate(schedules):
            for k, fr in sched.as_dict().items():
                F[s_i, index[k], pos] = fr  # years before the horizon: no measure
        q = {name: q0[name][None] + np.einsum("skt,ktmr->stmr", F, unit[:, j]) for j, name in enumerate(_LINEAR)}
        return self._finish(_rebuild(base_ds, q, d.base_year, len(schedules)), years)

    def _finish(self, ds, years):
        """Select the output years; peak year and value over those years (as the model reports them)."""
        from .. import carbon

        attrs = {v: dict(ds[v].attrs) for v in ("co2_peak_year", "co2_peak_value", "co2_peaked") if v in ds}
        ds = ds.drop_vars(list(attrs)).sel(year=years)
        co2 = ds["co2_emissions"]
        peak = carbon.peak_year(co2)
        for v in peak.data_vars:
            da = peak[v]
            ds[v] = da.assign_attrs(attrs.get(v, {}) or da.attrs)
        return ds


@functools.lru_cache(maxsize=4)
def _carbon_drivers(base: str):
    from .. import carbon

    variant = _demo_base(base, "carbon") or "baseline"
    try:
        return carbon.demo_drivers(scenario=variant)
    except EcomodelError as exc:
        raise ScenarioError(f"base {base!r}: {exc}", field="base", value=base) from None


def _inventory(drivers):
    from .. import carbon

    cache = getattr(drivers, "_ecomodel_inventory", None)
    if cache is None:
        cache = carbon.co2_inventory(drivers.balance)
        try:
            object.__setattr__(drivers, "_ecomodel_inventory", cache)
        except (AttributeError, TypeError):
            pass
    return cache


def _linear_quantities(ds):
    q = {name: ds[name] for name in ("co2_emissions", "co2_direct", "co2_indirect", "energy_consumption",
                                     "primary_energy_consumption")}
    q["_coal_energy"] = ds["coal_share_energy_pct"] * ds["energy_consumption"] / 100.0  # final energy basis
    q["_non_fossil_energy"] = ds["non_fossil_energy_share_pct"] * ds["primary_energy_consumption"] / 100.0
    return q


def _year_da(values, years):
    import xarray as xr

    return xr.DataArray(values, dims="year", coords={"year": years})


def _rebuild(base_ds, q, base_year, n):
    """Dataset over (scenario, year, member, region) from combined linear quantities (numpy)."""
    import xarray as xr

    dims = ("scenario", "year", "member", "region")
    b = {v: base_ds[v].transpose("year", "member", "region").values for v in (
        "co2_emissions", "energy_consumption", "co2_intensity", "energy_intensity", "gdp", "grid_factor")}
    ib = int(np.searchsorted(base_ds["year"].values, base_year))
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = b["co2_intensity"][None] * q["co2_emissions"] / b["co2_emissions"][None]
        ei = b["energy_intensity"][None] * q["energy_consumption"] / b["energy_consumption"][None]
        values = {
            "co2_emissions": q["co2_emissions"], "co2_direct": q["co2_direct"], "co2_indirect": q["co2_indirect"],
            "gdp": np.broadcast_to(b["gdp"][None], q["co2_emissions"].shape),
            "co2_intensity": ci,
            "co2_intensity_decrease_pct": 100.0 * (1.0 - ci / ci[:, ib:ib + 1]),
            "energy_consumption": q["energy_consumption"],
            "energy_intensity": ei,
            "energy_intensity_decrease_pct": 100.0 * (1.0 - ei / ei[:, ib:ib + 1]),
            "coal_share_energy_pct": 100.0 * q["_coal_energy"] / q["energy_consumption"],
            "primary_energy_consumption": q["primary_energy_consumption"],
            "non_fossil_energy_share_pct": 100.0 * q["_non_fossil_energy"] / q["primary_energy_consumption"],
            "grid_factor": np.broadcast_to(b["grid_factor"][None], q["co2_emissions"].shape),
        }
    coords = {"scenario": np.arange(n), "year": base_ds["year"].values, "member": base_ds["member"].values,
              "region": base_ds["region"].values}
    coords.update({c: base_ds[c] for c in base_ds.coords if c not in coords and base_ds[c].dims == ("region",)})
    ds = xr.Dataset({v: (dims, np.ascontiguousarray(arr), dict(base_ds[v].attrs)) for v, arr in values.items()},
                    coords=coords, attrs=dict(base_ds.attrs))
    return ds


def _effect_from_key(key):
    from .model import Effect

    fields = dict(zip(Effect.KEY_FIELDS, key, strict=True))
    return Effect(**fields, fraction=1.0)


def _resolve_region(name, regions, where):
    from .. import targets

    try:
        full = targets.resolve_region(name)
    except EcomodelError:
        full = name
    if full not in regions:
        raise ScenarioError(f"{where}: field 'region': {name!r} is not a region of the base data"
                            + close_matches(str(name), regions), field="region", value=name,
                            expected=f"one of {regions}")
    return full


def _progress(items, progress, desc, unit="package"):
    """*items* behind a progress bar for the stage *desc* when *progress* is set; silent (``disable=None``)
    when stderr is not a terminal."""
    if not progress or not len(items):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit=unit, leave=False, disable=None)


# ------------------------------------------------------------------------------------------------ air


class AirBackend:
    """:func:`ecomodel.air.project` on the embedded demo (``base='demo'``).

    Effects become the air model's reduction keys ``(region or box, sector, pollutant)``; an effect
    without a region acts on every local box (Changzhou and Jiangyin, not the regional background).
    Amounts [t/yr] are taken against the calibrated 2020 inventory of the demo. The weather
    ensemble is drawn from the scenario's seed, so every package of a comparison sees the same
    weather (common random numbers).
    """

    domain = "air"

    def demo(self, base: str):
        return _air_demo(base)

    @staticmethod
    def _key(effect):
        return (effect.region, effect.sector, effect.pollutant)

    def check_effect(self, base, effect) -> None:
        try:
            self.mask(base, self._key(effect))
        except EcomodelError as exc:
            field = getattr(exc, "field", None) or "effect"
            raise ScenarioError(f"{_where(effect)}: field '{'region' if field == 'box' else field}': {exc}",
                                field=field, value=getattr(exc, "value", None)) from None

    def mask(self, base, key) -> np.ndarray:
        """Inventory cells (box, sector, pollutant) that the air reduction key acts on (cached)."""
        from .. import air

        def compute():
            d = self.demo(base)
            return air.reduction_factors({key: 1.0}, d.inventory, domain=d.domain) == 0.0

        return _cached(("air-mask", base, key), compute)

    def baseline_amount(self, base, effect) -> float:
        from .. import air

        d = self.demo(base)
        try:
            f = air.fractions_from_amounts({self._key(effect): 1.0}, d.inventory, domain=d.domain)
        except EcomodelError:
            return 0.0
        f = float(next(iter(f.values())))
        return 1.0 / f if f > 0 else 0.0

    def schedule(self, sched, years) -> dict:
        """``{year: {(region, sector, pollutant): fraction}}`` for :func:`ecomodel.air.project`."""
        return {int(y): {(k[3], k[2], k[1]): f for k, f in sched.at(int(y)).items()} for y in years}

    def project_stack(self, base, schedules, years, members, seed, method, progress=False):
        import xarray as xr

        from .. import air

        years = [int(y) for y in years]
        if method == "surface":
            # one stage (the response surface is fitted on first use, then cached)
            for _ in _progress([0], progress, "air (response surface)", unit="stage"):
                out = self._surface(base, schedules, years, members, seed)
            return out
        kw = _air_kwargs(base, years)
        out = [air.project(self.schedule(s, years) if s.keys else None, years=years, members=members, seed=seed, **kw)
               for s in _progress(schedules, progress, "air")]
        return xr.concat(out, dim="scenario", coords="minimal", compat="override", join="override",
                         combine_attrs="override")

    # -------------------------------------------------------------------------------- surface
    #: settings of the response-surface fit (out-of-sample error reported in ``surface(base).error_``)
    SURFACE_FIT = {"samples": 80, "test_samples": 20, "members": 6, "year": 2025, "seed": 0}

    def surface(self, base: str):
        """The fitted :class:`ecomodel.air.ResponseSurface` of the base data (cached per process)."""
        return _air_surface(base, tuple(sorted(self.SURFACE_FIT.items())))

    def _baseline(self, base, years: tuple, members: int, seed: int):
        return _air_baseline(base, years, members, seed)

    #: settings of the source–receptor runs that place the surface's response in space
    SRM_FIT = {"year": 2025, "members": 6, "seed": 1, "cut": 0.2}

    def source_receptor(self, base: str):
        """Linear source–receptor sensitivities of the full model: ``S[box, pollutant, region]``
        = change of annual PM2.5 [ug/m3] per unit fraction cut of the pollutant in one local box
        (from cuts of ``SRM_FIT['cut']`` in year ``SRM_FIT['year']``); cached per process."""
        return _air_srm(base, tuple(sorted(self.SRM_FIT.items())), tuple(self.surface(base).variables))


    def _box_fractions(self, base, mapping) -> np.ndarray:
        """Share of each pollutant's emission removed in each local box: (box, pollutant in surface order)."""
        from .. import air

        d = self.demo(base)
        rs = self.surface(base)
        boxes, _, _ = self.source_receptor(base)
        inv = d.inventory
        rows, E = _cached(("air-local", base), lambda: (
            [inv.boxes.index(b) for b in boxes],
            np.asarray(inv.emissions.values, dtype=float)[[inv.boxes.index(b) for b in boxes]]))  # (box, sector, pol)
        remaining = np.ones(E.shape)
        for key, frac in mapping.items():  # the air model's rule: Π(1 − f) over the keys acting on a cell
            remaining = remaining * np.where(self.mask(base, key)[rows], 1.0 - frac, 1.0)
        total = E.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(total > 0, 1.0 - (E * remaining).sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)
        pols = list(air.POLLUTANTS)
        return np.clip(f[:, [pols.index(v) for v in rs.variables]], 0.0, 1.0), E.sum(axis=1)[
            :, [pols.index(v) for v in rs.variables]]

    def relative_change(self, base, schedules, years) -> np.ndarray:
        """Relative change of annual PM2.5, (schedules, years, regions of the source–receptor runs).

        The response surface gives the non-linear response to the pollutant-level cut that removes
        the same share of each pollutant's local emission (``x``); the source–receptor sensitivities
        place it in space: ``Δ_r = Δ^RSM_r(x) · (Σ_bp S_bpr f_bp) / (Σ_p x_p Σ_b S_bpr)``, which is the
        surface alone for cuts spread like the emissions and the linear source–receptor response for
        small cuts. Distinct reductions are evaluated once, in one vectorised call.
        """
        rs = self.surface(base)
        boxes, regions, S = self.source_receptor(base)
        col = [rs.regions.index(r) for r in regions]
        unique: dict = {}
        index = np.zeros((len(schedules), len(years)), dtype=np.int64)
        for si, sched in enumerate(schedules):
            for yi, y in enumerate(years):
                mapping = {(k[3], k[2], k[1]): f for k, f in sched.at(int(y)).items() if f > 0}
                key = tuple(sorted((tuple(str(x) for x in k), round(v, 15)) for k, v in mapping.items()))
                if key not in unique:
                    unique[key] = (len(unique), mapping)
                index[si, yi] = unique[key][0]
        n_var = len(rs.variables)
        F = np.zeros((len(unique), len(boxes), n_var))
        X = np.zeros((len(unique), n_var))
        for u, mapping in unique.values():
            if mapping:
                f, E = self._box_fractions(base, mapping)
                F[u] = f
                X[u] = (f * E).sum(axis=0) / np.where(E.sum(axis=0) > 0, E.sum(axis=0), 1.0)
        y0 = rs._predict_array(np.zeros((1, n_var)))[0, col]
        rsm = rs._predict_array(X)[:, col] - y0[None]
        lin_pkg = np.einsum("ubp,bpr->ur", F, S)
        lin_uni = np.einsum("up,pr->ur", X, S.sum(axis=0))
        ok = np.abs(lin_uni) > 1e-9
        delta = np.where(ok, rsm * lin_pkg / np.where(ok, lin_uni, 1.0), lin_pkg)
        return (delta / y0[None])[index]

    def o3_change(self, base, schedules, years) -> dict:
        """Linear O3 responses ``{variable: (schedules, years, regions)}`` — the O3 good-day share [%]
        and MDA8 P90 [ug/m3] — from the source–receptor sensitivities and each box's removed shares."""
        boxes, regions, _ = self.source_receptor(base)
        extra = _AIR_SRM_EXTRA.get((base, tuple(sorted(self.SRM_FIT.items())), tuple(self.surface(base).variables)))
        if not extra:
            return {}
        out = {v: np.zeros((len(schedules), len(years), len(regions))) for v in extra}
        for si, sched in enumerate(schedules):
            for yi, y in enumerate(years):
                mapping = {(k[3], k[2], k[1]): f for k, f in sched.at(int(y)).items() if f > 0}
                if not mapping:
                    continue
                f, _ = self._box_fractions(base, mapping)
                for v, G in extra.items():
                    out[v][si, yi] = np.einsum("bp,bpr->r", f, G)
        return out

    def _surface(self, base, schedules, years, members, seed):
        """PM2.5 from the response surface placed by the source–receptor sensitivities, as a relative
        change applied to the baseline ensemble (same weather); good-day ratio moved along its
        baseline relation to PM2.5."""
        import xarray as xr

        b = self._baseline(base, tuple(years), int(members), int(seed))
        _, srm_regions, _ = self.source_receptor(base)
        col = [srm_regions.index(str(r)) for r in b["region"].values]
        rel = self.relative_change(base, schedules, years)[:, :, col]  # (S, Y, R)
        pm0 = b["pm25_annual_mean"].transpose("year", "member", "region").values
        good0 = b["good_air_days_ratio"].transpose("year", "member", "region").values
        pm = pm0[None] * (1.0 + rel[:, :, None, :])
        slope = _good_day_slope(pm0, good0)  # (R,) percentage points per ug/m3
        o3_lin = self.o3_change(base, schedules, years)  # {variable: (S, Y, R)} linear O3 responses
        d_good_o3 = o3_lin.get("good_days_o3_ratio", np.zeros(rel.shape))[:, :, col]
        good = np.clip(good0[None] + slope[None, None, None, :] * (pm - pm0[None]) + d_good_o3[:, :, None, :],
                       0.0, 100.0)
        ds = xr.Dataset(coords={"scenario": np.arange(len(schedules)), "year": b["year"].values,
                                "member": b["member"].values, "region": b["region"].values})
        ds = ds.assign_coords({c: b[c] for c in b.coords if c not in ds.coords and b[c].dims == ("region",)})
        dims = ("scenario", "year", "member", "region")
        ds["pm25_annual_mean"] = (dims, pm, dict(b["pm25_annual_mean"].attrs) | {
            "comment": "response surface (ecomodel.air.ResponseSurface) placed by source-receptor sensitivities, "
                       "as a relative change of the baseline ensemble"})
        ds["good_air_days_ratio"] = (dims, good, dict(b["good_air_days_ratio"].attrs) | {
            "comment": "baseline ensemble moved along the member-to-member slope of good days against PM2.5, "
                       "plus the linear source-receptor response of the O3 good-day share (photochemical O3)"})
        if "o3_mda8_p90" in b and "o3_mda8_p90" in o3_lin:
            o30 = b["o3_mda8_p90"].transpose("year", "member", "region").values
            ds["o3_mda8_p90"] = (dims, np.maximum(o30[None] + o3_lin["o3_mda8_p90"][:, :, col][:, :, None, :], 0.0),
                                 dict(b["o3_mda8_p90"].attrs) | {
                                     "comment": "baseline ensemble plus the linear source-receptor response "
                                                "of the photochemical O3 model"})
        ds.attrs = dict(b.attrs) | {"method": "surface", "surface": repr(self.surface(base))}
        return ds


@functools.lru_cache(maxsize=2)
def _air_demo(base: str):
    from .. import air

    _demo_base(base, "air")
    return air.demo()


def _air_kwargs(base: str, years) -> dict:
    """Keyword arguments of :func:`ecomodel.air.project` for *base* (the demo: its defaults)."""
    _air_demo(base)
    return {}


@functools.lru_cache(maxsize=2)
def _air_surface(base: str, settings: tuple):
    from .. import air

    _air_demo(base)  # the embedded data only: so the fit depends on the installed version and settings alone
    # ~40 photochemical projections: kept on disk per installed version (see ecomodel._cache)
    return _cache.load_or_compute("air_surface", (base, settings), lambda: air.ResponseSurface.fit(**dict(settings)))


@functools.lru_cache(maxsize=8)
def _air_baseline(base: str, years: tuple, members: int, seed: int):
    from .. import air

    _demo_base(base, "air")  # embedded data only: the baseline depends on the installed version and these settings
    return _cache.load_or_compute("air_baseline", (base, years, members, seed), lambda: air.project(
        None, years=list(years), members=members, seed=seed, **_air_kwargs(base, years)))


#: variables whose linear source–receptor sensitivities :func:`_air_srm` returns besides PM2.5
SRM_EXTRA = ("good_days_o3_ratio", "o3_mda8_p90")


@functools.lru_cache(maxsize=2)
def _air_srm(base: str, settings: tuple, variables: tuple):
    """Linear sensitivities per unit cut of one pollutant in one local box: PM2.5 ``S[box, pol, region]``
    and, in ``extra``, the O3 good-day ratio and MDA8 P90 (same runs, same weather)."""
    _air_demo(base)  # embedded data only; the runs are kept on disk per installed version (ecomodel._cache)
    boxes, regions, S, extra = _cache.load_or_compute("air_srm", (base, settings, variables),
                                                      lambda: _air_srm_compute(base, settings, variables))
    _AIR_SRM_EXTRA[(base, settings, variables)] = extra
    return boxes, regions, S


def _air_srm_compute(base: str, settings: tuple, variables: tuple):
    from .. import air

    d = _air_demo(base)
    cfg = dict(settings)
    y = int(cfg["year"])
    run = functools.partial(air.project, years=[y], members=int(cfg["members"]), seed=int(cfg["seed"]),
                            **_air_kwargs(base, [y]))
    names = ("pm25_annual_mean",) + SRM_EXTRA

    def means(ds):
        return {v: ds[v].sel(year=y).mean("member") for v in names if v in ds}

    b0 = means(run(None))
    regions = [str(r) for r in b0["pm25_annual_mean"]["region"].values]
    boxes = list(d.domain.local_boxes())
    out = {v: np.zeros((len(boxes), len(variables), len(regions))) for v in b0}
    for i, box in enumerate(boxes):
        for j, pol in enumerate(variables):
            r = means(run({y: {(box, None, pol): float(cfg["cut"])}}))
            for v in out:
                out[v][i, j] = (r[v] - b0[v]).values / float(cfg["cut"])
    S = out.pop("pm25_annual_mean")
    return boxes, regions, S, out


_AIR_SRM_EXTRA: dict = {}


# ------------------------------------------------------------------------------------------------ water


class WaterBackend:
    """:func:`ecomodel.water.project` on the embedded Wujin demo (``base='demo'``), and the 天宁
    network (新沟河 to 粮庄桥, :func:`ecomodel.water.networks.tianning`) beside it.

    An effect's ``region`` picks the network: none or 常州市武进区 → Wujin, 常州市天宁区 → 天宁,
    常州市 → both (each where it has such a source). The output has both networks' sections on one
    ``site`` dimension, with ``section_water_class`` at each (GB 3838 single factor).

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

    def demo(self, base: str):
        return _water_demo(base)

    def networks(self, effect) -> tuple[str, ...]:
        """The embedded networks a water effect acts on: its ``region`` (武进 → ``wujin``, 天宁 →
        ``tianning``, 常州市 → both); no region → ``wujin`` (the packages written for the Wujin demo)."""
        if effect.region is None:
            return ("wujin",)
        from .. import targets

        try:
            full = targets.resolve_region(effect.region)
        except EcomodelError:
            full = str(effect.region)
        if full == CITY:
            return tuple(WATER_NETWORKS.values())
        if full not in WATER_NETWORKS:
            raise ScenarioError(f"{_where(effect)}: field 'region': no water network for {effect.region!r} in the "
                                f"base data (embedded: {list(WATER_NETWORKS)} and {CITY} for both)", field="region",
                                value=effect.region, expected=f"one of {list(WATER_NETWORKS) + [CITY]}")
        return (WATER_NETWORKS[full],)

    def _fields(self, base, effect):
        nets = self.networks(effect)
        if nets == ("tianning",):
            return self._tianning_fields(effect)
        if "tianning" in nets:
            self._tianning_fields(effect, required=False)
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

    def _tianning_fields(self, effect, *, required: bool = True):
        """Validate an effect on the 天宁 network (sources cut by category/reach/substance; no lakes)."""
        d = _tianning_demo()
        where = _where(effect)
        table = d.sources.table
        cats = sorted(set(table["category"].astype(str)))
        subs = list(d.substances)
        if effect.pollutant not in subs:
            if not required:
                return None
            raise ScenarioError(f"{where}: field 'pollutant': {effect.pollutant!r} is not modelled on the 天宁 network "
                                f"(it models {subs})", field="pollutant", value=effect.pollutant,
                                expected=f"one of {subs}")
        if effect.lake is not None or effect.category == "sediment_release":
            raise ScenarioError(f"{where}: the 天宁 network has no lake (dredging acts on 滆湖/竺山湖 of the Wujin "
                                "network: no region or region 常州市武进区)", field="lake", value=effect.lake,
                                expected="no lake")
        if effect.category not in cats:
            if not required:
                return None
            raise ScenarioError(f"{where}: field 'category': no {effect.category!r} source on the 天宁 network"
                                + close_matches(str(effect.category), cats), field="category",
                                value=effect.category, expected=f"one of {cats}")
        if effect.reach is not None:
            reaches = sorted(set(table.loc[table["category"].astype(str) == effect.category, "reach"].astype(str)))
            if str(effect.reach) not in reaches:
                if not required:
                    return None
                raise ScenarioError(f"{where}: field 'reach': no {effect.category!r} source on 天宁 reach "
                                    f"{effect.reach!r}" + close_matches(str(effect.reach), reaches), field="reach",
                                    value=effect.reach, expected=f"one of {reaches}")
        return "tianning", (effect.category, effect.reach, effect.pollutant)

    def check_effect(self, base, effect) -> None:
        self._fields(base, effect)

    def baseline_amount(self, base, effect) -> float:
        kind, key = self._fields(base, effect)
        if kind == "tianning":  # loads [t/yr] of the 天宁 network's sources
            table = _tianning_demo().sources.table
            mask = table["category"].astype(str) == key[0]
            if key[1] is not None:
                mask &= table["reach"].astype(str) == str(key[1])
            return float(table.loc[mask, key[2]].sum())
        if kind == "lake":
            raise ScenarioError(f"{_where(effect)}: field 'amount': give dredging as the 'fraction' of the mobile "
                                "sediment P pool removed", field="amount", value=effect.amount,
                                expected="a fraction")
        table = self.demo(base).sources.table
        mask = table["category"].astype(str) == key[0]
        if key[1] is not None:
            mask &= table["reach"].astype(str) == str(key[1])
        return float(table.loc[mask, key[2]].sum())

    def _split(self, base, sched, years):
        """Load reductions ``{year: {(category, reach, substance): f}}`` and dredging
        ``{lake: {year: {"volume": m3}}}`` of a schedule."""
        d = self.demo(base)
        loads = {int(y): {} for y in years}
        lakes = {}
        for k, fr in sched.as_dict().items():
            effect = _effect_from_key(k)
            if "wujin" not in self.networks(effect):
                continue  # acts on the 天宁 network only (see _tianning_stack)
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

    def _project(self, base, loads, lakes, years, members, seed):
        from .. import water

        ds = water.project(loads if any(loads.values()) else None, years=years, members=members, seed=seed,
                           lake_measures=lakes or None, data=self.demo(base))
        return ds

    def project_stack(self, base, schedules, years, members, seed, method, progress=False):
        """Both networks over ``(scenario, year, member, site)``: the Wujin demo (rivers and lakes)
        and the 天宁 network (粮庄桥; TP, NH3-N, COD — its other variables are NaN, not modelled),
        with ``section_water_class`` at every section (GB 3838 single factor on the annual means)."""
        wujin = self._wujin_stack(base, schedules, years, members, seed, method, progress)
        return _with_classes(_join_sites(wujin, self._tianning_stack(base, schedules, years, members, seed)))

    def _tianning_stack(self, base, schedules, years, members, seed):
        """The 天宁 network's steady ensemble, superposed: base + Σ fraction × unit response per key.
        Exact — steady concentrations are linear in the source loads for given parameter and flow
        draws, and the draws do not depend on the year (same members every year)."""
        import xarray as xr

        _demo_base(base, "water")
        years = [int(y) for y in years]
        keys = sorted({k for s in schedules for k in s.keys if "tianning" in self.networks(_effect_from_key(k))
                       and self._tianning_fields(_effect_from_key(k), required=False) is not None},
                      key=lambda k: tuple(str(v) for v in k))
        b = _tianning_response(base, int(members), int(seed), None)
        unit = {k: _tianning_response(base, int(members), int(seed), self._tianning_fields(_effect_from_key(k))[1])
                for k in keys}
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
        return xr.Dataset({v: (dims, np.maximum(out[v], 0.0), b[v].attrs) for v in names}, coords=coords)

    def _wujin_stack(self, base, schedules, years, members, seed, method, progress=False):
        import xarray as xr

        years = [int(y) for y in years]
        if method == "full":
            out = [self._project(base, *self._split(base, s, years), years, members, seed)
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
                    continue  # a 天宁-only effect
                f = np.asarray(fr, dtype=float).reshape((-1,) + (1,) * 2)
                for v in names:
                    out[v].values[i] += f * unit[k][v]
        for v in names:
            if v != "flow":
                out[v].values[...] = np.maximum(out[v].values, 0.0)
        out.attrs = dict(base_ds.attrs) | {"method": "surface (superposed unit responses of the water model)"}
        return out


#: Embedded water networks by the region whose plan they serve; ``CITY`` effects act on both.
WATER_NETWORKS = {"常州市武进区": "wujin", "常州市天宁区": "tianning"}
CITY = "常州市"


@functools.lru_cache(maxsize=1)
def _tianning_demo():
    from ..water.networks import tianning

    return tianning()


@functools.lru_cache(maxsize=64)
def _tianning_response(base: str, members: int, seed: int, key):
    """Steady ensemble at the 天宁 sections with the source *key* (category, reach, substance) removed
    (None: no reduction); one year — the draws are the same every year. Kept on disk (embedded data)."""
    from ..water.networks import section_ensemble

    _demo_base(base, "water")
    red = None if key is None else {tuple(key): 1.0}
    ds = _cache.load_or_compute("water_tianning", (base, members, seed, key), lambda: section_ensemble(
        _tianning_demo(), years=[2000], members=members, seed=seed, reductions=red))
    return ds.isel(year=0, drop=True)


def _join_sites(wujin, tianning):
    """The two networks' sections along one ``site`` dimension; a variable a network does not model
    is NaN there (the 天宁 network: TP, NH3-N and CODcr only). Lake variables are Wujin's."""
    import xarray as xr

    site_vars = [v for v in wujin.data_vars if "site" in wujin[v].dims]
    info = _tianning_demo().network.sections
    extra = {}
    for v in site_vars:
        if v in tianning:
            extra[v] = tianning[v].transpose(*wujin[v].dims)
        else:
            template = tianning["tp_concentration"].transpose(*wujin[v].dims)
            extra[v] = xr.full_like(template, np.nan, dtype=float).assign_attrs(
                comment="not modelled on this network")
    t = xr.Dataset(extra)
    for c, da in wujin.coords.items():
        if c != "site" and da.dims == ("site",):
            values = [str(info.loc[s, c]) if c in info.columns else "" for s in t["site"].values]
            t = t.assign_coords({c: ("site", np.asarray(values, dtype=object))})
    sites = xr.concat([wujin[site_vars], t], dim="site", coords="different", compat="equals", join="exact",
                      combine_attrs="override")
    both = wujin.drop_vars(site_vars).drop_dims("site").merge(sites, combine_attrs="override")
    for v in site_vars:
        both[v].attrs = dict(wujin[v].attrs)
    both.attrs = dict(wujin.attrs) | {"networks": "wujin (Wujin demo, rivers and lakes), tianning (新沟河, 粮庄桥)"}
    return both


def _with_classes(ds):
    """``section_water_class`` [class] at every section: GB 3838 single factor over the modelled
    Table 1 factors of 环办〔2011〕22号 (TP, NH3-N, CODcr, CODMn; a factor a network does not model —
    CODMn on the 天宁 network — is left out there)."""
    from .. import standards

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
    from .. import water

    _demo_base(base, "water")
    return water.demo()


def _good_day_slope(pm, good) -> np.ndarray:
    """Least-squares slope of the good-day ratio against annual PM2.5 over years × members, per region
    [percentage points per ug/m3]; never positive (cleaner air does not lose good days)."""
    x = pm.reshape(-1, pm.shape[-1])
    y = good.reshape(-1, good.shape[-1])
    xc = x - x.mean(axis=0)
    yc = y - y.mean(axis=0)
    den = (xc ** 2).sum(axis=0)
    slope = np.where(den > 0, (xc * yc).sum(axis=0) / np.where(den > 0, den, 1.0), 0.0)
    return np.minimum(slope, 0.0)
