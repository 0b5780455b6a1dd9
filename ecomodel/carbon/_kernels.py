"""Numba kernels of the carbon module (imported lazily; nothing compiles at import)."""

from __future__ import annotations

import math

from .._numba import jit, prange


@jit(parallel=True)
def _lmdi_pairs(q, e, c, start, end, out, err):
    """Five-factor LMDI-I effects for many (unit, period) pairs in one fused pass.

    q: (n, t, s) sector activity; e, c: (n, t, s, f) energy and emissions; start, end: (p,) year
    indices of each period; out: (n, p, s, 5) additive effects (activity, structure, intensity,
    fuel mix, emission factor) in the unit of c; err: (n * p,) int8 set to 1 where the data are
    invalid (negative/NaN, emissions without energy, energy without activity, zero total activity).
    Zero terms: whole change to the first zero factor (Ang & Liu 2007 limits).
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
        bad = False
        for i in range(S):
            x0 = q[k, a, i]
            xT = q[k, b, i]
            if not (x0 >= 0.0 and xT >= 0.0) or math.isinf(x0 + xT):
                bad = True
            Q0 += x0
            QT += xT
        if bad or not (Q0 > 0.0 and QT > 0.0):
            err[job] = 1
            continue
        lnQ = math.log(QT / Q0)
        for i in range(S):
            qi0 = q[k, a, i]
            qiT = q[k, b, i]
            ei0 = 0.0
            eiT = 0.0
            Ls = 0.0  # sum of log-mean weights over fuels with emissions in both years
            LlnE = 0.0  # sum of weight x ln(E_ij^T / E_ij^0)
            fac = 0.0  # emission-factor effect
            gone0 = 0.0  # change of terms with no energy at the start (E_ij^0 = C_ij^0 = 0)
            goneT = 0.0  # change of terms with no energy at the end
            for j in range(F):
                x0 = e[k, a, i, j]
                xT = e[k, b, i, j]
                c0 = c[k, a, i, j]
                cT = c[k, b, i, j]
                if not (x0 >= 0.0 and xT >= 0.0 and c0 >= 0.0 and cT >= 0.0) or math.isinf(x0 + xT + c0 + cT):
                    bad = True
                elif (c0 > 0.0 and x0 <= 0.0) or (cT > 0.0 and xT <= 0.0):
                    bad = True
                ei0 += x0
                eiT += xT
                if c0 > 0.0 and cT > 0.0:
                    lnC = math.log(cT / c0)
                    lnE = math.log(xT / x0)
                    if abs(lnC) < 1e-12:
                        w = 0.5 * (c0 + cT)
                    else:
                        w = (cT - c0) / lnC
                    Ls += w
                    LlnE += w * lnE
                    fac += w * (lnC - lnE)
                elif c0 > 0.0:  # term vanishes: zero at the end
                    if xT > 0.0:
                        fac -= c0
                    else:
                        goneT -= c0
                elif cT > 0.0:  # term appears: zero at the start
                    if x0 > 0.0:
                        fac += cT
                    else:
                        gone0 += cT
            if (ei0 > 0.0 and qi0 <= 0.0) or (eiT > 0.0 and qiT <= 0.0):
                bad = True
            if bad:
                err[job] = 1
                break
            lnQi = math.log(qiT / qi0) if (qi0 > 0.0 and qiT > 0.0) else 0.0
            lnEi = math.log(eiT / ei0) if (ei0 > 0.0 and eiT > 0.0) else 0.0
            act = Ls * lnQ
            stru = Ls * (lnQi - lnQ)
            inten = Ls * (lnEi - lnQi)
            mix = LlnE - Ls * lnEi
            # terms without energy at their zero end: structure if the sector has no activity there,
            # intensity if it has activity but no energy, else fuel mix
            if gone0 != 0.0:
                if qi0 <= 0.0:
                    stru += gone0
                elif ei0 <= 0.0:
                    inten += gone0
                else:
                    mix += gone0
            if goneT != 0.0:
                if qiT <= 0.0:
                    stru += goneT
                elif eiT <= 0.0:
                    inten += goneT
                else:
                    mix += goneT
            out[k, p, i, 0] = act
            out[k, p, i, 1] = stru
            out[k, p, i, 2] = inten
            out[k, p, i, 3] = mix
            out[k, p, i, 4] = fac
