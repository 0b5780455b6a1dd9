"""Emission and load accounting: tonnes add up, reductions match plan amounts, 004:19 is checked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel import targets
from ecomodel.errors import EcomodelError
from ecomodel.scenario import Effect, Measure, Package, load_package
from ecomodel.scenario.accounting import accounts, lognormal_parameters


def _pkg(frac, pollutant="NOx", region="常州市武进区"):
    return Package("p", (Measure(id="m", name="m", domain="air", start=2022,
                                 effects=(Effect(domain="air", pollutant=pollutant, region=region, fraction=frac),)),))


def test_lognormal_interval_closed_form():
    mu, s = lognormal_parameters(-0.14, 0.13)
    assert np.exp(mu - 1.959964 * s) == pytest.approx(0.86, rel=1e-6)
    assert np.exp(mu + 1.959964 * s) == pytest.approx(1.13, rel=1e-6)
    with pytest.raises(EcomodelError):
        lognormal_parameters(0.2, 0.1)


def test_baseline_regions_add_up_and_fraction_cut_is_exact():
    ds = accounts(_pkg(0.25), [2021, 2022])
    base = ds["emissions_baseline"]
    city = base.sel(region="常州市").sum()
    districts = [r for r in ds.region.values if str(r).startswith("常州市") and r != "常州市"] + ["溧阳市"]
    assert float(city) == pytest.approx(float(base.sel(region=districts).sum()))
    wj = base.sel(region="常州市武进区", year=2022, pollutant="NOx").sum()
    assert float(ds["nox_reduction_t"].sel(year=2022, region="常州市武进区").mean()) == pytest.approx(0.25 * float(wj))
    assert float(ds["nox_reduction_t"].sel(year=2021).max()) == 0.0  # before the start year
    assert float(ds["so2_reduction_t"].max()) == 0.0


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_reductions_monotone_and_nonnegative(a, b):
    lo, hi = sorted((a, b))
    r_lo = accounts(_pkg(lo), [2022])["nox_reduction_t"].sel(region="常州市").mean()
    r_hi = accounts(_pkg(hi), [2022])["nox_reduction_t"].sel(region="常州市").mean()
    ds = accounts(_pkg(hi), [2022])
    assert float(ds["emissions"].min()) >= 0.0
    assert float(r_hi) >= float(r_lo) - 1e-9 >= -1e-9


def test_key_projects_meet_004_19_with_a_probability():
    ds = accounts(load_package("changzhou_2023_key_projects"), range(2020, 2026), members=200, seed=3)
    keys = [k for k in ds.data_vars if k.endswith("_reduction_t")]
    table = targets.check(ds[keys], outside="skip")
    got = {r.indicator: r for r in table.itertuples()}
    for key, t in (("nox_reduction_t", 5207), ("vocs_reduction_t", 4856), ("cod_reduction_t", 3993),
                   ("nh3n_reduction_t", 225)):
        assert got[key].target_value == t and got[key].source_line == "19"
        assert 0.2 < got[key].probability < 0.95  # uncertain inventory: neither certain nor hopeless
    # central inventory: the plan amounts exactly
    one = accounts(load_package("changzhou_2023_key_projects"), [2023])
    assert float(one["nox_reduction_t"].sel(region="常州市").mean()) == pytest.approx(5207.0)
    assert float(one["cod_reduction_t"].sel(region="常州市").mean()) == pytest.approx(3993.0)
    assert float(one["cod_reduction_t"].sel(region="常州市武进区").mean()) == pytest.approx(0.2 * 3993.0)


def test_water_loads_mass_balance():
    pkg = load_package("changzhou_2023_key_projects")
    ds = accounts(pkg, [2022, 2024])
    cut = ds["loads_baseline"] - ds["loads"].sel(year=2024)
    assert float(cut.sel(substance="COD").sum()) == pytest.approx(
        float(ds["cod_reduction_t"].sel(year=2024, region="常州市武进区").mean()))
    assert float(ds["loads"].min()) >= 0.0


# ------------------------------------------------------------------------------------------------ water networks

def _water_pkg(effects, start=2021):
    return Package("w", (Measure(id="w", name="w", domain="water", start=start, effects=tuple(effects)),))


def _water(pollutant, category, fraction, region=None):
    return Effect(domain="water", pollutant=pollutant, category=category, region=region, fraction=fraction)


def _table_load(network, category, substance):
    from ecomodel.water.networks import network_demo

    t = network_demo(network).sources.table
    return float(t.loc[t["category"].astype(str) == category, substance].sum())


def test_jiangyin_water_measure_counts_under_jiangyin_not_wujin():
    """Reviewer's bug: 江阴 effects were measured against the Wujin sources and counted under 武进区."""
    ds = accounts(load_package("jiangyin_plan_2021_2025"), [2025])
    for key in ("cod_reduction_t", "nh3n_reduction_t", "tp_reduction_t"):
        red = ds[key].sel(year=2025).mean("member")
        assert float(red.sel(region="江阴市")) > 0.0
        assert float(red.sel(region="常州市武进区")) == 0.0 and float(red.sel(region="常州市")) == 0.0
    one = accounts(_water_pkg([_water("TP", "rural_domestic", 0.076, "江阴市")]), [2022])
    tp = one["tp_reduction_t"].sel(year=2022).mean("member")
    assert float(tp.sel(region="江阴市")) == pytest.approx(0.076 * _table_load("jiangyin", "rural_domestic", "TP"))
    assert float(tp.sel(region="常州市武进区")) == 0.0
    cut = one["loads_baseline"] - one["loads"].sel(year=2022)
    assert float(cut.sel(network="wujin").sum()) == 0.0
    assert float(cut.sel(network="jiangyin", substance="TP").sum()) == pytest.approx(float(tp.sel(region="江阴市")))


