"""Plan-target registry: every quantitative target, baseline and observation in the five seed plans.

The registry is the table ``ecomodel/data/targets.csv`` (one row per number, each with the plan
file and line it comes from; columns documented in ``ecomodel/data/targets_SOURCES.md``). This
module reads it, resolves place names and checks model projections against it.

Row kinds
---------
``target``
    A value the plan sets for a year (``target_year``, ``target_value``, ``comparator``), with the
    status in ``baseline_year``/``baseline_value`` when the plan gives one. Qualitative targets
    ("完成上级下达目标") keep their wording in ``target_text`` and have comparator ``complete``.
``observation``
    A value the plan reports as measured or achieved (``baseline_year``/``baseline_value``), e.g.
    Wujin PM2.5 35.5 µg/m³ in 2021. Models calibrate to these.
``threshold``
    A rule's scope limit (enterprises above 10 t/yr VOCs must install monitors …); not a goal.
``investment``
    Planned investment of key projects.

Changes against a base year (``*_decrease_pct``, ``*_change_pct``) are percentages relative to
``reference_year``: a decrease of 8 % means ``100·(1 − x[target_year]/x[reference_year]) = 8``.

Examples
--------
>>> from ecomodel import targets
>>> t = targets.load(site="姚巷桥", indicator="tp_concentration", year=2026)
>>> t[["site", "waterbody", "baseline_value", "target_value", "comparator", "source_line"]].to_dict("records")
[{'site': '姚巷桥', 'waterbody': '武进港', 'baseline_value': 0.146, 'target_value': 0.136, 'comparator': '<=', 'source_line': '787-795'}]
>>> targets.resolve_region("Wujin")
'常州市武进区'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InputError, TargetError, UnitError, close_matches

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import xarray as xr

    from .scenario.model import Package

__all__ = [
    "load",
    "check",
    "decrease_pct",
    "resolve_region",
    "resolve_site",
    "resolve_document",
    "region_short_name",
    "REGIONS",
    "SITES",
    "DOCUMENTS",
    "COLUMNS",
    "KINDS",
    "COMPARATORS",
    "coverage",
    "coverage_line",
    "find_rows",
    "reference_problem",
    "rows_of",
    "row_ref",
    "is_state_indicator",
]


class Region(NamedTuple):
    """An administrative region of the registry (``name`` is the canonical full Chinese name)."""

    name: str
    short: str
    name_en: str
    aliases: tuple[str, ...] = ()


class Site(NamedTuple):
    """A named monitoring section (station) with the river or lake it lies on."""

    name: str
    name_en: str
    waterbody: str
    waterbody_en: str
    region: str
    aliases: tuple[str, ...] = ()


class Document(NamedTuple):
    """One seed plan: file name, title, issuing region, period and line count (for source checks)."""

    code: str
    file: str
    title: str
    title_en: str
    region: str
    period: str
    n_lines: int


#: regions of the registry; lookups accept ``name``, ``short``, ``name_en`` and ``aliases``
REGIONS: tuple[Region, ...] = (
    Region("中国", "中国", "China", ("全国", "national")),
    Region("江苏省", "江苏", "Jiangsu", ("Jiangsu Province",)),
    Region("常州市", "常州", "Changzhou", ("Changzhou City", "全市")),
    Region("常州市武进区", "武进", "Wujin", ("武进区", "Wujin District")),
    Region("常州市天宁区", "天宁", "Tianning", ("天宁区", "Tianning District")),
    Region("常州市钟楼区", "钟楼", "Zhonglou", ("钟楼区", "Zhonglou District")),
    Region("常州市新北区", "新北", "Xinbei", ("新北区", "Xinbei District")),
    Region("常州市金坛区", "金坛", "Jintan", ("金坛区", "Jintan District")),
    Region("溧阳市", "溧阳", "Liyang", ("Liyang City",)),
    Region("江阴市", "江阴", "Jiangyin", ("Jiangyin City",)),
    Region("无锡市", "无锡", "Wuxi", ("Wuxi City",)),
)

#: monitoring sections named in the plans; lookups accept the station, river + station and English name
SITES: tuple[Site, ...] = (
    Site("姚巷桥", "Yaoxiangqiao", "武进港", "Wujingang", "常州市武进区"),
    Site("黄埝桥", "Huangnianqiao", "太滆运河", "Taige Canal", "常州市武进区", ("太滆运河分水（黄埝桥）", "太滆运河分水", "分水")),
    Site("百渎港桥", "Baidugangqiao", "漕桥河", "Caoqiao River", "常州市武进区"),
    Site("粮庄桥", "Liangzhuangqiao", "新沟河", "Xingou River", "常州市天宁区"),
    Site("金潼桥", "Jintongqiao", "", "", "江阴市"),
    Site("码头大桥", "Matou Bridge", "", "", "江阴市"),
    Site("泗河桥", "Sihe Bridge", "", "", "江阴市"),
)

#: the five seed documents, by file name
DOCUMENTS: dict[str, Document] = {
    d.file: d
    for d in (
        Document("000", "000_55a924d7e69113c1.txt", "常州市武进区生态文明建设规划（2022-2026）",
                 "Wujin District eco-civilization construction plan 2022-2026", "常州市武进区", "2022-2026", 2051),
        Document("001", "001_4a0bdd7b66e307eb.txt", "常州市天宁区“十四五”生态环境保护规划",
                 "Tianning District 14th Five-Year eco-environmental protection plan", "常州市天宁区", "2021-2025", 1390),
        Document("002", "002_530afd13dbb55501.txt", "常州市钟楼区生态文明建设规划（修编）",
                 "Zhonglou District eco-civilization construction plan (update)", "常州市钟楼区", "2023-2030", 500),
        Document("003", "003_640b6bcd6ad4341f.txt", "江阴市“十四五”生态环境保护规划",
                 "Jiangyin 14th Five-Year eco-environmental protection plan", "江阴市", "2021-2025", 1249),
        Document("004", "004_1952cce4b94fab34.txt", "2023年常州市生态文明建设工作方案（常政发〔2023〕23号）",
                 "Changzhou 2023 eco-civilization work plan", "常州市", "2023", 81),
    )
}

#: columns of the registry table, in order
COLUMNS: tuple[str, ...] = (
    "document", "kind", "region", "region_en", "indicator", "indicator_zh", "indicator_en",
    "site", "site_en", "waterbody", "waterbody_en", "scope", "unit",
    "baseline_year", "baseline_value", "baseline_text", "reference_year",
    "target_year", "target_value", "target_text", "comparator", "binding",
    "source_line", "source_section", "value_source", "notes",
)
KINDS: tuple[str, ...] = ("target", "observation", "threshold", "investment")
COMPARATORS: tuple[str, ...] = ("<=", ">=", "==", "complete")
_YEAR_COLUMNS = ("baseline_year", "reference_year", "target_year")
_VALUE_COLUMNS = ("baseline_value", "target_value")


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


@functools.lru_cache(maxsize=1)
def _region_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for r in REGIONS:
        for alias in (r.name, r.short, r.name_en, *r.aliases):
            index[_norm(alias)] = r.name
        if r.name.startswith("常州市") and len(r.name) > 3:
            index[_norm(r.name[3:])] = r.name
    return index


def resolve_region(name: str) -> str:
    """Canonical full Chinese name of a region.

    Parameters
    ----------
    name : str
        Full name (``常州市武进区``), short name (``武进``, ``武进区``) or English name (``Wujin``,
        ``Wujin District``); case-insensitive.

    Returns
    -------
    str
        The canonical name used in the registry's ``region`` column.

    Raises
    ------
    TargetError
        For an unknown name; the message lists the closest known names.

    Examples
    --------
    >>> resolve_region("江阴")
    '江阴市'
    >>> resolve_region("zhonglou district")
    '常州市钟楼区'
    """
    index = _region_index()
    key = _norm(name)
    if key in index:
        return index[key]
    options = sorted({a for r in REGIONS for a in (r.name, r.short, r.name_en)})
    raise TargetError(f"unknown region {name!r}" + close_matches(str(name), options), field="region", value=name,
                      expected="a region in ecomodel.targets.REGIONS")


@functools.lru_cache(maxsize=1)
def _site_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for s in SITES:
        for alias in (s.name, s.name_en, *s.aliases):
            index[_norm(alias)] = s.name
        if s.waterbody:
            index[_norm(s.waterbody + s.name)] = s.name
            index[_norm(s.waterbody_en + " " + s.name_en)] = s.name
    for name, name_en, waterbody in _registry_sites():
        index.setdefault(_norm(name), name)
        if name_en:
            index.setdefault(_norm(name_en), name)
        if waterbody:
            index.setdefault(_norm(waterbody + name), name)
    return index


@functools.lru_cache(maxsize=1)
def _registry_sites() -> tuple[tuple[str, str, str], ...]:
    df = _registry()
    sites = df.loc[df["site"] != "", ["site", "site_en", "waterbody"]].drop_duplicates()
    return tuple(map(tuple, sites.itertuples(index=False)))


def resolve_site(name: str) -> str:
    """Canonical name of a monitoring section or other named site.

    Parameters
    ----------
    name : str
        Station name (``姚巷桥``), river + station (``武进港姚巷桥``), English name
        (``Yaoxiangqiao``) or the plan's full section name (``太滆运河分水（黄埝桥）``);
        case-insensitive.

    Returns
    -------
    str
        The name used in the registry's ``site`` column.

    Raises
    ------
    TargetError
        For an unknown site; the message lists the closest known names.

    Examples
    --------
    >>> resolve_site("武进港姚巷桥")
    '姚巷桥'
    >>> resolve_site("Huangnianqiao")
    '黄埝桥'
    """
    index = _site_index()
    key = _norm(name)
    if key in index:
        return index[key]
    options = sorted({s.name for s in SITES} | {s.name_en for s in SITES}
                     | {n for n, _, _ in _registry_sites()})
    raise TargetError(f"unknown site {name!r}" + close_matches(str(name), options), field="site", value=name,
                      expected="a site in ecomodel.targets.SITES or the registry's 'site' column")


def resolve_document(name: str) -> str:
    """File name of a seed document from its code (``'003'``, ``'3'``) or file name.

    Examples
    --------
    >>> resolve_document("3")
    '003_640b6bcd6ad4341f.txt'
    """
    key = str(name).strip()
    for d in DOCUMENTS.values():
        if key in (d.file, d.code, d.code.lstrip("0") or "0", d.file[:-4]):
            return d.file
    options = [d.code for d in DOCUMENTS.values()] + list(DOCUMENTS)
    raise TargetError(f"unknown document {name!r}" + close_matches(key, options), field="document", value=name,
                      expected="a code 000-004 or a seed file name")


def region_short_name(name: str) -> str:
    """Short Chinese name of a region (``常州市武进区`` → ``武进``).

    Examples
    --------
    >>> region_short_name("江阴市")
    '江阴'
    """
    canonical = resolve_region(name)
    return next(r.short for r in REGIONS if r.name == canonical)


@functools.lru_cache(maxsize=1)
def _registry():
    import pandas as pd

    from ._data import data_path

    path = data_path("targets.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing columns {missing}", field="targets.csv", value=missing,
                         expected=f"columns {list(COLUMNS)}")
    df = df[list(COLUMNS)].copy()
    for col in _YEAR_COLUMNS:
        df[col] = pd.array([int(v) if v else None for v in df[col]], dtype="Int64")
    for col in _VALUE_COLUMNS:
        df[col] = pd.to_numeric(df[col].replace("", None)).astype("float64")
    bad_kind = sorted(set(df["kind"]) - set(KINDS))
    bad_cmp = sorted(set(df["comparator"]) - set(COMPARATORS) - {""})
    if bad_kind or bad_cmp:
        raise InputError(f"{path}: unknown kind {bad_kind} or comparator {bad_cmp}", field="targets.csv",
                         value=bad_kind + bad_cmp, expected=f"kinds {KINDS}, comparators {COMPARATORS}")
    return df


def _check_indicator(indicator: str, df) -> list[str]:
    keys = set(df["indicator"])
    if indicator in keys:
        return [indicator]
    by_name = sorted(set(df.loc[(df["indicator_zh"] == indicator) | (df["indicator_en"].str.casefold()
                                                                      == str(indicator).casefold()), "indicator"]))
    if by_name:
        return by_name
    raise TargetError(f"unknown indicator {indicator!r}" + close_matches(str(indicator), sorted(keys)),
                      field="indicator", value=indicator, expected="an indicator key of the registry")


def _as_years(year) -> set[int]:
    if isinstance(year, (str, bytes)) or not isinstance(year, Iterable):
        year = [year]
    out = set()
    for y in year:
        try:
            yi = int(y)
        except (TypeError, ValueError):
            raise TargetError(f"year {y!r} is not a year number", field="year", value=y,
                              expected="an integer year such as 2025") from None
        if yi != y and not (isinstance(y, str) and y.strip() == str(yi)):
            raise TargetError(f"year {y!r} is not a whole year", field="year", value=y, expected="an integer year")
        out.add(yi)
    return out


def load(region: str | None = None, indicator: str | None = None, site: str | None = None,
         year: int | Iterable[int] | None = None, document: str | None = None,
         kind: str | Iterable[str] | None = None) -> pd.DataFrame:
    """The plan-target registry as a table, optionally filtered.

    Parameters
    ----------
    region : str, optional
        Region name in any accepted form (see :func:`resolve_region`); rows of that region only.
    indicator : str, optional
        Indicator key (``pm25_annual_mean``) or its exact Chinese/English name.
    site : str, optional
        Site name in any accepted form (see :func:`resolve_site`).
    year : int or iterable of int, optional
        Target year for ``target``/``threshold``/``investment`` rows and the observed year for
        ``observation`` rows [year].
    document : str, optional
        Seed document code (``'000'`` … ``'004'``) or file name.
    kind : str or iterable of str, optional
        ``'target'``, ``'observation'``, ``'threshold'``, ``'investment'``; ``None`` or ``'all'``
        keeps every kind.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; years are nullable integers, values float64 (NaN where the plan
        gives only words, kept in ``target_text``/``baseline_text``). A fresh copy on every call.

    Raises
    ------
    TargetError
        Unknown region, site, indicator, document or kind (with close matches).

    Examples
    --------
    >>> t = load(region="天宁", indicator="pm25_annual_mean", kind="target")
    >>> t[["baseline_year", "baseline_value", "target_year", "target_value", "comparator"]].to_dict("records")
    [{'baseline_year': 2020, 'baseline_value': 36.0, 'target_year': 2025, 'target_value': 34.0, 'comparator': '<='}]
    >>> len(load(region="Jiangyin", kind="target")) > 50
    True
    """
    df = _registry()
    mask = df["document"].notna()
    if region is not None:
        mask &= df["region"] == resolve_region(region)
    if site is not None:
        mask &= df["site"] == resolve_site(site)
    if indicator is not None:
        mask &= df["indicator"].isin(_check_indicator(indicator, df))
    if document is not None:
        mask &= df["document"] == resolve_document(document)
    if kind is not None and kind != "all":
        kinds = [kind] if isinstance(kind, str) else list(kind)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise TargetError(f"unknown kind {unknown[0]!r}" + close_matches(str(unknown[0]), KINDS), field="kind",
                              value=unknown[0], expected=f"one of {KINDS} or 'all'")
        mask &= df["kind"].isin(kinds)
    if year is not None:
        years = _as_years(year)
        when = df["target_year"].where(df["kind"] != "observation", df["baseline_year"])
        mask &= when.isin(years).fillna(False).astype(bool)
    return df.loc[mask].reset_index(drop=True).copy()


# ---------------------------------------------------------------------------------------- check


def decrease_pct(values: xr.DataArray, reference_year: int) -> xr.DataArray:
    """Percentage decrease of a yearly series against its value in ``reference_year``.

    .. math:: d(t) = 100 \\, (1 - x(t) / x(t_0))

    This is how the plans state intensity targets ("单位GDP能耗较2020年降低8%"), and what
    :func:`check` compares ``*_decrease_pct`` targets with.

    Parameters
    ----------
    values : xarray.DataArray
        Yearly levels (e.g. CO2 per unit GDP [t/10^4 CNY]) with a ``year`` dimension.
    reference_year : int
        Base year ``t0`` of the decrease [year]; must be a ``year`` coordinate value.

    Returns
    -------
    xarray.DataArray
        Decrease [%] with ``attrs['reference_year']`` set; positive = below the reference level.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([1.0, 0.95, 0.9], coords={"year": [2020, 2021, 2022]}, dims="year")
    >>> decrease_pct(x, 2020).values.round(6).tolist()
    [0.0, 5.0, 10.0]
    """
    if "year" not in getattr(values, "dims", ()):
        raise InputError("decrease_pct: values need a 'year' dimension", field="values", value=getattr(values, "dims", None),
                         expected="an xarray.DataArray with a 'year' dimension")
    years = [int(y) for y in values["year"].values]
    if int(reference_year) not in years:
        raise InputError(f"decrease_pct: reference_year {reference_year} is not among the years {years[0]}-{years[-1]}",
                         field="reference_year", value=reference_year, expected="a year of the series")
    base = values.sel(year=int(reference_year))
    if bool((base == 0).any()) or bool(base.isnull().any()):
        raise InputError(f"decrease_pct: value in {reference_year} is zero or NaN", field="values", value=reference_year,
                         expected="a non-zero finite reference value")
    out = 100.0 * (1.0 - values / base)
    out.attrs = {"units": "%", "long_name": "decrease against the reference year", "reference_year": int(reference_year)}
    return out


def _location(da, ds_attrs, dim):
    """Labels of ``dim`` ('region' or 'site') for a variable: ('dim', labels), ('scalar', label) or None."""
    if dim in da.dims:
        return "dim", [str(v) for v in da[dim].values]
    if dim in da.coords and da[dim].ndim == 0:
        return "scalar", str(da[dim].values.item())
    if dim in da.attrs:
        return "scalar", str(da.attrs[dim])
    if dim in ds_attrs:
        return "scalar", str(ds_attrs[dim])
    return None


def _meets(values, comparator: str, target: float):
    import numpy as np

    if comparator == "<=":
        return values <= target
    if comparator == ">=":
        return values >= target
    return np.isclose(values, target, rtol=1e-9, atol=1e-12)


def _margin(value: float, comparator: str, target: float) -> float:
    if comparator == "<=":
        return target - value
    if comparator == ">=":
        return value - target
    return -abs(value - target)


def _convert_units(values, var_name: str, from_unit, to_unit: str):
    from . import units

    if from_unit is None:
        raise TargetError(f"variable {var_name!r}: no 'units' attribute; expected units compatible with {to_unit!r}",
                          field=var_name, expected=to_unit)
    if str(from_unit).strip() == to_unit:
        return values
    try:
        return units.convert(values, str(from_unit), to_unit)
    except UnitError as err:
        raise TargetError(f"variable {var_name!r}: units {from_unit!r} cannot be converted to the target unit "
                          f"{to_unit!r} ({err})", field=var_name, value=from_unit, expected=to_unit) from None


def check(projection: xr.Dataset | xr.DataArray, targets: pd.DataFrame | None = None, *,
          outside: str = "raise") -> pd.DataFrame:
    """Compare a projection with the plan targets it covers.

    Parameters
    ----------
    projection : xarray.Dataset or named xarray.DataArray
        Variables named by indicator key (``pm25_annual_mean``, ``tp_concentration`` …), each with
        a ``year`` dimension [year], optionally ``member`` (ensemble), and its location as a
        ``region`` or ``site`` dimension, scalar coordinate or attribute (names in any form
        :func:`resolve_region`/:func:`resolve_site` accept); a non-empty ``attrs['scope']`` (e.g.
        ``'国考断面'``, see :func:`ecomodel.water.section_shares`) restricts the variable to the rows
        of that ``scope``. ``attrs['units']`` is required and is
        converted to the target's unit. For ``*_decrease_pct`` targets the variable must be the
        decrease against the row's ``reference_year`` (see :func:`decrease_pct`); an
        ``attrs['reference_year']`` that differs from the row's raises.
    targets : pandas.DataFrame, optional
        Rows of :func:`load` to check against; default: every ``target`` row. Rows without a
        numeric value, a ``<=``/``>=``/``==`` comparator and a target year cannot be checked; they are
        listed in ``result.attrs['not_checkable']``.
    outside : {'raise', 'skip'}
        What to do with matched targets whose year is not in the projection's ``year`` values:
        raise :class:`TargetError` (default) or leave them out and list them in
        ``result.attrs['outside']``.

    Returns
    -------
    pandas.DataFrame
        One row per matched target: ``document, region, region_en, site, site_en, scope, indicator,
        indicator_zh, unit, target_year, target_value, comparator, reference_year, binding,
        projected`` (ensemble mean at the target year, in the target's unit), ``margin`` (positive
        = met with room: ``target − projected`` for ``<=``, ``projected − target`` for ``>=``,
        ``−|projected − target|`` for ``==``), ``met`` (for the ensemble mean), ``probability``
        (share of members meeting the target; 1.0 or 0.0 without members), ``members``,
        ``variable`` and ``source_line``.

    Raises
    ------
    TargetError
        Nothing matches; a variable without ``year`` or location; unknown location labels;
        incompatible or missing units; a target year outside the projection (``outside='raise'``).
    InputError
        NaN or infinite projected values at a target year.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> tp = xr.DataArray(np.array([[0.140, 0.150], [0.130, 0.138]]), dims=("year", "member"),
    ...                   coords={"year": [2025, 2026], "member": [0, 1]},
    ...                   attrs={"units": "mg/L", "site": "姚巷桥"}, name="tp_concentration")
    >>> r = check(tp, load(site="姚巷桥", year=2026))
    >>> r[["site", "target_value", "projected", "margin", "met", "probability"]].round(4).to_dict("records")
    [{'site': '姚巷桥', 'target_value': 0.136, 'projected': 0.134, 'margin': 0.002, 'met': True, 'probability': 0.5}]
    """
    import pandas as pd

    if outside not in ("raise", "skip"):
        raise InputError(f"outside={outside!r}; expected 'raise' or 'skip'", field="outside", value=outside,
                         expected="'raise' or 'skip'")
    ds = _projection_dataset(projection)
    targets, not_checkable, rows_all = _checkable_targets(targets)
    variables = _indicator_variables(ds, targets)

    records: list[dict[str, Any]] = []
    out_of_range: list[pd.Series] = []
    for var in variables:
        _check_variable(ds, var, rows_all, records, out_of_range)

    if out_of_range and outside == "raise":
        _raise_outside(out_of_range)
    if not records:
        _raise_no_match(ds, variables)
    result = pd.DataFrame.from_records(records)
    result = result.sort_values(["region", "site", "indicator", "target_year"], kind="stable").reset_index(drop=True)
    result.attrs["not_checkable"] = not_checkable.reset_index(drop=True)
    result.attrs["outside"] = pd.DataFrame(out_of_range).reset_index(drop=True)
    return result


def _projection_dataset(projection: xr.Dataset | xr.DataArray) -> xr.Dataset:
    """The projection as a Dataset (a named DataArray becomes a one-variable Dataset with its attrs)."""
    import xarray as xr

    if isinstance(projection, xr.DataArray):
        if projection.name is None:
            raise TargetError("projection DataArray has no name; name it by its indicator key (e.g. "
                              "'pm25_annual_mean')", field="projection", expected="a named DataArray")
        ds = projection.to_dataset()
        ds.attrs = dict(projection.attrs)
    elif isinstance(projection, xr.Dataset):
        ds = projection
    else:
        raise TargetError(f"projection is a {type(projection).__name__}; expected an xarray Dataset or named DataArray",
                          field="projection", value=type(projection).__name__, expected="xarray.Dataset")
    return ds


def _checkable_targets(targets: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(targets, rows that cannot be checked, rows that can) after validating the table's columns."""
    import pandas as pd

    if targets is None:
        targets = load(kind="target")
    elif not isinstance(targets, pd.DataFrame):
        raise TargetError("targets must be a DataFrame from ecomodel.targets.load()", field="targets",
                          value=type(targets).__name__, expected="pandas.DataFrame")
    missing = [c for c in ("indicator", "region", "site", "target_year", "target_value", "comparator", "unit")
               if c not in targets.columns]
    if missing:
        raise TargetError(f"targets table lacks columns {missing}", field="targets", value=missing,
                          expected="rows of ecomodel.targets.load()")
    checkable = (targets["target_value"].notna() & targets["target_year"].notna()
                 & targets["comparator"].isin(["<=", ">=", "=="]))
    return targets, targets.loc[~checkable], targets.loc[checkable]


