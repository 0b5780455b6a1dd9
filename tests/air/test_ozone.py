"""The statistical O3 series (ecomodel/air/ozone.py), kept as ``ozone='statistical'`` and as the seasonal
shape of the photochemical model's background."""

import numpy as np


def test_statistical_series__positive_seeded_and_proportional_to_the_level(met_2020):
    from ecomodel.air import generate_ozone

    one = generate_ozone(met_2020, seed=5)
    again = generate_ozone(met_2020, seed=5)
    double = generate_ozone(met_2020, level=2.0, seed=5)
    assert (one.values > 0).all() and np.isfinite(one.values).all()
    np.testing.assert_array_equal(one.values, again.values)  # same seed, same series
    np.testing.assert_allclose(double.values, 2.0 * one.values, rtol=1e-12)  # the level scales the series
    # summer (Jun-Sep) O3 above winter (Dec-Feb), as the monthly climatology says
    month = one["time"].dt.month
    assert float(one.where(month.isin([6, 7, 8, 9])).mean()) > float(one.where(month.isin([12, 1, 2])).mean())
