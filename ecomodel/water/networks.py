"""Embedded demo networks beyond Wujin, and a steady ensemble of section water quality.

``tianning`` — 新沟河 through 天宁区 with the five tributaries the plan names (团结河, 红卫河,
永胜河, 龙溪河, 北塘河; 001:490, 001:1154) and the section 粮庄桥 (001:486, "不能稳定达到Ⅲ类").
The plan gives the river, the tributaries, the section and the works, but no flows, lengths or
loads: those are stated assumptions in ``ecomodel/data/water/tianning/SOURCES.md``. Kinetics and
calibration parameters are transferred from the Wujin demo (an assumption: same plain-river
network, same basin). Its outlet drains north toward 江阴 (the river runs on through the 江阴
plan's area; the 江阴 plan does not name 新沟河 or a section on it, so the two are not joined).

``jiangyin`` — the three sections the 江阴 plan names, 金潼桥, 码头大桥 and 泗河桥 (003:205), each in a
stylised catchment of its own (upper reach, side branch, lower reach; the plan does not say which
river each is on or how they connect, so the catchments are kept apart). It carries every modelled
substance (TP, the N species, CODcr, CODMn). Loads are stated assumptions scaled by one factor per
catchment to the 2020 TP the plan's words imply (金潼桥 class III after class II with TP +27.1 %,
泗河桥 failing class III; ``ecomodel/data/water/jiangyin/calibration_targets.csv``). 钟楼 has no
network: its plan names no section (``ecomodel/data/water/zhonglou/SOURCES.md``).

:func:`section_ensemble` projects any such demo as an ensemble of steady states: each member draws
the calibrated parameters from their joint covariance (clipped to the calibration bounds) and a
wet/dry-year flow multiplier (log-normal, coefficient of variation ``hydrology_cv``), and the
result — annual means over ``(year, member, site)`` — feeds :func:`ecomodel.water.section_shares`
and :func:`ecomodel.targets.check`.

Examples
--------
>>> d = tianning()
>>> d.network.n_reaches, list(d.network.sections.index)
(9, ['粮庄桥'])
>>> round(float(d.section_means().loc["粮庄桥", "TP"]), 3)
0.122
>>> j = jiangyin()
>>> list(j.network.sections.index), j.section_means().loc[:, "TP"].round(3).tolist()
(['金潼桥', '码头大桥', '泗河桥'], [0.114, 0.15, 0.25])
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecomodel._data import data_path
from ecomodel.errors import InputError

from .network import read_network
from .sources import DEMO_SUBSTANCES, Sources

if TYPE_CHECKING:
    import xarray as xr

    from .sources import Reductions
    from .wujin import WujinDemo

__all__ = ["NETWORKS", "tianning", "jiangyin", "network_demo", "section_ensemble"]

#: embedded demo networks: name -> data folder under ecomodel/data/water/ ('' = the Wujin demo)
NETWORKS = {"wujin": "", "tianning": "tianning", "jiangyin": "jiangyin"}


#: read_network options per data folder: the 江阴 plan names three sections but not how their rivers
#: join, so its three catchments are kept apart (see ecomodel/data/water/jiangyin/SOURCES.md)
_NETWORK_OPTIONS = {"jiangyin": {"allow_disconnected": True}}

#: section_means column -> ensemble variable (TN = OrgN + NH3-N + NO3-N where the N species are modelled)
ENSEMBLE_VARIABLES = {"TP": "tp_concentration", "NH3-N": "nh3n_concentration", "COD": "cod_concentration",
                      "CODMn": "codmn_concentration", "TN": "tn_concentration"}


def _read(folder: str, name: str) -> pd.DataFrame:
    return pd.read_csv(data_path("water", folder, name), keep_default_na=False, na_values=[""])


@functools.lru_cache(maxsize=4)
def _load(folder: str):
    from .wujin import demo

    base = demo()
    network = read_network(data_path("water", folder, "reaches.csv"), sections=_read(folder, "sections.csv"),
                           **_NETWORK_OPTIONS.get(folder, {}))
    boundary, diffuse = _read(folder, "boundary_sources.csv"), _read(folder, "diffuse_sources.csv")
    point = _read(folder, "point_sources.csv") if (data_path("water", folder) / "point_sources.csv").exists() else None
    for t in (boundary, diffuse, point):
        if t is not None:
            t["runoff"] = t["runoff"].astype(str).str.lower().isin(["true", "1", "yes"])
    # the N species and CODMn where the folder's tables carry them (jiangyin), else TP, NH3-N, COD (tianning)
    full = all(set(DEMO_SUBSTANCES) <= set(t.columns) for t in (boundary, point) if t is not None)
    sources = Sources.from_tables(point=point, boundary=boundary, diffuse=diffuse,
                                  coefficients=_read("", "export_coefficients.csv"),
                                  profiles=_read("", "profiles.csv").drop(columns="month"),
                                  **({"substances": DEMO_SUBSTANCES} if full else {}))
    obs = base.observations.iloc[0:0].copy()
    return replace(base, network=network, sources=sources, lakes={}, observations=obs, meta={})


def network_demo(name: str) -> WujinDemo:
    """An embedded demo network by name (``'wujin'``, ``'tianning'``, ``'jiangyin'``) as a
    :class:`WujinDemo`-like object (``network``, ``sources``, ``section_means()`` …).

    Raises
    ------
    InputError
        An unknown name (field ``network``, with the close matches).
    """
    from ecomodel.errors import close_matches

    key = str(name).strip().lower()
    if key not in NETWORKS:
        raise InputError(f"unknown network {name!r}" + close_matches(key, list(NETWORKS)), field="network",
                         value=name, expected=f"one of {list(NETWORKS)}")
    if key == "wujin":
        from .wujin import demo

        return demo()
    return replace(_load(NETWORKS[key]), meta={})


def tianning() -> WujinDemo:
    """The 天宁 demo network around 新沟河粮庄桥 (see the module docstring)."""
    return network_demo("tianning")


def jiangyin() -> WujinDemo:
    """The 江阴 demo network around 金潼桥, 码头大桥 and 泗河桥 (see the module docstring)."""
    return network_demo("jiangyin")


def _draws(d, members: int, rng, hydrology_cv: float) -> tuple[list[dict], np.ndarray]:
    """Calibrated-parameter draws (joint normal, clipped to [0.2, 5]) and flow multipliers [1]."""
    cal, cov = d.calibration, d.calibration_covariance
    names = [n for n in cal.index if cov is not None and n in cov.index]
    if names:
        x = rng.multivariate_normal(cal.loc[names, "value"].to_numpy(float),
                                    cov.loc[names, names].to_numpy(float), size=members)
        params = [dict(zip(names, np.clip(row, 0.2, 5.0))) for row in x]
    else:
        params = [{} for _ in range(members)]
    s = np.sqrt(np.log1p(hydrology_cv ** 2))
    return params, np.exp(rng.normal(-0.5 * s * s, s, members))


def section_ensemble(data: WujinDemo | str | None = None, *, years: Iterable[int] = range(2021, 2026),
                     members: int = 20, seed: int = 0, reductions: Reductions | Mapping[int, Reductions] | None = None,
                     hydrology_cv: float = 0.15) -> xr.Dataset:
    """Ensemble of steady annual-mean concentrations at a demo's sections.

    Parameters
    ----------
    data : WujinDemo-like or str, optional
        A demo or an embedded network name (default ``'tianning'``).
    years : iterable of int
        Years [year]; *reductions* is either one mapping for every year or ``{year: mapping}``.
    members : int
        Ensemble members (parameter and hydrology draws, shared across years).
    seed : int
    reductions : mapping, optional
        Source reductions (category or (category, reach[, substance]) -> fraction).
    hydrology_cv : float
        Coefficient of variation [1] of the annual flow multiplier.

    Returns
    -------
    xarray.Dataset
        ``tp_concentration``, ``nh3n_concentration``, ``cod_concentration`` [mg/L] over
        ``(year, member, site)``, and ``codmn_concentration``, ``tn_concentration`` where the
        network carries CODMn and the N species (``jiangyin``).
    """
    import xarray as xr

    d = network_demo("tianning" if data is None else data) if data is None or isinstance(data, str) else data
    years = [int(y) for y in years]
    if int(members) != members or members < 1 or not years:
        raise InputError(f"members={members!r}, years={years!r}; expected members >= 1 and at least one year",
                         field="members", value=members, expected=">= 1")
    params, flows = _draws(d, int(members), np.random.default_rng(seed), float(hydrology_cv))
    by_year = reductions if reductions and all(isinstance(k, int) for k in reductions) else None
    names = list(d.network.section_positions()[0])
    subs = [s for s in (*d.substances, "TN") if s in ENSEMBLE_VARIABLES
            and (s != "TN" or {"OrgN", "NH3-N", "NO3-N"} <= set(d.substances))]
    out = np.zeros((len(years), int(members), len(names), len(subs)))
    for j, (p, q) in enumerate(zip(params, flows)):
        dj = d.with_parameters(**p) if p else d
        for i, y in enumerate(years):
            red = (by_year or {}).get(y) if by_year is not None else reductions
            out[i, j] = dj.section_means(red, flow_multiplier=float(q)).loc[names, subs].to_numpy(float)
    coords = {"year": years, "member": np.arange(int(members)), "site": np.asarray(names, dtype=object)}
    ds = xr.Dataset({ENSEMBLE_VARIABLES[s]: (("year", "member", "site"), out[..., k], {"units": "mg/L"})
                     for k, s in enumerate(subs) if s in ENSEMBLE_VARIABLES}, coords=coords)
    ds.attrs = {"title": "steady annual-mean section water quality (parameter and hydrology ensemble)",
                "seed": seed, "hydrology_cv": hydrology_cv, "source": "ecomodel.water.networks.section_ensemble"}
    return ds
