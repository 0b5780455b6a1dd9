"""Package comparison and optimisation benchmarks, and the ranking of the demo packages.

    python -m benchmarks packages           # full size
    python -m benchmarks packages --tiny    # as in the test suite

Cases
-----
``demo_ranking``
    The six demo scenarios compared on the embedded data; the record carries the ranking of the
    packages by equivalent annual cost per plan target met (printed as a table on stderr).
``compare_100x100``
    100 random packages (subsets of 200 candidate measures over air, water and carbon) × 100
    members × 2020–2030 compared with the response surfaces (goal: ≤ 10 s).
``air_surface_fit``
    The one-off fit behind the fast air responses (once per process and base data).
``accounting_coverage_100x100``
    Emission and load accounts (t/yr by region, sector/source, pollutant; reductions with an
    inventory ensemble) of the same 100 packages × 100 members × 2020–2030, checked against the
    registry, and the coverage table of all numeric targets (goal: ≤ 10 s warm).
``optimise_200x30``
    As ``optimise_200x10`` with the 30 targets of :data:`TARGETS30` (goal: ≤ 10 s).
``optimise_200x10``
    Cheapest subset of 200 candidate measures meeting 10 targets: linearisation, MILP and
    verification with the full models (goal: ≤ 5 s). The targets are set half-way between the
    baseline and what all candidates reach together.

The per-key unit responses of the fast water and carbon methods are cleared before each timed
case, so their cost is included.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks._harness import result

#: the 10 targets of the optimisation case: indicator, place, year, direction. Their limits are set
#: half-way between the baseline and what all candidates together reach, so that the case is
#: feasible and needs several measures.
TARGETS = (
    ("pm25_annual_mean", "常州市", 2025, "<="), ("pm25_annual_mean", "常州市天宁区", 2025, "<="),
    ("pm25_annual_mean", "常州市武进区", 2025, "<="), ("pm25_annual_mean", "常州市", 2030, "<="),
    ("good_air_days_ratio", "常州市", 2025, ">="), ("tp_concentration", "姚巷桥", 2026, "<="),
    ("tp_concentration", "黄埝桥", 2026, "<="), ("tp_concentration", "百渎港桥", 2026, "<="),
    ("co2_emissions", "常州市", 2030, "<="), ("coal_share_energy_pct", "常州市", 2030, "<="),
)


#: 30 targets: PM2.5 in six places in 2023/2025/2030, good days, TP at the three sections, CO2 and coal share
TARGETS30 = tuple(("pm25_annual_mean", r, y, "<=") for r in ("常州市", "常州市天宁区", "常州市武进区", "常州市钟楼区",
                                                             "常州市新北区", "江阴市") for y in (2023, 2025, 2030)) + (
    ("good_air_days_ratio", "常州市", 2025, ">="), ("good_air_days_ratio", "常州市", 2030, ">=")) + tuple(
    ("tp_concentration", s, y, "<=") for s in ("姚巷桥", "黄埝桥", "百渎港桥") for y in (2025, 2026)) + (
    ("co2_emissions", "常州市", 2025, "<="), ("co2_emissions", "常州市", 2030, "<="),
    ("coal_share_energy_pct", "常州市", 2025, "<="), ("coal_share_energy_pct", "常州市", 2030, "<="))


def halfway_targets(cands, scenario, targets=TARGETS):
    """TargetSpecs for *targets* half-way between the baseline and all candidates together."""
    from dataclasses import replace

    from ecomodel.scenario.optimise import TargetSpec
    from ecomodel.scenario.run import evaluator

    specs = [TargetSpec(ind, 0.0, year, cmp, site=place if ind.startswith("tp_") else None,
                        region=None if ind.startswith("tp_") else place) for ind, place, year, cmp in targets]
    v = evaluator(cands, specs, scenario=scenario)(np.vstack([np.zeros(len(cands)), np.ones(len(cands))]))
    return [replace(t, value=float(v[0, j] + 0.5 * (v[1, j] - v[0, j]))) for j, t in enumerate(specs)]


def candidate_measures(n: int, seed: int = 7):
    """*n* random measures over the three domains, with effects the demo data contain."""
    from ecomodel.scenario import Cost, Effect, Measure

    rng = np.random.default_rng(seed)
    air = [("NOx", "industry"), ("NOx", "power"), ("NOx", "transport"), ("SO2", "industry"), ("NH3", "agriculture"),
           ("VOCs", "solvent"), ("VOCs", "industry"), ("PM2.5", "dust"), ("PM2.5", "residential")]
    water = [("TP", "wwtp"), ("TP", "industry"), ("TP", "agriculture"), ("NH3-N", "wwtp"), ("COD", "wwtp")]
    carbon = ["chemicals", "building_materials", "textiles", "other_industry"]
    out = []
    for i in range(n):
        kind = rng.choice(3, p=[0.5, 0.3, 0.2])
        start = int(rng.integers(2021, 2026))
        ramp = int(rng.integers(1, 4))
        frac = float(rng.uniform(0.05, 0.35))
        if kind == 0:
            pol, sec = air[rng.integers(len(air))]
            eff = Effect(domain="air", pollutant=pol, sector=sec, region="常州市", fraction=frac)
            dom = "air"
        elif kind == 1:
            pol, cat = water[rng.integers(len(water))]
            eff = Effect(domain="water", pollutant=pol, category=cat, fraction=frac)
            dom = "water"
        else:
            eff = Effect(domain="carbon", fuel="raw_coal", to_fuel="natural_gas",
                         sector=carbon[rng.integers(len(carbon))], region="常州市", fraction=frac)
            dom = "carbon"
        cost = Cost(capital=float(rng.uniform(0.1, 5.0)) * 1e8, annual=float(rng.uniform(0.01, 1.0)) * 1e8,
                    lifetime=float(rng.integers(10, 25)))
        out.append(Measure(id=f"c{i:03d}", name=f"candidate {i}", domain=dom, start=start, ramp_years=ramp,
                           cost=cost, effects=(eff,)))
    return out


def _ranking(cmp):
    s = cmp["summary"].to_dataset()
    rows = []
    for name in s["scenario"].values:
        cost = float(s["annualised_cost"].sel(scenario=name))
        met = int(s["targets_met"].sel(scenario=name))
        rows.append({"package": str(name), "annualised_cost_cny_per_yr": cost, "targets_met": met,
                     "mean_probability": float(s["mean_probability"].sel(scenario=name)),
                     "cost_per_target_met_cny_per_yr": cost / met if met else float("inf")})
    base = next(r for r in rows if r["package"] == "baseline")
    ranked = sorted((r for r in rows if r["package"] != "baseline"),
                    key=lambda r: (r["cost_per_target_met_cny_per_yr"], -r["targets_met"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
        r["targets_gained"] = r["targets_met"] - base["targets_met"]
    return ranked, base


def _print_ranking(ranked, base, total):
    print(f"\ndemo packages ranked by equivalent annual cost per plan target met ({total} targets; baseline meets "
          f"{base['targets_met']}):", file=sys.stderr)
    print(f"{'rank':>4}  {'package':<30}{'cost [1e8 CNY/yr]':>18}{'met':>5}{'gained':>7}{'cost/target met':>17}"
          f"{'mean p':>8}", file=sys.stderr)
    for r in ranked:
        print(f"{r['rank']:>4}  {r['package']:<30}{r['annualised_cost_cny_per_yr'] / 1e8:>18.2f}{r['targets_met']:>5}"
              f"{r['targets_gained']:>7}{r['cost_per_target_met_cny_per_yr'] / 1e8:>17.3f}"
              f"{100 * r['mean_probability']:>7.0f}%", file=sys.stderr)


def run(tiny: bool = False):
    from ecomodel.scenario import Package
    from ecomodel.scenario.demo import demo_scenario, demo_scenarios
    from ecomodel.scenario.optimise import optimise
    from ecomodel.scenario.run import compare

    members = 2 if tiny else 100
    # 1. the demo packages, ranked
    scenarios = demo_scenarios(members=members)
    if not tiny:
        compare(demo_scenarios(members=2))  # warm-up: imports, numba compilation, response-surface fits
    t0 = time.perf_counter()
    cmp = compare(scenarios)
    seconds = time.perf_counter() - t0
    ranked, base = _ranking(cmp)
    total = int(cmp["targets"].sizes["target"])
    _print_ranking(ranked, base, total)
    yield result("demo_ranking", f"{len(scenarios)} packages x {members} members x 2020-2030", seconds,
                 len(scenarios) * members * 11, "package-member-years/s", targets=total, ranking=ranked)

    # the one-off fits of the fast methods (air response surface and source-receptor runs), per process
    from ecomodel.scenario import adapters

    if not tiny:  # the tiny run (test suite) reuses the fits of the demo case
        adapters._air_surface.cache_clear()
        adapters._air_srm.cache_clear()
    backend = adapters.AirBackend()
    t0 = time.perf_counter()
    backend.source_receptor("demo")
    seconds = time.perf_counter() - t0
    err = backend.surface("demo").error_.attrs
    yield result("air_surface_fit", "response surface (80+20 packages) + 35 source-receptor runs", seconds, 1,
                 "fits/s", rsm_max_abs_error_ug_m3=err["max_abs_error"], rsm_mean_bias_pct=err["mean_bias_pct"])

    # 2. 100 packages x 100 members x 2020-2030 with the response surfaces (unit responses not cached)
    adapters._RESPONSES.clear()
    adapters._air_baseline.cache_clear()
    n_pkg = 5 if tiny else 100
    pool = candidate_measures(200)
    rng = np.random.default_rng(1)
    packages = [Package(f"p{k:03d}", tuple(m for m in pool if rng.random() < 0.05)) for k in range(n_pkg)]
    many = [demo_scenario(p, members=members) for p in packages]
    t0 = time.perf_counter()
    out = compare(many)
    seconds = time.perf_counter() - t0
    yield result("compare_100x100", f"{n_pkg} packages x {members} members x 2020-2030 (surface)", seconds,
                 n_pkg * members * 11, "package-member-years/s", goal_seconds=10.0,
                 targets=int(out["targets"].sizes["target"]))

    # 2b. accounting and coverage of the same packages
    from ecomodel import targets as registry
    from ecomodel.scenario.accounting import accounts
    from ecomodel.scenario.plans import implemented_rows

    accounts(packages[:2], np.arange(2020, 2031), members=members)  # warm-up (inventory layout, masks)
    t0 = time.perf_counter()
    acc = accounts(packages, np.arange(2020, 2031), members=members, seed=0)
    keys = [k for k in acc.data_vars if k.endswith("_reduction_t")]
    checked = [registry.check(acc[keys].isel(scenario=i), outside="skip") for i in range(n_pkg)]
    cov = registry.coverage(checked[0], implemented_rows())
    seconds = time.perf_counter() - t0
    yield result("accounting_coverage_100x100", f"{n_pkg} packages x {members} members x 2020-2030", seconds,
                 n_pkg * members * 11, "package-member-years/s", goal_seconds=10.0,
                 coverage=registry.coverage_line(cov))

    # 3. optimisation over 200 candidates and 10 (then 30) targets
    n_cand = 12 if tiny else 200
    cands = candidate_measures(n_cand, seed=3)
    sc = demo_scenario(members=members)
    specs = halfway_targets(cands, sc)
    adapters._RESPONSES.clear()
    adapters._air_baseline.cache_clear()
    t0 = time.perf_counter()
    res = optimise(cands, specs, scenario=sc)
    seconds = time.perf_counter() - t0
    yield result("optimise_200x10", f"{n_cand} candidates x {len(TARGETS)} targets, {members} members", seconds,
                 n_cand, "candidates/s", goal_seconds=5.0, status=res.status, chosen=len(res.chosen),
                 cost_cny_per_yr=res.cost, rounds=res.rounds)
    specs = halfway_targets(cands, sc, TARGETS30)
    adapters._RESPONSES.clear()
    adapters._air_baseline.cache_clear()
    t0 = time.perf_counter()
    res = optimise(cands, specs, scenario=sc)
    seconds = time.perf_counter() - t0
    yield result("optimise_200x30", f"{n_cand} candidates x {len(TARGETS30)} targets, {members} members", seconds,
                 n_cand, "candidates/s", goal_seconds=10.0, status=res.status, chosen=len(res.chosen),
                 cost_cny_per_yr=res.cost, rounds=res.rounds)
