"""Skill and attribution summaries of the calibrated demo: local share of PM2.5, key-project effect.

- :func:`local_share` — share of the annual PM2.5 mean of each box that the local emissions (all
  Changzhou districts and Jiangyin, every sector and pollutant) cause: ``1 − C(no local) / C`` [1],
  the brute-force ("zero-out") attribution that source-apportionment model studies report;
- :func:`key_projects_effect` — the 2023 key projects' (004:19) PM2.5 effect in a box and year,
  stated together with that box's local share;
- :func:`heldout_table` / :func:`report` — the stored leave-one-out table of the calibration
  (``calibration.json``, recomputed by :func:`ecomodel.air.calibration.validate`) and a short text
  for the demo.

Both run :func:`ecomodel.air.projection.trajectory` on the calibrated demo with common weather
(same seed for the runs compared).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["local_share", "key_projects_effect", "heldout_table", "benchmark_summary", "report", "variability",
           "PUBLISHED_VARIABILITY"]

_ALL_LOCAL = {"SO2": 1.0, "NOx": 1.0, "NH3": 1.0, "VOCs": 1.0, "PM2.5": 1.0}


def _means(reductions, years, members: int, seed: int):
    from .projection import trajectory

    tr = trajectory(reductions, years=years, members=members, seed=seed, ozone=False)
    return tr["pm25_annual_mean"].mean("member")


def local_share(year: int = 2020, *, members: int = 8, seed: int = 11) -> pd.DataFrame:
    """Local share of the annual PM2.5 mean per box in *year*.

    Parameters
    ----------
    year : int
        Simulated year (calibrated demo emissions of that year).
    members : int
        Weather members.
    seed : int
        Weather seed (shared by both runs).

    Returns
    -------
    pandas.DataFrame
        Index box; columns ``pm25`` [µg/m³] (all emissions), ``pm25_no_local`` [µg/m³] (local
        emissions removed) and ``local_share`` [1].
    """
    if int(members) < 1:
        raise InputError(f"members: {members}; expected >= 1", field="members", value=members, expected=">= 1")
    y = [int(year)]
    base = _means(None, y, members, seed).sel(year=int(year))
    zero = _means({int(year): dict(_ALL_LOCAL)}, y, members, seed).sel(year=int(year))
    df = pd.DataFrame({"pm25": base.to_pandas(), "pm25_no_local": zero.to_pandas()})
    df["local_share"] = 1.0 - df["pm25_no_local"] / df["pm25"]
    df.index.name = "box"
    return df


def key_projects_effect(box: str = "天宁", year: int = 2025, *, members: int = 8, seed: int = 11) -> dict:
    """PM2.5 effect of the demo package (the 2023 key projects, 004:19) in *box* and *year*.

    Returns
    -------
    dict
        ``box``, ``year``, ``baseline`` and ``with_projects`` [µg/m³], ``effect`` [µg/m³]
        (baseline − with projects), ``effect_pct`` [%], ``local_share`` [1] of the box in that year
        (the part of its PM2.5 any local measure can act on) and ``effect_of_local_pct`` [%] (the
        effect relative to the locally caused PM2.5).
    """
    from .demodata import demo

    d = demo()
    b = d.domain.find(box) or box
    if b not in d.domain.boxes:
        raise InputError(f"box: {box!r} not in the demo domain", field="box", value=box,
                         expected=f"one of {list(d.domain.boxes)}")
    start = min(int(k) for k in d.package_schedule())
    if int(year) < start:
        raise InputError(f"year: {year}; the key projects start in {start}", field="year", value=year,
                         expected=f">= {start}")
    years = list(range(start, int(year) + 1))
    base = float(_means(None, years, members, seed).sel(year=int(year), box=b))
    with_p = float(_means(d.package_schedule(), years, members, seed).sel(year=int(year), box=b))
    zero = float(_means({start: dict(_ALL_LOCAL)}, years, members, seed).sel(year=int(year), box=b))
    share = 1.0 - zero / base
    effect = base - with_p
    return {"box": b, "year": int(year), "baseline": base, "with_projects": with_p, "effect": effect,
            "effect_pct": 100.0 * effect / base, "local_share": share,
            "effect_of_local_pct": 100.0 * effect / (base - zero) if base > zero else float("nan")}


#: Published statistics of daily and seasonal PM2.5 variability the model is checked against (not
#: fitted to): (statistic, modelled year, value, source). See ecomodel/data/air/SOURCES.md
#: ("Daily variability"). Nanjing (60 km upwind) stands in where no Changzhou figure was found.
_NANJING_2015 = ("Nanjing, Sep 2015-Aug 2016: daily PM2.5 53.7 +- 35.6 ug/m3 (mean +- SD), Int. J. Environ. Res. "
                 "Public Health 15(6), 1102 (2018), section 3.1")
_NANJING_2019 = ("Nanjing, Mar 2019-Feb 2020: daily PM2.5 36 +- 20 ug/m3, 17 days above the limit, winter 49 and "
                 "summer 24 ug/m3 (Xie F. et al. 2023, Environmental Science 44(6), 3071)")
_CHANGZHOU_2023 = "Changzhou Ecology and Environment Bureau monthly bulletins of 2023-03-14 and 2023-07-20"
PUBLISHED_VARIABILITY = (
    ("daily_cv", 2015, 35.6 / 53.7, _NANJING_2015),
    ("daily_cv", 2020, 20.0 / 36.0, _NANJING_2019),
    ("days_over_75", 2020, 17.0, _NANJING_2019),
    ("winter_over_summer", 2020, 49.0 / 24.0, _NANJING_2019),
    ("janfeb_over_h1", 2023, 45.6 / 36.4, "Changzhou 2023: Jan-Feb 45.6, Jan-Jun 36.4 ug/m3, " + _CHANGZHOU_2023),
    ("jun_over_h1", 2023, 23.6 / 36.4, "Changzhou 2023: June 23.6, Jan-Jun 36.4 ug/m3, " + _CHANGZHOU_2023),
    ("p95_over_mean", 2020, float("nan"), "no published Changzhou or neighbouring figure found"),
)


def _variability_stats(daily: np.ndarray, dates: pd.DatetimeIndex) -> dict:
    """Statistics of daily PM2.5 ``(member, day)`` [µg/m³]: member means of the daily coefficient of
    variation, P95 / annual mean, days above 75 µg/m³ (GB 3095 daily limit) per year, and the
    seasonal ratios winter (Dec, Jan, Feb of the year) / summer (Jun–Aug), Jan–Feb / Jan–Jun and
    June / Jan–Jun of the ensemble-mean concentrations."""
    mean = daily.mean(axis=1)
    month = np.asarray(dates.month)
    h1 = daily[:, month <= 6].mean()
    return {"daily_cv": float(np.mean(daily.std(axis=1) / mean)),
            "p95_over_mean": float(np.mean(np.percentile(daily, 95, axis=1) / mean)),
            "days_over_75": float(np.mean((daily > 75.0).sum(axis=1)) * 365.0 / daily.shape[1]),
            "winter_over_summer": float(daily[:, np.isin(month, (12, 1, 2))].mean()
                                        / daily[:, np.isin(month, (6, 7, 8))].mean()),
            "janfeb_over_h1": float(daily[:, month <= 2].mean() / h1),
            "jun_over_h1": float(daily[:, month == 6].mean() / h1)}


def variability(*, members: int = 16, seed: int = 2020, city: str = "常州市") -> pd.DataFrame:
    """Daily and seasonal variability of the calibrated model's city-average PM2.5 against
    published statistics (:data:`PUBLISHED_VARIABILITY`), none of which the calibration uses.

    The city average is the equal-weight mean of the city's local boxes (as ``add_city_average``);
    the baseline of the stored calibration without measures, *members* weather members.

    Returns
    -------
    pandas.DataFrame
        One row per entry of :data:`PUBLISHED_VARIABILITY`: ``statistic``, ``year``, ``modelled``,
        ``published`` (NaN where no published figure was found: P95 / mean), ``ratio`` (modelled /
        published) and ``source``.
    """
    from .calibration import _Model, background_factor
    from .demodata import load_calibration

    if int(members) < 1:
        raise InputError(f"members: {members}; expected >= 1", field="members", value=members, expected=">= 1")
    cal = load_calibration()
    m = _Model.default(members=int(members), seed=int(seed))
    cols = [i for i, b in enumerate(m.domain.boxes) if m.box_group.get(b) == city]
    if not cols:
        raise InputError(f"city: {city!r} has no local boxes", field="city", value=city,
                         expected=f"one of {sorted(set(m.box_group.values()))}")
    stats = {}
    for y in sorted({row[1] for row in PUBLISHED_VARIABILITY}):
        bg = background_factor(y, cal["background"]["level"], cal["background"]["exponent"], m.trend)
        _, (_, dates, _), _ = m.weather(y)
        stats[y] = _variability_stats(m.daily_pm(y, cal["local_scale"], bg)[:, :, cols].mean(axis=2),
                                      pd.DatetimeIndex(dates))
    rows = [{"statistic": name, "year": y, "modelled": stats[y][name], "published": pub,
             "ratio": stats[y][name] / pub, "source": src} for name, y, pub, src in PUBLISHED_VARIABILITY]
    return pd.DataFrame(rows)


def heldout_table(calibration: dict | None = None) -> pd.DataFrame:
    """The stored held-out table (``calibration.json`` → ``validation``): held_out, box, year,
    observed and modelled [µg/m³], error_pct [%], and the statistical benchmark of the same folds,
    reference [µg/m³] and reference_error_pct [%] (:func:`ecomodel.air.calibration.reference_forecast`;
    NaN where it cannot predict: a box left out whose group has no other box)."""
    from .demodata import load_calibration

    cal = load_calibration() if calibration is None else calibration
    rows = cal.get("validation")
    if not rows:
        raise InputError("calibration: no 'validation' table (run python -m ecomodel.air.calibration)",
                         field="validation")
    t = pd.DataFrame(rows)
    if "reference" not in t.columns:  # tables stored before the benchmark: it needs no model run
        from .calibration import reference_table

        ref = reference_table()[["held_out", "box", "year", "reference", "reference_error_pct"]]
        t = t.merge(ref, on=["held_out", "box", "year"], how="left", validate="one_to_one")
    return t


def benchmark_summary(table: pd.DataFrame, goal_pct: float = 5.0) -> str:
    """One line comparing the box model's held-out errors with the statistical benchmark's, on the
    rows both predict: mean absolute error [%] and rows within *goal_pct*."""
    both = table.dropna(subset=["reference_error_pct"])
    if both.empty:
        return "benchmark: no held-out row it can predict"
    m, r = both["error_pct"].abs(), both["reference_error_pct"].abs()
    return (f"benchmark (log-linear regression on the Jiangsu mean, same folds), {len(both)} rows both predict: "
            f"mean |error| box model {m.mean():.1f} %, benchmark {r.mean():.1f} %; within {goal_pct:g} %: "
            f"{int((m <= goal_pct).sum())} vs {int((r <= goal_pct).sum())}; the benchmark cannot predict "
            f"{len(table) - len(both)} rows (a box with no other box in its group)")


def report(*, members: int = 8, seed: int = 11, goal_pct: float = 5.0) -> str:
    """Text for the demo: held-out PM2.5 errors, in-sample errors and the key projects' effect in 天宁
    by 2025 with its local share."""
    from .demodata import load_calibration

    cal = load_calibration()
    t = heldout_table(cal)
    lines = ["Air PM2.5 skill (refit with each year / box left out; error = modelled - observed)"]
    for _, r in t.iterrows():
        ref = "cannot predict" if pd.isna(r["reference"]) else f"{r['reference_error_pct']:+.1f} %"
        lines.append(f"  {r['held_out']:<10} {r['box']} {int(r['year'])}: observed {r['observed']:.1f}, "
                     f"modelled {r['modelled']:.1f} ug/m3 ({r['error_pct']:+.1f} %; benchmark {ref})")
    n_ok = int((t["error_pct"].abs() <= goal_pct).sum())
    lines.append(f"  within {goal_pct:g} %: {n_ok} of {len(t)}; largest miss {t['error_pct'].abs().max():.1f} % "
                 "(why: ecomodel/data/air/SOURCES.md)")
    lines.append("  " + benchmark_summary(t, goal_pct))
    pm = [r for r in cal.get("residuals", []) if r["indicator"] == "pm25_annual_mean"]
    lines.append("  in sample: " + ", ".join(f"{r['box']} {r['year']} {100 * r['residual'] / r['observed']:+.1f} %"
                                             for r in pm))
    v = variability(members=members)
    lines.append("Daily and seasonal variability of city PM2.5 (checked, not fitted; modelled vs published):")
    for _, r in v.dropna(subset=["published"]).iterrows():
        lines.append(f"  {r['statistic']} {int(r['year'])}: {r['modelled']:.2f} vs {r['published']:.2f} "
                     f"({r['source']})")
    k = key_projects_effect("天宁", 2025, members=members, seed=seed)
    lines.append(f"Key projects (2023, 004:19) in 天宁 2025 (full model, {members} members, seed {seed}): "
                 f"PM2.5 {k['baseline']:.2f} -> {k['with_projects']:.2f} ug/m3 "
                 f"(-{k['effect']:.2f}, {k['effect_pct']:.1f} %); "
                 f"local share of 天宁 PM2.5 {100 * k['local_share']:.0f} %, "
                 f"so the projects remove {k['effect_of_local_pct']:.1f} % of the locally caused part")
    return "\n".join(lines)
