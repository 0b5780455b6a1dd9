"""CF-convention attributes for ecomodel's xarray outputs.

- :func:`cf_attrs` / :func:`with_cf` build the attributes of one variable;
- :func:`conform` makes a whole Dataset or DataTree CF-1.10: the ``Conventions`` attribute,
  attributes on every coordinate, and ``units`` strings that UDUNITS-2 parses (:func:`cf_units`).

Units convention (documented in ``docs/interfaces.md``, section "Units and CF attributes"):
ecomodel spells units as the Chinese statistics do (``10^8 CNY``, ``10^4 tce``, ``t/MWh``); the
spellings UDUNITS-2 does not know are written as

- **money**: UDUNITS has no currency, so the currency counts as 1 and its scale stays in ``units``
  (``10^8 CNY`` → ``units = "1e8"``, ``t/10^4 CNY`` → ``"1e-4 t"``), with ``currency = "CNY"``
  (ISO 4217) saying that the quantity is in or per yuan;
- **tonnes of coal equivalent**: 1 tce = 29.3076 GJ (GB/T 2589-2020), so ``10^4 tce`` →
  ``"2.93076e5 GJ"``;
- **watt-hours**: ``MWh`` → ``"MW h"``; a class number (GB 3838 class 1–6) → ``"1"``;

and every rewritten variable keeps the ecomodel spelling in ``units_label`` (what figures and the
target registry show). :mod:`ecomodel.units` accepts every CF spelling written here, so
``ecomodel.units.convert`` and ``ecomodel.targets.check`` read conformed outputs unchanged.

Examples
--------
>>> cf_units("10^8 CNY")
('1e8', {'currency': 'CNY', 'units_label': '10^8 CNY'})
>>> cf_units("ug/m3")
('ug/m3', {})
"""

from __future__ import annotations

import re

__all__ = ["cf_attrs", "with_cf", "cf_units", "conform", "coordinate_attrs", "CONVENTIONS", "COORDINATES"]

#: value of the global ``Conventions`` attribute
CONVENTIONS = "CF-1.10"

#: tonne of coal equivalent [GJ] (GB/T 2589-2020: 7000 kcal/kg = 29.3076 GJ/t)
_TCE_GJ = 29.3076

#: ecomodel spelling → UDUNITS-2 spelling (see the module docstring); money entries get ``currency``
_CF_UNITS: dict[str, str] = {
    "CNY": "1",
    "10^4 CNY": "1e4",
    "10^8 CNY": "1e8",
    "CNY/yr": "yr-1",
    "10^4 CNY/yr": "1e4 yr-1",
    "10^8 CNY/yr": "1e8 yr-1",
    "t/10^4 CNY": "1e-4 t",
    "tce/10^4 CNY": "2.93076e-3 GJ",
    "m3/10^4 CNY": "1e-4 m3",
    "tce": "29.3076 GJ",
    "10^4 tce": "2.93076e5 GJ",
    "tce/yr": "29.3076 GJ/yr",
    "10^4 tce/yr": "2.93076e5 GJ/yr",
    "kWh": "kW h",
    "MWh": "MW h",
    "GWh": "GW h",
    "t/MWh": "t/(MW h)",
    "kg/MWh": "kg/(MW h)",
    "t CO2/tce": "t/(29.3076 GJ)",
    "t C/TJ": "t/TJ",
    "Mt CO2": "Mt",
    "MtCO2": "Mt",
    "t CO2": "t",
    "tCO2": "t",
    "t/a": "t/yr",
    "class": "1",
    "mu": "666.6667 m2",
}
_CURRENCY = re.compile(r"(?:10\^(\d+) )?CNY")


def cf_units(units: str) -> tuple[str, dict]:
    """UDUNITS-2 spelling of an ecomodel unit and the attributes that go with it.

    Returns ``(units, extra)``: *units* unchanged with ``extra == {}`` when UDUNITS already reads
    it, otherwise the CF spelling and ``{"units_label": <ecomodel spelling>}`` plus
    ``{"currency": "CNY"}`` for money. Money units not in the table (``"CNY/yr per ug/m3"``) have
    the currency replaced by its scale (``"(yr-1)/(ug/m3)"``).

    Examples
    --------
    >>> cf_units("10^4 tce")
    ('2.93076e5 GJ', {'units_label': '10^4 tce'})
    >>> cf_units("CNY/yr per ug/m3")
    ('(yr-1)/(ug/m3)', {'currency': 'CNY', 'units_label': 'CNY/yr per ug/m3'})
    """
    u = str(units).strip()
    if u in _CF_UNITS:
        out = _CF_UNITS[u]
    elif "CNY" in u:
        out = _money(u)
    else:
        return u, {}
    extra = {"currency": "CNY"} if "CNY" in u else {}
    extra["units_label"] = u
    return out, extra


def _money(u: str) -> str:
    """Replace ``[10^N ]CNY`` by its scale and ``A per B`` by ``(A)/(B)``."""
    def scale(m):
        return f"1e{m.group(1)}" if m.group(1) else "1"

    parts = [_CF_UNITS.get(p.strip(), p.strip()) for p in u.split(" per ")]
    parts = [_CURRENCY.sub(scale, p) for p in parts]
    parts = [re.sub(r"^1/", "", p) + "-1" if re.fullmatch(r"1/[A-Za-z]+", p) else p for p in parts]
    return parts[0] if len(parts) == 1 else "/".join(f"({p})" for p in parts)


