"""Water benchmarks: steady solve, daily routing (flow and flow + 3 substances) side by side with
the PyPI routing package ``river-route`` 2.1.1, and ensemble thread scaling.

    python -m benchmarks water          # full size (10^6 reaches x 365 days; needs ~8 GB)
    python -m benchmarks water --tiny   # seconds

Peer: ``river_route.routers._numba_kernels.rapid_route`` (RapidMuskingum, float32, forward
substitution over a CSC matrix). Install it with ``bash ../shared/peers/install-river-route.sh``;
without it the peer cases are skipped with a message (the peer's time is never invented).

Both sides route the same synthetic network (a random tree whose rows are already sorted
upstream-first, downstream within 64 rows, Muskingum K of 0.8–1.6 days, x 0.1–0.3) with the same
daily lateral inflows (float32, (days, reaches)), Muskingum at a one-day step. Precision: ours
computes in float64 from float32 inputs; the peer computes in float32 with fast-math. Results are
compared at every 997th reach and the relative difference is reported (``max_rel_diff``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

from benchmarks._harness import best_time, result

PEER = "river-route 2.1.1 rapid_route"

#: figures of the speed cases of issue 15 before its optimisation (main at 0905196, this benchmark on the
#: shared 2-core benchmark machine, best of 3-9 runs; ratios are to the peer measured in the same run)
BEFORE = {
    "water.steady.end_to_end": {"seconds": 0.0058, "note": "5.1-5.8 ms; 7.0-7.9 ms in the issue"},
    "water.steady.scaling": {"kernel_ns_per_reach": {"1e6": 1.52, "2e6": 1.82, "4e6": 2.50},
                             "end_to_end_ns_per_reach": {"1e6": 5.09, "2e6": 7.59, "4e6": 6.78}},
    "water.steady.kernel.all_substances": {"seconds": 0.0223},
    "water.route.flow.kernel": {"ratio": 1.94, "seconds": 0.880},
    "water.route.flow.kernel.every_reach": {"ratio": 0.56, "seconds": 2.99},
    "water.route.flow+TP+N3+CODMn.kernel": {"ratio_to_peer_flow_only": 3.39, "seconds": 5.79},
    "water.route.members.scaling": {"cost_vs_1_member": {"1": 1.0, "2": 1.06, "4": 1.11, "8": 1.29, "16": 1.41}},
}


def _peer():
    try:
        from river_route.routers import _numba_kernels as k  # noqa: F401
    except Exception as exc:  # not installed (CI), or broken on this Python
        print(f"# water: peer river-route not available ({type(exc).__name__}: {exc}); install it with "
              "'bash ../shared/peers/install-river-route.sh' — peer cases skipped", file=sys.stderr)
        return None
    return k


def synthetic(n, seed=1, window=64):
    """Random tree sorted upstream-first; returns (down (n,) int64 with -1 outlet, K [d], x)."""
    rng = np.random.default_rng(seed)
    j = np.arange(1, n)
    lo = np.maximum(0, j - window)
    parent = lo + (rng.random(n - 1) * (j - lo)).astype(np.int64)
    down = np.full(n, -1, np.int64)
    down[n - 1 - j] = n - 1 - parent
    K = rng.uniform(0.8, 1.6, n)
    x = rng.uniform(0.1, 0.3, n)
    return down, K, x


def network(down, K, lateral_mean):
    import pandas as pd

    from ecomodel.water import RiverNetwork

    n = len(down)
    flow = lateral_mean.astype(float).copy()
    for i in range(n):  # accumulate (rows are sorted upstream-first)
        if down[i] >= 0:
            flow[down[i]] += flow[i]
    t = pd.DataFrame({"reach": np.arange(n), "downstream": np.where(down >= 0, down, np.nan).astype(float),
                      "length": K * 86400.0 * 0.5, "velocity": 0.5, "flow": flow})
    return RiverNetwork.from_dataframe(t)


def _our_kernel_args(net, ql, x, S, out_pos, block_size=None, time_chunk=None, chain=0):
    """Arguments of our routing kernel for Muskingum at a 1-day step (what route() assembles); with
    ``chain`` > 0 the last ``chain`` substances form a transfer chain (organic N -> NH3-N -> NO3-N)."""
    from ecomodel.water._kernels import route_kernel
    from ecomodel.water.transport import TIME_CHUNK, _choose_plan, _coefficients

    n = net.n_reaches
    c1, c2 = _coefficients(net, "muskingum", x, 1)
    plan = _choose_plan(net, out_pos, S + 1, ql.shape[0], 1, block_size, 2 ** 31)
    chunk = TIME_CHUNK if time_chunk is None else time_chunk
    rng = np.random.default_rng(5)
    T = ql.shape[0]
    tr = np.ascontiguousarray(rng.uniform(0.6, 1.0, (n, S)))
    pt = np.ascontiguousarray(rng.uniform(0.0, 2.0, (n, S)))
    em = np.ascontiguousarray(rng.uniform(0.0, 2.0, (n, S)))
    E = np.zeros(0, np.int64)
    C = int(chain)
    lanes = np.arange(1 + S - C, 1 + S, dtype=np.int64)
    ct = np.zeros((n, C, C))
    for a in range(C):  # lower-triangular coupled shares: diagonal like tr, transfers below it
        ct[:, a, a] = rng.uniform(0.6, 1.0, n)
        if a > 0:
            ct[:, a, a - 1] = rng.uniform(0.0, 0.2, n)
        if a > 1:
            ct[:, a, a - 2] = rng.uniform(0.0, 0.05, n)
    if C:
        tr[:, S - C:] = 1.0
    lake_terms = (np.zeros((0, C, C)), np.zeros((0, C, C)), np.zeros((0, C, C)), np.zeros((0, C)), np.zeros((0, C)))

    def fresh():
        return (c1, c2, plan.de, net.lake_of, plan.sp_ptr, plan.sp_tgt, plan.sp_w, plan.sp_out, np.ones(0),
                np.zeros((0, S)), tr, np.zeros((n, S)), np.zeros((0, S)), ql, E, np.ones(n), pt, em,
                np.ones((T, S)), np.ones((T, S)), np.zeros((n, S + 1)), plan.bstart, plan.rptr, plan.ridx,
                plan.rslot, plan.fptr, plan.fslot, plan.n_slots, chunk, np.zeros((T, len(out_pos))),
                np.zeros((T, len(out_pos), S)), 1, lanes, ct) + lake_terms

    return route_kernel(S, C)[0], fresh, plan


def _peer_arrays(down, K, x):
    import scipy.sparse as sp

    n = len(down)
    src = np.nonzero(down >= 0)[0]
    A = sp.csc_matrix((np.ones(len(src), np.float32), (down[src], src)), shape=(n, n))
    f = np.float32
    r = (1.0 / K).astype(f)  # dt / K with dt = 1 day
    xf = x.astype(f)
    den = r + 2 * (1 - xf)
    c1, c2, c3 = (r - 2 * xf) / den, (r + 2 * xf) / den, (2 * (1 - xf) - r) / den
    lhs = np.ascontiguousarray(-c1[A.indices])
    return A, c1, c2, c3, lhs


def _timed(fn, repeat):
    return best_time(fn, repeat=repeat, warmup=1)


def run(tiny: bool = False):
    n = 2_000 if tiny else 1_000_000
    T = 30 if tiny else 365
    repeat = 1 if tiny else 3
    rng = np.random.default_rng(11)
    down, K, x = synthetic(n)
    ql = rng.random((T, n), dtype=np.float32)
    net = network(down, K, np.full(n, 0.5))
    out_pos = np.arange(0, n, 997, dtype=np.int64)
    size = f"{n} reaches x {T} days"

    # ---------------------------------------------------------------- steady
    from ecomodel.water import steady
    from ecomodel.water._kernels import _steady_solve, _steady_solve1

    loads = rng.random((n, 1))
    trans = np.exp(-0.1 * net.travel_time)[:, None].copy()
    load_vec, trans_vec, out_vec = loads[:, 0].copy(), trans[:, 0].copy(), np.zeros(n)

    def steady_kernel():
        out_vec.fill(0.0)
        _steady_solve1(net.down, net.sp_ptr, net.sp_idx, net.sp_w, load_vec, trans_vec, out_vec)

    def steady_kernel3():
        out3.fill(0.0)
        _steady_solve(net.down, net.sp_ptr, net.sp_idx, net.sp_w, loads3, trans3, out3, empty3)

    t = _timed(steady_kernel, 7 if not tiny else 1)
    yield result("water.steady.kernel", f"{n} reaches", t, n, "reaches/s", note="one substance (the path steady() "
                 "takes), float64, zeroing of the output included")
    loads3, trans3 = np.repeat(loads, 3, axis=1), np.repeat(trans, 3, axis=1)
    out3, empty3 = np.zeros((n, 3)), np.empty((0, 3))
    t = _timed(steady_kernel3, 5 if not tiny else 1)
    yield result("water.steady.kernel.3substances", f"{n} reaches x 3 substances", t, n, "reaches/s")
    t = _timed(lambda: steady(net, load_vec, 0.1), 5 if not tiny else 1)
    yield result("water.steady.end_to_end", f"{n} reaches", t, n, "reaches/s", goal_seconds=0.005,
                 before=BEFORE["water.steady.end_to_end"],
                 note="steady(network, loads, decay_rate) -> xarray.Dataset (exp of the decay included)")
    yield from _steady_scaling(tiny)

    # all substances: TP, OrgN, NH3-N, NO3-N (coupled chain), CODcr, CODMn
    from ecomodel.water._kernels import _steady_coupled
    from ecomodel.water.steadystate import _coupling_arrays, _transfer_table

    names6 = ["TP", "OrgN", "NH3-N", "NO3-N", "COD", "CODMn"]
    rates6 = {"TP": 0.05, "OrgN": 0.1, "NH3-N": 0.15, "NO3-N": 0.05, "COD": 0.02, "CODMn": 0.02}
    chain6 = {"OrgN": "NH3-N", "NH3-N": "NO3-N"}
    loads6 = np.ascontiguousarray(rng.random((n, 6)))
    k6 = np.array([rates6[s_] for s_ in names6])[None, :] * np.ones((n, 1))
    trans6 = np.ascontiguousarray(np.exp(-k6 * net.travel_time[:, None]))
    pf6, pt6, coup6 = _coupling_arrays(net.travel_time, net.lake_of >= 0, k6, k6, _transfer_table(chain6, names6))
    out6, empty6 = np.zeros((n, 6)), np.empty((0, 6))

    def steady_kernel6():
        out6.fill(0.0)
        _steady_coupled(net.down, net.sp_ptr, net.sp_idx, net.sp_w, loads6, trans6, pf6, pt6, coup6, out6, empty6)

    from ecomodel.water._kernels import _steady_coupled_loop

    def steady_loop6():  # the generic loop (runtime substance count) the unrolled kernel replaced
        out6.fill(0.0)
        _steady_coupled_loop(net.down, net.sp_ptr, net.sp_idx, net.sp_w, loads6, trans6, pf6, pt6, coup6, out6,
                             empty6)

    t_loop = _timed(steady_loop6, 7 if not tiny else 1)
    ref6 = out6.copy()
    t = _timed(steady_kernel6, 7 if not tiny else 1)
    yield result("water.steady.kernel.all_substances", f"{n} reaches x 6 substances (N chain coupled)", t, n,
                 "reaches/s", goal_seconds=0.020, before=BEFORE["water.steady.kernel.all_substances"],
                 generic_loop_seconds=t_loop, speedup_vs_generic_loop=t_loop / t,
                 bit_identical_to_generic_loop=bool(np.array_equal(out6, ref6)),
                 note="TP, OrgN, NH3-N, NO3-N, CODcr, CODMn; the solve with the chain couplings precomputed "
                      "(goal <= 20 ms); generic_loop_seconds: the runtime-S loop it replaced, same run")
    t = _timed(lambda: steady(net, loads6, rates6, substance=names6, transfers=chain6), 3 if not tiny else 1)
    yield result("water.steady.end_to_end.all_substances", f"{n} reaches x 6 substances", t, n, "reaches/s",
                 note="steady(..., transfers=N chain) -> xarray.Dataset: rates, shares, Bateman couplings and solve")

    # ---------------------------------------------------------------- routing: kernels
    peer = _peer()
    flow_kernel, flow_args, plan0 = _our_kernel_args(net, ql, x, 0, out_pos)
    state = {}

    def ours_flow():
        a = flow_args()
        flow_kernel(*a)
        state["flow"] = a[29]

    t_ours = _timed(ours_flow, repeat)
    ours_q = state["flow"]
    peer_t, rel = None, None
    if peer is not None:
        A, c1, c2, c3, lhs = _peer_arrays(down, K, x)
        peer_out = np.zeros((T, n), np.float32)

        def peer_flow():
            peer.rapid_route(A.indptr, A.indices, lhs, c2, c3, (c1 + c2).astype(np.float32),
                             np.zeros(n, np.float32), ql, peer_out, 1)

        peer_t = _timed(peer_flow, repeat)
        ref = peer_out[:, out_pos].astype(float)
        rel = float(np.max(np.abs(ours_q - ref) / np.maximum(np.abs(ref), 1e-30)))
    yield result("water.route.flow.kernel", size, t_ours, n * T, "reach-steps/s", peer=PEER if peer else None,
                 peer_seconds=peer_t, max_rel_diff=rel, block_size=plan0.block_size, goal_ratio=2.0,
                 before=BEFORE["water.route.flow.kernel"], outputs=f"every 997th reach ({len(out_pos)})",
                 precision="ours float64 (float32 inputs); peer float32 fast-math (the peer always writes every reach)")
    if peer is not None:
        yield from _every_reach(net, ql, x, peer_flow, peer_out, size, repeat)

    sub_kernel, sub_args, plan3 = _our_kernel_args(net, ql, x, 3, out_pos)
    t3 = _timed(lambda: sub_kernel(*sub_args()), repeat)
    yield result("water.route.flow+3.kernel", size, t3, n * T, "reach-steps/s", peer=PEER if peer else None,
                 peer_seconds=peer_t, block_size=plan3.block_size,
                 note="flow plus TP, NH3-N, COD against the peer's flow-only time (goal: ratio >= 0.5)")
    # flow + TP + the N chain (organic N -> NH3-N -> NO3-N; TN is their sum) + CODMn: 5 substances
    all_kernel, all_args, plan5 = _our_kernel_args(net, ql, x, 5, out_pos, chain=3)
    t5 = _timed(lambda: all_kernel(*all_args()), repeat)
    yield result("water.route.flow+TP+N3+CODMn.kernel", size, t5, n * T, "reach-steps/s", peer=PEER if peer else None,
                 peer_seconds=peer_t, block_size=plan5.block_size, goal_ratio_to_peer_flow_only=3.0,
                 before=BEFORE["water.route.flow+TP+N3+CODMn.kernel"],
                 ratio_to_peer_flow_only=(t5 / peer_t) if peer_t else None,
                 note="flow, TP, CODMn and the coupled N chain (TN and NH3-N from the species) against the peer's "
                      "flow-only time measured in this run (goal: ours <= 3x the peer's time)")
    # before the temporal blocking: one block = the whole network, streamed day by day
    stream_kernel, stream_args, _ = _our_kernel_args(net, ql, x, 3, out_pos, block_size=n)
    ts = _timed(lambda: stream_kernel(*stream_args()), 1)
    yield result("water.route.flow+3.kernel.unblocked", size, ts, n * T, "reach-steps/s",
                 note="same kernel without temporal blocking (before the optimisation)")

    # ---------------------------------------------------------------- routing: end to end
    from ecomodel.water import route

    m = 1_000 if tiny else 100_000
    down_m, K_m, x_m = synthetic(m, seed=2)
    ql_m = rng.random((T, m), dtype=np.float32)
    outs_m = np.arange(0, m, 997)

    def ours_e2e():
        net_m = network(down_m, K_m, np.full(m, 0.5))
        return route(net_m, ql_m, None, days=T, reaches=outs_m.tolist(), method="muskingum", muskingum_x=x_m,
                     initial="zero")

    t_e2e = _timed(ours_e2e, repeat)
    peer_e2e = None
    if peer is not None:
        peer_e2e = _peer_end_to_end(down_m, K_m, x_m, ql_m, repeat)
    yield result("water.route.flow.end_to_end", f"{m} reaches x {T} days", t_e2e, m * T, "reach-steps/s",
                 peer=PEER + " (RapidMuskingum.route)" if peer else None, peer_seconds=peer_e2e,
                 note="ours: table -> RiverNetwork -> route() -> xarray (sections only); peer: parquet params + "
                      "netCDF qlateral -> RapidMuskingum.route(), discharges kept in memory")

    # ---------------------------------------------------------------- ensembles: 1 -> 2 threads
    from ecomodel._numba import threads

    members = 4
    mm = 1_000 if tiny else 100_000
    down_e, K_e, x_e = synthetic(mm, seed=3)
    ql_e = rng.random((T, mm), dtype=np.float32)
    net_e = network(down_e, K_e, np.full(mm, 0.5))
    _, one_args, plan_e = _our_kernel_args(net_e, ql_e, x_e, 3, np.arange(0, mm, 997, dtype=np.int64))
    from ecomodel.water._kernels import route_kernel

    members_kernel = route_kernel(3)[1]

    def ens_args():
        a = list(one_args())
        stack = lambda v: _member_stack(v, members)  # noqa: E731  (writable, member-major copy)
        for i in (9, 10, 11, 16, 17, 20, 29, 30, 33, 34, 35, 36, 37, 38):  # member arrays
            a[i] = stack(a[i])
        return a

    times = {}
    for nt in (1, 2):
        with threads(nt):
            times[nt] = _timed(lambda: members_kernel(*ens_args()), repeat)
        yield result(f"water.route.members.threads{nt}", f"{members} members x {mm} reaches x {T} days", times[nt],
                     members * mm * T, "reach-steps/s", threads=nt,
                     speedup_vs_1_thread=times[1] / times[nt] if nt > 1 else 1.0,
                     note="flow + 3 substances, prange over members")

    yield from _member_scaling(net_e, ql_e, x_e, members_kernel, _timed, tiny)

    # ---------------------------------------------------------------- annual projection
    from ecomodel.water import project

    pm = 10 if tiny else 500
    t = _timed(lambda: project(years=range(2021, 2031), members=pm, seed=0), 1 if tiny else 3)
    yield result("water.project", f"10 years x {pm} members (Wujin demo)", t, 10 * pm, "member-years/s")


def _steady_scaling(tiny):
    """steady() and its one-substance kernel at 1, 2 and 4 million reaches: cost per reach (goal: linear)."""
    from ecomodel.water import steady
    from ecomodel.water._kernels import _steady_solve1

    sizes = (2_000, 4_000, 8_000) if tiny else (1_000_000, 2_000_000, 4_000_000)
    kern, e2e = {}, {}
    for n in sizes:
        down, K, _ = synthetic(n)
        net = network(down, K, np.full(n, 0.5))
        load = np.random.default_rng(12).random(n)
        trans = np.exp(-0.1 * net.travel_time)
        out = np.zeros(n)

        def kernel():
            out.fill(0.0)
            _steady_solve1(net.down, net.sp_ptr, net.sp_idx, net.sp_w, load, trans, out)

        kern[n] = _timed(kernel, 1 if tiny else 7) / n * 1e9
        e2e[n] = _timed(lambda: steady(net, load, 0.1), 1 if tiny else 7) / n * 1e9
        del net
    lo, hi = sizes[0], sizes[-1]
    yield result("water.steady.scaling", f"{lo}-{hi} reaches", e2e[hi] * hi * 1e-9, hi, "reaches/s",
                 kernel_ns_per_reach={f"{n:.0e}": kern[n] for n in sizes},
                 end_to_end_ns_per_reach={f"{n:.0e}": e2e[n] for n in sizes},
                 kernel_growth=kern[hi] / kern[lo], end_to_end_growth=e2e[hi] / e2e[lo],
                 before=BEFORE["water.steady.scaling"],
                 note="cost per reach at 4x the size over that at the smallest size (1.0 = linear); the smaller "
                      "networks stay in the shared L3 between repeated calls, the largest streams from memory")


def _every_reach(net, ql, x, peer_flow, peer_out, size, repeat):
    """Flow routing writing every reach's daily flow, against the peer writing every reach (its only mode)."""
    n, T = net.n_reaches, ql.shape[0]
    every = np.arange(n, dtype=np.int64)
    kern, args, plan = _our_kernel_args(net, ql, x, 0, every)
    kept = {}

    def fresh():  # a new (T, n) output per run, as route() allocates (its pages are first touched in the run)
        a = args()
        kern(*a)
        kept["q"] = a[29]

    t_fresh = _timed(fresh, repeat)
    t_peer = _timed(peer_flow, repeat)
    rel = float(np.max(np.abs(kept["q"] - peer_out) / np.maximum(np.abs(peer_out), 1e-30)))
    yield result("water.route.flow.kernel.every_reach", size, t_fresh, n * T, "reach-steps/s", peer=PEER,
                 peer_seconds=t_peer, goal_ratio=1.0, before=BEFORE["water.route.flow.kernel.every_reach"],
                 max_rel_diff=rel, block_size=plan.block_size,
                 note="ours: a fresh float64 (days, reaches) output per run; the peer: its float32 output reused")
    out = kept.pop("q")

    def reused():  # like for like with the peer: the output buffer of the previous run is overwritten
        a = list(args())
        a[29] = out
        kern(*a)

    t_reuse = _timed(reused, repeat)
    t_peer = _timed(peer_flow, repeat)
    yield result("water.route.flow.kernel.every_reach.reused_output", size, t_reuse, n * T, "reach-steps/s",
                 peer=PEER, peer_seconds=t_peer, goal_ratio=1.0,
                 note="both sides overwrite an output buffer from an earlier run (float64 ours, float32 peer)")


