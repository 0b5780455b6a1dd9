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

Layout for speed (the physics is that of :mod:`ecomodel.air.box`): members are integrated in
blocks of :data:`LANES` side by side, and every per-block buffer is ``[mode or box][variable][lane]``
with the member lane innermost, so each loop over lanes is a unit-stride SIMD stream with
compile-time memory distances. Inside those loops nothing branches or calls libm: ``_exp`` and
``_log`` are polynomial (numba's ``math.exp`` is a scalar library call without Intel SVML), the
NH4NO3 constant and the partitioning select between both regimes, and the six loss groups share
one division. Per day and block: per-lane coefficients (rates, ``e^{−kΔt}``, ``K_p``), the exact
steps of all species per mode (which also write the modal end-state totals and the daily-mean
rows), one ``V`` transform of both to box space (4×4 register blocks, modes padded to a multiple
of 4), the partitioning of the end state and its ``W`` transform back, the partitioning of the
daily means and the output. Lanes of a padded last block repeat its last member and are not
written.
"""

from __future__ import annotations

import math

import numpy as np

from ecomodel._mathkernels import exp as _exp  # branch-free e^x and ln x, shared with water
from ecomodel._mathkernels import log as _log
from ecomodel._mathkernels import prefer_512_bit_vectors
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


# ------------------------------------------------------------------ lane-wise helpers
# _exp and _log (ecomodel._mathkernels) are written without libm calls or data-dependent branches,
# so that a loop over the LANES members of a block vectorises (AVX2/AVX-512) — numba's
# math.exp/log stay scalar library calls unless numba was built with Intel SVML, not assumed.
#: members integrated side by side: the innermost loops run over these lanes (structure of arrays)
LANES = 32


@jit(error_model="numpy", inline="always")
def _kp_nitrate_lane(temp, rh, pressure):
    """:func:`_kp_nitrate` without branches (both RH regimes computed, then selected)."""
    lt = _log(temp)
    it = 1.0 / temp
    kp = _exp(118.87 - 24084.0 * it - 6.025 * lt)
    drh = _exp(618.3 * it - 2.551)
    one = max(1.0 - rh, 1e-6)
    p1 = _exp(-135.94 + 8763.0 * it + 19.12 * lt)
    p2 = _exp(-122.65 + 9969.0 * it + 16.22 * lt)
    p3 = _exp(-182.61 + 13875.0 * it + 24.46 * lt)
    factor = max((p1 - p2 * one + p3 * one * one) * _exp(1.75 * _log(one)), 0.0)
    kp = kp * factor if rh >= drh else kp
    conv = 1e-3 * pressure / (R_GAS * temp)
    return kp * conv * conv


@jit(error_model="numpy", inline="always")
def _partition_lane(s, ta, tn, kp):
    """:func:`_partition` without branches; returns ``(nh3_gas, nh4_aerosol, hno3_gas, no3_aerosol)``."""
    s = max(s, 0.0)
    ta = max(ta, 0.0)
    tn = max(tn, 0.0)
    free = ta - 2.0 * s
    fc = max(free, 0.0)
    prod = fc * tn - kp
    q = prod / (0.5 * (fc + tn) + 0.5 * math.sqrt((fc - tn) * (fc - tn) + 4.0 * kp))
    x = min(min(q, fc), tn) if prod > 0.0 else 0.0
    nh4 = 2.0 * s + x if free > 0.0 else ta
    return fc - x, nh4, tn - x, x


@jit(error_model="numpy", inline="always")
def _recip6(x0, x1, x2, x3, x4, x5):
    """``1/x₀ … 1/x₅`` with one division (products of the others times the reciprocal of all six);
    the callers keep ``1e-3 ≤ |x| ≤ 1e30`` so the product stays far inside the float64 range."""
    p01 = x0 * x1
    p23 = x2 * x3
    p45 = x4 * x5
    p0123 = p01 * p23
    r = 1.0 / (p0123 * p45)
    r45 = r * p0123
    r0123 = r * p45
    r01 = r0123 * p23
    r23 = r0123 * p01
    return r01 * x1, r01 * x0, r23 * x3, r23 * x2, r45 * x5, r45 * x4


@jit(error_model="numpy", inline="always")
def _xsafe(x):
    """*x* kept away from 0 for :func:`_recip6` (the series covers ``x > −10⁻³``); ``|x|`` is bounded
    by the per-lane limits on ``u·Δt`` and ``k·Δt`` (:data:`_RATE_MAX`), so the product of six stays
    far inside the float64 range."""
    return min(x, -1e-3)


#: bound on ``k·Δt`` and ``|u·λ·Δt|`` [1]: beyond it ``e^{−x}`` is 0 and ``φ ≈ 1/|x|`` anyway; it keeps
#: the product of six ``x`` in :func:`_recip6` below 1e100 for any (absurd) input
_RATE_MAX = 1e15


@jit(error_model="numpy", inline="always")
def _phi_psi(x, inv, a):
    """``φ(x)`` and ``ψ(x)`` (see the module docstring) from ``x ≤ 0``, ``inv = 1/_xsafe(x)`` and
    ``a = eˣ``; near 0 the series ``ψ = 1/2 + x/6 + x²/24 + x³/120``, ``φ = 1 + x·ψ`` (relative
    truncation < 1.5×10⁻¹⁵ for ``|x| < 10⁻³``), selected without a branch."""
    ph = (a - 1.0) * inv
    ps = (ph - 1.0) * inv
    ps_s = 0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0)))
    ph_s = 1.0 + x * ps_s
    small = x > -1e-3
    return (ph_s if small else ph), (ps_s if small else ps)


@jit(error_model="numpy", inline="always")
def _advance(b, s, l, a, ph, ps, zd):
    """One exact exponential step of species *s* in lane *l* of the mode block *b* with the source
    already multiplied by the step, ``zd = Δt·z``: the state row ``Y_ + s`` becomes ``a·y + φ·zd``;
    returns ``(new state, step mean φ·y + ψ·zd)``."""
    y0 = b[Y_ + s, l]
    b[Y_ + s, l] = a * y0 + ph * zd
    return b[Y_ + s, l], ph * y0 + ps * zd


@jit(error_model="numpy", inline="always")
def _lane_matmul(M, src, srow, dst, drow, nrow):
    """``dst[i, drow + r, l] = Σ_j M[i, j]·src[j, srow + r, l]`` for ``r < nrow`` and every lane.

    *M* is square with a size that is a multiple of 4 (zero-padded): 4×4 blocks of *M* stay in
    registers while four source rows update four destination rows, so each loaded lane vector
    feeds four FMAs. Blocks are 2-d slices, whose rows LLVM sees at constant distances."""
    n4 = M.shape[0]
    for i0 in range(0, n4, 4):
        for r in range(nrow):
            qq = dst[i0:i0 + 4, drow + r]
            for l in range(LANES):
                qq[0, l] = 0.0
                qq[1, l] = 0.0
                qq[2, l] = 0.0
                qq[3, l] = 0.0
        for j0 in range(0, n4, 4):
            m00, m01, m02, m03 = M[i0, j0], M[i0, j0 + 1], M[i0, j0 + 2], M[i0, j0 + 3]
            m10, m11, m12, m13 = M[i0 + 1, j0], M[i0 + 1, j0 + 1], M[i0 + 1, j0 + 2], M[i0 + 1, j0 + 3]
            m20, m21, m22, m23 = M[i0 + 2, j0], M[i0 + 2, j0 + 1], M[i0 + 2, j0 + 2], M[i0 + 2, j0 + 3]
            m30, m31, m32, m33 = M[i0 + 3, j0], M[i0 + 3, j0 + 1], M[i0 + 3, j0 + 2], M[i0 + 3, j0 + 3]
            for r in range(nrow):
                qq = dst[i0:i0 + 4, drow + r]
                bb = src[j0:j0 + 4, srow + r]
                for l in range(LANES):
                    x0 = bb[0, l]
                    x1 = bb[1, l]
                    x2 = bb[2, l]
                    x3 = bb[3, l]
                    qq[0, l] += (m00 * x0 + m01 * x1) + (m02 * x2 + m03 * x3)
                    qq[1, l] += (m10 * x0 + m11 * x1) + (m12 * x2 + m13 * x3)
                    qq[2, l] += (m20 * x0 + m21 * x1) + (m22 * x2 + m23 * x3)
                    qq[3, l] += (m30 * x0 + m31 * x1) + (m32 * x2 + m33 * x3)


# rows of the per-mode block buffer ``buf[j]`` (shape (NV, LANES)): state Y_, emission flux of the
# current period E_; T_: end-of-step modal sulfate, total ammonia, total nitrate [µmol/m³]; M_ (right
# after T_, transformed together): daily means, summed over the substeps, of sulfate, total ammonia
# (ammonium without chemistry), total nitrate (nitrate), organic + primary, organic; G_: equilibrium
# NH3 and HNO3 gas, modal [µg/m³]
Y_, E_, T_ = 0, NSPEC, 2 * NSPEC
M_ = T_ + 3
G_ = M_ + 5
X_ = G_ + 2      # e^{u·λ_j·Δt} of the day
NV = X_ + 1
# rows of the per-lane coefficient buffer ``cf`` (shape (NCF, LANES))
C_U, C_UD, C_IH, C_K, C_EG, C_FSO4, C_FHNO3, C_FSOA, C_KP = 0, 1, 2, 3, 3 + NGROUP, 3 + 2 * NGROUP, \
    4 + 2 * NGROUP, 5 + 2 * NGROUP, 6 + 2 * NGROUP
NCF = 7 + 2 * NGROUP
# rows of the per-box physical buffer ``phb[i]`` (shape (NP, LANES)): the T_ and M_ rows in
# physical space, NH3 and HNO3 gas, then the NOUT output rows
P_T, P_M, P_G = 0, 3, 8
P_OUT = 10
NP = P_OUT + NOUT + 1   # one spare row: box rows 4096 bytes apart would alias in the load/store unit


@jit(error_model="numpy")
def _simulate_block(blk, lam, V, W, Vp, Wp, cw, emis_modal, period, scenario, wind, mixh, temp, rh, prec, doy,
                    par, nsub, chemistry, state, out):
    """Integrate the members ``blk·LANES …`` of :func:`_simulate_impl` (arguments as there, plus the
    zero-padded ``Vp, Wp (n4, n4)`` and the modal boundary inflow ``cw (n, NSPEC)``)."""
    prefer_512_bit_vectors()  # the lane loops are element-wise: 8 lanes per instruction on AVX-512
    n = lam.shape[0]
    n4 = Vp.shape[0]
    n_member = wind.shape[0]
    n_day = wind.shape[1]
    n_out = out.shape[0]
    dt = 1.0 / nsub
    inv_sub = 1.0 / nsub
    vd0, vd1, vd2, vd3, vd4, vd5 = par[P_VD], par[P_VD + 1], par[P_VD + 2], par[P_VD + 3], par[P_VD + 4], \
        par[P_VD + 5]
    wc0, wc1, wc2, wc3, wc4, wc5 = par[P_WET], par[P_WET + 1], par[P_WET + 2], par[P_WET + 3], \
        par[P_WET + 4], par[P_WET + 5]
    w_exp = par[P_WET_EXP]
    pressure = par[P_PRESSURE]
    on = 1.0 if chemistry else 0.0
    k_aq = on * par[P_K_SO2_AQ] / (1.0 - par[P_RH_AQ])
    rh0 = par[P_RH_AQ]
    k_het = on * par[P_K_NOX_HET]
    y_soa = par[P_SOA_YIELD]
    # mean rows: total ammonia/nitrate in µmol/m³ with chemistry, NH4/NO3 mass without
    ra = (1.0 / M_NH3) if chemistry else 0.0
    r4 = (1.0 / M_NH4) if chemistry else 1.0
    rn = (1.0 / M_HNO3) if chemistry else 0.0
    r3 = (1.0 / M_NO3) if chemistry else 1.0
    n_mean = 5 if n_out > 1 else 4
    lam_max = 0.0
    for j in range(n):
        lam_max = max(lam_max, -lam[j])
    ud_max = _RATE_MAX / max(lam_max, 1e-300)
    m0 = blk * LANES
    n_valid = min(LANES, n_member - m0)
    mem = np.empty(LANES, dtype=np.int64)   # member of each lane (padding repeats the last)
    for l in range(LANES):
        mem[l] = m0 + min(l, n_valid - 1)
    md = np.empty((5, LANES))               # the day's meteorology, lane-major
    buf = np.zeros((n4, NV, LANES))
    phb = np.zeros((n4, NP, LANES))
    cf = np.zeros((NCF, LANES))
    for j in range(n):
        b = buf[j]
        for s in range(NSPEC):
            for i in range(n):
                wji = W[j, i]
                for l in range(LANES):
                    b[Y_ + s, l] += wji * state[mem[l], s, i]
    last_per = -1
    for d in range(n_day):
        per = period[d]
        if per != last_per:
            for j in range(n):
                for s in range(NSPEC):
                    for l in range(LANES):
                        buf[j, E_ + s, l] = emis_modal[scenario[mem[l]], per, s, j]
            last_per = per
        # ---- per-lane coefficients of the day
        oh = on * _oh(doy[d], par) * 86400.0
        c_so2 = par[P_K_SO2_OH] * oh
        c_nox = par[P_K_NO2_OH] * par[P_F_NO2] * oh
        c_voc = par[P_K_VOC_OH] * oh
        for l in range(LANES):
            m = mem[l]
            md[0, l] = wind[m, d]
            md[1, l] = mixh[m, d]
            md[2, l] = temp[m, d]
            md[3, l] = rh[m, d]
            md[4, l] = prec[m, d]
        for l in range(LANES):
            uu = md[0, l] * 86400.0
            ih = 1.0 / md[1, l]
            r = md[3, l]
            p = md[4, l]
            wet = _exp(w_exp * _log(max(p, 1e-300))) if p > 0.0 else 0.0
            k_so2 = c_so2 + k_aq * max(r - rh0, 0.0)
            k_nox = c_nox + k_het * r
            kd0 = (vd0 * ih + wc0 * wet + k_so2) * dt
            kd1 = (vd1 * ih + wc1 * wet + k_nox) * dt
            kd2 = (vd2 * ih + wc2 * wet) * dt
            kd3 = (vd3 * ih + wc3 * wet) * dt
            kd4 = (vd4 * ih + wc4 * wet + c_voc) * dt
            kd5 = (vd5 * ih + wc5 * wet) * dt
            cf[C_U, l] = uu * dt          # from here on the source terms carry the step Δt
            cf[C_UD, l] = min(uu * dt, ud_max)
            cf[C_IH, l] = ih * dt
            cf[C_K + 0, l] = min(kd0, _RATE_MAX)
            cf[C_K + 1, l] = min(kd1, _RATE_MAX)
            cf[C_K + 2, l] = min(kd2, _RATE_MAX)
            cf[C_K + 3, l] = min(kd3, _RATE_MAX)
            cf[C_K + 4, l] = min(kd4, _RATE_MAX)
            cf[C_K + 5, l] = min(kd5, _RATE_MAX)
            cf[C_EG + 0, l] = _exp(-kd0)
            cf[C_EG + 1, l] = _exp(-kd1)
            cf[C_EG + 2, l] = _exp(-kd2)
            cf[C_EG + 3, l] = _exp(-kd3)
            cf[C_EG + 4, l] = _exp(-kd4)
            cf[C_EG + 5, l] = _exp(-kd5)
            cf[C_FSO4, l] = k_so2 * (M_SO4 / M_SO2) * dt
            cf[C_FHNO3, l] = k_nox * (M_HNO3 / M_NO2) * dt
            cf[C_FSOA, l] = c_voc * y_soa * dt
        if chemistry:
            for l in range(LANES):
                cf[C_KP, l] = _kp_nitrate_lane(md[2, l], md[3, l], pressure)
        for j in range(n):
            lj = lam[j]
            b = buf[j]
            for l in range(LANES):
                b[X_, l] = _exp(cf[C_UD, l] * lj)
        for sub in range(nsub):
            first = sub == 0
            # ---- exact exponential steps, every mode and lane independent; the end-state
            # totals (T_) and, through the running sums, the daily means (M_) are written too
            for j in range(n):
                lj = lam[j]
                b = buf[j]
                c = cw[j]
                for l in range(LANES):
                    xu = cf[C_UD, l] * lj
                    ex = b[X_, l]
                    ih = cf[C_IH, l]
                    uu = cf[C_U, l]
                    x0 = xu - cf[C_K + 0, l]
                    x1 = xu - cf[C_K + 1, l]
                    x2 = xu - cf[C_K + 2, l]
                    x3 = xu - cf[C_K + 3, l]
                    x4 = xu - cf[C_K + 4, l]
                    x5 = xu - cf[C_K + 5, l]
                    i0, i1, i2, i3, i4, i5 = _recip6(_xsafe(x0), _xsafe(x1), _xsafe(x2), _xsafe(x3),
                                                     _xsafe(x4), _xsafe(x5))
                    # SO2
                    a = ex * cf[C_EG + 0, l]
                    ph, ps = _phi_psi(x0, i0, a)
                    y1, m_so2 = _advance(b, SO2, l, a, ph, ps, b[E_ + SO2, l] * ih + uu * c[SO2])
                    # NOx
                    a = ex * cf[C_EG + 1, l]
                    ph, ps = _phi_psi(x1, i1, a)
                    y1, m_nox = _advance(b, NOX, l, a, ph, ps, b[E_ + NOX, l] * ih + uu * c[NOX])
                    # VOC
                    a = ex * cf[C_EG + 4, l]
                    ph, ps = _phi_psi(x4, i4, a)
                    y1, m_voc = _advance(b, VOC, l, a, ph, ps, b[E_ + VOC, l] * ih + uu * c[VOC])
                    # NH3
                    a = ex * cf[C_EG + 3, l]
                    ph, ps = _phi_psi(x3, i3, a)
                    y_nh3, m_nh3 = _advance(b, NH3, l, a, ph, ps, b[E_ + NH3, l] * ih + uu * c[NH3])
                    # HNO3 (from NOx)
                    a = ex * cf[C_EG + 2, l]
                    ph, ps = _phi_psi(x2, i2, a)
                    y_hno3, m_hno3 = _advance(b, HNO3, l, a, ph, ps,
                                              b[E_ + HNO3, l] * ih + uu * c[HNO3] + cf[C_FHNO3, l] * m_nox)
                    # aerosol group: SO4 (from SO2), SOA (from VOC), NO3, NH4, PPM
                    a = ex * cf[C_EG + 5, l]
                    ph, ps = _phi_psi(x5, i5, a)
                    y_so4, m_so4 = _advance(b, SO4, l, a, ph, ps,
                                            b[E_ + SO4, l] * ih + uu * c[SO4] + cf[C_FSO4, l] * m_so2)
                    y1, m_soa = _advance(b, SOA, l, a, ph, ps,
                                         b[E_ + SOA, l] * ih + uu * c[SOA] + cf[C_FSOA, l] * m_voc)
                    y_no3, m_no3 = _advance(b, NO3, l, a, ph, ps, b[E_ + NO3, l] * ih + uu * c[NO3])
                    y_nh4, m_nh4 = _advance(b, NH4, l, a, ph, ps, b[E_ + NH4, l] * ih + uu * c[NH4])
                    y1, m_ppm = _advance(b, PPM, l, a, ph, ps, b[E_ + PPM, l] * ih + uu * c[PPM])
                    b[T_ + 0, l] = y_so4 * (1.0 / M_SO4)
                    b[T_ + 1, l] = y_nh3 * (1.0 / M_NH3) + y_nh4 * (1.0 / M_NH4)
                    b[T_ + 2, l] = y_hno3 * (1.0 / M_HNO3) + y_no3 * (1.0 / M_NO3)
                    # daily means: sums of the step means over the substeps, divided by nsub
                    d0 = m_so4 * inv_sub
                    d1 = (m_nh3 * ra + m_nh4 * r4) * inv_sub
                    d2 = (m_hno3 * rn + m_no3 * r3) * inv_sub
                    d4 = m_soa * inv_sub
                    d3 = d4 + m_ppm * inv_sub
                    b[M_ + 0, l] = d0 if first else b[M_ + 0, l] + d0
                    b[M_ + 1, l] = d1 if first else b[M_ + 1, l] + d1
                    b[M_ + 2, l] = d2 if first else b[M_ + 2, l] + d2
                    b[M_ + 3, l] = d3 if first else b[M_ + 3, l] + d3
                    b[M_ + 4, l] = d4 if first else b[M_ + 4, l] + d4
            last = sub == nsub - 1
            if not chemistry and not last:
                continue
            # physical T_ rows (chemistry) and, after the last step, M_ rows
            _lane_matmul(Vp, buf, T_, phb, P_T, 3 + n_mean if last else 3)
            if chemistry:
                # equilibrium of the end state: totals are unchanged, only the split moves
                for i in range(n):
                    q = phb[i]
                    for l in range(LANES):
                        g1, a1, g2, a2 = _partition_lane(q[P_T, l], q[P_T + 1, l], q[P_T + 2, l], cf[C_KP, l])
                        q[P_G, l] = g1 * M_NH3
                        q[P_G + 1, l] = g2 * M_HNO3
                _lane_matmul(Wp, phb, P_G, buf, G_, 2)
                for j in range(n):
                    b = buf[j]
                    for l in range(LANES):
                        g_a = b[G_, l]
                        g_n = b[G_ + 1, l]
                        b[Y_ + NH3, l] = g_a
                        b[Y_ + HNO3, l] = g_n
                        b[Y_ + NH4, l] = (b[T_ + 1, l] - g_a * (1.0 / M_NH3)) * M_NH4
                        b[Y_ + NO3, l] = (b[T_ + 2, l] - g_n * (1.0 / M_HNO3)) * M_NO3
        # ---- daily means in physical space: phb rows P_M.. sulfate, ammonia, nitrate,
        # organic + primary, organic
        for i in range(n):
            q = phb[i]
            if chemistry:
                for l in range(LANES):
                    so4 = max(q[P_M, l], 0.0)
                    g1, a1, g2, a2 = _partition_lane(so4 * (1.0 / M_SO4), q[P_M + 1, l], q[P_M + 2, l],
                                                     cf[C_KP, l])
                    q[P_M + 1, l] = a1 * M_NH4
                    q[P_M + 2, l] = a2 * M_NO3
            if n_out == 1:
                for l in range(LANES):
                    q[P_OUT, l] = max(q[P_M, l] + q[P_M + 3, l] + q[P_M + 1, l] + q[P_M + 2, l], 0.0)
            else:
                for l in range(LANES):
                    so4 = max(q[P_M, l], 0.0)
                    nh4 = max(q[P_M + 1, l], 0.0)
                    no3 = max(q[P_M + 2, l], 0.0)
                    soa = max(q[P_M + 4, l], 0.0)
                    ppm = max(q[P_M + 3, l] - q[P_M + 4, l], 0.0)
                    q[P_OUT + OUT_SO4, l] = so4
                    q[P_OUT + OUT_NO3, l] = no3
                    q[P_OUT + OUT_NH4, l] = nh4
                    q[P_OUT + OUT_SOA, l] = soa
                    q[P_OUT + OUT_PPM, l] = ppm
                    q[P_OUT + OUT_PM25, l] = so4 + no3 + nh4 + soa + ppm
        for o in range(n_out):
            od = out[o, d]
            for l in range(n_valid):
                for i in range(n):
                    od[m0 + l, i] = phb[i, P_OUT + o, l]
    for s in range(NSPEC):
        for i in range(n):
            for l in range(n_valid):
                acc_v = 0.0
                for j in range(n):
                    acc_v += V[i, j] * buf[j, Y_ + s, l]
                state[m0 + l, s, i] = acc_v




def _simulate_impl(lam, V, W, wb, c_out, emis_modal, period, scenario, wind, mixh, temp, rh, prec, doy,
                   par, nsub, chemistry, state, out):
    """Integrate the multi-box model for every member (``prange`` over blocks of LANES members).

    Shapes: ``lam (n)``, ``V, W (n, n)``, ``wb (n)`` [1/m]; ``c_out (NSPEC)`` [µg/m³];
    ``emis_modal (n_scen, n_period, NSPEC, n)`` = W·(flux/area) [µg m⁻² d⁻¹]; ``period (n_day)``,
    ``scenario (n_member)`` int64; met ``(n_member, n_day)``: wind [m/s], mixing height [m],
    temperature [K], RH [1], precipitation [mm/d]; ``doy (n_day)``; ``state (n_member, NSPEC, n)``
    physical start state, overwritten by the end state; ``out (n_out, n_day, n_member, n)`` daily
    means [µg/m³] (n_out = 6 components or 1 = PM2.5 only). Inside a block the buffers are
    ``[mode or box][variable][lane]`` with the member lane innermost: every loop over lanes is one
    SIMD stream whose memory distances are compile-time constants.
    """
    n = lam.shape[0]
    n_block = (wind.shape[0] + LANES - 1) // LANES
    # constants of the whole run
    cw = np.empty((n, NSPEC))          # boundary inflow per unit wind, modal
    for j in range(n):
        for s in range(NSPEC):
            cw[j, s] = c_out[s] * wb[j]
    # modes and boxes padded to a multiple of 4 for the blocked transforms (zero rows/columns)
    n4 = (n + 3) // 4 * 4
    Vp = np.empty((n4, n4))
    Wp = np.empty((n4, n4))
    for i in range(n4):
        for j in range(n4):
            inside = i < n and j < n
            Vp[i, j] = V[i, j] if inside else 0.0
            Wp[i, j] = W[i, j] if inside else 0.0
    for blk in prange(n_block):
        # int64 like the serial loop (a parallel loop index is uint64): one compiled block function
        _simulate_block(np.int64(blk), lam, V, W, Vp, Wp, cw, emis_modal, period, scenario, wind, mixh, temp, rh, prec, doy,
                        par, nsub, chemistry, state, out)


def _named(func, name):
    """*func* under another name: numba's disk cache keys an entry by qualified name, source line,
    signature and bytecode, not by ``parallel=``, so two dispatchers of one function would load each
    other's machine code (a serial run then differs from a fresh compile in the last bits)."""
    import types

    out = types.FunctionType(func.__code__, func.__globals__, name, func.__defaults__, func.__closure__)
    out.__qualname__ = name
    out.__doc__ = func.__doc__
    return out


# The two drivers are compiled in every process (about a second; the block function they call, where
# the work and the compile time are, is cached): a driver loaded from numba's disk cache gave results
# that differ in the last bit from the freshly compiled one (pm25 annual means, ~4e-16 relative), so
# the first and later runs — and the serial and parallel drivers — would not agree bit for bit.
#: parallel over member blocks (large ensembles)
simulate_ensemble = jit(parallel=True, error_model="numpy", cache=False)(_named(_simulate_impl, "simulate_ensemble"))
#: the same kernel without threads (both share the compiled block function)
simulate_serial = jit(error_model="numpy", cache=False)(_named(_simulate_impl, "simulate_serial"))


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
