"""Emission inventory by box × sector × pollutant [t/yr] with monthly profiles, and reductions.

Reductions are fractions in [0, 1] keyed by what they cut:

- ``"NOx"`` — a pollutant, every sector;
- ``("industry", "NOx")`` — one sector and pollutant;
- ``("武进", "industry", "NOx")`` — confined to a box, a registry region (``常州市武进区``) or a
  city (``常州市``: all its district boxes); ``None`` or ``"*"`` stands for "all" in any position.

Keys without a box cut the *local* boxes only (the regional background box keeps its emissions
unless it is named). Several keys acting on the same cell combine multiplicatively,
``1 − Π(1 − fᵢ)``. A schedule by year is ``{year: reductions}`` (each year holds until the next
one; years before the first key have no reduction) or a DataArray with a ``year`` dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from .. import vocabulary
from .._cf import cf_attrs
from ..errors import EcomodelError, EmissionError, close_matches
from ..units import DAYS_PER_YEAR, canonical, convert

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Sequence

    from .box import Domain

__all__ = ["SECTORS", "POLLUTANTS", "Inventory", "load_inventory", "reduction_factors", "fractions_from_amounts",
           "normalise_pollutant", "normalise_sector"]

SECTORS = vocabulary.AIR_SECTORS
POLLUTANTS = vocabulary.AIR_POLLUTANTS
#: kernel species fed by each pollutant (NOx as NO2 mass, PM2.5 as primary PM)
POLLUTANT_SPECIES = {"SO2": 0, "NOx": 2, "NH3": 5, "VOCs": 7, "PM2.5": 9}

_ALL = (None, "*", "all", "")


def normalise_pollutant(name: str) -> str:
    """Canonical pollutant name (``'nox'`` → ``'NOx'``); raises :class:`EmissionError` if unknown.

    Examples
    --------
    >>> normalise_pollutant("pm25")
    'PM2.5'
    """
    hit = vocabulary.pollutant(name, "air")
    if hit:
        return hit
    raise EmissionError(f"pollutant: unknown value {name!r}" + close_matches(str(name), POLLUTANTS),
                        field="pollutant", value=name, expected=f"one of {list(POLLUTANTS)}")


def normalise_sector(name: str) -> str:
    """Canonical sector name; raises :class:`EmissionError` if unknown.

    Examples
    --------
    >>> normalise_sector("Solvents")
    'solvent'
    """
    hit = vocabulary.sector(name)
    if hit:
        return hit
    raise EmissionError(f"sector: unknown value {name!r}" + close_matches(str(name), SECTORS),
                        field="sector", value=name, expected=f"one of {list(SECTORS)}")


def _days_in_month(year: int = 2021) -> np.ndarray:
    return np.array([pd.Period(f"{year}-{m:02d}").days_in_month for m in range(1, 13)], dtype=float)


class Inventory:
    """Annual emissions by box, sector and pollutant, with monthly profiles by sector.

    Parameters
    ----------
    emissions : xarray.DataArray
        Emissions with dims ``(box, sector, pollutant)`` [t/yr] (``units`` attribute converted if
        another mass-flow unit); sectors and pollutants from :data:`SECTORS`, :data:`POLLUTANTS`
        (missing ones are zero).
    monthly_profile : xarray.DataArray, optional
        Relative monthly activity by ``(sector, month)`` [1]; rescaled so that its day-weighted
        mean is 1 (the annual total is kept). Flat when omitted.
    year : int
        Base year of the inventory.
    source : str
        Where the numbers come from.

    Examples
    --------
    >>> inv = Inventory.from_records([("A", "industry", "SO2", 100.0), ("A", "transport", "NOx", 50.0)])
    >>> float(inv.total().sel(pollutant="SO2"))
    100.0
    >>> float(inv.reduced({"SO2": 0.25}).total().sel(pollutant="SO2"))
    75.0
    """

    def __init__(self, emissions: xr.DataArray, monthly_profile: xr.DataArray | None = None, *, year: int = 2020,
                 source: str = ""):
        if not isinstance(emissions, xr.DataArray):
            raise EmissionError(f"emissions: expected an xarray.DataArray over (box, sector, pollutant), got "
                                f"{type(emissions).__name__}", field="emissions", value=type(emissions).__name__)
        missing = {"box", "sector", "pollutant"} - set(emissions.dims)
        if missing or emissions.ndim != 3:
            raise EmissionError(f"emissions: dims {emissions.dims}; expected ('box', 'sector', 'pollutant')",
                                field="emissions", value=emissions.dims, expected="(box, sector, pollutant)")
        unit = emissions.attrs.get("units", "t/yr")
        try:
            values = convert(np.asarray(emissions.transpose("box", "sector", "pollutant").values, dtype=float),
                             canonical(unit), "t/yr")
        except (EcomodelError, ValueError, TypeError) as exc:
            raise EmissionError(f"emissions: units {unit!r} cannot be converted to t/yr ({exc})", field="units",
                                value=unit, expected="a mass-flow unit such as t/yr") from None
        boxes = [str(b) for b in emissions["box"].values]
        sectors = [normalise_sector(s) for s in emissions["sector"].values]
        pollutants = [normalise_pollutant(p) for p in emissions["pollutant"].values]
        if len(set(boxes)) != len(boxes):
            raise EmissionError(f"box: duplicated box names in {boxes}", field="box", value=boxes)
        if len(set(sectors)) != len(sectors) or len(set(pollutants)) != len(pollutants):
            raise EmissionError("emissions: duplicated sector or pollutant labels", field="emissions")
        values = np.atleast_3d(values)
        bad = ~np.isfinite(values)
        if bad.any():
            i, j, k = np.argwhere(bad)[0]
            raise EmissionError(f"emissions[{boxes[i]!r}, {sectors[j]!r}, {pollutants[k]!r}]: {values[i, j, k]}; "
                                "expected a finite number [t/yr]", field="emissions", value=values[i, j, k],
                                expected="finite")
        if (values < 0).any():
            i, j, k = np.argwhere(values < 0)[0]
            raise EmissionError(f"emissions[{boxes[i]!r}, {sectors[j]!r}, {pollutants[k]!r}]: {values[i, j, k]} t/yr; "
                                "expected emissions >= 0", field="emissions", value=values[i, j, k], expected=">= 0")
        full = np.zeros((len(boxes), len(SECTORS), len(POLLUTANTS)))
        for j, s in enumerate(sectors):
            for k, p in enumerate(pollutants):
                full[:, SECTORS.index(s), POLLUTANTS.index(p)] = values[:, j, k]
        self.emissions = xr.DataArray(
            full, dims=("box", "sector", "pollutant"),
            coords={"box": boxes, "sector": list(SECTORS), "pollutant": list(POLLUTANTS)},
            attrs=cf_attrs("t/yr", "annual emission", source=source or None), name="emissions")
        if "name_en" in emissions.coords and emissions["name_en"].dims == ("box",):
            self.emissions = self.emissions.assign_coords(name_en=("box", [str(v) for v in emissions["name_en"].values]))
        self.monthly_profile = self._check_profile(monthly_profile)
        self.year = int(year)
        self.source = source

    # ------------------------------------------------------------------------------ constructors
    @classmethod
    def from_records(cls, records: Iterable[tuple[str, str, str, float]] | pd.DataFrame, *,
                     monthly_profile: xr.DataArray | None = None, year: int = 2020, source: str = "",
                     unit: str = "t/yr") -> "Inventory":
        """Build from ``(box, sector, pollutant, emission)`` tuples or a DataFrame with those columns.

        Parameters
        ----------
        records : iterable of tuple or pandas.DataFrame
            Rows of box, sector, pollutant and emission [``unit``]. Repeated cells are summed.
        unit : str
            Unit of the emission column [t/yr by default].
        """
        if isinstance(records, pd.DataFrame):
            cols = {c.lower(): c for c in records.columns}
            need = ["box", "sector", "pollutant"]
            value_col = next((cols[c] for c in ("emission", "emission_t_per_yr", "value") if c in cols), None)
            if any(c not in cols for c in need) or value_col is None:
                raise EmissionError(f"inventory table: columns {list(records.columns)}; expected box, sector, "
                                    "pollutant, emission", field="columns", value=list(records.columns))
            rows = list(zip(records[cols["box"]], records[cols["sector"]], records[cols["pollutant"]],
                            records[value_col]))
        else:
            rows = list(records)
        if not rows:
            raise EmissionError("inventory: no rows", field="emissions", value=0, expected="at least one row")
        boxes = list(dict.fromkeys(str(r[0]) for r in rows))
        arr = np.zeros((len(boxes), len(SECTORS), len(POLLUTANTS)))
        for r in rows:
            if len(r) != 4:
                raise EmissionError(f"inventory row {r!r}: expected (box, sector, pollutant, emission)", field="row",
                                    value=r)
            b, s, p, v = r
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise EmissionError(f"emissions[{b!r}, {s!r}, {p!r}]: {v!r} is not a number", field="emission",
                                    value=v) from None
            if not np.isfinite(v) or v < 0:
                raise EmissionError(f"emissions[{b!r}, {s!r}, {p!r}]: {v} {unit}; expected a finite emission >= 0",
                                    field="emission", value=v, expected=">= 0")
            arr[boxes.index(str(b)), SECTORS.index(normalise_sector(s)), POLLUTANTS.index(normalise_pollutant(p))] += v
        da = xr.DataArray(arr, dims=("box", "sector", "pollutant"),
                          coords={"box": boxes, "sector": list(SECTORS), "pollutant": list(POLLUTANTS)},
                          attrs={"units": unit})
        return cls(da, monthly_profile, year=year, source=source)

    def _check_profile(self, profile):
        days = _days_in_month()
        if profile is None:
            arr = np.ones((len(SECTORS), 12))
        else:
            if not isinstance(profile, xr.DataArray) or set(profile.dims) != {"sector", "month"}:
                raise EmissionError("monthly_profile: expected a DataArray over (sector, month)",
                                    field="monthly_profile", value=getattr(profile, "dims", type(profile).__name__))
            months = [int(m) for m in profile["month"].values]
            if sorted(months) != list(range(1, 13)):
                raise EmissionError(f"monthly_profile: months {months}; expected 1..12", field="month", value=months)
            arr = np.ones((len(SECTORS), 12))
            prof = profile.transpose("sector", "month").sortby("month")
            for i, s in enumerate(prof["sector"].values):
                row = np.asarray(prof.values[i], dtype=float)
                if not np.all(np.isfinite(row)) or (row < 0).any() or row.sum() == 0:
                    raise EmissionError(f"monthly_profile[{s!r}]: {row.tolist()}; expected finite values >= 0, not all 0",
                                        field="monthly_profile", value=row.tolist())
                arr[SECTORS.index(normalise_sector(s))] = row
        arr = arr / ((arr * days).sum(axis=1, keepdims=True) / days.sum())
        return xr.DataArray(arr, dims=("sector", "month"), coords={"sector": list(SECTORS), "month": np.arange(1, 13)},
                            attrs=cf_attrs("1", "monthly emission factor relative to the annual mean"),
                            name="monthly_profile")

    # ---------------------------------------------------------------------------------- access
    @property
    def boxes(self) -> list[str]:
        """Box names in inventory order."""
        return [str(b) for b in self.emissions["box"].values]

    def total(self, dims: str | Sequence[str] = ("box", "sector")) -> xr.DataArray:
        """Emissions summed over *dims* [t/yr]."""
        out = self.emissions.sum(dims)
        out.attrs = dict(self.emissions.attrs)
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """Long table: box, sector, pollutant, emission [t/yr] (non-zero cells)."""
        df = self.emissions.to_dataframe().reset_index()[["box", "sector", "pollutant", "emissions"]]
        df = df.rename(columns={"emissions": "emission"})
        return df[df["emission"] != 0].reset_index(drop=True)

    def copy_with(self, values: np.ndarray) -> "Inventory":
        """A new inventory with the same labels and profiles and new values [t/yr]."""
        new = object.__new__(Inventory)
        new.emissions = self.emissions.copy(data=np.asarray(values, dtype=float))
        new.monthly_profile = self.monthly_profile
        new.year = self.year
        new.source = self.source
        return new

    def reduced(self, reductions: Mapping[Any, float] | xr.DataArray, *, domain: Domain | None = None) -> "Inventory":
        """The inventory after a (non-scheduled) set of reductions (see the module docstring).

        Parameters
        ----------
        reductions : mapping or xarray.DataArray
            Fractions in [0, 1] keyed by pollutant, ``(sector, pollutant)`` or ``(box, sector, pollutant)``.
        domain : Domain, optional
            Resolves region and city names and which boxes are local (default: boxes named in the
            inventory are all local except those named like the demo background box).
        """
        f = reduction_factors(reductions, self, domain=domain)
        return self.copy_with(self.emissions.values * f)

    def scaled(self, factor: float = 1.0, *, boxes: Iterable[str] | None = None,
               pollutants: Iterable[str] | None = None) -> "Inventory":
        """Multiply emissions of *boxes* (all when None) and *pollutants* (all) by *factor* [1].

        Examples
        --------
        >>> inv = Inventory.from_records([("A", "industry", "NOx", 10.0), ("B", "power", "NOx", 10.0)])
        >>> float(inv.scaled(2.0, boxes=["A"]).total().sel(pollutant="NOx"))
        30.0
        """
        if not np.isfinite(factor) or factor < 0:
            raise EmissionError(f"factor: {factor}; expected a finite number >= 0", field="factor", value=factor)
        vals = self.emissions.values.copy()
        bi = [self._box_index(b) for b in boxes] if boxes is not None else list(range(len(self.boxes)))
        pi = ([POLLUTANTS.index(normalise_pollutant(p)) for p in pollutants] if pollutants is not None
              else list(range(len(POLLUTANTS))))
        vals[np.ix_(bi, list(range(len(SECTORS))), pi)] *= factor
        return self.copy_with(vals)

    def _box_index(self, name) -> int:
        if name in self.boxes:
            return self.boxes.index(name)
        if "name_en" in self.emissions.coords:
            en = [str(v).lower() for v in self.emissions["name_en"].values]
            if str(name).lower() in en:
                return en.index(str(name).lower())
        raise EmissionError(f"box: unknown box {name!r}" + close_matches(str(name), self.boxes), field="box",
                            value=name, expected=f"one of {self.boxes}")

    def __repr__(self) -> str:
        tot = self.total()
        parts = ", ".join(f"{p} {float(tot.sel(pollutant=p)):.0f}" for p in POLLUTANTS)
        return f"<Inventory {self.year}: {len(self.boxes)} boxes; t/yr: {parts}>"

    # ------------------------------------------------------------------------- kernel feed
    def fluxes(self, domain: Domain, dates: pd.DatetimeIndex,
               factors_by_year: dict) -> tuple[np.ndarray, np.ndarray, list]:
        """Emission fluxes per (year, month) period in kernel species order [µg m⁻² d⁻¹].

        Returns ``(flux (n_period, NSPEC, n_box_domain), period_of_day (n_day), periods)``.
        *factors_by_year* maps a year to a ``(box, sector, pollutant)`` array of remaining
        fractions ``1 − f`` (inventory box order).
        """
        missing = [b for b in self.boxes if b not in domain.boxes and domain.find(b) is None]
        if missing:
            raise EmissionError(f"inventory boxes {missing} are not in the model domain {list(domain.boxes)}",
                                field="box", value=missing, expected=f"boxes of the domain {list(domain.boxes)}")
        absent = [b for b in domain.boxes if b not in self.boxes]
        if absent:
            raise EmissionError(f"domain boxes {absent} have no rows in the inventory (add zero emissions for a "
                                "box without sources)", field="box", value=absent,
                                expected=f"inventory rows for {list(domain.boxes)}")
        order = [self._box_index(b) for b in domain.boxes]
        years = dates.year.values
        months = dates.month.values
        keys = list(dict.fromkeys(zip(years.tolist(), months.tolist())))
        index = {k: i for i, k in enumerate(keys)}
        period = np.array([index[k] for k in zip(years.tolist(), months.tolist())], dtype=np.int64)
        flux = np.zeros((len(keys), 10, len(domain.boxes)))
        base = self.emissions.values
        prof = self.monthly_profile.values
        to_flux = 1e12 / DAYS_PER_YEAR / domain.area  # t/yr -> µg/d per m2
        for p, (yr, mo) in enumerate(keys):
            e = base * factors_by_year[yr]  # (box, sector, pollutant)
            e = np.einsum("bsp,s->bp", e, prof[:, mo - 1])[order]  # domain order
            for k, pol in enumerate(POLLUTANTS):
                flux[p, POLLUTANT_SPECIES[pol]] = e[:, k] * to_flux
        return flux, period, keys


def load_inventory(path: str | os.PathLike[str] | None = None, *, profiles: str | os.PathLike[str] | None = None,
                   year: int | None = None) -> Inventory:
    """Read an inventory CSV (columns box, sector, pollutant, emission [t/yr]; optional name_en).

    Parameters
    ----------
    path : str or Path, optional
        CSV file; the embedded demo inventory ``ecomodel/data/air/inventory.csv`` when omitted.
    profiles : str or Path, optional
        CSV of monthly profiles (columns sector, month, factor); the embedded one when *path* is
        omitted, flat otherwise.
    year : int, optional
        Base year (default: the ``year`` column if present, else 2020).

    Examples
    --------
    >>> inv = load_inventory()
    >>> sorted(inv.total().coords["pollutant"].values.tolist())
    ['NH3', 'NOx', 'PM2.5', 'SO2', 'VOCs']
    """
    from .._data import data_path

    embedded = path is None
    path = data_path("air", "inventory.csv") if embedded else path
    try:
        df = pd.read_csv(path, comment="#")
    except FileNotFoundError:
        raise EmissionError(f"inventory file {str(path)!r} does not exist", field="path", value=str(path)) from None
    if profiles is None and embedded:
        profiles = data_path("air", "monthly_profiles.csv")
    prof = None
    if profiles is not None:
        pdf = pd.read_csv(profiles, comment="#")
        prof = xr.DataArray(pdf.pivot(index="sector", columns="month", values="factor"))
    if year is None:
        year = int(df["year"].iloc[0]) if "year" in df.columns else 2020
    inv = Inventory.from_records(df, monthly_profile=prof, year=year, source=str(path))
    if "name_en" in df.columns:
        names = df.drop_duplicates("box").set_index("box")["name_en"]
        inv.emissions = inv.emissions.assign_coords(name_en=("box", [str(names[b]) for b in inv.boxes]))
    return inv


# ----------------------------------------------------------------------------------- reductions
def _resolve_boxes(name, inventory: Inventory, domain) -> list[int]:
    """Inventory indices of the boxes a key's box element names (box, region, city or all local)."""
    if name in _ALL:
        if domain is not None:
            local = [b for b in domain.local_boxes()]
            return [i for i, b in enumerate(inventory.boxes) if b in local or domain.find(b) in local]
        return list(range(len(inventory.boxes)))
    if domain is not None:
        hits = domain.resolve(name)
        return [inventory.boxes.index(b) for b in hits if b in inventory.boxes]
    return [inventory._box_index(name)]


