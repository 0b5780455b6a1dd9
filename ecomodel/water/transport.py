r"""Steady and unsteady transport of TP, NH3-N and COD through a :class:`RiverNetwork`.

Processes
---------
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

Unsteady routing (:func:`route`) moves flow through each reach with a linear reservoir (an exact
exponential step, the default ``method="cstr"``) or Muskingum (``method="muskingum"``), both of
the form :math:`O_{t+1} = c_1 U_{t+1} + c_2 U_t + c_3 O_t + (c_1 + c_2) q_t`; loads follow the same
scheme with :math:`(s c_1, s c_2, c_3)` where :math:`s` is the steady share leaving a river reach, and
exact well-mixed-box coefficients in lakes. With constant inputs the routed state converges to
:func:`steady`. Lake internal (sediment) release enters daily routing as an ordinary source at its
annual rate; the sediment pool itself changes over years and is followed by
:func:`ecomodel.water.project`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ecomodel._checks import as_float_array, is_clean
from ecomodel.errors import InputError, NetworkError, SourceError
from ecomodel.units import SECONDS_PER_DAY

from .network import RiverNetwork, _ranges

__all__ = ["steady", "route", "DailyLoads", "RouteState", "transmission", "loss_rate", "KG_PER_DAY_TO_MG_PER_L"]

#: concentration [mg/L] = load [kg/d] / flow [m3/s] * this factor (1e6 mg / (86400 s * 1e3 L))
KG_PER_DAY_TO_MG_PER_L = 1e6 / (SECONDS_PER_DAY * 1e3)


# ---------------------------------------------------------------------------- parameters
def _per_substance(value, names, n, field_name, default, *, error=InputError):
    """Broadcast a scalar / (n,) / (n, S) / {substance: scalar|(n,)} parameter to (n, S).

    Scalars and per-reach columns come back as read-only broadcast views (no copy); the network's
    own columns (``value=None``) were validated when the network was built and are not checked again."""
    S = len(names)
    if value is None:
        if isinstance(default, np.ndarray) and default.shape == (n,):
            return np.broadcast_to(default[:, None], (n, S))
        value = default
    if isinstance(value, dict):
        out = np.empty((n, S))
        for j, name in enumerate(names):
            if name not in value:
                if default is None:
                    raise error(f"{field_name}: no value for substance {name!r}", field=field_name, value=None,
                                expected=f"a value for each of {names}")
                v = default if np.ndim(default) == 0 else np.asarray(default)
                out[:, j] = v if np.ndim(v) < 2 else np.asarray(v)[:, j]
            else:
                out[:, j] = as_float_array(value[name], f"{field_name}[{name}]", error=error)
        return out
    if hasattr(value, "dims"):  # DataArray
        da = value
        if "substance" in da.dims:
            da = da.sel(substance=list(names))
            arr = np.asarray(da.transpose(*[d for d in ("reach", "substance") if d in da.dims]).values, float)
            if arr.ndim == 1:
                arr = np.broadcast_to(arr, (n, S))
        else:
            arr = np.asarray(da.values, float)
        value = arr
    if np.ndim(value) == 0:
        return np.broadcast_to(float(as_float_array(value, field_name, error=error)[0]), (n, S))
    arr = as_float_array(value, field_name, error=error)
    if arr.ndim == 1 and arr.shape[0] == n:
        return np.broadcast_to(arr[:, None], (n, S))
    if arr.ndim == 1 and arr.shape[0] == S:
        return np.broadcast_to(arr, (n, S)).copy()
    if arr.ndim == 2 and arr.shape == (n, S):
        return arr
    raise error(f"{field_name}: shape {arr.shape} does not fit {n} reaches x {S} substances", field=field_name,
                value=arr.shape, expected=f"a scalar, ({n},), ({S},) or ({n}, {S})")


def loss_rate(network: RiverNetwork, decay_rate=None, settling_velocity=None, *, temperature=20.0, theta=1.0,
              substances=("load",)) -> np.ndarray:
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
    from ._kernels import _exp_neg_scaled

    rate = np.asarray(rate, dtype=float)
    tt = network.travel_time
    out = np.empty(rate.shape)
    if rate.shape[1:] == (1,) and rate.strides[0] == 0:  # one rate for every reach: fused multiply and exp
        _exp_neg_scaled(float(rate[0, 0]) if rate.shape[0] else 0.0, tt, out[:, 0])
    else:
        np.multiply(rate, tt[:, None], out=out)
        _exp_neg_scaled(1.0, out.reshape(-1), out.reshape(-1))
    lake = network._derived("lake_positions", lambda: np.flatnonzero(network.lake_of >= 0))
    out[lake] = 1.0 / (1.0 + rate[lake] * tt[lake, None])
    return out


# ---------------------------------------------------------------------------- loads
def _substance_names(loads, substance):
    if hasattr(loads, "dims") and "substance" in loads.dims:
        return [str(s) for s in loads["substance"].values]
    if isinstance(loads, DailyLoads):
        return list(loads.substances)
    if substance is None:
        return ["load"]
    return [substance] if isinstance(substance, str) else list(substance)


def _reach_values(network) -> np.ndarray:
    """Reach ids as a numpy array (object for strings, native for integers), cached."""
    idx = network.reaches
    return network._derived("reach_values",
                            lambda: idx.to_numpy() if idx.dtype.kind in "iuf" else np.asarray(idx, dtype=object))


def _reach_coords(network):
    """The ``reach`` coordinate (with its index) as ``xarray.Coordinates``, built once per network."""
    import xarray as xr

    return network._derived("reach_coords", lambda: xr.Coordinates({"reach": ("reach", _reach_values(network))}))


def _checked_rows(values, field_name, error, labels) -> np.ndarray:
    """as_float_array for (reach, substance) tables, naming the first bad reach."""
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(len(labels), -1) if arr.size else arr.reshape(len(labels), 0)
    if is_clean(arr):
        return np.ascontiguousarray(arr)
    row_bad = (~np.isfinite(arr) | (arr < 0)).any(axis=1)
    if row_bad.any():
        as_float_array(arr[row_bad][:1].ravel(), field_name, error=error,
                       labels=[labels[int(np.argmax(row_bad))]] * arr.shape[1])
    return np.ascontiguousarray(arr)


def _load_matrix(network: RiverNetwork, loads, names, field_name="loads", error=SourceError) -> np.ndarray:
    """(n, S) loads [kg/d] in network order from an array, Series, dict or DataArray."""
    n, S = network.n_reaches, len(names)
    if loads is None:
        return np.zeros((n, S))
    if isinstance(loads, dict):
        out = np.zeros((n, S))
        pos = network.positions(list(loads))
        vals = _checked_rows([np.broadcast_to(np.asarray(v, float), (S,)) for v in loads.values()], field_name,
                             error, list(loads))
        np.add.at(out, pos, vals.reshape(len(pos), S))
        return out
    if hasattr(loads, "dims"):
        from ecomodel.units import require

        da = require(loads, "kg/d", field=field_name, default="kg/d")
        if "reach" not in da.dims:
            raise error(f"{field_name}: DataArray has no 'reach' dimension (dims {da.dims})", field=field_name,
                        value=da.dims, expected="a 'reach' dimension")
        extra = set(da.dims) - {"reach", "substance"}
        if extra:
            raise error(f"{field_name}: unexpected dimensions {sorted(extra)}; expected reach (and substance)",
                        field=field_name, value=sorted(extra), expected="reach, substance")
        if "substance" not in da.dims:
            da = da.expand_dims(substance=names)
        labels = list(da["reach"].values)
        pos = network.positions(labels)
        vals = _checked_rows(da.transpose("reach", "substance").values, field_name, error, labels)
        out = np.zeros((n, S))
        np.add.at(out, pos, vals)
        return out
    if hasattr(loads, "index") and hasattr(loads, "to_numpy"):  # pandas Series / DataFrame by reach
        labels = list(loads.index)
        pos = network.positions(labels)
        vals = _checked_rows(loads.to_numpy(dtype=float).reshape(len(pos), -1), field_name, error, labels)
        if vals.shape[1] not in (1, S):
            raise error(f"{field_name}: {vals.shape[1]} columns for {S} substances", field=field_name,
                        value=vals.shape, expected=f"{S} columns")
        out = np.zeros((n, S))
        np.add.at(out, pos, np.broadcast_to(vals, (len(pos), S)))
        return out
    arr = np.asarray(loads, dtype=float) if not isinstance(loads, np.ndarray) else loads
    if arr.ndim in (1, 2) and arr.shape[0] == n:
        arr = _checked_rows(arr.reshape(n, -1), field_name, error, network.reaches)
    else:
        arr = as_float_array(arr, field_name, error=error)
    if arr.ndim == 1 and arr.shape[0] == n:
        arr = arr[:, None]
    if arr.shape != (n, S):
        raise error(f"{field_name}: shape {arr.shape} does not fit {n} reaches x {S} substances (arrays are in "
                    "network.reaches order)", field=field_name, value=arr.shape, expected=f"({n},) or ({n}, {S})")
    return np.ascontiguousarray(arr)


# ---------------------------------------------------------------------------- steady
def steady(network: RiverNetwork, loads, decay_rate=None, *, settling_velocity=None, temperature=20.0, theta=1.0,
           substance=None, diagnostics=False):
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
        Also return ``inflow_load`` and ``loss`` [kg/d] (for mass balances).

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
    import xarray as xr

    from ecomodel._cf import cf_attrs

    from ._kernels import _steady_solve, _steady_solve1

    names = _substance_names(loads, substance)
    local = _load_matrix(network, loads, names)
    rate = _loss_rates(network, decay_rate, settling_velocity, temperature, theta, names)
    trans = np.ascontiguousarray(transmission(network, rate))
    n, S = local.shape
    out = np.zeros((n, S))
    inflow = np.empty((n if diagnostics else 0, S))
    if S == 1 and not diagnostics:
        _steady_solve1(network.down, network.sp_ptr, network.sp_idx, network.sp_w, local[:, 0], trans[:, 0],
                       out[:, 0])
    else:
        _steady_solve(network.down, network.sp_ptr, network.sp_idx, network.sp_w, local, trans, out, inflow)
    conc = out * network._derived("mg_per_l_per_kg_d", lambda: KG_PER_DAY_TO_MG_PER_L / network.flow[:, None])
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


# ---------------------------------------------------------------------------- unsteady
@dataclass
class DailyLoads:
    r"""Daily lateral loads, stored in factored form so memory does not grow with reaches × days.

    The load entering reach *i* on day *t* for substance *s* is

    .. math:: L_{its} = P_{is}\,f^P_{ts} + D_{is}\,\frac{q_{it}}{\bar q_i}\,f^D_{ts}

    where *P* is the point-source load [kg/d] with seasonal factor :math:`f^P`, *D* the mean diffuse
    load [kg/d] carried by runoff (it follows the reach's lateral flow :math:`q_{it}` relative to its
    mean :math:`\bar q_i`) with seasonal factor :math:`f^D`.

    Attributes
    ----------
    substances : list of str
    point, diffuse : numpy.ndarray
        (reach, substance) mean loads [kg/d] in network order.
    point_factor, diffuse_factor : numpy.ndarray or None
        (day, substance) seasonal factors [1] (None: 1 every day).

    Examples
    --------
    >>> import numpy as np
    >>> dl = DailyLoads(["TP"], point=np.array([[2.0], [0.0]]), diffuse=np.array([[0.0], [1.0]]))
    >>> float(dl.scaled({"TP": 0.5}).point[0, 0])
    1.0
    """

    substances: list
    point: np.ndarray
    diffuse: np.ndarray
    point_factor: np.ndarray | None = None
    diffuse_factor: np.ndarray | None = None
    attrs: dict = field(default_factory=dict)

    def scaled(self, factors: dict) -> "DailyLoads":
        """A copy with loads multiplied per substance ``{substance: factor}``."""
        f = np.array([float(factors.get(s, 1.0)) for s in self.substances])
        return DailyLoads(list(self.substances), self.point * f, self.diffuse * f, self.point_factor,
                          self.diffuse_factor, dict(self.attrs))


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
            raise InputError(f"muskingum_x: {x.max()}; expected 0 <= x <= 0.5", field="muskingum_x", value=float(x.max()),
                             expected="0 <= x <= 0.5")
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


def _lateral_flow_input(network, flows, days):
    """Return (ql (T, G) or (T, n), group (n,) or (0,), base (n,)) for the kernel."""
    n = network.n_reaches
    empty = np.zeros(0, np.int64)
    if flows is None:
        return np.ones((days, 1)), np.zeros(n, np.int64), network.lateral_flow.copy()
    if hasattr(flows, "dims"):
        from ecomodel.units import require

        da = flows
        if "time" not in da.dims:
            raise InputError(f"flows: DataArray needs a 'time' dimension (dims {da.dims})", field="flows",
                             value=da.dims, expected="'time' (and optionally 'reach')")
        if "reach" in da.dims:
            da = require(da, "m3/s", field="flows", default="m3/s")
            pos = network.positions(list(da["reach"].values))
            vals = as_float_array(da.transpose("time", "reach").values, "flows")
            arr = np.zeros((vals.shape[0], n), vals.dtype)
            arr[:, pos] = vals
            flows = arr
        else:  # a multiplier of the mean lateral flows
            mult = as_float_array(da.values, "flows", ndim=1)
            if mult.shape[0] < days:
                raise InputError(f"flows: {mult.shape[0]} days given for {days} days of routing", field="flows",
                                 value=mult.shape[0], expected=f">= {days} days")
            return np.ascontiguousarray(mult[:days, None]), np.zeros(n, np.int64), network.lateral_flow.copy()
    arr = np.asarray(flows)
    if arr.ndim == 1:
        mult = as_float_array(arr, "flows")
        if mult.shape[0] < days:
            raise InputError(f"flows: {mult.shape[0]} days given for {days} days of routing", field="flows",
                             value=mult.shape[0], expected=f">= {days} days")
        return np.ascontiguousarray(mult[:days, None]), np.zeros(n, np.int64), network.lateral_flow.copy()
    if arr.ndim == 2:
        if arr.shape[1] != n:
            raise InputError(f"flows: shape {arr.shape}; expected (days, {n}) lateral inflows [m3/s] in network order",
                             field="flows", value=arr.shape, expected=f"(days, {n})")
        if arr.shape[0] < days:
            raise InputError(f"flows: {arr.shape[0]} days given for {days} days of routing", field="flows",
                             value=arr.shape[0], expected=f">= {days} days")
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        arr = np.ascontiguousarray(arr[:days])
        lo, hi = arr.min(), arr.max()  # NaN propagates into min; +-inf shows in min/max
        if not (lo >= 0 and np.isfinite(hi)):
            bad = ~np.isfinite(arr) | (arr < 0)
            t, i = np.argwhere(bad)[0]
            raise InputError(f"flows: {arr[t, i]} on day {t} at reach {network.reaches[i]!r}; expected finite "
                             "lateral inflows >= 0 [m3/s]", field="flows", value=float(arr[t, i]),
                             expected=">= 0")
        return arr, empty, np.ones(n)
    raise InputError(f"flows: expected a daily multiplier (days,) or lateral inflows (days, reaches), got shape "
                     f"{arr.shape}", field="flows", value=arr.shape, expected="(days,) or (days, reaches)")


def _daily_loads(network, loads, days, substance):
    n = network.n_reaches
    if loads is None:
        return DailyLoads([], np.zeros((n, 0)), np.zeros((n, 0)))
    if isinstance(loads, DailyLoads):
        dl = loads
    else:
        names = _substance_names(loads, substance)
        dl = DailyLoads(names, _load_matrix(network, loads, names), np.zeros((n, len(names))))
    S = len(dl.substances)
    for name, arr in (("point", dl.point), ("diffuse", dl.diffuse)):
        if arr.shape != (n, S):
            raise SourceError(f"loads.{name}: shape {arr.shape}; expected ({n}, {S})", field=name, value=arr.shape,
                              expected=f"({n}, {S})")
        as_float_array(arr, f"loads.{name}", error=SourceError)
    fp = np.ones((days, S)) if dl.point_factor is None else as_float_array(dl.point_factor, "loads.point_factor",
                                                                           error=SourceError, ndim=2)
    fd = np.ones((days, S)) if dl.diffuse_factor is None else as_float_array(dl.diffuse_factor,
                                                                             "loads.diffuse_factor",
                                                                             error=SourceError, ndim=2)
    for name, f in (("point_factor", fp), ("diffuse_factor", fd)):
        if f.shape[0] < days or f.shape[1] != S:
            raise SourceError(f"loads.{name}: shape {f.shape}; expected ({days}, {S})", field=name, value=f.shape,
                              expected=f"({days}, {S})")
    return dl, np.ascontiguousarray(fp[:days]), np.ascontiguousarray(fd[:days])


def route(network: RiverNetwork, flows=None, loads=None, start="2021-01-01", days=365, *, sections=None,
          reaches=None, method="cstr", muskingum_x=0.2, substeps=1, decay_rate=None, settling_velocity=None,
          temperature=20.0, theta=1.0, substance=None, initial="steady", block_size=None,
          max_buffer_bytes=2 ** 30, return_state=False, load_multiplier=None, loss_multiplier=None):
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
    from ._kernels import route_kernel

    days = int(days)
    if days < 1:
        raise InputError(f"days: {days}; expected at least 1", field="days", value=days, expected=">= 1")
    substeps = int(substeps)
    if substeps < 1:
        raise InputError(f"substeps: {substeps}; expected >= 1", field="substeps", value=substeps, expected=">= 1")
    if not isinstance(initial, RouteState) and initial not in ("steady", "zero"):
        raise InputError(f"initial: {initial!r}; expected 'steady', 'zero' or a RouteState", field="initial",
                         value=initial, expected="'steady', 'zero' or a RouteState")
    n = network.n_reaches
    # outputs
    if reaches is not None:
        out_dim = "reach"
        out_labels = list(network.reaches) if isinstance(reaches, str) and reaches == "all" else list(reaches)
        out_pos = network.positions(out_labels)
    else:
        out_dim = "section"
        out_labels, out_pos = network.section_positions(sections)
        if len(out_labels) == 0:
            raise NetworkError("route: the network has no monitoring sections; pass sections on the network or "
                               "reaches=[...] to choose outputs", field="sections", value=None,
                               expected="sections or reaches")
    uniq, inv = np.unique(out_pos, return_inverse=True)

    ql, group, base = _lateral_flow_input(network, flows, days)
    if loads is None:
        dl, fp, fd = DailyLoads([], np.zeros((n, 0)), np.zeros((n, 0))), np.ones((days, 0)), np.ones((days, 0))
    else:
        dl, fp, fd = _daily_loads(network, loads, days, substance)
    names = list(dl.substances)
    S = len(names)
    mean_q = network.lateral_flow
    diffuse = dl.diffuse
    runoff = mean_q > 0
    point = dl.point + np.where(runoff[:, None], 0.0, diffuse)  # no runoff: diffuse load held constant
    em = np.where(runoff[:, None], diffuse / np.where(runoff, mean_q, 1.0)[:, None], 0.0)
    pt = np.ascontiguousarray(point)
    em = np.ascontiguousarray(em)
    if np.any(~runoff[:, None] & (diffuse > 0)):
        fd_eff_note = "diffuse loads of reaches without lateral flow are held constant"
    else:
        fd_eff_note = None

    temp = np.asarray(temperature, float)
    daily_t = temp.ndim == 1
    if daily_t and temp.shape[0] < days:
        raise InputError(f"temperature: {temp.shape[0]} days given for {days}", field="temperature",
                         value=temp.shape[0], expected=f">= {days} values")
    rate = _loss_rates(network, decay_rate, settling_velocity, 20.0 if daily_t else float(temp),
                       1.0 if daily_t else theta, names) if S else np.zeros((n, 0))
    if daily_t:
        th = np.array([float(theta.get(s, 1.0)) if isinstance(theta, dict) else float(theta) for s in names])
        tfac = np.ascontiguousarray(th[None, :] ** (temp[:days, None] - 20.0))
        k20 = _per_substance(decay_rate, names, n, "decay_rate", network.decay_rate) if S else np.zeros((n, 0))
        settle = rate - k20  # settling part, not temperature dependent
        if np.any(settle > 1e-15):
            raise InputError("temperature: daily temperatures are supported with decay rates only; fold settling "
                             "into decay_rate or use a constant temperature", field="temperature",
                             value="series", expected="a scalar with settling velocities")
        rate = k20
    else:
        tfac = np.zeros((0, S))
    ktau = np.ascontiguousarray(rate * network.travel_time[:, None])
    # shares leaving each reach; with daily temperatures the kernel computes them day by day instead
    tr = np.ascontiguousarray(transmission(network, rate)) if not daily_t else np.ones((0, S))
    t0 = tfac[0] if daily_t else np.ones(S)  # first day's temperature factors (for a steady start)
    lake = network.lake_of >= 0
    L = len(network.lakes)
    lake_k = np.ones(L)
    lake_loss = np.zeros((L, S))
    if lake.any():
        lake_k[network.lake_of[lake]] = network.travel_time[lake]
        lake_loss[network.lake_of[lake]] = rate[lake]

    c1, c2 = _coefficients(network, method, muskingum_x, substeps)
    W = S + 1
    steps = days * substeps
    ens = None
    if load_multiplier is not None or loss_multiplier is not None:
        ens = _ensemble_multipliers(load_multiplier, loss_multiplier, S)
        if return_state or isinstance(initial, RouteState):
            raise InputError("route: restart states are not available for ensembles", field="return_state",
                             value=True, expected="return_state=False and initial 'steady' or 'zero'")
    M = 1 if ens is None else ens[0].shape[0]
    plan = _choose_plan(network, uniq, W, steps, M, block_size, max_buffer_bytes, substeps)
    if ens is not None:
        return _route_ensemble(network, plan, ens, c1, c2, rate, lake_k, lake_loss, tfac, t0, daily_t, ql, group,
                               base, pt, em, fp, fd, initial, substeps, days, uniq, inv, out_labels, out_dim, names,
                               start, method)

    st = np.zeros((n, W))
    if isinstance(initial, RouteState):
        if initial.p.shape != (n, W) or initial.method != method or initial.substeps != substeps \
                or list(initial.substances) != names:
            raise InputError("initial: the RouteState comes from a run with another network, method, substeps or "
                             f"substances ({initial.p.shape}, {initial.method}, {initial.substeps}, "
                             f"{list(initial.substances)})", field="initial", value="RouteState",
                             expected=f"({n}, {W}), {method}, {substeps}, {names}")
        st = initial.p.copy()
    elif initial == "steady":
        st = _steady_start(network, c1, c2, ql, group, base, pt, em, fp[0], fd[0], rate * t0, lake_k,
                           lake_loss * t0, substeps)
    K = len(uniq)
    oq = np.zeros((days, K))
    ol = np.zeros((days, K, S))
    single, _ = route_kernel(S)
    single(c1, c2, plan.de, network.lake_of, plan.sp_ptr, plan.sp_tgt, plan.sp_w, plan.sp_out, lake_k, lake_loss,
           tr, ktau, tfac, ql, group, base, pt, em, fp, fd, st, plan.bstart, plan.rptr, plan.ridx, plan.rslot,
           plan.fptr, plan.fslot, plan.n_slots, TIME_CHUNK, oq, ol, substeps)
    oq = oq[:, inv]
    ol = ol[:, inv, :]
    state = RouteState(st, names, method, substeps, *_storage(network, c1, c2, st, lake_k, lake_loss, tfac, substeps))

    ds = _route_dataset(network, oq, ol, out_labels, out_dim, names, start, days, method, substeps, initial,
                        fd_eff_note)
    return (ds, state) if return_state else ds


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


def _storage(network, c1, c2, st, lake_k, lake_loss, tfac, substeps):
    """Discrete storage W = p / (1 - c3) per lane: flow [m3] and loads [kg]."""
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
    return W[:, 0] * SECONDS_PER_DAY * dt, W[:, 1:] * dt


def _steady_start(network, c1, c2, ql, group, base, pt, em, fp0, fd0, rate0, lake_k, lake_loss0, substeps):
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
    return _steady_state(network, c1, c2, local0, share0, lake_k, lake_loss0, substeps)


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


def _route_ensemble(network, plan, ens, c1, c2, rate, lake_k, lake_loss, tfac, t0, daily_t, ql, group, base, pt, em,
                    fp, fd, initial, substeps, days, uniq, inv, out_labels, out_dim, names, start, method):
    from ._kernels import route_kernel

    load_m, loss_m = ens
    M, S = load_m.shape
    n = network.n_reaches
    W = S + 1
    rate_m = rate[None] * loss_m[:, None, :]
    ktau_m = np.ascontiguousarray(rate_m * network.travel_time[None, :, None])
    tr_m = np.ones((M, 0, S)) if daily_t else np.stack([transmission(network, r) for r in rate_m])
    lake_loss_m = np.ascontiguousarray(lake_loss[None] * loss_m[:, None, :])
    pt_m = np.ascontiguousarray(pt[None] * load_m[:, None, :])
    em_m = np.ascontiguousarray(em[None] * load_m[:, None, :])
    st = np.zeros((M, n, W))
    if initial == "steady":
        for m in range(M):
            st[m] = _steady_start(network, c1, c2, ql, group, base, pt_m[m], em_m[m], fp[0], fd[0], rate_m[m] * t0,
                                  lake_k, lake_loss_m[m] * t0, substeps)
    K = len(uniq)
    oq = np.zeros((M, days, K))
    ol = np.zeros((M, days, K, S))
    _, members = route_kernel(S)
    members(c1, c2, plan.de, network.lake_of, plan.sp_ptr, plan.sp_tgt, plan.sp_w, plan.sp_out, lake_k, lake_loss_m,
            tr_m, ktau_m, tfac, ql, group, base, pt_m, em_m, fp, fd, st, plan.bstart, plan.rptr, plan.ridx,
            plan.rslot, plan.fptr, plan.fslot, plan.n_slots, TIME_CHUNK, oq, ol, substeps)
    oq = np.moveaxis(oq[:, :, inv], 0, 1)        # (time, member, K)
    ol = np.moveaxis(ol[:, :, inv, :], 0, 1)     # (time, member, K, S)
    return _route_dataset(network, oq, ol, out_labels, out_dim, names, start, days, method, substeps, initial,
                          None, member=M)


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
