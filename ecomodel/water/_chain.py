r"""Transfer chains (organic N -> NH3-N -> NO3-N) in daily routing: the terms the routing kernel needs.

River reach *i* moves its inflow with the flow coefficients and applies the coupled steady shares
:math:`T_i` (lower triangular; diagonal :math:`e^{-a\tau}`, below it the Bateman couplings of
:func:`~ecomodel.water.steadystate.transfer_coupling`) to what enters it, lateral loads included:

.. math:: O_{t+1} = c_1 T U_{t+1} + c_2 T U_t + c_3 O_t + (c_1 + c_2) T q_t .

A lake is a well-mixed box whose outflow loads obey :math:`dO/dt = I/K + \Lambda O` with
:math:`\Lambda = R - I/K` (R: the chain's rate matrix); with inflow linear over a step *h*,
:math:`O(h) = A_1 I(h) + A_2 I(0) + A_3 O(0)`, :math:`A_3 = e^{\Lambda h}`,
:math:`A_1 = G_2/(K h)`, :math:`A_2 = (G_1 - G_2/h)/K` with :math:`G_1 = \int_0^h e^{\Lambda(h-s)}ds`
and :math:`G_2 = \int_0^h e^{\Lambda(h-s)} s\,ds` (one matrix exponential of a block matrix,
Van Loan 1978). Both reduce to the scalar schemes of :mod:`ecomodel.water.routing` without transfers,
and with constant inputs converge to the coupled :func:`~ecomodel.water.steady`.

Reference: Van Loan, C. F. (1978). Computing integrals involving the matrix exponential. *IEEE
Transactions on Automatic Control* 23(3), 395–404.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecomodel.errors import InputError

from .network import RiverNetwork


@dataclass
class _Chain:
    """Kernel inputs of one transfer chain (C substances)."""

    subs: list           # substance indices in chain order
    lanes: np.ndarray    # (C,) kernel lanes (1 + substance)
    ct: np.ndarray       # (n, C, C) coupled shares of river reaches
    la1: np.ndarray      # (L, C, C) lake box matrices
    la2: np.ndarray
    la3: np.ndarray
    lpm: np.ndarray      # (L, C) lake lateral coefficients of the point-like loads
    lem: np.ndarray      # (L, C) and of the runoff loads per unit lateral flow


def empty_chain(n_lakes: int) -> tuple:
    """Kernel arguments for a run without a chain."""
    z = np.zeros((0, 0, 0))
    return (np.zeros(0, np.int64), np.zeros((0, 0, 0)), z, z, z, np.zeros((0, 0)), np.zeros((0, 0)))


def chain_order(items: list, names: list) -> list:
    """Substance indices of the single chain in *items* [(from, to, yield)], head first."""
    nxt = {a: b for a, b, _ in items}
    heads = [a for a in nxt if a not in set(nxt.values())]
    if len(heads) != 1:
        raise InputError(f"transfers: route() supports one transfer chain, got {len(heads)} "
                         f"({[names[h] for h in heads]})", field="transfers", value=[names[h] for h in heads],
                         expected="a single chain such as OrgN -> NH3-N -> NO3-N")
    order = [heads[0]]
    while order[-1] in nxt:
        order.append(nxt[order[-1]])
    return order


def box_matrices(lam: np.ndarray, K: float, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A1, A2, A3) of the coupled well-mixed box for :math:`\\Lambda` = *lam* (C, C) [1/d],
    residence *K* [d] and step *h* [d]."""
    from scipy.linalg import expm

    C = lam.shape[0]
    Z = np.zeros((3 * C, 3 * C))
    Z[:C, :C] = lam
    Z[:C, C:2 * C] = np.eye(C)
    Z[C:2 * C, 2 * C:] = np.eye(C)
    E = expm(Z * h)
    A3, G1, G2 = E[:C, :C], E[:C, C:2 * C], E[:C, 2 * C:]
    return G2 / (K * h), (G1 - G2 / h) / K, A3


def rate_matrix(rate_i: np.ndarray, decay_i: np.ndarray, order: list, yields: dict) -> np.ndarray:
    """Chain rate matrix R (C, C) [1/d] of one reach: :math:`-a` on the diagonal, ``yield * decay`` of
    the precursor below it."""
    C = len(order)
    R = np.zeros((C, C))
    for a, s in enumerate(order):
        R[a, a] = -rate_i[s]
        if a > 0:
            R[a, a - 1] = yields[order[a - 1]] * decay_i[order[a - 1]]
    return R


