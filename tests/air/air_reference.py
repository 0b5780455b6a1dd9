"""A plain numpy/scipy reference implementation of the box model's time step.

It follows the same equations as the numba kernel but reaches them by a different route: the
transport + loss operator of each species is exponentiated with ``scipy.linalg.expm`` on an
augmented matrix (no eigen-decomposition), boxes are handled in physical space, and the
partitioning is :func:`ecomodel.air.chemistry.partition`. Slow; for tiny problems in tests.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from ecomodel.air.chemistry import MOLAR_MASS, conversion_rates, partition
from ecomodel.air.parameters import LOSS_GROUPS, SPECIES

GROUP = {"SO2": "SO2", "SO4": "aerosol", "NOx": "NOx", "HNO3": "HNO3", "NO3": "aerosol", "NH3": "NH3",
         "NH4": "aerosol", "VOC": "VOC", "SOA": "aerosol", "PPM": "aerosol"}
ORDER = ("SO2", "NOx", "VOC", "NH3", "NO3", "NH4", "PPM", "SO4", "HNO3", "SOA")
PRECURSOR = {"SO4": "SO2", "HNO3": "NOx", "SOA": "VOC"}


def _propagators(A, dt):
    """``e^{AΔt}``, ``∫₀^Δt e^{As} ds`` and the step-mean operators via one augmented expm."""
    n = A.shape[0]
    big = np.zeros((3 * n, 3 * n))
    big[:n, :n] = A * dt
    big[:n, n:2 * n] = np.eye(n) * dt
    big[n:2 * n, 2 * n:] = np.eye(n) * dt
    E = expm(big)
    eA = E[:n, :n]
    phi1 = E[:n, n:2 * n]          # Δt·φ1(AΔt) = ∫₀^Δt e^{As} ds
    phi2 = E[:n, 2 * n:]           # Δt²·φ2(AΔt)
    # mean of y(t) = e^{At}y0 + (∫₀^t e^{As}ds) z over [0, Δt]: (phi1/Δt) y0 + (phi2/Δt) z
    return eA, phi1, phi1 / dt, phi2 / dt


def reference_run(domain, flux, period, met, params, *, chemistry=True, state=None):
    """Daily means (member, day, box) of every PM component and the end state (member, species, box).

    *flux* ``(n_period, NSPEC, n)`` [µg m⁻² d⁻¹]; *met* as from ``meteorology_arrays``.
    """
    G = domain.exchange_matrix()
    b = domain.inflow_vector()
    c_out = params.boundary_vector()
    n = domain.n
    n_m, n_d = met["wind"].shape
    vd = {g: params.dry_deposition_velocity[g] * 0.01 * 86400.0 for g in LOSS_GROUPS}
    wetc = params.wet_scavenging
    means = np.zeros((6, n_m, n_d, n))
    end = np.empty((n_m, len(SPECIES), n))
    for m in range(n_m):
        C = {s: (np.full(n, c_out[SPECIES.index(s)]) if state is None else state[m, SPECIES.index(s)].copy())
             for s in SPECIES}
        for d in range(n_d):
            u = met["wind"][m, d] * 86400.0
            h = met["mixh"][m, d]
            t = met["temp"][m, d]
            rh = met["rh"][m, d]
            p = met["prec"][m, d]
            wet = p ** params.wet_exponent if p > 0 else 0.0
            k = {g: vd[g] / h + wetc[g] * wet for g in LOSS_GROUPS}
            rates = {"SO2": 0.0, "NOx": 0.0, "VOC": 0.0}
            if chemistry:
                rates = conversion_rates(met["doy"][d], rh, params)
                k["SO2"] += rates["SO2"]
                k["NOx"] += rates["NOx"]
                k["VOC"] += rates["VOC"]
            prod = {"SO4": rates["SO2"] * MOLAR_MASS["SO4"] / MOLAR_MASS["SO2"],
                    "HNO3": rates["NOx"] * MOLAR_MASS["HNO3"] / MOLAR_MASS["NO2"],
                    "SOA": rates["VOC"] * params.soa_yield}
            ops = {g: _propagators(u * G - k[g] * np.eye(n), 1.0) for g in LOSS_GROUPS}
            mean = {}
            for s in ORDER:
                eA, P1, M1, M2 = ops[GROUP[s]]
                z = flux[period[d], SPECIES.index(s)] / h + u * b * c_out[SPECIES.index(s)]
                if s in PRECURSOR:
                    z = z + prod[s] * mean[PRECURSOR[s]]
                mean[s] = M1 @ C[s] + M2 @ z
                C[s] = eA @ C[s] + P1 @ z
            if chemistry:
                ta = C["NH3"] + C["NH4"] * MOLAR_MASS["NH3"] / MOLAR_MASS["NH4"]
                tn = C["HNO3"] + C["NO3"] * MOLAR_MASS["HNO3"] / MOLAR_MASS["NO3"]
                eq = partition(np.maximum(C["SO4"], 0), np.maximum(ta, 0), np.maximum(tn, 0), np.full(n, t),
                               np.full(n, rh), pressure=params.pressure)
                C["NH3"], C["NH4"], C["HNO3"], C["NO3"] = eq["NH3"], eq["NH4"], eq["HNO3"], eq["NO3"]
                ta_m = mean["NH3"] + mean["NH4"] * MOLAR_MASS["NH3"] / MOLAR_MASS["NH4"]
                tn_m = mean["HNO3"] + mean["NO3"] * MOLAR_MASS["HNO3"] / MOLAR_MASS["NO3"]
                eqm = partition(np.maximum(mean["SO4"], 0), np.maximum(ta_m, 0), np.maximum(tn_m, 0),
                                np.full(n, t), np.full(n, rh), pressure=params.pressure)
                no3, nh4 = eqm["NO3"], eqm["NH4"]
            else:
                no3, nh4 = mean["NO3"], mean["NH4"]
            comps = [np.maximum(mean["SO4"], 0), np.maximum(no3, 0), np.maximum(nh4, 0), np.maximum(mean["SOA"], 0),
                     np.maximum(mean["PPM"], 0)]
            for k_, c in enumerate(comps):
                means[k_, m, d] = c
            means[5, m, d] = sum(comps)
        for s in SPECIES:
            end[m, SPECIES.index(s)] = C[s]
    return means, end
