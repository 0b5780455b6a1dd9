"""The carbon backend: scenarios through ecomodel.carbon.project."""

import pytest
import xarray as xr

from ecomodel import carbon
from ecomodel.errors import ScenarioError
from ecomodel.scenario import Cost, Effect, Measure, Package, Scenario, load_package
from ecomodel.scenario.run import run

MEMBERS, SEED = 6, 11


def carbon_scenario(*measures, method="surface", name="s"):
    return Scenario(name, package=Package(name, tuple(measures)), domains=("carbon",), members=MEMBERS, seed=SEED,
                    method=method, start_year=2020, end_year=2030)


def cut(id, fraction=0.3, start=2023, ramp=1, **fields):
    fields.setdefault("fuel", "raw_coal")
    return Measure(id=id, name=id, domain="carbon", start=start, ramp_years=ramp, cost=Cost(annual=1.0),
                   effects=(Effect(domain="carbon", fraction=fraction, **fields),))


@pytest.mark.parametrize("method", ["surface", "full"])
def test_no_measures_equals_the_carbon_model_baseline(method):
    tree = run(carbon_scenario(method=method), targets=False)
    direct = carbon.project(carbon.demo_drivers(), years=range(2020, 2031), members=MEMBERS, seed=SEED)
    got = tree["carbon"].to_dataset()
    for v in ("co2_emissions", "energy_consumption", "coal_share_energy_pct", "co2_intensity_decrease_pct",
              "co2_peak_year"):
        xr.testing.assert_allclose(got[v], direct[v], rtol=1e-12)


def test_surface_equals_full_model_for_the_demo_package():
    pkg = load_package("coal_to_gas_industrial_furnaces")
    trees = {m: run(Scenario("c", package=pkg, domains=("carbon",), members=MEMBERS, seed=SEED, method=m),
                    targets=False)["carbon"].to_dataset() for m in ("surface", "full")}
    for v in ("co2_emissions", "coal_share_energy_pct", "energy_intensity_decrease_pct",
              "non_fossil_energy_share_pct"):
        xr.testing.assert_allclose(trees["surface"][v], trees["full"][v], rtol=1e-10)
    # the switch acts in 常州市 and its districts, not in 江阴市
    base = run(carbon_scenario(), targets=False)["carbon"]["co2_emissions"].sel(year=2030)
    after = trees["full"]["co2_emissions"].sel(year=2030)
    assert (after.sel(region="常州市") < base.sel(region="常州市")).all()
    assert (after.sel(region="常州市武进区") < base.sel(region="常州市武进区")).all()
    xr.testing.assert_allclose(after.sel(region="江阴市"), base.sel(region="江阴市"))


def test_ramped_cut_follows_the_schedule_exactly():
    """A 30 % cut of all raw coal ramped over 3 years: raw-coal energy falls by 10, 20, 30 %."""
    m = cut("coal", fraction=0.3, start=2024, ramp=3)
    full = run(carbon_scenario(m, method="full"), targets=False)["carbon"]
    surf = run(carbon_scenario(m, method="surface"), targets=False)["carbon"]
    xr.testing.assert_allclose(full["co2_emissions"], surf["co2_emissions"], rtol=1e-10)
    base = run(carbon_scenario(), targets=False)["carbon"]
    before = base["co2_emissions"].sel(year=2023)
    xr.testing.assert_allclose(full["co2_emissions"].sel(year=2023), before)  # nothing before the start
    # the cut is linear in the fraction: reduction(y) = f(y) × reduction at f = 1, f = 0.1, 0.2, 0.3
    whole = carbon.project(carbon.demo_drivers(), years=range(2020, 2031), members=MEMBERS, seed=SEED,
                           measures=[{"fuel": "raw_coal", "fraction": 1.0, "start_year": 2020}])["co2_emissions"]
    for year, f in ((2024, 0.1), (2025, 0.2), (2026, 0.3), (2030, 0.3)):
        expected = f * (base["co2_emissions"].sel(year=year) - whole.sel(year=year))
        got = base["co2_emissions"].sel(year=year) - full["co2_emissions"].sel(year=year)
        xr.testing.assert_allclose(got.drop_vars("year"), expected.drop_vars("year"), rtol=1e-9)


def test_amounts_are_taken_against_the_base_inventory():
    inv = carbon.co2_inventory(carbon.demo_balance())
    base = float(inv["co2"].sel(region="常州市", fuel="raw_coal", sector="chemicals").sum())
    m = Measure(id="a", name="a", domain="carbon", start=2023,
                effects=(Effect(domain="carbon", fuel="raw_coal", sector="chemicals", region="常州市",
                                amount=base / 4, unit="t"),))
    tree = run(carbon_scenario(m, method="full"), targets=False)
    frac = tree["package"]["carbon"]["carbon_reduction_fraction"].sel(year=2025).item()
    assert frac == pytest.approx(0.25)


@pytest.mark.parametrize(("fields", "words"), [
    ({"fuel": "coals"}, ["field 'fuel'", "unknown fuel 'coals'"]),
    ({"fuel": "raw_coal", "sector": "mining"}, ["field 'sector'", "unknown carbon sector 'mining'"]),
    ({"fuel": "raw_coal", "region": "苏州市"}, ["field 'region'", "'苏州市'"]),
    ({"fuel": "raw_coal", "to_fuel": "oil"}, ["field 'to_fuel'", "not one fuel"]),
])
def test_effects_the_base_data_lacks_are_refused(fields, words):
    with pytest.raises(ScenarioError) as exc:
        run(carbon_scenario(cut("bad", **fields)), targets=False)
    for w in words:
        assert w in str(exc.value)


def test_measure_ending_cannot_be_represented():
    m = Measure(id="temp", name="temp", domain="carbon", start=2022, end=2025,
                effects=(Effect(domain="carbon", fuel="raw_coal", fraction=0.2),))
    with pytest.raises(ScenarioError, match="only adds cuts"):
        run(carbon_scenario(m, method="full"), targets=False)
