"""Numba kernel of the Generic Reaction Set (GRS) O3 box model (see :mod:`ecomodel.air.photochem`).

Units inside the kernel: mixing ratios in ppb (ROC in ppbC), time in minutes, heights in metres,
emission fluxes in µg m⁻² min⁻¹ (NOx as NO2). Only :mod:`ecomodel.air.photochem` calls this
module; it imports numba, so ``import ecomodel`` never loads it.

One substep of length ``dt`` applies, in order:

1. boundary-layer growth: air of the residual layer (background composition) is entrained,
   ``X ← (X·h₀ + (h₁ − h₀)·X_res)/h₁`` when ``h₁ > h₀`` (a collapsing layer leaves air aloft and
   does not change the mixed-layer mixing ratio);
2. emission, exchange with background air at the ventilation rate ``k_v`` and O3 dry deposition
   ``v_d/h``, backward Euler per species (positive, exact steady state);
3. chemistry: RP in quasi-steady state from ``k5·RP² + (k2·NO + (k6+k7)·NO2)·RP − k1·ROC = 0``;
   nitrate formation removes ``NO2·(1 − 1/(1 + dt·(k6+k7)·RP))`` to the sink; RP + NO → NO2
   converts ``dt·k2·RP·NO`` (the radicals made in the step times their share reacting with NO;
   beyond the NO present, the conversion is NO2 photolysed back within the step, i.e. O3 made
   directly — NOx unchanged); then NO + O3 ⇌ NO2 (k4, J) is advanced with its exact
   solution (a Riccati equation with constant coefficients), which conserves NOx and Ox and tends
   to the photostationary state ``[NO][O3]/[NO2] = J/k4``.

Every step conserves nitrogen exactly (NO + NO2 + nitrate changes only by emission and exchange)
and keeps all mixing ratios non-negative.

The exponential scheme (``par[P_SCHEME] = 1``, :func:`_local_day_exp`) uses that NO + O3 ⇌ NO2
relaxes within minutes: it carries NOx, Ox = O3 + NO2, ROC and nitrate and splits NOx and Ox into
NO, NO2 and O3 by the photostationary state. Within a step exchange and entrainment relax every
species to the inflow (factor ``e^{−k_v dt}·h₀/h₁``, exact), emissions and chemistry are sources
and losses held over the step, Ox loses O3 deposition and nitrate formation exponentially, and the
rates are those of a predictor–corrector (Heun): second order, positive, and nitrogen conserved
exactly. One step per hour is closer to the converged solution (1-minute splitting) than
10-minute splitting is (``benchmarks.o3``).
"""

from __future__ import annotations

import math

import numpy as np

from .._mathkernels import EXACT_FASTMATH, exp_neg, exp_neg_inline, sqrt_inline, stack_array
from .._numba import jit, prange

# indices of the parameter vector built by photochem._param_vector
P_REACT, P_NOFRAC, P_NIGHT, P_NOXBG, P_ROCBG, P_VD, P_CLOUD, P_VOC2PPBC, P_NOX2PPB, P_O3UG, P_MINH, P_SUB, P_SCHEME = range(13)
N_PARAM = 13


@jit(inline="always")
def _height(t_hour, h_day, h_night):
    """Mixed-layer height [m] at local solar hour *t_hour*: night value before 07 and after 19 h,
    sin² growth to the daily height by 14 h, constant until 19 h."""
    if t_hour < 7.0 or t_hour >= 19.0:
        return h_night
    if t_hour < 14.0:
        s = math.sin(0.5 * math.pi * (t_hour - 7.0) / 7.0)
        return h_night + (h_day - h_night) * s * s
    return h_day


@jit(inline="always")
def _ps_step(no, no2, o3, k4, j, dt):
    """Exact advance of NO + O3 ⇌ NO2 over *dt*; returns (no, no2, o3), clipped at 0."""
    xi = _ps_extent(no, no2, o3, k4, j, dt)
    no_n = no - xi
    no2_n = no2 + xi
    o3_n = o3 - xi
    return (no_n if no_n > 0.0 else 0.0), (no2_n if no2_n > 0.0 else 0.0), (o3_n if o3_n > 0.0 else 0.0)


@jit(inline="always")
def _rates(temp):
    """GRS rate coefficients [ppb⁻¹ min⁻¹] at temperature *temp* [K]: (k2, k4, k5, k67, f1)."""
    k2 = 5.482 * math.exp(242.0 / temp)
    k4 = 2.643 * math.exp(-1370.0 / temp)
    k5 = 10.2
    k67 = 0.24
    f1 = math.exp(-4710.0 * (1.0 / temp - 1.0 / 316.0))
    return k2, k4, k5, k67, f1


@jit(inline="always")
def _ps_extent(no, no2, o3, k4, j, dt):
    """Extent ξ of NO + O3 → NO2 over *dt*: the exact solution of the Riccati equation with constant
    coefficients, branch-free so that a loop over boxes vectorises (the double root — dark,
    [NO] = [O3] — and the ``c = 0`` cases are selected, not branched to)."""
    b = k4 * (no + o3) + j
    c = k4 * no * o3 - j * no2
    disc = b * b - 4.0 * k4 * c
    sq = math.sqrt(disc if disc > 0.0 else 0.0)
    bs = b + sq
    bs = bs if bs > 1e-300 else 1e-300
    r1 = 2.0 * c / bs
    r2 = bs / (2.0 * k4)
    e = exp_neg(sq * dt)
    den = r2 - r1 * e
    xi = r1 * r2 * (1.0 - e) / (den if den != 0.0 else 1e-300)
    r = b / (2.0 * k4)
    xi_double = r * r * k4 * dt / (1.0 + r * k4 * dt)
    xi = xi_double if sq <= 1e-9 * b else xi
    return xi if c != 0.0 else 0.0


