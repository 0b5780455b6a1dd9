"""Numba kernels of the water model (fixed units: flow [m3/s], load [kg/d], time [d]).

Arrays are in *topological position* order: every downstream reach has a larger position than
its upstream reaches. The steady kernel reads downstream links as

- ``down[i] >= 0``: one downstream reach that receives all of the outflow;
- ``down[i] == -1``: an outlet;
- ``down[i] <= -2``: weighted links (splits, abstraction) ``sp_idx[sp_ptr[r]:sp_ptr[r + 1]]`` with
  weights ``sp_w[...]``, where ``r = -2 - down[i]``.

The routing kernels are built per number of substances (a compile-time constant, so the lane loops
unroll) by :func:`route_kernel`, and use temporal blocking: the network is cut into blocks of
positions small enough to stay in cache, and each block is routed through every time step before
the next block starts. Flows leaving a block are parked per step in a buffer and injected into the
receiving block when its turn comes. Nothing here validates input: the topic modules do that.
"""

from __future__ import annotations

import numpy as np

from ecomodel._numba import jit, prange

__all__ = [
    "_topological_order",
    "_steady_solve",
    "_steady_solve1",
    "_steady_members",
    "_mixed_box_coefficients",
    "route_kernel",
]


@jit
def _topological_order(n, src, dst):
    """Kahn's algorithm with a min-heap keyed on row position (a table already sorted upstream-first
    keeps its order). ``src``, ``dst`` (E,) int64 edges upstream -> downstream.

    Returns ``(order, count)``: ``order[:count]`` row positions upstream-first; ``count < n`` means
    the other rows lie on, or downstream of, a cycle.
    """
    indeg = np.zeros(n, np.int64)
    ptr = np.zeros(n + 1, np.int64)
    for e in range(src.shape[0]):
        indeg[dst[e]] += 1
        ptr[src[e] + 1] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    adj = np.empty(src.shape[0], np.int64)
    for e in range(src.shape[0]):
        adj[fill[src[e]]] = dst[e]
        fill[src[e]] += 1
    heap = np.empty(n, np.int64)
    size = 0
    for i in range(n):  # increasing keys: appending keeps the heap property
        if indeg[i] == 0:
            heap[size] = i
            size += 1
    order = np.empty(n, np.int64)
    count = 0
    while size > 0:
        top = heap[0]
        size -= 1
        last = heap[size]
        j = 0
        while True:  # sift `last` down from the root
            c = 2 * j + 1
            if c >= size:
                break
            if c + 1 < size and heap[c + 1] < heap[c]:
                c += 1
            if heap[c] < last:
                heap[j] = heap[c]
                j = c
            else:
                break
        if size > 0:
            heap[j] = last
        order[count] = top
        count += 1
        for e in range(ptr[top], ptr[top + 1]):
            d = adj[e]
            indeg[d] -= 1
            if indeg[d] == 0:
                j = size  # sift up
                size += 1
                while j > 0:
                    p = (j - 1) // 2
                    if heap[p] > d:
                        heap[j] = heap[p]
                        j = p
                    else:
                        break
                heap[j] = d
    return order, count


