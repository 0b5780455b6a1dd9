"""Package and scenario files (ecomodel/scenario/files.py): TOML round trip and every validation rule,
each naming file, table and field."""

import textwrap

import pytest

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Scenario, dump, embedded_packages, load, load_package, load_scenario
from ecomodel.scenario.files import dumps, loads, parse_package, parse_scenario

GOOD_MEASURE = """
[[measure]]
id = "m1"
name = "污水处理厂提标"
domain = "water"
start = 2024
ramp_years = 2

[measure.cost]
capital = 2.0
annual = 0.1
unit = "亿元"
lifetime = 20

[[measure.effect]]
pollutant = "TP"
category = "wwtp"
fraction = 0.4
"""


def write(tmp_path, text, name="p.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ round trip


def test_toml_round_trip__every_embedded_package(tmp_path):
    names = embedded_packages()
    assert "changzhou_2023_key_projects" in names and len(names) >= 4
    for name in names:
        pkg = load_package(name)
        path = dump(pkg, tmp_path / f"{name}.toml")
        again = load_package(path)
        assert again == pkg
        assert dumps(again.to_dict()) == dumps(pkg.to_dict())


def test_toml_round_trip__scenario_with_inline_package(tmp_path):
    pkg = load_package("changzhou_2023_key_projects")
    sc = Scenario("s1", package=pkg, start_year=2021, end_year=2027, members=7, seed=5, discount_rate=0.05,
                  domains=("water", "air"), method="full", description='quote " and \\ backslash\nnew line')
    path = dump(sc, tmp_path / "s.toml")
    back = load_scenario(path)
    assert back == sc
    assert back.domains == ("air", "water")  # canonical order
    assert isinstance(load(path), Scenario) and isinstance(load(tmp_path / "s.toml"), Scenario)


def test_toml_round_trip__units_are_converted_once():
    pkg = parse_package(loads(GOOD_MEASURE), "p.toml", name="p")
    m = pkg.measure("m1")
    assert m.cost.capital == pytest.approx(2e8)  # 亿元 → CNY
    assert m.cost.annual == pytest.approx(1e7)
    again = parse_package(loads(dumps(pkg.to_dict())), "q.toml")
    assert again.measure("m1").cost == m.cost


def test_scenario_file__package_reference_relative_to_file(tmp_path):
    write(tmp_path, "[package]\nname = 'pk'\n" + GOOD_MEASURE, "pk.toml")
    path = write(tmp_path, """
        [scenario]
        name = "ref"
        package = ["pk.toml", "changzhou_2023_key_projects"]
        members = 3
    """, "s.toml")
    sc = load_scenario(path)
    assert sc.package.ids[0] == "m1" and len(sc.package) == 1 + len(load_package("changzhou_2023_key_projects"))


def test_package_file_read_as_scenario_gets_defaults(tmp_path):
    path = write(tmp_path, "[package]\nname = 'pk'\n" + GOOD_MEASURE)
    sc = load_scenario(path)
    assert sc.name == "pk" and sc.members >= 1 and sc.package.ids == ["m1"]


def test_empty_package_and_baseline_scenario(tmp_path):
    path = write(tmp_path, "[scenario]\nname = 'base'\n")
    sc = load_scenario(path)
    assert sc.package.is_empty and sc.package.annualised_cost() == 0.0


# ------------------------------------------------------------------------------------------ validation

BAD_PACKAGES = [
    # (snippet, words that must appear in the message)
    ("[package\nname='x'", ["p.toml", "not valid TOML"]),
    ("[pakage]\nname='x'", ["p.toml", "unknown top-level table [pakage]", "did you mean 'package'"]),
    ("[package]\nname='x'\ntitel='t'", ["p.toml", "[package]", "field 'titel'", "did you mean 'title'"]),
    ("[package]\nname=3", ["p.toml", "[package]", "field 'name'", "not a string"]),
    (GOOD_MEASURE.replace('ramp_years = 2', 'ramp_year = 2'),
     ["p.toml", "[[measure]]", "measure 'm1'", "field 'ramp_year'", "did you mean 'ramp_years'"]),
    (GOOD_MEASURE.replace('id = "m1"\n', ''), ["p.toml", "[[measure]]", "measure #1", "field 'id' is missing"]),
    (GOOD_MEASURE.replace('name = "污水处理厂提标"\n', ''), ["measure 'm1'", "field 'name' is missing"]),
    (GOOD_MEASURE.replace('domain = "water"\n', ''), ["measure 'm1'", "field 'domain' is missing"]),
    (GOOD_MEASURE.replace('domain = "water"', 'domain = "watr"'),
     ["measure 'm1'", "field 'domain'", "'watr'", "did you mean 'water'"]),
    (GOOD_MEASURE.replace('id = "m1"', 'id = "m 1"'), ["field 'id'", "'m 1'"]),
    (GOOD_MEASURE + GOOD_MEASURE, ["measure 'm1'", "field 'id'", "used twice"]),
    (GOOD_MEASURE.replace('start = 2024', 'start = 2024.5'), ["measure 'm1'", "field 'start'", "not an integer"]),
    (GOOD_MEASURE.replace('start = 2024', 'start = 1800'), ["measure 'm1'", "field 'start'", ">= 1950"]),
    (GOOD_MEASURE.replace('start = 2024', 'start = "2024"'), ["field 'start'", "not an integer"]),
    (GOOD_MEASURE.replace('ramp_years = 2', 'ramp_years = -1'), ["field 'ramp_years'", ">= 0"]),
    (GOOD_MEASURE.replace('ramp_years = 2', 'ramp_years = 2\nend = 2020'), ["field 'end'", ">= 2024"]),
    (GOOD_MEASURE.split("[[measure.effect]]")[0], ["measure 'm1'", "no [[measure.effect]]"]),
    (GOOD_MEASURE.split("[[measure.effect]]")[0].replace('ramp_years = 2', 'ramp_years = 2\neffect = "TP"'),
     ["measure 'm1'", "field 'effect'", "array of tables"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = 0.4\nreduction = 3'),
     ["[[measure.effect]]", "effect #1", "field 'reduction'"]),
    (GOOD_MEASURE.replace('fraction = 0.4', ''), ["[[measure.effect]]", "neither 'fraction' nor 'amount'"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = 0.4\namount = 3.0'),
     ["[[measure.effect]]", "field 'amount'", "both 'fraction'"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = 1.4'),
     ["[[measure.effect]]", "effect #1", "field 'fraction'", "1.4", "<= 1"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = -0.1'), ["field 'fraction'", ">= 0"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = nan'), ["field 'fraction'", "finite"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = 0.4\nunit = "t/yr"'), ["field 'unit'", "with 'fraction'"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'amount = -5.0'), ["field 'amount'", ">= 0"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'amount = 5.0\nunit = "t/yrr"'),
     ["[[measure.effect]]", "field 'unit'", "unknown unit"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'amount = 5.0\nunit = "mg/L"'), ["field 'unit'", "cannot convert"]),
    (GOOD_MEASURE.replace('pollutant = "TP"\n', ''), ["[[measure.effect]]", "field 'pollutant' is missing"]),
    (GOOD_MEASURE.replace('pollutant = "TP"', 'pollutant = "TPP"'),
     ["field 'pollutant'", "unknown water pollutant 'TPP'", "did you mean 'TP'"]),
    (GOOD_MEASURE.replace('category = "wwtp"', 'fuel = "coal"'), ["field 'fuel'", "only applies to carbon"]),
    (GOOD_MEASURE.replace('domain = "water"', 'domain = "air"').replace('pollutant = "TP"', 'pollutant = "NOx"'),
     ["field 'category'", "only applies to water"]),
    (GOOD_MEASURE.replace('domain = "water"', 'domain = "carbon"').replace('pollutant = "TP"\n', '')
     .replace('category = "wwtp"\n', ''), ["field 'fuel' is missing"]),
    (GOOD_MEASURE.replace('lifetime = 20', 'lifetime = 20\nlife = 3'), ["[measure.cost]", "field 'life'"]),
    (GOOD_MEASURE.replace('unit = "亿元"', 'unit = "t"'), ["[measure.cost]", "field 'unit'", "not a money unit"]),
    (GOOD_MEASURE.replace('capital = 2.0', 'capital = -2.0'), ["[measure.cost]", "field 'capital'", ">= 0"]),
    (GOOD_MEASURE.replace('annual = 0.1', 'annual = "a lot"'), ["[measure.cost]", "field 'annual'", "not a number"]),
    (GOOD_MEASURE.replace('lifetime = 20', 'lifetime = 0'), ["[measure.cost]", "field 'lifetime'", "> 0"]),
    (GOOD_MEASURE.replace('ramp_years = 2', 'ramp_years = 2\ngroup = 5'), ["field 'group'", "not a string"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'fraction = 0.4\nshare = 0.5'), ["field 'share'", "without 'amount'"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'amount = 10.0\nshare = 1.5'), ["field 'share'", "<= 1"]),
    (GOOD_MEASURE.replace('fraction = 0.4', 'amount = 10.0\nshare = 0'), ["field 'share'", "> 0"]),
]


@pytest.mark.parametrize(("snippet", "words"), BAD_PACKAGES, ids=[w[-1][:30] for _, w in BAD_PACKAGES])
def test_every_package_validation_rule_names_file_table_and_field(tmp_path, snippet, words):
    path = write(tmp_path, snippet if snippet.startswith("[pa") else "[package]\nname='x'\n" + snippet)
    with pytest.raises(ScenarioError) as exc:
        load_package(path)
    msg = str(exc.value)
    assert str(path) in msg or "p.toml" in msg
    for w in words:
        assert w in msg, (w, msg)


BAD_SCENARIOS = [
    ("[package]\nname='x'\n[x]\na=1", ["unknown top-level table [x]"]),
    ("[scenario]\nname='s'\nmembers=0", ["[scenario]", "field 'members'", ">= 1"]),
    ("[scenario]\nname='s'\nmember=3", ["[scenario]", "field 'member'", "did you mean 'members'"]),
    ("[scenario]\nname='s'\nstart_year=2030\nend_year=2020", ["[scenario]", "field 'end_year'", "before"]),
    ("[scenario]\nname='s'\nseed=-1", ["field 'seed'", ">= 0"]),
    ("[scenario]\nname='s'\ndiscount_rate=1.5", ["field 'discount_rate'", "<= 0.999"]),
    ("[scenario]\nname='s'\ndomains=['air','sea']", ["field 'domains'", "'sea'"]),
    ("[scenario]\nname='s'\ndomains=[]", ["field 'domains' is empty"]),
    ("[scenario]\nname='s'\ndomains=3", ["field 'domains'", "expected a list"]),
    ("[scenario]\nname='s'\nmethod='fast'", ["field 'method'", "'fast'"]),
    ("[scenario]\nname='s'\npackage='no_such_package'", ["[scenario]", "'no_such_package'", "no such file"]),
    ("[scenario]\nname='s'\npackage=3", ["[scenario]", "field 'package'"]),
    ("[scenario]\nname='s'\npackage='changzhou_2023_key_projects'\n" + GOOD_MEASURE,
     ["[scenario]", "field 'package'", "both"]),
    ("[scenario]\nname=''", ["[scenario]", "field 'name' is empty"]),
    ("[scenario]\nname=' '", ["[scenario]", "field 'name' is empty"]),
]


@pytest.mark.parametrize(("snippet", "words"), BAD_SCENARIOS, ids=[w[-1][:30] for _, w in BAD_SCENARIOS])
def test_every_scenario_validation_rule_names_file_table_and_field(tmp_path, snippet, words):
    path = write(tmp_path, snippet, "s.toml")
    with pytest.raises(ScenarioError) as exc:
        load(path)
    msg = str(exc.value)
    assert "s.toml" in msg
    for w in words:
        assert w in msg, (w, msg)


def test_missing_file_and_missing_scenario_table(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match=r"table \[scenario\] is missing"):
        parse_scenario({"measure": []}, "x.toml")
