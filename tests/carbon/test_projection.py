"""ecomodel/carbon/projection.py: closed-form paths, ensembles, peak year, measures and the targets
contract; carbon structure that changes over time (industry share, coal to gas and electricity, the grid,
primary-energy shares, peak years and the LMDI structure effect).
"""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel import targets
from ecomodel.carbon import (FUELS, Drivers, demo_drivers, emission_factors, energy_balance, for_check, peak_year,
                             project, sample_parameters, lmdi_decomposition, lmdi_inputs)
from ecomodel.errors import CarbonError, InputError


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


EF = emission_factors()


TCE = {f: float(EF["tce_factor"].sel(fuel=f)) for f in FUELS}  # tce per physical unit


CO2_TCE = {f: float(EF["co2_per_tce"].sel(fuel=f)) for f in FUELS}  # t CO2 per tce


GRID_TCE = 0.5617 / TCE["electricity"]  # t CO2 per tce of electricity (east_china_2022)


def two_sectors(coal=1000.0, gas=100.0, elec=2000.0, services_elec=500.0, industry_share=0.5, res_gas=5.0,
                **params):
    """One region: industry (coal, gas, electricity), services (electricity), residential (gas)."""
    sectors = ["industry", "services", "residential"]
    vals = np.zeros((1, 3, len(FUELS)))
    vals[0, 0, FUELS.index("raw_coal")] = coal
    vals[0, 0, FUELS.index("natural_gas")] = gas
    vals[0, 0, FUELS.index("electricity")] = elec
    vals[0, 1, FUELS.index("electricity")] = services_elec
    vals[0, 2, FUELS.index("natural_gas")] = res_gas
    bal = energy_balance(xr.DataArray(vals, dims=("region", "sector", "fuel"),
                                      coords={"region": ["江阴市"], "sector": sectors, "fuel": list(FUELS)}),
                         units="default")
    share = xr.DataArray([[industry_share, 1 - industry_share, 0.3]], dims=("region", "sector"),
                         coords={"region": ["江阴市"], "sector": sectors})
    return Drivers(balance=bal, gdp=xr.DataArray([100.0], dims="region", coords={"region": ["江阴市"]}),
                   activity_share=share, parameters=dict(STILL, **params))


def _one(ds, var, year):
    return float(ds[var].sel(year=year).isel(member=0, region=0))


def test_structure_shift__lmdi_structure_effect_is_the_whole_closed_form_change():
    """Only the industry share moves: C(t) − C(0) = GDP·(a_I(t) − a_I(0))·(c_I − c_S) and LMDI puts
    all of it in the structure effect."""
    x = 0.04
    d = two_sectors(structure_shift={"industry": x})
    ds = project(d, years=range(2020, 2031), members=1, seed=0, detail=True)
    q, e, c = lmdi_inputs(ds, member=0)
    dec = lmdi_decomposition(q, e, c, years=[2020, 2030], chain=False)
    delta = dec["delta"].sel(region="江阴市").isel(period=0)
    # hand computation: CO2 per 10^4 CNY of value added in industry and services (base year)
    ind = 1000 * TCE["raw_coal"] * CO2_TCE["raw_coal"] + 100 * TCE["natural_gas"] * CO2_TCE["natural_gas"] \
        + 2000 * 0.5617
    srv = 500 * 0.5617
    act_i, act_s = 100 * 1e4 * 0.5, 100 * 1e4 * 0.5
    a10 = 0.5 * (1 - x) ** 10
    expected = 100 * 1e4 * (a10 - 0.5) * (ind / act_i - srv / act_s)
    assert float(dec["total_change"].sel(region="江阴市").isel(period=0)) == pytest.approx(expected, rel=1e-10)
    assert float(delta.sel(effect="structure")) == pytest.approx(expected, rel=1e-10)
    for eff in ("activity", "intensity", "fuel_mix", "emission_factor"):
        assert abs(float(delta.sel(effect=eff))) < 1e-6 * abs(expected)
    act = ds["activity"].isel(member=0, region=0).sel(year=2030)
    assert float(act.sel(sector="industry")) == pytest.approx(100 * 1e4 * a10, rel=1e-12)
    assert float(act.sel(sector="services")) == pytest.approx(100 * 1e4 * (1 - a10), rel=1e-12)