def test_jiangyin_amount_with_share_is_taken_against_the_jiangyin_sources():
    e = Effect(domain="water", pollutant="TP", category="urban_runoff", region="江阴市", amount=16.9, unit="t/yr",
               share=0.10)
    ds = accounts(_water_pkg([e]), [2022])
    tp = ds["tp_reduction_t"].sel(year=2022).mean("member")
    assert float(tp.sel(region="江阴市")) == pytest.approx(16.9)  # the plan figure, 1/share of the modelled part
    cut = ds["loads_baseline"] - ds["loads"].sel(year=2022)
    assert float(cut.sel(network="jiangyin", substance="TP").sum()) == pytest.approx(1.69)
    assert float(cut.sel(network="wujin").sum()) == 0.0


def test_tianning_measure_counts_under_tianning_and_the_city_only():
    ds = accounts(_water_pkg([_water("COD", "rural_domestic", 0.45, "常州市天宁区")]), [2022])
    cod = ds["cod_reduction_t"].sel(year=2022).mean("member")
    want = 0.45 * _table_load("tianning", "rural_domestic", "COD")
    assert float(cod.sel(region="常州市天宁区")) == pytest.approx(want)
    assert float(cod.sel(region="常州市")) == pytest.approx(want)
    assert float(cod.sel(region="常州市武进区")) == 0.0


def test_wujin_plan_water_reductions_unchanged():
    """Pinned from the accounting before the per-network split (commit 5146080): Wujin effects as before."""
    ds = accounts(load_package("wujin_plan_2022_2026"), [2025])
    red = {k: float(ds[k].sel(year=2025, region="常州市武进区").mean()) for k in
           ("tp_reduction_t", "cod_reduction_t", "nh3n_reduction_t")}
    assert red == pytest.approx({"tp_reduction_t": 19.98376, "cod_reduction_t": 899.2, "nh3n_reduction_t": 81.8112})
    assert float(ds["tp_reduction_t"].sel(year=2025, region="常州市").mean()) == pytest.approx(19.98376)


def test_city_effect_acts_on_both_changzhou_networks_and_zhonglou_is_refused():
    ds = accounts(_water_pkg([_water("TP", "rural_domestic", 0.2, "常州市")]), [2022])
    tp = ds["tp_reduction_t"].sel(year=2022).mean("member")
    wj, tn = 0.2 * _table_load("wujin", "rural_domestic", "TP"), 0.2 * _table_load("tianning", "rural_domestic", "TP")
    assert float(tp.sel(region="常州市武进区")) == pytest.approx(wj)
    assert float(tp.sel(region="常州市天宁区")) == pytest.approx(tn)
    assert float(tp.sel(region="常州市")) == pytest.approx(wj + tn)
    assert float(tp.sel(region="江阴市")) == 0.0
    with pytest.raises(EcomodelError, match="region"):
        accounts(_water_pkg([_water("TP", "rural_domestic", 0.2, "常州市钟楼区")]), [2022])


