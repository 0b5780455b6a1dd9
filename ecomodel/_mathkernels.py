"""Branch-free elementary functions and fast-math flag sets shared by every domain's kernels.

Why this module exists
----------------------
numba compiles ``math.exp``/``math.log`` (and ``np.exp`` on scalars) to calls into libm unless it
was built with Intel SVML, which we do not assume. A library call inside a loop stops LLVM from
vectorising that loop. The functions here are written with nothing but ``+ − × ÷``, ``floor``,
``min``/``max``, selects and bit casts, so a loop that calls them (they are inlined by LLVM) runs
4 or 8 values per instruction (AVX2 / AVX-512). Only ``_kernels`` modules import this module
(it imports numba); ``import ecomodel`` never loads it.

The intrinsics
--------------
:func:`exp` — ``eˣ`` for every double.
    Range reduction ``x = k·ln2 + r`` with ``|r| ≤ ln2/2`` (ln 2 split in a 28-bit head
    :data:`LN2_HI` and a tail :data:`LN2_LO`, Cody & Waite 1980, so ``k·LN2_HI`` is exact), the
    Taylor series of ``eʳ`` to degree 12 (truncation < 2×10⁻¹⁶ relative) evaluated with Estrin's
    scheme (dependency depth 4), and ``2ᵏ`` built directly in the exponent bits. Returns 0 below
    −708 (``e⁻⁷⁰⁸ < 3.3×10⁻³⁰⁸``, the subnormals are flushed), ``inf`` above 709.78, NaN for NaN.
    Accuracy, measured against numpy: ≤ 3 ulp (relative error < 5×10⁻¹⁶) on [−708, 709].
:func:`exp_neg` — ``e⁻ˣ`` for ``x ≥ 0`` (loss factors, transmission, decay).
    The same reduction, one-sided (no ``inf``/NaN handling, so a select cheaper), with the Taylor
    polynomial to degree 13 in Horner form (truncation < 10⁻¹⁷). Returns 0 beyond ``x = 708``.
    Accuracy, measured: ≤ 1 ulp on [0, 708]. Water's routing and steady kernels call it per reach.
:func:`log` — ``ln x`` for normal ``x > 0``.
    ``x = 2ᵉ·m`` read from the bits, ``m`` folded into ``[√½, √2)``, then
    ``ln m = 2·artanh(s)``, ``s = (m − 1)/(m + 1)``, the odd series summed to ``s²¹``
    (``|s| ≤ 0.172``, truncation < 10⁻¹⁷), Estrin's scheme. Accuracy, measured: ≤ 3 ulp of
    ``ln x`` for normal ``x`` (≤ 5 ulp, relative < 7×10⁻¹⁶, for ``x`` in [½, 2] where ``ln x`` is
    small); zero, negative, subnormal, ``inf`` and NaN inputs are **not** handled (callers clamp,
    e.g. ``log(max(x, 1e-300))``).

:func:`exp_neg_scaled` — ``out[:] = e^(−a·x)`` over arrays, eight values per instruction.
    :func:`exp_neg` written once more as an explicit ``<8 x double>`` LLVM intrinsic
    (``_exp_neg8``): the same operations with the same flags, so LLVM contracts the same FMAs and
    every value is bit-identical to the scalar function (tested). It exists because numba's host
    tuning on AVX-512 CPUs makes the loop vectoriser stop at 256 bits; 8-wide it takes about
    0.6 ns per value instead of 1.
:func:`exp_neg_inline`, :func:`sqrt_inline` — ``e⁻ˣ`` and ``√x`` of one float64 emitted into the caller.
    :func:`exp_neg` is a numba function whose ``max`` and ``.view`` are calls to further numba
    functions, and ``math.sqrt`` is a call to libm's ``sqrt`` (it may set errno); numba optimises
    each function before linking its callees, so a loop calling them is not vectorised. These two
    put the same operations in the caller's IR: ``exp_neg_inline`` the instructions of
    ``_exp_neg8`` on a scalar (bit-identical to :func:`exp_neg`, tested), ``sqrt_inline`` the
    ``llvm.sqrt`` intrinsic (correctly rounded, the value libm gives).
:func:`stack_array` — a 1-d float64 array of a compile-time size on the kernel's stack. LLVM
    knows a stack array aliases no other array, so a loop that writes only to it needs no run-time
    alias checks, which LLVM never emits for loops of fewer than 16 iterations (8 SIMD lanes).
:func:`prefer_512_bit_vectors` — a no-op call that gives the calling kernel the LLVM attribute
    ``"prefer-vector-width"="512"`` (the same reason). Only for kernels whose vectorised loops are
    element-wise: reductions vectorised at another width would add in another order.

Fast-math flags
---------------
:data:`SAFE_FASTMATH` (re-exported from :mod:`ecomodel._numba`) is the set every kernel may use:
it never contains ``nnan``/``ninf``, so NaN checks in kernels stay meaningful.
:data:`EXACT_FASTMATH` is that set without ``reassoc``: the intrinsics need it, because
reassociation could merge the two-part ln 2 or reorder the polynomial and lose the accuracy
above. :data:`SAFE_FASTMATH_FLAGS` is :data:`SAFE_FASTMATH` as the tuple llvmlite's
``builder.fadd(..., flags=...)`` takes, for hand-written LLVM intrinsics.

Testing
-------
``tests/test_mathkernels.py`` compares each function, compiled and called from a loop, with
``numpy.exp``/``numpy.log`` over the ranges the models use (and the edges: 0, ±708, 709, NaN),
asserting the error in units of the last place (``np.spacing``) stays within the bounds above.
Change a coefficient or drop a term and that test fails.
"""

