"""Steady transport (ecomodel/water/steadystate.py) against closed forms, the numpy reference and bad input."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel.errors import InputError, NetworkError, SourceError, UnitError
from ecomodel.water import RiverNetwork, steady
from ecomodel.water.lake import vollenweider_concentration
from ecomodel.water.transport import KG_PER_DAY_TO_MG_PER_L, loss_rate, transmission

from ._reference import chain, random_network, steady_reference


def test_steady__chain_decay_matches_analytic():
    # C = C0 exp(-k L / u): three reaches of 1 day each at k = 0.3/d
    net = chain(3, flow=2.0, velocity=0.1, length=8640.0)
    c0 = 0.5
    load = c0 * 2.0 / KG_PER_DAY_TO_MG_PER_L
    ds = steady(net, {"r0": load}, decay_rate=0.3)
    np.testing.assert_allclose(ds["concentration"].values, c0 * np.exp(-0.3 * np.arange(1, 4)), rtol=1e-13)
    assert ds["concentration"].attrs["units"] == "mg/L" and ds["load"].attrs["units"] == "kg/d"


def test_steady__temperature_correction():
    net = chain(1, length=8640.0, velocity=0.1)
    ds = steady(net, [1.0], decay_rate=0.2, temperature=28.0, theta=1.05)
    assert float(ds["load"][0]) == pytest.approx(np.exp(-0.2 * 1.05 ** 8))


def test_steady__confluence_is_flow_weighted_mixing():
    t = pd.DataFrame({"reach": ["a", "b", "c"], "downstream": ["c", "c", ""], "length": 1e3,
                      "flow": [1.0, 3.0, 4.0], "velocity": 0.1})
    net = RiverNetwork.from_dataframe(t)
    c1, c2 = 0.2, 0.05
    loads = {"a": c1 * 1.0 / KG_PER_DAY_TO_MG_PER_L, "b": c2 * 3.0 / KG_PER_DAY_TO_MG_PER_L}
    ds = steady(net, loads)
    assert float(ds["concentration"].sel(reach="c")) == pytest.approx((c1 * 1 + c2 * 3) / 4, rel=1e-13)


def test_steady__split_conserves_mass_and_concentration():
    t = pd.DataFrame({"reach": ["a", "a", "b", "c", "d", "d"], "downstream": ["b", "c", "d", "d", "e", "f"],
                      "fraction": [0.3, 0.7, 1, 1, 0.5, 0.5], "length": 1e3,
                      "flow": [5.0, 5.0, 1.5, 3.5, 5.0, 5.0], "velocity": 0.1})
    t = pd.concat([t, pd.DataFrame({"reach": ["e", "f"], "downstream": ["", ""], "fraction": 1.0, "length": 1e3,
                                    "flow": [2.5, 2.5], "velocity": 0.1})])
    net = RiverNetwork.from_dataframe(t)
    ds = steady(net, {"a": 10.0})
    L = ds["load"].to_series()
    assert L["b"] + L["c"] == pytest.approx(10.0) and L["b"] == pytest.approx(3.0)
    assert L["e"] + L["f"] == pytest.approx(10.0)
    np.testing.assert_allclose(ds["concentration"].values, ds["concentration"].values[0])


def test_steady__vollenweider_lake():
    # one lake reach: C = L / (Q + v_s A)
    t = pd.DataFrame({"reach": ["in", "lake"], "downstream": ["lake", ""], "length": [1e3, np.nan],
                      "flow": [10.0, 10.0], "velocity": [0.5, np.nan], "lake": ["", "L"]})
    lakes = pd.DataFrame({"lake": ["L"], "area": [20.0], "mean_depth": [2.0]})
    net = RiverNetwork.from_dataframe(t, lakes=lakes)
    load_t_yr = 100.0
    v_m_yr = 10.0
    ds = steady(net, {"lake": load_t_yr * 1000 / 365}, decay_rate=0.0,
                settling_velocity=np.array([0.0, v_m_yr / 365]))
    expected = vollenweider_concentration(load_t_yr, 10.0, 20.0, v_m_yr)
    assert float(ds["concentration"].sel(reach="lake")) == pytest.approx(expected, rel=1e-12)


def test_steady__matches_numpy_reference_with_splits_and_lake(rng_net):
    net, names = rng_net
    rng = np.random.default_rng(0)
    local = rng.uniform(0, 5, (net.n_reaches, 2))
    ds = steady(net, local, {"TP": 0.3, "COD": 0.05}, substance=names)
    share = transmission(net, loss_rate(net, {"TP": 0.3, "COD": 0.05}, substances=names))
    np.testing.assert_allclose(ds["load"].values, steady_reference(net, local, share), rtol=1e-12)


def test_steady__loads_as_dataarray_with_units_and_series():
    net = chain(2)
    da = xr.DataArray([365.0, 0.0], dims="reach", coords={"reach": ["r0", "r1"]}, attrs={"units": "t/yr"})
    a = steady(net, da)
    b = steady(net, pd.Series({"r0": 1000.0}))
    np.testing.assert_allclose(a["load"].values, b["load"].values)
    with pytest.raises(UnitError):
        steady(net, da.assign_attrs(units="mg/L"))


def test_errors__loads_and_parameters():
    net = chain(2)
    with pytest.raises(SourceError, match=r"loads: -1.0 at 'r0'"):
        steady(net, {"r0": -1.0})
    with pytest.raises(NetworkError, match="reach 'zz' does not exist"):
        steady(net, {"zz": 1.0})
    with pytest.raises(SourceError, match="shape"):
        steady(net, np.ones(5))
    with pytest.raises(InputError, match="decay_rate: nan"):
        steady(net, [1.0, 1.0], decay_rate=np.nan)
    with pytest.raises(NetworkError, match="settling_velocity: reach 'r0' settles but has no depth"):
        steady(net, [1.0, 1.0], settling_velocity=0.1)
    with pytest.raises(InputError, match="theta"):
        steady(net, [1.0, 1.0], theta=-1.0)


@pytest.mark.parametrize("rate", ["scalar", "per_reach", "two_substances"])
def test_transmission__rivers_exp_lakes_box_in_every_input_layout(rng_net, rate):
    # the fused exp paths (one rate for all, one per reach, several substances) against the formula
    net, names = rng_net
    n = net.n_reaches
    k = {"scalar": np.broadcast_to(0.3, (n, 1)), "per_reach": np.linspace(0.0, 40.0, n)[:, None],
         "two_substances": np.stack([np.linspace(0.0, 5.0, n), np.full(n, 0.05)], axis=1)}[rate]
    ktau = k * net.travel_time[:, None]
    expect = np.where(net.is_lake[:, None], 1.0 / (1.0 + ktau), np.exp(-ktau))
    assert net.is_lake.any()
    np.testing.assert_allclose(transmission(net, k), expect, rtol=1e-15, atol=0)


def test_loss_rate__returns_a_fresh_writable_array_in_every_input_layout():
    net = chain(decay_rate=0.2)
    for kw in ({}, {"decay_rate": 0.3}, {"decay_rate": np.array([0.1, 0.2, 0.3])}):
        k = loss_rate(net, **kw)
        assert k.shape == (3, 1) and k.flags.writeable and not np.shares_memory(k, net.decay_rate)
        k[0, 0] = 9.0
        np.testing.assert_allclose(net.decay_rate, 0.2)


@pytest.mark.parametrize("per_reach_rate", [False, True])
def test_steady__one_substance_fast_path_is_bit_identical_to_shares_general_solve_and_division(per_reach_rate):
    # steady() takes the one-substance kernel and the 8-wide exp for one substance; every value must equal
    # transmission() -> the general solve -> out * factor exactly (splits, a lake, an 8-wide tail)
    from ecomodel.water._kernels import _steady_solve

    net, rng = random_network(8, 1300, 0.2, True)
    loads = rng.uniform(0.0, 5.0, net.n_reaches)
    rate = rng.uniform(0.05, 0.5, net.n_reaches) if per_reach_rate else 0.2
    ds = steady(net, loads, rate)
    k = loss_rate(net, rate)
    out = np.zeros((net.n_reaches, 1))
    _steady_solve(net.down, net.sp_ptr, net.sp_idx, net.sp_w, loads[:, None].copy(), transmission(net, k), out,
                  np.empty((0, 1)))
    assert np.array_equal(ds["load"].values, out[:, 0])
    assert np.array_equal(ds["concentration"].values, out[:, 0] * (KG_PER_DAY_TO_MG_PER_L / net.flow))
    assert net.is_lake.any()