@jit(inline="always")
def _day_steps(par, h_day):
    """Steps per hour, step length [min] and the day's and night's mixed-layer heights [m]."""
    n_sub = int(par[P_SUB])
    h_night = max(par[P_NIGHT] * h_day, par[P_MINH])
    return n_sub, 60.0 / n_sub, max(h_day, h_night), h_night


@jit(inline="always")
def _store_hour(hourly, record, hr, keep, n_sub, acc, acc_no, acc_no2, acc_roc):
    """Hour *hr*'s means from the step sums: O3 of every box to *hourly*, and when *keep* NO, NO2,
    O3 and ROC of the first box to *record*."""
    for i in range(acc.shape[0]):
        hourly[hr, i] = acc[i] / n_sub
    if keep:
        record[hr, 0] = acc_no[0] / n_sub
        record[hr, 1] = acc_no2[0] / n_sub
        record[hr, 2] = acc[0] / n_sub
        record[hr, 3] = acc_roc[0] / n_sub


@jit
def _local_day(state, boxes, e_nox, e_voc, vent, h_day, temp, cloud, jrow, inflow, prof_nox, prof_voc, par,
               hourly, record):
    """Advance the boxes *boxes* through one day (same day, weather and inflow; their own emissions
    and ventilation), the box loop innermost and branch-free so that it runs in SIMD lanes.

    *state* (box, 5) = [NO, NO2, O3, ROC, nitrate] (ppb) is updated in place for the rows in
    *boxes*; *e_nox*, *e_voc*, *vent* are indexed by box. *inflow* (24, 4): hourly NO, NO2, O3 [ppb]
    and ROC [ppbC] of the air entering the boxes (by exchange and by entrainment from the residual
    layer). Hourly mean O3 [ppb] goes to *hourly* (24, len(boxes)); when *record* is (24, 4), the
    hourly means of NO, NO2, O3 and ROC of the first box go there (the regional box's composition
    is the inflow of the others).
    """
    k2, k4, k5, k67, f1 = _rates(temp)
    n_sub, dt, h_day, h_night = _day_steps(par, h_day)
    nb = boxes.shape[0]
    no = np.empty(nb)
    no2 = np.empty(nb)
    o3 = np.empty(nb)
    roc = np.empty(nb)
    nit = np.empty(nb)
    inv = np.empty(nb)
    kv = np.empty(nb)
    en0 = np.empty(nb)
    ev0 = np.empty(nb)
    acc = np.empty(nb)
    acc_no = np.empty(nb)
    acc_no2 = np.empty(nb)
    acc_roc = np.empty(nb)
    keep = record.shape[0] == 24
    for i in range(nb):
        b = boxes[i]
        no[i], no2[i], o3[i], roc[i], nit[i] = state[b, 0], state[b, 1], state[b, 2], state[b, 3], state[b, 4]
        kv[i] = vent[b] / 1440.0
        inv[i] = 1.0 / (1.0 + dt * kv[i])
        en0[i] = e_nox[b] * 24.0 / 1440.0 * par[P_NOX2PPB]
        ev0[i] = e_voc[b] * 24.0 / 1440.0 * par[P_VOC2PPBC]
    fno = par[P_NOFRAC]
    vd = par[P_VD]
    h0 = _height(0.0, h_day, h_night)
    for hr in range(24):
        j = jrow[hr] * cloud
        k1 = par[P_REACT] * j * f1
        pn = prof_nox[hr]
        pv = prof_voc[hr]
        no_b, no2_b, o3_b, roc_b = inflow[hr, 0], inflow[hr, 1], inflow[hr, 2], inflow[hr, 3]
        for i in range(nb):
            acc[i] = 0.0
            acc_no[i] = 0.0
            acc_no2[i] = 0.0
            acc_roc[i] = 0.0
        for s in range(n_sub):
            h1 = _height(hr + (s + 1.0) / n_sub, h_day, h_night)
            w = (h1 - h0) / h1 if h1 > h0 else 0.0  # entrainment share (0 when the layer does not grow)
            rh = 1.0 / h1
            h0 = h1
            for i in range(nb):
                # entrainment of residual-layer air
                a_no = no[i] + w * (no_b - no[i])
                a_no2 = no2[i] + w * (no2_b - no2[i])
                a_o3 = o3[i] + w * (o3_b - o3[i])
                a_roc = roc[i] + w * (roc_b - roc[i])
                a_nit = nit[i] - w * nit[i]
                # emission, exchange, deposition (backward Euler)
                en = en0[i] * pn * rh
                a_no = (a_no + dt * (fno * en + kv[i] * no_b)) * inv[i]
                a_no2 = (a_no2 + dt * ((1.0 - fno) * en + kv[i] * no2_b)) * inv[i]
                a_roc = (a_roc + dt * (ev0[i] * pv * rh + kv[i] * roc_b)) * inv[i]
                a_o3 = (a_o3 + dt * kv[i] * o3_b) / (1.0 + dt * (kv[i] + vd * rh))
                a_nit = a_nit * inv[i]
                # chemistry
                p = k1 * a_roc
                bq = k2 * a_no + k67 * a_no2
                root = bq + math.sqrt(bq * bq + 4.0 * k5 * p)
                rp = 2.0 * p / (root if root > 0.0 else 1.0)
                lost = a_no2 * (1.0 - 1.0 / (1.0 + dt * k67 * rp))
                a_no2 -= lost
                a_nit += lost
                conv = dt * k2 * rp * a_no
                used = conv if conv < a_no else a_no  # beyond the NO present: NO2 photolysed back, O3 made
                a_no -= used
                a_no2 += used
                a_o3 += conv - used
                no[i], no2[i], o3[i] = _ps_step(a_no, a_no2, a_o3, k4, j, dt)
                roc[i] = a_roc
                nit[i] = a_nit
                acc[i] += o3[i]
                acc_no[i] += no[i]
                acc_no2[i] += no2[i]
                acc_roc[i] += a_roc
        _store_hour(hourly, record, hr, keep, n_sub, acc, acc_no, acc_no2, acc_roc)
    for i in range(nb):
        b = boxes[i]
        state[b, 0], state[b, 1], state[b, 2], state[b, 3], state[b, 4] = no[i], no2[i], o3[i], roc[i], nit[i]


