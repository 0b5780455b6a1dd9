"""The air backend: :func:`ecomodel.air.project` on the embedded demo, and its fast method — the
response surface (:class:`ecomodel.air.ResponseSurface`) placed in space by source–receptor
sensitivities of the full model (both fitted on first use and kept on disk, see :mod:`ecomodel._cache`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ... import _cache
from ...errors import EcomodelError, ScenarioError
from ..schedule import ReductionKey
from ._shared import _cached, _demo_base, _progress, _where

if TYPE_CHECKING:
    import xarray as xr

    from ...air.demodata import AirDemo
    from ...air.rsm import ResponseSurface
    from ..model import Effect
    from ..schedule import Reductions

__all__ = ["AirBackend", "SRM_EXTRA"]


class AirBackend:
    """:func:`ecomodel.air.project` on the embedded demo (``base='demo'``).

    Effects become the air model's reduction keys ``(region or box, sector, pollutant)``; an effect
    without a region acts on every local box (Changzhou and Jiangyin, not the regional background);
    an effect with region ``长三角背景`` (the regional background box) cuts the air that enters the
    city — regional joint control (both methods: the full model runs it; the surface adds the
    background box's linear source–receptor response).
    Amounts [t/yr] are taken against the calibrated 2020 inventory of the demo. The weather
    ensemble is drawn from the scenario's seed, so every package of a comparison sees the same
    weather (common random numbers).
    """

    domain = "air"

    def demo(self, base: str) -> AirDemo:
        return _air_demo(base)

    @staticmethod
    def _key(effect):
        return (effect.region, effect.sector, effect.pollutant)

    @staticmethod
    def model_key(key: ReductionKey | tuple | Effect) -> tuple:
        """The air model's reduction key ``(region or box, sector, pollutant)`` of a schedule key
        (:class:`~ecomodel.scenario.schedule.ReductionKey` or :attr:`Effect.key` tuple)."""
        k = ReductionKey.of(key)
        return (k.region, k.sector, k.pollutant)

    def check_effect(self, base: str, effect: Effect) -> None:
        try:
            self.mask(base, self._key(effect))
        except EcomodelError as exc:
            field = getattr(exc, "field", None) or "effect"
            raise ScenarioError(f"{_where(effect)}: field '{'region' if field == 'box' else field}': {exc}",
                                field=field, value=getattr(exc, "value", None)) from None

    def mask(self, base: str, key: tuple) -> np.ndarray:
        """Inventory cells (box, sector, pollutant) that the air reduction key acts on (cached)."""
        from ... import air

        def compute():
            d = self.demo(base)
            return air.reduction_factors({key: 1.0}, d.inventory, domain=d.domain) == 0.0

        return _cached(("air-mask", base, key), compute)

    def baseline_amount(self, base: str, effect: Effect) -> float:
        from ... import air

        d = self.demo(base)
        try:
            f = air.fractions_from_amounts({self._key(effect): 1.0}, d.inventory, domain=d.domain)
        except EcomodelError:
            return 0.0
        f = float(next(iter(f.values())))
        return 1.0 / f if f > 0 else 0.0

    def schedule(self, sched: Reductions, years: Sequence[int] | np.ndarray) -> dict:
        """``{year: {(region, sector, pollutant): fraction}}`` for :func:`ecomodel.air.project`."""
        return {int(y): {self.model_key(k): f for k, f in sched.at(int(y)).items()} for y in years}

    #: methods taking ``member_block=(start, stop)`` (members drawn in fixed blocks, ecomodel._members)
    member_blocks = ("full",)
    #: methods whose schedules a cluster may also compute one by one (the model runs once per schedule)
    schedule_pieces = ("full",)

    def project_stack(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray,
                      members: int, seed: int, method: str, progress: bool = False,
                      member_block: tuple[int, int] | None = None) -> xr.Dataset:
        import xarray as xr

        from ... import air

        years = [int(y) for y in years]
        if member_block is not None and method != "full":
            raise ScenarioError(f"air: member_block needs method 'full', not {method!r}", field="method",
                                value=method, expected="'full'")
        if method == "surface":
            # one stage (the response surface is fitted on first use, then cached)
            for _ in _progress([0], progress, "air (response surface)", unit="stage"):
                out = self._surface(base, schedules, years, members, seed)
            return out
        kw = _air_kwargs(base, years)
        out = [air.project(self.schedule(s, years) if s.keys else None, years=years, members=members, seed=seed,
                           member_block=member_block, **kw)
               for s in _progress(schedules, progress, "air")]
        return xr.concat(out, dim="scenario", coords="minimal", compat="override", join="override",
                         combine_attrs="override")

    # -------------------------------------------------------------------------------- surface
    #: settings of the response-surface fit (out-of-sample error reported in ``surface(base).error_``)
    SURFACE_FIT = {"samples": 80, "test_samples": 20, "members": 6, "year": 2025, "seed": 0}

    def surface(self, base: str) -> ResponseSurface:
        """The fitted :class:`ecomodel.air.ResponseSurface` of the base data (cached per process)."""
        return _air_surface(base, tuple(sorted(self.SURFACE_FIT.items())))

    def _baseline(self, base, years: tuple, members: int, seed: int):
        return _air_baseline(base, years, members, seed)

    #: settings of the source–receptor runs that place the surface's response in space
    SRM_FIT = {"year": 2025, "members": 6, "seed": 1, "cut": 0.2}

    def source_receptor(self, base: str) -> tuple[list[str], list[str], np.ndarray]:
        """Linear source–receptor sensitivities of the full model: ``S[box, pollutant, region]``
        = change of annual PM2.5 [ug/m3] per unit fraction cut of the pollutant in one box (every
        local box, then the regional background box last), from cuts of ``SRM_FIT['cut']`` in year
        ``SRM_FIT['year']``; cached per process."""
        return _air_srm(base, tuple(sorted(self.SRM_FIT.items())), tuple(self.surface(base).variables))


    def _box_fractions(self, base, mapping) -> np.ndarray:
        """Share of each pollutant's emission removed in each box of the source–receptor runs (local
        boxes, then the background box): (box, pollutant in surface order), and the emissions."""
        from ... import air

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

    def relative_change(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray
                        ) -> np.ndarray:
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
                mapping = {self.model_key(k): f for k, f in sched.at(int(y)).items() if f > 0}
                key = tuple(sorted((tuple(str(x) for x in k), round(v, 15)) for k, v in mapping.items()))
                if key not in unique:
                    unique[key] = (len(unique), mapping)
                index[si, yi] = unique[key][0]
        n_var = len(rs.variables)
        local_boxes = set(self.demo(base).domain.local_boxes())
        local = np.array([b in local_boxes for b in boxes])
        F = np.zeros((len(unique), len(boxes), n_var))
        X = np.zeros((len(unique), n_var))
        for u, mapping in unique.values():
            if mapping:
                f, E = self._box_fractions(base, mapping)
                F[u] = f
                fl, El = f[local], E[local]
                X[u] = (fl * El).sum(axis=0) / np.where(El.sum(axis=0) > 0, El.sum(axis=0), 1.0)
        y0 = rs._predict_array(np.zeros((1, n_var)))[0, col]
        rsm = rs._predict_array(X)[:, col] - y0[None]
        lin_pkg = np.einsum("ubp,bpr->ur", F[:, local], S[local])
        lin_uni = np.einsum("up,pr->ur", X, S[local].sum(axis=0))
        ok = np.abs(lin_uni) > 1e-9
        delta = np.where(ok, rsm * lin_pkg / np.where(ok, lin_uni, 1.0), lin_pkg)
        # cuts of the regional background box: its linear source–receptor response, added
        delta = delta + np.einsum("ubp,bpr->ur", F[:, ~local], S[~local])
        return (delta / y0[None])[index]

    def o3_change(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray) -> dict:
        """Linear O3 responses ``{variable: (schedules, years, regions)}`` — the O3 good-day share [%]
        and MDA8 P90 [ug/m3] — from the source–receptor sensitivities and each box's removed shares."""
        boxes, regions, _ = self.source_receptor(base)
        extra = _AIR_SRM_EXTRA.get((base, tuple(sorted(self.SRM_FIT.items())), tuple(self.surface(base).variables)))
        if not extra:
            return {}
        out = {v: np.zeros((len(schedules), len(years), len(regions))) for v in extra}
        for si, sched in enumerate(schedules):
            for yi, y in enumerate(years):
                mapping = {self.model_key(k): f for k, f in sched.at(int(y)).items() if f > 0}
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
        if "dustfall" in b:
            ds["dustfall"] = (dims, self._dustfall(b, schedules, years), dict(b["dustfall"].attrs) | {
                "comment": "baseline ensemble x the schedule's climatological-weather dustfall relative to the "
                           "baseline's (dustfall is linear in the dust-sector emissions; ecomodel.air.deposition)"})
        ds.attrs = dict(b.attrs) | {"method": "surface", "surface": repr(self.surface(base))}
        return ds

    def _dustfall(self, b, schedules, years) -> np.ndarray:
        """Dustfall of each schedule, (schedule, year, member, region): the baseline ensemble scaled by
        the schedule's expected dustfall over the baseline's (exact for the linear dustfall model)."""
        from ... import air

        exp = air.expected_dustfall([None] + [self.schedule(s, years) if s.keys else None for s in schedules],
                                    years).sel(region=b["region"].values).values  # (1 + S, Y, R)
        ratio = np.where(exp[0] > 0, exp[1:] / np.where(exp[0] > 0, exp[0], 1.0), 1.0)
        d0 = b["dustfall"].transpose("year", "member", "region").values
        return d0[None] * ratio[:, :, None, :]


