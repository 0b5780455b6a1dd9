r"""Pollutant sources of a river network: point sources and diffuse sources by export coefficients.

Every source is attached to a reach and belongs to a *category* (``wwtp``, ``industry``,
``agriculture``, ``livestock``, ``rural_domestic``, ``aquaculture``, ``urban_runoff``,
``deposition``, ``boundary``, ``sediment_release`` …), so that a reduction package can scale any of
them. Loads are computed once as annual means [t/yr]:

- point sources: effluent flow [m3/d] × concentration [mg/L] (1 m3/d × 1 mg/L = 1 g/d), or a load
  given directly [t/yr];
- diffuse sources: an activity (land-use area [ha], livestock [head], rural population [person],
  aquaculture pond area [ha], water surface for deposition [ha], fertiliser nutrient surplus [kg])
  × an export coefficient [kg per unit per yr] — the export-coefficient method of Johnes (1996);
- boundary inflows: inflow [m3/s] × concentration of the water entering the network [mg/L].

Seasonal profiles (12 monthly factors with mean 1) shape the daily loads, and runoff-driven
sources follow the daily runoff (see :class:`~ecomodel.water.DailyLoads`).

References
----------
Johnes, P. J. (1996). Evaluation and management of the impact of land use change on the nitrogen
and phosphorus load delivered to surface waters: the export coefficient modelling approach.
*Journal of Hydrology* 183, 323–349.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ecomodel import vocabulary
from ecomodel._checks import as_float_array
from ecomodel.errors import SourceError, close_matches
from ecomodel.units import DAYS_PER_YEAR

if TYPE_CHECKING:
    from typing import TypeAlias

    import xarray as xr

    from ._inputs import DailyLoads
    from .network import RiverNetwork

    #: reduction fractions removed: category, (category, reach) or (category, reach, substance)
    #: (``None`` for "any") -> fraction in [0, 1] (see :func:`apply_reductions`)
    Reductions: TypeAlias = Mapping[str | tuple[str | None, ...], float]

__all__ = ["Sources", "point_source_loads", "diffuse_loads", "boundary_loads", "apply_reductions",
           "SUBSTANCES", "N_SPECIES", "DEMO_SUBSTANCES", "check_nitrogen", "CATEGORIES", "EXPORT_COEFFICIENTS",
           "monthly_factors"]

#: substances modelled, with the names used by :mod:`ecomodel.standards` (:mod:`ecomodel.vocabulary`)
SUBSTANCES = vocabulary.WATER_SUBSTANCES

#: nitrogen species whose sum is total nitrogen (TN) [mg N/L or t N/yr]
N_SPECIES = ("OrgN", "NH3-N", "NO3-N")

#: every substance of the embedded demo: TP, the N species, CODcr (``COD``) and the permanganate
#: index (``CODMn``); TN is their derived sum
DEMO_SUBSTANCES = ("TP", "OrgN", "NH3-N", "NO3-N", "COD", "CODMn")

#: relative tolerance of a TN column against the sum of the N species (rounding of tabled values)
TN_TOLERANCE = 0.005

#: source categories (English key -> Chinese name)
CATEGORIES = {
    "wwtp": "城镇污水处理厂",
    "industry": "工业",
    "agriculture": "种植业",
    "livestock": "畜禽养殖",
    "rural_domestic": "农村生活",
    "aquaculture": "水产养殖",
    "urban_runoff": "城镇地表径流",
    "deposition": "大气沉降",
    "boundary": "上游来水",
    "sediment_release": "内源释放",
}

#: units of the activity of each diffuse kind
DIFFUSE_KINDS = {"landuse": "ha", "livestock": "head", "rural_population": "person", "aquaculture": "ha",
                 "deposition": "ha", "fertiliser_surplus": "kg"}

#: name of the packaged export-coefficient table (``ecomodel/data/water/export_coefficients.csv``)
EXPORT_COEFFICIENTS = "export_coefficients.csv"

_T_PER_YR_TO_KG_PER_D = 1000.0 / DAYS_PER_YEAR


def check_nitrogen(table: pd.DataFrame, what: str = "source table") -> pd.DataFrame:
    """Check a ``TN`` column against ``OrgN + NH3-N + NO3-N`` and return the table without it.

    A table that gives TN and all three species must add up within :data:`TN_TOLERANCE`
    (relative); one that gives TN with only some species is ambiguous. Tables without TN pass.

    Raises
    ------
    SourceError
        Naming the first row (``source`` or ``item``) whose species do not add up.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"source": ["a"], "OrgN": [1.0], "NH3-N": [1.5], "NO3-N": [5.5], "TN": [8.0]})
    >>> list(check_nitrogen(t).columns)
    ['source', 'OrgN', 'NH3-N', 'NO3-N']
    """
    if "TN" not in table.columns:
        return table
    have = [c for c in N_SPECIES if c in table.columns]
    label_col = "source" if "source" in table.columns else ("item" if "item" in table.columns else None)
    labels = list(table[label_col].astype(str)) if label_col else [str(i) for i in range(len(table))]
    if len(have) != len(N_SPECIES):
        missing = [c for c in N_SPECIES if c not in have]
        raise SourceError(f"{what}: column TN is given without {missing}; TN must be the sum of {list(N_SPECIES)}",
                          field="TN", value=missing, expected=f"columns {list(N_SPECIES)}")
    tn = table["TN"].to_numpy(float)
    parts = table[list(N_SPECIES)].to_numpy(float).sum(axis=1)
    bad = ~(np.abs(tn - parts) <= TN_TOLERANCE * np.maximum(np.abs(tn), 1e-12))
    if bad.any():
        i = int(np.argmax(bad))
        raise SourceError(f"{what}: row {labels[i]!r} gives TN {tn[i]:g} but OrgN + NH3-N + NO3-N = {parts[i]:g}",
                          field="TN", value=float(tn[i]), expected=f"{parts[i]:g} (within {TN_TOLERANCE:.1%})")
    return table.drop(columns=["TN"])


def _substance_columns(table: pd.DataFrame, substances) -> list[str]:
    missing = [s for s in substances if s not in table.columns]
    if missing:
        raise SourceError(f"source table: no column for substance {missing[0]!r}; expected columns {list(substances)}",
                          field=missing[0], expected=f"columns {list(substances)}")
    return list(substances)


def point_source_loads(table: pd.DataFrame, substances: Sequence[str] = SUBSTANCES) -> pd.DataFrame:
    """Annual loads of point sources [t/yr].

    Parameters
    ----------
    table : pandas.DataFrame
        One row per source: ``flow`` [m3/d] and one concentration column per substance [mg/L]
        (effluent flow × concentration), or ``kind == 'load'`` rows whose substance columns are
        loads [t/yr].
    substances : sequence of str
        Substance columns.

    Returns
    -------
    pandas.DataFrame
        The table with the substance columns replaced by loads [t/yr].

    Examples
    --------
    A plant of 10 000 m3/d at 0.3 mg/L TP discharges 3 kg/d, 1.095 t/yr:

    >>> import pandas as pd
    >>> point_source_loads(pd.DataFrame({"flow": [1e4], "TP": [0.3]}), ["TP"])["TP"].round(4).tolist()
    [1.095]
    """
    out = check_nitrogen(table, "point sources").copy()
    cols = _substance_columns(out, substances)
    kind = out["kind"].astype(str).to_numpy() if "kind" in out.columns else np.full(len(out), "point")
    is_load = kind == "load"
    labels = list(out["source"]) if "source" in out.columns else None
    if (~is_load).any():
        if "flow" not in out.columns:
            raise SourceError("point sources: column 'flow' [m3/d] is missing", field="flow",
                              expected="effluent flow [m3/d]")
        flow = out["flow"].to_numpy(float)
        q = np.zeros(len(out))
        pl = None if labels is None else [labels[i] for i in np.nonzero(~is_load)[0]]
        q[~is_load] = as_float_array(flow[~is_load], "flow", error=SourceError, labels=pl)
    for c in cols:
        v = as_float_array(out[c].to_numpy(float), c, error=SourceError, labels=labels)
        loads = np.where(is_load, v, 0.0)
        if (~is_load).any():
            loads = np.where(is_load, v, q * v * DAYS_PER_YEAR / 1e6)  # g/d -> t/yr
        out[c] = loads
    return out


def diffuse_loads(table: pd.DataFrame, coefficients: pd.DataFrame,
                  substances: Sequence[str] = SUBSTANCES) -> pd.DataFrame:
    """Annual diffuse loads [t/yr] by the export-coefficient method (Johnes 1996).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per diffuse source: ``kind`` (``landuse``, ``livestock``, ``rural_population``,
        ``aquaculture``, ``deposition``, ``fertiliser_surplus``), ``item`` (``paddy``, ``pig`` …) and
        ``quantity`` in the kind's unit (ha, head, person; kg of nutrient surplus for
        ``fertiliser_surplus``, whose coefficient is the share lost to water [kg/kg]).
    coefficients : pandas.DataFrame
        Export coefficients: ``kind``, ``item`` and one column per substance [kg per unit per yr].
    substances : sequence of str

    Returns
    -------
    pandas.DataFrame
        The table with one load column per substance [t/yr].

    Examples
    --------
    >>> import pandas as pd
    >>> coef = pd.DataFrame({"kind": ["landuse"], "item": ["paddy"], "TP": [1.2]})
    >>> diffuse_loads(pd.DataFrame({"kind": ["landuse"], "item": ["paddy"], "quantity": [1000.0]}),
    ...               coef, ["TP"])["TP"].tolist()   # 1000 ha x 1.2 kg/ha/yr
    [1.2]
    """
    for col in ("kind", "item", "quantity"):
        if col not in table.columns:
            raise SourceError(f"diffuse sources: column {col!r} is missing", field=col, expected=f"a {col!r} column")
    coefficients = check_nitrogen(coefficients, "export coefficients")
    cols = _substance_columns(coefficients, substances)
    kinds = table["kind"].astype(str)
    unknown = sorted(set(kinds) - set(DIFFUSE_KINDS))
    if unknown:
        raise SourceError(f"diffuse sources: unknown kind {unknown[0]!r}" + close_matches(unknown[0], DIFFUSE_KINDS),
                          field="kind", value=unknown[0], expected=f"one of {list(DIFFUSE_KINDS)}")
    labels = list(table["source"]) if "source" in table.columns else None
    qty = as_float_array(table["quantity"].to_numpy(float), "quantity", error=SourceError, labels=labels)
    coef = coefficients.set_index(["kind", "item"])
    if coef.index.duplicated().any():
        k = coef.index[coef.index.duplicated()][0]
        raise SourceError(f"export coefficients: {k} is listed twice", field="item", value=k, expected="one row per item")
    keys = list(zip(kinds, table["item"].astype(str)))
    missing = [k for k in keys if k not in coef.index]
    if missing:
        options = [f"{a}/{b}" for a, b in coef.index]
        raise SourceError(f"diffuse sources: no export coefficient for {missing[0][0]}/{missing[0][1]}"
                          + close_matches(f"{missing[0][0]}/{missing[0][1]}", options), field="item",
                          value=missing[0][1], expected="a kind/item of the coefficient table")
    out = table.copy()
    for c in cols:
        k = as_float_array(coef.loc[keys, c].to_numpy(float), f"export coefficient {c}", error=SourceError)
        out[c] = qty * k / 1000.0  # kg/yr -> t/yr
    return out


def boundary_loads(table: pd.DataFrame, substances: Sequence[str] = SUBSTANCES) -> pd.DataFrame:
    """Annual loads [t/yr] of water entering the network: inflow ``quantity`` [m3/s] × concentration
    columns [mg/L].

    Examples
    --------
    >>> import pandas as pd
    >>> boundary_loads(pd.DataFrame({"quantity": [10.0], "TP": [0.15]}), ["TP"])["TP"].round(3).tolist()
    [47.304]
    """
    out = check_nitrogen(table, "boundary sources").copy()
    q = as_float_array(out["quantity"].to_numpy(float), "quantity", error=SourceError)
    for c in _substance_columns(out, substances):
        v = as_float_array(out[c].to_numpy(float), c, error=SourceError)
        out[c] = q * v * 86.4 * DAYS_PER_YEAR / 1000.0  # kg/d -> t/yr
    return out


def monthly_factors(profile: ArrayLike, start: str | pd.Timestamp, days: int) -> np.ndarray:
    """Daily factors from 12 monthly factors (normalised to mean 1 over the months).

    Examples
    --------
    >>> f = monthly_factors([2.0] * 6 + [0.0] * 6, "2021-06-30", 2)
    >>> f.tolist()
    [2.0, 0.0]
    """
    p = as_float_array(profile, "profile", error=SourceError, ndim=1)
    if p.shape[0] != 12:
        raise SourceError(f"profile: {p.shape[0]} values; expected 12 monthly factors", field="profile",
                          value=p.shape[0], expected="12 values")
    if p.mean() <= 0:
        raise SourceError("profile: all factors are zero", field="profile", value=0.0, expected="a positive mean")
    p = p / p.mean()
    months = pd.date_range(pd.Timestamp(start), periods=int(days), freq="D").month.to_numpy()
    return p[months - 1]


def _reduction_keys(reductions) -> list[tuple]:
    """Normalise reductions to [(category, reach|None, substance|None, fraction)]."""
    if reductions is None:
        return []
    if hasattr(reductions, "items"):
        items = list(reductions.items())
    else:
        raise SourceError(f"reductions: expected a mapping of category -> fraction, got {type(reductions).__name__}",
                          field="reductions", value=type(reductions).__name__, expected="a dict")
    out = []
    for key, frac in items:
        if isinstance(key, str):
            cat, reach, sub = key, None, None
        elif isinstance(key, tuple) and 1 <= len(key) <= 3:
            cat, reach, sub = (tuple(key) + (None, None))[:3]
        else:
            raise SourceError(f"reductions: key {key!r} is not a category, (category, reach) or "
                              "(category, reach, substance)", field="reductions", value=key,
                              expected="category or (category, reach[, substance])")
        try:
            f = np.asarray(frac, dtype=float)
        except (TypeError, ValueError):
            f = np.asarray(np.nan)
        if f.ndim != 0 or not np.isfinite(f) or f < 0 or f > 1:
            raise SourceError(f"reductions[{key!r}]: {frac!r}; expected a fraction between 0 and 1",
                              field="reductions", value=frac, expected="0 <= fraction <= 1")
        out.append((cat, reach, sub, float(f)))
    return out


def apply_reductions(table: pd.DataFrame, reductions: Reductions | None,
                     substances: Sequence[str] = SUBSTANCES) -> pd.DataFrame:
    """Scale the load columns of a long source table by reduction fractions.

    Keys are a category (``'wwtp'``), ``(category, reach)`` or ``(category, reach, substance)``
    (``None`` for "any"); overlapping keys combine multiplicatively (two 50 % cuts leave 25 %).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"category": ["wwtp", "wwtp"], "reach": ["a", "b"], "TP": [1.0, 1.0]})
    >>> apply_reductions(t, {"wwtp": 0.5, ("wwtp", "b"): 0.5}, ["TP"])["TP"].tolist()
    [0.5, 0.25]
    """
    keys = _reduction_keys(reductions)
    if not keys:
        return table
    out = table.copy()
    cats = set(out["category"].astype(str))
    reaches = set(out["reach"].astype(str))
    for cat, reach, sub, frac in keys:
        if cat not in cats:
            raise SourceError(f"reductions: no source of category {cat!r}" + close_matches(cat, sorted(cats)),
                              field="reductions", value=cat, expected=f"one of {sorted(cats)}")
        if reach is not None and str(reach) not in reaches:
            raise SourceError(f"reductions: no source on reach {reach!r}" + close_matches(str(reach), sorted(reaches)),
                              field="reductions", value=reach, expected="a reach with sources")
        if sub is not None and sub not in substances:
            raise SourceError(f"reductions: unknown substance {sub!r}" + close_matches(str(sub), substances),
                              field="reductions", value=sub, expected=f"one of {list(substances)}")
        mask = (out["category"].astype(str) == cat).to_numpy().copy()
        if reach is not None:
            mask &= (out["reach"].astype(str) == str(reach)).to_numpy()
        cols = [sub] if sub is not None else list(substances)
        for c in cols:
            out.loc[mask, c] = out.loc[mask, c].to_numpy(float) * (1.0 - frac)
    return out


@dataclass
class Sources:
    """All sources of a network as annual loads [t/yr], one row per source.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``source``, ``category``, ``reach``, ``runoff`` (bool: load follows daily runoff),
        ``profile`` (seasonal profile name) and one load column per substance [t/yr]; any others
        (``name``, ``kind`` …) are kept.
    profiles : pandas.DataFrame
        Monthly factors, one column per profile name (12 rows).
    substances : tuple of str
    """

    table: pd.DataFrame
    profiles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"flat": np.ones(12)}))
    substances: tuple = SUBSTANCES

    def __post_init__(self):
        for col in ("source", "category", "reach"):
            if col not in self.table.columns:
                raise SourceError(f"source table: column {col!r} is missing", field=col, expected=f"a {col!r} column")
        _substance_columns(self.table, self.substances)
        t = self.table
        if "runoff" not in t.columns:
            t["runoff"] = False
        if "profile" not in t.columns:
            t["profile"] = "flat"
        unknown = sorted(set(t["profile"].astype(str)) - set(self.profiles.columns))
        if unknown:
            raise SourceError(f"source table: unknown seasonal profile {unknown[0]!r}"
                              + close_matches(unknown[0], self.profiles.columns), field="profile", value=unknown[0],
                              expected=f"one of {list(self.profiles.columns)}")
        for s in self.substances:
            as_float_array(t[s].to_numpy(float), f"load {s}", error=SourceError, labels=list(t["source"]))

    @classmethod
    def from_tables(cls, point: pd.DataFrame | None = None, diffuse: pd.DataFrame | None = None,
                    boundary: pd.DataFrame | None = None, coefficients: pd.DataFrame | None = None,
                    profiles: pd.DataFrame | None = None, substances: Sequence[str] = SUBSTANCES) -> "Sources":
        """Build from a point-source table (:func:`point_source_loads`), a diffuse table
        (:func:`diffuse_loads` with *coefficients*) and a boundary-inflow table
        (:func:`boundary_loads`)."""
        parts = []
        if point is not None and len(point):
            p = point_source_loads(point, substances)
            p["runoff"] = p.get("runoff", False)
            parts.append(p)
        if diffuse is not None and len(diffuse):
            if coefficients is None:
                raise SourceError("diffuse sources need an export-coefficient table", field="coefficients",
                                  expected="a DataFrame of export coefficients")
            d = diffuse_loads(diffuse, coefficients, substances)
            parts.append(d)
        if boundary is not None and len(boundary):
            parts.append(boundary_loads(boundary, substances))
        if not parts:
            raise SourceError("no sources given", field="sources", expected="at least one table")
        table = pd.concat(parts, ignore_index=True)
        table["runoff"] = table["runoff"].fillna(False).astype(bool) if "runoff" in table else False
        table["profile"] = table["profile"].fillna("flat") if "profile" in table else "flat"
        return cls(table, profiles if profiles is not None else pd.DataFrame({"flat": np.ones(12)}), tuple(substances))

    # ------------------------------------------------------------------ views
    @property
    def categories(self) -> list[str]:
        """Source categories present."""
        return sorted(set(self.table["category"].astype(str)))

    def reduced(self, reductions: Reductions | None) -> "Sources":
        """A copy with *reductions* applied (see :func:`apply_reductions`)."""
        return Sources(apply_reductions(self.table, reductions, self.substances), self.profiles, self.substances)

    def with_source(self, rows: pd.DataFrame) -> "Sources":
        """A copy with extra source rows (loads in t/yr)."""
        return Sources(pd.concat([self.table, rows], ignore_index=True), self.profiles, self.substances)

    def totals(self, reductions: Reductions | None = None) -> pd.DataFrame:
        """Annual load per category and substance [t/yr].

        Examples
        --------
        >>> from ecomodel.water import demo
        >>> t = demo().sources.totals()
        >>> bool((t.loc["wwtp"] > 0).all())
        True
        """
        t = apply_reductions(self.table, reductions, self.substances)
        return t.groupby("category")[list(self.substances)].sum()

    def loads(self, network: RiverNetwork, reductions: Reductions | None = None, *,
              by_category: bool = True) -> xr.DataArray:
        """Mean loads per reach (and category) [kg/d] as an :class:`xarray.DataArray`.

        Parameters
        ----------
        network : RiverNetwork
            Network whose reaches the sources are attached to.
        reductions : mapping, optional
            Fractions removed (see :func:`apply_reductions`).
        by_category : bool
            Keep a ``category`` dimension (sum it for :func:`~ecomodel.water.steady`).

        Returns
        -------
        xarray.DataArray
            ``(reach, category, substance)`` or ``(reach, substance)`` loads [kg/d].

        Examples
        --------
        >>> from ecomodel.water import demo
        >>> d = demo()
        >>> da = d.sources.loads(d.network, {"wwtp": 0.5})
        >>> da.dims, da.attrs["units"]
        (('reach', 'category', 'substance'), 'kg/d')
        """
        import xarray as xr

        from ecomodel._cf import cf_attrs

        t = apply_reductions(self.table, reductions, self.substances)
        pos = network.positions(t["reach"])
        cats = self.categories if by_category else ["all"]
        ci = pd.Index(cats).get_indexer(t["category"].astype(str)) if by_category else np.zeros(len(t), int)
        vals = t[list(self.substances)].to_numpy(float) * _T_PER_YR_TO_KG_PER_D
        arr = np.zeros((network.n_reaches, len(cats), len(self.substances)))
        np.add.at(arr, (pos, ci), vals)
        da = xr.DataArray(arr, dims=("reach", "category", "substance"),
                          coords={"reach": np.asarray(network.reaches, dtype=object),
                                  "category": np.asarray(cats, dtype=object),
                                  "substance": np.asarray(self.substances, dtype=object)},
                          name="load", attrs=cf_attrs("kg/d", "mean load entering the reach"))
        return da if by_category else da.sum("category", keep_attrs=True)

    def daily(self, network: RiverNetwork, start: str | pd.Timestamp = "2021-01-01", days: int = 365,
              reductions: Reductions | None = None) -> DailyLoads:
        """Daily loads for :func:`~ecomodel.water.route` as a :class:`DailyLoads`.

        Runoff-driven sources go to the diffuse part (they follow the daily lateral flow); the others
        to the point part. Each part's seasonal factor is the load-weighted mean of its sources'
        monthly profiles (exact for the part's total load). The N species share one factor, weighted
        by the sources' TN (so a transfer chain can be routed; exact for TN).

        Parameters
        ----------
        network : RiverNetwork
        start : str
            First day [date].
        days : int
            Number of days.
        reductions : mapping, optional
            Fractions removed (see :func:`apply_reductions`).

        Examples
        --------
        >>> from ecomodel.water import demo
        >>> d = demo()
        >>> dl = d.sources.daily(d.network, "2021-01-01", 365)
        >>> dl.point.shape, round(float(dl.diffuse_factor[:, 0].mean()), 2)
        ((19, 6), 1.0)
        """
        from ._inputs import DailyLoads

        t = apply_reductions(self.table, reductions, self.substances)
        pos = network.positions(t["reach"])
        vals = t[list(self.substances)].to_numpy(float) * _T_PER_YR_TO_KG_PER_D
        runoff = t["runoff"].astype(bool).to_numpy()
        n, S = network.n_reaches, len(self.substances)
        point = np.zeros((n, S))
        diffuse = np.zeros((n, S))
        np.add.at(point, pos[~runoff], vals[~runoff])
        np.add.at(diffuse, pos[runoff], vals[runoff])
        factors = []
        for mask in (~runoff, runoff):
            f = np.zeros((int(days), S))
            total = vals[mask].sum(axis=0)
            for name, grp in pd.Series(np.nonzero(mask)[0]).groupby(t["profile"].to_numpy()[mask]):
                w = vals[grp.to_numpy()].sum(axis=0)
                f += monthly_factors(self.profiles[name].to_numpy(float), start, days)[:, None] * w[None, :]
            f = np.where(total > 0, f / np.where(total > 0, total, 1.0), 1.0)
            nk = [k for k, sub in enumerate(self.substances) if sub in N_SPECIES]
            if len(nk) == len(N_SPECIES):
                tn = total[nk]
                shared = (f[:, nk] * tn[None, :]).sum(axis=1) / tn.sum() if tn.sum() > 0 else np.ones(int(days))
                f[:, nk] = shared[:, None]
            factors.append(f)
        return DailyLoads(list(self.substances), point, diffuse, factors[0], factors[1])
