"""The Changzhou demo on the embedded models: end to end, and monotone in the measures."""

import numpy as np
import pandas as pd
import pytest

from ecomodel import io
from ecomodel.cli import main
from ecomodel.scenario import Package, Scenario, load_package
from ecomodel.scenario.demo import DEMO_PACKAGES, demo_scenario, demo_scenarios
from ecomodel.scenario.run import compare

MEMBERS = 6


def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--members", str(MEMBERS), "-q"]) == 0
    text = capsys.readouterr().out
    assert "Attainment probability of the plan targets" in text
    assert "Yaoxiangqiao TP ≤0.136 mg/L (2026)" in text and "Tianning PM2.5 ≤34 ug/m3 (2025)" in text
    assert "annualised cost" in text and "Cheapest set of the demo measures" in text
    # the optimiser's choice is valued (GEMM health benefit; tests/scenario/test_health.py) — with only
    # MEMBERS members the 天宁 PM2.5 target may be out of reach of every measure, which is reported
    assert "benefit − cost" in text or "infeasible: even all" in text
    assert "Liangzhuangqiao section_water_class" in text  # the 天宁 network's section is checked
    for name in ("comparison.nc", "attainment.csv", "summary.csv", "iamc.csv", "pm25_tianning.png",
                 "tp_yaoxiangqiao.png", "section_classes.png", "package_comparison.png", "co2_decomposition.png"):
        assert (out / name).exists(), name
    cmp = io.open_output(out / "comparison.nc")
    assert set(cmp.children) >= {"air", "water", "carbon", "targets", "summary"}
    assert cmp["summary"].sizes["scenario"] == 7
    att = pd.read_csv(out / "attainment.csv", index_col=0)
    assert att.shape[1] == 7 and ((att >= 0) & (att <= 1)).all().all()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def _target_values(cmp):
    t = cmp["targets"].to_dataset()
    return t["projected"].transpose("scenario", "target").to_pandas(), t["comparator"].values, t["indicator"].values


def _cuts_nox_only(measure) -> bool:
    pols = {e.pollutant for e in measure.effects + tuple(measure.co_benefits) if e.domain == "air"}
    return "NOx" in pols and "VOCs" not in pols


@pytest.mark.parametrize("method", ["surface", "full"])
def test_adding_a_measure_never_worsens_any_target_in_the_demo(method):
    """Every demo measure, added alone to nothing and added to the key projects, moves every plan
    target the models cover in its favour or leaves it unchanged (common random numbers) — except
    the O3 disbenefit of NOx-only cuts in a VOC-limited regime (Mao et al. 2022): a measure that cuts
    NOx but no VOCs may lower a good-day ratio through O3, by less than one point."""
    key = load_package(DEMO_PACKAGES[0])
    others = [m for name in DEMO_PACKAGES[1:] for m in load_package(name).measures]
    packages = [Package("baseline")]
    packages += [Package(f"only_{m.id}", (m,)) for m in key.measures + tuple(others)]
    packages += [key] + [key.merged(Package(m.id, (m,)), name=f"key+{m.id}") for m in others]
    scenarios = [demo_scenario(p, members=MEMBERS, method=method) for p in packages]
    values, comparators, indicators = _target_values(compare(scenarios, baseline=False))
    sign = np.where(comparators == ">=", -1.0, 1.0)  # lower is better after this sign
    score = values * sign
    tol = 1e-9 * np.abs(score.values).max()
    base = score.loc["baseline"]
    good = np.asarray(indicators) == "good_air_days_ratio"
    disbenefit = []

    def check(m, worse):
        allowed = good & _cuts_nox_only(m)
        assert (worse[~allowed] <= tol).all(), (m.id, worse[~allowed][worse[~allowed] > tol])
        assert (worse[allowed] < 1.0).all(), (m.id, worse[allowed])
        disbenefit.extend(worse[allowed][worse[allowed] > tol].tolist())

    for m in key.measures + tuple(others):
        check(m, score.loc[f"only_{m.id}"] - base)
    for m in others:
        check(m, score.loc[f"key+{m.id}"] - score.loc[key.name])
    if method == "full":
        assert disbenefit, "a NOx-only cut should raise O3 somewhere in the VOC-limited demo domain"