@jit(inline="always")
def _split(a, x, k4, j):
    """NO2 [ppb] of the photostationary partition of NOx *a* and Ox *x* [ppb]: the root of
    ``k4 (a − z)(x − z) = j z`` in ``[0, min(a, x)]`` (in the dark, the titration to completion,
    ``min(a, x)``, returned without the square root: the same value to rounding)."""
    lo = a if a < x else x
    if j <= 0.0:
        return lo
    b = k4 * (a + x) + j
    q = b * b - 4.0 * k4 * k4 * a * x
    q = q if q > 0.0 else 0.0
    den = b + sqrt_inline(q)
    z = 2.0 * k4 * a * x / (den if den > 1e-300 else 1e-300)
    return z if z < lo else lo


@jit(inline="always")
def _radicals(no, no2, k1roc, k2, k5, k67):
    """RP [ppb] in quasi-steady state: ``k5·RP² + (k2·NO + k67·NO2)·RP − k1·ROC = 0`` (0 in the
    dark, without the square root)."""
    if k1roc <= 0.0:
        return 0.0
    bq = k2 * no + k67 * no2
    root = bq + sqrt_inline(bq * bq + 4.0 * k5 * k1roc)
    return 2.0 * k1roc / (root if root > 0.0 else 1.0)


@jit
def _local_day_exp(state, boxes, e_nox, e_voc, vent, h_day, temp, cloud, jrow, inflow, prof_nox, prof_voc, par,
               hourly, record):
    """:func:`_local_day` with the exponential scheme (``par[P_SCHEME] == 1``, see the module docstring):
    the state is carried as NOx, Ox = O3 + NO2, ROC and nitrate; NO, NO2 and O3 are their
    photostationary partition; each step is an exponential predictor–corrector (Heun) with the
    transport exact and the chemistry rates averaged over the predicted end; hourly means are the
    trapezoid rule over the steps. Same arguments and outputs as :func:`_local_day`."""
    k2, k4, k5, k67, f1 = _rates(temp)
    n_sub, dt, h_day, h_night = _day_steps(par, h_day)
    nb = boxes.shape[0]
    A = np.empty(nb)  # NOx, Ox = O3 + NO2, ROC, nitrate
    X = np.empty(nb)
    R = np.empty(nb)
    N = np.empty(nb)
    ekv = np.empty(nb)
    kv = np.empty(nb)
    en0 = np.empty(nb)
    ev0 = np.empty(nb)
    acc = np.empty(nb)
    acc_no = np.empty(nb)
    acc_no2 = np.empty(nb)
    acc_roc = np.empty(nb)
    zs = np.empty(nb)  # NO2 of the current partition (the same J within the hour: reused, not recomputed)
    keep = record.shape[0] == 24
    for i in range(nb):
        b = boxes[i]
        A[i] = state[b, 0] + state[b, 1]
        X[i] = state[b, 2] + state[b, 1]
        R[i] = state[b, 3]
        N[i] = state[b, 4]
        kv[i] = vent[b] / 1440.0
        ekv[i] = exp_neg(kv[i] * dt)
        en0[i] = e_nox[b] * 24.0 / 1440.0 * par[P_NOX2PPB]
        ev0[i] = e_voc[b] * 24.0 / 1440.0 * par[P_VOC2PPBC]
    fno = par[P_NOFRAC]
    vd = par[P_VD]
    h0 = _height(0.0, h_day, h_night)
    for hr in range(24):
        j = jrow[hr] * cloud
        k1 = par[P_REACT] * j * f1
        pn = prof_nox[hr]
        pv = prof_voc[hr]
        ab = inflow[hr, 0] + inflow[hr, 1]
        xb = inflow[hr, 2] + inflow[hr, 1]
        rb = inflow[hr, 3]
        for i in range(nb):
            z = _split(A[i], X[i], k4, j)
            zs[i] = z
            acc[i] = 0.5 * (X[i] - z)
            acc_no[i] = 0.5 * (A[i] - z)
            acc_no2[i] = 0.5 * z
            acc_roc[i] = 0.5 * R[i]
        for s in range(n_sub):
            h1 = _height(hr + (s + 1.0) / n_sub, h_day, h_night)
            hm = _height(hr + (s + 0.5) / n_sub, h_day, h_night)
            g = h0 / h1 if h1 > h0 else 1.0   # dilution by entrainment over the step
            kent = -math.log(g) / dt
            rhm = 1.0 / hm
            h0 = h1
            last = s == n_sub - 1
            for i in range(nb):
                e = ekv[i] * g                  # relaxation to the inflow over the step
                lam = kv[i] + kent
                phi = (1.0 - e) / lam if lam * dt > 1e-10 else dt
                ea = en0[i] * pn * rhm
                ex = (1.0 - fno) * ea
                # ROC and transport-only parts
                r1 = R[i] * e + phi * (ev0[i] * pv * rhm + lam * rb)
                # stage 1 rates at the start
                z0 = zs[i]
                no0 = A[i] - z0
                o30 = X[i] - z0
                rp0 = _radicals(no0, z0, k1 * R[i], k2, k5, k67)
                pa0 = k2 * rp0 * no0
                qn0 = k67 * rp0 * z0
                ld0 = vd * rhm * o30
                # predictor
                srcA = A[i] * e + phi * (ea + lam * ab)
                qa = qn0 * phi
                qa = qa if qa < srcA else srcA
                a_s = srcA - qa
                lx0 = (ld0 + qn0) / (X[i] if X[i] > 1e-30 else 1e-30)
                ltot = lam + lx0
                ex0 = exp_neg(ltot * dt)
                phx = (1.0 - ex0) / ltot if ltot * dt > 1e-10 else dt
                x_s = X[i] * ex0 + phx * (ex + lam * xb + pa0)
                # stage 2 rates at the predicted end
                z1 = _split(a_s, x_s, k4, j)
                no1 = a_s - z1
                o31 = x_s - z1
                rp1 = _radicals(no1, z1, k1 * r1, k2, k5, k67)
                pa = 0.5 * (pa0 + k2 * rp1 * no1)
                qn = 0.5 * (qn0 + k67 * rp1 * z1)
                ld = 0.5 * (ld0 + vd * rhm * o31)
                lx = (ld + qn) / (X[i] if X[i] > 1e-30 else 1e-30)
                ltot = lam + lx
                ex1 = exp_neg(ltot * dt)
                phx = (1.0 - ex1) / ltot if ltot * dt > 1e-10 else dt
                qa = qn * phi
                qa = qa if qa < srcA else srcA
                N[i] = N[i] * e + qa
                A[i] = srcA - qa
                X[i] = X[i] * ex1 + phx * (ex + lam * xb + pa)
                R[i] = r1
                z = _split(A[i], X[i], k4, j)
                zs[i] = z
                o3n = X[i] - z
                wgt = 0.5 if last else 1.0
                acc[i] += wgt * o3n
                acc_no[i] += wgt * (A[i] - z)
                acc_no2[i] += wgt * z
                acc_roc[i] += wgt * R[i]
        _store_hour(hourly, record, hr, keep, n_sub, acc, acc_no, acc_no2, acc_roc)
    # the state leaves as species, partitioned with the last hour's J
    j = jrow[23] * cloud
    for i in range(nb):
        b = boxes[i]
        z = _split(A[i], X[i], k4, j)
        state[b, 0], state[b, 1], state[b, 2], state[b, 3], state[b, 4] = A[i] - z, z, X[i] - z, R[i], N[i]


