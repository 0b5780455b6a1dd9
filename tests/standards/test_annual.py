"""ecomodel/standards/_annual.py: GB 3095-2012 limits and the HJ 663-2013 annual assessment.
"""

import numpy as np
import pandas as pd
import pytest

from ecomodel import standards
from ecomodel.errors import StandardsError


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