def _key_parts(key):
    if isinstance(key, str):
        return None, None, key
    if isinstance(key, tuple):
        if len(key) == 2:
            return None, key[0], key[1]
        if len(key) == 3:
            return key
    raise EmissionError(f"reduction key {key!r}: expected a pollutant, (sector, pollutant) or (box, sector, pollutant)",
                        field="reductions", value=key, expected="pollutant | (sector, pollutant) | (box, sector, pollutant)")


def _cells(key, inventory: Inventory, domain):
    box, sector, pollutant = _key_parts(key)
    bi = _resolve_boxes(box, inventory, domain)
    si = list(range(len(SECTORS))) if sector in _ALL else [SECTORS.index(normalise_sector(sector))]
    pi = list(range(len(POLLUTANTS))) if pollutant in _ALL else [POLLUTANTS.index(normalise_pollutant(pollutant))]
    return bi, si, pi


def reduction_factors(reductions: Mapping[Any, float] | xr.DataArray | None, inventory: Inventory, *,
                      domain: Domain | None = None) -> np.ndarray:
    """Remaining fractions ``Π(1 − f)`` per (box, sector, pollutant) cell for a non-scheduled mapping.

    Parameters
    ----------
    reductions : mapping, xarray.DataArray or None
        See the module docstring; a DataArray may have dims among ``box, sector, pollutant``.
    inventory : Inventory
        Defines the cells.
    domain : Domain, optional
        Resolves regions and cities; keys without a box then cover the local boxes only.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_box, n_sector, n_pollutant)`` [1].

    Examples
    --------
    >>> inv = Inventory.from_records([("A", "industry", "NOx", 10.0), ("A", "power", "NOx", 10.0)])
    >>> f = reduction_factors({"NOx": 0.5, ("industry", "NOx"): 0.5}, inv)
    >>> float(f[0, 1, 1]), float(f[0, 0, 1])
    (0.25, 0.5)
    """
    from .._checks import check_fraction

    out = np.ones(inventory.emissions.shape)
    if reductions is None:
        return out
    if isinstance(reductions, xr.DataArray):
        if "year" in reductions.dims:
            raise EmissionError("reductions: a DataArray with a 'year' dimension is a schedule; pass it where a "
                                "schedule is accepted (simulate, trajectory, project)", field="reductions")
        extra = set(reductions.dims) - {"box", "sector", "pollutant"}
        if extra:
            raise EmissionError(f"reductions: unknown dims {sorted(extra)}; expected among box, sector, pollutant",
                                field="reductions", value=sorted(extra))
        items = {}
        df = reductions.to_dataframe(name="f").reset_index()
        for _, row in df.iterrows():
            key = (row.get("box", None), row.get("sector", None), row.get("pollutant", None))
            items[key] = row["f"]
        reductions = items
    if not isinstance(reductions, Mapping):
        raise EmissionError(f"reductions: expected a mapping of fractions, got {type(reductions).__name__}",
                            field="reductions", value=type(reductions).__name__)
    for key, frac in reductions.items():
        f = float(check_fraction(np.asarray([frac], dtype=float), f"reductions[{key!r}]", error=EmissionError)[0])
        bi, si, pi = _cells(key, inventory, domain)
        if not bi:
            raise EmissionError(f"reductions[{key!r}]: names no box of the inventory", field="reductions", value=key)
        out[np.ix_(bi, si, pi)] *= 1.0 - f
    return out