@jit
def _mda8(hourly):
    """Maximum of the 8-h means ending at 08…24 h (HJ 663-2013) of one day's hourly values."""
    s = 0.0
    for i in range(8):
        s += hourly[i]
    best = s
    for i in range(8, 24):
        s += hourly[i] - hourly[i - 8]
        if s > best:
            best = s
    return best / 8.0


@jit(inline="always")
def _advance_day(state, boxes, e_nox, e_voc, vent, h_day, temp, cloud, jrow, inflow, prof_nox, prof_voc, par,
                 hourly, record):
    """One day of the boxes *boxes* with the scheme ``par[P_SCHEME]`` (0 splitting, 1 exponential)."""
    if par[P_SCHEME] > 0.5:
        _local_day_exp(state, boxes, e_nox, e_voc, vent, h_day, temp, cloud, jrow, inflow, prof_nox, prof_voc,
                       par, hourly, record)
    else:
        _local_day(state, boxes, e_nox, e_voc, vent, h_day, temp, cloud, jrow, inflow, prof_nox, prof_voc, par,
                   hourly, record)


@jit
def _local_boxes(n_b, regional):
    """Indices of the boxes other than the *regional* one (every box when it is out of range)."""
    n_loc = n_b - 1 if 0 <= regional < n_b else n_b
    local = np.empty(n_loc, dtype=np.int64)
    k = 0
    for b in range(n_b):
        if b != regional:
            local[k] = b
            k += 1
    return local