def test_structure_package__nonzero_structure_effect_and_exact_lmdi_sum():
    """A package moving 30 % of Wujin's steel and chemicals value added to services from 2023."""
    d = demo_drivers(["常州市武进区"])
    meas = [{"kind": "structure", "sector": s, "fraction": 0.3, "start_year": 2023} for s in ("iron_steel", "chemicals")]
    years = [2020, 2025, 2030]
    base = project(d, years=years, members=4, seed=3, detail=True)
    pkg = project(d, years=years, members=4, seed=3, detail=True, measures=meas)
    dec_b = lmdi_decomposition(*lmdi_inputs(base), years=years, chain=False)
    dec_p = lmdi_decomposition(*lmdi_inputs(pkg), years=years, chain=False)
    s_b = dec_b["delta"].sel(effect="structure")
    s_p = dec_p["delta"].sel(effect="structure")
    assert bool((s_p < s_b).all())  # the package's shift adds a negative structure effect
    assert bool((s_b < 0).all())  # the cited baseline already moves industry to services (no longer 0)
    for dec, ds in ((dec_b, base), (dec_p, pkg)):
        total = (ds["co2_emissions"].sel(year=2030) - ds["co2_emissions"].sel(year=2020)) * 1e6  # t
        np.testing.assert_allclose(dec["delta"].sum("effect").isel(period=0).transpose("member", "region").values,
                                   total.transpose("member", "region").values, rtol=1e-10)
    # and the package has a peak year inside the horizon (in every member on the policy drivers)
    runs = {name: project(demo_drivers(["常州市武进区"], scenario=name), years=range(2020, 2036), members=8, seed=3,
                          measures=meas) for name in ("baseline", "policy")}
    no_pkg = project(d, years=range(2020, 2036), members=8, seed=3)
    assert float(runs["baseline"]["co2_peaked"].mean()) >= float(no_pkg["co2_peaked"].mean())
    assert float(runs["baseline"]["co2_peak_year"].mean()) <= float(no_pkg["co2_peak_year"].mean())
    assert bool(runs["policy"]["co2_peaked"].all()) and bool((runs["policy"]["co2_peak_year"] <= 2030).all())


@settings(max_examples=25, deadline=None)
@given(x=st.floats(0.0, 0.2), g=st.floats(-0.02, 0.08), dec=st.floats(-0.02, 0.06), cg=st.floats(0.0, 0.3),
       ce=st.floats(0.0, 0.3), el=st.floats(0.0, 0.2), nf=st.floats(0.0, 0.03))
def test_lmdi_sum_equals_total_change_for_any_structure_and_fuel_path(x, g, dec, cg, ce, el, nf):
    d = two_sectors(structure_shift={"industry": x}, gdp_growth=g, energy_intensity_decline=dec, coal_to_gas=cg,
                    coal_to_electricity=ce, electrification=el, grid_non_fossil_increase=nf)
    ds = project(d, years=[2020, 2024, 2028], members=1, seed=0, detail=True)
    out = lmdi_decomposition(*lmdi_inputs(ds, member=0), years=[2020, 2024, 2028], chain=True)
    total = float(ds["co2_emissions"].isel(member=0, region=0).sel(year=2028)
                  - ds["co2_emissions"].isel(member=0, region=0).sel(year=2020)) * 1e6
    assert float(out["delta"].sum()) == pytest.approx(total, rel=1e-9, abs=1e-6)
    structure = float(out["delta"].sel(effect="structure").sum())
    if x == 0.0:
        assert structure == pytest.approx(0.0, abs=1e-6)
    elif x > 1e-3:
        # industry emits more CO2 per unit of value added than services in every year: shifting lowers CO2
        assert structure < 0.0


