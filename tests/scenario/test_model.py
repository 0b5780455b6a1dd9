"""Measures, packages and scenarios (ecomodel/scenario/model.py): objects validate without files, units,
ramps and costs."""

import numpy as np
import pytest

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Cost, Effect, Measure, Package, capital_recovery_factor, load_package


def test_objects_validate_without_files():
    e = Effect(domain="air", pollutant="nox", fraction=0.2)
    assert e.pollutant == "NOx"  # aliases normalised
    with pytest.raises(ScenarioError, match="field 'fraction'"):
        Effect(domain="air", pollutant="NOx", fraction=2.0)
    with pytest.raises(ScenarioError, match="domain"):
        Effect(domain="soil", pollutant="NOx", fraction=0.1)
    m = Measure(id="a", name="a", domain="air", effects=(e,))
    with pytest.raises(ScenarioError, match="used twice"):
        Package("p", (m, m))
    with pytest.raises(ScenarioError, match="unknown measure 'b'"):
        Package("p", (m,)).measure("b")
    with pytest.raises(ScenarioError, match="not a Measure"):
        Package("p", ("m",))


def test_amount_units_converted_to_model_units():
    e = Effect(domain="air", pollutant="NOx", amount=1.0, unit="万吨/年")
    assert e.amount == pytest.approx(1e4) and e.unit == "t/yr"
    c = Effect(domain="carbon", fuel="coal", amount=2.0, unit="Mt")
    assert c.amount == pytest.approx(2e6) and c.unit == "t"


# ------------------------------------------------------------------------------------------ ramps and costs


def test_ramp__start_ramp_and_end():
    m = Measure(id="a", name="a", domain="air", start=2023, ramp_years=4, end=2028,
                effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),))
    np.testing.assert_allclose(m.ramp(range(2021, 2031)), [0, 0, 0.25, 0.5, 0.75, 1, 1, 1, 0, 0])
    immediate = Measure(id="b", name="b", domain="air", start=2023, ramp_years=0,
                        effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),))
    np.testing.assert_allclose(immediate.ramp([2022, 2023]), [0, 1])


def test_capital_recovery_factor__closed_form_and_limits():
    # A/P at 10 %, 5 years = 0.26380 (standard interest tables)
    assert capital_recovery_factor(0.10, 5) == pytest.approx(0.263797, rel=1e-5)
    assert capital_recovery_factor(0.0, 4) == 0.25
    # annuity of the CRF repays the capital: PV of CRF over n years equals 1
    r, n = 0.08, 15
    pv = sum(capital_recovery_factor(r, n) / (1 + r) ** t for t in range(1, n + 1))
    assert pv == pytest.approx(1.0)
    with pytest.raises(ScenarioError, match="lifetime"):
        capital_recovery_factor(0.08, 0)


def test_costs__package_sums_and_cash_flow():
    a = Measure(id="a", name="a", domain="air", start=2022, ramp_years=2, cost=Cost(capital=100.0, annual=10.0,
                lifetime=10), effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),))
    b = Measure(id="b", name="b", domain="air", cost=Cost(annual=5.0),
                effects=(Effect(domain="air", pollutant="SO2", fraction=0.1),))
    p = Package("p", (a, b))
    assert p.annualised_cost(0.0) == pytest.approx(100 / 10 + 10 + 5)
    assert p.capital_cost() == 100.0
    np.testing.assert_allclose(a.cost_by_year([2021, 2022, 2023, 2024]), [0, 105, 10, 10])
    table = p.cost_table(0.0)
    assert list(table.index) == ["a", "b"] and table["annualised_cny_per_yr"].sum() == pytest.approx(25.0)


def test_package_subset_and_merge():
    p = load_package("changzhou_2023_key_projects")
    sub = p.subset(["gehu_dredging"])
    assert sub.ids == ["gehu_dredging"]
    assert len(p.merged(Package("empty"))) == len(p)
    with pytest.raises(ScenarioError):
        p.merged(p)  # ids must stay unique
