"""The package itself (ecomodel/__init__.py): a light import and the version.

Errors, units, the input checks and the numba policy are tested in test_errors.py, test_units.py,
test_checks.py and test_numba.py."""

import subprocess
import sys

import pytest


def test_import_ecomodel__pulls_in_no_heavy_module():
    code = (
        "import sys, ecomodel; "
        "heavy = [m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli__help_and_version(capsys):
    from ecomodel.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "ecomodel" in capsys.readouterr().out
