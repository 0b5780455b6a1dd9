"""Target specifications (ecomodel/scenario/specs.py): the text form, member statistics, errors."""

import numpy as np
import pytest

from ecomodel.errors import EcomodelError
from ecomodel.scenario.specs import parse_target


def test_parse_target_text_form_and_met():
    t = parse_target("tp_concentration@姚巷桥<=0.136:2026")
    assert (t.indicator, t.site, t.region, t.comparator, t.value, t.year) == (
        "tp_concentration", "姚巷桥", None, "<=", 0.136, 2026)
    assert t.label == "tp_concentration@姚巷桥<=0.136:2026"
    np.testing.assert_array_equal(t.met(np.array([0.13, 0.136, 0.14])), [True, True, False])
    g = parse_target("good_air_days_ratio@天宁>=83.8:2025")
    assert g.region == "天宁" and g.site is None and g.comparator == ">="


@pytest.mark.parametrize("text", ["tp_concentration@姚巷桥<0.136", "nonsense", "pm25_annual_mean@天宁<=x:2025"])
def test_parse_target_refuses_malformed_text(text):
    with pytest.raises(EcomodelError):
        parse_target(text)
