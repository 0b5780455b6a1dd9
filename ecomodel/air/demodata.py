"""The embedded Changzhou/Jiangyin demo: inventory, domain, weather settings, observations, calibration.

Every number is documented in ``ecomodel/data/air/SOURCES.md`` (plan line, paper, or assumption).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    import xarray as xr

    from .emissions import Inventory

__all__ = ["AirDemo", "demo", "load_observations", "load_calibration", "DEMO_PACKAGE_AMOUNTS"]

#: the 2023 key projects of the Changzhou work plan (004:19): NOx 5207 t, VOCs 4856 t, split over
#: sectors as in ``ecomodel/data/packages/changzhou_2023_key_projects.toml`` (assumed split)
DEMO_PACKAGE_AMOUNTS = {
    ("常州市", "industry", "NOx"): 3124.0,
    ("常州市", "power", "NOx"): 2083.0,
    ("常州市", "solvent", "VOCs"): 2914.0,
    ("常州市", "industry", "VOCs"): 1942.0,
}
DEMO_PACKAGE_START = 2023


def load_observations(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Observed annual PM2.5 means and good-day ratios from the plans (``observations.csv``).

    Examples
    --------
    >>> obs = load_observations()
    >>> obs.query("box == '天宁' and year == 2020 and indicator == 'pm25_annual_mean'")["value"].item()
    36.5
    """
    from .._data import data_path

    return pd.read_csv(path or data_path("air", "observations.csv"), comment="#")


