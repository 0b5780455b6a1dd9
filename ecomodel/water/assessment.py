"""Section classes and section-share indicators over a plan's own list of sections.

The plans' headline water targets are shares over a named set of sections: the 优Ⅲ share
(class III or better, e.g. 004:19 "国考断面优Ⅲ比例 80 %"), the 优Ⅱ share and the 劣Ⅴ share, and
the class of single sections (001:486 新沟河粮庄桥 "稳定达到Ⅲ类"). They are assessed as
环办〔2011〕22号 《地表水环境质量评价办法（试行）》 prescribes: each section's class is the worst
single-factor class (GB 3838-2002 Table 1) of the annual means of the assessed factors; a share
is the number of sections in the class range over the number assessed, in percent.

This module turns a water projection (annual means over ``year``, ``member``, ``site``) into
those indicators, named by the registry's indicator keys so that :func:`ecomodel.targets.check`
gives the probability that each target is met:

====================================================  =====  ==========================
indicator key                                         unit   meaning
====================================================  =====  ==========================
``water_section_class_iii_or_better_ratio``            %      share of sections ≤ class III
``water_section_class_ii_or_better_ratio``             %      share of sections ≤ class II
``worse_than_v_section_share_pct``                     %      share of sections worse than V
``section_water_class``                                class  class 1–6 of each section
====================================================  =====  ==========================

Examples
--------
>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"tp_concentration": (("year", "site"), [[0.15, 0.25, 0.05]]),
...                  "nh3n_concentration": (("year", "site"), [[0.4, 0.4, 0.1]])},
...                 coords={"year": [2023], "site": ["a", "b", "c"]})
>>> for v in ds.data_vars:
...     ds[v].attrs["units"] = "mg/L"
>>> s = section_shares(ds, ["a", "b", "c"], region="常州市", scope="国考断面")
>>> round(float(s["water_section_class_iii_or_better_ratio"].sel(year=2023)), 2)   # a: III, b: IV, c: II
66.67
>>> section_classes(ds).sel(year=2023).values.tolist()
[3, 4, 2]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ecomodel.errors import InputError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["FACTORS", "SHARE_INDICATORS", "CLASS_INDICATOR", "section_classes", "section_shares"]

#: projection variable -> GB 3838-2002 parameter name in :mod:`ecomodel.standards`
FACTORS = {"tp_concentration": "TP", "nh3n_concentration": "NH3-N", "cod_concentration": "COD",
           "codmn_concentration": "CODMn", "do_concentration": "DO", "tn_concentration": "TN"}

#: share indicator key -> (worst class counted, 'at_or_better' | 'worse_than')
SHARE_INDICATORS = {
    "water_section_class_iii_or_better_ratio": (3, "at_or_better"),
    "water_section_class_ii_or_better_ratio": (2, "at_or_better"),
    "worse_than_v_section_share_pct": (5, "worse_than"),
}

#: indicator key of a single section's class (1-5 = I-V, 6 = worse than V)
CLASS_INDICATOR = "section_water_class"


def section_classes(projection: xr.Dataset, *, waterbody: str = "river") -> xr.DataArray:
    """GB 3838-2002 class of every section by the single-factor method of 环办〔2011〕22号.

    Parameters
    ----------
    projection : xarray.Dataset
        Annual-mean concentrations [mg/L] with a ``site`` dimension (any of the variables in
        :data:`FACTORS`; river TN is not assessed, lake TN is rated apart, as the method says).
    waterbody : {'river', 'lake'}

    Returns
    -------
    xarray.DataArray
        ``section_water_class`` [class] (int, 1–6) over the projection's dims.

    Raises
    ------
    InputError
        No assessed factor in the projection, or no ``site`` dimension.
    """
    import xarray as xr

    from ecomodel import units
    from ecomodel.standards import section_class

    present = [v for v in FACTORS if v in projection.data_vars]
    if not present or (waterbody == "river" and present == ["tn_concentration"]):
        raise InputError(f"section_classes: none of {list(FACTORS)} in the projection (variables "
                         f"{list(projection.data_vars)})", field="projection", value=list(projection.data_vars),
                         expected=f"one of {list(FACTORS)}")
    if "site" not in projection.dims:
        raise InputError("section_classes: the projection has no 'site' dimension", field="projection",
                         value=tuple(projection.dims), expected="a 'site' dimension")
    arrays = xr.broadcast(*[projection[v] for v in present])
    means = {}
    for var, da in zip(present, arrays):
        unit = da.attrs.get("units", "mg/L")
        means[FACTORS[var]] = np.asarray(units.convert(da.values, unit, "mg/L") if unit != "mg/L" else da.values,
                                         dtype=float)
    result = section_class(means, waterbody)
    ref = arrays[0]
    return xr.DataArray(np.asarray(result.water_class, dtype=np.int64), dims=ref.dims, coords=ref.coords,
                        name=CLASS_INDICATOR,
                        attrs={"units": "class", "long_name": "section class by the single-factor method "
                               f"(worst of {', '.join(FACTORS[v] for v in present)}; 1-5 = I-V, 6 = worse than V)",
                               "references": "GB 3838-2002 Table 1; 环办〔2011〕22号"})


def section_shares(projection: xr.Dataset, sections: Sequence[str] | Iterable[str], *, region: str, scope: str = "",
                   waterbody: str = "river") -> xr.Dataset:
    """Section-share indicators over a named set of sections, per year and member.

    Parameters
    ----------
    projection : xarray.Dataset
        Annual-mean concentrations [mg/L] over ``site`` (and ``year``, ``member`` …), e.g. the
        output of :func:`ecomodel.water.project`.
    sections : sequence of str
        The plan's own list of sections (``site`` labels of the projection). Every name must be a
        site of the projection.
    region : str
        Registry region the share belongs to (``常州市``, ``江阴市`` …), stored in each share's
        ``attrs['region']`` so :func:`ecomodel.targets.check` matches region-level rows (the class
        variable keeps its ``site`` dimension and matches site rows).
    scope : str
        Registry ``scope`` of the set (``国考断面``, ``省考断面``, ``省考及以上断面`` …); stored in
        each share's ``attrs['scope']`` so only the registry rows of that scope are checked against
        it (empty: every row of the region).
    waterbody : {'river', 'lake'}

    Returns
    -------
    xarray.Dataset
        The three share indicators of :data:`SHARE_INDICATORS` [%] over the dims other than
        ``site``, and ``section_water_class`` [class] over ``site`` as well.

    Raises
    ------
    InputError
        An empty set, a section that is not a site of the projection (named, with close matches).
    """
    import xarray as xr

    from ecomodel.errors import close_matches

    names = [str(s) for s in sections]
    if not names:
        raise InputError("section_shares: the set of sections is empty", field="sections", value=[],
                         expected="at least one section")
    classes = section_classes(projection, waterbody=waterbody)
    sites = [str(s) for s in classes["site"].values]
    missing = [s for s in names if s not in sites]
    if missing:
        raise InputError(f"section {missing[0]!r} is not a site of the projection"
                         + close_matches(missing[0], sites), field="sections", value=missing[0],
                         expected=f"one of {sites}")
    cls = classes.sel(site=names)
    out = {}
    for key, (limit, how) in SHARE_INDICATORS.items():
        inside = (cls <= limit) if how == "at_or_better" else (cls > limit)
        share = 100.0 * inside.astype(float).mean("site")
        word = "or better" if how == "at_or_better" else "(worse than class V)"
        out[key] = share.assign_attrs(units="%", long_name=f"share of the {len(names)} sections at class "
                                      f"{'I II III IV V'.split()[limit - 1] if how == 'at_or_better' else ''} {word}"
                                      .replace("  ", " "), sections=",".join(names), scope=scope,
                                      region=region)
    out[CLASS_INDICATOR] = cls
    ds = xr.Dataset(out)
    ds.attrs = {"sections": ",".join(names),
                "references": "GB 3838-2002 Table 1; 环办〔2011〕22号 (single-factor, annual means)"}
    return ds
