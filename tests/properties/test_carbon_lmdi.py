"""Hypothesis properties of the LMDI decomposition: exact additivity and multiplicativity on data
with zeros, agreement of the numba kernel with numpy, time reversal."""

import numpy as np
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ecomodel.carbon import lmdi_decomposition

finite = st.floats(0.0, 100.0, allow_nan=False, allow_infinity=False)


@st.composite
def decomposition_data(draw, max_years=3):
    """Consistent activity/energy/emissions with zeros: no emissions without energy, no energy
    without activity, positive totals every year."""
    T = draw(st.integers(2, max_years))
    S = draw(st.integers(1, 3))
    F = draw(st.integers(1, 3))
    q = draw(arrays(float, (T, S), elements=st.floats(0.1, 100.0)))
    q_zero = draw(arrays(bool, (T, S)))
    e = draw(arrays(float, (T, S, F), elements=st.floats(0.01, 100.0)))
    e_zero = draw(arrays(bool, (T, S, F)))
    u = draw(arrays(float, (T, S, F), elements=st.floats(0.01, 5.0)))
    u_zero = draw(arrays(bool, (T, S, F)))
    q = np.where(q_zero, 0.0, q)
    q[:, 0] = np.maximum(q[:, 0], 0.1)  # total activity > 0
    e = np.where(e_zero | (q[..., None] == 0), 0.0, e)
    e[:, 0, 0] = np.maximum(e[:, 0, 0], 0.01)  # every year has some energy and emissions
    u[:, 0, 0] = np.maximum(u[:, 0, 0], 0.01)
    c = e * np.where(u_zero, 0.0, u)
    c[:, 0, 0] = e[:, 0, 0] * u[:, 0, 0]
    years = list(range(2020, 2020 + T))
    coords = {"year": years, "sector": [f"s{i}" for i in range(S)]}
    fcoords = dict(coords, fuel=[f"f{j}" for j in range(F)])
    return (xr.DataArray(q, dims=("year", "sector"), coords=coords),
            xr.DataArray(e, dims=("year", "sector", "fuel"), coords=fcoords),
            xr.DataArray(c, dims=("year", "sector", "fuel"), coords=fcoords))


@given(decomposition_data())
def test_lmdi__effects_sum_exactly_to_the_change_and_multiply_to_the_ratio(data):
    q, e, c = data
    out = lmdi_decomposition(q, e, c, engine="numpy")
    scale = float(c.sum("fuel").sum("sector").max()) + 1.0
    np.testing.assert_allclose(out["delta"].sum("effect").values, out["total_change"].values, atol=1e-9 * scale)
    np.testing.assert_allclose(out["ratio"].prod("effect").values, out["total_ratio"].values, rtol=1e-9)
    np.testing.assert_allclose(out["delta_by_sector"].sum("sector").values, out["delta"].values, atol=1e-9 * scale)
    total = float(c.isel(year=-1).sum() - c.isel(year=0).sum())
    np.testing.assert_allclose(float(out["cumulative_delta"].isel(period=-1).sum()), total, atol=1e-9 * scale)


@settings(max_examples=15)
@given(decomposition_data())
def test_lmdi__numba_kernel_equals_numpy_reference(data):
    q, e, c = data
    a = lmdi_decomposition(q, e, c, engine="numpy")
    b = lmdi_decomposition(q, e, c, engine="numba")
    np.testing.assert_allclose(a["delta_by_sector"].values, b["delta_by_sector"].values, rtol=1e-9, atol=1e-9)


@given(decomposition_data(max_years=2))
def test_lmdi__time_reversal_flips_the_sign(data):
    q, e, c = data
    fwd = lmdi_decomposition(q, e, c, engine="numpy")
    rev = lmdi_decomposition(q, e, c, years=list(q["year"].values[::-1]), engine="numpy")
    scale = float(c.sum("fuel").sum("sector").max()) + 1.0
    np.testing.assert_allclose(rev["delta"].values, -fwd["delta"].values, atol=1e-9 * scale)


@given(decomposition_data(max_years=2), st.floats(0.1, 10.0))
def test_lmdi__scaling_all_emissions_scales_the_additive_effects(data, k):
    q, e, c = data
    a = lmdi_decomposition(q, e, c, engine="numpy")
    b = lmdi_decomposition(q, e, c * k, engine="numpy")
    scale = float(c.sum("fuel").sum("sector").max()) * k + 1.0
    np.testing.assert_allclose(b["delta"].values, k * a["delta"].values, atol=1e-8 * scale)
    np.testing.assert_allclose(b["ratio"].values, a["ratio"].values, rtol=1e-8)
