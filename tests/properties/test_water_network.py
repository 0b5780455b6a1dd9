"""Hypothesis properties of the water solvers on random river networks (DAGs with splits and lakes)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ecomodel.water import route, steady
from ecomodel.water.transport import _coefficients, loss_rate, transmission
from tests.water._reference import (adjacency, box_coefficients, daily_inputs, random_network, route_reference,
                                    steady_reference)

SUBSTANCES = ["TP", "COD"]
RATES = {"TP": 0.25, "COD": 0.04}


network_args = st.tuples(st.integers(0, 2 ** 31 - 1), st.integers(2, 9), st.sampled_from([0.0, 0.3]),
                         st.booleans())


def loads_for(net, rng):
    return rng.uniform(0.0, 5.0, (net.n_reaches, len(SUBSTANCES)))


@given(network_args)
def test_steady__mass_balance_and_nonnegativity(args):
    net, rng = random_network(*args)
    local = loads_for(net, rng)
    ds = steady(net, local, RATES, substance=SUBSTANCES, diagnostics=True)
    out = ds["load"].values
    assert (out >= 0).all() and (ds["concentration"].values >= 0).all()
    outlet = net.down == -1
    np.testing.assert_allclose(local.sum(0), out[outlet].sum(0) + ds["loss"].values.sum(0), rtol=1e-12)


@given(network_args, st.floats(0.01, 100.0))
def test_steady__linear_in_loads(args, factor):
    net, rng = random_network(*args)
    local = loads_for(net, rng)
    a = steady(net, local, RATES, substance=SUBSTANCES)["concentration"].values
    b = steady(net, factor * local, RATES, substance=SUBSTANCES)["concentration"].values
    np.testing.assert_allclose(b, factor * a, rtol=1e-12, atol=1e-300)


@given(network_args)
def test_steady__equals_numpy_reference(args):
    net, rng = random_network(*args)
    local = loads_for(net, rng)
    ds = steady(net, local, RATES, substance=SUBSTANCES)
    share = transmission(net, loss_rate(net, RATES, substances=SUBSTANCES))
    np.testing.assert_allclose(ds["load"].values, steady_reference(net, local, share), rtol=1e-10, atol=1e-12)


@given(network_args, st.integers(0, 2 ** 31 - 1))
def test_relabelling_reaches_changes_nothing(args, perm_seed):
    seed, n, split_p, lake = args
    net_a, rng = random_network(seed, n, split_p, lake)
    local = {r: v for r, v in zip(net_a.reaches, loads_for(net_a, rng))}
    perm = np.random.default_rng(perm_seed).permutation(n)
    names = [f"x{p}" for p in perm]
    net_b, _ = random_network(seed, n, split_p, lake, relabel=names)
    rename = {f"r{i}": names[i] for i in range(n)}
    loads_b = {rename[r]: v for r, v in local.items()}
    a = steady(net_a, local, RATES, substance=SUBSTANCES)["concentration"]
    b = steady(net_b, loads_b, RATES, substance=SUBSTANCES)["concentration"]
    b_in_a_order = b.sel(reach=[rename[r] for r in net_a.reaches]).values
    np.testing.assert_allclose(a.values, b_in_a_order, rtol=1e-12, atol=1e-300)
    ra = route(net_a, None, local, days=4, reaches="all", decay_rate=RATES, substance=SUBSTANCES)
    rb = route(net_b, None, loads_b, days=4, reaches=[rename[r] for r in net_a.reaches], decay_rate=RATES,
               substance=SUBSTANCES)
    np.testing.assert_allclose(ra["load"].values, rb["load"].values, rtol=1e-12, atol=1e-300)


@given(network_args, st.integers(1, 8), st.integers(1, 2), st.sampled_from([None, 1, 2, 3]))
def test_route__equals_numpy_reference_and_is_nonnegative(args, T, substeps, block):
    net, rng = random_network(*args)
    mult, dl, q, lat = daily_inputs(net, SUBSTANCES, T, rng)
    ds = route(net, mult, dl, days=T, reaches="all", decay_rate=RATES, substeps=substeps, block_size=block)
    c1, c2 = _coefficients(net, "cstr", 0.2, substeps)
    rate = loss_rate(net, RATES, substances=SUBSTANCES)
    lake_loss = rate[net.is_lake][:1] if net.is_lake.any() else np.zeros((1, 2))
    rq, rl = route_reference(net, c1, c2, q, lat, transmission(net, rate), lake_loss, substeps)
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-10)
    np.testing.assert_allclose(ds["load"].values, rl, rtol=1e-10, atol=1e-12)
    assert (ds["flow"].values > 0).all() and (ds["load"].values >= 0).all()


@given(network_args, st.floats(0.1, 10.0))
def test_route__linear_in_loads(args, factor):
    net, rng = random_network(*args)
    mult, dl, _, _ = daily_inputs(net, SUBSTANCES, 5, rng)
    a = route(net, mult, dl, days=5, reaches="all", decay_rate=RATES)["load"].values
    b = route(net, mult, dl.scaled({s: factor for s in SUBSTANCES}), days=5, reaches="all",
              decay_rate=RATES)["load"].values
    np.testing.assert_allclose(b, factor * a, rtol=1e-11, atol=1e-300)


@given(network_args)
def test_route__constant_inputs_converge_to_steady(args):
    net, rng = random_network(*args)
    local = loads_for(net, rng)
    longest = float(net.travel_time.max())
    days = int(60 * max(1.0, longest)) + 60
    ds = route(net, None, local, days=days, reaches="all", decay_rate=RATES, initial="zero", substance=SUBSTANCES)
    st_ = steady(net, local, RATES, substance=SUBSTANCES)
    np.testing.assert_allclose(ds["load"].values[-1], st_["load"].values, rtol=1e-8)
    np.testing.assert_allclose(ds["flow"].values[-1], net.flow, rtol=1e-8)


@given(network_args, st.integers(1, 10), st.sampled_from(["zero", "steady"]))
def test_route__mass_balance_in_equals_out_plus_loss_plus_storage(args, T, initial):
    net, rng = random_network(*args)
    mult, dl, q, lat = daily_inputs(net, SUBSTANCES, T, rng)
    _, start = route(net, mult, dl, days=1, reaches="all", decay_rate=RATES, initial=initial, return_state=True)
    ds, end = route(net, mult, dl, days=T, reaches="all", decay_rate=RATES, initial=start, return_state=True)
    O = ds["flow"].values                       # (T, n) outflow per step (substeps = 1)
    M = ds["load"].values                       # (T, n, S)
    A = adjacency(net)
    Um = np.einsum("tj,ij->ti", M.reshape(T, -1), np.kron(A, np.eye(2))).reshape(T, -1, 2)
    outlet = net.down == -1
    # water: lateral in = outlet out + storage change (no loss)
    water_in = q.sum() * 86400.0
    water_out = O[:, outlet].sum() * 86400.0
    dW = (end.flow_storage - start.flow_storage).sum()
    np.testing.assert_allclose(water_in, water_out + dW, rtol=1e-10)
    # substances: in = out + loss + storage change, loss = (1 - g) (upstream + lateral)
    rate = loss_rate(net, RATES, substances=SUBSTANCES)
    g = transmission(net, rate)
    for i in np.nonzero(net.is_lake)[0]:
        for s in range(2):
            a1, a2, a3 = box_coefficients(net.travel_time[i], rate[i, s], 1.0)
            g[i, s] = (a1 + a2) / (1 - a3)
    loss = ((1 - g) * (Um.sum(0) + lat.sum(0))).sum(0)
    mass_in = lat.sum((0, 1))
    mass_out = M[:, outlet, :].sum((0, 1))
    dM = (end.load_storage - start.load_storage).sum(0)
    np.testing.assert_allclose(mass_in, mass_out + loss + dM, rtol=1e-9)


@given(st.integers(0, 2 ** 31 - 1), st.integers(1, 12))
def test_geojson_topology_from_geometry_matches_the_table(seed, n):
    """A random tree drawn as lines (each reach ends where its downstream starts): the network read
    from the geometry alone, in any feature order, has the links of the table it was drawn from."""
    import pandas as pd

    from ecomodel.water import RiverNetwork
    from ecomodel.water.import_ import network_from_geojson

    rng = np.random.default_rng(seed)
    down = [int(rng.integers(i + 1, n)) if i < n - 1 else -1 for i in range(n)]
    start = {i: [120.0 + 0.01 * i, 31.0 + 0.003 * ((7 * i) % 11)] for i in range(n)}
    features = []
    for i in range(n):
        end = start[down[i]] if down[i] >= 0 else [121.0, 32.0]
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [start[i], end]},
                         "properties": {"reach": f"r{i}", "flow": float(i + 1), "velocity": 0.2}})
    order = rng.permutation(n)
    net = network_from_geojson({"type": "FeatureCollection", "features": [features[k] for k in order]})
    table = pd.DataFrame({"reach": [f"r{i}" for i in range(n)],
                          "downstream": [f"r{d}" if d >= 0 else "" for d in down],
                          "length": 1000.0, "flow": [float(i + 1) for i in range(n)], "velocity": 0.2})
    ref = RiverNetwork.from_dataframe(table)
    edges = {(net.reaches[s], net.reaches[d]) for s, d in zip(net.edge_src, net.edge_dst)}
    assert edges == {(ref.reaches[s], ref.reaches[d]) for s, d in zip(ref.edge_src, ref.edge_dst)}
    assert (net.length > 0).all()