def test_network_loads_add_up_to_the_totals():
    from ecomodel.water.networks import network_demo

    pkgs = [load_package(n) for n in ("wujin_plan_2022_2026", "tianning_plan_2021_2025", "jiangyin_plan_2021_2025")]
    merged = Package("all", tuple(m for p in pkgs for m in p.measures))
    ds = accounts(merged, [2025])
    base = ds["loads_baseline"]
    for net in ds.network.values:
        t = network_demo(str(net)).sources.table
        for s in ("TP", "NH3-N", "COD"):
            assert float(base.sel(network=net, substance=s).sum()) == pytest.approx(float(t[s].sum()))
    cut = (base - ds["loads"].sel(year=2025)).sum("source")  # (network, substance), no share effect but 江阴's
    for key, s in (("tp_reduction_t", "TP"), ("cod_reduction_t", "COD"), ("nh3n_reduction_t", "NH3-N")):
        red = ds[key].sel(year=2025).mean("member")
        for net, region in zip(ds.network.values, ds.network_region.values, strict=True):
            if net != "jiangyin":
                assert float(red.sel(region=region)) == pytest.approx(float(cut.sel(network=net, substance=s)))
        assert float(red.sel(region="常州市")) == pytest.approx(
            float(red.sel(region="常州市武进区") + red.sel(region="常州市天宁区")))
        alone = [accounts(p, [2025])[key].sel(year=2025).mean("member") for p in pkgs]
        for region in ("常州市武进区", "常州市天宁区", "江阴市", "常州市"):
            assert float(red.sel(region=region)) == pytest.approx(sum(float(a.sel(region=region)) for a in alone))


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.sampled_from(["TP", "NH3-N", "COD"]))
def test_water_reductions_nonnegative_and_within_the_baseline(a, b, c, substance):
    effects = [_water(substance, "rural_domestic", a, "江阴市"), _water(substance, "urban_runoff", b, "江阴市"),
               _water(substance, "rural_domestic", c), _water(substance, "urban_runoff", a, "常州市")]
    ds = accounts(_water_pkg(effects), [2020, 2023])
    key = {"TP": "tp_reduction_t", "NH3-N": "nh3n_reduction_t", "COD": "cod_reduction_t"}[substance]
    red = ds[key].mean("member")
    assert float(red.min()) >= 0.0 and float(red.sel(year=2020).max()) == 0.0
    base = ds["loads_baseline"].sel(substance=substance).sum("source")
    for net, region in zip(ds.network.values, ds.network_region.values, strict=True):
        assert float(red.sel(year=2023, region=region)) <= float(base.sel(network=net)) + 1e-9
    assert float(ds["loads"].min()) >= 0.0


def test_scenario_accounts_use_the_runs_years_members_seed_and_water_only_packages_keep_air_baselines():
    from ecomodel.scenario import Scenario
    from ecomodel.scenario.accounting import scenario_accounts

    pkg = load_package("wwtp_taihu_limits")  # water measures only
    sc = Scenario("w", package=pkg, members=4, seed=11, start_year=2024, end_year=2026, domains=("air", "water"))
    ds = scenario_accounts(sc)
    xr_expected = accounts(pkg, [2024, 2025, 2026], members=4, seed=11)
    assert list(ds["year"].values) == [2024, 2025, 2026] and ds.sizes["member"] == 4
    for k in ("tp_reduction_t", "cod_reduction_t", "emissions", "loads"):
        np.testing.assert_array_equal(ds[k].values, xr_expected[k].values)
    assert ds.attrs["seed"] == 11 and ds.attrs["members"] == 4 and ds.attrs["base"] == "demo"
    other = scenario_accounts(sc.replace(seed=12))
    assert not np.array_equal(other["tp_reduction_t"].values, ds["tp_reduction_t"].values)  # the seed matters
    # no air measure: the air baseline is reported, with zero reductions
    assert float(ds["emissions_baseline"].sum()) > 0
    np.testing.assert_array_equal(ds["emissions"].values, ds["emissions_baseline"].values)
    for k in ("nox_reduction_t", "so2_reduction_t", "vocs_reduction_t", "nh3_reduction_t", "pm25_reduction_t"):
        assert float(np.abs(ds[k]).max()) == 0.0
    assert float(ds["tp_reduction_t"].sel(region="常州市").mean()) > 0
    assert scenario_accounts(sc.replace(domains=("carbon",))) is None