def cf_attrs(units: str, long_name: str, standard_name: str | None = None, cell_methods: str | None = None,
             **extra) -> dict:
    """Build an attribute dict with CF keys (``units``, ``long_name`` and, when given,
    ``standard_name`` and ``cell_methods``) plus any *extra* keys (``source``, ``comment`` …)."""
    attrs = {"units": units, "long_name": long_name}
    if standard_name:
        attrs["standard_name"] = standard_name
    if cell_methods:
        attrs["cell_methods"] = cell_methods
    attrs.update({k: v for k, v in extra.items() if v is not None})
    return attrs


def with_cf(obj, units: str, long_name: str, standard_name: str | None = None, cell_methods: str | None = None,
            **extra):
    """Return *obj* (a DataArray) with CF attributes set (attributes already present are replaced)."""
    obj.attrs.update(cf_attrs(units, long_name, standard_name, cell_methods, **extra))
    return obj


_YEAR = {"long_name": "calendar year", "axis": "T",
         "comment": "calendar year (CE); a value stands for the whole year (annual mean, total or state)"}
#: attributes of the coordinates ecomodel's outputs use (filled where missing by :func:`conform`)
COORDINATES: dict[str, dict] = {
    "year": _YEAR,
    "target_year": {"long_name": "target year of the plan row", "comment": _YEAR["comment"]},
    "time": {"standard_name": "time", "long_name": "time", "axis": "T"},
    "member": {"standard_name": "realization", "long_name": "ensemble member", "units": "1"},
    "quantile": {"long_name": "quantile of the ensemble members", "units": "1"},
    "region": {"long_name": "region (full Chinese administrative name, as in the plan-target registry)"},
    "region_en": {"long_name": "English name of the region"},
    "site": {"long_name": "water-quality monitoring section (station name)"},
    "section": {"long_name": "water-quality monitoring section (station name)"},
    "waterbody": {"long_name": "river or lake of the monitoring section"},
    "lake": {"long_name": "lake"},
    "lake_name_en": {"long_name": "English name of the lake"},
    "reach": {"long_name": "river reach of the water network"},
    "box": {"long_name": "air box (district) of the box model"},
    "scenario": {"long_name": "scenario (package of measures)"},
    "package": {"long_name": "package of measures"},
    "measure": {"long_name": "measure of the package (id)"},
    "reduction": {"long_name": "reduction key (domain, pollutant, sector, region, category, reach …)"},
    "target": {"long_name": "row of the table of matched plan targets"},
    "pollutant": {"long_name": "pollutant or substance"},
    "substance": {"long_name": "water-quality substance"},
    "sector": {"long_name": "emitting or energy-using sector"},
    "category": {"long_name": "source category"},
    "source": {"long_name": "source category of the water loads"},
    "network": {"long_name": "embedded water network"},
    "network_region": {"long_name": "registry region of the water network"},
    "fuel": {"long_name": "fuel or energy carrier"},
    "to_fuel": {"long_name": "fuel switched to"},
    "period": {"long_name": "period of the decomposition"},
    "factor": {"long_name": "factor of the decomposition"},
    "vsl": {"long_name": "value of a statistical life used"},
}
_NAME_EN = {"region": "English name of the region", "site": "English name of the monitoring section",
            "lake": "English name of the lake", "box": "English name of the box"}


def coordinate_attrs(name: str, dims: tuple = ()) -> dict:
    """Attributes of coordinate *name* (over *dims*) from :data:`COORDINATES`; a plain ``long_name``
    (the name with spaces) for a coordinate not in the table."""
    if name == "name_en" and dims:
        return {"long_name": _NAME_EN.get(dims[0], f"English name of the {dims[0]}")}
    if name in COORDINATES:
        return dict(COORDINATES[name])
    return {"long_name": name.replace("_", " ")}


def _conform_variable(var, is_coord: bool, name: str) -> None:
    attrs = var.attrs
    if is_coord:
        for key, value in coordinate_attrs(name, var.dims).items():
            attrs.setdefault(key, value)
    if "units" in attrs and isinstance(attrs["units"], str):
        units, extra = cf_units(attrs["units"])
        if extra:
            attrs["units"] = units
            for key, value in extra.items():
                attrs.setdefault(key, value)


def _conform_dataset(ds):
    out = ds.copy(deep=False)  # new Variable objects with copied attrs: the input is not changed
    for name, var in out.variables.items():
        _conform_variable(var, name in out.coords, str(name))
    out.attrs.setdefault("Conventions", CONVENTIONS)
    return out


def conform(obj):
    """A copy of *obj* (Dataset, DataArray or DataTree) that follows CF-1.10 as ecomodel writes it.

    Sets the global ``Conventions = "CF-1.10"`` (on every node of a tree), fills the attributes of
    every coordinate (:data:`COORDINATES`: ``long_name``, ``standard_name``/``units``/``axis`` where
    they apply; a year coordinate gets ``axis = "T"``) and rewrites ``units`` that UDUNITS-2 does not
    parse (:func:`cf_units`). Values are not touched; attributes already set are kept, except a
    ``units`` rewritten to its CF spelling.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"gdp": ("year", [100.0], {"units": "10^8 CNY"})}, coords={"year": [2020]})
    >>> out = conform(ds)
    >>> out.attrs["Conventions"], out["gdp"].attrs["units"], out["gdp"].attrs["currency"]
    ('CF-1.10', '1e8', 'CNY')
    >>> out["year"].attrs["axis"]
    'T'
    """
    import xarray as xr

    if isinstance(obj, xr.DataArray):
        name = obj.name if obj.name is not None else "__values__"
        out = _conform_dataset(obj.to_dataset(name=name))[name]
        return out.rename(obj.name) if obj.name is None else out
    if isinstance(obj, xr.DataTree):
        return obj.map_over_datasets(_conform_dataset)
    return _conform_dataset(obj)
