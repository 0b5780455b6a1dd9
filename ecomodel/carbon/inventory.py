"""Energy balance → CO2 inventory by sector and fuel, direct and electricity-indirect scopes apart.

An *energy balance* here is final energy use by sector and fuel in physical units: tonnes for solid
and liquid fuels, 10⁴ m³ for gases, MWh for purchased electricity (the units of the Chinese energy
statistics). :func:`energy_balance` reads one from a pandas table or xarray object, converts the
units once and refuses unknown fuels, incompatible units, negative use and NaN.
:func:`co2_inventory` multiplies by the emission factors of :mod:`ecomodel.carbon.factors`:

.. math::

    C_{ij} = E_{ij} \\cdot EF_j

with :math:`E_{ij}` the use of fuel *j* in sector *i* [physical unit] and :math:`EF_j` [t CO2 per
unit]. Fossil fuels burned in the region are the *direct* scope; purchased electricity times the
grid factor is the *indirect* scope. If local power plants are in the balance (a ``power`` sector
burning coal), the electricity column should hold net purchases only, or their emissions are
counted twice; the two scopes are reported apart so the user can choose.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"sector": ["industry", "industry", "residential"],
...                       "fuel": ["raw_coal", "electricity", "natural_gas"],
...                       "value": [1000.0, 500.0, 10.0], "unit": ["t", "MWh", "10^4 m3"]})
>>> inv = co2_inventory(energy_balance(table))
>>> round(float(inv["co2_total"]) * 1e6, 1)           # t CO2
2363.6
>>> round(float(inv["co2_indirect"].sel(sector="industry")) * 1e6, 2)
280.85
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .. import units as _units
from .._cf import cf_attrs
from ..errors import CarbonError, UnitError, close_matches
from .factors import FUELS, emission_factors, fuel_table

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd
    import xarray as xr

__all__ = ["energy_balance", "co2_inventory", "coal_share"]

#: extra unit spellings accepted for energy balances, mapped to (canonical unit, factor)
_EXTRA_UNITS = {
    "万千瓦时": ("MWh", 10.0), "10^4 kWh": ("MWh", 10.0), "亿千瓦时": ("MWh", 1e5), "10^8 kWh": ("MWh", 1e5),
    "万立方米": ("10^4 m3", 1.0), "亿立方米": ("10^8 m3", 1.0), "万吨": ("10^4 t", 1.0),
}
_DIMENSION_WORD = {"mass": "a mass unit such as 't'", "volume": "a volume unit such as '10^4 m3'",
                   "energy": "an energy unit such as 'MWh'"}


def _unit_factor(given: str, fuel: str, target: str) -> float:
    """Factor converting *given* to the fuel's physical unit *target*, or a CarbonError."""
    scale = 1.0
    unit = given
    if isinstance(unit, str) and unit.strip() in _EXTRA_UNITS:
        unit, scale = _EXTRA_UNITS[unit.strip()]
    try:
        return scale * _units.factor(unit, target)
    except UnitError:
        try:
            dim = _units.dimension(unit)
        except UnitError:
            dim = "unknown"
        want = _units.dimension(target)
        raise CarbonError(
            f"energy balance: fuel {fuel!r} is given in {given!r} ({dim}); unit mismatch, expected "
            f"{_DIMENSION_WORD.get(want, repr(target))} (physical unit of {fuel!r} is {target!r})",
            field=f"unit[{fuel}]", value=given, expected=target) from None


def _check_fuels(names) -> None:
    for name in names:
        if name not in FUELS:
            raise CarbonError(f"energy balance: unknown fuel {name!r}" + close_matches(str(name), FUELS),
                              field="fuel", value=name, expected=f"one of {list(FUELS)}")


