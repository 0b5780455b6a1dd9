"""The scenario water backend runs both embedded networks: Wujin (no region / 武进) and 天宁 (粮庄桥).

The 天宁 network is a steady ensemble, linear in its source loads, so the superposed scenario
result must equal a direct :func:`ecomodel.water.networks.section_ensemble` run exactly.
"""

import numpy as np
import pytest

from ecomodel import standards
from ecomodel.errors import ScenarioError
from ecomodel.scenario import Cost, Effect, Measure, Package
from ecomodel.scenario.demo import demo_scenario
from ecomodel.scenario.run import run
from ecomodel.water.networks import section_ensemble, tianning

MEMBERS = 4
WUJIN_SITES = ["姚巷桥", "黄埝桥", "百渎港桥"]
JIANGYIN_SITES = ["金潼桥", "码头大桥", "泗河桥"]


def _package(*effects, start=2021):
    m = Measure(id="m", name="test measure", domain="water", start=start, ramp_years=1, effects=tuple(effects),
                cost=Cost(capital=1.0e7, annual=0.0, lifetime=10))
    return Package("test", (m,))


def _water(pkg, method="surface"):
    sc = demo_scenario(pkg, members=MEMBERS, method=method).replace(domains=("water",))
    return run(sc, targets=False)["water"].to_dataset(), sc


def _rural(fraction=0.5, region="常州市天宁区", pollutant="TP"):
    return Effect(domain="water", pollutant=pollutant, category="rural_domestic", region=region, fraction=fraction)


@pytest.mark.parametrize("method", ["surface", "full"])
def test_tianning_effect_equals_the_direct_ensemble_and_leaves_wujin_alone(method):
    base, sc = _water(Package("none"), method)
    got, _ = _water(_package(_rural(0.5)), method)
    assert "粮庄桥" in got["site"].values
    direct = section_ensemble(tianning(), years=[2025], members=MEMBERS, seed=sc.seed,
                              reductions={("rural_domestic", None, "TP"): 0.5})
    np.testing.assert_allclose(got["tp_concentration"].sel(year=2025, site="粮庄桥").values,
                               direct["tp_concentration"].sel(year=2025, site="粮庄桥").values, rtol=1e-12)
    after = dict(year=2025, site="粮庄桥")  # the measure starts in 2021; the demo runs from 2020
    assert (got["tp_concentration"].sel(after) < base["tp_concentration"].sel(after)).all()
    np.testing.assert_array_equal(got["tp_concentration"].sel(year=2020).values,
                                  base["tp_concentration"].sel(year=2020).values)
    np.testing.assert_array_equal(got["nh3n_concentration"].sel(site="粮庄桥").values,
                                  base["nh3n_concentration"].sel(site="粮庄桥").values)  # TP-only cut
    np.testing.assert_array_equal(got["tp_concentration"].sel(site=WUJIN_SITES).values,
                                  base["tp_concentration"].sel(site=WUJIN_SITES).values)


def test_wujin_effect_leaves_tianning_alone_and_city_effect_moves_both():
    base, _ = _water(Package("none"))
    wj, _ = _water(_package(_rural(0.5, region=None)))
    np.testing.assert_array_equal(wj["tp_concentration"].sel(site="粮庄桥").values,
                                  base["tp_concentration"].sel(site="粮庄桥").values)
    y = dict(year=2025)
    assert (wj["tp_concentration"].sel(y).sel(site=WUJIN_SITES) < base["tp_concentration"].sel(y)
            .sel(site=WUJIN_SITES)).all()
    city, _ = _water(_package(_rural(0.5, region="常州市")))
    changzhou = WUJIN_SITES + ["粮庄桥"]  # 常州市 → Wujin and 天宁; 江阴 (a city of 无锡) is not moved
    assert (city["tp_concentration"].sel(y).sel(site=changzhou) < base["tp_concentration"].sel(y)
            .sel(site=changzhou)).all()
    np.testing.assert_array_equal(city["tp_concentration"].sel(site=JIANGYIN_SITES).values,
                                  base["tp_concentration"].sel(site=JIANGYIN_SITES).values)


def test_not_modelled_variables_are_nan_on_tianning_and_classes_follow_gb3838():
    ds, _ = _water(Package("none"))
    assert np.isnan(ds["tn_concentration"].sel(site="粮庄桥")).all()  # the 天宁 network models TP, NH3-N, COD
    assert np.isfinite(ds["tn_concentration"].sel(site=WUJIN_SITES)).all()
    cls = ds["section_water_class"].sel(site="粮庄桥").values.ravel()
    expected = np.maximum.reduce([
        np.asarray(standards.water_class(p, ds[v].sel(site="粮庄桥").values.ravel()))
        for v, p in (("tp_concentration", "TP"), ("nh3n_concentration", "NH3-N"), ("cod_concentration", "COD"))])
    np.testing.assert_array_equal(cls, expected)
    wj = ds.sel(site="姚巷桥")
    expected = np.maximum.reduce([np.asarray(standards.water_class(p, wj[v].values.ravel())) for v, p in (
        ("tp_concentration", "TP"), ("nh3n_concentration", "NH3-N"), ("cod_concentration", "COD"),
        ("codmn_concentration", "CODMn"))])
    np.testing.assert_array_equal(wj["section_water_class"].values.ravel(), expected)


