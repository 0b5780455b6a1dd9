"""Hypothesis properties of packages, schedules, TOML files and the optimiser."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel.scenario import Cost, Effect, Measure, Package, combine_fractions
from ecomodel.scenario.files import dumps, loads, parse_package
from ecomodel.scenario.optimise import TargetSpec, optimise
from ecomodel.scenario.run import reduction_schedule

fractions = st.floats(0.0, 1.0, allow_nan=False)
names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=12).filter(str.strip)  # blank names are refused by the model (tested elsewhere)
idents = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=8)


@given(st.lists(fractions, max_size=8), st.randoms())
def test_combined_reduction_is_a_fraction_order_free_and_monotone(fs, rnd):
    total = float(combine_fractions(fs)) if fs else 0.0
    assert -1e-12 <= total <= 1.0 + 1e-12
    shuffled = list(fs)
    rnd.shuffle(shuffled)
    if fs:
        assert np.isclose(float(combine_fractions(shuffled)), total, atol=1e-12)
        assert total >= max(fs) - 1e-12  # never less than the strongest measure alone
    more = float(combine_fractions(fs + [0.3]))
    assert more >= total - 1e-12


@st.composite
def measures(draw, domain="air"):
    start = draw(st.integers(2015, 2035))
    ramp = draw(st.integers(0, 6))
    pollutant = draw(st.sampled_from(["NOx", "SO2", "NH3", "VOCs", "PM2.5"]))
    effect = Effect(domain=domain, pollutant=pollutant, sector=draw(st.sampled_from(["industry", "power", None])),
                    fraction=draw(fractions))
    cost = Cost(capital=draw(st.floats(0, 1e10)), annual=draw(st.floats(0, 1e9)), lifetime=draw(st.floats(1, 50)),
                source=draw(names))
    return Measure(id=draw(idents), name=draw(names), domain=domain, effects=(effect,), start=start,
                   ramp_years=ramp, cost=cost, group=draw(st.none() | idents), description=draw(names))


@given(st.lists(measures(), max_size=5, unique_by=lambda m: m.id), names)
def test_toml_round_trip_of_random_packages(ms, title):
    pkg = Package("p", tuple(ms), title=title)
    again = parse_package(loads(dumps(pkg.to_dict()), "p.toml"), "p.toml")
    assert again == pkg


@given(st.lists(measures(), min_size=1, max_size=5, unique_by=lambda m: m.id))
def test_schedule_rises_to_the_combined_full_effect(ms):
    years = np.arange(2015, 2046)
    r = reduction_schedule(ms, years, "air")
    assert np.all(np.diff(r.fractions, axis=1) >= -1e-12)  # no end years: never falls
    assert np.all((r.fractions >= 0) & (r.fractions <= 1 + 1e-12))
    final = {k: v[-1] for k, v in r.as_dict().items()}
    for key, value in final.items():
        fs = [e.fraction for m in ms for e in m.effects if e.key == key]
        assert np.isclose(value, float(combine_fractions(fs)))


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(2, 7), st.integers(1, 3))
def test_optimise_matches_brute_force(seed, n, m):
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 30, n).astype(float)
    effects = -rng.random((n, m)) * (rng.random((n, m)) < 0.7)
    base = np.full(m, 10.0)
    limit = base + rng.uniform(0.1, 0.9) * effects.sum(axis=0)
    specs = [TargetSpec(f"i{j}", limit[j], 2030) for j in range(m)]
    cands = [Measure(id=f"m{i}", name=f"m{i}", domain="air", cost=Cost(annual=c),
                     effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),)) for i, c in enumerate(costs)]

    def evaluate(sel):
        return base + np.asarray(sel) @ effects

    res = optimise(cands, specs, evaluate=evaluate)
    best = np.inf
    for bits in itertools.product([0, 1], repeat=n):
        x = np.array(bits, dtype=float)
        if np.all(evaluate(x[None])[0] <= limit + 1e-12):
            best = min(best, float(costs @ x))
    if np.isfinite(best):
        assert res.status == "met"
        assert np.isclose(res.cost, best)
    else:
        assert res.status == "infeasible"
