"""Projection: closed-form paths, ensembles, peak year, measures and the targets contract."""

import numpy as np
import pytest
import xarray as xr

from ecomodel.carbon import (FUELS, Drivers, demo_drivers, energy_balance, for_check, peak_year, project,
                             sample_parameters)
from ecomodel.errors import CarbonError

STILL = dict(gdp_growth=0.0, energy_intensity_decline=0.0, coal_to_gas=0.0, electrification=0.0,
             grid_non_fossil_increase=0.0, structure_shift=0.0, coal_to_electricity=0.0)


def one_region(coal=100.0, gas=10.0, elec=1000.0, **params):
    vals = np.zeros((1, 2, len(FUELS)))
    vals[0, 0, FUELS.index("raw_coal")] = coal
    vals[0, 0, FUELS.index("electricity")] = elec
    vals[0, 1, FUELS.index("natural_gas")] = gas
    bal = energy_balance(xr.DataArray(vals, dims=("region", "sector", "fuel"),
                                      coords={"region": ["江阴市"], "sector": ["industry", "residential"],
                                              "fuel": list(FUELS)}), units="default")
    share = xr.DataArray([[1.0, 0.3]], dims=("region", "sector"),
                         coords={"region": ["江阴市"], "sector": ["industry", "residential"]})
    return Drivers(balance=bal, gdp=xr.DataArray([100.0], dims="region", coords={"region": ["江阴市"]}),
                   activity_share=share, parameters=params)


def test_project__zero_growth_and_no_intensity_change_stays_flat():
    ds = project(demo_drivers().with_parameters(**STILL), years=range(2020, 2036), members=3, seed=0)
    co2 = ds["co2_emissions"]
    assert float(abs(co2 - co2.sel(year=2020)).max()) < 1e-9
    assert float(abs(ds["co2_intensity_decrease_pct"]).max()) < 1e-9
    assert float(abs(ds["energy_intensity_decrease_pct"]).max()) < 1e-9
    assert not bool(ds["co2_peaked"].any())
    assert (ds["co2_peak_year"] == 2036).all()


def test_project__base_year_matches_the_inventory():
    from ecomodel.carbon import co2_inventory, demo_balance

    ds = project(demo_drivers(), years=[2020], members=2, seed=0)
    inv = co2_inventory(demo_balance())
    np.testing.assert_allclose(ds["co2_emissions"].sel(year=2020).isel(member=0).values, inv["co2_total"].values)
    np.testing.assert_allclose(ds["coal_share_energy_pct"].sel(year=2020).isel(member=0).values,
                               [17.5, 25.0, 27.6, 0.0, 35.0], atol=1e-9)


def test_project__growth_and_intensity_decline_follow_closed_form():
    g, d = 0.05, 0.03
    ds = project(one_region(**dict(STILL, gdp_growth=g, energy_intensity_decline=d)), years=range(2020, 2031),
                 members=1)
    co2 = ds["co2_emissions"].isel(member=0, region=0)
    n = np.arange(11)
    np.testing.assert_allclose(co2.values, co2.values[0] * ((1 + g) * (1 - d)) ** n, rtol=1e-12)
    cut = ds["energy_intensity_decrease_pct"].isel(member=0, region=0).values
    np.testing.assert_allclose(cut, 100 * (1 - (1 - d) ** n), rtol=1e-12)
    np.testing.assert_allclose(ds["co2_intensity_decrease_pct"].isel(member=0, region=0).values, cut, rtol=1e-9)


def test_project__coal_to_gas_closed_form():
    x = 0.1
    ds = project(one_region(elec=0.0, gas=0.0, **dict(STILL, coal_to_gas=x)), years=range(2020, 2026), members=1,
                 detail=True)
    coal = ds["energy_tce"].sel(sector="industry", fuel="raw_coal").isel(member=0, region=0).values
    gas = ds["energy_tce"].sel(sector="industry", fuel="natural_gas").isel(member=0, region=0).values
    np.testing.assert_allclose(coal, coal[0] * (1 - x) ** np.arange(6))
    np.testing.assert_allclose(coal + gas, coal[0])  # 1 tce for 1 tce
    assert float(ds["coal_share_energy_pct"].isel(member=0, region=0, year=-1)) == pytest.approx(100 * 0.9 ** 5)


