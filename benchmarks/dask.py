"""Scale-out benchmark: one package comparison serially and on dask.distributed clusters.

    python -m benchmarks dask           # 6 packages x 50 members x 2020-2030, full models
    python -m benchmarks dask --tiny    # as in the test suite (in-process workers)
    ECOMODEL_BENCH_DASK=40x4 python -m benchmarks dask   # other sizes: <packages>x<members>[x<last year>]

Cases
-----
``compare_serial``
    :func:`ecomodel.scenario.run.compare` of the baseline and N random packages (subsets of the
    candidate measures of :mod:`benchmarks.packages`) with the full air, water and carbon models,
    in this process.
``compare_serial_1thread``
    The same with numba's parallel loops on one thread (as in each worker below): the per-core
    reference of the scale-out. The full models already spread each run's members over the cores
    (``prange``), so on a machine with few cores the serial run is not single-core.
``compare_dask_1w``, ``compare_dask_2w``
    The same comparison on a ``LocalCluster`` with 1 and 2 worker processes of one thread each
    (``peer`` is the serial run: ``speedup`` is its time over ours; numba's parallel loops get one
    thread per worker, the serial run keeps its default). The run is cut into ``tasks`` (member
    blocks of the water and carbon models, single scenarios of the full air model, see
    ``ecomodel.scenario.run._pieces``). ``cluster_start_seconds`` is the start of the cluster,
    ``worker_warm_seconds`` a tiny projection of every domain on every worker at once (imports,
    numba kernels from the disk cache, demo data; ``worker_warm_each`` per worker),
    ``cold_seconds`` the first comparison after that and ``seconds`` a second one. ``bit_identical``
    says whether every variable of every node equals the serial result (``np.array_equal``);
    ``differing_variables`` lists those that do not. ``task_compute_seconds`` is the sum of the
    tasks' compute times and ``mean_busy_workers`` that sum over the wall time (how many workers
    were computing on average; the tasks slow down when other processes share the cores).
``compare_dask_2w_numba2``
    As ``compare_dask_2w`` with two numba threads in each worker (the cores are oversubscribed while
    both workers compute; a worker left alone with the last task uses both).

The machine is shared: every case runs once per round (``ECOMODEL_BENCH_DASK_ROUNDS``, default 2),
interleaved, on clusters started (and warmed) before the first round; ``seconds`` is the best
round, ``round_seconds`` all of them, ``cold_seconds`` the first comparison on a cluster.

The machine's load average is recorded: the benchmark shares its cores with whatever else runs.

Measured on the shared 2-core machine (other jobs kept the load average at 3-8 throughout, so
about one core was ours; best of 2 interleaved rounds, 6 packages + baseline x 50 members):

- before the cut into pieces (2020-2030, one round): 3 tasks (one per domain; air, ~95 % of the
  work, one task), mean busy workers 1.02 with 2 workers; serial 165 s, 1 worker 119 s,
  2 workers 182 s (load 3-5).
- after (2020-2025): 11 tasks (7 single-scenario air tasks, 2 member blocks each for water and
  carbon), mean busy workers 1.85-1.89, bit-identical in every case. Run A: serial 72.6 s,
  1 worker 65.1 s, 2 workers 61.1 s (x1.19), 2 workers x 2 numba threads 74.2 s. Run B (load 7):
  serial 57.9 s, 1 worker 53.6 s, 2 workers 68.6 s (x0.84; the tasks took 139 s of compute
  against 53 s on one worker: the second core was busy with other jobs).
- after, 2020-2022, 3 rounds; the best round (the third, load ~3) was the quietest: serial 15.5 s,
  serial on one numba thread 24.7 s (so the serial run already gets x1.59 from the two cores),
  1 worker 23.5 s, 2 workers 15.7 s (x0.99 of serial, x1.50 of 1 worker; task compute 28.1 s
  against 23.2 s on one worker, mean busy workers 1.78), 2 workers x 2 numba threads 14.1 s (x1.10).
  Ceiling on 2 cores: 2 / 1.59 = x1.26, less the imbalance of 7 indivisible air tasks on 2 workers
  (the air model then drew members per block of 250, so its members could not be cut).
- air member blocks (the full air model drawn per block of 25 members, one task per scenario and
  block), 2020-2022, 2 rounds, load 3.5 (two other jobs on the cores): 18 tasks (14 air, 2 + 2),
  bit-identical in every case; serial 11.6 s, serial on one numba thread 19.0 s, 1 worker 19.9 s,
  2 workers 11.1 s (x1.79 of 1 worker, mean busy workers 1.95; x1.04 of the serial run, which
  already spreads members over both cores), 2 workers x 2 numba threads 11.2 s. The second round
  of the clusters took 22 s (the other jobs took a core). On 2 cores workers and numba threads
  compete for the same cores, so the gain over the threaded serial run needs more cores or machines.
- worker start 0.6-3 s; warm-up of a worker (imports, kernels from the disk cache, the air
  drivers compiled per process by design, demo data) 3.8 s alone, 8-21 s with two at once under
  that load; task descriptions 2-7 kB, results 0.7-0.9 MB per piece (pickled in 1-13 ms).
"""

