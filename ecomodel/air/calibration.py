"""Calibration: scale the inventory and a regional background trend to the plans' observed values.

Free parameters (few, so that held-out years and boxes test the model rather than the fit)

- a *local scale* per group of boxes (default: the Changzhou districts together, Jiangyin alone),
  multiplying every sector and pollutant of the group's inventory, with a weak prior pulling it
  towards 1 (the stated inventory);
- a *background trend* of two parameters: the regional background box's emissions are multiplied by
  ``level · (R(y) / R(2020)) ** exponent``, where ``R(y)`` is the regional driver of year ``y`` —
  the Jiangsu provincial annual mean PM2.5 (column ``regional_pm25`` of ``emission_trend.csv``), an
  observed index that integrates the regional emission trend and the year's meteorology. Years
  outside the table hold the nearest tabulated value;
- an *O3 level* per year with observed good-day ratios (:mod:`ecomodel.air.ozone`).

The annual means alone hardly separate local from regional PM2.5 (the in-sample RMS residual moves
from 2.98 to 3.11 µg/m³ when the Changzhou local scale goes from 0.64 to 1.3), so a *local-share
constraint* does: in the reference year, each observed box's share of PM2.5 caused by the local
emissions (zero-out of every local box, :func:`ecomodel.air.validation.local_share`) is held inside
the range published source-apportionment studies report for Jiangsu and comparable cities
(:data:`LOCAL_SHARE_RANGE`, sources in ``ecomodel/data/air/SOURCES.md``), by a stiff penalty
outside it.

The annual means are ensemble means over generated weather with a seed fixed per year (common
random numbers, so the misfit is a smooth function of the parameters and any subset of years sees
the same weather). Parameters are fitted by ``scipy.optimize.least_squares`` on logarithms (level,
scales) and the exponent; O3 levels by root finding on the mean good-day residual of each year.
:meth:`CalibrationResult.predict` gives the modelled value of any observation row under a fit;
:func:`validate` refits with each observed year and each box left out in turn and scores the
held-out rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import CalibrationError, InputError

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from .box import Domain
    from .emissions import Inventory
    from .meteorology import MeteorologySettings
    from .ozone import OzoneSettings
    from .parameters import ProcessParameters
    from .photochem import GRSParameters

__all__ = ["calibrate", "validate", "CalibrationResult", "DEFAULT_GROUPS", "background_factor",
           "regional_index", "reference_forecast", "reference_table"]

#: default groups of boxes sharing a local scale
DEFAULT_GROUPS = {"常州市": "常州市", "江阴": "江阴"}
#: reference year of the background trend (the inventory year)
REFERENCE_YEAR = 2020
_KNOWN = ("pm25_annual_mean", "good_air_days_ratio")
#: Published range of the local share of annual PM2.5 in a city [1]: 39 % local in Xuzhou (Jiangsu,
#: WRF-CAMx PSAT; Zhang T. et al. 2017, 环境科学学报 37(10) 3918), 51-63 % in four Hebei transport-
#: channel cities (WRF-CMAQ; Dai W. et al. 2024, 环境科学 45(1) 23); see ecomodel/data/air/SOURCES.md.
LOCAL_SHARE_RANGE = (0.35, 0.65)


def regional_index(trend: pd.DataFrame, year: int) -> float:
    """Regional driver ``R(year)`` [µg/m³]: the ``regional_pm25`` column of *trend*, the nearest
    tabulated year outside the table (held)."""
    if "regional_pm25" not in trend.columns:
        raise InputError("emission trend: no column 'regional_pm25' (the background driver)", field="regional_pm25",
                         expected="Jiangsu annual mean PM2.5 per year [ug/m3]")
    t = trend[["year", "regional_pm25"]].dropna().sort_values("year")
    ys, vs = t["year"].to_numpy(int), t["regional_pm25"].to_numpy(float)
    if len(ys) == 0 or not np.all(vs > 0):
        raise InputError("emission trend: regional_pm25 must be positive", field="regional_pm25", value=vs.tolist(),
                         expected="> 0")
    k = int(np.argmin(np.abs(ys - int(year))))
    exact = ys == int(year)
    if exact.any():
        return float(vs[exact][0])
    before = ys <= int(year)
    return float(vs[before][-1]) if before.any() else float(vs[k])


def background_factor(year: int, level: float, exponent: float, trend: pd.DataFrame,
                      reference_year: int = REFERENCE_YEAR) -> float:
    """Factor on the background box's emissions in *year* [1]: ``level · (R(y)/R(ref)) ** exponent``."""
    r = regional_index(trend, year) / regional_index(trend, reference_year)
    return float(level) * r ** float(exponent)


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    local_scale : dict
        Group → factor on the local inventory [1].
    background : dict
        ``level`` [1], ``exponent`` [1] and ``reference_year`` of the background trend.
    background_scale : dict
        Year → resulting factor on the background box's emissions for the observed years [1].
    ozone_level : dict
        Year → O3 level factor [1].
    residuals : pandas.DataFrame
        One row per observation: box, region, year, indicator, observed, modelled, residual
        (modelled − observed), unit, source.
    members, seed : int
        Ensemble used.
    """

    local_scale: dict
    background: dict
    background_scale: dict
    ozone_level: dict
    residuals: pd.DataFrame
    members: int
    seed: int
    info: dict = field(default_factory=dict)
    model: object = field(default=None, repr=False, compare=False)

    @property
    def rmse(self) -> dict:
        """Root-mean-square residual per indicator."""
        g = self.residuals.groupby("indicator")["residual"]
        return {k: float(np.sqrt(np.mean(v.to_numpy() ** 2))) for k, v in g}

    def predict(self, observations: pd.DataFrame) -> pd.DataFrame:
        """Modelled value for each row of *observations* under this calibration.

        Parameters
        ----------
        observations : pandas.DataFrame
            Columns box, year, indicator (``pm25_annual_mean`` [µg/m³] or ``good_air_days_ratio``
            [%]); a ``value`` column, when present, gives residuals.

        Returns
        -------
        pandas.DataFrame
            The rows with ``modelled`` (and ``residual`` = modelled − value, ``error_pct`` when a
            value is given). Good-day ratios of years without a fitted O3 level use the mean level of
            the fitted years.
        """
        model = self.model or _Model.default(members=self.members, seed=self.seed)
        obs = model.check(observations)
        out = obs.copy()
        out["modelled"] = np.nan
        local = self.local_scale
        lev_mean = float(np.mean(list(self.ozone_level.values()))) if self.ozone_level else 1.0
        for y in sorted(set(int(v) for v in obs["year"])):
            rows = np.flatnonzero(obs["year"].to_numpy(int) == y)
            bg = background_factor(y, self.background["level"], self.background["exponent"], model.trend,
                                   self.background.get("reference_year", REFERENCE_YEAR))
            pm = model.daily_pm(y, local, bg)
            mean = pm.mean(axis=(0, 1))
            for r in rows:
                col = model.domain.boxes.index(obs["box"].iloc[r])
                if obs["indicator"].iloc[r] == "pm25_annual_mean":
                    out.iloc[r, out.columns.get_loc("modelled")] = mean[col]
                else:
                    lv = self.ozone_level.get(y, lev_mean)
                    out.iloc[r, out.columns.get_loc("modelled")] = model.good_ratio(y, pm, lv, [col], local, bg)[0]
        if "value" in out.columns:
            out["residual"] = out["modelled"] - out["value"].astype(float)
            out["error_pct"] = 100.0 * out["residual"] / out["value"].astype(float)
        return out

    def as_dict(self) -> dict:
        """JSON-ready dict (the format of ``ecomodel/data/air/calibration.json``)."""
        return {
            "local_scale": {k: round(float(v), 6) for k, v in self.local_scale.items()},
            "background": {k: (round(float(v), 6) if k != "reference_year" else int(v))
                           for k, v in self.background.items()},
            "background_scale": {str(k): round(float(v), 6) for k, v in self.background_scale.items()},
            "ozone_level": {str(k): round(float(v), 6) for k, v in self.ozone_level.items()},
            "members": int(self.members), "seed": int(self.seed),
            "rmse": {k: round(v, 4) for k, v in self.rmse.items()},
            "residuals": _records(self.residuals),
            "calibrated_to": "ecomodel/data/air/observations.csv (plan values, see SOURCES.md)",
        } | self.info

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`as_dict` as JSON (atomically)."""
        _save_json(self.as_dict(), path)

    def __str__(self) -> str:
        b = self.background
        lines = ["air calibration",
                 "local scale: " + ", ".join(f"{k} {v:.3f}" for k, v in self.local_scale.items()),
                 f"background: {b['level']:.3f} x (R/R{b.get('reference_year', REFERENCE_YEAR)})^{b['exponent']:.3f}",
                 "background scale: " + ", ".join(f"{k} {v:.3f}" for k, v in self.background_scale.items()),
                 "O3 level: " + ", ".join(f"{k} {v:.3f}" for k, v in self.ozone_level.items()),
                 "RMSE: " + ", ".join(f"{k} {v:.2f}" for k, v in self.rmse.items())]
        return "\n".join(lines)


