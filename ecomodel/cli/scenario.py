"""``ecomodel run | compare | optimise | demo`` — packages of measures through the models.

Examples::

    ecomodel demo                                   # the whole Changzhou demo → ecomodel-demo/
    ecomodel run scenario.toml -o out.nc            # one scenario (or package) file
    ecomodel compare changzhou_2023_key_projects wwtp_taihu_limits --csv summary.csv
    ecomodel optimise measures.toml --targets "tp_concentration@姚巷桥<=0.136:2026" --budget 5
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING

from ..errors import EcomodelError

if TYPE_CHECKING:
    import argparse

__all__ = ["register"]


def _common(p, members_default=None):
    p.add_argument("--members", type=int, default=members_default,
                   help="ensemble members (default: the scenario file's, or 50 for embedded packages)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario file's)")
    p.add_argument("--method", choices=("surface", "full"), default=None,
                   help="surface: response surfaces / linear responses (fast); full: process models")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a dask.distributed scheduler at ADDRESS, or 'local' for a local cluster")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only results and errors")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("run", help="run one scenario through the models and check it against the targets",
                              description="Run a scenario (or package) TOML file, print the attainment table and "
                                          "write the outputs.")
    p.add_argument("scenario", help="scenario or package TOML file, or the name of an embedded package")
    p.add_argument("-o", "--output", help="write the run (.nc netCDF or .zarr)")
    p.add_argument("--iamc", help="also write the IAMC long table (CSV)")
    p.add_argument("--targets-csv", help="also write the attainment table (CSV)")
    _common(p)
    p.set_defaults(func=_cmd_run)

    p = subparsers.add_parser("compare", help="compare packages: attainment probability, cost, cost-effectiveness",
                              description="Run several scenario/package files (or embedded package names) with the "
                                          "same settings and compare them against a baseline.")
    p.add_argument("scenarios", nargs="+", help="scenario/package TOML files or embedded package names")
    p.add_argument("-o", "--output", help="write the comparison (.nc or .zarr)")
    p.add_argument("--csv", help="write the summary table (CSV)")
    p.add_argument("--plot", help="write the cost vs attainment figure (PNG/SVG/PDF)")
    _common(p)
    p.set_defaults(func=_cmd_compare)

    p = subparsers.add_parser("optimise", aliases=["optimize"], help="cheapest set of measures meeting targets",
                              description="Find the cheapest subset of the candidate measures that meets every "
                                          "target (MILP on linearised responses, verified with the full models).")
    p.add_argument("measures", nargs="+",
                   help="package TOML file(s) or embedded package name(s) with the candidate measures (several "
                        "are pooled)")
    p.add_argument("--targets", nargs="+", required=True, metavar="TARGET",
                   help="targets as 'indicator@place<=value:year' (e.g. 'tp_concentration@姚巷桥<=0.136:2026'), "
                        "optionally with ' p=0.9' for an attainment probability; or 'registry:<region or site>' for "
                        "every model target of the plan registry there")
    p.add_argument("--budget", type=float, default=None, help="largest equivalent annual cost [10^8 CNY/yr]")
    p.add_argument("--probability", type=float, default=None,
                   help="required attainment probability for every target (share of members)")
    p.add_argument("-o", "--output", help="write the chosen measures as a package TOML file")
    _common(p)
    p.set_defaults(func=_cmd_optimise)

    p = subparsers.add_parser("demo", help="run the whole Changzhou demo on the embedded data",
                              description="Compare the 2023 Changzhou key projects, three local alternatives and regional joint control "
                                          "against the plan targets, find the cheapest package meeting the section and PM2.5 "
                                          "targets, print the attainment table and write figures and tables.")
    p.add_argument("--out", default="ecomodel-demo", help="output directory (default: ecomodel-demo/)")
    p.add_argument("--no-optimise", action="store_true", help="skip the cheapest-package search")
    _common(p, members_default=50)
    p.set_defaults(func=_cmd_demo)


@contextlib.contextmanager
def _client(address, quiet):
    """A dask.distributed client: none (no address), a local cluster (``local``, dask's default
    workers for this machine) or the scheduler at *address* (``tcp://host:8786``, with workers
    started there). The workers follow this process's ``ECOMODEL_NUMBA_CACHE`` (see
    :func:`ecomodel.scenario.run.run_many`)."""
    if not address:
        yield None
        return
    from ..errors import ScenarioError

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError("--scheduler needs dask.distributed (pip install 'ecomodel[dask]')", field="scheduler",
                            value=address) from None
    if address == "local":
        with LocalCluster(dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
            if not quiet:
                print(f"dask: local cluster with {len(cluster.workers)} workers", file=sys.stderr)
            yield client
        return
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"--scheduler {address}: cannot reach a dask scheduler there ({exc})", field="scheduler",
                            value=address, expected="'local' or the address of a running scheduler, "
                                                    "e.g. tcp://host:8786") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=60)
        except (OSError, TimeoutError):
            raise ScenarioError(f"--scheduler {address}: the scheduler has no workers (start some with "
                                f"'dask worker {address}')", field="scheduler", value=address) from None
        if not quiet:
            n = len(client.scheduler_info().get("workers", {}))
            print(f"dask: scheduler {address} with {n} workers", file=sys.stderr)
        yield client


def _scenario(ref, args, default_members=50):
    from ..scenario import files
    from ..scenario.run import _load

    sc = _load(ref)
    changes = {}
    if args.members is not None:
        changes["members"] = args.members
    elif ref in files.embedded_packages() and not ref.endswith(".toml"):
        changes["members"] = default_members
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.method is not None:
        changes["method"] = args.method
    return sc.replace(**changes) if changes else sc


def _met_text(r) -> str:
    """``yes``/``no`` and, when it is not the ensemble mean, the rule ``met`` judges by."""
    verdict = "yes" if bool(r["met"]) else "no"
    rule = str(r.get("met_rule", "") or "ensemble mean")
    return verdict if rule == "ensemble mean" else f"{verdict} ({rule})"


def _print_targets(table, file=None):
    """The attainment table: ensemble mean, margin, probability over members and the verdict, with a
    footnote saying what the columns are (the same for model and tonnage rows)."""
    file = file or sys.stdout
    if table is None or len(table) == 0:
        print("no plan target matched the projection", file=file)
        return
    from ..scenario.demo import _target_label

    width = max(len(_target_label(r)) for _, r in table.iterrows()) + 2
    print(f"{'target':<{width}}{'mean':>12}{'margin':>11}{'probability':>13}  met (ensemble mean)", file=file)
    for _, r in table.iterrows():
        print(f"{_target_label(r):<{width}}{r['projected']:>12.4g}{r['margin']:>+11.3g}{100 * r['probability']:>12.0f}%"
              f"  {_met_text(r)}", file=file)
    members = sorted({int(m) for m in table["members"]}) if "members" in table else []
    of = f"the {members[0]} members" if len(members) == 1 else "the members"
    print(f"(mean: ensemble mean at the target year; probability: share of {of} meeting the target; "
          "met: whether the ensemble mean meets it, unless another rule is named)", file=file)


def _split_basis(table):
    """(model rows, tonnage rows) of a run's attainment table (``basis``; no column: all model rows)."""
    if table is None or not len(table) or "basis" not in table:
        return table, None
    model = table[table["basis"] != "accounts"].reset_index(drop=True)
    return model, table[table["basis"] == "accounts"].reset_index(drop=True)


