"""The five seed plans as packages, and which registry rows their measures implement.

Each plan has an embedded package (``ecomodel/data/packages/<name>.toml``) built from its own
activity targets; each measure lists the registry rows it carries out in its ``implements`` field
(``'<code>:<first line>[/<indicator>]'``, see :func:`ecomodel.targets.find_rows`), checked against
the registry when the package is read (:class:`~ecomodel.scenario.model.Measure`).

Examples
--------
>>> sorted(PLAN_PACKAGES)[:2]
['changzhou_2023_work_plan', 'jiangyin_plan_2021_2025']
>>> implements()["changzhou_2023_work_plan"]["nox_key_projects"][:1]
['004:19/nox_reduction_t']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import ScenarioError, TargetError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from .model import Package

__all__ = ["PLAN_PACKAGES", "implements", "implemented_rows", "plan_packages", "hindcast_table", "HINDCAST_NOTE"]

#: What the 2015→2020 Jiangyin PM2.5 hindcast (003:34) is, printed beside its probability.
HINDCAST_NOTE = ("in-sample hindcast: 2015 and 2020 are both calibration years of the air model (江阴 2015 = "
                 "37/(1-0.456) ug/m3 is itself derived from the plan's 45.6 % fall, 003:4, and 2015 emissions "
                 "from its 13th-FYP cuts), so this tests the fit, not a forecast")


#: plan package name → seed document code
PLAN_PACKAGES = {"wujin_plan_2022_2026": "000", "tianning_plan_2021_2025": "001", "zhonglou_plan_2023_2030": "002",
                 "jiangyin_plan_2021_2025": "003", "changzhou_2023_work_plan": "004"}


def implements(packages: Iterable[Package] | None = None) -> dict:
    """``{package: {measure: [references]}}`` of the plan packages (or the given ones): the
    ``implements`` field of every measure that has one."""
    packages = plan_packages() if packages is None else list(packages)
    return {p.name: {m.id: list(m.implements) for m in p.measures if m.implements} for p in packages}


def plan_packages() -> list:
    """The five plan packages (loaded)."""
    from .files import load_package

    return [load_package(n) for n in PLAN_PACKAGES]


def implemented_rows(packages: Iterable[Package] | None = None) -> dict:
    """``{row reference: 'package/measure'}`` for the plan packages (or the given ones)."""
    from .. import targets

    packages = plan_packages() if packages is None else list(packages)
    out = {}
    for p in packages:
        for m in p.measures:
            for ref in m.implements:
                for rr in targets.rows_of(ref):
                    out.setdefault(rr, f"{p.name}/{m.id}")
    return out


def run_coverage(tree: xr.DataTree, packages: Iterable[Package] | None = None, *,
                 members: int | None = None, hindcast: bool = True) -> pd.DataFrame:
    """Coverage (:func:`ecomodel.targets.coverage`) of a run: the rows its ``/targets`` table checked
    (the tonnage rows among them, ``basis`` 'accounts'; for a tree without them — written before
    :func:`~ecomodel.scenario.run.run` checked them — from the accounts of its package,
    :func:`ecomodel.scenario.accounting.accounts`), with *hindcast* the in-sample 2015→2020
    Jiangyin PM2.5 hindcast (:func:`hindcast_table`), and the rows the
    plan packages implement.

    Parameters
    ----------
    tree : xarray.DataTree
        A :func:`~ecomodel.scenario.run` result.
    packages : sequence of Package, optional
        Packages whose implemented rows count (default: the five plan packages).
    members : int, optional
        Members of the accounting ensemble of a tree without stored tonnage rows and of the hindcast
        (default: the run's).
    """
    import numpy as np
    import pandas as pd

    from .. import targets
    from .accounting import accounts
    from .files import load_package

    root = tree.attrs if hasattr(tree, "attrs") else {}
    frames = []
    stored = False  # a run's /targets holds the tonnage rows (basis 'accounts') since they are checked in run()
    if "targets" in tree.children and "probability" in tree["targets"].ds:
        t = tree["targets"].ds.to_dataframe()
        stored = "basis" in t and bool((t["basis"] == "accounts").any())
        frames.append(t)
    pkg_name = root.get("package")
    try:
        pkg = load_package(pkg_name) if pkg_name and not stored else None
    except ScenarioError:
        pkg = None
    if pkg is not None:
        years = np.arange(int(root.get("start_year", 2020)), int(root.get("end_year", 2030)) + 1)
        acc = accounts(pkg, years, members=int(members or root.get("members", 20)), seed=int(root.get("seed", 0)))
        keys = [k for k in acc.data_vars if k.endswith("_reduction_t")]
        try:
            frames.append(targets.check(acc[keys], outside="skip"))
        except TargetError:
            pass
    if hindcast:
        frames.append(hindcast_table(members=min(int(members or root.get("members", 20)), 20),
                                     seed=int(root.get("seed", 0))))
    checked = pd.concat(frames, ignore_index=True) if frames else None
    return targets.coverage(checked, implemented_rows(packages))


def hindcast_table(*, members: int = 20, seed: int = 0) -> pd.DataFrame:
    """The Jiangyin PM2.5 decrease 2015→2020 (003:34, ≥ 20 %) checked on an air-model hindcast.

    Runs :func:`ecomodel.air.projection.trajectory` over 2015–2020 on the calibrated demo (no
    package: the years are history), takes box 江阴, and checks
    ``pm25_decrease_pct = 100·(1 − PM2.5₂₀₂₀ / PM2.5₂₀₁₅)`` (:func:`ecomodel.targets.decrease_pct`)
    member by member against the registry. The check is in-sample (:data:`HINDCAST_NOTE`, copied to
    the ``note`` column).

    Parameters
    ----------
    members : int
        Weather realisations of the hindcast.
    seed : int
        Seed of the ensemble.

    Returns
    -------
    pandas.DataFrame
        The :func:`ecomodel.targets.check` rows (one: 003:34) with a ``note`` column.
    """
    from .. import targets
    from ..air.projection import trajectory

    tr = trajectory(None, years=range(2015, 2021), members=int(members), seed=int(seed), ozone=False)
    pm = tr["pm25_annual_mean"].sel(box="江阴", drop=True).sel(year=[2015, 2020])
    dec = targets.decrease_pct(pm, 2015).sel(year=[2020])
    dec = dec.assign_attrs(region="江阴市")
    table = targets.check(dec.to_dataset(name="pm25_decrease_pct"), outside="skip")
    table = table.assign(note=HINDCAST_NOTE)
    table.attrs = {}
    return table
