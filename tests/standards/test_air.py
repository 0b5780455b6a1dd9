"""ecomodel/standards/_air.py: HJ 633-2012 IAQI, AQI, categories and good-day ratio.

The breakpoints are typed again from the standard (_typed_tables.py), independently of the CSV files the
library reads, so a typo in either shows up as a failure.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import standards
from ecomodel.errors import StandardsError

from tests.standards._typed_tables import HJ633_TABLE1, IAQI_LEVELS


BREAKPOINT_CASES = [(item, k) for item, bps in HJ633_TABLE1.items() for k in range(len(bps))]


def _iaqi(item, c, **kw):
    pollutant, averaging = item.split("_")
    return standards.iaqi(pollutant, c, averaging, **kw)


@pytest.mark.parametrize(("item", "k"), BREAKPOINT_CASES)
def test_iaqi__at_every_breakpoint_and_just_above_and_below(item, k):
    bps = HJ633_TABLE1[item]
    bp, level = bps[k], IAQI_LEVELS[k]
    assert _iaqi(item, float(bp)) == level
    if k > 0:  # just below: the unrounded index is a little under the level, rounded up to it
        below = bp - (bp - bps[k - 1]) * 1e-4
        assert _iaqi(item, below) == level
    if k < len(bps) - 1:  # just above: a little over the level, rounded up to the next integer
        above = bp + (bps[k + 1] - bp) * 1e-4
        assert _iaqi(item, above) == level + 1


@pytest.mark.parametrize(
    ("item", "conc", "expected"),
    [
        ("PM2.5_24h", 80.0, 107),  # (150-100)/(115-75)*(80-75)+100 = 106.25
        ("SO2_24h", 523.0, 158),  # (200-150)/(800-475)*(523-475)+150 = 157.38
        ("PM10_24h", 103.0, 77),  # 50/100*(103-50)+50 = 76.5
        ("CO_24h", 3.0, 75),  # 50/2*(3-2)+50 = 75 exactly: stays 75
        ("O3_8h", 170.0, 110),  # 50/55*10+100 = 109.09
        ("O3_1h", 250.0, 125),
        ("NO2_1h", 450.0, 125),
        ("PM2.5_24h", 40.0, 57),  # 56.25
        ("PM2.5_24h", 0.0, 0),
    ],
)
def test_iaqi__hand_computed_values(item, conc, expected):
    assert _iaqi(item, conc) == expected


def test_iaqi__rounding_is_up_not_to_nearest():
    # 106.25 would round to 106; HJ 633 reports 107
    assert standards.iaqi("PM2.5", 80.0) == 107
    # 50.000625 -> 51 (any excess over an integer adds a unit)
    assert standards.iaqi("PM2.5", 35.0005) == 51
    # exact integers stay, including values whose float arithmetic lands a hair above
    assert standards.iaqi("PM2.5", 0.1 * 3 * 250) == 100  # 75.00000000000001 µg/m³
    assert standards.iaqi("PM10", [50.0, 150.0, 250.0]).tolist() == [50, 100, 150]


def test_iaqi__above_top_breakpoint_capped_or_refused():
    assert standards.iaqi("PM2.5", [500.0, 501.0, 2000.0]).tolist() == [500, 500, 500]
    with pytest.raises(StandardsError, match=r"PM2.5: 501.0 at index 1 .*above the top breakpoint 500"):
        standards.iaqi("PM2.5", [500.0, 501.0], above_scale="raise")
    res = standards.aqi({"PM2.5": 600.0, "NO2": 50.0})
    assert res.aqi == 500 and res.above_scale == {"PM2.5": 1} and res.category == "严重污染"


def test_iaqi__so2_1h_above_800_not_rated():
    assert standards.iaqi("SO2_1h", 800.0) == 200
    with pytest.raises(StandardsError, match=r"SO2_1h: 801.0 .*above 800 .*note \(2\).*SO2_24h"):
        standards.iaqi("SO2_1h", 801.0)
    out = standards.iaqi("SO2_1h", [700.0, 801.0], nan_policy="propagate")
    assert out[0] == 167 and np.isnan(out[1])
    # in aqi(): the 24-h mean rates SO2 instead
    res = standards.aqi({"SO2": 300.0, "SO2_1h": 900.0, "PM2.5": 20.0})
    assert math.isnan(res.iaqi["SO2_1h"]) and res.not_rated == {"SO2_1h": 1}
    assert res.aqi == standards.iaqi("SO2", 300.0) == 124 and res.primary == ["SO2"]
    with pytest.raises(StandardsError, match=r"SO2_1h.*add 'SO2'"):
        standards.aqi({"SO2_1h": 900.0, "PM2.5": 20.0})


def test_iaqi__o3_8h_above_800_rated_by_o3_1h():
    assert standards.iaqi("O3_8h", 800.0) == 300
    with pytest.raises(StandardsError, match=r"O3_8h: 850.0 .*note \(3\).*O3_1h"):
        standards.iaqi("O3_8h", 850.0)
    res = standards.aqi({"O3_8h": [850.0, 700.0], "O3_1h": [900.0, 300.0], "PM2.5": [10.0, 10.0]})
    # day 1: 8-h not rated, 1-h O3 900 -> 350 rates O3; day 2: 8-h 700 -> 281 beats 1-h 150
    assert np.isnan(res.iaqi["O3_8h"][0]) and res.iaqi["O3_8h"][1] == 282
    assert res.aqi.tolist() == [350, 282]
    assert res.primary.tolist() == ["O3_1h", "O3_8h"]
    assert res.not_rated == {"O3_8h": 1}
    with pytest.raises(StandardsError, match=r"O3_8h.*add 'O3_1h'"):
        standards.aqi({"O3_8h": 850.0, "PM2.5": 10.0})


# ------------------------------------------------------------------------- AQI and categories
@pytest.mark.parametrize(
    ("value", "level", "zh", "en", "color"),
    [
        (0, 1, "优", "Excellent", "#00E400"), (50, 1, "优", "Excellent", "#00E400"),
        (51, 2, "良", "Good", "#FFFF00"), (100, 2, "良", "Good", "#FFFF00"),
        (101, 3, "轻度污染", "Lightly polluted", "#FF7E00"), (150, 3, "轻度污染", "Lightly polluted", "#FF7E00"),
        (151, 4, "中度污染", "Moderately polluted", "#FF0000"), (200, 4, "中度污染", "Moderately polluted", "#FF0000"),
        (201, 5, "重度污染", "Heavily polluted", "#99004C"), (300, 5, "重度污染", "Heavily polluted", "#99004C"),
        (301, 6, "严重污染", "Severely polluted", "#7E0023"), (500, 6, "严重污染", "Severely polluted", "#7E0023"),
    ],
)
def test_categories__levels_names_colours(value, level, zh, en, color):
    assert standards.aqi_level(value) == level
    assert standards.category(value) == zh
    assert standards.category(value, "en") == en
    assert standards.aqi_color(value) == color


def test_categories__vectorised_and_bad_input():
    assert standards.category(np.array([10, 120])).tolist() == ["优", "轻度污染"]
    assert standards.category([10.0, np.nan], nan_policy="propagate").tolist() == ["优", ""]
    with pytest.raises(StandardsError, match="aqi: -1.0.*cannot be negative"):
        standards.category(-1)
    with pytest.raises(StandardsError, match="NaN"):
        standards.aqi_level([10.0, np.nan])


def test_aqi__max_primary_exceeding_category():
    res = standards.aqi({"PM2.5": 80, "O3_8h": 170, "NO2": 35, "CO": 0.8, "SO2": 9, "PM10": 95})
    assert res.iaqi == {"PM2.5": 107, "O3_8h": 110, "NO2": 44, "CO": 20, "SO2": 9, "PM10": 73}
    assert res.aqi == 110 and res.primary == ["O3_8h"] and res.exceeding == ["PM2.5", "O3_8h"]
    assert (res.category, res.category_en, res.level, res.color) == ("轻度污染", "Lightly polluted", 3, "#FF7E00")


def test_aqi__primary_ties_and_threshold_50():
    # PM2.5 75 and PM10 150 both give IAQI 100: both are primary
    assert standards.aqi({"PM2.5": 75, "PM10": 150, "NO2": 20}).primary == ["PM2.5", "PM10"]
    # ties are judged on the reported (rounded-up) integers: 106.25 and 106.5 both report 107
    assert standards.aqi({"PM2.5": 80.0, "PM10": 163.0}).primary == ["PM2.5", "PM10"]
    # AQI 50: no primary pollutant; AQI 51: there is one
    assert standards.aqi({"PM2.5": 35, "NO2": 10}).primary == []
    assert standards.aqi({"PM2.5": 35.5, "NO2": 10}).primary == ["PM2.5"]


def test_aqi__vectorised_numpy_series_and_xarray():
    res = standards.aqi({"PM2.5": np.array([30.0, 80.0, 160.0]), "O3_8h": 170.0})
    assert res.aqi.tolist() == [110, 110, 210]
    assert res.primary.tolist() == ["O3_8h", "O3_8h", "PM2.5"]
    assert res.category.tolist() == ["轻度污染", "轻度污染", "重度污染"]

    idx = pd.date_range("2023-06-01", periods=3)
    ser = standards.aqi({"PM2.5": pd.Series([30.0, 80.0, 160.0], index=idx), "O3_8h": 100.0})
    assert isinstance(ser.aqi, pd.Series) and ser.aqi.index.equals(idx)
    assert ser.aqi.tolist() == [50, 107, 210]

    time = pd.date_range("2023-06-01", periods=3)
    ds = xr.Dataset({"PM2.5": ("time", [30.0, 80.0, 160.0]), "O3_8h": ("time", [200.0, 100.0, 50.0])},
                    coords={"time": time})
    res = standards.aqi(ds)
    assert isinstance(res.aqi, xr.DataArray) and res.aqi.dims == ("time",)
    assert res.aqi.values.tolist() == [137, 107, 210]
    assert res.aqi.attrs["units"] == "1" and "AQI" in res.aqi.attrs["long_name"]
    assert res.primary.values.tolist() == ["O3_8h", "PM2.5", "PM2.5"]
    assert (res.aqi["time"].values == time.values).all()


def test_iaqi__xarray_in_xarray_out_with_units():
    da = xr.DataArray([0.03, 0.08], dims="time", attrs={"units": "mg/m3"})
    out = standards.iaqi("PM2.5", da)
    assert isinstance(out, xr.DataArray) and out.values.tolist() == [43, 107]
    assert out.attrs["units"] == "1" and "IAQI" in out.attrs["long_name"] and "HJ 633" in out.attrs["references"]
    assert standards.iaqi("PM2.5", 0.08, units="mg/m3") == 107


@pytest.mark.parametrize("name", ["PM2.5", "pm25", "PM2_5", "pm2.5", "PM 2.5", "细颗粒物", "PM₂.₅"])
def test_aliases__pm25(name):
    assert standards.iaqi(name, 80.0) == 107


@pytest.mark.parametrize("name", ["O3_8h", "o3-8h", "O3 8H", "O3_MDA8", "臭氧8小时"])
def test_aliases__o3_8h(name):
    assert standards.resolve_item(name) == "O3_8h"


def test_names__bad_input_errors():
    with pytest.raises(StandardsError, match=r"unknown name 'PM25x'; did you mean 'PM2.5'"):
        standards.iaqi("PM25x", 10.0)
    with pytest.raises(StandardsError, match="O3 has no 24-h IAQI column"):
        standards.iaqi("O3", 100.0)
    with pytest.raises(StandardsError, match="no 1h column for PM2.5"):
        standards.iaqi("PM2.5", 10.0, "1h")
    with pytest.raises(StandardsError, match="names the 8h period but averaging='1h'"):
        standards.iaqi("O3_8h", 10.0, "1h")
    with pytest.raises(StandardsError, match="averaging: unknown period"):
        standards.iaqi("SO2", 10.0, "3h")
    with pytest.raises(StandardsError, match="both name PM2.5"):
        standards.aqi({"PM2.5": 10, "pm25": 20})
    with pytest.raises(StandardsError, match="empty"):
        standards.aqi({})


def test_nan_policies__iaqi_and_aqi():
    out = standards.iaqi("PM2.5", [80.0, np.nan], nan_policy="propagate")
    assert out.dtype == np.float64 and out[0] == 107 and np.isnan(out[1])
    assert math.isnan(standards.iaqi("PM2.5", np.nan, nan_policy="propagate"))
    conc = {"PM2.5": [80.0, np.nan, np.nan], "NO2": [30.0, 100.0, np.nan]}
    with pytest.raises(StandardsError, match=r"PM2.5: NaN at index 1 \(2 values in all\)"):
        standards.aqi(conc)
    prop = standards.aqi(conc, nan_policy="propagate")
    assert prop.aqi[0] == 107 and np.isnan(prop.aqi[1:]).all()
    omit = standards.aqi(conc, nan_policy="omit")
    assert omit.aqi[:2].tolist() == [107, 110] and np.isnan(omit.aqi[2])  # NO2 100: 100 + 0.5*20
    assert omit.category.tolist() == ["轻度污染", "轻度污染", ""]
    assert omit.primary.tolist() == ["PM2.5", "NO2", ""]
    with pytest.raises(StandardsError, match="nan_policy"):
        standards.iaqi("PM2.5", 1.0, nan_policy="omit")


def test_aqi_result__str_and_json():
    res = standards.aqi({"PM2.5": 80, "O3_8h": 170})
    text = str(res)
    assert "AQI       110" in text and "primary   O3_8h" in text
    data = json.loads(json.dumps(res.to_dict(), ensure_ascii=False))
    assert data["aqi"] == 110 and data["iaqi"]["PM2.5"] == 107 and data["category"] == "轻度污染"


# ------------------------------------------------------------------------------- good days
def test_good_day_ratio__hand_made_year():
    # 365 days: 150 优, 150 良 (AQI 100 counts as good), 40 轻度, 20 重度, 5 days without a valid AQI
    days = np.r_[np.full(150, 40.0), np.full(149, 90.0), [100.0], np.full(40, 120.0), np.full(20, 250.0),
                 np.full(5, np.nan)]
    assert days.size == 365
    assert standards.good_day_ratio(days) == pytest.approx(300 / 360)
    assert standards.good_day_ratio(days, percent=True) == pytest.approx(100 * 300 / 360)
    da = xr.DataArray(days, coords={"time": pd.date_range("2023-01-01", periods=365)}, dims="time")
    out = standards.good_day_ratio(da, percent=True)
    assert float(out) == pytest.approx(83.3333333) and out.attrs["units"] == "%" and out.attrs["valid_days"] == 360
    # per region: reduce over time only
    two = xr.concat([da, da.where((da < 200) | da.isnull(), 80.0)], dim="region")  # 重度 days -> 80
    assert np.allclose(standards.good_day_ratio(two).values, [300 / 360, 320 / 360])
    with pytest.raises(StandardsError, match="no valid"):
        standards.good_day_ratio([np.nan, np.nan])
    with pytest.raises(StandardsError, match="cannot be negative"):
        standards.good_day_ratio([50.0, -3.0])
