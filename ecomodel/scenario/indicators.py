"""The indicators a scenario target may name: which domain produces each, its unit and the values
it can physically take.

Used to refuse impossible targets before any model runs (``pm25_annual_mean <= -1``, a good-day
ratio of 120 %) and to choose the domains an optimisation has to project.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ScenarioError, close_matches

__all__ = ["Indicator", "INDICATORS", "indicator", "check_value"]

_INF = float("inf")


@dataclass(frozen=True)
class Indicator:
    """A model output a target can be set on.

    Attributes
    ----------
    name : str
        Variable name in the scenario outputs.
    domain : {'air', 'water', 'carbon'}
        The backend that produces it.
    unit : str
        Unit of the values and of a target's limit.
    low, high : float
        Physically possible range (inclusive); a limit outside it can never be meaningful.
    """

    name: str
    domain: str
    unit: str
    low: float = 0.0
    high: float = _INF


def _table(*rows: Indicator) -> dict[str, Indicator]:
    return {r.name: r for r in rows}


#: Every indicator the scenario backends output (air, water, carbon).
INDICATORS: dict[str, Indicator] = _table(
    Indicator("pm25_annual_mean", "air", "ug/m3"),
    Indicator("o3_mda8_p90", "air", "ug/m3"),
    Indicator("good_air_days_ratio", "air", "%", 0.0, 100.0),
    Indicator("tp_concentration", "water", "mg/L"),
    Indicator("tn_concentration", "water", "mg/L"),
    Indicator("nh3n_concentration", "water", "mg/L"),
    Indicator("no3n_concentration", "water", "mg/L"),
    Indicator("orgn_concentration", "water", "mg/L"),
    Indicator("cod_concentration", "water", "mg/L"),
    Indicator("codmn_concentration", "water", "mg/L"),
    Indicator("lake_tp_concentration", "water", "mg/L"),
    Indicator("lake_tn_concentration", "water", "mg/L"),
    Indicator("lake_nh3n_concentration", "water", "mg/L"),
    Indicator("lake_codmn_concentration", "water", "mg/L"),
    Indicator("co2_emissions", "carbon", "Mt"),
    Indicator("co2_intensity", "carbon", "t/10^4 CNY"),
    Indicator("energy_intensity", "carbon", "tce/10^4 CNY"),
    Indicator("energy_consumption", "carbon", "10^4 tce"),
    Indicator("primary_energy_consumption", "carbon", "10^4 tce"),
    # a decrease can be negative (a rise); it cannot exceed 100 %
    Indicator("co2_intensity_decrease_pct", "carbon", "%", -_INF, 100.0),
    Indicator("energy_intensity_decrease_pct", "carbon", "%", -_INF, 100.0),
    Indicator("coal_share_energy_pct", "carbon", "%", 0.0, 100.0),
    Indicator("non_fossil_energy_share_pct", "carbon", "%", 0.0, 100.0),
    Indicator("co2_peak_year", "carbon", "year", 1990.0, 2100.0),
)


def indicator(name: str) -> Indicator:
    """The :class:`Indicator` called *name*; a :class:`~ecomodel.errors.ScenarioError` naming the
    closest known names otherwise."""
    try:
        return INDICATORS[name]
    except KeyError:
        raise ScenarioError(f"indicator {name!r} is not produced by a model" + close_matches(name, list(INDICATORS)),
                            field="indicator", value=name, expected=f"one of {list(INDICATORS)}") from None


def check_value(name: str, value: float, *, label: str | None = None) -> None:
    """Refuse a limit outside the physical range of a known indicator (unknown names pass)."""
    ind = INDICATORS.get(name)
    if ind is None or not np.isfinite(value):
        return
    if not ind.low <= value <= ind.high:
        span = (f">= {ind.low:g}" if ind.high == _INF else f"<= {ind.high:g}" if ind.low == -_INF
                else f"between {ind.low:g} and {ind.high:g}")
        raise ScenarioError(f"target {label or name}: value {value:g} {ind.unit} is impossible for {name}; "
                            f"expected {span} {ind.unit}", field="value", value=value, expected=f"{span} {ind.unit}")
