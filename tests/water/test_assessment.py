"""Section-share indicators (优Ⅲ, 优Ⅱ, 劣Ⅴ shares, section class) against GB 3838 and targets.check."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel import targets
from ecomodel.errors import EcomodelError
from ecomodel.standards import share_at_or_better, water_class
from ecomodel.water.assessment import section_classes, section_shares


def _projection(tp, nh3n, sites, years=(2023,)):
    tp, nh3n = np.asarray(tp, float), np.asarray(nh3n, float)
    dims = ("year", "member", "site")
    ds = xr.Dataset({"tp_concentration": (dims, tp), "nh3n_concentration": (dims, nh3n)},
                    coords={"year": list(years), "member": np.arange(tp.shape[1]), "site": sites})
    for v in ds.data_vars:
        ds[v].attrs["units"] = "mg/L"
    return ds


def test_classes_are_the_worst_single_factor_of_gb3838_table1():
    # GB 3838-2002 river TP limits 0.02/0.1/0.2/0.3/0.4, NH3-N 0.15/0.5/1.0/1.5/2.0 mg/L
    ds = _projection([[[0.1, 0.25, 0.05, 0.45]]], [[[0.4, 0.4, 1.2, 0.1]]], ["s1", "s2", "s3", "s4"])
    assert section_classes(ds).values.ravel().tolist() == [2, 4, 4, 6]


def test_shares_count_the_named_set_only():
    ds = _projection([[[0.1, 0.25, 0.05, 0.45]]], [[[0.4, 0.4, 0.1, 0.1]]], ["s1", "s2", "s3", "s4"])
    s = section_shares(ds, ["s1", "s2", "s3", "s4"], region="常州市")
    assert float(s["water_section_class_iii_or_better_ratio"].squeeze()) == pytest.approx(50.0)
    assert float(s["water_section_class_ii_or_better_ratio"].squeeze()) == pytest.approx(50.0)
    assert float(s["worse_than_v_section_share_pct"].squeeze()) == pytest.approx(25.0)
    sub = section_shares(ds, ["s1", "s3"], region="常州市")
    assert float(sub["water_section_class_iii_or_better_ratio"].squeeze()) == 100.0
    assert sub["section_water_class"].sizes["site"] == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.001, 0.6), min_size=1, max_size=8), st.lists(st.floats(0.01, 2.5), min_size=8,
                                                                         max_size=8))
def test_shares_agree_with_standards_per_factor(tp, nh3n):
    n = len(tp)
    ds = _projection([[tp]], [[nh3n[:n]]], [f"s{i}" for i in range(n)])
    s = section_shares(ds, ds["site"].values, region="常州市")
    worst = np.maximum(water_class("TP", np.array(tp)), water_class("NH3-N", np.array(nh3n[:n])))
    assert float(s["water_section_class_iii_or_better_ratio"].squeeze()) == pytest.approx(
        share_at_or_better(worst, 3, percent=True))
    assert float(s["water_section_class_ii_or_better_ratio"].squeeze()) <= \
        float(s["water_section_class_iii_or_better_ratio"].squeeze())
    total = float(s["water_section_class_iii_or_better_ratio"].squeeze()) + \
        float(s["worse_than_v_section_share_pct"].squeeze())
    assert total <= 100.0 + 1e-9


def test_targets_check_gives_the_probability_of_004_19():
    """004:19: Changzhou's national sections at 优Ⅲ >= 80 % and 优Ⅱ >= 35 % in 2023."""
    rng = np.random.default_rng(1)
    tp = rng.uniform(0.05, 0.26, size=(1, 200, 10))      # 10 sections, 200 members
    ds = _projection(tp, np.full_like(tp, 0.3), [f"s{i}" for i in range(10)])
    s = section_shares(ds, [f"s{i}" for i in range(10)], region="常州市", scope="国考断面")
    rows = targets.load(document="004", year=2023)
    r = targets.check(s[["water_section_class_iii_or_better_ratio", "water_section_class_ii_or_better_ratio"]],
                      rows)
    assert set(r["scope"]) == {"国考断面"}        # the 省考/市考 rows of the same line are not matched
    got = r.set_index("indicator")
    share3 = s["water_section_class_iii_or_better_ratio"].sel(year=2023).values
    assert got.loc["water_section_class_iii_or_better_ratio", "target_value"] == 80.0
    assert got.loc["water_section_class_iii_or_better_ratio", "probability"] == pytest.approx(np.mean(share3 >= 80))
    assert 0 < got.loc["water_section_class_iii_or_better_ratio", "probability"] < 1


def test_targets_check_section_class_of_liangzhuangqiao():
    """001:486: 新沟河粮庄桥 stably class III by 2025."""
    ds = _projection([[[0.18], [0.22]]], [[[0.4], [0.4]]], ["粮庄桥"], years=(2025,))
    s = section_shares(ds, ["粮庄桥"], region="常州市天宁区")
    r = targets.check(s[["section_water_class"]], targets.load(site="粮庄桥", kind="target"))
    assert r["target_value"].tolist() == [3.0]
    assert r["probability"].tolist() == [0.5]


def test_errors_name_the_section():
    ds = _projection([[[0.1]]], [[[0.1]]], ["s1"])
    with pytest.raises(EcomodelError, match="'s9'"):
        section_shares(ds, ["s9"], region="常州市")
    with pytest.raises(EcomodelError, match="empty"):
        section_shares(ds, [], region="常州市")
    with pytest.raises(EcomodelError, match="site"):
        section_classes(ds.isel(site=0))
