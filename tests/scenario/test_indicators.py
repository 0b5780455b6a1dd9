"""Indicator domains, units and physical ranges (ecomodel/scenario/indicators.py)."""

import pytest

from ecomodel.errors import EcomodelError
from ecomodel.scenario.indicators import INDICATORS, check_value, indicator


def test_every_indicator_has_a_domain_unit_and_ordered_range():
    assert {"pm25_annual_mean", "good_air_days_ratio", "tp_concentration", "co2_peak_year"} <= set(INDICATORS)
    for name, ind in INDICATORS.items():
        assert ind.domain in ("air", "water", "carbon") and ind.unit, name
        assert ind.low is None or ind.high is None or ind.low < ind.high, name
    assert indicator("good_air_days_ratio").high == 100.0


@pytest.mark.parametrize("name, value", [("good_air_days_ratio", 120.0), ("tp_concentration", -0.1)])
def test_values_outside_the_physical_range_are_refused(name, value):
    check_value(name, 50.0 if name == "good_air_days_ratio" else 0.1)  # inside: no error
    with pytest.raises(EcomodelError) as exc:
        check_value(name, value)
    assert exc.value.field == "value"