def _records(df: pd.DataFrame) -> list:
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()} for row in df.to_dict("records")]


def _save_json(obj: dict, path) -> None:
    import os
    import tempfile

    text = json.dumps(obj, ensure_ascii=False, indent=1)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    os.replace(tmp, path)


class _Model:
    """The box model set up for calibration: inventory, domain, trend and per-year weather (cached)."""

    def __init__(self, *, base_inventory, domain, parameters, settings, ozone_settings, trend, groups,
                 members: int, seed: int, grs=None):
        self.inv, self.domain, self.parameters = base_inventory, domain, parameters
        self.grs = grs  # GRSParameters of the photochemical O3 (None: the defaults)
        self.settings, self.ozone_settings, self.trend = settings, ozone_settings, trend
        self.members, self.seed = int(members), int(seed)
        self.group_boxes = {g: domain.resolve(v) for g, v in groups.items()}
        self.box_group = {b: g for g, bs in self.group_boxes.items() for b in bs}
        self.kinds = dict(zip(domain.boxes, domain.kind))
        self._weather: dict = {}

    @classmethod
    def default(cls, *, members: int = 16, seed: int = 2020, groups=None, grs=None, **over) -> "_Model":
        """The demo set-up (uncalibrated inventory), with any of the constructor's inputs replaced."""
        from .demodata import demo

        d = demo(calibrated=False)
        kw = dict(base_inventory=d.base_inventory, domain=d.domain, parameters=d.parameters, settings=d.settings,
                  ozone_settings=d.ozone_settings, trend=d.emission_trend)
        kw.update({k: v for k, v in over.items() if v is not None})
        return cls(groups=dict(DEFAULT_GROUPS if groups is None else groups), members=members, seed=seed, grs=grs,
                   **kw)

    def check(self, observations: pd.DataFrame) -> pd.DataFrame:
        """Validated copy of an observation table with box names resolved to domain boxes."""
        need = {"box", "year", "indicator"}
        if not isinstance(observations, pd.DataFrame) or not need <= set(observations.columns):
            cols = list(getattr(observations, "columns", []))
            raise InputError(f"observations: columns {cols}; expected at least {sorted(need)}", field="observations")
        obs = observations.reset_index(drop=True).copy()
        obs["box"] = [self.domain.find(b) or b for b in obs["box"]]
        unknown = [b for b in obs["box"] if b not in self.domain.boxes]
        if unknown:
            raise InputError(f"observations: unknown box {unknown[0]!r}", field="box", value=unknown[0],
                             expected=f"one of {list(self.domain.boxes)}")
        bad = set(obs["indicator"]) - set(_KNOWN)
        if bad:
            raise InputError(f"observations: unknown indicator(s) {sorted(bad)}", field="indicator",
                             value=sorted(bad), expected=str(list(_KNOWN)))
        return obs

    def weather(self, year: int):
        """Generated meteorology and kernel arrays of *year* (seed fixed per year)."""
        from .meteorology import generate_meteorology, meteorology_arrays

        y = int(year)
        if y not in self._weather:
            ss = np.random.SeedSequence([self.seed, y])
            k_met, k_o3 = ss.spawn(2)
            met = generate_meteorology(self.settings, years=[y], members=self.members,
                                       seed=np.random.default_rng(k_met))
            self._weather[y] = (met, meteorology_arrays(met), k_o3)
        return self._weather[y]

    def local_trend(self, year: int) -> dict:
        from .emissions import POLLUTANTS

        row = self.trend[self.trend["year"] == int(year)]
        return {p: (float(row[p].iloc[0]) if not row.empty else 1.0) for p in POLLUTANTS}

    def factors(self, year: int, local: dict, bg: float) -> np.ndarray:
        """Remaining-fraction array (box, sector, pollutant) of *year* [1]."""
        from .emissions import POLLUTANTS

        f = np.ones(self.inv.emissions.shape)
        tr = self.local_trend(year)
        for i, b in enumerate(self.inv.boxes):
            if self.kinds.get(b) == "background":
                f[i] *= bg
            else:
                f[i] *= local.get(self.box_group.get(b), 1.0)
                for k, p in enumerate(POLLUTANTS):
                    f[i, :, k] *= tr[p]
        return f

    def daily_pm(self, year: int, local: dict, bg: float) -> np.ndarray:
        """Daily PM2.5 ``(member, day, box)`` [µg/m³]."""
        from .box import _run

        _, (arr, dates, _), _ = self.weather(year)
        flux, period, _ = self.inv.fluxes(self.domain, dates, {int(year): self.factors(year, local, bg)})
        out, _ = _run(self.domain, flux[None], period, np.zeros(self.members, dtype=np.int64), arr, self.parameters,
                      chemistry=True, components=False, substeps=1, spinup_days=30)
        return out[0]

    def daily_o3(self, year: int, level: float, local: dict, bg: float) -> np.ndarray:
        """Daily MDA8 O3 [µg/m³] ``(member, day, box)`` from the photochemical model at O3 *level*."""
        from .projection import _daily_o3

        met, (arr, dates, _), k_o3 = self.weather(year)
        flux, period, _ = self.inv.fluxes(self.domain, dates, {int(year): self.factors(year, local, bg)})
        return _daily_o3("photochemical", met, arr, dates, flux, period, self.domain, float(level),
                         self.ozone_settings, self.settings, [(slice(None), np.random.default_rng(k_o3))], self.grs)

    def good_ratio(self, year: int, pm: np.ndarray, level: float, cols: list, local: dict, bg: float) -> np.ndarray:
        """Good-day ratio [%] of the boxes *cols* with daily PM2.5 *pm* and photochemical O3 at *level*."""
        from .indicators import good_day_threshold

        o3 = self.daily_o3(year, level, local, bg)
        good = (pm[:, :, cols] <= good_day_threshold("PM2.5")) & (o3[:, :, cols] <= good_day_threshold("O3_8h"))
        return good.mean(axis=(0, 1)) * 100.0


