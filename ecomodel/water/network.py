"""River networks: the reach table, its validation and its topological order.

A network is a table of reaches. Each reach has a length, a mean flow leaving it and a velocity
(or a width and depth from which the velocity follows), and names the reach(es) it drains into.
The plain river network of the Taihu basin splits as well as joins, so a reach may drain into
several reaches: one table row per branch with a ``fraction`` column. Lakes are reaches that are
well mixed (a ``lake`` column naming a row of the lake table).

The topological order (upstream first) is computed once when the network is built, with Kahn's
algorithm; every solver reuses it. Arrays attached to a network are in that order, which keeps
the order of the input table whenever the table is already sorted upstream-first.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({
...     "reach": ["A", "B", "C"], "downstream": ["C", "C", ""],
...     "length": [2000.0, 3000.0, 5000.0], "flow": [2.0, 3.0, 5.0], "velocity": [0.2, 0.3, 0.25]})
>>> net = RiverNetwork.from_dataframe(table)
>>> net.reaches.tolist()
['A', 'B', 'C']
>>> round(float(net.travel_time[2]), 4)   # 5000 m / 0.25 m/s in days
0.2315
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ecomodel._checks import as_float_array
from ecomodel.errors import NetworkError, close_matches
from ecomodel.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    import xarray

__all__ = ["RiverNetwork", "read_network"]

#: columns of the reach table, with their units
REACH_COLUMNS = {
    "reach": "reach id (any hashable; strings recommended)",
    "downstream": "id of the receiving reach; empty for an outlet",
    "fraction": "share of the outflow going to this downstream reach [1] (splits)",
    "length": "reach length [m]",
    "flow": "mean flow leaving the reach [m3/s]",
    "velocity": "mean velocity [m/s]",
    "width": "mean width [m] (with depth, replaces velocity: u = Q / (w d))",
    "velocity_coef": "a in u = a Q^b [m/s per (m3/s)^b] (stage-discharge, replaces velocity)",
    "velocity_exp": "b in u = a Q^b [1]",
    "depth_coef": "c in d = c Q^f [m per (m3/s)^f] (replaces depth)",
    "depth_exp": "f in d = c Q^f [1]",
    "depth": "mean depth [m] (needed with settling velocities)",
    "decay_rate": "first-order loss rate at 20 degC [1/d]",
    "settling_velocity": "apparent settling velocity [m/d]",
    "lake": "lake id (row of the lake table): the reach is a well-mixed box",
    "section": "monitoring section at the downstream end of the reach",
}

#: columns of the lake table
LAKE_COLUMNS = {
    "lake": "lake id",
    "area": "surface area [km2]",
    "mean_depth": "mean depth [m]",
}

_FLOW_TOL = 1e-9


def _is_outlet(value) -> bool:
    """True for a blank or missing downstream id (the reach is an outlet)."""
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _py(value):
    """Plain Python scalar for messages (np.int64(3) -> 3)."""
    return value.item() if isinstance(value, np.generic) else value


def _outlet_mask(column: pd.Series) -> np.ndarray:
    """Vectorised :func:`_is_outlet` over a column."""
    mask = pd.isna(column).to_numpy().copy()
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        mask |= (column.astype(str).str.strip() == "").to_numpy()
    return mask


@dataclass(eq=False)
class RiverNetwork:
    """A validated river network in topological order (build it with :meth:`from_dataframe`).

    Attributes
    ----------
    reaches : pandas.Index
        Reach ids, upstream first.
    flow : numpy.ndarray
        Mean flow leaving each reach [m3/s].
    lateral_flow : numpy.ndarray
        Flow entering each reach from its catchment (flow minus what arrives from upstream) [m3/s].
    abstraction : numpy.ndarray
        Flow withdrawn at the top of a reach when less leaves it than arrives [m3/s] (zero almost
        everywhere; the withdrawn water carries the upstream concentration).
    length, velocity, depth : numpy.ndarray
        Reach geometry [m], [m/s], [m] (``depth`` is NaN where not given; lakes use their mean depth).
    travel_time : numpy.ndarray
        ``length / velocity`` for rivers, ``volume / flow`` for lakes [d].
    decay_rate, settling_velocity : numpy.ndarray
        First-order loss rate at 20 degC [1/d] and settling velocity [m/d] (zero where not given).
    lake_of : numpy.ndarray
        Row of :attr:`lakes` for lake reaches, -1 for rivers.
    lakes : pandas.DataFrame
        The lake table (``lake``, ``area`` [km2], ``mean_depth`` [m], ``volume`` [m3], …).
    sections : pandas.DataFrame
        Monitoring sections: index ``section``, column ``reach`` (and any of ``name_en``,
        ``waterbody`` …).
    """

    reaches: pd.Index
    down: np.ndarray
    sp_ptr: np.ndarray
    sp_idx: np.ndarray
    sp_w: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_w: np.ndarray
    flow: np.ndarray
    lateral_flow: np.ndarray
    abstraction: np.ndarray
    length: np.ndarray
    velocity: np.ndarray
    depth: np.ndarray
    travel_time: np.ndarray
    decay_rate: np.ndarray
    settling_velocity: np.ndarray
    lake_of: np.ndarray
    lakes: pd.DataFrame
    sections: pd.DataFrame
    attrs: dict = field(default_factory=dict)
    _fraction: np.ndarray | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def _derived(self, key: str, make):
        """A value derived from the network's arrays (which never change): ``make()`` once, then cached."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dataframe(cls, reaches: pd.DataFrame, lakes: pd.DataFrame | None = None,
                       sections: pd.DataFrame | None = None, *, allow_disconnected: bool = False) -> "RiverNetwork":
        """Build and validate a network from a reach table.

        Parameters
        ----------
        reaches : pandas.DataFrame
            One row per reach (one row per branch for reaches that split). Required columns:
            ``reach``, ``downstream`` (empty for outlets), ``length`` [m], ``flow`` [m3/s] and
            ``velocity`` [m/s] (or ``width`` [m] and ``depth`` [m], or the stage-discharge
            coefficients ``velocity_coef``/``velocity_exp``: u = a Q^b, and ``depth_coef``/``depth_exp``:
            d = c Q^f, after Leopold & Maddock 1953). Optional: ``fraction`` [1],
            ``depth`` [m], ``decay_rate`` [1/d], ``settling_velocity`` [m/d], ``lake``, ``section``.
            Lake reaches need no length or velocity.
        lakes : pandas.DataFrame, optional
            Lake table: ``lake``, ``area`` [km2], ``mean_depth`` [m]; other columns are kept.
        sections : pandas.DataFrame, optional
            Section table: ``section``, ``reach`` and optional ``name_en``, ``waterbody``. Sections
            may also be given as a ``section`` column of *reaches*.
        allow_disconnected : bool
            Accept a network made of several unconnected parts (default: refuse it, naming the
            parts, since a stray part usually means a mistyped id).

        Returns
        -------
        RiverNetwork

        Raises
        ------
        NetworkError
            Missing columns, unknown or duplicate ids, split fractions not summing to 1, negative or
            NaN lengths/flows/velocities, cycles (the reaches on the cycle are named), unknown lakes,
            sections on unknown or isolated reaches, disconnected parts.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""],
        ...                   "fraction": [0.25, 0.75, 1.0, 1.0], "length": [1e3, 1e3, 1e3, 1e3],
        ...                   "flow": [4.0, 4.0, 1.0, 3.0], "velocity": [0.2, 0.2, 0.2, 0.2]})
        >>> RiverNetwork.from_dataframe(t).n_reaches
        3
        """
        return _build(reaches, lakes, sections, allow_disconnected=allow_disconnected)

    @classmethod
    def from_csv(cls, path: str | os.PathLike, lakes: str | os.PathLike | None = None,
                 sections: str | os.PathLike | None = None, **kwargs: Any) -> "RiverNetwork":
        """Read the reach table (and optional lake/section tables) from CSV files; see
        :meth:`from_dataframe` for the columns."""
        return read_network(path, lakes=lakes, sections=sections, **kwargs)

    # ------------------------------------------------------------------ properties
    @property
    def n_reaches(self) -> int:
        """Number of reaches."""
        return len(self.reaches)

    @property
    def is_lake(self) -> np.ndarray:
        """Boolean mask of lake (well-mixed) reaches."""
        return self.lake_of >= 0

    @property
    def outlets(self) -> pd.Index:
        """Ids of the reaches that drain out of the network."""
        return self.reaches[self.down == -1]

    def position(self, reach: Hashable) -> int:
        """Topological position of *reach* (raises :class:`NetworkError` if unknown)."""
        pos = self._index.get_indexer([reach])[0]
        if pos < 0:
            raise NetworkError(f"reach {reach!r} does not exist" + close_matches(str(reach), map(str, self.reaches)),
                               field="reach", value=reach, expected="a reach id of the network")
        return int(pos)

    def positions(self, reaches: Iterable[Hashable]) -> np.ndarray:
        """Topological positions of several reaches (raises naming the first unknown one)."""
        pos = self._index.get_indexer(list(reaches))
        if (pos < 0).any():
            bad = list(reaches)[int(np.argmax(pos < 0))]
            raise NetworkError(f"reach {bad!r} does not exist" + close_matches(str(bad), map(str, self.reaches)),
                               field="reach", value=bad, expected="a reach id of the network")
        return pos.astype(np.int64)

    @property
    def _index(self) -> pd.Index:
        return self.reaches

    def section_positions(self, sections: Iterable[str] | None = None) -> tuple[list, np.ndarray]:
        """``(names, positions)`` of monitoring sections (all of them by default)."""
        table = self.sections
        if sections is None:
            names = list(table.index)
        else:
            names = [sections] if isinstance(sections, str) else list(sections)
            unknown = [s for s in names if s not in table.index]
            if unknown:
                raise NetworkError(f"section {unknown[0]!r} is not defined on this network"
                                   + close_matches(str(unknown[0]), map(str, table.index)),
                                   field="section", value=unknown[0], expected=f"one of {list(table.index)}")
        return names, self.positions(table.loc[names, "reach"]) if names else np.zeros(0, np.int64)

    def upstream_of(self, reach: Hashable) -> pd.Index:
        """Ids of every reach that drains (fully or partly) into *reach*, including itself.

        Examples
        --------
        >>> from ecomodel.water import demo
        >>> sorted(demo().network.upstream_of("TGY-1"))
        ['GH', 'HLH-1', 'HLH-2', 'TGY-1', 'ZGH-1', 'ZGH-2']
        """
        target = self.position(reach)
        mark = np.zeros(self.n_reaches, bool)
        mark[target] = True
        for e in np.argsort(-self.edge_src, kind="stable"):  # downstream-first sweep
            if mark[self.edge_dst[e]]:
                mark[self.edge_src[e]] = True
        return self.reaches[mark]

    def with_flow(self, flow: ArrayLike) -> "RiverNetwork":
        """A copy with other mean flows [m3/s] (same order as :attr:`reaches`), velocities scaled to
        keep the cross-sections; lateral flows and abstractions are recomputed."""
        q = as_float_array(flow, "flow", error=NetworkError, positive=True, ndim=1, labels=self.reaches)
        if q.shape != self.flow.shape:
            raise NetworkError(f"flow: expected {self.n_reaches} values, got {q.shape[0]}", field="flow",
                               value=q.shape, expected=str(self.n_reaches))
        table = self.to_dataframe()
        scale = q / self.flow
        rows = np.maximum(np.diff(_row_ptr(self)), 1)  # to_dataframe writes one row for an outlet
        table["flow"] = np.repeat(q, rows)
        table["velocity"] = np.repeat(self.velocity * scale, rows)
        return _build(table, self.lakes.drop(columns=["volume"], errors="ignore"), self.sections.reset_index(),
                      allow_disconnected=True)

    # ------------------------------------------------------------------ export
    def to_dataframe(self) -> pd.DataFrame:
        """The reach table (one row per branch), upstream first."""
        rows = []
        ids = self.reaches
        lake_names = self.lakes["lake"].to_numpy() if len(self.lakes) else np.array([])
        sec_of = {int(p): s for s, p in zip(self.sections.index, self.positions(self.sections["reach"]))} \
            if len(self.sections) else {}
        ptr = _row_ptr(self)
        for i in range(self.n_reaches):
            base = {"reach": ids[i], "length": self.length[i], "flow": self.flow[i], "velocity": self.velocity[i],
                    "depth": self.depth[i], "decay_rate": self.decay_rate[i],
                    "settling_velocity": self.settling_velocity[i],
                    "lake": lake_names[self.lake_of[i]] if self.lake_of[i] >= 0 else "",
                    "section": sec_of.get(i, "")}
            edges = range(ptr[i], ptr[i + 1])
            if len(edges) == 0:
                rows.append({**base, "downstream": "", "fraction": 1.0})
            for e in edges:
                rows.append({**base, "downstream": ids[self.edge_dst[e]], "fraction": self._fraction[e]})
        return pd.DataFrame(rows)

    def to_xarray(self) -> "xarray.Dataset":
        """The network as an :class:`xarray.Dataset` over ``reach`` (upstream first).

        Examples
        --------
        >>> from ecomodel.water import demo
        >>> ds = demo().network.to_xarray()
        >>> ds["flow"].attrs["units"]
        'm3/s'
        """
        import xarray as xr

        from ecomodel._cf import cf_attrs

        first_down = np.array([""] * self.n_reaches, dtype=object)
        ptr = _row_ptr(self)
        for i in range(self.n_reaches):
            if ptr[i + 1] > ptr[i]:
                first_down[i] = str(self.reaches[self.edge_dst[ptr[i]]])
        lake_names = self.lakes["lake"].to_numpy() if len(self.lakes) else np.array([])
        lake = np.array([lake_names[j] if j >= 0 else "" for j in self.lake_of], dtype=object)
        ds = xr.Dataset(
            {
                "flow": ("reach", self.flow, cf_attrs("m3/s", "mean flow leaving the reach",
                                                        "water_volume_transport_in_river_channel")),
                "lateral_flow": ("reach", self.lateral_flow, cf_attrs("m3/s", "flow entering from the reach catchment")),
                "abstraction": ("reach", self.abstraction, cf_attrs("m3/s", "flow withdrawn at the top of the reach")),
                "length": ("reach", self.length, cf_attrs("m", "reach length")),
                "velocity": ("reach", self.velocity, cf_attrs("m/s", "mean velocity")),
                "depth": ("reach", self.depth, cf_attrs("m", "mean depth")),
                "travel_time": ("reach", self.travel_time, cf_attrs("d", "travel (residence) time")),
                "decay_rate": ("reach", self.decay_rate, cf_attrs("1/d", "first-order loss rate at 20 degC")),
                "settling_velocity": ("reach", self.settling_velocity, cf_attrs("m/d", "apparent settling velocity")),
                "downstream": ("reach", first_down, {"long_name": "first downstream reach ('' for outlets)"}),
                "lake": ("reach", lake, {"long_name": "lake id ('' for rivers)"}),
            },
            coords={"reach": ("reach", np.asarray(self.reaches, dtype=object), {"long_name": "reach id"}),
                    "topological_position": ("reach", np.arange(self.n_reaches),
                                             {"long_name": "position in upstream-first order"})},
            attrs={**self.attrs, "title": "river network"},
        )
        return ds

    def __repr__(self) -> str:
        return (f"RiverNetwork({self.n_reaches} reaches, {len(self.outlets)} outlet(s), "
                f"{int(self.is_lake.sum())} lake(s), {len(self.sections)} section(s))")


