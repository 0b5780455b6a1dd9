"""GB 3095-2012 limits and the HJ 663-2013 annual assessment of ambient air quality.

- GB 3095-2012 Table 1 gives class 1 and class 2 limits of the basic pollutants (annual, 24-h,
  1-h means, O3 daily maximum 8-h mean). Class 2 applies to residential, commercial, industrial and
  rural areas — i.e. to the cities of the plans.
- HJ 663-2013 (环境空气质量评价技术规范（试行）) rates a calendar year by: the annual mean and the
  98th percentile of daily means for SO2 and NO2; the annual mean and the 95th percentile of daily
  means for PM10 and PM2.5; the 95th percentile of daily means for CO; the 90th percentile of the
  daily maximum 8-h means for O3. A pollutant attains when each of its statistics is at or below
  the GB 3095 limit of the matching averaging period; the year attains when all pollutants do.
- Its percentile: sort the n valid values ascending X(1) ≤ … ≤ X(n); k = 1 + (n − 1)·p/100;
  s = integer part of k; m_p = X(s) + (X(s+1) − X(s))·(k − s).
- Data completeness (GB 3095-2012 Table 4, applied by HJ 663-2013 to the annual statistics): at
  least 324 daily values in the year and at least 27 in each month (25 in February).

Statistics are compared unrounded. Official bulletins round concentrations (GB/T 8170) before
comparing, which can change the verdict within half a unit of a limit — round first if you need
to reproduce a bulletin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import StandardsError
from ._air import split_name
from ._common import as_mapping, is_dataarray, is_series, prepare
from ._tables import gb3095_rows, hj663_items

__all__ = ["gb3095_limit", "gb3095_limits", "hj663_percentile", "annual_assessment", "AnnualAssessment",
           "MIN_DAYS_PER_YEAR", "MIN_DAYS_PER_MONTH", "MIN_DAYS_FEBRUARY"]

#: GB 3095-2012 Table 4: minimum number of valid daily values for an annual statistic
MIN_DAYS_PER_YEAR = 324
#: … and per month (February: :data:`MIN_DAYS_FEBRUARY`)
MIN_DAYS_PER_MONTH = 27
MIN_DAYS_FEBRUARY = 25

_PERIODS = {"ANNUAL": "annual", "YEAR": "annual", "YEARLY": "annual", "年平均": "annual", "24H": "24h",
            "DAILY": "24h", "24HR": "24h", "8H": "8h", "MDA8": "8h", "8HR": "8h", "1H": "1h", "1HR": "1h",
            "HOURLY": "1h"}
_NAMES = ("SO2", "NO2", "CO", "O3", "PM10", "PM2.5")


def gb3095_limit(pollutant: str, averaging: str | None = None, cls: int = 2) -> float:
    """GB 3095-2012 Table 1 concentration limit.

    Parameters
    ----------
    pollutant : str
        ``'SO2'``, ``'NO2'``, ``'CO'``, ``'O3'``, ``'PM10'``, ``'PM2.5'`` (aliases accepted; a suffix
        such as ``'O3_8h'`` sets the averaging period).
    averaging : {'annual', '24h', '8h', '1h'}, optional
        Averaging period (default ``'24h'``; O3: ``'8h'`` = daily maximum 8-h mean, or ``'1h'``).
    cls : {1, 2}
        Class of the limit (2 for the cities of the plans).

    Returns
    -------
    float
        Limit [µg/m³; mg/m³ for CO].

    Examples
    --------
    >>> gb3095_limit("PM2.5", "annual"), gb3095_limit("PM2.5"), gb3095_limit("O3_8h"), gb3095_limit("CO")
    (35.0, 75.0, 160.0, 4.0)
    """
    base, period = split_name(pollutant, averaging, periods=_PERIODS, choices=_NAMES)
    if period is None:
        period = "8h" if base == "O3" else "24h"
    if cls not in (1, 2):
        raise StandardsError(f"cls: {cls!r}; GB 3095-2012 has classes 1 and 2", field="cls", value=cls,
                             expected="1 or 2")
    for row in gb3095_rows():
        if row["pollutant"] == base and row["averaging"] == period and int(row["class"]) == cls:
            return float(row["limit"])
    have = sorted({r["averaging"] for r in gb3095_rows() if r["pollutant"] == base})
    raise StandardsError(f"GB 3095-2012 Table 1 has no {period} limit for {base} (it has {have})",
                         field="averaging", value=period, expected=f"one of {have}")


def gb3095_limits(cls: int | None = 2):
    """GB 3095-2012 Table 1 as a :class:`pandas.DataFrame` (pollutant, averaging, class, limit, unit,
    citation); ``cls=None`` gives both classes.

    Examples
    --------
    >>> t = gb3095_limits()
    >>> t.loc[(t.pollutant == "SO2") & (t.averaging == "annual"), "limit"].item()
    60.0
    """
    import pandas as pd

    table = pd.DataFrame(list(gb3095_rows()))
    table["class"] = table["class"].astype(int)
    table["limit"] = table["limit"].astype(float)
    if cls is not None:
        table = table[table["class"] == cls].reset_index(drop=True)
    return table


def hj663_percentile(values, p: float, *, nan_policy: str = "raise") -> float:
    """The p-th percentile as defined by HJ 663-2013.

    Sort the n values ascending, X(1) ≤ … ≤ X(n); the rank is k = 1 + (n − 1)·p/100, s its
    integer part, and

    .. math:: m_p = X_{(s)} + \\left(X_{(s+1)} - X_{(s)}\\right) (k - s)

    (for k = n, m_p = X(n)). This is linear interpolation between closest ranks.

    Parameters
    ----------
    values : array-like
        Daily values [any unit], 1-d.
    p : float
        Percentile in [0, 100].
    nan_policy : {'raise', 'omit'}
        NaN refused, or left out (as missing days).

    Returns
    -------
    float
        The percentile [unit of *values*].

    Examples
    --------
    Ten days, 90th percentile: k = 1 + 9·0.9 = 9.1, s = 9, m = X(9) + 0.1·(X(10) − X(9)):

    >>> hj663_percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90)
    91.0
    """
    if nan_policy not in ("raise", "omit"):
        raise StandardsError(f"nan_policy: unknown value {nan_policy!r}; expected 'raise' or 'omit'",
                             field="nan_policy", value=nan_policy, expected="'raise' or 'omit'")
    if not (0.0 <= float(p) <= 100.0):
        raise StandardsError(f"p: {p}; expected a percentile between 0 and 100", field="p", value=p,
                             expected="0 <= p <= 100")
    prep = prepare(values, "values", unit="1", nan_policy="raise" if nan_policy == "raise" else "propagate",
                   what="daily")
    x = np.sort(prep.values[~prep.nan].ravel())
    n = x.size
    if n == 0:
        raise StandardsError("values: no valid value to take a percentile of", field="values",
                             expected="at least one value")
    k = 1.0 + (n - 1) * float(p) / 100.0
    s = int(math.floor(k))
    if s >= n:
        return float(x[n - 1])
    return float(x[s - 1] + (x[s] - x[s - 1]) * (k - s))


@dataclass
class AnnualAssessment:
    """Result of :func:`annual_assessment`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per statistic: ``item``, ``pollutant``, ``statistic`` (``'annual mean'`` or
        ``'P95 of 24h mean'`` …), ``percentile``, ``value``, ``unit``, ``limit`` (GB 3095 class
        limit), ``limit_averaging``, ``attained``, ``valid_days``, ``complete``, ``completeness``
        (what was checked), ``citation``.
    attained : bool
        All statistics at or below their limits.
    complete : bool
        All series meet the data-completeness rule.
    exceeding : list of str
        Items with at least one statistic above its limit.
    year : int or None
        Calendar year assessed, when dates were given.
    """

    table: object
    attained: bool
    complete: bool
    exceeding: list = field(default_factory=list)
    year: int | None = None

    def __str__(self) -> str:
        head = f"HJ 663-2013 annual assessment{'' if self.year is None else f' {self.year}'}: "
        head += "attained" if self.attained else f"not attained ({', '.join(self.exceeding)})"
        if not self.complete:
            head += " — data incomplete (GB 3095-2012 Table 4)"
        return head + "\n" + self.table.to_string(index=False)


def _dates_of(values, dates):
    if dates is not None:
        return np.asarray(dates, dtype="datetime64[D]")
    if is_series(values):
        idx = values.index
        if getattr(idx, "dtype", None) is not None and np.issubdtype(idx.dtype, np.datetime64):
            return np.asarray(idx.values, dtype="datetime64[D]")
    if is_dataarray(values) and values.ndim == 1:
        dim = values.dims[0]
        if dim in values.coords and np.issubdtype(values[dim].dtype, np.datetime64):
            return np.asarray(values[dim].values, dtype="datetime64[D]")
    return None


def annual_assessment(daily, *, cls: int = 2, dates=None, year: int | None = None,
                      completeness: str = "flag") -> AnnualAssessment:
    """Annual assessment of ambient air quality after HJ 663-2013 against GB 3095-2012.

    Parameters
    ----------
    daily : mapping, pandas.DataFrame or xarray.Dataset
        Item → daily series: ``'SO2'``, ``'NO2'``, ``'PM10'``, ``'PM2.5'``, ``'CO'`` (24-h means)
        and ``'O3_8h'`` (daily maximum 8-h means) [µg/m³; mg/m³ for CO; a DataArray's ``units``
        are honoured]. NaN marks a day without a valid value (left out, counted as missing).
        Any subset of the six may be given.
    cls : {1, 2}
        GB 3095 class whose limits are used (2 for the cities of the plans).
    dates : array-like of dates, optional
        Day of each value, when *daily* carries no DatetimeIndex / ``time`` coordinate. With dates
        the monthly completeness rule is checked too.
    year : int, optional
        Calendar year to assess when the dates span several years.
    completeness : {'flag', 'raise'}
        Report incomplete series in the table (``'flag'``) or refuse them.

    Returns
    -------
    AnnualAssessment
        ``.table`` (pandas.DataFrame), ``.attained``, ``.complete``, ``.exceeding``, ``.year``.

    References
    ----------
    HJ 663-2013 (annual assessment items, percentile formula); GB 3095-2012 Table 1 (limits) and
    Table 4 (data completeness: ≥ 324 daily values a year, ≥ 27 a month, ≥ 25 in February).

    Examples
    --------
    >>> import numpy as np
    >>> pm25 = np.r_[np.full(330, 30.0), np.full(35, 90.0)]   # 35 polluted days out of 365
    >>> res = annual_assessment({"PM2.5": pm25})
    >>> res.table[["statistic", "value", "limit", "attained"]].round(2).to_string(index=False)
    '      statistic  value  limit  attained\\n    annual mean  35.75   35.0     False\\nP95 of 24h mean  90.00   75.0     False'
    >>> res.attained, res.complete
    (False, True)
    """
    import pandas as pd

    if completeness not in ("flag", "raise"):
        raise StandardsError(f"completeness: unknown value {completeness!r}; expected 'flag' or 'raise'",
                             field="completeness", value=completeness, expected="'flag' or 'raise'")
    mapping = as_mapping(daily, "daily")
    if not mapping:
        raise StandardsError("daily: empty; expected daily series of SO2, NO2, PM10, PM2.5, CO or O3_8h",
                             field="daily")
    items = hj663_items()
    rows, selected_year = [], year
    seen = set()
    for key, values in mapping.items():
        item = _daily_item(key)
        if item in seen:
            raise StandardsError(f"daily: {item} given twice", field="daily", value=key, expected="each item once")
        seen.add(item)
        specs = [r for r in items if r["key"] == item]
        unit = specs[0]["unit"]
        x, d = _daily_series(item, values, dates, unit)
        if d is not None:
            x, d, selected_year = _select_year(item, x, d, selected_year)
        valid, n_valid, problems, checked = _completeness(x, d)
        complete = not problems
        if not complete and completeness == "raise":
            raise StandardsError(f"{item}: incomplete data for an annual statistic ({'; '.join(problems)}); "
                                 "GB 3095-2012 Table 4", field=item, value=n_valid, expected=">= 324 valid days")
        if n_valid == 0:
            raise StandardsError(f"{item}: no valid daily value", field=item, expected="at least one value")
        completeness_text = checked if complete else "; ".join(problems)
        rows += _statistic_rows(item, specs, x[valid], unit, cls, n_valid, complete, completeness_text)
    table = pd.DataFrame(rows)
    exceeding = sorted(set(table.loc[~table["attained"], "item"]), key=list(table["item"]).index)
    return AnnualAssessment(table=table, attained=bool(table["attained"].all()), complete=bool(table["complete"].all()),
                            exceeding=exceeding, year=selected_year)


def _daily_item(key: str) -> str:
    """The HJ 663 item a daily-series key names (``'O3_8h'`` for O3), refusing other averaging periods."""
    base, period = split_name(key, periods=_PERIODS, choices=("SO2", "NO2", "PM10", "PM2.5", "CO", "O3_8h"))
    item = "O3_8h" if base == "O3" else base
    if (base == "O3" and period != "8h") or (base != "O3" and period not in (None, "24h")):
        raise StandardsError(f"daily: {key!r}; HJ 663-2013 rates daily 24-h means of SO2, NO2, PM10, PM2.5 "
                             "and CO, and the daily maximum 8-h mean of O3 ('O3_8h')", field="daily", value=key,
                             expected="SO2, NO2, PM10, PM2.5, CO or O3_8h")
    return item


def _daily_series(item: str, values: object, dates: object, unit: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(1-d daily values in *unit*, their dates or None), checked against each other."""
    prep = prepare(values, item, unit=unit, nan_policy="propagate", what="daily concentration")
    x = prep.values
    if x.ndim != 1:
        raise StandardsError(f"{item}: expected a 1-d daily series, got shape {x.shape}", field=item,
                             value=x.shape, expected="1-d")
    d = _dates_of(values, dates)
    if d is not None and d.shape != x.shape:
        raise StandardsError(f"dates: {d.size} dates for {x.size} values of {item}", field="dates",
                             value=d.size, expected=str(x.size))
    return x, d


