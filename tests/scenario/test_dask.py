"""Scale-out of compare/run_many on dask.distributed gives the serial run's numbers bit for bit.

Two ways the distributed path used to differ from the serial one, each with its test:

* transport: a worker sends its projections through pickle, which turns a strided array into a
  contiguous copy; numpy's reductions (the member mean behind the cost-effectiveness) sum in an
  order that follows the memory layout, so the same numbers gave means that differed in the last
  bits. :class:`PickleClient` reproduces the transport in this process (cheap: the air model's
  kernels are compiled once), with the real air model, whose projections are strided;
* chunking: scenarios were split into as many tasks as workers, and the fast air method merges
  reductions across the scenarios of a task. Chunks are now canonical, whatever the cluster.

Within a chunk the tasks are cut further (``run._pieces``): the water and carbon models draw
members in fixed blocks of ``MEMBER_BLOCK`` from per-block child seeds, so each block is a task;
the full air model runs each package on its own, so each scenario is a task. The tests below
check that these cuts give the numbers of the whole.

A real two-process ``LocalCluster`` runs the water and carbon models (the air model's kernels
would have to be compiled again in each worker process).
"""

import os
import pickle

import numpy as np
import pytest
import xarray as xr

from ecomodel.scenario import Cost, Effect, Measure, Package
from ecomodel.scenario.demo import demo_scenario
from ecomodel._members import MEMBER_BLOCK
from ecomodel.errors import InputError
from ecomodel.scenario.run import SCENARIO_CHUNK, _canonical_chunks, _numba_cache, _pieces, compare, run_many


def _measures():
    out = []
    air = [("NOx", "industry"), ("SO2", "industry"), ("NH3", "agriculture"), ("VOCs", "solvent"), ("PM2.5", "dust")]
    for i, (pol, sec) in enumerate(air):
        out.append(Measure(id=f"a{i}", name=f"air {i}", domain="air", start=2021, ramp_years=1,
                           cost=Cost(capital=(1 + i) * 1e8, annual=2e7, lifetime=15),
                           effects=(Effect(domain="air", pollutant=pol, sector=sec, region="常州市",
                                           fraction=0.1 + 0.05 * i),)))
    water = [("TP", "wwtp"), ("TP", "agriculture"), ("NH3-N", "wwtp"), ("COD", "wwtp")]
    for i, (pol, cat) in enumerate(water):
        out.append(Measure(id=f"w{i}", name=f"water {i}", domain="water", start=2021, ramp_years=1,
                           cost=Cost(capital=(2 + i) * 1e8, annual=1e7, lifetime=20),
                           effects=(Effect(domain="water", pollutant=pol, category=cat, fraction=0.15 + 0.05 * i),)))
    for i, sec in enumerate(("chemicals", "textiles", "building_materials")):
        out.append(Measure(id=f"c{i}", name=f"carbon {i}", domain="carbon", start=2021, ramp_years=1,
                           cost=Cost(capital=(3 + i) * 1e8, annual=3e7, lifetime=20),
                           effects=(Effect(domain="carbon", fuel="raw_coal", to_fuel="natural_gas", sector=sec,
                                           region="常州市", fraction=0.2 + 0.05 * i),)))
    return out


def _scenarios(n, *, members, domains=None):
    """*n* packages of 2–4 of the measures above (more than one canonical chunk with the baseline)."""
    pool = _measures()
    rng = np.random.default_rng(5)
    out = []
    for k in range(n):
        pick = sorted(rng.choice(len(pool), size=int(rng.integers(2, 5)), replace=False).tolist())
        sc = demo_scenario(Package(f"p{k}", tuple(pool[j] for j in pick)), members=members, method="full")
        sc = sc.replace(end_year=2021)
        if domains:
            sc = sc.replace(domains=domains)
        out.append(sc)
    return out