def test_empty_package_equals_each_domain_model_baseline():
    from ecomodel import air, carbon, water

    tree = compare([demo_scenario(members=MEMBERS, method="full")], baseline=False)
    years = range(2020, 2031)
    seed = demo_scenario().seed
    expected = {"air": air.project(None, years=years, members=MEMBERS, seed=seed),
                "water": water.project(None, years=years, members=MEMBERS, seed=seed),
                "carbon": carbon.project(carbon.demo_drivers(), years=years, members=MEMBERS, seed=seed)}
    for domain, ds in expected.items():
        got = tree[domain].to_dataset().isel(scenario=0, drop=True)
        for v in ds.data_vars:
            if v in got and "year" in ds[v].dims:
                g = got[v].sel(site=ds["site"].values) if "site" in ds[v].dims else got[v]  # + the 天宁 network
                np.testing.assert_allclose(g.transpose(*ds[v].dims).values, ds[v].values, rtol=1e-10,
                                           err_msg=f"{domain}/{v}")


def test_demo_targets_table_equals_registry_check():
    from ecomodel import carbon, targets

    cmp = compare([demo_scenario(load_package(DEMO_PACKAGES[0]), members=MEMBERS)])
    table = cmp["targets"].to_dataset().sel(scenario=DEMO_PACKAGES[0])
    for domain in ("air", "water", "carbon"):
        ds = cmp[domain].to_dataset().sel(scenario=DEMO_PACKAGES[0], drop=True)
        extra = None
        if domain == "carbon":  # the peak year is horizon-wide; China's 2030 goal is applied per region
            ds = carbon.for_check(ds)
            extra = carbon.national_peak_rows([str(r) for r in ds["region"].values])
        ds = ds[[v for v in ds.data_vars if "year" in ds[v].dims]]
        ref = targets.check(ds, outside="skip")
        if extra is not None:
            more = targets.check(ds, extra, outside="skip")
            ref.attrs, more.attrs = {}, {}
            ref = pd.concat([ref, more], ignore_index=True)
        mine = table.where((table["domain"] == domain) & (table["basis"] == "model"), drop=True)
        np.testing.assert_allclose(mine["probability"].values, ref["probability"].to_numpy())
        np.testing.assert_allclose(mine["projected"].values, ref["projected"].to_numpy(), rtol=1e-12)
    # the tonnage rows: checked from the scenario's accounts as a run checks them
    from ecomodel.scenario.accounting import check_accounts, scenario_accounts

    ref = check_accounts(scenario_accounts(demo_scenario(load_package(DEMO_PACKAGES[0]), members=MEMBERS)))
    mine = table.where(table["basis"] == "accounts", drop=True)
    assert len(ref) == 4 and list(mine["indicator"].values) == list(ref["indicator"])
    np.testing.assert_allclose(mine["probability"].values, ref["probability"].to_numpy())
    np.testing.assert_allclose(mine["projected"].values, ref["projected"].to_numpy(), rtol=1e-12)


def test_good_day_attainment_differs_between_demo_packages_by_ten_points():
    """Issue #16's bar: two demo packages differ in the probability of meeting a plan's good-day
    target by at least 10 points — the key projects and the key projects with regional joint control
    (50 members as in the demo, surface method, air only). Measured: 江阴 ≥ 82 % in 2025 (003:234)
    64 % → 80 %, 天宁 ≥ 83.8 % in 2025 (001:118) 38 % → 44 %."""
    names = ("changzhou_2023_key_projects", "key+yrd_joint_control")
    scen = [s for s in demo_scenarios(members=50) if s.name in names]
    scen = [Scenario(s.name, package=s.package, domains=("air",), members=50, seed=s.seed, method="surface",
                     start_year=2020, end_year=2025) for s in scen]
    t = compare(scen, baseline=False)["targets"].to_dataset()
    rows = [i for i, (ind, yr) in enumerate(zip(t["indicator"].values, t["target_year"].values))
            if ind == "good_air_days_ratio" and int(yr) >= 2023]
    assert len(rows) >= 2, "the good-day targets of 天宁 and 江阴 are checked"
    p = t["probability"].isel(target=rows).sel(scenario=list(names)).transpose("scenario", "target").values
    assert (p[1] >= p[0]).all()  # regional joint control never lowers a good-day probability
    assert (p[1] - p[0]).max() >= 0.10, p
