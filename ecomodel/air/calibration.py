"""Calibration: scale the inventory and the regional background to the plans' observed values.

Free parameters

- a *local scale* per group of boxes (default: the Changzhou districts together, Jiangyin alone),
  multiplying every sector and pollutant of the group's inventory, with a weak prior pulling it
  towards 1 (the stated inventory);
- a *background scale* per observed year, multiplying the regional background box's emissions
  (so the 2015→2020 fall of 45.6 % in Jiangyin, 003:4, and the 2020→2021 fall of 9 % in Wujin,
  000:87, are carried by the regional level together with the local emission trend);
- an *O3 level* per year with observed good-day ratios (:mod:`ecomodel.air.ozone`).

The annual means are ensemble means over generated weather with a fixed seed (common random
numbers, so the misfit is a smooth function of the scales). Scales are fitted by
``scipy.optimize.least_squares`` on their logarithms; O3 levels by root finding on the mean
good-day residual of each year. Residuals are reported for every observation; a fit whose PM2.5
root-mean-square residual exceeds *tolerance* raises :class:`~ecomodel.errors.CalibrationError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import CalibrationError, InputError

__all__ = ["calibrate", "CalibrationResult", "DEFAULT_GROUPS"]

#: default groups of boxes sharing a local scale
DEFAULT_GROUPS = {"常州市": "常州市", "江阴": "江阴"}


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    local_scale : dict
        Group → factor on the local inventory [1].
    background_scale : dict
        Year → factor on the background box's emissions [1].
    ozone_level : dict
        Year → O3 level factor [1].
    residuals : pandas.DataFrame
        One row per observation: box, region, year, indicator, observed, modelled, residual
        (modelled − observed), unit, source.
    members, seed : int
        Ensemble used.
    """

    local_scale: dict
    background_scale: dict
    ozone_level: dict
    residuals: pd.DataFrame
    members: int
    seed: int
    info: dict = field(default_factory=dict)

    @property
    def rmse(self) -> dict:
        """Root-mean-square residual per indicator."""
        g = self.residuals.groupby("indicator")["residual"]
        return {k: float(np.sqrt(np.mean(v.to_numpy() ** 2))) for k, v in g}

    def as_dict(self) -> dict:
        """JSON-ready dict (the format of ``ecomodel/data/air/calibration.json``)."""
        return {
            "local_scale": {k: round(float(v), 6) for k, v in self.local_scale.items()},
            "background_scale": {str(k): round(float(v), 6) for k, v in self.background_scale.items()},
            "ozone_level": {str(k): round(float(v), 6) for k, v in self.ozone_level.items()},
            "members": int(self.members), "seed": int(self.seed),
            "rmse": {k: round(v, 4) for k, v in self.rmse.items()},
            "residuals": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                          for row in self.residuals.to_dict("records")],
            "calibrated_to": "ecomodel/data/air/observations.csv (plan values, see SOURCES.md)",
        } | self.info

    def save(self, path) -> None:
        """Write :meth:`as_dict` as JSON (atomically)."""
        import os
        import tempfile

        text = json.dumps(self.as_dict(), ensure_ascii=False, indent=1)
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.replace(tmp, path)

    def __str__(self) -> str:
        lines = ["air calibration",
                 "local scale: " + ", ".join(f"{k} {v:.3f}" for k, v in self.local_scale.items()),
                 "background scale: " + ", ".join(f"{k} {v:.3f}" for k, v in self.background_scale.items()),
                 "O3 level: " + ", ".join(f"{k} {v:.3f}" for k, v in self.ozone_level.items()),
                 "RMSE: " + ", ".join(f"{k} {v:.2f}" for k, v in self.rmse.items())]
        return "\n".join(lines)