def _indicator_variables(ds: xr.Dataset, targets: pd.DataFrame) -> list[str]:
    """The projection's variables named by an indicator of *targets*; raises when there is none."""
    indicators = set(targets["indicator"])
    variables = [v for v in ds.data_vars if v in indicators]
    if not variables:
        names = list(ds.data_vars)
        hint = close_matches(str(names[0]), sorted(indicators)) if names else ""
        raise TargetError(f"no projection variable is named like a registry indicator (variables: {names}){hint}",
                          field="projection", value=names, expected="variables named by indicator keys")
    return variables


def _variable_labels(var: str, da: xr.DataArray, ds_attrs: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{'region'|'site': {canonical name: label in the projection}}`` of a variable, after checking its dims."""
    if "year" not in da.dims:
        raise TargetError(f"variable {var!r} has no 'year' dimension (dims {da.dims})", field=var, value=da.dims,
                          expected="a 'year' dimension")
    extra = [d for d in da.dims if d not in ("year", "member", "region", "site")]
    if extra:
        raise TargetError(f"variable {var!r} has unexpected dimensions {extra}; select or reduce them first",
                          field=var, value=da.dims, expected="dims among year, member, region, site")
    loc = {"region": _location(da, ds_attrs, "region"), "site": _location(da, ds_attrs, "site")}
    if loc["region"] is None and loc["site"] is None:
        raise TargetError(f"variable {var!r} has no location: give a 'region' or 'site' dimension, coordinate or "
                          f"attribute", field=var, expected="region or site")
    labels = {}
    for dim, resolver in (("region", resolve_region), ("site", resolve_site)):
        if loc[dim] is not None:
            how, lab = loc[dim]
            labs = lab if how == "dim" else [lab]
            labels[dim] = {resolver(x): x for x in labs}
    return labels


def _variable_rows(rows_all: pd.DataFrame, var: str, da: xr.DataArray) -> pd.DataFrame:
    """The checkable rows of indicator *var* that the variable's scope and set can speak to."""
    rows = rows_all[rows_all["indicator"] == var]
    if da.attrs.get("scope"):  # a share over a named set of sections: only the rows of that set
        rows = rows[rows["scope"] == da.attrs["scope"]]
    if da.attrs.get("partial_set") and len(rows):
        # a share over only part of the plan's set bounds the probability only for targets every
        # section must meet (100 % at or better, 0 % worse); other shares cannot be told from it
        rows = rows[[_every_member_must_pass(c, v) for c, v in zip(rows["comparator"], rows["target_value"])]]
    return rows


def _row_location(row: pd.Series, labels: dict[str, dict[str, Any]]) -> tuple[str, Any] | None:
    """(dimension, projection label) a target row refers to, or None when the variable lacks it."""
    if row["site"]:
        if "site" not in labels or row["site"] not in labels["site"]:
            return None
        return "site", labels["site"][row["site"]]
    if "region" not in labels or row["region"] not in labels["region"]:
        return None
    return "region", labels["region"][row["region"]]


def _check_variable(ds: xr.Dataset, var: str, rows_all: pd.DataFrame, records: list[dict[str, Any]],
                    out_of_range: list[pd.Series]) -> None:
    """Append a record for every target row variable *var* matches (rows outside its years to *out_of_range*)."""
    da = ds[var]
    labels = _variable_labels(var, da, ds.attrs)
    years = {int(y) for y in da["year"].values}
    for _, row in _variable_rows(rows_all, var, da).iterrows():
        where = _row_location(row, labels)
        if where is None:
            continue
        ty = int(row["target_year"])
        if ty not in years:
            out_of_range.append(row)
            continue
        vals = _target_values(da, var, row, where[0], where[1], ty)
        records.append(_record(row, var, da, vals, ty))


def _target_values(da: xr.DataArray, var: str, row: pd.Series, dim: str, label: Any, ty: int) -> np.ndarray:
    """The variable's values (members) for a target row at its year and location, in the row's unit."""
    import numpy as np
    import pandas as pd

    ref = da.attrs.get("reference_year")
    if ref is not None and pd.notna(row.get("reference_year", pd.NA)) and int(ref) != int(row["reference_year"]):
        raise TargetError(f"variable {var!r} is a change against {int(ref)} but the target "
                          f"({row['document'][:3]}:{row['source_line']}) is against {int(row['reference_year'])}",
                          field=var, value=int(ref), expected=str(int(row["reference_year"])))
    sel = da.sel(year=ty)
    if dim in sel.dims:
        sel = sel.sel({dim: label})
    for other in ("region", "site"):
        if other in sel.dims:
            raise TargetError(f"variable {var!r}: cannot tell which {other} a {dim}-level target applies to "
                              f"({row['document'][:3]}:{row['source_line']}); select one {other} first",
                              field=var, value=other, expected=f"one {other}")
    vals = _convert_units(np.asarray(sel.values, dtype=float), var, da.attrs.get("units"), row["unit"])
    vals = np.atleast_1d(np.asarray(vals, dtype=float))
    if not np.isfinite(vals).all():
        raise InputError(f"variable {var!r}: {int((~np.isfinite(vals)).sum())} non-finite value(s) at "
                         f"{dim}={label!r}, year={ty}", field=var, value=ty, expected="finite values")
    return vals


def _record(row: pd.Series, var: str, da: xr.DataArray, vals: np.ndarray, ty: int) -> dict[str, Any]:
    """One result row of :func:`check`: the target row, the projected mean, margin, met and probability."""
    import numpy as np
    import pandas as pd

    target = float(row["target_value"])
    mean = float(vals.mean())
    ok = _meets(vals, row["comparator"], target)
    return {
        "document": row["document"], "region": row["region"], "region_en": row.get("region_en", ""),
        "site": row["site"], "site_en": row.get("site_en", ""), "scope": row.get("scope", ""),
        "indicator": var, "indicator_zh": row.get("indicator_zh", ""), "unit": row["unit"],
        "target_year": ty, "target_value": target, "comparator": row["comparator"],
        "reference_year": row.get("reference_year", pd.NA), "binding": row.get("binding", ""),
        "projected": mean, "margin": _margin(mean, row["comparator"], target),
        "met": bool(_meets(np.array([mean]), row["comparator"], target)[0]),
        "probability": float(np.mean(ok)), "members": int(vals.size) if "member" in da.dims else 0,
        "variable": var, "source_line": row["source_line"],
    } | ({"note": str(da.attrs["check_note"])} if da.attrs.get("check_note") else {})


def _raise_outside(out_of_range: list[pd.Series]) -> None:
    """Raise the TargetError listing matched targets whose year the projection lacks."""
    shown = "; ".join(f"{r['indicator']} {r['region'] or ''}{('/' + r['site']) if r['site'] else ''} "
                      f"{int(r['target_year'])} ({r['document'][:3]}:{r['source_line']})" for r in out_of_range[:5])
    more = f" and {len(out_of_range) - 5} more" if len(out_of_range) > 5 else ""
    raise TargetError(f"{len(out_of_range)} matched target(s) fall outside the projection's years: {shown}{more}; "
                      f"extend the projection, pass targets=load(year=...) or outside='skip'",
                      field="year", value=sorted({int(r['target_year']) for r in out_of_range}),
                      expected="target years within the projection")


def _raise_no_match(ds: xr.Dataset, variables: list[str]) -> None:
    """Raise the TargetError saying no target matches, with each variable's locations."""
    where = "; ".join(f"{v}: " + ", ".join(f"{k}={sorted(map(str, lab))}" for k, lab in
                                         (("region", _labels(ds[v], ds.attrs, "region")),
                                          ("site", _labels(ds[v], ds.attrs, "site"))) if lab)
                      for v in variables)
    raise TargetError(f"no target matches the projection ({where}); check the indicator keys, locations and years "
                      f"against ecomodel.targets.load()", field="projection", value=variables,
                      expected="targets for these indicators and locations")


def _labels(da, attrs, dim):
    loc = _location(da, attrs, dim)
    if loc is None:
        return []
    how, lab = loc
    return lab if how == "dim" else [lab]



# ------------------------------------------------------------------------------------------------ coverage

#: indicator keys a model produces today or will once its issue lands; a key counts as *checked*
#: as soon as a projection holds it (``coverage`` looks at what the check table matched, so new keys
#: such as ``o3_8h_90pct`` or ``tn_concentration`` are counted without a change here).
STATE_PATTERNS: tuple[str, ...] = (
    r"^pm25_", r"^good_air_days", r"^o3_", r"^heavy_pollution", r"^dustfall$", r"_concentration$",
    r"section.*(class|share|ratio)", r"^worse_than_v", r"water_class$", r"^drinking_water_source",
    r"^key_river_class", r"^co2_", r"^energy_intensity", r"^coal_share", r"^non_fossil", r"_peak_year$",
    r"^carbon_neutrality_year$", r"_reduction_t$", r"_emission_decrease_pct$", r"^air_quality",
)

#: rules for rows no model represents: (pattern on the indicator key, one-line reason)
OUT_OF_SCOPE_RULES: tuple[tuple[str, str], ...] = (
    (r"satisfaction|participation|petition|disclosure|training|assessment|officials", "public or administrative "
     "indicator; no physical model"),
    (r"station|monitoring|camera|spotcheck|check|inspect|review|survey|drill|warning|frequency|inspector|"
     r"_evaluated|evaluation|filing|enforcement", "monitoring or enforcement activity; no emission or load effect of its own"),
    (r"msw|waste|landfill|incineration|sludge|leachate|bulky|night_soil|kitchen|organic_waste|recycling|"
     r"zero_waste", "solid waste; not in the air, water or carbon models"),
    (r"soil|farmland_safe|contaminated|site_investigation|construction_land|heavy_metal", "soil and land safety; "
     "not modelled"),
    (r"radiat|radioactive", "radiation safety; not modelled"),
    (r"forest|green|wetland|wildlife|species|redline|shoreline|eco_|ecological|park|landscape|buffer|island|"
     r"two_mountains|beautiful|demo_village|demo_town|demo_zone|model_street|school|afforestation|greenway|"
     r"eqi|protected_area|mine_restoration", "ecology and greening; no model of habitat or land cover"),
    (r"land_|_land|mu$|tax|hightech|rd_share|5g|internet|solution|enterprise_count$|grade_a|traffic_info|"
     r"parking|road|toilet|old_compound|channel|key_project_count", "economic, land-use or urban-service "
     "indicator; not modelled"),
    (r"water_use|water_saving|water_intensity|irrigation|water_efficient|leakage|reclaimed|reuse", "water use and "
     "saving; the water model has no demand side"),
    (r"emergency_pool", "environmental-risk preparedness (emergency collection pools); no routine emission or load"),
    (r"pesticide|film|packaging|pest_control|low_toxicity", "agricultural chemicals and plastics; no N/P, "
     "emission or load effect in the models"),
)


#: Statuses of :func:`coverage`, in the order of the counts line.
COVERAGE_STATUSES = ("checked", "implemented", "not checkable", "not modelled", "out of scope", "no measure")

_SHARE_SETS = "the plan does not list the sections behind its {scope}{what} share, and a share needs every section of its set"
_NOT_CHECKABLE = "not checkable"
_NOT_MODELLED = "not modelled"

#: State rows no projection can check, each with what is missing: ``{row reference: (status, reason)}``.
#: ``not checkable`` — the plan does not say what the number is made of (the sections of a share,
#: the sources of a drinking-water ratio), so no model output can be compared with it;
#: ``not modelled`` — the plan is specific, but no model represents the quantity. ``{scope}`` is the
#: row's ``scope`` column. Rows 002:365, 003:531 and 003:532 are left out: their networks are being
#: built.
UNCHECKED_STATES: dict[str, tuple[str, str]] = {
    "004:19/water_section_class_iii_or_better_ratio": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="优Ⅲ")),
    "004:19/water_section_class_ii_or_better_ratio": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="优Ⅱ")),
    "001:147/water_section_class_iii_or_better_ratio": (
        _NOT_CHECKABLE, "the plan does not list its 省考及以上 sections (001:147 table); 粮庄桥 (001:486), the one "
        "modelled, is checked on its own row"),
    "003:76/water_section_class_iii_or_better_ratio": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="优Ⅲ")),
    "003:78/water_section_class_iii_or_better_ratio": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="优Ⅲ")),
    "003:294/water_section_class_iii_or_better_ratio": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="优Ⅲ")),
    "003:93/worse_than_v_section_share_pct": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="劣V")),
    "003:95/worse_than_v_section_share_pct": (_NOT_CHECKABLE, _SHARE_SETS.format(scope="{scope} ", what="劣V")),
    "000:545/drinking_water_source_good_ratio_pct": (
        _NOT_CHECKABLE, "the plan does not list the centralised sources its ratio counts; it names only the 滆湖 "
        "emergency backup source (000:71, 000:966), which the lake model holds as a whole-lake mean, not at an intake"),
    "003:68/drinking_water_source_class_iii_or_better_pct": (
        _NOT_MODELLED, "the plan names its 3 centralised sources (肖山, 小湾, 西石桥; 003:533, 003:552), Yangtze "
        "intakes whose water is set upstream; no water network holds the Yangtze or these intakes"),
    "003:287/drinking_water_source_class_iii_or_better_pct": (
        _NOT_MODELLED, "the plan names its 3 centralised sources (肖山, 小湾, 西石桥; 003:533, 003:552), Yangtze "
        "intakes whose water is set upstream; no water network holds the Yangtze or these intakes"),
    "004:29/yangtze_mainstream_water_class": (
        _NOT_MODELLED, "the Yangtze mainstream class is set upstream (the whole basin above Changzhou); it is a "
        "boundary of the model, not something a Changzhou package moves"),
    "004:29/yangtze_tributary_water_class": (
        _NOT_CHECKABLE, "the plan does not name the sections of its 主要通江支流 (main Yangtze-bound tributaries); "
        "the 天宁 network's 新沟河 runs toward the Yangtze, but 粮庄桥 is not said to be one of them"),
    "000:94/carbon_neutrality_year": (
        _NOT_MODELLED, "2060 lies beyond every model horizon (carbon projections run 2020-2035) and neutrality "
        "needs sinks and removals, which the carbon model does not have"),
    "003:473/dyeing_emission_decrease_pct": (
        _NOT_MODELLED, "no dyeing sector to account: the air inventory's sectors are power, industry, residential, "
        "transport, agriculture, dust, solvent (dyeing is inside industry), the carbon textiles sector carries "
        "energy and CO2 only, and no water network holds Jiangyin's dyeing wastewater; the row has no year either"),
    "003:900/dyeing_emission_decrease_pct": (
        _NOT_MODELLED, "no dyeing sector to account: the air inventory's sectors are power, industry, residential, "
        "transport, agriculture, dust, solvent (dyeing is inside industry), the carbon textiles sector carries "
        "energy and CO2 only, and no water network holds Jiangyin's dyeing wastewater; the plan gives no base year"),
}