def read_network(path: str | os.PathLike, lakes: str | os.PathLike | pd.DataFrame | None = None,
                 sections: str | os.PathLike | pd.DataFrame | None = None, **kwargs: Any) -> RiverNetwork:
    """Read a network from CSV: *path* is the reach table, *lakes* and *sections* optional tables.

    Examples
    --------
    >>> from ecomodel._data import data_path
    >>> net = read_network(data_path("water", "reaches.csv"), lakes=data_path("water", "lakes.csv"),
    ...                    sections=data_path("water", "sections.csv"))
    >>> "姚巷桥" in net.sections.index
    True
    """
    def _read(p):
        if p is None or isinstance(p, pd.DataFrame):
            return p
        return pd.read_csv(p, dtype={"reach": str, "downstream": str, "lake": str}, keep_default_na=False,
                           na_values=[""])

    table = _read(path)
    return _build(table, _read(lakes), _read(sections), **kwargs)


# ---------------------------------------------------------------------- internals
def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + m)`` for each start s and length m (vectorised)."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(offsets, lengths) + np.repeat(np.asarray(starts, np.int64),
                                                                                       lengths)


def _row_ptr(net: RiverNetwork) -> np.ndarray:
    """CSR row pointer of the links by source reach (``edge_src`` is sorted)."""
    ptr = np.zeros(net.n_reaches + 1, np.int64)
    np.add.at(ptr, net.edge_src + 1, 1)
    return np.cumsum(ptr)


