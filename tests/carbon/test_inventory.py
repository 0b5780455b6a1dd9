"""ecomodel/carbon/inventory.py: the energy balance and the CO2 inventory against hand calculations.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel.carbon import FUELS, co2_inventory, emission_factors, energy_balance, grid_factor
from ecomodel.errors import CarbonError, EcomodelError

from tests.carbon.carbon_helpers import CHINA, one_fuel_table


def test_inventory__scopes_add_up_and_sector_totals():
    table = pd.DataFrame({"sector": ["a", "a", "b", "b"], "fuel": ["raw_coal", "electricity", "diesel", "natural_gas"],
                          "value": [10.0, 100.0, 5.0, 1.0], "unit": ["t", "MWh", "t", "10^4 m3"]})
    inv = co2_inventory(energy_balance(table))
    total = float(inv["co2"].sum()) * 1e-6
    assert float(inv["co2_total"]) == pytest.approx(total)
    assert float(inv["co2_direct"].sum() + inv["co2_indirect"].sum()) == pytest.approx(total)
    assert float(inv["co2_by_fuel"].sum()) == pytest.approx(total)
    assert inv["co2"].attrs["units"] == "t" and inv["co2_total"].attrs["units"] == "Mt"


def test_inventory__override_factor_and_grid():
    bal = energy_balance(one_fuel_table("raw_coal"))
    inv = co2_inventory(bal, overrides={"raw_coal": 2.0, "electricity": 0.8})
    assert float(inv["co2"].sel(sector="industry", fuel="raw_coal")) == pytest.approx(2000.0)
    ef = emission_factors(overrides={"diesel": {"oxidation": 1.0}})
    ncv, cc, _ = CHINA["diesel"]
    assert float(ef["co2_factor"].sel(fuel="diesel")) == pytest.approx(ncv * cc * 1e-3 * 44 / 12)
    with pytest.raises(CarbonError, match="unknown fuel 'coal'"):
        emission_factors(overrides={"coal": 1.0})
    with pytest.raises(CarbonError, match="unknown field"):
        emission_factors(overrides={"diesel": {"density": 1.0}})
    with pytest.raises(CarbonError, match="oxidation.*> 1"):
        emission_factors(overrides={"diesel": {"oxidation": 1.5}})
    with pytest.raises(CarbonError, match="unknown grid factor"):
        grid_factor("east_china_2099")
    with pytest.raises(CarbonError, match="factor_set"):
        emission_factors("ipcc1996")


def test_energy_balance__unit_conversion_at_the_boundary():
    table = pd.DataFrame({"sector": ["x"] * 3, "fuel": ["raw_coal", "natural_gas", "electricity"],
                          "value": [1.5, 2.0, 3.0], "unit": ["万吨", "亿立方米", "GWh"]})
    da = energy_balance(table)
    assert da.sel(sector="x", fuel="raw_coal").item() == pytest.approx(15000.0)
    assert da.sel(sector="x", fuel="natural_gas").item() == pytest.approx(2e4)
    assert da.sel(sector="x", fuel="electricity").item() == pytest.approx(3000.0)
    assert list(da["unit"].values[:1]) == ["t"] and da.dims == ("sector", "fuel")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (one_fuel_table("coal"), "unknown fuel 'coal'"),
        (one_fuel_table("natural_gas", unit="t"), "unit mismatch"),
        (one_fuel_table("electricity", unit="t"), "unit mismatch"),
        (one_fuel_table("raw_coal", unit="furlongs"), "unit mismatch"),
        (one_fuel_table("diesel", amount=-3.0), "negative use -3.0 for sector 'industry', fuel 'diesel'"),
        (one_fuel_table("diesel", amount=np.nan), "nan for sector 'industry', fuel 'diesel'"),
        (pd.concat([one_fuel_table("diesel"), one_fuel_table("diesel")]), "duplicate entry"),
    ],
)
def test_energy_balance__bad_input_raises_clear_errors(table, message):
    with pytest.raises(CarbonError, match=message) as err:
        energy_balance(table)
    assert isinstance(err.value, EcomodelError) and isinstance(err.value, ValueError)


def test_energy_balance__wide_and_xarray_inputs_need_units():
    wide = pd.DataFrame({"diesel": [1.0]}, index=["t"])
    with pytest.raises(CarbonError, match="no units"):
        energy_balance(wide)
    da = xr.DataArray([[1.0, 2.0]], dims=("sector", "fuel"), coords={"sector": ["s"], "fuel": ["diesel", "lpg"]})
    with pytest.raises(CarbonError, match="no units"):
        energy_balance(da)
    out = energy_balance(da.assign_coords(unit=("fuel", ["kt", "t"])))
    assert out.sel(sector="s", fuel="diesel").item() == 1000.0
    ds = xr.Dataset({"diesel": ("sector", [1.0], {"units": "万吨"})}, coords={"sector": ["s"]})
    assert energy_balance(ds).sel(sector="s", fuel="diesel").item() == 1e4
    bad = da.copy()
    bad[0, 0] = -1
    with pytest.raises(CarbonError, match="negative use"):
        energy_balance(bad, units="default")


def test_inventory__coal_share_and_extra_dimensions():
    vals = np.zeros((2, 1, len(FUELS)))
    vals[:, 0, FUELS.index("raw_coal")] = 100.0
    vals[:, 0, FUELS.index("natural_gas")] = [0.0, 1.0]
    da = xr.DataArray(vals, dims=("region", "sector", "fuel"),
                      coords={"region": ["A", "B"], "sector": ["s"], "fuel": list(FUELS)})
    inv = co2_inventory(energy_balance(da, units="default"))
    coal_tce = 100 * 20.908 / 29.3076
    gas_tce = 389.31 / 29.3076
    assert inv["coal_share_energy_pct"].sel(region="A").item() == pytest.approx(100.0)
    assert inv["coal_share_energy_pct"].sel(region="B").item() == pytest.approx(100 * coal_tce / (coal_tce + gas_tce))
    with pytest.raises(CarbonError, match="no energy use"):
        co2_inventory(energy_balance(da * 0, units="default"))