_OOS = "out of scope"
_NO_MEASURE = "no measure"
_MET = "the base-year value already meets the target ({base}); holding it is the baseline, no change to model"
_HOLD = "the plan asks to hold the present level ({what}); that level is already in the baseline, no change to model"
_NO_ZL = ("钟楼 has no water network (its plan names no section, ecomodel/data/water/zhonglou/SOURCES.md) and the "
          "water backend refuses region 常州市钟楼区, so a 钟楼 load effect has nothing to act on")
_UNSIZED = "the plan gives {what}, not the emission or load behind it; no baseline to size an effect on"
_NO_LAKE_BIO = ("the lake model has no aquatic vegetation or fish: P taken up by plants or removed with fish is not "
                "represented, so the work has no modelled effect")
_RIVER_WORKS = ("river works counted in rivers or m3/km with no list of the rivers and none on an embedded network; "
                "no load or sediment model for them")

#: Activity rows with a specific reason instead of the generic one: ``{row reference: (status, reason)}``.
#: ``out of scope`` only where the row has no effect to model (already met, a level to hold, a survey or
#: infrastructure with no emission of its own); ``no measure`` where an effect exists but the plan gives no
#: size or baseline, or no model holds what it acts on.
ACTIVITY_REASONS: dict[str, tuple[str, str]] = {
    "000:496/straw_utilization_pct": (_OOS, _MET.format(base="97.2 % in 2021, 000:496")),
    "000:1276/straw_utilization_pct": (_OOS, _MET.format(base="97.2 % in 2021 against >= 97 % in 2025, 000:496")),
    "000:510/livestock_manure_utilization_pct": (_OOS, _MET.format(base="98.5 % in 2021, 000:510")),
    "000:1272/livestock_manure_utilization_pct": (_OOS, _MET.format(base="98.5 % in 2021 against >= 98 % in 2025, "
                                                                      "000:510")),
    "000:556/rural_drinking_water_sanitary_rate_pct": (_OOS, _MET.format(base="100 % in 2021, 000:556") +
                                                       "; drinking-water hygiene, not a load either"),
    "001:274/sewage_collection_rate": (_OOS, _MET.format(base="98.1 % in 2020 against >= 98 %, 001:274")),
    "002:429/straw_utilization_pct": (_OOS, _HOLD.format(what="秸秆综合利用率稳定在98%以上, 002:429")),
    "004:60/straw_utilization_pct": (_OOS, _HOLD.format(what="秸秆综合利用率稳定在95%以上, 004:60")),
    "004:60/livestock_manure_utilization_pct": (_OOS, _HOLD.format(what="畜禽粪污综合利用率稳定在95%以上, 004:60")),
    "001:1107/wwtp_count_over_500t": (_OOS, "automatic flow and quality monitors at the 3 plants above 500 t/d "
                                            "(001:1107); monitoring, no load effect of its own"),
    "001:425/vocs_storage_tank_count": (_OOS, "a survey of the district's 40 VOCs tanks (全面排查, 001:425); the tank "
                                              "works that follow are the 20 projects of tn_vocs_fugitive"),
    "003:792/gas_pipeline_km": (_OOS, "gas supply pipeline (003:792); no emission of its own, the coal-to-gas "
                                      "switches it serves are the effect and are not sized by the plan"),
    "003:801/lng_tank_count": (_OOS, "LNG storage tanks (003:801); supply security, no emission of its own"),
    "000:1210/clean_production_audits_count": (_OOS, "clean-production audits are assessments; the retrofits they "
                                                     "recommend are not listed or sized"),
    "002:355/mandatory_clean_production_audit_rate_pct": (_OOS, "mandatory clean-production audit rate; an "
                                                                "assessment, its retrofits are not sized"),
    "003:469/mandatory_clean_production_audit_rate_pct": (_OOS, "mandatory clean-production audit rate; an "
                                                                "assessment, its retrofits are not sized"),
    "004:23/mandatory_clean_production_audit_rate_pct": (_OOS, "mandatory clean-production audit rate; an "
                                                               "assessment, its retrofits are not sized"),
    # 钟楼: no water network
    "002:116/county_sewage_treatment_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:123/black_odorous_water_elimination_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:130/rural_black_odorous_treatment_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:276/rural_sewage_treatment_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:437/sewage_quality_zone_area_share_pct": (_NO_MEASURE, _NO_ZL),
    "002:438/wwtp_capacity_new": (_NO_MEASURE, _NO_ZL),
    "002:448/rural_sewage_treatment_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:448/rural_sewage_facility_operation_rate_pct": (_NO_MEASURE, _NO_ZL),
    "002:430/livestock_manure_utilization_pct": (_NO_MEASURE, _UNSIZED.format(
        what="a 2025 rate of 98 % without the present rate (002:430); 钟楼 has no water network either")),
    "002:454/direct_seeding_conversion_pct": (_NO_MEASURE, _UNSIZED.format(what="a share of direct seeding converted "
                                                                          "(002:454) without the area or its fertiliser")),
    # 天宁 wastewater: the network has no WWTP or industrial source
    "001:464/wwtp_capacity_new": (_NO_MEASURE, "collection is already 98.1 % (001:274); the new 1e4 m3/d serve the "
                                              "提质增效 zones (higher influent strength), for which the plan states no "
                                              "untreated volume, and the 天宁 network has no WWTP source to act on"),
    "001:464/sewage_quality_zone_area_share_pct": (_NO_MEASURE, "提质增效 zones raise influent strength (less "
                                                               "infiltration); the plan states no untreated volume and "
                                                               "collection is already 98.1 % (001:274)"),
    "001:1136/sewage_quality_zone_count": (_NO_MEASURE, "提质增效 zones counted (001:1136); no untreated volume stated, "
                                                       "collection already 98.1 % (001:274)"),
    "001:1098/industrial_wwtp_capacity": (_NO_MEASURE, "an industrial plant rebuilt from existing capacity with a tail-"
                                                      "water wetland (001:1098); the 天宁 network has no industrial or "
                                                      "WWTP source and the plan gives no effluent change"),
    "001:472/rural_sewage_facility_operation_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an operation rate (95 %) without the present one (001:472)")),
    "000:1238/rural_sewage_facility_operation_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an operation rate (90 %) without the present one (000:1238)")),
    "004:57/rural_sewage_facility_operation_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an operation rate (85 %) without the present one (004:57)")),
    "000:1232/sewage_quality_zone_area_share_pct": (_NO_MEASURE, _UNSIZED.format(
        what="a share of 提质增效 zones (80 %) without the untreated volume they remove (000:1232)")),
    # manure and straw without a base-year rate
    "001:470/livestock_manure_utilization_pct": (_NO_MEASURE, _UNSIZED.format(what="a 2025 rate (98 %) without the "
                                                                             "present rate (001:470)")),
    "001:470/livestock_facility_equipping_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an equipping rate (100 %) of the 8 farms without their present state (001:470)")),
    "001:470/organic_fertilizer_substitution_pct": (_NO_MEASURE, _UNSIZED.format(
        what="a substitution share (20 %) without the fertiliser quantity it applies to (001:470)")),
    "001:1257/livestock_manure_utilization_pct": (_NO_MEASURE, _UNSIZED.format(what="a 2023 rate (95 %) without the "
                                                                              "present rate (001:1257)")),
    "001:1275/straw_utilization_pct": (_NO_MEASURE, _UNSIZED.format(what="a 2023 rate (97 %) without the present "
                                                                  "rate (001:1275)")),
    "003:574/livestock_manure_utilization_pct": (_NO_MEASURE, _UNSIZED.format(what="a 2025 rate (97 %) without the "
                                                                             "present rate (003:574)")),
    "000:1272/livestock_facility_equipping_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an equipping rate (100 %) without the present one (000:1272)")),
    "000:1777/organic_fertilizer_promotion": (_NO_MEASURE, _UNSIZED.format(
        what="1.5e4 t of organic fertiliser promoted (000:1777) without the synthetic fertiliser it replaces")),
    "004:44/direct_seeding_conversion_pct": (_NO_MEASURE, _UNSIZED.format(what="a share of direct seeding converted "
                                                                         "(004:44) without the area or its fertiliser")),
    # lake and river works
    "000:1651/gehu_purifying_stock_per_year": (_NO_MEASURE, _NO_LAKE_BIO),
    "000:1651/gehu_dredging_clearing_area": (_NO_MEASURE, "滆湖 clearing given as an area (1.5e4 mu, 000:1651) without "
                                                         "a volume or depth; the dredging the model takes is 000:1723 and "
                                                         "004:41 (volumes)"),
    "000:1723/gehu_polder_return_area": (_NO_MEASURE, "polder returned to the lake (3150 mu, 000:1723): lake area and "
                                                     "the polder's former load are not in the lake model or the sources"),
    "000:1723/aquatic_vegetation_restored_area": (_NO_MEASURE, _NO_LAKE_BIO),
    "004:41/aquatic_vegetation_maintained_area": (_NO_MEASURE, _NO_LAKE_BIO),
    "004:41/fish_stocking_count": (_NO_MEASURE, _NO_LAKE_BIO),
    "004:48/aquatic_plant_project_count": (_NO_MEASURE, _NO_LAKE_BIO),
    "004:41/aquaculture_pond_cleared_area": (_NO_MEASURE, "ponds of 溧阳 and 金坛 (长荡湖) cleared (004:41); no embedded "
                                                         "network holds 长荡湖 or its ponds"),
    "004:41/lake_return_area": (_NO_MEASURE, "return of ponds to 长荡湖 (溧阳, 004:41); no embedded network holds "
                                            "长荡湖"),
    "004:48/dredge_disposal_site_area": (_NO_MEASURE, "disposal site of the dredging (004:48); its effect is the "
                                                     "dredging of 004:41/004:45, already a measure"),
    "000:1606/river_remediation_length_km": (_NO_MEASURE, _RIVER_WORKS),
    "000:978/tributary_worse_than_v_elimination_task_pct": (_NO_MEASURE, _RIVER_WORKS),
    "000:1988/rural_black_odorous_treatment_rate_pct": (_NO_MEASURE, _RIVER_WORKS),
    "001:488/rural_black_odorous_priority_count": (_NO_MEASURE, _RIVER_WORKS),
    "001:490/worse_than_v_rivers_remediated_count": (_NO_MEASURE, _RIVER_WORKS + " (the 4 + 19 tributaries of "
                                                                                 "001:1154 are in tn_rural_sewage)"),
    "001:726/water_env_remediation_area": (_NO_MEASURE, _RIVER_WORKS),
    "001:1042/river_wall_length_km": (_NO_MEASURE, "river walls (护岸) are bank works; no load effect is modelled"),
    "001:1127/river_wall_length_km": (_NO_MEASURE, "river walls (护岸) are bank works; no load effect is modelled"),
    "001:1127/rural_river_dredging_volume": (_NO_MEASURE, _RIVER_WORKS),
    "003:909/river_remediation_count": (_NO_MEASURE, _RIVER_WORKS),
    "003:936/river_dredging_count": (_NO_MEASURE, _RIVER_WORKS),
    "004:46/tributary_worse_than_v_elimination_count": (_NO_MEASURE, _RIVER_WORKS),
    "004:58/small_water_body_remediated_count": (_NO_MEASURE, _RIVER_WORKS),
    "004:58/rural_river_dredging_volume": (_NO_MEASURE, _RIVER_WORKS),
    "004:49/ship_pollutant_disposal_pct": (_NO_MEASURE, "ship waste and sewage collected (95 %, 004:49); no ship "
                                                       "source in the water networks"),
    # air and energy programmes without a size
    "000:930/air_sources_rectified_count": (_NO_MEASURE, _UNSIZED.format(what="a count of sources rectified (160, "
                                                                        "000:930)")),
    "000:930/air_pilot_area_rectified_count": (_NO_MEASURE, _UNSIZED.format(what="a count of pilot areas (5, 000:930)")),
    "001:391/chemical_enterprise_reduction_count": (_NO_MEASURE, _UNSIZED.format(
        what="a count of chemical enterprises closed or moved (4, 001:391)")),
    "001:421/low_vocs_coating_share_pct": (_NO_MEASURE, _UNSIZED.format(what="a 100 % low-VOCs share without the "
                                                                        "present share or solvent use (001:421)")),
    "001:425/vocs_cluster_enterprises_rectified_count": (_NO_MEASURE, _UNSIZED.format(
        what="206 cluster enterprises inspected and rectified (001:425), small firms of unknown emission")),
    "001:425/vocs_one_enterprise_policy_new_count": (_NO_MEASURE, _UNSIZED.format(
        what="10 one-enterprise plans (001:425), whose works are not listed")),
    "001:429/industrial_furnace_remediation_count": (_NO_MEASURE, _UNSIZED.format(
        what="27 furnaces remediated (001:429) without their fuel, size or limits")),
    "001:437/shore_power_use_increase_pct": (_NO_MEASURE, _UNSIZED.format(what="+20 % shore power vs 2020 without "
                                                                         "the 2020 use (001:437)")),
    "001:979/construction_dust_project_count": (_NO_MEASURE, _UNSIZED.format(
        what="50 construction sites with dust control (001:979); the air model's dust sector has no per-site size")),
    # road cleaning settles road dust, which the dustfall indicator (ecomodel.air.deposition) now
    # carries through the dust sector; but no plan states the present mechanised rate, and the
    # inventory's dust sector does not split out roads
    **{f"{ref}/road_mechanized_cleaning_rate_pct": (_NO_MEASURE, _UNSIZED.format(
        what=f"a mechanised road-cleaning rate ({rate}, {ref}) without the present rate or the road share of the "
             "dust sector")) for ref, rate in (("001:443", ">= 96 % by 2025"), ("003:511", ">= 90 % urban, 80 % back "
                                                                                 "streets by 2025"),
                                               ("004:36", ">= 95 % in 2023"))},
    "004:26/enterprise_rectification_count": (_NO_MEASURE, _UNSIZED.format(what="2000 enterprises rectified (004:26)")),
    "004:26/industry_rectification_task_count": (_NO_MEASURE, _UNSIZED.format(what="4 industries (004:26)")),
    "004:26/industrial_cluster_rectification_count": (_NO_MEASURE, _UNSIZED.format(what="5 clusters (004:26)")),
    "004:26/industrial_area_rectification_count": (_NO_MEASURE, _UNSIZED.format(what="33 areas (004:26)")),
    "004:37/restaurant_fume_demo_count": (_NO_MEASURE, _UNSIZED.format(what="3 restaurant-fume demonstrations "
                                                                       "(004:37)")),
    "001:397/renewable_building_energy_share_pct": (_NO_MEASURE, _UNSIZED.format(
        what="an 8 % renewable share of building energy (001:397) without the building energy it applies to")),
    "001:684/heating_pipe_added": (_NO_MEASURE, _UNSIZED.format(what="1900 m of heating pipe (001:684) without the "
                                                                 "boilers it replaces")),
    "003:783/gas_chp_unit_count": (_NO_MEASURE, _UNSIZED.format(what="4 + 4 gas CHP and combined-cycle units (003:783) "
                                                                "without the coal units they displace or their hours")),
    "003:498/zero_carbon_demo_project_count": (_NO_MEASURE, _UNSIZED.format(what="10 zero-carbon demonstrations "
                                                                            "(003:498)")),
    "004:28/efficient_appliance_share_pct": (_NO_MEASURE, _UNSIZED.format(
        what="a 50 % efficient-appliance share of sales (004:28) without the present share or the stock")),
    "003:473/dyeing_enterprise_count_decrease_pct": (_NO_MEASURE, "no dyeing sector in any model (see 003:473 "
                                                                  "dyeing_emission_decrease_pct) and no base count"),
}

