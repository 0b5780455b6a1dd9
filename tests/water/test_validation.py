"""Bootstrap uncertainty and leave-one-section-out validation of the water calibration."""

import numpy as np
import pytest

from ecomodel.errors import EcomodelError
from ecomodel.water import calibrate, demo
from ecomodel.water.validation import bootstrap, validate


def test_wujin_tp_baselines_within_2_percent():
    means = demo().section_means()["TP"]
    for site, value in {"姚巷桥": 0.146, "黄埝桥": 0.138, "百渎港桥": 0.147}.items():   # 000:791, 801, 811
        assert abs(means[site] / value - 1) < 0.02


def test_validate_holds_out_each_section():
    t = validate()
    assert sorted(t.index) == sorted(demo().observations["site"])
    np.testing.assert_allclose(t["error"], t["predicted"] - t["observed"])
    np.testing.assert_allclose(t["relative_error_pct"], 100 * t["error"] / t["observed"])
    # the held-out prediction is the model run with the parameters refitted without that section
    r = calibrate(exclude=["黄埝桥"], max_abs_z=np.inf, raise_on_failure=False)
    assert t.loc["黄埝桥", "tp_diffuse_multiplier"] == pytest.approx(r.parameters.loc["tp_diffuse_multiplier", "value"])
    pred = demo(calibrated=False).with_parameters(**r.parameters["value"].to_dict()).section_means().loc["黄埝桥", "TP"]
    assert t.loc["黄埝桥", "predicted"] == pytest.approx(pred)
    # out-of-sample errors are larger than the in-sample ones but stay within 10 %
    assert (t["relative_error_pct"].abs() < 10).all()


def test_bootstrap_spread_and_reproducibility():
    b = bootstrap(replicates=6, seed=3)
    assert list(b.index) == ["tp_diffuse_multiplier", "tp_river_loss_multiplier"]
    assert (b["boot_sd"] > 0).all() and (b["p2_5"] <= b["p97_5"]).all()
    draws = b.attrs["draws"]
    assert draws.shape == (6, 2)
    lo, hi = 0.2, 5.0
    assert ((draws >= lo - 1e-9) & (draws <= hi + 1e-9)).all().all()
    again = bootstrap(replicates=6, seed=3)
    np.testing.assert_array_equal(again.attrs["draws"].values, draws.values)


def test_bad_input_is_named():
    with pytest.raises(EcomodelError, match="replicates"):
        bootstrap(replicates=1)
    with pytest.raises(EcomodelError, match="'金潼桥'"):
        calibrate(exclude=["金潼桥"])


def test_stored_bootstrap_interval_brackets_the_estimate():
    cal = demo().calibration
    assert ((cal["p2_5"] <= cal["value"]) & (cal["value"] <= cal["p97_5"])).all()
    assert (cal["boot_sd"] > 0).all()
    assert cal.loc["tp_river_loss_multiplier", "p97_5"] == 5.0   # unconstrained: the whole allowed range
