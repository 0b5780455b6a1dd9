"""The numeric tables of the standards, read once from ``ecomodel/data/standards/*.csv``.

Every number lives in a CSV with a citation column; nothing here hard-codes a limit. The files are
read with the :mod:`csv` module (no pandas) and cached, so importing :mod:`ecomodel.standards` stays
light and the first lookup costs a few milliseconds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._data import data_path

__all__ = [
    "Breakpoints",
    "WaterLimits",
    "breakpoint_tables",
    "table_notes",
    "aqi_categories",
    "gb3095_rows",
    "hj663_items",
    "gb3838_rows",
    "read_csv",
]


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of ``ecomodel/data/standards/<name>`` as dictionaries of strings."""
    with open(data_path("standards", name), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Breakpoints:
    """One column of HJ 633-2012 Table 1: concentration breakpoints and their IAQI values.

    Attributes
    ----------
    item : str
        Canonical item key, ``'<pollutant>_<averaging>'`` (``'PM2.5_24h'``, ``'O3_8h'``).
    pollutant, averaging, unit : str
        Pollutant, averaging period (``'24h'``, ``'8h'``, ``'1h'``) and concentration unit.
    concentration : numpy.ndarray
        Breakpoints BP [unit], strictly increasing, starting at 0.
    iaqi : numpy.ndarray
        IAQI at each breakpoint (0, 50, 100, … up to 200 or 500).
    citation : str
        Where the numbers come from.
    """

    item: str
    pollutant: str
    averaging: str
    unit: str
    concentration: np.ndarray
    iaqi: np.ndarray
    citation: str

    @property
    def top(self) -> float:
        """Highest tabulated concentration [unit]."""
        return float(self.concentration[-1])


@lru_cache(maxsize=None)
def breakpoint_tables() -> dict[str, Breakpoints]:
    """All HJ 633-2012 Table 1 columns, keyed by item (``'SO2_24h'`` …)."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in read_csv("hj633_iaqi_breakpoints.csv"):
        grouped.setdefault(f"{row['pollutant']}_{row['averaging']}", []).append(row)
    tables = {}
    for item, rows in grouped.items():
        conc = np.array([float(r["concentration"]) for r in rows])
        index = np.array([float(r["iaqi"]) for r in rows])
        if np.any(np.diff(conc) <= 0) or np.any(np.diff(index) <= 0):  # pragma: no cover - data check
            raise ValueError(f"hj633_iaqi_breakpoints.csv: breakpoints of {item} are not increasing")
        conc.setflags(write=False)
        index.setflags(write=False)
        tables[item] = Breakpoints(item, rows[0]["pollutant"], rows[0]["averaging"], rows[0]["unit"], conc, index,
                                   rows[0]["citation"])
    return tables


@lru_cache(maxsize=None)
def table_notes() -> tuple[dict[str, str], ...]:
    """Rows of ``hj633_table_notes.csv`` (the notes under HJ 633-2012 Table 1)."""
    return tuple(read_csv("hj633_table_notes.csv"))


@lru_cache(maxsize=None)
def aqi_categories() -> tuple[dict[str, str], ...]:
    """Rows of ``hj633_aqi_categories.csv``, ordered by level 1–6."""
    rows = sorted(read_csv("hj633_aqi_categories.csv"), key=lambda r: int(r["level"]))
    return tuple(rows)


@lru_cache(maxsize=None)
def gb3095_rows() -> tuple[dict[str, str], ...]:
    """Rows of ``gb3095_limits.csv`` (GB 3095-2012 Table 1, classes 1 and 2)."""
    return tuple(read_csv("gb3095_limits.csv"))


@lru_cache(maxsize=None)
def hj663_items() -> tuple[dict[str, str], ...]:
    """Rows of ``hj663_annual_items.csv`` (HJ 663-2013 annual assessment statistics)."""
    return tuple(read_csv("hj663_annual_items.csv"))


@dataclass(frozen=True)
class WaterLimits:
    """One parameter row of GB 3838-2002 Table 1 for one kind of water body.

    Attributes
    ----------
    parameter : str
        Canonical key (``'TP'``, ``'NH3-N'``, ``'DO'`` …).
    name_zh : str
        Chinese name in the standard.
    waterbody : str
        ``'all'``, ``'river'`` or ``'lake'`` (lake = 湖、库).
    higher_is_better : bool
        True for dissolved oxygen (limits are minima), False otherwise (limits are maxima).
    limits : numpy.ndarray
        Limits of classes I–V [unit].
    unit, citation : str
    """

    parameter: str
    name_zh: str
    waterbody: str
    higher_is_better: bool
    limits: np.ndarray
    unit: str
    citation: str

    @property
    def class_iii(self) -> float:
        """Class III limit [unit], the reference of the exceedance multiple."""
        return float(self.limits[2])


@lru_cache(maxsize=None)
def gb3838_rows() -> tuple[WaterLimits, ...]:
    """All rows of ``gb3838_limits.csv``."""
    out = []
    for r in read_csv("gb3838_limits.csv"):
        limits = np.array([float(r[f"class_{c}"]) for c in ("I", "II", "III", "IV", "V")])
        limits.setflags(write=False)
        out.append(WaterLimits(r["parameter"], r["name_zh"], r["waterbody"], r["direction"] == "min", limits,
                               r["unit"], r["citation"]))
    return tuple(out)
