"""Rebuild ``inventory.csv`` (the demo 2020 inventory, before calibration) from its stated assumptions.

    python -m ecomodel.data.air.make_inventory

Every number below is an assumption documented in ``SOURCES.md`` (city totals, sector shares,
spatial proxies); only the Jiangyin SO2 density ratio comes from a plan (003:209).
Running this file rewrites ``inventory.csv`` next to it; importing it does nothing.
"""

from __future__ import annotations

from pathlib import Path

SECTORS = ("power", "industry", "residential", "transport", "agriculture", "dust", "solvent")

#: 2020 totals [t/yr] (assumption; see SOURCES.md)
CHANGZHOU_TOTAL = {"SO2": 14000.0, "NOx": 55000.0, "NH3": 20000.0, "VOCs": 75000.0, "PM2.5": 14000.0}
JIANGSU_SO2_DENSITY = 1.5  # t/km2/yr (assumption)
JIANGYIN_AREA = 987.5  # km2
JIANGYIN_TOTAL = {"SO2": round(5.2 * JIANGSU_SO2_DENSITY * JIANGYIN_AREA, -1),  # 003:209: 5.2x the provincial density
                  "NOx": 30000.0, "NH3": 4000.0, "VOCs": 35000.0, "PM2.5": 6000.0}
YRD_AREA = 100000.0  # km2
YRD_DENSITY = {"SO2": 1.5, "NOx": 7.0, "NH3": 3.0, "VOCs": 10.0, "PM2.5": 2.0}  # t/km2/yr

#: sector shares of each pollutant (MEIC-like for Jiangsu; assumption)
SHARES = {
    "SO2": {"power": 0.25, "industry": 0.60, "residential": 0.10, "transport": 0.05},
    "NOx": {"power": 0.18, "industry": 0.42, "residential": 0.03, "transport": 0.37},
    "NH3": {"power": 0.01, "industry": 0.04, "residential": 0.05, "transport": 0.03, "agriculture": 0.87},
    "VOCs": {"industry": 0.32, "solvent": 0.43, "transport": 0.17, "residential": 0.08},
    "PM2.5": {"power": 0.04, "industry": 0.42, "residential": 0.16, "transport": 0.08, "dust": 0.30},
}

#: spatial proxies inside Changzhou (weights, normalised below)
DISTRICTS = ("天宁", "钟楼", "新北", "武进", "金坛", "溧阳")
NAME_EN = {"天宁": "Tianning", "钟楼": "Zhonglou", "新北": "Xinbei", "武进": "Wujin", "金坛": "Jintan",
           "溧阳": "Liyang", "江阴": "Jiangyin", "长三角背景": "YRD background"}
INDUSTRY = {"天宁": 0.10, "钟楼": 0.07, "新北": 0.27, "武进": 0.33, "金坛": 0.11, "溧阳": 0.12}
POPULATION = {"天宁": 70, "钟楼": 65, "新北": 80, "武进": 128.5, "金坛": 58, "溧阳": 79}
RURAL = {"天宁": 0.03, "钟楼": 0.02, "新北": 0.12, "武进": 0.22, "金坛": 0.26, "溧阳": 0.35}
AREA = {"天宁": 154.84, "钟楼": 132.0, "新北": 508.9, "武进": 883.99, "金坛": 975.5, "溧阳": 1535.0}


def _norm(d):
    s = sum(d.values())
    return {k: v / s for k, v in d.items()}


def proxy(sector: str) -> dict[str, float]:
    """Spatial weights of *sector* over the Changzhou districts."""
    if sector in ("power", "industry", "solvent"):
        return _norm(INDUSTRY)
    if sector in ("residential", "transport"):
        return _norm(POPULATION)
    if sector == "agriculture":
        return _norm(RURAL)
    pop, area = _norm(POPULATION), _norm(AREA)
    return {k: 0.5 * pop[k] + 0.5 * area[k] for k in pop}


def rows() -> list[tuple[str, str, str, float]]:
    out = []
    for pol, shares in SHARES.items():
        for sector, share in shares.items():
            w = proxy(sector)
            for b in DISTRICTS:
                out.append((b, sector, pol, round(CHANGZHOU_TOTAL[pol] * share * w[b], 1)))
            out.append(("江阴", sector, pol, round(JIANGYIN_TOTAL[pol] * share, 1)))
            out.append(("长三角背景", sector, pol, round(YRD_DENSITY[pol] * YRD_AREA * share, 1)))
    return out


def main(path: Path | None = None) -> Path:
    path = path or Path(__file__).with_name("inventory.csv")
    lines = ["# Demo 2020 emission inventory before calibration [t/yr]; built by make_inventory.py; "
             "every number is explained in SOURCES.md",
             "year,box,name_en,sector,pollutant,emission"]
    lines += [f"2020,{b},{NAME_EN[b]},{s},{p},{v}" for b, s, p, v in rows()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
