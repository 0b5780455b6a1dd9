"""ecomodel/standards/_water.py: GB 3838-2002 water classes and 环办〔2011〕22号 section assessment.

The class limits are typed again from GB 3838-2002 Table 1, independently of the CSV file the library reads.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import standards
from ecomodel.errors import StandardsError


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
