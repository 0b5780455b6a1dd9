"""``ecomodel targets`` — list the quantitative targets of the seed plans.

Examples::

    ecomodel targets                                  # every target, grouped by plan
    ecomodel targets --region 江阴                      # the Jiangyin 14th-FYP plan
    ecomodel targets --site 姚巷桥 --format json
    ecomodel targets --indicator pm25_annual_mean --kind all --format csv > pm25.csv
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING

from .._text import display_width

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register", "render_table", "display_width"]

_BINDING_SHORT = {"约束性": "约束", "预期性": "预期", "参考性": "参考"}
_CMP_SYMBOL = {"<=": "≤", ">=": "≥", "==": "="}


def _clip(text: str, width: int) -> str:
    text = str(text)
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _num(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):g}"


def _year(value) -> str:
    try:
        return "" if value is None or value != value else str(int(value))
    except (TypeError, ValueError):
        return ""


def _section_rank(section: str) -> int:
    """Indicator tables first, then the text, then project tables, then past-plan tables."""
    if "十三五" in section:
        return 3
    if "重点工程" in section or section.startswith(("附", "表6")):
        return 2
    if section.startswith("表") or "工作目标" in section:
        return 0
    return 1


def _baseline(row) -> str:
    value = _num(row["baseline_value"])
    text = value or row["baseline_text"]
    if text in ("-", "/"):
        return "-"
    year = _year(row["baseline_year"])
    if text and year:
        return f"{text} ({year})"
    return text


def _target(row) -> str:
    value = _num(row["target_value"])
    if value:
        shown = f"{_CMP_SYMBOL.get(row['comparator'], '')}{value}"
        ref = _year(row["reference_year"])
        return shown + (f" vs {ref}" if ref and row["indicator"].endswith(("_pct", "_change")) and
                        ("decrease" in row["indicator"] or "change" in row["indicator"]) else "")
    return row["target_text"]


def render_table(df: pd.DataFrame, *, width_indicator: int = 34, width_text: int = 26) -> str:
    """Render registry rows as a compact terminal table grouped by plan document.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`ecomodel.targets.load`.
    width_indicator, width_text : int
        Display columns for the indicator name and for textual targets/baselines.
    """
    from .. import targets

    if df.empty:
        return "no rows match\n"
    headers = ["地区", "指标", "站点/范围", "基准 (年)", "目标", "年份", "单位", "属性", "来源"]
    lines = []
    for doc, group in df.groupby("document", sort=True):
        meta = targets.DOCUMENTS.get(doc)
        title = f"{meta.code} {meta.title}" if meta else doc
        kinds = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in group["kind"].value_counts().items())
        lines.append(f"{title} — {kinds}")
        group = group.assign(_rank=group["source_section"].map(_section_rank),
                             _line=group["source_line"].str.extract(r"^(\d+)", expand=False).astype(int))
        group = group.sort_values(["_rank", "_line"], kind="stable")
        table, sections = [], []
        for _, row in group.iterrows():
            sections.append(row["source_section"])
            place = row["site"] or row["scope"] or row["waterbody"]
            table.append([
                targets.region_short_name(row["region"]),
                _clip(row["indicator_zh"], width_indicator),
                _clip(place, 14),
                _clip(_baseline(row), width_text),
                _clip(_target(row), width_text),
                _year(row["target_year"]),
                _clip(row["unit"], 10),
                _BINDING_SHORT.get(row["binding"], row["binding"][:2]),
                f"{meta.code if meta else doc}:{row['source_line']}",
            ])
        widths = [max(display_width(h), *(display_width(r[i]) for r in table)) for i, h in enumerate(headers)]
        lines.append("  ".join(_pad(h, w) for h, w in zip(headers, widths)).rstrip())
        previous = None
        for section, r in zip(sections, table):
            if section != previous:
                lines.append(f"· {section}")
                previous = section
            lines.append("  ".join(_pad(c, w, right=(i == 5)) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _records(df) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        clean = {}
        for key, value in rec.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                clean[key] = None
            elif hasattr(value, "item"):
                clean[key] = value.item()
            elif str(value) == "<NA>":
                clean[key] = None
            else:
                clean[key] = value
        out.append(clean)
    return out


def _run(args) -> int:
    from .. import targets

    kind = None if args.kind == "all" else args.kind
    df = targets.load(region=args.region, indicator=args.indicator, site=args.site, year=args.year,
                      document=args.document, kind=kind)
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print(json.dumps(_records(df), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(render_table(df))
        if df.empty and kind is not None:
            print(f"(only rows of kind {kind!r} were searched; add --kind all to see observations, thresholds and "
                  "investments)")
        if not df.empty:
            print(f"{len(df)} row{'s' if len(df) != 1 else ''} from ecomodel/data/targets.csv (see targets_SOURCES.md); --format csv shows every column.")
        if kind == "target":
            hidden = targets.load(region=args.region, indicator=args.indicator, site=args.site, year=args.year,
                                  document=args.document, kind="observation")
            if len(hidden):
                print(f"{len(hidden)} observed values (kind 'observation', e.g. measured PM2.5) not shown: add --kind all "
                      "or --kind observation.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``targets`` subcommand to the ``ecomodel`` parser."""
    p = subparsers.add_parser(
        "targets",
        help="list the quantitative targets of the seed eco-plans",
        description="List plan targets (PM2.5, good-air days, section TP, emission cuts, carbon …) with their "
                    "baseline, target year, comparator, binding status and the plan line they come from.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  ecomodel targets --region 江阴\n  ecomodel targets --site 姚巷桥\n"
               "  ecomodel targets --indicator pm25_annual_mean --kind all --format csv",
    )
    p.add_argument("--region", help="region: full, short or English name (常州市武进区, 武进, Wujin)")
    p.add_argument("--site", help="monitoring section: 姚巷桥, 武进港姚巷桥, Yaoxiangqiao …")
    p.add_argument("--indicator", help="indicator key, e.g. pm25_annual_mean, tp_concentration")
    p.add_argument("--year", type=int, help="target year (observed year for observations)")
    p.add_argument("--document", help="seed document code 000-004")
    p.add_argument("--kind", default="target", choices=["target", "observation", "threshold", "investment", "all"],
                   help="row kind (default: target)")
    p.add_argument("--format", default="table", choices=["table", "csv", "json"], help="output format (default table)")
    p.set_defaults(func=_run)