@functools.lru_cache(maxsize=2)
def _air_demo(base: str):
    from ... import air

    _demo_base(base, "air")
    return air.demo()


def _air_kwargs(base: str, years) -> dict:
    """Keyword arguments of :func:`ecomodel.air.project` for *base* (the demo: its defaults)."""
    _air_demo(base)
    return {}


@functools.lru_cache(maxsize=2)
def _air_surface(base: str, settings: tuple):
    from ... import air

    _air_demo(base)  # the embedded data only: so the fit depends on the installed version and settings alone
    # ~40 photochemical projections: kept on disk per installed version (see ecomodel._cache)
    return _cache.load_or_compute("air_surface", (base, settings), lambda: air.ResponseSurface.fit(**dict(settings)))


@functools.lru_cache(maxsize=8)
def _air_baseline(base: str, years: tuple, members: int, seed: int):
    from ... import air

    _demo_base(base, "air")  # embedded data only: the baseline depends on the installed version and these settings
    return _cache.load_or_compute("air_baseline", (base, years, members, seed), lambda: air.project(
        None, years=list(years), members=members, seed=seed, **_air_kwargs(base, years)))


#: variables whose linear source–receptor sensitivities :func:`_air_srm` returns besides PM2.5
SRM_EXTRA = ("good_days_o3_ratio", "o3_mda8_p90")


