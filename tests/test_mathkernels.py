"""The shared branch-free intrinsics of ecomodel._mathkernels against numpy over the ranges the
air and water kernels use, and at the edges, in units of the last place (np.spacing)."""

from __future__ import annotations

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from ecomodel import _mathkernels as mk  # noqa: E402
from ecomodel._numba import jit  # noqa: E402



@jit
def _map_exp(x, out):
    for i in range(x.shape[0]):
        out[i] = mk.exp(x[i])


@jit
def _map_exp_neg(x, out):
    for i in range(x.shape[0]):
        out[i] = mk.exp_neg(x[i])


@jit
def _map_log(x, out):
    for i in range(x.shape[0]):
        out[i] = mk.log(x[i])


def _apply(kernel, x):
    out = np.empty_like(x)
    kernel(x, out)
    return out


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def test_exp_matches_numpy_over_the_full_normal_range():
    rng = np.random.default_rng(1)
    x = np.concatenate([np.linspace(-708.0, 709.0, 200_001), rng.uniform(-40.0, 40.0, 100_000),
                        rng.uniform(-1e-3, 1e-3, 10_000), [0.0, -0.0, 1.0, -1.0, np.log(2.0) / 2]])
    got = _apply(_map_exp, x)
    assert _ulps(got, np.exp(x)).max() <= 3.0


def test_exp_edges():
    x = np.array([-709.0, -1e4, -np.inf, 709.9, 1e4, np.inf, np.nan])
    got = _apply(_map_exp, x)
    assert np.all(got[:3] == 0.0)
    assert np.all(np.isposinf(got[3:6]))
    assert np.isnan(got[6])


def test_exp_neg_matches_numpy_over_its_range():
    rng = np.random.default_rng(2)
    x = np.concatenate([np.linspace(0.0, 708.0, 200_001), rng.exponential(1.0, 100_000),
                        rng.uniform(0.0, 1e-6, 10_000)])
    got = _apply(_map_exp_neg, x)
    assert _ulps(got, np.exp(-x)).max() <= 1.0
    assert np.all(_apply(_map_exp_neg, np.array([708.5, 1e5, np.inf])) == 0.0)


def test_exp_neg_agrees_with_exp():
    x = np.linspace(0.0, 700.0, 50_001)
    assert _ulps(_apply(_map_exp_neg, x), _apply(_map_exp, -x)).max() <= 4.0


def test_log_matches_numpy_for_normal_positive_numbers():
    rng = np.random.default_rng(3)
    x = np.concatenate([10.0 ** rng.uniform(-300.0, 300.0, 100_000), rng.uniform(200.0, 330.0, 50_000),
                        np.linspace(0.5, 2.0, 100_001), [np.sqrt(2.0), np.nextafter(np.sqrt(2.0), 0.0),
                                                         np.finfo(np.float64).tiny, np.finfo(np.float64).max]])
    got = _apply(_map_log, x)
    want = np.log(x)
    near1 = (x >= 0.5) & (x <= 2.0)
    assert _ulps(got[~near1], want[~near1]).max() <= 3.0
    assert _ulps(got[near1 & (x != 1.0)], want[near1 & (x != 1.0)]).max() <= 5.0
    assert got[x == 1.0].tolist() == [0.0] * int((x == 1.0).sum())


def test_log_inverts_exp():
    x = np.linspace(-700.0, 700.0, 10_001)
    x = x[x != 0.0]
    assert (np.abs(_apply(_map_log, _apply(_map_exp, x)) - x) / np.abs(x)).max() <= 1e-13


def test_flag_sets():
    assert "reassoc" not in mk.EXACT_FASTMATH and mk.EXACT_FASTMATH < mk.SAFE_FASTMATH
    assert not {"nnan", "ninf", "fast"} & mk.SAFE_FASTMATH
    assert set(mk.SAFE_FASTMATH_FLAGS) == mk.SAFE_FASTMATH
    assert mk.LN2_HI + mk.LN2_LO == np.log(2.0)