def test_tianning_section_class_target_is_checked():
    sc = demo_scenario(Package("none"), members=MEMBERS).replace(domains=("water",))
    table = run(sc)["targets"].to_dataset().to_dataframe()
    row = table[(table["indicator"] == "section_water_class") & (table["site"] == "粮庄桥")]
    assert len(row) == 1 and row["source_line"].iloc[0].startswith("486")
    assert 0.0 <= float(row["probability"].iloc[0]) <= 1.0


@pytest.mark.parametrize("effect, field", [
    (_rural(0.5, region="常州市钟楼区"), "region"),  # 钟楼: its plan names no section, no network
    (Effect(domain="water", pollutant="TP", category="wwtp", region="常州市天宁区", fraction=0.3), "category"),
    (Effect(domain="water", pollutant="CODMn", category="rural_domestic", region="天宁", fraction=0.3), "pollutant"),
    (Effect(domain="water", pollutant="TP", category="rural_domestic", reach="WJG-4", region="天宁", fraction=0.3),
     "reach"),
])
def test_bad_tianning_effects_are_refused(effect, field):
    with pytest.raises(ScenarioError) as info:
        _water(_package(effect))
    assert info.value.field == field


# ---------------------------------------------------------------- 江阴 (金潼桥, 码头大桥, 泗河桥; 003:205)
from ecomodel.scenario.backends.water import CITY_NETWORKS, SECTION_SETS, WaterBackend  # noqa: E402


@pytest.mark.parametrize("region, nets", [
    (None, ("wujin",)), ("常州市武进区", ("wujin",)), ("天宁", ("tianning",)), ("江阴", ("jiangyin",)),
    ("江阴市", ("jiangyin",)), ("Jiangyin", ("jiangyin",)), ("常州市", ("wujin", "tianning")),
])
def test_region_picks_the_networks(region, nets):
    e = Effect(domain="water", pollutant="TP", category="rural_domestic", region=region, fraction=0.1)
    assert WaterBackend().networks(e) == nets
    assert "jiangyin" not in CITY_NETWORKS  # 江阴 is a county-level city of 无锡, not of 常州市


def test_zhonglou_has_no_network_and_the_error_names_the_region():
    e = Effect(domain="water", pollutant="TP", category="rural_domestic", region="钟楼", fraction=0.1)
    with pytest.raises(ScenarioError) as info:
        WaterBackend().networks(e)
    assert info.value.field == "region" and "江阴市" in str(info.value)


@pytest.mark.parametrize("method", ["surface", "full"])
def test_jiangyin_effect_equals_the_direct_ensemble_and_leaves_the_others_alone(method):
    base, sc = _water(Package("none"), method)
    cut = Effect(domain="water", pollutant="TP", category="rural_domestic", reach="SHQ-1", region="江阴市",
                 fraction=0.6)
    got, _ = _water(_package(cut), method)
    for s in JIANGYIN_SITES:
        assert s in got["site"].values
    direct = section_ensemble("jiangyin", years=[2025], members=MEMBERS, seed=sc.seed,
                              reductions={("rural_domestic", "SHQ-1", "TP"): 0.6})
    np.testing.assert_allclose(got["tp_concentration"].sel(year=2025, site=JIANGYIN_SITES).values,
                               direct["tp_concentration"].sel(year=2025, site=JIANGYIN_SITES).values, rtol=1e-12)
    assert (got["tp_concentration"].sel(year=2025, site="泗河桥") < base["tp_concentration"].sel(year=2025,
                                                                                               site="泗河桥")).all()
    others = WUJIN_SITES + ["粮庄桥", "金潼桥", "码头大桥"]  # other catchments and networks
    np.testing.assert_array_equal(got["tp_concentration"].sel(site=others).values,
                                  base["tp_concentration"].sel(site=others).values)
    # the 江阴 network models TN and CODMn; they enter the section class
    assert np.isfinite(got["tn_concentration"].sel(site=JIANGYIN_SITES)).all()
    assert np.isfinite(got["codmn_concentration"].sel(site=JIANGYIN_SITES)).all()


