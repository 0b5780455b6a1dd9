"""Load estimation: exact cases, bias correction and coverage on synthetic series."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import InputError
from ecomodel.water.loads import rating_curve, ratio_estimator

DAYS = pd.date_range("2021-01-01", periods=365)


def synthetic(seed, sigma=0.3):
    rng = np.random.default_rng(seed)
    t = np.arange(365)
    q = np.exp(2.0 + 0.6 * np.sin(2 * np.pi * t / 365) + 0.3 * rng.standard_normal(365))
    conc = 0.12 * (q / 7.0) ** 0.4 * np.exp(sigma * rng.standard_normal(365))
    return q, conc


def test_ratio_estimator__exact_for_constant_concentration():
    q, _ = synthetic(0)
    r = ratio_estimator(q[::14], np.full(q[::14].shape, 0.2), q)
    assert r.load == pytest.approx(86.4 * 0.2 * q.mean() * 365 / 1000, rel=1e-12)
    assert r.se / r.load < 1e-6  # zero up to rounding


def test_ratio_estimator__nearly_unbiased_and_ci_covers():
    hits, errors = 0, []
    for seed in range(60):
        q, c = synthetic(seed)
        truth = (86.4 * q * c).sum() / 1000
        idx = np.arange(5, 365, 14)
        r = ratio_estimator(q[idx], c[idx], q, confidence=0.9)
        errors.append(r.load / truth - 1)
        hits += r.lower <= truth <= r.upper
    assert abs(np.mean(errors)) < 0.03
    assert hits >= 45  # nominal 90 % of 60 = 54; allow sampling noise


def test_rating_curve__exact_model_is_recovered():
    t = np.arange(365)
    q = np.exp(2.0 + 0.5 * np.sin(2 * np.pi * t / 365) + 0.2 * np.cos(t / 9.0))
    lnq = np.log(q / 7.0)
    dec = (t + 0.5) / 365
    lnL = 4.0 + 1.3 * lnq - 0.1 * lnq ** 2 + 0.2 * np.sin(2 * np.pi * dec) - 0.1 * np.cos(2 * np.pi * dec)
    conc = np.exp(lnL) / (86.4 * q)
    r = rating_curve(q[::10], conc[::10], DAYS[::10], q, DAYS, bias_correction="none")
    assert r.load == pytest.approx(np.exp(lnL).sum() / 1000, rel=1e-9)
    assert r.details["coefficients"]["a3_sin"] == pytest.approx(0.2, abs=1e-9)


def test_rating_curve__bias_correction_removes_retransformation_bias():
    ratios = {"none": [], "smearing": [], "ferguson": []}
    for seed in range(30):
        q, c = synthetic(seed, sigma=0.5)
        truth = (86.4 * q * c).sum() / 1000
        idx = np.arange(3, 365, 7)
        for bc in ratios:
            ratios[bc].append(rating_curve(q[idx], c[idx], DAYS[idx], q, DAYS, bias_correction=bc).load / truth)
    # ln-space regression underestimates by about exp(-s^2/2) = 0.88 without correction
    assert np.mean(ratios["none"]) < 0.93
    assert abs(np.mean(ratios["smearing"]) - 1) < 0.05
    assert abs(np.mean(ratios["ferguson"]) - 1) < 0.05


def test_errors():
    q, c = synthetic(1)
    with pytest.raises(InputError, match="2 samples; expected at least 3"):
        ratio_estimator(q[:2], c[:2], q)
    with pytest.raises(InputError, match="differ in length"):
        ratio_estimator(q[:5], c[:4], q)
    with pytest.raises(InputError, match="flow: -1.0"):
        ratio_estimator(np.array([1.0, -1.0, 2.0]), c[:3], q)
    with pytest.raises(InputError, match="confidence"):
        ratio_estimator(q[:10], c[:10], q, confidence=1.5)
    with pytest.raises(InputError, match="concentrations must be > 0"):
        rating_curve(q[:10], np.zeros(10), DAYS[:10], q, DAYS)
    with pytest.raises(InputError, match="bias_correction"):
        rating_curve(q[:10], c[:10], DAYS[:10], q, DAYS, bias_correction="mvue")
    with pytest.raises(InputError, match="expected at least 8"):
        rating_curve(q[:5], c[:5], DAYS[:5], q, DAYS)
