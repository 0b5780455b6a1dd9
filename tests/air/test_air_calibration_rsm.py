"""Calibration to the plans' observations, and the response surface."""

import numpy as np
import pytest

from ecomodel.air import ResponseSurface, calibrate, trajectory
from ecomodel.air.demodata import load_calibration, load_observations
from ecomodel.errors import CalibrationError, InputError


def test_stored_calibration__residuals_are_small_and_cover_every_observation():
    cal = load_calibration()
    obs = load_observations()
    assert len(cal["residuals"]) == len(obs)
    pm = [r for r in cal["residuals"] if r["indicator"] == "pm25_annual_mean"]
    gd = [r for r in cal["residuals"] if r["indicator"] == "good_air_days_ratio"]
    # two background parameters for four years (was one scale per year): the largest in-sample miss is
    # 江阴 2015 (-4.4 µg/m³), whose 2015->2020 fall (45.6 %) is steeper than 天宁's (38 %)
    assert max(abs(r["residual"]) for r in pm) < 4.5          # µg/m³
    # 3.15 with the local-share constraint (35-65 % local, SOURCES.md), 2.98 without it
    assert np.sqrt(np.mean([r["residual"] ** 2 for r in pm])) < 3.5
    assert max(abs(r["residual"]) for r in gd) < 2.5          # percentage points
    # the plan values are the ones cited (001:27, 000:87, 003:4, 002:15)
    tianning = [r for r in pm if r["box"] == "天宁" and r["year"] == 2020][0]
    assert tianning["observed"] == 36.5 and tianning["source"] == "001:27"


def test_stored_calibration__reproduced_by_an_independent_ensemble():
    """Other weather (seed), the stored scales: 2020 annual means close to the calibrated ones."""
    tr = trajectory(None, years=[2020], members=12, seed=99, ozone=False)
    cal = load_calibration()
    for r in cal["residuals"]:
        if r["indicator"] == "pm25_annual_mean" and r["year"] == 2020:
            got = float(tr["pm25_annual_mean"].sel(box=r["box"], year=2020).mean())
            assert got == pytest.approx(r["modelled"], abs=1.5), r


def test_calibrate__fits_and_reports_residuals():
    obs = load_observations()
    obs = obs[obs["year"].isin([2020, 2021])]
    res = calibrate(obs, members=3, seed=1)
    assert set(res.background_scale) == {2020, 2021}
    assert set(res.background) == {"level", "exponent", "reference_year"}
    assert set(res.residuals["indicator"]) == {"pm25_annual_mean", "good_air_days_ratio"}
    assert res.rmse["pm25_annual_mean"] < 3.0
    assert 0.2 < res.local_scale["常州市"] < 5 and 0.2 < res.local_scale["江阴"] < 5
    d = res.as_dict()
    assert d["calibrated_to"].startswith("ecomodel/data/air/observations.csv")
    with pytest.raises(CalibrationError, match="exceeds the tolerance"):
        calibrate(obs[obs["indicator"] == "pm25_annual_mean"], members=2, seed=1, fit_ozone=False, tolerance=1e-3)
    bad = obs.assign(box="上海")
    with pytest.raises(InputError, match="unknown box '上海'"):
        calibrate(bad, members=2)


@pytest.fixture(scope="module")
def surface():
    return ResponseSurface.fit(samples=60, test_samples=15, members=2, seed=3)


def test_response_surface__out_of_sample_error_meets_the_goal(surface):
    # issue goal: mean bias <= 1 %, max error <= 0.5 µg/m³ on the annual mean
    assert surface.error_.attrs["mean_bias_pct"] <= 1.0
    assert surface.error_.attrs["max_abs_error"] <= 0.5
    assert list(surface.error_.columns) == ["region_en", "mean_bias_pct", "max_abs_error", "rmse", "mean_ne_pct",
                                          "max_ne_pct"]


def test_response_surface__predict_forms_and_monotone_response(surface):
    one = surface.predict({"NOx": 0.2, "nh3": 0.1})
    assert one.dims == ("region",) and one.attrs["units"] == "ug/m3"
    arr = surface.predict(np.array([[0.2, 0.0, 0.1, 0.0, 0.0]]))
    np.testing.assert_allclose(arr.isel(package=0).values, one.values)
    cuts = np.linspace(0, 1, 11)
    y = surface.predict({"NOx": cuts, "SO2": cuts, "NH3": cuts, "VOCs": cuts, "PM2.5": cuts}).sel(region="常州市")
    assert (np.diff(y.values) < 0).all()
    with pytest.raises(InputError, match="expected values in \\[0, 1\\]"):
        surface.predict({"NOx": 1.5})
    with pytest.raises(InputError, match="pollutant-level cuts"):
        surface.predict({("industry", "NOx"): 0.1})


def test_response_surface__kernel_equals_numpy_and_box_model(surface):
    rng = np.random.default_rng(0)
    x = rng.random((20000, 5))
    fast = surface._predict_array(x)
    from ecomodel.air.rsm import _features

    np.testing.assert_allclose(fast, _features(x, surface.powers_) @ surface.coef_, rtol=1e-10)
    # one package against the box model it emulates (same weather: seed and members of the fit)
    pkg = {"NOx": 0.35, "SO2": 0.2, "NH3": 0.15, "VOCs": 0.4, "PM2.5": 0.25}
    assert set(surface.regions) >= {"常州市", "常州市武进区"}
    np.testing.assert_allclose(surface.predict(pkg).values, surface.box_model(pkg).values, atol=0.5)
    assert float(surface.predict(pkg).sel(region="常州市")) < float(surface.predict({}).sel(region="常州市"))


def test_response_surface__bad_fit_arguments():
    with pytest.raises(InputError, match="at least 55 samples"):
        ResponseSurface.fit(samples=10, members=1)
    with pytest.raises(InputError, match="bounds"):
        ResponseSurface.fit(bounds=(0.5, 0.2), members=1)


@pytest.fixture(scope="module")
def regional_surface():
    return ResponseSurface.fit(samples=90, test_samples=15, members=12, seed=4, regional=True)


def test_response_surface__local_and_regional_cuts_meet_pf_rsm_criteria(regional_surface):
    rs = regional_surface
    assert rs.variables[-1] == "regional" and len(rs.powers_) == 84
    # pf-RSM criteria (Xing et al. 2018) on held-out packages: mean NE <= 2 %, max NE <= 10 %
    assert rs.error_.attrs["mean_ne_pct"] <= 2.0 and rs.error_.attrs["max_ne_pct"] <= 10.0
    # and against box-model runs with other weather (seed 77): mostly weather sampling noise
    other = rs.check(seed=77, members=24)
    assert other["packages"] == 15
    assert other["mean_ne_pct"] <= 2.0 and other["max_ne_pct"] <= 10.0
    # a regional cut lowers every region, more than the same local cut lowers the rural boxes
    p0, pr = rs.predict({"regional": 0.0}), rs.predict({"regional": 0.3})
    assert bool((pr < p0).all())
    pl = rs.predict({k: 0.3 for k in ("NOx", "SO2", "NH3", "VOCs", "PM2.5")})
    assert float(p0.sel(region="溧阳市") - pr.sel(region="溧阳市")) > float(p0.sel(region="溧阳市") - pl.sel(region="溧阳市"))


@pytest.mark.parametrize("bad", [(0.7, 0.3), (-0.1, 0.5), (0.2, 1.5)])
def test_calibrate__local_share_range_is_checked_before_fitting(bad):
    with pytest.raises(InputError, match="local_share") as exc:
        calibrate(local_share=bad, members=1, fit_ozone=False)
    assert exc.value.field == "local_share"
