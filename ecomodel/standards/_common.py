"""Input checks and output wrapping shared by the standards functions.

Concentrations arrive as Python numbers, lists, numpy arrays, pandas Series or xarray DataArrays.
They are turned into float64 arrays once, checked (negative values and infinities always refused,
NaN refused unless the caller asks for propagation), converted to the table unit, and the result
is wrapped back into the caller's container: DataArray in → DataArray out (with CF-style attrs),
Series in → Series out, scalar in → Python scalar out.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import numpy as np

from .._checks import first_bad
from ..errors import StandardsError, UnitError
from .. import units as _units

__all__ = ["Prepared", "prepare", "where", "broadcast", "check_nan_policy", "wrap", "norm_key", "is_dataarray", "is_series"]

NAN_POLICIES = ("raise", "propagate")


def is_dataarray(obj) -> bool:
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(obj, xr.DataArray)


def is_series(obj) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.Series)


def is_dataset(obj) -> bool:
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(obj, xr.Dataset)


def is_dataframe(obj) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def as_mapping(obj, field: str) -> dict:
    """A mapping of name → values from a dict, an xarray Dataset or a pandas DataFrame."""
    if is_dataset(obj):
        return {str(k): obj[k] for k in obj.data_vars}
    if is_dataframe(obj):
        return {str(k): obj[k] for k in obj.columns}
    if hasattr(obj, "items"):
        return dict(obj.items())
    raise StandardsError(f"{field}: expected a mapping of name -> values (dict, xarray.Dataset or "
                         f"pandas.DataFrame), got {type(obj).__name__}", field=field, value=type(obj).__name__,
                         expected="a mapping")


def norm_key(name) -> str:
    """Fold a pollutant/parameter name for alias lookup: upper case, no spaces, sub-/superscript
    digits made plain, ``-``/``_``/``.``/``(``/``)`` removed (``'PM2.5'``, ``'pm2_5'`` → ``'PM25'``)."""
    text = str(name).strip().upper()
    text = text.translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789"))
    return re.sub(r"[\s\-_.()（）/]", "", text)


def check_nan_policy(nan_policy: str, allowed=NAN_POLICIES) -> str:
    if nan_policy not in allowed:
        raise StandardsError(f"nan_policy: unknown value {nan_policy!r}; expected one of {list(allowed)}",
                             field="nan_policy", value=nan_policy, expected=f"one of {list(allowed)}")
    return nan_policy


def where(mask, labels=None) -> str:
    """``' at index 3 (2 values in all)'`` for an array mask, ``''`` for a scalar."""
    mask = np.asarray(mask)
    if mask.ndim == 0:
        return ""
    return " " + first_bad(mask, labels)


def _labels(values):
    """Labels of the first axis of a 1-d Series/DataArray, for naming a bad position."""
    try:
        if is_series(values):
            return [str(v) for v in values.index]
        if is_dataarray(values) and values.ndim == 1:
            dim = values.dims[0]
            if dim in values.coords:
                coord = np.asarray(values[dim].values)
                if np.issubdtype(coord.dtype, np.datetime64):
                    coord = np.datetime_as_string(coord, unit="D")
                return [f"{dim}={v}" for v in coord.astype(str)]
    except (KeyError, ValueError, TypeError, AttributeError, IndexError):  # pragma: no cover - labels are a courtesy only
        return None
    return None


@dataclass
class Prepared:
    """A checked float64 array plus what is needed to wrap a result like the input."""

    values: np.ndarray
    kind: str  # 'scalar', 'array', 'series', 'dataarray'
    original: object
    nan: np.ndarray  # mask of NaN inputs


def prepare(values, field: str, *, unit: str, units: str | None = None, nan_policy: str = "raise",
            what: str = "concentration") -> Prepared:
    """Check *values* and return them as a float64 array in *unit*.

    Parameters
    ----------
    values : float, array-like, pandas.Series or xarray.DataArray
        Input numbers.
    field : str
        Name used in error messages (``'PM2.5_24h'``, ``'TP'``).
    unit : str
        Unit of the table the values will be compared with.
    units : str, optional
        Unit of *values*; default: ``values.attrs['units']`` for a DataArray, else *unit*.
    nan_policy : {'raise', 'propagate'}
        NaN refused with a :class:`StandardsError` naming count and first position, or kept.
    """
    if is_dataarray(values):
        kind = "dataarray"
        raw = values.values
        if units is None:
            units = values.attrs.get("units")
    elif is_series(values):
        kind = "series"
        raw = values.to_numpy()
    elif np.ndim(values) == 0 and not isinstance(values, np.ndarray):
        kind = "scalar"
        raw = values
    else:
        kind = "array"
        raw = values
    if isinstance(raw, (bool, np.bool_)) or (isinstance(raw, np.ndarray) and raw.dtype == bool):
        raise StandardsError(f"{field}: {raw!r} is a boolean; expected a {what} value (a number)",
                             field=field, value=raw, expected="a number")
    if isinstance(raw, (str, bytes)):
        raise StandardsError(f"{field}: could not read {raw!r} as a number; expected a {what} value",
                             field=field, value=raw, expected="a number")
    try:
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StandardsError(f"{field}: could not read {raw!r:.80} as numbers ({exc}); expected {what} values",
                             field=field, value=raw, expected="numbers") from None
    if units is not None:
        try:
            if _units.canonical(units) != _units.canonical(unit):
                arr = np.asarray(_units.convert(arr, units, unit), dtype=np.float64)
        except UnitError as err:
            raise StandardsError(f"{field}: {err}", field=field, value=units, expected=unit) from None
    labels = _labels(values)
    nan = np.isnan(arr)
    if nan.any() and nan_policy == "raise":
        raise StandardsError(
            f"{field}: NaN{where(nan, labels)}; expected measured {what} values (a missing value is not "
            f"rated; pass nan_policy='propagate' to get NaN back for those entries)",
            field=field, value=float("nan"), expected="finite numbers")
    bad = np.isinf(arr)
    if bad.any():
        v = arr[tuple(np.argwhere(bad)[0])]
        raise StandardsError(f"{field}: {v}{where(bad, labels)}; expected finite {what} values",
                             field=field, value=v, expected="finite numbers")
    bad = arr < 0
    if bad.any():
        v = arr[tuple(np.argwhere(bad)[0])]
        raise StandardsError(f"{field}: {v}{where(bad, labels)}; a {what} cannot be negative",
                             field=field, value=v, expected=">= 0")
    return Prepared(arr, kind, values, nan)


def wrap(result: np.ndarray, like: Prepared, attrs: dict | None = None, *, integer: bool = False):
    """Return *result* in the container of the input described by *like*.

    With ``integer=True`` and no NaN, arrays become int64 and scalars Python ints; otherwise floats.
    """
    result = np.asarray(result)
    has_nan = bool(np.isnan(result).any()) if result.dtype.kind == "f" else False
    if integer and not has_nan:
        result = result.astype(np.int64)
    if like.kind == "scalar":
        value = result.reshape(()).item()
        return value
    if like.kind == "series":
        pd = sys.modules["pandas"]
        out = pd.Series(result, index=like.original.index, name=like.original.name)
        if attrs:
            out.attrs.update(attrs)
        return out
    if like.kind == "dataarray":
        out = like.original.copy(data=result)
        out.attrs = dict(attrs or {})
        return out
    return result


def broadcast(prepared: dict[str, Prepared], field: str):
    """Broadcast the prepared inputs; returns (arrays, template Prepared)."""
    preps = list(prepared.values())
    das = [p for p in preps if p.kind == "dataarray"]
    if das:
        import xarray as xr

        objs = [p.original for p in das]
        try:
            xr.align(*objs, join="exact")
        except ValueError as exc:
            raise StandardsError(f"{field}: the DataArrays do not share coordinates ({exc}); align them "
                                 "first (missing days must be explicit NaN, not filled in silently)",
                                 field=field) from None
        floats = [o.copy(data=p.values) for o, p in zip(objs, das)]
        bc = xr.broadcast(*floats)
        base = bc[0].copy()
        base.name = None
        template = Prepared(base.values, "dataarray", base, np.zeros(base.shape, bool))
        out = {}
        it = iter(bc)
        for key, p in prepared.items():
            if p.kind == "dataarray":
                out[key] = next(it).transpose(*bc[0].dims).values
            elif p.kind == "scalar":
                out[key] = np.broadcast_to(p.values, bc[0].shape)
            else:
                raise StandardsError(f"{field}[{key!r}]: mixing DataArrays with plain arrays is ambiguous; "
                                     "pass DataArrays (or scalars) for every item", field=f"{field}[{key}]")
        return out, template
    series = [p for p in preps if p.kind == "series"]
    for s in series[1:]:
        if not s.original.index.equals(series[0].original.index):
            raise StandardsError(f"{field}: the Series have different indexes; align them first", field=field)
    try:
        arrays = np.broadcast_arrays(*[p.values for p in preps])
    except ValueError as exc:
        shapes = {k: p.values.shape for k, p in prepared.items()}
        raise StandardsError(f"{field}: shapes {shapes} do not broadcast ({exc})", field=field,
                             value=shapes) from None
    template = series[0] if series else next((p for p in preps if p.kind == "array"), preps[0])
    template = Prepared(arrays[0], template.kind, template.original, np.zeros(arrays[0].shape, bool))
    return dict(zip(prepared, arrays)), template
