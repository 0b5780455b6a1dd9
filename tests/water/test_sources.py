"""Sources: point, export-coefficient and boundary loads, reductions, daily loads."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import SourceError
from ecomodel.water import RiverNetwork
from ecomodel.water.sources import (Sources, apply_reductions, boundary_loads, diffuse_loads, monthly_factors,
                                    point_source_loads)

COEF = pd.DataFrame({"kind": ["landuse", "livestock"], "item": ["paddy", "pig"], "TP": [1.2, 0.05],
                     "NH3-N": [5.0, 0.2], "COD": [30.0, 2.0]})


def net():
    t = pd.DataFrame({"reach": ["a", "b"], "downstream": ["b", ""], "length": 1e3, "flow": [1.0, 2.0],
                      "velocity": 0.1})
    return RiverNetwork.from_dataframe(t)


def sources():
    point = pd.DataFrame({"source": ["P1", "P2"], "category": ["wwtp", "industry"], "reach": ["a", "b"],
                          "kind": ["point", "load"], "flow": [1e4, np.nan], "TP": [0.3, 2.0], "NH3-N": [1.5, 4.0],
                          "COD": [30.0, 100.0]})
    diffuse = pd.DataFrame({"source": ["D1", "D2"], "category": ["agriculture", "livestock"], "reach": ["a", "b"],
                            "kind": ["landuse", "livestock"], "item": ["paddy", "pig"], "quantity": [1000.0, 2000.0],
                            "runoff": [True, True], "profile": ["wet", "flat"]})
    profiles = pd.DataFrame({"flat": np.ones(12), "wet": [2.0] * 6 + [0.0] * 6})
    return Sources.from_tables(point=point, diffuse=diffuse, coefficients=COEF, profiles=profiles)


def test_point_loads__flow_times_concentration():
    out = point_source_loads(pd.DataFrame({"flow": [2e4], "TP": [0.5]}), ["TP"])
    assert out["TP"].iloc[0] == pytest.approx(2e4 * 0.5 * 365 / 1e6)


def test_diffuse_loads__area_times_coefficient():
    out = diffuse_loads(pd.DataFrame({"kind": ["landuse"], "item": ["paddy"], "quantity": [500.0]}), COEF)
    assert out[["TP", "NH3-N", "COD"]].iloc[0].tolist() == pytest.approx([0.6, 2.5, 15.0])


def test_boundary_loads():
    out = boundary_loads(pd.DataFrame({"quantity": [2.0], "TP": [0.2]}), ["TP"])
    assert out["TP"].iloc[0] == pytest.approx(2.0 * 0.2 * 86.4 * 365 / 1000)


def test_sources__totals_and_loads_by_reach():
    s = sources()
    tot = s.totals()
    assert tot.loc["wwtp", "TP"] == pytest.approx(1.095)
    assert tot.loc["agriculture", "TP"] == pytest.approx(1.2)
    da = s.loads(net())
    assert da.dims == ("reach", "category", "substance") and da.attrs["units"] == "kg/d"
    assert float(da.sel(reach="a", category="wwtp", substance="TP")) == pytest.approx(3.0)
    assert float(da.sum()) == pytest.approx(float(tot.values.sum()) * 1000 / 365)


def test_reductions__by_category_reach_and_substance_combine_multiplicatively():
    s = sources()
    r = s.totals({"wwtp": 0.5, ("wwtp", "a", "TP"): 0.5})
    assert r.loc["wwtp", "TP"] == pytest.approx(1.095 * 0.25)
    assert r.loc["wwtp", "COD"] == pytest.approx(s.totals().loc["wwtp", "COD"] * 0.5)
    assert r.loc["industry", "TP"] == pytest.approx(2.0)


def test_daily_loads__profiles_and_runoff_split():
    s = sources()
    dl = s.daily(net(), start="2021-06-29", days=4)
    assert dl.diffuse[:, 0].sum() == pytest.approx((1.2 + 0.1) * 1000 / 365)
    assert dl.point[:, 0].sum() == pytest.approx((1.095 + 2.0) * 1000 / 365)
    # diffuse factor: load-weighted mix of 'wet' (2 in June, 0 in July) and 'flat'
    w = np.array([1.2, 0.1]) / 1.3
    np.testing.assert_allclose(dl.diffuse_factor[:, 0], [w[0] * 2 + w[1], w[0] * 2 + w[1], w[1], w[1]])
    np.testing.assert_allclose(dl.point_factor, 1.0)
    assert monthly_factors([1.0] * 12, "2021-01-01", 3).tolist() == [1.0, 1.0, 1.0]


def test_errors():
    s = sources()
    with pytest.raises(SourceError, match="no source of category 'wwt'.*did you mean 'wwtp'"):
        s.totals({"wwt": 0.1})
    with pytest.raises(SourceError, match=r"reductions\['wwtp'\]: 1.5; expected a fraction"):
        s.totals({"wwtp": 1.5})
    with pytest.raises(SourceError, match=r"reductions\['reductions'\]: \{.*expected a fraction"):
        s.totals({"reductions": {"wwtp": 0.1}})  # a package dict passed where reductions belong
    with pytest.raises(SourceError, match="no source on reach 'z'"):
        s.totals({("wwtp", "z"): 0.1})
    with pytest.raises(SourceError, match="unknown substance 'TN'"):
        s.totals({("wwtp", None, "TN"): 0.1})
    with pytest.raises(SourceError, match="no export coefficient for landuse/forest"):
        diffuse_loads(pd.DataFrame({"kind": ["landuse"], "item": ["forest"], "quantity": [1.0]}), COEF)
    with pytest.raises(SourceError, match="unknown kind 'lanuse'"):
        diffuse_loads(pd.DataFrame({"kind": ["lanuse"], "item": ["paddy"], "quantity": [1.0]}), COEF)
    with pytest.raises(SourceError, match=r"quantity: -5.0"):
        diffuse_loads(pd.DataFrame({"kind": ["landuse"], "item": ["paddy"], "quantity": [-5.0]}), COEF)
    with pytest.raises(SourceError, match=r"flow: nan at 'P1'"):
        point_source_loads(pd.DataFrame({"source": ["P1"], "flow": [np.nan], "TP": [0.3]}), ["TP"])
    with pytest.raises(SourceError, match="unknown seasonal profile 'monsoon'"):
        Sources(pd.DataFrame({"source": ["x"], "category": ["wwtp"], "reach": ["a"], "TP": [1.0], "NH3-N": [1.0],
                              "COD": [1.0], "profile": ["monsoon"]}))
    with pytest.raises(SourceError, match="12 monthly factors"):
        monthly_factors([1.0] * 11, "2021-01-01", 3)
    with pytest.raises(SourceError, match="key 5 is not a category"):
        apply_reductions(s.table, {5: 0.1})


def test_fertiliser_surplus_kind():
    coef = pd.DataFrame({"kind": ["fertiliser_surplus"], "item": ["P"], "TP": [0.05]})
    out = diffuse_loads(pd.DataFrame({"kind": ["fertiliser_surplus"], "item": ["P"], "quantity": [20000.0]}), coef,
                        ["TP"])
    assert out["TP"].iloc[0] == pytest.approx(1.0)  # 20 t surplus x 5 % lost
