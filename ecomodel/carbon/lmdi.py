"""LMDI-I decomposition of CO2 changes (Ang 2005), additive and multiplicative, with zero values.

The emissions of sector *i* and fuel *j* are written as a product of five factors,

.. math::

    C_{ij} = Q \\cdot \\frac{Q_i}{Q} \\cdot \\frac{E_i}{Q_i} \\cdot \\frac{E_{ij}}{E_i} \\cdot
             \\frac{C_{ij}}{E_{ij}} = Q\\,S_i\\,I_i\\,M_{ij}\\,U_{ij}

(activity, structure, energy intensity, fuel mix, emission factor), with :math:`Q=\\sum_i Q_i`. The
LMDI-I effects between years 0 and T are (Ang 2005, Tables 1-2)

.. math::

    \\Delta C_x = \\sum_{ij} L(C^T_{ij}, C^0_{ij}) \\ln\\frac{x^T_{ij}}{x^0_{ij}}, \\qquad
    D_x = \\exp\\left(\\frac{\\Delta C_x}{L(C^T, C^0)}\\right),
    \\qquad L(a, b) = \\frac{a-b}{\\ln a - \\ln b},\\ L(a, a) = a,

so that :math:`\\sum_x \\Delta C_x = C^T - C^0` and :math:`\\prod_x D_x = C^T/C^0` exactly.

Zero values follow the analytical limits of Ang, Zhang & Choi (1998, Energy 23:489-495, Table 2),
generalised by Ang & Liu (2007, Energy Policy 35:238-246): a term that is zero in both years
contributes nothing; a term that appears (:math:`C^0_{ij}=0<C^T_{ij}`) or disappears contributes
its whole change :math:`C^T_{ij}-C^0_{ij}` to the factor that is zero at the zero end — the first
of structure (:math:`Q_i=0`), intensity (:math:`E_i=0`), fuel mix (:math:`E_{ij}=0`) and emission
factor (:math:`C_{ij}=0` with :math:`E_{ij}>0`) — which is the limit of replacing the zero data by
δ → 0 (Ang & Liu 2007); all other factors of that term get 0.

References
----------
Ang, B.W. (2005). The LMDI approach to decomposition analysis: a practical guide. Energy Policy
33, 867-871. Ang, B.W., Liu, N. (2007). Handling zero values in the logarithmic mean Divisia index
decomposition approach. Energy Policy 35, 238-246.

Examples
--------
>>> import numpy as np
>>> out = log_mean_divisia(np.array([[1.0, 10.0, 2.0], [4.0, 5.0, 3.0]]),
...                        np.array([[4.0, 5.0, 3.0], [5.0, 6.0, 4.0]]))
>>> np.round(out["delta"], 4).tolist()
[69.7901, -9.4551, 39.6651]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._cf import cf_attrs
from ..errors import CarbonError

if TYPE_CHECKING:
    import numpy.typing as npt
    import xarray as xr

__all__ = ["log_mean", "log_mean_divisia", "lmdi_decomposition", "lmdi_inputs", "EFFECTS"]

#: Inputs with at least this many emission cells use the numba kernel under ``engine='auto'``.
NUMBA_MIN_SIZE = 500_000

#: The five effects of :func:`lmdi_decomposition`, in order.
EFFECTS = ("activity", "structure", "intensity", "fuel_mix", "emission_factor")


def log_mean(a: npt.ArrayLike, b: npt.ArrayLike) -> float | np.ndarray:
    """Logarithmic mean :math:`L(a,b)=(a-b)/(\\ln a-\\ln b)`, with :math:`L(a,a)=a` and 0 when
    either argument is 0.

    Parameters
    ----------
    a, b : float or array-like
        Non-negative values [any unit].

    Returns
    -------
    float or numpy.ndarray
        Same unit as the inputs.

    Examples
    --------
    >>> round(log_mean(60.0, 20.0), 4)
    36.4096
    >>> log_mean(3.0, 3.0), log_mean(0.0, 5.0)
    (3.0, 0.0)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    pos = (a > 0) & (b > 0)
    sa = np.where(pos, a, 1.0)
    sb = np.where(pos, b, 1.0)
    diff = np.log(sa) - np.log(sb)
    same = pos & (np.abs(diff) < 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(same, 0.5 * (sa + sb), (sa - sb) / np.where(same | ~pos, 1.0, diff))
    out = np.where(pos, out, 0.0)
    return float(out) if out.ndim == 0 else out


def log_mean_divisia(x0: npt.ArrayLike, xT: npt.ArrayLike) -> dict:
    """General LMDI-I decomposition of :math:`V=\\sum_i\\prod_k x_{ik}` between two periods.

    Parameters
    ----------
    x0, xT : array-like
        Factors in period 0 and T, shape (…, subcategory, factor); non-negative.

    Returns
    -------
    dict
        ``delta`` (…, factor) additive effects [unit of V], ``ratio`` (…, factor) multiplicative
        effects [1], ``total_change`` and ``total_ratio``. Zero values as in the module docstring
        (the whole change of a vanishing/appearing term goes to its first zero factor).

    Examples
    --------
    >>> out = log_mean_divisia([[2.0, 3.0]], [[4.0, 3.0]])
    >>> out["delta"].tolist(), out["ratio"].tolist()
    ([6.0, 0.0], [2.0, 1.0])
    """
    x0 = np.asarray(x0, dtype=float)
    xT = np.asarray(xT, dtype=float)
    if x0.shape != xT.shape or x0.ndim < 2:
        raise CarbonError(f"log_mean_divisia: shapes {x0.shape} and {xT.shape}; expected equal (…, subcategory, "
                          "factor) shapes", field="x0", value=x0.shape, expected="equal shapes, ndim >= 2")
    for name, arr in (("x0", x0), ("xT", xT)):
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise CarbonError(f"log_mean_divisia: {name} has negative or non-finite values; expected finite values >= 0",
                              field=name, value="invalid", expected="finite, >= 0")
    v0 = x0.prod(-1)
    vT = xT.prod(-1)
    w = log_mean(vT, v0)[..., None]
    both = (v0 > 0) & (vT > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(both[..., None], xT / np.where(both[..., None], x0, 1.0), 1.0)
    delta_terms = w * np.log(ratio)
    zero_end = np.where((v0 == 0)[..., None], x0, xT)
    is_zero = zero_end == 0
    first = np.cumsum(is_zero, axis=-1) == 1
    first &= is_zero
    change = (vT - v0)[..., None]
    one = (v0 > 0) ^ (vT > 0)
    delta_terms = np.where(one[..., None], np.where(first, change, 0.0), delta_terms)
    delta = delta_terms.sum(-2)
    V0, VT = v0.sum(-1), vT.sum(-1)
    total = VT - V0
    with np.errstate(divide="ignore", invalid="ignore"):
        Lt = log_mean(VT, V0)
        ratio_x = np.where(np.asarray(Lt)[..., None] > 0, np.exp(delta / np.where(np.asarray(Lt)[..., None] > 0,
                                                                                   np.asarray(Lt)[..., None], 1.0)),
                           np.nan)
    return {"delta": delta, "ratio": ratio_x, "total_change": total,
            "total_ratio": np.where(V0 > 0, VT / np.where(V0 > 0, V0, 1.0), np.nan)}


def _pair(Q0, QT, Qi0, QiT, Ei0, EiT, Eij0, EijT, C0, CT):
    """Five-factor LMDI-I for one or many periods; returns (…, sector, effect) deltas."""
    pos0 = C0 > 0
    posT = CT > 0
    both = pos0 & posT
    one = pos0 ^ posT
    with np.errstate(divide="ignore", invalid="ignore"):
        lnC = np.where(both, np.log(np.where(both, CT, 1.0) / np.where(both, C0, 1.0)), 0.0)
        lnE = np.where(both, np.log(np.where(both, EijT, 1.0) / np.where(both, Eij0, 1.0)), 0.0)
    small = both & (np.abs(lnC) < 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(both, np.where(small, 0.5 * (C0 + CT), (CT - C0) / np.where(small | ~both, 1.0, lnC)), 0.0)
    Ls = L.sum(-1)  # (…, sector) sum of weights over fuels
    with np.errstate(divide="ignore", invalid="ignore"):
        okQ = (Q0 > 0) & (QT > 0)
        lnQ = np.log(np.where(okQ, QT, 1.0) / np.where(okQ, Q0, 1.0))
        okS = (Qi0 > 0) & (QiT > 0)
        lnQi = np.log(np.where(okS, QiT, 1.0) / np.where(okS, Qi0, 1.0))
        okI = (Ei0 > 0) & (EiT > 0)
        lnEi = np.log(np.where(okI, EiT, 1.0) / np.where(okI, Ei0, 1.0))
    lnS = lnQi - lnQ[..., None]
    lnI = lnEi - lnQi
    activity = Ls * lnQ[..., None]
    structure = Ls * lnS
    intensity = Ls * lnI
    mix = (L * lnE).sum(-1) - Ls * lnEi
    ef = (L * (lnC - lnE)).sum(-1)
    # zero values: the whole change of a term goes to its first zero factor at the zero end
    if one.any():
        change = np.where(one, CT - C0, 0.0)
        at0 = ~pos0
        Qz = np.where(at0, Qi0[..., None], QiT[..., None])
        Ez = np.where(at0, Ei0[..., None], EiT[..., None])
        Eijz = np.where(at0, Eij0, EijT)
        to_s = Qz <= 0
        to_i = ~to_s & (Ez <= 0)
        to_m = ~to_s & ~to_i & (Eijz <= 0)
        to_u = ~to_s & ~to_i & ~to_m
        structure = structure + np.where(to_s, change, 0.0).sum(-1)
        intensity = intensity + np.where(to_i, change, 0.0).sum(-1)
        mix = mix + np.where(to_m, change, 0.0).sum(-1)
        ef = ef + np.where(to_u, change, 0.0).sum(-1)
    return np.stack([activity, structure, intensity, mix, ef], axis=-1)


def _validate(Q, E, C):
    for name, arr in (("activity", Q), ("energy", E), ("emissions", C)):
        if (arr >= 0).all() and not (arr == np.inf).any():
            continue
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise CarbonError(f"lmdi: {name} has {arr[idx]} at index {idx}; expected finite values >= 0", field=name,
                              value=float(arr[idx]), expected="finite, >= 0")
    Ei = E.sum(-1)
    bad = (C > 0) & (E <= 0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CarbonError(f"lmdi: emissions {C[idx]} without energy use at index {idx}; expected energy > 0 wherever "
                          "emissions > 0", field="emissions", value=float(C[idx]), expected="energy > 0")
    bad = (Ei > 0) & (Q <= 0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CarbonError(f"lmdi: energy use {Ei[idx]} without activity at index {idx}; expected activity > 0 wherever "
                          "energy > 0", field="activity", value=float(Q[idx]) if Q.ndim else 0.0,
                          expected="activity > 0")
    Qt = Q.sum(-1)
    if (Qt <= 0).any():
        raise CarbonError("lmdi: total activity is zero in some year; expected a positive total", field="activity",
                          value=0.0, expected="> 0")


def lmdi_decomposition(activity: xr.DataArray, energy: xr.DataArray, emissions: xr.DataArray, *,
                       years: Sequence[int] | None = None, chain: bool = True, engine: str = "auto") -> xr.Dataset:
    """LMDI-I decomposition of CO2 change into activity, structure, intensity, fuel-mix and
    emission-factor effects, additive and multiplicative.

    Parameters
    ----------
    activity : xarray.DataArray
        Sector activity (…, year, sector), e.g. value added [10⁴ CNY]; total activity is the sum
        over sectors.
    energy : xarray.DataArray
        Energy use (…, year, sector, fuel) [tce or any energy unit].
    emissions : xarray.DataArray
        CO2 emissions (…, year, sector, fuel) [t or Mt]; effects come out in this unit.
    years : sequence of int, optional
        Years to use (default: all, in order); at least two.
    chain : bool
        True: decompose each consecutive pair of years (chained); False: first → last year only.
    engine : {'auto', 'numpy', 'numba'}
        Vectorised numpy, or a fused numba kernel (``'auto'``: numba from
        :data:`NUMBA_MIN_SIZE` emission cells on). Both give the same numbers.

    Returns
    -------
    xarray.Dataset
        Over (…, period, effect): ``delta`` [emissions unit] and ``ratio`` [1]; ``delta_by_sector``
        (…, period, effect, sector); ``total_change`` and ``total_ratio`` (…, period);
        ``cumulative_delta`` and ``cumulative_ratio`` (…, period, effect) accumulated over the
        chain. Coordinates ``period`` (``'2020-2025'``), ``start_year``, ``end_year``.

    Raises
    ------
    CarbonError
        Negative or NaN inputs, emissions without energy, energy without activity, fewer than two
        years, or a zero total where the multiplicative form needs a positive one.

    Examples
    --------
    >>> import xarray as xr
    >>> Q = xr.DataArray([[10.0], [12.0]], dims=("year", "sector"), coords={"year": [2020, 2021]})
    >>> E = xr.DataArray([[[5.0]], [[5.4]]], dims=("year", "sector", "fuel"), coords={"year": [2020, 2021]})
    >>> C = E * 2.0
    >>> out = lmdi_decomposition(Q, E, C)
    >>> bool(abs(out["delta"].sum("effect") - out["total_change"]).max() < 1e-12)
    True
    >>> round(out["ratio"].sel(effect="activity").item(), 6), round(out["ratio"].sel(effect="intensity").item(), 6)
    (1.2, 0.9)
    """
    _check_inputs(activity, energy, emissions)
    if years is None:
        years = [int(y) for y in activity["year"].values]
    years = [int(y) for y in years]
    if len(years) < 2:
        raise CarbonError(f"lmdi: {len(years)} year(s) given; expected at least two", field="years", value=years,
                          expected=">= 2 years")
    C, q, e, c, units = _aligned_arrays(activity, energy, emissions, years)
    if chain:
        a, b = slice(None, -1), slice(1, None)
        starts, ends = years[:-1], years[1:]
    else:
        a, b = slice(0, 1), slice(-1, None)
        starts, ends = [years[0]], [years[-1]]
    by_sector = _effects_by_sector(q, e, c, a, b, len(years), engine)
    delta = by_sector.sum(-2)  # (…, period, effect)
    c_year = c.sum((-1, -2))  # (…, year)
    C0 = c_year[..., a]
    CT = c_year[..., b]
    if ((C0 <= 0) | (CT <= 0)).any():
        raise CarbonError("lmdi: total emissions are zero in a year of the decomposition; the multiplicative form "
                          "needs positive totals", field="emissions", value=0.0, expected="> 0 in every year")
    ratio = np.exp(delta / np.asarray(log_mean(CT, C0))[..., None])
    return _lmdi_dataset(C, units, starts, ends, by_sector, delta, ratio, C0, CT, chain)


def _check_inputs(activity: xr.DataArray, energy: xr.DataArray, emissions: xr.DataArray) -> None:
    """Raise CarbonError unless the three inputs are DataArrays with the dimensions LMDI needs."""
    import xarray as xr

    for name, obj in (("activity", activity), ("energy", energy), ("emissions", emissions)):
        if not isinstance(obj, xr.DataArray):
            raise CarbonError(f"lmdi: {name} must be an xarray.DataArray, got {type(obj).__name__}", field=name,
                              value=type(obj).__name__, expected="DataArray")
        if "year" not in obj.dims or "sector" not in obj.dims:
            raise CarbonError(f"lmdi: {name} lacks 'year' or 'sector' dimension (dims {obj.dims})", field=name,
                              value=obj.dims, expected="dims including 'year' and 'sector'")
    for name, obj in (("energy", energy), ("emissions", emissions)):
        if "fuel" not in obj.dims:
            raise CarbonError(f"lmdi: {name} lacks a 'fuel' dimension (dims {obj.dims})", field=name, value=obj.dims,
                              expected="dims including 'fuel'")


def _aligned_arrays(activity: xr.DataArray, energy: xr.DataArray, emissions: xr.DataArray, years: list[int]
                    ) -> tuple[xr.DataArray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(emissions as (…, year, sector, fuel), activity, energy and emissions values, emissions unit) on *years*."""
    import xarray as xr

    energy, emissions = xr.align(energy, emissions, join="exact", copy=False)
    if [int(y) for y in emissions["year"].values] != years:
        emissions = emissions.sel(year=years)
        energy = energy.sel(year=years)
    if [int(y) for y in activity["year"].values] != years:
        activity = activity.sel(year=years)
    lead = [d for d in emissions.dims if d not in ("year", "sector", "fuel")]
    lead += [d for d in energy.dims if d not in ("year", "sector", "fuel") and d not in lead]
    lead += [d for d in activity.dims if d not in ("year", "sector") and d not in lead]
    dims = (*lead, "year", "sector", "fuel")
    Q = activity.reindex(sector=emissions["sector"].values)
    # a leading dimension (e.g. member) on only some inputs is shared by all three
    C, E, Q = xr.broadcast(emissions, energy, Q)
    C, E = C.transpose(*dims), E.transpose(*dims)
    Q = Q.isel(fuel=0, drop=True).transpose(*dims[:-1])
    q, e, c = (np.asarray(x.values, dtype=float) for x in (Q, E, C))
    return C, q, e, c, emissions.attrs.get("units", "unit of the emissions")


def _effects_by_sector(q: np.ndarray, e: np.ndarray, c: np.ndarray, a: slice, b: slice, n_years: int,
                       engine: str) -> np.ndarray:
    """Additive effects (…, period, sector, effect) of the year pairs *a* → *b*, by numpy or the numba kernel."""
    ax = q.ndim - 2  # year axis in the (…, year, sector) arrays
    if engine not in ("auto", "numpy", "numba"):
        raise CarbonError(f"lmdi: engine {engine!r}; expected 'auto', 'numpy' or 'numba'", field="engine",
                          value=engine, expected="'auto', 'numpy' or 'numba'")
    use_numba = engine == "numba" or (engine == "auto" and c.size >= NUMBA_MIN_SIZE)
    if use_numba:
        from ._kernels import _lmdi_pairs

        T, S, F = c.shape[-3:]
        n = int(np.prod(c.shape[:-3], dtype=np.int64))
        start = np.asarray(range(n_years)[a], dtype=np.int64)
        end = np.asarray(range(n_years)[b], dtype=np.int64)
        out = np.empty((n, start.size, S, len(EFFECTS)))
        err = np.zeros(n * start.size, dtype=np.int8)
        _lmdi_pairs(np.ascontiguousarray(q).reshape(n, T, S), np.ascontiguousarray(e).reshape(n, T, S, F),
                    np.ascontiguousarray(c).reshape(n, T, S, F), start, end, out, err)
        if err.any():  # the kernel only flags; the numpy check names the offending value
            _validate(q, e, c)
            raise CarbonError("lmdi: invalid input data (negative, NaN, emissions without energy or energy without "
                              "activity)", field="emissions", value="invalid", expected="consistent data >= 0")
        return out.reshape(c.shape[:-3] + (start.size, S, len(EFFECTS)))
    _validate(q, e, c)
    take = lambda arr, s, axis: arr[(slice(None),) * axis + (s,)]  # noqa: E731
    ei = e.sum(-1)
    qt = q.sum(-1)
    return _pair(take(qt, a, ax), take(qt, b, ax), take(q, a, ax), take(q, b, ax), take(ei, a, ax),
                 take(ei, b, ax), take(e, a, ax), take(e, b, ax), take(c, a, ax), take(c, b, ax))


def _lmdi_dataset(C: xr.DataArray, units: str, starts: list[int], ends: list[int], by_sector: np.ndarray,
                  delta: np.ndarray, ratio: np.ndarray, C0: np.ndarray, CT: np.ndarray, chain: bool) -> xr.Dataset:
    """The result Dataset of :func:`lmdi_decomposition` with its coordinates, CF attributes and cumulative sums."""
    import xarray as xr

    periods = [f"{s}-{t}" for s, t in zip(starts, ends)]
    lead_dims = C.dims[:-3]
    coords = {d: C[d].values for d in lead_dims if d in C.coords}
    for name, var in C.coords.items():
        if name not in C.dims and set(var.dims) <= set(lead_dims):
            coords[name] = var
    pc = {"period": periods, "start_year": ("period", starts), "end_year": ("period", ends),
          "effect": list(EFFECTS)}
    dims = lead_dims + ("period", "effect")
    ds = xr.Dataset(
        {
            "delta": xr.DataArray(delta, dims=dims, coords={**coords, **pc},
                                  attrs=cf_attrs(units, "additive LMDI-I effect on CO2 emissions")),
            "ratio": xr.DataArray(ratio, dims=dims, coords={**coords, **pc},
                                  attrs=cf_attrs("1", "multiplicative LMDI-I effect on CO2 emissions")),
            "delta_by_sector": xr.DataArray(np.moveaxis(by_sector, -1, -2), dims=dims + ("sector",),
                                            coords={**coords, **pc, "sector": C["sector"].values},
                                            attrs=cf_attrs(units, "additive LMDI-I effect by sector")),
            "total_change": xr.DataArray(CT - C0, dims=lead_dims + ("period",),
                                         coords={**coords, **{k: v for k, v in pc.items() if k != "effect"}},
                                         attrs=cf_attrs(units, "change of total CO2 emissions")),
            "total_ratio": xr.DataArray(CT / C0, dims=lead_dims + ("period",),
                                        coords={**coords, **{k: v for k, v in pc.items() if k != "effect"}},
                                        attrs=cf_attrs("1", "ratio of total CO2 emissions, end / start")),
        },
        attrs={"method": "LMDI-I (Ang 2005, Energy Policy 33:867-871); zero values per Ang & Liu 2007 "
                         "(Energy Policy 35:238-246)", "chained": int(bool(chain))},
    )
    ds["cumulative_delta"] = ds["delta"].cumsum("period")
    ds["cumulative_delta"].attrs = cf_attrs(units, "additive LMDI-I effect accumulated over the chain")
    ds["cumulative_ratio"] = ds["ratio"].cumprod("period")
    ds["cumulative_ratio"].attrs = cf_attrs("1", "multiplicative LMDI-I effect accumulated over the chain")
    return ds


def lmdi_inputs(projection: xr.Dataset, member: int | None = None) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Activity, energy and emissions for :func:`lmdi_decomposition` from a detailed projection.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`~ecomodel.carbon.projection.project` with ``detail=True``.
    member : int, optional
        One ensemble member; all members (as a leading dimension) when omitted.

    Returns
    -------
    tuple of xarray.DataArray
        ``(activity [10⁴ CNY], energy [tce], emissions [t])``.

    Examples
    --------
    >>> from ecomodel.carbon import demo_drivers, project
    >>> ds = project(demo_drivers(["常州市钟楼区"]), years=[2020, 2025], members=2, seed=0, detail=True)
    >>> [a.dims for a in lmdi_inputs(ds, member=0)][0]
    ('year', 'region', 'sector')
    """
    missing = [v for v in ("activity", "energy_tce", "co2") if v not in projection]
    if missing:
        raise CarbonError(f"lmdi_inputs: projection lacks {missing}; run project(..., detail=True)", field="projection",
                          value=missing, expected="a detailed projection")
    sel = {} if member is None else {"member": member}
    return (projection["activity"].isel(**sel) if sel else projection["activity"],
            projection["energy_tce"].isel(**sel) if sel else projection["energy_tce"],
            projection["co2"].isel(**sel) if sel else projection["co2"])
