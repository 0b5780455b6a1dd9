"""The GRS O3 kernel (ecomodel/air/_o3kernels.py): the exact NO + O3 ⇌ NO2 step and the vectorised day
step against each box alone."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel.air import photochem as pc


@settings(max_examples=30, deadline=None)
@given(no=st.floats(0.0, 200.0), no2=st.floats(0.0, 200.0), o3=st.floats(0.0, 200.0), j=st.floats(0.0, 1.0),
       dt=st.floats(0.1, 60.0))
def test_ps_step_conserves_nox_and_ox_and_stays_positive(no, no2, o3, j, dt):
    from ecomodel.air import _o3kernels as k

    k4 = 2.643 * np.exp(-1370.0 / 290.0)
    a, b, c = k._ps_step(no, no2, o3, k4, j, dt)
    assert min(a, b, c) >= 0.0
    assert a + b == pytest.approx(no + no2, rel=1e-9, abs=1e-9)
    assert c + b == pytest.approx(o3 + no2, rel=1e-9, abs=1e-9)


def test_ps_step_dark_equal_no_and_o3_closed_form():
    # j = 0 and [NO] = [O3] = a: a/(1 + k4 a t) remains of each (second-order decay)
    from ecomodel.air import _o3kernels as k

    k4, a, t = 0.03, 40.0, 10.0
    no, no2, o3 = k._ps_step(a, 5.0, a, k4, 0.0, t)
    assert no == pytest.approx(a / (1 + k4 * a * t), rel=1e-9) and o3 == pytest.approx(no, rel=1e-12)
    assert no2 == pytest.approx(5.0 + a - no, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), doy=st.integers(1, 365))
def test_boxes_advanced_together_equal_each_box_alone(seed, doy):
    """The kernel runs a day's boxes together (box loop innermost, branch-free SIMD lanes): each box
    must follow exactly the path it follows alone, from any state, by day and by night, and the
    recorded composition (the regional box's, the others' inflow) is that box's hourly mean."""
    from ecomodel.air import _o3kernels as k

    rng = np.random.default_rng(seed)
    nb = 5
    g = pc.GRSParameters(scheme="split")
    par = g.vector()
    jrow = pc.photolysis_table(np.array([doy]))[0]
    inflow = np.column_stack([rng.uniform(0, 5, 24), rng.uniform(0, 20, 24), rng.uniform(10, 90, 24),
                              rng.uniform(5, 60, 24)])
    state = np.column_stack([rng.uniform(0, 30, nb), rng.uniform(0, 40, nb), rng.uniform(0, 80, nb),
                             rng.uniform(0, 200, nb), rng.uniform(0, 5, nb)])
    e_nox, e_voc = rng.uniform(0, 5e4, nb), rng.uniform(0, 8e4, nb)
    vent = rng.uniform(2, 30, nb)
    prof, profv = np.asarray(g.nox_profile, dtype=float), np.asarray(g.voc_profile, dtype=float)
    weather = (float(rng.uniform(300, 1800)), float(rng.uniform(265, 305)), float(rng.uniform(0.3, 1.0)))
    together = state.copy()
    hourly = np.empty((24, nb))
    k._local_day(together, np.arange(nb), e_nox, e_voc, vent, *weather, jrow, inflow, prof, profv, par, hourly,
                 np.empty((1, 4)))
    for b in range(nb):
        alone = state.copy()
        one, record = np.empty((24, 1)), np.empty((24, 4))
        k._local_day(alone, np.array([b]), e_nox, e_voc, vent, *weather, jrow, inflow, prof, profv, par, one, record)
        np.testing.assert_allclose(together[b], alone[b], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(hourly[:, b], one[:, 0], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(record[:, 2], one[:, 0])
        assert (record >= 0).all()


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.0, 300.0), x=st.floats(0.0, 300.0), j=st.floats(0.0, 1.0), temp=st.floats(260.0, 310.0))
def test_photostationary_split_is_the_root_in_range(a, x, j, temp):
    """NO2 of the partition of NOx *a* and Ox *x*: in [0, min(a, x)] and k4·NO·O3 = J·NO2."""
    from ecomodel.air import _o3kernels as k

    k4 = 2.643 * np.exp(-1370.0 / temp)
    z = k._split(a, x, k4, j)
    assert 0.0 <= z <= min(a, x) + 1e-12
    assert k4 * (a - z) * (x - z) == pytest.approx(j * z, rel=1e-6, abs=1e-6 * (1 + k4 * a * x))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), doy=st.integers(1, 365))
