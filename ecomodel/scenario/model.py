"""Typed measures, packages and scenarios, their ramps and their costs.

A :class:`Measure` names what it reduces (one or more :class:`Effect`), when it starts and how
fast it ramps up, what it costs (:class:`Cost`) and its co-benefits (effects in other domains).
A :class:`Package` is a set of measures; a :class:`Scenario` is base data + package + ensemble
settings + horizon. Everything is immutable and validated on construction; the TOML reader in
:mod:`ecomodel.scenario.toml` adds the file and table to every error message.

Costs
-----
Capital cost is annualised with the capital recovery factor

.. math:: \\mathrm{CRF}(r, n) = \\frac{r (1+r)^n}{(1+r)^n - 1}, \\qquad \\mathrm{CRF}(0, n) = 1/n

(any engineering-economics text, e.g. Newnan, Eschenbach & Lavelle, *Engineering Economic
Analysis*, ch. 4). The default discount rate of 8 % is the social discount rate of
国家发展改革委、建设部《建设项目经济评价方法与参数》(第三版, 2006).

Ramps
-----
A measure starting in year ``start`` with ``ramp_years = n`` reaches the fraction
``min(1, (year - start + 1) / n)`` of its full effect in ``year`` (0 before ``start``); with
``n <= 1`` the full effect applies from the start year.

Examples
--------
>>> m = Measure(id="wwtp", name="WWTP upgrade", domain="water", start=2023, ramp_years=2,
...             effects=(Effect(domain="water", pollutant="TP", category="wwtp", fraction=0.3),),
...             cost=Cost(capital=1.0e8, annual=5.0e6, lifetime=20))
>>> m.ramp([2022, 2023, 2024, 2025]).tolist()
[0.0, 0.5, 1.0, 1.0]
>>> round(m.cost.annualised(0.08) / 1e6, 3)
15.185
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import vocabulary
from ..errors import EcomodelError, ScenarioError, close_matches

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "DOMAINS",
    "POLLUTANTS",
    "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_SEED",
    "Effect",
    "Cost",
    "Measure",
    "Package",
    "Scenario",
    "capital_recovery_factor",
    "combine_fractions",
]

#: The model domains a measure can act on, and the pollutants each understands (one vocabulary
#: for every domain, :mod:`ecomodel.vocabulary`).
DOMAINS = vocabulary.DOMAINS
POLLUTANTS = vocabulary.POLLUTANTS

#: Social discount rate of 《建设项目经济评价方法与参数》(第三版, 2006): 8 %.
DEFAULT_DISCOUNT_RATE = 0.08

#: Seed of the default (and demo) ensembles: the date the 2023 work plan was issued (004:8, 2023-04-17).
DEFAULT_SEED = 20230417

#: Unit each domain's ``amount`` is converted to (mass flow for emissions and loads, mass for CO2).
AMOUNT_UNITS = {"air": "t/yr", "water": "t/yr", "carbon": "t"}

_YEAR_RANGE = (1950, 2100)


def _err(msg: str, *, where: str = "", field_name: str | None = None, value=None, expected: str | None = None):
    text = f"{where}: {msg}" if where else msg
    err = ScenarioError(text, field=field_name, value=value, expected=expected)
    return err


def _number(value, name: str, where: str, *, minimum: float | None = 0.0, maximum: float | None = None,
            integer: bool = False, exclusive_min: bool = False) -> float:
    """Check one number read from a file or given by the user and return it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        kind = "an integer" if integer else "a number"
        raise _err(f"field '{name}': {value!r} is not {kind}", where=where, field_name=name, value=value,
                   expected=kind)
    if integer and (isinstance(value, (float, np.floating)) and not float(value).is_integer()):
        raise _err(f"field '{name}': {value!r} is not an integer", where=where, field_name=name, value=value,
                   expected="an integer")
    v = float(value)
    if not math.isfinite(v):
        raise _err(f"field '{name}': {value!r}; expected a finite number", where=where, field_name=name,
                   value=value, expected="a finite number")
    if minimum is not None and (v <= minimum if exclusive_min else v < minimum):
        op = ">" if exclusive_min else ">="
        raise _err(f"field '{name}': {value!r}; expected a value {op} {minimum:g}", where=where, field_name=name,
                   value=value, expected=f"{op} {minimum:g}")
    if maximum is not None and v > maximum:
        raise _err(f"field '{name}': {value!r}; expected a value <= {maximum:g}", where=where, field_name=name,
                   value=value, expected=f"<= {maximum:g}")
    return int(v) if integer else v


