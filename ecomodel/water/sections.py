"""Monitoring sections: where they sit on the network, GB 3838 classes and the hand-off to targets.

The three Taihu-inflow sections of the Wujin plan (seed 000, lines 789–811) are 姚巷桥 on 武进港,
黄埝桥 (太滆运河分水) on 太滆运河 and 百渎港桥 on 漕桥河. Classes come from
:mod:`ecomodel.standards` (GB 3838-2002 Table 1, single-factor method of 环办〔2011〕22号); this
module only arranges model output for it.

Examples
--------
>>> section_table()[["name_en", "waterbody", "reach"]].loc["姚巷桥"].tolist()
['Yaoxiangqiao', '武进港', 'WJG-4']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecomodel.errors import InputError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["section_table", "assess", "check_targets", "PARAMETERS"]

#: projection variable -> GB 3838 parameter name in ecomodel.standards
PARAMETERS = {"tp_concentration": "TP", "nh3n_concentration": "NH3-N", "cod_concentration": "COD"}


def section_table() -> pd.DataFrame:
    """The demo's monitoring sections (index ``section``; ``name_en``, ``waterbody``,
    ``waterbody_en``, ``reach``, ``plan_name``, ``source``)."""
    from ecomodel._data import data_path

    return pd.read_csv(data_path("water", "sections.csv")).set_index("section")


def assess(projection: xr.Dataset, *, waterbody: str = "river", threshold: int = 3) -> xr.Dataset:
    """GB 3838-2002 classes of projected section concentrations and the share at class III or better.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`~ecomodel.water.project` (or any Dataset with ``tp_concentration``,
        ``nh3n_concentration``, ``cod_concentration`` [mg/L] over ``site`` and other dims).
    waterbody : {'river', 'lake'}
        Kind of water body for the class limits (all three sections are rivers).
    threshold : int
        Worst class counted as good (3 for 优Ⅲ).

    Returns
    -------
    xarray.Dataset
        ``class_<parameter>`` per assessed variable, ``water_class`` (single-factor: the worst),
        ``good`` (class ≤ threshold) over the projection's dims, and ``share_good`` [1] over the
        dims other than ``site``.

    Examples
    --------
    >>> from ecomodel.water import project
    >>> a = assess(project(years=[2021], members=2, seed=0))
    >>> int(a["class_tp_concentration"].sel(site="姚巷桥").max())   # 0.146 mg/L TP: class III
    3
    """
    import xarray as xr

    from ecomodel.standards import share_at_or_better, water_class

    present = [v for v in PARAMETERS if v in projection.data_vars]
    if not present:
        raise InputError(f"assess: none of {list(PARAMETERS)} in the projection (variables "
                         f"{list(projection.data_vars)})", field="projection", value=list(projection.data_vars),
                         expected=f"one of {list(PARAMETERS)}")
    if "site" not in projection.dims:
        raise InputError("assess: the projection has no 'site' dimension", field="projection",
                         value=tuple(projection.dims), expected="a 'site' dimension")
    out = {}
    for var in present:
        da = projection[var]
        cls = water_class(PARAMETERS[var], da.values, waterbody=waterbody, units=da.attrs.get("units", "mg/L"))
        out[f"class_{var}"] = xr.DataArray(np.asarray(cls, dtype=np.int64), dims=da.dims, coords=da.coords,
                                           attrs={"units": "1", "long_name": f"GB 3838-2002 class of {PARAMETERS[var]} "
                                                  "(1-5 = I-V, 6 = worse than V)"})
    worst = xr.concat([out[f"class_{v}"] for v in present], dim="parameter").max("parameter")
    worst.attrs = {"units": "1", "long_name": "section class by the single-factor method (worst assessed "
                                              f"parameter of {', '.join(PARAMETERS[v] for v in present)})"}
    out["water_class"] = worst
    good = worst <= threshold
    good.attrs = {"units": "1", "long_name": f"section at class {threshold} or better"}
    out["good"] = good
    other = [d for d in worst.dims if d != "site"]
    stacked = worst.transpose(*other, "site").values.reshape(-1, worst.sizes["site"]) if other else \
        worst.values.reshape(1, -1)
    shares = np.array([share_at_or_better(row, threshold) for row in stacked])
    share = xr.DataArray(shares.reshape([worst.sizes[d] for d in other]) if other else shares[0], dims=other,
                         coords={d: worst[d] for d in other},
                         attrs={"units": "1", "long_name": f"share of sections at class {threshold} or better",
                                "cell_methods": "site: mean"})
    out["share_good"] = share
    return xr.Dataset(out, attrs={"title": "GB 3838-2002 assessment of projected sections",
                                  "references": "GB 3838-2002 Table 1; 环办〔2011〕22号"})


def check_targets(projection: xr.Dataset, targets: pd.DataFrame | None = None, **kwargs: str) -> pd.DataFrame:
    """Check a water projection against the plan targets (``ecomodel.targets.check``).

    Only the indicator variables are passed on. "Is 姚巷桥 at or below 0.136 mg/L in 2026, and with
    what probability?" is one call:

    Examples
    --------
    >>> from ecomodel.water import project
    >>> from ecomodel import targets
    >>> r = check_targets(project(years=range(2021, 2027), members=4, seed=0),
    ...                   targets.load(site="姚巷桥", year=2026))
    >>> r[["site", "target_value", "comparator"]].values.tolist()
    [['姚巷桥', 0.136, '<=']]
    """
    from ecomodel import targets as _targets

    keep = [v for v in PARAMETERS if v in projection.data_vars]
    if not keep:
        raise InputError("check_targets: the projection has no indicator variables", field="projection",
                         value=list(projection.data_vars), expected=f"one of {list(PARAMETERS)}")
    return _targets.check(projection[keep], targets, **kwargs)
