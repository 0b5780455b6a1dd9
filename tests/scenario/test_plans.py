"""Plan packages, their registry links and the coverage of the numeric targets."""

import pytest

from ecomodel import targets
from ecomodel.errors import EcomodelError, ScenarioError
from ecomodel.scenario import load_package, plans
from ecomodel.scenario.files import dumps, loads, parse_package


@pytest.mark.parametrize("name", sorted(plans.PLAN_PACKAGES))
def test_plan_package_loads_and_cites_its_own_document(name):
    pkg = load_package(name)
    refs = plans.implements([pkg])[name]
    rows = plans.implemented_rows([pkg])
    assert rows and set(refs) <= set(pkg.ids)
    assert {r[:3] for r in rows} == {plans.PLAN_PACKAGES[name]}
    assert set(rows.values()) == {f"{name}/{m}" for m in refs}


_IMPL = """
[package]
name = "p"
[[measure]]
id = "wj_sewers"
name = "sewers"
domain = "water"
implements = {refs}
[[measure.effect]]
pollutant = "TP"
category = "wwtp"
fraction = 0.1
"""


@pytest.mark.parametrize("refs", ['["000:99999/sewer_pipe_added"]', '["000:1234/no_such_indicator"]', '["4:19"]',
                                  '"000:1234"', '[19]', '["000:1234", "000:1234"]'])
def test_reference_to_missing_row_names_file_measure_and_value(refs):
    with pytest.raises(ScenarioError) as exc:
        parse_package(loads(_IMPL.format(refs=refs), "pkg.toml"), "pkg.toml")
    text = str(exc.value)
    assert exc.value.field == "implements" and "pkg.toml" in text and "wj_sewers" in text
    assert str(exc.value.value) in text


def test_implements_round_trips_through_toml():
    pkg = parse_package(loads(_IMPL.format(refs='["000:1234/sewer_pipe_added", "004:42"]'), "p.toml"), "p.toml")
    assert pkg.measures[0].implements == ("000:1234/sewer_pipe_added", "004:42")
    again = parse_package(loads(dumps(pkg.to_dict()), "q.toml"), "q.toml")
    assert again == pkg and again.measures[0].implements == pkg.measures[0].implements
    assert parse_package(loads(_IMPL.replace("implements = {refs}\n", ""), "r.toml")).measures[0].implements == ()


def test_coverage_reads_implements_from_the_measures():
    from dataclasses import replace

    pkg = load_package("wujin_plan_2022_2026")
    cov = targets.coverage(implemented=[pkg])
    row = cov[cov["ref"] == "000:1723/lake_dredging_volume"]
    assert row["status"].item() == "implemented" and row["measure"].item() == "wj_gehu_pilot_dredging"
    bare = replace(pkg, measures=tuple(replace(m, implements=()) for m in pkg.measures))
    cov = targets.coverage(implemented=[bare])
    assert cov.loc[cov["ref"] == "000:1723/lake_dredging_volume", "status"].item() == "no measure"
    with pytest.raises(EcomodelError):
        targets.find_rows("4:19")


_BAD = """
[package]
name = "bad"
[[measure]]
id = "m1"
name = "m1"
domain = "air"
[measure.cost]
capital = 1.0
unit = "{unit}"
[[measure.effect]]
pollutant = "NOx"
sector = "{sector}"
fraction = 0.1
"""


def test_cost_with_wrong_unit_names_the_measure_and_field():
    with pytest.raises(EcomodelError) as exc:
        parse_package(loads(_BAD.format(unit="t/yr", sector="industry"), "bad.toml"), "bad.toml")
    assert exc.value.field == "unit" and "m1" in str(exc.value)


def test_effect_on_unknown_sector_names_the_measure():
    from ecomodel.scenario.run import get_backend

    pkg = parse_package(loads(_BAD.format(unit="CNY", sector="shipping"), "bad.toml"), "bad.toml")
    with pytest.raises(EcomodelError) as exc:
        get_backend("air").check_effect("demo", pkg.measures[0].effects[0])
    assert "m1" in str(exc.value) and "sector" in str(exc.value)