def _select_year(item: str, x: np.ndarray, d: np.ndarray, selected_year: int | None
                 ) -> tuple[np.ndarray, np.ndarray, int]:
    """(values, dates, year) of the one calendar year assessed (the only one present unless chosen)."""
    years = d.astype("datetime64[Y]").astype(int) + 1970
    present = sorted(set(years.tolist()))
    if selected_year is None:
        if len(present) > 1:
            raise StandardsError(f"{item}: the dates span the years {present}; pass year= to choose one",
                                 field="year", value=present, expected="one calendar year")
        selected_year = present[0]
    keep = years == selected_year
    if not keep.any():
        raise StandardsError(f"{item}: no day in {selected_year} (dates span {present})", field="year",
                             value=selected_year, expected=f"one of {present}")
    return x[keep], d[keep], selected_year


def _completeness(x: np.ndarray, d: np.ndarray | None) -> tuple[np.ndarray, int, list[str], str]:
    """(valid mask, valid days, completeness problems after GB 3095 Table 4, what was checked)."""
    valid = ~np.isnan(x)
    n_valid = int(valid.sum())
    problems = []
    if n_valid < MIN_DAYS_PER_YEAR:
        problems.append(f"{n_valid} valid days < {MIN_DAYS_PER_YEAR}")
    if d is not None:
        months = d[valid].astype("datetime64[M]").astype(int) % 12 + 1
        counts = np.bincount(months, minlength=13)[1:]
        for m, c in enumerate(counts, start=1):
            need = MIN_DAYS_FEBRUARY if m == 2 else MIN_DAYS_PER_MONTH
            if c < need:
                problems.append(f"month {m}: {c} valid days < {need}")
        checked = "year and months checked"
    else:
        checked = "year checked; months not checked (no dates)"
    return valid, n_valid, problems, checked


def _statistic_rows(item: str, specs: list[dict], xv: np.ndarray, unit: str, cls: int, n_valid: int,
                    complete: bool, completeness_text: str) -> list[dict]:
    """One table row per HJ 663 statistic of an item (annual mean, percentile) against its GB 3095 limit."""
    rows = []
    for spec in specs:
        if spec["statistic"] == "annual_mean":
            value, label, pct = float(xv.mean()), "annual mean", None
        else:
            pct = int(spec["percentile"])
            value = hj663_percentile(xv, pct)
            label = f"P{pct} of {'daily max 8h mean' if item == 'O3_8h' else '24h mean'}"
        lim = gb3095_limit(spec["pollutant"], spec["limit_averaging"], cls)
        rows.append({"item": item, "pollutant": spec["pollutant"], "statistic": label, "percentile": pct,
                     "value": value, "unit": unit, "limit": lim, "limit_averaging": spec["limit_averaging"],
                     "attained": bool(value <= lim), "valid_days": n_valid, "complete": complete,
                     "completeness": completeness_text,
                     "citation": f"HJ 663-2013; GB 3095-2012 Table 1 class {cls}"})
    return rows