#: activity rows whose key matches a state pattern (a count of works done, not a state)
_ACTIVITY_KEYS = (r"_remediated_count$",)


def row_ref(row: Mapping[str, Any]) -> str:
    """Identifier of a registry row: ``'<code>:<first line>/<indicator>'`` (``'004:19/nox_reduction_t'``).

    Examples
    --------
    >>> row_ref({"document": "004_1952cce4b94fab34.txt", "source_line": "19", "indicator": "nox_reduction_t"})
    '004:19/nox_reduction_t'
    """
    first = re.split(r"[;\-]", str(row["source_line"]))[0].strip()
    return f"{str(row['document'])[:3]}:{first}/{row['indicator']}"


def find_rows(ref: str) -> pd.DataFrame:
    """Registry ``target``/``investment`` rows a reference names: ``'004:19'`` (every row whose first
    cited line is 19) or ``'004:19/nox_reduction_t'`` (that indicator only).

    Raises
    ------
    TargetError
        The reference is malformed or names no row.

    Examples
    --------
    >>> len(find_rows("004:19/nox_reduction_t"))
    1
    """
    m = re.fullmatch(r"\s*(\d{3}):(\d+)(?:/([A-Za-z0-9_]+))?\s*", str(ref))
    if not m:
        raise TargetError(f"registry reference {ref!r} is not '<code>:<line>' or '<code>:<line>/<indicator>'",
                          field="implements", value=ref, expected="e.g. '004:19/nox_reduction_t'")
    df = _refs()
    sel = df[(df["_code"] == m.group(1)) & (df["_line"] == m.group(2))]
    if m.group(3):
        sel = sel[sel["indicator"] == m.group(3)]
    if sel.empty:
        near = sorted(set(df.loc[df["_code"] == m.group(1), "_ref"]))
        raise TargetError(f"registry reference {ref!r} names no target row" + close_matches(str(ref), near),
                          field="implements", value=ref, expected="a row of ecomodel/data/targets.csv")
    return sel.drop(columns=["_code", "_line", "_ref"])


