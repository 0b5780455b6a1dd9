"""National standards: HJ 633-2012 AQI, GB 3095-2012 / HJ 663-2013 air assessment, GB 3838-2002 water classes.

Every number comes from a table in ``ecomodel/data/standards/`` with its clause cited (see
``SOURCES.md`` there). Importing this package loads numpy only; the tables are read on first use.

Air (HJ 633-2012, 环境空气质量指数（AQI）技术规定（试行）)
    :func:`iaqi`, :func:`aqi` (→ :class:`AQIResult`), :func:`category`, :func:`aqi_level`,
    :func:`aqi_color`, :func:`good_day_ratio`, :func:`breakpoints`.
Air (GB 3095-2012 limits, HJ 663-2013 annual assessment)
    :func:`gb3095_limit`, :func:`gb3095_limits`, :func:`hj663_percentile`,
    :func:`annual_assessment` (→ :class:`AnnualAssessment`).
Surface water (GB 3838-2002, 环办〔2011〕22号)
    :func:`water_class`, :func:`water_limits`, :func:`section_class` (→ :class:`SectionResult`),
    :func:`annual_section_class`, :func:`share_at_or_better`, :func:`class_label`.

Examples
--------
>>> from ecomodel import standards
>>> r = standards.aqi({"PM2.5": 80, "O3_8h": 170})
>>> r.aqi, r.primary, r.category
(110, ['O3_8h'], '轻度污染')
>>> standards.water_class("TP", 0.15), standards.water_class("TP", 0.15, waterbody="lake")
(3, 5)
"""

from __future__ import annotations

from ._air import (POLLUTANT_ITEMS, AQIResult, aqi, aqi_color, aqi_level, breakpoints, category, good_day_ratio, iaqi,
                   resolve_item)
from ._annual import AnnualAssessment, annual_assessment, gb3095_limit, gb3095_limits, hj663_percentile
from ._water import (WATER_PARAMETERS, SectionResult, annual_section_class, class_label, section_class,
                     share_at_or_better, water_class, water_limits)

__all__ = [
    "iaqi", "aqi", "AQIResult", "category", "aqi_level", "aqi_color", "good_day_ratio", "breakpoints",
    "resolve_item", "POLLUTANT_ITEMS",
    "gb3095_limit", "gb3095_limits", "hj663_percentile", "annual_assessment", "AnnualAssessment",
    "water_class", "water_limits", "section_class", "SectionResult", "annual_section_class",
    "share_at_or_better", "class_label", "WATER_PARAMETERS",
]
