"""Thermodynamic partitioning and conversion rates against hand calculations and published values."""

import math

import numpy as np
import pytest

from ecomodel.air.chemistry import (MOLAR_MASS, conversion_rates, deliquescence_rh, hydroxyl,
                                    nitrate_dissociation_constant, partition)
from ecomodel.air.parameters import ProcessParameters
from ecomodel.errors import InputError

R = 8.314462618


def kp_ppb2_by_hand(t):
    """Mozurkewich (1993): ln Kp = 118.87 − 24084/T − 6.025 ln T [ppb²]."""
    return math.exp(118.87 - 24084.0 / t - 6.025 * math.log(t))


def test_kp__mozurkewich_formula_and_strong_temperature_dependence():
    for t in (263.15, 278.15, 290.0, 298.15, 308.15):
        assert nitrate_dissociation_constant(t) == pytest.approx(kp_ppb2_by_hand(t), rel=1e-12)
    # about 43 ppb² at 25 °C and about a thousand times smaller at 0 °C
    assert nitrate_dissociation_constant(298.15) == pytest.approx(43.1, abs=0.1)
    assert nitrate_dissociation_constant(273.15) < 2e-3 * nitrate_dissociation_constant(298.15)


def test_drh__matches_the_tabulated_value_at_25C():
    # Seinfeld & Pandis (2016) Table 10.1: DRH of NH4NO3 at 298 K is 61.8 %
    assert deliquescence_rh(298.15) == pytest.approx(0.618, abs=0.005)


def test_kp__aqueous_branch_above_drh_is_smaller_and_vanishes_at_saturation():
    t = 290.0
    drh = deliquescence_rh(t)
    dry = nitrate_dissociation_constant(t, drh - 0.01)
    wet = nitrate_dissociation_constant(t, 0.9)
    assert dry == pytest.approx(kp_ppb2_by_hand(t))
    assert wet < dry
    assert nitrate_dissociation_constant(t, 0.999) < 0.01 * wet


def test_partition__ammonia_poor_hand_case():
    """Sulfate 0.2 µmol/m³, total ammonia 0.3 µmol/m³ < 2·0.2: all ammonia is bound, no nitrate."""
    so4 = 0.2 * MOLAR_MASS["SO4"]
    nh3 = 0.3 * MOLAR_MASS["NH3"]
    hno3 = 0.5 * MOLAR_MASS["HNO3"]
    out = partition(so4, nh3, hno3, 280.0, 0.5)
    assert out["NO3"] == 0.0 and out["NH3"] == 0.0
    assert out["NH4"] == pytest.approx(0.3 * MOLAR_MASS["NH4"], rel=1e-12)
    assert out["HNO3"] == pytest.approx(hno3, rel=1e-12)


def test_partition__ammonia_rich_hand_case():
    """S = 0.1, TA = 0.8, TN = 0.5 µmol/m³ at 290 K, RH 30 % (below the DRH).

    Free ammonia A = 0.8 − 2·0.1 = 0.6; Kp = 5.263 ppb² = 5.263·(p/(RT)·1e-3)² (µmol/m³)²;
    (A − x)(TN − x) = Kp → x = [(A + TN) − √((A − TN)² + 4 Kp)]/2 ≈ 0.4414 µmol/m³.
    """
    t, p = 290.0, 101325.0
    kp = kp_ppb2_by_hand(t) * (1e-3 * p / (R * t)) ** 2
    assert kp_ppb2_by_hand(t) == pytest.approx(5.263, abs=1e-3)
    a, n = 0.6, 0.5
    x = ((a + n) - math.sqrt((a - n) ** 2 + 4 * kp)) / 2
    assert x == pytest.approx(0.4414, abs=1e-4)
    out = partition(0.1 * MOLAR_MASS["SO4"], 0.8 * MOLAR_MASS["NH3"], 0.5 * MOLAR_MASS["HNO3"], t, 0.3)
    assert out["NO3"] == pytest.approx(x * MOLAR_MASS["NO3"], rel=1e-10)
    assert out["NH4"] == pytest.approx((0.2 + x) * MOLAR_MASS["NH4"], rel=1e-10)
    assert out["NH3"] == pytest.approx((a - x) * MOLAR_MASS["NH3"], rel=1e-10)
    assert out["HNO3"] == pytest.approx((n - x) * MOLAR_MASS["HNO3"], rel=1e-10)
    # the gas phase sits exactly on the equilibrium product
    assert (out["NH3"] / MOLAR_MASS["NH3"]) * (out["HNO3"] / MOLAR_MASS["HNO3"]) == pytest.approx(kp, rel=1e-9)


