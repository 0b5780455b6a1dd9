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
from ecomodel.water.steadystate import transfer_coupling
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


@pytest.mark.parametrize("eps", [0.0, 1e-12, 1e-7, 1e-5, 2.4e-4, 1e-3, 1e-2, 0.1])
def test_coupling__equal_and_close_rates_are_the_limits(eps):
    net = reach(2.0)  # tau = 2 d
    k = np.array([[0.3, 0.3 + eps, 0.3 - eps]])
    pf, pt, c = transfer_coupling(net, k, k, CHAIN, N)
    R = rate_matrix(k[0], k[0])
    T = expm(R * 2.0)
    np.testing.assert_allclose(c[0], [T[1, 0], T[2, 1], T[2, 0]], rtol=1e-10)
    if eps == 0.0:
        assert c[0, 2] == pytest.approx(0.3 * 0.3 * 0.5 * 4.0 * np.exp(-0.6), rel=1e-14)


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


# ------------------------------------------------------------------ daily routing with the chain
from ecomodel.water import DailyLoads, demo, route  # noqa: E402
from ecomodel.water._chain import box_matrices  # noqa: E402
from ecomodel.water._chain import rate_matrix as chain_rate_matrix  # noqa: E402
from ecomodel.water.transport import _coefficients  # noqa: E402


def test_box_matrices__match_the_ode_with_linear_inflow():
    from scipy.integrate import solve_ivp

    K, h = 30.0, 1.0
    R = chain_rate_matrix(np.array([0.2, 0.1, 0.05]), np.array([0.15, 0.1, 0.05]), [0, 1, 2], {0: 0.9, 1: 1.0})
    lam = R - np.eye(3) / K
    A1, A2, A3 = box_matrices(lam, K, h)
    I0, I1, O0 = np.array([5.0, 1.0, 2.0]), np.array([9.0, 0.0, 4.0]), np.array([0.3, 0.2, 0.1])
    sol = solve_ivp(lambda t, o: (I0 + (I1 - I0) * t / h) / K + lam @ o, (0, h), O0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(A1 @ I1 + A2 @ I0 + A3 @ O0, sol.y[:, -1], rtol=1e-9)


def chain_route_reference(net, c1, c2, q, lat, rates, decay, order, yields, substeps=1):
    """Dense daily reference of the coupled scheme: flows (T, n), chain loads (T, n, C)."""
    n, C = net.n_reaches, len(order)
    A = adjacency(net)
    h = 1.0 / substeps
    blocks = []
    for i in range(n):
        R = chain_rate_matrix(rates[i], decay[i], order, yields)
        if net.lake_of[i] >= 0:
            K = net.travel_time[i]
            blocks.append(box_matrices(R - np.eye(C) / K, K, h))
        else:
            Tm = expm(R * net.travel_time[i])
            blocks.append((c1[i] * Tm, c2[i] * Tm, (1 - c1[i] - c2[i]) * np.eye(C)))
    big = [np.zeros((n * C, n * C)) for _ in range(3)]
    for i, b in enumerate(blocks):
        for k in range(3):
            big[k][i * C:(i + 1) * C, i * C:(i + 1) * C] = b[k]
    G = np.kron(A, np.eye(C))
    M1 = np.eye(n * C) - big[0] @ G
    T = q.shape[0]
    O = np.zeros(n * C)
    out = np.zeros((T, n, C))
    for t in range(T):
        x = lat[t].reshape(-1)
        acc = np.zeros(n * C)
        for _ in range(substeps):
            rhs = big[1] @ (G @ O) + big[2] @ O + (big[0] + big[1]) @ x
            O = np.linalg.solve(M1, rhs)
            acc += h * O
        out[t] = acc.reshape(n, C)
    return out


@settings(max_examples=15, deadline=None)
@given(network_args, st.integers(1, 6), st.integers(1, 2))
def test_route_chain__daily_loads_match_dense_reference_from_empty(args, T, substeps):
    net, rng = random_network(*args)
    n = net.n_reaches
    names = ["TP"] + N
    rates = {"TP": 0.2, "OrgN": 0.3, "NH3-N": 0.25, "NO3-N": 0.1}
    mult = rng.uniform(0.3, 2.0, T)
    f = rng.uniform(0.5, 1.5, (T, 4))
    f[:, 2:] = f[:, 1:2]  # the chain shares one seasonal factor
    dl = DailyLoads(names, rng.uniform(0, 5, (n, 4)), rng.uniform(0, 5, (n, 4)), f, f[::-1].copy())
    ds = route(net, mult, dl, days=T, reaches="all", decay_rate=rates, transfers=CHAIN, initial="zero",
               substeps=substeps)
    q = net.lateral_flow[None, :] * mult[:, None]
    em = dl.diffuse / net.lateral_flow[:, None]
    lat = dl.point[None] * dl.point_factor[:, None, :] + em[None] * q[:, :, None] * dl.diffuse_factor[:, None, :]
    c1, c2 = _coefficients(net, "cstr", 0.2, substeps)
    k = loss_rate(net, rates, substances=names)
    ref = chain_route_reference(net, c1, c2, q, lat[:, :, 1:], k, k, [1, 2, 3], {1: 1.0, 2: 1.0}, substeps)
    np.testing.assert_allclose(ds["load"].values[:, :, 1:], ref, rtol=1e-9, atol=1e-11)
    assert (ds["load"].values >= -1e-12).all()


def test_route_chain__constant_inputs_converge_to_coupled_steady_and_start_there():
    net, rng = random_network(11, 9, 0.3, True)
    local = rng.uniform(0, 5, (net.n_reaches, 3))
    kw = dict(decay_rate={"OrgN": 0.3, "NH3-N": 0.2, "NO3-N": 0.1}, substance=N, transfers=CHAIN, temperature=15.0,
              theta=1.05)
    st = steady(net, local, **kw)["load"].values
    far = route(net, None, local, days=600, reaches="all", initial="zero", **kw)["load"].isel(time=-1).values
    start = route(net, None, local, days=2, reaches="all", **kw)["load"].isel(time=0).values
    np.testing.assert_allclose(far, st, rtol=1e-9)
    np.testing.assert_allclose(start, st, rtol=1e-12)


def test_route_chain__demo_year_averages_near_the_coupled_steady():
    d = demo()
    dl = d.sources.daily(d.network, "2021-01-01", 365)
    ds = route(d.network, None, dl, days=365, reaches="all", decay_rate=d.decay_rates(),
               settling_velocity=d.settling_velocities(), temperature=d.temperature, theta=d.theta(),
               transfers=d.transfers())
    st = d.steady()
    tn = ds["load"].sel(substance=N).sum("substance").mean("time")
    np.testing.assert_allclose(tn.values, st["load"].sel(substance=N).sum("substance").values, rtol=0.05)


def test_route_chain__bad_input():
    net, rng = random_network(3, 5, 0.0, False)
    local = rng.uniform(0, 5, (net.n_reaches, 3))
    with pytest.raises(InputError, match="daily temperatures"):
        route(net, None, local, days=3, decay_rate=0.1, substance=N, transfers=CHAIN, temperature=np.full(3, 15.0),
              reaches="all")
    with pytest.raises(InputError, match="ensembles"):
        route(net, None, local, days=3, decay_rate=0.1, substance=N, transfers=CHAIN, reaches="all",
              load_multiplier=np.ones((2, 3)))
    f = np.ones((3, 3))
    f[:, 1] = 2.0
    with pytest.raises(InputError, match="seasonal factors"):
        route(net, None, DailyLoads(N, local, local, f, f), days=3, decay_rate=0.1, transfers=CHAIN, reaches="all")
