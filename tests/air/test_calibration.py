"""Calibration (ecomodel/air/calibration.py): background trend, predict(), the leave-one-out validation
table, the stored fit, refits and the local-share constraint."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.air.calibration import (_Model, background_factor, calibrate, reference_forecast, reference_table,
                                     regional_index, validate)
from ecomodel.air.demodata import demo, load_calibration, load_observations
from ecomodel.air import trajectory
from ecomodel.errors import CalibrationError, InputError


def test_background_factor__follows_the_regional_driver():
    tr = demo().emission_trend
    assert regional_index(tr, 2020) == 38.0 and regional_index(tr, 2015) == 58.0
    assert regional_index(tr, 2030) == regional_index(tr, 2022)          # held after the table
    assert background_factor(2020, 1.7, 1.2, tr) == pytest.approx(1.7)
    assert background_factor(2015, 1.7, 1.2, tr) == pytest.approx(1.7 * (58 / 38) ** 1.2)
    # positive exponent: a cleaner region gives a smaller background
    assert background_factor(2021, 1.7, 1.2, tr) < background_factor(2020, 1.7, 1.2, tr)
    with pytest.raises(InputError, match="regional_pm25"):
        regional_index(tr.drop(columns="regional_pm25"), 2020)


def test_demo_background_uses_the_stored_trend():
    d, cal = demo(), load_calibration()
    b = cal["background"]
    for y, v in cal["background_scale"].items():
        assert d.background_scale(int(y)) == pytest.approx(v, rel=1e-5)
    assert d.background_scale(2025) == pytest.approx(b["level"] * (32 / 38) ** b["exponent"], rel=1e-6)


@pytest.fixture(scope="module")
def small_fit():
    obs = load_observations().query("indicator == 'pm25_annual_mean'")
    model = _Model.default(members=2, seed=5)
    return calibrate(obs, model=model, fit_ozone=False, tolerance=10.0), obs, model


def test_predict__reproduces_the_fit_residuals_and_scores_new_rows(small_fit):
    res, obs, _ = small_fit
    pred = res.predict(obs)
    np.testing.assert_allclose(pred["modelled"], res.residuals["modelled"], rtol=1e-12)
    np.testing.assert_allclose(pred["residual"], pred["modelled"] - obs["value"].to_numpy(), rtol=1e-12)
    # any (box, year) — also ones never observed — gets a value; no value column needed
    new = pd.DataFrame({"box": ["金坛", "天宁"], "year": [2022, 2015], "indicator": ["pm25_annual_mean"] * 2})
    out = res.predict(new)
    assert out["modelled"].notna().all() and (out["modelled"] > 0).all() and "residual" not in out
    with pytest.raises(InputError, match="unknown indicator"):
        res.predict(new.assign(indicator="no2"))


def test_validate__holds_out_each_year_and_box(small_fit):
    _, obs, model = small_fit
    t = validate(obs, model=model)
    assert list(t.columns) == ["held_out", "box", "year", "observed", "modelled", "error_pct", "reference",
                               "reference_error_pct"]
    # the benchmark columns are the model-free reference_table of the same folds
    ref = reference_table(obs)
    np.testing.assert_allclose(t["reference"], ref["reference"], rtol=1e-12)
    assert t["reference"].isna().sum() == 2     # 江阴 left out: its group has no other box
    names = set(t["held_out"])
    assert {f"year {y}" for y in obs["year"]} | {f"box {b}" for b in obs["box"]} == names
    assert len(t) == 2 * len(obs)            # each row held out once by year, once by box
    np.testing.assert_allclose(t["error_pct"], 100 * (t["modelled"] - t["observed"]) / t["observed"])


def _synthetic(k, e):
    """Rows that follow the benchmark's own law, C = k_group · R(year)^e, exactly."""
    tr = demo().emission_trend
    rows = [("天宁", 2015), ("武进", 2020), ("钟楼", 2021), ("江阴", 2022), ("江阴", 2015)]
    grp = {"天宁": "常州市", "武进": "常州市", "钟楼": "常州市", "江阴": "江阴"}
    df = pd.DataFrame([{"box": b, "year": y, "value": k[grp[b]] * regional_index(tr, y) ** e} for b, y in rows])
    return df, tr, grp