def load_calibration(path: str | os.PathLike[str] | None = None) -> dict:
    """The stored calibration (``calibration.json``): scales, ozone levels, residuals and settings.

    Returns an empty calibration (all scales 1) when the file is absent.

    Examples
    --------
    >>> cal = load_calibration()
    >>> sorted(cal["local_scale"]), cal["members"]
    (['常州市', '江阴'], 16)
    """
    from .._data import DATA_DIR

    p = path or (DATA_DIR / "air" / "calibration.json")
    try:
        with open(p, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {"local_scale": {}, "background_scale": {}, "ozone_level": {}, "residuals": [],
                "comment": "no calibration file; all scales are 1"}


def _held(mapping: dict, year: int, default: float = 1.0) -> float:
    """Value for *year*: the entry of the latest year <= *year*, else the earliest entry."""
    if not mapping:
        return default
    items = sorted((int(k), float(v)) for k, v in mapping.items())
    prior = [v for k, v in items if k <= year]
    return prior[-1] if prior else items[0][1]


@dataclass
class AirDemo:
    """Everything needed to run the Changzhou demo (returned by :func:`demo`).

    Attributes
    ----------
    inventory : Inventory
        Calibrated 2020 inventory [t/yr] (local scales and the 2020 background scale applied).
    base_inventory : Inventory
        The inventory as in ``inventory.csv`` (before calibration).
    domain : Domain
        Box geometry.
    settings : MeteorologySettings
        Weather-generator settings.
    ozone_settings : OzoneSettings
        Statistical O3 series settings.
    parameters : ProcessParameters
        Process coefficients.
    observations : pandas.DataFrame
        Observed values with their seed lines.
    emission_trend : pandas.DataFrame
        Local emissions relative to 2020 by year and pollutant [1].
    calibration : dict
        Stored calibration (``calibration.json``).
    package : dict
        Demo reduction schedule ``{year: {key: fraction}}`` (the 2023 key projects, 004:19).
    """

    inventory: object
    base_inventory: object
    domain: object
    settings: object
    ozone_settings: object
    parameters: object
    observations: pd.DataFrame
    emission_trend: pd.DataFrame
    calibration: dict
    package: dict = field(default_factory=dict)

    def background_scale(self, year: int) -> float:
        """Calibrated factor on the background box's emissions for *year* [1]: the two-parameter
        trend ``level · (R(y)/R(2020)) ** exponent`` on the regional driver of ``emission_trend.csv``
        (held outside the table); a calibration without a trend holds its per-year scales."""
        bg = self.calibration.get("background")
        if bg:
            from .calibration import background_factor

            return background_factor(int(year), bg["level"], bg["exponent"], self.emission_trend,
                                     int(bg.get("reference_year", 2020)))
        return _held(self.calibration.get("background_scale", {}), int(year))

    def ozone_level(self, year: int) -> float:
        """Calibrated O3 level factor for *year* [1]; years after the last calibrated one use the
        mean of the calibrated years from 2020 on."""
        lev = {int(k): float(v) for k, v in self.calibration.get("ozone_level", {}).items()}
        if int(year) in lev:
            return lev[int(year)]
        recent = [v for k, v in lev.items() if k >= 2020]
        return float(np.mean(recent)) if recent else _held(lev, int(year))

    def trend(self, year: int) -> dict:
        """Local emission factor by pollutant for *year* (1 for years not in the trend table)."""
        row = self.emission_trend[self.emission_trend["year"] == int(year)]
        from .emissions import POLLUTANTS

        if row.empty:
            return {p: 1.0 for p in POLLUTANTS}
        return {p: float(row[p].iloc[0]) for p in POLLUTANTS}

    def inventory_for(self, year: int, *, background: float | None = None) -> Inventory:
        """Calibrated inventory of *year*: local boxes × the emission trend, background box ×
        its calibrated scale (or *background*)."""
        from .emissions import POLLUTANTS

        base = _calibrated(self.base_inventory, self.domain, self.calibration)
        vals = base.emissions.values.copy()
        tr = self.trend(year)
        kinds = dict(zip(self.domain.boxes, self.domain.kind))
        bg = self.background_scale(year) if background is None else float(background)
        for i, b in enumerate(base.boxes):
            if kinds.get(b) == "background":
                vals[i] *= bg
            else:
                for k, p in enumerate(POLLUTANTS):
                    vals[i, :, k] *= tr[p]
        inv = base.copy_with(vals)
        inv.year = int(year)
        return inv

    def meteorology(self, members: int = 1, *, year: int | None = None, years: int | Iterable[int] | None = None,
                    seed: int | np.random.Generator | None = None) -> xr.Dataset:
        """Generated daily meteorology for *year* (or *years*) with the demo settings."""
        from .meteorology import generate_meteorology

        yrs = years if years is not None else [year or self.inventory.year]
        return generate_meteorology(self.settings, years=yrs, members=members, seed=seed)

    def package_schedule(self, start: int = DEMO_PACKAGE_START) -> dict:
        """The demo package as a schedule ``{start: {key: fraction}}``."""
        return {int(start): dict(self.package)}


def _calibrated(base, domain, calibration: dict):
    """Apply the stored local scales (by box, region or city) to *base*."""
    vals = base.emissions.values.copy()
    for name, scale in calibration.get("local_scale", {}).items():
        for b in domain.resolve(name):
            if b in base.boxes:
                vals[base.boxes.index(b)] *= float(scale)
    return base.copy_with(vals)


def demo(*, calibrated: bool = True) -> AirDemo:
    """The embedded Changzhou demo data set.

    Parameters
    ----------
    calibrated : bool
        Apply the stored calibration (``calibration.json``); with False all scales are 1.

    Returns
    -------
    AirDemo
        Inventory, domain, meteorology and O3 settings, process parameters, observations, emission
        trend, calibration and the demo reduction package.

    Examples
    --------
    >>> d = demo()
    >>> d.inventory.year, len(d.domain.boxes)
    (2020, 8)
    >>> d.observations["source"].str.match(r"00[0-4]:\\d+").all()
    np.True_
    """
    from .box import load_domain
    from .emissions import fractions_from_amounts, load_inventory
    from .meteorology import MeteorologySettings
    from .ozone import OzoneSettings
    from .parameters import ProcessParameters
    from .._data import data_path

    domain = load_domain()
    base = load_inventory()
    missing = [b for b in domain.boxes if b not in base.boxes]
    if missing:
        raise InputError(f"demo inventory lacks boxes {missing}", field="box", value=missing)
    cal = load_calibration() if calibrated else load_calibration("/nonexistent/calibration.json")
    trend = pd.read_csv(data_path("air", "emission_trend.csv"), comment="#")
    d = AirDemo(inventory=None, base_inventory=base, domain=domain, settings=MeteorologySettings(),
                ozone_settings=OzoneSettings(), parameters=ProcessParameters(), observations=load_observations(),
                emission_trend=trend, calibration=cal)
    d.inventory = d.inventory_for(2020)
    d.package = fractions_from_amounts(DEMO_PACKAGE_AMOUNTS, d.inventory, domain=domain)
    return d
