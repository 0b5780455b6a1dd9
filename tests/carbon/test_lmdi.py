"""ecomodel/carbon/lmdi.py: LMDI-I: published example, exact additivity/multiplicativity, zero values."""

import numpy as np
import pytest
import xarray as xr

from ecomodel.carbon import lmdi_decomposition, log_mean
from ecomodel.carbon.lmdi import EFFECTS, log_mean_divisia
from ecomodel.errors import CarbonError


# Published example: the LMDIR package (M. Heun, an implementation of Ang 2005) documents this
# two-subcategory, three-factor case (create_simple_LMDI(), country "AB") with the additive
# effects checked in its test suite (tests/testthat/test_lmdi.R):
#   1971: subcat 1 = (1, 10, 2), subcat 2 = (4, 5, 3)  -> V = 20 + 60 = 80
#   1972: (4, 5, 3), (5, 6, 4) -> V = 180; 1973: (8, 2, 4), (5, 7, 5) -> V = 239; 1974: (10, 1, 5), (6, 8, 6) -> 338
#   dV 1971->72 = (69.79006598, -9.455125793, 39.66505981); dV 1972->73 = (42.96021467, -34.31902656, 50.3588119)
#   dV_agg = 100, 59, 99.
X = {
    1971: [[1, 10, 2], [4, 5, 3]],
    1972: [[4, 5, 3], [5, 6, 4]],
    1973: [[8, 2, 4], [5, 7, 5]],
    1974: [[10, 1, 5], [6, 8, 6]],
}


def test_log_mean_divisia__reproduces_published_lmdir_example():
    out = log_mean_divisia(np.array(X[1971], float), np.array(X[1972], float))
    np.testing.assert_allclose(out["delta"], [69.79006598, -9.455125793, 39.66505981], atol=1e-8)
    out = log_mean_divisia(np.array(X[1972], float), np.array(X[1973], float))
    np.testing.assert_allclose(out["delta"], [42.96021467, -34.31902656, 50.3588119], atol=1e-7)
    totals = [log_mean_divisia(np.array(X[y], float), np.array(X[y + 1], float))["total_change"] for y in (1971, 1972,
                                                                                                            1973)]
    np.testing.assert_allclose(totals, [100.0, 59.0, 99.0])
    out = log_mean_divisia(np.array(X[1973], float), np.array(X[1974], float))
    assert out["delta"].sum() == pytest.approx(99.0, abs=1e-10)
    assert np.prod(out["ratio"]) == pytest.approx(338 / 239, rel=1e-12)


def test_log_mean__closed_form_values():
    assert log_mean(60.0, 20.0) == pytest.approx(40 / np.log(3))
    assert log_mean(5.0, 5.0) == 5.0
    assert log_mean(5.0 * (1 + 1e-14), 5.0) == pytest.approx(5.0)
    assert log_mean(0.0, 3.0) == 0.0


def make(q, e, c, years=(2020, 2025)):
    """activity (year, sector), energy/emissions (year, sector, fuel) DataArrays."""
    q = np.asarray(q, float)
    e = np.asarray(e, float)
    c = np.asarray(c, float)
    coords = {"year": list(years), "sector": [f"s{i}" for i in range(q.shape[1])]}
    fc = dict(coords, fuel=[f"f{j}" for j in range(e.shape[2])])
    return (xr.DataArray(q, dims=("year", "sector"), coords=coords),
            xr.DataArray(e, dims=("year", "sector", "fuel"), coords=fc),
            xr.DataArray(c, dims=("year", "sector", "fuel"), coords=fc, attrs={"units": "t"}))


def test_lmdi__single_sector_single_fuel_closed_form():
    # C = Q * I * U; Q 10 -> 12, E 5 -> 5.4 (I 0.5 -> 0.45), U 2 -> 2.5
    out = lmdi_decomposition(*make([[10.0], [12.0]], [[[5.0]], [[5.4]]], [[[10.0]], [[13.5]]]))
    L = log_mean(13.5, 10.0)
    d = out["delta"].isel(period=0)
    assert d.sel(effect="activity").item() == pytest.approx(L * np.log(1.2))
    assert d.sel(effect="structure").item() == pytest.approx(0.0, abs=1e-12)
    assert d.sel(effect="intensity").item() == pytest.approx(L * np.log(0.9))
    assert d.sel(effect="fuel_mix").item() == pytest.approx(0.0, abs=1e-12)
    assert d.sel(effect="emission_factor").item() == pytest.approx(L * np.log(1.25))
    r = out["ratio"].isel(period=0)
    assert r.sel(effect="activity").item() == pytest.approx(1.2)
    assert r.sel(effect="intensity").item() == pytest.approx(0.9)
    assert r.sel(effect="emission_factor").item() == pytest.approx(1.25)
    assert out["delta"].attrs["units"] == "t"


