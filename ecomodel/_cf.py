"""CF-convention attributes for ecomodel's xarray outputs."""

from __future__ import annotations

__all__ = ["cf_attrs", "with_cf"]


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
