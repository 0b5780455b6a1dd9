"""Annual indicators (HJ 633 / HJ 663 / GB 3095 via ecomodel.standards), trajectories and projections."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import standards
from ecomodel.air import add_city_average, annual_indicators, generate_ozone, simulate, to_regions
from ecomodel.air.indicators import _indicator_arrays, daily_aqi, good_day_threshold
from ecomodel.errors import InputError


@pytest.fixture(scope="module")
def daily(demo_data, met_2020):
    return simulate(demo_data.inventory, met_2020, components=False)


def test_thresholds_come_from_the_standard_tables():
    assert good_day_threshold("PM2.5") == 75.0 and good_day_threshold("O3_8h") == 160.0
    x = np.linspace(0, 200, 2001)
    assert ((standards.iaqi("PM2.5", x) <= 100) == (x <= 75.0)).all()
    assert ((standards.iaqi("O3_8h", x) <= 100) == (x <= 160.0)).all()


def test_annual_indicators__match_standards_functions(daily, met_2020):
    o3 = generate_ozone(met_2020, seed=1)
    ind = annual_indicators(daily, ozone=o3)
    pm = daily["pm25"].sel(box="天宁").isel(member=1).values
    assert float(ind["pm25_annual_mean"].sel(box="天宁").isel(member=1, year=0)) == pytest.approx(pm.mean())
    assert float(ind["pm25_p95"].sel(box="天宁").isel(member=1, year=0)) == pytest.approx(
        standards.hj663_percentile(pm, 95))
    assert float(ind["days_above_75"].sel(box="天宁").isel(member=1, year=0)) == (pm > 75).sum()
    aqi = np.maximum(standards.iaqi("PM2.5", pm), standards.iaqi("O3_8h", o3.isel(member=1).values))
    assert float(ind["good_air_days_ratio"].sel(box="天宁").isel(member=1, year=0)) == pytest.approx(
        100 * standards.good_day_ratio(aqi))
    # ozone lowers the good-day ratio; the PM-only ratio is kept alongside
    assert (ind["good_air_days_ratio"] <= ind["good_days_pm25_ratio"]).all()
    assert ind["pm25_p95"].attrs["units"] == "ug/m3" and ind["good_air_days_ratio"].attrs["units"] == "%"


def test_fast_path_equals_standards_path(daily, met_2020):
    o3 = generate_ozone(met_2020, seed=2)
    ind = annual_indicators(daily, ozone=o3)
    pm = daily["pm25"].transpose("member", "time", "box").values
    _, fast = _indicator_arrays(pm, o3.values.T, pd.DatetimeIndex(daily["time"].values), 75.0, 75.0, 160.0)
    for k, v in fast.items():
        np.testing.assert_allclose(v, ind[k].values, rtol=1e-12, err_msg=k)


def test_daily_aqi__is_the_max_of_iaqis():
    pm = xr.DataArray([30.0, 80.0, 120.0], dims="time")
    o3 = xr.DataArray([170.0, 100.0, 300.0], dims="time")
    # O3 300: 200 + (300 − 265)/(800 − 265)·100 = 206.5 → 207; PM2.5 120: 150 + 5/35·50 = 157.1 → 158
    assert daily_aqi(pm, o3).values.tolist() == [110, 107, 207]


def test_city_average__equal_weights_and_errors(daily):
    out = add_city_average(daily)
    districts = ["天宁", "钟楼", "新北", "武进", "金坛", "溧阳"]
    np.testing.assert_allclose(out["pm25"].sel(box="常州市").values,
                               daily["pm25"].sel(box=districts).mean("box").values, rtol=1e-12)
    w = add_city_average(daily, weights={"天宁": 1.0})
    np.testing.assert_allclose(w["pm25"].sel(box="常州市").values, daily["pm25"].sel(box="天宁").values)
    with pytest.raises(InputError, match="not districts of 常州市"):
        add_city_average(daily, weights={"江阴": 1.0})
    with pytest.raises(InputError, match="no local box belongs to '上海市'"):
        add_city_average(daily, city="上海市")


def test_to_regions__registry_names_and_targets_check(daily):
    reg = to_regions(annual_indicators(add_city_average(daily)))
    assert reg["pm25_annual_mean"].dims == ("year", "member", "region")
    assert "长三角背景" not in reg["region"].values and "常州市" in reg["region"].values
    targets = pytest.importorskip("ecomodel.targets")
    res = targets.check(reg, outside="skip")
    assert res.empty or set(res["indicator"]) <= {"pm25_annual_mean", "good_air_days_ratio"}