def _member_stack(v, M):
    """``M`` copies of a member array stacked member-major, C-contiguous, as ``route()`` builds them
    (``np.ascontiguousarray``/``np.stack``). ``np.array(np.broadcast_to(...))`` would keep the broadcast's
    member axis innermost in memory (strides (8, 8 M, ...)): every member's rows are then spread over M
    times the cache lines, and the cost per member grows with M for a reason route() never meets."""
    return np.array(np.broadcast_to(v, (M,) + v.shape), order="C")


def _member_scaling(net, ql, x, members_kernel, timed, tiny):
    """Cost per reach-step of the members kernel on one thread for 1 to 16 members (goal: flat within 10 %).

    Every sample does the same work (16 member-runs: 16 calls with one member, 8 with two, ..., one with
    16), the member counts take turns within each round (order reversed every other round) and the
    median over rounds is reported, in wall-clock and in process CPU time: on a shared machine a short
    sample would otherwise catch a quiet moment more often than a long one."""
    from ecomodel._numba import threads

    m_reaches, T = net.n_reaches, ql.shape[0]
    _, one_args, _ = _our_kernel_args(net, ql, x, 3, np.arange(0, m_reaches, 997, dtype=np.int64))
    Ms = (1, 2, 4) if tiny else (1, 2, 4, 8, 16)
    top = max(Ms)
    args = {}
    for M in Ms:
        a = list(one_args())
        for i in (9, 10, 11, 16, 17, 20, 29, 30, 33, 34, 35, 36, 37, 38):  # member arrays, built outside the timing
            a[i] = _member_stack(a[i], M)
        args[M] = a
    wall = {M: [] for M in Ms}
    cpu = {M: [] for M in Ms}
    with threads(1):
        for r in range(2 if tiny else 4):  # round 0 warms up and is not recorded
            for M in (Ms if r % 2 == 0 else Ms[::-1]):
                calls = top // M
                w0, c0 = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    members_kernel(*args[M])
                work = calls * M * m_reaches * T
                if r == 0:
                    continue
                wall[M].append((time.perf_counter() - w0) / work * 1e9)
                cpu[M].append((time.process_time() - c0) / work * 1e9)
    cost = {M: float(np.median(wall[M])) for M in Ms}
    cost_cpu = {M: float(np.median(cpu[M])) for M in Ms}
    yield result("water.route.members.scaling", f"1-{top} members x {m_reaches} reaches x {T} days", cost[top] * 1e-9,
                 1, "reach-steps/s", threads=1, ns_per_reach_step={str(M): c for M, c in cost.items()},
                 cost_vs_1_member={str(M): c / cost[1] for M, c in cost.items()},
                 cpu_ns_per_reach_step={str(M): c for M, c in cost_cpu.items()},
                 cpu_cost_vs_1_member={str(M): c / cost_cpu[1] for M, c in cost_cpu.items()}, goal_growth=1.10,
                 before=BEFORE["water.route.members.scaling"],
                 note="flow + 3 substances, members one after another on one thread, member-major arrays built "
                      "outside the timing, equal work per sample, median of 3 interleaved rounds after a warm-up round")