def _column(table: pd.DataFrame, name: str, labels, *, required=True, positive=False, default=np.nan,
            nonnegative=True) -> np.ndarray:
    """Column *name* as floats (NaN for blanks, *default* if absent and not required); text refused."""
    if name not in table.columns:
        if required:
            raise NetworkError(f"reach table: column {name!r} is missing ({REACH_COLUMNS.get(name, '')})",
                               field=name, expected=f"a {name!r} column")
        return np.full(len(labels), default)
    column = table[name]
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=float)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    raw = column.to_numpy()
    bad_text = np.isnan(values) & pd.notna(raw) & (column.astype(str).str.strip() != "").to_numpy()
    if bad_text.any():
        i = int(np.argmax(bad_text))
        raise NetworkError(f"{name}: {raw[i]!r} at reach {labels[i]!r} is not a number", field=name, value=raw[i],
                           expected="a number")
    return values


@dataclass
class _Rows:
    """Reach ids of a reach table: ``row_ids`` per table row, ``row_pos`` the reach of each row,
    ``id_values`` the distinct ids in order of first appearance, ``uniq_rows`` their first rows."""

    row_ids: np.ndarray
    row_pos: np.ndarray
    uniq_rows: np.ndarray
    id_values: np.ndarray

    @property
    def n(self) -> int:
        return len(self.id_values)

    @property
    def labels(self) -> list:
        return list(self.id_values)