def calibrate(observations: pd.DataFrame | None = None, *, base_inventory: Inventory | None = None,
              domain: Domain | None = None, parameters: ProcessParameters | None = None,
              settings: MeteorologySettings | None = None, ozone_settings: OzoneSettings | None = None,
              emission_trend: pd.DataFrame | None = None, groups: Mapping[str, str] | None = None,
              members: int = 16, seed: int = 2020, fit_ozone: bool = True, tolerance: float = 3.5,
              prior: float = 2.0, local_share: tuple[float, float] | None = LOCAL_SHARE_RANGE,
              share_weight: float = 20.0, model: _Model | None = None,
              grs: GRSParameters | None = None) -> CalibrationResult:
    """Fit local scales, the two-parameter background trend (and O3 levels) to observed annual values.

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
        Local emissions relative to the base year by year and pollutant [1] and the regional driver
        ``regional_pm25`` [µg/m³] (demo table).
    groups : mapping, optional
        Group name → box, region or city whose boxes share a local scale.
    members : int
        Weather members per year.
    seed : int
        Seed of the weather (and O3) series (combined with the year).
    fit_ozone : bool
        Also fit O3 levels to the good-day ratios.
    tolerance : float
        Largest acceptable PM2.5 RMS residual [µg/m³] (the demo fit: 3.15 with the local-share
        constraint, 2.98 without).
    prior : float
        Weight of the prior on the local scales [µg/m³ per factor 2]: a local scale of 2 (or 1/2)
        costs as much as a residual of *prior* µg/m³ (the observations alone cannot separate local
        from regional contributions).
    local_share : (float, float) or None
        Range [1] of the local share of annual PM2.5 that each observed local box must have in the
        reference year (:data:`LOCAL_SHARE_RANGE`, published source apportionment); None drops
        the constraint.
    share_weight : float
        Penalty [µg/m³ per 10 points] of a local share outside *local_share*.
    model : optional
        A prepared set-up (reuses its weather; used by :func:`validate`).
    grs : GRSParameters, optional
        Photochemical O3 model (its time-integration scheme) with which the O3 levels are fitted
        (default: ``GRSParameters()``); ignored when *model* is given (the model's own).

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
    >>> obs = load_observations().query("year in (2020, 2021)")
    >>> res = calibrate(obs, members=2, fit_ozone=False)
    >>> sorted(res.background_scale), res.rmse["pm25_annual_mean"] < 3
    ([2020, 2021], True)
    """
    from .demodata import load_observations

    m = model or _Model.default(members=members, seed=seed, groups=groups, base_inventory=base_inventory,
                                domain=domain, parameters=parameters, settings=settings,
                                ozone_settings=ozone_settings, trend=emission_trend, grs=grs)
    pm_obs, gd_obs = _observation_rows(m, load_observations() if observations is None else observations)
    local_share = None if local_share is None else _share_range(local_share)
    local, level, expo = _fit_pm25(m, pm_obs, prior, local_share, share_weight)
    info = {"groups": {g: list(bs) for g, bs in m.group_boxes.items()}, "prior_ug_m3_per_factor_2": float(prior),
            "local_share_range": None if local_share is None else list(local_share),
            "local_share_weight_ug_m3_per_10_points": float(share_weight)}
    if fit_ozone and not gd_obs.empty:  # the O3 levels hold for the integration scheme they were fitted with
        from .photochem import GRSParameters

        g = m.grs or GRSParameters()
        info["ozone_scheme"] = {"scheme": g.scheme, "substeps_per_hour": int(g.substeps)}
    result = _result(m, pm_obs, local, level, expo, info)
    if fit_ozone and not gd_obs.empty:
        result.ozone_level = _fit_ozone(m, result, gd_obs)
    result.residuals = _residual_table(m, result, pd.concat([pm_obs, gd_obs], ignore_index=True))
    return _within_tolerance(result, tolerance)


