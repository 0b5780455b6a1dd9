"""``ecomodel standards`` — rate concentrations against the national standards.

Examples::

    ecomodel standards aqi PM2.5=80 O3_8h=170 NO2=35
    ecomodel standards water TP=0.15 NH3-N=0.6 --waterbody river
    ecomodel standards limits air
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..errors import EcomodelError

if TYPE_CHECKING:
    import argparse

__all__ = ["register", "parse_tokens"]


def parse_tokens(tokens: list[str], what: str) -> dict[str, float]:
    """Parse ``NAME=VALUE`` tokens into a dict; bad tokens raise StandardsError."""
    from ..errors import StandardsError

    out: dict[str, float] = {}
    for token in tokens:
        name, sep, value = token.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise StandardsError(f"{what}: cannot read {token!r}; expected NAME=VALUE, e.g. 'PM2.5=80'",
                                 field=what, value=token, expected="NAME=VALUE")
        try:
            number = float(value)
        except ValueError:
            raise StandardsError(f"{what}: {token!r}: {value!r} is not a number", field=name, value=value,
                                 expected="a number") from None
        if number != number or number in (float("inf"), float("-inf")):  # NaN / inf: nothing measured
            raise StandardsError(f"{what}: {token!r}: {value!r} is not a measured value; leave a pollutant "
                                 "that was not measured out of the command", field=name, value=value,
                                 expected="a finite number")
        if name in out:
            raise StandardsError(f"{what}: {name!r} given twice", field=name, value=token, expected="once")
        out[name] = number
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def _aqi(args) -> int:
    from .. import standards
    from ..standards._air import breakpoint_tables, resolve_item

    conc = parse_tokens(args.items, "aqi")
    result = standards.aqi(conc, above_scale=args.above_scale)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print("Air quality index, HJ 633-2012")
    print(f"{'item':<8} {'concentration':>16}  IAQI")
    for (key, value), (name, index) in zip(conc.items(), result.iaqi.items()):
        unit = breakpoint_tables()[resolve_item(key)].unit
        if name in result.not_rated:
            shown = "not rated (Table 1 note)"
        else:
            shown = str(index) + ("  (above the scale, reported as 500)" if name in result.above_scale else "")
        print(f"{name:<8} {_fmt(value) + ' ' + unit:>16}  {shown}")
    print(f"AQI {result.aqi}: {result.category} ({result.category_en}), level {result.level}, colour {result.color}")
    print(f"primary pollutant: {', '.join(result.primary) if result.primary else 'none (AQI <= 50)'}")
    if result.exceeding:
        print(f"exceeding (IAQI > 100): {', '.join(result.exceeding)}")
    return 0


def _water(args) -> int:
    from .. import standards

    values = parse_tokens(args.items, "water")
    result = standards.section_class(values, waterbody=args.waterbody)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"Surface-water classes, GB 3838-2002 ({result.waterbody}); section by 环办〔2011〕22号")
    print(f"{'parameter':<16} {'value':>10}  class")
    from ..standards._water import _parameter

    for name, value in values.items():
        key = _parameter(name)
        if key in result.classes:
            cls = standards.class_label(result.classes[key])
            extra = f"  exceeds III by {result.exceedance[key]:.2f}x" if key in result.exceedance else ""
        elif key in result.apart:
            cls, extra = standards.class_label(result.apart[key]), "  (assessed apart)"
        else:
            cls, extra = "-", "  (not assessed for rivers)"
        print(f"{key:<16} {_fmt(value):>10}  {cls}{extra}")
    print(f"section class: {result.label} ({result.quality}); controlling: {', '.join(result.controlling)}")
    if result.main_pollutants:
        main = ", ".join(f"{k} ({result.exceedance[k]:.2f})" if k in result.exceedance else k
                         for k in result.main_pollutants)
        print(f"main pollutants: {main}")
    return 0


def _limits(args) -> int:
    from .. import standards

    if args.table == "air":
        table = standards.gb3095_limits(cls=args.cls)
        columns = ["pollutant", "averaging", "class", "limit", "unit"]
        print(table[columns].to_string(index=False))
    else:
        rows = []
        for key in standards.WATER_PARAMETERS:
            try:
                lim = standards.water_limits(key, args.waterbody)
            except EcomodelError:  # TN has no river limits
                continue
            sign = ">=" if lim.higher_is_better else "<="
            rows.append(f"{key:<16} {sign} " + "  ".join(f"{v:>7g}" for v in lim.limits) + f"  {lim.unit}")
        print(f"GB 3838-2002 Table 1 ({args.waterbody}); classes I II III IV V")
        print("\n".join(rows))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``standards`` command to the ``ecomodel`` parser."""
    parser = subparsers.add_parser(
        "standards", help="rate concentrations against HJ 633 (AQI), GB 3095 and GB 3838",
        description="Rate concentrations against the national standards.")
    sub = parser.add_subparsers(dest="standard", metavar="STANDARD", required=True)

    p = sub.add_parser("aqi", help="air quality index of one day/hour (HJ 633-2012)",
                       description="IAQI per pollutant, AQI, primary pollutant and category (HJ 633-2012). "
                                   "Items: PM2.5, PM10, SO2, NO2, CO (24-h means; CO in mg/m3), O3_8h, O3_1h, "
                                   "SO2_1h, NO2_1h, CO_1h; concentrations in ug/m3.")
    p.add_argument("items", nargs="+", metavar="ITEM=VALUE", help="e.g. PM2.5=80 O3_8h=170")
    p.add_argument("--above-scale", choices=["cap", "raise"], default="cap",
                   help="concentrations above the IAQI-500 breakpoint: report 500 (default) or refuse")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_aqi)

    p = sub.add_parser("water", help="surface-water class of a section (GB 3838-2002)",
                       description="Class per parameter and the section class (worst single factor, "
                                   "环办〔2011〕22号). Parameters: TP, NH3-N, CODMn, COD, BOD5, DO, TN, "
                                   "faecal_coliform; concentrations in mg/L.")
    p.add_argument("items", nargs="+", metavar="PARAM=VALUE", help="e.g. TP=0.15 NH3-N=0.6")
    p.add_argument("--waterbody", choices=["river", "lake"], default="river",
                   help="river, or lake (= lake or reservoir)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_water)

    p = sub.add_parser("limits", help="print a table of limits (GB 3095-2012 air, GB 3838-2002 water)")
    p.add_argument("table", choices=["air", "water"])
    p.add_argument("--class", dest="cls", type=int, choices=[1, 2], default=2, help="GB 3095 class (air)")
    p.add_argument("--waterbody", choices=["river", "lake"], default="river", help="water body (water)")
    p.set_defaults(func=_limits)
