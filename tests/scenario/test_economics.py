"""Marginal abatement cost curves: ordering, cumulative sums, closed-form unit costs, figure."""

import pytest

from ecomodel.errors import EcomodelError
from ecomodel.scenario import Cost, Effect, Measure, load_package
from ecomodel.scenario.economics import abatement_table, cost_curve, cost_per_improvement, plot_cost_curve


def _m(mid, amount, capital, lifetime=10):
    return Measure(id=mid, name=mid, domain="air", start=2023,
                   effects=(Effect(domain="air", pollutant="NOx", sector="industry", region="常州市", amount=amount),),
                   cost=Cost(capital=capital, lifetime=lifetime))


def test_unit_cost_closed_form_and_order():
    ms = [_m("dear", 100.0, 1e8), _m("cheap", 1000.0, 1e8)]
    c = cost_curve(ms, "NOx", discount_rate=0.0)
    assert c["measure"].tolist() == ["cheap", "dear"]
    assert c["unit_cost_cny_per_t"].tolist() == pytest.approx([1e7 / 1000.0, 1e7 / 100.0])
    assert c["cumulative_t_per_yr"].tolist() == pytest.approx([1000.0, 1100.0])
    assert c["cumulative_cost_cny_per_yr"].iloc[-1] == pytest.approx(2e7)


def test_regional_costs_add_up_to_the_city():
    t = abatement_table([_m("a", 1000.0, 1e8)], discount_rate=0.0)
    city = t[t.region == "常州市"]
    districts = t[(t.region != "常州市")]
    assert districts["reduction_t_per_yr"].sum() == pytest.approx(city["reduction_t_per_yr"].item())
    assert districts["annualised_cost_cny_per_yr"].sum() == pytest.approx(1e7)


def test_plan_curves_and_figure(tmp_path):
    pkg = load_package("changzhou_2023_work_plan")
    for pol in ("NOx", "VOCs", "COD", "TP"):
        c = cost_curve(pkg, pol)
        assert len(c) and (c["unit_cost_cny_per_t"].diff().dropna() >= 0).all()
    out = tmp_path / "mac.png"
    plot_cost_curve(cost_curve(pkg, "NOx"), title="NOx", path=out)
    assert out.stat().st_size > 1000
    with pytest.raises(EcomodelError):
        cost_curve(pkg, "mercury")


def test_cost_per_improvement():
    assert float(cost_per_improvement(2.0, 1.0, 1.0)) == float("inf")
    assert float(cost_per_improvement(2.0, 0.15, 0.13)) == pytest.approx(100.0)
    with pytest.raises(EcomodelError):
        cost_per_improvement(1.0, 1.0, 0.5, better="up")
