"""Seeds, member counts, years and booleans are refused with an EcomodelError naming the field (issue 14)."""

import time

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
def test_projection_arguments_checked_before_work(project, kwargs, field):
    args = {"years": [2021], "members": 2, "seed": 1} | kwargs
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        project(None, **args)
    assert time.perf_counter() - t0 < 1.0
    assert info.value.field == field


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