def _build(reaches, lakes, sections, *, allow_disconnected=False) -> RiverNetwork:
    """Validate a reach table, order it upstream first and attach lakes and sections.

    The three steps are :func:`_validate` (ids, links, split fractions, per-reach attributes and
    lakes, all in table order), :func:`_order` (Kahn's topological order, reach arrays and links
    reordered, lateral flow, abstraction, travel time [d], the steady-kernel link encoding) and
    :func:`_sections` (monitoring sections placed on connected reaches). Raises
    :class:`~ecomodel.errors.NetworkError` naming the offending item.
    """
    rows, links, attrs, lake_table = _validate(reaches, lakes)
    arrays = _order(rows, links, attrs, lake_table)
    if not allow_disconnected and rows.n > 1:
        _check_connected(rows.n, arrays["edge_src"], arrays["edge_dst"], arrays["reaches"])
    sec = _sections(reaches, sections, arrays["reaches"], rows.n, arrays["edge_src"], arrays["edge_dst"])
    return RiverNetwork(lakes=lake_table.reset_index(drop=True), sections=sec, **arrays)


# ---------------------------------------------------------------------------- step 1: validate
def _validate(reaches, lakes) -> tuple[_Rows, dict, dict, pd.DataFrame]:
    """Check the reach table in table order; return its ids, links (``src``, ``dst``, ``frac`` per
    branch), per-reach attributes (flow [m3/s], length [m], velocity [m/s], depth [m], decay [1/d],
    settling [m/d], ``lake_of``) and the lake table."""
    rows = _reach_ids(reaches)
    links = _links(reaches, rows)
    links["frac"] = _fractions(reaches, rows, links)
    attrs = _attributes(reaches, rows, links["multi"])
    lake_table, attrs["lake_of"], attrs["depth"] = _attach_lakes(lakes, rows, attrs)
    return rows, links, attrs, lake_table


def _reach_ids(reaches) -> _Rows:
    """Check the table's type, required columns and ids; distinct ids in order of first appearance."""
    if not isinstance(reaches, pd.DataFrame):
        raise NetworkError(f"reaches: expected a pandas DataFrame, got {type(reaches).__name__}", field="reaches",
                           value=type(reaches).__name__, expected="pandas.DataFrame")
    for col in ("reach", "downstream"):
        if col not in reaches.columns:
            raise NetworkError(f"reach table: column {col!r} is missing ({REACH_COLUMNS[col]})", field=col,
                               expected=f"a {col!r} column")
    if len(reaches) == 0:
        raise NetworkError("reach table is empty", field="reaches", value=0, expected="at least one reach")
    if reaches["reach"].isna().any():
        i = int(np.argmax(reaches["reach"].isna().to_numpy()))
        raise NetworkError(f"reach: missing id in row {i}", field="reach", value=None, expected="a reach id")
    row_ids = reaches["reach"].to_numpy()
    ids, first_row, row_pos = np.unique(row_ids.astype(str) if row_ids.dtype == object else row_ids,
                                        return_index=True, return_inverse=True)
    # keep first-appearance order (np.unique sorts)
    appear = np.argsort(first_row, kind="stable")
    rank = np.empty_like(appear)
    rank[appear] = np.arange(len(appear))
    uniq_rows = np.sort(first_row)
    return _Rows(row_ids=row_ids, row_pos=rank[row_pos], uniq_rows=uniq_rows, id_values=row_ids[uniq_rows])


