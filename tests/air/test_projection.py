"""Trajectories and projections (ecomodel/air/projection.py): seeded, responsive to cuts, read by
targets.check."""

import numpy as np
import pytest
import xarray as xr

from ecomodel.air import project, trajectory
from ecomodel.errors import InputError


def test_trajectory__same_seed_same_result_and_cuts_lower_pm():
    a = trajectory(None, years=[2024, 2025], members=3, seed=4)
    b = trajectory(None, years=[2024, 2025], members=3, seed=4)
    xr.testing.assert_identical(a, b)
    cut = trajectory({2025: {"NOx": 0.3, "SO2": 0.3, "NH3": 0.3, "VOCs": 0.3, "PM2.5": 0.3}}, years=[2024, 2025],
                     members=3, seed=4)
    np.testing.assert_allclose(cut["pm25_annual_mean"].sel(year=2024), a["pm25_annual_mean"].sel(year=2024))
    assert (cut["pm25_annual_mean"].sel(year=2025) < a["pm25_annual_mean"].sel(year=2025)).all()
    assert "常州市" in a["box"].values
    with pytest.raises(InputError, match="consecutive years"):
        trajectory(None, years=[2020, 2022], members=1)


def test_project__is_read_by_targets_check():
    targets = pytest.importorskip("ecomodel.targets")
    p = project(None, years=[2023, 2024, 2025], members=4, seed=3)
    assert p["pm25_annual_mean"].attrs["units"] == "ug/m3" and p["good_air_days_ratio"].attrs["units"] == "%"
    res = targets.check(p, outside="skip")
    rows = res.set_index(["region", "indicator", "target_year"])
    # the plans' targets: Tianning 34 ug/m3 and 83.8 % in 2025 (001:118), Changzhou 31 ug/m3 in 2023 (004:19)
    assert rows.loc[("常州市天宁区", "pm25_annual_mean", 2025), "target_value"] == 34.0
    assert rows.loc[("常州市", "pm25_annual_mean", 2023), "target_value"] == 31.0
    assert 0.0 <= rows["probability"].min() <= rows["probability"].max() <= 1.0
