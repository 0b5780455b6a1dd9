"""The package itself: light import, errors, units, numba policy."""

import subprocess
import sys

import numpy as np
import pytest

import ecomodel
from ecomodel import units
from ecomodel.errors import EcomodelError, InputError, TargetError, UnitError, close_matches


def test_import_ecomodel__pulls_in_no_heavy_module():
    code = (
        "import sys, ecomodel; "
        "heavy = [m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_subpackages_resolve():
    assert ecomodel.units is units
    with pytest.raises(AttributeError):
        ecomodel.not_a_module  # noqa: B018


def test_errors__hierarchy_and_message():
    err = TargetError("unknown site 'X'", field="site", value="X")
    assert isinstance(err, EcomodelError) and isinstance(err, KeyError)
    assert str(err) == "unknown site 'X'"  # not KeyError's repr
    assert issubclass(UnitError, ValueError)
    assert "did you mean 'PM2.5'" in close_matches("PM25", ["PM2.5", "SO2"])


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


def test_as_float_array__names_field_and_position():
    from ecomodel._checks import as_float_array, check_fraction

    with pytest.raises(InputError, match=r"flow: -1.0 at 'b'.*expected values >= 0"):
        as_float_array([1.0, -1.0], "flow", labels=["a", "b"])
    with pytest.raises(InputError, match="flow: nan at index 0"):
        as_float_array([np.nan], "flow")
    with pytest.raises(InputError, match="between 0 and 1"):
        check_fraction([0.5, 1.5], "fraction")


def test_numba_policy__safe_fastmath_only():
    from ecomodel import _numba

    assert {"nnan", "ninf", "fast"}.isdisjoint(_numba.SAFE_FASTMATH)
    with pytest.raises(ValueError):
        _numba.jit(fastmath={"nnan"})
    with pytest.raises(ValueError):
        _numba.jit(signature="f8(f8)")

    @_numba.jit
    def twice(x):
        return 2.0 * x

    assert twice(2.0) == 4.0
    assert twice(np.nan) != twice(np.nan)  # NaN semantics kept


def test_cli__help_and_version(capsys):
    from ecomodel.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "ecomodel" in capsys.readouterr().out
