r"""Lakes as well-mixed boxes: settling, flushing and internal release from a sediment P pool.

Water column (Vollenweider 1975): a lake of volume *V*, area *A* and outflow *Q* that receives a
load *L* and loses phosphorus by apparent settling at velocity :math:`v_s` has the steady
concentration

.. math:: C = \frac{L}{Q + v_s A}.

Sediment P pool (a two-box extension in the spirit of Chapra & Canale 1991): the settled flux feeds
a pool *P* of mobile sediment phosphorus, which releases at rate *r* and is buried at rate *b*:

.. math:: \frac{dP}{dt} = v_s A C - (r + b) P, \qquad L_{int} = r P.

With the water column at steady state (it turns over in weeks, the pool in years),
:math:`v_s A C = \alpha (L_{ext} + r P)` where :math:`\alpha = v_s A / (Q + v_s A)` is the share of
the entering load that settles, so :math:`dP/dt = \alpha L_{ext} - \beta P` with
:math:`\beta = r (1 - \alpha) + b`; :func:`sediment_pool_step` integrates this exactly over a step.
Dredging removes part of the pool (:func:`dredge`).

References
----------
Vollenweider, R. A. (1975). Input-output models with special reference to the phosphorus loading
concept in limnology. *Schweiz. Z. Hydrol.* 37, 53–84.
Vollenweider, R. A. (1976). Advances in defining critical loading levels for phosphorus in lake
eutrophication. *Mem. Ist. Ital. Idrobiol.* 33, 53–83.
Chapra, S. C. & Canale, R. P. (1991). Long-term phenomenological model of phosphorus and oxygen
for stratified lakes. *Water Research* 25(6), 707–715.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from ecomodel._checks import as_float_array
from ecomodel.errors import InputError
from ecomodel.units import DAYS_PER_YEAR, SECONDS_PER_DAY

__all__ = ["Lake", "vollenweider_concentration", "vollenweider_1976", "sediment_pool_step", "dredge",
           "settling_share", "dredging_recovery", "DREDGE_RECOVERY_YEARS"]

#: e-folding time [yr] of the resupply of a dredged mobile sediment P pool (see SOURCES.md: Jing et
#: al. 2019 saw the water-quality benefits of a dredging project vanish within their five-year
#: follow-up, improvement lasting 1-2 years after the works)
DREDGE_RECOVERY_YEARS = 2.0

_M3S_TO_M3YR = SECONDS_PER_DAY * DAYS_PER_YEAR


def vollenweider_concentration(load: ArrayLike, flow: ArrayLike, area: ArrayLike,
                               settling_velocity: ArrayLike) -> np.ndarray | float:
    r"""Steady lake concentration :math:`C = L / (Q + v_s A)` (Vollenweider 1975).

    Parameters
    ----------
    load : array-like
        Total load entering the lake [t/yr].
    flow : array-like
        Outflow [m3/s].
    area : array-like
        Lake surface area [km2].
    settling_velocity : array-like
        Apparent settling velocity [m/yr].

    Returns
    -------
    numpy.ndarray or float
        Concentration [mg/L].

    Examples
    --------
    100 t/yr into a lake flushed by 10 m3/s (3.15e8 m3/yr) with 10 m/yr settling over 20 km2:

    >>> round(vollenweider_concentration(100.0, 10.0, 20.0, 10.0), 4)   # 1e8 g / (3.1536e8 + 2e8) m3
    0.194
    """
    L = as_float_array(load, "load")
    Q = as_float_array(flow, "flow", positive=True)
    A = as_float_array(area, "area", positive=True)
    v = as_float_array(settling_velocity, "settling_velocity")
    c = L * 1e6 / (Q * _M3S_TO_M3YR + v * A * 1e6)  # g/m3 = mg/L
    return float(c.ravel()[0]) if np.ndim(load) == 0 and c.size == 1 else c


def vollenweider_1976(load: ArrayLike, flow: ArrayLike, area: ArrayLike, mean_depth: ArrayLike) -> np.ndarray | float:
    r"""OECD/Vollenweider (1976) steady TP: :math:`P = \dfrac{L/q_s}{1 + \sqrt{\tau_w}}`.

    :math:`q_s = Q/A` [m/yr] is the areal hydraulic load and :math:`\tau_w = V/Q` [yr] the water
    residence time; the retention term :math:`\sqrt{\tau_w}` is the empirical fit of Vollenweider
    (1976) to OECD lakes.

    Parameters
    ----------
    load : array-like
        Total phosphorus load [t/yr].
    flow : array-like
        Outflow [m3/s].
    area : array-like
        Surface area [km2].
    mean_depth : array-like
        Mean depth [m].

    Returns
    -------
    numpy.ndarray or float
        Total phosphorus [mg/L].

    Examples
    --------
    >>> round(vollenweider_1976(100.0, 10.0, 20.0, 2.0), 4)
    0.2338
    """
    L = as_float_array(load, "load")
    Q = as_float_array(flow, "flow", positive=True) * _M3S_TO_M3YR
    A = as_float_array(area, "area", positive=True) * 1e6
    H = as_float_array(mean_depth, "mean_depth", positive=True)
    areal_load = L * 1e6 / A  # g/m2/yr
    qs = Q / A
    tau = A * H / Q
    c = areal_load / qs / (1.0 + np.sqrt(tau))
    return float(c.ravel()[0]) if np.ndim(load) == 0 and c.size == 1 else c


def settling_share(flow: ArrayLike, area: ArrayLike, settling_velocity: ArrayLike) -> np.ndarray | float:
    r"""Share :math:`\alpha = v_s A / (Q + v_s A)` of the load entering a lake that settles.

    Parameters
    ----------
    flow : array-like
        Outflow [m3/s].
    area : array-like
        Surface area [km2].
    settling_velocity : array-like
        Apparent settling velocity [m/yr].

    Examples
    --------
    >>> round(settling_share(10.0, 20.0, 10.0), 4)
    0.3881
    """
    Q = as_float_array(flow, "flow", positive=True) * _M3S_TO_M3YR
    vA = as_float_array(settling_velocity, "settling_velocity") * as_float_array(area, "area", positive=True) * 1e6
    a = vA / (Q + vA)
    return float(a.ravel()[0]) if a.size == 1 and np.ndim(flow) == 0 else a


def sediment_pool_step(pool: ArrayLike, external_load: ArrayLike, settled_share: ArrayLike, release_rate: ArrayLike,
                       burial_rate: ArrayLike, years: float = 1.0) -> np.ndarray | float:
    r"""Exact step of the sediment P pool over *years* with constant external load.

    .. math:: P(t+\Delta t) = P e^{-\beta\Delta t} + \frac{\alpha L_{ext}}{\beta}(1 - e^{-\beta\Delta t}),
              \quad \beta = r(1-\alpha) + b

    Parameters
    ----------
    pool : array-like
        Mobile sediment phosphorus [t].
    external_load : array-like
        Load entering the lake from outside (rivers, catchment, atmosphere) [t/yr].
    settled_share : array-like
        α, share of the entering load that settles [1] (:func:`settling_share`).
    release_rate, burial_rate : array-like
        r and b [1/yr].
    years : float
        Step Δt [yr].

    Returns
    -------
    numpy.ndarray or float
        Pool after the step [t].

    Examples
    --------
    The pool relaxes to :math:`\alpha L/\beta`:

    >>> round(sediment_pool_step(0.0, 100.0, 0.5, 0.1, 0.05, years=1e4), 6)   # 50 / (0.05 + 0.05)
    500.0
    """
    P = as_float_array(pool, "pool")
    L = as_float_array(external_load, "external_load")
    a = as_float_array(settled_share, "settled_share")
    if np.any(a > 1):
        raise InputError(f"settled_share: {float(np.max(a))}; expected a share in [0, 1]", field="settled_share",
                         value=float(np.max(a)), expected="0 <= alpha <= 1")
    r = as_float_array(release_rate, "release_rate")
    b = as_float_array(burial_rate, "burial_rate")
    beta = r * (1.0 - a) + b
    dt = float(years)
    decay = np.exp(-beta * dt)
    grow = np.where(beta > 0, -np.expm1(-beta * dt) / np.where(beta > 0, beta, 1.0), dt)
    out = P * decay + a * L * grow
    return float(out.ravel()[0]) if out.size == 1 and np.ndim(pool) == 0 else out


def dredge(pool: ArrayLike, volume: ArrayLike, lake_area: float, *, dredged_area: float | None = None,
           active_layer: float = 0.1) -> np.ndarray | float:
    r"""Sediment P pool left after dredging *volume* of sediment.

    The mobile pool sits in the top ``active_layer`` metres. Dredging ``volume`` over
    ``dredged_area`` to depth :math:`d = V/A_d` removes the share
    :math:`(A_d/A)\min(1, d/h)` of the pool; without ``dredged_area`` the dredging is assumed to
    take exactly the active layer (:math:`d = h`, share :math:`V/(A h)`).

    Parameters
    ----------
    pool : array-like
        Mobile sediment phosphorus before dredging [t].
    volume : array-like
        Dredged sediment volume [m3].
    lake_area : float
        Lake area [km2].
    dredged_area : float, optional
        Area dredged [km2].
    active_layer : float
        Thickness of the mobile sediment layer h [m].

    Returns
    -------
    numpy.ndarray or float
        Pool after dredging [t].

    Examples
    --------
    1.5e6 m3 from a 150 km2 lake with a 0.1 m active layer removes 10 % of the pool:

    >>> dredge(1000.0, 1.5e6, 150.0)
    900.0
    """
    P = as_float_array(pool, "pool")
    V = as_float_array(volume, "volume")
    A = float(as_float_array(lake_area, "lake_area", positive=True)[0]) * 1e6
    h = float(as_float_array(active_layer, "active_layer", positive=True)[0])
    if dredged_area is None:
        share = V / (A * h)
    else:
        Ad = float(as_float_array(dredged_area, "dredged_area", positive=True)[0]) * 1e6
        if Ad > A:
            raise InputError(f"dredged_area: {Ad / 1e6} km2 exceeds the lake area {A / 1e6} km2", field="dredged_area",
                             value=Ad / 1e6, expected=f"<= {A / 1e6}")
        depth = V / Ad
        share = (Ad / A) * np.minimum(1.0, depth / h)
    if np.any(share > 1):
        raise InputError(f"volume: {float(np.max(V))} m3 is more than the whole active layer ({A * h:.4g} m3)",
                         field="volume", value=float(np.max(V)), expected=f"<= {A * h:.4g} m3")
    out = P * (1.0 - share)
    return float(out.ravel()[0]) if out.size == 1 and np.ndim(pool) == 0 else out


def dredging_recovery(deficit: ArrayLike, timescale: float, years: float = 1.0) -> np.ndarray | float:
    r"""Phosphorus that returns to a dredged mobile sediment pool over a step [t].

    Dredging leaves a deficit :math:`D` against the undredged pool; re-deposition of P-rich
    suspended matter from the inflowing rivers and from the undredged lake bottom refills it as
    :math:`dD/dt = -D/	au_r`, so over a step the pool regains :math:`D(1 - e^{-\Delta t/	au_r})`
    and the dredging benefit fades with e-folding time :math:`	au_r` (``timescale`` [yr];
    :data:`DREDGE_RECOVERY_YEARS` by default in ``lakes.csv``). ``timescale = inf`` keeps the
    benefit for ever (the pool then changes only by its own mass balance).

    Examples
    --------
    >>> round(dredging_recovery(100.0, 2.0, 1.0), 4)    # 100 (1 - exp(-1/2))
    39.3469
    """
    D = as_float_array(deficit, "deficit")
    tr = float(np.asarray(timescale, dtype=float))
    if not tr > 0:
        raise InputError(f"dredge_recovery_years: {timescale}; expected a timescale > 0 [yr] (inf: no recovery)",
                         field="dredge_recovery_years", value=timescale, expected="> 0")
    out = D * -np.expm1(-float(years) / tr)
    return float(out.ravel()[0]) if out.size == 1 and np.ndim(deficit) == 0 else out


@dataclass(frozen=True)
class Lake:
    """Parameters of a lake's phosphorus budget.

    Attributes
    ----------
    name, name_en : str
    area : float
        Surface area [km2].
    mean_depth : float
        Mean depth [m].
    settling_velocity : float
        Apparent TP settling velocity [m/yr].
    sediment_p : float
        Mobile sediment phosphorus pool [t].
    release_rate, burial_rate : float
        Pool release and burial rates [1/yr].
    active_layer : float
        Mobile sediment layer thickness [m].
    dredge_recovery_years : float
        e-folding time of the resupply of a dredged pool [yr] (:func:`dredging_recovery`).
    """

    name: str
    area: float
    mean_depth: float
    settling_velocity: float
    sediment_p: float
    release_rate: float
    burial_rate: float
    active_layer: float = 0.1
    name_en: str = ""
    dredge_recovery_years: float = DREDGE_RECOVERY_YEARS

    def __post_init__(self):
        for f in ("area", "mean_depth", "active_layer"):
            as_float_array(getattr(self, f), f"lake {self.name!r}: {f}", positive=True)
        for f in ("settling_velocity", "sediment_p", "release_rate", "burial_rate"):
            as_float_array(getattr(self, f), f"lake {self.name!r}: {f}")
        if not float(self.dredge_recovery_years) > 0:
            raise InputError(f"lake {self.name!r}: dredge_recovery_years {self.dredge_recovery_years}; expected > 0 "
                             "[yr]", field="dredge_recovery_years", value=self.dredge_recovery_years, expected="> 0")

    @property
    def volume(self) -> float:
        """Volume [m3]."""
        return self.area * 1e6 * self.mean_depth

    @property
    def internal_load(self) -> float:
        """Internal release r·P [t/yr]."""
        return self.release_rate * self.sediment_p

    def settled_share(self, flow: float) -> float:
        """α for outflow *flow* [m3/s]."""
        return settling_share(flow, self.area, self.settling_velocity)

    def after_dredging(self, volume: float, dredged_area: float | None = None) -> "Lake":
        """The lake with its pool reduced by dredging *volume* [m3] (see :func:`dredge`)."""
        return replace(self, sediment_p=dredge(self.sediment_p, volume, self.area, dredged_area=dredged_area,
                                                active_layer=self.active_layer))

    def steady_pool(self, external_load: float, flow: float) -> float:
        r"""Pool in equilibrium with a constant external load [t/yr] and outflow [m3/s]:
        :math:`\alpha L_{ext}/\beta`."""
        a = self.settled_share(flow)
        beta = self.release_rate * (1.0 - a) + self.burial_rate
        return float(a * float(external_load) / beta)

    def equilibrium_burial_rate(self, external_load: float, flow: float) -> float:
        r"""Burial rate b [1/yr] that holds the current pool steady under *external_load* [t/yr] and
        *flow* [m3/s]: :math:`b = \alpha L_{ext}/P - r(1 - \alpha)`."""
        a = self.settled_share(flow)
        b = a * float(external_load) / self.sediment_p - self.release_rate * (1.0 - a)
        if b < 0:
            raise InputError(f"lake {self.name!r}: release {self.internal_load:.4g} t/yr exceeds what the external "
                             f"load can sustain; no non-negative burial rate keeps the pool steady", field="burial_rate",
                             value=b, expected=">= 0")
        return float(b)

    def concentration(self, external_load: float, flow: float) -> float:
        """Steady TP [mg/L] with the current pool: (external + internal load) / (Q + v_s A)."""
        return vollenweider_concentration(float(external_load) + self.internal_load, flow, self.area,
                                          self.settling_velocity)
