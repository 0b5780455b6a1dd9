"""Figures for projections and package comparisons (matplotlib, imported inside each function).

- :func:`trajectory` — ensemble median with a band (5–95 % by default) against the target value and
  target year;
- :func:`section_classes` — monitoring sections × years coloured by GB 3838-2002 water class;
- :func:`package_comparison` — cost against attainment probability, one point per package;
- :func:`decomposition` — bars of contributions (LMDI effects, measure contributions) with the total.

Every function takes an optional ``ax`` and returns the :class:`matplotlib.figure.Figure`; pass
``path`` to save a PNG/SVG/PDF as well (written atomically). Labels use English names (the
``name_en`` coordinate when there is one), so no CJK font is needed. Units on the axes are
typeset (``ug/m3`` → µg/m³, ``10^8`` → 10⁸, :func:`ecomodel.units.display`) from the variable's
``units_label`` (the ecomodel spelling kept by CF outputs) or ``units``.

Class colours follow the usual presentation of Chinese surface-water quality reports
(I–II blue, III green, IV yellow, V orange, 劣V red); they are a convention, not part of GB 3838.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    import os

    import pandas as pd
    import xarray as xr
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["trajectory", "section_classes", "package_comparison", "decomposition", "save", "CLASS_COLOURS",
           "CLASS_LABELS"]

#: GB 3838 class (1–6, 6 = 劣V) → colour.
CLASS_COLOURS = {1: "#4fa3e0", 2: "#1f5fbf", 3: "#2ca02c", 4: "#f2d600", 5: "#ff8c1a", 6: "#d62728"}
#: GB 3838 class → label.
CLASS_LABELS = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "worse than V"}


def _axes(ax, figsize=(7.0, 4.2)):
    # A bare Figure (no pyplot): no GUI backend, nothing left open in scripts and servers.
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    return fig, ax


def save(fig: Figure, path: str | os.PathLike) -> None:
    """Save *fig* to *path* atomically (format from the extension)."""
    from pathlib import Path

    from .io import atomic_path

    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=120)


def _finish(fig, path):
    if path is not None:
        save(fig, path)
    return fig


def _label(da, dim, value):
    """English label of a place: the ``name_en``/``<dim>_en`` coordinate, else the registry's name."""
    if dim is None:
        return str(value)
    if "name_en" in da.coords and da["name_en"].dims == (dim,):
        return str(da["name_en"].sel({dim: value}).item())
    for c in da.coords:
        if c.endswith("_en") and da[c].dims == (dim,):
            return str(da[c].sel({dim: value}).item())
    return _english(str(value))


def _english(name: str) -> str:
    """Registry English name of a Chinese region or site name (the name itself when unknown)."""
    if name.isascii():
        return name
    from . import targets

    for table in (targets.SITES, targets.REGIONS):
        for item in table:
            if name == item.name or name in getattr(item, "aliases", ()):
                return item.name_en
    return name


def _unit_label(attrs) -> str:
    """Typeset unit of a variable for an axis label ('' when it has none)."""
    from .units import display

    unit = attrs.get("units_label") or attrs.get("units") or ""
    return display(unit) if unit not in ("", "1") else ""


_BAND_GID = "ecomodel-band:"