def test_run_tree_holds_the_scenario_accounts_and_air_only_packages_keep_water_baselines():
    from ecomodel.scenario import Scenario, run
    from ecomodel.scenario.accounting import scenario_accounts

    sc = Scenario("a", package=_pkg(0.25), members=2, seed=3, start_year=2022, end_year=2023, domains=("air",))
    tree = run(sc, targets=False)
    acc = tree["accounts"].to_dataset(inherit=False)
    expected = scenario_accounts(sc)
    for k in expected.data_vars:
        np.testing.assert_array_equal(acc[k].values, expected[k].values)
        assert acc[k].attrs["units"] == expected[k].attrs["units"]
    wj = float(acc["emissions_baseline"].sel(region="常州市武进区", year=2023, pollutant="NOx").sum())
    np.testing.assert_allclose(acc["nox_reduction_t"].sel(region="常州市武进区", year=2023).values,
                               0.25 * wj * _factors_of(acc, "NOx", 2, 3))
    np.testing.assert_array_equal(acc["loads"].isel(year=-1).values, acc["loads_baseline"].values)
    assert float(np.abs(acc["tp_reduction_t"]).max()) == 0.0 and float(acc["loads_baseline"].sum()) > 0


def _factors_of(acc, pollutant, members, seed):
    from ecomodel.scenario.accounting import _factors

    pols = [str(p) for p in acc["pollutant"].values]
    return _factors(pols, members, seed)[:, pols.index(pollutant)]


# ------------------------------------------------------------------------------------------------ runs check the tonnage rows

@pytest.fixture(scope="module")
def key_run():
    """``run`` of the 2023 key projects with the embedded models (3 members, 2022–2023, all domains)."""
    from ecomodel.scenario import Scenario, run

    sc = Scenario("k", package=load_package("changzhou_2023_key_projects"), members=3, seed=5, start_year=2022,
                  end_year=2023)
    return run(sc)


TONNAGE = {"nox_reduction_t": 5207.0, "vocs_reduction_t": 4856.0, "cod_reduction_t": 3993.0, "nh3n_reduction_t": 225.0}


def test_run_checks_the_tonnage_rows_with_the_other_targets(key_run):
    """The Python ``run`` (not only the CLI) checks 004:19's tonnage rows from its own ``/accounts``,
    in ``/targets`` with the model rows; each row says its basis and met rule, and the probability
    is the share of members whose reduction meets the tonnage."""
    from ecomodel.scenario.accounting import check_accounts

    t = key_run["targets"].to_dataset().to_dataframe().reset_index(drop=True)
    assert set(t["basis"]) == {"model", "accounts"} and set(t["met_rule"]) == {"ensemble mean"}
    ton = t[t["basis"] == "accounts"].reset_index(drop=True)
    assert set(ton["indicator"]) >= set(TONNAGE) and set(t.loc[t["basis"] == "model", "indicator"]).isdisjoint(TONNAGE)
    acc = key_run["accounts"].to_dataset(inherit=False)
    expected = check_accounts(acc)
    np.testing.assert_array_equal(ton["probability"].values, expected["probability"].values)
    for key, tonnes in TONNAGE.items():
        row = ton[(ton["indicator"] == key) & (ton["region"] == "常州市")].iloc[0]
        red = acc[key].sel(year=2023, region="常州市").values
        assert row["target_value"] == tonnes and row["members"] == 3
        assert row["probability"] == pytest.approx(float(np.mean(red >= tonnes)))
        assert row["projected"] == pytest.approx(float(red.mean())) and row["met"] == (red.mean() >= tonnes)
        assert row["domain"] == ("air" if key in ("nox_reduction_t", "vocs_reduction_t") else "water")


def test_run_stores_the_tonnage_verdicts_through_netcdf(key_run, tmp_path):
    from ecomodel import io

    path = tmp_path / "k.nc"
    io.write(key_run, path)
    back = io.open_output(path)["targets"].to_dataset(inherit=False)
    here = key_run["targets"].to_dataset(inherit=False)
    assert back.sizes["target"] == here.sizes["target"]
    for col in ("basis", "met_rule", "indicator", "region", "domain", "source_line"):
        assert [str(v) for v in back[col].values] == [str(v) for v in here[col].values], col
    for col in ("probability", "projected", "margin", "target_value"):
        np.testing.assert_allclose(back[col].values, here[col].values)
    np.testing.assert_array_equal(back["met"].values.astype(bool), here["met"].values.astype(bool))
    assert back["probability"].attrs["long_name"] == "share of ensemble members meeting the target"
    assert "met_rule" in back["met"].attrs["long_name"]