def test_project__grid_factor_falls_with_non_fossil_share():
    ds = project(one_region(**dict(STILL, grid_non_fossil_base=0.3, grid_non_fossil_increase=0.02)),
                 years=range(2020, 2031), members=1)
    gf = ds["grid_factor"].isel(member=0, region=0).values
    np.testing.assert_allclose(gf, 0.5617 * (0.7 - 0.02 * np.arange(11)) / 0.7)


def test_project__detail_path_equals_group_path():
    d = demo_drivers(scenario="low_carbon")
    fast = project(d, years=range(2020, 2036), members=5, seed=3)
    slow = project(d, years=range(2020, 2036), members=5, seed=3, detail=True)
    for var in ("co2_emissions", "co2_direct", "energy_consumption", "coal_share_energy_pct",
                "non_fossil_energy_share_pct"):
        np.testing.assert_allclose(fast[var].values, slow[var].values, rtol=1e-10)
    np.testing.assert_allclose(slow["co2"].sum(("sector", "fuel")).values * 1e-6, slow["co2_emissions"].values)


def test_project__same_seed_same_ensemble_and_members_differ():
    d = demo_drivers(["江阴市"])
    a = project(d, members=20, seed=42)
    b = project(d, members=20, seed=42)
    c = project(d, members=20, seed=43)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["co2_emissions"].values, c["co2_emissions"].values)
    assert float(a["co2_emissions"].sel(year=2035).std("member").max()) > 0


def test_project__measures_cut_and_switch_fuels():
    base = project(one_region(**STILL), years=[2020, 2022], members=1, detail=True)
    cut = project(one_region(**STILL), years=[2020, 2022], members=1,
                  measures=[{"sector": "industry", "fuel": "raw_coal", "fraction": 0.5, "to_fuel": "natural_gas",
                             "start_year": 2022}], detail=True)
    e0 = base["energy_tce"].isel(member=0, region=0).sel(sector="industry")
    e1 = cut["energy_tce"].isel(member=0, region=0).sel(sector="industry")
    assert float(e1.sel(year=2020, fuel="raw_coal")) == pytest.approx(float(e0.sel(year=2020, fuel="raw_coal")))
    assert float(e1.sel(year=2022, fuel="raw_coal")) == pytest.approx(0.5 * float(e0.sel(year=2022, fuel="raw_coal")))
    assert float(e1.sel(year=2022).sum()) == pytest.approx(float(e0.sel(year=2022).sum()))
    assert float(cut["co2_emissions"].sel(year=2022).item()) < float(base["co2_emissions"].sel(year=2022).item())
    with pytest.raises(CarbonError, match="unknown fuel 'coal'"):
        project(one_region(), years=[2020], members=1, measures=[{"fuel": "coal", "fraction": 0.1}])
    with pytest.raises(CarbonError, match="fraction 1.5"):
        project(one_region(), years=[2020], members=1, measures=[{"fuel": "diesel", "fraction": 1.5}])


def test_peak_year__hand_made_series():
    years = [2020, 2021, 2022, 2023, 2024]
    series = np.array([
        [1.0, 2.0, 3.0, 2.5, 2.0],   # peak 2022
        [1.0, 2.0, 3.0, 4.0, 5.0],   # still rising: not before 2025
        [3.0, 2.0, 1.0, 1.0, 1.0],   # peaked at the start
        [1.0, 3.0, 3.0, 3.0, 3.0],   # plateau to the end: not peaked
        [1.0, 3.0, 2.0, 3.0, 2.9],   # first maximum 2021, ends below it
    ])
    py, pv, peaked = peak_year(series, years)
    assert py.tolist() == [2022, 2025, 2020, 2025, 2021]
    assert pv.tolist() == [3.0, 5.0, 3.0, 3.0, 3.0]
    assert peaked.tolist() == [True, False, True, False, True]
    py_tol, _, peaked_tol = peak_year(series, years, tolerance=0.05)
    assert peaked_tol.tolist() == [True, False, True, False, False]  # 2.9 is within 5 % of 3
    with pytest.raises(CarbonError, match="NaN"):
        peak_year([1.0, np.nan], [2020, 2021])
    with pytest.raises(CarbonError, match="increase"):
        peak_year([1.0, 2.0], [2021, 2020])