def test_lmdi__five_factor_equals_general_lmdi_on_factor_matrices():
    rng = np.random.default_rng(5)
    q = rng.uniform(1, 5, (2, 3))
    e = rng.uniform(0.5, 3, (2, 3, 4))
    c = e * rng.uniform(1, 3, (2, 3, 4))
    out = lmdi_decomposition(*make(q, e, c))

    def factors(t):
        Q = q[t].sum()
        S = q[t] / Q
        Ei = e[t].sum(-1)
        rows = []
        for i in range(3):
            for j in range(4):
                rows.append([Q, S[i], Ei[i] / q[t, i], e[t, i, j] / Ei[i], c[t, i, j] / e[t, i, j]])
        return np.array(rows)

    ref = log_mean_divisia(factors(0), factors(1))
    np.testing.assert_allclose(out["delta"].isel(period=0).values, ref["delta"], rtol=1e-10)
    np.testing.assert_allclose(out["ratio"].isel(period=0).values, ref["ratio"], rtol=1e-10)


def test_lmdi__zero_values_new_fuel_goes_to_fuel_mix_new_sector_to_structure():
    # sector 0: fuel 1 appears in year T; sector 1 appears in year T (no activity in year 0)
    q = [[10.0, 0.0], [10.0, 5.0]]
    e = [[[4.0, 0.0], [0.0, 0.0]], [[4.0, 1.0], [2.0, 0.0]]]
    c = [[[8.0, 0.0], [0.0, 0.0]], [[8.0, 3.0], [6.0, 0.0]]]
    out = lmdi_decomposition(*make(q, e, c))
    d = out["delta_by_sector"].isel(period=0)
    assert d.sel(sector="s1", effect="structure").item() == pytest.approx(6.0)
    assert d.sel(sector="s0", effect="fuel_mix").item() == pytest.approx(
        3.0 + log_mean(8.0, 8.0) * (np.log(4 / 5) - np.log(4 / 4)))
    assert out["delta"].sum("effect").item() == pytest.approx(9.0)
    assert out["ratio"].prod("effect").item() == pytest.approx(17.0 / 8.0)
    # a zero-emission fuel (emission factor 0) that is used: the change goes to the emission-factor effect
    out = lmdi_decomposition(*make([[1.0], [1.0]], [[[1.0, 1.0]], [[1.0, 1.0]]], [[[2.0, 0.0]], [[2.0, 1.0]]]))
    assert out["delta"].sel(effect="emission_factor").item() == pytest.approx(1.0)


def test_lmdi__chain_and_cumulative():
    rng = np.random.default_rng(9)
    q = rng.uniform(1, 5, (4, 3))
    e = rng.uniform(0.5, 3, (4, 3, 2))
    c = e * rng.uniform(1, 3, (4, 3, 2))
    out = lmdi_decomposition(*make(q, e, c, years=(2020, 2021, 2022, 2023)))
    assert list(out["period"].values) == ["2020-2021", "2021-2022", "2022-2023"]
    total = c[-1].sum() - c[0].sum()
    assert out["cumulative_delta"].isel(period=-1).sum().item() == pytest.approx(total, rel=1e-12)
    assert out["cumulative_ratio"].isel(period=-1).prod().item() == pytest.approx(c[-1].sum() / c[0].sum())
    direct = lmdi_decomposition(*make(q, e, c, years=(2020, 2021, 2022, 2023)), chain=False)
    assert direct.sizes["period"] == 1
    assert direct["delta"].sum().item() == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize(
    ("q", "e", "c", "message"),
    [
        ([[1.0], [1.0]], [[[1.0]], [[0.0]]], [[[1.0]], [[1.0]]], "emissions 1.0 without energy"),
        ([[1.0, 0.0], [1.0, 1.0]], [[[1.0], [1.0]], [[1.0], [1.0]]], [[[1.0], [1.0]], [[1.0], [1.0]]],
         "energy use 1.0 without activity"),
        ([[1.0], [1.0]], [[[1.0]], [[1.0]]], [[[-1.0]], [[1.0]]], "emissions has -1.0"),
        ([[1.0], [1.0]], [[[1.0]], [[1.0]]], [[[0.0]], [[1.0]]], "total emissions are zero"),
    ],
)
def test_lmdi__bad_input_raises(q, e, c, message):
    with pytest.raises(CarbonError, match=message):
        lmdi_decomposition(*make(q, e, c))


def test_lmdi__effects_order():
    assert EFFECTS == ("activity", "structure", "intensity", "fuel_mix", "emission_factor")


def test_lmdi__a_leading_dimension_on_only_some_inputs_is_shared():
    """Activity per member with one energy balance (as when GDP is drawn but the balance is not):
    each member's decomposition equals the single-member one, exactly, and the effects add up."""
    import numpy as np
    import xarray as xr

    from ecomodel.carbon import lmdi_decomposition

    rng = np.random.default_rng(0)
    Q = xr.DataArray(rng.uniform(1, 2, (3, 2, 2)), dims=("member", "year", "sector"),
                     coords={"year": [2020, 2025], "sector": ["a", "b"]})
    E = xr.DataArray(rng.uniform(1, 2, (2, 2, 3)), dims=("year", "sector", "fuel"),
                     coords={"year": [2020, 2025], "sector": ["a", "b"], "fuel": ["x", "y", "z"]})
    out = lmdi_decomposition(Q, E, E * 2.0)
    assert out["delta"].dims == ("member", "period", "effect")
    assert float(abs(out["delta"].sum("effect") - out["total_change"]).max()) < 1e-12
    for m in range(3):
        one = lmdi_decomposition(Q.isel(member=m), E, E * 2.0)
        np.testing.assert_array_equal(one["delta"].values, out["delta"].isel(member=m).values)
