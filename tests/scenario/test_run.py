"""Runs, comparisons and dask scale-out on linear backends (closed-form responses).

The linear backends make every expected number computable by hand: indicator = baseline + slope ×
reduction fraction (+ a member anomaly). The embedded domain models are exercised in
tests/test_scenario_demo.py.
"""

import numpy as np
import pytest
import xarray as xr

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Cost, Effect, Measure, Package, Scenario
from ecomodel.scenario.backends import LinearBackend
from ecomodel.scenario.run import compare, reduction_schedule, register_backend, run, run_many

YEARS = np.arange(2020, 2031)
REGIONS = ["常州市", "常州市天宁区", "江阴市"]
SITES = ["姚巷桥", "黄埝桥", "百渎港桥"]


def _air_backend():
    pm = np.linspace(36.0, 33.0, YEARS.size)[:, None] + np.array([0.0, 1.0, 0.5])[None, :]
    base = xr.Dataset({"pm25_annual_mean": (("year", "region"), pm, {"units": "ug/m3"}),
                       "good_air_days_ratio": (("year", "region"), 100 - 0.5 * pm, {"units": "%"})},
                      coords={"year": YEARS, "region": REGIONS, "region_en": ("region", ["Changzhou", "Tianning",
                                                                                        "Jiangyin"])})
    responses = [
        {"indicator": "pm25_annual_mean", "match": {"pollutant": "NOx", "sector": "industry"}, "slope": -4.0},
        {"indicator": "good_air_days_ratio", "match": {"pollutant": "NOx", "sector": "industry"}, "slope": 2.0},
        {"indicator": "pm25_annual_mean", "match": {"pollutant": "NH3", "sector": "agriculture"},
         "slope": {"常州市": -3.0, "常州市天宁区": -2.0, "江阴市": -3.5}},
        {"indicator": "good_air_days_ratio", "match": {"pollutant": "NH3", "sector": "agriculture"}, "slope": 1.5},
    ]
    amounts = [{"match": {"pollutant": "NOx", "sector": "industry"}, "amount": 20000.0},
               {"match": {"pollutant": "NOx", "sector": "power"}, "amount": 10000.0}]
    return LinearBackend("air", base, responses, amounts, member_sd={"pm25_annual_mean": 1.0,
                                                                     "good_air_days_ratio": 2.0})


def _water_backend():
    tp = np.linspace(0.150, 0.140, YEARS.size)[:, None] + np.array([0.0, 0.01, 0.02])[None, :]
    base = xr.Dataset({"tp_concentration": (("year", "site"), tp, {"units": "mg/L"})},
                      coords={"year": YEARS, "site": SITES})
    responses = [{"indicator": "tp_concentration", "match": {"pollutant": "TP", "category": "wwtp"}, "slope": -0.02},
                 {"indicator": "tp_concentration", "match": {"pollutant": "TP", "category": "industry"},
                  "slope": -0.01}]
    return LinearBackend("water", base, responses, member_sd={"tp_concentration": 0.005})


@pytest.fixture(autouse=True)
def linear_backends():
    register_backend("air", _air_backend())
    register_backend("water", _water_backend())
    yield
    register_backend("air", None)
    register_backend("water", None)


def M(id, domain, cost, start=2022, ramp=1, **effect):
    return Measure(id=id, name=id, domain=domain, start=start, ramp_years=ramp, cost=Cost(annual=cost),
                   effects=(Effect(domain=domain, **effect),))


NOX = M("nox", "air", 1e8, pollutant="NOx", sector="industry", amount=5000.0)  # 25 % of 20000 t
NH3 = M("nh3", "air", 5e7, start=2024, ramp=2, pollutant="NH3", sector="agriculture", fraction=0.4)
WWTP = M("wwtp", "water", 2e8, pollutant="TP", category="wwtp", fraction=0.5)
IND = M("ind", "water", 3e7, pollutant="TP", category="industry", fraction=0.3)


def scenario(*measures, name=None, members=16, seed=1):
    pkg = Package(name or ("+".join(m.id for m in measures) or "baseline"), tuple(measures))
    return Scenario(pkg.name, package=pkg, members=members, seed=seed, domains=("air", "water"))


def test_reduction_schedule__amount_to_fraction_ramp_and_combination():
    extra = M("nox2", "air", 0.0, start=2021, pollutant="NOx", sector="industry", fraction=0.2)
    r = reduction_schedule([NOX, extra], [2021, 2022], "air", lambda e: 20000.0)
    assert r.keys == (("air", "NOx", "industry", None, None, None, None, None, None),)
    np.testing.assert_allclose(r.fractions, [[0.2, 1 - 0.75 * 0.8]])


