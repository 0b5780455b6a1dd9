"""Plan-level additions to a comparison: coverage line, health benefits, cost curves.

:func:`comparison_extras` takes a :func:`~ecomodel.scenario.compare` result and the scenarios behind it
and returns what the demo and the optimiser report print: the coverage line of the registry
(:func:`ecomodel.targets.coverage`), the tonnage targets checked from the accounts, the deaths
avoided and their value (:mod:`ecomodel.scenario.health`) with benefit − cost, and the cost-curve
figures (:mod:`ecomodel.scenario.economics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .plans import HINDCAST_NOTE, hindcast_table  # re-exported: the demo report uses them

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from .model import Scenario

__all__ = ["benefit_table", "tonnage_check", "tonnage_table", "tonnage_rows", "hindcast_table", "coverage_of", "comparison_extras"]


def benefit_table(comparison: xr.DataTree, scenarios: Sequence[Scenario], *, region: str = "常州市",
                  year: int | None = None) -> pd.DataFrame:
    """One row per scenario: deaths avoided [1/yr], benefit at low/central/high VSL [CNY/yr],
    annualised cost [CNY/yr] and central benefit − cost [CNY/yr] in *region* and *year* (default:
    the last year)."""
    import pandas as pd

    from .health import benefits

    air = comparison["air"].to_dataset() if hasattr(comparison["air"], "to_dataset") else comparison["air"]
    pm = air["pm25_annual_mean"]
    base = str(comparison.attrs.get("baseline") or pm["scenario"].values[0])
    ds = benefits(pm, base)
    y = int(year if year is not None else ds["year"].values[-1])
    costs = {s.name: s.package.annualised_cost(s.discount_rate) for s in scenarios}
    rows = []
    for name in ds["scenario"].values:
        d = float(ds["deaths_avoided"].sel(scenario=name, year=y, region=region))
        b = {k: float(ds["benefit"].sel(vsl=k, scenario=name, year=y, region=region)) for k in ds["vsl"].values}
        c = float(costs.get(str(name), 0.0))
        rows.append({"scenario": str(name), "deaths_avoided_per_yr": d, **{f"benefit_{k}_cny_per_yr": v
                     for k, v in b.items()}, "annualised_cost_cny_per_yr": c,
                     "net_benefit_central_cny_per_yr": b["central"] - c})
    return pd.DataFrame(rows).set_index("scenario")


def tonnage_check(accounts: xr.Dataset) -> pd.DataFrame:
    """The registry's tonnage targets checked from one set of accounts
    (:func:`ecomodel.scenario.accounting.accounts`, or the ``/accounts`` node of a run): the
    rows :func:`ecomodel.scenario.accounting.check_accounts` gives — the check
    :func:`ecomodel.scenario.run.run` stores in ``/targets`` (``basis`` 'accounts') — with
    ``probability`` (share of members meeting the target), ``projected`` (ensemble mean) and
    ``met`` judged by ``met_rule``; an empty table when no registry row matches them."""
    from .accounting import check_accounts

    return check_accounts(accounts)


def tonnage_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """The registry's tonnage targets checked from each scenario's accounts (ensemble of the scenario)."""
    import pandas as pd

    from .accounting import accounts

    frames = []
    for s in scenarios:
        t = tonnage_check(accounts(s.package, s.years, base=s.base, members=s.members, seed=s.seed))
        if len(t):
            frames.append(t.assign(scenario=s.name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def tonnage_rows(comparison: xr.DataTree, scenarios: Sequence[Scenario] | None = None) -> pd.DataFrame:
    """The tonnage rows of a comparison's ``/targets`` (``basis`` 'accounts', checked by
    :func:`~ecomodel.scenario.run.compare` from each scenario's accounts), one row per scenario and
    target — of *scenarios* only when given (e.g. without the added baseline) — as
    :func:`tonnage_table` gives them; an empty table when there are none."""
    import pandas as pd

    if "targets" not in comparison.children:
        return pd.DataFrame()
    t = comparison["targets"].to_dataset()
    if "basis" not in t:
        return pd.DataFrame()
    t = t.isel(target=np.flatnonzero(t["basis"].values == "accounts"))
    if not t.sizes["target"]:
        return pd.DataFrame()
    df = t.to_dataframe().reset_index()
    if scenarios is not None:
        df = df[df["scenario"].isin([s.name for s in scenarios])].reset_index(drop=True)
    return df.drop(columns=["target"]).rename(columns={"label": "target"}) if "label" in df else df.drop(
        columns=["target"])


def coverage_of(comparison: xr.DataTree, scenarios: Sequence[Scenario],
                tonnage: pd.DataFrame | None = None, hindcast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coverage over the whole comparison: a row counts as checked if any scenario checks it (the
    probability shown is the last scenario's); *tonnage* (:func:`tonnage_table`) and *hindcast*
    (:func:`hindcast_table`) add the rows they check."""
    import pandas as pd

    from .. import targets
    from .plans import implemented_rows

    frames = []
    if "targets" in comparison.children:
        t = comparison["targets"].to_dataset()
        cols = [c for c in ("document", "source_line", "indicator") if c in t]
        if len(cols) == 3:
            df = pd.DataFrame({c: t[c].values for c in cols})
            df["probability"] = t["probability"].isel(scenario=-1).values
            frames.append(df)
    if tonnage is not None and len(tonnage):
        ton = tonnage
        if "scenario" in ton.columns:  # as for the targets: the last scenario's probability
            ton = ton[ton["scenario"] == ton["scenario"].iloc[-1]]
        frames.append(ton[["document", "source_line", "indicator", "probability"]])
    if hindcast is not None and len(hindcast):
        frames.append(hindcast[["document", "source_line", "indicator", "probability", "note"]])
    checked = pd.concat(frames, ignore_index=True) if frames else None
    return targets.coverage(checked, implemented_rows([s.package for s in scenarios] + _plan_packages()))


