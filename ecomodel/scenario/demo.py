"""The Changzhou demo: the embedded packages run on the embedded data of every domain.

:func:`run_demo` compares seven packages — the baseline, the 2023 key projects of the Changzhou
work plan (seed 004), the key projects plus each of three local alternatives a planner would
weigh (agricultural NH3 control, wastewater plants to the Taihu limits, industrial coal-to-gas),
plus all three, and plus regional joint control (the Yangtze River Delta cutting NOx and VOCs by
the national 14th FYP's 10 %, which the good-day targets depend on) — against the plan targets
of the registry; finds the cheapest set of the same measures that meets the water-section and
PM2.5 targets; and writes the figures and tables.
It is what ``ecomodel demo`` runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._text import display_width
from .model import DEFAULT_SEED, Package, Scenario

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from distributed import Client

__all__ = ["DEMO_SEED", "DEMO_PACKAGES", "DEMO_TARGETS", "demo_scenario", "demo_scenarios", "run_demo",
           "attainment_table", "DemoResult"]

#: Seed of the demo ensembles: the date the 2023 work plan was issued (004:8, 2023-04-17); the
#: library default (:data:`ecomodel.scenario.model.DEFAULT_SEED`).
DEMO_SEED = DEFAULT_SEED

#: The embedded packages, the plan's first.
DEMO_PACKAGES = ("changzhou_2023_key_projects", "agri_nh3_control", "wwtp_taihu_limits",
                 "coal_to_gas_industrial_furnaces")
#: The regional package added to the key projects in the seventh demo scenario (not a Changzhou
#: measure: its cost is borne by the neighbours, so the optimiser does not choose it).
DEMO_REGIONAL = "yrd_joint_control"

#: Short English labels of the demo scenarios.
_LABELS = {"baseline": "baseline", "changzhou_2023_key_projects": "key projects",
           "key+agri_nh3_control": "+ NH3", "key+wwtp_taihu_limits": "+ WWTP", "key+coal_to_gas": "+ coal-to-gas",
           "key+all": "key + all three", "key+yrd_joint_control": "+ YRD joint control"}

#: Targets the demo optimisation must meet (registry rows: 000:787-814 the three Taihu inflow
#: sections in 2026, 001:174-179 Tianning PM2.5 in 2025).
DEMO_TARGETS = ("tp_concentration@姚巷桥<=0.136:2026", "tp_concentration@黄埝桥<=0.16:2026",
                "tp_concentration@百渎港桥<=0.164:2026", "pm25_annual_mean@常州市天宁区<=34:2025")


def demo_scenario(package: Package | str | None = None, *, members: int = 50, method: str = "surface") -> Scenario:
    """Demo settings: embedded Changzhou base data, 2020–2030, *members* members, fixed seed
    (:meth:`Scenario.default <ecomodel.scenario.model.Scenario.default>`); *package* may be an
    embedded package name.

    Examples
    --------
    >>> demo_scenario().years[[0, -1]].tolist()
    [2020, 2030]
    """
    if isinstance(package, str):
        from .files import load_package

        package = load_package(package)
    return Scenario.default(package, members=members, method=method)


def demo_scenarios(members: int = 50, method: str = "surface") -> list[Scenario]:
    """The seven demo scenarios (baseline, key projects, key projects + each local alternative,
    + all three, + regional joint control).

    Examples
    --------
    >>> [s.name for s in demo_scenarios(members=2)]  # doctest: +NORMALIZE_WHITESPACE
    ['baseline', 'changzhou_2023_key_projects', 'key+agri_nh3_control', 'key+wwtp_taihu_limits',
     'key+coal_to_gas', 'key+all', 'key+yrd_joint_control']
    """
    from .files import load_package

    key, nh3, wwtp, c2g = (load_package(n) for n in DEMO_PACKAGES)
    packages = [Package("baseline", title="no measures"), key,
                key.merged(nh3, name="key+agri_nh3_control"), key.merged(wwtp, name="key+wwtp_taihu_limits"),
                key.merged(c2g, name="key+coal_to_gas"), key.merged(nh3, wwtp, c2g, name="key+all"),
                key.merged(load_package(DEMO_REGIONAL), name="key+yrd_joint_control")]
    return [demo_scenario(p, members=members, method=method) for p in packages]


def _target_label(row) -> str:
    place = row.get("site_en") or row.get("site") or row.get("region_en") or row.get("region")
    sym = {"<=": "≤", ">=": "≥", "==": "="}.get(row["comparator"], row["comparator"])
    short = {"pm25_annual_mean": "PM2.5", "good_air_days_ratio": "good days", "tp_concentration": "TP",
             "nh3n_concentration": "NH3-N", "cod_concentration": "COD", "co2_emissions": "CO2",
             "co2_intensity_decrease_pct": "CO2/GDP cut", "energy_intensity_decrease_pct": "energy/GDP cut",
             "coal_share_energy_pct": "coal share", "non_fossil_energy_share_pct": "non-fossil share"}
    ind = short.get(row["indicator"], row["indicator"])
    return f"{place} {ind} {sym}{row['target_value']:g} {row['unit']} ({int(row['target_year'])})"


def attainment_table(comparison: xr.DataTree, *, met: bool = False) -> pd.DataFrame:
    """Attainment probability of every matched target (rows) under every scenario (columns).

    Parameters
    ----------
    comparison : xarray.DataTree
        Result of :func:`ecomodel.compare`.
    met : bool
        Return whether the ensemble mean meets each target instead of the probability.

    Returns
    -------
    pandas.DataFrame
        Probability [0–1] (or met, bool) per target and scenario, rows labelled in English.
    """
    import pandas as pd

    t = comparison["targets"].to_dataset()
    rows = t.drop_dims("scenario", errors="ignore").to_dataframe().reset_index()
    labels = [_target_label(r) for _, r in rows.iterrows()]
    var = "met" if met else "probability"
    values = t[var].transpose("target", "scenario").values
    return pd.DataFrame(values.astype(bool) if met else values, index=labels,
                        columns=[str(s) for s in t["scenario"].values])


@dataclass
class DemoResult:
    """What :func:`run_demo` produced."""

    comparison: object
    attainment: object
    met: object
    summary: object
    optimisation: object
    files: list = field(default_factory=list)
    seconds: float = 0.0
    #: coverage, tonnage, benefits and cost-curve figures (:func:`ecomodel.scenario.report.comparison_extras`)
    extras: dict = field(default_factory=dict)
    #: held-out PM2.5 skill and the key projects' effect with its local share (:func:`ecomodel.air.validation.report`)
    air_skill: str = ""

    def report(self) -> str:
        """The text printed by ``ecomodel demo``."""
        return _report(self)


def _fmt_prob(p, ok) -> str:
    return f"{100 * p:3.0f}% {'✓' if ok else '✗'}"


def _o3_lines(cmp, region: str = "常州市天宁区", year: int = 2025) -> list[str]:
    """How each package moves O3 (photochemical model) and the good-day ratio in *region*, *year*."""
    air = cmp["air"].to_dataset() if hasattr(cmp["air"], "to_dataset") else cmp["air"]
    if "o3_mda8_p90" not in air or year not in air["year"].values:
        return ["Good-day ratios: O3 is not in this comparison (PM2.5 part of the AQI only)."]
    o3 = air["o3_mda8_p90"].sel(region=region, year=year).mean("member")
    good = air["good_air_days_ratio"].sel(region=region, year=year).mean("member")
    names = [str(n) for n in o3["scenario"].values]
    cells = [f"{n} {float(o3.sel(scenario=n) - o3.isel(scenario=0)):+.2f} ug/m3 / "
             f"{float(good.sel(scenario=n) - good.isel(scenario=0)):+.2f} pt" for n in names[1:]]
    tail = (" Local packages act on Changzhou's own emissions, and most O3 arrives with regional air, so they "
            "move the good-day ratio little")
    regional = [n for n in names if DEMO_REGIONAL in n]
    if regional:
        d = float(good.sel(scenario=regional[0]) - good.isel(scenario=0))
        tail += (f"; the neighbours' share of the work — the Yangtze River Delta cutting NOx and VOCs by the "
                 f"national 10 % — moves it by {d:+.1f} points")
    return [f"O3 is photochemical (GRS; VOC-limited in winter, so NOx cuts alone raise O3). {region} {year} "
            f"MDA8 P90 {float(o3.isel(scenario=0)):.1f} ug/m3 and good days {float(good.isel(scenario=0)):.1f} % "
            "in the baseline; change by package: " + "; ".join(cells) + "." + tail + "."]


def _report(res: DemoResult) -> str:
    att = res.attainment
    met = res.met
    cols = list(att.columns)
    heads = [_LABELS.get(c, c) for c in cols]
    w0 = max(display_width(i) for i in att.index) + 2
    widths = [max(8, display_width(h) + 2) for h in heads]

    def pad(text, w, right=True):
        gap = " " * max(0, w - display_width(text))
        return gap + text if right else text + gap

    lines = ["Attainment probability of the plan targets (share of ensemble members meeting the target;",
             "✓ = the ensemble mean meets it)", ""]
    lines.append(pad("target", w0, right=False) + "".join(pad(h, w) for h, w in zip(heads, widths, strict=True)))
    lines.append("-" * (w0 + sum(widths)))
    for label in att.index:
        cells = [_fmt_prob(att.loc[label, c], met.loc[label, c]) for c in cols]
        lines.append(pad(label, w0, right=False) + "".join(pad(x, w) for x, w in zip(cells, widths, strict=True)))
    lines.append("-" * (w0 + sum(widths)))
    s = res.summary
    rows = [("annualised cost [10^8 CNY/yr]", [f"{v / 1e8:.2f}" for v in s["annualised_cost"]]),
            ("targets met", [f"{int(v)}/{len(att)}" for v in s["targets_met"]]),
            ("mean probability", [f"{100 * v:.0f}%" for v in s["mean_probability"]])]
    for name, vals in rows:
        lines.append(pad(name, w0, right=False) + "".join(pad(v, w) for v, w in zip(vals, widths, strict=True)))
    if any("good days" in str(label) for label in att.index):
        lines += _o3_lines(res.comparison)
    lines.append("")
    lines += _extras_lines(res)
    opt = res.optimisation
    if opt is not None:
        lines.append("Cheapest set of the demo measures meeting: " + "; ".join(DEMO_TARGETS))
        lines.append(f"  {opt.message}")
        if opt.chosen:
            lines.append(f"  chosen: {', '.join(opt.chosen)}  —  {opt.cost / 1e8:.2f} × 10^8 CNY/yr")
        if opt.health is not None:
            h = opt.health
            lines.append(f"  health benefit ({h['where']}): {h['deaths_avoided']:.1f} deaths avoided/yr, "
                         f"{h['benefit']['central'] / 1e8:.2f} × 10^8 CNY/yr; benefit − cost "
                         f"{opt.net_benefit / 1e8:+.2f} × 10^8 CNY/yr")
        lines.append("")
    if res.files:
        lines.append(f"Wrote {len(res.files)} files to {Path(res.files[0]).parent}/: "
                     + ", ".join(Path(f).name for f in res.files))
    lines.append(f"({res.seconds:.1f} s; numbers from the embedded demo data — see ecomodel/data/*/SOURCES.md)")
    return "\n".join(lines)


def _figures(cmp, out: Path, members: int, progress: bool) -> list[Path]:
    from .. import plot, standards

    files = []
    names = [str(s) for s in cmp["summary"]["scenario"].values]
    # 1. PM2.5 in Tianning against its 2025 target (001:174-179)
    if "air" in cmp.children:
        pm = cmp["air"]["pm25_annual_mean"]
        region = next((r for r in pm["region"].values if str(r) == "常州市天宁区"), pm["region"].values[0])
        fig = plot.trajectory(pm.sel(scenario="baseline", region=region), label="baseline", color="0.5")
        best = "key+all" if "key+all" in names else names[-1]
        plot.trajectory(pm.sel(scenario=best, region=region), target=34.0, target_year=2025, ax=fig.axes[0],
                        label=_LABELS.get(best, best), color="C0",
                        title="PM2.5 annual mean, Tianning (target 001:174-179)", path=out / "pm25_tianning.png")
        files.append(out / "pm25_tianning.png")
    if "water" in cmp.children:
        tp = cmp["water"]["tp_concentration"]
        fig = plot.trajectory(tp.sel(scenario="baseline", site="姚巷桥"), label="baseline", color="0.5")
        plot.trajectory(tp.sel(scenario="changzhou_2023_key_projects", site="姚巷桥"), ax=fig.axes[0],
                        label="key projects", color="C1")
        plot.trajectory(tp.sel(scenario="key+wwtp_taihu_limits", site="姚巷桥"), target=0.136, target_year=2026,
                        ax=fig.axes[0], label="+ WWTP (DB32/1072)", color="C0",
                        title="TP at Yaoxiangqiao, Wujingang (target 000:787-795)", path=out / "tp_yaoxiangqiao.png")
        files.append(out / "tp_yaoxiangqiao.png")
        mean_tp = tp.sel(scenario="key+all").mean("member")
        classes = standards.water_class("TP", mean_tp, waterbody="river")
        classes = mean_tp.copy(data=np.asarray(classes, dtype=int))  # every year: one column and tick each
        plot.section_classes(classes, title="GB 3838 class of TP (river), key projects + all three",
                             path=out / "section_classes.png")
        files.append(out / "section_classes.png")
    table = cmp["summary"].to_dataset()[["annualised_cost", "mean_probability"]].to_dataframe().reset_index()
    table["scenario"] = [_LABELS.get(s, s) for s in table["scenario"]]
    plot.package_comparison(table, probability="mean_probability", path=out / "package_comparison.png",
                            title="demo packages: cost vs attainment of the plan targets",
                            ylabel="mean attainment probability over the targets")
    files.append(out / "package_comparison.png")
    if "carbon" in cmp.children:
        files.append(_lmdi_figure(cmp, out, members))
    return files


def _lmdi_figure(cmp, out: Path, members: int) -> Path:
    from .. import carbon, plot
    from .run import get_backend

    backend = get_backend("carbon")
    scen = cmp.attrs.get("scenarios", "").split(",")
    name = "key+all" if "key+all" in scen else scen[-1]
    d = backend.drivers("demo")
    sched = _carbon_schedule(name, members)
    ds = carbon.project(d, years=list(range(2020, 2031)), members=min(members, 5), seed=DEMO_SEED, detail=True,
                        measures=backend._measures("demo", sched, np.arange(2020, 2031)) or None)
    q, e, c = carbon.lmdi_inputs(ds.sel(region=["常州市"]))
    dec = carbon.lmdi_decomposition(q, e, c, years=[2020, 2030], chain=False)
    delta = dec["delta"].sel(region="常州市").mean("member").isel(period=0) / 1e6  # t → Mt
    path = out / "co2_decomposition.png"
    plot.decomposition(delta.to_series(), units="Mt CO2", path=path,
                       title="CO2 change 2020–2030, Changzhou, key projects + all three (LMDI)")
    return path


def _carbon_schedule(name, members):
    from .run import _schedules

    sc = {s.name: s for s in demo_scenarios(members=members)}[name]
    return _schedules(sc.package, sc, "carbon", sc.years)


def _extras_lines(res: DemoResult) -> list[str]:
    """Coverage line, tonnage-target probabilities, health benefits and the air skill table."""
    ex = res.extras
    lines = []
    if ex.get("coverage_line"):
        lines += ["Registry coverage: " + ex["coverage_line"], ""]
    ton = ex.get("tonnage")
    if ton is not None and len(ton) and {"indicator", "target_value", "probability", "scenario"} <= set(ton.columns):
        lines.append("Total-reduction tonnage targets: probability that the package's reduction meets the plan's")
        for (ind, val), g in ton.groupby(["indicator", "target_value"], sort=False):
            best = g.loc[g["probability"].idxmax()]
            lines.append(f"  {ind} >= {val:.0f} t ({best.get('region', '')} {best.get('target_year', '')}): "
                         + ", ".join(f"{r['scenario']} {100 * r['probability']:.0f}%" for _, r in g.iterrows()))
        lines.append("")
    ben = ex.get("benefits")
    if ben is not None and len(ben):
        lines.append("Health benefits of PM2.5 (GEMM NCD+LRI; value at the central VSL, benefit - cost):")
        shown = ben.copy()
        money = [c for c in shown.columns if c.endswith("_cny_per_yr")]
        shown[money] = shown[money] / 1e8
        shown = shown.rename(columns={c: c.replace("_cny_per_yr", " [10^8 CNY/yr]") for c in money})
        lines += ["  " + line for line in shown.round(2).to_string().splitlines()]
        lines.append("")
    if res.air_skill:
        lines += [res.air_skill, ""]
    return lines


def _demo_extras(cmp, scenarios, out, members: int):
    """Coverage/tonnage/benefit tables, cost curves, the air skill text and the lake figure."""
    from .. import io
    from ..air import validation
    from .report import comparison_extras

    extras = comparison_extras(cmp, scenarios, out)
    skill = validation.report(members=min(members, 8))
    files = [str(f) for f in extras.get("figures", [])]
    if out is not None:
        for name in ("coverage", "tonnage", "benefits"):
            table = extras.get(name)
            if table is not None and len(table):
                files.append(str(io.write_csv(table, Path(out) / f"{name}.csv")))
        files.append(str(_lake_figure(Path(out), members)))
    return extras, skill, files


def _lake_figure(out: Path, members: int) -> Path:
    """Lake TP and TN under the demo water package (dredging included) against no measures."""
    from .. import water
    from ..water.projection import plot_lakes

    years = range(2021, 2031)
    n = min(members, 20)
    pkg = water.project(**water.demo_package(), years=years, members=n, seed=1)
    base = water.project(years=years, members=n, seed=1)
    path = out / "lakes_tp_tn.png"
    fig = plot_lakes(pkg, base, path=path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def run_demo(out: str | Path | None = "ecomodel-demo", *, members: int = 50, client: Client | None = None,
             progress: bool = False, optimise_targets: Sequence[str] = DEMO_TARGETS) -> DemoResult:
    """Run the whole Changzhou demo.

    Parameters
    ----------
    out : path, optional
        Directory for figures and tables (created if missing); ``None`` writes nothing.
    members : int
        Ensemble members per scenario.
    client : dask.distributed.Client, optional
        Run the scenarios on this cluster.
    progress : bool
        Progress bars.
    optimise_targets : sequence of str
        Targets for the cheapest-package search (``()`` skips it).

    Returns
    -------
    DemoResult
    """
    from .. import io
    from .optimise import optimise
    from .run import compare

    t0 = time.perf_counter()
    stages = ["compare packages", "cheapest package", "figures and tables"]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(stages), desc=stages[0], unit="step", bar_format="{desc:<22}{bar}| {n}/{total} [{elapsed}]",
                   disable=None)  # silent when stderr is not a terminal

    def step(i):
        if bar is not None:
            bar.update(1)
            if i + 1 < len(stages):
                bar.set_description(stages[i + 1])

    scenarios = demo_scenarios(members=members)
    cmp = compare(scenarios, client=client, progress=progress)  # a bar per domain stage
    att = attainment_table(cmp)
    met = attainment_table(cmp, met=True)
    summary = cmp["summary"].to_dataset()[["annualised_cost", "targets_met", "mean_probability"]].to_dataframe()
    step(0)
    opt = None
    if optimise_targets:
        from .files import load_package

        pool = load_package(DEMO_PACKAGES[0]).merged(*(load_package(n) for n in DEMO_PACKAGES[1:]), name="pool")
        opt = optimise(pool, list(optimise_targets), scenario=demo_scenario(members=members), progress=progress)
    step(1)
    files = []
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        files.append(io.write_netcdf(cmp, out / "comparison.nc"))
        table = att.copy()
        table.index.name = "target"
        files.append(io.write_csv(table, out / "attainment.csv"))
        files.append(io.write_csv(summary, out / "summary.csv"))
        files.append(io.write_iamc(io.to_iamc(cmp), out / "iamc.csv"))
        if opt is not None and opt.chosen:
            from .files import dump

            files.append(dump(opt.package("cheapest_meeting_targets"), out / "cheapest_package.toml"))
        files += _figures(cmp, out, members, False)
    extras, skill, more = _demo_extras(cmp, scenarios, out, members)
    files += more
    step(2)
    if bar is not None:
        bar.close()
    return DemoResult(cmp, att, met, summary, opt, [str(f) for f in files], time.perf_counter() - t0,
                      extras, skill)
