"""PM2.5 trajectory 2020–2030 under the demo reduction package, against the plans' targets.

    python examples/pm25_trajectory.py --members 200 --out pm25_trajectory.png

Runs an ensemble of generated weather through the calibrated Changzhou box model twice — without
new measures and with the demo package (the 2023 key projects of the Changzhou work plan, NOx
−5207 t and VOCs −4856 t, plan 004:19) — and plots the 5–95 % band and the ensemble mean of the
annual mean PM2.5 for the Changzhou city average and for Tianning, with the targets 34 µg/m³
(Tianning 2025, plan 001:118) and 31 µg/m³ (Changzhou 2023, plan 004:19).
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200, help="ensemble members (default 200)")
    parser.add_argument("--out", default="pm25_trajectory.png", help="output PNG file")
    parser.add_argument("--seed", type=int, default=2023, help="random seed of the weather ensemble")
    parser.add_argument("--first", type=int, default=2020, help="first year")
    parser.add_argument("--last", type=int, default=2030, help="last year")
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ecomodel import air

    d = air.demo()
    years = range(args.first, args.last + 1)
    runs = {
        "no new measures": air.trajectory(None, years, members=args.members, seed=args.seed),
        "demo package (2023 key projects)": air.trajectory(d.package_schedule(), years, members=args.members,
                                                           seed=args.seed),
    }
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (box, label) in zip(axes, [("常州市", "Changzhou (city average)"), ("天宁", "Tianning")]):
        for (name, tr), color in zip(runs.items(), ("tab:gray", "tab:blue")):
            pm = tr["pm25_annual_mean"].sel(box=box)
            lo, hi = pm.quantile(0.05, "member"), pm.quantile(0.95, "member")
            ax.fill_between(pm["year"], lo, hi, color=color, alpha=0.25, lw=0)
            ax.plot(pm["year"], pm.mean("member"), color=color, lw=2, label=f"{name}: mean, 5–95 %")
        ax.axhline(34.0, color="tab:red", ls="--", lw=1.2, label="34 µg/m³ (Tianning 2025, 001:118)")
        ax.axhline(31.0, color="tab:orange", ls=":", lw=1.5, label="31 µg/m³ (Changzhou 2023, 004:19)")
        ax.set_title(label)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("annual mean PM2.5 [µg/m³]")
    axes[1].legend(fontsize=7, loc="upper right")
    fig.suptitle(f"PM2.5 trajectories, {args.members} weather members (ecomodel.air)", fontsize=11)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    tr = runs["demo package (2023 key projects)"]
    for box, year, target in (("常州市", 2023, 31.0), ("天宁", 2025, 34.0)):
        if year in tr["year"].values:
            pm = tr["pm25_annual_mean"].sel(box=box, year=year)
            print(f"{box} {year}: mean {float(pm.mean()):.1f} ug/m3, P(<= {target:g}) = "
                  f"{float((pm <= target).mean()):.2f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
