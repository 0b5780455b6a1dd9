"""Importing the water package and its topic modules compiles nothing and pulls in no numba."""

import subprocess
import sys

import pytest

import ecomodel.water as water

MODULES = ["network", "transport", "steadystate", "routing", "_inputs", "_chain", "sources", "lake", "sections", "calibration", "loads", "wujin", "projection"]


def test_topic_modules_import_without_numba_or_scipy():
    code = ("import sys, ecomodel.water; " + "; ".join(f"import ecomodel.water.{m}" for m in MODULES)
            + "; print(','.join(m for m in ('numba', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("name", sorted(water.__all__))
def test_public_api_resolves_and_is_documented(name):
    obj = getattr(water, name)
    if callable(obj):
        assert obj.__doc__ and len(obj.__doc__) > 40, name
    with pytest.raises(AttributeError):
        water.not_a_thing  # noqa: B018
