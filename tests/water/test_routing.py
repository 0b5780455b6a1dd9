"""Unsteady routing (ecomodel/water/routing.py) against closed forms, the numpy reference and bad input."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import InputError, NetworkError
from ecomodel.water import DailyLoads, RiverNetwork, route, steady
from ecomodel.water.transport import _coefficients, loss_rate, transmission

from ._reference import chain, route_reference


@pytest.mark.parametrize("method,substeps,block", [("cstr", 1, None), ("cstr", 3, 4), ("cstr", 2, 7)])
def test_route__matches_numpy_reference(rng_net, method, substeps, block):
    net, names = rng_net
    rng = np.random.default_rng(1)
    T, S, n = 15, 2, net.n_reaches
    mult = rng.uniform(0.5, 2.0, T)
    dl = DailyLoads(names, rng.uniform(0, 5, (n, S)), rng.uniform(0, 5, (n, S)), rng.uniform(0.5, 1.5, (T, S)),
                    rng.uniform(0.5, 1.5, (T, S)))
    rates = {"TP": 0.3, "COD": 0.05}
    ds = route(net, mult, dl, days=T, reaches="all", method=method, substeps=substeps, decay_rate=rates,
               block_size=block, muskingum_x=0.1)
    c1, c2 = _coefficients(net, method, 0.1, substeps)
    q = net.lateral_flow[None, :] * mult[:, None]
    em = dl.diffuse / net.lateral_flow[:, None]
    lat = dl.point[None] * dl.point_factor[:, None, :] + em[None] * q[:, :, None] * dl.diffuse_factor[:, None, :]
    rate = loss_rate(net, rates, substances=names)
    share = transmission(net, rate)
    lake_loss = rate[net.is_lake][:1]
    rq, rl = route_reference(net, c1, c2, q, lat, share, lake_loss, substeps)
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-11)
    np.testing.assert_allclose(ds["load"].values, rl, rtol=1e-11)


def test_route__cstr_step_response_is_exact():
    # a single linear reservoir filled from empty: O(t) = q (1 - exp(-t/K))
    net = chain(1, flow=2.0, velocity=0.05, length=8640.0)  # K = 2 days
    ds = route(net, None, None, days=10, reaches=["r0"], initial="zero")
    t = np.arange(1, 11)
    np.testing.assert_allclose(ds["flow"].values[:, 0], 2.0 * (1 - np.exp(-t / 2.0)), rtol=1e-13)
    ds4 = route(net, None, None, days=10, reaches=["r0"], initial="zero", substeps=4)
    ends = 2.0 * (1 - np.exp(-(np.arange(1, 41) / 4) / 2.0))
    np.testing.assert_allclose(ds4["flow"].values[:, 0], ends.reshape(10, 4).mean(axis=1), rtol=1e-13)


def test_route__lake_box_with_loss_matches_ode_solution():
    t = pd.DataFrame({"reach": ["L"], "downstream": [""], "length": [np.nan], "flow": [5.0], "velocity": [np.nan],
                      "lake": ["L"], "section": ["S"]})
    lakes = pd.DataFrame({"lake": ["L"], "area": [4.32], "mean_depth": [1.0]})  # V/Q = 4.32e6/(5*86400) = 10 d
    net = RiverNetwork.from_dataframe(t, lakes=lakes)
    k, load = 0.05, 100.0
    ds = route(net, None, {"L": load}, days=30, decay_rate=k, initial="zero", substance="TP")
    K = 10.0
    lam = 1 / K + k
    days = np.arange(1, 31)
    # dM/dt = L - lam M, O = M/K; flow starts empty as well: O_q = Q (1 - e^{-t/K})
    expected = load / (K * lam) * (1 - np.exp(-lam * days))
    np.testing.assert_allclose(ds["load"].values[:, 0, 0], expected, rtol=1e-12)


def test_route__converges_to_steady(rng_net):
    net, names = rng_net
    loads = np.random.default_rng(2).uniform(0, 3, (net.n_reaches, 2))
    rates = {"TP": 0.2, "COD": 0.02}
    ds = route(net, None, loads, days=800, reaches="all", decay_rate=rates, initial="zero", substance=names)
    st = steady(net, loads, rates, substance=names)
    np.testing.assert_allclose(ds["load"].values[-1], st["load"].values, rtol=1e-9)
    np.testing.assert_allclose(ds["flow"].values[-1], net.flow, rtol=1e-9)
    # started at steady state it stays there from day one
    ds0 = route(net, None, loads, days=3, reaches="all", decay_rate=rates, substance=names)
    np.testing.assert_allclose(ds0["concentration"].values[0], st["concentration"].values, rtol=1e-12)


def test_route__daily_temperature_equals_constant_when_constant():
    net = chain(4)
    a = route(net, None, {"r0": 10.0}, days=5, reaches="all", decay_rate=0.3, temperature=25.0, theta=1.06,
              substance="NH3-N")
    b = route(net, None, {"r0": 10.0}, days=5, reaches="all", decay_rate=0.3, temperature=np.full(5, 25.0),
              theta=1.06, substance="NH3-N")
    np.testing.assert_allclose(a["load"].values, b["load"].values, rtol=1e-12)
    c = route(net, None, {"r0": 10.0}, days=5, reaches="all", decay_rate=0.3, temperature=np.full(5, 30.0),
              theta=1.06, substance="NH3-N", initial="zero")
    assert float(c["load"][-1, -1, 0]) < float(a["load"][-1, -1, 0])


def test_route__dense_float32_flows_and_sections():
    net = chain(3, section=["", "", "S"])
    q = np.tile(np.array([0.5, 0.5, 1.0], np.float32), (6, 1))
    ds = route(net, q, {"r0": 86.4}, days=6, decay_rate=0.0, substance="TP")
    assert ds["concentration"].dims == ("time", "section", "substance")
    np.testing.assert_allclose(ds["flow"].values[:, 0], 2.0, rtol=1e-6)
    np.testing.assert_allclose(ds["concentration"].values[:, 0, 0], 0.5, rtol=1e-6)
    assert str(ds["time"].values[0])[:10] == "2021-01-01"


def test_route__muskingum_matches_numpy_reference():
    net = chain(5, velocity=0.05)  # K = 2 d
    rng = np.random.default_rng(3)
    T = 12
    q = rng.uniform(0.1, 1.0, (T, 5))
    ds = route(net, q, None, days=T, reaches="all", method="muskingum", muskingum_x=0.2, initial="zero")
    c1, c2 = _coefficients(net, "muskingum", 0.2, 1)
    assert (c1 > 0).all() and (1 - c1 - c2 > 0).all()
    rq, _ = route_reference(net, c1, c2, q, np.zeros((T, 5, 0)), np.zeros((5, 0)), np.zeros((0, 0)), 1, "zero")
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-12)


def test_muskingum_and_cstr_share_the_steady_state():
    net = chain(3, velocity=0.02)
    a = route(net, None, {"r0": 5.0}, days=2, reaches="all", method="muskingum", muskingum_x=0.05,
              decay_rate=0.1, substance="TP")
    b = route(net, None, {"r0": 5.0}, days=2, reaches="all", decay_rate=0.1, substance="TP")
    np.testing.assert_allclose(a["load"].values, b["load"].values, rtol=1e-12)


def test_errors__route_inputs():
    net = chain(2, section=["", "S"])
    with pytest.raises(InputError, match="days: 0"):
        route(net, days=0)
    with pytest.raises(InputError, match="substeps: 0"):
        route(net, days=2, substeps=0)
    with pytest.raises(InputError, match="method: unknown routing method 'kinematic'"):
        route(net, days=2, method="kinematic")
    with pytest.raises(InputError, match=r"flows: shape \(2, 5\)"):
        route(net, np.ones((2, 5)), days=2)
    with pytest.raises(InputError, match="flows: -1.0 on day 1 at reach 'r1'"):
        route(net, np.array([[1.0, 1.0], [1.0, -1.0]]), days=2)
    with pytest.raises(InputError, match="flows: nan on day 0"):
        route(net, np.array([[np.nan, 1.0], [1.0, 1.0]]), days=2)
    with pytest.raises(InputError, match="flows: 3 days given for 5 days"):
        route(net, np.ones(3), days=5)
    with pytest.raises(NetworkError, match="section 'T' is not defined"):
        route(net, days=2, sections=["T"])
    with pytest.raises(InputError, match="negative coefficient"):
        route(chain(2, velocity=1.0, section=["", "S"]), days=2, method="muskingum", muskingum_x=0.1)
    with pytest.raises(InputError, match="muskingum_x"):
        route(net, days=2, method="muskingum", muskingum_x=0.7)
    with pytest.raises(InputError, match="concentration is undefined without flow"):
        route(net, np.zeros((2, 2)), {"r0": 1.0}, days=2, initial="zero", substance="TP")
    with pytest.raises(InputError, match="initial"):
        route(net, days=2, initial="warm")
    with pytest.raises(InputError, match="temperature: 2 days given for 4"):
        route(net, None, {"r0": 1.0}, days=4, temperature=[20.0, 21.0], decay_rate=0.1, substance="TP")
    no_sections = chain(2)
    with pytest.raises(NetworkError, match="no monitoring sections"):
        route(no_sections, days=2)


def test_route__ensemble_members_equal_single_runs(rng_net):
    net, names = rng_net
    rng = np.random.default_rng(4)
    loads = rng.uniform(0, 3, (net.n_reaches, 2))
    rates = {"TP": 0.2, "COD": 0.05}
    mult = np.array([[1.0, 1.0], [2.0, 0.5], [0.3, 1.7]])
    loss = np.array([[1.0, 1.0], [1.5, 0.8], [0.5, 2.0]])
    flows = 0.5 + np.random.default_rng(9).random(6)
    ens = route(net, flows, loads, days=6, reaches="all", decay_rate=rates, substance=names, load_multiplier=mult,
                loss_multiplier=loss, block_size=5)
    for m in range(3):
        single = route(net, flows, loads * mult[m], days=6, reaches="all", substance=names,
                       decay_rate={s: rates[s] * loss[m, k] for k, s in enumerate(names)})
        np.testing.assert_allclose(ens["load"].isel(member=m).values, single["load"].values, rtol=1e-12)
        np.testing.assert_allclose(ens["flow"].isel(member=m).values, single["flow"].values, rtol=1e-14)
    with pytest.raises(InputError, match=r"load_multiplier: shape \(3, 3\); expected \(members, 2\)"):
        route(net, flows, loads, days=2, reaches="all", substance=names, load_multiplier=np.ones((3, 3)))
    with pytest.raises(InputError, match="not available for ensembles"):
        route(net, flows, loads, days=2, reaches="all", substance=names, load_multiplier=mult, return_state=True)


def test_route__options_objects_equal_keywords_and_keywords_override():
    from ecomodel.water import Kinetics, RouteOptions

    net = chain(3, velocity=0.05, section=["", "", "S"])
    a = route(net, None, {"r0": 10.0}, days=4, reaches="all", decay_rate=0.3, temperature=25.0, theta=1.06,
              method="muskingum", muskingum_x=0.1, substeps=2, substance="TP")
    kin = Kinetics(decay_rate=0.3, temperature=25.0, theta=1.06)
    opt = RouteOptions(method="muskingum", muskingum_x=0.1, substeps=2)
    b = route(net, None, {"r0": 10.0}, days=4, reaches="all", kinetics=kin, options=opt, substance="TP")
    np.testing.assert_array_equal(a["load"].values, b["load"].values)
    c = route(net, None, {"r0": 10.0}, days=4, reaches="all", kinetics=kin, options=opt, substance="TP",
              decay_rate=0.0)
    assert float(c["load"].isel(time=-1).sum()) > float(b["load"].isel(time=-1).sum())
    with pytest.raises(InputError, match="decay_rat"):
        route(net, None, {"r0": 10.0}, days=4, decay_rat=0.3)