def build_chain(network: RiverNetwork, items: list, names: list, rate: np.ndarray, decay: np.ndarray,
                share: np.ndarray, pt: np.ndarray, em: np.ndarray, lake_k: np.ndarray, substeps: int):
    """The chain's kernel inputs, and ``pt``/``em`` with the chain columns premixed for river reaches.

    ``rate``/``decay`` (n, S) total and transforming loss rates [1/d]; ``share`` (n, S) shares
    leaving (:func:`~ecomodel.water.steadystate.transmission`)."""
    from .steadystate import _coupling_arrays

    order = chain_order(items, names)
    C = len(order)
    yields = {a: y for a, _, y in items}
    n = network.n_reaches
    ct = np.zeros((n, C, C))
    for a, s in enumerate(order):
        ct[:, a, a] = share[:, s]
    pf, ptg, coup = _coupling_arrays(network.travel_time, network.lake_of >= 0, rate, decay, items)
    pos = {s: a for a, s in enumerate(order)}
    for p in range(len(pf)):
        ct[:, pos[int(ptg[p])], pos[int(pf[p])]] = coup[:, p]
    pt, em = pt.copy(), em.copy()
    river = network.lake_of < 0
    pt[np.ix_(river, order)] = np.einsum("iab,ib->ia", ct[river], pt[np.ix_(river, order)])
    em[np.ix_(river, order)] = np.einsum("iab,ib->ia", ct[river], em[np.ix_(river, order)])
    L = len(network.lakes)
    la = np.zeros((3, L, C, C))
    lpm, lem = np.zeros((L, C)), np.zeros((L, C))
    for i in np.nonzero(~river)[0]:
        j = network.lake_of[i]
        lam = rate_matrix(rate[i], decay[i], order, yields) - np.eye(C) / lake_k[j]
        a1, a2, a3 = box_matrices(lam, lake_k[j], 1.0 / substeps)
        la[0, j], la[1, j], la[2, j] = a1, a2, a3
        lpm[j] = (a1 + a2) @ pt[i, order]
        lem[j] = (a1 + a2) @ em[i, order]
    chain = _Chain(order, np.array([1 + s for s in order], np.int64), np.ascontiguousarray(ct),
                   np.ascontiguousarray(la[0]), np.ascontiguousarray(la[1]), np.ascontiguousarray(la[2]), lpm, lem)
    return chain, pt, em


def chain_args(chain: _Chain) -> tuple:
    """Kernel arguments (chain, ct, la1, la2, la3, lpm, lem)."""
    return chain.lanes, chain.ct, chain.la1, chain.la2, chain.la3, chain.lpm, chain.lem


def chain_steady_state(network: RiverNetwork, chain: _Chain, c1: np.ndarray, c2: np.ndarray, st: np.ndarray,
                       up: np.ndarray, out: np.ndarray) -> None:
    """Overwrite the chain lanes of the kernel state *st* (n, 1 + S) with the steady state: rivers
    ``c2 T U + c3 O``, lakes ``A2 U + A3 O`` (``up`` upstream inflow, ``out`` outflow, (n, S))."""
    order = chain.subs
    c3 = 1.0 - c1 - c2
    lanes = chain.lanes
    u, o = up[:, order], out[:, order]
    river = network.lake_of < 0
    mixed = np.einsum("iab,ib->ia", chain.ct, u)
    st[np.ix_(river, lanes)] = c2[river, None] * mixed[river] + c3[river, None] * o[river]
    for i in np.nonzero(~river)[0]:
        j = network.lake_of[i]
        st[i, lanes] = chain.la2[j] @ u[i] + chain.la3[j] @ o[i]


def check_shared_factors(fp: np.ndarray, fd: np.ndarray, order: list, names: list) -> None:
    """The chain's substances must share their seasonal factors (the kernel mixes their loads)."""
    for label, f in (("point_factor", fp), ("diffuse_factor", fd)):
        block = f[:, order]
        if not np.allclose(block, block[:, :1], rtol=1e-12, atol=0.0):
            raise InputError(f"loads.{label}: the transfer chain {[names[s] for s in order]} has different seasonal "
                             "factors per substance; give the chain one factor (e.g. Sources.daily shares it)",
                             field=label, value="per-substance factors", expected="equal columns for the chain")
