"""Every user-facing failure in ecomodel is an :class:`EcomodelError`.

Messages name the offending field, the value found and what was expected, for example::

    NetworkError: reach 'WJG-3': downstream 'WJG-9' does not exist

Subclasses also derive from the closest built-in exception (``ValueError``, ``KeyError`` …) so
that generic ``except ValueError`` code keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "EcomodelError",
    "InputError",
    "UnitError",
    "StandardsError",
    "TargetError",
    "NetworkError",
    "SourceError",
    "EmissionError",
    "MeteorologyError",
    "CarbonError",
    "ScenarioError",
    "CalibrationError",
    "OutputError",
    "close_matches",
]


class EcomodelError(Exception):
    """Base class of every error raised on purpose by ecomodel.

    Parameters
    ----------
    message : str
        Full, human-readable explanation.
    field : str, optional
        Name of the offending input field (column, argument, TOML key …).
    value : object, optional
        The offending value.
    expected : str, optional
        What would have been accepted.
    """

    def __init__(self, message: str, *, field: str | None = None, value=None, expected: str | None = None):
        super().__init__(message)
        self.field = field
        self.value = value
        self.expected = expected

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class InputError(EcomodelError, ValueError):
    """Invalid user input: wrong value, shape, NaN, negative where not allowed."""


class UnitError(InputError):
    """Unknown unit, or a unit that cannot be converted to the one required."""


class StandardsError(InputError):
    """Bad input to a national-standard lookup (unknown pollutant, negative concentration …)."""


class TargetError(EcomodelError, KeyError):
    """Unknown region, site or indicator in the plan-target registry, or a projection that
    cannot be checked against it."""


class NetworkError(InputError):
    """Invalid river network: cycles, unknown downstream reaches, bad split fractions …"""


class SourceError(InputError):
    """Invalid pollutant source (water point or diffuse source)."""


class EmissionError(InputError):
    """Invalid air-emission inventory (negative or NaN emissions, unknown sector/box …)."""


class MeteorologyError(InputError):
    """Invalid meteorology (NaN, zero mixing height, wrong shape …)."""


class CarbonError(InputError):
    """Invalid energy balance or emission factor (unknown fuel, unit mismatch …)."""


class ScenarioError(InputError):
    """Malformed scenario, package or measure file; names the file, table and field."""


class CalibrationError(EcomodelError, RuntimeError):
    """A calibration that did not reach an acceptable fit (never reported as success)."""


class OutputError(EcomodelError, OSError):
    """Failure while writing an output file (no partial file is left behind)."""


def close_matches(name: str, options: Iterable[str], n: int = 5) -> str:
    """Return ``"; did you mean 'a', 'b'?"`` for the closest options to *name*, or a list of
    the valid options when none is close. Used to build helpful error messages.

    Examples
    --------
    >>> close_matches("PM25", ["PM2.5", "SO2"])
    "; did you mean 'PM2.5'?"
    """
    options = [str(o) for o in options]
    hits = difflib.get_close_matches(str(name), options, n=n, cutoff=0.5)
    if not hits:
        low = str(name).lower()
        hits = [o for o in options if low and (low in o.lower() or o.lower() in low)][:n]
    if hits:
        return "; did you mean " + ", ".join(repr(h) for h in hits) + "?"
    shown = ", ".join(repr(o) for o in options[:20])
    more = " …" if len(options) > 20 else ""
    return f"; valid options are {shown}{more}"