from __future__ import annotations

import math

import numpy as np

from ecomodel._numba import SAFE_FASTMATH, jit

__all__ = [
    "SAFE_FASTMATH", "SAFE_FASTMATH_FLAGS", "EXACT_FASTMATH", "LOG2E", "LN2_HI", "LN2_LO", "SQRT2",
    "exp", "exp_neg", "exp_neg_inline", "exp_neg_scaled", "log", "prefer_512_bit_vectors", "sqrt_inline",
    "stack_array",
]

#: :data:`SAFE_FASTMATH` as a sorted tuple, the form llvmlite's instruction builders take.
SAFE_FASTMATH_FLAGS = tuple(sorted(SAFE_FASTMATH))
#: the safe set without ``reassoc``: kernels whose reductions or polynomials must stay in order.
EXACT_FASTMATH = SAFE_FASTMATH - {"reassoc"}

LOG2E = 1.4426950408889634            #: log₂ e
LN2_HI = 0.693147180369123816490      #: head of ln 2 (28 significant bits, so k·LN2_HI is exact)
LN2_LO = 1.90821492927058770002e-10   #: ln 2 − LN2_HI
SQRT2 = 1.4142135623730951            #: √2


@jit(fastmath=EXACT_FASTMATH, error_model="numpy")
def exp(x):
    """``eˣ`` to ≤ 3 ulp, branch-free (scalar float64 in, float64 out; 0 below −708, inf above
    709.78, NaN kept). See the module docstring for the method."""
    xc = min(max(x, -708.0), 709.0)
    t = math.floor(xc * LOG2E + 0.5)
    r = (xc - t * LN2_HI) - t * LN2_LO
    # Estrin's scheme (dependency depth 4 instead of 12): Σ r^k/k!, k = 0..12
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    q0 = 1.0 + r
    q1 = 0.5 + r * (1.0 / 6.0)
    q2 = 1.0 / 24.0 + r * (1.0 / 120.0)
    q3 = 1.0 / 720.0 + r * (1.0 / 5040.0)
    q4 = 1.0 / 40320.0 + r * (1.0 / 362880.0)
    q5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0)
    t0 = (q0 + r2 * q1) + r4 * (q2 + r2 * q3)
    t1 = (q4 + r2 * q5) + r4 * (1.0 / 479001600.0)
    p = t0 + r8 * t1
    y = p * np.int64((np.int64(t) + 1023) << 52).view(np.float64)
    y = y if x >= -708.0 else 0.0
    y = y if x <= 709.78 else np.inf
    return x if x != x else y


@jit(fastmath=EXACT_FASTMATH, error_model="numpy")
def exp_neg(x):
    """``e⁻ˣ`` for ``x ≥ 0`` to ≤ 1 ulp, branch-free (scalar float64; 0 beyond x = 708). See the
    module docstring for the method."""
    y = max(-x, -708.0)
    n = np.floor(y * LOG2E + 0.5)
    r = (y - n * LN2_HI) - n * LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    e = p * np.int64((np.int64(n) + 1023) << 52).view(np.float64)
    return e if x <= 708.0 else 0.0


