"""Typed reduction keys and schedules (ecomodel/scenario/schedule.py)."""

import numpy as np

from ecomodel.scenario import Cost, Effect, Measure, Package
from ecomodel.scenario.schedule import ReductionKey, reduction_schedule


def test_reduction_key_round_trips_between_effect_tuple_and_key():
    e = Effect(domain="air", pollutant="NOx", sector="industry", region="常州市", fraction=0.3)
    k = ReductionKey.of(e)
    assert (k.domain, k.pollutant, k.sector, k.region) == ("air", "NOx", "industry", "常州市")
    assert ReductionKey.of(tuple(k)) == k and ReductionKey.of(k) == k
    assert ReductionKey.of(k.effect(0.3)) == k and k.effect(0.3).fraction == 0.3


def test_schedule_ramps_and_combines_multiplicatively():
    """Two measures on one key: remaining share is the product, each ramped linearly from its start."""
    def m(id, start, ramp, f):
        return Measure(id=id, name=id, domain="air", start=start, ramp_years=ramp, cost=Cost(annual=1.0),
                       effects=(Effect(domain="air", pollutant="NOx", sector="industry", fraction=f),))

    years = np.arange(2021, 2027)
    s = reduction_schedule(Package("p", (m("a", 2022, 1, 0.5), m("b", 2023, 2, 0.4))), years, "air")
    (key,) = s.keys
    got = [s.at(int(y)).get(key, 0.0) for y in years]
    expected = [0.0, 0.5, 1 - 0.5 * (1 - 0.2), 1 - 0.5 * 0.6, 1 - 0.5 * 0.6, 1 - 0.5 * 0.6]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
