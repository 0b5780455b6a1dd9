"""Air quality index after HJ 633-2012 (环境空气质量指数（AQI）技术规定（试行）).

Formula and rules (HJ 633-2012):

- Table 1 gives, for each pollutant item, concentration breakpoints BP at IAQI 0, 50, 100, 150,
  200, 300, 400, 500. Between the two breakpoints that bracket the concentration C_P, equation (1)
  interpolates linearly:

  .. math:: IAQI_P = \\frac{IAQI_{Hi} - IAQI_{Lo}}{BP_{Hi} - BP_{Lo}} (C_P - BP_{Lo}) + IAQI_{Lo}

- AQI is the maximum IAQI over the rated items. When AQI > 50 the item(s) with the largest IAQI
  are the primary pollutant(s) (首要污染物), ties all listed; items with IAQI > 100 exceed the
  standard (超标污染物).
- Table 1 notes: (1) the 1-h SO2, NO2 and CO columns serve real-time reports only, daily reports
  use the 24-h means; (2) a 1-h SO2 mean above 800 µg/m³ is not rated by its 1-h value — SO2 is
  rated by its 24-h mean; (3) an 8-h O3 mean above 800 µg/m³ is not rated by its 8-h value — O3
  is rated by its 1-h mean.
- IAQI and AQI are reported as integers rounded *up* (进位取整数, a ceiling). This is how the
  national monitoring network reports HJ 633-2012 indices and is written out as clause 4.2.6 of
  the revised edition (HJ 633—2026: "计算结果应全部向上进位取整数，不保留小数"). See
  ``ecomodel/data/standards/SOURCES.md`` for what was checked and how.
- Above the top breakpoint (IAQI 500) Table 1 defines no index. By default the IAQI is reported
  as 500 (the index "goes off the scale", 爆表) and the entry is counted in ``above_scale``;
  ``above_scale='raise'`` refuses such values instead.

Categories (HJ 633-2012 Table 2, colours Annex A): 0–50 优, 51–100 良, 101–150 轻度污染,
151–200 中度污染, 201–300 重度污染, > 300 严重污染.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import StandardsError, close_matches
from ._common import Prepared, as_mapping, broadcast, check_nan_policy, norm_key, prepare, where, wrap
from ._tables import Breakpoints, aqi_categories, breakpoint_tables, table_notes

__all__ = ["iaqi", "aqi", "AQIResult", "category", "aqi_level", "aqi_color", "good_day_ratio", "resolve_item",
           "split_name", "breakpoints", "POLLUTANT_ITEMS"]

_BASE_ALIASES = {
    "SO2": "SO2", "二氧化硫": "SO2", "SULFURDIOXIDE": "SO2", "SULPHURDIOXIDE": "SO2",
    "NO2": "NO2", "二氧化氮": "NO2", "NITROGENDIOXIDE": "NO2",
    "CO": "CO", "一氧化碳": "CO", "CARBONMONOXIDE": "CO",
    "O3": "O3", "臭氧": "O3", "OZONE": "O3",
    "PM10": "PM10", "可吸入颗粒物": "PM10",
    "PM25": "PM2.5", "细颗粒物": "PM2.5",
}
_SUFFIXES = {"24H": "24h", "24HR": "24h", "24小时": "24h", "DAILY": "24h", "8H": "8h", "8HR": "8h", "8小时": "8h",
             "MDA8": "8h", "1H": "1h", "1HR": "1h", "1小时": "1h", "HOURLY": "1h"}
_SUFFIX_RE = re.compile(r"^(.+?)(" + "|".join(sorted(map(re.escape, _SUFFIXES), key=len, reverse=True)) + r")$")

#: names under which aqi() reports the items (24-h items carry the bare pollutant name)
POLLUTANT_ITEMS = ("SO2", "NO2", "PM10", "PM2.5", "CO", "O3_8h", "O3_1h", "SO2_1h", "NO2_1h", "CO_1h")

_AQI_UNITS = "1"
_HJ633 = "HJ 633-2012 Table 1 and eq. (1); integer rounded up"


def _display(item: str) -> str:
    pollutant, averaging = item.rsplit("_", 1)
    return pollutant if averaging == "24h" else item


def breakpoints(pollutant: str, averaging: str | None = None) -> Breakpoints:
    """The HJ 633-2012 Table 1 column of a pollutant item.

    Parameters
    ----------
    pollutant : str
        Pollutant name or alias (``'PM2.5'``, ``'pm25'``, ``'O3_8h'``, ``'臭氧'`` …).
    averaging : {'24h', '8h', '1h'}, optional
        Averaging period; may also be given as a suffix of *pollutant*.

    Examples
    --------
    >>> bp = breakpoints("PM2.5")
    >>> bp.item, bp.unit, bp.concentration.tolist()
    ('PM2.5_24h', 'ug/m3', [0.0, 35.0, 75.0, 115.0, 150.0, 250.0, 350.0, 500.0])
    """
    return breakpoint_tables()[resolve_item(pollutant, averaging)]


def split_name(pollutant, averaging: str | None = None, *, periods=_SUFFIXES, choices=POLLUTANT_ITEMS):
    """Split a pollutant name into (base pollutant, averaging period or None).

    *periods* maps folded period names to canonical ones; *choices* lists names for the error message.
    """
    key = norm_key(pollutant)
    suffix = None
    base = _BASE_ALIASES.get(key)
    if base is None:
        match = _SUFFIX_RE.match(key)
        if match and match.group(1) in _BASE_ALIASES:
            base, suffix = _BASE_ALIASES[match.group(1)], _SUFFIXES[match.group(2)]
    if base is None:
        raise StandardsError(f"pollutant: unknown name {str(pollutant)!r}" + close_matches(str(pollutant), choices),
                             field="pollutant", value=pollutant, expected=f"one of {list(choices)}")
    if averaging is not None:
        avg = periods.get(norm_key(averaging))
        if avg is None:
            expected = ", ".join(repr(p) for p in sorted(set(periods.values())))
            raise StandardsError(f"averaging: unknown period {averaging!r}; expected one of {expected}",
                                 field="averaging", value=averaging, expected=expected)
        if suffix is not None and suffix != avg:
            raise StandardsError(f"pollutant {pollutant!r} names the {suffix} period but averaging={averaging!r}",
                                 field="averaging", value=averaging, expected=suffix)
        suffix = avg
    return base, suffix


def resolve_item(pollutant, averaging: str | None = None) -> str:
    """Canonical item key (``'PM2.5_24h'``, ``'O3_8h'``) for a pollutant name and averaging period.

    Names are matched case-insensitively with ``.``, ``_``, ``-`` and spaces ignored, so
    ``'PM2.5'``, ``'pm25'`` and ``'PM2_5'`` are the same; Chinese names (``'细颗粒物'``) work too. An
    averaging suffix in the name (``'O3_8h'``, ``'SO2_1h'``) sets the period; *averaging* defaults to
    ``'24h'`` (O3 has no 24-h column and needs ``'8h'`` or ``'1h'``).

    Examples
    --------
    >>> resolve_item("pm2_5"), resolve_item("O3-8H"), resolve_item("SO2", "1h")
    ('PM2.5_24h', 'O3_8h', 'SO2_1h')
    """
    base, suffix = split_name(pollutant, averaging)
    tables = breakpoint_tables()
    if suffix is None:
        if base == "O3":
            raise StandardsError(f"pollutant {pollutant!r}: O3 has no 24-h IAQI column in HJ 633-2012 Table 1; "
                                 "say 'O3_8h' (daily maximum 8-h mean) or 'O3_1h'", field="pollutant",
                                 value=pollutant, expected="'O3_8h' or 'O3_1h'")
        suffix = "24h"
    item = f"{base}_{suffix}"
    if item not in tables:
        have = sorted(t.averaging for t in tables.values() if t.pollutant == base)
        raise StandardsError(f"pollutant {pollutant!r}: HJ 633-2012 Table 1 has no {suffix} column for {base} "
                             f"(available: {have}); PM10/PM2.5 real-time values are rated with the 24-h column",
                             field="averaging", value=suffix, expected=f"one of {have}")
    return item


def _note(item: str, rule: str):
    for row in table_notes():
        if row["item"] == item and row["rule"] == rule:
            return row
    return None


def _raw_iaqi(table: Breakpoints, conc: np.ndarray) -> np.ndarray:
    """Equation (1) of HJ 633-2012, unrounded; *conc* in the table unit, within the table."""
    bp, ix = table.concentration, table.iaqi
    seg = np.clip(np.searchsorted(bp, conc, side="right") - 1, 0, bp.size - 2)
    seg = np.where(np.isnan(conc), 0, seg)
    lo, hi = bp[seg], bp[seg + 1]
    return ix[seg] + (ix[seg + 1] - ix[seg]) * (conc - lo) / (hi - lo)


def _round_up(raw: np.ndarray) -> np.ndarray:
    """Ceiling of the IAQI; results within 1e-9 of an integer are taken as that integer, so
    floating-point noise at a breakpoint (100.00000000000001) does not add a whole unit."""
    return np.ceil(np.round(raw, 9))


def _rate(item: str, prep: Prepared, nan_policy: str, above_scale: str, *, not_rated_ok: bool):
    """IAQI (ceil, float with NaN) of one item; returns (iaqi, not_rated_mask, above_scale_mask)."""
    table = breakpoint_tables()[item]
    conc = prep.values
    note = _note(item, "not_rated_above")
    not_rated = np.zeros(conc.shape, bool)
    if note is not None:
        not_rated = conc > float(note["threshold"])
        if not_rated.any() and not not_rated_ok:
            v = conc[tuple(np.argwhere(not_rated)[0])]
            raise StandardsError(
                f"{_display(item)}: {v}{where(not_rated)} is above {note['threshold']} {table.unit}, where "
                f"{note['citation']} gives no {item.split('_')[1]} IAQI; the pollutant is rated by "
                f"{note['rated_instead_by']} instead (give both to aqi(), or pass nan_policy='propagate')",
                field=_display(item), value=v, expected=f"<= {note['threshold']} {table.unit}")
    above = (conc > table.top) & ~not_rated
    if above.any() and above_scale == "raise":
        v = conc[tuple(np.argwhere(above)[0])]
        raise StandardsError(f"{_display(item)}: {v}{where(above)} is above the top breakpoint "
                             f"{table.top:g} {table.unit} (IAQI 500) of HJ 633-2012 Table 1, which defines no "
                             "higher index; pass above_scale='cap' to report 500", field=_display(item), value=v,
                             expected=f"<= {table.top:g} {table.unit}")
    clipped = np.minimum(conc, table.top)
    out = _round_up(_raw_iaqi(table, clipped))
    out = np.where(not_rated, np.nan, out)
    return out, not_rated, above


def _check_above_scale(above_scale: str) -> str:
    if above_scale not in ("cap", "raise"):
        raise StandardsError(f"above_scale: unknown value {above_scale!r}; expected 'cap' or 'raise'",
                             field="above_scale", value=above_scale, expected="'cap' or 'raise'")
    return above_scale


def iaqi(pollutant, concentration, averaging: str | None = None, *, nan_policy: str = "raise",
         above_scale: str = "cap", units: str | None = None):
    """Individual air quality index (IAQI, 空气质量分指数) of one pollutant, HJ 633-2012.

    Parameters
    ----------
    pollutant : str
        ``'SO2'``, ``'NO2'``, ``'PM10'``, ``'PM2.5'``, ``'CO'``, ``'O3'`` or an alias
        (``'pm25'``, ``'PM2_5'``, ``'细颗粒物'``); a suffix sets the averaging period
        (``'O3_8h'``, ``'SO2_1h'``).
    concentration : float, array-like, pandas.Series or xarray.DataArray
        Concentration [µg/m³; mg/m³ for CO], averaged over *averaging*. A DataArray's
        ``units`` attribute is honoured (converted to the table unit).
    averaging : {'24h', '8h', '1h'}, optional
        Averaging period (default ``'24h'``; O3 needs ``'8h'`` — the daily maximum 8-h mean —
        or ``'1h'``).
    nan_policy : {'raise', 'propagate'}
        NaN concentrations raise :class:`~ecomodel.errors.StandardsError` naming the count and first
        position, or (``'propagate'``) give NaN for those entries. With ``'propagate'`` a 1-h SO2
        or 8-h O3 value above 800 µg/m³ (not rated, Table 1 notes 2 and 3) also gives NaN instead of
        an error.
    above_scale : {'cap', 'raise'}
        Concentrations above the IAQI-500 breakpoint are reported as 500 (``'cap'``) or refused.
    units : str, optional
        Unit of *concentration* if not the table unit (``'mg/m3'`` for PM2.5 …).

    Returns
    -------
    int, numpy.ndarray, pandas.Series or xarray.DataArray
        IAQI [1], rounded up to an integer: a Python ``int`` for a scalar, int64 arrays, or float64
        (integer-valued) when NaN entries are present. A DataArray keeps its coordinates and gets
        ``units``/``long_name``/``references`` attributes.

    References
    ----------
    HJ 633-2012, Table 1 (breakpoints and notes) and equation (1); rounding up as in HJ 633—2026
    clause 4.2.6. See ``ecomodel/data/standards/SOURCES.md``.

    Examples
    --------
    >>> iaqi("PM2.5", 80.0)        # (150-100)/(115-75)*(80-75)+100 = 106.25, rounded up
    107
    >>> iaqi("O3_8h", [100.0, 160.0, 170.0]).tolist()
    [50, 100, 110]
    >>> iaqi("CO", 3.0)             # mg/m3, 24-h mean
    75
    >>> iaqi("PM2.5", float("nan"), nan_policy="propagate")
    nan
    """
    check_nan_policy(nan_policy)
    _check_above_scale(above_scale)
    item = resolve_item(pollutant, averaging)
    table = breakpoint_tables()[item]
    prep = prepare(concentration, _display(item), unit=table.unit, units=units, nan_policy=nan_policy)
    out, not_rated, above = _rate(item, prep, nan_policy, above_scale, not_rated_ok=nan_policy == "propagate")
    attrs = {"units": _AQI_UNITS,
             "long_name": f"individual air quality index (IAQI) of {table.pollutant} ({table.averaging} mean)",
             "references": _HJ633}
    notes = []
    if above.any():
        notes.append(f"{int(above.sum())} value(s) above the IAQI-500 breakpoint reported as 500")
    if not_rated.any():
        notes.append(f"{int(not_rated.sum())} value(s) not rated (HJ 633-2012 Table 1 note), NaN")
    if notes:
        attrs["comment"] = "; ".join(notes)
    return wrap(out, prep, attrs, integer=True)


# ----------------------------------------------------------------------------------- categories
def _levels(aqi_values: np.ndarray) -> np.ndarray:
    highs = [float(r["aqi_high"]) for r in aqi_categories() if r["aqi_high"]]
    lev = np.searchsorted(np.array(highs), aqi_values, side="left") + 1
    return np.where(np.isnan(aqi_values), 0, lev)


def _prep_aqi(values, field: str, nan_policy: str) -> Prepared:
    check_nan_policy(nan_policy)
    return prepare(values, field, unit="1", units=None, nan_policy=nan_policy, what="AQI")


def aqi_level(aqi_value, *, nan_policy: str = "raise"):
    """AQI level 1–6 (空气质量指数级别) of HJ 633-2012 Table 2.

    Parameters
    ----------
    aqi_value : float, array-like, pandas.Series or xarray.DataArray
        AQI [1] (integers as reported; a fractional value above a class top falls in the next class).
    nan_policy : {'raise', 'propagate'}
        NaN refused, or NaN returned for those entries.

    Returns
    -------
    int or array
        Level 1 (0–50) … 6 (> 300).

    Examples
    --------
    >>> aqi_level([0, 50, 51, 100, 101, 150, 151, 200, 201, 300, 301, 500]).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    """
    prep = _prep_aqi(aqi_value, "aqi", nan_policy)
    lev = _levels(prep.values).astype(float)
    lev[prep.nan] = np.nan
    return wrap(lev, prep, {"units": "1", "long_name": "AQI level (HJ 633-2012 Table 2)"}, integer=True)


def _lookup(aqi_value, column: str, nan_policy: str, long_name: str):
    prep = _prep_aqi(aqi_value, "aqi", nan_policy)
    names = np.array([""] + [r[column] for r in aqi_categories()], dtype=object)
    levels = _levels(prep.values)
    if prep.kind == "scalar":
        return names[int(levels)] or None
    out = names[levels].astype(str)
    if prep.kind == "dataarray":
        res = prep.original.copy(data=out)
        res.attrs = {"long_name": long_name}
        return res
    if prep.kind == "series":
        import pandas as pd

        return pd.Series(out, index=prep.original.index, name=prep.original.name)
    return out


def category(aqi_value, lang: str = "zh", *, nan_policy: str = "raise"):
    """AQI category (空气质量指数类别) of HJ 633-2012 Table 2.

    Parameters
    ----------
    aqi_value : float, array-like, pandas.Series or xarray.DataArray
        AQI [1].
    lang : {'zh', 'en'}
        Chinese names of the standard (优, 良, 轻度污染, 中度污染, 重度污染, 严重污染) or English
        (Excellent, Good, Lightly/Moderately/Heavily/Severely polluted — our translation).
    nan_policy : {'raise', 'propagate'}
        NaN refused, or returned as ``None`` (scalar) / ``''`` (arrays).

    Examples
    --------
    >>> category(42), category(142), category(142, "en")
    ('优', '轻度污染', 'Lightly polluted')
    >>> category([50, 51, 301]).tolist()
    ['优', '良', '严重污染']
    """
    if lang not in ("zh", "en"):
        raise StandardsError(f"lang: unknown value {lang!r}; expected 'zh' or 'en'", field="lang", value=lang,
                             expected="'zh' or 'en'")
    column = "category" if lang == "zh" else "category_en"
    return _lookup(aqi_value, column, nan_policy, "AQI category (HJ 633-2012 Table 2)")


def aqi_color(aqi_value, *, nan_policy: str = "raise"):
    """Colour of the AQI category as an RGB hex string (HJ 633-2012 Annex A).

    Examples
    --------
    >>> aqi_color(42), aqi_color(350)
    ('#00E400', '#7E0023')
    """
    return _lookup(aqi_value, "color_hex", nan_policy, "AQI category colour (HJ 633-2012 Annex A)")


# ----------------------------------------------------------------------------------------- AQI
@dataclass
class AQIResult:
    """Result of :func:`aqi`.

    For scalar input the fields are Python values (``aqi`` an ``int``, ``primary`` a list);
    for array input they are arrays (or DataArrays / Series, like the input) of the broadcast
    shape, with ``primary`` and ``exceeding`` as comma-joined strings per element.

    Attributes
    ----------
    aqi : int or array
        Air quality index [1] (max of the IAQIs), NaN only with ``nan_policy`` other than ``'raise'``.
    iaqi : dict
        IAQI per item, keyed by its report name (``'PM2.5'``, ``'O3_8h'`` …); NaN where the item is
        not rated (Table 1 notes 2 and 3) or missing.
    primary : list of str or array
        Primary pollutant(s) (首要污染物): the item(s) with the largest IAQI when AQI > 50.
    exceeding : list of str or array
        Items with IAQI > 100 (超标污染物).
    category, category_en, level, color :
        Category (优 … 严重污染), English name, level 1–6 and RGB hex colour of the AQI.
    not_rated : dict
        Item → number of entries not rated because of Table 1 notes 2/3 (rated by the other
        averaging period instead).
    above_scale : dict
        Item → number of entries above the IAQI-500 breakpoint (reported as 500).
    """

    aqi: object
    iaqi: dict
    primary: object
    exceeding: object
    category: object
    category_en: object
    level: object
    color: object
    not_rated: dict = field(default_factory=dict)
    above_scale: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain-Python dictionary (for JSON output of a scalar result)."""
        def plain(v):
            if isinstance(v, float) and np.isnan(v):
                return None
            if hasattr(v, "tolist"):
                return v.tolist()
            return v

        return {"aqi": plain(self.aqi), "iaqi": {k: plain(v) for k, v in self.iaqi.items()},
                "primary": plain(self.primary), "exceeding": plain(self.exceeding), "category": self.category,
                "category_en": self.category_en, "level": plain(self.level), "color": self.color,
                "not_rated": dict(self.not_rated), "above_scale": dict(self.above_scale)}

    def __str__(self) -> str:
        if not isinstance(self.primary, list):
            return repr(self)
        lines = ["item      IAQI"]
        for k, v in self.iaqi.items():
            shown = "not rated" if k in self.not_rated else ("missing" if v != v else str(v))
            lines.append(f"{k:<9} {shown}")
        aqi_txt = "missing" if self.aqi != self.aqi else str(self.aqi)
        lines.append(f"AQI       {aqi_txt}")
        lines.append(f"primary   {', '.join(self.primary) if self.primary else '-'}")
        lines.append(f"category  {self.category or '-'} ({self.category_en or '-'}), level {self.level}")
        return "\n".join(lines)


