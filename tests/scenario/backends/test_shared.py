"""Helpers shared by the backends (ecomodel/scenario/backends/_shared.py)."""

import pytest

from ecomodel.errors import ScenarioError
from ecomodel.scenario import Effect
from ecomodel.scenario.backends import _shared


def test_where_names_the_effect_and_cached_computes_once():
    e = Effect(domain="air", pollutant="NOx", sector="industry", region="常州市", fraction=0.3)
    assert "NOx" in _shared._where(e) and "30" in _shared._where(e)
    calls = []
    key = ("test-shared", object())
    assert _shared._cached(key, lambda: calls.append(1) or 7) == 7
    assert _shared._cached(key, lambda: calls.append(1) or 8) == 7 and calls == [1]


def test_demo_base_refuses_other_bases():
    with pytest.raises(ScenarioError):
        _shared._demo_base("my_city", "air")