def _result(m: _Model, pm_obs: pd.DataFrame, local: dict, level: float, expo: float, info: dict) -> CalibrationResult:
    """The :class:`CalibrationResult` of fitted scales and background trend (no O3, no residuals yet)."""
    pm_years = sorted(set(int(y) for y in pm_obs["year"]))
    background = {"level": level, "exponent": expo, "reference_year": REFERENCE_YEAR}
    return CalibrationResult(local_scale={g: float(v) for g, v in local.items()}, background=background,
                             background_scale={y: background_factor(y, level, expo, m.trend) for y in pm_years},
                             ozone_level={}, residuals=pd.DataFrame(), members=m.members, seed=m.seed, info=info,
                             model=m)


def _within_tolerance(result: CalibrationResult, tolerance: float) -> CalibrationResult:
    """*result*, or a CalibrationError when its PM2.5 RMS residual exceeds *tolerance* [µg/m³]."""
    rmse = result.rmse.get("pm25_annual_mean", 0.0)
    if not np.isfinite(rmse) or rmse > tolerance:
        raise CalibrationError(f"calibration misfit: PM2.5 RMS residual {rmse:.2f} ug/m3 exceeds the tolerance "
                               f"{tolerance} ug/m3\n{result.residuals.to_string()}", field="tolerance", value=rmse,
                               expected=f"<= {tolerance}")
    return result