def schedule_factors(reductions: Mapping[Any, Any] | xr.DataArray | None, inventory: Inventory, years: Iterable[int], *,
                     domain: Domain | None = None) -> dict:
    """Remaining fractions per year: ``{year: (box, sector, pollutant) array}`` for a schedule or a
    plain mapping (the same every year).

    Examples
    --------
    >>> inv = Inventory.from_records([("A", "industry", "NOx", 10.0)])
    >>> f = schedule_factors({2023: {"NOx": 0.1}, 2025: {"NOx": 0.3}}, inv, [2022, 2023, 2024, 2025])
    >>> [round(float(f[y][0, 1, 1]), 2) for y in (2022, 2023, 2024, 2025)]
    [1.0, 0.9, 0.9, 0.7]
    """
    years = [int(y) for y in years]
    if reductions is None:
        return {y: np.ones(inventory.emissions.shape) for y in years}
    if isinstance(reductions, xr.DataArray) and "year" in reductions.dims:
        have = sorted(int(y) for y in reductions["year"].values)
        out = {}
        for y in years:
            prior = [h for h in have if h <= y]
            out[y] = (reduction_factors(reductions.sel(year=prior[-1], drop=True), inventory, domain=domain)
                      if prior else np.ones(inventory.emissions.shape))
        return out
    if isinstance(reductions, Mapping) and reductions and all(isinstance(k, (int, np.integer)) for k in reductions):
        have = sorted(int(k) for k in reductions)
        cache = {h: reduction_factors(reductions[h], inventory, domain=domain) for h in have}
        out = {}
        for y in years:
            prior = [h for h in have if h <= y]
            out[y] = cache[prior[-1]] if prior else np.ones(inventory.emissions.shape)
        return out
    f = reduction_factors(reductions, inventory, domain=domain)
    return {y: f for y in years}


