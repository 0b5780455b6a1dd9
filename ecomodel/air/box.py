"""Multi-box PM2.5 model: domain geometry, the ventilated-box equations and :func:`simulate`.

Each box ``i`` is a well-mixed column of area ``A_i`` and daily mixing height ``H``. Air crosses a
border of length ``ℓ`` at the rate ``u·H·ℓ/π`` in each direction (the mean normal flux of a wind of
speed ``u`` whose direction is uniformly distributed over the day), so a box exchanges air with
each neighbour, with the regional background box and, for the background box, with the air
outside the domain. For concentration ``C`` of any species

.. math::

   \\frac{dC_i}{dt} = \\frac{E_i}{A_i H} + \\sum_j \\frac{u\\,ℓ_{ij}}{π A_i}(C_j - C_i)
       + \\frac{u\\,ℓ_{i,out}}{π A_i}(C_{out} - C_i) - \\Big(\\frac{v_d}{H} + Λ(P) + k_{chem}\\Big) C_i + P_{chem},

which for one square box of side ``L`` is the classic ventilated box with ventilation rate
``4u/(πL)`` (≈ ``u/L``). Meteorology is regional (one series per member for the whole domain),
so the linear operator ``u·G − k·I`` of a species is diagonalised once by the eigenvectors of the
constant exchange matrix ``G``; each day is then an exact exponential step per mode (see
:mod:`ecomodel.air._kernels`), unconditionally stable and mass-conserving. Secondary species
take the step-mean of their precursor as a constant source (mass-conserving operator splitting);
the NH3–HNO3–H2SO4 equilibrium (:mod:`ecomodel.air.chemistry`) is applied at the end of every
step, and to the step-mean totals for the daily means that are reported.

Concentrations are the state; when the mixing height changes from one day to the next the
concentration is kept (entrainment and detrainment are not modelled), so mass is conserved
exactly for a constant mixing height.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from .._cf import cf_attrs
from ..errors import EmissionError, InputError, MeteorologyError, close_matches
from .parameters import SPECIES, ProcessParameters

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from .emissions import Inventory
    from .meteorology import MeteorologySettings

__all__ = ["Domain", "load_domain", "simulate", "OUTPUT_VARIABLES", "steady_state_concentration"]

#: output variables of :func:`simulate` with their CF metadata
OUTPUT_VARIABLES = {
    "sulfate": ("sulfate PM2.5 component (SO4 2-)", "mass_concentration_of_sulfate_dry_aerosol_particles_in_air"),
    "nitrate": ("nitrate PM2.5 component (NO3 -)", "mass_concentration_of_nitrate_dry_aerosol_particles_in_air"),
    "ammonium": ("ammonium PM2.5 component (NH4 +)", "mass_concentration_of_ammonium_dry_aerosol_particles_in_air"),
    "secondary_organic": ("secondary organic aerosol", "mass_concentration_of_secondary_particulate_organic_matter_dry_aerosol_particles_in_air"),
    "primary": ("primary PM2.5 (emitted and boundary)", None),
    "pm25": ("PM2.5 (sum of components)", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"),
}


#: other spellings of the cities of the demo domain
_CITY_ALIASES = {"常州": "常州市", "changzhou": "常州市", "无锡": "无锡市", "wuxi": "无锡市"}


@dataclass(frozen=True, eq=False)
class Domain:
    """Boxes, their areas and shared border lengths.

    Parameters
    ----------
    boxes : sequence of str
        Box names (Chinese place names in the demo).
    area : array-like
        Box areas [m²].
    borders : array-like
        Symmetric ``(n, n)`` matrix of shared border lengths [m] (zero diagonal).
    outer : array-like
        Border length of each box with the air outside the domain [m].
    name_en : sequence of str, optional
        English names (default: the box names).
    kind : sequence of {'local', 'background'}, optional
        Background boxes are not reported as regions and keep their emissions under reductions
        that do not name them.
    region : sequence of str, optional
        Plan-target registry region of each box (``常州市武进区`` …; ``''`` for none).
    city : sequence of str, optional
        City each box belongs to (``常州市``), used to resolve city-wide reductions and averages.

    Examples
    --------
    >>> d = Domain.single(100.0)               # one 10 km × 10 km box
    >>> round(float(d.ventilation_rate(1.0)[0]), 3)   # 4u/(πL) per day for u = 1 m/s
    11.0
    """

    boxes: tuple
    area: np.ndarray
    borders: np.ndarray
    outer: np.ndarray
    name_en: tuple = ()
    kind: tuple = ()
    region: tuple = ()
    city: tuple = ()
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.boxes)
        object.__setattr__(self, "boxes", tuple(str(b) for b in self.boxes))
        if n == 0:
            raise InputError("domain: no boxes", field="boxes", value=0, expected=">= 1 box")
        if len(set(self.boxes)) != n:
            raise InputError(f"domain: duplicated box names {list(self.boxes)}", field="boxes", value=list(self.boxes))
        from .._checks import as_float_array

        area = as_float_array(self.area, "area", positive=True, labels=self.boxes)
        borders = as_float_array(self.borders, "borders")
        outer = as_float_array(self.outer, "outer", labels=self.boxes)
        if area.shape != (n,) or borders.shape != (n, n) or outer.shape != (n,):
            raise InputError(f"domain: shapes area {area.shape}, borders {borders.shape}, outer {outer.shape}; "
                             f"expected ({n},), ({n}, {n}), ({n},)", field="borders", value=borders.shape)
        if not np.allclose(borders, borders.T) or np.any(np.diag(borders) != 0):
            raise InputError("borders: expected a symmetric matrix with zero diagonal", field="borders")
        for name, default in (("name_en", self.boxes), ("kind", ("local",) * n), ("region", ("",) * n),
                              ("city", ("",) * n)):
            val = tuple(str(v) for v in (getattr(self, name) or default))
            if len(val) != n:
                raise InputError(f"domain: {name} has {len(val)} entries for {n} boxes", field=name, value=len(val))
            object.__setattr__(self, name, val)
        bad = [k for k in self.kind if k not in ("local", "background")]
        if bad:
            raise InputError(f"kind: {bad[0]!r}; expected 'local' or 'background'", field="kind", value=bad[0])
        object.__setattr__(self, "area", area)
        object.__setattr__(self, "borders", borders)
        object.__setattr__(self, "outer", outer)

    # ------------------------------------------------------------------------------ builders
    @classmethod
    def single(cls, area_km2: float, perimeter_km: float | None = None, *, name: str = "box") -> "Domain":
        """One box of *area_km2* [km²] whose whole perimeter [km] (default ``4·√A``) borders the outside."""
        a = float(area_km2) * 1e6
        p = 4.0 * np.sqrt(a) if perimeter_km is None else float(perimeter_km) * 1e3
        return cls((name,), np.array([a]), np.zeros((1, 1)), np.array([p]))

    @classmethod
    def grid(cls, nx: int, ny: int, cell_km: float = 10.0, *, background_km2: float | None = None) -> "Domain":
        """A rectangular grid of square local boxes, optionally inside a square background box.

        Parameters
        ----------
        nx, ny : int
            Number of boxes along x and y.
        cell_km : float
            Side of each box [km].
        background_km2 : float, optional
            Area of a surrounding background box [km²]; without it the grid borders the outside.

        Examples
        --------
        >>> Domain.grid(3, 3, background_km2=1e4).boxes[-1]
        'background'
        """
        n = nx * ny
        side = cell_km * 1e3
        names = [f"cell_{i}_{j}" for j in range(ny) for i in range(nx)]
        borders = np.zeros((n, n))
        outer = np.zeros(n)
        for j in range(ny):
            for i in range(nx):
                k = j * nx + i
                for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    ii, jj = i + di, j + dj
                    if 0 <= ii < nx and 0 <= jj < ny:
                        borders[k, jj * nx + ii] = side
                    else:
                        outer[k] += side
        area = np.full(n, side * side)
        kind = ["local"] * n
        if background_km2 is not None:
            abg = float(background_km2) * 1e6
            if abg <= area.sum():
                raise InputError(f"background_km2: {background_km2}; expected more than the grid's "
                                 f"{area.sum() / 1e6:g} km2", field="background_km2", value=background_km2)
            b2 = np.zeros((n + 1, n + 1))
            b2[:n, :n] = borders
            b2[:n, n] = outer
            b2[n, :n] = outer
            borders = b2
            outer = np.append(np.zeros(n), 4.0 * np.sqrt(abg))
            area = np.append(area, abg)
            names.append("background")
            kind.append("background")
        return cls(tuple(names), area, borders, outer, kind=tuple(kind))

    @classmethod
    def from_tables(cls, boxes: pd.DataFrame, borders: pd.DataFrame) -> "Domain":
        """Build from a box table and a border table.

        Parameters
        ----------
        boxes : pandas.DataFrame
            Columns ``box``, ``area_km2`` [km²], ``perimeter_km`` [km] and optionally ``name_en``,
            ``kind`` (local/background), ``region``, ``city``. A local box's perimeter not shared
            with the listed neighbours borders the background box (or the outside when there is
            none); a background box's perimeter borders the outside.
        borders : pandas.DataFrame
            Columns ``box_a``, ``box_b``, ``length_km`` [km].
        """
        need = {"box", "area_km2", "perimeter_km"}
        if not need <= set(boxes.columns):
            raise InputError(f"boxes table: columns {list(boxes.columns)}; expected at least {sorted(need)}",
                             field="columns", value=list(boxes.columns))
        names = [str(b) for b in boxes["box"]]
        n = len(names)
        kind = [str(k) for k in boxes["kind"]] if "kind" in boxes else ["local"] * n
        area = boxes["area_km2"].to_numpy(float) * 1e6
        perim = boxes["perimeter_km"].to_numpy(float) * 1e3
        mat = np.zeros((n, n))
        for _, row in borders.iterrows():
            a, b = str(row["box_a"]), str(row["box_b"])
            for x in (a, b):
                if x not in names:
                    raise InputError(f"borders table: box {x!r} is not in the boxes table" + close_matches(x, names),
                                     field="box", value=x, expected=f"one of {names}")
            i, j = names.index(a), names.index(b)
            if i == j:
                raise InputError(f"borders table: box {a!r} borders itself", field="box_b", value=b)
            mat[i, j] += float(row["length_km"]) * 1e3
            mat[j, i] = mat[i, j]
        bg = [i for i, k in enumerate(kind) if k == "background"]
        if len(bg) > 1:
            raise InputError(f"boxes table: {len(bg)} background boxes; expected at most one", field="kind",
                             value=len(bg))
        outer = np.zeros(n)
        for i in range(n):
            if kind[i] == "background":
                outer[i] = perim[i]
                continue
            rest = perim[i] - mat[i].sum()
            if rest < -1e-6:
                raise InputError(f"box {names[i]!r}: shared borders {mat[i].sum() / 1e3:g} km exceed its perimeter "
                                 f"{perim[i] / 1e3:g} km", field="perimeter_km", value=perim[i] / 1e3)
            rest = max(rest, 0.0)
            if bg:
                mat[i, bg[0]] += rest
                mat[bg[0], i] += rest
            else:
                outer[i] = rest
        col = lambda c, d: [("" if pd.isna(v) else str(v)) for v in boxes[c]] if c in boxes else d  # noqa: E731
        return cls(tuple(names), area, mat, outer, name_en=tuple(col("name_en", names)), kind=tuple(kind),
                   region=tuple(col("region", [""] * n)), city=tuple(col("city", [""] * n)))

    # -------------------------------------------------------------------------------- queries
    @property
    def n(self) -> int:
        """Number of boxes."""
        return len(self.boxes)

    def local_boxes(self) -> list[str]:
        """Names of the local (non-background) boxes."""
        return [b for b, k in zip(self.boxes, self.kind) if k == "local"]

    def background_boxes(self) -> list[str]:
        """Names of the regional background boxes."""
        return [b for b, k in zip(self.boxes, self.kind) if k == "background"]

    def find(self, name: str) -> str | None:
        """Box named *name* (Chinese, English or registry region, case-insensitive), or None."""
        s = str(name).strip()
        if s in self.boxes:
            return s
        low = s.lower()
        for i, b in enumerate(self.boxes):
            cands = {self.name_en[i].lower(), self.region[i].lower()} - {""}
            short = self.region[i].replace(self.city[i], "") if self.city[i] else ""
            cands |= {short.lower(), short.rstrip("区市").lower()} - {""}
            if low in cands or (b.lower() + "区") == low or (b.lower() + "市") == low:
                return b
        return None

    def resolve(self, name: str | None) -> list[str]:
        """Boxes that *name* stands for: a box or region, a city (its local boxes) or ``'*'`` (all local)."""
        if name in (None, "*", "all", ""):
            return self.local_boxes()
        hit = self.find(name)
        if hit is not None:
            return [hit]
        city = _CITY_ALIASES.get(str(name).strip().lower(), str(name).strip())
        members = [b for b, c, k in zip(self.boxes, self.city, self.kind) if c and c == city and k == "local"]
        if members:
            return members
        options = list(self.boxes) + [r for r in self.region if r] + sorted({c for c in self.city if c})
        raise EmissionError(f"box: unknown box or region {name!r}" + close_matches(str(name), options), field="box",
                            value=name, expected=f"one of {options}")

    def index(self, name: str) -> int:
        """Position of the box *name* stands for (see :meth:`find`)."""
        hit = self.find(name)
        if hit is None:
            raise InputError(f"box: unknown box {name!r}" + close_matches(str(name), self.boxes), field="box",
                             value=name, expected=f"one of {list(self.boxes)}")
        return self.boxes.index(hit)

    def exchange_matrix(self) -> np.ndarray:
        """Exchange generator ``G`` [1/m] per unit wind: ``dC/dt = u·G·C + u·b·C_out + …``."""
        g = self.borders / (np.pi * self.area[:, None])
        np.fill_diagonal(g, 0.0)
        g[np.diag_indices(self.n)] = -(self.borders.sum(axis=1) + self.outer) / (np.pi * self.area)
        return g

    def inflow_vector(self) -> np.ndarray:
        """Inflow from outside the domain per unit wind and concentration ``b`` [1/m]."""
        return self.outer / (np.pi * self.area)

    def ventilation_rate(self, wind_speed: float) -> np.ndarray:
        """Rate at which air leaves each box [1/d] for a wind speed [m/s]: ``u·(Σℓ)/(πA)``."""
        return float(wind_speed) * 86400.0 * (self.borders.sum(axis=1) + self.outer) / (np.pi * self.area)

    @cached_property
    def modal(self) -> tuple:
        """Eigen-decomposition ``(λ, V, W, W·b)`` of :meth:`exchange_matrix` (``G = V diag(λ) W``)."""
        d = np.sqrt(self.area)
        g = self.exchange_matrix()
        sym = (d[:, None] * g) / d[None, :]  # D^1/2 G D^-1/2 is symmetric for symmetric borders
        sym = 0.5 * (sym + sym.T)
        lam, u = np.linalg.eigh(sym)
        v = u / d[:, None]
        w = u.T * d[None, :]
        wb = w @ self.inflow_vector()
        return (np.ascontiguousarray(lam), np.ascontiguousarray(v), np.ascontiguousarray(w), np.ascontiguousarray(wb))

    def coords(self) -> dict:
        """xarray coordinates for a ``box`` dimension (box, name_en, region, kind, city)."""
        return {"box": ("box", list(self.boxes)), "name_en": ("box", list(self.name_en)),
                "region": ("box", list(self.region)), "kind": ("box", list(self.kind)),
                "city": ("box", list(self.city))}

    def to_dataframe(self) -> pd.DataFrame:
        """One row per box: area [km²], perimeter [km], kind, region, city."""
        return pd.DataFrame({"box": self.boxes, "name_en": self.name_en, "kind": self.kind, "region": self.region,
                             "city": self.city, "area_km2": self.area / 1e6,
                             "perimeter_km": (self.borders.sum(axis=1) + self.outer) / 1e3})

    def __repr__(self) -> str:
        return f"<Domain {self.n} boxes: {', '.join(self.boxes)}>"


def load_domain(boxes_path: str | Path | None = None, borders_path: str | Path | None = None) -> Domain:
    """Read the box geometry (the embedded Changzhou/Jiangyin + YRD-background domain by default).

    Examples
    --------
    >>> d = load_domain()
    >>> d.find("Wujin"), d.find("常州市天宁区")
    ('武进', '天宁')
    """
    from .._data import data_path

    b = pd.read_csv(boxes_path or data_path("air", "boxes.csv"), comment="#")
    e = pd.read_csv(borders_path or data_path("air", "borders.csv"), comment="#")
    dom = Domain.from_tables(b, e)
    object.__setattr__(dom, "meta", {"source": str(boxes_path or "embedded demo domain")})
    return dom


def steady_state_concentration(emission: float, area: float, mixing_height: float, loss_rate: float) -> float:
    """Steady state of one ventilated box, ``C_ss = E/(V·k)`` [µg/m³].

    Parameters
    ----------
    emission : float
        Emission rate [t/yr].
    area : float
        Box area [m²].
    mixing_height : float
        Mixing height [m]; ``V = area·mixing_height``.
    loss_rate : float
        Total first-order loss (ventilation + deposition + chemistry) [1/d].

    Examples
    --------
    >>> round(steady_state_concentration(365.0, 1e8, 500.0, 10.0), 3)
    2.0
    """
    if loss_rate <= 0 or area <= 0 or mixing_height <= 0:
        raise InputError(f"loss_rate, area and mixing_height must be > 0 (got {loss_rate}, {area}, {mixing_height})",
                         field="loss_rate", value=loss_rate, expected="> 0")
    e = float(emission) * 1e12 / 365.0  # µg/d
    return e / (area * mixing_height * loss_rate)


# ------------------------------------------------------------------------------------ running
#: box-days below which the serial kernel is used
_PARALLEL_THRESHOLD = 2_000_000

def _run(domain: Domain, flux, period, scenario, met: dict, params: ProcessParameters, *, chemistry: bool,
         components: bool, substeps: int, state=None, spinup_days: int = 0):
    """Call the kernel. *flux* ``(n_scen, n_period, NSPEC, n)`` [µg m⁻² d⁻¹] physical; *met* arrays
    ``(n_member, n_day)``; returns ``(out (n_out, n_member, n_day, n), state (n_member, NSPEC, n))``."""
    from . import _kernels as K

    # small problems use the serial build (compiles ~3x faster); large ones run members in parallel
    kern = K.simulate_serial if met["wind"].size * domain.n < _PARALLEL_THRESHOLD else K.simulate_ensemble
    lam, v, w, wb = domain.modal
    emis_modal = np.ascontiguousarray(np.einsum("ij,spkj->spki", w, flux))
    n_member = met["wind"].shape[0]
    n = domain.n
    par = params.to_vector()
    c_out = params.boundary_vector()
    if state is None:
        state = np.empty((n_member, K.NSPEC, n))
        state[:] = c_out[None, :, None]
        if spinup_days:
            k = min(int(spinup_days), met["wind"].shape[1])
            spin = {key: np.ascontiguousarray(val[:, :k]) for key, val in met.items() if key != "doy"}
            dummy = np.empty((1, k, n_member, n))
            kern(lam, v, w, wb, c_out, emis_modal, np.ascontiguousarray(period[:k]), scenario,
                                spin["wind"], spin["mixh"], spin["temp"], spin["rh"], spin["prec"],
                                np.ascontiguousarray(met["doy"][:k]), par, int(substeps), bool(chemistry), state, dummy)
    else:
        state = np.ascontiguousarray(state, dtype=float).copy()
    n_day = met["wind"].shape[1]
    # the kernel writes (n_out, time, member, box), the order of the xarray output; callers get the
    # (n_out, member, time, box) view
    out = np.empty((K.NOUT if components else 1, n_day, n_member, n))
    kern(lam, v, w, wb, c_out, emis_modal, period, scenario, met["wind"], met["mixh"], met["temp"],
                        met["rh"], met["prec"], met["doy"], par, int(substeps), bool(chemistry), state, out)
    return out.transpose(0, 2, 1, 3), state


def _wrap_output(out, domain: Domain, dates, members, *, components: bool, attrs: dict) -> xr.Dataset:
    names = list(OUTPUT_VARIABLES) if components else ["pm25"]
    coords = {"time": dates, "member": np.asarray(members)} | domain.coords()
    data = {}
    for k, name in enumerate(names):
        long_name, std = OUTPUT_VARIABLES[name]
        da = xr.DataArray(out[k], dims=("member", "time", "box")).transpose("time", "member", "box")
        da.attrs = cf_attrs("ug/m3", f"daily mean {long_name}", std, "time: mean (interval: 1 day)")
        data[name] = da
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds["name_en"].attrs["long_name"] = "English name of the box"
    ds["region"].attrs["long_name"] = "plan-target registry region of the box"
    return ds


def simulate(inventory: Inventory, meteorology: xr.Dataset | MeteorologySettings, *,
             reductions: Mapping[Any, Any] | xr.DataArray | None = None, chemistry: bool = True,
             seed: int | np.random.Generator | None = None, domain: Domain | None = None,
             parameters: ProcessParameters | None = None, components: bool = True, spinup_days: int = 30,
             substeps: int = 1, members: int | None = None, year: int | None = None,
             initial: np.ndarray | None = None) -> xr.Dataset:
    """Run the multi-box PM2.5 model for an ensemble of meteorological members.

    Parameters
    ----------
    inventory : Inventory
        Emissions by box × sector × pollutant [t/yr] (:class:`~ecomodel.air.emissions.Inventory`).
    meteorology : xarray.Dataset or MeteorologySettings
        Daily regional meteorology over ``(time, member)`` with ``wind_speed`` [m/s],
        ``mixing_height`` [m], ``temperature`` [degC or K], ``relative_humidity`` [%],
        ``precipitation`` [mm/d] (see :func:`~ecomodel.air.meteorology.generate_meteorology`), or
        generator settings, in which case *members* members of *year* are generated with *seed*.
    reductions : mapping, DataArray or schedule, optional
        Emission cuts as fractions [1] (see :mod:`ecomodel.air.emissions`); a ``{year: …}``
        schedule applies year by year.
    chemistry : bool
        With False, no SO2/NOx/VOC conversion and no partitioning: every species is a passive
        tracer (one box then is the plain ventilated box).
    seed : int or numpy.random.Generator, optional
        Seed for generated meteorology (ignored for a given Dataset).
    domain : Domain, optional
        Box geometry; the embedded demo domain by default.
    parameters : ProcessParameters, optional
        Process coefficients (documented defaults).
    components : bool
        Return every PM2.5 component (True) or only ``pm25`` (False, less memory).
    spinup_days : int
        Days of the first meteorology run beforehand from the boundary concentrations [d].
    substeps : int
        Exact-exponential steps per day (1 is enough for daily means; see the benchmarks).
    members : int, optional
        Number of members to generate when *meteorology* is a settings object.
    year : int, optional
        Year to generate (default: the inventory's base year).
    initial : numpy.ndarray, optional
        Start state ``(member, species, box)`` [µg/m³] instead of a spin-up (species order
        :data:`ecomodel.air.parameters.SPECIES`).

    Returns
    -------
    xarray.Dataset
        ``sulfate``, ``nitrate``, ``ammonium``, ``secondary_organic``, ``primary`` and ``pm25``
        daily means [µg/m³] over ``(time, member, box)``, with ``name_en``, ``region`` and
        ``kind`` coordinates on ``box``.

    Examples
    --------
    >>> from ecomodel.air import demo, simulate
    >>> d = demo()
    >>> ds = simulate(d.inventory, d.meteorology(members=2, year=2020, seed=1), seed=1)
    >>> ds["pm25"].dims, ds.sizes["box"]
    (('time', 'member', 'box'), 8)
    >>> bool((ds["pm25"] >= 0).all())
    True
    """
    from .emissions import schedule_factors
    from .meteorology import meteorology_arrays

    _check_inventory(inventory)
    domain = domain or load_domain()
    params = parameters or ProcessParameters()
    meteorology = _as_meteorology(meteorology, inventory, year=year, members=members, seed=seed)
    if int(substeps) < 1:
        raise InputError(f"substeps: {substeps}; expected an integer >= 1", field="substeps", value=substeps)
    met, dates, member_labels = meteorology_arrays(meteorology)
    factors = schedule_factors(reductions, inventory, sorted(set(dates.year.tolist())), domain=domain)
    flux, period, _ = inventory.fluxes(domain, dates, factors)
    scenario = np.zeros(met["wind"].shape[0], dtype=np.int64)
    state = _initial_state(initial, met["wind"].shape[0], domain.n)
    out, _ = _run(domain, flux[None], period, scenario, met, params, chemistry=chemistry, components=components,
                  substeps=substeps, state=state, spinup_days=0 if state is not None else spinup_days)
    attrs = {"title": "ecomodel.air multi-box PM2.5 simulation", "chemistry": int(bool(chemistry)),
             "inventory_year": inventory.year, "substeps": int(substeps), "spinup_days": int(spinup_days),
             "conventions": "CF-1.10", "source": "ecomodel.air.simulate"}
    return _wrap_output(out, domain, dates, member_labels, components=components, attrs=attrs)


def _check_inventory(inventory: Inventory) -> None:
    """Raise EmissionError unless *inventory* is an :class:`~ecomodel.air.emissions.Inventory`."""
    from .emissions import Inventory

    if not isinstance(inventory, Inventory):
        raise EmissionError(f"inventory: expected an ecomodel.air.Inventory, got {type(inventory).__name__}",
                            field="inventory", value=type(inventory).__name__)


def _as_meteorology(meteorology: xr.Dataset | MeteorologySettings, inventory: Inventory, *, year: int | None,
                    members: int | None, seed: int | np.random.Generator | None) -> xr.Dataset:
    """The meteorology Dataset: given, or generated from settings for *year* (default the inventory's)."""
    from .meteorology import MeteorologySettings, generate_meteorology

    if isinstance(meteorology, MeteorologySettings):
        meteorology = generate_meteorology(meteorology, years=[year or inventory.year], members=members or 1, seed=seed)
    if not isinstance(meteorology, xr.Dataset):
        raise MeteorologyError(f"meteorology: expected an xarray.Dataset or MeteorologySettings, got "
                               f"{type(meteorology).__name__}", field="meteorology", value=type(meteorology).__name__)
    return meteorology


def _initial_state(initial: np.ndarray | None, n_members: int, n_box: int) -> np.ndarray | None:
    """The checked start state ``(member, species, box)`` [µg/m³], or None for a spin-up."""
    if initial is None:
        return None
    state = np.asarray(initial, dtype=float)
    if state.shape != (n_members, len(SPECIES), n_box) or not np.all(np.isfinite(state)) or (state < 0).any():
        raise InputError(f"initial: shape {state.shape}; expected finite values >= 0 of shape "
                         f"{(n_members, len(SPECIES), n_box)}", field="initial", value=state.shape)
    return state