def _observation_rows(m: _Model, observations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validated PM2.5 and good-day rows of an observation table (at least one PM2.5 row)."""
    obs = m.check(observations)
    if "value" not in obs.columns:
        raise InputError("observations: no 'value' column", field="value")
    pm_obs = obs[obs["indicator"] == "pm25_annual_mean"].reset_index(drop=True)
    gd_obs = obs[obs["indicator"] == "good_air_days_ratio"].reset_index(drop=True)
    if pm_obs.empty:
        raise InputError("observations: no pm25_annual_mean rows to calibrate to", field="observations")
    return pm_obs, gd_obs


def _share_range(local_share: tuple[float, float]) -> tuple[float, float]:
    """The local-share range as floats, checked: 0 <= low < high <= 1."""
    lo_s, hi_s = (float(v) for v in local_share)
    if not (0.0 <= lo_s < hi_s <= 1.0):
        raise InputError(f"local_share: {local_share}; expected 0 <= low < high <= 1", field="local_share",
                         value=local_share, expected="0 <= low < high <= 1")
    return lo_s, hi_s


def _fit_pm25(m: _Model, pm_obs: pd.DataFrame, prior: float, local_share: tuple[float, float] | None,
              share_weight: float) -> tuple[dict, float, float]:
    """Least-squares fit of the local scales, background level and exponent to the PM2.5 rows, with the
    prior on the scales and the local-share penalty; returns (local scales, level, exponent)."""
    from scipy.optimize import least_squares

    gnames = list(m.group_boxes)
    pm_years = sorted(set(int(y) for y in pm_obs["year"]))
    # with one observed year the exponent is not identified: keep it at 1
    fit_exp = len({regional_index(m.trend, y) for y in pm_years}) > 1
    ng = len(gnames)
    share_year = REFERENCE_YEAR if REFERENCE_YEAR in pm_years else pm_years[0]
    share_cols = [m.domain.boxes.index(b) for b in dict.fromkeys(pm_obs["box"]) if m.kinds.get(b) == "local"]
    obs_years = pm_obs["year"].to_numpy(int)
    obs_cols = [m.domain.boxes.index(b) for b in pm_obs["box"]]
    obs_values = pm_obs["value"].to_numpy(float)

    def unpack(theta):
        local = dict(zip(gnames, np.exp(theta[:ng])))
        return local, float(np.exp(theta[ng])), (float(theta[ng + 1]) if fit_exp else 1.0)

    def model_residuals(theta):
        local, level, expo = unpack(theta)
        res = np.empty(len(pm_obs))
        for y in pm_years:
            mean = m.daily_pm(y, local, background_factor(y, level, expo, m.trend)).mean(axis=(0, 1))
            for r in np.flatnonzero(obs_years == y):
                res[r] = mean[obs_cols[r]] - obs_values[r]
        return res

    def share_residuals(theta):
        if local_share is None or not share_cols:
            return np.zeros(0)
        lo_s, hi_s = local_share
        local, level, expo = unpack(theta)
        bg = background_factor(share_year, level, expo, m.trend)
        full = m.daily_pm(share_year, local, bg).mean(axis=(0, 1))[share_cols]
        zero = m.daily_pm(share_year, {g: 0.0 for g in local}, bg).mean(axis=(0, 1))[share_cols]
        share = 1.0 - zero / full
        return share_weight * (np.maximum(lo_s - share, 0.0) + np.maximum(share - hi_s, 0.0)) / 0.1

    def residuals(theta):
        return np.concatenate([model_residuals(theta), prior * theta[:ng] / np.log(2.0), share_residuals(theta)])

    theta0 = np.zeros(ng + 1 + int(fit_exp))
    theta0[ng] = np.log(1.5)
    lo = np.r_[np.full(ng + 1, np.log(0.05)), [-1.0] * int(fit_exp)]
    hi = np.r_[np.full(ng + 1, np.log(20.0)), [6.0] * int(fit_exp)]
    if fit_exp:
        theta0[ng + 1] = 1.5
    sol = least_squares(residuals, theta0, bounds=(lo, hi), diff_step=1e-3, xtol=1e-6, ftol=1e-8)
    if not sol.success:
        raise CalibrationError(f"calibration did not converge: {sol.message}", field="local_scale")
    return unpack(sol.x)


def _residual_table(m: _Model, result: CalibrationResult, fitted: pd.DataFrame) -> pd.DataFrame:
    """The fitted rows with region, observed, modelled, residual, unit and source columns."""
    pred = result.predict(fitted)
    pred["region"] = [m.domain.region[m.domain.boxes.index(b)] for b in pred["box"]]
    pred["observed"] = pred["value"].astype(float)
    pred["unit"] = np.where(pred["indicator"] == "pm25_annual_mean", "ug/m3", "%")
    if "source" not in pred.columns:
        pred["source"] = ""
    return pred[["box", "region", "year", "indicator", "observed", "modelled", "residual", "unit",
                 "source"]].astype({"year": int})


def _fit_ozone(m: _Model, result: CalibrationResult, gd_obs: pd.DataFrame) -> dict:
    """O3 level per year matching the mean observed good-day ratio of that year."""
    from scipy.optimize import brentq

    levels = {}
    for y in sorted(set(int(v) for v in gd_obs["year"])):
        sub = gd_obs[gd_obs["year"] == y]
        bg = background_factor(y, result.background["level"], result.background["exponent"], m.trend)
        pm = m.daily_pm(y, result.local_scale, bg)
        cols = [m.domain.boxes.index(b) for b in sub["box"]]
        target = sub["value"].to_numpy(float)
        f = lambda lv: float(np.mean(m.good_ratio(y, pm, lv, cols, result.local_scale, bg) - target))  # noqa: E731
        lo, hi = 0.2, 5.0
        if f(lo) < 0 or f(hi) > 0:
            raise CalibrationError(f"O3 level for {y}: observed good-day ratios {target.tolist()} % cannot be "
                                   f"matched with a level in [{lo}, {hi}]", field="ozone_level", value=y)
        levels[y] = float(brentq(f, lo, hi, xtol=1e-4))
    return levels


def validate(observations: pd.DataFrame | None = None, *, members: int = 16, seed: int = 2020, prior: float = 2.0,
             local_share: tuple[float, float] | None = LOCAL_SHARE_RANGE, groups: Mapping[str, str] | None = None,
             model: _Model | None = None) -> pd.DataFrame:
    """Leave-one-out skill: refit with each observed year and each box left out in turn.

    Only PM2.5 annual means are fitted and scored (O3 is not refitted).

    Parameters
    ----------
    observations : pandas.DataFrame, optional
        Observation table (``observations.csv`` by default).
    members, seed, prior, local_share, groups : optional
        As in :func:`calibrate` (the local-share constraint acts on the boxes left in each fold).

    Returns
    -------
    pandas.DataFrame
        One row per held-out observation: ``held_out`` ('year 2020', 'box 天宁'), box, year,
        observed and modelled [µg/m³], ``error_pct`` [%] (modelled − observed relative to observed),
        and the statistical benchmark of the same fold, ``reference`` [µg/m³] and
        ``reference_error_pct`` [%] (:func:`reference_forecast`; NaN where it cannot predict).

    Examples
    --------
    >>> t = validate(members=2)                                  # doctest: +SKIP
    >>> t.groupby("held_out")["error_pct"].apply(lambda e: e.abs().max())  # doctest: +SKIP
    """
    m = model or _Model.default(members=members, seed=seed, groups=groups)
    rows = []
    for name, train, test in _folds(m, observations):
        fit = calibrate(train, model=m, fit_ozone=False, tolerance=np.inf, prior=prior, local_share=local_share)
        pred = fit.predict(test)
        for (_, r), rf in zip(pred.iterrows(), reference_forecast(train, test, m.trend, m.box_group)):
            rows.append(_reference_row(name, r, rf) | {"modelled": float(r["modelled"]),
                                                       "error_pct": float(r["error_pct"])})
    return pd.DataFrame(rows, columns=["held_out", "box", "year", "observed", "modelled", "error_pct", "reference",
                                       "reference_error_pct"])


def _folds(m: _Model, observations: pd.DataFrame | None) -> list:
    """Leave-one-out folds of the checked PM2.5 observations (``observations.csv`` by default):
    (name, train, test), each year then each box; folds with an empty side are left out."""
    from .demodata import load_observations

    obs = m.check(load_observations() if observations is None else observations)
    pm = obs[obs["indicator"] == "pm25_annual_mean"].reset_index(drop=True)
    masks = [(f"year {y}", pm["year"].to_numpy(int) == y) for y in sorted(set(pm["year"].astype(int)))]
    masks += [(f"box {b}", pm["box"].to_numpy() == b) for b in dict.fromkeys(pm["box"])]
    return [(name, pm[~held], pm[held]) for name, held in masks if held.any() and not held.all()]


def _reference_row(name: str, r: pd.Series, rf: float) -> dict:
    """Held-out row *r* of fold *name* with the benchmark's value *rf* [µg/m³] and its error [%]."""
    return {"held_out": name, "box": r["box"], "year": int(r["year"]), "observed": float(r["value"]),
            "reference": float(rf), "reference_error_pct": float(100.0 * (rf / r["value"] - 1.0))}


def reference_table(observations: pd.DataFrame | None = None, *, groups: Mapping[str, str] | None = None,
                    emission_trend: pd.DataFrame | None = None) -> pd.DataFrame:
    """The statistical benchmark (:func:`reference_forecast`) over the folds of :func:`validate`.

    Needs no box-model run (milliseconds). Returns one row per held-out PM2.5 observation:
    held_out, box, year, observed, ``reference`` [µg/m³] and ``reference_error_pct`` [%].
    """
    m = _Model.default(members=1, groups=groups, trend=emission_trend)
    rows = [_reference_row(name, r, rf) for name, train, test in _folds(m, observations)
            for (_, r), rf in zip(test.iterrows(), reference_forecast(train, test, m.trend, m.box_group))]
    return pd.DataFrame(rows, columns=["held_out", "box", "year", "observed", "reference", "reference_error_pct"])


def reference_forecast(train: pd.DataFrame, test: pd.DataFrame, trend: pd.DataFrame,
                       box_group: Mapping[str, str]) -> np.ndarray:
    """Statistical benchmark of the held-out rows [µg/m³]: ``log C = a_group + e · log R(year)``.

    A regression of the observed annual means on the regional driver ``R`` (the ``regional_pm25``
    column of *trend*) with one intercept per local-scale group, fitted by least squares on the
    *train* rows, predicts the *test* rows; with a single driver value in *train* the exponent is 1
    (the box scales with the region). It uses the same observations and driver as the box model but
    no emissions or physics, so a box model that does not beat it adds no predictive skill. A test
    row whose group has no training row gets NaN (the benchmark cannot predict a new place; the box
    model can, through its inventory).
    """
    def design(rows):
        return (np.array([box_group.get(b, b) for b in rows["box"]]),
                np.log([regional_index(trend, int(y)) for y in rows["year"]]))

    g_tr, lr_tr = design(train)
    y_tr = np.log(train["value"].to_numpy(float))
    groups = sorted(set(g_tr))
    dummies = (g_tr[:, None] == np.array(groups)[None, :]).astype(float)
    if np.ptp(lr_tr) > 1e-12:
        coef = np.linalg.lstsq(np.column_stack([dummies, lr_tr]), y_tr, rcond=None)[0]
        a, e = dict(zip(groups, coef[:-1])), float(coef[-1])
    else:
        a, e = dict(zip(groups, np.linalg.lstsq(dummies, y_tr - lr_tr, rcond=None)[0])), 1.0
    g_te, lr_te = design(test)
    return np.array([np.exp(a[g] + e * r) if g in a else np.nan for g, r in zip(g_te, lr_te)])


if __name__ == "__main__":  # regenerate the stored calibration: python -m ecomodel.air.calibration
    from .._data import DATA_DIR

    res = calibrate()
    print(res)
    print(res.residuals.to_string())
    table = validate(model=res.model)
    print(table.to_string())
    out = res.as_dict()
    out["validation"] = _records(table)
    _save_json(out, DATA_DIR / "air" / "calibration.json")
