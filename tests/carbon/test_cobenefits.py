"""ecomodel/carbon/cobenefits.py: co-benefits by hand calculation, the flue-gas volume and the factor table.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel.carbon import (AIR_POLLUTANTS, AIR_SECTORS, FUELS, as_air_reductions, air_cobenefits, cobenefit_factors,
                             demo_balance, efficiency, energy_balance, fuel_switch)
from ecomodel.carbon.cobenefits import _build_factor_rows, _flue_gas_nm3_per_gj
from ecomodel.errors import CarbonError


def industry_coal(tonnes=1000.0):
    vals = np.zeros((1, len(FUELS)))
    vals[0, FUELS.index("raw_coal")] = tonnes
    return energy_balance(xr.DataArray(vals, dims=("sector", "fuel"),
                                       coords={"sector": ["chemicals"], "fuel": list(FUELS)}), units="default")


def test_flue_gas_volume__method19_f_factor():
    # 9780 dscf/MMBtu -> m3/GJ at 20 degC, then 0 degC and 9 % O2
    v = 9780 * 0.0283168 / 1.055056 * 273.15 / 293.15 * 21 / 12
    assert _flue_gas_nm3_per_gj("coal", 9.0) == pytest.approx(v)
    assert 420 < _flue_gas_nm3_per_gj("coal", 9.0) < 440  # about 0.43 Nm3/MJ, as for bituminous coal


def test_cobenefits__coal_to_gas_switch_hand_calculation():
    base = industry_coal(1000.0)
    scen = fuel_switch(base, "chemicals", "raw_coal", "natural_gas", 0.5)
    gas = 500 * 20.908 / 389.31  # 10^4 m3 replacing 500 t raw coal, tce for tce
    assert scen.sel(sector="chemicals", fuel="natural_gas").item() == pytest.approx(gas)
    red = air_cobenefits(base, scen)
    v_coal = _flue_gas_nm3_per_gj("coal", 9.0) * 20.908  # Nm3/t at 9 % O2
    v_gas = _flue_gas_nm3_per_gj("gas", 3.5) * 389.31  # Nm3/10^4 m3 at 3.5 % O2
    so2 = (500 * 200e-6 * v_coal - gas * 0.4) * 1e-3
    nox = (500 * 200e-6 * v_coal - gas * 150e-6 * v_gas) * 1e-3
    pm = (500 * 30e-6 * 0.6 * v_coal - gas * 20e-6 * v_gas) * 1e-3
    assert red.sel(sector="industry", pollutant="SO2").item() == pytest.approx(so2, rel=1e-5)
    assert red.sel(sector="industry", pollutant="NOx").item() == pytest.approx(nox, rel=1e-5)
    assert red.sel(sector="industry", pollutant="PM2.5").item() == pytest.approx(pm, rel=1e-5)
    assert red.attrs["units"] == "t/yr"
    assert list(red["sector"].values) == list(AIR_SECTORS) and list(red["pollutant"].values) == list(AIR_POLLUTANTS)
    assert float(abs(red.sel(pollutant=["NH3", "VOCs"])).sum()) == 0.0
    assert float(abs(red.sel(sector=["power", "residential", "transport", "dust", "solvent"])).sum()) == 0.0


def test_cobenefits__efficiency_is_linear_and_electrification_removes_local_emissions():
    base = demo_balance(["常州市天宁区"]).isel(region=0, drop=True)
    r10 = air_cobenefits(base, efficiency(base, 0.1))
    r20 = air_cobenefits(base, efficiency(base, 0.2))
    np.testing.assert_allclose(r20.values, 2 * r10.values, rtol=1e-12)
    assert bool((r10 >= 0).all())
    ev = fuel_switch(base, "residential", "gasoline", "electricity", 1.0, efficiency_ratio=0.3)
    red = air_cobenefits(base, ev)
    assert red.sel(sector="residential", pollutant="NOx").item() == pytest.approx(
        base.sel(sector="residential", fuel="gasoline").item() * 5.0e-3)
    table = red.to_pandas()
    assert table.shape == (7, 5) and table.index.name == "sector"


def test_cobenefits__errors_and_sector_map():
    base = industry_coal()
    renamed = base.assign_coords(sector=["my_sector"])
    with pytest.raises(CarbonError, match="no air-model sector for carbon sector 'my_sector'"):
        air_cobenefits(renamed, efficiency(renamed, 0.1))
    red = air_cobenefits(renamed, efficiency(renamed, 0.1), sector_map={"my_sector": "power"})
    assert red.sel(sector="power", pollutant="SO2").item() > 0
    with pytest.raises(CarbonError, match="exactly one"):
        air_cobenefits(base)
    with pytest.raises(CarbonError, match="fraction"):
        fuel_switch(base, "chemicals", "raw_coal", "natural_gas", 1.2)
    with pytest.raises(CarbonError, match="unknown sector"):
        efficiency(base, 0.1, sector="steel")


def test_as_air_reductions__fractions_and_consistency_checks():
    red = pd.DataFrame({"SO2": [10.0, 0.0], "NOx": [5.0, 0.0]}, index=pd.Index(["industry", "power"], name="sector"))
    base = pd.DataFrame({"SO2": [100.0, 50.0], "NOx": [50.0, 20.0]}, index=pd.Index(["industry", "power"],
                                                                                    name="sector"))
    frac = as_air_reductions(red, base)
    assert frac.sel(sector="industry", pollutant="SO2").item() == pytest.approx(0.1)
    assert frac.sel(sector="power", pollutant="NOx").item() == 0.0
    with pytest.raises(CarbonError, match="exceeds the baseline"):
        as_air_reductions(red * 20, base)
    with pytest.raises(CarbonError, match="increase"):
        as_air_reductions(-red, base)
    assert as_air_reductions(-red, base, allow_increase=True).sel(sector="industry", pollutant="SO2").item() == -0.1


def test_cobenefit_factor_table__matches_its_documented_construction():
    shipped = cobenefit_factors()
    built = pd.DataFrame(_build_factor_rows())
    pd.testing.assert_frame_equal(shipped.reset_index(drop=True), built.reset_index(drop=True), check_dtype=False)
    assert shipped["source"].str.len().min() > 10
    assert not shipped.duplicated(["sector", "fuel", "pollutant"]).any()
