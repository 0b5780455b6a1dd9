"""Plain-numpy reference solvers (dense linear algebra, no topological order, no numba).

They share no code with the kernels: steady loads solve (I - diag(s) A) L = s * local, and each
routing step solves (I - diag(c1) A) O' = c2 (A O) + c3 O + (c1 + c2) q, where A[d, u] is the
share of reach u's outflow that enters reach d.
"""

from __future__ import annotations

import numpy as np


def adjacency(net) -> np.ndarray:
    n = net.n_reaches
    A = np.zeros((n, n))
    np.add.at(A, (net.edge_dst, net.edge_src), net.edge_w)
    return A


def steady_reference(net, local: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Loads leaving each reach, (n, S), for local loads and shares leaving (n, S)."""
    A = adjacency(net)
    n, S = local.shape
    out = np.empty((n, S))
    for s in range(S):
        M = np.eye(n) - share[:, s][:, None] * A
        out[:, s] = np.linalg.solve(M, share[:, s] * local[:, s])
    return out


def box_coefficients(K, k, dt):
    lam = 1.0 / K + k
    x = lam * dt
    e = np.exp(-x)
    g = (1.0 - e) / x
    return (1.0 - g) / (K * lam), (g - e) / (K * lam), e


def route_reference(net, c1, c2, lateral_q, lateral_load, share, lake_loss, substeps=1, initial="steady"):
    """Daily-mean flows (T, n) and loads (T, n, S) at every reach.

    ``lateral_q`` (T, n) [m3/s]; ``lateral_load`` (T, n, S) [kg/d]; ``share`` (n, S) river shares;
    ``lake_loss`` (L, S) lake loss rates [1/d] (lakes: residence = net.travel_time).
    """
    A = adjacency(net)
    T, n = lateral_q.shape
    S = lateral_load.shape[2]
    dt = 1.0 / substeps
    lanes = [(c1, c2, 1.0 - c1 - c2)]
    lake = np.nonzero(net.lake_of >= 0)[0]
    for s in range(S):
        a1, a2, a3 = share[:, s] * c1, share[:, s] * c2, 1.0 - c1 - c2
        for i in lake:
            a1[i], a2[i], a3[i] = box_coefficients(net.travel_time[i], lake_loss[net.lake_of[i], s], dt)
        lanes.append((a1, a2, a3))
    inputs = [lateral_q] + [lateral_load[:, :, s] for s in range(S)]
    outs = []
    for (a1, a2, a3), x in zip(lanes, inputs):
        M = np.eye(n) - a1[:, None] * A
        gain = (a1 + a2) / (1.0 - a3)
        if initial == "steady":
            O = np.linalg.solve(np.eye(n) - gain[:, None] * A, gain * x[0])
        else:
            O = np.zeros(n)
        res = np.zeros((T, n))
        for t in range(T):
            for _ in range(substeps):
                O = np.linalg.solve(M, a2 * (A @ O) + a3 * O + (a1 + a2) * x[t])
                res[t] += O / substeps
        outs.append(res)
    return outs[0], np.stack(outs[1:], axis=2) if S else np.zeros((T, n, 0))


def route_reference_daily(net, c1, c2, lateral_q, lateral_load, share_t, lake_loss_t, initial="zero"):
    """:func:`route_reference` with loss coefficients that change every day (one step per day):
    ``share_t`` (T, n, S) river shares, ``lake_loss_t`` (T, L, S) lake loss rates [1/d].

    Conventions: what enters a river reach on day t (upstream inflow and lateral load) leaves it
    with day t's share, so the inflow of day t - 1 carried into day t keeps its day t - 1 share; a
    lake's exact step from day t - 1 to day t uses day t's loss rate in all three coefficients."""
    A = adjacency(net)
    T, n = lateral_q.shape
    S = lateral_load.shape[2]
    lake = np.nonzero(net.lake_of >= 0)[0]
    c3 = 1.0 - c1 - c2
    O = np.zeros((S + 1, n))
    if initial != "zero":
        raise ValueError("only initial='zero' is implemented")
    res_q = np.zeros((T, n))
    res_l = np.zeros((T, n, S))
    for t in range(T):
        for lane in range(S + 1):
            if lane == 0:
                a1, a2, a3, x = c1, c2, c3, lateral_q[t]
            else:
                s = lane - 1
                a1, a2, a3 = share_t[t, :, s] * c1, share_t[max(t - 1, 0), :, s] * c2, c3.copy()
                for i in lake:
                    a1[i], a2[i], a3[i] = box_coefficients(net.travel_time[i], lake_loss_t[t, net.lake_of[i], s], 1.0)
                x = lateral_load[t, :, s]
            now = share_t[t, :, lane - 1] * (c1 + c2) if lane else c1 + c2
            for i in lake:
                now[i] = a1[i] + a2[i]
            O[lane] = np.linalg.solve(np.eye(n) - a1[:, None] * A, a2 * (A @ O[lane]) + a3 * O[lane] + now * x)
        res_q[t] = O[0]
        res_l[t] = O[1:].T
    return res_q, res_l


def random_network(seed, n, split_p, with_lake, relabel=None):
    """A random connected DAG (reach i drains to later reaches), consistent flows, optional lake."""
    import pandas as pd

    from ecomodel.water import RiverNetwork

    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n - 1):
        k = 2 if (rng.random() < split_p and n - 1 - i >= 2) else 1
        ds = rng.choice(np.arange(i + 1, n), size=k, replace=False)
        ds[0] = i + 1 if rng.random() < 0.5 else ds[0]
        ds = np.unique(ds)
        for d, f in zip(ds, rng.dirichlet(np.ones(len(ds)))):
            rows.append((i, d, f))
    rows.append((n - 1, -1, 1.0))
    lateral = rng.uniform(0.1, 2.0, n)
    A = np.zeros((n, n))
    for s, d, f in rows:
        if d >= 0:
            A[d, s] += f
    Q = np.linalg.solve(np.eye(n) - A, lateral)
    length = rng.uniform(500.0, 20000.0, n)
    lake = int(rng.integers(1, n)) if with_lake else -1
    names = relabel if relabel is not None else [f"r{i}" for i in range(n)]
    t = pd.DataFrame([{"reach": names[s], "downstream": names[d] if d >= 0 else "", "fraction": f,
                       "length": length[s], "flow": Q[s], "velocity": 0.1,
                       "lake": "L" if s == lake else ""} for s, d, f in rows])
    lakes = pd.DataFrame({"lake": ["L"], "area": [rng.uniform(0.2, 3.0)], "mean_depth": [2.0]})
    return RiverNetwork.from_dataframe(t, lakes=lakes), rng


def daily_inputs(net, names, T, rng):
    """Daily flow multipliers, DailyLoads, lateral flows (T, n) and lateral loads (T, n, S) for *names*."""
    from ecomodel.water import DailyLoads

    n, S = net.n_reaches, len(names)
    mult = rng.uniform(0.2, 3.0, T)
    dl = DailyLoads(names, rng.uniform(0, 5, (n, S)), rng.uniform(0, 5, (n, S)), rng.uniform(0.5, 1.5, (T, S)),
                    rng.uniform(0.5, 1.5, (T, S)))
    q = net.lateral_flow[None, :] * mult[:, None]
    em = dl.diffuse / net.lateral_flow[:, None]
    lat = dl.point[None] * dl.point_factor[:, None, :] + em[None] * q[:, :, None] * dl.diffuse_factor[:, None, :]
    return mult, dl, q, lat


def chain(n=3, flow=2.0, velocity=0.1, length=8640.0, **extra):
    import pandas as pd

    from ecomodel.water import RiverNetwork

    ids = [f"r{i}" for i in range(n)]
    t = pd.DataFrame({"reach": ids, "downstream": ids[1:] + [""], "length": length, "flow": flow,
                      "velocity": velocity, **extra})
    return RiverNetwork.from_dataframe(t)