def _legend(ax) -> None:
    """Legend of a trajectory axes: the lines and targets, then one entry per distinct band label
    (one band entry for several scenarios drawn with the same members and quantiles)."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    bands = []
    for coll in ax.collections:
        gid = coll.get_gid() or ""
        if gid.startswith(_BAND_GID) and gid[len(_BAND_GID):] not in bands:
            bands.append(gid[len(_BAND_GID):])
    for text in bands:
        n = sum(1 for c in ax.collections if c.get_gid() == _BAND_GID + text)
        handles.append(Patch(facecolor="0.55", alpha=0.35, linewidth=0))
        labels.append(text + (f", shaded in each line's colour ({n} bands)" if n > 1 else ""))
    ax.legend(handles, labels, loc="best", fontsize=8)


def trajectory(da: xr.DataArray, *, target: float | None = None, target_year: int | None = None,
               comparator: str = "<=", band: tuple[float, float] = (0.05, 0.95), ax: Axes | None = None,
               title: str | None = None, label: str | None = None, color: str = "C0",
               path: str | os.PathLike | None = None) -> Figure:
    """Ensemble trajectory with a band, against a target.

    Parameters
    ----------
    da : xarray.DataArray
        Values over ``year`` and optionally ``member`` [any unit; ``units`` attribute shown on the axis].
        Other dimensions must have length 1 (select a region/site first).
    target : float, optional
        Target value [same unit as *da*], drawn as a horizontal line.
    target_year : int, optional
        Year by which the target applies [year], drawn as a vertical line.
    comparator : {'<=', '>='}
        Direction of the target (shades the side that misses it).
    band : tuple of float
        Lower and upper quantiles [1] of the members shown as a band.
    ax : matplotlib Axes, optional
        Axes to draw into.
    title, label : str, optional
        Title and legend label.
    path : str or path-like, optional
        Save the figure there.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.linspace(36, 30, 11)[:, None] + np.random.default_rng(0).normal(0, 1, (11, 20)),
    ...                   dims=("year", "member"), coords={"year": np.arange(2020, 2031)}, attrs={"units": "ug/m3"})
    >>> fig = trajectory(da, target=31, target_year=2025)
    >>> len(fig.axes)
    1
    """
    if "year" not in da.dims:
        raise InputError(f"trajectory: {da.name!r} has no 'year' dimension (dims {da.dims})", field="da",
                         value=da.dims, expected="a 'year' dimension")
    extra = [d for d in da.dims if d not in ("year", "member")]
    if any(da.sizes[d] != 1 for d in extra):
        raise InputError(f"trajectory: select one value of {extra} first (sizes {dict(da.sizes)})", field="da",
                         value=dict(da.sizes), expected="only 'year' and 'member' dimensions")
    da = da.squeeze([d for d in extra]) if extra else da
    fig, ax = _axes(ax)
    years = da["year"].values
    if "member" in da.dims and da.sizes["member"] > 1:
        lo, hi = da.quantile(list(band), dim="member").values
        mid = da.median("member").values
        text = f"{band[0]:.0%}–{band[1]:.0%} of {da.sizes['member']} members"
        ax.fill_between(years, lo, hi, color=color, alpha=0.25, linewidth=0, label="_band", gid=_BAND_GID + text)
    else:
        mid = da.values.reshape(-1) if "member" not in da.dims else da.isel(member=0).values
    ax.plot(years, mid, color=color, marker="o", ms=3, label=label or ("median" if "member" in da.dims else None))
    if target is not None:
        ax.axhline(target, color="k", ls="--", lw=1, label=f"target {target:g}")
        ylo, yhi = ax.get_ylim()
        if comparator in ("<=", "<"):
            ax.axhspan(target, max(yhi, target), color="red", alpha=0.05)
        elif comparator in (">=", ">"):
            ax.axhspan(min(ylo, target), target, color="red", alpha=0.05)
        ax.set_ylim(ylo, yhi)
    if target_year is not None:
        ax.axvline(target_year, color="0.4", ls=":", lw=1)
        if target is not None:
            ax.plot([target_year], [target], marker="*", ms=12, color="k", zorder=5)
    units = _unit_label(da.attrs)
    name = da.attrs.get("long_name", da.name or "")
    ax.set_xlabel("year")
    ax.set_ylabel(f"{name} [{units}]" if units else str(name))
    if title is not None or not ax.get_title():
        ax.set_title(title or "")
    _legend(ax)
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def section_classes(classes: xr.DataArray, *, ax: Axes | None = None, title: str | None = None,
                    path: str | os.PathLike | None = None) -> Figure:
    """Monitoring sections × years coloured by GB 3838-2002 class.

    Every calendar year from the first to the last gets a column and a tick; a year missing from
    *classes* is drawn hatched as "no data" (so a gap shows instead of being closed up).

    Parameters
    ----------
    classes : xarray.DataArray
        Integer class 1–6 (6 = worse than V) over (``site`` or ``section``) and ``year``.
    ax, title, path
        As in :func:`trajectory`.

    Examples
    --------
    >>> import xarray as xr
    >>> c = xr.DataArray([[4, 3], [5, 4]], dims=("site", "year"),
    ...                  coords={"site": ["a", "b"], "year": [2021, 2026]})
    >>> fig = section_classes(c)
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch, Rectangle

    place = next((d for d in ("site", "section", "reach") if d in classes.dims), None)
    if place is None or "year" not in classes.dims or classes.ndim != 2:
        raise InputError(f"section_classes: expected dims (site, year), got {classes.dims}", field="classes",
                         value=classes.dims, expected="('site', 'year')")
    values = classes.transpose(place, "year").values
    if np.isnan(values.astype(float)).any():
        raise InputError("section_classes: NaN class; expected integers 1–6", field="classes", value="NaN",
                         expected="1–6")
    values = values.astype(int)
    if values.min() < 1 or values.max() > 6:
        raise InputError(f"section_classes: class {values.min()}–{values.max()}; expected integers 1–6",
                         field="classes", value=int(values.max()), expected="1–6")
    n_sites = values.shape[0]
    given = [int(y) for y in classes["year"].values]
    if len(set(given)) != len(given) or given != sorted(given):
        raise InputError(f"section_classes: years {given} are not increasing", field="year", value=given,
                         expected="increasing years")
    years = list(range(given[0], given[-1] + 1))
    full = np.zeros((n_sites, len(years)), dtype=int)  # 0 = no data for that year
    full[:, [years.index(y) for y in given]] = values
    fig, ax = _axes(ax, figsize=(max(7.0, 2.0 + 0.55 * len(years)), 1.0 + 0.55 * n_sites))
    cmap = ListedColormap([CLASS_COLOURS[k] for k in range(1, 7)])
    norm = BoundaryNorm(np.arange(0.5, 7.5), cmap.N)
    ax.pcolormesh(np.arange(len(years) + 1), np.arange(n_sites + 1), np.ma.masked_equal(full, 0), cmap=cmap,
                  norm=norm, edgecolors="white", linewidth=1.5)
    missing = [j for j, y in enumerate(years) if y not in given]
    for j in missing:
        ax.add_patch(Rectangle((j, 0), 1, n_sites, facecolor="0.92", edgecolor="0.6", hatch="//", linewidth=0))
    for i in range(n_sites):
        for j in range(len(years)):
            text = CLASS_LABELS[full[i, j]].replace("worse than V", "<V") if full[i, j] else "–"
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=8)
    ax.set_xlim(0, len(years))
    ax.set_ylim(0, n_sites)
    ax.set_xticks(np.arange(len(years)) + 0.5, [str(y) for y in years],
                  rotation=45 if len(years) > 12 else 0)
    ax.set_yticks(np.arange(n_sites) + 0.5, [_label(classes, place, s) for s in classes[place].values])
    ax.set_xlabel("year")
    ax.set_title(title or "GB 3838-2002 class by section")
    present = sorted(set(values.ravel().tolist()))
    handles = [Patch(color=CLASS_COLOURS[k], label=CLASS_LABELS[k]) for k in present]
    if missing:
        handles.append(Patch(facecolor="0.92", edgecolor="0.6", hatch="//", label="no data"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="class")
    return _finish(fig, path)


def package_comparison(table: pd.DataFrame | xr.Dataset, *, cost: str = "annualised_cost",
                       probability: str = "probability", name: str = "scenario", ax: Axes | None = None,
                       title: str | None = None, ylabel: str = "attainment probability",
                       path: str | os.PathLike | None = None) -> Figure:
    """Cost against attainment probability, one point per package.

    Parameters
    ----------
    table : pandas.DataFrame or xarray.Dataset
        One row per package with a *cost* column [CNY/yr] and a *probability* column [0–1]
        (e.g. the share of targets met, or the probability of meeting all of them).
    cost, probability, name : str
        Column names.
    ylabel : str
        Label of the probability axis.
    ax, title, path
        As in :func:`trajectory`.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"scenario": ["a", "b"], "annualised_cost": [0.0, 2e8], "probability": [0.2, 0.9]})
    >>> fig = package_comparison(t)
    """
    import pandas as pd

    from .units import display

    if not isinstance(table, pd.DataFrame):
        table = table.to_dataframe().reset_index()
    if name not in table.columns and table.index.name == name:
        table = table.reset_index()
    for col in (cost, probability, name):
        if col not in table.columns:
            raise InputError(f"package_comparison: column {col!r} missing (columns {list(table.columns)})",
                             field=col, expected="a column of that name")
    fig, ax = _axes(ax)
    x = table[cost].to_numpy(dtype=float) / 1e8
    y = table[probability].to_numpy(dtype=float)
    for i, (xi, yi, label) in enumerate(zip(x, y, table[name].astype(str), strict=True)):
        ax.scatter([xi], [yi], s=60, color=f"C{i % 10}", marker="os^Dv<>ph*"[(i // 10) % 10], edgecolors="k",
                   zorder=3, label=f"{label}: {xi:.2f}, {yi:.0%}")
    ax.legend(fontsize=8, loc="best", title="package: cost, probability", title_fontsize=8)
    ax.set_xlabel(f"annualised cost [{display('10^8 CNY/yr')}]")
    ax.set_ylabel(ylabel)
    ax.set_ylim(-0.05, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title(title or "packages: cost vs attainment")
    return _finish(fig, path)


def decomposition(effects: Mapping[str, float] | pd.Series | xr.DataArray, *, total: float | None = None,
                  units: str = "", ax: Axes | None = None, title: str | None = None,
                  path: str | os.PathLike | None = None) -> Figure:
    """Bars of contributions to a change, with the total.

    Parameters
    ----------
    effects : mapping, pandas.Series or 1-d xarray.DataArray
        Contribution of each factor or measure [``units``]; negative is a decrease.
    total : float, optional
        Total change [``units``]; the sum of *effects* when omitted.
    units : str
        Unit label.
    ax, title, path
        As in :func:`trajectory`.

    Examples
    --------
    >>> fig = decomposition({"activity": 12.0, "intensity": -15.0, "mix": -2.0}, units="Mt")
    """
    import pandas as pd

    from .units import display

    if hasattr(effects, "to_series"):
        units = units or effects.attrs.get("units_label") or effects.attrs.get("units", "")
        effects = effects.to_series()
    units = display(units) if units else ""
    effects = pd.Series(effects, dtype=float)
    if effects.empty or not np.isfinite(effects.to_numpy()).all():
        raise InputError("decomposition: effects are empty or not finite", field="effects",
                         value=effects.to_dict(), expected="finite numbers")
    total = float(effects.sum()) if total is None else float(total)
    fig, ax = _axes(ax)
    labels = [str(i) for i in effects.index] + ["total"]
    values = list(effects.to_numpy()) + [total]
    colours = ["#d62728" if v > 0 else "#2ca02c" for v in values[:-1]] + ["0.35"]
    ax.bar(labels, values, color=colours, edgecolor="k")
    ax.axhline(0, color="k", lw=0.8)
    scale = max(abs(v) for v in values) or 1.0
    for i, v in enumerate(values):
        shown = 0.0 if abs(v) < 1e-9 * scale else v  # round-off of an exact zero
        ax.annotate(f"{shown:+.3g}", (i, v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    ax.set_ylabel(f"contribution [{units}]" if units else "contribution")
    ax.set_title(title or "decomposition of the change")
    ax.tick_params(axis="x", labelrotation=30)
    ax.grid(axis="y", alpha=0.3)
    return _finish(fig, path)