def _links(reaches, rows: _Rows) -> dict:
    """Downstream links per branch row: ``src``/``dst`` reach numbers (table order), ``edge_rows``,
    ``outlet_row`` mask, ``counts`` (rows per reach) and ``multi`` (reaches with several rows)."""
    row_ids, labels, n = rows.row_ids, rows.labels, rows.n
    down_raw = reaches["downstream"].to_numpy(dtype=object)
    outlet_row = _outlet_mask(reaches["downstream"])
    dvals = down_raw[~outlet_row]
    if row_ids.dtype == object:
        dvals = dvals.astype(str)
        lookup = pd.Index(np.asarray(rows.id_values).astype(str))
    else:
        lookup = pd.Index(rows.id_values)
        try:
            dvals = pd.to_numeric(pd.Series(dvals)).to_numpy()
        except (ValueError, TypeError):
            pass
    dpos = lookup.get_indexer(dvals) if len(dvals) else np.zeros(0, np.int64)
    if (dpos < 0).any():
        k = int(np.argmax(dpos < 0))
        src_row = np.nonzero(~outlet_row)[0][k]
        raise NetworkError(f"reach {_py(row_ids[src_row])!r}: downstream {_py(dvals[k])!r} does not exist"
                           + close_matches(str(dvals[k]), map(str, labels)), field="downstream", value=_py(dvals[k]),
                           expected="the id of a reach in the table")
    edge_rows = np.nonzero(~outlet_row)[0]
    src = rows.row_pos[edge_rows].astype(np.int64)
    dst = dpos.astype(np.int64)
    self_loop = src == dst
    if self_loop.any():
        k = int(np.argmax(self_loop))
        raise NetworkError(f"cycle in the network: reach {labels[src[k]]!r} drains into itself", field="downstream",
                           value=labels[src[k]], expected="a different reach")
    counts = np.bincount(rows.row_pos, minlength=n)
    multi = counts > 1
    if (outlet_row & multi[rows.row_pos]).any():
        k = int(np.argmax(outlet_row & multi[rows.row_pos]))
        raise NetworkError(f"reach {row_ids[k]!r}: has several rows but one has no downstream; a reach either "
                           "drains out of the network (one row, empty downstream) or splits between reaches",
                           field="downstream", value=row_ids[k], expected="a downstream id on every branch row")
    dup = pd.DataFrame({"s": src, "d": dst}).duplicated()
    if dup.any():
        k = int(np.argmax(dup.to_numpy()))
        raise NetworkError(f"reach {labels[src[k]]!r}: downstream {labels[dst[k]]!r} is listed twice", field="downstream",
                           value=labels[dst[k]], expected="each branch once")
    return {"src": src, "dst": dst, "edge_rows": edge_rows, "outlet_row": outlet_row, "counts": counts,
            "multi": multi}


def _fractions(reaches, rows: _Rows, links: dict) -> np.ndarray:
    """Split fraction [1] of each branch (1 for single-row reaches); each reach's branches sum to 1."""
    row_ids, labels, row_pos = rows.row_ids, rows.labels, rows.row_pos
    multi, counts = links["multi"], links["counts"]
    if "fraction" in reaches.columns:
        frac_rows = _column(reaches, "fraction", row_ids)
    else:
        frac_rows = np.full(len(reaches), np.nan)
    if multi.any() and "fraction" not in reaches.columns:
        k = int(np.argmax(multi))
        raise NetworkError(f"reach {labels[k]!r} splits into {counts[k]} branches but the table has no 'fraction' "
                           "column", field="fraction", value=None, expected="a 'fraction' column for splits")
    frac_rows = np.where(np.isnan(frac_rows) & ~multi[row_pos], 1.0, frac_rows)
    if np.isnan(frac_rows).any():
        k = int(np.argmax(np.isnan(frac_rows)))
        raise NetworkError(f"fraction: missing at reach {row_ids[k]!r}, which splits", field="fraction", value=np.nan,
                           expected="a share between 0 and 1")
    bad = (frac_rows <= 0) | (frac_rows > 1) | ~np.isfinite(frac_rows)
    if bad.any():
        k = int(np.argmax(bad))
        raise NetworkError(f"fraction: {frac_rows[k]} at reach {row_ids[k]!r}; expected a share in (0, 1]",
                           field="fraction", value=frac_rows[k], expected="0 < fraction <= 1")
    sums = np.bincount(row_pos, weights=frac_rows, minlength=rows.n)
    off = np.abs(sums - 1.0) > 1e-9
    if off.any():
        k = int(np.argmax(off))
        raise NetworkError(f"fraction: the branches of reach {labels[k]!r} sum to {sums[k]:.6g}; expected 1",
                           field="fraction", value=float(sums[k]), expected="fractions summing to 1")
    return frac_rows[links["edge_rows"]]


def _per_reach(reaches, rows: _Rows, multi: np.ndarray, name: str, *, required: bool,
               default: float = np.nan) -> np.ndarray:
    """One value per reach of column *name* (NaN/default where absent); branch rows must agree."""
    v = _column(reaches, name, rows.row_ids, required=required, default=default)
    out = v[rows.uniq_rows]
    if multi.any():
        ref = out[rows.row_pos]
        differ = ~((ref == v) | (np.isnan(ref) & np.isnan(v)))
        if differ.any():
            k = int(np.argmax(differ))
            raise NetworkError(f"{name}: reach {rows.row_ids[k]!r} has different values on its branch rows "
                               f"({ref[k]} and {v[k]})", field=name, value=v[k], expected="one value per reach")
    return out


