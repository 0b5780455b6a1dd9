"""Shared fixtures of the water tests."""

import pytest

from ._reference import random_network


@pytest.fixture(scope="module")
def rng_net():
    """30 reaches with splits and a lake (see tests.water._reference.random_network)."""
    return random_network(7, 30, 0.25, True)[0], ["TP", "COD"]