@jit(fastmath=EXACT_FASTMATH, error_model="numpy")
def log(x):
    """``ln x`` for normal ``x > 0`` to ≤ 5 ulp, branch-free (scalar float64; callers clamp zero,
    negative and subnormal inputs). See the module docstring for the method."""
    bits = np.float64(x).view(np.int64)
    e = np.float64((bits >> 52) - 1023)
    m = np.int64((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)
    big = m > SQRT2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    # Σ s2^k/(2k+1), k = 0..10, Estrin's scheme
    s4 = s2 * s2
    s8 = s4 * s4
    u0 = (1.0 + s2 * (1.0 / 3.0)) + s4 * (1.0 / 5.0 + s2 * (1.0 / 7.0))
    u1 = (1.0 / 9.0 + s2 * (1.0 / 11.0)) + s4 * (1.0 / 13.0 + s2 * (1.0 / 15.0))
    u2 = (1.0 / 17.0 + s2 * (1.0 / 19.0)) + s4 * (1.0 / 21.0)
    p = u0 + s8 * (u1 + s8 * u2)
    return e * LN2_HI + (e * LN2_LO + 2.0 * s * p)


# ------------------------------------------------------------------------- 8-wide exp_neg over arrays
# numba's host CPU tuning (AVX-512 machines "prefer 256-bit" vectors) makes LLVM's loop vectoriser use
# 4 lanes; an explicit <8 x double> in the IR is still lowered to one 512-bit register where the CPU
# has them (two 256-bit halves elsewhere). _exp_neg8 is exp_neg, instruction for instruction, on 8
# values: the same operations with the same fast-math flags, so LLVM contracts the same products into
# the same FMAs and every value is bit-identical to the scalar function (tested).

_V8 = None


def _v8_types():
    from llvmlite import ir

    global _V8
    if _V8 is None:
        _V8 = (ir, ir.VectorType(ir.DoubleType(), 8), ir.VectorType(ir.IntType(64), 8))
    return _V8


def _emit_exp_neg(builder, x, width):
    """The IR of :func:`exp_neg` on *x*: a double, or a ``<width x double>`` when *width* is 8 (the
    same operations with the same fast-math flags as the numba function, so every value is the same)."""
    from numba.core import cgutils

    ir, V8, I8 = _v8_types()
    F, I = (ir.DoubleType(), ir.IntType(64)) if width is None else (V8, I8)
    f = tuple(sorted(EXACT_FASTMATH))

    def splat(v):
        return ir.Constant(F, v if width is None else [v] * width)

    nx = builder.fneg(x, flags=f)
    y = builder.select(builder.fcmp_ordered(">", nx, splat(-708.0), flags=f), nx, splat(-708.0))
    name = "llvm.floor.f64" if width is None else "llvm.floor.v8f64"
    floor = cgutils.get_or_insert_function(builder.module, ir.FunctionType(F, [F]), name)
    n = builder.call(floor, [builder.fadd(builder.fmul(y, splat(LOG2E), flags=f), splat(0.5), flags=f)])
    r = builder.fsub(builder.fsub(y, builder.fmul(n, splat(LN2_HI), flags=f), flags=f),
                     builder.fmul(n, splat(LN2_LO), flags=f), flags=f)
    p = splat(1.0 / 6227020800.0)
    for c in (1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
              1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0):
        p = builder.fadd(builder.fmul(p, r, flags=f), splat(c), flags=f)
    icon = (lambda v: ir.Constant(I, v)) if width is None else (lambda v: ir.Constant(I, [v] * width))
    k = builder.shl(builder.add(builder.fptosi(n, I), icon(1023)), icon(52))
    e = builder.fmul(p, builder.bitcast(k, F), flags=f)
    keep = builder.fcmp_ordered("<=", x, splat(708.0), flags=f)
    return builder.select(keep, e, splat(0.0))


def _make_exp_neg8():
    from numba import types
    from numba.core.extending import intrinsic

    @intrinsic
    def _exp_neg8(typingctx, x, a, out, j):
        """``out[j:j + 8] = exp_neg(a * x[j:j + 8])`` for C-contiguous 1-d float64 arrays (no checks)."""
        sig = types.void(x, a, out, j)

        def codegen(context, builder, signature, args):
            ir, V8, I8 = _v8_types()
            x_, a_, out_, j_ = args
            fs = tuple(sorted(SAFE_FASTMATH))

            def ptr(arrty, arr):
                arr = context.make_array(arrty)(context, builder, arr)
                return builder.bitcast(builder.gep(arr.data, [j_], inbounds=True), V8.as_pointer())

            av = builder.insert_element(ir.Constant(V8, ir.Undefined), a_, ir.Constant(ir.IntType(32), 0))
            av = builder.shuffle_vector(av, av, ir.Constant(ir.VectorType(ir.IntType(32), 8), [0] * 8))
            xv = builder.fmul(av, builder.load(ptr(signature.args[0], x_), align=8), flags=fs)
            builder.store(_emit_exp_neg(builder, xv, 8), ptr(signature.args[2], out_), align=8)
            return context.get_dummy_value()

        return sig, codegen

    return _exp_neg8


def _make_inline_scalars():
    from numba import types
    from numba.core import cgutils
    from numba.core.extending import intrinsic

    @intrinsic
    def exp_neg_inline(typingctx, x):
        """:func:`exp_neg` of a float64, emitted into the caller (no call, no status check)."""
        if not isinstance(x, types.Float):
            return None

        def codegen(context, builder, signature, args):
            v = context.cast(builder, args[0], signature.args[0], types.float64)
            return _emit_exp_neg(builder, v, None)

        return types.float64(x), codegen

    @intrinsic
    def sqrt_inline(typingctx, x):
        """``√x`` of a float64 as the ``llvm.sqrt`` intrinsic (IEEE, correctly rounded: the same value
        as ``math.sqrt``, NaN below 0) instead of numba's call to libm's ``sqrt``."""
        if not isinstance(x, types.Float):
            return None

        def codegen(context, builder, signature, args):
            ir = _v8_types()[0]
            v = context.cast(builder, args[0], signature.args[0], types.float64)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.DoubleType(), [ir.DoubleType()]),
                                                "llvm.sqrt.f64")
            return builder.call(fn, [v])

        return types.float64(x), codegen

    return exp_neg_inline, sqrt_inline


