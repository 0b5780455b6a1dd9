"""Skill and attribution summaries of the calibrated demo: local share of PM2.5, key-project effect.

- :func:`local_share` — share of the annual PM2.5 mean of each box that the local emissions (all
  Changzhou districts and Jiangyin, every sector and pollutant) cause: ``1 − C(no local) / C`` [1],
  the brute-force ("zero-out") attribution that source-apportionment model studies report;
- :func:`key_projects_effect` — the 2023 key projects' (004:19) PM2.5 effect in a box and year,
  stated together with that box's local share.

Both run :func:`ecomodel.air.projection.trajectory` on the calibrated demo with common weather
(same seed for the runs compared).
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError

__all__ = ["local_share", "key_projects_effect"]

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
