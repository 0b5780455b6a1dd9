r"""Steady (annual-mean) transport through a :class:`RiverNetwork`: loss rates, reach shares and
the one-pass topological solve.

A river reach removes a substance by first-order loss during its travel time
:math:`\tau = L/u`, with a rate that combines decay and settling and follows the usual
temperature correction (Chapra 1997, *Surface Water-Quality Modeling*, eq. 2.44):

.. math:: k = k_{20}\,\theta^{T-20} + v_s / H, \qquad
          \text{share leaving} = e^{-k\tau}\ \text{(plug flow)}.

A lake is a well-mixed box (Vollenweider 1975) whose share leaving is :math:`1/(1 + k\tau)` with
:math:`\tau = V/Q`; with :math:`k = v_s/H` this is the Vollenweider steady state
:math:`C = L/(Q + v_s A)`.

Conventions: a reach's load enters at its upstream end; ``concentration`` is at its downstream
end, i.e. after loss over the travel time, and equals load / flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ecomodel._checks import as_float_array
from ecomodel.errors import InputError, NetworkError
from ecomodel.units import SECONDS_PER_DAY

from ._inputs import _load_matrix, _per_substance, _reach_coords, _substance_names
from .network import RiverNetwork

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["steady", "transmission", "loss_rate", "transfer_coupling", "KG_PER_DAY_TO_MG_PER_L"]

#: concentration [mg/L] = load [kg/d] / flow [m3/s] * this factor (1e6 mg / (86400 s * 1e3 L))
KG_PER_DAY_TO_MG_PER_L = 1e6 / (SECONDS_PER_DAY * 1e3)


def loss_rate(network: RiverNetwork, decay_rate: Any = None, settling_velocity: Any = None, *,
              temperature: float = 20.0, theta: float | dict = 1.0,
              substances: Sequence[str] = ("load",)) -> np.ndarray:
    r"""Effective first-order loss rate per reach and substance [1/d].

    .. math:: k = k_{20}\,\theta^{T-20} + v_s / H

    Parameters
    ----------
    network : RiverNetwork
    decay_rate : float, array-like or dict, optional
        Loss rate at 20 degC [1/d]; default: the network's ``decay_rate`` column.
    settling_velocity : float, array-like or dict, optional
        Apparent settling velocity [m/d]; default: the network's ``settling_velocity`` column.
        Needs a ``depth`` [m] on every reach where it is positive (lakes use their mean depth).
    temperature : float
        Water temperature [degC].
    theta : float or dict
        Temperature coefficient θ [1] (Chapra 1997: about 1.047 for BOD/COD decay, 1.08 for
        nitrification).
    substances : sequence of str
        Substance names (dict parameters are keyed by them).

    Returns
    -------
    numpy.ndarray
        (reach, substance) loss rates [1/d].

    Examples
    --------
    >>> import pandas as pd
    >>> net = RiverNetwork.from_dataframe(pd.DataFrame({"reach": ["A"], "downstream": [""], "length": [1e3],
    ...     "flow": [1.0], "velocity": [0.1], "depth": [2.0]}))
    >>> float(loss_rate(net, 0.1, 0.2, temperature=30.0, theta=1.047)[0, 0])   # 0.1*1.047**10 + 0.2/2
    0.2583...
    """
    return np.array(_loss_rates(network, decay_rate, settling_velocity, temperature, theta, substances))


def _loss_rates(network, decay_rate, settling_velocity, temperature, theta, substances) -> np.ndarray:
    """:func:`loss_rate` without the final copy: may return a read-only broadcast view (one rate for
    every reach), which :func:`transmission` turns into a single fused pass."""
    names = list(substances)
    n = network.n_reaches
    k20 = _per_substance(decay_rate, names, n, "decay_rate", network.decay_rate, error=InputError)
    vs = _per_substance(settling_velocity, names, n, "settling_velocity", network.settling_velocity, error=InputError)
    if settling_velocity is None:
        settles = network._derived("settles", lambda: bool(np.any(network.settling_velocity > 0)))
    else:
        settles = bool(np.any(vs > 0))
    if isinstance(theta, dict):
        th = np.array([float(theta.get(s, 1.0)) for s in names])
    else:
        th = np.full(len(names), float(theta))
    if not np.all(th > 0):
        raise InputError(f"theta: {th.min()}; expected a temperature coefficient > 0", field="theta", value=th.min(),
                         expected="> 0")
    temp = np.asarray(temperature, dtype=float)
    as_float_array(temp, "temperature", nonnegative=False)
    if temp.ndim != 0:
        raise InputError("temperature: expected one value [degC] (use route() for daily temperatures)",
                         field="temperature", value=temp.shape, expected="a scalar")
    tf = th ** (float(temp) - 20.0)
    k = k20 * tf[None, :] if np.any(tf != 1.0) else k20
    if settles:
        depth = network.depth
        need = (vs > 0).any(axis=1)
        bad = need & ~(depth > 0)
        if bad.any():
            r = network.reaches[int(np.argmax(bad))]
            raise NetworkError(f"settling_velocity: reach {r!r} settles but has no depth; add a 'depth' column [m]",
                               field="depth", value=np.nan, expected="depth > 0 where settling_velocity > 0")
        k = k + np.where(vs > 0, vs / np.where(depth > 0, depth, 1.0)[:, None], 0.0)
    return k


def transmission(network: RiverNetwork, rate: np.ndarray) -> np.ndarray:
    r"""Share of the load entering a reach that leaves it, for loss rates *rate* (reach, substance)
    [1/d]: :math:`e^{-k\tau}` for rivers, :math:`1/(1 + k\tau)` for lakes (well mixed).

    Examples
    --------
    >>> import pandas as pd
    >>> net = RiverNetwork.from_dataframe(pd.DataFrame({"reach": ["A"], "downstream": [""],
    ...     "length": [8640.0], "flow": [1.0], "velocity": [0.1]}))   # travel time 1 day
    >>> float(transmission(net, np.array([[0.5]]))[0, 0]) == float(np.exp(-0.5))
    True
    """
    from ._kernels import _exp_neg_rows, _exp_neg_scaled

    rate = np.asarray(rate, dtype=float)
    tt = network.travel_time
    out = np.empty(rate.shape)
    if rate.shape[1:] == (1,) and rate.strides[0] == 0:  # one rate for every reach: fused multiply and exp
        _exp_neg_scaled(float(rate[0, 0]) if rate.shape[0] else 0.0, tt, out[:, 0])
    elif rate.ndim == 2 and rate.shape[0] > 1 and rate.strides[0] == 0:  # one rate per substance
        _exp_neg_rows(np.ascontiguousarray(rate[0]), tt, out)
    else:
        np.multiply(rate, tt[:, None], out=out)
        _exp_neg_scaled(1.0, out.reshape(-1), out.reshape(-1))
    lake = network._derived("lake_positions", lambda: np.flatnonzero(network.lake_of >= 0))
    out[lake] = 1.0 / (1.0 + rate[lake] * tt[lake, None])
    return out


def steady(network: RiverNetwork, loads: Any, decay_rate: Any = None, *, settling_velocity: Any = None,
           temperature: float = 20.0, theta: float | dict = 1.0, substance: str | list | None = None,
           diagnostics: bool = False, transfers: dict | None = None) -> "xr.Dataset":
    r"""Annual-mean loads and concentrations at every reach in one topological pass.

    Parameters
    ----------
    network : RiverNetwork
    loads : array-like, pandas.Series, dict or xarray.DataArray
        Load entering each reach at its upstream end [kg/d]: an array in ``network.reaches`` order,
        ``(reach,)`` or ``(reach, substance)``; a mapping ``{reach: load}``; or a DataArray over
        ``reach`` (and ``substance``) whose ``units`` are converted to kg/d.
    decay_rate : float, array-like or dict, optional
        First-order loss rate at 20 degC [1/d]; default: the network's ``decay_rate`` column.
    settling_velocity : float, array-like or dict, optional
        Apparent settling velocity [m/d]; default: the network's column (needs ``depth``).
    temperature : float
        Water temperature [degC].
    theta : float or dict
        Temperature coefficient θ [1] (per substance with a dict).
    substance : str or list of str, optional
        Substance name(s) for array input (default ``'load'``).
    diagnostics : bool
        Also return ``inflow_load`` and ``loss`` [kg/d] (for mass balances; with transfers the
        loss of a substance is net of what it gains from its precursor).
    transfers : dict, optional
        First-order chains between substances, ``{from: (to, yield)}`` or ``{from: to}``: the
        decay part :math:`k_{20}\theta^{T-20}` of *from* (not its settling) becomes *to* with
        *yield* [1], e.g. ``{"OrgN": "NH3-N", "NH3-N": "NO3-N"}`` (ammonification, nitrification;
        the decay of NO3-N is denitrification, lost as N2). See :func:`transfer_coupling`.

    Returns
    -------
    xarray.Dataset
        ``load`` leaving each reach [kg/d] and ``concentration`` at its downstream end [mg/L]
        over ``reach`` (and ``substance`` when there are several), plus ``flow`` [m3/s].

    Examples
    --------
    Decay along a chain of two reaches, each one day long, at k = 0.2/d:

    >>> import pandas as pd
    >>> net = RiverNetwork.from_dataframe(pd.DataFrame({"reach": ["a", "b"], "downstream": ["b", ""],
    ...     "length": [8640.0, 8640.0], "flow": [1.0, 1.0], "velocity": [0.1, 0.1]}))
    >>> ds = steady(net, {"a": 86.4}, decay_rate=0.2)        # 86.4 kg/d in 1 m3/s is 1 mg/L
    >>> [round(float(c), 6) for c in ds["concentration"]]    # exp(-0.2), exp(-0.4)
    [0.818731, 0.67032]
    """
    from ._kernels import _steady_solve, _steady_solve1

    names = _substance_names(loads, substance)
    local = _load_matrix(network, loads, names)
    rate = _loss_rates(network, decay_rate, settling_velocity, temperature, theta, names)
    n, S = local.shape
    out = np.zeros((n, S))
    factor = network._derived("mg_per_l_per_kg_d", lambda: KG_PER_DAY_TO_MG_PER_L / network.flow[:, None])
    trans = np.ascontiguousarray(transmission(network, rate))
    inflow = np.empty((n if diagnostics else 0, S))
    if transfers:
        from ._kernels import _steady_coupled

        decay = decay_part(network, decay_rate, temperature, theta, names)
        items = _transfer_table(transfers, names)
        pf, pt, coup = _coupling_arrays(network.travel_time, network.lake_of >= 0, rate, decay, items, trans)
        _steady_coupled(network.down, network.sp_ptr, network.sp_idx, network.sp_w, local, trans, pf, pt, coup, out,
                        inflow)
    elif S == 1 and not diagnostics:
        _steady_solve1(network.down, network.sp_ptr, network.sp_idx, network.sp_w, local[:, 0], trans[:, 0],
                       out[:, 0])
    else:
        _steady_solve(network.down, network.sp_ptr, network.sp_idx, network.sp_w, local, trans, out, inflow)
    return _steady_dataset(network, names, substance, out, out * factor, inflow if diagnostics else None, local,
                           temperature)


def _steady_dataset(network, names, substance, out, conc, inflow, local, temperature) -> "xr.Dataset":
    """The :func:`steady` result: ``load``, ``concentration`` and ``flow`` (and, with ``inflow``, the
    diagnostics) over ``reach`` (and ``substance``)."""
    import xarray as xr

    from ecomodel._cf import cf_attrs

    diagnostics = inflow is not None
    squeeze = substance is None and names == ["load"]
    dims = ("reach",) if squeeze else ("reach", "substance")

    def face(a):
        return a[:, 0] if squeeze else a

    data = {
        "load": (dims, face(out), cf_attrs("kg/d", "load leaving the reach")),
        "concentration": (dims, face(conc), cf_attrs("mg/L", "concentration at the downstream end of the reach")),
        "flow": ("reach", network.flow, cf_attrs("m3/s", "mean flow leaving the reach",
                                                  "water_volume_transport_in_river_channel")),
    }
    if diagnostics:
        data["inflow_load"] = (dims, face(inflow), cf_attrs("kg/d", "load entering the reach (upstream and local)"))
        data["loss"] = (dims, face(inflow - out), cf_attrs("kg/d", "load lost in the reach (decay and settling)"))
        data["local_load"] = (dims, face(local), cf_attrs("kg/d", "load entering the reach from its sources"))
    ds = xr.Dataset(data, coords=_reach_coords(network),
                    attrs={"title": "steady (annual-mean) water quality", "temperature_degC": float(temperature)})
    if not squeeze:
        ds = ds.assign_coords(substance=("substance", np.asarray(names, dtype=object)))
    return ds




# ---------------------------------------------------------------------------- transfers (N chain)
def _transfer_table(transfers, names) -> list[tuple[int, int, float]]:
    """Check ``{from: (to, yield)}`` / ``{(from, to): yield}`` transfers: (from, to, yield) indices.

    Each substance feeds at most one other and is fed by at most one; chains are at most three
    substances long (organic N -> NH3-N -> NO3-N)."""
    items = []
    for key, val in dict(transfers).items():
        if isinstance(key, tuple):
            (a, b), y = key, val
        else:
            a, (b, y) = key, (val if isinstance(val, tuple) else (val, 1.0))
        for s in (a, b):
            if s not in names:
                raise InputError(f"transfers: substance {s!r} is not among the substances {names}", field="transfers",
                                 value=s, expected=f"one of {names}")
        y = float(as_float_array(y, f"transfers[{a!r}->{b!r}].yield")[0])
        if a == b or y > 1.0:
            raise InputError(f"transfers: {a!r} -> {b!r} with yield {y}; expected two different substances and a "
                             "yield in [0, 1] [mass of product per mass lost]", field="transfers", value=(a, b, y),
                             expected="a != b, 0 <= yield <= 1")
        items.append((names.index(a), names.index(b), y))
    for pos, what in ((0, "feeds"), (1, "is fed by")):
        seen = [t[pos] for t in items]
        dup = [s for s in seen if seen.count(s) > 1]
        if dup:
            raise InputError(f"transfers: {names[dup[0]]!r} {what} more than one substance; expected simple chains",
                             field="transfers", value=names[dup[0]], expected="at most one product per substance")
    nxt = {a: b for a, b, _ in items}
    for a in nxt:
        b, steps = a, 0
        while b in nxt:
            b, steps = nxt[b], steps + 1
            if steps > 2:
                raise InputError(f"transfers: the chain from {names[a]!r} is longer than three substances or cyclic",
                                 field="transfers", value=names[a], expected="chains of at most 3 substances")
    return items


def transfer_coupling(network: RiverNetwork, rate: np.ndarray, decay: np.ndarray, transfers: Any,
                      substances: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Coupling shares of a first-order chain of substances in every reach.

    In a reach, substance *i* is lost at total rate :math:`a_i` [1/d] (``rate``); the part
    :math:`y\,d_i` of it (``decay`` [1/d] times the yield *y*) becomes substance *j*. For a river
    (plug flow over the travel time :math:`\tau`) the load of *j* leaving the reach gains, per unit
    load of *i* entering it,

    .. math:: y\,d_i\,\frac{e^{-a_i\tau} - e^{-a_j\tau}}{a_j - a_i}

    and for a two-step chain *i* -> *j* -> *k* :math:`y_{ij} y_{jk} d_i d_j\,e[a_i, a_j, a_k]` (the
    second divided difference of :math:`e^{-x\tau}`; the Bateman solution), evaluated without
    cancellation for close or equal rates. For a lake (well mixed,
    steady) the gains are :math:`y d_i \tau / ((1 + a_i\tau)(1 + a_j\tau))` and
    :math:`y y' d_i d_j \tau^2 / \prod (1 + a\tau)`.

    Parameters
    ----------
    network : RiverNetwork
    rate, decay : numpy.ndarray
        (reach, substance) total loss rates and their transforming (decay) part [1/d].
    transfers : dict
        ``{from: (to, yield)}``, ``{from: to}`` (yield 1) or ``{(from, to): yield}``.
    substances : sequence of str

    Returns
    -------
    (pf, pt, coup)
        Pair source and target substance indices (P,) and the (reach, P) coupling shares [1].

    Examples
    --------
    >>> import pandas as pd
    >>> net = RiverNetwork.from_dataframe(pd.DataFrame({"reach": ["A"], "downstream": [""],
    ...     "length": [8640.0], "flow": [1.0], "velocity": [0.1]}))        # travel time 1 day
    >>> k = np.array([[0.2, 0.5]])
    >>> pf, pt, c = transfer_coupling(net, k, k, {"OrgN": "NH3-N"}, ["OrgN", "NH3-N"])
    >>> round(float(c[0, 0]), 6), round(float(0.2 * (np.exp(-0.2) - np.exp(-0.5)) / 0.3), 6)
    (0.141467, 0.141467)
    """
    items = _transfer_table(transfers, list(substances))
    return _coupling_arrays(network.travel_time, network.lake_of >= 0, rate, decay, items)