def _attributes(reaches, rows: _Rows, multi: np.ndarray) -> dict:
    """Per-reach flow [m3/s], length [m], velocity [m/s], depth [m], decay [1/d], settling [m/d],
    ``lake_col`` (lake id or '') and ``is_lake``; velocity and depth from width or stage-discharge
    where not given."""
    labels = rows.labels
    label_arr = np.asarray(rows.id_values, dtype=object)

    def col(name, **kw):
        return _per_reach(reaches, rows, multi, name, **kw)

    lake_col = np.full(rows.n, "", dtype=object)
    if "lake" in reaches.columns:
        raw = reaches["lake"].to_numpy(dtype=object)[rows.uniq_rows]
        lake_col = np.array(["" if _is_outlet(v) else str(v) for v in raw], dtype=object)
    is_lake = lake_col != ""
    flow = col("flow", required=True)
    as_float_array(flow, "flow", error=NetworkError, positive=True, labels=labels)
    length = col("length", required=False)
    depth, width, velocity = col("depth", required=False), col("width", required=False), col("velocity", required=False)
    river = ~is_lake
    if "length" not in reaches.columns and river.any():
        raise NetworkError(f"reach table: column 'length' is missing ({REACH_COLUMNS['length']})", field="length",
                           expected="a 'length' column")
    as_float_array(length[river], "length", error=NetworkError, positive=True, labels=label_arr[river])
    depth = _stage_discharge(reaches, col, "depth", depth, flow, label_arr)
    velocity = _stage_discharge(reaches, col, "velocity", velocity, flow, label_arr)
    need_v = river & np.isnan(velocity)
    if need_v.any():
        if np.isnan(width[need_v]).any() or np.isnan(depth[need_v]).any():
            k = int(np.nonzero(need_v & (np.isnan(width) | np.isnan(depth)))[0][0])
            raise NetworkError(f"velocity: missing at reach {labels[k]!r} and no width and depth to derive it from",
                               field="velocity", value=np.nan, expected="velocity [m/s], or width [m] and depth [m]")
        velocity = velocity.copy()
        as_float_array(width[need_v], "width", error=NetworkError, positive=True)
        as_float_array(depth[need_v], "depth", error=NetworkError, positive=True)
        velocity[need_v] = flow[need_v] / (width[need_v] * depth[need_v])
    as_float_array(velocity[river], "velocity", error=NetworkError, positive=True, labels=label_arr[river])
    ok_depth = ~np.isnan(depth)
    as_float_array(depth[ok_depth], "depth", error=NetworkError, positive=True, labels=label_arr[ok_depth])
    rates = {}
    for key, name in (("decay", "decay_rate"), ("settling", "settling_velocity")):
        v = col(name, required=False, default=0.0)
        rates[key] = np.where(np.isnan(v), 0.0, v)
        as_float_array(rates[key], name, error=NetworkError, labels=labels)
    return {"flow": flow, "length": length, "velocity": velocity, "depth": depth, "lake_col": lake_col,
            "is_lake": is_lake, **rates}


def _stage_discharge(reaches, col, target: str, values: np.ndarray, flow: np.ndarray,
                     label_arr: np.ndarray) -> np.ndarray:
    """Fill *target* (``depth`` or ``velocity``) where missing from ``coef x flow^exp`` (hydraulic
    geometry, Leopold & Maddock 1953: d = c Q^f [m], u = a Q^b [m/s]), when those columns exist."""
    coef, expo = f"{target}_coef", f"{target}_exp"
    if coef not in reaches.columns and expo not in reaches.columns:
        return values
    if not (coef in reaches.columns and expo in reaches.columns):
        raise NetworkError(f"reach table: {coef!r} and {expo!r} go together ({target} = coef x flow^exp)",
                           field=coef if coef not in reaches.columns else expo,
                           expected=f"both {coef!r} and {expo!r}")
    cval = col(coef, required=False)
    eval_ = col(expo, required=False)
    use = np.isnan(values) & ~np.isnan(cval)
    if not use.any():
        return values
    as_float_array(cval[use], coef, error=NetworkError, positive=True, labels=label_arr[use])
    as_float_array(eval_[use], expo, error=NetworkError, nonnegative=False, labels=label_arr[use])
    values = values.copy()
    values[use] = cval[use] * flow[use] ** eval_[use]
    return values


