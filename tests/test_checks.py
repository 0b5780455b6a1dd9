"""ecomodel/_checks.py: seeds, member counts, years and booleans are refused with an EcomodelError naming the field
(issue 14), and the array checks name the field and the position."""

import importlib

import numpy as np
import pytest

from ecomodel import _checks, air, standards, water
from ecomodel.errors import EcomodelError, InputError, StandardsError


@pytest.mark.parametrize("kwargs, field", [
    ({"seed": -1}, "seed"), ({"seed": "a"}, "seed"), ({"seed": 1.5}, "seed"),
    ({"members": 2.5}, "members"), ({"members": 0}, "members"), ({"members": True}, "members"),
    ({"years": [1800]}, "years"), ({"years": [2021.5]}, "years"), ({"years": []}, "years"),
])
@pytest.mark.parametrize("project", [air.project, water.project], ids=["air", "water"])
def test_projection_arguments_checked_before_work(project, kwargs, field, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("the model started before the arguments were checked")

    monkeypatch.setattr("ecomodel.air.projection.trajectory", no_work)  # the air model's first step
    monkeypatch.setattr("ecomodel.water.wujin.demo", no_work)  # the water model's first step
    args = {"years": [2021], "members": 2, "seed": 1} | kwargs
    with pytest.raises(InputError) as info:
        project(None, **args)
    assert info.value.field == field


# ------------------------------------------------------------------------------ optimisation targets

@pytest.mark.parametrize("target, field, words", [
    ("pm25_annual_mean@天宁<=-1:2025", "value", ">= 0"),
    ("good_air_days_ratio@天宁>=120:2025", "value", "between 0 and 100"),
    ("tp_concentration@姚巷桥<=-0.1:2026", "value", ">= 0"),
    ("coal_share_energy_pct@常州市武进区<=150:2025", "value", "between 0 and 100"),
    ("tp_concentration@姚巷桥<=0.136:2045", "year", "outside the run's horizon"),
    ("tp_concentration@姚巷桥<=0.136:1995", "year", "outside the run's horizon"),
    ("pm25_annual_men@天宁<=34:2025", "indicator", "pm25_annual_mean"),
])
def test_optimise_refuses_impossible_targets_before_any_run(target, field, words, monkeypatch):
    from ecomodel.errors import ScenarioError
    from ecomodel.scenario import load_package, optimise

    def no_work(*a, **k):
        raise AssertionError("a model ran before the targets were checked")

    run_module = importlib.import_module("ecomodel.scenario.run")  # the package exports a function 'run'
    monkeypatch.setattr(run_module, "evaluator", no_work)
    monkeypatch.setattr(run_module, "_stacked", no_work)
    with pytest.raises(ScenarioError) as info:
        optimise(load_package("wwtp_taihu_limits"), [target])
    assert info.value.field == field and words in str(info.value)


def test_optimise_cli_refuses_a_target_outside_the_horizon(capsys):
    from ecomodel.cli import main

    code = main(["optimise", "wwtp_taihu_limits", "--targets", "tp_concentration@姚巷桥<=0.136:2045"])
    err = capsys.readouterr().err
    assert code == 2 and "2045" in err and "horizon" in err and "Traceback" not in err


def test_good_arguments_pass_through():
    rng = np.random.default_rng(3)
    assert _checks.check_seed(rng) is rng
    assert _checks.check_seed(np.int64(4)) == 4
    assert _checks.check_members(np.int32(5)) == 5
    assert _checks.check_years(range(2020, 2023)) == [2020, 2021, 2022]


def test_water_class_refuses_booleans():
    with pytest.raises(StandardsError, match="boolean"):
        standards.water_class("TP", True)
    with pytest.raises(EcomodelError):
        standards.water_class("TP", np.array([True, False]))
    assert standards.water_class("TP", 0.15) == 3


def test_as_float_array__names_field_and_position():
    from ecomodel._checks import as_float_array, check_fraction

    with pytest.raises(InputError, match=r"flow: -1.0 at 'b'.*expected values >= 0"):
        as_float_array([1.0, -1.0], "flow", labels=["a", "b"])
    with pytest.raises(InputError, match="flow: nan at index 0"):
        as_float_array([np.nan], "flow")
    with pytest.raises(InputError, match="between 0 and 1"):
        check_fraction([0.5, 1.5], "fraction")