def _coupling_arrays(tau: np.ndarray, lake: np.ndarray, rate: np.ndarray, decay: np.ndarray,
                     items: list, share: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`transfer_coupling` on arrays: travel times ``tau`` (..., n) [d], lake flags (n,),
    rates (..., n, S) [1/d] (any leading member axes), river shares ``share`` = e^{-rate tau} if
    already computed; coupling (..., n, P), direct pairs first, then two-step pairs."""
    from ._kernels import _chain_coupling

    nxt = {a: (b, y) for a, b, y in items}
    direct = [(a, b, y) for a, b, y in items]
    twostep = [(a, b, nxt[b][0], y * nxt[b][1]) for a, b, y in items if b in nxt]
    pf = np.array([p[0] for p in direct] + [p[0] for p in twostep], np.int64)
    pt = np.array([p[1] for p in direct] + [p[2] for p in twostep], np.int64)
    P = len(pf)
    lead = rate.shape[:-2]
    n, S = rate.shape[-2:]
    tau_b = np.broadcast_to(tau, lead + (n,))
    if share is None:
        share = np.exp(-rate * tau_b[..., None])
    share = np.broadcast_to(share, rate.shape)
    decay = np.broadcast_to(decay, rate.shape)
    out = np.zeros(lead + (n, P))
    arr = [np.array([t[k] for t in direct], dtype) for k, dtype in ((0, np.int64), (1, np.int64), (2, float))]
    arr2 = [np.array([t[k] for t in twostep], dtype)
            for k, dtype in ((0, np.int64), (1, np.int64), (2, np.int64), (3, float))]
    lk = np.ascontiguousarray(np.broadcast_to(lake, (n,)))
    for idx in np.ndindex(*lead):  # broadcast views are read in place (no copies)
        _chain_coupling(tau_b[idx], lk, rate[idx], decay[idx], share[idx], *arr, *arr2, out[idx])
    return pf, pt, out


def decay_part(network: RiverNetwork, decay_rate: Any, temperature: float, theta: float | dict,
               substances: Sequence[str]) -> np.ndarray:
    r"""The transforming part :math:`k_{20}\,\theta^{T-20}` [1/d] of the loss rates (no settling)."""
    return _loss_rates(network, decay_rate, 0.0, temperature, theta, substances)
