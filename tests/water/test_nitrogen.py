"""The nitrogen chain (organic N -> NH3-N -> NO3-N -> N2) in the steady solver: closed forms on one
reach, a dense matrix-exponential reference on random networks, and N mass balance (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from ecomodel.errors import InputError
from ecomodel.water import RiverNetwork, steady
from ecomodel.water.steadystate import _g2, transfer_coupling
from ecomodel.water.transport import loss_rate

from ._reference import adjacency, random_network

N = ["OrgN", "NH3-N", "NO3-N"]
CHAIN = {"OrgN": "NH3-N", "NH3-N": "NO3-N"}


def reach(tau_days=1.0, lake=False, depth=2.0):
    t = pd.DataFrame({"reach": ["A"], "downstream": [""], "length": [8640.0 * tau_days], "flow": [1.0],
                      "velocity": [0.1], "depth": [depth], "lake": ["L" if lake else ""]})
    lakes = pd.DataFrame({"lake": ["L"], "area": [8640.0 * tau_days / 2.0 / 1e6], "mean_depth": [2.0]})
    return RiverNetwork.from_dataframe(t, lakes=lakes if lake else None)


def rate_matrix(a, d, y=(1.0, 1.0)):
    """dC/dt = R C for the chain: total loss a (3,), transforming part d (3,), yields y (2,)."""
    return np.array([[-a[0], 0.0, 0.0], [y[0] * d[0], -a[1], 0.0], [0.0, y[1] * d[1], -a[2]]])


def test_chain__one_river_reach_equals_bateman_closed_form():
    ka, kn, kd, so, H, tau = 0.3, 0.5, 0.1, 0.1, 2.0, 1.7
    net = reach(tau, depth=H)
    inflow = np.array([[86.4, 43.2, 21.6]])  # kg/d into 1 m3/s: 1, 0.5, 0.25 mg/L
    ds = steady(net, inflow, {"OrgN": ka, "NH3-N": kn, "NO3-N": kd}, settling_velocity={"OrgN": so * H, "NH3-N": 0.0,
                "NO3-N": 0.0}, substance=N, transfers=CHAIN)
    O0, N0, X0 = inflow[0]
    a = ka + so
    t = tau
    O = O0 * np.exp(-a * t)
    Nh = N0 * np.exp(-kn * t) + ka * O0 * (np.exp(-a * t) - np.exp(-kn * t)) / (kn - a)
    X = (X0 * np.exp(-kd * t) + kn * N0 * (np.exp(-kn * t) - np.exp(-kd * t)) / (kd - kn)
         + ka * kn * O0 * (np.exp(-a * t) / ((kn - a) * (kd - a)) + np.exp(-kn * t) / ((a - kn) * (kd - kn))
                           + np.exp(-kd * t) / ((a - kd) * (kn - kd))))
    np.testing.assert_allclose(ds["load"].values[0], [O, Nh, X], rtol=1e-12)


@pytest.mark.parametrize("rates", [(0.2, 0.2, 0.2), (0.2, 0.2 + 1e-9, 0.2 - 1e-9), (0.4, 0.1, 0.4), (0.0, 0.3, 0.0),
                                   (1e-8, 1e-8, 0.0)])
def test_chain__equal_and_close_rates_match_the_matrix_exponential(rates):
    net = reach(2.0)
    inflow = np.array([[10.0, 5.0, 2.0]])
    ds = steady(net, inflow, dict(zip(N, rates)), substance=N, transfers=CHAIN)
    ref = expm(rate_matrix(rates, rates) * 2.0) @ inflow[0]
    np.testing.assert_allclose(ds["load"].values[0], ref, rtol=1e-9, atol=1e-13)


def test_divided_difference__limit_is_half_tau_squared():
    a = np.array([0.3])
    assert float(_g2(a, a, a, np.array([2.0]))[0]) == pytest.approx(0.5 * 4.0 * np.exp(-0.6), rel=1e-12)


def test_chain__lake_is_the_steady_well_mixed_box():
    net = reach(50.0, lake=True)
    k = {"OrgN": 0.05, "NH3-N": 0.1, "NO3-N": 0.02}
    inflow = np.array([[10.0, 5.0, 2.0]])
    ds = steady(net, inflow, k, substance=N, transfers={"OrgN": ("NH3-N", 0.8), "NH3-N": "NO3-N"})
    tau = float(net.travel_time[0])
    R = rate_matrix(list(k.values()), list(k.values()), (0.8, 1.0))
    ref = np.linalg.solve(np.eye(3) - tau * R, inflow[0])  # Q C = L + V R C
    np.testing.assert_allclose(ds["load"].values[0], ref, rtol=1e-12)


def test_chain__temperature_scales_the_transforming_part_only():
    net = reach(1.0, depth=2.0)
    inflow = np.array([[10.0, 0.0, 0.0]])
    kw = dict(settling_velocity={"OrgN": 0.2, "NH3-N": 0.0, "NO3-N": 0.0}, substance=N, transfers=CHAIN)
    rates = {"OrgN": 0.2, "NH3-N": 0.4, "NO3-N": 0.1}
    theta = {"OrgN": 1.047, "NH3-N": 1.08, "NO3-N": 1.047}
    ds = steady(net, inflow, rates, temperature=12.0, theta=theta, **kw)
    d = np.array([rates[s] * theta[s] ** (12.0 - 20.0) for s in N])
    a = d + np.array([0.1, 0.0, 0.0])
    np.testing.assert_allclose(ds["load"].values[0], expm(rate_matrix(a, d)) @ inflow[0], rtol=1e-10)


def dense_chain_reference(net, local, a, d):
    """Loads leaving each reach for the chain by one dense solve over (reach, species)."""
    n = net.n_reaches
    A = adjacency(net)
    T = np.zeros((3 * n, 3 * n))
    for i in range(n):
        R = rate_matrix(a[i], d[i])
        tau = net.travel_time[i]
        Ti = np.linalg.inv(np.eye(3) - tau * R) if net.lake_of[i] >= 0 else expm(R * tau)
        T[3 * i:3 * i + 3, 3 * i:3 * i + 3] = Ti
    big_A = np.kron(A, np.eye(3))
    out = np.linalg.solve(np.eye(3 * n) - T @ big_A, T @ local.reshape(-1))
    return out.reshape(n, 3)


network_args = st.tuples(st.integers(0, 2 ** 31 - 1), st.integers(2, 9), st.sampled_from([0.0, 0.3]), st.booleans())


@settings(max_examples=30, deadline=None)
@given(network_args, st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.floats(0.0, 0.5))
def test_chain__random_networks_match_dense_reference_and_balance_nitrogen(args, ka, kn, kd):
    net, rng = random_network(*args)
    local = rng.uniform(0.0, 5.0, (net.n_reaches, 3))
    rates = {"OrgN": ka, "NH3-N": kn, "NO3-N": kd}
    ds = steady(net, local, rates, substance=N, transfers=CHAIN, diagnostics=True)
    out = ds["load"].values
    k = loss_rate(net, rates, substances=N)
    np.testing.assert_allclose(out, dense_chain_reference(net, local, k, k), rtol=1e-9, atol=1e-12)
    assert (out >= 0).all()
    # nitrogen: what enters = what leaves the outlets + what is lost (denitrified) in the reaches
    lost = ds["loss"].values.sum(axis=1)
    assert (lost >= -1e-12).all()
    outlet = net.down == -1
    np.testing.assert_allclose(local.sum(), out[outlet].sum() + lost.sum(), rtol=1e-12)
    if kd == 0.0:  # no denitrification and no settling: total N is conserved through the network
        np.testing.assert_allclose(out[outlet].sum(), local.sum(), rtol=1e-12)


def test_transfers__bad_input_names_the_item():
    net = reach()
    with pytest.raises(InputError, match="'NOx'"):
        steady(net, np.ones((1, 3)), 0.1, substance=N, transfers={"OrgN": "NOx"})
    with pytest.raises(InputError, match="more than one"):
        steady(net, np.ones((1, 3)), 0.1, substance=N, transfers={("OrgN", "NH3-N"): 1.0, ("OrgN", "NO3-N"): 1.0})
    with pytest.raises(InputError, match="yield"):
        steady(net, np.ones((1, 3)), 0.1, substance=N, transfers={"OrgN": ("NH3-N", 1.5)})
    with pytest.raises(InputError, match="cyclic|longer"):
        transfer_coupling(net, np.ones((1, 3)), np.ones((1, 3)), {"OrgN": "NH3-N", "NH3-N": "NO3-N",
                                                                  "NO3-N": "OrgN"}, N)
