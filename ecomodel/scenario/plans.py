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

__all__ = ["PLAN_PACKAGES", "implements", "implemented_rows", "plan_packages"]

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
    """Coverage (:func:`ecomodel.targets.coverage`) of a run: the rows its ``/targets`` table checked,
    the tonnage rows checked from the accounts of its package
    (:func:`ecomodel.scenario.accounting.accounts`), with *hindcast* the in-sample 2015→2020
    Jiangyin PM2.5 hindcast (:func:`ecomodel.scenario.report.hindcast_table`), and the rows the
    plan packages implement.

    Parameters
    ----------
    tree : xarray.DataTree
        A :func:`~ecomodel.scenario.run` result.
    packages : sequence of Package, optional
        Packages whose implemented rows count (default: the five plan packages).
    members : int, optional
        Members of the accounting ensemble (default: the run's).
    """
    import numpy as np
    import pandas as pd

    from .. import targets
    from .accounting import accounts
    from .files import load_package

    root = tree.attrs if hasattr(tree, "attrs") else {}
    frames = []
    if "targets" in tree.children and "probability" in tree["targets"].ds:
        frames.append(tree["targets"].ds.to_dataframe())
    pkg_name = root.get("package")
    try:
        pkg = load_package(pkg_name) if pkg_name else None
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
        from .report import hindcast_table

        frames.append(hindcast_table(members=min(int(members or root.get("members", 20)), 20),
                                     seed=int(root.get("seed", 0))))
    checked = pd.concat(frames, ignore_index=True) if frames else None
    return targets.coverage(checked, implemented_rows(packages))