def test_project__bad_parameters_raise():
    with pytest.raises(CarbonError, match="unknown parameter 'gdp_grwth'.*did you mean 'gdp_growth'"):
        project(demo_drivers().with_parameters(gdp_grwth=0.05), members=1)
    with pytest.raises(CarbonError, match="outside"):
        project(demo_drivers().with_parameters(coal_to_gas=1.5), members=1)
    with pytest.raises(CarbonError, match="before the base year"):
        project(demo_drivers(), years=[2019, 2020], members=1)
    with pytest.raises(CarbonError, match="triangular"):
        sample_parameters({"gdp_growth": {"dist": "triangular", "low": 0.1, "mode": 0.0, "high": 0.2}}, [2021], ["s"])
    with pytest.raises(CarbonError, match="unknown sector"):
        project(demo_drivers().with_parameters(electrification={"steel": 0.1}), members=1)


def test_sample_parameters__schedules_and_sectors():
    p = sample_parameters({"gdp_growth": {2021: 0.08, 2023: 0.05},
                           "electrification": {"*": 0.01, "transport": 0.05}},
                          years=[2021, 2022, 2023, 2024], sectors=["industry", "transport"], members=2, seed=0)
    assert p["gdp_growth"][0].tolist() == [0.08, 0.08, 0.05, 0.05]
    assert p["electrification"][0, 0].tolist() == [0.01, 0.05]


def test_project__output_follows_the_interface_and_targets_check_reads_it():
    from ecomodel import targets

    ds = project(demo_drivers(scenario="policy"), years=range(2020, 2036), members=50, seed=7)
    for var in ("co2_emissions", "co2_intensity_decrease_pct", "energy_intensity_decrease_pct",
                "coal_share_energy_pct", "non_fossil_energy_share_pct"):
        assert ds[var].dims == ("year", "member", "region")
        assert "units" in ds[var].attrs and "long_name" in ds[var].attrs
    assert ds["co2_peak_year"].dims == ("member", "region")  # one peak year per horizon, no year dimension
    assert ds["co2_emissions"].attrs["units"] == "Mt"
    assert ds["co2_intensity_decrease_pct"].attrs["reference_year"] == 2020
    assert list(ds["name_en"].values) == ["Changzhou", "Wujin", "Tianning", "Zhonglou", "Jiangyin"]
    with pytest.raises(Exception, match="co2_peak_year"):
        targets.check(ds, outside="skip")  # targets.check reads indicators at a year: use for_check
    result = targets.check(for_check(ds), outside="skip")
    row = result[(result["region"] == "江阴市") & (result["indicator"] == "energy_intensity_decrease_pct")]
    assert len(row) == 1 and row["target_value"].item() == 8.0
    expected = float(ds["energy_intensity_decrease_pct"].sel(year=2025, region="江阴市").mean())
    assert row["projected"].item() == pytest.approx(expected)
    assert 0.0 <= row["probability"].item() <= 1.0


def test_project__scenarios_order_emissions():
    years = range(2020, 2036)
    out = {s: project(demo_drivers(scenario=s), years=years, members=30, seed=1)["co2_emissions"]
           .sel(year=2035).mean("member") for s in ("baseline", "policy", "low_carbon")}
    assert bool((out["low_carbon"] < out["policy"]).all()) and bool((out["policy"] < out["baseline"]).all())