def test_run_reads_a_tonnage_target_spec_from_the_accounts():
    """A user target on a reduction is read from the accounts; with a required probability the met
    rule is the member quantile (the optimiser's rule), and the row says so."""
    from ecomodel.scenario import Scenario, run

    sc = Scenario("k", package=load_package("changzhou_2023_key_projects"), members=4, seed=2, start_year=2022,
                  end_year=2023, domains=("air", "water"))
    tree = run(sc, targets=["nox_reduction_t@常州市>=5207:2023 p=0.75", "pm25_annual_mean@常州市<=31:2023"])
    t = tree["targets"].to_dataset().to_dataframe().reset_index(drop=True)
    assert list(t["basis"]) == ["accounts", "model"]
    assert list(t["met_rule"]) == ["member quantile 0.25 (probability >= 0.75)", "ensemble mean"]
    red = tree["accounts"]["nox_reduction_t"].sel(year=2023, region="常州市").values
    assert t.loc[0, "probability"] == pytest.approx(float(np.mean(red >= 5207.0)))
    assert bool(t.loc[0, "met"]) == bool(np.quantile(red, 0.25) >= 5207.0)


# ------------------------------------------------------------------------------------------------ CO2 and loads


def _carbon_run(package, method="surface", members=3):
    from ecomodel.scenario import Scenario, run

    sc = Scenario("c", package=package, members=members, seed=4, start_year=2022, end_year=2027, method=method)
    return run(sc, targets=False)


def test_co2_accounts_reuse_the_runs_carbon_projection():
    """``co2_reduction_t`` is the no-measure carbon projection minus the run's ``/carbon``
    ``co2_emissions`` [Mt → t], member by member; the sector split adds up to the carbon model's
    total; the coal-to-gas package cuts CO2 in 常州市 from its start year."""
    pkg = load_package("coal_to_gas_industrial_furnaces")
    tree = _carbon_run(pkg)
    base = _carbon_run(Package("baseline"))
    acc = tree["accounts"].to_dataset(inherit=False)
    co2 = tree["carbon"]["co2_emissions"].transpose("year", "member", "region")
    co2_base = base["carbon"]["co2_emissions"].transpose("year", "member", "region")
    expected = (co2_base - co2) * 1e6
    got = acc["co2_reduction_t"].sel(region=[str(r) for r in co2["region"].values]).transpose(*expected.dims)
    np.testing.assert_allclose(got.values, expected.values, rtol=1e-12, atol=1e-6)
    assert acc["co2_reduction_t"].attrs["units"] == "t" and acc["emissions_co2"].attrs["units"] == "t/yr"
    assert float(np.abs(acc["co2_reduction_t"].sel(region="常州市", year=2022)).max()) < 1e-3  # starts in 2024
    assert float(acc["co2_reduction_t"].sel(region="常州市", year=2027).mean()) > 0.0
    total = acc["emissions_co2_baseline"].sum("carbon_sector").rename(carbon_region="region")
    np.testing.assert_allclose(total.values, (co2_base.mean("member") * 1e6).transpose(*total.dims).values,
                               rtol=1e-12)
    assert float(np.abs(base["accounts"]["co2_reduction_t"]).max()) == 0.0  # no carbon effect: zero


def test_co2_emissions_by_sector_add_up_to_the_full_carbon_projection():
    tree = _carbon_run(load_package("coal_to_gas_industrial_furnaces"), method="full", members=2)
    acc = tree["accounts"].to_dataset(inherit=False)
    total = acc["emissions_co2"].sum("carbon_sector").rename(carbon_region="region")
    mean = tree["carbon"]["co2_emissions"].mean("member") * 1e6
    np.testing.assert_allclose(total.values, mean.transpose(*total.dims).values, rtol=1e-12)
    assert float((acc["emissions_co2_baseline"] - acc["emissions_co2"]).sel(year=2027).sum()) > 0


def test_water_baseline_loads_do_not_vary_by_year():
    """``loads_baseline`` has no year: the water model's source tables carry no trend (the same
    table enters every year, ecomodel.water.projection._Run.year_loads), so a package without a
    measure has the baseline loads in every year."""
    ds = accounts(Package("nothing"), range(2020, 2031), carbon=False)
    assert "year" not in ds["loads_baseline"].dims
    for y in ds["year"].values:
        np.testing.assert_array_equal(ds["loads"].sel(year=y).values, ds["loads_baseline"].values)


def test_check_accounts_columns_and_no_match():
    from ecomodel.scenario.accounting import check_accounts

    t = check_accounts(accounts(load_package("changzhou_2023_key_projects"), [2023], members=5, carbon=False))
    assert {"probability", "projected", "met", "met_rule", "basis", "domain", "members"} <= set(t.columns)
    assert set(t["basis"]) == {"accounts"} and (t["members"] == 5).all()
    assert len(check_accounts(accounts(load_package("changzhou_2023_key_projects"), [2021], carbon=False))) == 0
