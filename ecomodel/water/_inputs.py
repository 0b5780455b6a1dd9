"""Input parsing shared by the steady and routing solvers: per-substance parameters, load tables
and daily inputs (lateral flows, :class:`DailyLoads`), all checked and in network order.

Units: loads [kg/d], flows [m3/s], rates [1/d]."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ecomodel._checks import as_float_array, is_clean
from ecomodel.errors import InputError, SourceError

from .network import RiverNetwork

__all__ = ["DailyLoads"]


# ---------------------------------------------------------------------------- parameters
def _per_substance(value, names, n, field_name, default, *, error=InputError):
    """Broadcast a scalar / (n,) / (n, S) / {substance: scalar|(n,)} parameter to (n, S).

    Scalars and per-reach columns come back as read-only broadcast views (no copy); the network's
    own columns (``value=None``) were validated when the network was built and are not checked again."""
    S = len(names)
    if isinstance(value, dict) and not set(value) <= set(names):  # nothing silently dropped
        extra = sorted(set(value) - set(names), key=str)
        raise error(f"{field_name}: value(s) for {extra}, which are not among the substances {list(names)}",
                    field=field_name, value=extra, expected=f"keys among {list(names)}")
    if value is None:
        if isinstance(default, np.ndarray) and default.shape == (n,):
            return np.broadcast_to(default[:, None], (n, S))
        value = default
    if isinstance(value, dict) and all(np.ndim(value.get(k, default)) == 0 for k in names) \
            and (default is not None or all(k in value for k in names)):  # one value per substance: a view
        row = np.array([float(as_float_array(value[k], f"{field_name}[{k}]", error=error)[0]) if k in value
                        else float(default) for k in names])
        return np.broadcast_to(row, (n, S))
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



# ---------------------------------------------------------------------------- daily loads
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


