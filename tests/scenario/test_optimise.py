"""Cheapest package meeting every target: MILP result checked by brute force over all subsets."""

import itertools

import numpy as np
import pytest

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Cost, Effect, Measure
from ecomodel.scenario.optimise import TargetSpec, optimise, parse_target, targets_from_registry


def candidates(costs, groups=None):
    groups = groups or [None] * len(costs)
    return [Measure(id=f"m{i}", name=f"m{i}", domain="air", cost=Cost(annual=float(c)), group=g,
                    effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),))
            for i, (c, g) in enumerate(zip(costs, groups, strict=True))]


def brute_force(costs, evaluate, specs, budget=None, groups=None):
    n = len(costs)
    best = (np.inf, None)
    for bits in itertools.product([0, 1], repeat=n):
        x = np.array(bits, dtype=bool)
        if groups is not None:
            g = np.array([gg or f"_{i}" for i, gg in enumerate(groups)])
            if any(x[g == name].sum() > 1 for name in set(g)):
                continue
        cost = float(np.asarray(costs)[x].sum())
        if budget is not None and cost > budget:
            continue
        v = evaluate(x[None, :].astype(float))[0]
        if all(s.met(vj) for s, vj in zip(specs, v, strict=True)) and cost < best[0] - 1e-9:
            best = (cost, x)
    return best


def linear_case(seed, n=9, m=3):
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 20, n).astype(float)
    effects = -rng.random((n, m)) * rng.integers(0, 2, (n, m))  # some measures do nothing for a target
    base = np.array([36.0, 0.15, 80.0])[:m]
    sign = np.array([1.0, 1.0, -1.0])[:m]  # the third indicator is "higher is better"
    effects = effects * np.array([3.0, 0.01, 4.0])[:m] * sign

    def evaluate(sel):
        return base + np.asarray(sel) @ effects

    totals = effects.sum(axis=0)
    frac = rng.uniform(0.3, 0.7, m)
    limits = base + frac * totals
    specs = [TargetSpec(f"i{j}", limits[j], 2025, "<=" if sign[j] > 0 else ">=") for j in range(m)]
    return costs, evaluate, specs


@pytest.mark.parametrize("seed", range(6))
def test_optimise_equals_brute_force_on_linear_responses(seed):
    costs, evaluate, specs = linear_case(seed)
    res = optimise(candidates(costs), specs, evaluate=evaluate)
    best_cost, best_x = brute_force(costs, evaluate, specs)
    assert res.status == "met"
    assert res.cost == pytest.approx(best_cost)
    assert res.table["met"].all() and (res.table["margin"] >= -1e-12).all()


@pytest.mark.parametrize("seed", range(3))
def test_optimise_with_budget_and_exclusive_groups_equals_brute_force(seed):
    costs, evaluate, specs = linear_case(10 + seed)
    groups = ["a", "a", "b", "b", "b", None, None, None, None]
    best_cost, _ = brute_force(costs, evaluate, specs, groups=groups)
    res = optimise(candidates(costs, groups), specs, evaluate=evaluate)
    if np.isfinite(best_cost):
        assert res.status == "met" and res.cost == pytest.approx(best_cost)
        chosen = set(res.chosen)
        assert len(chosen & {"m0", "m1"}) <= 1 and len(chosen & {"m2", "m3", "m4"}) <= 1
        tight = optimise(candidates(costs, groups), specs, budget=best_cost - 0.5, evaluate=evaluate)
        assert tight.status == "infeasible" and tight.chosen == []
        assert "budget" in tight.message or "miss" in tight.message
    else:
        assert res.status == "infeasible"


def test_optimise_relinearises_when_responses_interact():
    """Two measures that are each strong alone but overlap: linearisation overestimates the pair."""
    costs = np.array([1.0, 1.0, 5.0])
    specs = [TargetSpec("pm25_annual_mean", 30.0, 2025)]

    def evaluate(sel):
        sel = np.asarray(sel)
        a, b, c = sel[:, 0], sel[:, 1], sel[:, 2]
        # a and b remove the same precursor: together they are worth only one and a half
        return (36.0 - 4.0 * a - 4.0 * b + 2.5 * a * b - 6.5 * c)[:, None]

    res = optimise(candidates(costs), specs, evaluate=evaluate)
    best_cost, best_x = brute_force(costs, evaluate, specs)
    assert res.status == "met" and res.rounds >= 2
    assert res.cost == pytest.approx(best_cost)  # m2 alone (5) beats nothing cheaper that works
    assert res.chosen == ["m2"]


def test_optimise_reports_targets_missed_after_verification():
    costs = np.array([1.0, 2.0])
    specs = [TargetSpec("tp_concentration", 0.136, 2026, site="姚巷桥")]
    linear = lambda sel: (0.146 - 0.006 * np.asarray(sel).sum(axis=1))[:, None]  # noqa: E731
    truth = lambda sel: (0.146 - 0.004 * np.asarray(sel).sum(axis=1))[:, None]  # noqa: E731
    res = optimise(candidates(costs), specs, evaluate=linear, verify=truth, max_rounds=2)
    assert res.status in ("missed", "infeasible")
    assert res.missed == ["tp_concentration@姚巷桥<=0.136:2026"]
    assert "miss" in res.message or "infeasible" in res.message


def test_optimise_infeasible_names_unreachable_targets():
    specs = [TargetSpec("pm25_annual_mean", 20.0, 2025, region="常州市")]
    res = optimise(candidates([1.0, 2.0]), specs, evaluate=lambda s: (36.0 - np.asarray(s).sum(1))[:, None])
    assert res.status == "infeasible"
    assert "pm25_annual_mean@常州市<=20:2025" in res.message and res.missed == [specs[0].label]
    assert str(res).startswith("infeasible")


def test_target_specs__parsing_probability_and_errors():
    t = parse_target("good_air_days_ratio@江阴市>=82:2025 p=0.8")
    assert (t.region, t.comparator, t.value, t.year, t.probability) == ("江阴市", ">=", 82.0, 2025, 0.8)
    members = np.array([80.0, 83.0, 84.0, 85.0, 86.0])
    assert t.statistic(members) == pytest.approx(np.quantile(members, 0.2))
    assert parse_target("tp_concentration@姚巷桥<=0.136:2026").site == "姚巷桥"
    with pytest.raises(ScenarioError, match="cannot read"):
        parse_target("pm25 < 31")
    with pytest.raises(ScenarioError, match="no year"):
        parse_target("pm25_annual_mean<=31")
    with pytest.raises(ScenarioError, match="comparator"):
        TargetSpec("x", 1.0, 2025, "<")
    with pytest.raises(ScenarioError, match="probability"):
        TargetSpec("x", 1.0, 2025, probability=1.5)
    with pytest.raises(ScenarioError, match="shape"):
        optimise(candidates([1.0]), [t], evaluate=lambda s: np.zeros((len(s), 3)))
    with pytest.raises(ScenarioError, match="budget"):
        optimise(candidates([1.0]), [t], budget=-1.0, evaluate=lambda s: np.zeros((len(s), 1)))


def test_targets_from_registry_rows():
    from ecomodel import targets

    rows = targets.load(site="姚巷桥", indicator="tp_concentration", year=2026)
    specs = targets_from_registry(rows)
    assert [(s.site, s.value, s.year, s.comparator) for s in specs] == [("姚巷桥", 0.136, 2026, "<=")]
    assert specs[0].source == "787-795"