def test_coverage_classifies_every_numeric_target_once():
    cov = targets.coverage(implemented=plans.implemented_rows())
    numeric = targets.load(kind="target")
    assert len(cov) == int(numeric["target_value"].notna().sum()) == 528
    assert set(cov["status"]) <= set(targets.COVERAGE_STATUSES)
    assert (cov.loc[cov["status"] == "out of scope", "reason"] != "").all()
    sat = cov[cov["indicator"].str.contains("satisfaction")]
    assert len(sat) and (sat["status"] == "out of scope").all()
    assert cov.loc[cov["ref"] == "004:31/cement_scr_retrofit_count", "status"].item() == "implemented"
    line = targets.coverage_line(cov)
    assert line.startswith("checked 0 of ") and "activity targets implemented as measures" in line


def test_new_indicator_keys_are_counted_once_checked():
    import pandas as pd

    fake = pd.DataFrame([{"document": "004_1952cce4b94fab34.txt", "source_line": "34", "indicator": "dustfall",
                          "probability": 0.5}])
    cov = targets.coverage(fake)
    row = cov[cov["ref"] == "004:34/dustfall"]
    assert row["status"].item() == "checked" and row["probability"].item() == 0.5
    assert targets.coverage_line(cov).startswith("checked 1 of ")


def test_every_plan_package_runs_through_the_models():
    from ecomodel.scenario import demo_scenario, run_many

    trees = run_many([demo_scenario(load_package(n), members=2) for n in sorted(plans.PLAN_PACKAGES)])
    for name, tree in zip(sorted(plans.PLAN_PACKAGES), trees, strict=True):
        assert tree.attrs["package"] == name
        assert "targets" in tree.children and tree["package"].ds.sizes["measure"] == len(load_package(name))


def test_activity_rows_without_a_measure_are_79():
    # 104 before the 江阴 WWTP/sewer measure, 000:567 on wj_wwtp_capacity and the reasons of
    # targets.ACTIVITY_REASONS (18 rows with nothing to model out of scope): 75; then the four road
    # cleaning rows (001:443, 003:511 x2, 004:36) left "out of scope, urban service" once dustfall
    # carried the dust sector: they have an effect, but no present rate to size it
    cov = targets.coverage(implemented=plans.implemented_rows())
    activity = cov[cov["kind"] == "activity"]
    assert int((activity["status"] == "no measure").sum()) == 79
    assert targets.coverage_line(cov).endswith("; 79 activity targets without a measure")
    road = activity[activity["indicator"] == "road_mechanized_cleaning_rate_pct"]
    assert len(road) == 4 and (road["status"] == "no measure").all()
    assert road["reason"].str.contains("without the present rate").all()
    generic = activity.loc[activity["status"] == "no measure", "reason"]
    assert not generic.str.startswith("activity with a possible effect").any()
    impl = cov[cov["status"] == "implemented"].set_index("ref")["measure"]
    assert impl["003:1170/wwtp_capacity_new"] == "jiangyin_plan_2021_2025/jy_sewage_collection"
    assert impl["000:567/urban_sewage_treatment_rate_pct"] == "wujin_plan_2022_2026/wj_wwtp_capacity"


@pytest.mark.parametrize("name", sorted(plans.PLAN_PACKAGES))
def test_every_implements_reference_resolves_to_a_registry_row(name):
    for m in load_package(name).measures:
        for ref in m.implements:
            assert targets.reference_problem(ref) is None, (m.id, ref)
            assert targets.rows_of(ref), (m.id, ref)


def test_jiangyin_collection_measure_cuts_the_networks_urban_runoff_by_its_stated_share():
    from ecomodel.scenario.backends import get_backend

    m = next(m for m in load_package("jiangyin_plan_2021_2025").measures if m.id == "jy_sewage_collection")
    water = get_backend("water")
    cut = {e.pollutant: e.modelled_amount / water.baseline_amount("demo", e) for e in m.effects}
    assert all(water.networks(e) == ("jiangyin",) for e in m.effects)
    # 1.69 / 8.28 t TP, 12.4 / 27.6 t NH3-N, 116 / 828 t COD (SOURCES.md)
    assert cut == pytest.approx({"TP": 0.204, "NH3-N": 0.450, "COD": 0.141}, abs=0.002)