@functools.lru_cache(maxsize=1)
def _known_refs() -> frozenset:
    df = _refs()
    lines = {f"{c}:{ln}" for c, ln in zip(df["_code"], df["_line"], strict=True)}
    return frozenset(lines | set(df["_ref"]))


def reference_problem(ref: str) -> str | None:
    """Why *ref* names no registry row (``None`` when it names one): the fast check behind
    :func:`find_rows`, used to validate ``Measure.implements``.

    Examples
    --------
    >>> reference_problem("004:19/nox_reduction_t") is None
    True
    >>> reference_problem("4:19")
    "registry reference '4:19' is not '<code>:<line>' or '<code>:<line>/<indicator>'"
    """
    m = re.fullmatch(r"\s*(\d{3}):(\d+)(?:/([A-Za-z0-9_]+))?\s*", str(ref))
    if not m:
        return f"registry reference {ref!r} is not '<code>:<line>' or '<code>:<line>/<indicator>'"
    key = f"{m.group(1)}:{m.group(2)}" + (f"/{m.group(3)}" if m.group(3) else "")
    if key in _known_refs():
        return None
    near = sorted(r for r in _known_refs() if "/" in r and r.startswith(m.group(1) + ":"))
    return f"registry reference {ref!r} names no target row" + close_matches(key, near)