def test_jiangyin_shares_follow_the_section_classes():
    ds, _ = _water(Package("none"))
    names = list(SECTION_SETS["江阴市"][1])
    assert names == JIANGYIN_SITES
    cls = ds["section_water_class"].sel(site=names)
    share = ds["water_section_class_iii_or_better_ratio"].sel(region="江阴市")
    np.testing.assert_allclose(share.values, 100.0 * (cls <= 3).mean("site").values)
    worse = ds["worse_than_v_section_share_pct"].sel(region="江阴市")
    np.testing.assert_allclose(worse.values, 100.0 * (cls > 5).mean("site").values)
    assert share.attrs["scope"] == "省考及以上断面" and share.attrs["units"] == "%"
    expected = np.maximum.reduce([np.asarray(standards.water_class(p, ds[v].sel(site="泗河桥").values.ravel()))
                                  for v, p in (("tp_concentration", "TP"), ("nh3n_concentration", "NH3-N"),
                                               ("cod_concentration", "COD"), ("codmn_concentration", "CODMn"))])
    np.testing.assert_array_equal(ds["section_water_class"].sel(site="泗河桥").values.ravel(), expected)


def test_jiangyin_plan_run_checks_its_section_share_targets():
    from ecomodel.scenario.plans import run_coverage
    from ecomodel.scenario.run import _load

    sc = _load("jiangyin_plan_2021_2025").replace(members=MEMBERS, domains=("water",))
    tree = run(sc)
    table = tree["targets"].to_dataset().to_dataframe()
    rows = table[(table["region"] == "江阴市") & (table["indicator"] == "water_section_class_iii_or_better_ratio")]
    assert "294-298;234;531;550" in rows["source_line"].tolist()
    cov = run_coverage(tree, members=MEMBERS).set_index("ref")
    assert cov.loc["003:294/water_section_class_iii_or_better_ratio", "status"] == "checked"
    assert cov.loc["003:93/worse_than_v_section_share_pct", "status"] == "checked"
    assert cov.loc["003:531/yangtze_tributary_water_class", "status"] == "not modelled"  # rivers not named


@pytest.mark.parametrize("effect, field", [
    (Effect(domain="water", pollutant="TP", category="aquaculture", region="江阴市", fraction=0.3), "category"),
    (Effect(domain="water", pollutant="TN", category="rural_domestic", region="江阴市", fraction=0.3), "pollutant"),
    (Effect(domain="water", pollutant="TP", category="rural_domestic", reach="XGH-4", region="江阴", fraction=0.3),
     "reach"),
    (Effect(domain="water", pollutant="TP", category="sediment_release", lake="滆湖", region="江阴", fraction=0.3),
     "lake"),
])
def test_bad_jiangyin_effects_are_refused(effect, field):
    with pytest.raises(ScenarioError) as info:
        _water(_package(effect))
    assert info.value.field == field


def test_jiangyin_amounts_are_taken_against_its_own_source_loads():
    from ecomodel.water.networks import jiangyin

    table = jiangyin().sources.table
    e = Effect(domain="water", pollutant="TP", category="wwtp", region="江阴市", amount=1.0, unit="t/yr")
    want = float(table.loc[table["category"] == "wwtp", "TP"].sum())  # three plants × 20000 m3/d × 0.3 mg/L
    assert want == pytest.approx(3 * 20000 * 0.3 * 365 / 1e6)
    assert WaterBackend().baseline_amount("demo", e) == pytest.approx(want)


def test_source_table_is_each_networks_own_and_refuses_a_foreign_base():
    from ecomodel.water.networks import network_demo

    b = WaterBackend()
    for net in ("wujin", "tianning", "jiangyin"):
        assert b.source_table("demo", net)["TP"].sum() == pytest.approx(network_demo(net).sources.table["TP"].sum())
    with pytest.raises(ScenarioError) as info:
        b.source_table("observed", "jiangyin")
    assert info.value.field == "base"


def test_jiangyin_plan_water_measures_lower_every_named_section_and_raise_the_share():
    """The 江阴 plan's rural sewage (003:415-419, 81 % -> 90 % of natural villages), tributary works
    (003:882, 003:551) and sewage collection (003:408, 003:1089-1170) lower TP at all three named
    sections by 2025 and never lower the 优Ⅲ share."""
    from ecomodel.scenario import load_package

    pkg = load_package("jiangyin_plan_2021_2025")
    water = Package("jy_water", tuple(m for m in pkg.measures if m.domain == "water"))
    assert {m.id for m in water.measures} == {"jy_rural_sewage", "jy_tributary_works", "jy_sewage_collection"}
    base, _ = _water(Package("none"))
    got, _ = _water(water)
    tp = (got["tp_concentration"] - base["tp_concentration"]).sel(year=2025, site=JIANGYIN_SITES).mean("member")
    assert (tp < 0).all(), tp.values
    share = "water_section_class_iii_or_better_ratio"
    assert (got[share].sel(year=2025) >= base[share].sel(year=2025)).all()
