"""Plan packages, their registry links and the coverage of the numeric targets."""

import pytest

from ecomodel import targets
from ecomodel.errors import EcomodelError
from ecomodel.scenario import load_package, plans
from ecomodel.scenario.files import loads, parse_package


@pytest.mark.parametrize("name", sorted(plans.PLAN_PACKAGES))
def test_plan_package_loads_and_cites_its_own_document(name):
    pkg = load_package(name)
    refs = plans.implements()[name]
    rows = plans.validate_implements(pkg, refs)
    assert rows and set(refs) <= set(pkg.ids)
    assert {r[:3] for r in rows} == {plans.PLAN_PACKAGES[name]}


def test_reference_to_missing_row_names_measure_and_field():
    pkg = load_package("wujin_plan_2022_2026")
    with pytest.raises(EcomodelError) as exc:
        plans.validate_implements(pkg, {"wj_sewers": ["000:99999/sewer_pipe_added"]})
    assert exc.value.field == "implements" and "wj_sewers" in str(exc.value)
    with pytest.raises(EcomodelError) as exc:
        plans.validate_implements(pkg, {"no_such_measure": ["000:1234"]})
    assert exc.value.field == "measure"
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
    assert set(cov["status"]) <= {"checked", "implemented", "out of scope", "not modelled", "no measure"}
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