@functools.lru_cache(maxsize=1)
def _refs():
    df = _registry()
    df = df[df["kind"].isin(["target", "investment"])].copy()
    df["_code"] = df["document"].str[:3]
    df["_line"] = df["source_line"].map(lambda s: re.split(r"[;\-]", str(s))[0].strip())
    df["_ref"] = [row_ref(r) for r in df.to_dict("records")]
    return df


def _every_member_must_pass(comparator: str, value: float) -> bool:
    """Whether a share target [%] requires every member of its set to pass (>= 100 or <= 0)."""
    return (comparator in (">=", ">") and float(value) >= 100.0) or (comparator in ("<=", "<") and float(value) <= 0.0)


def _scope_reason(indicator: str) -> str | None:
    for pattern, reason in OUT_OF_SCOPE_RULES:
        if re.search(pattern, indicator):
            return reason
    return None


def is_state_indicator(indicator: str) -> bool:
    """True for indicators describing a state a model can project (concentrations, classes, emissions …).

    Examples
    --------
    >>> is_state_indicator("tp_concentration"), is_state_indicator("worse_than_v_rivers_remediated_count")
    (True, False)
    """
    if any(re.search(p, indicator) for p in _ACTIVITY_KEYS):
        return False
    return any(re.search(p, indicator) for p in STATE_PATTERNS)


