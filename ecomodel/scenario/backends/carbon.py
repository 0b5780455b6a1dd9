"""The carbon backend: :func:`ecomodel.carbon.project` on the embedded demo drivers.

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
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...errors import EcomodelError, ScenarioError, close_matches
from ._shared import _cached, _demo_base, _effect_from_key, _progress, _resolve_region, _where

if TYPE_CHECKING:
    import xarray as xr

    from ...carbon.projection import Drivers
    from ..model import Effect
    from ..schedule import Reductions

__all__ = ["CarbonBackend"]


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
    #: methods taking ``member_block=(start, stop)`` (members drawn in fixed blocks, ecomodel._members)
    member_blocks = ("full",)

    def drivers(self, base: str) -> Drivers:
        """The demo :class:`ecomodel.carbon.Drivers` of *base* (cached per process)."""
        return _carbon_drivers(base)

    def _cells(self, base, effect):
        from ... import carbon

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

    def check_effect(self, base: str, effect: Effect) -> None:
        self._cells(base, effect)

    def baseline_amount(self, base: str, effect: Effect) -> float:
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

    def project_stack(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray,
                      members: int, seed: int, method: str, progress: bool = False,
                      member_block: tuple[int, int] | None = None) -> xr.Dataset:
        import xarray as xr

        from ... import carbon

        d = self.drivers(base)
        years = np.asarray(years, dtype=int)
        if years[0] < d.base_year:
            raise ScenarioError(f"carbon: years start in {years[0]}, before the carbon base year {d.base_year}",
                                field="start_year", value=int(years[0]), expected=f">= {d.base_year}")
        model_years = np.arange(d.base_year, years[-1] + 1)
        if member_block is not None and method != "full":
            raise ScenarioError(f"carbon: member_block needs method 'full', not {method!r}", field="method",
                                value=method, expected="'full'")
        if method == "full":
            out = [self._finish(carbon.project(d, years=model_years, members=members, seed=seed,
                                               measures=self._measures(base, sched, years) or None,
                                               member_block=member_block), years)
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
        from ... import carbon

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
    from ... import carbon

    variant = _demo_base(base, "carbon") or "baseline"
    try:
        return carbon.demo_drivers(scenario=variant)
    except EcomodelError as exc:
        raise ScenarioError(f"base {base!r}: {exc}", field="base", value=base) from None


def _inventory(drivers):
    from ... import carbon

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