def _plan_packages():
    from .plans import plan_packages

    return plan_packages()


def comparison_extras(comparison: xr.DataTree, scenarios: Sequence[Scenario], out: str | Path | None = None, *,
                      pollutants: Sequence[str] = ("NOx", "VOCs", "COD", "TP"), hindcast: bool = True) -> dict:
    """Coverage line, tonnage and benefit tables and (with *out*) one cost-curve figure per pollutant.

    With *hindcast* (and air among the scenarios' domains) the 2015→2020 Jiangyin PM2.5 decrease
    (003:34) is checked on an in-sample air hindcast (:func:`hindcast_table`) and counted as checked.

    Returns
    -------
    dict
        ``coverage`` (DataFrame), ``coverage_line`` (str), ``tonnage``, ``hindcast`` and ``benefits``
        (DataFrames), ``figures`` (paths).
    """
    from .. import targets
    from .economics import cost_curve, plot_cost_curve

    ton = tonnage_rows(comparison, scenarios)
    hind = None
    if hindcast and scenarios and any("air" in s.domains for s in scenarios):
        hind = hindcast_table(members=min(max(s.members for s in scenarios), 20), seed=scenarios[0].seed)
    cov = coverage_of(comparison, scenarios, ton, hind)
    figures = []
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        measures, seen = [], set()
        for s in scenarios:
            for m in s.package.measures:
                if m.id not in seen:
                    seen.add(m.id)
                    measures.append(m)
        for pol in pollutants:
            curve = cost_curve(measures, pol)
            if len(curve):
                path = out / f"cost_curve_{pol.replace('.', '').replace('-', '').lower()}.png"
                plot_cost_curve(curve, title=f"{pol} marginal abatement cost curve, Changzhou", path=path)
                figures.append(path)
    return {"coverage": cov, "coverage_line": targets.coverage_line(cov), "tonnage": ton, "hindcast": hind,
            "benefits": benefit_table(comparison, scenarios), "figures": figures,
            "total_numeric_targets": int(np.int64(len(cov)))}