def test_coal_to_gas_and_electricity__closed_form_and_energy_balance():
    """Constant rates: coal c0 K^t, gas g0 + c0·xg/(xg+xe)·(1−K^t), electricity el0 + ρ c0·xe/(xg+xe)·(1−K^t)."""
    xg, xe, rho = 0.05, 0.03, 0.5
    d = two_sectors(coal_to_gas=xg, coal_to_electricity=xe, electrification_ratio=rho)
    ds = project(d, years=range(2020, 2031), members=1, seed=0, detail=True)
    e = ds["energy_tce"].sel(region="江阴市", sector="industry").isel(member=0)
    c0, g0, el0 = 1000 * TCE["raw_coal"], 100 * TCE["natural_gas"], 2000 * TCE["electricity"]
    for t in (1, 5, 10):
        K = (1 - xg - xe) ** t
        y = 2020 + t
        assert float(e.sel(year=y, fuel="raw_coal")) == pytest.approx(c0 * K, rel=1e-12)
        assert float(e.sel(year=y, fuel="natural_gas")) == pytest.approx(g0 + c0 * xg / (xg + xe) * (1 - K), rel=1e-12)
        assert float(e.sel(year=y, fuel="electricity")) == pytest.approx(el0 + rho * c0 * xe / (xg + xe) * (1 - K),
                                                                          rel=1e-12)
        # coal is conserved: kept + to gas + to electricity (in tce of coal replaced)
        kept = float(e.sel(year=y, fuel="raw_coal"))
        to_gas = float(e.sel(year=y, fuel="natural_gas")) - g0
        to_el = (float(e.sel(year=y, fuel="electricity")) - el0) / rho
        assert kept + to_gas + to_el == pytest.approx(c0, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(cg=st.floats(0.0, 0.5), ce=st.floats(0.0, 0.5), el=st.floats(0.0, 0.3), rho=st.floats(0.1, 1.5))
def test_fuel_switch_energy_balance_property(cg, ce, el, rho):
    """Without growth or efficiency, every tce of fossil fuel removed is replaced by rho tce of
    electricity or 1 tce of gas: E(t) = E(0) + (ρ − 1)/ρ · ΔE_el(t)."""
    if cg + ce > 1.0:
        cg, ce = cg / 2, ce / 2
    d = two_sectors(coal_to_gas=cg, coal_to_electricity=ce, electrification=el, electrification_ratio=rho)
    ds = project(d, years=range(2020, 2028), members=1, seed=0, detail=True)
    e = ds["energy_tce"].isel(member=0, region=0)
    assert bool((e >= -1e-9).all())
    total = e.sum(("sector", "fuel"))
    d_el = e.sel(fuel="electricity").sum("sector") - e.sel(fuel="electricity").sum("sector").sel(year=2020)
    np.testing.assert_allclose(total.values, total.sel(year=2020).values + (rho - 1) / rho * d_el.values,
                               rtol=1e-12, atol=1e-9)
    coal = e.sel(fuel="raw_coal").sum("sector")
    assert bool((coal.diff("year") <= 1e-9).all())  # coal never rises


def test_intensity_and_share_indicators_against_hand_computation():
    g, dec, nf = 0.05, 0.03, 0.02
    d = two_sectors(gdp_growth=g, energy_intensity_decline=dec, grid_non_fossil_increase=nf,
                    grid_non_fossil_base=0.3)
    ds = project(d, years=range(2020, 2026), members=1, seed=0)
    coal, gas = 1000 * TCE["raw_coal"], 105 * TCE["natural_gas"]
    mwh = 2500.0
    elec = mwh * TCE["electricity"]
    energy0 = coal + gas + elec
    # energy intensity: every sector's intensity falls by dec, GDP grows by g (structure fixed)
    assert _one(ds, "energy_intensity_decrease_pct", 2025) == pytest.approx(100 * (1 - (1 - dec) ** 5), rel=1e-12)
    assert _one(ds, "energy_consumption", 2020) == pytest.approx(energy0 * 1e-4, rel=1e-12)
    # CO2 intensity: fossil part falls with the energy intensity; the grid factor with (1 − n)
    fossil_co2 = 1000 * TCE["raw_coal"] * CO2_TCE["raw_coal"] + 105 * TCE["natural_gas"] * CO2_TCE["natural_gas"]
    co2_0 = fossil_co2 + mwh * 0.5617
    n5 = 0.3 + 5 * nf
    co2_5 = (1 - dec) ** 5 * (fossil_co2 + mwh * 0.5617 * (1 - n5) / 0.7) * (1 + g) ** 5
    ci = 100 * (1 - (co2_5 / (100 * 1.05 ** 5)) / (co2_0 / 100))
    assert _one(ds, "co2_intensity_decrease_pct", 2025) == pytest.approx(ci, rel=1e-10)
    # coal share of final energy; non-fossil share of primary energy (coal-equivalent 0.3055 tce/MWh)
    assert _one(ds, "coal_share_energy_pct", 2025) == pytest.approx(100 * coal / energy0, rel=1e-12)
    primary = coal + gas + mwh * 0.3055
    assert _one(ds, "primary_energy_consumption", 2020) == pytest.approx(primary * 1e-4, rel=1e-12)
    assert _one(ds, "non_fossil_energy_share_pct", 2020) == pytest.approx(100 * mwh * 0.3 * 0.3055 / primary,
                                                                          rel=1e-12)
    assert _one(ds, "non_fossil_energy_share_pct", 2025) == pytest.approx(100 * mwh * n5 * 0.3055 / primary,
                                                                          rel=1e-12)


def test_non_fossil_share_uses_the_stated_coal_equivalent():
    d = two_sectors()
    a = project(d, years=[2020], members=1, seed=0)
    from dataclasses import replace

    b = project(replace(d, electricity_coal_equivalent=TCE["electricity"]), years=[2020], members=1, seed=0)
    # at the calorific value (0.1229 tce/MWh) the share is the final-energy share of non-fossil electricity
    share_cal = 100 * 2500 * TCE["electricity"] * 0.3 / (1000 * TCE["raw_coal"] + 105 * TCE["natural_gas"]
                                                          + 2500 * TCE["electricity"])
    assert _one(b, "non_fossil_energy_share_pct", 2020) == pytest.approx(share_cal, rel=1e-12)
    assert _one(a, "non_fossil_energy_share_pct", 2020) > _one(b, "non_fossil_energy_share_pct", 2020)


def test_peak_year_of_a_structure_shift_closed_form():
    """GDP +5 %/yr to 2025 then flat; industry (all the CO2) loses 2 %/yr of its share: CO2 ∝
    1.05^min(t, 5)·0.98^t rises to 2025 (1.05·0.98 > 1) and falls afterwards -> peak 2025."""
    d = two_sectors(services_elec=0.0, res_gas=0.0, gdp_growth={2021: 0.05, 2026: 0.0}, structure_shift={"industry": 0.02})
    ds = project(d, years=range(2020, 2036), members=1, seed=0)
    assert ds["co2_peak_year"].dims == ("member", "region")
    assert int(ds["co2_peak_year"].item()) == 2025 and bool(ds["co2_peaked"].item())
    co2 = ds["co2_emissions"].isel(member=0, region=0)
    for t in (3, 5, 12):
        assert float(co2.sel(year=2020 + t) / co2.sel(year=2020)) == pytest.approx(1.05 ** min(t, 5) * 0.98 ** t,
                                                                                 rel=1e-12)


def test_baseline_and_packages_peak_inside_the_horizon_where_the_cited_trends_imply_it():
    years = range(2020, 2036)
    runs = {s: project(demo_drivers(scenario=s), years=years, members=40, seed=5) for s in
            ("baseline", "policy", "low_carbon")}
    py = {s: ds["co2_peak_year"] for s, ds in runs.items()}
    # the cited baseline (structure, coal exit, grid) peaks inside 2020-2035 in most members for the
    # city, Wujin and Jiangyin; the service districts keep rising (not forced)
    peaked = runs["baseline"]["co2_peaked"].mean("member")
    for region in ("常州市武进区", "江阴市"):
        assert float(peaked.sel(region=region)) > 0.5
        assert float(py["baseline"].sel(region=region).median()) <= 2035
    assert float(peaked.sel(region="常州市")) > 0.3
    assert float(peaked.sel(region="常州市钟楼区")) < 0.5
    # packages peak earlier than the baseline
    for region in runs["baseline"]["region"].values:
        assert float(py["policy"].sel(region=region).median()) <= float(py["baseline"].sel(region=region).median())
        assert float(py["low_carbon"].sel(region=region).max()) <= 2030
    # without the new structure the same baseline hardly peaks by 2035 (the earlier state)
    frozen = demo_drivers().with_parameters(structure_shift=0.0, coal_to_electricity=0.0, coal_to_gas=0.01,
                                            grid_non_fossil_increase={"dist": "triangular", "low": 0.006,
                                                                      "mode": 0.01, "high": 0.014})
    old = project(frozen, years=years, members=40, seed=5)
    assert float(old["co2_peaked"].mean()) < 0.1 < float(runs["baseline"]["co2_peaked"].mean())


@pytest.mark.parametrize(("params", "field"), [
    ({"grid_non_fossil_base": 1.2}, "grid_non_fossil_base"),
    ({"structure_shift": -0.1}, "structure_shift"),
    ({"structure_shift": {"industri": 0.02}}, "structure_shift"),
    ({"coal_to_electricity": -0.01}, "coal_to_electricity"),
    ({"coal_to_gas": 0.7, "coal_to_electricity": 0.6}, "coal_to_electricity"),
    ({"coal_to_gas": {"dist": "uniform", "low": 0.5, "high": 0.1}}, "coal_to_gas"),
])
def test_bad_structure_parameters_name_the_field(params, field):
    with pytest.raises(InputError) as info:
        project(two_sectors(**params), years=[2020, 2021], members=2, seed=0)
    assert isinstance(info.value, CarbonError) and info.value.field == field


@pytest.mark.parametrize(("measure", "field"), [
    ({"kind": "structure", "sector": "industry", "fraction": 1.5}, "fraction"),
    ({"kind": "structure", "sector": "industry", "fraction": -0.2}, "fraction"),
    ({"kind": "structure", "sector": "steel", "fraction": 0.2}, "sector"),
    ({"fuel": "coals", "fraction": 0.2}, "fuel"),
    ({"fuel": "raw_coal", "to_fuel": "hydrogen", "fraction": 0.2}, "to_fuel"),
])
def test_bad_measures_name_the_field(measure, field):
    with pytest.raises(InputError) as info:
        project(two_sectors(), years=[2020, 2021], members=1, seed=0, measures=[measure])
    assert info.value.field == field


def test_bad_activity_share_and_coal_equivalent_name_the_field():
    from dataclasses import replace

    d = two_sectors()
    bad = d.activity_share.copy()
    bad[0, 0] = -0.5
    with pytest.raises(InputError, match="activity_share") as info:
        project(replace(d, activity_share=bad), years=[2020], members=1)
    assert "activity_share" in info.value.field
    with pytest.raises(InputError) as info:
        project(replace(d, electricity_coal_equivalent=0.0), years=[2020], members=1)
    assert info.value.field == "electricity_coal_equivalent"
    with pytest.raises(InputError) as info:
        project(replace(d, structure_receiver="residential"), years=[2020, 2021], members=1,
                measures=[{"kind": "structure", "sector": "industry", "fraction": 0.1}])
    assert info.value.field == "structure_receiver"