def aqi(concentrations, *, nan_policy: str = "raise", above_scale: str = "cap", units: dict | None = None) -> AQIResult:
    """Air quality index (AQI, 空气质量指数) with primary pollutant and category, HJ 633-2012.

    Parameters
    ----------
    concentrations : mapping, xarray.Dataset or pandas.DataFrame
        Item name → concentration [µg/m³; mg/m³ for CO]: ``'PM2.5'``, ``'PM10'``, ``'SO2'``,
        ``'NO2'``, ``'CO'`` (24-h means), ``'O3_8h'`` (daily maximum 8-h mean), ``'O3_1h'``, and
        for real-time reports ``'SO2_1h'``, ``'NO2_1h'``, ``'CO_1h'``. Aliases as in :func:`iaqi`.
        Values may be scalars, arrays, Series or DataArrays (all broadcast together; DataArrays
        must share coordinates exactly). A daily report rates the 24-h means and the O3 daily
        maxima; Table 1 note (1) keeps 1-h SO2/NO2/CO for real-time reports.
    nan_policy : {'raise', 'propagate', 'omit'}
        NaN input raises (default); ``'propagate'`` gives AQI NaN where any item is NaN;
        ``'omit'`` rates the AQI from the items present (NaN only where all are missing).
    above_scale : {'cap', 'raise'}
        See :func:`iaqi`.
    units : dict, optional
        Item → unit, for items not in the table unit.

    Returns
    -------
    AQIResult
        ``.aqi``, ``.iaqi`` (dict), ``.primary``, ``.exceeding``, ``.category``, ``.category_en``,
        ``.level``, ``.color``, ``.not_rated``, ``.above_scale``.

    Notes
    -----
    A 1-h SO2 above 800 µg/m³ is not rated (Table 1 note 2): its IAQI is NaN, counted in
    ``not_rated``, and ``'SO2'`` (the 24-h mean) must be among the items. An 8-h O3 above
    800 µg/m³ likewise needs ``'O3_1h'`` (note 3). Primary-pollutant ties are all listed.

    References
    ----------
    HJ 633-2012 Table 1 and notes, equation (1), section 4 (AQI, primary and exceeding pollutants),
    Table 2 (levels and categories), Annex A (colours).

    Examples
    --------
    >>> r = aqi({"PM2.5": 80, "O3_8h": 170, "NO2": 35})
    >>> r.aqi, r.iaqi, r.primary, r.category, r.level
    (110, {'PM2.5': 107, 'O3_8h': 110, 'NO2': 44}, ['O3_8h'], '轻度污染', 3)
    >>> aqi({"PM2.5": 75, "PM10": 150}).primary          # a tie: both are primary
    ['PM2.5', 'PM10']
    >>> aqi({"PM2.5": 30, "NO2": 20}).primary            # AQI <= 50: no primary pollutant
    []
    """
    check_nan_policy(nan_policy, ("raise", "propagate", "omit"))
    _check_above_scale(above_scale)
    mapping = as_mapping(concentrations, "concentrations")
    if not mapping:
        raise StandardsError("concentrations: empty; expected at least one pollutant item",
                             field="concentrations", expected=f"items from {list(POLLUTANT_ITEMS)}")
    items, prepared = _prepare_items(mapping, dict(units or {}), nan_policy)
    arrays, template = broadcast(prepared, "concentrations")
    rated, not_rated, above, missing_any = _rate_items(items, arrays, template.values.shape, nan_policy, above_scale)

    names = list(items)
    aqi_values, is_max, over = _aqi_and_flags(rated, names, missing_any, nan_policy)
    levels = _levels(aqi_values).astype(float)
    levels[np.isnan(aqi_values)] = np.nan
    lev_idx = _levels(aqi_values)
    if template.kind == "scalar":
        return _scalar_aqi_result(aqi_values, rated, names, is_max, over, levels, lev_idx, not_rated, above)
    zh, en, col = _category_columns()
    return AQIResult(
        aqi=_wrap_aqi(aqi_values, template, "air quality index (AQI)", integer=True),
        iaqi={n: _wrap_aqi(rated[n], template, f"individual air quality index (IAQI) of {n}", integer=True)
              for n in names},
        primary=_wrap_aqi(_joined(is_max, names, aqi_values.shape), template, "primary pollutant(s) (HJ 633-2012)",
                          strings=True),
        exceeding=_wrap_aqi(_joined(over, names, aqi_values.shape), template,
                            "pollutants with IAQI > 100 (HJ 633-2012)", strings=True),
        category=_wrap_aqi(zh[lev_idx], template, "AQI category", strings=True),
        category_en=_wrap_aqi(en[lev_idx], template, "AQI category (English)", strings=True),
        level=_wrap_aqi(levels, template, "AQI level", integer=True),
        color=_wrap_aqi(col[lev_idx], template, "AQI category colour", strings=True),
        not_rated=not_rated, above_scale=above)


