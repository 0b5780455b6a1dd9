"""Reduction schedules: what a package asks of each domain, year by year.

- :class:`ReductionKey` — what one reduction acts on: the fields of
  :attr:`~ecomodel.scenario.model.Effect.KEY_FIELDS` (``domain``, ``pollutant``, ``sector``,
  ``region``, ``category``, ``reach``, ``lake``, ``fuel``, ``to_fuel``) as a named tuple, so
  backends read ``key.region`` instead of a position; it equals (and hashes as) the plain tuple
  :attr:`Effect.key <ecomodel.scenario.model.Effect.key>`, so both index the same schedule entry.
- :class:`Reductions` — one domain's schedule: keys × years of reduction fractions;
- :func:`reduction_schedule` — measures' effects, ramped and combined as ``1 − Π(1 − fᵢ)``.

Examples
--------
>>> from ecomodel.scenario.model import Effect
>>> key = ReductionKey.of(Effect(domain="air", pollutant="NOx", sector="industry", fraction=0.1).key)
>>> key.pollutant, key.sector, key.region
('NOx', 'industry', None)
>>> key == ("air", "NOx", "industry", None, None, None, None, None, None)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..errors import ScenarioError
from .model import Effect, Measure, Package, combine_fractions

if TYPE_CHECKING:
    import numpy.typing as npt
    import xarray as xr

__all__ = ["ReductionKey", "Reductions", "reduction_schedule"]


class ReductionKey(NamedTuple):
    """What a reduction acts on (the fields of :attr:`Effect.KEY_FIELDS`, in that order).

    A tuple: equal to, hashing as and sorting like :attr:`Effect.key`; unset fields are ``None``.
    """

    domain: str
    pollutant: str | None = None
    sector: str | None = None
    region: str | None = None
    category: str | None = None
    reach: str | None = None
    lake: str | None = None
    fuel: str | None = None
    to_fuel: str | None = None

    @classmethod
    def of(cls, key: ReductionKey | tuple | Effect) -> ReductionKey:
        """*key* (a :class:`ReductionKey`, an :attr:`Effect.key` tuple or an :class:`Effect`) as a ReductionKey."""
        if isinstance(key, cls):
            return key
        if isinstance(key, Effect):
            key = key.key
        return cls(*key)

    def effect(self, fraction: float = 1.0) -> Effect:
        """An :class:`Effect` acting on this key with *fraction*."""
        return Effect(**self._asdict(), fraction=fraction)


if ReductionKey._fields != Effect.KEY_FIELDS:  # pragma: no cover - a guard for whoever edits Effect
    raise ImportError(f"ReductionKey fields {ReductionKey._fields} differ from Effect.KEY_FIELDS {Effect.KEY_FIELDS}")


@dataclass(frozen=True)
class Reductions:
    """Reduction schedule of one domain: effect key → fractions [0–1] by year.

    ``keys`` are :class:`ReductionKey` tuples (equal to :attr:`Effect.key`); ``fractions`` has shape (keys, years).
    """

    domain: str
    years: np.ndarray
    keys: tuple
    fractions: np.ndarray

    def as_dict(self) -> dict:
        """``{key: fractions-by-year}``."""
        return {k: self.fractions[i] for i, k in enumerate(self.keys)}

    def at(self, year: int) -> dict:
        """``{key: fraction}`` in *year*."""
        idx = int(np.searchsorted(self.years, year))
        if idx >= len(self.years) or self.years[idx] != year:
            raise ScenarioError(f"year {year} is outside the schedule ({self.years[0]}–{self.years[-1]})",
                                field="year", value=year)
        return {k: float(self.fractions[i, idx]) for i, k in enumerate(self.keys)}

    @property
    def is_zero(self) -> bool:
        return not self.keys or not np.any(self.fractions)

    def to_dataarray(self) -> xr.DataArray:
        """The schedule as a DataArray over (``reduction``, ``year``) with the key fields as coordinates."""
        import xarray as xr

        keys = [ReductionKey.of(k) for k in self.keys]
        names = [" ".join(str(v) for v in k[1:] if v) for k in keys]
        coords = {"reduction": names, "year": self.years}
        for f in ReductionKey._fields[1:]:
            coords[f] = ("reduction", [getattr(k, f) or "" for k in keys])
        return xr.DataArray(self.fractions.reshape(len(self.keys), len(self.years)), dims=("reduction", "year"),
                            coords=coords, name=f"{self.domain}_reduction_fraction",
                            attrs={"units": "1", "long_name": f"{self.domain} reduction fraction of the base",
                                   "comment": "measures on the same key combined as 1 - prod(1 - f_i)"})


def reduction_schedule(measures: Sequence[Measure] | Package, years: npt.ArrayLike, domain: str,
                       baseline_amount: Callable[[Effect], float] | None = None) -> Reductions:
    """Combine the effects of *measures* on *domain* into fractions by year.

    Parameters
    ----------
    measures : Package or sequence of Measure
        Measures (main effects and co-benefits both count).
    years : array-like of int
        Years [year].
    domain : str
        Domain whose effects are collected.
    baseline_amount : callable, optional
        ``baseline_amount(effect) -> float``: the base amount [t/yr, or t CO2] the effect acts on,
        used to turn an ``amount`` into a fraction. Required when an effect gives an amount.

    Returns
    -------
    Reductions

    Examples
    --------
    >>> from ecomodel.scenario.model import Effect, Measure
    >>> ms = [Measure(id="a", name="a", domain="air", start=2022, ramp_years=2,
    ...               effects=(Effect(domain="air", pollutant="NOx", fraction=0.4),)),
    ...       Measure(id="b", name="b", domain="air", start=2021,
    ...               effects=(Effect(domain="air", pollutant="NOx", amount=500.0),))]
    >>> r = reduction_schedule(ms, [2021, 2022, 2023], "air", baseline_amount=lambda e: 1000.0)
    >>> r.fractions.round(3).tolist()
    [[0.5, 0.6, 0.7]]
    """
    measures = list(measures.measures if isinstance(measures, Package) else measures)
    years = np.asarray(years, dtype=int)
    per_key: dict[tuple, list[np.ndarray]] = {}
    for m in measures:
        ramp = m.ramp(years)
        for e in m.all_effects:
            if e.domain != domain:
                continue
            if e.fraction is not None:
                f = e.fraction
            else:
                if baseline_amount is None:
                    raise ScenarioError(f"{e.where or m.id}: amount {e.amount:g} {e.unit} needs the base inventory to "
                                        "become a fraction", field="amount", value=e.amount)
                base = float(baseline_amount(e))
                if not np.isfinite(base) or base <= 0:
                    raise ScenarioError(f"{e.where or 'measure ' + repr(m.id)}: nothing to reduce — the base "
                                        f"{e.describe()} is {base:g} {e.unit}", field="amount", value=e.amount,
                                        expected="an effect on something present in the base data")
                f = e.modelled_amount / base
                if f > 1.0 + 1e-9:
                    what = f"{e.amount:g} {e.unit}" + (f" × share {e.share:g}" if e.share is not None else "")
                    raise ScenarioError(f"{e.where or 'measure ' + repr(m.id)}: field 'amount': {what} is more than "
                                        f"the base {base:g} {e.unit} it reduces ({e.describe()})",
                                        field="amount", value=e.amount, expected=f"<= {base:g} {e.unit}")
                f = min(f, 1.0)
            per_key.setdefault(ReductionKey.of(e.key), []).append(f * ramp)
    keys = tuple(sorted(per_key, key=lambda k: tuple(str(v) for v in k)))
    fr = np.array([combine_fractions(np.vstack(per_key[k]), axis=0) for k in keys]).reshape(len(keys), len(years))
    return Reductions(domain, years, keys, fr)