def calibrate(observations=None, *, base_inventory=None, domain=None, parameters=None, settings=None,
              ozone_settings=None, emission_trend=None, groups=None, members: int = 16, seed: int = 2020,
              fit_ozone: bool = True, tolerance: float = 3.0, prior: float = 2.0) -> CalibrationResult:
    """Fit local and background emission scales (and O3 levels) to observed annual values.

    Parameters
    ----------
    observations : pandas.DataFrame, optional
        Columns box, year, indicator (``pm25_annual_mean`` [µg/m³] or ``good_air_days_ratio``
        [%]), value, source; the plans' values (``observations.csv``) by default.
    base_inventory : Inventory, optional
        Uncalibrated inventory [t/yr] (the demo's by default).
    domain, parameters, settings, ozone_settings : optional
        Model set-up (demo defaults).
    emission_trend : pandas.DataFrame, optional
        Local emissions relative to the base year by year and pollutant [1] (demo table).
    groups : mapping, optional
        Group name → box, region or city whose boxes share a local scale.
    members : int
        Weather members per year.
    seed : int
        Seed of the weather (and O3) series.
    fit_ozone : bool
        Also fit O3 levels to the good-day ratios.
    tolerance : float
        Largest acceptable PM2.5 RMS residual [µg/m³].
    prior : float
        Weight of the prior on the local scales [µg/m³ per factor 2]: a local scale of 2 (or 1/2)
        costs as much as a residual of *prior* µg/m³. The observations alone cannot separate
        local from regional contributions (districts' values disagree by more than the model's
        spatial contrast), so the inventory is kept near its stated value unless the data insist.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    CalibrationError
        When the optimiser fails or the PM2.5 RMS residual exceeds *tolerance*.

    Examples
    --------
    >>> from ecomodel.air.demodata import load_observations
    >>> obs = load_observations().query("year == 2020")
    >>> res = calibrate(obs, members=2, fit_ozone=False)
    >>> sorted(res.background_scale), res.rmse["pm25_annual_mean"] < 3
    ([2020], True)
    """
    from scipy.optimize import brentq, least_squares

    from .box import _run
    from .demodata import demo, load_observations
    from .emissions import POLLUTANTS
    from .indicators import good_day_threshold
    from .meteorology import generate_meteorology, meteorology_arrays
    from .ozone import generate_ozone

    d = demo(calibrated=False)
    obs = (load_observations() if observations is None else observations).copy()
    need = {"box", "year", "indicator", "value"}
    if not need <= set(obs.columns):
        raise InputError(f"observations: columns {list(obs.columns)}; expected {sorted(need)}", field="observations")
    inv = base_inventory or d.base_inventory
    domain = domain or d.domain
    parameters = parameters or d.parameters
    settings = settings or d.settings
    ozone_settings = ozone_settings or d.ozone_settings
    trend = d.emission_trend if emission_trend is None else emission_trend
    groups = dict(DEFAULT_GROUPS if groups is None else groups)
    obs["box"] = [domain.find(b) or b for b in obs["box"]]
    unknown = [b for b in obs["box"] if b not in domain.boxes]
    if unknown:
        raise InputError(f"observations: unknown box {unknown[0]!r}", field="box", value=unknown[0],
                         expected=f"one of {list(domain.boxes)}")
    known = {"pm25_annual_mean", "good_air_days_ratio"}
    bad = set(obs["indicator"]) - known
    if bad:
        raise InputError(f"observations: unknown indicator(s) {sorted(bad)}", field="indicator", value=sorted(bad),
                         expected=str(sorted(known)))
    pm_obs = obs[obs["indicator"] == "pm25_annual_mean"].reset_index(drop=True)
    gd_obs = obs[obs["indicator"] == "good_air_days_ratio"].reset_index(drop=True)
    if pm_obs.empty:
        raise InputError("observations: no pm25_annual_mean rows to calibrate to", field="observations")
    group_boxes = {g: domain.resolve(v) for g, v in groups.items()}
    box_group = {b: g for g, bs in group_boxes.items() for b in bs}
    years = sorted(set(int(y) for y in obs["year"]))
    pm_years = sorted(set(int(y) for y in pm_obs["year"]))
    gnames = list(group_boxes)
    kinds = dict(zip(domain.boxes, domain.kind))
    bidx = {b: i for i, b in enumerate(inv.boxes)}

    def trend_of(y):
        row = trend[trend["year"] == y]
        return {p: (float(row[p].iloc[0]) if not row.empty else 1.0) for p in POLLUTANTS}

    # weather and kernel inputs per year (fixed: common random numbers)
    ss = np.random.SeedSequence(int(seed))
    kids = ss.spawn(2 * len(years))
    met_by_year, arr_by_year = {}, {}
    for k, y in enumerate(years):
        met = generate_meteorology(settings, years=[y], members=members, seed=np.random.default_rng(kids[2 * k]))
        met_by_year[y] = met
        arr_by_year[y] = meteorology_arrays(met)

    def factors_for(y, local, bgs):
        f = np.ones(inv.emissions.shape)
        tr = trend_of(y)
        for b, i in bidx.items():
            if kinds.get(b) == "background":
                f[i] *= bgs
            else:
                f[i] *= local.get(box_group.get(b), 1.0)
                for kk, p in enumerate(POLLUTANTS):
                    f[i, :, kk] *= tr[p]
        return f

    def daily_pm(y, local, bgs):
        arr, dates, _ = arr_by_year[y]
        flux, period, _ = inv.fluxes(domain, dates, {y: factors_for(y, local, bgs)})
        out, _ = _run(domain, flux[None], period, np.zeros(members, dtype=np.int64), arr, parameters,
                      chemistry=True, components=False, substeps=1, spinup_days=30)
        return out[0]  # (member, day, box)

    def unpack(theta):
        s = np.exp(theta)
        local = dict(zip(gnames, s[:len(gnames)]))
        bgs = dict(zip(pm_years, s[len(gnames):]))
        return local, bgs

    def residuals(theta):
        return np.concatenate([model_residuals(theta), prior * theta[:len(gnames)] / np.log(2.0)])

    def model_residuals(theta):
        local, bgs = unpack(theta)
        res = np.empty(len(pm_obs))
        for y in pm_years:
            mean = daily_pm(y, local, bgs[y]).mean(axis=(0, 1))
            for r in np.flatnonzero(pm_obs["year"].to_numpy() == y):
                res[r] = mean[domain.boxes.index(pm_obs.loc[r, "box"])] - pm_obs.loc[r, "value"]
        return res

    theta0 = np.zeros(len(gnames) + len(pm_years))
    sol = least_squares(residuals, theta0, bounds=(np.log(0.05), np.log(20.0)), x_scale=1.0, diff_step=1e-3,
                        xtol=1e-6, ftol=1e-8)
    if not sol.success:
        raise CalibrationError(f"calibration did not converge: {sol.message}", field="local_scale")
    local, bgs = unpack(sol.x)

    rows = []
    pm_res = model_residuals(sol.x)
    for r, row in pm_obs.iterrows():
        rows.append({"box": row["box"], "region": domain.region[domain.boxes.index(row["box"])], "year": int(row["year"]),
                     "indicator": "pm25_annual_mean", "observed": float(row["value"]),
                     "modelled": float(row["value"] + pm_res[r]), "residual": float(pm_res[r]), "unit": "ug/m3",
                     "source": row.get("source", "")})

    levels = {}
    if fit_ozone and not gd_obs.empty:
        pm_good, o3_good = good_day_threshold("PM2.5"), good_day_threshold("O3_8h")
        for k, y in enumerate(years):
            sub = gd_obs[gd_obs["year"] == y]
            if sub.empty:
                continue
            bg_y = bgs.get(y, _nearest(bgs, y))
            pm = daily_pm(y, local, bg_y)
            okpm = pm <= pm_good
            met = met_by_year[y]
            cols = [domain.boxes.index(b) for b in sub["box"]]
            target = sub["value"].to_numpy(float)

            def good_ratio(level, cols=cols, okpm=okpm, met=met, k=k):
                o3 = generate_ozone(met, level=level, settings=ozone_settings, climatology=settings.climatology,
                                    seed=np.random.default_rng(kids[2 * k + 1])).values.T  # (member, day)
                good = okpm[:, :, cols] & (o3[:, :, None] <= o3_good)
                return good.mean(axis=(0, 1)) * 100.0

            f = lambda lv: float(np.mean(good_ratio(lv) - target))  # noqa: E731
            lo, hi = 0.2, 5.0
            if f(lo) < 0 or f(hi) > 0:
                raise CalibrationError(f"O3 level for {y}: observed good-day ratios {target.tolist()} % cannot be "
                                       f"matched with a level in [{lo}, {hi}]", field="ozone_level", value=y)
            lv = brentq(f, lo, hi, xtol=1e-4)
            levels[y] = lv
            model = good_ratio(lv)
            for (_, row), mval in zip(sub.iterrows(), model):
                rows.append({"box": row["box"], "region": domain.region[domain.boxes.index(row["box"])], "year": y,
                             "indicator": "good_air_days_ratio", "observed": float(row["value"]),
                             "modelled": float(mval), "residual": float(mval - row["value"]), "unit": "%",
                             "source": row.get("source", "")})
    result = CalibrationResult(local_scale={g: float(v) for g, v in local.items()},
                               background_scale={int(y): float(v) for y, v in bgs.items()},
                               ozone_level={int(y): float(v) for y, v in levels.items()},
                               residuals=pd.DataFrame(rows), members=int(members), seed=int(seed),
                               info={"groups": {g: list(bs) for g, bs in group_boxes.items()},
                                     "prior_ug_m3_per_factor_2": float(prior)})
    rmse = result.rmse.get("pm25_annual_mean", 0.0)
    if not np.isfinite(rmse) or rmse > tolerance:
        raise CalibrationError(f"calibration misfit: PM2.5 RMS residual {rmse:.2f} ug/m3 exceeds the tolerance "
                               f"{tolerance} ug/m3\n{result.residuals.to_string()}", field="tolerance", value=rmse,
                               expected=f"<= {tolerance}")
    return result


def _nearest(mapping: dict, year: int) -> float:
    items = sorted(mapping.items())
    prior = [v for k, v in items if k <= year]
    return prior[-1] if prior else items[0][1]


if __name__ == "__main__":  # regenerate the stored calibration: python -m ecomodel.air.calibration
    from .._data import DATA_DIR

    res = calibrate()
    print(res)
    print(res.residuals.to_string())
    res.save(DATA_DIR / "air" / "calibration.json")
