"""ecomodel/units.py: conversions at the boundary and the units attribute of DataArrays.
"""

import numpy as np
import pytest

from ecomodel import units
from ecomodel.errors import UnitError


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1.0, "mg/L", "ug/L", 1000.0),
        (1.0, "mg/L", "g/m3", 1.0),
        (365.0, "t/yr", "kg/d", 1000.0),
        (1.0, "m3/s", "m3/d", 86400.0),
        (1.0, "10^4 m3/d", "m3/s", 1e4 / 86400),
        (1.0, "Mt", "t", 1e6),
        (50.0, "%", "1", 0.5),
        (20.0, "degC", "K", 293.15),
        (1.0, "tce", "GJ", 29.3076),
        (1.0, "µg/m³", "mg/m3", 1e-3),
    ],
)
def test_convert__known_factors(value, src, dst, expected):
    assert units.convert(value, src, dst) == pytest.approx(expected)


def test_convert__round_trip_and_arrays():
    x = np.array([0.1, 2.0, 30.0])
    np.testing.assert_allclose(units.convert(units.convert(x, "t/yr", "kg/d"), "kg/d", "t/yr"), x)


def test_convert__bad_units_raise_clear_errors():
    with pytest.raises(UnitError, match="unknown unit 'mg/LL'.*did you mean"):
        units.canonical("mg/LL")
    with pytest.raises(UnitError, match="cannot convert 'mg/L'.*'m3/s'"):
        units.convert(1.0, "mg/L", "m3/s")


def test_require__reads_units_attribute():
    xr = pytest.importorskip("xarray")
    da = xr.DataArray([1.0, 2.0], attrs={"units": "ug/L"})
    out = units.require(da, "mg/L", field="tp")
    np.testing.assert_allclose(out.values, [1e-3, 2e-3])
    assert out.attrs["units"] == "mg/L"
    with pytest.raises(UnitError, match="tp: no 'units'"):
        units.require(xr.DataArray([1.0]), "mg/L", field="tp")
