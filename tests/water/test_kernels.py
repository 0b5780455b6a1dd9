"""The vectorised routing kernel: its building blocks against numpy, and routing with several vector
chunks, time chunks, blocks, flow only and daily temperatures against the plain-numpy reference."""

import numpy as np
import pytest

from ecomodel.water import route
from ecomodel.water import routing
from ecomodel.water.transport import _coefficients, loss_rate, transmission

from ._reference import daily_inputs, random_network, route_reference, route_reference_daily


@pytest.fixture(scope="module")
def kernels():
    from ecomodel._numba import jit
    from ecomodel.water import _kernels as k

    @jit
    def step(sa, co, fpd, i, kk, t, off, V, q, d, w):
        m = k._vstep(sa, co, fpd, i, kk, t, off, V, q)
        k._vadd(sa, d, off, m, w)
        return m

    @jit
    def exp_neg(x, out):
        for j in range(x.shape[0]):
            out[j] = k._exp_neg(x[j])

    return k, step, exp_neg


def test_exp_neg__matches_numpy_to_a_few_ulp(kernels):
    _, _, exp_neg = kernels
    x = np.concatenate([np.linspace(0.0, 50.0, 20001), np.linspace(50.0, 708.0, 3001), [0.0, 1e-300, 1e-17, 707.9]])
    out = np.empty_like(x)
    exp_neg(x, out)
    np.testing.assert_allclose(out, np.exp(-x), rtol=4e-16, atol=0)
    big = np.array([708.5, 745.0, 1e6, np.inf])
    out = np.empty_like(big)
    exp_neg(big, out)
    assert (out == 0.0).all() and (np.exp(-big) < 3.3e-308).all()


def test_lane_count__flow_scalar_else_padded_to_vectors(kernels):
    k = kernels[0]
    assert [k.lane_count(s) for s in range(9)] == [1, 4, 4, 4, 8, 8, 8, 8, 12]


def test_vector_step_and_add__match_numpy(kernels):
    _, step, _ = kernels
    rng = np.random.default_rng(3)
    V = 8
    sa, co, fpd = rng.random((6, 2 * V)), rng.random((3, 5 * V)), rng.random((4, 2 * V))
    before = sa.copy()
    m = step(sa, co, fpd, 2, 1, 3, 4, V, 1.7, 5, 0.3)     # lanes 4..7 of reach row 2, into row 5
    lanes = slice(4, 8)
    u, p = before[2, lanes], before[2, V + 4:V + 8]
    A, B, C, P, E = (co[1, j * V + 4:j * V + 8] for j in range(5))
    expect = A * u + p + P * fpd[3, lanes] + E * fpd[3, V + 4:V + 8] * 1.7
    np.testing.assert_allclose(m, expect, rtol=1e-15)
    np.testing.assert_allclose(sa[2, V + 4:V + 8], B * u + C * expect, rtol=1e-15)
    assert (sa[2, lanes] == 0).all()
    np.testing.assert_allclose(sa[5, lanes], before[5, lanes] + 0.3 * expect, rtol=1e-15)
    untouched = np.ones_like(sa, bool)
    untouched[2, lanes] = untouched[2, V + 4:V + 8] = untouched[5, lanes] = False
    assert (sa[untouched] == before[untouched]).all()


@pytest.fixture(scope="module")
def braided():
    """24 reaches draining to later ones, a third of them split, one lake, consistent flows."""
    return random_network(21, 24, 0.33, True)[0]


def _inputs(net, names, T, seed):
    return daily_inputs(net, names, T, np.random.default_rng(seed))


@pytest.mark.parametrize("chunk,block,substeps", [(64, None, 1), (3, 5, 1), (2, 7, 2), (1, 1, 1)])
def test_route__five_substances_in_two_vector_chunks_match_reference(braided, monkeypatch, chunk, block, substeps):
    # 5 substances: flow + 5 lanes padded to 8 (two vectors, two padding lanes); time chunks shorter than the run
    monkeypatch.setattr(routing, "TIME_CHUNK", chunk)
    net = braided
    names = ["TP", "TN", "NH3-N", "COD", "DO-def"]
    rates = dict(zip(names, [0.3, 0.1, 0.2, 0.05, 0.5]))
    T = 9
    mult, dl, q, lat = _inputs(net, names, T, 1)
    ds = route(net, mult, dl, days=T, reaches="all", decay_rate=rates, block_size=block, substeps=substeps)
    c1, c2 = _coefficients(net, "cstr", 0.2, substeps)
    rate = loss_rate(net, rates, substances=names)
    rq, rl = route_reference(net, c1, c2, q, lat, transmission(net, rate), rate[net.is_lake][:1], substeps)
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-11)
    np.testing.assert_allclose(ds["load"].values, rl, rtol=1e-11)