@jit(parallel=True)
def run_grs(e_nox, e_voc, period, vent, mixh, temp, cloud, jtab, o3_bg, prof_nox, prof_voc, par, spinup, regional,
            out_mda8, out_hourly, keep_hourly):
    """Run every member and box through all days.

    Shapes: e_nox, e_voc (period, box) [µg m⁻² d⁻¹]; period (day,); vent (member, day, box) [1/d];
    mixh, temp, cloud, o3_bg (member, day) [m, K, 1, ppb]; jtab (day, 24) [1/min]; out_mda8
    (member, day, box) [µg/m³]; out_hourly (member, day, 24, box) [ppb] when *keep_hourly*.
    Box *regional* (or none if < 0) is run first each day with background inflow (``o3_bg``,
    ``par[P_NOXBG]``, ``par[P_ROCBG]``); its hourly composition is the inflow of every other box.
    The first day is repeated *spinup* times before recording.
    """
    n_m, n_d, n_b = out_mda8.shape
    for m in prange(n_m):
        state = np.empty((n_b, 5))
        for b in range(n_b):
            state[b, 0] = 0.1 * par[P_NOXBG]
            state[b, 1] = 0.9 * par[P_NOXBG]
            state[b, 2] = o3_bg[m, 0]
            state[b, 3] = par[P_ROCBG]
            state[b, 4] = 0.0
        hourly = np.empty((24, 1))
        regional_box = np.array([regional], dtype=np.int64)
        no_record = np.empty((1, 4))
        outer = np.empty((24, 4))
        inflow = np.empty((24, 4))
        local = _local_boxes(n_b, regional)
        n_loc = local.shape[0]
        hourly_local = np.empty((24, n_loc))
        day = np.empty(24)
        for dd in range(-spinup, n_d):
            d = dd if dd > 0 else 0
            p = period[d]
            for h in range(24):
                outer[h, 0] = 0.1 * par[P_NOXBG]
                outer[h, 1] = 0.9 * par[P_NOXBG]
                outer[h, 2] = o3_bg[m, d]
                outer[h, 3] = par[P_ROCBG]
            if regional >= 0:
                _advance_day(state, regional_box, e_nox[p], e_voc[p], vent[m, d], mixh[m, d], temp[m, d], cloud[m, d],
                           jtab[d], outer, prof_nox, prof_voc, par, hourly, inflow)
                if dd >= 0:
                    for h in range(24):
                        day[h] = hourly[h, 0]
                    out_mda8[m, d, regional] = _mda8(day) * par[P_O3UG]
                    if keep_hourly:
                        for h in range(24):
                            out_hourly[m, d, h, regional] = day[h]
            else:
                inflow[:, :] = outer
            _advance_day(state, local, e_nox[p], e_voc[p], vent[m, d], mixh[m, d], temp[m, d], cloud[m, d], jtab[d],
                       inflow, prof_nox, prof_voc, par, hourly_local, no_record)
            if dd >= 0:
                for i in range(n_loc):
                    b = local[i]
                    for h in range(24):
                        day[h] = hourly_local[h, i]
                    out_mda8[m, d, b] = _mda8(day) * par[P_O3UG]
                    if keep_hourly:
                        for h in range(24):
                            out_hourly[m, d, h, b] = day[h]


#: members advanced together by :func:`run_grs_exp_lanes` (the SIMD lanes of its innermost loops)
LANES = 8

# The box being advanced by _exp_day_lanes lives in a stack frame ``W`` (ecomodel._mathkernels.stack_array)
# of rows of LANES values: NOx, Ox, ROC, nitrate, the partition's NO2 and the hour's trapezoid sums of NO,
# NO2, O3 and ROC. The step loops write only to it and read the inputs from their own arrays; since a
# stack array aliases nothing, LLVM needs no run-time alias checks and vectorises these 8-iteration loops
# (it emits no such checks for loops under 16 iterations). The lanes are indexed with unsigned integers:
# a signed index carries numba's negative-index wrap-around, a select that hides the unit stride.
_U = np.uint64
W_A, W_X, W_R, W_N, W_Z, W_ACC = _U(0), _U(LANES), _U(2 * LANES), _U(3 * LANES), _U(4 * LANES), _U(5 * LANES)
W_ACC_NO2, W_ACC_O3, W_ACC_ROC = _U(6 * LANES), _U(7 * LANES), _U(8 * LANES)
NW = 9 * LANES
_LANES_U = _U(LANES)


