"""One vocabulary for every domain: pollutants, emitting sectors, water substances and their aliases.

The air inventory (:mod:`ecomodel.air.emissions`), the water sources (:mod:`ecomodel.water.sources`),
the carbon co-benefits (:mod:`ecomodel.carbon.cobenefits`) and scenario effects
(:mod:`ecomodel.scenario.model`) all read their names from here, so ``"no2"``, ``"nmvoc"`` or
``"颗粒物"`` mean the same in a TOML package as in :meth:`Inventory.reduce`. The functions here
return ``None`` for an unknown name; each caller raises its own :class:`~ecomodel.errors.EcomodelError`
subclass naming its field (air: ``EmissionError``, scenario: ``ScenarioError``).

Names
-----
Canonical names are the ones the standards use (GB 3095-2012 ``PM2.5``, GB 3838-2002 ``TP``,
``NH3-N``, ``COD``, ``CODMn``, ``TN``). Aliases are matched after ``strip().lower()``, so ``'NOX'``,
``' nox '`` and ``'氮氧化物'`` are all ``'NOx'``. One alias means one thing everywhere: ``'nh3'`` is
ammonia gas (an air pollutant); the water parameter is ``'NH3-N'`` (``'nh3-n'``, ``'nh3n'``,
``'氨氮'``). (The GB 3838 table lookup of :mod:`ecomodel.standards` also reads a bare ``NH3`` as
``NH3-N``, because a water-quality table has no ammonia gas; that is the only domain-specific reading.)

Examples
--------
>>> pollutant("no2"), pollutant("总磷"), pollutant("CODcr")
('NOx', 'TP', 'COD')
>>> pollutant("nh3", "water") is None        # ammonia gas is not a water pollutant
True
>>> sector("溶剂使用")
'solvent'
"""

from __future__ import annotations

__all__ = [
    "DOMAINS", "AIR_POLLUTANTS", "WATER_SUBSTANCES", "WATER_POLLUTANTS", "CARBON_POLLUTANTS", "POLLUTANTS",
    "AIR_SECTORS", "POLLUTANT_ALIASES", "SECTOR_ALIASES", "pollutant", "sector",
]

#: The model domains a measure can act on.
DOMAINS = ("air", "water", "carbon")

#: Pollutants of the air emission inventory (NOx as NO2 mass, VOCs as NMVOC, PM2.5 primary).
AIR_POLLUTANTS = ("SO2", "NOx", "NH3", "VOCs", "PM2.5")
#: Substances the water model carries through the river network (loads [kg/d], concentrations [mg/L]).
WATER_SUBSTANCES = ("TP", "NH3-N", "COD")
#: Water pollutants a plan measure may name: the modelled substances plus TN and CODMn, which the
#: plans set targets for (the water backend refuses an effect on a substance it does not model).
WATER_POLLUTANTS = WATER_SUBSTANCES + ("TN", "CODMn")
#: The carbon domain reduces CO2 only.
CARBON_POLLUTANTS = ("CO2",)
#: Pollutants each domain understands.
POLLUTANTS = {"air": AIR_POLLUTANTS, "water": WATER_POLLUTANTS, "carbon": CARBON_POLLUTANTS}

#: Emitting sectors of the air inventory (the carbon co-benefits map carbon sectors onto these).
AIR_SECTORS = ("power", "industry", "residential", "transport", "agriculture", "dust", "solvent")

#: alias (lower case) -> canonical pollutant name, for every domain
POLLUTANT_ALIASES = {
    # air
    "so2": "SO2", "二氧化硫": "SO2",
    "nox": "NOx", "no2": "NOx", "氮氧化物": "NOx",
    "nh3": "NH3", "氨": "NH3",
    "vocs": "VOCs", "voc": "VOCs", "nmvoc": "VOCs", "挥发性有机物": "VOCs",
    "pm2.5": "PM2.5", "pm25": "PM2.5", "ppm": "PM2.5", "primary": "PM2.5", "颗粒物": "PM2.5",
    # water
    "tp": "TP", "总磷": "TP",
    "nh3-n": "NH3-N", "nh3n": "NH3-N", "氨氮": "NH3-N",
    "cod": "COD", "codcr": "COD", "化学需氧量": "COD",
    "codmn": "CODMn", "高锰酸盐指数": "CODMn",
    "tn": "TN", "总氮": "TN",
    # carbon
    "co2": "CO2", "二氧化碳": "CO2",
}

#: alias (lower case) -> canonical air sector
SECTOR_ALIASES = {
    "solvents": "solvent", "solvent use": "solvent", "road": "transport", "mobile": "transport",
    "agricultural": "agriculture", "fugitive dust": "dust", "电力": "power", "工业": "industry",
    "民用": "residential", "交通": "transport", "农业": "agriculture", "扬尘": "dust",
    "溶剂": "solvent", "溶剂使用": "solvent",
}

_ALL_POLLUTANTS = frozenset(AIR_POLLUTANTS + WATER_POLLUTANTS + CARBON_POLLUTANTS)


def pollutant(name: object, domain: str | None = None) -> str | None:
    """Canonical pollutant name of *name*, or ``None`` if unknown (or not a pollutant of *domain*).

    Parameters
    ----------
    name : str
        A canonical name (``'NOx'``) or an alias (``'nox'``, ``'no2'``, ``'氮氧化物'``).
    domain : {'air', 'water', 'carbon'}, optional
        Accept only that domain's pollutants (:data:`POLLUTANTS`); any domain if omitted.

    Examples
    --------
    >>> pollutant("PM25"), pollutant("nmvoc", "air"), pollutant("TN", "air")
    ('PM2.5', 'VOCs', None)
    """
    if not isinstance(name, str):
        return None
    options = POLLUTANTS[domain] if domain is not None else _ALL_POLLUTANTS
    hit = name if name in options else POLLUTANT_ALIASES.get(name.strip().lower())
    return hit if hit in options else None


def sector(name: object) -> str | None:
    """Canonical air sector of *name* (``'Solvents'`` → ``'solvent'``, ``'交通'`` → ``'transport'``),
    or ``None`` if unknown.

    Examples
    --------
    >>> sector("Road"), sector("nope")
    ('transport', None)
    """
    if not isinstance(name, str):
        return None
    low = name.strip().lower()
    if low in AIR_SECTORS:
        return low
    return SECTOR_ALIASES.get(low) or SECTOR_ALIASES.get(name.strip())
