"""Hypothesis properties of ecomodel.targets.check: margin/met agreement, probability, units, members."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from ecomodel import targets

TP_2026 = targets.load(site="姚巷桥", indicator="tp_concentration", year=2026)
GOOD_2025 = targets.load(region="天宁", indicator="good_air_days_ratio", year=2025)

conc = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
ensembles = st.lists(conc, min_size=1, max_size=12)


def _tp(member_values, units="mg/L", scale=1.0):
    v = np.asarray(member_values, dtype=float) * scale
    data = np.vstack([v, v])  # years 2025, 2026
    return xr.DataArray(data, dims=("year", "member"), coords={"year": [2025, 2026], "member": np.arange(v.size)},
                        name="tp_concentration", attrs={"units": units, "site": "姚巷桥"})


@given(ensembles)
def test_check__met_iff_margin_nonnegative_and_probability_is_share(values):
    r = targets.check(_tp(values), TP_2026).iloc[0]
    target = 0.136
    assert r["met"] == (r["margin"] >= 0)
    assert r["margin"] == pytest.approx(target - np.mean(values), abs=1e-12)
    assert r["probability"] == pytest.approx(np.mean(np.asarray(values) <= target))
    assert 0.0 <= r["probability"] <= 1.0


@given(ensembles, st.randoms(use_true_random=False))
def test_check__member_order_does_not_matter(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    a = targets.check(_tp(values), TP_2026).iloc[0]
    b = targets.check(_tp(shuffled), TP_2026).iloc[0]
    assert a["probability"] == b["probability"]
    assert a["projected"] == pytest.approx(b["projected"], rel=1e-12, abs=1e-15)


@given(ensembles)
def test_check__unit_choice_does_not_change_the_verdict(values):
    a = targets.check(_tp(values), TP_2026).iloc[0]
    b = targets.check(_tp(values, units="ug/L", scale=1000.0), TP_2026).iloc[0]
    assert b["projected"] == pytest.approx(a["projected"], rel=1e-9, abs=1e-12)
    assert b["margin"] == pytest.approx(a["margin"], rel=1e-9, abs=1e-9)
    assert a["probability"] == pytest.approx(b["probability"]) or np.isclose(np.asarray(values), 0.136).any()


@given(st.floats(min_value=0.0, max_value=100.0), st.floats(min_value=0.0, max_value=10.0))
def test_check__ge_margin_is_monotone_in_the_projection(value, bump):
    def run(v):
        da = xr.DataArray([v], dims="year", coords={"year": [2025]}, name="good_air_days_ratio",
                          attrs={"units": "%", "region": "Tianning"})
        return targets.check(da, GOOD_2025).iloc[0]

    lo, hi = run(value), run(value + bump)
    assert hi["margin"] >= lo["margin"]
    assert hi["margin"] - lo["margin"] == pytest.approx(bump, abs=1e-9)
    assert (lo["met"], hi["met"]) != (True, False)
