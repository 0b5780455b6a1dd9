"""Hypothesis properties of the inventory and projection: linearity, non-negativity, relabelling
invariance, monotone response to efficiency."""

import numpy as np
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ecomodel.carbon import FUELS, co2_inventory, demo_drivers, energy_balance, peak_year, project

balances = arrays(float, st.tuples(st.integers(1, 4), st.just(len(FUELS))),
                  elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e6)))


def as_balance(vals):
    vals = vals.copy()
    vals[:, 0] += 1.0  # some energy use in every balance
    return energy_balance(xr.DataArray(vals, dims=("sector", "fuel"),
                                       coords={"sector": [f"s{i}" for i in range(vals.shape[0])],
                                               "fuel": list(FUELS)}), units="default")


# factors down to 1e-6: below that, subnormal products (k = 5e-324) lose the digits the shares need
@given(balances, st.one_of(st.just(0.0), st.floats(1e-6, 100.0)))
def test_inventory__is_linear_and_non_negative(vals, k):
    a = co2_inventory(as_balance(vals))
    assert bool((a["co2"] >= 0).all())
    b = co2_inventory(as_balance(vals) * k) if k > 0 else None
    if b is not None:
        np.testing.assert_allclose(b["co2"].values, k * a["co2"].values, rtol=1e-12)
        np.testing.assert_allclose(b["coal_share_energy_pct"].values, a["coal_share_energy_pct"].values, rtol=1e-9)


@given(balances, st.randoms())
def test_inventory__invariant_to_relabelling_sectors(vals, rnd):
    bal = as_balance(vals)
    perm = list(range(bal.sizes["sector"]))
    rnd.shuffle(perm)
    shuffled = bal.isel(sector=perm)
    a = co2_inventory(bal)
    b = co2_inventory(shuffled)
    assert float(b["co2_total"]) == __import__("pytest").approx(float(a["co2_total"]), rel=1e-12)
    np.testing.assert_allclose(a["co2_direct"].sel(sector=shuffled["sector"]).values, b["co2_direct"].values)


@settings(max_examples=10)
@given(st.floats(0.0, 0.05), st.floats(0.0, 0.05), st.floats(0.0, 0.06))
def test_projection__faster_intensity_decline_never_raises_emissions(g, d1, extra):
    base = demo_drivers(["常州市天宁区"]).with_parameters(gdp_growth=g, energy_intensity_decline=d1)
    more = base.with_parameters(energy_intensity_decline=d1 + extra)
    a = project(base, years=range(2020, 2031), members=1, seed=0)["co2_emissions"]
    b = project(more, years=range(2020, 2031), members=1, seed=0)["co2_emissions"]
    assert bool((b <= a * (1 + 1e-12)).all())
    assert bool((a >= 0).all())


@given(arrays(float, st.integers(1, 12), elements=st.floats(0.0, 1e3)))
def test_peak_year__is_the_first_maximum_when_peaked(series):
    years = list(range(2020, 2020 + series.size))
    py, pv, peaked = peak_year(series, years)
    assert pv == series.max()
    if peaked:
        assert py == years[int(np.argmax(series))] and series[-1] < series.max()
    else:
        assert py == years[-1] + 1 and series[-1] == series.max()
