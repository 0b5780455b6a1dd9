"""Hypothesis properties of the national-standards lookups."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ecomodel import standards

ITEMS = ["SO2_24h", "SO2_1h", "NO2_24h", "NO2_1h", "PM10_24h", "CO_24h", "CO_1h", "O3_1h", "O3_8h", "PM2.5_24h"]


def _table(item):
    return standards.breakpoints(*item.split("_"))


@st.composite
def item_and_concentrations(draw, n=2):
    item = draw(st.sampled_from(ITEMS))
    top = _table(item).top
    conc = draw(st.lists(st.floats(0.0, top, allow_nan=False), min_size=n, max_size=n))
    return item, conc


@given(item_and_concentrations())
def test_iaqi_monotone_non_decreasing(case):
    item, (a, b) = case
    lo, hi = sorted((a, b))
    pollutant, averaging = item.split("_")
    assert standards.iaqi(pollutant, lo, averaging) <= standards.iaqi(pollutant, hi, averaging)


@given(item_and_concentrations(n=1))
def test_iaqi_is_the_ceiling_of_the_interpolated_index(case):
    item, (c,) = case
    table = _table(item)
    raw = float(np.interp(c, table.concentration, table.iaqi))  # independent piecewise-linear reference
    pollutant, averaging = item.split("_")
    got = standards.iaqi(pollutant, c, averaging)
    assert isinstance(got, int)
    # rounded up: never below the exact index, less than one unit above it
    assert raw - 1e-6 <= got < raw + 1


@given(st.sampled_from(["PM2.5", "PM10", "SO2", "NO2", "CO"]), st.floats(0.0, 5000.0, allow_nan=False))
def test_iaqi_bounded_and_capped(pollutant, c):
    value = standards.iaqi(pollutant, c)
    assert 0 <= value <= 500
    if c >= standards.breakpoints(pollutant).top:
        assert value == 500


@given(st.dictionaries(st.sampled_from(["PM2.5", "PM10", "SO2", "NO2", "CO", "O3_8h", "O3_1h"]),
                       st.floats(0.0, 600.0, allow_nan=False), min_size=1, max_size=7))
def test_aqi_is_max_of_iaqi_and_primary_attains_it(conc):
    conc = {k: (v / 10.0 if k == "CO" else min(v, 800.0)) for k, v in conc.items()}
    res = standards.aqi(conc)
    assert res.aqi == max(res.iaqi.values())
    if res.aqi > 50:
        assert res.primary and all(res.iaqi[k] == res.aqi for k in res.primary)
        assert set(res.primary) == {k for k, v in res.iaqi.items() if v == res.aqi}
    else:
        assert res.primary == []
    assert res.level == standards.aqi_level(res.aqi)


@given(st.sampled_from(["TP", "NH3-N", "CODMn", "COD", "BOD5", "DO"]), st.sampled_from(["river", "lake"]),
       st.lists(st.floats(0.0, 20.0, allow_nan=False), min_size=2, max_size=2))
def test_water_class_monotone_in_the_right_direction(parameter, waterbody, pair):
    lo, hi = sorted(pair)
    c_lo, c_hi = standards.water_class(parameter, [lo, hi], waterbody).tolist()
    assert 1 <= c_lo <= 6 and 1 <= c_hi <= 6
    if parameter == "DO":  # more oxygen is better
        assert c_hi <= c_lo
    else:
        assert c_lo <= c_hi


@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=4))
def test_section_class_is_worst_single_factor(values):
    keys = ["TP", "NH3-N", "CODMn", "DO"]
    means = {k: v * scale for k, v, scale in zip(keys, values, [0.6, 3.0, 20.0, 10.0])}
    res = standards.section_class(means)
    singles = {k: standards.water_class(k, v) for k, v in means.items()}
    assert res.water_class == max(singles.values())
    assert set(res.controlling) == {k for k, c in singles.items() if c == res.water_class}
    assert all(singles[k] > 3 for k in res.exceedance)


@given(st.lists(st.floats(0.0, 500.0, allow_nan=False), min_size=1, max_size=60), st.floats(0.0, 100.0))
def test_hj663_percentile_matches_linear_rank_interpolation(values, p):
    got = standards.hj663_percentile(values, p)
    assert min(values) <= got <= max(values)
    assert np.isclose(got, np.percentile(values, p), rtol=1e-12, atol=1e-9)


@given(st.lists(st.one_of(st.floats(0.0, 500.0, allow_nan=False), st.just(float("nan"))), min_size=1, max_size=60))
def test_good_day_ratio_in_unit_interval(days):
    valid = [d for d in days if d == d]
    if not valid:
        return
    share = standards.good_day_ratio(days)
    assert 0.0 <= share <= 1.0
    assert share == sum(d <= 100 for d in valid) / len(valid)