def _prepare_items(mapping: dict, units: dict, nan_policy: str) -> tuple[dict[str, str], dict[str, Prepared]]:
    """(report name → item, report name → prepared concentrations) of the given items, each item once."""
    items: dict[str, str] = {}  # display name -> item
    prepared: dict[str, Prepared] = {}
    for key, value in mapping.items():
        item = resolve_item(key)
        name = _display(item)
        if name in items:
            raise StandardsError(f"concentrations: {key!r} and another key both name {name}", field="concentrations",
                                 value=key, expected="each item once")
        items[name] = item
        unit_for = next((u for k, u in units.items() if resolve_item(k) == item), None)
        prepared[name] = prepare(value, name, unit=breakpoint_tables()[item].unit, units=unit_for,
                                 nan_policy="raise" if nan_policy == "raise" else "propagate")
    return items, prepared


def _check_rated_instead(name: str, item: str, conc: np.ndarray, items: dict[str, str]) -> None:
    """Raise when a value is above the not-rated threshold (Table 1 notes 2/3) and the replacing item is absent."""
    note = _note(item, "not_rated_above")
    if note is not None and np.any(conc > float(note["threshold"])):
        replacement = _display(note["rated_instead_by"])
        if replacement not in items:
            mask = conc > float(note["threshold"])
            raise StandardsError(
                f"{name}: {conc[tuple(np.argwhere(mask)[0])]}{where(mask)} is above {note['threshold']} "
                f"{breakpoint_tables()[item].unit}; {note['citation']} rates the pollutant by {replacement} then — "
                f"add {replacement!r} to the concentrations", field=name, expected=f"{replacement} given")


