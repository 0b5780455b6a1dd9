"""Numba kernels of the multi-box PM2.5 model (imported lazily by the topic modules).

Fixed model units: concentrations in µg/m³ of the named species (SO2, NO2 for NOx, HNO3, NH3,
SO4²⁻, NO3⁻, NH4⁺, VOC mass, organic-aerosol mass, primary PM2.5), time in days, lengths in
metres, emission fluxes in µg m⁻² d⁻¹, temperature in K, relative humidity as a fraction.
Partitioning works in µmol/m³.

The transport operator of the whole domain, ``u·G − k·I`` (``G`` the exchange matrix per unit
wind [1/m], ``k`` a box-independent loss rate [1/d]), is diagonal in the eigenbasis of ``G``
(``G = V·diag(λ)·W``, ``W = V⁻¹``), so every linear step is an exact exponential step per mode:
``y⁺ = a·y + Δt·φ(x)·z`` with ``x = (u·λ − k)·Δt``, ``a = eˣ``, ``φ(x) = (eˣ − 1)/x``; the
step mean is ``ȳ = φ(x)·y + Δt·ψ(x)·z`` with ``ψ(x) = (φ(x) − 1)/x``.
"""

from __future__ import annotations

import math

import numpy as np

from ecomodel._numba import jit, prange

# ---------------------------------------------------------------------------------------- indices
SO2, SO4, NOX, HNO3, NO3, NH3, NH4, VOC, SOA, PPM = range(10)
NSPEC = 10
#: loss group of each species: 0 SO2, 1 NOx, 2 HNO3, 3 NH3, 4 VOC, 5 aerosol
GROUP_OF = np.array([0, 5, 1, 2, 5, 3, 5, 4, 5, 5], dtype=np.int64)
NGROUP = 6
#: output variables (components=True): sulfate, nitrate, ammonium, SOA, primary, total PM2.5
OUT_SO4, OUT_NO3, OUT_NH4, OUT_SOA, OUT_PPM, OUT_PM25 = range(6)
NOUT = 6

# molar masses [g/mol]
M_SO2 = 64.066
M_SO4 = 96.06
M_NO2 = 46.0055
M_HNO3 = 63.0128
M_NO3 = 62.0049
M_NH3 = 17.0305
M_NH4 = 18.0385
R_GAS = 8.314462618

# ---------------------------------------------------------------------------- parameter vector
# (layout shared with ecomodel.air.box.ProcessParameters.to_vector)
P_VD = 0            # 6 dry-deposition velocities [m/d], one per loss group
P_WET = 6           # 6 wet-scavenging coefficients [1/d at 1 mm/d], one per loss group
P_WET_EXP = 12      # exponent of the precipitation dependence [1]
P_OH_MEAN = 13      # annual mean 24-h OH [molecule/cm3]
P_OH_AMP = 14       # relative seasonal amplitude of OH [1]
P_OH_PEAK = 15      # day of year of the OH maximum
P_K_SO2_OH = 16     # SO2 + OH rate constant [cm3/molecule/s]
P_K_SO2_AQ = 17     # aqueous/heterogeneous SO2 oxidation at RH = 100 % [1/d]
P_RH_AQ = 18        # RH threshold of the aqueous pathway [1]
P_K_NO2_OH = 19     # NO2 + OH rate constant [cm3/molecule/s]
P_F_NO2 = 20        # NO2/NOx ratio [1]
P_K_NOX_HET = 21    # night-time N2O5 hydrolysis pathway at RH = 100 % [1/d]
P_K_VOC_OH = 22     # effective VOC + OH rate constant [cm3/molecule/s]
P_SOA_YIELD = 23    # SOA mass yield of reacted VOC [1]
P_PRESSURE = 24     # surface pressure [Pa]
NPAR = 25


@jit
def _oh(doy, par):
    """24-h mean OH [molecule/cm3] on day of year *doy* (cosine seasonal cycle)."""
    return par[P_OH_MEAN] * (1.0 + par[P_OH_AMP] * math.cos(2.0 * math.pi * (doy - par[P_OH_PEAK]) / 365.25))


@jit
def _chem_rates(doy, rh, par):
    """Chemical conversion rates [1/d]: (SO2 → sulfate, NOx → HNO3, VOC oxidation)."""
    oh = _oh(doy, par)
    wet = rh - par[P_RH_AQ]
    if wet < 0.0:
        wet = 0.0
    wet = wet / (1.0 - par[P_RH_AQ])
    k_so2 = par[P_K_SO2_OH] * oh * 86400.0 + par[P_K_SO2_AQ] * wet
    k_nox = par[P_K_NO2_OH] * par[P_F_NO2] * oh * 86400.0 + par[P_K_NOX_HET] * rh
    k_voc = par[P_K_VOC_OH] * oh * 86400.0
    return k_so2, k_nox, k_voc