def _units_for(fuels, units, where: str) -> dict:
    """Resolve per-fuel units from a mapping, 'default', or raise."""
    physical = fuel_table()["unit"]
    if units is None:
        raise CarbonError(f"energy balance: {where} carries no units; pass units={{fuel: unit}} or "
                          "units='default' to accept t / 10^4 m3 / MWh", field="units", value=None,
                          expected="a mapping fuel -> unit, or 'default'")
    if isinstance(units, str):
        if units != "default":
            return {f: units for f in fuels}
        return {f: physical[f] for f in fuels}
    if not isinstance(units, Mapping):
        raise CarbonError(f"units: expected a mapping fuel -> unit or 'default', got {type(units).__name__}",
                          field="units", value=units, expected="mapping or 'default'")
    _check_fuels(units)
    missing = [f for f in fuels if f not in units]
    if missing:
        raise CarbonError(f"units: no unit given for fuel(s) {missing}", field="units", value=missing,
                          expected="a unit for every fuel in the balance")
    return dict(units)


def energy_balance(data: pd.DataFrame | xr.DataArray | xr.Dataset, *, units: Mapping[str, str] | str | None = None,
                   sector: str = "sector", fuel: str = "fuel", value: str = "value",
                   unit: str = "unit") -> xr.DataArray:
    """Read and check an energy balance; return it as a DataArray in physical units.

    Parameters
    ----------
    data : pandas.DataFrame, xarray.DataArray or xarray.Dataset
        - long table with columns *sector*, *fuel*, *value* and *unit*; any other column (``region``,
          ``year`` …) becomes a dimension;
        - wide table: index = sectors, columns = fuels (needs *units*);
        - DataArray with ``sector`` and ``fuel`` dimensions and a ``unit`` coordinate along ``fuel``
          (or *units*);
        - Dataset with one variable per fuel, each with a ``units`` attribute.
        Energy use [t, 10⁴ m³ or MWh, or any convertible unit such as ``万吨``, ``亿立方米``, ``GWh``].
    units : mapping or str, optional
        ``{fuel: unit}`` for inputs that carry no units, or ``'default'`` to accept the physical
        units t / 10⁴ m³ / MWh.
    sector, fuel, value, unit : str
        Column names of a long table.

    Returns
    -------
    xarray.DataArray
        ``energy_use`` with dimensions (…, sector, fuel), all twelve fuels (fuels absent from the
        input are zero), values in each fuel's physical unit given by the ``unit`` coordinate.

    Raises
    ------
    CarbonError
        Unknown fuel, unit mismatch (e.g. natural gas in tonnes), negative use, NaN or duplicate
        entries; the message names the sector, fuel and value.

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"raw_coal": [2.0], "natural_gas": [1.0]}, index=["industry"])
    >>> da = energy_balance(wide, units={"raw_coal": "万吨", "natural_gas": "亿立方米"})
    >>> da.sel(sector="industry", fuel=["raw_coal", "natural_gas"]).values.tolist()
    [20000.0, 10000.0]
    """
    import pandas as pd
    import xarray as xr

    physical = fuel_table()["unit"]
    if isinstance(data, pd.DataFrame):
        if {sector, fuel, value} <= set(data.columns):
            da = _from_long_table(data, units, sector, fuel, value, unit, physical)
        else:
            da = _from_wide_table(data, units, physical)
    elif isinstance(data, xr.Dataset):
        da = _from_dataset(data, units, physical)
    elif isinstance(data, xr.DataArray):
        da = _from_dataarray(data, units, physical)
    else:
        raise CarbonError(f"energy balance: cannot read a {type(data).__name__}; expected a pandas DataFrame or an "
                          "xarray DataArray/Dataset", field="data", value=type(data).__name__,
                          expected="DataFrame, DataArray or Dataset")

    da = da.reindex(fuel=list(FUELS), fill_value=0.0)
    order = [d for d in da.dims if d not in ("sector", "fuel")] + ["sector", "fuel"]
    da = da.transpose(*order)
    da = da.assign_coords(unit=("fuel", [physical[f] for f in FUELS]))
    da.name = "energy_use"
    da.attrs = cf_attrs("physical unit per fuel (see coordinate 'unit')", "final energy use by sector and fuel",
                        comment="solid/liquid fuels in t, gases in 10^4 m3, electricity in MWh")
    return da