def test_package_with_no_measures_equals_the_baseline():
    empty = run(scenario(), targets=False)
    late = run(scenario(M("late", "air", 1.0, start=2040, pollutant="NOx", sector="industry", fraction=0.5),
                        name="late"), targets=False)
    air, water = _air_backend(), _water_backend()
    from ecomodel.scenario.run import Reductions

    zero = Reductions("air", YEARS, (), np.zeros((0, YEARS.size)))
    from ecomodel._cf import conform  # run trees are written as CF-1.10

    expected_air = conform(air.project_stack("demo", [zero], YEARS, 16, 1, "surface").isel(scenario=0, drop=True))
    expected_water = conform(water.project_stack("demo", [zero], YEARS, 16, 1, "surface").isel(scenario=0,
                                                                                                drop=True))
    xr.testing.assert_identical(empty["air"].to_dataset(), expected_air)
    xr.testing.assert_identical(empty["water"].to_dataset(), expected_water)
    xr.testing.assert_identical(late["air"].to_dataset(), expected_air)


def test_run__tree_groups_targets_and_costs():
    tree = run(scenario(NOX, NH3, WWTP))
    assert set(tree.children) == {"air", "water", "targets", "package"}
    assert tree.attrs["members"] == 16 and tree.attrs["package"] == "nox+nh3+wwtp"
    t = tree["targets"].to_dataset()
    rows = {(str(r), str(s), int(y)) for r, s, y in zip(t["region"].values, t["site"].values,
                                                       t["target_year"].values, strict=True)}
    assert ("常州市武进区", "姚巷桥", 2026) in rows and ("常州市", "", 2023) in rows
    # closed form: 常州市 PM2.5 in 2023 = baseline − 4 × 0.25 (NOx from 2022) ; NH3 starts 2024
    i = int(np.flatnonzero((t["region"].values == "常州市") & (t["indicator"].values == "pm25_annual_mean")
                           & (t["target_year"].values == 2023))[0])
    base_2023 = 36.0 - 3.0 * 3 / 10
    member_mean = tree["air"]["pm25_annual_mean"].sel(year=2023, region="常州市").mean().item()
    assert member_mean == pytest.approx(t["projected"].values[i])
    noise = member_mean - (base_2023 - 1.0)
    assert abs(noise) < 1.0  # 16 members of N(0, 1): the mean anomaly is small
    pkg = tree["package"].to_dataset()
    np.testing.assert_allclose(pkg["annualised_cost"].values, [1e8, 5e7, 2e8])
    frac = tree["package"]["air"]["air_reduction_fraction"]
    assert frac.sel(reduction="NH3 agriculture", year=2024).item() == pytest.approx(0.2)  # ramp 2 years
    assert frac.sel(reduction="NH3 agriculture", year=2025).item() == pytest.approx(0.4)


def test_run__bad_effects_are_reported_with_context():
    odd = M("odd", "air", 1.0, pollutant="SO2", sector="power", fraction=0.1)
    with pytest.raises(ScenarioError, match="no response"):
        run(scenario(odd), targets=False)
    too_much = M("big", "air", 1.0, pollutant="NOx", sector="industry", amount=30000.0)
    with pytest.raises(ScenarioError, match="more than the base 20000"):
        run(scenario(too_much), targets=False)


def test_run__user_targets_table():
    tree = run(scenario(WWTP), targets=["tp_concentration@姚巷桥<=0.136:2026",
                                        "pm25_annual_mean@Changzhou<=31:2025 p=0.9"])
    t = tree["targets"].to_dataset()
    assert list(t["target"].values) == [0, 1]
    tp = tree["water"]["tp_concentration"].sel(site="姚巷桥", year=2026)
    assert t["projected"].values[0] == pytest.approx(float(tp.mean()))
    assert t["probability"].values[0] == pytest.approx(float((tp <= 0.136).mean()))