@pytest.mark.parametrize("chunk,block", [(4, 3), (64, None)])
def test_route__flow_only_with_splits_lake_blocks_and_chunks_matches_reference(braided, monkeypatch, chunk, block):
    monkeypatch.setattr(routing, "TIME_CHUNK", chunk)
    net = braided
    T = 10
    q = np.random.default_rng(5).uniform(0.1, 2.0, (T, net.n_reaches))
    ds = route(net, q, None, days=T, reaches="all", initial="zero", block_size=block)
    c1, c2 = _coefficients(net, "cstr", 0.2, 1)
    rq, _ = route_reference(net, c1, c2, q, np.zeros((T, net.n_reaches, 0)), np.zeros((net.n_reaches, 0)),
                            np.zeros((1, 0)), 1, "zero")
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-12)


@pytest.mark.parametrize("chunk,block", [(3, 4), (64, None)])
def test_route__daily_temperature_matches_reference(braided, monkeypatch, chunk, block):
    # shares exp(-k20 theta^(T-20) tau) and lake losses change every day
    monkeypatch.setattr(routing, "TIME_CHUNK", chunk)
    net = braided
    names = ["TP", "NH3-N"]
    rates = {"TP": 0.2, "NH3-N": 0.35}
    theta = {"TP": 1.02, "NH3-N": 1.08}
    T = 8
    temp = np.array([4.0, 9.0, 15.0, 21.0, 27.0, 31.0, 18.0, 11.0])
    mult, dl, q, lat = _inputs(net, names, T, 2)
    ds = route(net, mult, dl, days=T, reaches="all", decay_rate=rates, temperature=temp, theta=theta,
               initial="zero", block_size=block)
    c1, c2 = _coefficients(net, "cstr", 0.2, 1)
    k20 = loss_rate(net, rates, substances=names)
    factor = np.array([[theta[s] ** (x - 20.0) for s in names] for x in temp])       # (T, S)
    share_t = np.exp(-k20[None] * factor[:, None, :] * net.travel_time[None, :, None])
    lake_loss_t = k20[net.is_lake][:1][None] * factor[:, None, :]
    rq, rl = route_reference_daily(net, c1, c2, q, lat, share_t, lake_loss_t)
    np.testing.assert_allclose(ds["flow"].values, rq, rtol=1e-12)
    np.testing.assert_allclose(ds["load"].values, rl, rtol=1e-11)


def test_route__ensemble_with_two_vector_chunks_and_time_chunks_equals_single_runs(braided, monkeypatch):
    monkeypatch.setattr(routing, "TIME_CHUNK", 2)
    net = braided
    names = ["TP", "TN", "NH3-N", "COD"]
    rates = dict(zip(names, [0.3, 0.1, 0.2, 0.05]))
    T = 5
    mult, dl, _, _ = _inputs(net, names, T, 3)
    load_m = np.array([[1.0, 1.0, 1.0, 1.0], [0.5, 2.0, 1.5, 0.7]])
    loss_m = np.array([[1.0, 1.0, 1.0, 1.0], [1.3, 0.6, 1.0, 2.0]])
    ens = route(net, mult, dl, days=T, reaches="all", decay_rate=rates, load_multiplier=load_m,
                loss_multiplier=loss_m, block_size=6)
    for m in range(2):
        one = route(net, mult, dl.scaled(dict(zip(names, load_m[m]))), days=T, reaches="all",
                    decay_rate={s: rates[s] * loss_m[m, j] for j, s in enumerate(names)})
        np.testing.assert_allclose(ens["load"].isel(member=m).values, one["load"].values, rtol=1e-12)
        np.testing.assert_allclose(ens["flow"].isel(member=m).values, one["flow"].values, rtol=1e-14)


@pytest.mark.parametrize("names,substeps", [([], 1), (["TP", "TN", "NH3-N", "COD", "DO-def"], 2)])
def test_route__every_reach_written_in_place_equals_the_sampled_outputs_bit_for_bit(braided, monkeypatch, names,
                                                                                    substeps):
    # reaches="all" takes the in-place output path (no output rows in the special-link table); leaving one
    # reach out takes the table path: both must give the same numbers exactly
    monkeypatch.setattr(routing, "TIME_CHUNK", 3)
    net = braided
    T = 7
    rates = dict(zip(names, [0.3, 0.1, 0.2, 0.05, 0.5]))
    if names:
        mult, dl, _, _ = _inputs(net, names, T, 4)
        kw = dict(decay_rate=rates)
    else:
        mult, dl, kw = np.random.default_rng(6).uniform(0.1, 2.0, (T, net.n_reaches)), None, {}
    every = route(net, mult, dl, days=T, reaches="all", substeps=substeps, block_size=5, **kw)
    some = list(net.reaches[1:])
    part = route(net, mult, dl, days=T, reaches=some, substeps=substeps, block_size=5, **kw)
    sel = every.sel(reach=some)
    for var in ("flow", "load") if names else ("flow",):
        assert np.array_equal(sel[var].values, part[var].values), var