def fractions_from_amounts(amounts: Mapping[Any, float], inventory: Inventory, *, domain: Domain | None = None) -> dict:
    """Turn absolute reductions [t/yr] into fractions of the inventory cells they act on.

    Parameters
    ----------
    amounts : mapping
        Same keys as reductions (pollutant, ``(sector, pollutant)``, ``(box, sector, pollutant)``),
        values in t/yr (e.g. the 2023 Changzhou key projects: NOx 5207 t, VOCs 4856 t, plan
        004:19).
    inventory : Inventory
        Baseline the amounts are taken from.
    domain : Domain, optional
        Resolves regions/cities; keys without a box refer to the local boxes.

    Returns
    -------
    dict
        ``{key: fraction}`` [1], usable as *reductions*.

    Raises
    ------
    EmissionError
        If an amount exceeds the baseline emission it acts on.

    Examples
    --------
    >>> inv = Inventory.from_records([("A", "industry", "NOx", 8000.0), ("A", "transport", "NOx", 2000.0)])
    >>> fractions_from_amounts({"NOx": 500.0}, inv)
    {'NOx': 0.05}
    """
    out = {}
    for key, amount in amounts.items():
        try:
            a = float(amount)
        except (TypeError, ValueError):
            raise EmissionError(f"amounts[{key!r}]: {amount!r} is not a number [t/yr]", field="amounts",
                                value=amount) from None
        if not np.isfinite(a) or a < 0:
            raise EmissionError(f"amounts[{key!r}]: {a} t/yr; expected a finite amount >= 0", field="amounts", value=a)
        bi, si, pi = _cells(key, inventory, domain)
        base = float(inventory.emissions.values[np.ix_(bi, si, pi)].sum())
        if a > base:
            raise EmissionError(f"amounts[{key!r}]: {a:g} t/yr exceeds the {base:g} t/yr the inventory holds for it",
                                field="amounts", value=a, expected=f"<= {base:g} t/yr")
        out[key] = a / base if base > 0 else 0.0
    return out
