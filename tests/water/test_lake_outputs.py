"""Lakes as outputs of water.project: TN, CODMn, lake classes, sediment pools and the fading
benefit of dredging; bad lake and nitrogen input."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import EcomodelError
from ecomodel.standards import water_class
from ecomodel.water import Lake, RiverNetwork, demo, lake_classes, project
from ecomodel.water.lake import dredging_recovery
from ecomodel.water.projection import plot_lakes
from ecomodel.water.sources import boundary_loads, check_nitrogen, point_source_loads

COMMON = dict(years=range(2021, 2031), members=4, seed=5)


@pytest.fixture(scope="module")
def plain():
    return project(**COMMON)


@pytest.fixture(scope="module")
def dredged():
    return project(lake_measures={"滆湖": {2023: 1.5e6}}, **COMMON)


def test_project__lake_variables_tn_sum_and_classes(plain):
    for v in ("lake_tp_concentration", "lake_tn_concentration", "lake_nh3n_concentration",
              "lake_codmn_concentration", "sediment_p", "internal_load", "tn_concentration", "codmn_concentration"):
        assert v in plain, v
    assert plain["lake_tn_concentration"].dims == ("year", "member", "lake")
    tn = plain["tn_concentration"].values
    parts = sum(plain[v].values for v in ("orgn_concentration", "nh3n_concentration", "no3n_concentration"))
    np.testing.assert_allclose(tn, parts, rtol=1e-12)
    assert (plain["lake_tn_concentration"].values > 0).all()
    ds = lake_classes(plain)
    np.testing.assert_array_equal(ds["lake_tn_class"].values,
                                  water_class("TN", plain["lake_tn_concentration"].values, "lake"))
    worst = np.maximum.reduce([ds[f"lake_{k}_class"].values for k in ("tp", "nh3n", "codmn")])
    np.testing.assert_array_equal(ds["lake_class"].values, worst)


def test_project__lake_tp_equals_its_outflow_reach_and_gehu_feeds_its_outlets(plain):
    d = demo()
    means = d.section_means()
    # 黄埝桥 sits downstream of 滆湖: less TP than the lake's outflow after river settling
    gehu = float(plain["lake_tp_concentration"].sel(year=2021, lake="滆湖").mean())
    assert 0.05 < gehu < 0.5
    assert float(means.loc["黄埝桥", "TP"]) < gehu * 1.05


def test_dredging__benefit_fades_with_the_recovery_timescale(plain, dredged):
    cut = (plain["internal_load"] - dredged["internal_load"]).sel(lake="滆湖").mean("member")
    assert float(cut.sel(year=2022)) == 0.0
    first = float(cut.sel(year=2024))
    assert first > 0
    # 2-year e-folding resupply: five years on, less than a sixth of the first year's cut is left
    assert float(cut.sel(year=2029)) < first * np.exp(-5.0 / 2.0) * 2.0
    assert (np.diff(cut.sel(year=slice(2024, 2030)).values) < 0).all()
    # without resupply (very long timescale) the cut lasts (pool turnover ~ 1/beta ~ 100 yr)
    d = demo()
    slow = replace(d, lakes={k: replace(v, dredge_recovery_years=1e9) for k, v in d.lakes.items()})
    kept = project(lake_measures={"滆湖": {2023: 1.5e6}}, data=slow, **COMMON)
    cut_kept = (plain["internal_load"] - kept["internal_load"]).sel(lake="滆湖").mean("member")
    assert float(cut_kept.sel(year=2029)) > 0.9 * float(cut_kept.sel(year=2024))


def test_dredging_recovery__closed_form_and_bad_timescale():
    assert dredging_recovery(100.0, 2.0, 1.0) == pytest.approx(100.0 * (1 - np.exp(-0.5)), rel=1e-14)
    left = 100.0
    for _ in range(4):
        left -= dredging_recovery(left, 2.0, 1.0)
    assert left == pytest.approx(100.0 * np.exp(-2.0), rel=1e-12)
    with pytest.raises(EcomodelError, match="dredge_recovery_years"):
        dredging_recovery(1.0, 0.0)


def test_plot_lakes__one_panel_per_lake_and_parameter(plain, dredged):
    fig = plot_lakes(dredged, plain, parameters=("TP", "TN", "CODMn"))
    assert len(fig.axes) == 3 * plain.sizes["lake"]
    with pytest.raises(EcomodelError, match="DO"):
        plot_lakes(dredged, parameters=("DO",))


def test_lake__negative_depth_names_the_lake():
    with pytest.raises(EcomodelError, match="Gehu.*mean_depth|mean_depth.*Gehu"):
        Lake(name="Gehu", area=100.0, mean_depth=-1.2, settling_velocity=8.0, sediment_p=1.0, release_rate=0.01,
             burial_rate=0.01)
    t = pd.DataFrame({"reach": ["A"], "downstream": [""], "length": [1e3], "flow": [1.0], "velocity": [0.1],
                      "lake": ["L1"]})
    with pytest.raises(EcomodelError, match="L1|mean_depth"):
        RiverNetwork.from_dataframe(t, lakes=pd.DataFrame({"lake": ["L1"], "area": [1.0], "mean_depth": [-2.0]}))


def test_nitrogen_species_that_do_not_add_up_name_the_row():
    t = pd.DataFrame({"source": ["ok", "WWTP-X"], "kind": ["point", "point"], "flow": [1e4, 1e4], "TP": [0.3, 0.3],
                      "OrgN": [1.0, 1.0], "NH3-N": [1.5, 1.5], "NO3-N": [5.5, 5.5], "TN": [8.0, 9.0]})
    with pytest.raises(EcomodelError, match="'WWTP-X'.*TN 9"):
        point_source_loads(t, ["TP", "OrgN", "NH3-N", "NO3-N"])
    b = pd.DataFrame({"source": ["B"], "quantity": [1.0], "NH3-N": [0.4], "TN": [2.0]})
    with pytest.raises(EcomodelError, match="TN is given without"):
        boundary_loads(b, ["NH3-N"])
    assert "TN" not in check_nitrogen(t.iloc[:1]).columns


def test_embedded_tables_add_up():
    d = demo()
    tot = d.all_sources().totals()
    assert set(tot.columns) >= {"OrgN", "NH3-N", "NO3-N", "CODMn"}
    assert (tot[["OrgN", "NO3-N", "CODMn"]].sum() > 0).all()


def test_lake_daily__annual_mean_near_the_projection_2021(plain):
    d = demo()
    daily = d.lake_daily(days=365)
    for v in ("lake_tp_concentration", "lake_tn_concentration", "lake_nh3n_concentration", "lake_codmn_concentration"):
        annual = daily[v].mean("time").values
        steady_2021 = project(years=[2021], members=1, seed=0, hydrology_cv=0.0, parameter_uncertainty=False,
                              load_cv=0.0)[v].sel(year=2021).isel(member=0).values
        np.testing.assert_allclose(annual, steady_2021, rtol=0.08)
    assert (daily["lake_tn_concentration"].std("time") > 0).all()  # seasonal sources move the lakes


def test_lake_sites__lake_variables_become_sites(plain):
    from ecomodel.water import lake_sites

    s = lake_sites(plain)
    assert list(s["site"].values) == ["滆湖", "竺山湖", "太湖"]
    np.testing.assert_array_equal(s["tn_concentration"].values, plain["lake_tn_concentration"].values)
    one = s["tp_concentration"].sel(site="滆湖")
    assert one.attrs["units"] == "mg/L" and float(one.min()) > 0
