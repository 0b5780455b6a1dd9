"""ecomodel/carbon/demo.py: the shipped demo data set is its documented construction and keeps the plan numbers.
"""

import numpy as np
import pandas as pd

from ecomodel.carbon import demo_balance
from ecomodel.carbon.demo import build_demo_balance, demo_regions


def test_demo__shipped_balance_is_the_documented_construction():
    shipped = pd.read_csv(__import__("ecomodel")._data.data_path("carbon", "demo_energy_balance.csv"))
    built = build_demo_balance()
    pd.testing.assert_frame_equal(shipped, built, check_dtype=False, atol=1e-3)


def test_demo__plan_numbers_are_kept():
    from ecomodel.carbon import co2_inventory

    regions = demo_regions()
    assert regions.loc["常州市", "coal_share_2020_pct"] == 17.5  # 001:41
    assert regions.loc["常州市天宁区", "coal_share_2020_pct"] == 27.6  # 001:41
    assert regions.loc["常州市钟楼区", "coal_share_2020_pct"] == 0.0  # 002:17
    assert regions.loc["常州市武进区", "secondary_pct"] == 50.91  # 000:13
    assert regions.loc["江阴市", "secondary_pct"] == 50.9  # 003:207
    inv = co2_inventory(demo_balance())
    np.testing.assert_allclose(inv["coal_share_energy_pct"].values, [17.5, 25.0, 27.6, 0.0, 35.0], atol=1e-6)
    energy = inv["energy_total"] * 1e4  # tce
    gdp = regions["gdp_2020"].to_numpy() * 1e4  # 10^4 CNY
    np.testing.assert_allclose(energy.values / gdp, regions["energy_intensity_2020"].to_numpy(), rtol=1e-5)
    assert all(isinstance(s, str) and s for s in regions["gdp_source"])
