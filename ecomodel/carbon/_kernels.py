"""Numba kernels of the carbon module (imported lazily; nothing compiles at import)."""

from __future__ import annotations

import math

from .._numba import jit, prange


@jit(parallel=True)
def _lmdi_pairs(q, e, c, start, end, out):
    """Five-factor LMDI-I effects for many (unit, period) pairs in one fused pass.

    q: (n, t, s) sector activity; e, c: (n, t, s, f) energy and emissions; start, end: (p,) year
    indices of each period; out: (n, p, s, 5) additive effects (activity, structure, intensity,
    fuel mix, emission factor) in the unit of c. Zero terms: whole change to the first zero factor.
    """
    n = c.shape[0]
    S = c.shape[2]
    F = c.shape[3]
    P = start.shape[0]
    for job in prange(n * P):
        k = job // P
        p = job - k * P
        a = start[p]
        b = end[p]
        Q0 = 0.0
        QT = 0.0
        for i in range(S):
            Q0 += q[k, a, i]
            QT += q[k, b, i]
        lnQ = math.log(QT / Q0)
        for i in range(S):
            qi0 = q[k, a, i]
            qiT = q[k, b, i]
            ei0 = 0.0
            eiT = 0.0
            for j in range(F):
                ei0 += e[k, a, i, j]
                eiT += e[k, b, i, j]
            lnQi = math.log(qiT / qi0) if (qi0 > 0.0 and qiT > 0.0) else 0.0
            lnEi = math.log(eiT / ei0) if (ei0 > 0.0 and eiT > 0.0) else 0.0
            act = 0.0
            stru = 0.0
            inten = 0.0
            mix = 0.0
            fac = 0.0
            for j in range(F):
                c0 = c[k, a, i, j]
                cT = c[k, b, i, j]
                if c0 > 0.0 and cT > 0.0:
                    lnC = math.log(cT / c0)
                    lnE = math.log(e[k, b, i, j] / e[k, a, i, j])
                    if abs(lnC) < 1e-12:
                        w = 0.5 * (c0 + cT)
                    else:
                        w = (cT - c0) / lnC
                    act += w * lnQ
                    stru += w * (lnQi - lnQ)
                    inten += w * (lnEi - lnQi)
                    mix += w * (lnE - lnEi)
                    fac += w * (lnC - lnE)
                elif c0 > 0.0 or cT > 0.0:
                    change = cT - c0
                    if c0 > 0.0:
                        qz = qiT
                        ez = eiT
                        eijz = e[k, b, i, j]
                    else:
                        qz = qi0
                        ez = ei0
                        eijz = e[k, a, i, j]
                    if qz <= 0.0:
                        stru += change
                    elif ez <= 0.0:
                        inten += change
                    elif eijz <= 0.0:
                        mix += change
                    else:
                        fac += change
            out[k, p, i, 0] = act
            out[k, p, i, 1] = stru
            out[k, p, i, 2] = inten
            out[k, p, i, 3] = mix
            out[k, p, i, 4] = fac