def _print_tonnage(tree, ton) -> None:
    """Print the tonnage rows of the run's ``/targets`` (checked from ``/accounts`` by
    :func:`ecomodel.scenario.run.run`, ``basis`` 'accounts')."""
    if "accounts" not in tree.children:
        return
    if ton is None or not len(ton):
        print("\nno tonnage target of the registry matched the emission and load accounts")
        return
    print("\ntonnage targets (reductions from the emission and load accounts, t):")
    _print_targets(ton)


def _check_outputs(*items) -> None:
    """Refuse bad output paths before any work: ``(path, kind, option)`` triples, ``path`` may be None."""
    from .. import io

    for path, kind, option in items:
        if path:
            io.check_output(path, kind, field=option)


def _cmd_run(args) -> int:
    from .. import io
    from ..scenario.run import run

    _check_outputs((args.output, "dataset", "--output"), (args.iamc, "csv", "--iamc"),
                   (args.targets_csv, "csv", "--targets-csv"))
    sc = _scenario(args.scenario, args)
    if not args.quiet:
        print(f"running '{sc.name}': {len(sc.package)} measures, {sc.members} members, {sc.start_year}–"
              f"{sc.end_year}, method {sc.method}", file=sys.stderr)
    with _client(args.scheduler, args.quiet) as client:
        if client is None:
            tree = run(sc, progress=not args.quiet)
        else:
            from ..scenario.run import run_many

            tree = run_many([sc], client=client, progress=not args.quiet)[0]
    table = tree["targets"].to_dataset()
    df = table.to_dataframe().reset_index(drop=True) if "target" in table.dims else None
    model, ton = _split_basis(df)
    _print_targets(model)
    _print_tonnage(tree, ton)
    cost = tree["package"].attrs.get("total_annualised_cost_cny_per_yr", 0.0)
    print(f"\nannualised cost: {cost / 1e8:.3f} × 10^8 CNY/yr (discount rate {sc.discount_rate:g})")
    for path, what in ((args.output, "run"), (args.iamc, "IAMC"), (args.targets_csv, "attainment")):
        if not path:
            continue
        if what == "run":
            io.write(tree, path)
        elif what == "IAMC":
            models = tree.drop_nodes("accounts") if "accounts" in tree.children else tree  # IAMC: model outputs
            io.write_iamc(io.to_iamc(models, scenario=sc.name), path)
        else:
            io.write_csv(df, path, index=False)
        if not args.quiet:
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _cmd_compare(args) -> int:
    from .. import io, plot
    from ..scenario.demo import attainment_table
    from ..scenario.run import compare

    _check_outputs((args.output, "dataset", "--output"), (args.csv, "csv", "--csv"), (args.plot, "figure", "--plot"))
    scenarios = [_scenario(ref, args) for ref in args.scenarios]
    first = scenarios[0]
    scenarios = [s.replace(members=first.members, seed=first.seed, method=first.method,
                           start_year=first.start_year, end_year=first.end_year, domains=first.domains)
                 for s in scenarios]
    with _client(args.scheduler, args.quiet) as client:
        cmp = compare(scenarios, client=client, progress=not args.quiet)
    summary = cmp["summary"].to_dataset()
    cols = [c for c in ("annualised_cost", "capital_cost", "measures", "targets_met", "share_targets_met",
                        "mean_probability", "min_probability") if c in summary]
    df = summary[cols].to_dataframe()
    if "net_benefit" in summary:  # GEMM deaths avoided in the city, valued at the central VSL, minus cost
        df["deaths_avoided"] = summary["deaths_avoided"].to_series()
        df["health_benefit_central"] = summary["health_benefit"].sel(vsl="central").to_series()
        df["net_benefit_central"] = summary["net_benefit"].sel(vsl="central").to_series()
    shown = df.copy()
    money = {"annualised_cost": "cost [10^8 CNY/yr]", "capital_cost": "capital [10^8 CNY]",
             "health_benefit_central": "benefit [10^8 CNY/yr]", "net_benefit_central": "benefit-cost [10^8 CNY/yr]"}
    for c in money:
        if c in shown:
            shown[c] = shown[c] / 1e8
    shown = shown.rename(columns=money | {"deaths_avoided": "deaths avoided [1/yr]"})
    print(shown.to_string(float_format=lambda v: f"{v:.3g}"))
    if "targets" in cmp.children and "target" in cmp["targets"].dims:
        att = attainment_table(cmp)
        print("\nattainment probability by target:")
        print((100 * att).round(0).astype(int).astype(str).add("%").to_string())
    if args.output:
        io.write(cmp, args.output)
    if args.csv:
        io.write_csv(df, args.csv)
    if args.plot and "mean_probability" in df:
        plot.package_comparison(df.reset_index(), probability="mean_probability", path=args.plot)
    return 0