@jit
def _steady_solve(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
    """Annual-mean loads in one topological pass.

    ``local`` (n, S) load entering each reach at its upstream end [kg/d]; ``trans`` (n, S) share of
    the entering load that leaves the reach; ``out`` (n, S) zero on entry, receives the load leaving
    each reach; ``inflow`` (n, S), or (0, S) to skip it, receives the load entering each reach.
    """
    n, S = local.shape
    keep = inflow.shape[0] == n
    for i in range(n):
        d = down[i]
        for s in range(S):
            lin = out[i, s] + local[i, s]
            if keep:
                inflow[i, s] = lin
            lo = trans[i, s] * lin
            out[i, s] = lo
            if d >= 0:
                out[d, s] += lo
            elif d <= -2:
                r = -2 - d
                for e in range(sp_ptr[r], sp_ptr[r + 1]):
                    out[sp_idx[e], s] += sp_w[e] * lo


@jit
def _steady_solve1(down, sp_ptr, sp_idx, sp_w, local, trans, out):
    """:func:`_steady_solve` for one substance, 1-d arrays, no inflow output (the fast path)."""
    n = local.shape[0]
    for i in range(n):
        lo = trans[i] * (out[i] + local[i])
        out[i] = lo
        d = down[i]
        if d >= 0:
            out[d] += lo
        elif d <= -2:
            r = -2 - d
            for e in range(sp_ptr[r], sp_ptr[r + 1]):
                out[sp_idx[e]] += sp_w[e] * lo


@jit(parallel=True)
def _steady_members(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
    """:func:`_steady_solve` for M independent members (``local``, ``trans``, ``out``, ``inflow``
    with a leading member axis); members run in parallel."""
    for m in prange(local.shape[0]):
        _steady_solve(down, sp_ptr, sp_idx, sp_w, local[m], trans[m], out[m], inflow[m])


@jit
def _mixed_box_coefficients(residence, loss, dt):
    """Exact step coefficients of a well-mixed box: dM/dt = I(t) - (1/K + k) M, outflow O = M/K,
    inflow I linear over the step ``dt`` [d]; ``residence`` K [d], ``loss`` k [1/d].

    Returns ``(a1, a2, a3)`` with O(t+dt) = a1 I(t+dt) + a2 I(t) + a3 O(t); steady O = I / (1 + k K).
    """
    lam = 1.0 / residence + loss
    x = lam * dt
    e = np.exp(-x)
    g = -np.expm1(-x) / x if x > 1e-8 else 1.0 - 0.5 * x  # (1 - e^-x) / x
    scale = 1.0 / (residence * lam)
    return scale * (1.0 - g), scale * (g - e), e


_ROUTE_CACHE: dict = {}


def route_kernel(n_substances: int):
    """Return ``(single, members)`` routing kernels for ``n_substances`` substances (compiled on
    first call, cached per process)."""
    if n_substances not in _ROUTE_CACHE:
        _ROUTE_CACHE[n_substances] = _make_route(int(n_substances))
    return _ROUTE_CACHE[n_substances]


def _make_route(S):
    W = S + 1  # lane 0 is flow, lanes 1..S substances

    @jit
    def route(c1, c2, de, sp_ptr, sp_tgt, sp_w, sp_lake, sp_out, lake_k, lake_loss, tr, ktau, tfac,
              ql, ql_group, ql_base, pt, em, fp, fd, st, acc, buf, bstart, rptr, ridx, rslot, fptr, fslot,
              oq, ol, substeps):
        """Route flow [m3/s] and S loads [kg/d] through ``ql.shape[0]`` days, block by block.

        Regular reach i (``de[i] >= 0``): lane 0 O' = c1 U' + p + (c1 + c2) q, p' = c2 U' + c3 O'
        (c3 = 1 - c1 - c2); lane s: the same with (tr c1, tr c2, c3) and lateral load
        ``pt fp[t] + em q fd[t]``. ``st`` (n, W) holds p, ``acc`` (n + slots + 1, W) the upstream sums
        (rows past n: cross-block proxies, then the outlet sink, which totals outlet outflow).
        Special reaches (``de[i] < 0``, entry ``-1 - de[i]``) carry weighted links, lakes (exact
        mixed-box coefficients, residence ``lake_k``, loss ``lake_loss``) or an output slot; ``oq``
        (T, K), ``ol`` (T, K, S) receive daily means. With ``tfac`` (T, S) non-empty, river shares
        are exp(-ktau tfac[t]) and lake losses scale by ``tfac[t]``.
        """
        n = st.shape[0]
        T = ql.shape[0]
        L = lake_k.shape[0]
        dense = ql_group.shape[0] == 0
        daily_t = tfac.shape[0] > 0
        h = 1.0 / substeps
        la = np.empty((L, S, 3))
        lo = np.empty(W)
        if not daily_t:
            for j in range(L):
                for s in range(S):
                    a1, a2, a3 = _mixed_box_coefficients(lake_k[j], lake_loss[j, s], h)
                    la[j, s, 0] = a1
                    la[j, s, 1] = a2
                    la[j, s, 2] = a3
        nb = bstart.shape[0] - 1
        for blk in range(nb):
            i0 = bstart[blk]
            i1 = bstart[blk + 1]
            for t in range(T):
                if daily_t:
                    for i in range(i0, i1):
                        for s in range(S):
                            tr[i, s] = np.exp(-ktau[i, s] * tfac[t, s])
                    for j in range(L):
                        for s in range(S):
                            a1, a2, a3 = _mixed_box_coefficients(lake_k[j], lake_loss[j, s] * tfac[t, s], h)
                            la[j, s, 0] = a1
                            la[j, s, 1] = a2
                            la[j, s, 2] = a3
                for sub in range(substeps):
                    g = t * substeps + sub
                    for j in range(rptr[blk], rptr[blk + 1]):
                        r = ridx[j]
                        sl = rslot[j]
                        for w in range(W):
                            acc[r, w] += buf[g, sl, w]
                    for i in range(i0, i1):
                        if dense:
                            q = ql[t, i]
                        else:
                            q = ql_base[i] * ql[t, ql_group[i]]
                        a = c1[i]
                        b = c2[i]
                        ab = a + b
                        c3 = 1.0 - ab
                        d = de[i]
                        u = acc[i, 0]
                        acc[i, 0] = 0.0
                        qo = a * u + st[i, 0] + ab * q
                        st[i, 0] = b * u + c3 * qo
                        if d >= 0:
                            acc[d, 0] += qo
                            for s in range(S):
                                um = acc[i, 1 + s]
                                acc[i, 1 + s] = 0.0
                                x = tr[i, s]
                                m = x * (a * um + ab * (pt[i, s] * fp[t, s] + em[i, s] * q * fd[t, s])) + st[i, 1 + s]
                                st[i, 1 + s] = x * b * um + c3 * m
                                acc[d, 1 + s] += m
                            continue
                        # special reach: lake, weighted links and/or output
                        r = -1 - d
                        lo[0] = qo
                        lk = sp_lake[r]
                        for s in range(S):
                            um = acc[i, 1 + s]
                            acc[i, 1 + s] = 0.0
                            lat = pt[i, s] * fp[t, s] + em[i, s] * q * fd[t, s]
                            if lk < 0:
                                x = tr[i, s]
                                m = x * (a * um + ab * lat) + st[i, 1 + s]
                                st[i, 1 + s] = x * b * um + c3 * m
                            else:
                                a1 = la[lk, s, 0]
                                a2 = la[lk, s, 1]
                                m = a1 * um + (a1 + a2) * lat + st[i, 1 + s]
                                st[i, 1 + s] = a2 * um + la[lk, s, 2] * m
                            lo[1 + s] = m
                        for e in range(sp_ptr[r], sp_ptr[r + 1]):
                            j = sp_tgt[e]
                            w_ = sp_w[e]
                            for w in range(W):
                                acc[j, w] += w_ * lo[w]
                        k = sp_out[r]
                        if k >= 0:
                            oq[t, k] += h * qo
                            for s in range(S):
                                ol[t, k, s] += h * lo[1 + s]
                    for j in range(fptr[blk], fptr[blk + 1]):
                        sl = fslot[j]
                        for w in range(W):
                            buf[g, sl, w] += acc[n + sl, w]
                            acc[n + sl, w] = 0.0

    @jit(parallel=True)
    def members(c1, c2, de, sp_ptr, sp_tgt, sp_w, sp_lake, sp_out, lake_k, lake_loss, tr, ktau, tfac,
                ql, ql_group, ql_base, pt, em, fp, fd, st, acc, buf, bstart, rptr, ridx, rslot, fptr, fslot,
                oq, ol, substeps):
        """:func:`route` for M members in parallel (``prange`` over members, never over time); member
        arrays (``lake_loss``, ``tr``, ``ktau``, ``pt``, ``em``, ``st``, ``acc``, ``buf``, ``oq``, ``ol``)
        carry a leading member axis."""
        for m in prange(st.shape[0]):
            route(c1, c2, de, sp_ptr, sp_tgt, sp_w, sp_lake, sp_out, lake_k, lake_loss[m], tr[m], ktau[m], tfac,
                  ql, ql_group, ql_base, pt[m], em[m], fp, fd, st[m], acc[m], buf[m], bstart, rptr, ridx, rslot,
                  fptr, fslot, oq[m], ol[m], substeps)

    return route, members
