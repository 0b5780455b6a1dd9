r"""Daily unsteady routing of flow and loads through a :class:`RiverNetwork`.

Flow moves through each reach with a linear reservoir (an exact exponential step, the default
``method="cstr"``) or Muskingum (``method="muskingum"``), both of the form
:math:`O_{t+1} = c_1 U_{t+1} + c_2 U_t + c_3 O_t + (c_1 + c_2) q_t`; loads follow the same scheme
with :math:`(s c_1, s c_2, c_3)` where :math:`s` is the steady share leaving a river reach
(:func:`~ecomodel.water.steadystate.transmission`), and exact well-mixed-box coefficients in
lakes. With constant inputs the routed state converges to :func:`~ecomodel.water.steady`. Lake
internal (sediment) release enters daily routing as an ordinary source at its annual rate; the
sediment pool itself changes over years and is followed by :func:`ecomodel.water.project`.

Units: flow [m3/s], loads [kg/d], concentrations [mg/L], time [d].
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ecomodel._checks import as_float_array
from ecomodel.errors import InputError, NetworkError
from ecomodel.units import SECONDS_PER_DAY

from ._inputs import DailyLoads, _daily_loads, _lateral_flow_input, _per_substance
from .network import RiverNetwork, _ranges
from .steadystate import KG_PER_DAY_TO_MG_PER_L, _loss_rates, transmission

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["route", "RouteState", "Kinetics", "RouteOptions", "DailyLoads"]


def _coefficients(network: RiverNetwork, method: str, muskingum_x, substeps: int):
    """Flow routing coefficients (c1, c2) for a step of 1/substeps day."""
    dt = 1.0 / substeps
    K = network.travel_time.copy()
    if method == "cstr":
        r = dt / K
        e = np.exp(-r)
        g = np.where(r > 1e-8, -np.expm1(-r) / np.where(r > 0, r, 1.0), 1.0 - 0.5 * r)
        c1 = 1.0 - g
        c2 = g - e
    elif method == "muskingum":
        x = as_float_array(muskingum_x, "muskingum_x")
        x = np.broadcast_to(x, K.shape)
        if np.any(x > 0.5):
            raise InputError(f"muskingum_x: {x.max()}; expected 0 <= x <= 0.5", field="muskingum_x",
                             value=float(x.max()), expected="0 <= x <= 0.5")
        den = dt + 2.0 * K * (1.0 - x)
        c1 = (dt - 2.0 * K * x) / den
        c2 = (dt + 2.0 * K * x) / den
        c3 = 1.0 - c1 - c2
        bad = (c1 < -1e-12) | (c3 < -1e-12)
        lake = network.lake_of >= 0
        bad &= ~lake
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"method='muskingum': reach {network.reaches[i]!r} has travel time {K[i]:.4g} d, which "
                             f"gives a negative coefficient at a {dt:g}-day step (x={x[i]:g}); use more substeps "
                             "(dt < 2K(1-x)) or method='cstr'", field="substeps", value=substeps,
                             expected="2Kx <= dt <= 2K(1-x)")
        if lake.any():  # lakes are always well-mixed boxes
            r = dt / K[lake]
            c1[lake] = 1.0 + np.expm1(-r) / r
            c2[lake] = -np.expm1(-r) / r - np.exp(-r)
    else:
        raise InputError(f"method: unknown routing method {method!r}; expected 'cstr' or 'muskingum'", field="method",
                         value=method, expected="'cstr' or 'muskingum'")
    return np.ascontiguousarray(c1), np.ascontiguousarray(c2)


@dataclass
class _Plan:
    de: np.ndarray
    sp_ptr: np.ndarray
    sp_tgt: np.ndarray
    sp_w: np.ndarray
    sp_out: np.ndarray
    bstart: np.ndarray
    rptr: np.ndarray
    ridx: np.ndarray
    rslot: np.ndarray
    fptr: np.ndarray
    fslot: np.ndarray
    n_slots: int
    block_size: int


def _plan(network: RiverNetwork, out_pos: np.ndarray, block_size: int) -> _Plan:
    """Block structure and special-reach table for the routing kernel (vectorised, O(n))."""
    key = ("plan", block_size, out_pos.tobytes())
    if key in network._cache:
        return network._cache[key]
    n = network.n_reaches
    B = max(1, min(int(block_size), n))
    blk = np.arange(n) // B
    src, dst, w = network.edge_src, network.edge_dst, network.edge_w
    cross = blk[dst] != blk[src]
    targets = np.unique(dst[cross])
    slot = np.full(n, -1, np.int64)
    slot[targets] = np.arange(len(targets))
    ns = len(targets)
    sink = n + ns
    eff = np.where(cross, n + slot[dst], dst)
    out_count = np.bincount(src, minlength=n)
    eptr = np.concatenate([[0], np.cumsum(out_count)])
    first = eptr[:-1]
    is_out = np.zeros(n, bool)
    if len(out_pos) < n:  # with every reach an output the kernel writes each one in place (K = n)
        is_out[out_pos] = True
    single = out_count == 1
    w1 = np.zeros(n, bool)
    w1[single] = w[first[single]] == 1.0
    special = ~((out_count == 0) | (single & w1)) | is_out  # lakes are regular: their coefficients differ
    de = np.full(n, sink, np.int64)
    regular_link = ~special & single
    de[regular_link] = eff[first[regular_link]]
    sp_rows = np.nonzero(special)[0]
    de[sp_rows] = -1 - np.arange(len(sp_rows))
    # special links: their edges, or one link to the sink for outlets
    cnt = np.where(out_count[sp_rows] > 0, out_count[sp_rows], 1)
    sp_ptr = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    sp_tgt = np.full(int(sp_ptr[-1]), sink, np.int64)
    sp_w = np.ones(int(sp_ptr[-1]))
    has = out_count[sp_rows] > 0
    if has.any():
        starts = sp_ptr[:-1][has]
        lens = out_count[sp_rows][has]
        e_idx = _ranges(eptr[sp_rows[has]], lens)
        t_idx = _ranges(starts, lens)
        sp_tgt[t_idx] = eff[e_idx]
        sp_w[t_idx] = w[e_idx]
    kpos = np.full(n, -1, np.int64)
    kpos[out_pos] = np.arange(len(out_pos))
    sp_out = kpos[sp_rows]
    nb = (n + B - 1) // B
    bstart = np.minimum(np.arange(nb + 1) * B, n).astype(np.int64)
    rb = blk[targets]
    rptr = np.searchsorted(rb, np.arange(nb + 1)).astype(np.int64)
    ridx = targets.astype(np.int64)
    rslot = slot[targets]
    if cross.any():
        pairs = np.unique(np.stack([blk[src[cross]], slot[dst[cross]]], axis=1), axis=0)
    else:
        pairs = np.zeros((0, 2), np.int64)
    fptr = np.searchsorted(pairs[:, 0], np.arange(nb + 1)).astype(np.int64)
    fslot = np.ascontiguousarray(pairs[:, 1]).astype(np.int64)
    plan = _Plan(de, sp_ptr, sp_tgt, sp_w, sp_out, bstart, rptr, ridx, rslot, fptr, fslot, ns, B)
    if len(network._cache) > 16:
        network._cache.clear()
    network._cache[key] = plan
    return plan


#: days routed per time chunk: a block runs through a chunk's steps before the next block starts, and
#: the cross-block buffer holds one chunk (memory slots x chunk x lanes, not slots x days x lanes)
TIME_CHUNK = 64


def _default_block(n_lanes: int) -> int:
    # keep a block's kernel rows (state 2V, coefficients 5V, lateral flow and link: 2) in ~512 KiB of cache
    from ._kernels import lane_count

    V = lane_count(n_lanes - 1)
    per_reach = 8 * (2 + 7 * V)
    return int(max(256, 2 ** int(np.log2(512 * 1024 / per_reach))))


def _choose_plan(network, out_pos, n_lanes, steps, members, block_size, max_buffer_bytes, substeps=1):
    from ._kernels import lane_count

    B = _default_block(n_lanes) if block_size is None else int(block_size)
    if B < 1:
        raise InputError(f"block_size: {block_size}; expected a positive integer", field="block_size",
                         value=block_size, expected=">= 1")
    buffered = min(steps, TIME_CHUNK * substeps)
    while True:
        plan = _plan(network, out_pos, B)
        need = plan.n_slots * buffered * lane_count(n_lanes - 1) * 8 * members
        if need <= max_buffer_bytes or B >= network.n_reaches:
            return plan
        B *= 4



@dataclass(frozen=True)
class Kinetics:
    r"""Loss kinetics of the routed substances, as in :func:`~ecomodel.water.steady`.

    Attributes
    ----------
    decay_rate : float, array-like or dict, optional
        First-order loss rate at 20 degC [1/d] (default: the network's column).
    settling_velocity : float, array-like or dict, optional
        Apparent settling velocity [m/d] (default: the network's column; needs ``depth``).
    temperature : float or array-like
        Water temperature [degC]: one value, or a daily series ``(days,)``.
    theta : float or dict
        Temperature coefficient θ [1] of :math:`k_{20}\,\theta^{T-20}`.
    transfers : dict, optional
        One first-order chain between substances, as in :func:`~ecomodel.water.steady`
        (``{"OrgN": "NH3-N", "NH3-N": "NO3-N"}``); routed exactly (:mod:`ecomodel.water._chain`)
        with a constant temperature, no ensembles, and one seasonal factor for the chain.
    """

    decay_rate: Any = None
    settling_velocity: Any = None
    temperature: Any = 20.0
    theta: Any = 1.0
    transfers: Any = None


@dataclass(frozen=True)
class RouteOptions:
    """Numerical options of :func:`route` (see its parameters of the same names).

    Attributes
    ----------
    method : {"cstr", "muskingum"}
    muskingum_x : float or array-like
        Muskingum weighting x [1], 0 <= x <= 0.5.
    substeps : int
        Routing steps per day.
    initial : {"steady", "zero"} or RouteState
    block_size : int, optional
        Reaches per cache block.
    max_buffer_bytes : int
        Cap on the cross-block buffer [bytes].
    return_state : bool
    """

    method: str = "cstr"
    muskingum_x: Any = 0.2
    substeps: int = 1
    initial: Any = "steady"
    block_size: int | None = None
    max_buffer_bytes: int = 2 ** 30
    return_state: bool = False


_KINETIC_KEYS = frozenset(f.name for f in fields(Kinetics))
_OPTION_KEYS = frozenset(f.name for f in fields(RouteOptions))


def _resolve_options(kinetics: Kinetics | None, options: RouteOptions | None,
                     keywords: dict) -> tuple[Kinetics, RouteOptions]:
    """Merge the options objects with individual keywords (keywords win) and check them."""
    unknown = sorted(set(keywords) - _KINETIC_KEYS - _OPTION_KEYS)
    if unknown:
        raise InputError(f"route: unknown keyword(s) {unknown}; expected fields of Kinetics "
                         f"{sorted(_KINETIC_KEYS)} or RouteOptions {sorted(_OPTION_KEYS)}", field=unknown[0],
                         value=keywords[unknown[0]], expected="a Kinetics or RouteOptions field")
    kin = replace(kinetics or Kinetics(), **{k: v for k, v in keywords.items() if k in _KINETIC_KEYS})
    opt = replace(options or RouteOptions(), **{k: v for k, v in keywords.items() if k in _OPTION_KEYS})
    substeps = int(opt.substeps)
    if substeps < 1:
        raise InputError(f"substeps: {substeps}; expected >= 1", field="substeps", value=substeps, expected=">= 1")
    initial = opt.initial
    if not isinstance(initial, RouteState) and initial not in ("steady", "zero"):
        raise InputError(f"initial: {initial!r}; expected 'steady', 'zero' or a RouteState", field="initial",
                         value=initial, expected="'steady', 'zero' or a RouteState")
    return kin, replace(opt, substeps=substeps)


def _outputs(network: RiverNetwork, sections, reaches) -> tuple[list, np.ndarray, str]:
    """(labels, positions, dimension name) of the requested outputs."""
    if reaches is not None:
        labels = list(network.reaches) if isinstance(reaches, str) and reaches == "all" else list(reaches)
        return labels, network.positions(labels), "reach"
    labels, pos = network.section_positions(sections)
    if len(labels) == 0:
        raise NetworkError("route: the network has no monitoring sections; pass sections on the network or "
                           "reaches=[...] to choose outputs", field="sections", value=None,
                           expected="sections or reaches")
    return labels, pos, "section"


@dataclass
class _Inputs:
    """Kernel inputs shared by the single and ensemble paths (network order, units of the kernel)."""

    names: list
    c1: np.ndarray
    c2: np.ndarray
    rate: np.ndarray       # (reach, substance) loss rates [1/d] (at 20 degC with daily temperatures)
    tfac: np.ndarray       # (day, substance) temperature factors, or (0, S)
    t0: np.ndarray         # first day's temperature factors (S,)
    daily_t: bool
    lake_k: np.ndarray     # (lake,) residence times [d]
    lake_loss: np.ndarray  # (lake, substance) loss rates [1/d]
    ql: np.ndarray
    group: np.ndarray
    base: np.ndarray
    pt: np.ndarray         # (reach, substance) constant loads [kg/d]
    em: np.ndarray         # (reach, substance) runoff loads per unit lateral flow [kg/d per m3/s]
    fp: np.ndarray
    fd: np.ndarray
    note: str | None
    chain: Any = None      # _chain._Chain of a transfer chain, or None
    local_pt: Any = None   # unmixed (pt, em) of the chain run (for the steady start)


def _lateral_loads(network: RiverNetwork, loads, days: int, substance):
    """(names, pt, em, fp, fd, note): point-like and runoff-driven load terms for the kernel."""
    n = network.n_reaches
    if loads is None:
        dl, fp, fd = DailyLoads([], np.zeros((n, 0)), np.zeros((n, 0))), np.ones((days, 0)), np.ones((days, 0))
    else:
        dl, fp, fd = _daily_loads(network, loads, days, substance)
    mean_q = network.lateral_flow
    runoff = mean_q > 0
    point = dl.point + np.where(runoff[:, None], 0.0, dl.diffuse)  # no runoff: diffuse load held constant
    em = np.where(runoff[:, None], dl.diffuse / np.where(runoff, mean_q, 1.0)[:, None], 0.0)
    note = None
    if np.any(~runoff[:, None] & (dl.diffuse > 0)):
        note = "diffuse loads of reaches without lateral flow are held constant"
    return list(dl.substances), np.ascontiguousarray(point), np.ascontiguousarray(em), fp, fd, note


def _route_rates(network: RiverNetwork, kin: Kinetics, names: list, days: int):
    """(rate, tfac, t0, daily_t): loss rates [1/d] and, for daily temperatures, the (day, substance)
    temperature factors (rates are then the 20 degC decay rates)."""
    n, S = network.n_reaches, len(names)
    temp = np.asarray(kin.temperature, float)
    daily_t = temp.ndim == 1
    if daily_t and temp.shape[0] < days:
        raise InputError(f"temperature: {temp.shape[0]} days given for {days}", field="temperature",
                         value=temp.shape[0], expected=f">= {days} values")
    rate = _loss_rates(network, kin.decay_rate, kin.settling_velocity, 20.0 if daily_t else float(temp),
                       1.0 if daily_t else kin.theta, names) if S else np.zeros((n, 0))
    if not daily_t:
        return rate, np.zeros((0, S)), np.ones(S), False
    theta = kin.theta
    th = np.array([float(theta.get(s, 1.0)) if isinstance(theta, dict) else float(theta) for s in names])
    tfac = np.ascontiguousarray(th[None, :] ** (temp[:days, None] - 20.0))
    k20 = _per_substance(kin.decay_rate, names, n, "decay_rate", network.decay_rate) if S else np.zeros((n, 0))
    if np.any(rate - k20 > 1e-15):  # the settling part is not temperature dependent
        raise InputError("temperature: daily temperatures are supported with decay rates only; fold settling "
                         "into decay_rate or use a constant temperature", field="temperature",
                         value="series", expected="a scalar with settling velocities")
    return k20, tfac, tfac[0], True


def _prepare(network: RiverNetwork, flows, loads, days: int, substance, kin: Kinetics,
             opt: RouteOptions) -> _Inputs:
    """Check and assemble every kernel input of a run."""
    ql, group, base = _lateral_flow_input(network, flows, days)
    names, pt, em, fp, fd, note = _lateral_loads(network, loads, days, substance)
    rate, tfac, t0, daily_t = _route_rates(network, kin, names, days)
    lake = network.lake_of >= 0
    lake_k = np.ones(len(network.lakes))
    lake_loss = np.zeros((len(network.lakes), len(names)))
    if lake.any():
        lake_k[network.lake_of[lake]] = network.travel_time[lake]
        lake_loss[network.lake_of[lake]] = rate[lake]
    c1, c2 = _coefficients(network, opt.method, opt.muskingum_x, opt.substeps)
    inp = _Inputs(names, c1, c2, rate, tfac, t0, daily_t, lake_k, lake_loss, ql, group, base, pt, em, fp, fd, note)
    if kin.transfers:
        _add_chain(network, inp, kin, opt)
    return inp


def _add_chain(network: RiverNetwork, inp: _Inputs, kin: Kinetics, opt: RouteOptions) -> None:
    """Kernel terms of the transfer chain (:mod:`ecomodel.water._chain`); premixes the chain loads."""
    from ._chain import build_chain, check_shared_factors
    from .steadystate import _transfer_table, decay_part

    if inp.daily_t:
        raise InputError("transfers: daily temperatures are not supported with a transfer chain; give one "
                         "temperature", field="temperature", value="series", expected="a scalar")
    items = _transfer_table(kin.transfers, inp.names)
    decay = decay_part(network, kin.decay_rate, float(kin.temperature), kin.theta, inp.names)
    share = transmission(network, inp.rate)
    chain, pt, em = build_chain(network, items, inp.names, inp.rate, decay, share, inp.pt, inp.em, inp.lake_k,
                                opt.substeps)
    check_shared_factors(inp.fp, inp.fd, chain.subs, inp.names)
    chain.items, chain.decay = items, decay
    inp.local_pt = (inp.pt, inp.em)
    inp.pt, inp.em, inp.chain = np.ascontiguousarray(pt), np.ascontiguousarray(em), chain


def route(network: RiverNetwork, flows: Any = None, loads: Any = None, start: Any = "2021-01-01", days: int = 365,
          *, sections: list | None = None, reaches: Any = None, substance: str | list | None = None,
          kinetics: Kinetics | None = None, options: RouteOptions | None = None, load_multiplier: Any = None,
          loss_multiplier: Any = None, **keywords: Any) -> "xr.Dataset | tuple[xr.Dataset, RouteState]":
    r"""Daily unsteady routing of flow and loads, returning only the requested outputs.

    Memory is O(reaches + outputs × days): the kernel streams the days and keeps per-reach state
    only; inputs are factored (daily multipliers × per-reach means) unless given densely.

    Parameters
    ----------
    network : RiverNetwork
    flows : None, array-like or xarray.DataArray
        Lateral inflows [m3/s]: None (the network's mean lateral flows every day); a daily
        multiplier ``(days,)`` of those means (a runoff index); or dense ``(days, reaches)`` inflows
        in ``network.reaches`` order (float32 or float64).
    loads : DailyLoads, array-like, dict or xarray.DataArray, optional
        Lateral loads [kg/d]: a :class:`DailyLoads` (point + runoff-driven diffuse loads with seasonal
        factors), or constant loads as accepted by :func:`steady`.
    start : str or datetime-like
        First day of the ``time`` coordinate.
    days : int
        Number of days to route.
    sections : list of str, optional
        Monitoring sections to return (default: all sections of the network).
    reaches : list, optional
        Reaches to return instead of sections (``"all"`` for every reach — memory reaches × days).
    method : {"cstr", "muskingum"}
        Flow routing: linear reservoir with exact exponential steps (default) or Muskingum with
        ``muskingum_x`` [1] (K = travel time; coefficients must be non-negative at the step).
    substeps : int
        Routing steps per day (outputs are daily means).
    decay_rate, settling_velocity, temperature, theta
        As in :func:`steady`; ``temperature`` may be a daily series ``(days,)`` [degC], in which case
        reach shares :math:`e^{-k\tau}` are recomputed every day (slower): what enters a river reach
        on a day decays with that day's rate over its travel time, and a lake's step into a day uses
        that day's loss rate. A restart from a ``RouteState`` carries the lakes over with the last
        day's rate of the earlier run.
    substance : str or list, optional
        Substance name(s) for array loads.
    initial : {"steady", "zero"} or RouteState
        Initial state: the steady state of the first day's inputs, empty reaches, or the final state
        of an earlier run (same network, method, substeps and substances) to continue it.
    kinetics : Kinetics, optional
        ``decay_rate``, ``settling_velocity``, ``temperature``, ``theta`` grouped; the same names
        are also accepted as keywords (keywords win).
    options : RouteOptions, optional
        ``method``, ``muskingum_x``, ``substeps``, ``initial``, ``block_size``,
        ``max_buffer_bytes``, ``return_state`` grouped; also accepted as keywords (keywords win).
    block_size : int, optional
        Reaches per cache block (default from the number of substances).
    max_buffer_bytes : int
        Cap on the cross-block buffer; larger blocks are used above it.
    return_state : bool
        Also return the final :class:`RouteState` (for restarts and storage diagnostics).
    load_multiplier, loss_multiplier : array-like, optional
        Ensemble: ``(member, substance)`` multipliers [1] of the lateral loads and of the loss rates.
        Members share the flows and run in parallel (``prange`` over members); the output gets a
        ``member`` dimension.

    Returns
    -------
    xarray.Dataset
        ``flow`` [m3/s] over ``(time, section)`` (or ``reach``), and for loads ``load`` [kg/d] and
        ``concentration`` [mg/L] over ``(time, section, substance)``; daily means. With
        ``return_state=True``, a tuple ``(dataset, RouteState)``.

    Examples
    --------
    >>> import pandas as pd
    >>> net = RiverNetwork.from_dataframe(pd.DataFrame({"reach": ["a", "b"], "downstream": ["b", ""],
    ...     "length": [8640.0, 8640.0], "flow": [1.0, 2.0], "velocity": [0.1, 0.1], "section": ["", "S"]}))
    >>> ds = route(net, loads={"a": 86.4}, days=3, decay_rate=0.2, substance="TP")
    >>> round(float(ds["concentration"].isel(time=-1).squeeze()), 6)   # steady: exp(-0.4) / 2
    0.33516
    """
    days = int(days)
    if days < 1:
        raise InputError(f"days: {days}; expected at least 1", field="days", value=days, expected=">= 1")
    kin, opt = _resolve_options(kinetics, options, keywords)
    out_labels, out_pos, out_dim = _outputs(network, sections, reaches)
    uniq, inv = np.unique(out_pos, return_inverse=True)
    inp = _prepare(network, flows, loads, days, substance, kin, opt)
    S = len(inp.names)
    steps = days * opt.substeps
    ens = None
    if load_multiplier is not None or loss_multiplier is not None:
        ens = _ensemble_multipliers(load_multiplier, loss_multiplier, S)
        if opt.return_state or isinstance(opt.initial, RouteState):
            raise InputError("route: restart states are not available for ensembles", field="return_state",
                             value=True, expected="return_state=False and initial 'steady' or 'zero'")
        if inp.chain is not None:
            raise InputError("route: ensembles (load_multiplier, loss_multiplier) are not available with a transfer "
                             "chain; run the members one by one", field="transfers", value=kin.transfers,
                             expected="no transfers with multipliers")
    M = 1 if ens is None else ens[0].shape[0]
    plan = _choose_plan(network, uniq, S + 1, steps, M, opt.block_size, opt.max_buffer_bytes, opt.substeps)
    if ens is not None:
        oq, ol = _route_ensemble(network, plan, ens, inp, opt, days, len(uniq))
        oq = np.moveaxis(oq[:, :, inv], 0, 1)        # (time, member, K)
        ol = np.moveaxis(ol[:, :, inv, :], 0, 1)     # (time, member, K, S)
        return _route_dataset(network, oq, ol, out_labels, out_dim, inp.names, start, days, opt.method,
                              opt.substeps, opt.initial, None, member=M)
    oq, ol, state = _route_single(network, plan, inp, opt, days, len(uniq))
    ds = _route_dataset(network, oq[:, inv], ol[:, inv, :], out_labels, out_dim, inp.names, start, days,
                        opt.method, opt.substeps, opt.initial, inp.note)
    return (ds, state) if opt.return_state else ds


def _initial_state(network: RiverNetwork, inp: _Inputs, opt: RouteOptions, pt, em, rate, lake_loss) -> np.ndarray:
    """Kernel state at the start: zero, the steady state of the first day's inputs, or a restart."""
    n, W = network.n_reaches, len(inp.names) + 1
    initial = opt.initial
    if isinstance(initial, RouteState):
        if initial.p.shape != (n, W) or initial.method != opt.method or initial.substeps != opt.substeps \
                or list(initial.substances) != inp.names:
            raise InputError("initial: the RouteState comes from a run with another network, method, substeps or "
                             f"substances ({initial.p.shape}, {initial.method}, {initial.substeps}, "
                             f"{list(initial.substances)})", field="initial", value="RouteState",
                             expected=f"({n}, {W}), {opt.method}, {opt.substeps}, {inp.names}")
        return initial.p.copy()
    if initial == "steady":
        return _steady_start(network, inp.c1, inp.c2, inp.ql, inp.group, inp.base, pt, em, inp.fp[0], inp.fd[0],
                             rate * inp.t0, inp.lake_k, lake_loss * inp.t0, opt.substeps, inp.chain)
    return np.zeros((n, W))


def _route_single(network: RiverNetwork, plan: "_Plan", inp: _Inputs, opt: RouteOptions, days: int, K: int):
    """One run of the routing kernel: daily (flow (T, K), loads (T, K, S)) at the unique outputs and
    the final :class:`RouteState`."""
    from ._kernels import route_kernel

    from ._chain import chain_args, empty_chain

    S = len(inp.names)
    ktau = np.ascontiguousarray(inp.rate * network.travel_time[:, None])
    # shares leaving each reach; with daily temperatures the kernel computes them day by day instead
    tr = np.ascontiguousarray(transmission(network, inp.rate)) if not inp.daily_t else np.ones((0, S))
    pt0, em0 = inp.local_pt if inp.chain is not None else (inp.pt, inp.em)
    st = _initial_state(network, inp, opt, pt0, em0, inp.rate, inp.lake_loss)
    if inp.chain is not None:
        tr[:, inp.chain.subs] = 1.0  # river chain lanes: the kernel applies the coupled shares to the inflow
    extra = chain_args(inp.chain) if inp.chain is not None else empty_chain(len(network.lakes))
    oq = np.empty((days, K))  # the kernel stores every output on the first substep of a day
    ol = np.empty((days, K, S))
    single, _ = route_kernel(S, 0 if inp.chain is None else len(inp.chain.subs))
    single(inp.c1, inp.c2, plan.de, network.lake_of, plan.sp_ptr, plan.sp_tgt, plan.sp_w, plan.sp_out, inp.lake_k,
           inp.lake_loss, tr, ktau, inp.tfac, inp.ql, inp.group, inp.base, inp.pt, inp.em, inp.fp, inp.fd, st,
           plan.bstart, plan.rptr, plan.ridx, plan.rslot, plan.fptr, plan.fslot, plan.n_slots, TIME_CHUNK, oq, ol,
           opt.substeps, *extra)
    storage = _storage(network, inp.c1, inp.c2, st, inp.lake_k, inp.lake_loss, inp.tfac, opt.substeps, inp.chain)
    return oq, ol, RouteState(st, inp.names, opt.method, opt.substeps, *storage)


@dataclass
class RouteState:
    """State of the routing kernel after a run, for restarts and storage diagnostics.

    Attributes
    ----------
    p : numpy.ndarray
        (reach, 1 + substances) kernel state (the part of next step's outflow known in advance).
    substances : list of str
    method : str
    substeps : int
    flow_storage : numpy.ndarray
        Water stored in each reach [m3], as conserved by the discrete scheme: over a run, lateral
        inflow = outflow + change of this storage, exactly.
    load_storage : numpy.ndarray
        (reach, substance) mass stored [kg], conserved likewise with the losses.
    """

    p: np.ndarray
    substances: list
    method: str
    substeps: int
    flow_storage: np.ndarray
    load_storage: np.ndarray


def _storage(network, c1, c2, st, lake_k, lake_loss, tfac, substeps, chain=None):
    """Discrete storage W = p / (1 - c3) per lane: flow [m3] and loads [kg] (a chain's lake lanes:
    (I - A3)^-1 p)."""
    from ._kernels import _mixed_box_coefficients

    dt = 1.0 / substeps
    ab = c1 + c2
    W = st / ab[:, None]
    for i in np.nonzero(network.lake_of >= 0)[0]:
        j = network.lake_of[i]
        for s in range(st.shape[1] - 1):
            k = lake_loss[j, s] * (tfac[-1, s] if tfac.shape[0] else 1.0)
            a1, a2, a3 = _mixed_box_coefficients(lake_k[j], k, dt)
            W[i, 1 + s] = st[i, 1 + s] / (1.0 - a3)
        if chain is not None:
            C = len(chain.subs)
            W[i, chain.lanes] = np.linalg.solve(np.eye(C) - chain.la3[j], st[i, chain.lanes])
    return W[:, 0] * SECONDS_PER_DAY * dt, W[:, 1:] * dt


def _steady_start(network, c1, c2, ql, group, base, pt, em, fp0, fd0, rate0, lake_k, lake_loss0, substeps,
                  chain=None):
    """Routing state (reach, 1 + substances) of the steady solution for the first day's inputs: lateral
    flow from ``ql``/``group``/``base``, loads ``pt fp0 + em q fd0``, loss rates ``rate0`` (reach,
    substance) and lake losses ``lake_loss0`` (lake, substance) [1/d] of that day."""
    n, S = pt.shape
    q0 = base * ql[0][group] if group.shape[0] else np.asarray(ql[0], float)
    local0 = np.empty((n, S + 1))
    local0[:, 0] = q0
    local0[:, 1:] = pt * fp0 + em * q0[:, None] * fd0
    share0 = np.ones((n, S + 1))
    share0[:, 1:] = transmission(network, rate0)
    st = _steady_state(network, c1, c2, local0, share0, lake_k, lake_loss0, substeps)
    if chain is not None:
        from ._chain import chain_steady_state
        from ._kernels import _steady_coupled
        from .steadystate import _coupling_arrays

        pf, ptg, coup = _coupling_arrays(network.travel_time, network.lake_of >= 0, rate0, chain.decay, chain.items)
        loc = np.ascontiguousarray(local0[:, 1:])
        out = np.zeros((n, S))
        inflow = np.empty((n, S))
        _steady_coupled(network.down, network.sp_ptr, network.sp_idx, network.sp_w, loc,
                        np.ascontiguousarray(share0[:, 1:]), pf, ptg, coup, out, inflow)
        chain_steady_state(network, chain, c1, c2, st, inflow - loc, out)
    return st


def _steady_state(network, c1, c2, local, share, lake_k, lake_loss, substeps):
    """Kernel state (c2 U + c3 O per lane) at the steady state of constant inputs *local* (n, W)."""
    from ._kernels import _mixed_box_coefficients, _steady_solve

    n, W = local.shape
    out = np.zeros((n, W))
    inflow = np.empty((n, W))
    _steady_solve(network.down, network.sp_ptr, network.sp_idx, network.sp_w, np.ascontiguousarray(local),
                  np.ascontiguousarray(share), out, inflow)
    up = inflow - local
    c3 = 1.0 - c1 - c2
    st = np.empty((n, W))
    st[:, 0] = c2 * up[:, 0] + c3 * out[:, 0]
    st[:, 1:] = share[:, 1:] * c2[:, None] * up[:, 1:] + c3[:, None] * out[:, 1:]
    lake = np.nonzero(network.lake_of >= 0)[0]
    for i in lake:
        j = network.lake_of[i]
        for s in range(W - 1):
            a1, a2, a3 = _mixed_box_coefficients(lake_k[j], lake_loss[j, s], 1.0 / substeps)
            st[i, 1 + s] = a2 * up[i, 1 + s] + a3 * out[i, 1 + s]
    return st


def _ensemble_multipliers(load_multiplier, loss_multiplier, S):
    arrs = []
    for name, v in (("load_multiplier", load_multiplier), ("loss_multiplier", loss_multiplier)):
        if v is None:
            arrs.append(None)
            continue
        a = as_float_array(v, name)
        if a.ndim == 1 and S == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != S or a.shape[0] < 1:
            raise InputError(f"{name}: shape {a.shape}; expected (members, {S})", field=name, value=a.shape,
                             expected=f"(members, {S})")
        arrs.append(a)
    M = next(a.shape[0] for a in arrs if a is not None)
    for name, a in zip(("load_multiplier", "loss_multiplier"), arrs):
        if a is not None and a.shape[0] != M:
            raise InputError(f"{name}: {a.shape[0]} members, the other multiplier has {M}", field=name,
                             value=a.shape[0], expected=str(M))
    return tuple(np.ones((M, S)) if a is None else a for a in arrs)


def _route_ensemble(network: RiverNetwork, plan: "_Plan", ens, inp: _Inputs, opt: RouteOptions, days: int,
                    K: int):
    """Members with ``(load, loss)`` multipliers (member, substance) in parallel: daily flow
    (member, T, K) and loads (member, T, K, S) at the unique outputs."""
    from ._kernels import route_kernel

    load_m, loss_m = ens
    M, S = load_m.shape
    n = network.n_reaches
    rate_m = inp.rate[None] * loss_m[:, None, :]
    ktau_m = np.ascontiguousarray(rate_m * network.travel_time[None, :, None])
    tr_m = np.ones((M, 0, S)) if inp.daily_t else np.stack([transmission(network, r) for r in rate_m])
    lake_loss_m = np.ascontiguousarray(inp.lake_loss[None] * loss_m[:, None, :])
    pt_m = np.ascontiguousarray(inp.pt[None] * load_m[:, None, :])
    em_m = np.ascontiguousarray(inp.em[None] * load_m[:, None, :])
    st = np.zeros((M, n, S + 1))
    for m in range(M):
        st[m] = _initial_state(network, inp, opt, pt_m[m], em_m[m], rate_m[m], lake_loss_m[m])
    oq = np.empty((M, days, K))
    ol = np.empty((M, days, K, S))
    _, members = route_kernel(S)
    members(inp.c1, inp.c2, plan.de, network.lake_of, plan.sp_ptr, plan.sp_tgt, plan.sp_w, plan.sp_out, inp.lake_k,
            lake_loss_m, tr_m, ktau_m, inp.tfac, inp.ql, inp.group, inp.base, pt_m, em_m, inp.fp, inp.fd, st,
            plan.bstart, plan.rptr, plan.ridx, plan.rslot, plan.fptr, plan.fslot, plan.n_slots, TIME_CHUNK, oq, ol,
            opt.substeps, *_member_chain_args(M, len(network.lakes)))
    return oq, ol


def _member_chain_args(M: int, L: int) -> tuple:
    """Empty chain arguments of the members kernel (member axis on every array but the lanes)."""
    z = np.zeros((M, 0, 0, 0))
    return np.zeros(0, np.int64), z, z, z, z, np.zeros((M, 0, 0)), np.zeros((M, 0, 0))


def _route_dataset(network, oq, ol, out_labels, out_dim, names, start, days, method, substeps, initial, note,
                   member=None):
    import pandas as pd
    import xarray as xr

    from ecomodel._cf import cf_attrs

    S = len(names)
    time = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    coords = {"time": ("time", time), out_dim: (out_dim, np.asarray(out_labels, dtype=object))}
    if member is not None:
        coords["member"] = ("member", np.arange(member))
    if out_dim == "section":
        for col in ("name_en", "waterbody"):
            if col in network.sections.columns:
                coords[col] = ("section", network.sections.loc[out_labels, col].to_numpy(dtype=object))
        coords["reach"] = ("section", np.asarray(network.sections.loc[out_labels, "reach"], dtype=object))
    base_dims = ("time", "member", out_dim) if member is not None else ("time", out_dim)
    data = {"flow": (base_dims, oq, cf_attrs("m3/s", "flow leaving the reach",
                                             "water_volume_transport_in_river_channel", "time: mean"))}
    if S:
        coords["substance"] = ("substance", np.asarray(names, dtype=object))
        bad = oq <= 0
        if bad.any():
            idx = np.argwhere(bad)[0]
            raise InputError(f"route: flow at {out_labels[idx[-1]]!r} is {oq[tuple(idx)]} on day {idx[0]}; "
                             "concentration is undefined without flow", field="flows", value=float(oq[tuple(idx)]),
                             expected="flow > 0 at outputs")
        conc = ol * (KG_PER_DAY_TO_MG_PER_L / oq[..., None])
        dims = base_dims + ("substance",)
        data["load"] = (dims, ol, cf_attrs("kg/d", "load leaving the reach", cell_methods="time: mean"))
        data["concentration"] = (dims, conc, cf_attrs("mg/L", "flow-weighted daily mean concentration",
                                                      cell_methods="time: mean"))
    attrs = {"title": "routed daily water quality", "routing_method": method, "substeps": substeps,
             "initial_state": initial if isinstance(initial, str) else "RouteState"}
    if note:
        attrs["note"] = note
    return xr.Dataset(data, coords=coords, attrs=attrs)
