"""Shared fixtures of the air tests (small sizes: the whole air suite must stay fast)."""

import pytest

from ecomodel.air import demo


@pytest.fixture(scope="session")
def demo_data():
    return demo()


@pytest.fixture(scope="session")
def met_2020(demo_data):
    return demo_data.meteorology(members=3, year=2020, seed=11)