def _make_stack_array():
    from numba import types
    from numba.core import cgutils
    from numba.core.extending import intrinsic
    from numba.np.arrayobj import populate_array

    @intrinsic
    def stack_array(typingctx, n):
        """A 1-d float64 array of *n* (a compile-time constant) elements on the stack of the calling
        kernel, contents undefined. LLVM knows it aliases no other array, so a loop that writes only
        to it and reads other arrays needs no run-time alias checks (which the loop vectoriser does
        not emit for loops of fewer than 16 iterations). It lives as long as the kernel's frame:
        never return or store it."""
        if not isinstance(n, types.IntegerLiteral) or n.literal_value <= 0:
            return None
        size = n.literal_value
        arrty = types.Array(types.float64, 1, "C")

        def codegen(context, builder, signature, args):
            ir = _v8_types()[0]
            data = cgutils.alloca_once(builder, ir.DoubleType(), size=size, name="stack_array")
            ary = context.make_array(arrty)(context, builder)
            populate_array(ary, data=data, shape=[context.get_constant(types.intp, size)],
                           strides=[context.get_constant(types.intp, 8)], itemsize=context.get_constant(types.intp, 8),
                           meminfo=None)
            return ary._getvalue()

        return arrty(n), codegen

    return stack_array


_exp_neg8 = _make_exp_neg8()
exp_neg_inline, sqrt_inline = _make_inline_scalars()
stack_array = _make_stack_array()


@jit(error_model="numpy")
def exp_neg_scaled(a, x, out):
    """``out[:] = exp_neg(a x)`` for a scalar ``a`` and 1-d float64 arrays ``x >= 0`` and ``out``
    (``out`` may be ``x``): with unit strides eight values per instruction (:func:`_exp_neg8`), the
    tail one by one; bit-identical to calling :func:`exp_neg` on every value (about 0.6 ns per
    value on AVX-512, 1 ns with 256-bit vectors)."""
    n = out.shape[0]
    m = n - n % 8 if x.strides[0] == 8 and out.strides[0] == 8 else 0  # unit strides only
    for j in range(0, m, 8):
        _exp_neg8(x, a, out, j)
    for j in range(m, n):
        out[j] = exp_neg(a * x[j])


def _make_prefer_512():
    from numba import types
    from numba.core.extending import intrinsic

    @intrinsic
    def prefer_512_bit_vectors(typingctx):
        """Mark the kernel that calls this (a no-op at run time) with the LLVM function attribute
        ``"prefer-vector-width"="512"``: on AVX-512 CPUs, whose tuning otherwise makes LLVM's loop
        vectoriser stop at 256 bits, the kernel's loops then run 8 doubles per instruction. Elsewhere
        the attribute changes nothing. Element-wise loops give the same values at any width; a kernel
        that relies on it must not vectorise reductions (tested bit for bit where used)."""
        sig = types.void()

        def codegen(context, builder, signature, args):
            set.add(builder.function.attributes, '"prefer-vector-width"="512"')  # string attribute: no check list
            return context.get_dummy_value()

        return sig, codegen

    return prefer_512_bit_vectors


prefer_512_bit_vectors = _make_prefer_512()