@functools.lru_cache(maxsize=2)
def _air_srm(base: str, settings: tuple, variables: tuple):
    """Linear sensitivities per unit cut of one pollutant in one box (every local box, then the
    regional background box): PM2.5 ``S[box, pol, region]`` and, in ``extra``, the O3 good-day ratio and MDA8 P90 (same runs, same weather)."""
    _air_demo(base)  # embedded data only; the runs are kept on disk per installed version (ecomodel._cache)
    boxes, regions, S, extra = _cache.load_or_compute("air_srm", (base, settings, variables),
                                                      lambda: _air_srm_compute(base, settings, variables))
    _AIR_SRM_EXTRA[(base, settings, variables)] = extra
    return boxes, regions, S


def _air_srm_compute(base: str, settings: tuple, variables: tuple):
    from ... import air

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
    # every local box, then the regional background box (packages of regional joint control cut it)
    boxes = d.domain.local_boxes() + d.domain.background_boxes()
    out = {v: np.zeros((len(boxes), len(variables), len(regions))) for v in b0}
    for i, box in enumerate(boxes):
        for j, pol in enumerate(variables):
            r = means(run({y: {(box, None, pol): float(cfg["cut"])}}))
            for v in out:
                out[v][i, j] = (r[v] - b0[v]).values / float(cfg["cut"])
    S = out.pop("pm25_annual_mean")
    return boxes, regions, S, out


_AIR_SRM_EXTRA: dict = {}




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
