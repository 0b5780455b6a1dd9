"""Targets: what a run is checked against and what the optimiser must meet.

- :class:`TargetSpec` — one limit on an indicator at a place and year (optionally with a required
  probability over the ensemble); :func:`parse_target` reads ``'indicator@place<=value:year'``;
  :func:`targets_from_registry` turns rows of :func:`ecomodel.targets.load` into specs;
  :func:`as_targets` accepts any of these;
- :func:`target_statistics` — the number each target is judged by (ensemble mean, or the quantile
  of a probability target), read off domain projections.

This module imports no other scenario room but :mod:`~ecomodel.scenario.indicators`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from .indicators import check_value

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

__all__ = ["TargetSpec", "as_targets", "parse_target", "target_statistics", "targets_from_registry"]

_COMPARATORS = ("<=", ">=")


@dataclass(frozen=True)
class TargetSpec:
    """One target to meet.

    Parameters
    ----------
    indicator : str
        Indicator key (``pm25_annual_mean``, ``tp_concentration`` …, see docs/interfaces.md).
    value : float
        Limit in the indicator's unit (µg/m³, mg/L, %, Mt …).
    year : int
        Year the limit applies to.
    comparator : {'<=', '>='}
        Direction.
    region, site : str, optional
        Where (a region for air/carbon indicators, a monitoring section for water).
    probability : float, optional
        Required share of ensemble members meeting it (none: the ensemble mean must meet it).
    source : str
        Where the target comes from (registry document and line).
    """

    indicator: str
    value: float
    year: int
    comparator: str = "<="
    region: str | None = None
    site: str | None = None
    probability: float | None = None
    source: str = ""

    def __post_init__(self):
        if self.comparator not in _COMPARATORS:
            raise ScenarioError(f"target {self.indicator!r}: comparator {self.comparator!r}; expected '<=' or '>='",
                                field="comparator", value=self.comparator, expected="'<=' or '>='")
        v = float(self.value)
        if not np.isfinite(v):
            raise ScenarioError(f"target {self.indicator!r}: value {self.value!r}; expected a finite number",
                                field="value", value=self.value, expected="a finite number")
        object.__setattr__(self, "value", v)
        object.__setattr__(self, "year", int(self.year))
        check_value(self.indicator, v, label=self.label)
        if self.probability is not None:
            p = float(self.probability)
            if not 0.0 < p <= 1.0:
                raise ScenarioError(f"target {self.indicator!r}: probability {self.probability!r}; expected 0 < p <= 1",
                                    field="probability", value=self.probability, expected="0 < p <= 1")
            object.__setattr__(self, "probability", p)

    @property
    def location(self) -> str | None:
        return self.site or self.region

    @property
    def label(self) -> str:
        where = f"@{self.location}" if self.location else ""
        prob = f" (p>={self.probability:g})" if self.probability is not None else ""
        return f"{self.indicator}{where}{self.comparator}{self.value:g}:{self.year}{prob}"

    def met(self, value: npt.ArrayLike) -> np.ndarray:
        """Whether *value* meets the target (elementwise)."""
        v = np.asarray(value, dtype=float)
        return v <= self.value if self.comparator == "<=" else v >= self.value

    def margin(self, value: npt.ArrayLike) -> np.ndarray:
        """Room left [indicator unit]: positive when met."""
        v = np.asarray(value, dtype=float)
        return self.value - v if self.comparator == "<=" else v - self.value

    def statistic(self, members: npt.ArrayLike) -> float:
        """The number compared with the limit: ensemble mean, or the quantile for a probability target."""
        m = np.asarray(members, dtype=float)
        if m.ndim == 0 or m.size == 1:
            return float(m.reshape(-1)[0])
        if self.probability is None:
            return float(m.mean())
        q = self.probability if self.comparator == "<=" else 1.0 - self.probability
        return float(np.quantile(m, q))


_SPEC = re.compile(r"^\s*(?P<ind>[A-Za-z0-9_]+)\s*(?:@\s*(?P<loc>[^<>=:]+?))?\s*(?P<cmp><=|>=)\s*"
                   r"(?P<val>[-+0-9.eE]+)\s*(?::\s*(?P<year>\d{4}))?\s*(?:p\s*=?\s*(?P<p>[0-9.]+))?\s*$")


def parse_target(text: str, *, site_indicators: Iterable[str] = ("tp_concentration", "nh3n_concentration",
                                                                "cod_concentration"),
                 default_year: int | None = None) -> TargetSpec:
    """Parse ``'indicator@place<=value:year'`` (optionally ``' p=0.9'``) into a :class:`TargetSpec`.

    Examples
    --------
    >>> parse_target("tp_concentration@姚巷桥<=0.136:2026")
    TargetSpec(indicator='tp_concentration', value=0.136, year=2026, comparator='<=', region=None, site='姚巷桥', probability=None, source='')
    >>> parse_target("good_air_days_ratio@常州市>=80:2025 p=0.9").probability
    0.9
    """
    m = _SPEC.match(str(text))
    if not m:
        raise ScenarioError(f"target {text!r}: cannot read it; expected 'indicator@place<=value:year' such as "
                            "'tp_concentration@姚巷桥<=0.136:2026' (optionally ' p=0.9')", field="targets", value=text,
                            expected="indicator@place<=value:year")
    year = m["year"] or default_year
    if year is None:
        raise ScenarioError(f"target {text!r}: no year; add ':YYYY'", field="targets", value=text,
                            expected="indicator@place<=value:year")
    loc = m["loc"].strip() if m["loc"] else None
    is_site = m["ind"] in set(site_indicators)
    return TargetSpec(m["ind"], float(m["val"]), int(year), m["cmp"], region=None if is_site else loc,
                      site=loc if is_site else None, probability=float(m["p"]) if m["p"] else None)


def targets_from_registry(table: pd.DataFrame, probability: float | None = None) -> list[TargetSpec]:
    """Turn rows of :func:`ecomodel.targets.load` into :class:`TargetSpec` objects.

    Rows whose comparator is not ``<=``/``>=`` or whose value is not numeric are skipped only
    if they are not model indicators; a numeric model row with another comparator raises.
    """
    import pandas as pd

    out = []
    cols = {c.lower(): c for c in table.columns}

    def col(*names):
        for n in names:
            if n in cols:
                return cols[n]
        return None

    c_ind, c_val, c_year = col("indicator", "metric_key"), col("target_value", "value"), col("target_year", "year")
    c_cmp, c_reg, c_site = col("comparator"), col("region", "region_zh"), col("site", "site_zh")
    c_src = col("source_line", "source")
    if not (c_ind and c_val and c_year and c_cmp):
        raise ScenarioError(f"targets table: columns {list(table.columns)} lack indicator/target_value/target_year/"
                            "comparator", field="targets", value=list(table.columns),
                            expected="rows of ecomodel.targets.load()")
    for _, row in table.iterrows():
        cmp_ = str(row[c_cmp]).strip()
        try:
            value = float(row[c_val])
            year = int(row[c_year])
        except (TypeError, ValueError):
            continue
        if cmp_ not in _COMPARATORS or not np.isfinite(value):
            continue
        site = row[c_site] if c_site and isinstance(row[c_site], str) and row[c_site] else None
        region = row[c_reg] if c_reg and isinstance(row[c_reg], str) and row[c_reg] else None
        src = "" if c_src is None or pd.isna(row[c_src]) else str(row[c_src])
        out.append(TargetSpec(str(row[c_ind]), value, year, cmp_, region=None if site else region, site=site,
                              probability=probability, source=src))
    return out


def as_targets(targets: TargetSpec | str | Iterable[TargetSpec | str] | pd.DataFrame) -> list[TargetSpec]:
    """*targets* as a list of :class:`TargetSpec`: TargetSpecs, ``'indicator@place<=value:year'``
    strings (one or a sequence), or a registry table (rows of :func:`ecomodel.targets.load`).

    Examples
    --------
    >>> [t.label for t in as_targets("pm25_annual_mean@常州市<=33:2025")]
    ['pm25_annual_mean@常州市<=33:2025']
    """
    if targets is None:
        raise ScenarioError("no targets given", field="targets", expected="TargetSpec objects or 'indicator@place<=v:year'")
    if hasattr(targets, "columns"):
        return targets_from_registry(targets)
    if isinstance(targets, (str, TargetSpec)):
        targets = [targets]
    out = [t if isinstance(t, TargetSpec) else parse_target(t) for t in targets]
    if not out:
        raise ScenarioError("the target list is empty", field="targets", expected="at least one target")
    return out


#: the name used before this module existed (run.py, optimise.py)
_as_targets = as_targets


# ------------------------------------------------------------------------------------------------ reading targets off projections


def target_statistics(datasets: dict, specs: Sequence[TargetSpec]) -> np.ndarray:
    """Statistic of each target (ensemble mean, or the quantile of a probability target).

    Parameters
    ----------
    datasets : dict of domain → xarray.Dataset
        Projections (variables named by indicator key, with ``year`` and ``member``), optionally
        with a leading ``scenario`` dimension.
    specs : sequence of TargetSpec
        Targets.

    Returns
    -------
    numpy.ndarray
        (targets,) or, with a ``scenario`` dimension, (scenarios, targets).
    """
    cols = []
    stacked = any("scenario" in ds.dims for ds in datasets.values())
    for t in specs:
        values = _member_values(_find(datasets, t))
        cols.append(_statistic(t, values))
    out = np.stack(cols, axis=-1)
    return out if stacked else out[0]


def _member_values(da) -> np.ndarray:
    """(scenario, member) values of a selected DataArray (scenario and member axes added if absent)."""
    if "scenario" not in da.dims:
        da = da.expand_dims("scenario")
    if "member" not in da.dims:
        da = da.expand_dims("member", axis=-1)
    return np.asarray(da.transpose("scenario", "member").values, dtype=float)


def _statistic(t, values: np.ndarray) -> np.ndarray:
    if t.probability is None or values.shape[1] == 1:
        return values.mean(axis=1)
    q = t.probability if t.comparator == "<=" else 1.0 - t.probability
    return np.quantile(values, q, axis=1)


def _find(datasets: dict, t):
    for ds in datasets.values():
        if t.indicator not in ds:
            continue
        da = ds[t.indicator]
        if "year" in da.dims:  # a horizon-wide indicator (the peak year) has none
            if int(t.year) not in set(np.asarray(da["year"].values).tolist()):
                raise ScenarioError(f"target {t.label}: year {t.year} is outside the projection "
                                    f"({int(da['year'].min())}–{int(da['year'].max())})", field="year", value=t.year)
            da = da.sel(year=t.year)
        for dim in ("region", "site"):
            if dim in da.dims:
                loc = t.location
                if loc is None:
                    if da.sizes[dim] == 1:
                        da = da.isel({dim: 0})
                        continue
                    raise ScenarioError(f"target {t.label}: say which {dim} (one of {list(da[dim].values)})",
                                        field=dim, expected=f"one of {list(da[dim].values)}")
                da = da.sel({dim: _match_place(da, dim, loc, t)})
        return da
    known = sorted({str(v) for ds in datasets.values() for v in ds.data_vars})
    raise ScenarioError(f"target {t.label}: indicator {t.indicator!r} is not produced by the domains run "
                        f"({known})", field="indicator", value=t.indicator, expected=f"one of {known}")


def _match_place(da, dim, loc, t):
    from .. import targets as registry
    from ..errors import EcomodelError, close_matches

    values = [str(v) for v in da[dim].values]
    if loc in values:
        return loc
    resolver = registry.resolve_region if dim == "region" else registry.resolve_site
    try:
        want = resolver(loc)
    except EcomodelError:
        want = None
    for v in values:
        try:
            if want is not None and resolver(v) == want:
                return v
        except EcomodelError:
            continue
    raise ScenarioError(f"target {t.label}: unknown {dim} {loc!r}" + close_matches(str(loc), values), field=dim,
                        value=loc, expected=f"one of {values}")