@jit
def _kp_nitrate(temp, rh, pressure):
    """NH4NO3 dissociation constant in (µmol/m³)² at *temp* [K], *rh* [1] (Mozurkewich 1993).

    Below the deliquescence RH, ``ln Kp = 118.87 − 24084/T − 6.025 ln T`` [ppb²]; above it the
    aqueous constant ``[P1 − P2(1−a) + P3(1−a)²]·(1−a)^1.75·Kp`` with ``a = RH``.
    """
    lt = math.log(temp)
    it = 1.0 / temp
    lnkp = 118.87 - 24084.0 * it - 6.025 * lt
    kp = math.exp(lnkp)
    drh = math.exp(618.3 * it - 2.551)
    if rh >= drh:
        one = 1.0 - rh
        if one < 1e-6:
            one = 1e-6
        p1 = math.exp(-135.94 + 8763.0 * it + 19.12 * lt)
        p2 = math.exp(-122.65 + 9969.0 * it + 16.22 * lt)
        p3 = math.exp(-182.61 + 13875.0 * it + 24.46 * lt)
        factor = (p1 - p2 * one + p3 * one * one) * math.exp(1.75 * math.log(one))
        if factor < 0.0:
            factor = 0.0
        kp = kp * factor
    # ppb -> µmol/m3: 1 ppb = 1e-9 * p / (R T) mol/m3 = 1e-3 * p / (R T) µmol/m3
    conv = 1e-3 * pressure / (R_GAS * temp)
    return kp * conv * conv


@jit
def _partition(s, ta, tn, kp):
    """Equilibrium of one box in µmol/m³: sulfate *s*, total ammonia *ta*, total nitrate *tn*.

    Returns ``(nh3_gas, nh4_aerosol, hno3_gas, no3_aerosol)``. Sulfate takes ammonia first
    (up to (NH4)2SO4); the free ammonia ``A = ta − 2s`` then forms NH4NO3 while
    ``(A − x)(tn − x) = kp`` has a root ``x > 0``.
    """
    if s < 0.0:
        s = 0.0
    if ta < 0.0:
        ta = 0.0
    if tn < 0.0:
        tn = 0.0
    free = ta - 2.0 * s
    if free <= 0.0:
        return 0.0, ta, tn, 0.0
    prod = free * tn - kp
    x = 0.0
    if prod > 0.0:
        x = prod / (0.5 * (free + tn) + 0.5 * math.sqrt((free - tn) * (free - tn) + 4.0 * kp))
        if x > free:
            x = free
        if x > tn:
            x = tn
    return free - x, 2.0 * s + x, tn - x, x


@jit
def partition_many(so4, nh3_total, hno3_total, temp, rh, pressure, out):
    """Partition arrays (µg/m³ of SO4, total ammonia as NH3, total nitrate as HNO3) in place.

    ``out[:, 0..3]`` = NH3 gas, NH4⁺, HNO3 gas, NO3⁻ [µg/m³]; all inputs 1-d of one length.
    """
    for i in range(so4.shape[0]):
        kp = _kp_nitrate(temp[i], rh[i], pressure)
        a, b, c, d = _partition(so4[i] / M_SO4, nh3_total[i] / M_NH3, hno3_total[i] / M_HNO3, kp)
        out[i, 0] = a * M_NH3
        out[i, 1] = b * M_NH4
        out[i, 2] = c * M_HNO3
        out[i, 3] = d * M_NO3


#: order in which species are stepped (precursors before their products)
STEP_ORDER = np.array([SO2, NOX, VOC, NH3, NO3, NH4, PPM, SO4, HNO3, SOA], dtype=np.int64)
#: precursor of each species (-1: none) — SO4 ← SO2, HNO3 ← NOx, SOA ← VOC
PRECURSOR = np.array([-1, SO2, -1, NOX, -1, -1, -1, -1, VOC, -1], dtype=np.int64)


@jit
def _matvec(M, x, out):
    n = M.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += M[i, j] * x[j]
        out[i] = acc