def _cmd_optimise(args) -> int:
    from .. import targets as registry
    from ..errors import ScenarioError
    from ..scenario import files
    from ..scenario.demo import demo_scenario
    from ..scenario.optimise import optimise, parse_target, targets_from_registry

    _check_outputs((args.output, "toml", "--output"))
    scenarios = []
    for ref in args.measures:
        path_like = ref.endswith(".toml") or "/" in ref
        if not path_like and ref in files.embedded_packages():
            scenarios.append(demo_scenario(files.load_package(ref), members=args.members or 50))
        else:
            loaded = files.load(ref)
            scenarios.append(loaded if not hasattr(loaded, "measures")
                             else demo_scenario(loaded, members=args.members or 50))
    sc = scenarios[0]
    pkg = sc.package.merged(*(other.package for other in scenarios[1:])) if len(scenarios) > 1 else sc.package
    if len(scenarios) > 1:
        sc = sc.replace(package=pkg, name=pkg.name)
    changes = {k: v for k, v in (("members", args.members), ("seed", args.seed)) if v is not None}
    if changes:
        sc = sc.replace(**changes)
    specs = []
    for text in args.targets:
        if text.startswith("registry:"):
            place = text.split(":", 1)[1]
            try:
                rows = registry.load(site=place, kind="target")
            except EcomodelError:  # not a site: a region
                rows = registry.load(region=place, kind="target")
            found = targets_from_registry(rows, probability=args.probability)
            found = [t for t in found if t.indicator in _MODEL_INDICATORS and sc.start_year <= t.year <= 2035]
            if not found:
                raise ScenarioError(f"--targets {text!r}: the registry has no model target for {place!r}",
                                    field="targets", value=text)
            specs += found
        else:
            t = parse_target(text)
            if args.probability is not None and t.probability is None:
                t = type(t)(**{**t.__dict__, "probability": args.probability})
            specs.append(t)
    budget = None if args.budget is None else args.budget * 1e8
    res = optimise(pkg, specs, budget, scenario=sc, progress=not args.quiet)
    print(res)
    if args.output and res.chosen:
        files.dump(res.package("optimal"), args.output)
        if not args.quiet:
            print(f"wrote {args.output}", file=sys.stderr)
    return 0 if res.met else 1


_MODEL_INDICATORS = {"pm25_annual_mean", "good_air_days_ratio", "tp_concentration", "nh3n_concentration",
                     "cod_concentration", "co2_emissions", "co2_intensity_decrease_pct",
                     "energy_intensity_decrease_pct", "coal_share_energy_pct", "non_fossil_energy_share_pct"}


def _cmd_demo(args) -> int:
    from ..scenario.demo import DEMO_TARGETS, run_demo

    _check_outputs((args.out, "directory", "--out"))
    if not args.quiet:
        print(f"ecomodel demo: 6 packages × {args.members} members × 2020–2030 on the embedded Changzhou data",
              file=sys.stderr)
    with _client(args.scheduler, args.quiet) as client:
        res = run_demo(args.out, members=args.members, client=client, progress=not args.quiet,
                       optimise_targets=() if args.no_optimise else DEMO_TARGETS)
    print(res.report())
    return 0
