"""The unrolled steady kernels (one per number of substances and transfer pairs) against the generic
loops they replace: bit for bit, with splits, a lake, an inflow output and a leading member axis."""

import numpy as np
import pytest

from ._reference import random_network


@pytest.mark.parametrize("S, pairs", [(1, ()), (3, ()), (6, ((1, 2), (2, 3), (1, 3))), (4, ((0, 1),))])
@pytest.mark.parametrize("keep", [False, True])
def test_steady_kernel__unrolled_equals_generic_loop_bit_for_bit(S, pairs, keep):
    from ecomodel.water import _kernels as k

    net, rng = random_network(3, 900, 0.25, True)
    n = net.n_reaches
    local = rng.uniform(0.0, 5.0, (n, S))
    trans = rng.uniform(0.3, 1.0, (n, S))
    pf = np.array([p[0] for p in pairs], np.int64)
    pt = np.array([p[1] for p in pairs], np.int64)
    coup = rng.uniform(0.0, 0.3, (n, len(pairs)))
    A = (net.down, net.sp_ptr, net.sp_idx, net.sp_w)
    res = []
    for fn in ((k._steady_coupled, k._steady_coupled_loop) if pairs else (k._steady_solve, k._steady_solve_loop)):
        out = np.zeros((n, S))
        inflow = np.empty((n if keep else 0, S))
        if pairs:
            fn(*A, local, trans, pf, pt, coup, out, inflow)
        else:
            fn(*A, local, trans, out, inflow)
        res.append((out, inflow))
    assert np.array_equal(res[0][0], res[1][0])
    assert np.array_equal(res[0][1], res[1][1])
    assert np.all(res[0][0] > 0) and (net.sp_ptr.shape[0] > 1)  # splits were taken
    # members: every member equals its single run
    M = 3
    lm = rng.uniform(0.0, 5.0, (M, n, S))
    tm = rng.uniform(0.3, 1.0, (M, n, S))
    cm = rng.uniform(0.0, 0.3, (M, n, len(pairs)))
    out = np.zeros((M, n, S))
    inflow = np.empty((M, n, S))
    if pairs:
        k._steady_members_coupled(*A, lm, tm, pf, pt, cm, out, inflow)
    else:
        k._steady_members(*A, lm, tm, out, inflow)
    for m in range(M):
        o1 = np.zeros((n, S))
        i1 = np.empty((n, S))
        if pairs:
            k._steady_coupled_loop(*A, lm[m], tm[m], pf, pt, cm[m], o1, i1)
        else:
            k._steady_solve_loop(*A, lm[m], tm[m], o1, i1)
        assert np.array_equal(out[m], o1) and np.array_equal(inflow[m], i1)


def test_steady_kernel__many_substances_take_the_generic_loop():
    from ecomodel.water import _kernels as k

    net, rng = random_network(4, 200, 0.2, False)
    S = k.STEADY_UNROLL + 1
    local = rng.uniform(0.0, 5.0, (net.n_reaches, S))
    trans = rng.uniform(0.3, 1.0, (net.n_reaches, S))
    out = np.zeros_like(local)
    k._steady_solve(net.down, net.sp_ptr, net.sp_idx, net.sp_w, local, trans, out, np.empty((0, S)))
    ref = np.zeros_like(local)
    k._steady_solve_loop(net.down, net.sp_ptr, net.sp_idx, net.sp_w, local, trans, ref, np.empty((0, S)))
    assert np.array_equal(out, ref) and out.sum() > 0
    assert (S, (), ()) not in k._STEADY_CACHE