def _simulate_impl(lam, V, W, wb, c_out, emis_modal, period, scenario, wind, mixh, temp, rh, prec, doy,
                   par, nsub, chemistry, state, out):
    """Integrate the multi-box model for every member (``prange`` over members).

    Shapes: ``lam (n)``, ``V, W (n, n)``, ``wb (n)`` [1/m]; ``c_out (NSPEC)`` [µg/m³];
    ``emis_modal (n_scen, n_period, NSPEC, n)`` = W·(flux/area) [µg m⁻² d⁻¹]; ``period (n_day)``,
    ``scenario (n_member)`` int64; met ``(n_member, n_day)``: wind [m/s], mixing height [m],
    temperature [K], RH [1], precipitation [mm/d]; ``doy (n_day)``; ``state (n_member, NSPEC, n)``
    physical start state, overwritten by the end state; ``out (n_out, n_member, n_day, n)`` daily
    means [µg/m³] (n_out = 6 components or 1 = PM2.5 only).
    """
    n = lam.shape[0]
    n_member = wind.shape[0]
    n_day = wind.shape[1]
    n_out = out.shape[0]
    dt = 1.0 / nsub
    inv_sub = 1.0 / nsub
    for m in prange(n_member):
        y = np.empty((NSPEC, n))      # modal state
        acc = np.empty((NSPEC, n))    # modal sum of step means
        ybar = np.empty((NSPEC, n))   # modal step mean of the current step
        z = np.empty((NSPEC, n))      # modal constant sources
        a_c = np.empty((NGROUP, n))
        phi_c = np.empty((NGROUP, n))
        psi_c = np.empty((NGROUP, n))
        k = np.empty(NGROUP)
        ex = np.empty(n)
        prod = np.zeros(NSPEC)        # production factor from the precursor's step mean
        w1 = np.empty(n)
        w2 = np.empty(n)
        w3 = np.empty(n)
        w4 = np.empty(n)
        w5 = np.empty(n)
        sc = scenario[m]
        for s in range(NSPEC):
            _matvec(W, state[m, s], w1)
            for j in range(n):
                y[s, j] = w1[j]
        for d in range(n_day):
            u = wind[m, d] * 86400.0
            h = mixh[m, d]
            per = period[d]
            wet = prec[m, d] ** par[P_WET_EXP] if prec[m, d] > 0.0 else 0.0
            for g in range(NGROUP):
                k[g] = par[P_VD + g] / h + par[P_WET + g] * wet
            kp = 0.0
            if chemistry:
                k_so2, k_nox, k_voc = _chem_rates(doy[d], rh[m, d], par)
                k[0] += k_so2
                k[1] += k_nox
                k[4] += k_voc
                prod[SO4] = k_so2 * (M_SO4 / M_SO2)
                prod[HNO3] = k_nox * (M_HNO3 / M_NO2)
                prod[SOA] = k_voc * par[P_SOA_YIELD]
                kp = _kp_nitrate(temp[m, d], rh[m, d], par[P_PRESSURE])
            ud = u * dt
            for j in range(n):
                ex[j] = math.exp(ud * lam[j])
            for g in range(NGROUP):
                eg = math.exp(-k[g] * dt)
                kg = k[g] * dt
                for j in range(n):
                    x = ud * lam[j] - kg
                    a = ex[j] * eg
                    a_c[g, j] = a
                    if x > -1e-3:   # series near 0 (x <= 0 always)
                        phi_c[g, j] = (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0)))) * dt
                        psi_c[g, j] = (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x / 720.0)))) * dt
                    else:
                        inv = 1.0 / x
                        ph = (a - 1.0) * inv
                        phi_c[g, j] = ph * dt
                        psi_c[g, j] = (ph - 1.0) * inv * dt
            inv_h = 1.0 / h
            for s in range(NSPEC):
                cs = u * c_out[s]
                for j in range(n):
                    z[s, j] = emis_modal[sc, per, s, j] * inv_h + cs * wb[j]
                    acc[s, j] = 0.0
            for _sub in range(nsub):
                for q in range(NSPEC):
                    s = STEP_ORDER[q]
                    g = GROUP_OF[s]
                    pre = PRECURSOR[s]
                    f = prod[s] if pre >= 0 else 0.0
                    for j in range(n):
                        zz = z[s, j]
                        if pre >= 0:
                            zz += f * ybar[pre, j]
                        y0 = y[s, j]
                        yb = phi_c[g, j] * y0 + psi_c[g, j] * zz
                        y[s, j] = a_c[g, j] * y0 + phi_c[g, j] * zz
                        ybar[s, j] = yb
                        acc[s, j] += yb
                if chemistry:
                    # equilibrium of the end state: totals are unchanged, only the split moves
                    for j in range(n):
                        w1[j] = y[SO4, j] * (1.0 / M_SO4)
                        w2[j] = y[NH3, j] * (1.0 / M_NH3) + y[NH4, j] * (1.0 / M_NH4)
                        w3[j] = y[HNO3, j] * (1.0 / M_HNO3) + y[NO3, j] * (1.0 / M_NO3)
                    _matvec(V, w1, w4)
                    _matvec(V, w2, w5)
                    _matvec(V, w3, w1)
                    for i in range(n):
                        g1, a1, g2, a2 = _partition(w4[i], w5[i], w1[i], kp)
                        w4[i] = g1 * M_NH3
                        w1[i] = g2 * M_HNO3
                    _matvec(W, w4, w5)
                    for j in range(n):
                        y[NH3, j] = w5[j]
                        y[NH4, j] = (w2[j] - w5[j] * (1.0 / M_NH3)) * M_NH4
                    _matvec(W, w1, w5)
                    for j in range(n):
                        y[HNO3, j] = w5[j]
                        y[NO3, j] = (w3[j] - w5[j] * (1.0 / M_HNO3)) * M_NO3
            # daily means in physical space
            for j in range(n):
                w1[j] = acc[SO4, j] * inv_sub
                w2[j] = (acc[SOA, j] + acc[PPM, j]) * inv_sub
            _matvec(V, w1, w4)   # sulfate
            _matvec(V, w2, w5)   # organic + primary
            if chemistry:
                for j in range(n):
                    w1[j] = (acc[NH3, j] * (1.0 / M_NH3) + acc[NH4, j] * (1.0 / M_NH4)) * inv_sub
                    w2[j] = (acc[HNO3, j] * (1.0 / M_HNO3) + acc[NO3, j] * (1.0 / M_NO3)) * inv_sub
                _matvec(V, w1, w3)
                _matvec(V, w2, w1)
                for i in range(n):
                    so4 = w4[i] if w4[i] > 0.0 else 0.0
                    g1, a1, g2, a2 = _partition(so4 * (1.0 / M_SO4), w3[i], w1[i], kp)
                    w3[i] = a1 * M_NH4
                    w1[i] = a2 * M_NO3
            else:
                for j in range(n):
                    w1[j] = acc[NH4, j] * inv_sub
                    w2[j] = acc[NO3, j] * inv_sub
                _matvec(V, w1, w3)
                _matvec(V, w2, w1)
            # w4 sulfate, w1 nitrate, w3 ammonium, w5 organic + primary
            if n_out == 1:
                for i in range(n):
                    tot = w4[i] + w5[i] + w3[i] + w1[i]
                    out[0, m, d, i] = tot if tot > 0.0 else 0.0
            else:
                for j in range(n):
                    w2[j] = acc[SOA, j] * inv_sub
                _matvec(V, w2, ex)
                for i in range(n):
                    so4 = w4[i] if w4[i] > 0.0 else 0.0
                    no3 = w1[i] if w1[i] > 0.0 else 0.0
                    nh4 = w3[i] if w3[i] > 0.0 else 0.0
                    soa = ex[i] if ex[i] > 0.0 else 0.0
                    ppm = w5[i] - ex[i]
                    if ppm < 0.0:
                        ppm = 0.0
                    out[OUT_SO4, m, d, i] = so4
                    out[OUT_NO3, m, d, i] = no3
                    out[OUT_NH4, m, d, i] = nh4
                    out[OUT_SOA, m, d, i] = soa
                    out[OUT_PPM, m, d, i] = ppm
                    out[OUT_PM25, m, d, i] = so4 + no3 + nh4 + soa + ppm
        for s in range(NSPEC):
            for j in range(n):
                w1[j] = y[s, j]
            _matvec(V, w1, w2)
            for i in range(n):
                state[m, s, i] = w2[i]