def _peer_end_to_end(down, K, x, ql, repeat):
    import pandas as pd
    import xarray as xr
    from river_route import RapidMuskingum

    m, T = len(down), ql.shape[0]
    with tempfile.TemporaryDirectory() as tmp:
        params = os.path.join(tmp, "params.parquet")
        pd.DataFrame({"river_id": np.arange(1, m + 1), "downstream_river_id": np.where(down >= 0, down + 1, -1),
                      "k": K * 86400.0, "x": x}).to_parquet(params)
        qfile = os.path.join(tmp, "qlateral.nc")
        times = pd.date_range("2021-01-01", periods=T, freq="D")
        xr.Dataset({"qlateral": (("time", "river_id"), ql * np.float32(86400.0))},
                   coords={"time": times, "river_id": np.arange(1, m + 1)}).to_netcdf(qfile)
        kept = {}

        def keep(dates, q, qf, rf=""):
            kept["q"] = q

        def run_peer():
            router = RapidMuskingum(params_file=params, qlateral_files=[qfile],
                                    discharge_files=[os.path.join(tmp, "q.nc")], dt_routing=86400, dt_runoff=86400,
                                    log=False, progress_bar=False)
            router.set_write_discharges(keep)
            router.route()

        return best_time(run_peer, repeat=repeat, warmup=1)


if __name__ == "__main__":
    import json

    t0 = time.perf_counter()
    for rec in run(tiny="--tiny" in sys.argv):
        print(json.dumps(rec, ensure_ascii=False), flush=True)
    print(f"# {time.perf_counter() - t0:.1f} s", file=sys.stderr)
