"""Process coefficients of the box model: deposition, wet scavenging, chemistry, boundary air.

Every default is documented with its source (paper, textbook or a stated assumption); the same
list is in ``ecomodel/data/air/SOURCES.md``.

References
----------
- Atkinson, R. et al. (2004). Evaluated kinetic and photochemical data for atmospheric chemistry:
  Volume I. *Atmos. Chem. Phys.* 4, 1461–1738 (IUPAC; SO2 + OH, NO2 + OH).
- Burkholder, J. B. et al. (2015). *Chemical Kinetics and Photochemical Data for Use in
  Atmospheric Studies*, JPL Publication 15-10 (NO2 + OH termolecular rate).
- Seinfeld, J. H. and Pandis, S. N. (2016). *Atmospheric Chemistry and Physics*, 3rd ed., Wiley:
  ch. 6 (OH), ch. 7 (aqueous sulfate), ch. 19 (dry deposition), ch. 20 (wet deposition).
- Maryon, R. H. et al. (1996). *Atmos. Environ.* 30, 3363 (NAME wet scavenging Λ = A·Pᴮ, B ≈ 0.8).
- Ng, N. L. et al. (2007). Secondary organic aerosol formation from m-xylene, toluene and benzene.
  *Atmos. Chem. Phys.* 7, 3909–3922 (aromatic SOA yields).
- Mozurkewich, M. (1993). The dissociation constant of ammonium nitrate and its dependence on
  temperature, relative humidity and particle size. *Atmos. Environ.* 27A, 261–270.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["ProcessParameters", "LOSS_GROUPS", "SPECIES"]

#: transported species, in kernel order, with their units
SPECIES = ("SO2", "SO4", "NOx", "HNO3", "NO3", "NH3", "NH4", "VOC", "SOA", "PPM")
#: loss groups (species sharing a deposition velocity and scavenging coefficient)
LOSS_GROUPS = ("SO2", "NOx", "HNO3", "NH3", "VOC", "aerosol")


def _default_vd():
    return {"SO2": 0.5, "NOx": 0.1, "HNO3": 2.0, "NH3": 1.0, "VOC": 0.0, "aerosol": 0.1}


def _default_wet():
    return {"SO2": 0.08, "NOx": 0.0, "HNO3": 0.30, "NH3": 0.20, "VOC": 0.0, "aerosol": 0.15}


def _default_boundary():
    return {"SO2": 2.0, "SO4": 2.5, "NOx": 3.0, "HNO3": 0.3, "NO3": 1.0, "NH3": 2.0, "NH4": 1.2,
            "VOC": 10.0, "SOA": 2.0, "PPM": 3.0}


@dataclass(frozen=True)
class ProcessParameters:
    """Coefficients of the PM2.5 box model.

    Parameters
    ----------
    dry_deposition_velocity : dict
        Dry-deposition velocity per loss group (``SO2, NOx, HNO3, NH3, VOC, aerosol``) [cm/s].
        Defaults 0.5, 0.1, 2.0, 1.0, 0, 0.1: mid values of the ranges in Seinfeld & Pandis (2016,
        ch. 19) for grass/crop/urban surfaces; loss rate ``v_d/H``.
    wet_scavenging : dict
        Wet-scavenging coefficient per loss group at 1 mm/d of rain [1/d]; the daily rate is
        ``Λ = coeff·P^b`` (power law as in Maryon et al. 1996). Assumption: the aerosol value 0.15
        gives an annual-mean wet-removal lifetime of about 4–5 days with the Changzhou rain
        climatology, the textbook lifetime of sulfate (Seinfeld & Pandis 2016, ch. 20); HNO3 and NH3
        are more soluble (×2, ×1.3), SO2 less (×0.5); NOx and VOC are not scavenged.
    wet_exponent : float
        Exponent ``b`` of the precipitation dependence [1]; 0.7 (assumption, between the 0.6–0.8
        reported for Λ = A·Pᴮ fits).
    oh_mean, oh_amplitude, oh_peak_day : float
        Annual mean 24-h OH [molecule/cm³], relative seasonal amplitude [1] and day of year of the
        maximum; 1.2×10⁶, 0.6, 172 (assumption: 24-h means of 0.5–2×10⁶ cm⁻³ from winter to
        summer, the textbook order of magnitude, Seinfeld & Pandis 2016 ch. 6).
    k_so2_oh : float
        SO2 + OH effective rate constant at 1 atm [cm³/molecule/s]; 9.0×10⁻¹³ (Atkinson et al. 2004).
    k_so2_aqueous, rh_aqueous : float
        Aqueous/heterogeneous SO2 → sulfate rate at RH = 100 % [1/d], growing linearly above the
        threshold RH [1]; 0.3 and 0.6 (assumption: in-cloud and aerosol-water oxidation of the same
        order as the gas phase in humid conditions, Seinfeld & Pandis 2016 ch. 7).
    k_no2_oh, no2_fraction : float
        NO2 + OH rate constant at 1 atm [cm³/molecule/s] and daily-mean NO2/NOx [1]; 1.1×10⁻¹¹
        (Burkholder et al. 2015) and 0.75 (assumption, urban daily mean).
    k_nox_heterogeneous : float
        Night-time N2O5 hydrolysis pathway, multiplied by RH [1/d]; 0.3 (assumption).
    k_voc_oh : float
        Effective OH rate constant of the anthropogenic VOC mix [cm³/molecule/s]; 5×10⁻¹²
        (assumption between alkanes ~2×10⁻¹² and aromatics 6×10⁻¹²–2×10⁻¹¹, Atkinson et al. 2004).
    soa_yield : float
        SOA mass formed per mass of VOC reacted [1]; 0.24, an effective yield chosen so that SOA is
        ~17 % of annual PM2.5 in the Changzhou boxes, the share a CMB study attributes to SOA in
        neighbouring Wuxi (Chen P. et al. 2018, *Atmosphere* 9, 276: 17.1 %). It exceeds aromatic
        chamber yields (0.05–0.37, Ng et al. 2007) times the YRD aromatic share of NMVOC (25.3 %,
        An et al. 2021, *Atmos. Chem. Phys.* 21, 2003): it stands also for IVOC/SVOC and biogenic
        precursors that the inventory does not carry.
    pressure : float
        Surface pressure for the ppb ↔ µmol/m³ conversion of the NH4NO3 constant [Pa]; 101325.
    boundary : dict
        Concentrations of the air entering the domain from outside (beyond the regional background
        box) [µg/m³]: SO2, SO4, NOx (as NO2), HNO3, NO3, NH3, NH4, VOC, SOA, PPM. Assumption:
        aged continental East-Asian outflow of about 10 µg/m³ PM2.5.

    Examples
    --------
    >>> p = ProcessParameters()
    >>> p.to_vector().shape
    (25,)
    >>> ProcessParameters(soa_yield=0.1).soa_yield
    0.1
    """

    dry_deposition_velocity: dict = field(default_factory=_default_vd)
    wet_scavenging: dict = field(default_factory=_default_wet)
    wet_exponent: float = 0.7
    oh_mean: float = 1.2e6
    oh_amplitude: float = 0.6
    oh_peak_day: float = 172.0
    k_so2_oh: float = 9.0e-13
    k_so2_aqueous: float = 0.3
    rh_aqueous: float = 0.6
    k_no2_oh: float = 1.1e-11
    no2_fraction: float = 0.75
    k_nox_heterogeneous: float = 0.3
    k_voc_oh: float = 5.0e-12
    soa_yield: float = 0.24
    pressure: float = 101325.0
    boundary: dict = field(default_factory=_default_boundary)

    def __post_init__(self):
        for name in ("dry_deposition_velocity", "wet_scavenging"):
            d = dict(getattr(self, name))
            unknown = set(d) - set(LOSS_GROUPS)
            if unknown:
                raise InputError(f"{name}: unknown loss group(s) {sorted(unknown)}; expected {list(LOSS_GROUPS)}",
                                 field=name, value=sorted(unknown), expected=str(list(LOSS_GROUPS)))
            full = (_default_vd() if name == "dry_deposition_velocity" else _default_wet()) | d
            object.__setattr__(self, name, full)
        b = dict(self.boundary)
        unknown = set(b) - set(SPECIES)
        if unknown:
            raise InputError(f"boundary: unknown species {sorted(unknown)}; expected {list(SPECIES)}",
                             field="boundary", value=sorted(unknown), expected=str(list(SPECIES)))
        object.__setattr__(self, "boundary", _default_boundary() | b)
        for f in fields(self):
            v = getattr(self, f.name)
            vals = v.values() if isinstance(v, dict) else [v]
            for x in vals:
                if not np.isfinite(x) or x < 0:
                    raise InputError(f"ProcessParameters.{f.name}: {x!r}; expected a finite number >= 0",
                                     field=f.name, value=x, expected=">= 0")
        if not 0 <= self.rh_aqueous < 1:
            raise InputError(f"rh_aqueous: {self.rh_aqueous}; expected 0 <= value < 1", field="rh_aqueous",
                             value=self.rh_aqueous, expected="[0, 1)")
        if self.oh_amplitude > 1:
            raise InputError(f"oh_amplitude: {self.oh_amplitude}; expected <= 1 (OH cannot be negative)",
                             field="oh_amplitude", value=self.oh_amplitude, expected="<= 1")
        if self.pressure <= 0:
            raise InputError(f"pressure: {self.pressure}; expected > 0", field="pressure", value=self.pressure)

    def replace(self, **changes: Any) -> "ProcessParameters":
        """A copy with some fields changed (dict fields are merged into the defaults)."""
        return replace(self, **changes)

    def to_vector(self) -> np.ndarray:
        """The kernel's parameter vector (layout of ``ecomodel.air._kernels`` ``P_*`` indices)."""
        vec = np.zeros(25)
        for g, name in enumerate(LOSS_GROUPS):
            vec[g] = self.dry_deposition_velocity[name] * 0.01 * 86400.0  # cm/s -> m/d
            vec[6 + g] = self.wet_scavenging[name]
        vec[12] = self.wet_exponent
        vec[13] = self.oh_mean
        vec[14] = self.oh_amplitude
        vec[15] = self.oh_peak_day
        vec[16] = self.k_so2_oh
        vec[17] = self.k_so2_aqueous
        vec[18] = self.rh_aqueous
        vec[19] = self.k_no2_oh
        vec[20] = self.no2_fraction
        vec[21] = self.k_nox_heterogeneous
        vec[22] = self.k_voc_oh
        vec[23] = self.soa_yield
        vec[24] = self.pressure
        return vec

    def boundary_vector(self) -> np.ndarray:
        """Boundary concentrations in kernel species order [µg/m³]."""
        return np.array([self.boundary[s] for s in SPECIES], dtype=float)
