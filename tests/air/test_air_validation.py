"""Background trend, predict() and the leave-one-out validation table."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.air.calibration import _Model, background_factor, calibrate, regional_index, validate
from ecomodel.air.demodata import demo, load_calibration, load_observations
from ecomodel.errors import InputError


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
    assert list(t.columns) == ["held_out", "box", "year", "observed", "modelled", "error_pct"]
    names = set(t["held_out"])
    assert {f"year {y}" for y in obs["year"]} | {f"box {b}" for b in obs["box"]} == names
    assert len(t) == 2 * len(obs)            # each row held out once by year, once by box
    np.testing.assert_allclose(t["error_pct"], 100 * (t["modelled"] - t["observed"]) / t["observed"])


def test_stored_validation_table_covers_every_pm25_observation():
    cal, obs = load_calibration(), load_observations().query("indicator == 'pm25_annual_mean'")
    t = pd.DataFrame(cal["validation"])
    assert len(t) == 2 * len(obs)
    assert t["error_pct"].abs().max() < 35.0   # measured miss (issue goal 5 %); see SOURCES.md
