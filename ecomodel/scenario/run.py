"""Integrated runs: a scenario through the air, water and carbon models, and comparisons.

:func:`run` turns a scenario's package into reduction schedules per domain (each measure's
effects, ramped by year, converted from tonnes to fractions of the base inventory and combined
as ``1 − Π(1 − fᵢ)``), runs each domain's projection and checks the result against the plan
targets. :func:`compare` does this for several scenarios (serially, or on a dask.distributed
``Client``) and stacks them along a ``scenario`` dimension with cost, attainment probability and
cost-effectiveness against the baseline.

The domain models are reached through *backends* (:mod:`ecomodel.scenario.backends`, with the
registry :func:`register_backend` / :func:`get_backend`), one per domain, each offering
``project_stack`` for a batch of reduction schedules (:mod:`ecomodel.scenario.schedule`) with the
fast method (response surfaces, linear responses) or the full process model. Targets are read
with :mod:`ecomodel.scenario.specs`; the optimiser's evaluator is in
:mod:`ecomodel.scenario.optimise` (still reachable as ``run.evaluator``).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from .._cf import conform
from ..errors import ScenarioError
from .backends import _BACKENDS, get_backend, register_backend  # noqa: F401  (registry; re-exported)
from .model import DOMAINS, Package, Scenario
from .schedule import ReductionKey, Reductions, reduction_schedule  # noqa: F401  (moved there; re-exported)
from .specs import _find, _match_place, _member_values, as_targets, target_statistics  # noqa: F401

if TYPE_CHECKING:
    import xarray as xr
    from distributed import Client

    from .specs import TargetSpec

__all__ = ["Reductions", "reduction_schedule", "run", "run_many", "compare", "evaluator", "get_backend",
           "register_backend", "target_statistics"]


def __getattr__(name: str):
    """``evaluator`` and ``_indicator_domain`` moved to :mod:`ecomodel.scenario.optimise` (which
    imports this module); they are still reachable here."""
    if name == "evaluator":
        from .optimise import evaluator

        return evaluator
    if name == "_indicator_domain":
        from .optimise import _indicator_domain

        return _indicator_domain
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------------------------------------ runs


def _schedules(package: Package, scenario: Scenario, domain: str, years) -> Reductions:
    backend = get_backend(domain)
    for m in package.measures:
        for e in m.all_effects:
            if e.domain == domain:
                backend.check_effect(scenario.base, e)
    return reduction_schedule(package, years, domain, lambda e: backend.baseline_amount(scenario.base, e))


def _stacked(scenarios: Sequence[Scenario], domain: str, years, method: str, progress=False):
    """Project every scenario of a batch (same base, ensemble and seed) for *domain*: one Dataset with a
    leading ``scenario`` dimension, and the reduction schedules."""
    backend = get_backend(domain)
    first = scenarios[0]
    schedules = [_schedules(s.package, s, domain, years) for s in scenarios]
    ds = backend.project_stack(first.base, schedules, np.asarray(years), first.members, first.seed, method,
                               progress=progress)
    names = np.array([s.name for s in scenarios], dtype=str)
    return ds.assign_coords(scenario=("scenario", names)), schedules


def _met_rule(t) -> str:
    """What the ``met`` column of a TargetSpec's row judges: the ensemble mean, or the quantile that a
    probability target puts at the limit (:meth:`TargetSpec.statistic`)."""
    if t.probability is None:
        from .accounting import MET_RULE

        return MET_RULE
    q = t.probability if t.comparator == "<=" else 1.0 - t.probability
    return f"member quantile {q:g} (probability >= {t.probability:g})"


def _spec_table(datasets: dict, specs, accounts=None):
    """Attainment table for user-chosen targets (TargetSpec), same columns as the registry check; an
    indicator of the *accounts* (``nox_reduction_t`` …) is read there (``basis`` 'accounts')."""
    import pandas as pd

    sources = dict(datasets) if accounts is None else {**datasets, "accounts": accounts}
    rows = []
    for t in specs:
        da = _find(sources, t)
        members = np.asarray(da.values, dtype=float).reshape(-1)
        projected = float(members.mean())
        from_accounts = accounts is not None and t.indicator in accounts and not any(
            t.indicator in ds for ds in datasets.values())
        rows.append({"label": t.label, "indicator": t.indicator, "region": t.region or "", "site": t.site or "",
                     "target_year": t.year, "comparator": t.comparator, "target_value": t.value,
                     "projected": projected, "statistic": t.statistic(members),
                     "margin": float(t.margin(projected)), "met": bool(t.met(t.statistic(members))),
                     "probability": float(np.mean(t.met(members))), "members": int(members.size),
                     "met_rule": _met_rule(t), "basis": "accounts" if from_accounts else "model",
                     "source": t.source})
    return pd.DataFrame(rows)


def _check_targets(datasets: dict, targets=None, accounts=None):
    """Attainment table of every domain projection and, when given, of the emission and load
    *accounts* (the tonnage rows, :func:`~ecomodel.scenario.accounting.check_accounts`): against
    the plan-target registry (None), the given TargetSpecs (a list), or none at all (False).
    Every row says its ``basis`` (``model`` / ``accounts``) and ``met_rule``."""
    import pandas as pd

    if targets is False:
        return None
    if targets is not None:
        return _spec_table(datasets, as_targets(targets), accounts)
    table = _registry_table(datasets)
    if accounts is None:
        return table
    from .accounting import check_accounts

    ton = check_accounts(accounts)
    if not len(ton):
        return table
    return ton if not len(table) else pd.concat([table, ton], ignore_index=True)


def _registry_table(datasets: dict):
    """The domain projections checked against the plan-target registry (``basis`` 'model')."""
    import pandas as pd

    from .. import targets as registry
    from ..errors import TargetError
    from .accounting import MET_RULE

    frames = []
    for domain, ds in datasets.items():
        extra = None
        if domain == "carbon":  # year-less peak years read at every target year; 000:94 applied to the regions
            from .. import carbon

            ds = carbon.for_check(ds)
            extra = carbon.national_peak_rows([str(r) for r in ds["region"].values])
        yearly = ds[[v for v in ds.data_vars if "year" in ds[v].dims]]  # check() needs a year dimension
        try:
            table = registry.check(yearly, outside="skip")
            if extra is not None and len(extra):
                more = registry.check(yearly, extra, outside="skip")
                table.attrs, more.attrs = {}, {}  # side tables (not_checkable, outside) are not needed here
                table = pd.concat([table, more], ignore_index=True)
        except TargetError as exc:
            if exc.field == "projection":  # this domain's indicators and places have no plan target
                continue
            raise ScenarioError(f"checking the {domain} projection against the plan targets: {exc}",
                                field="targets", value=domain) from exc
        if len(table):
            table = table.assign(domain=domain, met_rule=MET_RULE, basis="model")
            table.attrs = {}  # the registry's side tables (not_checkable, outside) are not needed here
            frames.append(table)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _table_to_dataset(table):
    import pandas as pd
    import xarray as xr

    if table is None or len(table) == 0:
        return xr.Dataset(attrs={"comment": "no plan target matched the projected indicators"})
    t = table.reset_index(drop=True)
    ds = xr.Dataset(coords={"target": np.arange(len(t))})
    for col in t.columns:
        series = t[col]
        if pd.api.types.is_bool_dtype(series.dtype):
            ds[str(col)] = ("target", series.to_numpy(dtype=bool))
        elif pd.api.types.is_numeric_dtype(series.dtype):
            values = series.astype("float64").to_numpy() if series.isna().any() else series.to_numpy()
            ds[str(col)] = ("target", values)
            if series.isna().any():
                ds[str(col)].attrs["comment"] = "NaN where the column does not apply to the target"
        else:
            ds[str(col)] = ("target", np.array(["" if pd.isna(v) else str(v) for v in series], dtype=str))
    if "probability" in ds:
        ds["probability"].attrs.update({"units": "1", "long_name": "share of ensemble members meeting the target"})
    if "projected" in ds:
        ds["projected"].attrs.update({"long_name": "ensemble mean at the target year, in the target's unit",
                                      "cell_methods": "member: mean"})
    if "met" in ds:
        ds["met"].attrs.update({"long_name": "the target is met by the statistic named in met_rule"})
    if "met_rule" in ds:
        ds["met_rule"].attrs.update({"long_name": "what met judges: the ensemble mean, or a member quantile for "
                                                  "a target with a required probability"})
    if "basis" in ds:
        ds["basis"].attrs.update({"long_name": "model: a domain projection; accounts: the emission and load "
                                               "accounts (/accounts, tonnage targets)"})
    ds.attrs["comment"] = ("one row per plan target matched by the projection or the accounts "
                           "(ecomodel.targets.check)")
    return ds


def _package_dataset(scenario: Scenario, schedules: dict):
    import xarray as xr

    pkg = scenario.package
    ct = pkg.cost_table(scenario.discount_rate)
    ds = xr.Dataset(coords={"measure": np.array(list(ct.index), dtype=str)})
    ds["measure_name"] = ("measure", np.array(ct["name"].astype(str).tolist(), dtype=str))
    ds["measure_domain"] = ("measure", np.array(ct["domain"].astype(str).tolist(), dtype=str))
    ds["start_year"] = ("measure", ct["start"].to_numpy(dtype=np.int64))
    ds["capital_cost"] = ("measure", ct["capital_cny"].to_numpy(dtype=float),
                          {"units": "CNY", "long_name": "capital cost"})
    ds["annual_cost"] = ("measure", ct["annual_cny_per_yr"].to_numpy(dtype=float),
                         {"units": "CNY/yr", "long_name": "operation and maintenance cost at full effect"})
    ds["annualised_cost"] = ("measure", ct["annualised_cny_per_yr"].to_numpy(dtype=float),
                             {"units": "CNY/yr", "long_name": "equivalent annual cost",
                              "comment": f"capital x CRF({scenario.discount_rate:g}, lifetime) + annual"})
    ds.attrs.update({"package": pkg.name, "title": pkg.title, "discount_rate": scenario.discount_rate,
                     "total_annualised_cost_cny_per_yr": pkg.annualised_cost(scenario.discount_rate),
                     "total_capital_cost_cny": pkg.capital_cost()})
    tree = {"/package": ds}
    for domain, red in schedules.items():
        if red.keys:
            tree[f"/package/{domain}"] = red.to_dataarray().to_dataset()
    return tree


def _tree(scenario: Scenario, datasets: dict, schedules: dict, table, acc=None):
    import xarray as xr

    from .. import __version__

    root = xr.Dataset(attrs={
        "title": f"ecomodel run of scenario '{scenario.name}'", "scenario": scenario.name,
        "package": scenario.package.name, "base": scenario.base, "members": scenario.members,
        "seed": scenario.seed, "start_year": scenario.start_year, "end_year": scenario.end_year,
        "method": scenario.method, "domains": ",".join(scenario.domains), "discount_rate": scenario.discount_rate,
        "source": f"ecomodel {__version__}", "Conventions": "CF-1.10"})
    nodes = {"/": root}
    for domain, ds in datasets.items():
        nodes[f"/{domain}"] = ds
    nodes["/targets"] = _table_to_dataset(table)
    if acc is not None:
        nodes["/accounts"] = acc
    nodes.update(_package_dataset(scenario, schedules))
    return conform(xr.DataTree.from_dict(nodes))


def _run_batch(scenarios: Sequence[Scenario], progress=False, targets=None, stacks=None):
    """Run scenarios sharing base, horizon, ensemble, seed, method and domains; one tree each.

    *scenarios* is one canonical chunk (:data:`SCENARIO_CHUNK`); the projections are made
    C-contiguous before anything is computed from them. *stacks* (``{domain: Dataset}``) are the
    chunk's projections when they were made elsewhere (on a cluster). Each scenario's accounts
    (:func:`~ecomodel.scenario.accounting.scenario_accounts`, its CO2 part from the carbon
    projection) are made here and checked with the other targets."""
    from .accounting import scenario_accounts

    first = scenarios[0]
    years = first.years
    per_domain, per_sched = {}, {}
    for domain in first.domains:
        if stacks is None:
            ds, per_sched[domain] = _stacked(scenarios, domain, years, first.method, progress)
            per_domain[domain] = _contiguous(ds)
        else:
            per_domain[domain] = stacks[domain]
            per_sched[domain] = [_schedules(s.package, s, domain, years) for s in scenarios]
    trees = []
    for i, s in enumerate(scenarios):
        datasets = {d: per_domain[d].isel(scenario=i, drop=True) for d in first.domains}
        schedules = {d: per_sched[d][i] for d in first.domains}
        acc = scenario_accounts(s, carbon=datasets.get("carbon"))
        table = _check_targets(datasets, targets, acc)
        trees.append(_tree(s, datasets, schedules, table, acc))
    return trees


def _compare_batch(scenarios: Sequence[Scenario], progress=False, domains=None):
    """Stacked projections of one canonical chunk: ``{domain: Dataset over (scenario, …)}`` for
    *domains* (default: the scenarios' domains), every variable C-contiguous."""
    first = scenarios[0]
    return {d: _contiguous(_stacked(scenarios, d, first.years, first.method, progress)[0])
            for d in (domains or first.domains)}


def _project_piece(scenarios: Sequence[Scenario], domain: str, member_block=None):
    """One cluster task: *domain*'s projection of *scenarios* (part of a canonical chunk), members
    ``member_block`` only when given (a backend with ``member_blocks``), C-contiguous."""
    backend = get_backend(domain)
    first = scenarios[0]
    years = first.years
    schedules = [_schedules(s.package, s, domain, years) for s in scenarios]
    kwargs = {} if member_block is None else {"member_block": tuple(member_block)}
    ds = backend.project_stack(first.base, schedules, np.asarray(years), first.members, first.seed, first.method,
                               **kwargs)
    return _contiguous(ds.assign_coords(scenario=("scenario", np.array([s.name for s in scenarios], dtype=str))))


def _independent_schedules(backend, method: str) -> bool:
    """Whether *backend*'s projection of one schedule does not depend on the other schedules of
    its batch with *method*: a backend says so with ``independent_schedules`` (a tuple of
    methods); the embedded backends' ``full`` method runs the model once per schedule."""
    declared = getattr(backend, "independent_schedules", None)
    if declared is not None:
        return method in declared
    from .backends.air import AirBackend
    from .backends.carbon import CarbonBackend
    from .backends.water import WaterBackend

    return method == "full" and type(backend) in (AirBackend, WaterBackend, CarbonBackend)


def _member_blocks(backend, method: str, members: int) -> list:
    """Member ranges a cluster may compute apart for *backend* and *method*: the fixed random-number
    blocks (:data:`ecomodel._members.MEMBER_BLOCK`) when the backend takes ``member_block`` for
    that method (its ``member_blocks`` lists the methods), else ``[None]`` (all members at once)."""
    if method not in getattr(backend, "member_blocks", ()):
        return [None]
    from .._members import blocks

    found = blocks(members)
    return found if len(found) > 1 else [None]


def _chunk_domains(scenarios, chunk) -> list[str]:
    return [d for d in DOMAINS if d in scenarios[chunk[0]].domains]


def _pieces(scenarios, chunks) -> list[tuple[str, int, tuple[int, ...], tuple | None]]:
    """The tasks of a distributed run: ``(domain, chunk, positions in the chunk, member block)``.

    A canonical chunk of a domain is cut into member blocks when its backend draws members in
    fixed blocks (water, carbon), into single scenarios when the backend projects each schedule
    on its own, into both when the backend asks for it with ``schedule_pieces`` (the full air
    model: one task per scenario and member block), else kept whole. Every cut computes exactly the numbers of the whole
    chunk (tests/scenario/test_dask.py), so the cut may follow cost, not the cluster. Longest
    first: the domains in the order of :data:`~ecomodel.scenario.model.DOMAINS` (air first)."""
    out = []
    for d in DOMAINS:
        for c, chunk in enumerate(chunks):
            if d not in _chunk_domains(scenarios, chunk):
                continue
            backend = get_backend(d)
            first = scenarios[chunk[0]]
            whole = tuple(range(len(chunk)))
            member_blocks = _member_blocks(backend, first.method, first.members)
            one_by_one = first.method in getattr(backend, "schedule_pieces", ())
            if (member_blocks == [None] or one_by_one) and _independent_schedules(backend, first.method):
                out += [(d, c, (i,), b) for i in whole for b in member_blocks]
            else:
                out += [(d, c, whole, b) for b in member_blocks]
    return out


def _join_pieces(pieces: list):
    """One chunk's Dataset from its pieces ``[(positions, block, Dataset)]`` (member blocks of the
    same positions joined along ``member``, then positions along ``scenario``), as the backend
    stacks a batch (attributes of the first piece)."""
    import xarray as xr

    by_positions: dict = {}
    for positions, block, ds in pieces:
        by_positions.setdefault(positions, []).append((block[0] if block else 0, ds))
    parts = []
    for positions in sorted(by_positions):
        blocks = [ds for _, ds in sorted(by_positions[positions], key=lambda item: item[0])]
        parts.append(blocks[0] if len(blocks) == 1 else xr.concat(
            blocks, dim="member", data_vars="minimal", coords="minimal", compat="override", join="exact",
            combine_attrs="override"))
    ds = parts[0] if len(parts) == 1 else xr.concat(parts, dim="scenario", data_vars="minimal", coords="minimal",
                                                    compat="override", join="override", combine_attrs="override")
    return _contiguous(ds)


def _distributed_stacks(client, scenarios, chunks, progress) -> list[dict]:
    """Per canonical chunk ``{domain: Dataset}``, computed on *client* in the pieces of :func:`_pieces`."""
    cache = _numba_cache()
    tasks = _pieces(scenarios, chunks)
    run_id = uuid.uuid4().hex[:12]  # task keys name the piece (dashboards, task streams) and are unique per run
    futures = [client.submit(_on_worker, _project_piece, cache, [scenarios[chunks[c][i]] for i in positions], d,
                             block, key=f"ecomodel-{d}-chunk{c}-scenario{positions[0]}-member{block[0] if block else 0}"
                                        f"-{run_id}") for d, c, positions, block in tasks]
    results = _gather(client, futures, progress, "projection tasks")
    grouped: dict = {}
    for (d, c, positions, block), ds in zip(tasks, results, strict=True):
        grouped.setdefault((d, c), []).append((positions, block, ds))
    return [{d: _join_pieces(grouped[(d, c)]) for d in _chunk_domains(scenarios, chunk)}
            for c, chunk in enumerate(chunks)]


def _batch_key(s: Scenario):
    return (s.base, s.start_year, s.end_year, s.members, s.seed, s.method, s.domains)


#: Scenarios per canonical chunk. Scenarios with the same settings form a batch; each batch is cut,
#: in input order, into chunks of this many scenarios (positions 0–7, 8–15, …) and every run —
#: serial, or on a cluster with any number of workers — projects exactly these chunks. A scenario's
#: numbers may depend on its chunk (the fast air method evaluates the distinct reductions of a chunk
#: together, merging reductions equal to 15 decimals), never on how the chunks are spread.
SCENARIO_CHUNK = 8


def _canonical_chunks(scenarios) -> list[list[int]]:
    """Indices of *scenarios* grouped by settings (in order of first appearance), cut into chunks of
    :data:`SCENARIO_CHUNK`."""
    batches: dict[tuple, list[int]] = {}
    for i, s in enumerate(scenarios):
        batches.setdefault(_batch_key(s), []).append(i)
    return [idx[k:k + SCENARIO_CHUNK] for idx in batches.values() for k in range(0, len(idx), SCENARIO_CHUNK)]


def _contiguous(ds):
    """*ds* with every data variable C-contiguous.

    The summation order of a numpy reduction (``mean`` over ``member`` …) follows the memory
    layout, and arrays change layout when they travel (pickle sends a strided array as a
    contiguous copy). One fixed layout makes the reductions downstream give the same bits whether
    the projection was made here or on a worker."""
    return ds.copy(data={v: np.ascontiguousarray(ds[v].values) for v in ds.data_vars})


def _numba_cache() -> str:
    """This process's numba disk-cache switch, ``'1'`` or ``'0'`` (``ECOMODEL_NUMBA_CACHE``)."""
    numba_module = sys.modules.get("ecomodel._numba")
    if numba_module is not None:
        return "1" if numba_module.CACHE else "0"
    from .. import _cache  # the default is on (ecomodel._numba): off only when switched off

    off = _cache.switched_off("ECOMODEL_CACHE") or _cache.switched_off("ECOMODEL_NUMBA_CACHE")
    return "0" if off else "1"


def _on_worker(fn, cache, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` as a cluster task, with the numba disk-cache switch *cache* of
    the calling process.

    The worker process takes the caller's ``ECOMODEL_NUMBA_CACHE`` before it imports its first
    kernel module (numba reads the switch then), whatever its own environment says: kernels loaded
    from numba's disk cache can differ in the last bits from freshly compiled ones (seen with the
    air model's kernels), so the workers build them the way the caller does. With the cache on
    (the default) the workers load them from the per-user cache; with ``ECOMODEL_NUMBA_CACHE=0`` in
    the caller each worker process compiles each kernel once, on first use.
    """
    if "ecomodel._numba" not in sys.modules:
        os.environ["ECOMODEL_NUMBA_CACHE"] = cache
    return fn(*args, **kwargs)


def _gather(client, futures, progress, what):
    """Results of *futures* (in order), with a progress bar over completed tasks."""
    if progress:
        from tqdm.auto import tqdm

        from distributed import as_completed

        for _ in tqdm(as_completed(futures), total=len(futures), desc=what, unit="task"):
            pass
    return client.gather(futures)


def run(scenario: Scenario | str, *, targets: Sequence[TargetSpec | str] | Literal[False] | None = None,
        progress: bool = False) -> xr.DataTree:
    """Run one scenario through its domains and check it against the plan targets.

    Parameters
    ----------
    scenario : Scenario, path of a scenario/package TOML file, or embedded package name
        What to run. An embedded package name (``"changzhou_2023_key_projects"``, see
        :func:`~ecomodel.scenario.embedded_packages`) runs that package with the demo settings.
    targets : None, False or sequence of TargetSpec / str
        Check against the plan-target registry (None, default), against these targets, or not at
        all (False).
    progress : bool
        Show progress bars.

    Returns
    -------
    xarray.DataTree
        Groups ``/air``, ``/water``, ``/carbon`` (the domains run; indicators over ``year``,
        ``member`` and ``region``/``site``), ``/targets`` (the attainment table, one row per
        matched plan target along ``target``: the domain projections' rows with ``basis`` 'model'
        and the tonnage rows checked from ``/accounts`` with ``basis`` 'accounts'; ``projected``
        is the ensemble mean, ``probability`` the share of members meeting the target, ``met``
        the verdict of the statistic named in ``met_rule`` — the ensemble mean for registry
        rows), ``/accounts`` (the package's emission and load accounts,
        :func:`ecomodel.scenario.accounting.scenario_accounts`: ``emissions``,
        ``emissions_baseline`` [t/yr], ``loads``, ``loads_baseline`` [t/yr], with carbon run
        ``emissions_co2``, ``emissions_co2_baseline`` [t/yr] by region and sector, and every
        ``*_reduction_t`` [t] over ``(year, member, region)`` (``co2_reduction_t`` from the run's
        ``/carbon``), with the run's years, base, members and seed; absent when neither air nor
        water is run or the backends are not the embedded models) and ``/package`` (costs per
        measure, and the reduction fractions by year under ``/package/<domain>``). The root
        attributes record the scenario settings. With *targets* as TargetSpecs, an indicator of
        the accounts (``nox_reduction_t@常州市>=5207:2023``) is read from the accounts.
    """
    if not isinstance(scenario, Scenario):
        scenario = _load(scenario)
    return _run_batch([scenario], progress=progress, targets=targets)[0]


def run_many(scenarios: Sequence[Scenario], *, targets: Sequence[TargetSpec | str] | Literal[False] | None = None,
             client: Client | None = None, progress: bool = False) -> list[xr.DataTree]:
    """Run several scenarios; on a dask.distributed *client* when one is given.

    Scenarios with the same base, horizon, ensemble, seed and method form a batch, cut into
    canonical chunks of :data:`SCENARIO_CHUNK` scenarios (the fast methods evaluate a chunk in
    one vectorised call). Serially the chunks run one after the other. With a *client* the
    projections of each chunk and domain are cut into tasks (:func:`_pieces`): blocks of
    :data:`ecomodel._members.MEMBER_BLOCK` members where the model draws members block by block
    from per-block child seeds (water, carbon), single scenarios where the model projects each
    package on its own (the full air model), else the whole chunk; the trees are then made
    here. The cuts do not depend on the number of workers, each computes exactly its part of
    the whole, and the projections get one memory layout before anything is reduced, so the
    trees are bit-identical to the serial run's (``tests/scenario/test_dask.py``).

    Parameters
    ----------
    scenarios : sequence of Scenario, TOML paths or embedded package names
    targets : None, False or sequence of TargetSpec / str
        As in :func:`run`.
    client : dask.distributed.Client, optional
        The cluster to run on: ``Client(LocalCluster(n_workers=2, threads_per_worker=1))`` on
        this machine, or ``Client("tcp://host:8786")`` for a scheduler started elsewhere
        (``dask scheduler`` and ``dask worker tcp://host:8786`` on machines with ecomodel
        installed; the CLI's ``--scheduler tcp://host:8786``). Workers follow this process's
        numba disk-cache switch ``ECOMODEL_NUMBA_CACHE`` (off: each worker process compiles the
        kernels once; on: they load them from the cache).
    progress : bool
        Progress bars (per task with a client).

    Returns
    -------
    list of xarray.DataTree
        One tree per scenario, as :func:`run` returns, in input order.
    """
    scenarios = [s if isinstance(s, Scenario) else _load(s) for s in scenarios]
    if not scenarios:
        raise ScenarioError("no scenarios to run", field="scenarios", expected="at least one scenario")
    _check_names(scenarios)
    chunks = _canonical_chunks(scenarios)
    out = [None] * len(scenarios)
    if client is None:
        results = [_run_batch([scenarios[i] for i in chunk], progress=progress, targets=targets) for chunk in chunks]
    else:
        stacks = _distributed_stacks(client, scenarios, chunks, progress)
        results = [_run_batch([scenarios[i] for i in chunk], targets=targets, stacks=stack)
                   for chunk, stack in zip(chunks, stacks, strict=True)]
    for chunk, trees in zip(chunks, results, strict=True):
        for i, tree in zip(chunk, trees, strict=True):
            out[i] = tree
    return out


def _load(ref):
    """A scenario from a TOML path, or the demo scenario of an embedded package name."""
    from .files import embedded_packages, load_package, load_scenario

    text = str(ref)
    if not (text.endswith(".toml") or "/" in text or os.sep in text or os.path.exists(text)):
        names = embedded_packages()
        if text in names:
            return Scenario.default(load_package(text))
        from ..errors import ScenarioError, close_matches

        raise ScenarioError(f"{text}: file not found and not an embedded package" + close_matches(text, names),
                            field="scenario", value=text, expected="a TOML path or an embedded package name")
    return load_scenario(ref)


# ------------------------------------------------------------------------------------------------ compare


def compare(scenarios: Sequence[Scenario | str], *, baseline: Scenario | bool = True,
            targets: Sequence[TargetSpec | str] | Literal[False] | None = None, client: Client | None = None,
            progress: bool = False) -> xr.DataTree:
    """Run scenarios and stack them along a ``scenario`` dimension with costs and attainment.

    Parameters
    ----------
    scenarios : sequence of Scenario, TOML paths or embedded package names
        The scenarios to compare.
    baseline : bool or Scenario
        ``True`` (default) adds a baseline with no measures and the first scenario's settings
        (skipped when a scenario already has an empty package); a Scenario uses that one;
        ``False`` compares without cost-effectiveness.
    targets : None or sequence of TargetSpec / str
        Plan-target registry (None) or these targets.
    client : dask.distributed.Client, optional
        Run on this cluster: ``Client(LocalCluster(n_workers=2, threads_per_worker=1))`` on this
        machine, or ``Client("tcp://host:8786")`` for a scheduler started elsewhere (``dask
        scheduler``, and ``dask worker tcp://host:8786`` on machines with ecomodel installed; the
        CLI's ``--scheduler tcp://host:8786``). The projections of each canonical chunk of
        :data:`SCENARIO_CHUNK` scenarios and domain are cut into member blocks or single
        scenarios as in :func:`run_many`, each task computing exactly its part of the serial
        run's numbers, so the result is bit-identical to the serial one for any number of
        workers. Workers follow this process's ``ECOMODEL_NUMBA_CACHE`` (see :func:`run_many`).
        It pays with ``method="full"`` (benchmarks/dask.py); the fast methods' tasks are whole
        chunks, and their one-off fits are loaded from the disk cache in every worker process.
    progress : bool
        Progress bars (per task with a client).

    Returns
    -------
    xarray.DataTree
        ``/air``, ``/water``, ``/carbon``: indicators over ``scenario`` (and year, member, place).
        ``/targets``: ``probability``, ``met``, ``projected`` and ``margin`` over (``scenario``,
        ``target``). ``/summary``: per scenario ``annualised_cost`` [CNY/yr], ``capital_cost``
        [CNY], ``targets_met`` (count), ``share_targets_met``, ``mean_probability``, and
        ``cost_effectiveness_<indicator>`` over (scenario, place, year): equivalent annual cost
        divided by the improvement over the baseline — CNY/yr per µg/m³, per mg/L at each section,
        CNY per t CO2 avoided. It is NaN for the baseline (no cost, no change; said in the
        variable's ``comment``) and +inf where a package does not improve the indicator. With air:
        ``deaths_avoided`` [1/yr], ``health_benefit`` and ``net_benefit`` (benefit − cost) [CNY/yr]
        over (``vsl``, scenario) for the whole city (常州市) in the last year (GEMM,
        :mod:`ecomodel.scenario.health`).
    """
    import xarray as xr

    scenarios = [s if isinstance(s, Scenario) else _load(s) for s in scenarios]
    if not scenarios:
        raise ScenarioError("no scenarios to compare", field="scenarios", expected="at least one scenario")
    base_name = None
    if baseline is True:
        empty = [s for s in scenarios if s.package.is_empty]
        if empty:
            base_name = empty[0].name
        else:
            base = scenarios[0].with_package(Package("baseline", title="no measures"), name="baseline")
            scenarios = [base] + scenarios
            base_name = "baseline"
    elif isinstance(baseline, Scenario):
        scenarios = [baseline] + list(scenarios)
        base_name = baseline.name
    _check_names(scenarios)
    names = [s.name for s in scenarios]
    stacked = _compare_stacks(scenarios, client, progress)
    out = {"/": xr.Dataset(attrs={"title": "ecomodel package comparison", "baseline": base_name or "",
                                  "scenarios": ",".join(names)})}
    domains = [d for d in DOMAINS if d in stacked]
    for d in domains:
        out[f"/{d}"] = stacked[d]
    summary = xr.Dataset(coords={"scenario": np.array(names, dtype=str)})
    costs = np.array([s.package.annualised_cost(s.discount_rate) for s in scenarios])
    summary["annualised_cost"] = ("scenario", costs, {"units": "CNY/yr", "long_name": "equivalent annual cost"})
    summary["capital_cost"] = ("scenario", np.array([s.package.capital_cost() for s in scenarios]),
                               {"units": "CNY", "long_name": "capital cost"})
    summary["measures"] = ("scenario", np.array([len(s.package) for s in scenarios], dtype=np.int64),
                           {"units": "1", "long_name": "number of measures"})
    table = _stacked_targets(stacked, targets, _compare_accounts(scenarios) if targets is None else None)
    if table is not None:
        out["/targets"] = table
        met = table["met"]
        summary["targets_met"] = ("scenario", met.sum("target").values.astype(np.int64),
                                  {"units": "1", "long_name": "number of targets met (by each row's met_rule)"})
        summary["share_targets_met"] = ("scenario", met.mean("target").values,
                                        {"units": "1", "long_name": "share of targets met (by each row's met_rule)"})
        p = table["probability"]
        summary["mean_probability"] = ("scenario", p.mean("target").values,
                                       {"units": "1", "long_name": "mean attainment probability over targets"})
        summary["min_probability"] = ("scenario", p.min("target").values,
                                      {"units": "1", "long_name": "lowest attainment probability over targets"})
    if base_name is not None:
        for d in domains:
            _cost_effectiveness(summary, stacked[d], names.index(base_name), costs, base_name)
        if "air" in stacked:
            _health_benefits(summary, stacked["air"], base_name, costs)
    out["/summary"] = summary
    return conform(xr.DataTree.from_dict(out))


def _check_names(scenarios):
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError(f"scenario names {dup} are used more than once; names label the comparison",
                            field="name", value=dup, expected="unique names")


def _compare_stacks(scenarios, client, progress):
    """Stacked projections of all scenarios, per canonical chunk and domain (on *client* when given).

    The work is the same with and without a client: one :func:`_compare_batch` per (canonical
    chunk, domain) — the domains of a chunk are independent model runs, so on a cluster each is its
    own task (air first: it is the longest) — then the chunks are concatenated in a fixed order.
    """
    import xarray as xr

    chunks = _canonical_chunks(scenarios)
    if len({s.domains for s in scenarios}) > 1 and len({_batch_key(s) for s in scenarios}) > 1:
        raise ScenarioError("compared scenarios run different domains; compare scenarios over the same domains",
                            field="domains", value=sorted({",".join(s.domains) for s in scenarios}))
    domains = [d for d in DOMAINS if d in scenarios[0].domains]
    if client is None:
        results = [_compare_batch([scenarios[i] for i in chunk], progress) for chunk in chunks]
    else:
        results = _distributed_stacks(client, scenarios, chunks, progress)
    order = np.argsort(np.concatenate([np.array(chunk) for chunk in chunks]), kind="stable")
    out = {}
    for d in domains:
        pieces = [r[d] for r in results]
        ds = pieces[0] if len(pieces) == 1 else xr.concat(pieces, dim="scenario", join="outer",
                                                          combine_attrs="drop_conflicts")
        if not np.array_equal(order, np.arange(order.size)):
            ds = ds.isel(scenario=order)
        out[d] = _contiguous(ds)
    return out


#: Indicators with a cost-effectiveness (CNY/yr per unit improvement; per t for CO2) in comparisons.
_CE_INDICATORS = {"pm25_annual_mean": "CNY/yr per ug/m3", "tp_concentration": "CNY/yr per mg/L",
                  "nh3n_concentration": "CNY/yr per mg/L", "cod_concentration": "CNY/yr per mg/L",
                  "co2_emissions": "CNY per t CO2"}


def _cost_effectiveness(summary, ds, ibase, costs, base_name):
    import xarray as xr

    cost = xr.DataArray(costs, dims="scenario", coords={"scenario": summary["scenario"]})
    for name, unit in _CE_INDICATORS.items():
        if name not in ds or "year" not in ds[name].dims:
            continue
        da = ds[name]
        mean = da.mean("member") if "member" in da.dims else da
        gain = mean.isel(scenario=ibase) - mean  # all of these: lower is better
        if name == "co2_emissions":
            gain = gain * _ton_factor(da.attrs.get("units", "Mt"))
        with np.errstate(divide="ignore", invalid="ignore"):
            ce = xr.where(gain > 0, cost / gain, np.inf)
        ce = ce.where(ce["scenario"] != base_name)
        ce.attrs = {"units": unit, "long_name": f"cost-effectiveness for {name}",
                    "comment": f"equivalent annual cost / improvement of the ensemble mean of {name} over "
                               f"'{base_name}' in the same year; NaN for the baseline itself, +inf where the package "
                               "does not improve it"}
        summary[f"cost_effectiveness_{name}"] = ce.transpose("scenario", ...).drop_vars(
            [c for c in ce.coords if c not in ce.dims and c != "name_en"], errors="ignore")


#: Region and year of the health benefit in the comparison summary (the whole demo city, last year).
BENEFIT_REGION = "常州市"


def _health_benefits(summary, air, base_name, costs):
    """Deaths avoided, their value and value − cost per scenario (GEMM, :mod:`ecomodel.scenario.health`)."""
    import xarray as xr

    from .health import benefits

    if "pm25_annual_mean" not in air or BENEFIT_REGION not in {str(r) for r in air["region"].values}:
        return
    ds = benefits(air["pm25_annual_mean"], base_name)
    year = int(ds["year"].values[-1])
    ds = ds.sel(year=year, region=BENEFIT_REGION, drop=True)
    where = f"{BENEFIT_REGION}, {year}, against '{base_name}'"
    summary["deaths_avoided"] = ("scenario", ds["deaths_avoided"].values, {
        "units": "1/yr", "long_name": f"premature deaths avoided per year ({where})",
        "references": "GEMM NCD+LRI, Burnett et al. 2018 PNAS 115:9592 (ecomodel.scenario.health)"})
    benefit = ds["benefit"].transpose("vsl", "scenario")
    summary.coords["vsl"] = ("vsl", benefit["vsl"].values.astype(str), {"long_name": "value of a statistical life"})
    summary["health_benefit"] = (("vsl", "scenario"), benefit.values, {
        "units": "CNY/yr", "long_name": f"value of the deaths avoided ({where})",
        "comment": "value of a statistical life per vsl: " + ", ".join(
            f"{k} {v:.3g} CNY" for k, v in zip(benefit["vsl"].values, _vsl_values(benefit["vsl"].values),
                                                strict=True))})

    summary["net_benefit"] = (("vsl", "scenario"), benefit.values - np.asarray(costs)[None, :], {
        "units": "CNY/yr", "long_name": "health benefit minus equivalent annual cost",
        "comment": f"health benefit ({where}) minus annualised_cost; positive: the package pays for itself in "
                   "avoided deaths alone (other benefits are not counted)"})


def _vsl_values(labels):
    from .health import VSL_CNY

    return [VSL_CNY.get(str(k), float("nan")) for k in labels]


def _ton_factor(unit):
    from .. import units

    return units.factor(unit, "t")


# ------------------------------------------------------------------------------------------------ targets


def _compare_accounts(scenarios):
    """The emission and load accounts of every compared scenario over ``scenario`` (its package with
    the shared years, base, members and seed; no CO2, which no registry tonnage row asks for), or None
    when :func:`~ecomodel.scenario.accounting.scenario_accounts` would give none or the scenarios do
    not share those settings (their members could not be compared in one table)."""
    from .accounting import accountable, accounts

    first = scenarios[0]
    settings = {(tuple(s.years), s.base, s.members, s.seed) for s in scenarios}
    if len(settings) > 1 or not accountable(first):
        return None
    ds = accounts([s.package for s in scenarios], first.years, base=first.base, members=first.members,
                  seed=first.seed)
    return ds.assign_coords(scenario=np.array([s.name for s in scenarios], dtype=str))


def _stacked_targets(stacked: dict, targets=None, accounts=None):
    """Attainment over (scenario, target): the plan registry (None), these targets, or none (False).

    The matched rows are those :func:`ecomodel.targets.check` finds in the first scenario (and, with
    *accounts* over ``scenario``, the tonnage rows of its accounts, ``basis`` 'accounts'); the values
    of every scenario are then compared in one vectorised pass (tests check that this equals
    ``targets.check`` scenario by scenario).
    """
    import xarray as xr

    if targets is False:
        return None
    if targets is not None:
        specs = as_targets(targets)
        rows = [{"label": t.label, "indicator": t.indicator, "region": t.region or "", "site": t.site or "",
                 "unit": "", "target_year": t.year, "comparator": t.comparator, "target_value": t.value,
                 "source_line": t.source} for t in specs]
        values = [_member_values(_find(stacked, t)) for t in specs]
    else:
        first = {d: ds.isel(scenario=0, drop=True) for d, ds in stacked.items()}
        table = _check_targets(first, None, None if accounts is None else accounts.isel(scenario=0, drop=True))
        if table is None or len(table) == 0:
            return None
        rows, values = [], []
        if "carbon" in stacked:  # year-less indicators (peak year) read at every target year, as in _check_targets
            from .. import carbon

            stacked = {**stacked, "carbon": carbon.for_check(stacked["carbon"])}
        for _, row in table.iterrows():
            ds = accounts if row.get("basis") == "accounts" else stacked[row["domain"]]
            da = ds[row["variable"]].sel(year=int(row["target_year"]))
            for dim in ("site", "region"):
                if dim in da.dims:
                    want = row["site"] if dim == "site" and row["site"] else row["region"]
                    da = da.sel({dim: _match_place(da, dim, want, _Label(row))})
            v = _member_values(da)
            unit = da.attrs.get("units")
            if unit and row["unit"] and unit != row["unit"]:
                from .. import units

                v = np.asarray(units.convert(v, unit, row["unit"]), dtype=float)
            rows.append(row.to_dict())
            values.append(v)
    names = stacked[next(iter(stacked))]["scenario"].values
    ds = xr.Dataset(coords={"scenario": names, "target": np.arange(len(rows))})
    text = ("document", "region", "region_en", "site", "site_en", "indicator", "unit", "comparator", "binding",
            "source_line", "label", "domain", "basis")
    for col in text:
        if col in rows[0]:
            ds[col] = ("target", np.array(["" if _isna(r.get(col)) else str(r.get(col)) for r in rows], dtype=str))
    ds["target_year"] = ("target", np.array([int(r["target_year"]) for r in rows], dtype=np.int64))
    ds["target_value"] = ("target", np.array([float(r["target_value"]) for r in rows]))
    V = np.stack(values, axis=1)  # (scenario, target, member)
    limit = ds["target_value"].values[None, :, None]
    cmp_ = np.array([r["comparator"] for r in rows])[None, :, None]
    ok = np.where(cmp_ == "<=", V <= limit, np.where(cmp_ == ">=", V >= limit, np.isclose(V, limit)))
    mean = V.mean(axis=2)
    lim2, cmp2 = limit[..., 0], cmp_[..., 0]
    margin = np.where(cmp2 == "<=", lim2 - mean, np.where(cmp2 == ">=", mean - lim2, -np.abs(mean - lim2)))
    met_mean = np.where(cmp2 == "<=", mean <= lim2, np.where(cmp2 == ">=", mean >= lim2, np.isclose(mean, lim2)))
    ds["projected"] = (("scenario", "target"), mean, {"long_name": "ensemble mean at the target year, in the "
                                                                   "target's unit", "cell_methods": "member: mean"})
    ds["margin"] = (("scenario", "target"), margin, {"long_name": "room to the target (positive = met)"})
    from .accounting import MET_RULE

    rules = np.full(len(rows), MET_RULE)
    if targets is not None:  # a TargetSpec judges its own statistic (a member quantile with a probability), as in run
        met_mean = np.array([[bool(t.met(t.statistic(V[i, j]))) for j, t in enumerate(specs)]
                             for i in range(V.shape[0])], dtype=bool).reshape(met_mean.shape)
        rules = np.array([_met_rule(t) for t in specs])
    ds["met"] = (("scenario", "target"), met_mean, {"long_name": "the target is met by the statistic named in "
                                                                 "met_rule"})
    ds["met_rule"] = ("target", rules, {"long_name": "what met judges: the ensemble mean, or a member quantile for "
                                                     "a target with a required probability"})
    ds["probability"] = (("scenario", "target"), ok.mean(axis=2),
                         {"units": "1", "long_name": "share of ensemble members meeting the target"})
    ds.attrs["comment"] = ("plan targets matched by the projection (ecomodel.targets.check)" if targets is None
                           else "targets given by the user")
    return ds


class _Label:
    def __init__(self, row):
        self.label = f"{row['indicator']} {row['region']}{row['site']} {row['target_year']}"


def _isna(v) -> bool:
    import pandas as pd

    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))
