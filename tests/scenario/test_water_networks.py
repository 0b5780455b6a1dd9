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