@jit(inline="always")
def _lit_lanes(W, b, st, hr, kv, ekv, k2s, k4s, k1s, js, gs, kents, rhms, inflow, en, ev, fno, vd, k5, k67, dt,
               wgt):
    """Step *st* (hour *hr*) of box *b* held in the frame *W* for every lane: the step of
    :func:`_local_day_exp`, the same operations in the same order (*en*, *ev*: the box's NOx and ROC
    emission per m of mixed layer this hour; the other arrays as in :func:`_exp_day_lanes`)."""
    for q in range(_LANES_U):
        e = ekv[b, q] * gs[st, q]
        lam = kv[b, q] + kents[st, q]
        phi = (1.0 - e) / lam if lam * dt > 1e-10 else dt
        rhm = rhms[st, q]
        ea = en * rhm
        ex = (1.0 - fno) * ea
        rr = W[W_R + q]
        r1 = rr * e + phi * (ev * rhm + lam * inflow[hr, 3, q])
        k2 = k2s[q]
        k1 = k1s[hr, q]
        z0 = W[W_Z + q]
        aa = W[W_A + q]
        xx = W[W_X + q]
        no0 = aa - z0
        o30 = xx - z0
        rp0 = _radicals(no0, z0, k1 * rr, k2, k5, k67)
        pa0 = k2 * rp0 * no0
        qn0 = k67 * rp0 * z0
        ld0 = vd * rhm * o30
        srcA = aa * e + phi * (ea + lam * (inflow[hr, 0, q] + inflow[hr, 1, q]))
        qa = qn0 * phi
        qa = qa if qa < srcA else srcA
        a_s = srcA - qa
        lx0 = (ld0 + qn0) / (xx if xx > 1e-30 else 1e-30)
        ltot = lam + lx0
        ex0 = exp_neg_inline(ltot * dt)
        phx = (1.0 - ex0) / ltot if ltot * dt > 1e-10 else dt
        xb = inflow[hr, 2, q] + inflow[hr, 1, q]
        x_s = xx * ex0 + phx * (ex + lam * xb + pa0)
        k4 = k4s[q]
        j = js[hr, q]
        z1 = _split(a_s, x_s, k4, j)
        no1 = a_s - z1
        o31 = x_s - z1
        rp1 = _radicals(no1, z1, k1 * r1, k2, k5, k67)
        pa = 0.5 * (pa0 + k2 * rp1 * no1)
        qn = 0.5 * (qn0 + k67 * rp1 * z1)
        ld = 0.5 * (ld0 + vd * rhm * o31)
        lx = (ld + qn) / (xx if xx > 1e-30 else 1e-30)
        ltot = lam + lx
        ex1 = exp_neg_inline(ltot * dt)
        phx = (1.0 - ex1) / ltot if ltot * dt > 1e-10 else dt
        qa = qn * phi
        qa = qa if qa < srcA else srcA
        W[W_N + q] = W[W_N + q] * e + qa
        an = srcA - qa
        xn = xx * ex1 + phx * (ex + lam * xb + pa)
        W[W_A + q] = an
        W[W_X + q] = xn
        W[W_R + q] = r1
        z = _split(an, xn, k4, j)
        W[W_Z + q] = z
        W[W_ACC + q] += wgt * (an - z)
        W[W_ACC_NO2 + q] += wgt * z
        W[W_ACC_O3 + q] += wgt * (xn - z)
        W[W_ACC_ROC + q] += wgt * r1


@jit(inline="always")
def _dark_lanes(W, b, st, hr, kv, ekv, gs, kents, rhms, inflow, en, ev, fno, vd, dt, wgt):
    """:func:`_lit_lanes` in an hour without photolysis: the general step with J = k1 = 0 (RP = 0, so
    no conversion and no nitrate formation; the partition is ``min(NOx, Ox)``), the same operations
    without the radical and partition roots."""
    for q in range(_LANES_U):
        e = ekv[b, q] * gs[st, q]
        lam = kv[b, q] + kents[st, q]
        phi = (1.0 - e) / lam if lam * dt > 1e-10 else dt
        rhm = rhms[st, q]
        ea = en * rhm
        ex = (1.0 - fno) * ea
        r1 = W[W_R + q] * e + phi * (ev * rhm + lam * inflow[hr, 3, q])
        xx = W[W_X + q]
        ld0 = vd * rhm * (xx - W[W_Z + q])
        src_a = W[W_A + q] * e + phi * (ea + lam * (inflow[hr, 0, q] + inflow[hr, 1, q]))
        rx = 1.0 / (xx if xx > 1e-30 else 1e-30)
        ltot = lam + ld0 * rx
        ex0 = exp_neg_inline(ltot * dt)
        phx = (1.0 - ex0) / ltot if ltot * dt > 1e-10 else dt
        xb = inflow[hr, 2, q] + inflow[hr, 1, q]
        x_s = xx * ex0 + phx * (ex + lam * xb)
        z1 = src_a if src_a < x_s else x_s
        ld = 0.5 * (ld0 + vd * rhm * (x_s - z1))
        ltot = lam + ld * rx
        ex1 = exp_neg_inline(ltot * dt)
        phx = (1.0 - ex1) / ltot if ltot * dt > 1e-10 else dt
        W[W_N + q] = W[W_N + q] * e
        xn = xx * ex1 + phx * (ex + lam * xb)
        W[W_A + q] = src_a
        W[W_X + q] = xn
        W[W_R + q] = r1
        z = src_a if src_a < xn else xn
        W[W_Z + q] = z
        W[W_ACC + q] += wgt * (src_a - z)
        W[W_ACC_NO2 + q] += wgt * z
        W[W_ACC_O3 + q] += wgt * (xn - z)
        W[W_ACC_ROC + q] += wgt * r1