#: parallel over members (large ensembles)
simulate_ensemble = jit(parallel=True)(_simulate_impl)
#: the same kernel compiled without threads (small ensembles compile faster)
simulate_serial = jit(_simulate_impl)


@jit(parallel=True)
def rsm_predict(x, powers, coef, out):
    """Evaluate a polynomial response surface for many packages.

    ``x (n_pkg, n_var)`` reduction fractions; ``powers (n_term, n_var)`` int64 exponents;
    ``coef (n_term, n_out)``; ``out (n_pkg, n_out)`` = Σ_t coef[t]·Π_v x[v]^powers[t, v].
    """
    n_pkg = x.shape[0]
    n_var = x.shape[1]
    n_term = powers.shape[0]
    n_out = coef.shape[1]
    max_pow = 0
    for t in range(n_term):
        for v in range(n_var):
            if powers[t, v] > max_pow:
                max_pow = powers[t, v]
    for i in prange(n_pkg):
        pw = np.empty((n_var, max_pow + 1))
        for v in range(n_var):
            pw[v, 0] = 1.0
            for q in range(1, max_pow + 1):
                pw[v, q] = pw[v, q - 1] * x[i, v]
        for o in range(n_out):
            out[i, o] = 0.0
        for t in range(n_term):
            term = 1.0
            for v in range(n_var):
                term *= pw[v, powers[t, v]]
            for o in range(n_out):
                out[i, o] += coef[t, o] * term
