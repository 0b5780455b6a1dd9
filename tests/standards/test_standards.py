"""National standards: HJ 633-2012 AQI, GB 3095-2012 / HJ 663-2013, GB 3838-2002, 环办〔2011〕22号.

The expected tables below are typed again from the standards (independently of the CSV files the
library reads), so a typo in either shows up as a failure.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import standards
from ecomodel.errors import EcomodelError, StandardsError

IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]
# HJ 633-2012 Table 1: item -> breakpoints at IAQI_LEVELS (shorter columns stop early)
HJ633_TABLE1 = {
    "SO2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "SO2_1h": [0, 150, 500, 650, 800],
    "NO2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "NO2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "PM10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "CO_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "CO_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "O3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "O3_8h": [0, 100, 160, 215, 265, 800],
    "PM2.5_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
BREAKPOINT_CASES = [(item, k) for item, bps in HJ633_TABLE1.items() for k in range(len(bps))]


def _iaqi(item, c, **kw):
    pollutant, averaging = item.split("_")
    return standards.iaqi(pollutant, c, averaging, **kw)


# ----------------------------------------------------------------------------- HJ 633 IAQI
def test_breakpoint_tables__match_the_standard():
    for item, bps in HJ633_TABLE1.items():
        table = standards.breakpoints(*item.split("_"))
        assert table.concentration.tolist() == bps, item
        assert table.iaqi.tolist() == IAQI_LEVELS[: len(bps)], item
        assert table.unit == ("mg/m3" if item.startswith("CO") else "ug/m3")


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


def test_aqi__dataarrays_must_share_coordinates():
    a = xr.DataArray([10.0, 20.0], coords={"time": [0, 1]}, dims="time")
    b = xr.DataArray([10.0, 20.0], coords={"time": [1, 2]}, dims="time")
    with pytest.raises(StandardsError, match="do not share coordinates"):
        standards.aqi({"PM2.5": a, "NO2": b})


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


def test_bad_input__negative_nan_text():
    with pytest.raises(StandardsError, match=r"PM2.5: -5.0 at index 1 \(1 value in all\); a concentration cannot be "
                                             "negative"):
        standards.iaqi("PM2.5", [10.0, -5.0])
    with pytest.raises(StandardsError, match=r"PM2.5: NaN at index 1 \(2 values in all\)"):
        standards.iaqi("PM2.5", [10.0, np.nan, np.nan])
    da = xr.DataArray([10.0, np.nan], coords={"time": pd.date_range("2023-01-01", periods=2)}, dims="time")
    with pytest.raises(StandardsError, match="NaN at 'time=2023-01-02'"):
        standards.iaqi("PM2.5", da)
    with pytest.raises(StandardsError, match="could not read 'abc'"):
        standards.iaqi("PM2.5", "abc")
    with pytest.raises(StandardsError, match="expected finite"):
        standards.iaqi("PM2.5", np.inf)
    err = pytest.raises(EcomodelError, standards.iaqi, "PM2.5", -1.0).value
    assert isinstance(err, ValueError) and err.field == "PM2.5" and err.value == -1.0


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


# --------------------------------------------------------------------- GB 3095 and HJ 663
@pytest.mark.parametrize(
    ("pollutant", "averaging", "class1", "class2"),
    [("SO2", "annual", 20, 60), ("SO2", "24h", 50, 150), ("SO2", "1h", 150, 500), ("NO2", "annual", 40, 40),
     ("NO2", "24h", 80, 80), ("NO2", "1h", 200, 200), ("CO", "24h", 4, 4), ("CO", "1h", 10, 10),
     ("O3", "8h", 100, 160), ("O3", "1h", 160, 200), ("PM10", "annual", 40, 70), ("PM10", "24h", 50, 150),
     ("PM2.5", "annual", 15, 35), ("PM2.5", "24h", 35, 75)],
)
def test_gb3095__table1_limits(pollutant, averaging, class1, class2):
    assert standards.gb3095_limit(pollutant, averaging, cls=1) == class1
    assert standards.gb3095_limit(pollutant, averaging) == class2


def test_gb3095__bad_requests():
    with pytest.raises(StandardsError, match="no annual limit for CO"):
        standards.gb3095_limit("CO", "annual")
    with pytest.raises(StandardsError, match="classes 1 and 2"):
        standards.gb3095_limit("SO2", "24h", cls=3)
    assert len(standards.gb3095_limits(cls=None)) == 28


def test_hj663_percentile__hand_computed():
    x = np.arange(1.0, 366.0)[::-1]  # X(i) = i after sorting
    # k = 1 + 364 p/100: P95 -> 346.8, P98 -> 357.72, P90 -> 328.6; X(s) + (k-s)(X(s+1)-X(s)) = k
    assert standards.hj663_percentile(x, 95) == pytest.approx(346.8)
    assert standards.hj663_percentile(x, 98) == pytest.approx(357.72)
    assert standards.hj663_percentile(x, 90) == pytest.approx(328.6)
    # four values 10, 20, 40, 80: P90 -> k = 3.7, 40 + 0.7*40 = 68
    assert standards.hj663_percentile([80, 10, 40, 20], 90) == pytest.approx(68.0)
    assert standards.hj663_percentile([5.0], 95) == 5.0
    assert standards.hj663_percentile([1, 2, 3], 100) == 3.0
    with pytest.raises(StandardsError, match="NaN"):
        standards.hj663_percentile([1.0, np.nan], 95)
    assert standards.hj663_percentile([1.0, np.nan, 3.0], 50, nan_policy="omit") == 2.0
    with pytest.raises(StandardsError, match="between 0 and 100"):
        standards.hj663_percentile([1.0], 101)


def test_hj663_percentile__equals_linear_interpolation():
    rng = np.random.default_rng(7)
    x = rng.gamma(2.0, 20.0, size=361)
    for p in (90, 95, 98):
        assert standards.hj663_percentile(x, p) == pytest.approx(np.percentile(x, p))


def _year(values, year=2023):
    idx = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    return pd.Series(np.resize(np.asarray(values, float), idx.size), index=idx)


def test_annual_assessment__attainment_against_class_2():
    pm25 = _year([30.0])
    pm25.iloc[:18] = 90.0  # 18 polluted days take ranks 348..365; P95: k = 346.8 -> X(346), X(347) = 30
    o3 = _year([150.0])
    o3.iloc[:40] = 200.0  # 40 days over 160: P90 -> k = 328.6 falls in the 200s (ranks 326..365)
    res = standards.annual_assessment({"PM2.5": pm25, "O3_8h": o3, "CO": _year([0.8])})
    t = res.table.set_index(["item", "statistic"])
    assert t.loc[("PM2.5", "annual mean"), "value"] == pytest.approx((18 * 90 + 347 * 30) / 365)
    assert t.loc[("PM2.5", "P95 of 24h mean"), "value"] == pytest.approx(30.0)
    assert t.loc[("O3_8h", "P90 of daily max 8h mean"), "value"] == pytest.approx(200.0)
    assert t.loc[("O3_8h", "P90 of daily max 8h mean"), "limit"] == 160
    assert t.loc[("CO", "P95 of 24h mean"), "unit"] == "mg/m3"
    assert t.loc[("PM2.5", "annual mean"), "attained"]  # 32.96 <= 35
    assert not t.loc[("O3_8h", "P90 of daily max 8h mean"), "attained"]
    assert res.exceeding == ["O3_8h"] and not res.attained and res.complete
    # one more polluted day moves X(347) to 90: P95 = 30 + 0.8*60 = 78 > 75
    pm25.iloc[18] = 90.0
    res = standards.annual_assessment({"PM2.5": pm25})
    assert res.table.set_index("statistic").loc["P95 of 24h mean", "value"] == pytest.approx(78.0)
    assert res.exceeding == ["PM2.5"]


def test_annual_assessment__verdicts():
    pm25 = _year([30.0])
    res = standards.annual_assessment({"PM2.5": pm25, "NO2": _year([30.0]), "SO2": _year([8.0])})
    assert res.attained and res.complete and res.exceeding == [] and res.year == 2023
    assert set(res.table["statistic"]) == {"annual mean", "P95 of 24h mean", "P98 of 24h mean"}
    bad = standards.annual_assessment({"PM2.5": _year([36.0])})
    assert not bad.attained and bad.exceeding == ["PM2.5"]
    assert "not attained (PM2.5)" in str(bad)


def test_annual_assessment__completeness_rules():
    pm25 = _year([30.0])
    pm25["2023-03-01":"2023-03-05"] = np.nan  # March keeps 26 days < 27
    res = standards.annual_assessment({"PM2.5": pm25})
    assert not res.complete and "month 3: 26 valid days < 27" in res.table["completeness"].iloc[0]
    assert res.table["valid_days"].iloc[0] == 360
    with pytest.raises(StandardsError, match="incomplete data"):
        standards.annual_assessment({"PM2.5": pm25}, completeness="raise")
    feb = _year([30.0])
    feb["2023-02-01":"2023-02-03"] = np.nan  # February keeps 25: enough
    assert standards.annual_assessment({"PM2.5": feb}).complete
    short = np.full(300, 30.0)  # no dates: only the yearly count is checked
    res = standards.annual_assessment({"PM2.5": short})
    assert not res.complete and "300 valid days < 324" in res.table["completeness"].iloc[0]


def test_annual_assessment__years_dates_and_bad_keys():
    idx = pd.date_range("2022-12-01", "2023-12-31", freq="D")
    s = pd.Series(30.0, index=idx)
    with pytest.raises(StandardsError, match=r"span the years \[2022, 2023\]"):
        standards.annual_assessment({"PM2.5": s})
    res = standards.annual_assessment({"PM2.5": s}, year=2023)
    assert res.year == 2023 and res.table["valid_days"].iloc[0] == 365
    arr = np.full(365, 30.0)
    res = standards.annual_assessment({"PM2.5": arr}, dates=pd.date_range("2021-01-01", periods=365))
    assert res.year == 2021 and res.table["completeness"].iloc[0] == "year and months checked"
    with pytest.raises(StandardsError, match="HJ 663-2013 rates"):
        standards.annual_assessment({"O3_1h": arr})
    with pytest.raises(StandardsError, match="unknown name"):
        standards.annual_assessment({"PM3": arr})
    with pytest.raises(StandardsError, match="cannot be negative"):
        standards.annual_assessment({"PM2.5": -arr})


# ----------------------------------------------------------------------------- GB 3838
# GB 3838-2002 Table 1, classes I-V
GB3838 = {
    ("DO", "river"): [7.5, 6, 5, 3, 2],
    ("CODMn", "river"): [2, 4, 6, 10, 15],
    ("COD", "river"): [15, 15, 20, 30, 40],
    ("BOD5", "river"): [3, 3, 4, 6, 10],
    ("NH3-N", "river"): [0.15, 0.5, 1.0, 1.5, 2.0],
    ("TP", "river"): [0.02, 0.1, 0.2, 0.3, 0.4],
    ("TP", "lake"): [0.01, 0.025, 0.05, 0.1, 0.2],
    ("TN", "lake"): [0.2, 0.5, 1.0, 1.5, 2.0],
    ("faecal_coliform", "river"): [200, 2000, 10000, 20000, 40000],
}
GB3838_CASES = [(p, wb, k) for (p, wb), lims in GB3838.items() for k in range(5)]


@pytest.mark.parametrize(("parameter", "waterbody", "k"), GB3838_CASES)
def test_water_class__boundaries_of_every_class(parameter, waterbody, k):
    lims = GB3838[(parameter, waterbody)]
    limit = lims[k]
    first = lims.index(limit)  # equal limits in adjacent classes rate the better class
    last = len(lims) - 1 - lims[::-1].index(limit)
    assert standards.water_class(parameter, limit, waterbody) == first + 1
    eps = 1e-6 * limit
    if parameter == "DO":  # higher is better
        assert standards.water_class(parameter, limit + eps, waterbody) == first + 1
        assert standards.water_class(parameter, limit - eps, waterbody) == last + 2
    else:
        assert standards.water_class(parameter, limit - eps, waterbody) == first + 1
        assert standards.water_class(parameter, limit + eps, waterbody) == last + 2


def test_water_class__river_vs_lake_tp_do_direction_worse_than_v():
    assert standards.water_class("TP", [0.05, 0.15], "river").tolist() == [2, 3]
    assert standards.water_class("TP", [0.05, 0.15], "lake").tolist() == [3, 5]
    assert standards.water_class("TP", 0.136) == 3 and standards.water_class("TP", 0.136, "lake") == 5
    assert standards.water_class("DO", [9.0, 5.5, 0.5]).tolist() == [1, 3, 6]
    assert standards.water_class("NH3-N", [2.0, 2.01, 8.0]).tolist() == [5, 6, 6]
    assert standards.water_class("COD", [14.0, 15.0, 15.5]).tolist() == [1, 1, 3]
    assert standards.class_label(6) == "劣Ⅴ类"


def test_water_class__aliases_units_containers_and_errors():
    assert standards.water_class("总磷", 0.15) == standards.water_class("tp", 0.15) == 3
    assert standards.water_class("氨氮", 0.6) == standards.water_class("NH3N", 0.6) == 3
    assert standards.water_class("TP", 150.0, units="ug/L") == 3
    da = xr.DataArray([0.1, 0.3], dims="year", coords={"year": [2025, 2026]}, attrs={"units": "mg/L"})
    out = standards.water_class("TP", da)
    assert isinstance(out, xr.DataArray) and out.values.tolist() == [2, 4] and out.attrs["units"] == "1"
    assert standards.water_class("TP", pd.Series([0.1, 0.3])).tolist() == [2, 4]
    with pytest.raises(StandardsError, match=r"unknown name 'TPP'; did you mean 'TP'"):
        standards.water_class("TPP", 0.1)
    with pytest.raises(StandardsError, match="lakes and reservoirs"):
        standards.water_class("TN", 1.0, "river")
    assert standards.water_class("TN", 1.2, "lake") == 4
    with pytest.raises(StandardsError, match="waterbody: unknown value 'sea'"):
        standards.water_class("TP", 0.1, "sea")
    with pytest.raises(StandardsError, match="TP: -0.1.*cannot be negative"):
        standards.water_class("TP", -0.1)
    with pytest.raises(StandardsError, match=r"TP: NaN at index 0 \(1 value in all\)"):
        standards.water_class("TP", [np.nan, 0.1])
    out = standards.water_class("TP", [np.nan, 0.1], nan_policy="propagate")
    assert np.isnan(out[0]) and out[1] == 2


def test_section_class__worst_factor_controlling_and_exceedance():
    res = standards.section_class({"TP": 0.25, "NH3-N": 1.8, "CODMn": 7.0, "DO": 6.5, "TN": 3.0})
    assert res.classes == {"TP": 4, "NH3-N": 5, "CODMn": 4, "DO": 2}
    assert res.water_class == 5 and res.label == "Ⅴ类" and res.quality == "中度污染"
    assert res.controlling == ["NH3-N"]
    # (C - III)/III with III = 0.2, 1.0, 6
    assert res.exceedance == pytest.approx({"TP": 0.25, "NH3-N": 0.8, "CODMn": 1 / 6})
    assert res.main_pollutants == ["NH3-N", "TP", "CODMn"]
    assert res.not_assessed == ["TN"] and res.apart == {}


def test_section_class__ties_do_and_parameters_apart():
    res = standards.section_class({"TP": 0.18, "NH3-N": 0.9, "DO": 5.5})
    assert res.water_class == 3 and res.controlling == ["TP", "NH3-N", "DO"]
    assert res.exceedance == {} and res.main_pollutants == [] and res.quality == "良好"
    bad_do = standards.section_class({"TP": 0.1, "DO": 1.0})
    assert bad_do.water_class == 6 and bad_do.controlling == ["DO"] and bad_do.exceedance == {}
    assert bad_do.main_pollutants == ["DO"] and bad_do.quality == "重度污染"
    lake = standards.section_class({"TP": 0.04, "TN": 1.8, "faecal_coliform": 500}, waterbody="lake")
    assert lake.water_class == 3 and lake.apart == {"TN": 5, "faecal_coliform": 2}
    assert standards.section_class({"TP": 0.01, "CODMn": 1.0}).quality == "优"
    with pytest.raises(StandardsError, match="no assessed parameter"):
        standards.section_class({"TN": 1.0}, waterbody="lake")
    with pytest.raises(StandardsError, match="given twice"):
        standards.section_class({"TP": 0.1, "总磷": 0.1})


def test_section_class__vectorised():
    res = standards.section_class({"TP": np.array([0.1, 0.25, 0.5]), "NH3-N": 0.8})
    assert res.water_class.tolist() == [3, 4, 6]
    assert res.controlling.tolist() == ["NH3-N", "TP", "TP"]
    assert res.label.tolist() == ["Ⅲ类", "Ⅳ类", "劣Ⅴ类"]
    assert np.isnan(res.exceedance["TP"][0]) and res.exceedance["TP"][2] == pytest.approx(1.5)


def test_section_class__dataarrays_broadcast_by_dimension_name():
    tp = xr.DataArray([[0.1, 0.25], [0.3, 0.5]], dims=("year", "site"),
                      coords={"year": [2025, 2026], "site": ["姚巷桥", "黄埝桥"]})
    nh3n = xr.DataArray([0.8, 1.2], dims="site", coords={"site": ["姚巷桥", "黄埝桥"]})
    res = standards.section_class({"NH3-N": nh3n, "TP": tp})
    assert res.water_class.dims == ("site", "year") or res.water_class.dims == ("year", "site")
    got = res.water_class.transpose("year", "site").values.tolist()
    assert got == [[3, 4], [4, 6]]
    assert res.controlling.transpose("year", "site").values.tolist() == [["NH3-N", "NH3-N,TP"], ["TP", "TP"]]


def test_annual_section_class__from_monthly_samples():
    tp = [0.12, 0.15, 0.18, 0.16, 0.14, 0.13, 0.17, 0.19, 0.15, 0.14, 0.13, 0.12]
    codmn = [5.0, 6.0, 7.0, 6.5, 6.0, 5.5, 6.2, 6.8, 6.1, 5.9, 5.8, 5.4]
    idx = pd.date_range("2023-01-01", periods=12, freq="MS")
    frame = pd.DataFrame({"TP": tp, "CODMn": codmn, "TN": 3.0}, index=idx)
    res = standards.annual_section_class(frame)
    assert res.means["TP"] == pytest.approx(np.mean(tp)) and res.samples == {"TP": 12, "CODMn": 12}
    assert res.classes == {"TP": 3, "CODMn": 4} and res.water_class == 4 and res.controlling == ["CODMn"]
    assert res.exceedance["CODMn"] == pytest.approx((np.mean(codmn) - 6) / 6)
    assert res.not_assessed == ["TN"]
    with_gap = dict(TP=tp[:-1] + [np.nan])
    with pytest.raises(StandardsError, match="NaN at index 11"):
        standards.annual_section_class(with_gap)
    assert standards.annual_section_class(with_gap, nan_policy="omit").samples == {"TP": 11}
    two_years = pd.Series(tp + tp, index=pd.date_range("2022-01-01", periods=24, freq="MS"))
    with pytest.raises(StandardsError, match="pass year="):
        standards.annual_section_class({"TP": two_years})
    assert standards.annual_section_class({"TP": two_years}, year=2023).samples == {"TP": 12}


def test_share_at_or_better():
    assert standards.share_at_or_better([1, 2, 3, 4, 6]) == pytest.approx(0.6)
    assert standards.share_at_or_better([1, 2, 3, 4, 6, np.nan], 2, percent=True) == pytest.approx(40.0)
    with pytest.raises(StandardsError, match="not a class"):
        standards.share_at_or_better([1, 2.5])
    with pytest.raises(StandardsError, match="threshold"):
        standards.share_at_or_better([1, 2], 7)


# ---------------------------------------------------------------------------------- CLI
def test_cli__aqi(capsys):
    from ecomodel.cli import main

    assert main(["standards", "aqi", "PM2.5=80", "O3_8h=170"]) == 0
    out = capsys.readouterr().out
    assert "PM2.5" in out and "107" in out and "110" in out
    assert "AQI 110: 轻度污染 (Lightly polluted), level 3" in out
    assert "primary pollutant: O3_8h" in out


def test_cli__aqi_json_and_off_scale(capsys):
    from ecomodel.cli import main

    assert main(["standards", "aqi", "PM2.5=600", "O3_8h=900", "O3_1h=300", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["aqi"] == 500 and data["iaqi"]["O3_8h"] is None and data["not_rated"] == {"O3_8h": 1}


def test_cli__water(capsys):
    from ecomodel.cli import main

    assert main(["standards", "water", "TP=0.15", "NH3-N=0.6", "--waterbody", "river"]) == 0
    out = capsys.readouterr().out
    assert "TP" in out and "Ⅲ类" in out and "section class: Ⅲ类 (良好); controlling: TP, NH3-N" in out
    assert main(["standards", "water", "TP=0.25", "NH3-N=1.8"]) == 0
    out = capsys.readouterr().out
    assert "section class: Ⅴ类" in out and "main pollutants: NH3-N (0.80), TP (0.25)" in out


def test_cli__limits(capsys):
    from ecomodel.cli import main

    assert main(["standards", "limits", "water", "--waterbody", "lake"]) == 0
    assert "0.025" in capsys.readouterr().out
    assert main(["standards", "limits", "air"]) == 0
    assert "PM2.5" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["standards", "aqi", "PM2.5"], "expected NAME=VALUE"),
        (["standards", "aqi", "PM2.5=abc"], "'abc' is not a number"),
        (["standards", "aqi", "PM3=80"], "unknown name 'PM3'; did you mean"),
        (["standards", "aqi", "PM2.5=-4"], "cannot be negative"),
        (["standards", "aqi", "PM2.5=4", "PM2.5=5"], "given twice"),
        (["standards", "water", "TPX=0.1"], "did you mean 'TP'"),
    ],
)
def test_cli__bad_tokens_exit_2(capsys, argv, message):
    from ecomodel.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecomodel standards: error:") and message in err


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, ecomodel.standards as s; s.aqi({'PM2.5': 80}); s.water_class('TP', 0.1); "
            "print(','.join(m for m in ('pandas', 'xarray', 'scipy', 'numba', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