def test_domain_kernels_use_the_shared_intrinsics():
    from ecomodel.air import _kernels as air
    from ecomodel.water import _kernels as water

    assert air._exp is mk.exp and air._log is mk.log
    assert water._exp_neg is mk.exp_neg
    assert water._FAST == mk.SAFE_FASTMATH_FLAGS


@pytest.mark.parametrize("a", [1.0, 0.1, 3.7])
def test_exp_neg_scaled_eight_wide_is_bit_identical_to_the_scalar_function(a):
    # the hand-written <8 x double> exp_neg must equal exp_neg value by value (same operations, same FMAs),
    # including the tail that is not a multiple of 8, the cut-off at 708 and non-unit strides
    rng = np.random.default_rng(4)
    x = np.concatenate([np.linspace(0.0, 710.0, 100_003), rng.exponential(1.0, 50_000), rng.uniform(0, 1e-6, 999),
                        [0.0, 708.0 / a, np.nextafter(708.0 / a, np.inf), 1e300, np.inf]])
    got = np.empty_like(x)
    mk.exp_neg_scaled(a, x, got)
    assert np.array_equal(got, _apply(_map_exp_neg, a * x))
    strided = np.empty(2 * x.size)
    mk.exp_neg_scaled(a, x, strided[::2])
    assert np.array_equal(strided[::2], got)


@jit
def _map_inline(x, e, r):
    for i in range(x.shape[0]):
        e[i] = mk.exp_neg_inline(x[i])
        r[i] = mk.sqrt_inline(x[i])


def test_inline_exp_neg_and_sqrt_are_bit_identical_to_the_functions():
    # exp_neg_inline is exp_neg emitted into the caller (the same operations and flags), sqrt_inline the
    # llvm.sqrt intrinsic (correctly rounded, as libm's sqrt): both give the same value for every input
    rng = np.random.default_rng(6)
    x = np.concatenate([np.linspace(0.0, 710.0, 100_003), rng.exponential(1.0, 50_000), rng.uniform(0, 1e-6, 999),
                        [0.0, 708.0, np.nextafter(708.0, np.inf), 1e300, np.inf]])
    e, r = np.empty_like(x), np.empty_like(x)
    _map_inline(x, e, r)
    assert np.array_equal(e, _apply(_map_exp_neg, x))
    assert np.array_equal(r, np.sqrt(x))
    _map_inline(np.array([-1.0, np.nan]), e[:2], r[:2])
    assert np.isnan(r[:2]).all()


def test_stack_array_is_a_scratch_array_of_a_constant_size():
    @jit(cache=False)
    def cumulative(x, out):
        w = mk.stack_array(16)  # scratch on the kernel's stack, written before it is read
        for i in range(16):
            w[i] = x[i] * 2.0
        for i in range(1, 16):
            w[i] += w[i - 1]
        for i in range(16):
            out[i] = w[i]
        return w.shape[0]

    x = np.arange(16.0)
    out = np.empty(16)
    assert cumulative(x, out) == 16
    assert np.array_equal(out, np.cumsum(2.0 * x))

    @jit(cache=False)
    def not_constant(n):
        return mk.stack_array(n).shape[0]

    with pytest.raises(numba.TypingError):
        not_constant(4)


def test_prefer_512_bit_vectors_marks_the_kernel_and_keeps_element_wise_values():
    @jit(cache=False)  # compiled here, so that its LLVM IR can be inspected (a cached kernel has none)
    def wide(x, out):
        mk.prefer_512_bit_vectors()
        for i in range(x.shape[0]):
            out[i] = mk.exp(x[i]) * 0.5 + x[i]

    @jit
    def plain(x, out):
        for i in range(x.shape[0]):
            out[i] = mk.exp(x[i]) * 0.5 + x[i]

    x = np.random.default_rng(5).uniform(-50.0, 50.0, 10_007)
    a, b = np.empty_like(x), np.empty_like(x)
    wide(x, a)
    plain(x, b)
    assert np.array_equal(a, b)
    ir = next(iter(wide.inspect_llvm().values()))
    assert '"prefer-vector-width"="512"' in ir
