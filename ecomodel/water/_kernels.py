"""Numba kernels of the water model (fixed units: flow [m3/s], load [kg/d], time [d]).

Arrays are in *topological position* order: every downstream reach has a larger position than
its upstream reaches. The steady kernel reads downstream links as

- ``down[i] >= 0``: one downstream reach that receives all of the outflow;
- ``down[i] == -1``: an outlet;
- ``down[i] <= -2``: weighted links (splits, abstraction) ``sp_idx[sp_ptr[r]:sp_ptr[r + 1]]`` with
  weights ``sp_w[...]``, where ``r = -2 - down[i]``.

The routing kernels are built per number of substances (a compile-time constant) by
:func:`route_kernel`; their layout (vector lanes, per-block coefficient rows, temporal blocking in
time chunks) is described above :func:`lane_count`. Two small LLVM intrinsics (``_vstep``,
``_vadd``) emit the 4-wide vector arithmetic of a reach's flow and substance lanes directly. Nothing
here validates input: the topic modules do that.
"""

from __future__ import annotations

import types as types_

import numpy as np
from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic
from numba.cpython.unsafe.tuple import tuple_setitem

from ecomodel._mathkernels import SAFE_FASTMATH_FLAGS
from ecomodel._mathkernels import exp_neg as _exp_neg  # branch-free e^-x, shared with air
from ecomodel._mathkernels import exp_neg_scaled as _exp_neg_scaled8
from ecomodel._numba import jit, prange

