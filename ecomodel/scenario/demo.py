"""The Changzhou demo: embedded packages run on the embedded data of every domain."""

from __future__ import annotations

from .model import Package, Scenario

__all__ = ["DEMO_SEED", "demo_scenario"]

#: Seed of the demo ensembles: the date the 2023 work plan was issued (004:8, 2023-04-17).
DEMO_SEED = 20230417


def demo_scenario(package: Package | None = None, *, members: int = 50, method: str = "surface") -> Scenario:
    """Demo settings: embedded Changzhou base data, 2020–2030, *members* members, fixed seed.

    Examples
    --------
    >>> demo_scenario().years[[0, -1]].tolist()
    [2020, 2030]
    """
    package = package or Package("baseline", title="no measures")
    return Scenario(name=package.name, package=package, base="demo", start_year=2020, end_year=2030,
                    members=members, seed=DEMO_SEED, method=method)