from __future__ import annotations

import os
import time

import numpy as np

from benchmarks._harness import result


def compare(scenarios, **kwargs):
    from ecomodel.scenario.run import compare as run_compare

    return run_compare(scenarios, **kwargs)


def _scenarios(n_pkg, members, end_year, method="full"):
    from ecomodel.scenario import Package
    from ecomodel.scenario.demo import demo_scenario

    from benchmarks.packages import candidate_measures

    pool = candidate_measures(200)
    rng = np.random.default_rng(1)
    packages = [Package(f"p{k:03d}", tuple(m for m in pool if rng.random() < 0.03) or (pool[k],))
                for k in range(n_pkg)]
    return [demo_scenario(p, members=members, method=method).replace(end_year=end_year) for p in packages]


def differing_variables(a, b) -> list[str]:
    """``node/variable`` of every variable (and coordinate) that is not bit-identical in trees *a*, *b*."""
    out = []
    for node in a.subtree:
        other = b[node.path].dataset if node.path in [n.path for n in b.subtree] else None
        for v in node.dataset.variables:
            if other is None or v not in other.variables:
                out.append(f"{node.path}/{v} (missing)")
                continue
            x, y = node.dataset[v].values, other[v].values
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                out.append(f"{node.path}/{v}")
    return out


def _compute_seconds(stream) -> float:
    """Sum of the compute intervals of a dask task stream [s]."""
    return float(sum(ss["stop"] - ss["start"] for task in stream for ss in task.get("startstops", ())
                     if ss.get("action") == "compute"))


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _size() -> tuple[int, int, int]:
    """Packages, members and last year of the full-size case: ``ECOMODEL_BENCH_DASK=<packages>x<members>``
    or ``<packages>x<members>x<last year>`` (default 6x50x2030)."""
    parts = [int(v) for v in os.environ.get("ECOMODEL_BENCH_DASK", "6x50").lower().split("x")]
    return parts[0], parts[1], parts[2] if len(parts) > 2 else 2030


def _warm(cache, scenarios):
    """On a worker: imports, numba kernels (from the disk cache when it is on) and demo data of every
    domain, by a tiny projection of each [s]."""
    from ecomodel.scenario.run import _compare_batch, _on_worker

    t0 = time.perf_counter()
    _on_worker(_compare_batch, cache, scenarios, False)
    return time.perf_counter() - t0


def _cluster(distributed, stack, n, numba_threads, tiny, tiny_scenarios) -> dict:
    """A started LocalCluster of *n* one-thread workers (entered on *stack*) with its start-up figures."""
    from ecomodel.scenario.run import _numba_cache

    kwargs = dict(n_workers=n, threads_per_worker=1, dashboard_address=None, silence_logs=40)
    if tiny:  # in-process workers: no worker start-up and compilation in the test suite
        kwargs["processes"] = False
    else:  # numba's parallel loops get numba_threads threads in each worker process
        kwargs["env"] = {"NUMBA_NUM_THREADS": str(numba_threads)}
    t0 = time.perf_counter()
    cluster = stack.enter_context(distributed.LocalCluster(**kwargs))
    client = stack.enter_context(distributed.Client(cluster))
    start_s = time.perf_counter() - t0
    warm_s, warm = _timed(lambda: client.run(_warm, _numba_cache(), tiny_scenarios))
    return {"client": client, "cluster_start_seconds": start_s, "worker_warm_seconds": warm_s,
            "worker_warm_each": sorted(warm.values())}