def _rate_items(items: dict[str, str], arrays: dict[str, np.ndarray], shape: tuple[int, ...], nan_policy: str,
                above_scale: str) -> tuple[dict[str, np.ndarray], dict[str, int], dict[str, int], np.ndarray]:
    """(IAQI per item, not-rated counts, above-scale counts, mask where any item is NaN)."""
    rated, not_rated, above = {}, {}, {}
    missing_any = np.zeros(shape, bool)
    for name, item in items.items():
        conc = np.asarray(arrays[name], dtype=float)
        prep = Prepared(conc, "array", None, np.isnan(conc))
        _check_rated_instead(name, item, conc, items)
        values, nr, ab = _rate(item, prep, nan_policy, above_scale, not_rated_ok=True)
        rated[name] = values
        missing_any |= prep.nan
        if nr.any():
            not_rated[name] = int(nr.sum())
        if ab.any():
            above[name] = int(ab.sum())
    return rated, not_rated, above, missing_any


def _aqi_and_flags(rated: dict[str, np.ndarray], names: list[str], missing_any: np.ndarray, nan_policy: str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(AQI = max IAQI, items × shape mask of primary pollutants, mask of IAQI > 100)."""
    stack = np.stack([rated[n] for n in names])
    aqi_values = np.fmax.reduce(stack, axis=0) if len(names) > 1 else stack[0].copy()
    if nan_policy == "propagate":
        aqi_values = np.where(missing_any, np.nan, aqi_values)
    with np.errstate(invalid="ignore"):
        is_max = (stack == aqi_values[None]) & (aqi_values[None] > 50)
        over = stack > 100
    return aqi_values, is_max, over


def _joined(mask: np.ndarray, names: list[str], shape: tuple[int, ...]) -> np.ndarray:
    """Comma-joined item names where *mask* (items × shape) is true, without a Python loop per element."""
    bits = np.zeros(shape, dtype=np.int64)
    for k in range(len(names)):
        bits |= mask[k].astype(np.int64) << k
    patterns, inverse = np.unique(bits, return_inverse=True)
    text = np.array([",".join(n for k, n in enumerate(names) if (int(p) >> k) & 1) for p in patterns], dtype=object)
    return text[inverse.reshape(shape)]


def _category_columns() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chinese category, English category and colour per AQI level index (index 0: no level)."""
    cats = aqi_categories()
    zh = np.array([""] + [r["category"] for r in cats], dtype=object)
    en = np.array([""] + [r["category_en"] for r in cats], dtype=object)
    col = np.array([""] + [r["color_hex"] for r in cats], dtype=object)
    return zh, en, col


def _scalar_aqi_result(aqi_values: np.ndarray, rated: dict[str, np.ndarray], names: list[str], is_max: np.ndarray,
                       over: np.ndarray, levels: np.ndarray, lev_idx: np.ndarray, not_rated: dict[str, int],
                       above: dict[str, int]) -> AQIResult:
    """The :class:`AQIResult` of scalar input, with Python values and lists."""
    def num(v):
        v = float(v)
        return int(v) if v == v else float("nan")

    zh, en, col = _category_columns()
    return AQIResult(
        aqi=num(aqi_values), iaqi={n: num(rated[n]) for n in names},
        primary=[n for k, n in enumerate(names) if is_max[k]],
        exceeding=[n for k, n in enumerate(names) if over[k]],
        category=zh[int(lev_idx)] or None, category_en=en[int(lev_idx)] or None,
        level=int(levels) if levels == levels else None, color=col[int(lev_idx)] or None,
        not_rated=not_rated, above_scale=above)


def _wrap_aqi(values: np.ndarray, template: Prepared, long_name: str, *, integer: bool = False,
              strings: bool = False) -> object:
    """*values* in the input's container (array, Series or DataArray) with CF attributes."""
    if strings:
        values = np.asarray(values, dtype=str)
        if template.kind == "dataarray":
            res = template.original.copy(data=values)
            res.attrs = {"long_name": long_name}
            return res
        if template.kind == "series":
            import pandas as pd

            return pd.Series(values, index=template.original.index)
        return values
    return wrap(values, template, {"units": "1", "long_name": long_name, "references": _HJ633},
                integer=integer)


# --------------------------------------------------------------------------------- good days
def good_day_ratio(daily_aqi, *, percent: bool = False, dim=None):
    """Share of valid days with AQI ≤ 100 (优良天数比例).

    Parameters
    ----------
    daily_aqi : array-like, pandas.Series or xarray.DataArray
        Daily AQI [1]. NaN marks a day without a valid AQI: it is left out of numerator *and*
        denominator (the ratio is over valid monitoring days, as in the plans' 优良天数比率).
    percent : bool
        Return percent [%] instead of a fraction [1] (the plan-target registry uses percent).
    dim : str or int, optional
        Dimension (DataArray) or axis (array) to reduce; default: ``'time'`` for a DataArray that
        has it, otherwise everything.

    Returns
    -------
    float, numpy.ndarray or xarray.DataArray
        Fraction in [0, 1] (or percent in [0, 100]); a DataArray carries ``units`` ``'1'`` or
        ``'%'`` and the count of valid days in ``attrs['valid_days']`` when reduced to a scalar.

    Raises
    ------
    StandardsError
        For negative AQI values, or when a reduction has no valid day at all.

    Examples
    --------
    >>> good_day_ratio([42, 87, 100, 101, 160, float("nan")])     # 3 good of 5 valid days
    0.6
    >>> good_day_ratio([42, 87, 100, 101, 160], percent=True)
    60.0
    """
    prep = prepare(daily_aqi, "daily_aqi", unit="1", nan_policy="propagate", what="AQI")
    values = prep.values
    valid = ~prep.nan
    good = valid & (values <= 100)
    unit = "%" if percent else "1"
    scale = 100.0 if percent else 1.0
    if prep.kind == "dataarray":
        da = prep.original
        dims = dim if dim is not None else ("time" if "time" in da.dims else list(da.dims))
        v = da.copy(data=valid.astype(float)).sum(dims)
        g = da.copy(data=good.astype(float)).sum(dims)
        if bool((v == 0).any()):
            raise StandardsError("daily_aqi: no valid (non-NaN) day to rate in at least one series",
                                 field="daily_aqi", expected="at least one valid day")
        out = g / v * scale
        out.attrs = {"units": unit, "long_name": "share of valid days with AQI <= 100 (good days)",
                     "cell_methods": f"{dims if isinstance(dims, str) else ' '.join(map(str, dims))}: sum",
                     "references": "HJ 633-2012 Table 2 (levels 1-2: AQI 0-100)"}
        if out.ndim == 0:
            out.attrs["valid_days"] = int(v)
        return out
    if prep.kind == "scalar":
        valid, good = valid.reshape(1), good.reshape(1)
    axis = dim if dim is not None else None
    n_valid = valid.sum(axis=axis)
    if np.any(n_valid == 0):
        raise StandardsError("daily_aqi: no valid (non-NaN) day to rate", field="daily_aqi",
                             expected="at least one valid day")
    ratio = good.sum(axis=axis) / n_valid * scale
    return float(ratio) if np.ndim(ratio) == 0 else ratio