def _from_long_table(data: pd.DataFrame, units: Mapping[str, str] | str | None, sector: str, fuel: str, value: str,
                     unit: str, physical: pd.Series) -> xr.DataArray:
    """Energy use in physical units from a long table (one row per sector, fuel and any other key)."""
    import pandas as pd

    if unit not in set(data.columns):
        if units is None:
            raise CarbonError(f"energy balance: the long table has no {unit!r} column; add one or pass units=",
                              field=unit, value=None, expected="a unit column")
        _check_fuels(data[fuel].unique())
        table = data.copy()
        given = _units_for(sorted(set(table[fuel])), units, "the long table")
        table[unit] = table[fuel].map(given)
    else:
        table = data
    _check_fuels(table[fuel].unique())
    extra = [c for c in table.columns if c not in (sector, fuel, value, unit)]
    vals = pd.to_numeric(table[value], errors="coerce").to_numpy(dtype=float)
    raw = table[value].to_numpy()
    badnum = np.isnan(vals) & pd.notna(raw)
    if badnum.any():
        k = int(np.argmax(badnum))
        raise CarbonError(f"energy balance: value {raw[k]!r} for sector {table[sector].iloc[k]!r}, fuel "
                          f"{table[fuel].iloc[k]!r} is not a number", field=value, value=raw[k],
                          expected="a number")
    factors = np.array([_unit_factor(u, f, physical[f]) for f, u in zip(table[fuel], table[unit])])
    frame = pd.DataFrame({c: table[c].to_numpy() for c in extra})
    frame["sector"] = table[sector].to_numpy()
    frame["fuel"] = table[fuel].to_numpy()
    frame["value"] = vals * factors
    keys = extra + ["sector", "fuel"]
    dup = frame.duplicated(keys)
    if dup.any():
        row = frame[dup].iloc[0]
        raise CarbonError(f"energy balance: duplicate entry for {dict(row[keys])}", field="fuel",
                          value=dict(row[keys]), expected="one row per sector and fuel")
    _check_values(frame["value"].to_numpy(), frame["sector"].to_numpy(), frame["fuel"].to_numpy())
    da = frame.set_index(keys)["value"].to_xarray()
    return da.fillna(0.0)  # combinations absent from the long table: no use


def _from_wide_table(data: pd.DataFrame, units: Mapping[str, str] | str | None, physical: pd.Series
                     ) -> xr.DataArray:
    """Energy use in physical units from a wide table (index sectors, columns fuels)."""
    import pandas as pd
    import xarray as xr

    _check_fuels(data.columns)
    given = _units_for(list(data.columns), units, "a wide table")
    arr = data.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    factors = np.array([_unit_factor(given[f], f, physical[f]) for f in data.columns])
    arr = arr * factors
    sectors = np.asarray(data.index)
    fuel_grid = np.broadcast_to(np.asarray(data.columns), arr.shape)
    _check_values(arr, np.broadcast_to(sectors[:, None], arr.shape), fuel_grid)
    return xr.DataArray(arr, dims=("sector", "fuel"), coords={"sector": sectors, "fuel": list(data.columns)})


def _from_dataset(data: xr.Dataset, units: Mapping[str, str] | str | None, physical: pd.Series) -> xr.DataArray:
    """Energy use in physical units from a Dataset with one variable per fuel."""
    import xarray as xr

    _check_fuels(data.data_vars)
    parts = []
    for name, var in data.data_vars.items():
        u = var.attrs.get("units")
        if u is None:
            u = _units_for([name], units, f"variable {name!r}")[name]
        parts.append(var * _unit_factor(u, name, physical[name]))
    da = xr.concat(parts, dim=xr.DataArray(list(data.data_vars), dims="fuel", name="fuel"))
    _check_da(da)
    return da


