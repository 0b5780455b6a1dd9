"""Source apportionment: the share of each section's load coming from each source sector.

SPARROW reports, for every reach, how much of the load delivered there comes from each source
(Schwarz, G. E. et al. 2006, *The SPARROW surface water-quality model: theory, application and
user documentation*, U.S. Geological Survey Techniques and Methods 6-B3, ch. 1.5). The steady
network model here is linear in the loads for fixed parameters (first-order river losses,
Vollenweider lakes, the lakes' internal release as a fixed load), so the concentration at a
section is exactly the sum of the concentrations each sector alone would produce; the share of
sector *s* is its part of that sum. Shares are in [0, 1] and sum to 1 at every section.

Sectors group the source categories of :data:`ecomodel.water.sources.CATEGORIES`
(livestock counts as agriculture, as the Chinese pollution-source census groups 农业源 as crops,
livestock and aquaculture; aquaculture is kept apart because the plans control it apart):

==============  =============================
sector          categories
==============  =============================
point           wwtp, industry
rural           rural_domestic
agriculture     agriculture, livestock
aquaculture     aquaculture
urban           urban_runoff
sediment        sediment_release
boundary        boundary
deposition      deposition
==============  =============================

Examples
--------
>>> s = apportion()
>>> s.dims
('site', 'sector', 'substance')
>>> bool(abs(float(s.sel(site="姚巷桥", substance="TP").sum()) - 1.0) < 1e-9)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ecomodel.errors import InputError

if TYPE_CHECKING:
    import xarray as xr

    from .lake import Lake
    from .sources import Reductions
    from .wujin import WujinDemo

__all__ = ["SECTORS", "apportion"]

#: sector -> source categories it groups
SECTORS = {
    "point": ("wwtp", "industry"),
    "rural": ("rural_domestic",),
    "agriculture": ("agriculture", "livestock"),
    "aquaculture": ("aquaculture",),
    "urban": ("urban_runoff",),
    "sediment": ("sediment_release",),
    "boundary": ("boundary",),
    "deposition": ("deposition",),
}


def _sector_of(category: str) -> str:
    for sector, cats in SECTORS.items():
        if category in cats:
            return sector
    raise InputError(f"source category {category!r} belongs to no sector", field="category", value=category,
                     expected=f"one of {[c for cats in SECTORS.values() for c in cats]}")


def apportion(data: WujinDemo | None = None, reductions: Reductions | None = None, *,
              lakes: Mapping[str, Lake] | None = None, concentrations: bool = False) -> xr.DataArray | xr.Dataset:
    """Share of each section's annual-mean load from each source sector.

    Parameters
    ----------
    data : WujinDemo, optional
        Demo (or any object with the same ``network``, ``all_sources``, ``decay_rates``,
        ``settling_velocities``, ``theta`` and ``temperature``); default the calibrated Wujin demo.
    reductions : mapping, optional
        Source reductions applied first (as for :meth:`WujinDemo.steady`).
    lakes : dict, optional
        Lakes to use instead of the demo's (after dredging …).
    concentrations : bool
        Also return the per-sector concentrations [mg/L] (``contribution``) and their total.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        ``source_share`` [1] over ``(site, sector, substance)``; with ``concentrations=True`` a
        Dataset with ``source_share``, ``contribution`` [mg/L] and ``concentration`` [mg/L].
        Sectors with no source in the network are left out; a substance with no load at a
        section has NaN shares there.
    """
    import xarray as xr

    from .transport import steady
    from .wujin import demo

    d = demo() if data is None else data
    net = d.network
    loads = d.all_sources(lakes).loads(net, reductions, by_category=True)  # (reach, category, substance) [kg/d]
    sectors = [s for s in SECTORS if any(_sector_of(str(c)) == s for c in loads["category"].values)]
    names, pos = net.section_positions()
    subs = [str(s) for s in loads["substance"].values]
    contrib = np.zeros((len(names), len(sectors), len(subs)))
    kwargs = dict(settling_velocity=d.settling_velocities(), temperature=d.temperature, theta=d.theta(),
                  transfers=d.transfers())
    decay = d.decay_rates()
    for j, sector in enumerate(sectors):
        cats = [c for c in loads["category"].values if _sector_of(str(c)) == sector]
        part = loads.sel(category=cats).sum("category", keep_attrs=True)
        contrib[:, j, :] = steady(net, part, decay, **kwargs)["concentration"].sel(substance=subs).values[pos]
    total = contrib.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total[:, None, :] > 0, contrib / total[:, None, :], np.nan)
    coords = {"site": np.asarray(names, dtype=object), "sector": np.asarray(sectors, dtype=object),
              "substance": np.asarray(subs, dtype=object)}
    out = xr.DataArray(share, dims=("site", "sector", "substance"), coords=coords, name="source_share",
                       attrs={"units": "1", "long_name": "share of the section's annual-mean concentration "
                              "(and load) from each source sector",
                              "references": "Schwarz et al. 2006, USGS TM 6-B3 (SPARROW source shares)"})
    if not concentrations:
        return out
    return xr.Dataset({
        "source_share": out,
        "contribution": xr.DataArray(contrib, dims=out.dims, coords=coords, attrs={"units": "mg/L"}),
        "concentration": xr.DataArray(total, dims=("site", "substance"),
                                      coords={"site": coords["site"], "substance": coords["substance"]},
                                      attrs={"units": "mg/L"}),
    })