def _text(value, name: str, where: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise _err(f"field '{name}' is missing", where=where, field_name=name, expected="a string")
        return None
    if not isinstance(value, str):
        raise _err(f"field '{name}': {value!r} is not a string", where=where, field_name=name, value=value,
                   expected="a string")
    if required and not value.strip():
        raise _err(f"field '{name}' is empty", where=where, field_name=name, value=value,
                   expected="a non-empty string")
    return value


def _choice(value, options: Sequence[str], name: str, where: str) -> str:
    if value not in options:
        raise _err(f"field '{name}': unknown value {value!r}" + close_matches(str(value), options), where=where,
                   field_name=name, value=value, expected=f"one of {list(options)}")
    return value


def normalise_pollutant(domain: str, pollutant: str, where: str = "") -> str:
    """Canonical pollutant name for *domain* (``'nox'`` → ``'NOx'``, ``'氨氮'`` → ``'NH3-N'``)."""
    options = POLLUTANTS[domain]
    hit = vocabulary.pollutant(pollutant, domain)
    if hit is not None:
        return hit
    raise _err(f"field 'pollutant': unknown {domain} pollutant {pollutant!r}" + close_matches(str(pollutant), options),
               where=where, field_name="pollutant", value=pollutant, expected=f"one of {list(options)}")


def capital_recovery_factor(discount_rate: float, lifetime: float) -> float:
    """Capital recovery factor: the share of a capital cost paid each year over *lifetime*.

    Parameters
    ----------
    discount_rate : float
        Real discount rate [1/yr], ``0 <= r < 1``.
    lifetime : float
        Economic lifetime of the investment [yr], > 0.

    Returns
    -------
    float
        ``r (1+r)^n / ((1+r)^n - 1)`` [1/yr]; ``1/n`` when ``r == 0``.

    References
    ----------
    Newnan, Eschenbach & Lavelle, *Engineering Economic Analysis*, capital recovery factor (A/P, i, n).

    Examples
    --------
    >>> round(capital_recovery_factor(0.08, 20), 5)
    0.10185
    >>> capital_recovery_factor(0.0, 10)
    0.1
    """
    r = _number(discount_rate, "discount_rate", "", minimum=0.0, maximum=0.999)
    n = _number(lifetime, "lifetime", "", minimum=0.0, exclusive_min=True)
    if r == 0.0:
        return 1.0 / n
    g = (1.0 + r) ** n
    return r * g / (g - 1.0)


def combine_fractions(fractions: npt.ArrayLike, axis: int = 0) -> np.ndarray | float:
    """Combine reduction fractions of measures acting on the same thing: ``1 − Π(1 − fᵢ)``.

    Each measure removes its fraction of what the others leave, so the result does not depend on
    the order of the measures, never exceeds 1 and never decreases when a measure is added.

    Parameters
    ----------
    fractions : array-like
        Reduction fractions [1] in [0, 1].
    axis : int
        Axis along which measures are stacked.

    Examples
    --------
    >>> float(combine_fractions([0.5, 0.5]))
    0.75
    """
    f = np.asarray(fractions, dtype=float)
    return 1.0 - np.prod(1.0 - f, axis=axis)


# ------------------------------------------------------------------------------------------------ effects


@dataclass(frozen=True)
class Effect:
    """What a measure reduces and by how much.

    Parameters
    ----------
    domain : {'air', 'water', 'carbon'}
        Model that represents the effect.
    pollutant : str, optional
        Air: SO2, NOx, NH3, VOCs, PM2.5; water: TP, NH3-N, COD, TN, CODMn; carbon: CO2 (implied);
        aliases from :mod:`ecomodel.vocabulary`.
    sector : str, optional
        Emitting sector (air inventory sector, or carbon end-use sector).
    region : str, optional
        Region or air box the effect is confined to (all when omitted).
    category : str, optional
        Water source category (``wwtp``, ``industry``, ``agriculture``, ``internal`` …).
    reach, lake : str, optional
        Water reach or lake the effect is confined to (all when omitted).
    fuel : str, optional
        Fuel whose use is cut (carbon); ``to_fuel`` names the replacement for a fuel switch.
    fraction : float, optional
        Reduction as a fraction [1] of the baseline of what it acts on, in [0, 1].
    amount : float, optional
        Reduction as an amount [``unit``]; converted to a fraction of the baseline at run time.
    unit : str, optional
        Unit of ``amount`` (default t/yr for air and water, t CO2 for carbon).
    share : float, optional
        Part of ``amount`` that falls in the modelled area [1], ``0 < share <= 1`` (e.g. a
        city-wide plan figure of which only the modelled catchment's part counts); default 1.
    note : str, optional
        Free text (how the number was derived).
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
    fraction: float | None = None
    amount: float | None = None
    unit: str | None = None
    share: float | None = None
    note: str | None = None
    where: str = field(default="", compare=False, repr=False)

    #: fields that together say *what* is reduced (the combination key)
    KEY_FIELDS = ("domain", "pollutant", "sector", "region", "category", "reach", "lake", "fuel", "to_fuel")
    TEXT_FIELDS = ("pollutant", "sector", "region", "category", "reach", "lake", "fuel", "to_fuel", "unit", "note")

    def __post_init__(self):
        where = self.where
        _choice(self.domain, DOMAINS, "domain", where)
        for name in self.TEXT_FIELDS:
            _text(getattr(self, name), name, where)
        if self.domain in ("air", "water"):
            if self.pollutant is None:
                raise _err("field 'pollutant' is missing", where=where, field_name="pollutant",
                           expected=f"one of {list(POLLUTANTS[self.domain])}")
            object.__setattr__(self, "pollutant", normalise_pollutant(self.domain, self.pollutant, where))
        else:
            if self.pollutant is not None:
                object.__setattr__(self, "pollutant", normalise_pollutant("carbon", self.pollutant, where))
            if self.fuel is None and self.sector is None:
                raise _err("field 'fuel' is missing (a carbon effect cuts the use of a fuel, or of all fuels in a "
                           "'sector')", where=where, field_name="fuel", expected="a fuel name or a sector")
        if self.domain != "water":
            for name in ("category", "reach", "lake"):
                if getattr(self, name) is not None:
                    raise _err(f"field '{name}' only applies to water effects, not {self.domain}", where=where,
                               field_name=name, value=getattr(self, name), expected="no such field")
        if self.domain != "carbon":
            for name in ("fuel", "to_fuel"):
                if getattr(self, name) is not None:
                    raise _err(f"field '{name}' only applies to carbon effects, not {self.domain}", where=where,
                               field_name=name, value=getattr(self, name), expected="no such field")
        if self.fraction is None and self.amount is None:
            raise _err("field 'fraction': neither 'fraction' nor 'amount' is given", where=where, field_name="fraction",
                       expected="one of 'fraction' (0-1) or 'amount' (with 'unit')")
        if self.fraction is not None and self.amount is not None:
            raise _err(f"field 'amount': both 'fraction' ({self.fraction!r}) and 'amount' ({self.amount!r}) are given; "
                       "give one of them", where=where,
                       field_name="amount", value=self.amount, expected="only one of them")
        if self.fraction is not None:
            object.__setattr__(self, "fraction", _number(self.fraction, "fraction", where, minimum=0.0, maximum=1.0))
            if self.unit is not None:
                raise _err(f"field 'unit' ({self.unit!r}) given with 'fraction'; a fraction has no unit", where=where,
                           field_name="unit", value=self.unit, expected="no unit with 'fraction'")
        if self.amount is not None:
            from .. import units

            amount = _number(self.amount, "amount", where, minimum=0.0)
            unit = self.unit or AMOUNT_UNITS[self.domain]
            try:
                canon = units.canonical(unit)
                value = units.convert(amount, canon, AMOUNT_UNITS[self.domain])
            except EcomodelError as exc:  # UnitError
                raise _err(f"field 'unit': {exc}", where=where, field_name="unit", value=unit,
                           expected=f"a unit convertible to {AMOUNT_UNITS[self.domain]}") from None
            object.__setattr__(self, "amount", float(value))
            object.__setattr__(self, "unit", AMOUNT_UNITS[self.domain])
        if self.share is not None:
            if self.amount is None:
                raise _err(f"field 'share' ({self.share!r}) given without 'amount'; a share applies to an amount",
                           where=where, field_name="share", value=self.share, expected="no share with 'fraction'")
            object.__setattr__(self, "share", _number(self.share, "share", where, minimum=0.0, maximum=1.0,
                                                      exclusive_min=True))

    @property
    def modelled_amount(self) -> float | None:
        """``amount × share`` [model unit]: the part of the amount acting on the modelled area."""
        if self.amount is None:
            return None
        return self.amount * (1.0 if self.share is None else self.share)

    @property
    def key(self) -> tuple:
        """What the effect acts on: ``(domain, pollutant, sector, region, category, reach, lake, fuel, to_fuel)``."""
        return tuple(getattr(self, k) for k in self.KEY_FIELDS)

    def describe(self) -> str:
        """Short human description (``'air NOx industry −5207 t/yr'``)."""
        parts = [self.domain] + [str(getattr(self, k)) for k in self.KEY_FIELDS[1:] if getattr(self, k)]
        size = (f"−{self.fraction:.1%}" if self.fraction is not None else
                f"−{self.amount:g} {self.unit}" + (f" × {self.share:g}" if self.share is not None else ""))
        return " ".join(parts + [size])

    def to_dict(self) -> dict:
        """Plain dict (for TOML); only the fields that are set."""
        out = {}
        for name in ("domain",) + self.TEXT_FIELDS + ("fraction", "amount", "share"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


# ------------------------------------------------------------------------------------------------ costs


@dataclass(frozen=True)
class Cost:
    """Cost of a measure.

    Parameters
    ----------
    capital : float
        Investment [CNY], spent once in the start year.
    annual : float
        Operation and maintenance cost at full effect [CNY/yr].
    lifetime : float
        Economic lifetime over which capital is annualised [yr].
    source : str, optional
        Where the numbers come from (plan line, paper, or stated assumption).
    """

    capital: float = 0.0
    annual: float = 0.0
    lifetime: float = 20.0
    source: str = ""
    where: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "capital", _number(self.capital, "capital", self.where, minimum=0.0))
        object.__setattr__(self, "annual", _number(self.annual, "annual", self.where, minimum=0.0))
        object.__setattr__(self, "lifetime", _number(self.lifetime, "lifetime", self.where, minimum=0.0,
                                                     exclusive_min=True))
        _text(self.source, "source", self.where)

    def annualised(self, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> float:
        """Equivalent annual cost [CNY/yr]: ``capital · CRF(r, lifetime) + annual``.

        Examples
        --------
        >>> Cost(capital=1000.0, annual=10.0, lifetime=10).annualised(0.0)
        110.0
        """
        return self.capital * capital_recovery_factor(discount_rate, self.lifetime) + self.annual


# ------------------------------------------------------------------------------------------------ measures


def _ramp(years, start: int, ramp_years: int, end: int | None = None) -> np.ndarray:
    y = np.asarray(years, dtype=float)
    n = max(int(ramp_years), 1)
    out = np.clip((y - start + 1.0) / n, 0.0, 1.0)
    if end is not None:
        out = np.where(y > end, 0.0, out)
    return out


def _implements(value, where: str) -> tuple:
    """Check the registry references of a measure (``implements``) and return them as a tuple."""
    from .. import targets

    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _err(f"field 'implements': {value!r} is not a list of registry references", where=where,
                   field_name="implements", value=value, expected="a list such as [\"004:19/nox_reduction_t\"]")
    out = []
    for ref in value:
        if not isinstance(ref, str):
            raise _err(f"field 'implements': {ref!r} is not a string", where=where, field_name="implements",
                       value=ref, expected="a registry reference such as '004:19/nox_reduction_t'")
        problem = targets.reference_problem(ref)
        if problem:
            raise _err(f"field 'implements': {problem}", where=where, field_name="implements", value=ref,
                       expected="a target or investment row of ecomodel/data/targets.csv, '<code>:<line>[/<indicator>]'")
        ref = ref.strip()
        if ref in out:
            raise _err(f"field 'implements': {ref!r} is listed twice", where=where, field_name="implements",
                       value=ref, expected="each reference once")
        out.append(ref)
    return tuple(out)


@dataclass(frozen=True)
class Measure:
    """One emission- or load-reduction measure.

    Parameters
    ----------
    id : str
        Unique identifier within a package (letters, digits, ``_`` and ``-``).
    name : str
        Human-readable name (Chinese or English).
    domain : {'air', 'water', 'carbon'}
        Main domain of the measure.
    effects : tuple of Effect
        Main effects (at least one).
    co_benefits : tuple of Effect
        Side effects, usually in another domain (fuel switching cuts NOx as well as CO2).
    start : int
        First year with an effect [year].
    ramp_years : int
        Years to reach the full effect, counting the start year [yr]; 0 or 1 means at once.
    end : int, optional
        Last year with an effect [year] (none: lasts to the end of the horizon).
    cost : Cost
        Capital and yearly cost.
    group : str, optional
        Mutually exclusive alternatives share a group (at most one is chosen by :func:`optimise`).
    source : str
        Where the measure and its size come from (plan ``file:line``, paper, or assumption).
    description, name_en : str
        Free text; English name for figures.
    implements : tuple of str
        Registry rows the measure carries out, as ``'<code>:<first line>'`` or
        ``'<code>:<first line>/<indicator>'`` (``'004:19/nox_reduction_t'``, see
        :func:`ecomodel.targets.find_rows`); each must name a ``target`` or ``investment`` row of the
        registry. :func:`ecomodel.targets.coverage` counts these rows as implemented.
    """

    id: str
    name: str
    domain: str
    effects: tuple = ()
    co_benefits: tuple = ()
    start: int = 2021
    ramp_years: int = 1
    end: int | None = None
    cost: Cost = field(default_factory=Cost)
    group: str | None = None
    source: str = ""
    description: str = ""
    name_en: str = ""
    implements: tuple = ()
    where: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        where = self.where or f"measure '{self.id}'"
        _text(self.id, "id", where, required=True)
        if not all(c.isalnum() or c in "_-." for c in self.id):
            raise _err(f"field 'id': {self.id!r} has characters other than letters, digits, '_', '-', '.'",
                       where=where, field_name="id", value=self.id, expected="an identifier like 'wwtp_taihu'")
        _text(self.name, "name", where, required=True)
        _choice(self.domain, DOMAINS, "domain", where)
        for name in ("source", "description", "name_en"):
            _text(getattr(self, name), name, where)
        _text(self.group, "group", where)
        object.__setattr__(self, "effects", tuple(self.effects))
        object.__setattr__(self, "co_benefits", tuple(self.co_benefits))
        if not self.effects:
            raise _err("no [[measure.effect]] table; a measure must reduce something", where=where,
                       field_name="effect", expected="at least one effect")
        for e in self.effects + self.co_benefits:
            if not isinstance(e, Effect):
                raise _err(f"field 'effect': {e!r} is not an Effect", where=where, field_name="effect", value=e)
        object.__setattr__(self, "start", _number(self.start, "start", where, minimum=_YEAR_RANGE[0],
                                                  maximum=_YEAR_RANGE[1], integer=True))
        object.__setattr__(self, "ramp_years", _number(self.ramp_years, "ramp_years", where, minimum=0,
                                                       maximum=100, integer=True))
        if self.end is not None:
            object.__setattr__(self, "end", _number(self.end, "end", where, minimum=self.start,
                                                    maximum=_YEAR_RANGE[1], integer=True))
        if not isinstance(self.cost, Cost):
            raise _err(f"field 'cost': {self.cost!r} is not a Cost", where=where, field_name="cost", value=self.cost)
        object.__setattr__(self, "implements", _implements(self.implements, where))

    @property
    def all_effects(self) -> tuple:
        """Main effects followed by co-benefits."""
        return self.effects + self.co_benefits

    @property
    def domains(self) -> tuple:
        """Domains touched by the measure (main domain first)."""
        seen = [self.domain]
        for e in self.all_effects:
            if e.domain not in seen:
                seen.append(e.domain)
        return tuple(seen)

    @property
    def label(self) -> str:
        """English name when there is one, else the name."""
        return self.name_en or self.name

    def ramp(self, years: npt.ArrayLike) -> np.ndarray:
        """Share [0–1] of the full effect reached in each of *years*."""
        return _ramp(years, self.start, self.ramp_years, self.end)

    def annualised_cost(self, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> float:
        """Equivalent annual cost at full effect [CNY/yr]."""
        return self.cost.annualised(discount_rate)

    def cost_by_year(self, years: npt.ArrayLike, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> np.ndarray:
        """Cash-flow view [CNY] per year: capital in the start year, O&M scaled by the ramp.

        Examples
        --------
        >>> m = Measure(id="a", name="a", domain="air", start=2022, ramp_years=2,
        ...             effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),),
        ...             cost=Cost(capital=100.0, annual=10.0))
        >>> m.cost_by_year([2021, 2022, 2023]).tolist()
        [0.0, 105.0, 10.0]
        """
        y = np.asarray(years)
        return np.where(y == self.start, self.cost.capital, 0.0) + self.cost.annual * self.ramp(y)

    def to_dict(self) -> dict:
        out = {"id": self.id, "name": self.name}
        if self.name_en:
            out["name_en"] = self.name_en
        out["domain"] = self.domain
        out["start"] = self.start
        out["ramp_years"] = self.ramp_years
        if self.end is not None:
            out["end"] = self.end
        if self.group:
            out["group"] = self.group
        if self.source:
            out["source"] = self.source
        if self.description:
            out["description"] = self.description
        cost = {"capital": self.cost.capital, "annual": self.cost.annual, "lifetime": self.cost.lifetime,
                "unit": "CNY"}
        if self.cost.source:
            cost["source"] = self.cost.source
        if self.implements:
            out["implements"] = list(self.implements)
        out["cost"] = cost
        out["effect"] = [e.to_dict() for e in self.effects]
        if self.co_benefits:
            out["co_benefit"] = [e.to_dict() for e in self.co_benefits]
        return out


# ------------------------------------------------------------------------------------------------ packages


@dataclass(frozen=True)
class Package:
    """A set of measures taken together.

    Parameters
    ----------
    name : str
        Identifier (used as the ``scenario`` coordinate).
    measures : tuple of Measure
        The measures; ids must be unique. May be empty (the baseline).
    title, description, source : str
        Free text and citation.

    Examples
    --------
    >>> Package("baseline").is_empty
    True
    """

    name: str
    measures: tuple = ()
    title: str = ""
    description: str = ""
    source: str = ""
    where: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        where = self.where or f"package '{self.name}'"
        _text(self.name, "name", where, required=True)
        for name in ("title", "description", "source"):
            _text(getattr(self, name), name, where)
        object.__setattr__(self, "measures", tuple(self.measures))
        seen = {}
        for i, m in enumerate(self.measures):
            if not isinstance(m, Measure):
                raise _err(f"measure {i}: {m!r} is not a Measure", where=where, field_name="measure", value=m)
            if m.id in seen:
                raise _err(f"field 'id': measure id {m.id!r} is used twice (measures {seen[m.id]} and {i})",
                           where=m.where or where, field_name="id", value=m.id, expected="unique measure ids")
            seen[m.id] = i

    def __len__(self) -> int:
        return len(self.measures)

    def __iter__(self):
        return iter(self.measures)

    @property
    def is_empty(self) -> bool:
        return not self.measures

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.measures]

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise _err(f"unknown measure {measure_id!r}" + close_matches(measure_id, self.ids), where=f"package "
                   f"'{self.name}'", field_name="measure", value=measure_id, expected=f"one of {self.ids}")

    def subset(self, ids: Iterable[str], name: str | None = None) -> Package:
        """A package with only the measures in *ids* (in this package's order)."""
        ids = list(ids)
        for i in ids:
            self.measure(i)
        keep = tuple(m for m in self.measures if m.id in set(ids))
        return replace(self, name=name or f"{self.name}[{','.join(ids)}]", measures=keep, where="")

    def merged(self, *others: Package, name: str | None = None) -> Package:
        """This package plus the measures of *others* (ids must stay unique)."""
        measures = list(self.measures)
        for o in others:
            measures.extend(o.measures)
        return Package(name or "+".join([self.name] + [o.name for o in others]), tuple(measures),
                       title=self.title, description=self.description, source=self.source)

    def annualised_cost(self, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> float:
        """Sum of the measures' equivalent annual costs [CNY/yr]."""
        return float(sum(m.annualised_cost(discount_rate) for m in self.measures))

    def capital_cost(self) -> float:
        """Sum of capital costs [CNY]."""
        return float(sum(m.cost.capital for m in self.measures))

    def cost_table(self, discount_rate: float = DEFAULT_DISCOUNT_RATE) -> pd.DataFrame:
        """One row per measure: capital [CNY], annual O&M [CNY/yr], lifetime, annualised [CNY/yr].

        Examples
        --------
        >>> p = Package("p", (Measure(id="a", name="a", domain="air",
        ...     effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),), cost=Cost(capital=10.0, lifetime=10)),))
        >>> float(p.cost_table(0.0).loc["a", "annualised_cny_per_yr"])
        1.0
        """
        import pandas as pd

        rows = [{"measure": m.id, "name": m.name, "domain": m.domain, "start": m.start, "ramp_years": m.ramp_years,
                 "capital_cny": m.cost.capital, "annual_cny_per_yr": m.cost.annual, "lifetime_yr": m.cost.lifetime,
                 "annualised_cny_per_yr": m.annualised_cost(discount_rate), "source": m.cost.source or m.source}
                for m in self.measures]
        cols = ["measure", "name", "domain", "start", "ramp_years", "capital_cny", "annual_cny_per_yr",
                "lifetime_yr", "annualised_cny_per_yr", "source"]
        return pd.DataFrame(rows, columns=cols).set_index("measure")

    def to_dict(self) -> dict:
        head = {"name": self.name}
        for k in ("title", "description", "source"):
            if getattr(self, k):
                head[k] = getattr(self, k)
        out = {"package": head}
        if self.measures:
            out["measure"] = [m.to_dict() for m in self.measures]
        return out


# ------------------------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class Scenario:
    """Base data + package + ensemble settings + horizon: everything :func:`run` needs.

    Parameters
    ----------
    name : str
        Identifier (the ``scenario`` coordinate in comparisons).
    package : Package
        Measures applied on top of the base data (empty: the baseline).
    base : str
        Base data set; ``'demo'`` is the embedded Changzhou data.
    start_year, end_year : int
        Horizon [year], inclusive.
    members : int
        Ensemble members (≥ 1).
    seed : int
        Seed of the ensemble's random numbers (same seed, same numbers).
    discount_rate : float
        Real discount rate for annualising capital [1/yr].
    domains : tuple of str
        Domains to run (default all three).
    method : {'surface', 'full'}
        ``'surface'`` uses response surfaces / linear responses where a domain offers them (fast);
        ``'full'`` runs the process models.
    """

    name: str
    package: Package = field(default_factory=lambda: Package("baseline"))
    base: str = "demo"
    start_year: int = 2020
    end_year: int = 2030
    members: int = 20
    seed: int = 0
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    domains: tuple = DOMAINS
    method: str = "surface"
    description: str = ""
    where: str = field(default="", compare=False, repr=False)

    def __post_init__(self):
        where = self.where or f"scenario '{self.name}'"
        _text(self.name, "name", where, required=True)
        _text(self.base, "base", where, required=True)
        _text(self.description, "description", where)
        if not isinstance(self.package, Package):
            raise _err(f"field 'package': {self.package!r} is not a Package", where=where, field_name="package",
                       value=self.package)
        sy = _number(self.start_year, "start_year", where, minimum=_YEAR_RANGE[0], maximum=_YEAR_RANGE[1],
                     integer=True)
        ey = _number(self.end_year, "end_year", where, minimum=_YEAR_RANGE[0], maximum=_YEAR_RANGE[1], integer=True)
        if ey < sy:
            raise _err(f"field 'end_year': {ey} is before start_year {sy}", where=where, field_name="end_year",
                       value=ey, expected=f">= {sy}")
        object.__setattr__(self, "start_year", sy)
        object.__setattr__(self, "end_year", ey)
        object.__setattr__(self, "members", _number(self.members, "members", where, minimum=1, maximum=100000,
                                                    integer=True))
        object.__setattr__(self, "seed", _number(self.seed, "seed", where, minimum=0, maximum=2**63 - 1,
                                                 integer=True))
        object.__setattr__(self, "discount_rate", _number(self.discount_rate, "discount_rate", where, minimum=0.0,
                                                          maximum=0.999))
        doms = (self.domains,) if isinstance(self.domains, str) else tuple(self.domains)
        if not doms:
            raise _err("field 'domains' is empty", where=where, field_name="domains", expected=f"some of {DOMAINS}")
        for d in doms:
            _choice(d, DOMAINS, "domains", where)
        object.__setattr__(self, "domains", tuple(d for d in DOMAINS if d in doms))
        _choice(self.method, ("surface", "full"), "method", where)

    @property
    def years(self) -> np.ndarray:
        """Years of the horizon (inclusive)."""
        return np.arange(self.start_year, self.end_year + 1)

    def with_package(self, package: Package, name: str | None = None) -> Scenario:
        """Same settings, another package."""
        return replace(self, package=package, name=name or package.name, where="")

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        return replace(self, where="", **changes)

    @classmethod
    def default(cls, package: Package | None = None, *, members: int = 50, method: str = "surface") -> Scenario:
        """The library's default settings: embedded Changzhou base data (``'demo'``), 2020–2030,
        *members* members, seed :data:`DEFAULT_SEED`, all domains, the default discount rate; the
        scenario is named after *package* (none: the empty ``baseline`` package).

        This is what the optimiser's evaluators, embedded package names given to ``run`` and
        :func:`ecomodel.scenario.demo.demo_scenario` use.

        Examples
        --------
        >>> sc = Scenario.default()
        >>> sc.name, sc.years[[0, -1]].tolist(), sc.members, sc.seed, sc.domains
        ('baseline', [2020, 2030], 50, 20230417, ('air', 'water', 'carbon'))
        """
        package = package or Package("baseline", title="no measures")
        return cls(name=package.name, package=package, base="demo", start_year=2020, end_year=2030,
                   members=members, seed=DEFAULT_SEED, discount_rate=DEFAULT_DISCOUNT_RATE, domains=DOMAINS,
                   method=method)

    def to_dict(self) -> dict:
        head = {"name": self.name, "base": self.base, "start_year": self.start_year, "end_year": self.end_year,
                "members": self.members, "seed": self.seed, "discount_rate": self.discount_rate,
                "domains": list(self.domains), "method": self.method}
        if self.description:
            head["description"] = self.description
        return {"scenario": head, **self.package.to_dict()}