def test_reference_forecast__recovers_its_own_law_and_refuses_nothing_silently():
    k = {"常州市": 0.9, "江阴": 1.4}
    df, tr, grp = _synthetic(k, 1.3)
    train, test = df.iloc[[0, 1, 3, 4]], df.iloc[[2]]
    np.testing.assert_allclose(reference_forecast(train, test, tr, grp), test["value"], rtol=1e-10)
    # one driver value in the training rows: exponent 1, so the box scales with the region
    one = df.iloc[[1]]
    want = one["value"].iloc[0] * regional_index(tr, 2021) / regional_index(tr, 2020)
    np.testing.assert_allclose(reference_forecast(one, df.iloc[[2]], tr, grp), [want], rtol=1e-12)
    # a group with no training row cannot be predicted: NaN, not a guess
    assert np.isnan(reference_forecast(df.iloc[[0, 1]], df.iloc[[3]], tr, grp)[0])


def test_reference_table__matches_the_regression_by_hand():
    t = reference_table()
    row = t[(t["held_out"] == "year 2022") & (t["box"] == "钟楼")].iloc[0]
    # by hand: log C = a_g + e log R on the other 7 observations (numpy lstsq), 钟楼 2022 -> 32.92
    assert row["reference"] == pytest.approx(32.924, abs=2e-3)
    assert t["reference"].isna().sum() == 2 and len(t) == 16


def test_stored_validation_table_covers_every_pm25_observation():
    cal, obs = load_calibration(), load_observations().query("indicator == 'pm25_annual_mean'")
    t = pd.DataFrame(cal["validation"])
    assert len(t) == 2 * len(obs)
    assert t["error_pct"].abs().max() < 35.0   # measured miss (issue goal 5 %); see SOURCES.md


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
    # good-day ratios: one O3 level per year, so a year's boxes cannot all be matched when their
    # observations differ more than the model's boxes do (2020: 天宁 82.0, 武进 80.3, 江阴 77.9; modelled
    # within 0.6 of each other): the largest residual cannot be below half that year's observed
    # spread (2.05 points); the 16-member ensemble adds a Monte-Carlo standard error of 0.81-0.87
    # points to each 2020 residual (measured: member SD 3.2-3.5 points / 4). Bound: the two together.
    # (measured: 2.14 with the split scheme, 2.53 with the exponential scheme, the stored fit)
    spread = max((v.max() - v.min()) / 2 for _, v in
                 obs.query("indicator == 'good_air_days_ratio'").groupby("year")["value"])
    assert max(abs(r["residual"]) for r in gd) < spread + 0.9  # percentage points
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


def test_calibrate__fits_the_o3_levels_with_the_chosen_scheme():
    """calibrate(grs=...) fits the O3 levels with that GRS scheme and records it; the PM2.5 part does
    not depend on O3, so its fit is the same. The exponential scheme gives lower MDA8 than 10-minute
    splitting (more good days at a level), so it needs a higher level for the same good-day ratios."""
    from ecomodel.air.photochem import GRSParameters

    obs = load_observations().query("year == 2020")
    split = calibrate(obs, members=2, seed=1, grs=GRSParameters(scheme="split"))
    expo = calibrate(obs, members=2, seed=1, grs=GRSParameters(scheme="exponential", substeps=1))
    assert split.info["ozone_scheme"] == {"scheme": "split", "substeps_per_hour": 6}
    assert expo.as_dict()["ozone_scheme"] == {"scheme": "exponential", "substeps_per_hour": 1}
    assert expo.local_scale == split.local_scale and expo.background == split.background
    assert expo.ozone_level[2020] > split.ozone_level[2020]


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


@pytest.mark.parametrize("bad", [(0.7, 0.3), (-0.1, 0.5), (0.2, 1.5)])
def test_calibrate__local_share_range_is_checked_before_fitting(bad):
    with pytest.raises(InputError, match="local_share") as exc:
        calibrate(local_share=bad, members=1, fit_ozone=False)
    assert exc.value.field == "local_share"
