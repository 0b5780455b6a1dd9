"""Lake box model: Vollenweider closed forms, the exact sediment-pool step, dredging."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ecomodel.errors import InputError
from ecomodel.water.lake import (Lake, dredge, sediment_pool_step, settling_share, vollenweider_1976,
                                 vollenweider_concentration)

YEAR_S = 365 * 86400.0


def test_vollenweider_1975__closed_form():
    # C = L / (Q + v A): 50 t/yr, Q = 5 m3/s, A = 10 km2, v = 12 m/yr
    c = vollenweider_concentration(50.0, 5.0, 10.0, 12.0)
    assert c == pytest.approx(50e6 / (5 * YEAR_S + 12 * 10e6), rel=1e-14)
    np.testing.assert_allclose(vollenweider_concentration([50.0, 100.0], 5.0, 10.0, 12.0), [c, 2 * c])


def test_vollenweider_1976__oecd_form_by_hand():
    # P = (L/A)/q_s / (1 + sqrt(tau)); L = 10 t/yr on 5 km2, Q = 1 m3/s, mean depth 3 m
    L, A, Q, H = 10.0, 5e6, YEAR_S, 3.0
    expected = (L * 1e6 / A) / (Q / A) / (1 + np.sqrt(A * H / Q))
    assert vollenweider_1976(10.0, 1.0, 5.0, 3.0) == pytest.approx(expected, rel=1e-14)


def test_settling_share():
    a = settling_share(2.0, 4.0, 10.0)
    assert a == pytest.approx(40e6 / (2 * YEAR_S + 40e6))


def test_sediment_pool_step__matches_ode_and_is_exact_for_any_step():
    P0, L, a, r, b = 800.0, 60.0, 0.6, 0.05, 0.01

    def rhs(t, P):  # dP/dt = a (L + r P) - (r + b) P
        return a * (L + r * P) - (r + b) * P

    sol = solve_ivp(rhs, (0, 7.0), [P0], rtol=1e-12, atol=1e-12)
    assert sediment_pool_step(P0, L, a, r, b, years=7.0) == pytest.approx(sol.y[0, -1], rel=1e-9)
    one = P0
    for _ in range(7):
        one = sediment_pool_step(one, L, a, r, b, 1.0)
    assert one == pytest.approx(sediment_pool_step(P0, L, a, r, b, 7.0), rel=1e-12)
    assert sediment_pool_step(0.0, 0.0, a, r, 0.0, 0.0) == 0.0


def test_dredge__shares():
    assert dredge(1000.0, 1.5e6, 150.0) == pytest.approx(900.0)
    # 1.5e6 m3 over 10 km2 is 0.15 m, deeper than the 0.1 m active layer: the dredged area's pool goes
    assert dredge(1000.0, 1.5e6, 150.0, dredged_area=10.0) == pytest.approx(1000.0 * (1 - 10 / 150))
    # shallow dredging over a large area takes part of the layer
    assert dredge(1000.0, 1e6, 100.0, dredged_area=20.0) == pytest.approx(1000.0 * (1 - 0.2 * 0.5))


def test_lake__equilibrium_burial_holds_the_pool():
    lk = Lake("L", area=100.0, mean_depth=1.5, settling_velocity=8.0, sediment_p=5000.0, release_rate=0.02,
              burial_rate=0.0)
    b = lk.equilibrium_burial_rate(80.0, 15.0)
    from dataclasses import replace

    lk2 = replace(lk, burial_rate=b)
    assert sediment_pool_step(lk2.sediment_p, 80.0, lk2.settled_share(15.0), 0.02, b, 10.0) == pytest.approx(5000.0)
    assert lk2.steady_pool(80.0, 15.0) == pytest.approx(5000.0)
    assert lk.after_dredging(1e6).sediment_p < lk.sediment_p
    c = lk.concentration(80.0, 15.0)
    assert c == pytest.approx(vollenweider_concentration(80.0 + 100.0, 15.0, 100.0, 8.0))


def test_lake__bad_input():
    with pytest.raises(InputError, match="area: -1.0"):
        Lake("L", area=-1.0, mean_depth=1.0, settling_velocity=1.0, sediment_p=1.0, release_rate=0.0,
             burial_rate=0.0)
    with pytest.raises(InputError, match="more than the whole active layer"):
        dredge(100.0, 1e9, 1.0)
    with pytest.raises(InputError, match="dredged_area: 5.0 km2 exceeds the lake area"):
        dredge(100.0, 1e3, 1.0, dredged_area=5.0)
    with pytest.raises(InputError, match="settled_share"):
        sediment_pool_step(1.0, 1.0, 1.5, 0.1, 0.1)
    with pytest.raises(InputError, match="flow: 0.0"):
        vollenweider_concentration(1.0, 0.0, 1.0, 1.0)
    lk = Lake("L", area=1.0, mean_depth=1.0, settling_velocity=1.0, sediment_p=1e6, release_rate=1.0,
              burial_rate=0.0)
    with pytest.raises(InputError, match="no non-negative burial rate"):
        lk.equilibrium_burial_rate(1.0, 10.0)