def _from_dataarray(data: xr.DataArray, units: Mapping[str, str] | str | None, physical: pd.Series
                    ) -> xr.DataArray:
    """Energy use in physical units from a DataArray over sector and fuel (units by coordinate or *units*)."""
    import xarray as xr

    if "fuel" not in data.dims or "sector" not in data.dims:
        raise CarbonError(f"energy balance: DataArray dims {data.dims} lack 'sector' and/or 'fuel'",
                          field="dims", value=data.dims, expected="dimensions 'sector' and 'fuel'")
    fuels = [str(f) for f in data["fuel"].values]
    _check_fuels(fuels)
    if "unit" in data.coords and units is None:
        given = {f: str(u) for f, u in zip(fuels, np.broadcast_to(data["unit"].values, (len(fuels),)))}
    else:
        given = _units_for(fuels, units, "the DataArray")
    factors = xr.DataArray([_unit_factor(given[f], f, physical[f]) for f in fuels], dims="fuel",
                           coords={"fuel": fuels})
    da = data.drop_vars("unit", errors="ignore").astype(float) * factors
    _check_da(da)
    return da


def _check_values(arr, sectors, fuels) -> None:
    arr = np.asarray(arr, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        k = np.unravel_index(int(np.argmax(bad)), arr.shape)
        raise CarbonError(f"energy balance: {arr[k]} for sector {np.asarray(sectors)[k]!r}, fuel "
                          f"{np.asarray(fuels)[k]!r} ({int(bad.sum())} in all); expected finite numbers (no NaN)",
                          field="value", value=float(arr[k]), expected="finite numbers")
    neg = arr < 0
    if neg.any():
        k = np.unravel_index(int(np.argmax(neg)), arr.shape)
        raise CarbonError(f"energy balance: negative use {arr[k]} for sector {np.asarray(sectors)[k]!r}, fuel "
                          f"{np.asarray(fuels)[k]!r} ({int(neg.sum())} in all); expected values >= 0",
                          field="value", value=float(arr[k]), expected=">= 0")


def _check_da(da) -> None:
    values = np.asarray(da.values, dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        idx = np.unravel_index(int(np.argmax(bad)), values.shape)
        where = {d: da[d].values[i] if d in da.coords else i for d, i in zip(da.dims, idx)}
        v = float(values[idx])
        what = "negative use" if np.isfinite(v) else "non-finite value"
        raise CarbonError(f"energy balance: {what} {v} at sector {where.get('sector')!r}, fuel {where.get('fuel')!r} "
                          f"({int(bad.sum())} in all; position {where}); expected finite values >= 0",
                          field="value", value=v, expected="finite, >= 0")


def coal_share(energy_tce: xr.DataArray, is_coal: npt.ArrayLike) -> xr.DataArray:
    """Share of coal in total energy use [%], from energy in tce.

    Parameters
    ----------
    energy_tce : xarray.DataArray
        Energy use [tce] with a ``fuel`` dimension (and any others).
    is_coal : array-like of bool
        Which fuels count as coal (along ``fuel``).

    Returns
    -------
    xarray.DataArray
        ``100 * coal / total`` over all dimensions except those kept by the caller's sum [%];
        a region with no energy use at all raises :class:`CarbonError`.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([3.0, 1.0], dims="fuel")
    >>> float(coal_share(e, [True, False]))
    75.0
    """
    import xarray as xr

    mask = xr.DataArray(np.asarray(is_coal, dtype=bool), dims="fuel")
    dims = [d for d in energy_tce.dims if d in ("sector", "fuel")]
    total = energy_tce.sum(dims)
    coal = energy_tce.where(mask, 0.0).sum(dims)
    if bool((total <= 0).any()):
        raise CarbonError("coal share: total energy use is zero somewhere; expected positive energy use",
                          field="energy", value=0.0, expected="> 0")
    return 100.0 * coal / total


def co2_inventory(balance: xr.DataArray | pd.DataFrame | xr.Dataset, factors: xr.Dataset | None = None, *,
                  factor_set: str = "china", grid: str | float = "east_china_2022", overrides: Mapping | None = None,
                  keep_energy: bool = True) -> xr.Dataset:
    """CO2 inventory of an energy balance, by sector and fuel, scopes apart.

    Parameters
    ----------
    balance : xarray.DataArray or pandas.DataFrame
        Energy use in physical units (the output of :func:`energy_balance`; a table or other
        object is passed through :func:`energy_balance` first).
    factors : xarray.Dataset, optional
        Emission factors from :func:`~ecomodel.carbon.factors.emission_factors`; built from
        *factor_set*, *grid* and *overrides* when omitted.
    factor_set, grid, overrides
        See :func:`~ecomodel.carbon.factors.emission_factors`.
    keep_energy : bool
        Also return ``energy_tce`` by sector and fuel (set False to save memory on very large
        balances).

    Returns
    -------
    xarray.Dataset
        ``co2`` (…, sector, fuel) [t] with coordinate ``scope`` on ``fuel``; ``co2_direct`` and
        ``co2_indirect`` (…, sector) [Mt]; ``co2_by_fuel`` (…, fuel) [Mt]; ``co2_total``,
        ``co2_direct_total``, ``co2_indirect_total`` (…) [Mt]; ``energy_use`` (physical units);
        ``energy_tce`` (…, sector, fuel) [tce]; ``energy_total`` (…) [10⁴ tce];
        ``coal_share_energy_pct`` (…) [%].

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.DataArray([[100.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], dims=("sector", "fuel"),
    ...                   coords={"sector": ["industry"], "fuel": list(FUELS)})
    >>> inv = co2_inventory(energy_balance(da, units="default"))
    >>> round(float(inv["co2"].sel(sector="industry", fuel="raw_coal")), 2)   # t CO2
    186.65
    >>> float(inv["coal_share_energy_pct"])
    100.0
    """
    import xarray as xr

    if not isinstance(balance, xr.DataArray) or "unit" not in balance.coords or list(balance["fuel"].values) != list(FUELS):
        balance = energy_balance(balance)
    if factors is None:
        factors = emission_factors(factor_set, grid=grid, overrides=overrides)
    ef_v, tce_v, scope_v, is_coal, direct = _factor_vectors(factors)

    values = np.asarray(balance.values, dtype=float)
    co2_values = values * ef_v
    dims = balance.dims
    coords = {k: v for k, v in balance.coords.items()}
    co2 = xr.DataArray(co2_values, dims=dims, coords=coords)
    co2 = co2.assign_coords(scope=("fuel", scope_v))
    co2.attrs = cf_attrs("t", "CO2 emissions by sector and fuel", comment="scope coordinate: direct (fuel "
                         "combustion in the region) or indirect (purchased electricity x grid factor)")
    sector_axis = values.ndim - 2
    # matrix-vector products over the fuel axis are much faster than masked sums on large balances
    sums = {"direct": (values @ (ef_v * direct)) * 1e-6, "indirect": (values @ (ef_v * ~direct)) * 1e-6,
            "by_fuel": co2_values.sum(axis=sector_axis) * 1e-6}
    sums["total_tce"] = (values @ tce_v).sum(axis=-1)
    sums["coal_tce"] = (values @ (tce_v * is_coal)).sum(axis=-1)
    if np.any(sums["total_tce"] <= 0):
        raise CarbonError("inventory: an energy balance with no energy use at all (total 0 tce); expected positive "
                          "use in every region/year", field="energy_use", value=0.0, expected="> 0")
    ds = _inventory_dataset(balance, factors, co2, coords, sums)
    if keep_energy:
        ds["energy_tce"] = xr.DataArray(values * tce_v, dims=dims, coords=coords,
                                        attrs=cf_attrs("tce", "final energy use in standard coal equivalent"))
    return ds


def _factor_vectors(factors: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(CO2 factor, tce factor, scope, is-coal mask, direct mask) per fuel, in :data:`FUELS` order."""
    ef = factors["co2_factor"].reindex(fuel=list(FUELS))
    tce_factor = factors["tce_factor"].reindex(fuel=list(FUELS))
    scope = factors["scope"].reindex(fuel=list(FUELS))
    is_coal = np.asarray(factors["is_coal"].reindex(fuel=list(FUELS)).values, dtype=bool)
    direct = np.asarray(scope.values) == "direct"
    return (np.asarray(ef.values, dtype=float), np.asarray(tce_factor.values, dtype=float), np.asarray(scope.values),
            is_coal, direct)


def _inventory_dataset(balance: xr.DataArray, factors: xr.Dataset, co2: xr.DataArray, coords: dict,
                       sums: dict[str, np.ndarray]) -> xr.Dataset:
    """The Dataset of :func:`co2_inventory` from the CO2 array and its sums by sector, fuel and total."""
    import xarray as xr

    dims = balance.dims
    direct_by_sector, indirect_by_sector = sums["direct"], sums["indirect"]
    total_tce, coal_tce = sums["total_tce"], sums["coal_tce"]
    lead_dims = dims[:-2]
    lead_coords = {k: v for k, v in coords.items() if set(v.dims) <= set(lead_dims)}
    sector_coords = {k: v for k, v in coords.items() if set(v.dims) <= set(lead_dims) | {"sector"}}
    fuel_coords = {k: v for k, v in coords.items() if set(v.dims) <= set(lead_dims) | {"fuel"}}
    return xr.Dataset(
        {
            "co2": co2,
            "co2_direct": xr.DataArray(direct_by_sector, dims=dims[:-1], coords=sector_coords,
                                       attrs=cf_attrs("Mt", "direct CO2 emissions (fuel combustion) by sector")),
            "co2_indirect": xr.DataArray(indirect_by_sector, dims=dims[:-1], coords=sector_coords,
                                         attrs=cf_attrs("Mt", "indirect CO2 emissions (purchased electricity) by sector")),
            "co2_by_fuel": xr.DataArray(sums["by_fuel"], dims=lead_dims + ("fuel",), coords=fuel_coords,
                                        attrs=cf_attrs("Mt", "CO2 emissions by fuel")),
            "co2_direct_total": xr.DataArray(direct_by_sector.sum(axis=-1), dims=lead_dims, coords=lead_coords,
                                             attrs=cf_attrs("Mt", "total direct CO2 emissions")),
            "co2_indirect_total": xr.DataArray(indirect_by_sector.sum(axis=-1), dims=lead_dims, coords=lead_coords,
                                               attrs=cf_attrs("Mt", "total indirect CO2 emissions")),
            "co2_total": xr.DataArray(direct_by_sector.sum(axis=-1) + indirect_by_sector.sum(axis=-1), dims=lead_dims,
                                      coords=lead_coords,
                                      attrs=cf_attrs("Mt", "total energy-related CO2 emissions (direct + indirect)")),
            "energy_use": balance,
            "energy_total": xr.DataArray(total_tce * 1e-4, dims=lead_dims, coords=lead_coords,
                                         attrs=cf_attrs("10^4 tce", "total final energy use",
                                                        comment=factors.attrs.get("electricity_energy_basis"))),
            "coal_share_energy_pct": xr.DataArray(100.0 * coal_tce / total_tce, dims=lead_dims, coords=lead_coords,
                                                  attrs=cf_attrs("%", "share of coal in total energy use",
                                                                 comment="coal = fuels with is_coal (raw coal, washed "
                                                                         "coal, coke), on a tce basis")),
        },
        attrs={"factor_set": factors.attrs.get("factor_set"), "grid": factors.attrs.get("grid"),
               "references": factors.attrs.get("references", "")},
    )