def assert_trees_equal_bitwise(a: xr.DataTree, b: xr.DataTree):
    """Every variable and coordinate of every node equal with ``np.array_equal`` (NaN = NaN)."""
    assert sorted(n.path for n in a.subtree) == sorted(n.path for n in b.subtree)
    checked = 0
    for node in a.subtree:
        other = b[node.path].dataset
        ds = node.dataset
        assert sorted(ds.variables) == sorted(other.variables), node.path
        for v in ds.variables:
            x, y = ds[v].values, other[v].values
            assert x.shape == y.shape, (node.path, v)
            assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), \
                f"{node.path}/{v}: {int(np.sum(x != y))} of {x.size} values differ"
            checked += 1
    assert checked > 20


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class PickleClient:
    """A stand-in for ``distributed.Client``: runs each task at once in this process, sending the
    task and its result through pickle as the transport to a worker process does; says it has
    *workers* workers."""

    def __init__(self, workers=2):
        self.workers = workers
        self.tasks = 0
        self.blocks = []  # member_block of every task

    def scheduler_info(self):
        return {"workers": {f"w{i}": {} for i in range(self.workers)}}

    def submit(self, fn, *args, pure=True, key=None, **kwargs):
        fn, args, kwargs = pickle.loads(pickle.dumps((fn, args, kwargs)))
        self.tasks += 1
        self.blocks.append(args[-1] if args and (args[-1] is None or isinstance(args[-1], tuple)) else None)
        return _Done(pickle.loads(pickle.dumps(fn(*args, **kwargs))))

    def gather(self, futures):
        return [f.result() for f in futures]


def test_canonical_chunks__fixed_size_in_input_order_per_settings():
    a = [demo_scenario(Package(f"a{i}"), members=2) for i in range(SCENARIO_CHUNK + 3)]
    b = [s.replace(seed=1) for s in a[:2]]
    chunks = _canonical_chunks(a[:5] + b + a[5:])
    assert chunks == [[0, 1, 2, 3, 4, 7, 8, 9], [10, 11, 12], [5, 6]]


def test_compare__pickled_transport_gives_the_serial_bits():
    """The air model's projections are strided; through pickle they arrive contiguous. The member
    means of the cost-effectiveness must not change (before: 340 of 528 PM2.5 values differed
    with 50 members)."""
    scenarios = _scenarios(SCENARIO_CHUNK + 2, members=12)
    serial = compare(scenarios)
    client = PickleClient(workers=3)
    remote = compare(scenarios, client=client)
    # baseline + 10 packages; 12 members are one member block, so every full model runs one task per scenario
    assert client.tasks == 11 * 3
    assert np.isfinite(serial["summary"]["cost_effectiveness_pm25_annual_mean"].values).any()
    assert_trees_equal_bitwise(serial, remote)


def test_run_many__pickled_transport_gives_the_serial_bits():
    scenarios = _scenarios(3, members=12)
    serial = run_many(scenarios)
    remote = run_many(scenarios, client=PickleClient(workers=2))
    for s, r in zip(serial, remote, strict=True):
        assert_trees_equal_bitwise(s, r)
        xr.testing.assert_identical(s, r)


def test_compare__two_process_local_cluster_gives_the_serial_bits():
    distributed = pytest.importorskip("distributed")
    scenarios = _scenarios(SCENARIO_CHUNK + 2, members=MEMBER_BLOCK + 3, domains=("water", "carbon"))
    serial = compare(scenarios)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as lc, distributed.Client(lc) as client:
        remote = compare(scenarios, client=client)
        trees = run_many(scenarios[:2], client=client)
        cache = set(client.run(os.getenv, "ECOMODEL_NUMBA_CACHE").values())
    assert cache == {_numba_cache()}  # the workers build kernels as this process does
    assert np.isfinite(serial["summary"]["cost_effectiveness_co2_emissions"].values).any()
    assert_trees_equal_bitwise(serial, remote)
    for s, r in zip(run_many(scenarios[:2]), trees, strict=True):
        assert_trees_equal_bitwise(s, r)


class BatchSensitive:
    """A linear air backend whose numbers depend in the last bits on the other schedules of the
    batch, as the fast air method's do (it merges reductions equal to 15 decimals across the
    batch): every value is scaled by ``1 + (batch size) * 2**-50``."""

    def __init__(self):
        from ecomodel.scenario.backends import LinearBackend

        years = np.arange(2020, 2026)
        pm = np.linspace(36.0, 33.0, years.size)[:, None] + np.array([0.0, 1.0])[None, :]
        base = xr.Dataset({"pm25_annual_mean": (("year", "region"), pm, {"units": "ug/m3"})},
                          coords={"year": years, "region": ["常州市", "江阴市"]})
        self.inner = LinearBackend("air", base, [{"indicator": "pm25_annual_mean", "match": {"pollutant": "NOx"},
                                                  "slope": -4.0}], member_sd={"pm25_annual_mean": 1.0})
        self.domain = "air"

    def check_effect(self, base, effect):
        self.inner.check_effect(base, effect)

    def baseline_amount(self, base, effect):
        return self.inner.baseline_amount(base, effect)

    def project_stack(self, base, schedules, years, members, seed, method, progress=False):
        ds = self.inner.project_stack(base, schedules, years, members, seed, method)
        for v in ds.data_vars:
            ds[v].values *= 1.0 + len(schedules) * 2.0 ** -50
        return ds


