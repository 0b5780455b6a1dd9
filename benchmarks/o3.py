"""Photochemical O3 benchmarks: the GRS kernel on one core and a 1000-member ensemble.

    python -m benchmarks o3          # full sizes (goals of the issue "Air: ozone from NOx and VOCs")
    python -m benchmarks o3 --tiny   # seconds (part of the test suite)

Cases
-----
- ``o3.kernel_1thread``: box-days per second of the GRS kernel with operator splitting
  (``scheme="split"``, 10-minute steps; the default before 2026-12-07's fifth session) on one
  core, demo domain (8 boxes); goal ≥ 2×10⁷. Best CPU time of 3 runs. The daily
  PM2.5 kernel is measured by ``air.kernel_1thread`` (goal ≥ 5×10⁷), unchanged by the O3 model.
- ``o3.ensemble_10box``: 1000 members × 365 days × 10 boxes (nine Tianning-like boxes and the
  regional box) through :func:`ecomodel.air.photochem.simulate_o3` with splitting, all threads; goal ≤ 2 s
  (``o3.ensemble_10box_exponential_1thread``: the exponential case on one thread, for the scaling).
- ``o3.kernel_1thread_exponential`` / ``o3.ensemble_10box_exponential``: the same with the
  exponential scheme at one step per hour (``GRSParameters()``, the default: the goals apply here);
  ``mean_abs_dev_pct`` / ``p90_dev_ugm3`` compare both schemes' MDA8 with 1-minute splitting
  (the converged reference) on the kernel case's first 10 members. Measured 2026-12-07 (2-core
  machine, load 0.8–1.7, two turns) with the member loops vectorised: 1.45–1.67 × 10⁶ box-days/s
  on one thread (6.9–7.1 × 10⁵ before), ensemble 1.20–1.43 s on 2 threads (2.62–2.73 s before),
  2.26–2.42 s on one (4.97–5.29 s).
- ``o3.rsm_mda8_p90`` / ``o3.rsm_good_days``: response surfaces of the annual MDA8 P90 and the
  good-day ratio over local and regional cuts (6 variables, degree 3), evaluations per second
  (goal ≥ 10⁶) and the pf-RSM criteria on held-out packages (mean / max normalised error, goals
  ≤ 2 % / ≤ 10 %) and on another weather seed.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._harness import best_time, result


def _inputs(members: int, n_local: int | None = None):
    from ecomodel.air import photochem as pc
    from ecomodel.air.emissions import POLLUTANT_SPECIES, schedule_factors
    from ecomodel.air import demo
    from ecomodel.air.meteorology import generate_meteorology, meteorology_arrays

    d = demo()
    dom, inv = d.domain, d.inventory
    met = generate_meteorology(d.settings, years=[2021], members=members, seed=1)
    arr, dates, _ = meteorology_arrays(met)
    flux, period, _ = inv.fluxes(dom, dates, schedule_factors(None, inv, [2021], domain=dom))
    nox, voc = flux[:, POLLUTANT_SPECIES["NOx"], :], flux[:, POLLUTANT_SPECIES["VOCs"], :]
    vr = dom.ventilation_rate(1.0)
    regional = list(dom.kind).index("background")
    if n_local is not None:  # n_local copies of Tianning plus the regional box
        cols = [list(dom.boxes).index("天宁")] * n_local + [regional]
        nox, voc, vr = nox[:, cols], voc[:, cols], vr[cols]
        regional = n_local
    vent = arr["wind"][:, :, None] * vr[None, None, :]
    bg = pc.o3_background(arr, dates, 1.3, seed=2)
    return pc, (np.ascontiguousarray(nox), np.ascontiguousarray(voc), period, arr, vent, bg), regional


def _cpu_best(fn, repeat):
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def run(tiny: bool = False):
    """Yield benchmark records (see the module docstring)."""
    from ecomodel._numba import get_num_threads, threads

    members = 4 if tiny else 200
    pc, args, regional = _inputs(members)
    schemes = {"": pc.GRSParameters(scheme="split"), "_exponential": pc.GRSParameters(scheme="exponential", substeps=1)}
    n_ref = min(members, 10)
    nox, voc, period, met, vent, bg = args
    small = (nox, voc, period, {k: (v[:n_ref] if np.ndim(v) == 2 else v) for k, v in met.items()}, vent[:n_ref],
             bg[:n_ref])
    ref = pc.simulate_o3(*small, regional=regional, grs=pc.GRSParameters(scheme="split", substeps=60))
    for tag, grs in schemes.items():
        with threads(1):
            sec = _cpu_best(lambda: pc.simulate_o3(*args, regional=regional, grs=grs), 1 if tiny else 3)
        n_box = args[0].shape[1]
        out = pc.simulate_o3(*small, regional=regional, grs=grs)
        p90 = lambda x: np.percentile(x, 90, axis=1).mean(axis=0)  # noqa: E731
        yield result(f"o3.kernel_1thread{tag}", f"{members} members x 365 d x {n_box} boxes, hourly GRS, "
                     f"{grs.scheme} x {grs.substeps}/h", sec, members * 365 * n_box, "box-days/s", target=2e7,
                     mean_abs_dev_pct=float(100 * np.abs(out - ref).mean() / ref.mean()),
                     p90_dev_ugm3=float(np.abs(p90(out) - p90(ref)).max()))

    members = 4 if tiny else 1000
    pc, args, regional = _inputs(members, n_local=9)
    for tag, grs in schemes.items():
        t = best_time(lambda: pc.simulate_o3(*args, regional=regional, grs=grs), repeat=1 if tiny else 2)
        yield result(f"o3.ensemble_10box{tag}", f"{members} members x 365 d x 10 boxes, {grs.scheme}", t,
                     members * 365 * 10, "box-days/s", target_seconds=2.0, threads=get_num_threads())
    with threads(1):  # the exponential ensemble on one thread: its chunks of LANES members run in prange
        grs = schemes["_exponential"]
        t = best_time(lambda: pc.simulate_o3(*args, regional=regional, grs=grs), repeat=1 if tiny else 2)
    yield result("o3.ensemble_10box_exponential_1thread", f"{members} members x 365 d x 10 boxes, exponential, "
                 "1 thread", t, members * 365 * 10, "box-days/s", target_seconds=2.0, threads=1)

    from ecomodel.air import ResponseSurface

    n_pkg = 20_000 if tiny else 2_000_000
    for name, output in (("o3.rsm_mda8_p90", "o3_mda8_p90"), ("o3.rsm_good_days", "good_air_days_ratio")):
        kw = dict(samples=10, test_samples=2, members=1, degree=1) if tiny else dict(samples=100, test_samples=30,
                                                                                       members=4, degree=3)
        t0 = time.perf_counter()
        rs = ResponseSurface.fit(seed=0, regional=True, output=output, **kw)
        fit_s = time.perf_counter() - t0
        x = np.random.default_rng(0).random((n_pkg, len(rs.variables)))
        rs.predict(x[:1000])
        t = best_time(lambda: rs.predict(x), repeat=1 if tiny else 3)
        other = rs.check(seed=77, members=1 if tiny else 4)
        other_rel = rs.check(seed=77, members=1 if tiny else 4, relative=True)
        yield result(name, f"{n_pkg} packages x {len(rs.regions)} regions, {len(rs.variables)} variables", t, n_pkg,
                     "packages/s", target=1e6, fit_seconds=fit_s, heldout_mean_ne_pct=rs.error_.attrs["mean_ne_pct"],
                     heldout_max_ne_pct=rs.error_.attrs["max_ne_pct"], other_seed_mean_ne_pct=other["mean_ne_pct"],
                     other_seed_max_ne_pct=other["max_ne_pct"],
                     other_seed_relative_mean_ne_pct=other_rel["mean_ne_pct"],
                     other_seed_relative_max_ne_pct=other_rel["max_ne_pct"])