def coverage(checked: pd.DataFrame | None = None,
             implemented: dict[str, str] | Iterable[Package] | None = None) -> pd.DataFrame:
    """Status of every numeric target row of the registry.

    Parameters
    ----------
    checked : pandas.DataFrame, optional
        A :func:`check` result (or the ``/targets`` table of a run as a DataFrame) with ``document``,
        ``source_line``, ``indicator`` and ``probability``; an optional ``note`` column is copied to
        ``reason`` (e.g. that a hindcast is in-sample).
    implemented : mapping or iterable of packages, optional
        ``{row reference: measure id}`` or packages whose measures have ``implements`` (references
        as in :func:`find_rows`).

    Returns
    -------
    pandas.DataFrame
        One row per numeric target row: ``ref``, ``document``, ``region``, ``indicator``,
        ``target_year``, ``kind`` (``state`` / ``activity``), ``status`` (one of
        :data:`COVERAGE_STATUSES`: ``checked``; ``implemented``; ``not checkable`` — a state whose
        plan does not say what it is made of, e.g. which sections form a share; ``not modelled`` —
        a state no model represents, or one no projection given holds; ``out of scope``;
        ``no measure`` — an activity no package implements), ``probability`` (checked rows),
        ``measure`` (implemented rows) and ``reason`` (what is missing; the note of a checked row).

    Examples
    --------
    >>> cov = coverage()
    >>> cov.loc[cov["ref"] == "000:94/carbon_neutrality_year", "status"].item()
    'not modelled'
    >>> cov.loc[cov["ref"] == "003:93/worse_than_v_section_share_pct", "reason"].item()[:44]
    'the plan does not list the sections behind i'
    """
    import pandas as pd

    df = _registry()
    rows = df[(df["kind"] == "target") & df["target_value"].notna()]
    probs, notes = {}, {}
    if checked is not None and len(checked):
        for r in checked.to_dict("records"):
            ref = row_ref(r)
            if ref in probs:
                continue
            probs[ref] = float(r.get("probability", float("nan")))
            note = r.get("note")
            if isinstance(note, str) and note:
                notes[ref] = note
    impl = _implemented_map(implemented)
    out = []
    for r in rows.to_dict("records"):
        ref = row_ref(r)
        state = is_state_indicator(r["indicator"])
        rec = {"ref": ref, "document": r["document"], "region": r["region"], "site": r["site"],
               "indicator": r["indicator"], "target_year": r["target_year"], "kind": "state" if state else "activity",
               "probability": float("nan"), "measure": "", "reason": ""}
        if "emission_concentration" in r["indicator"]:
            state, reason = False, "stack emission limit of one plant type; the models do not resolve stacks"
        else:
            reason = None if state else _scope_reason(r["indicator"])
        if ref in probs:
            rec.update(status="checked", probability=probs[ref], reason=notes.get(ref, ""))
        elif ref in impl:
            rec.update(status="implemented", measure=impl[ref])
        elif not state and ref in ACTIVITY_REASONS:  # a row's own reason before the generic patterns
            status, why = ACTIVITY_REASONS[ref]
            rec.update(status=status, reason=why)
        elif reason:
            rec.update(status="out of scope", reason=reason)
        elif state and ref in UNCHECKED_STATES:
            status, why = UNCHECKED_STATES[ref]
            scope = str(r.get("scope") or "").strip()
            rec.update(status=status, reason=why.format(scope=scope).replace("  ", " ").replace("its  ", "its "))
        elif state:
            rec.update(status="not modelled", reason="state indicator no projection holds yet (or no target year)")
        else:
            rec.update(status="no measure", reason="activity with a possible effect that no package implements")
        out.append(rec)
    return pd.DataFrame(out)


