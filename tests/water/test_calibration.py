"""Calibration: recovery of known parameters, refusal of poor fits, the stored demo calibration."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import CalibrationError, InputError
from ecomodel.water import calibrate, demo
from ecomodel.water.calibration import fit


def test_fit__recovers_parameters_and_standard_errors_of_a_line():
    x = np.linspace(0, 1, 20)
    rng = np.random.default_rng(0)
    y = 2.0 + 3.0 * x + rng.normal(0, 0.1, 20)
    r = fit(lambda p: p["a"] + p["b"] * x, y, 0.1, {"a": (0, -10, 10), "b": (0, -10, 10)})
    X = np.column_stack([np.ones(20), x])
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    cov = 0.01 * np.linalg.inv(X.T @ X)
    np.testing.assert_allclose(r.parameters["value"], beta, rtol=1e-7)
    np.testing.assert_allclose(r.parameters["se"], np.sqrt(np.diag(cov)), rtol=1e-6)
    assert r.success and r.dof == 18 and "success" in str(r)


def test_fit__refuses_poor_fit_bounds_and_unidentifiable():
    x = np.linspace(0, 1, 10)
    y = np.sin(6 * x)
    with pytest.raises(CalibrationError, match="poor fit"):
        fit(lambda p: p["a"] + p["b"] * x, y, 0.01, {"a": (0, -10, 10), "b": (0, -10, 10)})
    with pytest.raises(CalibrationError, match="parameter 'a' is on its bound"):
        fit(lambda p: p["a"] * np.ones(3), [5.0, 5.0, 5.0], 0.1, {"a": (0.5, 0.0, 1.0)})
    r = fit(lambda p: (p["a"] + p["b"]) * np.ones(3), [1.0, 1.0, 1.0], 0.1, {"a": (0.2, -5, 5), "b": (0.1, -5, 5)},
            raise_on_failure=False)
    assert not r.success and "not identifiable" in r.reason
    with pytest.raises(InputError, match="initial 3 must lie in"):
        fit(lambda p: np.ones(2), [1, 1], 1.0, {"a": (3, 0, 1)})
    with pytest.raises(InputError, match="2 parameters for 1 observations"):
        fit(lambda p: np.ones(1), [1], 1.0, {"a": (0, -1, 1), "b": (0, -1, 1)})
    with pytest.raises(CalibrationError, match="expected 2 finite values"):
        fit(lambda p: np.array([np.nan, 1.0]), [1, 1], 1.0, {"a": (0, -1, 1)})


def test_calibrate__reproduces_stored_demo_calibration_and_2021_means():
    r = calibrate()
    stored = demo().calibration
    np.testing.assert_allclose(r.parameters["value"], stored.loc[r.parameters.index, "value"], rtol=1e-3)
    np.testing.assert_allclose(r.parameters["se"], stored.loc[r.parameters.index, "se"], rtol=1e-3)
    # 2021 plan means (000:791, 801, 811) reproduced within 3 assumed standard errors
    assert (r.residuals["z"].abs() < 3).all()
    obs = pd.Series({"姚巷桥": 0.146, "黄埝桥": 0.138, "百渎港桥": 0.147})
    np.testing.assert_allclose(r.residuals.loc[obs.index, "observed"], obs)
    means = demo().section_means()["TP"]
    np.testing.assert_allclose(means[obs.index], obs, atol=0.005)


def test_calibrate__refuses_impossible_observations():
    d = demo(calibrated=False)
    obs = d.observations.copy()
    obs.loc[obs["site"] == "黄埝桥", "value"] = 0.5
    from dataclasses import replace

    with pytest.raises(CalibrationError, match="calibration refused"):
        calibrate(replace(d, observations=obs))
    with pytest.raises(InputError, match="no TP observations in 1999"):
        calibrate(year=1999)