def test_partition__warm_dry_air_keeps_nitrate_in_the_gas_phase():
    out = partition(1.0, 0.5, 0.5, 308.15, 0.2)   # 35 °C, little ammonia and nitric acid
    assert out["NO3"] == 0.0


def test_partition__conserves_totals_and_matches_the_kernel():
    from ecomodel.air import _kernels as K

    rng = np.random.default_rng(3)
    n = 200
    so4 = rng.uniform(0, 30, n)
    ta = rng.uniform(0, 20, n)
    tn = rng.uniform(0, 40, n)
    t = rng.uniform(260, 310, n)
    rh = rng.uniform(0.1, 0.99, n)
    out = partition(so4, ta, tn, t, rh)
    np.testing.assert_allclose(out["NH3"] + out["NH4"] * MOLAR_MASS["NH3"] / MOLAR_MASS["NH4"], ta, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(out["HNO3"] + out["NO3"] * MOLAR_MASS["HNO3"] / MOLAR_MASS["NO3"], tn, rtol=1e-12,
                               atol=1e-12)
    for v in out.values():
        assert (np.asarray(v) >= 0).all()
    res = np.empty((n, 4))
    K.partition_many(so4, ta, tn, t, rh, 101325.0, res)
    np.testing.assert_allclose(res, np.column_stack([out["NH3"], out["NH4"], out["HNO3"], out["NO3"]]),
                               rtol=1e-10, atol=1e-12)


def test_partition__nitrate_rises_with_ammonia_and_falls_with_temperature():
    ta = np.linspace(2, 20, 10)
    no3 = partition(5.0, ta, 15.0, 283.0, 0.4)["NO3"]
    assert (np.diff(no3) >= 0).all() and no3[-1] > no3[0]
    t = np.linspace(265, 305, 9)
    no3 = partition(5.0, 10.0, 15.0, t, 0.4)["NO3"]
    assert (np.diff(no3) <= 1e-12).all() and no3[0] > no3[-1]


def test_partition__bad_input():
    with pytest.raises(InputError, match="sulfate: -1.0"):
        partition(-1.0, 1.0, 1.0, 280.0)
    with pytest.raises(InputError, match="temperature: 15.0 K is outside"):
        partition(1.0, 1.0, 1.0, 15.0)
    with pytest.raises(InputError, match="relative_humidity: 60.0; expected a fraction"):
        partition(1.0, 1.0, 1.0, 280.0, 60.0)


def test_conversion_rates__literature_rate_constants_and_seasons():
    p = ProcessParameters()
    oh = hydroxyl(172, p)
    # SO2 + OH, k = 9e-13 cm3/s (IUPAC): about 0.6 %/h at 2e6 OH
    assert conversion_rates(172, 0.5, p)["SO2"] == pytest.approx(9e-13 * oh * 86400, rel=1e-12)
    summer = conversion_rates(172, 0.5, p)
    winter = conversion_rates(355, 0.5, p)
    assert summer["SO2"] > 2 * winter["SO2"] and summer["NOx"] > 2 * winter["NOx"]
    humid = conversion_rates(355, 0.95, p)
    assert humid["SO2"] > winter["SO2"]   # aqueous pathway