def _implemented_map(implemented) -> dict:
    if implemented is None:
        return {}
    if isinstance(implemented, dict):
        items = implemented.items()
    else:
        items = [(ref, m.id) for p in implemented for m in p.measures for ref in getattr(m, "implements", ())]
    out = {}
    for ref, mid in items:
        for rr in rows_of(ref):
            out.setdefault(rr, mid)
    return out


@functools.lru_cache(maxsize=4096)
def rows_of(ref: str) -> tuple[str, ...]:
    """Row identifiers (:func:`row_ref`) a reference names, cached (:func:`find_rows` for the rows).

    Examples
    --------
    >>> rows_of("004:19/nox_reduction_t")
    ('004:19/nox_reduction_t',)
    """
    return tuple(row_ref(r) for r in find_rows(ref).to_dict("records"))


def coverage_line(table: pd.DataFrame) -> str:
    """``'checked N of M state targets (C not checkable, D not modelled); K activity targets implemented
    as measures; L out of scope; R activity targets without a measure'``.

    Examples
    --------
    >>> coverage_line(coverage())[:40]
    'checked 0 of 47 state targets (13 not ch'
    """
    state = table["kind"] == "state"
    n = int((state & (table["status"] == "checked")).sum())
    nc = int((state & (table["status"] == "not checkable")).sum())
    nm = int((state & (table["status"] == "not modelled")).sum())
    k = int((~state & (table["status"] == "implemented")).sum())
    oos = int((table["status"] == "out of scope").sum())
    rest = int((~state & (table["status"] == "no measure")).sum())
    return (f"checked {n} of {int(state.sum())} state targets ({nc} not checkable, {nm} not modelled); "
            f"{k} activity targets implemented as measures; {oos} out of scope; {rest} activity targets without "
            f"a measure")