__all__ = [
    "_topological_order",
    "_steady_solve",
    "_steady_solve1",
    "_steady_members",
    "_steady_coupled",
    "_chain_coupling",
    "_steady_members_coupled",
    "steady_kernel",
    "_mixed_box_coefficients",
    "route_kernel",
    "lane_count",
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


# ----------------------------------------------------------------------------------------- steady
# The steady kernels below are built per number of substances S and per transfer pairs (compile-time
# constants, :func:`steady_kernel`): a reach's S entering and leaving loads then live in registers
# (tuples updated with ``tuple_setitem``, which LLVM turns into scalars once the constant-length loops
# are unrolled) instead of a scratch array the loads and stores of every reach go through. The
# arithmetic is the generic loops' own, in the same order (results bit-identical; tested). Above
# :data:`STEADY_UNROLL` substances the generic loops (``*_loop``) run.

#: most substances for which :func:`steady_kernel` builds an unrolled kernel
STEADY_UNROLL = 16
_STEADY_CACHE: dict = {}
_NO_COUP = np.zeros((0, 0))


def steady_kernel(n_substances: int, pf=(), pt=()):
    """Return ``(single, members)`` steady kernels for ``n_substances`` substances with transfer pairs
    ``pf[p] -> pt[p]`` (compiled on first call, cached per process and on disk).

    ``single(down, sp_ptr, sp_idx, sp_w, local, trans, coup, out, inflow)`` is
    :func:`_steady_coupled_loop` (:func:`_steady_solve_loop` without pairs; ``coup`` is then not
    read); ``members`` the same over a leading member axis of ``local``, ``trans``, ``coup``, ``out``,
    ``inflow``, members in parallel."""
    key = (int(n_substances), tuple(int(v) for v in pf), tuple(int(v) for v in pt))
    if key not in _STEADY_CACHE:
        _STEADY_CACHE[key] = _make_steady(*key)
    return _STEADY_CACHE[key]


def _make_steady(S, PF, PT):
    P = len(PF)
    Z = (0.0,) * S
    if P == 0:  # the pair loop never runs; placeholders only so that it types
        PF, PT = (0,), (0,)

    @jit
    def single(down, sp_ptr, sp_idx, sp_w, local, trans, coup, out, inflow):
        n = local.shape[0]
        keep = inflow.shape[0] == n
        for i in range(n):
            lin = Z
            lo = Z
            for s in range(S):
                x = out[i, s] + local[i, s]
                lin = tuple_setitem(lin, s, x)
                lo = tuple_setitem(lo, s, trans[i, s] * x)
            if keep:
                for s in range(S):
                    inflow[i, s] = lin[s]
            for p in range(P):
                lo = tuple_setitem(lo, PT[p], lo[PT[p]] + coup[i, p] * lin[PF[p]])
            for s in range(S):
                out[i, s] = lo[s]
            d = down[i]
            if d >= 0:
                for s in range(S):
                    out[d, s] += lo[s]
            elif d <= -2:
                r = -2 - d
                for e in range(sp_ptr[r], sp_ptr[r + 1]):
                    w = sp_w[e]
                    j = sp_idx[e]
                    for s in range(S):
                        out[j, s] += w * lo[s]

    # `single` once more over a member axis. It is not called from here: a dispatcher held in a closure
    # cell pickles with a per-process id, so numba's disk cache would never find `members` again.
    @jit(parallel=True)
    def members(down, sp_ptr, sp_idx, sp_w, local_m, trans_m, coup_m, out_m, inflow_m):
        for mb in prange(local_m.shape[0]):
            local, trans, coup, out, inflow = local_m[mb], trans_m[mb], coup_m[mb], out_m[mb], inflow_m[mb]
            n = local.shape[0]
            keep = inflow.shape[0] == n
            for i in range(n):
                lin = Z
                lo = Z
                for s in range(S):
                    x = out[i, s] + local[i, s]
                    lin = tuple_setitem(lin, s, x)
                    lo = tuple_setitem(lo, s, trans[i, s] * x)
                if keep:
                    for s in range(S):
                        inflow[i, s] = lin[s]
                for p in range(P):
                    lo = tuple_setitem(lo, PT[p], lo[PT[p]] + coup[i, p] * lin[PF[p]])
                for s in range(S):
                    out[i, s] = lo[s]
                d = down[i]
                if d >= 0:
                    for s in range(S):
                        out[d, s] += lo[s]
                elif d <= -2:
                    r = -2 - d
                    for e in range(sp_ptr[r], sp_ptr[r + 1]):
                        w = sp_w[e]
                        j = sp_idx[e]
                        for s in range(S):
                            out[j, s] += w * lo[s]

    return single, members


def _steady_solve(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
    """Annual-mean loads in one topological pass.

    ``local`` (n, S) load entering each reach at its upstream end [kg/d]; ``trans`` (n, S) share of
    the entering load that leaves the reach; ``out`` (n, S) zero on entry, receives the load leaving
    each reach; ``inflow`` (n, S), or (0, S) to skip it, receives the load entering each reach.
    (Dispatches to the unrolled kernel of :func:`steady_kernel`.)
    """
    S = local.shape[1]
    if S > STEADY_UNROLL:
        return _steady_solve_loop(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow)
    steady_kernel(S)[0](down, sp_ptr, sp_idx, sp_w, local, trans, _NO_COUP, out, inflow)


def _steady_members(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
    """:func:`_steady_solve` for M independent members (``local``, ``trans``, ``out``, ``inflow``
    with a leading member axis); members run in parallel."""
    S = local.shape[2]
    if S > STEADY_UNROLL:
        return _steady_members_loop(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow)
    coup = np.zeros((local.shape[0], 0, 0))
    steady_kernel(S)[1](down, sp_ptr, sp_idx, sp_w, local, trans, coup, out, inflow)


def _steady_coupled(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow):
    """:func:`_steady_solve` with first-order transfers between substances (e.g. organic N ->
    NH3-N -> NO3-N): the load of substance ``pt[p]`` leaving reach *i* gains
    ``coup[i, p] * (load of substance pf[p] entering i)`` for each pair *p* (P,) int64.
    ``out`` is zero on entry; ``inflow`` (n, S) or (0, S) as in :func:`_steady_solve`.
    (Dispatches to the unrolled kernel of :func:`steady_kernel`.)"""
    S = local.shape[1]
    if S > STEADY_UNROLL:
        return _steady_coupled_loop(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow)
    steady_kernel(S, pf, pt)[0](down, sp_ptr, sp_idx, sp_w, local, trans, coup, out, inflow)


def _steady_members_coupled(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow):
    """:func:`_steady_coupled` for M members (leading member axis on ``local``, ``trans``,
    ``coup``, ``out``, ``inflow``), in parallel."""
    S = local.shape[2]
    if S > STEADY_UNROLL:
        return _steady_members_coupled_loop(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow)
    steady_kernel(S, pf, pt)[1](down, sp_ptr, sp_idx, sp_w, local, trans, coup, out, inflow)


# generic loops (runtime number of substances): the reference the unrolled kernels are tested against
@jit
def _steady_solve_loop(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
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


@jit(parallel=True)
def _steady_members_loop(down, sp_ptr, sp_idx, sp_w, local, trans, out, inflow):
    """:func:`_steady_solve` for M independent members (``local``, ``trans``, ``out``, ``inflow``
    with a leading member axis); members run in parallel."""
    for m in prange(local.shape[0]):
        _steady_solve_loop(down, sp_ptr, sp_idx, sp_w, local[m], trans[m], out[m], inflow[m])


@jit
def _steady_coupled_loop(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow):
    """:func:`_steady_solve` with first-order transfers between substances (e.g. organic N ->
    NH3-N -> NO3-N): the load of substance ``pt[p]`` leaving reach *i* gains
    ``coup[i, p] * (load of substance pf[p] entering i)`` for each pair *p* (P,) int64.
    ``out`` is zero on entry; ``inflow`` (n, S) or (0, S) as in :func:`_steady_solve`."""
    n, S = local.shape
    P = pf.shape[0]
    keep = inflow.shape[0] == n
    lin = np.empty(S)
    for i in range(n):
        for s in range(S):
            lin[s] = out[i, s] + local[i, s]
            if keep:
                inflow[i, s] = lin[s]
            out[i, s] = trans[i, s] * lin[s]
        for p in range(P):
            out[i, pt[p]] += coup[i, p] * lin[pf[p]]
        d = down[i]
        for s in range(S):
            lo = out[i, s]
            if d >= 0:
                out[d, s] += lo
            elif d <= -2:
                r = -2 - d
                for e in range(sp_ptr[r], sp_ptr[r + 1]):
                    out[sp_idx[e], s] += sp_w[e] * lo


@jit
def _g1_scalar(sa, sb, a, b, tau):
    """(e^{-a tau} - e^{-b tau}) / (b - a) [d] from the shares ``sa = e^{-a tau}``, ``sb = e^{-b tau}``;
    below z = |b - a| tau = 1e-2, where the difference cancels, tau e^{-min tau} (1 - e^{-z}) / z by
    its series (truncation < 3e-16)."""
    z = abs(b - a) * tau
    if z > 1e-2:
        return (sa - sb) / (b - a)
    phi = 1.0 - z * (0.5 - z * (1.0 / 6.0 - z * (1.0 / 24.0 - z * (1.0 / 120.0 - z / 720.0))))
    return tau * max(sa, sb) * phi


@jit
def _chain_coupling(tau, lake, rate, decay, share, pa, pb, py, qa, qb, qc, qy, out):
    """Coupling shares of :func:`ecomodel.water.steadystate.transfer_coupling` in one pass: direct
    pairs ``pa -> pb`` with yield ``py`` (P1,) into ``out[:, :P1]``, two-step pairs ``qa -> qb -> qc``
    with the product of yields ``qy`` (P2,) into ``out[:, P1:]``. ``share`` (n, S) are the river
    shares e^{-a tau}; lakes (``lake[i]``) use the well-mixed forms."""
    n = tau.shape[0]
    P1 = pa.shape[0]
    for i in range(n):
        t = tau[i]
        for p in range(P1):
            a = pa[p]
            b = pb[p]
            ra = rate[i, a]
            rb = rate[i, b]
            if lake[i]:
                out[i, p] = py[p] * decay[i, a] * t / ((1.0 + ra * t) * (1.0 + rb * t))
            else:
                out[i, p] = py[p] * decay[i, a] * _g1_scalar(share[i, a], share[i, b], ra, rb, t)
        for p in range(qa.shape[0]):
            a = qa[p]
            b = qb[p]
            c = qc[p]
            ra = rate[i, a]
            rb = rate[i, b]
            rc = rate[i, c]
            k2 = qy[p] * decay[i, a] * decay[i, b]
            if lake[i]:
                out[i, P1 + p] = k2 * t * t / ((1.0 + ra * t) * (1.0 + rb * t) * (1.0 + rc * t))
                continue
            # sort the three rates (with their shares): the divided difference is symmetric
            x0, x1, x2 = ra, rb, rc
            s0, s1, s2 = share[i, a], share[i, b], share[i, c]
            if x0 > x1:
                x0, x1, s0, s1 = x1, x0, s1, s0
            if x1 > x2:
                x1, x2, s1, s2 = x2, x1, s2, s1
            if x0 > x1:
                x0, x1, s0, s1 = x1, x0, s1, s0
            span = x2 - x0
            if span * t < 1e-3:
                mid = (x0 + x1 + x2) / 3.0
                d0, d1, d2 = (x0 - mid) * t, (x1 - mid) * t, (x2 - mid) * t
                # e[x0, x1, x2] = tau^2 e^{-mid tau} (1/2 - (sum d)/6 + (sum d^2 + sum d_i d_j)/24 ...); sum d = 0
                e2 = (d0 * d0 + d1 * d1 + d2 * d2 + d0 * d1 + d0 * d2 + d1 * d2) / 24.0
                em = s0 * np.exp(-(mid - x0) * t)
                out[i, P1 + p] = k2 * t * t * em * (0.5 + e2)
            else:
                out[i, P1 + p] = k2 * (_g1_scalar(s0, s1, x0, x1, t) - _g1_scalar(s1, s2, x1, x2, t)) / span


@jit(parallel=True)
def _steady_members_coupled_loop(down, sp_ptr, sp_idx, sp_w, local, trans, pf, pt, coup, out, inflow):
    """:func:`_steady_coupled` for M members (leading member axis on ``local``, ``trans``,
    ``coup``, ``out``, ``inflow``), in parallel."""
    for m in prange(local.shape[0]):
        _steady_coupled_loop(down, sp_ptr, sp_idx, sp_w, local[m], trans[m], pf, pt, coup[m], out[m], inflow[m])


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


# ---------------------------------------------------------------------------------------- routing
# Layout of the routing kernel (one member):
#
# * lanes: lane 0 is flow [m3/s], lanes 1..S the substances' loads [kg/d]; with S >= 1 the lanes are
#   padded to V = a multiple of 4 and every reach updates them four at a time in 256-bit vectors
#   (``_vstep``/``_vadd`` below emit the vector instructions directly: numba leaves LLVM's SLP
#   vectoriser off, so a loop over four lanes would stay scalar). Padding lanes carry zeros.
# * ``sa`` (n + slots + 1, 2V): per reach the upstream inflow summed this step (``sa[i, :V]``) next to
#   the routing state p (``sa[i, V:]``, the part of next step's outflow known in advance), so a
#   reach's whole state is one 64-byte row for V = 4. Rows past n are cross-block proxies, then a
#   sink that absorbs outlet outflow.
# * ``co`` (block, 5V): the block's step coefficients, per reach and lane, built once per block and
#   time chunk (every step with daily temperatures): outflow m = A u + p + P fp[t] + E fd[t] q and
#   next state p' = B u + C m, where u is the upstream inflow and q the lateral flow. Rivers: lane 0
#   (A, B, C, P, E) = (c1, c2, c3, 0, c1 + c2), lane s (x c1, x c2, c3, x (c1 + c2) pt, x (c1 + c2) em)
#   with x the share leaving the reach; lakes: the exact mixed-box coefficients (a1, a2, a3) of
#   :func:`_mixed_box_coefficients` in place of (x c1, x c2, c3).
# * temporal blocking: the days are cut into chunks and the network into blocks of positions; each
#   block is routed through all steps of a chunk before the next block starts, so its rows stay in
#   cache. Flows leaving a block are parked per step in ``buf`` (steps of a chunk, slots, V) and added
#   to the receiving proxies when the receiving block runs. Memory: O(reaches + slots x chunk).

_FAST = SAFE_FASTMATH_FLAGS
_VEC = ir.VectorType(ir.DoubleType(), 4)
_I32 = ir.IntType(32)


def _elt_ptr(context, builder, arrty, arr, row, col):
    """LLVM pointer to ``arr[row, col]`` of a C-contiguous 2-d float64 array (no wraparound)."""
    a = context.make_array(arrty)(context, builder, arr)
    ncol = builder.extract_value(a.shape, 1)
    return builder.gep(a.data, [builder.add(builder.mul(row, ncol), col)], inbounds=True)


def _vload(builder, ptr):
    return builder.load(builder.bitcast(ptr, _VEC.as_pointer()), align=8, typ=_VEC)


def _vstore(builder, value, ptr):
    builder.store(value, builder.bitcast(ptr, _VEC.as_pointer()), align=8)


def _splat(builder, x):
    v = builder.insert_element(ir.Constant(_VEC, ir.Undefined), x, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(_I32, 4), [0, 0, 0, 0]))


@intrinsic
def _vstep(typingctx, sa, co, fpd, i, k, t, off, V, q):
    """Step lanes ``off .. off + 3`` of reach row ``i`` (coefficient row ``k``) on day ``t`` with lateral
    flow ``q``: m = A u + p + P fp + E fd q, p' = B u + C m; stores p', clears u; returns m (4-tuple)."""
    sig = types.UniTuple(types.float64, 4)(sa, co, fpd, i, k, t, off, V, q)

    def codegen(context, builder, signature, args):
        sa_, co_, fpd_, i_, k_, t_, off_, V_, q_ = args
        tsa, tco, tfp = signature.args[:3]

        def col(j):
            return builder.add(builder.mul(V_, ir.Constant(V_.type, j)), off_)

        pu = _elt_ptr(context, builder, tsa, sa_, i_, col(0))
        pp = _elt_ptr(context, builder, tsa, sa_, i_, col(1))
        u = _vload(builder, pu)
        p = _vload(builder, pp)
        A, B, C, P, E = (_vload(builder, _elt_ptr(context, builder, tco, co_, k_, col(j))) for j in range(5))
        fp = _vload(builder, _elt_ptr(context, builder, tfp, fpd_, t_, col(0)))
        fd = _vload(builder, _elt_ptr(context, builder, tfp, fpd_, t_, col(1)))
        f = _FAST
        lat = builder.fadd(builder.fmul(P, fp, flags=f),
                           builder.fmul(builder.fmul(E, fd, flags=f), _splat(builder, q_), flags=f), flags=f)
        m = builder.fadd(builder.fadd(p, lat, flags=f), builder.fmul(A, u, flags=f), flags=f)
        _vstore(builder, builder.fadd(builder.fmul(B, u, flags=f), builder.fmul(C, m, flags=f), flags=f), pp)
        _vstore(builder, ir.Constant(_VEC, [0.0] * 4), pu)
        out = ir.Constant(context.get_value_type(signature.return_type), ir.Undefined)
        for j in range(4):
            out = builder.insert_value(out, builder.extract_element(m, ir.Constant(_I32, j)), j)
        return out

    return sig, codegen


@intrinsic
def _vadd(typingctx, sa, row, off, m, w):
    """``sa[row, off:off + 4] += w * m`` for a 4-tuple ``m`` (one vector load, FMA and store)."""
    sig = types.void(sa, row, off, m, w)

    def codegen(context, builder, signature, args):
        sa_, row_, off_, m_, w_ = args
        mv = ir.Constant(_VEC, ir.Undefined)
        for j in range(4):
            mv = builder.insert_element(mv, builder.extract_value(m_, j), ir.Constant(_I32, j))
        ptr = _elt_ptr(context, builder, signature.args[0], sa_, row_, off_)
        x = _vload(builder, ptr)
        _vstore(builder, builder.fadd(x, builder.fmul(_splat(builder, w_), mv, flags=_FAST), flags=_FAST), ptr)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _vreload(typingctx, sa, row, off):
    """Rewrite ``sa[row, off:off + 4]`` with one vector store of its own four values, read one by one.

    After scalar stores into a row (the chain mixing), the vector load of :func:`_vstep` would wait
    for them (a wide load cannot be forwarded from narrower stores); read back as scalars, which
    forward, and stored as one vector, the row is ready for that load. Values are unchanged."""
    sig = types.void(sa, row, off)

    def codegen(context, builder, signature, args):
        sa_, row_, off_ = args
        v = ir.Constant(_VEC, ir.Undefined)
        for j in range(4):
            col = builder.add(off_, ir.Constant(off_.type, j))
            x = builder.load(_elt_ptr(context, builder, signature.args[0], sa_, row_, col))
            v = builder.insert_element(v, x, ir.Constant(_I32, j))
        _vstore(builder, v, _elt_ptr(context, builder, signature.args[0], sa_, row_, off_))
        return context.get_dummy_value()

    return sig, codegen


@jit
def _exp_neg_scaled(a, x, out):
    """``out[:] = exp(-a x)`` for a scalar ``a`` and flat arrays ``x >= 0`` (``out`` may be ``x``);
    eight values per instruction (:func:`ecomodel._mathkernels.exp_neg_scaled`)."""
    _exp_neg_scaled8(a, x, out)


@jit
def _exp_neg_rows(k, x, out):
    """``out[i, s] = exp(-k[s] x[i])`` for one rate per column ``k`` (S,) and ``x >= 0`` (n,)."""
    S = k.shape[0]
    for i in range(out.shape[0]):
        for s in range(S):
            out[i, s] = _exp_neg(k[s] * x[i])


@jit
def _lake_lanes(out, lake_k, lake_loss, scale, h):
    """Mixed-box step coefficients (a1, a2, a3) of every lake and substance, ``out`` (L, S, 3), for loss
    rates ``lake_loss`` (L, S) [1/d] times ``scale`` (S,) and a step of ``h`` [d]."""
    for j in range(lake_k.shape[0]):
        for s in range(lake_loss.shape[1]):
            a1, a2, a3 = _mixed_box_coefficients(lake_k[j], lake_loss[j, s] * scale[s], h)
            out[j, s, 0] = a1
            out[j, s, 1] = a2
            out[j, s, 2] = a3


@jit
def _fill_block(co, i0, i1, V, c1, c2, lake_of, la, tr, toff, pt, em):
    """Step coefficients of positions ``i0 .. i1 - 1`` into ``co`` (rows from 0; layout in the notes
    above); ``tr[i - toff, s]`` is the share leaving river reach ``i``, ``la`` (L, S, 3) lake coefficients."""
    S = pt.shape[1]
    for i in range(i0, i1):
        k = i - i0
        a = c1[i]
        b = c2[i]
        ab = a + b
        c3 = 1.0 - ab
        co[k, 0] = a
        co[k, V] = b
        co[k, 2 * V] = c3
        co[k, 3 * V] = 0.0
        co[k, 4 * V] = ab
        lk = lake_of[i]
        for s in range(S):
            w = 1 + s
            if lk >= 0:
                a1 = la[lk, s, 0]
                a2 = la[lk, s, 1]
                co[k, w] = a1
                co[k, V + w] = a2
                co[k, 2 * V + w] = la[lk, s, 2]
                co[k, 3 * V + w] = (a1 + a2) * pt[i, s]
                co[k, 4 * V + w] = (a1 + a2) * em[i, s]
            else:
                x = tr[i - toff, s]
                co[k, w] = x * a
                co[k, V + w] = x * b
                co[k, 2 * V + w] = c3
                co[k, 3 * V + w] = x * ab * pt[i, s]
                co[k, 4 * V + w] = x * ab * em[i, s]


@jit
def _lake_carry(co, i0, i1, V, lake_of, la_next):
    """Give the lake rows of positions ``i0 .. i1 - 1`` the carry-over coefficients (B, C) = (a2, a3) of
    the next day's lake coefficients ``la_next`` (L, S, 3): a lake's state after the last step of day t
    must be built with day t + 1's loss, which the exact mixed-box step from t to t + 1 uses throughout."""
    S = la_next.shape[1]
    for i in range(i0, i1):
        lk = lake_of[i]
        if lk >= 0:
            for s in range(S):
                co[i - i0, V + 1 + s] = la_next[lk, s, 1]
                co[i - i0, 2 * V + 1 + s] = la_next[lk, s, 2]


@jit
def _emit(oq, ol, t, kk, w, x, h, first):
    """Add ``h x`` of lane ``w`` to the daily-mean outputs of output ``kk`` (padding lanes dropped); the
    ``first`` substep of a day stores instead (``0 + h x`` is ``h x``: the outputs need no zeroing)."""
    if w == 0:
        if first:
            oq[t, kk] = h * x
        else:
            oq[t, kk] += h * x
    elif w <= ol.shape[2]:
        if first:
            ol[t, kk, w - 1] = h * x
        else:
            ol[t, kk, w - 1] += h * x


@jit
def _emit4(oq, ol, t, kk, c, m, h, first):
    """:func:`_emit` of the four lanes ``4 c .. 4 c + 3`` in ``m``."""
    _emit(oq, ol, t, kk, 4 * c, m[0], h, first)
    _emit(oq, ol, t, kk, 4 * c + 1, m[1], h, first)
    _emit(oq, ol, t, kk, 4 * c + 2, m[2], h, first)
    _emit(oq, ol, t, kk, 4 * c + 3, m[3], h, first)


@jit
def _flow_rows(sa, c1, c2, de, ql, ql_group, ql_base, t, i0, i1, sp_ptr, sp_tgt, sp_w, sp_out, oq, h, first, dense,
               dense_out):
    """One flow-only routing step of rows ``i0 .. i1 - 1`` (the ``S = 0`` lanes of the routing kernel):
    dense lateral flow ``ql[t, i]`` or grouped ``ql_base[i] ql[t, ql_group[i]]`` (``dense``), every
    reach written to ``oq[t, i]`` or only the special reaches' outputs (``dense_out``).

    Its own small function so that the loop keeps its few pointers in registers (inside the routing
    kernel it competed with every other array for them; the kernel calls it with constant flags), and
    the row index is unsigned, so no negative-index wraparound is computed per access. The arithmetic
    is the routing kernel's own, in the same order (bit-identical)."""
    for i in range(np.uint64(i0), np.uint64(i1)):
        a = c1[i]
        b = c2[i]
        ab = a + b
        u = sa[i, 0]
        if dense:
            q = np.float64(ql[t, i])
        else:
            q = ql_base[i] * ql[t, ql_group[i]]
        m = a * u + sa[i, 1] + ab * q
        sa[i, 0] = 0.0
        sa[i, 1] = b * u + (1.0 - ab) * m
        if dense_out:
            if first:
                oq[t, i] = h * m
            else:
                oq[t, i] += h * m
        d = de[i]
        if d >= 0:
            sa[d, 0] += m
            continue
        r = -1 - d
        for e in range(sp_ptr[r], sp_ptr[r + 1]):
            sa[sp_tgt[e], 0] += sp_w[e] * m
        kk = sp_out[r]
        if kk >= 0 and not dense_out:
            if first:
                oq[t, kk] = h * m
            else:
                oq[t, kk] += h * m


def lane_count(n_substances: int) -> int:
    """Lanes per reach in the routing kernel: 1 for flow only, else flow + substances padded to a
    multiple of 4 (one 256-bit vector per 4 lanes)."""
    S = int(n_substances)
    return 1 if S == 0 else 4 * ((S + 4) // 4)


_ROUTE_CACHE: dict = {}


def route_kernel(n_substances: int, n_chain: int = 0):
    """Return ``(single, members)`` routing kernels for ``n_substances`` substances, ``n_chain`` of
    which form a first-order transfer chain (compiled on first call, cached per process)."""
    key = (int(n_substances), int(n_chain))
    if key not in _ROUTE_CACHE:
        _ROUTE_CACHE[key] = _make_route(*key)
    return _ROUTE_CACHE[key]


@jit
def _chain_pre(sa, i, chain, ct, uc):
    """River reach ``i`` of a chain: replace the chain lanes' upstream inflow by ``ct[i] @ u`` (the
    coupled shares leaving the reach), keeping the unmixed inflow in ``uc``."""
    C = chain.shape[0]
    for a in range(C):
        uc[a] = sa[i, chain[a]]
    for a in range(C):
        x = 0.0
        for b in range(a + 1):
            x += ct[i, a, b] * uc[b]
        sa[i, chain[a]] = x


@jit
def _chain_lake(sa, i, V, l, chain, la1, la2, la3, lpm, lem, fpd, t, q, uc, pc, mm):
    """Coupled well-mixed-box step of the chain lanes of lake reach ``i`` (lake ``l``): outflow
    ``m = A1 u + p + Pm fp + Em fd q`` and next state ``p' = A2 u + A3 m`` with matrix coefficients
    (``u`` in ``uc``, ``p`` in ``pc``; the chain's lanes share one pair of seasonal factors, read from
    its first lane of ``fpd[t]``). Writes ``mm[chain]`` and the state over the vector step's placeholders."""
    C = chain.shape[0]
    fp = fpd[t, chain[0]]
    fd = fpd[t, V + chain[0]]
    for a in range(C):
        x = pc[a] + lpm[l, a] * fp + lem[l, a] * fd * q
        for b in range(a + 1):
            x += la1[l, a, b] * uc[b]
        mm[chain[a]] = x
    for a in range(C):
        x = 0.0
        for b in range(a + 1):
            x += la2[l, a, b] * uc[b] + la3[l, a, b] * mm[chain[b]]
        sa[i, V + chain[a]] = x


def _make_route(S, CH=0):
    W = S + 1
    V = lane_count(S)
    NC = V // 4  # vector chunks per reach (0: flow only, scalar)

    @jit
    def route(c1, c2, de, lake_of, sp_ptr, sp_tgt, sp_w, sp_out, lake_k, lake_loss, tr, ktau, tfac, ql, ql_group,
              ql_base, pt, em, fp, fd, st, bstart, rptr, ridx, rslot, fptr, fslot, n_slots, chunk, oq, ol, substeps,
              chain, ct, la1, la2, la3, lpm, lem):
        """Route flow [m3/s] and S loads [kg/d] through ``ql.shape[0]`` days, block by block.

        ``c1``, ``c2`` (n,) flow coefficients; ``de`` (n,) receiving row of a regular reach, or
        ``-1 - r`` for entry r of the weighted-link / output table (``sp_*``); ``tr`` (n, S) river
        shares leaving, or with ``tfac`` (T, S) non-empty exp(-ktau tfac[t]) every day (lake losses
        scale by tfac[t]; a river's share applies to what enters it that day, a lake's step into day t
        uses day t's loss throughout); lateral flow ``ql[t, i]`` (dense) or ``ql_base[i] ql[t, ql_group[i]]``,
        lateral load ``pt fp[t] + em q fd[t]``. ``st`` (n, S + 1) state, updated in place; ``oq``
        (T, K), ``ol`` (T, K, S) receive daily means (stored, so they need no zeroing); with K = n
        they hold every reach in position order, written as each reach is stepped (the plan then
        need not mark outputs special: :func:`ecomodel.water.routing._plan`). ``chunk`` days per
        time chunk.

        A transfer chain (compile-time length ``CH``) on lanes ``chain`` (CH,): river reaches mix
        the chain lanes' inflow with ``ct`` (n, CH, CH) before the step (their coefficients then use
        share 1 and lateral loads premixed by the caller); lake reaches step the chain lanes with the
        coupled box matrices ``la1``, ``la2``, ``la3`` (L, CH, CH) and lateral vectors ``lpm``,
        ``lem`` (L, CH) (:func:`_chain_lake`).
        """
        n = st.shape[0]
        T = ql.shape[0]
        dense = ql_group.shape[0] == 0
        dense_out = oq.shape[1] == n  # every reach is an output, in position order: written in place
        daily_t = tfac.shape[0] > 0
        h = 1.0 / substeps
        nb = bstart.shape[0] - 1
        bmax = 1
        for b in range(nb):
            bmax = max(bmax, bstart[b + 1] - bstart[b])
        Tc = max(1, min(chunk, T))
        sa = np.zeros((n + n_slots + 1, 2 * V))
        for i in range(n):
            for w in range(W):
                sa[i, V + w] = st[i, w]
        buf = np.zeros((Tc * substeps, n_slots, V))
        co = np.zeros((bmax, 5 * V))
        fpd = np.zeros((T, 2 * V))
        for t in range(T):
            fpd[t, V] = 1.0
            for s in range(S):
                fpd[t, 1 + s] = fp[t, s]
                fpd[t, V + 1 + s] = fd[t, s]
        la = np.zeros((Tc + 1 if daily_t else 1, lake_k.shape[0], S, 3))
        uc = np.zeros(max(CH, 1))
        pc = np.zeros(max(CH, 1))
        mm = np.zeros(V)
        ch0 = chain[0] if CH > 0 else 0
        ch1 = chain[1] if CH > 1 else 0
        ch2 = chain[2] if CH > 2 else 0
        trb = np.ones((bmax if daily_t else 0, S))
        if not daily_t:
            _lake_lanes(la[0], lake_k, lake_loss, np.ones(S), h)
        for t0 in range(0, T, Tc):
            t1 = min(T, t0 + Tc)
            if daily_t:
                for t in range(t0, min(T, t1 + 1)):  # one day past the chunk: lakes carry over with it
                    _lake_lanes(la[t - t0], lake_k, lake_loss, tfac[t], h)
            for blk in range(nb):
                i0 = bstart[blk]
                i1 = bstart[blk + 1]
                if not daily_t:
                    _fill_block(co, i0, i1, V, c1, c2, lake_of, la[0], tr, 0, pt, em)
                for t in range(t0, t1):
                    if daily_t:
                        for i in range(i0, i1):
                            for s in range(S):
                                trb[i - i0, s] = _exp_neg(ktau[i, s] * tfac[t, s])
                        _fill_block(co, i0, i1, V, c1, c2, lake_of, la[t - t0], trb, i0, pt, em)
                    for sub in range(substeps):
                        if daily_t and sub == substeps - 1 and t + 1 < T and lake_k.shape[0] > 0:
                            _lake_carry(co, i0, i1, V, lake_of, la[t + 1 - t0])
                        g = (t - t0) * substeps + sub
                        for j in range(rptr[blk], rptr[blk + 1]):
                            r = ridx[j]
                            sl = rslot[j]
                            for w in range(V):
                                sa[r, w] += buf[g, sl, w]
                                buf[g, sl, w] = 0.0
                        if NC == 0:  # flow only: scalar lanes, one tight loop per kind of input and output
                            if dense and dense_out:
                                _flow_rows(sa, c1, c2, de, ql, ql_group, ql_base, t, i0, i1, sp_ptr, sp_tgt, sp_w,
                                           sp_out, oq, h, sub == 0, True, True)
                            elif dense:
                                _flow_rows(sa, c1, c2, de, ql, ql_group, ql_base, t, i0, i1, sp_ptr, sp_tgt, sp_w,
                                           sp_out, oq, h, sub == 0, True, False)
                            elif dense_out:
                                _flow_rows(sa, c1, c2, de, ql, ql_group, ql_base, t, i0, i1, sp_ptr, sp_tgt, sp_w,
                                           sp_out, oq, h, sub == 0, False, True)
                            else:
                                _flow_rows(sa, c1, c2, de, ql, ql_group, ql_base, t, i0, i1, sp_ptr, sp_tgt, sp_w,
                                           sp_out, oq, h, sub == 0, False, False)
                        else:
                            for i in range(i0, i1):
                                k = i - i0
                                if dense:
                                    q = np.float64(ql[t, i])
                                else:
                                    q = ql_base[i] * ql[t, ql_group[i]]
                                d = de[i]
                                if CH > 0:
                                    lk = lake_of[i]
                                    if lk < 0 and CH == 3:  # unrolled T u of a three-substance chain
                                        u0 = sa[i, ch0]
                                        u1 = sa[i, ch1]
                                        u2 = sa[i, ch2]
                                        sa[i, ch0] = ct[i, 0, 0] * u0
                                        sa[i, ch1] = ct[i, 1, 0] * u0 + ct[i, 1, 1] * u1
                                        sa[i, ch2] = ct[i, 2, 0] * u0 + ct[i, 2, 1] * u1 + ct[i, 2, 2] * u2
                                        for c in range(NC):
                                            _vreload(sa, i, 4 * c)
                                    elif lk < 0:
                                        _chain_pre(sa, i, chain, ct, uc)
                                        for c in range(NC):
                                            _vreload(sa, i, 4 * c)
                                    else:
                                        for a in range(CH):
                                            uc[a] = sa[i, chain[a]]
                                            pc[a] = sa[i, V + chain[a]]
                                        for c in range(NC):
                                            m = _vstep(sa, co, fpd, i, k, t, 4 * c, V, q)
                                            mm[4 * c] = m[0]
                                            mm[4 * c + 1] = m[1]
                                            mm[4 * c + 2] = m[2]
                                            mm[4 * c + 3] = m[3]
                                        _chain_lake(sa, i, V, lk, chain, la1, la2, la3, lpm, lem, fpd, t, q, uc, pc,
                                                    mm)
                                        for c in range(NC):
                                            m = (mm[4 * c], mm[4 * c + 1], mm[4 * c + 2], mm[4 * c + 3])
                                            if dense_out:
                                                _emit4(oq, ol, t, i, c, m, h, sub == 0)
                                            if d >= 0:
                                                _vadd(sa, d, 4 * c, m, 1.0)
                                                continue
                                            r = -1 - d
                                            for e in range(sp_ptr[r], sp_ptr[r + 1]):
                                                _vadd(sa, sp_tgt[e], 4 * c, m, sp_w[e])
                                            kk = sp_out[r]
                                            if kk >= 0 and not dense_out:
                                                _emit4(oq, ol, t, kk, c, m, h, sub == 0)
                                        continue
                                for c in range(NC):
                                    m = _vstep(sa, co, fpd, i, k, t, 4 * c, V, q)
                                    if dense_out:
                                        _emit4(oq, ol, t, i, c, m, h, sub == 0)
                                    if d >= 0:
                                        _vadd(sa, d, 4 * c, m, 1.0)
                                        continue
                                    r = -1 - d
                                    for e in range(sp_ptr[r], sp_ptr[r + 1]):
                                        _vadd(sa, sp_tgt[e], 4 * c, m, sp_w[e])
                                    kk = sp_out[r]
                                    if kk >= 0 and not dense_out:
                                        _emit4(oq, ol, t, kk, c, m, h, sub == 0)
                        for j in range(fptr[blk], fptr[blk + 1]):
                            sl = fslot[j]
                            for w in range(V):
                                buf[g, sl, w] += sa[n + sl, w]
                                sa[n + sl, w] = 0.0
        for i in range(n):
            for w in range(W):
                st[i, w] = sa[i, V + w]

    def members(c1, c2, de, lake_of, sp_ptr, sp_tgt, sp_w, sp_out, lake_k, lake_loss, tr, ktau, tfac, ql, ql_group,
                ql_base, pt, em, fp, fd, st, bstart, rptr, ridx, rslot, fptr, fslot, n_slots, chunk, oq, ol,
                substeps, chain, ct, la1, la2, la3, lpm, lem):
        """:func:`route` for M members in parallel (``prange`` over members, never over time); member
        arrays (``lake_loss``, ``tr``, ``ktau``, ``pt``, ``em``, ``st``, ``oq``, ``ol``) carry a leading
        member axis."""
        if S < 0 or CH < 0:  # never: keeps S and CH in the closure, which numba's cache key includes
            return
        for m in prange(st.shape[0]):
            _route_one(c1, c2, de, lake_of, sp_ptr, sp_tgt, sp_w, sp_out, lake_k, lake_loss[m], tr[m], ktau[m], tfac,
                       ql, ql_group, ql_base, pt[m], em[m], fp, fd, st[m], bstart, rptr, ridx, rslot, fptr, fslot,
                       n_slots, chunk, oq[m], ol[m], substeps, chain, ct[m], la1[m], la2[m], la3[m], lpm[m], lem[m])

    # `members` reaches `route` as the global `_route_one` of its own globals dict, not through a closure
    # cell: numba keys a disk-cache entry by the closure's contents, and a dispatcher in a cell pickles
    # with a per-process id, so the members kernel was compiled anew (~15 s) in every process.
    members = types_.FunctionType(members.__code__, {**globals(), "_route_one": route}, members.__name__,
                                  members.__defaults__, members.__closure__)
    members = jit(parallel=True)(members)

    return route, members