@jit(error_model="numpy", fastmath=EXACT_FASTMATH)
def _exp_day_lanes(S, boxes, nl, en0, ev0, kv, ekv, k2, k4, k1s, js, jlast, gs, kents, rhms, inflow, par, k5, k67,
                   dt, n_sub, prof_nox, prof_voc, hourly, record, keep):
    """:func:`_local_day_exp` for *nl* members at once, the member loop innermost (SIMD lanes).

    *S* (box, 5, lane) = [NO, NO2, O3, ROC, nitrate] of the chunk's members, updated in place for the
    boxes *boxes*; *en0*, *ev0* (box,) emissions in ppb min⁻¹ per m of mixed layer; *kv*, *ekv*
    (box, lane) exchange rate and its step factor; *k2*, *k4* (lane,) rates; *k1s*, *js* (24, lane)
    k1 and J per hour; *jlast* (lane,) J of the last hour; *gs*, *kents*, *rhms* (step, lane)
    entrainment dilution, its rate and 1/h at mid-step; *inflow* (24, 4, lane) the air entering;
    *hourly* (24, box, lane) hourly mean O3; *record* (24, 4, lane) the first box's hourly NO, NO2,
    O3, ROC when *keep*. All arrays have :data:`LANES` lanes (those beyond *nl* hold valid
    placeholder values and are never output). Per member the operations and their order are those
    of :func:`_local_day_exp`; the results agree to rounding (not bit for bit: the compiled code
    rounds differently under the fast-math flags; about 1e-13 relative over days, compounding to
    ~1e-11 over a year).

    The boxes are independent within the day: each is advanced through the 24 hours in the stack
    frame ``W`` (see :data:`NW`), where LLVM vectorises the step loops over all :data:`LANES` lanes
    (4 per instruction with AVX2, two vector iterations and no scalar remainder, so every lane runs
    the same code: a member's numbers do not depend on its lane). Hours without photolysis in every
    lane (about 11 of 24 at 31.8 °N) take :func:`_dark_lanes`, the same step without the radical and
    partition square roots. Compiled without ``reassoc`` (:data:`EXACT_FASTMATH`): numba links a copy of
    this function into its caller and optimises it again there, and which copy runs depends on
    whether the kernels were compiled in this process or loaded from the cache; with ``reassoc`` the
    second optimisation reordered arithmetic (~1e-14 relative), without it both copies give the same
    bits.
    """
    nb = boxes.shape[0]
    W = stack_array(NW)
    fno = par[P_NOFRAC]
    vd = par[P_VD]
    dark = np.empty(24, dtype=np.bool_)  # no photolysis in any lane: no radicals, titration to completion
    for hr in range(24):
        dark[hr] = True
        for q in range(nl):
            dark[hr] = dark[hr] and js[hr, q] <= 0.0
    for i in range(nb):
        b = boxes[i]
        for k in range(NW):
            W[k] = 0.0  # lanes beyond nl stay at zero
        for q in range(nl):
            W[W_A + q] = S[b, 0, q] + S[b, 1, q]
            W[W_X + q] = S[b, 2, q] + S[b, 1, q]
            W[W_R + q] = S[b, 3, q]
            W[W_N + q] = S[b, 4, q]
        for hr in range(24):
            en = en0[b] * prof_nox[hr]
            ev = ev0[b] * prof_voc[hr]
            for q in range(_LANES_U):
                z = _split(W[W_A + q], W[W_X + q], k4[q], js[hr, q])
                W[W_Z + q] = z
                W[W_ACC + q] = 0.5 * (W[W_A + q] - z)
                W[W_ACC_NO2 + q] = 0.5 * z
                W[W_ACC_O3 + q] = 0.5 * (W[W_X + q] - z)
                W[W_ACC_ROC + q] = 0.5 * W[W_R + q]
            for s in range(n_sub):
                st = hr * n_sub + s
                wgt = 0.5 if s == n_sub - 1 else 1.0
                if dark[hr]:
                    _dark_lanes(W, b, st, hr, kv, ekv, gs, kents, rhms, inflow, en, ev, fno, vd, dt, wgt)
                else:
                    _lit_lanes(W, b, st, hr, kv, ekv, k2, k4, k1s, js, gs, kents, rhms, inflow, en, ev, fno, vd, k5,
                               k67, dt, wgt)
            for q in range(nl):
                hourly[hr, i, q] = W[W_ACC_O3 + q] / n_sub
            if keep and i == 0:
                for q in range(nl):
                    record[hr, 0, q] = W[W_ACC + q] / n_sub
                    record[hr, 1, q] = W[W_ACC_NO2 + q] / n_sub
                    record[hr, 2, q] = W[W_ACC_O3 + q] / n_sub
                    record[hr, 3, q] = W[W_ACC_ROC + q] / n_sub
        for q in range(nl):
            z = _split(W[W_A + q], W[W_X + q], k4[q], jlast[q])
            S[b, 0, q] = W[W_A + q] - z
            S[b, 1, q] = z
            S[b, 2, q] = W[W_X + q] - z
            S[b, 3, q] = W[W_R + q]
            S[b, 4, q] = W[W_N + q]


@jit
def _lane_weather(m0, nl, d, mixh, temp, cloud, jrow, par, k2, k4, k1s, js, jlast, gs, kents, rhms):
    """Per member of the chunk starting at *m0*: the day's rates, J and k1 per hour and the
    entrainment of every step (as :func:`_local_day_exp` computes them, scalar: they call libm)."""
    n_sub = int(par[P_SUB])
    for q in range(nl):
        m = m0 + q
        k2q, k4q, k5, k67, f1 = _rates(temp[m, d])
        k2[q] = k2q
        k4[q] = k4q
        n_sub, dt, h_day, h_night = _day_steps(par, mixh[m, d])
        c = cloud[m, d]
        for hr in range(24):
            j = jrow[hr] * c
            js[hr, q] = j
            k1s[hr, q] = par[P_REACT] * j * f1
        jlast[q] = jrow[23] * c
        h0 = _height(0.0, h_day, h_night)
        for hr in range(24):
            for s in range(n_sub):
                h1 = _height(hr + (s + 1.0) / n_sub, h_day, h_night)
                hm = _height(hr + (s + 0.5) / n_sub, h_day, h_night)
                g = h0 / h1 if h1 > h0 else 1.0
                st = hr * n_sub + s
                gs[st, q] = g
                kents[st, q] = -math.log(g) / dt
                rhms[st, q] = 1.0 / hm
                h0 = h1


