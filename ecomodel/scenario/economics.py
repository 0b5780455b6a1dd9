"""Marginal abatement cost curves (GAINS-style) and costs per unit of improvement.

For each measure alone at full effect, the emission or load reduction of each pollutant in each
region comes from :func:`ecomodel.scenario.accounting.accounts` (central inventory) and its unit
cost is the equivalent annual cost [CNY/yr] divided by that reduction [t/yr]. A cost curve for
one pollutant and region orders the measures by unit cost; the x axis is the cumulative reduction
and each step's height the unit cost, as in the GAINS model's cost curves (Amann et al. 2011,
*Cost-effective control of air quality and greenhouse gases in Europe: modeling and policy
applications*, Environ. Model. Softw. 26, 1489–1501). A measure cutting several pollutants carries
its whole cost in each pollutant's curve (no allocation between pollutants), so the curves are
upper bounds of the cost of each pollutant alone; within a pollutant, a measure spread over several
regions carries in each region the share of its cost equal to that region's share of its largest
regional reduction (its total). Measures are taken as independent: where two act on the same cell
the cumulative reduction slightly overstates their joint effect (``1 − Π(1 − fᵢ)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ScenarioError
from .model import DEFAULT_DISCOUNT_RATE, Measure, Package

if TYPE_CHECKING:
    import os

    import numpy.typing as npt
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["abatement_table", "cost_curve", "plot_cost_curve", "cost_per_improvement"]

_POLLUTANT_KEYS = {"NOx": "nox_reduction_t", "VOCs": "vocs_reduction_t", "SO2": "so2_reduction_t",
                   "NH3": "nh3_reduction_t", "PM2.5": "pm25_reduction_t", "COD": "cod_reduction_t",
                   "NH3-N": "nh3n_reduction_t", "TP": "tp_reduction_t"}


def _measures(measures) -> list[Measure]:
    if isinstance(measures, Package):
        return list(measures.measures)
    out = []
    for m in measures:
        out.extend(m.measures if isinstance(m, Package) else [m])
    ids = [m.id for m in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ScenarioError(f"measure ids {dup} appear more than once", field="id", value=dup,
                            expected="unique measure ids")
    return out


def abatement_table(measures: Package | Iterable[Measure | Package], *, base: str = "demo",
                    discount_rate: float = DEFAULT_DISCOUNT_RATE) -> pd.DataFrame:
    """Reduction [t/yr] and unit cost [CNY/t] of every measure alone at full effect, per pollutant and region.

    Returns
    -------
    pandas.DataFrame
        Columns ``measure, label, pollutant, region, reduction_t_per_yr, annualised_cost_cny_per_yr,
        unit_cost_cny_per_t``; rows only where the reduction is positive.
    """
    import pandas as pd

    from .accounting import accounts

    ms = _measures(measures)
    if not ms:
        return pd.DataFrame(columns=["measure", "label", "pollutant", "region", "reduction_t_per_yr",
                                     "annualised_cost_cny_per_yr", "unit_cost_cny_per_t"])
    year = max(m.start + max(m.ramp_years, 1) - 1 for m in ms)
    full = [Package(m.id, (m.__class__(**{**_fields(m), "start": min(m.start, year), "end": None}),)) for m in ms]
    ds = accounts(full, [year], base=base)
    rows = []
    for i, m in enumerate(ms):
        cost = m.annualised_cost(discount_rate)
        for pol, key in _POLLUTANT_KEYS.items():
            if key not in ds:
                continue
            red = ds[key].isel(scenario=i).sel(year=year).mean("member")
            top = float(red.max())
            for region, v in zip(red["region"].values, red.values, strict=True):
                if v > 1e-9:
                    part = cost * float(v) / top  # a region carries the cost in proportion to its share
                    rows.append({"measure": m.id, "label": m.label, "pollutant": pol, "region": str(region),
                                 "reduction_t_per_yr": float(v), "annualised_cost_cny_per_yr": part,
                                 "unit_cost_cny_per_t": part / float(v)})
    return pd.DataFrame(rows)


def _fields(m: Measure) -> dict:
    from dataclasses import fields

    return {f.name: getattr(m, f.name) for f in fields(m) if f.init}


def cost_curve(measures: Package | Iterable[Measure | Package], pollutant: str, region: str = "常州市",
               **kwargs: Any) -> pd.DataFrame:
    """The marginal abatement cost curve of *pollutant* in *region*.

    Returns
    -------
    pandas.DataFrame
        Measures by increasing unit cost with ``reduction_t_per_yr``, ``unit_cost_cny_per_t``,
        ``cumulative_t_per_yr`` (right edge of the step) and ``cumulative_cost_cny_per_yr``.

    Examples
    --------
    >>> from ecomodel.scenario import load_package
    >>> c = cost_curve(load_package("changzhou_2023_work_plan"), "NOx")
    >>> c["measure"].tolist()
    ['nox_key_projects', 'cz_nev_buses']
    >>> bool((c["unit_cost_cny_per_t"].diff().dropna() >= 0).all())
    True
    """
    if pollutant not in _POLLUTANT_KEYS:
        from ..errors import close_matches

        raise ScenarioError(f"pollutant {pollutant!r} has no account" + close_matches(pollutant, list(_POLLUTANT_KEYS)),
                            field="pollutant", value=pollutant, expected=f"one of {list(_POLLUTANT_KEYS)}")
    t = abatement_table(measures, **kwargs)
    if len(t):
        t = t[(t["pollutant"] == pollutant) & (t["region"] == region)]
    t = t.sort_values(["unit_cost_cny_per_t", "measure"], kind="stable").reset_index(drop=True)
    t["cumulative_t_per_yr"] = t["reduction_t_per_yr"].cumsum()
    t["cumulative_cost_cny_per_yr"] = t["annualised_cost_cny_per_yr"].cumsum()
    return t


def plot_cost_curve(curve: pd.DataFrame, *, title: str | None = None, path: str | os.PathLike | None = None,
                    ax: Axes | None = None) -> Figure | Axes:
    """Step figure of a cost curve: width = reduction [t/yr], height = unit cost [10^4 CNY/t]."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(7, 4))
    left = 0.0
    for r in curve.itertuples():
        h = r.unit_cost_cny_per_t / 1e4
        ax.bar(left, h, width=r.reduction_t_per_yr, align="edge", edgecolor="k", alpha=0.7)
        ax.text(left + r.reduction_t_per_yr / 2, h, str(r.label), ha="center", va="bottom", fontsize=7, rotation=60)
        left += r.reduction_t_per_yr
    ax.set_xlim(0, max(left, 1.0))
    costs = curve["unit_cost_cny_per_t"].to_numpy()
    if len(costs) > 1 and costs.min() > 0 and costs.max() / costs.min() > 100:
        ax.set_yscale("log")  # unit costs spanning orders of magnitude
    ax.set_xlabel("cumulative reduction [t/yr]")
    ax.set_ylabel("unit cost [10^4 CNY/t]")
    if title:
        ax.set_title(title)
    if own:
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=120)
            plt.close(fig)
        return fig
    return ax


def cost_per_improvement(cost: npt.ArrayLike, baseline: npt.ArrayLike, package: npt.ArrayLike, *,
                         better: str = "lower") -> np.ndarray:
    """Equivalent annual cost per unit of improvement [CNY/yr per unit]: per µg/m³ of PM2.5, per
    point of the good-day ratio (``better='higher'``) or per mg/L of TP. +inf where nothing improves.

    Examples
    --------
    >>> float(cost_per_improvement(1e8, 35.0, 34.0))
    100000000.0
    >>> float(cost_per_improvement(1e8, 80.0, 82.0, better="higher"))
    50000000.0
    """
    if better not in ("lower", "higher"):
        raise ScenarioError(f"better={better!r}; expected 'lower' or 'higher'", field="better", value=better,
                            expected="'lower' or 'higher'")
    gain = np.asarray(baseline, dtype=float) - np.asarray(package, dtype=float)
    if better == "higher":
        gain = -gain
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gain > 0, np.asarray(cost, dtype=float) / np.where(gain > 0, gain, 1.0), np.inf)
