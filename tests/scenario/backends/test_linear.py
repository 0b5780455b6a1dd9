"""The linear backend (ecomodel/scenario/backends/linear.py): baseline + slope × fraction, exactly."""

import numpy as np
import pytest
import xarray as xr

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Effect
from ecomodel.scenario.backends.linear import LinearBackend
from ecomodel.scenario.schedule import ReductionKey, Reductions


def _backend():
    base = xr.Dataset({"pm25_annual_mean": (("year", "region"), [[36.0], [35.0]], {"units": "ug/m3"})},
                      coords={"year": [2024, 2025], "region": ["常州市"]})
    return LinearBackend("air", base, [{"indicator": "pm25_annual_mean", "match": {"pollutant": "NOx"}, "slope": -6.0}])


def test_linear_response_closed_form():
    b = _backend()
    key = ReductionKey.of(Effect(domain="air", pollutant="NOx", fraction=0.5))
    years = np.array([2024, 2025])
    sched = Reductions(domain="air", years=years, keys=(key,), fractions=np.array([[0.0, 0.5]]))
    ds = b.project_stack("demo", [sched], years, members=3, seed=1, method="full")
    got = ds["pm25_annual_mean"].sel(scenario=0, region="常州市").mean("member").values
    np.testing.assert_allclose(got, [36.0, 35.0 - 6.0 * 0.5], rtol=1e-12)


def test_unknown_effects_and_bad_baselines_are_refused():
    with pytest.raises(ScenarioError, match="no response"):
        _backend().check_effect("demo", Effect(domain="air", pollutant="SO2", fraction=0.1))
    with pytest.raises(ScenarioError, match="domain"):
        LinearBackend("noise", xr.Dataset(), [])