@jit(inline="always")
def _store_lanes(hourly, i, b, m0, nl, d, o3ug, day, out_mda8, out_hourly, keep_hourly):
    """MDA8 [µg/m³] (and with *keep_hourly* the hourly O3) of box *b* (row *i* of *hourly*) for the
    *nl* members of the chunk starting at *m0*, day *d*."""
    for q in range(nl):
        for h in range(24):
            day[h] = hourly[h, i, q]
        out_mda8[m0 + q, d, b] = _mda8(day) * o3ug
        if keep_hourly:
            for h in range(24):
                out_hourly[m0 + q, d, h, b] = day[h]


@jit(parallel=True)
def run_grs_exp_lanes(e_nox, e_voc, period, vent, mixh, temp, cloud, jtab, o3_bg, prof_nox, prof_voc, par, spinup,
                      regional, out_mda8, out_hourly, keep_hourly):
    """:func:`run_grs` for the exponential scheme with :data:`LANES` members advanced together
    (:func:`_exp_day_lanes`): same arguments, the same results member by member."""
    n_m, n_d, n_b = out_mda8.shape
    L = LANES
    n_chunk = (n_m + L - 1) // L
    n_sub = int(par[P_SUB])
    dt = 60.0 / n_sub
    k5 = 10.2
    k67 = 0.24
    local = _local_boxes(n_b, regional)
    n_loc = local.shape[0]
    for c in prange(n_chunk):
        m0 = c * L
        nl = min(L, n_m - m0)
        S = np.zeros((n_b, 5, L))
        for b in range(n_b):
            for q in range(nl):
                S[b, 0, q] = 0.1 * par[P_NOXBG]
                S[b, 1, q] = 0.9 * par[P_NOXBG]
                S[b, 2, q] = o3_bg[m0 + q, 0]
                S[b, 3, q] = par[P_ROCBG]
        k2 = np.ones(L)
        k4 = np.ones(L)
        jlast = np.zeros(L)
        k1s = np.zeros((24, L))
        js = np.zeros((24, L))
        gs = np.ones((24 * n_sub, L))
        kents = np.zeros((24 * n_sub, L))
        rhms = np.ones((24 * n_sub, L))
        kv = np.zeros((n_b, L))
        ekv = np.ones((n_b, L))
        en0 = np.empty(n_b)
        ev0 = np.empty(n_b)
        outer = np.zeros((24, 4, L))
        inflow = np.zeros((24, 4, L))
        hourly_r = np.zeros((24, 1, L))
        hourly_l = np.zeros((24, n_loc, L))
        no_record = np.zeros((1, 4, L))
        regional_box = np.array([regional], dtype=np.int64)
        day = np.empty(24)
        for dd in range(-spinup, n_d):
            d = dd if dd > 0 else 0
            p = period[d]
            _lane_weather(m0, nl, d, mixh, temp, cloud, jtab[d], par, k2, k4, k1s, js, jlast, gs, kents, rhms)
            for b in range(n_b):
                en0[b] = e_nox[p, b] * 24.0 / 1440.0 * par[P_NOX2PPB]
                ev0[b] = e_voc[p, b] * 24.0 / 1440.0 * par[P_VOC2PPBC]
                for q in range(nl):
                    kv[b, q] = vent[m0 + q, d, b] / 1440.0
                    ekv[b, q] = exp_neg(kv[b, q] * dt)
            for h in range(24):
                for q in range(nl):
                    outer[h, 0, q] = 0.1 * par[P_NOXBG]
                    outer[h, 1, q] = 0.9 * par[P_NOXBG]
                    outer[h, 2, q] = o3_bg[m0 + q, d]
                    outer[h, 3, q] = par[P_ROCBG]
            if regional >= 0:
                _exp_day_lanes(S, regional_box, nl, en0, ev0, kv, ekv, k2, k4, k1s, js, jlast, gs, kents, rhms, outer,
                               par, k5, k67, dt, n_sub, prof_nox, prof_voc, hourly_r, inflow, True)
                if dd >= 0:
                    _store_lanes(hourly_r, 0, regional, m0, nl, d, par[P_O3UG], day, out_mda8, out_hourly,
                                 keep_hourly)
            else:
                inflow[:, :, :] = outer
            _exp_day_lanes(S, local, nl, en0, ev0, kv, ekv, k2, k4, k1s, js, jlast, gs, kents, rhms, inflow, par, k5,
                           k67, dt, n_sub, prof_nox, prof_voc, hourly_l, no_record, False)
            if dd >= 0:
                for i in range(n_loc):
                    _store_lanes(hourly_l, i, local[i], m0, nl, d, par[P_O3UG], day, out_mda8, out_hourly,
                                 keep_hourly)