def _attach_lakes(lakes, rows: _Rows, attrs: dict) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The lake table, each reach's lake row (-1 for rivers) and depth [m] with lakes' mean depths."""
    labels, lake_col, is_lake, depth = rows.labels, attrs["lake_col"], attrs["is_lake"], attrs["depth"]
    lake_of = np.full(rows.n, -1, np.int64)
    if not is_lake.any():
        table = _lakes(lakes) if lakes is not None else pd.DataFrame(columns=["lake", "area", "mean_depth", "volume"])
        return table, lake_of, depth
    if lakes is None:
        k = int(np.argmax(is_lake))
        raise NetworkError(f"reach {labels[k]!r} is lake {lake_col[k]!r} but no lake table was given",
                           field="lakes", value=None, expected="a lake table with area and mean_depth")
    table = _lakes(lakes)
    lpos = pd.Index(table["lake"]).get_indexer(lake_col[is_lake])
    if (lpos < 0).any():
        k = int(np.nonzero(is_lake)[0][np.argmax(lpos < 0)])
        raise NetworkError(f"reach {labels[k]!r}: lake {lake_col[k]!r} is not in the lake table"
                           + close_matches(lake_col[k], table["lake"]), field="lake", value=lake_col[k],
                           expected="a lake of the lake table")
    if len(np.unique(lpos)) != len(lpos):
        dupl = pd.Series(lake_col[is_lake]).value_counts()
        name = dupl.index[0]
        raise NetworkError(f"lake {name!r} is attached to {int(dupl.iloc[0])} reaches; a lake is one well-mixed "
                           "reach", field="lake", value=name, expected="one reach per lake")
    lake_of[is_lake] = lpos
    depth = depth.copy()
    depth[is_lake] = table["mean_depth"].to_numpy()[lpos]
    return table, lake_of, depth


# ---------------------------------------------------------------------------- step 2: order
def _order(rows: _Rows, links: dict, attrs: dict, lake_table: pd.DataFrame) -> dict:
    """Topological order (Kahn, once; a cycle is named) and every reach array in that order.

    Returns the :class:`RiverNetwork` fields except ``lakes`` and ``sections``: reordered
    reach arrays, links sorted by (source, destination), lateral flow and abstraction [m3/s],
    travel time [d] and the steady-kernel link encoding."""
    from ._kernels import _topological_order

    n, src, dst = rows.n, links["src"], links["dst"]
    order, count = _topological_order(n, src, dst)
    if count < n:
        raise NetworkError(_cycle_message(n, src, dst, order[:count], rows.labels), field="downstream",
                           value=None, expected="a network without cycles")
    pos = np.empty(n, np.int64)
    pos[order] = np.arange(n)
    a = {k: np.ascontiguousarray(attrs[k][order])
         for k in ("flow", "length", "velocity", "depth", "decay", "settling", "lake_of")}
    ids = np.asarray(rows.id_values)
    reach_index = pd.Index(np.asarray(ids, dtype=object)[order] if ids.dtype == object else ids[order], name="reach")
    esrc, edst = pos[src], pos[dst]
    eorder = np.lexsort((edst, esrc))
    esrc, edst, frac = esrc[eorder], edst[eorder], links["frac"][eorder]
    flow_parts = _lateral_flow(a["flow"], esrc, edst, frac)
    rv = a["lake_of"] < 0
    travel = np.empty(n)
    travel[rv] = a["length"][rv] / a["velocity"][rv] / SECONDS_PER_DAY
    if (~rv).any():
        vol = lake_table["volume"].to_numpy()[a["lake_of"][~rv]]
        travel[~rv] = vol / a["flow"][~rv] / SECONDS_PER_DAY
    weights = flow_parts.pop("weights")
    return dict(
        reaches=reach_index, **_steady_links(n, esrc, edst, weights),
        edge_src=esrc.astype(np.int64), edge_dst=edst.astype(np.int64), edge_w=weights.astype(float),
        flow=a["flow"], **flow_parts, length=np.where(rv, a["length"], np.nan),
        velocity=np.where(rv, a["velocity"], np.nan), depth=a["depth"], travel_time=travel,
        decay_rate=a["decay"], settling_velocity=a["settling"], lake_of=a["lake_of"], _fraction=frac,
    )


def _lateral_flow(flow: np.ndarray, esrc: np.ndarray, edst: np.ndarray, frac: np.ndarray) -> dict:
    """Lateral inflow [m3/s] (flow minus what arrives, never negative), abstraction [m3/s] where
    less leaves than arrives, and link weights (fraction x the receiving reach's kept share)."""
    n = len(flow)
    upstream = np.bincount(edst, weights=frac * flow[esrc], minlength=n)
    lateral = flow - upstream
    scale = np.maximum(np.abs(flow), np.abs(upstream))
    abstracting = lateral < -_FLOW_TOL * scale
    keep = np.ones(n)
    keep[abstracting] = flow[abstracting] / upstream[abstracting]
    abstraction = np.where(abstracting, upstream - flow, 0.0)
    lateral = np.where(lateral < 0, 0.0, lateral)
    return {"lateral_flow": lateral, "abstraction": abstraction, "weights": frac * keep[edst]}


def _steady_links(n: int, esrc: np.ndarray, edst: np.ndarray, weights: np.ndarray) -> dict:
    """Links for the steady kernel: ``down`` is the single receiving reach (weight 1), -1 for an
    outlet, or -2-k for the k-th special reach whose branches are ``sp_idx``/``sp_w`` in
    ``sp_ptr[k]:sp_ptr[k+1]``."""
    out_count = np.bincount(esrc, minlength=n)
    eptr = np.concatenate([[0], np.cumsum(out_count)])
    single_w1 = out_count == 1
    single_w1[single_w1] = weights[eptr[:-1][single_w1]] == 1.0
    down = np.full(n, -1, np.int64)
    down[single_w1] = edst[eptr[:-1][single_w1]]
    sp_rows = np.nonzero((out_count > 0) & ~single_w1)[0]
    down[sp_rows] = -2 - np.arange(len(sp_rows))
    sp_ptr = np.concatenate([[0], np.cumsum(out_count[sp_rows])]).astype(np.int64)
    sel = _ranges(eptr[sp_rows], out_count[sp_rows])
    return {"down": down, "sp_ptr": sp_ptr, "sp_idx": edst[sel].astype(np.int64),
            "sp_w": weights[sel].astype(float)}


def _lakes(lakes) -> pd.DataFrame:
    """Validated copy of the lake table with ``volume`` = area [km2] x 1e6 x mean_depth [m] [m3]."""
    if not isinstance(lakes, pd.DataFrame):
        raise NetworkError(f"lakes: expected a pandas DataFrame, got {type(lakes).__name__}", field="lakes",
                           value=type(lakes).__name__, expected="pandas.DataFrame")
    for col in LAKE_COLUMNS:
        if col not in lakes.columns:
            raise NetworkError(f"lake table: column {col!r} is missing ({LAKE_COLUMNS[col]})", field=col,
                               expected=f"a {col!r} column")
    table = lakes.copy()
    table["lake"] = table["lake"].astype(str)
    if table["lake"].duplicated().any():
        name = table["lake"][table["lake"].duplicated()].iloc[0]
        raise NetworkError(f"lake table: lake {name!r} is listed twice", field="lake", value=name,
                           expected="one row per lake")
    labels = list(table["lake"])
    table["area"] = as_float_array(table["area"], "area", error=NetworkError, positive=True, labels=labels)
    table["mean_depth"] = as_float_array(table["mean_depth"], "mean_depth", error=NetworkError, positive=True,
                                         labels=labels)
    table["volume"] = table["area"] * 1e6 * table["mean_depth"]
    return table


def _cycle_message(n, src, dst, done, labels) -> str:
    """Name the reaches of one cycle among those Kahn's algorithm could not order."""
    remaining = np.ones(n, bool)
    remaining[done] = False
    # every remaining reach has a remaining upstream reach: walk upstream until a reach repeats
    up_of = {}
    for s, d in zip(src, dst):
        if remaining[s] and remaining[d]:
            up_of.setdefault(int(d), int(s))
    start = int(np.argmax(remaining))
    seen = {}
    path = []
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = up_of[node]
    cycle = path[seen[node]:][::-1]  # downstream direction
    names = " -> ".join(repr(labels[i]) for i in cycle + [cycle[0]])
    return f"cycle in the network: {names} (a river network must drain downstream without loops)"


def _check_connected(n, esrc, edst, reach_index) -> None:
    """Refuse a network of several weakly connected parts, naming the reaches of the smallest."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(esrc)), (esrc, edst)), shape=(n, n))
    ncomp, comp = connected_components(graph, directed=True, connection="weak")
    if ncomp > 1:
        sizes = np.bincount(comp)
        small = int(np.argmin(sizes))
        members = reach_index[comp == small][:10].tolist()
        more = " …" if sizes[small] > 10 else ""
        raise NetworkError(f"the network falls apart into {ncomp} unconnected parts; reaches {members}{more} are not "
                           "connected to the rest (check their downstream ids, or pass allow_disconnected=True)",
                           field="downstream", value=members, expected="one connected network")


def _sections(reaches, sections, reach_index, n, esrc, edst) -> pd.DataFrame:
    """Step 3: the section table (index ``section``, column ``reach``) from the reach table's
    ``section`` column and/or *sections*; each section on one existing, connected reach."""
    frames = []
    if "section" in reaches.columns:
        col = reaches["section"].to_numpy(dtype=object)
        rows = [(str(col[i]), reaches["reach"].iloc[i]) for i in range(len(col)) if not _is_outlet(col[i])]
        if rows:
            frames.append(pd.DataFrame(rows, columns=["section", "reach"]).drop_duplicates())
    if sections is not None:
        if not isinstance(sections, pd.DataFrame) or not {"section", "reach"} <= set(sections.columns):
            raise NetworkError("sections: expected a DataFrame with columns 'section' and 'reach'", field="sections",
                               value=None, expected="columns section, reach")
        frames.append(sections.copy())
    if not frames:
        return pd.DataFrame({"reach": pd.Series([], dtype=object)}, index=pd.Index([], name="section"))
    table = pd.concat(frames, ignore_index=True)
    table["section"] = table["section"].astype(str)
    dup = table.duplicated("section", keep=False)
    if dup.any():
        clash = table[dup].drop_duplicates(["section", "reach"])
        if clash["section"].duplicated().any():
            name = clash["section"][clash["section"].duplicated()].iloc[0]
            raise NetworkError(f"section {name!r} is placed on several reaches", field="section", value=name,
                               expected="one reach per section")
        table = table.drop_duplicates("section", keep="last")
    key = table["reach"].astype(str) if reach_index.dtype == object else table["reach"]
    lookup = pd.Index(reach_index.astype(str)) if reach_index.dtype == object else reach_index
    pos = lookup.get_indexer(key)
    if (pos < 0).any():
        k = int(np.argmax(pos < 0))
        bad = table["reach"].iloc[k]
        raise NetworkError(f"section {table['section'].iloc[k]!r}: reach {bad!r} does not exist"
                           + close_matches(str(bad), map(str, reach_index)), field="reach", value=bad,
                           expected="a reach of the network")
    degree = np.bincount(esrc, minlength=n) + np.bincount(edst, minlength=n)
    if n > 1 and (degree[pos] == 0).any():
        k = int(np.argmax(degree[pos] == 0))
        raise NetworkError(f"section {table['section'].iloc[k]!r} is on reach {reach_index[pos[k]]!r}, which is "
                           "disconnected: nothing flows into it and it drains nowhere", field="section",
                           value=table["section"].iloc[k], expected="a section on a connected reach")
    table["reach"] = reach_index[pos]
    return table.set_index("section")
