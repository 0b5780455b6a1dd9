"""The kernel's own elementary functions and its member blocking, against numpy and plain loops.

The box-model kernel evaluates exp/log, the NH4NO3 constant and the partitioning without branches
so that a loop over a block of members vectorises; these must equal the readable versions.
"""

import math

import numpy as np
import pytest

from ecomodel.air import Domain, Inventory, ProcessParameters, simulate
from ecomodel.air import _kernels as K
from ecomodel.air.chemistry import nitrate_dissociation_constant


def test_exp__matches_numpy_to_a_few_ulp_and_handles_the_edges():
    x = np.concatenate([np.linspace(-707.0, 709.0, 3001), np.linspace(-1.0, 1.0, 1001), [0.0, -0.0, 1e-300]])
    ours = np.array([K._exp(v) for v in x])
    np.testing.assert_allclose(ours, np.exp(x), rtol=1e-15, atol=0.0)
    # below the normal range it flushes to zero (the true value is < 3.1e-308)
    for v in (-708.5, -745.0, -1e4, -np.inf):
        assert K._exp(v) == 0.0
    assert K._exp(710.0) == np.inf and K._exp(np.inf) == np.inf
    assert math.isnan(K._exp(np.nan))


def test_log__matches_numpy_to_a_few_ulp():
    x = np.concatenate([np.logspace(-300, 300, 3001), np.linspace(0.5, 2.0, 1001), [1.0, 2.0, math.sqrt(2.0)]])
    ours = np.array([K._log(v) for v in x])
    ref = np.log(x)
    np.testing.assert_allclose(ours, ref, rtol=0.0, atol=1e-15 * np.maximum(1.0, np.abs(ref)).max())
    assert K._log(1.0) == 0.0


def test_kp_lane__equals_the_numpy_constant_on_both_sides_of_the_deliquescence_rh():
    t = np.repeat(np.linspace(250.0, 320.0, 29), 23)
    rh = np.tile(np.concatenate([np.linspace(0.02, 0.98, 22), [0.999999]]), 29)
    ours = np.array([K._kp_nitrate_lane(a, b, 101325.0) for a, b in zip(t, rh)])
    ref = nitrate_dissociation_constant(t, rh, unit="umol2", pressure=101325.0)
    np.testing.assert_allclose(ours, ref, rtol=1e-13)
    scalar = np.array([K._kp_nitrate(a, b, 101325.0) for a, b in zip(t, rh)])
    np.testing.assert_allclose(ours, scalar, rtol=1e-13)


def test_partition_lane__equals_the_branchy_partition_including_edge_cases():
    rng = np.random.default_rng(7)
    cases = [tuple(v) for v in rng.uniform(-0.05, 0.4, size=(400, 3))]
    kps = list(rng.uniform(0.0, 0.02, 400))
    # exact ammonia neutralisation, zero nitrate, zero constant, negative inputs
    cases += [(0.1, 0.2, 0.3), (0.1, 0.2, 0.0), (0.0, 0.0, 0.0), (0.05, 0.3, 0.2), (-0.1, 0.2, 0.1), (0.1, 0.3, 0.1)]
    kps += [1e-3, 1e-3, 0.0, 0.0, 1e-3, 0.0]
    for (s, ta, tn), kp in zip(cases, kps):
        lane = K._partition_lane(s, ta, tn, kp)
        ref = K._partition(s, ta, tn, kp)
        np.testing.assert_allclose(lane, ref, rtol=1e-13, atol=1e-15)
        assert all(v >= 0.0 for v in lane)


def _phi_psi_reference(x):
    """φ(x) = (eˣ − 1)/x and ψ(x) = (φ − 1)/x in extended precision (series near 0)."""
    x = np.longdouble(x)
    if abs(x) < 1e-2:
        terms = [x ** k / np.longdouble(math.factorial(k + 2)) for k in range(12)]
        psi = sum(terms)
        return float(1 + x * psi), float(psi)
    phi = np.expm1(x) / x
    return float(phi), float((phi - 1) / x)


def test_phi_psi__with_one_division_for_six_groups_match_extended_precision():
    xs = np.array([0.0, -1e-15, -1e-9, -5e-4, -9.99e-4, -1.001e-3, -2e-3, -0.1, -0.7, -1.0, -3.0, -40.0,
                   -800.0, -5500.0, -1e5])
    for k in range(0, len(xs) - 5):
        six = xs[k:k + 6]
        inv = K._recip6(*[K._xsafe(v) for v in six])
        for x, i in zip(six, inv):
            assert i == pytest.approx(1.0 / min(x, -1e-3), rel=1e-14)
            ph, ps = K._phi_psi(x, i, K._exp(x))
            ph_ref, ps_ref = _phi_psi_reference(x)
            assert ph == pytest.approx(ph_ref, rel=1e-12, abs=1e-300)
            assert ps == pytest.approx(ps_ref, rel=1e-9, abs=1e-300)


def _toy_case(members, days=12):
    dom = Domain.grid(2, 1, cell_km=6.0, background_km2=5e3)
    rows = [(b, "industry", p, v) for b in dom.boxes
            for p, v in (("SO2", 900.0), ("NOx", 1500.0), ("NH3", 400.0), ("VOCs", 2000.0), ("PM2.5", 700.0))]
    from ecomodel.air import demo

    met = demo().meteorology(members=members, year=2021, seed=12).isel(time=slice(0, days))
    return dom, Inventory.from_records(rows), met


def test_member_blocks__every_member_is_independent_of_its_block_and_lane():
    """35 members fill one block of LANES and part of a padded second one; each member's series is the
    same as when it runs alone (lane 0 of a block padded with copies of itself)."""
    dom, inv, met = _toy_case(K.LANES + 3)
    together = simulate(inv, met, domain=dom, spinup_days=0)
    for m in (0, 5, K.LANES - 1, K.LANES, K.LANES + 2):
        alone = simulate(inv, met.isel(member=[m]), domain=dom, spinup_days=0)
        for v in together.data_vars:
            np.testing.assert_allclose(alone[v].values[:, 0], together[v].values[:, m], rtol=1e-13, atol=1e-13)


def test_parallel_kernel__equals_the_serial_kernel():
    from ecomodel.air.box import _run
    from ecomodel.air.emissions import schedule_factors
    from ecomodel.air.meteorology import meteorology_arrays

    dom, inv, met = _toy_case(2 * K.LANES + 5, days=8)
    arr, dates, _ = meteorology_arrays(met)
    flux, period, _ = inv.fluxes(dom, dates, schedule_factors(None, inv, [2021], domain=dom))
    args = (dom, flux[None], period, np.zeros(arr["wind"].shape[0], dtype=np.int64), arr, ProcessParameters())
    serial, s_state = _run(*args, chemistry=True, components=True, substeps=2, spinup_days=3)
    import ecomodel.air.box as box

    old = box._PARALLEL_THRESHOLD
    box._PARALLEL_THRESHOLD = 0
    try:
        parallel, p_state = _run(*args, chemistry=True, components=True, substeps=2, spinup_days=3)
    finally:
        box._PARALLEL_THRESHOLD = old
    np.testing.assert_array_equal(parallel, serial)
    np.testing.assert_array_equal(p_state, s_state)
