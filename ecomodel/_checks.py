"""Shared input validation: one place that turns bad numbers into clear errors.

Every check names the field, the offending value (or the first offending position) and what was
expected, and raises the :class:`~ecomodel.errors.EcomodelError` subclass the caller chooses.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .errors import EcomodelError, InputError, close_matches

__all__ = ["as_float_array", "check_choice", "check_fraction", "first_bad", "is_clean"]


#: the bit pattern of +inf as an unsigned integer (float64)
_INF_BITS = np.uint64(0x7FF0000000000000)


def first_bad(mask: np.ndarray, labels=None) -> str:
    """Describe where *mask* is first True: ``"at index (3, 1)"`` or ``"at 'WJG-3'"``."""
    idx = np.argwhere(np.asarray(mask))
    if idx.size == 0:
        return ""
    pos = tuple(int(i) for i in idx[0])
    count = int(np.count_nonzero(mask))
    where = f"at index {pos[0] if len(pos) == 1 else pos}"
    if labels is not None and len(pos) == 1:
        where = f"at {labels[pos[0]]!r}"
    return f"{where} ({count} value{'s' if count != 1 else ''} in all)"


def is_clean(arr: np.ndarray, *, finite: bool = True, positive: bool = False, nonnegative: bool = True) -> bool:
    """True when the float array *arr* certainly meets the constraints, from two reductions (min and
    max) instead of one mask per rule; False means "look closer" (NaN fails every comparison).

    >>> is_clean(np.array([0.0, 2.0])), is_clean(np.array([0.0, np.nan])), is_clean(np.array([-1.0]))
    (True, False, False)
    """
    if arr.size == 0:
        return True
    if finite and nonnegative and not positive and arr.dtype == np.float64:
        # one integer reduction: the bit patterns of finite x >= +0.0 are the integers below that of +inf;
        # negatives (with -0.0), inf and NaN are not (-0.0 then gets the closer look and passes it)
        return bool(arr.view(np.uint64).max() < _INF_BITS)
    lo, hi = arr.min(), arr.max()
    ok = bool(lo > -np.inf and hi < np.inf) if finite else True
    if positive:
        return ok and bool(lo > 0)
    if nonnegative:
        return ok and bool(lo >= 0)
    return ok


def as_float_array(
    values,
    field: str,
    *,
    error: type[EcomodelError] = InputError,
    nonnegative: bool = True,
    positive: bool = False,
    finite: bool = True,
    ndim: int | None = None,
    labels=None,
) -> np.ndarray:
    """Return *values* as a C-contiguous float64 array after checking it.

    Parameters
    ----------
    values : array-like
        Input numbers.
    field : str
        Name used in error messages (``'flow'``, ``'emissions[NOx]'`` …).
    error : EcomodelError subclass
        Error class to raise.
    nonnegative, positive, finite : bool
        Constraints to enforce. NaN is always refused when ``finite`` is true.
    ndim : int, optional
        Required number of dimensions.
    labels : sequence, optional
        Labels for the first axis, used to name the offending item.
    """
    try:
        arr = np.ascontiguousarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(f"{field}: could not read {values!r:.80} as numbers ({exc})", field=field, value=values,
                    expected="numbers") from None
    if ndim is not None and arr.ndim != ndim:
        raise error(f"{field}: expected a {ndim}-d array, got shape {arr.shape}", field=field, value=arr.shape,
                    expected=f"{ndim} dimensions")
    if is_clean(arr, finite=finite, positive=positive, nonnegative=nonnegative):
        return arr
    if finite:
        bad = ~np.isfinite(arr)
        if bad.any():
            v = arr[tuple(np.argwhere(bad)[0])]
            raise error(f"{field}: {v} {first_bad(bad, labels)}; expected finite numbers (no NaN/inf)",
                        field=field, value=v, expected="finite numbers")
    if positive:
        bad = arr <= 0
        if bad.any():
            v = arr[tuple(np.argwhere(bad)[0])]
            raise error(f"{field}: {v} {first_bad(bad, labels)}; expected values > 0", field=field, value=v,
                        expected="> 0")
    elif nonnegative:
        bad = arr < 0
        if bad.any():
            v = arr[tuple(np.argwhere(bad)[0])]
            raise error(f"{field}: {v} {first_bad(bad, labels)}; expected values >= 0", field=field, value=v,
                        expected=">= 0")
    return arr


def check_fraction(values, field: str, *, error: type[EcomodelError] = InputError) -> np.ndarray:
    """Check that *values* lie in [0, 1] (reduction fractions, split fractions, shares)."""
    arr = as_float_array(values, field, error=error)
    bad = arr > 1
    if bad.any():
        v = arr[tuple(np.argwhere(bad)[0])]
        raise error(f"{field}: {v} {first_bad(bad)}; expected a fraction between 0 and 1", field=field, value=v,
                    expected="0 <= x <= 1")
    return arr


def check_choice(value, options: Iterable[str], field: str, *, error: type[EcomodelError] = InputError) -> str:
    """Return *value* if it is one of *options*, else raise naming the closest options."""
    options = list(options)
    if value not in options:
        raise error(f"{field}: unknown value {value!r}" + close_matches(str(value), options), field=field,
                    value=value, expected=f"one of {options}")
    return value


def check_members(value, field: str = "members", *, error: type[EcomodelError] = InputError) -> int:
    """An ensemble size: a positive integer (``True``, ``2.5`` and ``'3'`` are refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise error(f"{field}: {value!r}; expected a positive integer number of ensemble members",
                    field=field, value=value, expected="an integer >= 1")
    return int(value)


def check_seed(value, field: str = "seed", *, error: type[EcomodelError] = InputError):
    """A random seed: None, a non-negative integer or a :class:`numpy.random.Generator`."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise error(f"{field}: {value!r}; expected None, a non-negative integer or a numpy Generator",
                    field=field, value=value, expected="an integer >= 0")
    return int(value)


#: years a projection may cover (the plans' horizon with room on both sides)
YEAR_RANGE = (1990, 2100)


def check_years(years, field: str = "years", *, error: type[EcomodelError] = InputError) -> list[int]:
    """Projection years: integers inside :data:`YEAR_RANGE`, at least one."""
    try:
        out = list(years)
    except TypeError:
        out = [years]
    lo, hi = YEAR_RANGE
    for y in out:
        if isinstance(y, (bool, np.bool_)) or not isinstance(y, (int, np.integer)) or not lo <= y <= hi:
            raise error(f"{field}: {y!r}; expected integer years in {lo}-{hi}", field=field, value=y,
                        expected=f"integers in {lo}-{hi}")
    if not out:
        raise error(f"{field}: no years; expected at least one", field=field, value=out, expected="one or more years")
    return [int(y) for y in out]
