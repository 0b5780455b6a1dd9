"""Scale-out benchmark: one package comparison serially and on dask.distributed clusters.

    python -m benchmarks dask           # 6 packages x 50 members x 2020-2030, full models
    python -m benchmarks dask --tiny    # as in the test suite (in-process workers)
    ECOMODEL_BENCH_DASK=40x4 python -m benchmarks dask   # other sizes: <packages>x<members>

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
``compare_serial_again``
    The serial comparison once more, last: the load of the shared machine changes during the run.

The machine's load average is recorded: the benchmark shares its cores with whatever else runs.
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


def _size() -> tuple[int, int]:
    """Packages and members of the full-size case: ``ECOMODEL_BENCH_DASK=<packages>x<members>`` (default 6x50)."""
    text = os.environ.get("ECOMODEL_BENCH_DASK", "6x50")
    n_pkg, members = (int(v) for v in text.lower().split("x"))
    return n_pkg, members


def _warm(cache, scenarios):
    """On a worker: imports, numba kernels (from the disk cache when it is on) and demo data of every
    domain, by a tiny projection of each [s]."""
    from ecomodel.scenario.run import _compare_batch, _on_worker

    t0 = time.perf_counter()
    _on_worker(_compare_batch, cache, scenarios, False)
    return time.perf_counter() - t0


def _cluster_case(distributed, name, scenarios, tiny_scenarios, serial, serial_s, one_s, n, numba_threads, tiny,
                  size, work):
    from ecomodel.scenario.run import _canonical_chunks, _numba_cache, _pieces

    kwargs = dict(n_workers=n, threads_per_worker=1, dashboard_address=None, silence_logs=40)
    if tiny:  # in-process workers: no worker start-up and compilation in the test suite
        kwargs["processes"] = False
    else:  # numba's parallel loops get numba_threads threads in each worker process
        kwargs["env"] = {"NUMBA_NUM_THREADS": str(numba_threads)}
    t0 = time.perf_counter()
    with distributed.LocalCluster(**kwargs) as cluster, distributed.Client(cluster) as client:
        start_s = time.perf_counter() - t0
        warm_s, warm = _timed(lambda: client.run(_warm, _numba_cache(), tiny_scenarios))
        cold_s, _ = _timed(lambda: compare(scenarios, client=client))
        with distributed.get_task_stream(client) as stream:
            seconds, remote = _timed(lambda: compare(scenarios, client=client))
        busy = _compute_seconds(stream.data)
    diff = differing_variables(serial, remote)
    base = [scenarios[0].with_package(type(scenarios[0].package)("baseline"), name="baseline")] + list(scenarios)
    return result(name, size, seconds, work, "package-member-years/s", peer="serial (same process)",
                  peer_seconds=serial_s, workers=n, threads_per_worker=1, processes=not tiny,
                  numba_threads_per_worker=None if tiny else numba_threads, cluster_start_seconds=start_s,
                  worker_warm_seconds=warm_s, worker_warm_each=sorted(warm.values()), cold_seconds=cold_s,
                  speedup=serial_s / seconds, speedup_vs_1thread=one_s / seconds, tasks=len(stream.data),
                  planned_tasks=len(_pieces(base, _canonical_chunks(base))), task_compute_seconds=busy,
                  mean_busy_workers=busy / seconds, bit_identical=not diff, differing_variables=diff,
                  load_average=os.getloadavg()[0])


def run(tiny: bool = False):
    from ecomodel.scenario.run import SCENARIO_CHUNK

    n_pkg, members, end_year = (3, 2, 2021) if tiny else (*_size(), 2030)
    scenarios = _scenarios(n_pkg, members, end_year)
    tiny_scenarios = [s.replace(members=2, end_year=2021) for s in scenarios[:1]]
    size = f"{n_pkg} packages + baseline x {members} members x 2020-{end_year}, full models"
    work = (n_pkg + 1) * members * (end_year - 2019)
    compare(scenarios[:2])  # warm-up: imports, kernels, demo data of this process
    serial_s, serial = _timed(lambda: compare(scenarios))
    load = os.getloadavg()[0]
    from ecomodel._numba import get_num_threads, threads

    yield result("compare_serial", size, serial_s, work, "package-member-years/s", load_average=load,
                 cpu_count=os.cpu_count(), numba_threads=get_num_threads(), chunk=SCENARIO_CHUNK)
    with threads(1):
        one_s, one = _timed(lambda: compare(scenarios))
    yield result("compare_serial_1thread", size, one_s, work, "package-member-years/s",
                 load_average=os.getloadavg()[0], numba_threads=1, bit_identical=not differing_variables(serial, one))
    try:
        import distributed
    except ImportError:
        return
    cases = [("compare_dask_1w", 1, 1), ("compare_dask_2w", 2, 1)]
    if not tiny:
        cases.append(("compare_dask_2w_numba2", 2, 2))
    for name, n, numba_threads in cases:
        yield _cluster_case(distributed, name, scenarios, tiny_scenarios, serial, serial_s, one_s, n, numba_threads,
                            tiny, size, work)
    again_s, _ = _timed(lambda: compare(scenarios))  # the load of the machine changes: serial once more, last
    yield result("compare_serial_again", size, again_s, work, "package-member-years/s",
                 load_average=os.getloadavg()[0], numba_threads=get_num_threads(), first_seconds=serial_s)