def test_compare__same_bits_for_any_number_of_workers_even_when_a_batch_shapes_the_numbers():
    from ecomodel.scenario import Scenario
    from ecomodel.scenario.run import register_backend

    register_backend("air", BatchSensitive())
    try:
        scenarios = []
        for k in range(2 * SCENARIO_CHUNK + 3):
            m = Measure(id=f"m{k}", name=f"m{k}", domain="air", start=2021, cost=Cost(annual=1e7 * (k + 1)),
                        effects=(Effect(domain="air", pollutant="NOx", fraction=0.01 * (k + 1)),))
            pkg = Package(f"p{k}", (m,))
            scenarios.append(Scenario(pkg.name, package=pkg, members=4, seed=2, start_year=2020, end_year=2025,
                                      domains=("air",)))
        serial = compare(scenarios)
        for workers in (1, 2, 3, 5):
            assert_trees_equal_bitwise(serial, compare(scenarios, client=PickleClient(workers)))
        trees = run_many(scenarios)
        for s, r in zip(trees, run_many(scenarios, client=PickleClient(3)), strict=True):
            assert_trees_equal_bitwise(s, r)
    finally:
        register_backend("air", None)


def test_cli_scheduler_address__runs_on_that_scheduler_and_refuses_an_unreachable_one(tmp_path, capsys, monkeypatch):
    """``--scheduler tcp://host:port`` (here a cluster started by the test) gives the serial file."""
    distributed = pytest.importorskip("distributed")
    from ecomodel import io
    from ecomodel.cli import main
    from ecomodel.scenario.run import register_backend
    from tests.cli.test_scenario import package
    from tests.scenario.test_run import _air_backend, _water_backend

    register_backend("air", _air_backend())
    register_backend("water", _water_backend())
    try:
        a = package(tmp_path, "a")
        serial = tmp_path / "serial.nc"
        assert main(["compare", str(a), "--members", "4", "-o", str(serial), "-q"]) == 0
        remote = tmp_path / "remote.nc"
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                      dashboard_address=None, silence_logs=40) as lc:
            address = lc.scheduler_address
            assert address.startswith("tcp://")
            assert main(["compare", str(a), "--members", "4", "-o", str(remote), "--scheduler", address]) == 0
        assert f"dask: scheduler {address} with 1 workers" in capsys.readouterr().err
        assert_trees_equal_bitwise(io.open_output(serial), io.open_output(remote))
        real = distributed.Client
        monkeypatch.setattr(distributed, "Client", lambda address, timeout=None, **kw: real(address, timeout=1, **kw))
        assert main(["compare", str(a), "--members", "2", "-q", "--scheduler", "tcp://127.0.0.1:9"]) == 2
        assert "cannot reach a dask scheduler" in capsys.readouterr().err
    finally:
        register_backend("air", None)
        register_backend("water", None)


