"""The embedded Wujin demo: rivers into 滆湖 and on to 竺山湖 (Taihu), with the three plan sections.

湟里河 and 中干河 drain into 滆湖; 滆湖 drains east through 太滆运河 (section 黄埝桥) and 漕桥河
(section 百渎港桥); 武进港 (section 姚巷桥) carries Grand Canal water and the city's effluent south;
雅浦港 drains the lakeside towns. Every number is documented in ``ecomodel/data/water/SOURCES.md``:
the 2021 section means and the measures come from the plans, geometry, flows and coefficients are
stated assumptions, and two TP parameters are calibrated to the 2021 means (see
:func:`ecomodel.water.calibrate`).

Examples
--------
>>> from ecomodel.water import demo
>>> d = demo()
>>> sorted(d.network.sections.index)
['姚巷桥', '百渎港桥', '黄埝桥']
>>> means = d.section_means()
>>> round(float(means.loc["姚巷桥", "TP"]), 2)     # calibrated to 0.146 (plan 000:791)
0.15
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ecomodel._data import data_path
from ecomodel.errors import InputError

from .lake import DREDGE_RECOVERY_YEARS, Lake
from .network import RiverNetwork, read_network
from .sources import DEMO_SUBSTANCES, N_SPECIES, Sources

if TYPE_CHECKING:
    import xarray as xr

    from .sources import Reductions

__all__ = ["demo", "WujinDemo", "DIFFUSE_CATEGORIES"]

#: annual-mean water temperature of the demo rivers [degC] (assumption, see SOURCES.md)
WATER_TEMPERATURE = 18.0

#: categories whose TP load the calibration multiplier scales (export-coefficient sources)
DIFFUSE_CATEGORIES = ("agriculture", "livestock", "rural_domestic", "aquaculture", "urban_runoff", "deposition")


def _read(name, **kw):
    return pd.read_csv(data_path("water", name), keep_default_na=False, na_values=[""], **kw)


@dataclass
class WujinDemo:
    """The demo network, its sources, lakes, kinetics, observations and calibration.

    Attributes
    ----------
    network : RiverNetwork
    sources : Sources
        External sources (annual loads [t/yr]); lake internal release is added by :meth:`all_sources`.
    lakes : dict of str to Lake
    kinetics : pandas.DataFrame
        Per substance: ``river_decay_rate`` [1/d], ``river_settling_velocity`` [m/d],
        ``lake_decay_rate`` [1/d], ``theta`` [1].
    observations : pandas.DataFrame
        Section observations (site, substance, year, value [mg/L], sigma [mg/L], source).
    calibration : pandas.DataFrame
        Calibrated parameters (``value``, ``se``), indexed by parameter name.
    calibration_covariance : pandas.DataFrame or None
        Their covariance (None when uncalibrated or changed by :meth:`with_parameters`).
    temperature : float
        Annual-mean water temperature [degC].
    """

    network: RiverNetwork
    sources: Sources
    lakes: dict
    kinetics: pd.DataFrame
    observations: pd.DataFrame
    calibration: pd.DataFrame
    temperature: float = 18.0
    calibration_covariance: pd.DataFrame | None = None
    substances: tuple = DEMO_SUBSTANCES
    meta: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ parameters
    def parameter(self, name: str, default: float = 1.0) -> float:
        """A calibrated parameter (``default`` when uncalibrated)."""
        if name in self.calibration.index:
            return float(self.calibration.loc[name, "value"])
        return default

    def with_parameters(self, **values: float) -> "WujinDemo":
        """A copy with calibration parameters replaced (``tp_diffuse_multiplier=1.2`` …)."""
        cal = self.calibration.copy()
        for k, v in values.items():
            cal.loc[k, "value"] = float(v)
            if "se" in cal.columns:
                cal.loc[k, "se"] = np.nan
        return replace(self, calibration=cal, calibration_covariance=None)

    def decay_rates(self) -> dict:
        """Loss rates at 20 degC [1/d] per substance, (reach,) arrays (rivers and lakes)."""
        lake = self.network.is_lake
        out = {}
        for s in self.substances:
            row = self.kinetics.loc[s]
            out[s] = np.where(lake, row["lake_decay_rate"], row["river_decay_rate"]).astype(float)
        return out

    def settling_velocities(self) -> dict:
        """Settling velocities [m/d] per substance: river TP settling × ``tp_river_loss_multiplier``,
        lake TP settling from the lake table; none for NH3-N and COD."""
        net = self.network
        lake = net.is_lake
        out = {}
        for s in self.substances:
            v = np.where(lake, 0.0, float(self.kinetics.loc[s, "river_settling_velocity"]))
            if s == "TP":
                v = v * self.parameter("tp_river_loss_multiplier")
                names = net.lakes["lake"].to_numpy()
                for i in np.nonzero(lake)[0]:
                    v[i] = self.lakes[names[net.lake_of[i]]].settling_velocity / 365.0
            out[s] = v
        return out

    def theta(self) -> dict:
        """Temperature coefficients per substance."""
        return {s: float(self.kinetics.loc[s, "theta"]) for s in self.substances}

    def __post_init__(self):
        # model what the sources carry (networks built on 3-substance tables: TP, NH3-N, COD)
        self.substances = tuple(self.modelled)

    @property
    def modelled(self) -> list:
        """Substances both listed in :attr:`substances` and carried by the sources (a network built
        on older 3-substance source tables models TP, NH3-N and COD only)."""
        have = set(self.sources.substances)
        return [s for s in self.substances if s in have]

    def transfers(self) -> dict:
        """First-order chains ``{substance: product}`` from the kinetics table's ``product`` column
        (organic N -> NH3-N -> NO3-N; the decay of NO3-N is denitrification, lost as N2), among the
        modelled substances."""
        if "product" not in self.kinetics.columns:
            return {}
        subs = self.modelled
        out = {}
        for s in subs:
            p = self.kinetics.loc[s, "product"]
            if isinstance(p, str) and p and p in subs:
                out[s] = p
        return out

    # ------------------------------------------------------------------ sources
    def internal_sources(self, lakes: Mapping[str, Lake] | None = None) -> pd.DataFrame:
        """Source rows for lake internal release r·P [t/yr of TP]."""
        lakes = self.lakes if lakes is None else lakes
        net = self.network
        rows = []
        names = net.lakes["lake"].tolist()
        for name, lk in lakes.items():
            if name not in names:
                continue
            reach = net.reaches[int(np.nonzero(net.lake_of == names.index(name))[0][0])]
            row = {"source": f"{name}-sediment", "name": f"{name}内源释放", "name_en": f"{lk.name_en} sediment release",
                   "category": "sediment_release", "reach": reach, "runoff": False, "profile": "flat"}
            row.update({s: (lk.internal_load if s == "TP" else 0.0) for s in self.substances})
            rows.append(row)
        return pd.DataFrame(rows)

    def all_sources(self, lakes: Mapping[str, Lake] | None = None, *, calibrated: bool = True) -> Sources:
        """External sources with the TP diffuse multiplier applied, plus lake internal release."""
        t = self.sources.table.copy()
        if calibrated:
            m = self.parameter("tp_diffuse_multiplier")
            mask = t["category"].isin(DIFFUSE_CATEGORIES).to_numpy()
            t.loc[mask, "TP"] = t.loc[mask, "TP"].to_numpy(float) * m
        src = Sources(t, self.sources.profiles, self.sources.substances)
        internal = self.internal_sources(lakes)
        return src.with_source(internal) if len(internal) else src

    # ------------------------------------------------------------------ solving
    def steady(self, reductions: Reductions | None = None, *, lakes: Mapping[str, Lake] | None = None,
               flow_multiplier: float = 1.0, diagnostics: bool = False) -> xr.Dataset:
        """Annual-mean water quality of the demo (see :func:`ecomodel.water.steady`).

        Parameters
        ----------
        reductions : mapping, optional
            Source reductions (category or (category, reach[, substance]) -> fraction).
        lakes : dict, optional
            Lakes to use instead of :attr:`lakes` (after dredging …).
        flow_multiplier : float
            Wet (>1) or dry (<1) year [1]; see :meth:`network_for`.
        diagnostics : bool
            Include inflow and loss terms.
        """
        from .steadystate import steady

        net = self.network_for(flow_multiplier)
        loads = self.all_sources(lakes).loads(net, reductions, by_category=False)
        if flow_multiplier != 1.0:
            loads = _scale_runoff(loads, self.all_sources(lakes), net, reductions, flow_multiplier)
        return steady(net, loads, self.decay_rates(), settling_velocity=self.settling_velocities(),
                      temperature=self.temperature, theta=self.theta(), diagnostics=diagnostics,
                      transfers=self.transfers(), substance=self.modelled)

    def route(self, reductions: Reductions | None = None, *, lakes: Mapping[str, Lake] | None = None,
              start: str = "2021-01-01", days: int = 365, sections: Sequence[str] | None = None,
              reaches: Sequence[str] | str | None = None, flows: ArrayLike | xr.DataArray | None = None) -> xr.Dataset:
        """Daily routing of the demo (see :func:`ecomodel.water.route`) with its seasonal sources,
        kinetics and the nitrogen chain; ``TN`` is added as the sum of the N species.

        Parameters
        ----------
        reductions : mapping, optional
            Source reductions (as in :meth:`steady`).
        lakes : dict, optional
            Lakes to use instead of :attr:`lakes` (their internal release).
        start, days
            First day and number of days.
        sections, reaches
            Outputs (default: every section).
        flows : optional
            Daily lateral-flow multiplier or dense flows (default: the mean flows every day).
        """
        import xarray as xr

        from .routing import route

        dl = self.all_sources(lakes).daily(self.network, start, days, reductions)
        ds = route(self.network, flows, dl, start, days, sections=sections, reaches=reaches,
                   decay_rate=self.decay_rates(), settling_velocity=self.settling_velocities(),
                   temperature=self.temperature, theta=self.theta(), transfers=self.transfers())
        if not all(s in self.modelled for s in N_SPECIES):
            return ds
        tn = ds[["load", "concentration"]].sel(substance=list(N_SPECIES)).sum("substance", keep_attrs=True)
        return xr.concat([ds[["load", "concentration"]], tn.expand_dims(substance=["TN"])], dim="substance").assign(
            flow=ds["flow"]).assign_attrs(ds.attrs)

    def lake_daily(self, reductions: Reductions | None = None, *, lakes: Mapping[str, Lake] | None = None,
                   start: str = "2021-01-01", days: int = 365) -> xr.Dataset:
        """Daily-mean TP, TN, NH3-N and CODMn [mg/L] in every lake of the network, over
        ``(time, lake)`` (variables ``lake_tp_concentration`` …, as in :func:`ecomodel.water.project`).

        Examples
        --------
        >>> ds = demo().lake_daily(days=30)
        >>> ds["lake_tn_concentration"].dims, list(ds["lake"].values)
        (('time', 'lake'), ['滆湖', '竺山湖', '太湖'])
        """
        import xarray as xr

        from ecomodel._cf import cf_attrs

        net = self.network
        names = list(net.lakes["lake"])
        reach = [net.reaches[int(np.nonzero(net.lake_of == j)[0][0])] for j in range(len(names))]
        ds = self.route(reductions, lakes=lakes, start=start, days=days, reaches=reach)
        keys = {"TP": "tp", "TN": "tn", "NH3-N": "nh3n", "CODMn": "codmn"}
        data = {f"lake_{k}_concentration": (("time", "lake"), ds["concentration"].sel(substance=s).values,
                                            cf_attrs("mg/L", f"daily-mean {s} in the lake", cell_methods="time: mean",
                                                     parameter=s))
                for s, k in keys.items() if s in ds["substance"].values}
        return xr.Dataset(data, coords={"time": ds["time"].values, "lake": ("lake", np.asarray(names, dtype=object))},
                          attrs={"title": "daily lake water quality (Wujin demo)"})

    def network_for(self, flow_multiplier: float = 1.0) -> RiverNetwork:
        """The network in a wetter or drier year: flows × *flow_multiplier*, velocities × its 0.4th
        power (hydraulic geometry, Leopold & Maddock 1953)."""
        m = float(flow_multiplier)
        if not m > 0:
            raise InputError(f"flow_multiplier: {flow_multiplier}; expected > 0", field="flow_multiplier", value=m,
                             expected="> 0")
        if m == 1.0:
            return self.network
        return _network_for(self, m)

    def section_means(self, reductions: Reductions | None = None, **kwargs: Any) -> pd.DataFrame:
        """Annual-mean concentration [mg/L] at each section, one column per substance, plus ``TN``
        (the sum of the N species) when they are all modelled."""
        ds = self.steady(reductions, **kwargs)
        names, pos = self.network.section_positions()
        conc = ds["concentration"].values[pos]
        out = pd.DataFrame(conc, index=pd.Index(names, name="site"), columns=[str(v) for v in ds["substance"].values])
        if all(s in out.columns for s in N_SPECIES):
            out["TN"] = out[list(N_SPECIES)].sum(axis=1)
        return out


def _network_for(d: WujinDemo, m: float) -> RiverNetwork:
    cache = d.meta.setdefault("_networks", {})
    if m not in cache:
        if len(cache) >= 32:  # bounded: one entry per flow multiplier (ensemble member) in use
            cache.clear()
        net = d.network
        cache[m] = net.with_flow(net.flow * m)
        scale = m ** 0.4 / m  # velocity factor relative to with_flow's keep-the-cross-section scaling (x m)
        new = cache[m]
        rv = ~new.is_lake
        new.velocity[rv] = new.velocity[rv] * scale
        new.travel_time[rv] = new.length[rv] / new.velocity[rv] / 86400.0
    return cache[m]


def _scale_runoff(loads, sources, net, reductions, m):
    """Runoff-driven loads scale with the wetness of the year."""
    t = sources.table
    runoff = t["runoff"].astype(bool).to_numpy()
    wet = Sources(t[runoff].reset_index(drop=True), sources.profiles, sources.substances).loads(
        net, _only_present(reductions, t[runoff]), by_category=False) if runoff.any() else 0.0
    return loads + (m - 1.0) * wet


def _only_present(reductions, table):
    if not reductions:
        return reductions
    cats = set(table["category"].astype(str))
    out = {}
    for k, v in reductions.items():
        cat = k if isinstance(k, str) else k[0]
        if cat in cats:
            out[k] = v
    return out


@functools.lru_cache(maxsize=1)
def _load_demo() -> WujinDemo:
    lakes_t = _read("lakes.csv")
    network = read_network(data_path("water", "reaches.csv"), lakes=lakes_t, sections=_read("sections.csv"))
    point = _read("point_sources.csv")
    boundary = _read("boundary_sources.csv")
    diffuse = _read("diffuse_sources.csv")
    coef = _read("export_coefficients.csv")
    profiles = _read("profiles.csv").set_index("month")
    for t in (point, boundary, diffuse):
        t["runoff"] = t["runoff"].astype(str).str.lower().isin(["true", "1", "yes"])
    sources = Sources.from_tables(point=point, diffuse=diffuse, boundary=boundary, coefficients=coef,
                                  profiles=profiles.reset_index(drop=True), substances=DEMO_SUBSTANCES)
    lakes = {}
    for row in lakes_t.itertuples(index=False):
        lakes[row.lake] = Lake(name=row.lake, name_en=row.name_en, area=float(row.area),
                               mean_depth=float(row.mean_depth), settling_velocity=float(row.settling_velocity),
                               sediment_p=float(row.sediment_p), release_rate=float(row.release_rate),
                               burial_rate=float(row.burial_rate), active_layer=float(row.active_layer),
                               dredge_recovery_years=float(getattr(row, "dredge_recovery_years",
                                                                   DREDGE_RECOVERY_YEARS)))
    kinetics = _read("kinetics.csv").set_index("substance")
    observations = _read("observations.csv")
    calibration = _read("calibration.csv").set_index("parameter")
    covariance = _read("calibration_covariance.csv").set_index("parameter")
    return WujinDemo(network=network, sources=sources, lakes=lakes, kinetics=kinetics, observations=observations,
                     calibration=calibration, temperature=WATER_TEMPERATURE,
                     calibration_covariance=covariance)


def demo(*, calibrated: bool = True) -> WujinDemo:
    """The embedded Wujin demo network, sources, lakes and observations.

    Parameters
    ----------
    calibrated : bool
        Apply the stored calibration (``ecomodel/data/water/calibration.csv``); with False every
        calibration parameter is 1 (the raw assumptions).

    Returns
    -------
    WujinDemo

    Examples
    --------
    >>> d = demo()
    >>> d.network.n_reaches, len(d.lakes)
    (19, 3)
    >>> d.observations[["site", "value", "source"]].to_dict("records")[0]
    {'site': '姚巷桥', 'value': 0.146, 'source': '000_55a924d7e69113c1.txt:791'}
    """
    base = _load_demo()
    d = replace(base, meta={})
    if not calibrated:
        cal = base.calibration.copy()
        cal["value"] = 1.0
        if "se" in cal.columns:
            cal["se"] = np.nan
        d = replace(d, calibration=cal, calibration_covariance=None)
    return d
