"""ecomodel/carbon/factors.py: the emission factors (China and IPCC 2006 sets, grid factor) against hand
calculations, seen through one-fuel inventories.
"""

import pytest

from ecomodel.carbon import co2_inventory, energy_balance, grid_factor

from tests.carbon.carbon_helpers import CHINA, one_fuel_table


# IPCC 2006 Vol.2 Ch.1: NCV [TJ/Gg] x default CO2 factor [kg/TJ] of Table 1.4 (densities for gases: see SOURCES.md)
IPCC_T_PER_UNIT = {
    "raw_coal": 25.8 * 94600e-6, "washed_coal": 28.2 * 94600e-6, "coke": 28.2 * 107000e-6,
    "coke_oven_gas": 38.7 * 4.6 * 44400e-6, "crude_oil": 42.3 * 73300e-6, "gasoline": 44.3 * 69300e-6,
    "kerosene": 43.8 * 71900e-6, "diesel": 43.0 * 74100e-6, "fuel_oil": 40.4 * 77400e-6, "lpg": 47.3 * 63100e-6,
    "natural_gas": 48.0 * 7.174 * 56100e-6,
}


@pytest.mark.parametrize("fuel", sorted(CHINA))
def test_inventory__china_factors_match_hand_calculation_for_each_fuel(fuel):
    ncv, cc, ox = CHINA[fuel]
    expected_t = 1000.0 * ncv * cc * 1e-3 * ox * 44.0 / 12.0
    inv = co2_inventory(energy_balance(one_fuel_table(fuel)))
    assert float(inv["co2"].sel(sector="industry", fuel=fuel)) == pytest.approx(expected_t, rel=1e-12)
    assert float(inv["co2_direct_total"]) == pytest.approx(expected_t * 1e-6, rel=1e-12)
    assert float(inv["co2_indirect_total"]) == 0.0
    assert float(inv["energy_total"]) == pytest.approx(1000.0 * ncv / 29.3076 * 1e-4, rel=1e-12)


@pytest.mark.parametrize("fuel", sorted(IPCC_T_PER_UNIT))
def test_inventory__ipcc2006_factors_match_table_1_4_for_each_fuel(fuel):
    inv = co2_inventory(energy_balance(one_fuel_table(fuel)), factor_set="ipcc2006")
    # Table 1.4 factors are rounded to 3 significant digits: compare at 0.2 %
    assert float(inv["co2"].sel(sector="industry", fuel=fuel)) == pytest.approx(1000 * IPCC_T_PER_UNIT[fuel], rel=2e-3)


def test_inventory__electricity_is_indirect_with_east_china_2022_factor():
    inv = co2_inventory(energy_balance(one_fuel_table("electricity", 2000.0)))
    assert float(inv["co2_indirect_total"]) == pytest.approx(2000 * 0.5617e-6)
    assert float(inv["co2_direct_total"]) == 0.0
    assert str(inv["co2"]["scope"].sel(fuel="electricity").item()) == "indirect"
    assert grid_factor("east_china_2022") == 0.5617