def _rounds() -> int:
    return max(1, int(os.environ.get("ECOMODEL_BENCH_DASK_ROUNDS", "2")))


def run(tiny: bool = False):
    """Every case once per round (``ECOMODEL_BENCH_DASK_ROUNDS``, default 2), the cases interleaved
    within a round so that a change of the machine's load hits them alike; each record has the
    best (``seconds``) and every round's time (``round_seconds``)."""
    import contextlib

    from ecomodel._numba import get_num_threads, threads
    from ecomodel.scenario.run import SCENARIO_CHUNK, _canonical_chunks, _pieces

    n_pkg, members, end_year = (3, 2, 2021) if tiny else _size()
    rounds = 1 if tiny else _rounds()
    scenarios = _scenarios(n_pkg, members, end_year)
    tiny_scenarios = [s.replace(members=2, end_year=2021) for s in scenarios[:1]]
    size = f"{n_pkg} packages + baseline x {members} members x 2020-{end_year}, full models"
    work = (n_pkg + 1) * members * (end_year - 2019)
    compare(scenarios[:2])  # warm-up: imports, kernels, demo data of this process
    try:
        import distributed
    except ImportError:
        distributed = None
    specs = [("compare_dask_1w", 1, 1), ("compare_dask_2w", 2, 1)]
    if not tiny:
        specs.append(("compare_dask_2w_numba2", 2, 2))
    times: dict[str, list[float]] = {}
    extra: dict[str, dict] = {}
    serial = None
    with contextlib.ExitStack() as stack:
        clusters = {} if distributed is None else {
            name: _cluster(distributed, stack, n, k, tiny, tiny_scenarios) | {"workers": n, "numba_threads": k}
            for name, n, k in specs}
        for r in range(rounds):
            t, out = _timed(lambda: compare(scenarios))
            times.setdefault("compare_serial", []).append(t)
            serial = out if serial is None else serial
            with threads(1):
                t, one = _timed(lambda: compare(scenarios))
            times.setdefault("compare_serial_1thread", []).append(t)
            extra["compare_serial_1thread"] = {"bit_identical": not differing_variables(serial, one)}
            for name, c in clusters.items():
                with distributed.get_task_stream(c["client"]) as stream:
                    t, remote = _timed(lambda c=c: compare(scenarios, client=c["client"]))
                times.setdefault(name, []).append(t)
                if r == 0:  # the first comparison on a cluster after its warm-up
                    extra[name] = {"cold_seconds": t}
                busy = _compute_seconds(stream.data)
                diff = differing_variables(serial, remote)
                extra[name].update(tasks=len(stream.data), task_compute_seconds=busy, mean_busy_workers=busy / t,
                                   bit_identical=not diff and extra[name].get("bit_identical", True),
                                   differing_variables=diff)
    base = [scenarios[0].with_package(type(scenarios[0].package)("baseline"), name="baseline")] + list(scenarios)
    planned = len(_pieces(base, _canonical_chunks(base)))
    best = {k: min(v) for k, v in times.items()}
    yield result("compare_serial", size, best["compare_serial"], work, "package-member-years/s",
                 round_seconds=times["compare_serial"], load_average=os.getloadavg()[0], cpu_count=os.cpu_count(),
                 numba_threads=get_num_threads(), chunk=SCENARIO_CHUNK)
    yield result("compare_serial_1thread", size, best["compare_serial_1thread"], work, "package-member-years/s",
                 round_seconds=times["compare_serial_1thread"], numba_threads=1, **extra["compare_serial_1thread"])
    for name, c in clusters.items():
        yield result(name, size, best[name], work, "package-member-years/s", peer="serial (same process, same rounds)",
                     peer_seconds=best["compare_serial"], round_seconds=times[name], workers=c["workers"],
                     threads_per_worker=1, processes=not tiny, numba_threads_per_worker=None if tiny else
                     c["numba_threads"], cluster_start_seconds=c["cluster_start_seconds"],
                     worker_warm_seconds=c["worker_warm_seconds"], worker_warm_each=c["worker_warm_each"],
                     speedup=best["compare_serial"] / best[name],
                     speedup_vs_1thread=best["compare_serial_1thread"] / best[name], planned_tasks=planned,
                     load_average=os.getloadavg()[0], **extra[name])
