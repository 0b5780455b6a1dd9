"""Carbon peak and intensity targets for a Changzhou-like energy system, in three scenarios.

    python examples/carbon_peak.py [--out carbon_peak] [--members 200] [--seed 1]

Steps: the 2020 demo energy balance of five plan regions (GDP, structure and coal shares from the
plans, the rest documented assumptions: ecomodel/data/carbon/SOURCES.md) → CO2 inventory →
ensemble projections 2020–2035 for the ``baseline``, ``policy`` and ``low_carbon`` scenarios →
peak year and plan-target attainment (``ecomodel.targets.check``) → LMDI decomposition of the
change of Changzhou's emissions → air-pollutant co-benefits of the policy scenario → IAMC table.

Outputs in ``--out``: ``inventory_2020.csv``, ``peak_years.csv``, ``targets.csv``,
``lmdi_changzhou.csv``, ``cobenefits_2030.csv``, ``projection_iamc.csv``, ``co2_trajectories.png``,
``lmdi_changzhou.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from ecomodel import targets
from ecomodel.carbon import (air_cobenefits, co2_inventory, demo_balance, demo_drivers, demo_scenarios,
                             emission_factors, for_check, lmdi_decomposition, national_peak_rows, project, to_iamc)

YEARS = range(2020, 2036)
CITY = "常州市"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=Path("carbon_peak"), type=Path,
                        help="output directory (created if needed; default carbon_peak)")
    parser.add_argument("--members", type=int, default=200, help="ensemble size (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # 1. base-year inventory
    balance = demo_balance()
    inv = co2_inventory(balance)
    table = inv[["co2_total", "co2_direct_total", "co2_indirect_total", "energy_total",
                 "coal_share_energy_pct"]].to_dataframe()
    table.to_csv(out / "inventory_2020.csv")
    print("2020 inventory [Mt CO2, 10^4 tce, %]:")
    print(table.round(2).to_string())

    # 2. projections
    runs = {}
    for k, name in enumerate(demo_scenarios()):
        runs[name] = project(demo_drivers(scenario=name), years=YEARS, members=args.members, seed=args.seed + k,
                             detail=True)

    # 3. peak years and targets
    peaks = []
    checks = []
    regions = [str(r) for r in balance["region"].values]
    for name, ds in runs.items():
        for region in regions:
            py = ds["co2_peak_year"].sel(region=region)
            peaks.append({"scenario": name, "region": region,
                          "peak_year_median": float(py.median()),
                          "share_peaked_by_2030": float((py <= 2030).mean()),
                          "share_peaked_in_horizon": float(ds["co2_peaked"].sel(region=region).mean()),
                          "peak_value_Mt_mean": float(ds["co2_peak_value"].sel(region=region).mean())})
        plan = targets.check(for_check(ds), outside="skip")
        plan.attrs = {}  # the not-checkable rows listed there are not needed here
        plan.insert(0, "scenario", name)
        national = targets.check(for_check(ds), national_peak_rows(regions))
        national.attrs = {}
        national.insert(0, "scenario", name)
        national["note"] = "national peak goal (000:94) applied to the region: illustration"
        checks += [plan, national]
    peaks = pd.DataFrame(peaks)
    peaks.to_csv(out / "peak_years.csv", index=False)
    checks = pd.concat(checks, ignore_index=True)
    checks.to_csv(out / "targets.csv", index=False)
    print("\nPeak years (median over members):")
    print(peaks.pivot(index="region", columns="scenario", values="peak_year_median").to_string())
    print("\nTarget attainment (probability over members):")
    print(checks[["scenario", "region", "indicator", "target_year", "target_value", "comparator", "projected",
                  "probability"]].round(3).to_string(index=False))

    # 4. LMDI for the city, per member, then averaged (additivity holds for the mean)
    lmdi_tables = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.25
    for k, (name, ds) in enumerate(runs.items()):
        city = ds.sel(region=CITY)
        dec = lmdi_decomposition(city["activity"], city["energy_tce"], city["co2"] * 1e-6,
                                 years=[2020, 2025, 2030, 2035])
        mean = dec["delta"].mean("member")
        frame = mean.to_pandas()
        frame.insert(0, "scenario", name)
        frame["total"] = dec["total_change"].mean("member").to_pandas()
        lmdi_tables.append(frame)
        cum = dec["delta"].sum("period").mean("member")
        ax.bar(np.arange(cum.sizes["effect"]) + (k - 1) * width, cum.values, width, label=name)
    ax.set_xticks(np.arange(5))
    ax.set_xticklabels([str(e).replace("_", " ") for e in dec["effect"].values])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("change of CO2 2020-2035 [Mt]")
    ax.set_title("Changzhou (demo): LMDI-I decomposition, ensemble mean")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "lmdi_changzhou.png", dpi=120)
    plt.close(fig)
    pd.concat(lmdi_tables).to_csv(out / "lmdi_changzhou.csv")

    # 5. trajectories with 5-95 % bands
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, ds in runs.items():
        co2 = ds["co2_emissions"].sel(region=CITY)
        lo, mid, hi = (co2.quantile(q, "member") for q in (0.05, 0.5, 0.95))
        line, = ax.plot(co2["year"], mid, label=f"{name} (median)")
        ax.fill_between(co2["year"], lo, hi, color=line.get_color(), alpha=0.2)
    ax.set_ylabel("CO2 emissions [Mt]")
    ax.set_title("Changzhou (demo): energy-related CO2, 5-95 % ensemble band")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "co2_trajectories.png", dpi=120)
    plt.close(fig)

    # 6. co-benefits: policy vs baseline energy use in 2030 (member means, physical units)
    tce = emission_factors()["tce_factor"]
    phys = {name: (ds["energy_tce"].sel(year=2030).mean("member") / tce) for name, ds in runs.items()}
    red = air_cobenefits(phys["baseline"].sel(region=CITY), phys["policy"].sel(region=CITY))
    red.to_pandas().to_csv(out / "cobenefits_2030.csv")
    print("\nAir co-benefits of 'policy' vs 'baseline' in 2030, Changzhou [t/yr]:")
    print(red.to_pandas().round(0).to_string())

    # 7. IAMC table (ensemble mean and 5/95 % percentiles)
    iamc = pd.concat([to_iamc(for_check(ds.drop_vars(["energy_tce", "co2", "activity"])), scenario=name,
                              quantiles=(0.05, 0.95)) for name, ds in runs.items()], ignore_index=True)
    iamc.to_csv(out / "projection_iamc.csv", index=False)
    print(f"\nwrote {len(list(out.iterdir()))} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