def test_compare__scenario_dimension_costs_and_cost_effectiveness():
    a, b = scenario(NOX, name="a"), scenario(WWTP, IND, name="b")
    cmp = compare([a, b])
    assert list(cmp["summary"]["scenario"].values) == ["baseline", "a", "b"]
    assert cmp["air"]["pm25_annual_mean"].sizes["scenario"] == 3
    s = cmp["summary"].to_dataset()
    np.testing.assert_allclose(s["annualised_cost"].values, [0.0, 1e8, 2.3e8])
    ce = s["cost_effectiveness_pm25_annual_mean"].sel(scenario="a", region="常州市", year=2025).item()
    assert ce == pytest.approx(1e8 / (4.0 * 0.25))  # CNY/yr per µg/m³ (common random numbers cancel)
    ce = s["cost_effectiveness_pm25_annual_mean"].attrs
    assert ce["units_label"] == "CNY/yr per ug/m3" and ce["units"] == "(yr-1)/(ug/m3)" and ce["currency"] == "CNY"
    assert np.isinf(s["cost_effectiveness_pm25_annual_mean"].sel(scenario="b").values).all()  # no air effect
    assert np.isnan(s["cost_effectiveness_pm25_annual_mean"].sel(scenario="baseline").values).all()
    tp_ce = s["cost_effectiveness_tp_concentration"].sel(scenario="b", site="姚巷桥", year=2026).item()
    assert tp_ce == pytest.approx(2.3e8 / (0.02 * 0.5 + 0.01 * 0.3))  # CNY/yr per mg/L
    assert "probability" in cmp["targets"] and cmp["targets"]["probability"].dims == ("scenario", "target")
    assert s["share_targets_met"].sel(scenario="b") >= s["share_targets_met"].sel(scenario="baseline")


def test_compare__names_must_be_unique():
    with pytest.raises(ScenarioError, match="used more than once"):
        compare([scenario(NOX, name="x"), scenario(WWTP, name="x")])


def test_dask_run_equals_serial_run():
    distributed = pytest.importorskip("distributed")
    scenarios = [scenario(NOX, name="a", seed=3), scenario(WWTP, NH3, name="b", seed=3),
                 scenario(IND, name="c", seed=4)]
    serial = run_many(scenarios)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        parallel = run_many(scenarios, client=client)
        cmp_parallel = compare(scenarios, client=client)
    for s, p in zip(serial, parallel, strict=True):
        xr.testing.assert_identical(s, p)
    xr.testing.assert_identical(compare(scenarios), cmp_parallel)


def test_compare_targets_equal_registry_check_scenario_by_scenario():
    scenarios = [scenario(NOX, name="a"), scenario(WWTP, NH3, name="b")]
    cmp = compare(scenarios)
    trees = run_many([scenarios[0].with_package(Package("baseline"), name="baseline")] + scenarios)
    table = cmp["targets"].to_dataset()
    assert table.sizes["target"] > 5
    for tree in trees:
        name = tree.attrs["scenario"]
        single = tree["targets"].to_dataset()
        got = table.sel(scenario=name)
        np.testing.assert_allclose(got["projected"].values, single["projected"].values, rtol=1e-12)
        np.testing.assert_allclose(got["probability"].values, single["probability"].values)
        np.testing.assert_array_equal(got["met"].values, single["met"].values)
        np.testing.assert_array_equal(got["source_line"].values, single["source_line"].values)


def test_compare_judges_a_probability_target_by_its_quantile_as_run_does():
    """A TargetSpec with a required probability is met when its member quantile meets the limit (not
    the ensemble mean): compare and run give the same verdict and name the rule."""
    sc = scenario(WWTP, name="w")
    tp = run(sc, targets=False)["water"]["tp_concentration"].sel(year=2026, site="姚巷桥").values
    limit = float(np.round(0.5 * (tp.mean() + np.quantile(tp, 0.9)), 6))  # mean under it, P90 over it
    assert tp.mean() < limit < np.quantile(tp, 0.9)
    spec = f"tp_concentration@姚巷桥<={limit}:2026 p=0.9"
    got = compare([sc], targets=[spec])["targets"].to_dataset().sel(scenario="w")
    single = run(sc, targets=[spec])["targets"].to_dataset()
    assert not bool(got["met"].item()) and not bool(single["met"].item())
    assert str(got["met_rule"].item()) == str(single["met_rule"].item()) == "member quantile 0.9 (probability >= 0.9)"
    loose = compare([sc], targets=[f"tp_concentration@姚巷桥<={limit}:2026"])["targets"].to_dataset()
    assert bool(loose["met"].sel(scenario="w").item())  # the ensemble mean meets the same limit


def test_run__embedded_package_name_runs_the_demo_scenario():
    from ecomodel.scenario import demo_scenario, load_package
    from ecomodel.scenario.run import _load

    by_name = _load("changzhou_2023_key_projects")
    assert by_name == demo_scenario(load_package("changzhou_2023_key_projects"))
    assert demo_scenario("changzhou_2023_key_projects") == by_name
    with pytest.raises(ScenarioError, match="not an embedded package; did you mean 'changzhou_2023_key_projects'"):
        _load("changzhou_2023_key_project")