def test_exponential_day_conserves_nitrogen_and_stays_positive(seed, doy):
    """A closed box (no exchange, no emission, constant mixed layer): NO + NO2 + nitrate is constant
    through a day of the exponential scheme, by day and by night, and nothing goes negative; with
    exchange and emissions every box advanced together equals the box alone."""
    from ecomodel.air import _o3kernels as k

    rng = np.random.default_rng(seed)
    nb = 4
    g = pc.GRSParameters(scheme="exponential", substeps=int(rng.integers(1, 4)))
    par = g.vector()
    par[k.P_NIGHT] = 1.0  # night height = day height: no entrainment
    jrow = pc.photolysis_table(np.array([doy]))[0]
    inflow = np.column_stack([rng.uniform(0, 5, 24), rng.uniform(0, 20, 24), rng.uniform(10, 90, 24),
                              rng.uniform(5, 60, 24)])
    state = np.column_stack([rng.uniform(0, 30, nb), rng.uniform(0, 40, nb), rng.uniform(0, 80, nb),
                             rng.uniform(0, 200, nb), rng.uniform(0, 5, nb)])
    prof, profv = np.asarray(g.nox_profile, dtype=float), np.asarray(g.voc_profile, dtype=float)
    weather = (float(rng.uniform(300, 1800)), float(rng.uniform(265, 305)), float(rng.uniform(0.3, 1.0)))
    closed = state.copy()
    hourly = np.empty((24, nb))
    k._local_day_exp(closed, np.arange(nb), np.zeros(nb), rng.uniform(0, 8e4, nb), np.zeros(nb), *weather, jrow,
                     inflow, prof, profv, par, hourly, np.empty((1, 4)))
    n0, n1 = state[:, [0, 1, 4]].sum(axis=1), closed[:, [0, 1, 4]].sum(axis=1)
    np.testing.assert_allclose(n1, n0, rtol=1e-9, atol=1e-9)
    assert (closed >= 0).all() and (hourly >= 0).all()
    par = g.vector()
    e_nox, e_voc, vent = rng.uniform(0, 5e4, nb), rng.uniform(0, 8e4, nb), rng.uniform(2, 30, nb)
    together = state.copy()
    k._local_day_exp(together, np.arange(nb), e_nox, e_voc, vent, *weather, jrow, inflow, prof, profv, par, hourly,
                     np.empty((1, 4)))
    assert (together >= 0).all() and np.isfinite(together).all()
    for b in range(nb):
        alone, one = state.copy(), np.empty((24, 1))
        k._local_day_exp(alone, np.array([b]), e_nox, e_voc, vent, *weather, jrow, inflow, prof, profv, par, one,
                         np.empty((24, 4)))
        np.testing.assert_allclose(together[b], alone[b], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(hourly[:, b], one[:, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("regional", [2, -1])
def test_member_lanes_equal_the_per_member_exponential_kernel(regional):
    """run_grs_exp_lanes (members in SIMD lanes, the exponential scheme's path in simulate_o3) follows
    each member as run_grs does member by member: a random case with a partial last chunk
    (11 members = 8 + 3), several periods, a regional box or none, hourly output kept. Not
    bit-identical (the vectorised code rounds differently under the kernels' fast-math flags):
    MDA8 within 1e-12 relative, hourly O3 within 1e-12 relative or 1e-10 ppb (titrated night hours)."""
    from ecomodel.air import _o3kernels as k

    rng = np.random.default_rng(16)
    n_m, n_d, n_b, n_p = 11, 6, 5, 2
    e_nox = rng.uniform(0.0, 3e5, (n_p, n_b))
    e_voc = rng.uniform(0.0, 3e5, (n_p, n_b))
    period = rng.integers(0, n_p, n_d).astype(np.int64)
    vent = rng.uniform(5.0, 200.0, (n_m, n_d, n_b))
    mixh = rng.uniform(300.0, 1800.0, (n_m, n_d))
    temp = rng.uniform(265.0, 310.0, (n_m, n_d))
    cloud = rng.uniform(0.3, 1.0, (n_m, n_d))
    jtab = pc.photolysis_table(rng.integers(1, 366, n_d))
    bg = rng.uniform(10.0, 60.0, (n_m, n_d))
    g = pc.GRSParameters(scheme="exponential", substeps=1)
    outs = []
    for kernel in (k.run_grs, k.run_grs_exp_lanes):
        mda8, hourly = np.zeros((n_m, n_d, n_b)), np.zeros((n_m, n_d, 24, n_b))
        kernel(e_nox, e_voc, period, vent, mixh, temp, cloud, jtab, bg, np.asarray(g.nox_profile, dtype=float),
               np.asarray(g.voc_profile, dtype=float), g.vector(), 2, regional, mda8, hourly, True)
        outs.append((mda8, hourly))
    (m_old, h_old), (m_new, h_new) = outs
    assert m_old.min() > 0.0
    np.testing.assert_allclose(m_new, m_old, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(h_new, h_old, rtol=1e-12, atol=1e-10)


def test_member_lanes_are_bit_identical_on_one_and_two_threads():
    """run_grs_exp_lanes spreads its chunks of LANES members over numba threads (prange); every chunk
    is independent (own state and work arrays, no reduction across threads), so one thread and two
    give the same bits: 21 members (2 full chunks and a partial one), regional box, hourly output."""
    from ecomodel._numba import threads
    from ecomodel.air import _o3kernels as k

    rng = np.random.default_rng(7)
    n_m, n_d, n_b = 2 * k.LANES + 5, 5, 4
    e_nox, e_voc = rng.uniform(0.0, 3e5, (1, n_b)), rng.uniform(0.0, 3e5, (1, n_b))
    g = pc.GRSParameters(scheme="exponential", substeps=1)
    args = (e_nox, e_voc, np.zeros(n_d, dtype=np.int64), rng.uniform(5.0, 200.0, (n_m, n_d, n_b)),
            rng.uniform(300.0, 1800.0, (n_m, n_d)), rng.uniform(265.0, 310.0, (n_m, n_d)),
            rng.uniform(0.3, 1.0, (n_m, n_d)), pc.photolysis_table(rng.integers(1, 366, n_d)),
            rng.uniform(10.0, 60.0, (n_m, n_d)), np.asarray(g.nox_profile, dtype=float),
            np.asarray(g.voc_profile, dtype=float), g.vector(), 2, 0)
    outs = []
    for n in (1, 2):
        mda8, hourly = np.zeros((n_m, n_d, n_b)), np.zeros((n_m, n_d, 24, n_b))
        with threads(n):
            k.run_grs_exp_lanes(*args, mda8, hourly, True)
        outs.append((mda8, hourly))
    assert outs[0][0].min() > 0.0
    assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])


def _lane_case(n_m, seed=11):
    g = pc.GRSParameters(scheme="exponential", substeps=1)
    rng = np.random.default_rng(seed)
    n_d, n_b = 4, 3
    per_member = (rng.uniform(5.0, 200.0, (n_m, n_d, n_b)), rng.uniform(300.0, 1800.0, (n_m, n_d)),
                  rng.uniform(265.0, 310.0, (n_m, n_d)), rng.uniform(0.3, 1.0, (n_m, n_d)))
    bg = rng.uniform(10.0, 60.0, (n_m, n_d))
    fixed = (rng.uniform(0.0, 3e5, (1, n_b)), rng.uniform(0.0, 3e5, (1, n_b)), np.zeros(n_d, dtype=np.int64))
    rest = (pc.photolysis_table(rng.integers(1, 366, n_d)), np.asarray(g.nox_profile, dtype=float),
            np.asarray(g.voc_profile, dtype=float), g.vector(), 2, 0)
    return fixed, per_member, bg, rest


def test_a_members_numbers_do_not_depend_on_its_lane():
    """The lane loops of run_grs_exp_lanes are vectorised over all LANES lanes (no scalar remainder),
    so a member gives the same bits wherever it sits: the 13 members run in order, reversed and
    shifted by 3 (other lanes, a partial chunk of 5, a member alone in its chunk)."""
    from ecomodel.air import _o3kernels as k

    n_m = k.LANES + 5
    fixed, (vent, mixh, temp, cloud), bg, rest = _lane_case(n_m)

    def run(order):
        mda8, hourly = np.zeros((len(order), 4, 3)), np.zeros((len(order), 4, 24, 3))
        k.run_grs_exp_lanes(*fixed, vent[order], mixh[order], temp[order], cloud[order], rest[0], bg[order],
                            *rest[1:], mda8, hourly, True)
        return mda8, hourly

    base = run(np.arange(n_m))
    assert base[0].min() > 0.0
    for order in (np.arange(n_m)[::-1], np.arange(3, n_m), np.array([n_m - 1])):
        mda8, hourly = run(order)
        assert np.array_equal(mda8, base[0][order]) and np.array_equal(hourly, base[1][order])


def test_the_lane_loops_compile_to_packed_simd():
    """_exp_day_lanes' step loops are vectorised by LLVM (packed divisions and square roots on ymm/zmm
    registers): the state in a stack frame, unsigned lane indices, exp_neg and sqrt inline. Compiled
    afresh here (a cached kernel has no assembly to inspect); x86 with AVX only."""
    import re

    from ecomodel._numba import jit
    from ecomodel.air import _o3kernels as k

    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    if not re.search(r"\bavx2\b", flags):
        pytest.skip("needs an x86 CPU with AVX2")
    fresh = jit(error_model="numpy", cache=False)(k._exp_day_lanes.py_func)
    L, nb = k.LANES, 2
    g = pc.GRSParameters(scheme="exponential", substeps=1)
    S = np.full((nb, 5, L), 10.0)
    ones, zeros = np.ones((24, L)), np.zeros((24, L))
    fresh(S, np.arange(nb), L, np.ones(nb), np.ones(nb), np.ones((nb, L)), np.full((nb, L), 0.9), np.ones(L),
          np.ones(L), np.full((24, L), 0.1), np.full((24, L), 0.1), np.full(L, 0.1), ones, zeros, ones * 1e-3,
          np.full((24, 4, L), 5.0), g.vector(), 10.2, 0.24, 60.0, 1, np.ones(24), np.ones(24), np.zeros((24, nb, L)),
          np.zeros((1, 4, L)), False)
    assert np.isfinite(S).all()
    asm = fresh.inspect_asm(fresh.signatures[0])
    # the lit step has 9 divisions and 4 square roots per lane, the dark one 5 divisions (the scalar
    # version had one packed division and one square root, in the set-up loops)
    assert len(re.findall(r"vdivpd\s[^\n]*[yz]mm", asm)) >= 10
    assert len(re.findall(r"vsqrtpd\s[^\n]*[yz]mm", asm)) >= 4


_LANES_PROBE = """
import hashlib, numpy as np
from ecomodel.air import photochem as pc
from ecomodel.air import _o3kernels as k
rng = np.random.default_rng(7)
n_m, n_d, n_b = 9, 6, 3
g = pc.GRSParameters(scheme="exponential", substeps=1)
mda8, hourly = np.zeros((n_m, n_d, n_b)), np.zeros((n_m, n_d, 24, n_b))
k.run_grs_exp_lanes(rng.uniform(0.0, 3e5, (1, n_b)), rng.uniform(0.0, 3e5, (1, n_b)), np.zeros(n_d, dtype=np.int64),
                    rng.uniform(5.0, 200.0, (n_m, n_d, n_b)), rng.uniform(300.0, 1800.0, (n_m, n_d)),
                    rng.uniform(265.0, 310.0, (n_m, n_d)), rng.uniform(0.3, 1.0, (n_m, n_d)),
                    pc.photolysis_table(rng.integers(1, 366, n_d)), rng.uniform(10.0, 60.0, (n_m, n_d)),
                    np.asarray(g.nox_profile, dtype=float), np.asarray(g.voc_profile, dtype=float), g.vector(), 2, 0,
                    mda8, hourly, True)
print(hashlib.sha256(hourly.tobytes()).hexdigest())
"""


def test_member_lanes_do_not_depend_on_the_kernel_cache_state(tmp_path):
    """The process that compiles run_grs_exp_lanes (and fills the cache) and one that loads it give the
    same bits. They need not run the same copy of _exp_day_lanes (its own library, or the copy linked
    into the caller and optimised again there); without ``reassoc`` re-optimising cannot reorder its
    arithmetic (with it the two differed by ~1e-14 relative)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOMODEL_", "NUMBA_CACHE_DIR"))}
    env.update({"PYTHONPATH": str(root), "ECOMODEL_CACHE_DIR": str(tmp_path / "cache")})
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", _LANES_PROBE], env=env, capture_output=True, text=True,
                              timeout=600, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        runs.append(proc.stdout.strip().splitlines()[-1])
    assert runs[0] == runs[1]