def test_member_block__blocks_computed_apart_equal_the_whole_ensemble():
    """Water, carbon and air members come from per-block child seeds: blocks of one ensemble
    computed in separate calls, joined along member, are the whole ensemble bit for bit."""
    from ecomodel import air, carbon, water

    members = 2 * MEMBER_BLOCK + 7
    cuts = [(0, MEMBER_BLOCK), (MEMBER_BLOCK, 2 * MEMBER_BLOCK), (2 * MEMBER_BLOCK, members)]
    red = {2022: {("wwtp", None, "TP"): 0.3}}
    d = carbon.demo_drivers()
    meas = [{"fuel": "raw_coal", "sector": "chemicals", "to_fuel": "natural_gas", "fraction": 0.3, "start_year": 2022}]
    runs = {"water": lambda **kw: water.project(red, years=[2021, 2022, 2023], members=members, seed=4, **kw),
            "carbon": lambda **kw: carbon.project(d, years=range(2020, 2024), members=members, seed=4, measures=meas,
                                                  **kw),
            "air": lambda **kw: air.project({2021: {(None, None, "NOx"): 0.2}}, years=[2020, 2021],
                                            members=members, seed=4, **kw)}
    for name, project in runs.items():
        whole = project()
        joined = xr.concat([project(member_block=c) for c in cuts], dim="member", data_vars="minimal")
        assert list(joined["member"].values) == list(range(members)), name
        for v in whole.data_vars:
            assert np.array_equal(whole[v].values, joined[v].transpose(*whole[v].dims).values, equal_nan=True), \
                (name, v)
    # a member's numbers do not depend on the ensemble size beyond its block
    small = water.project(red, years=[2021, 2022, 2023], members=MEMBER_BLOCK + 1, seed=4)
    big = runs["water"]()
    assert np.array_equal(small["tp_concentration"].values[:, :MEMBER_BLOCK],
                          big["tp_concentration"].values[:, :MEMBER_BLOCK])
    assert not np.array_equal(small["tp_concentration"].values[:, :3], big["tp_concentration"].values[:, 3:6])


def test_member_block__refuses_ranges_off_the_block_grid_and_unreplayable_seeds():
    from ecomodel import water

    for bad in [(1, MEMBER_BLOCK), (0, MEMBER_BLOCK + 1), (MEMBER_BLOCK, MEMBER_BLOCK), (0, 3 * MEMBER_BLOCK), "ab"]:
        with pytest.raises(InputError, match="member_block"):
            water.project(years=[2021], members=2 * MEMBER_BLOCK, seed=1, member_block=bad)
    with pytest.raises(InputError, match="integer seed"):
        water.project(years=[2021], members=2 * MEMBER_BLOCK, seed=np.random.default_rng(1),
                      member_block=(0, MEMBER_BLOCK))


def test_pieces__member_blocks_for_water_and_carbon_and_scenario_by_block_for_the_full_air_model():
    scenarios = _scenarios(SCENARIO_CHUNK + 1, members=MEMBER_BLOCK + 5)
    chunks = _canonical_chunks(scenarios)
    tasks = _pieces(scenarios, chunks)
    air = [t for t in tasks if t[0] == "air"]
    two = [(0, MEMBER_BLOCK), (MEMBER_BLOCK, MEMBER_BLOCK + 5)]
    assert [(t[1], t[2], t[3]) for t in air] == [(0, (i,), b) for i in range(SCENARIO_CHUNK) for b in two] + [
        (1, (0,), b) for b in two]  # one task per scenario and member block
    for d in ("water", "carbon"):
        mine = [t for t in tasks if t[0] == d]
        assert [(t[1], t[3]) for t in mine] == [(c, b) for c in range(2) for b in
                                                 ((0, MEMBER_BLOCK), (MEMBER_BLOCK, MEMBER_BLOCK + 5))]
    assert [t[0] for t in tasks] == sorted((t[0] for t in tasks), key=["air", "water", "carbon"].index)
    fast = [s.replace(method="surface") for s in scenarios]
    assert {(t[0], t[2], t[3]) for t in _pieces(fast, chunks)} == {
        (d, tuple(range(len(c))), None) for d in ("air", "water", "carbon") for c in chunks}


def test_compare__member_blocks_and_single_scenarios_as_tasks_give_the_serial_bits():
    scenarios = _scenarios(3, members=MEMBER_BLOCK + 4)
    serial = compare(scenarios)
    client = PickleClient(workers=2)
    remote = compare(scenarios, client=client)
    assert client.tasks == 4 * 2 + 2 + 2  # air: 4 scenarios x 2 member blocks; water, carbon: 2 member blocks each
    assert (0, MEMBER_BLOCK) in client.blocks and (MEMBER_BLOCK, MEMBER_BLOCK + 4) in client.blocks
    assert np.isfinite(serial["summary"]["cost_effectiveness_tp_concentration"].values).any()
    assert_trees_equal_bitwise(serial, remote)
    trees = run_many(scenarios[:2], client=PickleClient(workers=2))
    for s, r in zip(run_many(scenarios[:2]), trees, strict=True):
        xr.testing.assert_identical(s, r)
