"""ecomodel/standards/_common.py: the shared input checks (negative, NaN, text, infinite values and where
they are) and the coordinate check of broadcast(), seen through the public functions.
"""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import standards
from ecomodel.errors import EcomodelError, StandardsError


def test_aqi__dataarrays_must_share_coordinates():
    a = xr.DataArray([10.0, 20.0], coords={"time": [0, 1]}, dims="time")
    b = xr.DataArray([10.0, 20.0], coords={"time": [1, 2]}, dims="time")
    with pytest.raises(StandardsError, match="do not share coordinates"):
        standards.aqi({"PM2.5": a, "NO2": b})


def test_bad_input__negative_nan_text():
    with pytest.raises(StandardsError, match=r"PM2.5: -5.0 at index 1 \(1 value in all\); a concentration cannot be "
                                             "negative"):
        standards.iaqi("PM2.5", [10.0, -5.0])
    with pytest.raises(StandardsError, match=r"PM2.5: NaN at index 1 \(2 values in all\)"):
        standards.iaqi("PM2.5", [10.0, np.nan, np.nan])
    da = xr.DataArray([10.0, np.nan], coords={"time": pd.date_range("2023-01-01", periods=2)}, dims="time")
    with pytest.raises(StandardsError, match="NaN at 'time=2023-01-02'"):
        standards.iaqi("PM2.5", da)
    with pytest.raises(StandardsError, match="could not read 'abc'"):
        standards.iaqi("PM2.5", "abc")
    with pytest.raises(StandardsError, match="expected finite"):
        standards.iaqi("PM2.5", np.inf)
    err = pytest.raises(EcomodelError, standards.iaqi, "PM2.5", -1.0).value
    assert isinstance(err, ValueError) and err.field == "PM2.5" and err.value == -1.0
