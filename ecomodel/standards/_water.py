"""Surface-water classes after GB 3838-2002 and section assessment after 环办〔2011〕22号.

- GB 3838-2002 Table 1 gives limits of classes I–V. For every parameter here except dissolved
  oxygen a limit is a maximum (class k when C ≤ limit_k); for DO it is a minimum (C ≥ limit_k).
  A value worse than the class V limit is 劣V, returned as 6. Where adjacent classes share a
  limit (COD and BOD5, classes I and II) a value at the limit takes the better class.
- Total phosphorus has separate limits for lakes and reservoirs (湖、库); total nitrogen is defined
  for lakes and reservoirs only.
- 《地表水环境质量评价办法（试行）》(环办〔2011〕22号) rates a section by the single-factor method:
  its class is the worst class of the assessed parameters. Water temperature, total nitrogen and
  faecal coliform are reference indicators assessed apart (river TN not at all). A section's
  annual class uses the annual mean of each parameter. When a section is worse than class III its
  main pollutants (主要污染指标) are listed with their exceedance multiple over the class III limit,
  (C − limit_III)/limit_III; no multiple is computed for DO.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import StandardsError, close_matches
from ._common import as_mapping, broadcast, check_nan_policy, is_dataarray, is_series, norm_key, prepare, wrap
from ._tables import WaterLimits, gb3838_rows

__all__ = ["water_class", "water_limits", "section_class", "SectionResult", "annual_section_class",
           "share_at_or_better", "class_label", "WATER_PARAMETERS"]

#: canonical parameter keys
WATER_PARAMETERS = ("DO", "CODMn", "COD", "BOD5", "NH3-N", "TP", "TN", "faecal_coliform")
#: parameters assessed apart from the section class (环办〔2011〕22号)
ASSESSED_APART = ("TN", "faecal_coliform")

_ALIASES = {
    "DO": "DO", "溶解氧": "DO", "DISSOLVEDOXYGEN": "DO",
    "CODMN": "CODMn", "高锰酸盐指数": "CODMn", "PERMANGANATEINDEX": "CODMn", "IMN": "CODMn",
    "COD": "COD", "CODCR": "COD", "化学需氧量": "COD", "CHEMICALOXYGENDEMAND": "COD",
    "BOD5": "BOD5", "BOD": "BOD5", "五日生化需氧量": "BOD5",
    "NH3N": "NH3-N", "NH3": "NH3-N", "氨氮": "NH3-N", "AMMONIA": "NH3-N", "AMMONIANITROGEN": "NH3-N",
    "TP": "TP", "总磷": "TP", "TOTALPHOSPHORUS": "TP",
    "TN": "TN", "总氮": "TN", "TOTALNITROGEN": "TN",
    "FAECALCOLIFORM": "faecal_coliform", "FECALCOLIFORM": "faecal_coliform", "粪大肠菌群": "faecal_coliform",
}
_WATERBODIES = {"river": "river", "河流": "river", "河": "river", "stream": "river",
                "lake": "lake", "reservoir": "lake", "湖库": "lake", "湖、库": "lake", "湖泊": "lake", "水库": "lake",
                "湖": "lake", "库": "lake"}
_LABELS = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}
_QUALITY = {1: ("优", "excellent"), 2: ("优", "excellent"), 3: ("良好", "good"), 4: ("轻度污染", "lightly polluted"),
            5: ("中度污染", "moderately polluted"), 6: ("重度污染", "heavily polluted")}
_REL_TOL = 1e-9


def _parameter(name) -> str:
    key = _ALIASES.get(norm_key(name))
    if key is None:
        raise StandardsError(f"parameter: unknown name {str(name)!r}" + close_matches(str(name), WATER_PARAMETERS),
                             field="parameter", value=name, expected=f"one of {list(WATER_PARAMETERS)}")
    return key


def _waterbody(name) -> str:
    wb = _WATERBODIES.get(str(name).strip().lower())
    if wb is None:
        raise StandardsError(f"waterbody: unknown value {name!r}; expected 'river' or 'lake' (lake = lake or "
                             "reservoir, 湖、库)", field="waterbody", value=name, expected="'river' or 'lake'")
    return wb


def water_limits(parameter: str, waterbody: str = "river") -> WaterLimits:
    """GB 3838-2002 Table 1 limits of classes I–V for one parameter and kind of water body.

    Examples
    --------
    >>> water_limits("TP").limits.tolist(), water_limits("总磷", "lake").limits.tolist()
    ([0.02, 0.1, 0.2, 0.3, 0.4], [0.01, 0.025, 0.05, 0.1, 0.2])
    """
    key = _parameter(parameter)
    wb = _waterbody(waterbody)
    for row in gb3838_rows():
        if row.parameter == key and row.waterbody in ("all", wb):
            return row
    raise StandardsError(f"{key}: GB 3838-2002 Table 1 defines total nitrogen limits for lakes and reservoirs "
                         "(湖、库) only, and 环办〔2011〕22号 does not assess river TN; pass waterbody='lake' to apply "
                         "the lake limits deliberately", field="waterbody", value=waterbody, expected="'lake'")


def _classify(limits: WaterLimits, conc: np.ndarray) -> np.ndarray:
    """Class 1–6 (float, NaN kept) of concentrations against one limits row."""
    if limits.higher_is_better:
        # first class whose minimum is met: C >= limit_k  <=>  -C <= -limit_k
        lim = -limits.limits * (1 - _REL_TOL)
        cls = np.searchsorted(lim, -conc, side="left") + 1.0
    else:
        lim = limits.limits * (1 + _REL_TOL)
        cls = np.searchsorted(lim, conc, side="left") + 1.0
    return np.where(np.isnan(conc), np.nan, cls)


def water_class(parameter: str, concentration, waterbody: str = "river", *, nan_policy: str = "raise",
                units: str | None = None):
    """Surface-water class of a concentration after GB 3838-2002 Table 1.

    Parameters
    ----------
    parameter : str
        ``'TP'``, ``'TN'``, ``'NH3-N'``, ``'CODMn'``, ``'COD'``, ``'BOD5'``, ``'DO'`` or
        ``'faecal_coliform'`` (aliases: ``'总磷'``, ``'nh3n'``, ``'高锰酸盐指数'``, ``'CODcr'`` …).
    concentration : float, array-like, pandas.Series or xarray.DataArray
        Concentration [mg/L; faecal coliform in 1/L (个/L)]; a DataArray's ``units`` are honoured.
    waterbody : {'river', 'lake'}
        ``'lake'`` means lake or reservoir (湖、库): TP limits differ, and TN is defined for lakes only.
    nan_policy : {'raise', 'propagate'}
        NaN refused (naming count and first position) or returned as NaN.
    units : str, optional
        Unit of *concentration* if not the table unit (``'ug/L'`` …).

    Returns
    -------
    int or array
        1–5 for classes I–V, 6 for 劣V (worse than V). Int64 arrays, or float64 with NaN under
        ``nan_policy='propagate'``. A DataArray keeps its coordinates.

    Notes
    -----
    Limits are maxima except for DO (a minimum: higher is better). A value equal to a limit meets
    it; where adjacent classes share a limit (COD and BOD5 in classes I and II) the better class is
    given. Values within a relative 1e-9 of a limit count as equal to it (floating-point noise).

    References
    ----------
    GB 3838-2002, Table 1 (items 3–9 and 24).

    Examples
    --------
    >>> water_class("TP", [0.02, 0.1, 0.15, 0.4, 0.41]).tolist()
    [1, 2, 3, 5, 6]
    >>> water_class("TP", 0.15, "lake"), water_class("TP", 0.25, "lake")
    (5, 6)
    >>> water_class("DO", [8.0, 6.0, 4.0, 1.5]).tolist()
    [1, 2, 4, 6]
    >>> water_class("COD", 15.0)
    1
    """
    check_nan_policy(nan_policy)
    limits = water_limits(parameter, waterbody)
    prep = prepare(concentration, limits.parameter, unit=limits.unit, units=units, nan_policy=nan_policy)
    cls = _classify(limits, prep.values)
    attrs = {"units": "1", "long_name": f"GB 3838-2002 water class of {limits.parameter} (1-5 = I-V, 6 = worse than V)",
             "references": limits.citation}
    return wrap(cls, prep, attrs, integer=True)


def class_label(cls) -> str:
    """Chinese label of a class number (``3`` → ``'Ⅲ类'``, ``6`` → ``'劣Ⅴ类'``).

    Examples
    --------
    >>> class_label(3), class_label(6)
    ('Ⅲ类', '劣Ⅴ类')
    """
    try:
        return _LABELS[int(cls)]
    except (KeyError, ValueError, TypeError):
        raise StandardsError(f"class {cls!r}; expected an integer 1-6", field="class", value=cls,
                             expected="1-6") from None


@dataclass
class SectionResult:
    """Result of :func:`section_class` / :func:`annual_section_class`.

    For scalar input the fields are Python values; for array input ``water_class`` and the
    entries of ``classes`` and ``exceedance`` are arrays and ``controlling``/``main_pollutants``
    arrays of comma-joined names.

    Attributes
    ----------
    water_class : int or array
        Section class 1–6 (6 = 劣V): the worst class among the assessed parameters.
    label, quality, quality_en : str
        ``'Ⅲ类'``; qualitative grade of 环办〔2011〕22号 (I–II 优, III 良好, IV 轻度污染, V 中度污染,
        劣V 重度污染) and its English rendering.
    classes : dict
        Class of every assessed parameter.
    controlling : list of str
        Assessed parameter(s) whose class equals the section class.
    exceedance : dict
        Exceedance multiple over the class III limit, (C − limit_III)/limit_III, for every assessed
        parameter above class III (DO excluded: no multiple is computed for it).
    main_pollutants : list of str
        Up to three main pollutants when the section is worse than class III: parameters worse
        than III ordered by class (worst first) and, within a class, by exceedance multiple.
    apart : dict
        Classes of the parameters assessed apart (TN for lakes, faecal coliform); river TN is not
        assessed and absent.
    not_assessed : list of str
        Parameters given but not assessed (river TN).
    waterbody : str
    means : dict
        Annual means used (only from :func:`annual_section_class`).
    samples : dict
        Number of samples averaged per parameter (only from :func:`annual_section_class`).
    """

    water_class: object
    label: object
    quality: object
    quality_en: object
    classes: dict
    controlling: object
    exceedance: dict
    main_pollutants: object
    apart: dict = field(default_factory=dict)
    not_assessed: list = field(default_factory=list)
    waterbody: str = "river"
    means: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        def plain(v):
            return v.tolist() if hasattr(v, "tolist") else v

        return {"water_class": plain(self.water_class), "label": plain(self.label), "quality": plain(self.quality),
                "quality_en": plain(self.quality_en), "classes": {k: plain(v) for k, v in self.classes.items()},
                "controlling": plain(self.controlling), "exceedance": {k: plain(v) for k, v in self.exceedance.items()},
                "main_pollutants": plain(self.main_pollutants), "apart": {k: plain(v) for k, v in self.apart.items()},
                "not_assessed": list(self.not_assessed), "waterbody": self.waterbody,
                "means": {k: plain(v) for k, v in self.means.items()}, "samples": dict(self.samples)}


def section_class(means, waterbody: str = "river", *, nan_policy: str = "raise") -> SectionResult:
    """Class of a monitoring section by the single-factor method of 环办〔2011〕22号.

    Parameters
    ----------
    means : mapping, pandas.DataFrame or xarray.Dataset
        Parameter → (mean) concentration [mg/L; faecal coliform 1/L], scalars or arrays that
        broadcast together. TN and faecal coliform are rated apart and do not enter the class.
    waterbody : {'river', 'lake'}
        Kind of water body (lake = lake or reservoir).
    nan_policy : {'raise', 'propagate'}
        NaN refused, or (``'propagate'``) the class is NaN where any assessed parameter is NaN.

    Returns
    -------
    SectionResult
        ``.water_class``, ``.label``, ``.quality``, ``.classes``, ``.controlling``, ``.exceedance``,
        ``.main_pollutants``, ``.apart``, ``.not_assessed``.

    References
    ----------
    环办〔2011〕22号 《地表水环境质量评价办法（试行）》: assessed indicators, single-factor section
    class, qualitative grades, main pollutants and exceedance multiple; GB 3838-2002 Table 1.

    Examples
    --------
    >>> r = section_class({"TP": 0.15, "NH3-N": 0.4, "CODMn": 5.0, "DO": 6.5})
    >>> r.water_class, r.label, r.quality, r.controlling, r.classes
    (3, 'Ⅲ类', '良好', ['TP', 'CODMn'], {'TP': 3, 'NH3-N': 2, 'CODMn': 3, 'DO': 2})
    >>> r = section_class({"TP": 0.25, "NH3-N": 1.8, "CODMn": 7.0, "TN": 3.0})
    >>> r.water_class, r.controlling, r.main_pollutants, {k: round(v, 2) for k, v in r.exceedance.items()}
    (5, ['NH3-N'], ['NH3-N', 'TP', 'CODMn'], {'TP': 0.25, 'NH3-N': 0.8, 'CODMn': 0.17})
    >>> r.not_assessed                      # river TN is not assessed
    ['TN']
    """
    check_nan_policy(nan_policy)
    wb = _waterbody(waterbody)
    mapping = as_mapping(means, "means")
    assessed, apart, not_assessed = _split_parameters(mapping, wb, nan_policy)
    preps = [p for _, p in assessed.values()]
    names = list(assessed)
    conc, template = broadcast({k: assessed[k][1] for k in names}, "means")
    classes = {k: _classify(assessed[k][0], conc[k]) for k in names}
    stack = np.stack([classes[k] for k in names])
    worst = np.max(stack, axis=0)  # NaN propagates
    mult = _exceedance(names, assessed, conc, classes)
    scalar = all(p.kind == "scalar" for p in preps)
    apart_cls = {k: wrap(_classify(lim, p.values), p, {"units": "1"}, integer=True) for k, (lim, p) in apart.items()}
    if scalar:
        return _scalar_section_result(worst, names, classes, mult, apart_cls, not_assessed, wb)
    return _array_section_result(worst, template, names, classes, mult, apart_cls, not_assessed, wb)


def _split_parameters(mapping: dict, wb: str, nan_policy: str) -> tuple[dict, dict, list[str]]:
    """(assessed, assessed apart, not assessed) parameters; the first two map key → (limits, prepared)."""
    assessed, apart, not_assessed = {}, {}, []
    seen = set()
    for name, value in mapping.items():
        key = _parameter(name)
        if key in seen:
            raise StandardsError(f"means: {key} given twice", field="means", value=name, expected="each parameter once")
        seen.add(key)
        if key == "TN" and wb == "river":
            not_assessed.append(key)
            continue
        limits = water_limits(key, wb)
        prep = prepare(value, key, unit=limits.unit, nan_policy=nan_policy)
        target = apart if key in ASSESSED_APART else assessed
        target[key] = (limits, prep)
    if not assessed:
        raise StandardsError("means: no assessed parameter (TN and faecal coliform are assessed apart); give at least "
                             f"one of {[p for p in WATER_PARAMETERS if p not in ASSESSED_APART]}", field="means")
    return assessed, apart, not_assessed


def _exceedance(names: list[str], assessed: dict, conc: dict[str, np.ndarray], classes: dict[str, np.ndarray]
                ) -> dict[str, np.ndarray]:
    """Exceedance multiple over class III where a parameter is worse than III (NaN elsewhere)."""
    mult = {}
    for k in names:
        lim = assessed[k][0]
        if lim.higher_is_better:
            continue
        with np.errstate(invalid="ignore"):
            m = (conc[k] - lim.class_iii) / lim.class_iii
            mult[k] = np.where(classes[k] > 3, m, np.nan)
    return mult


def _main_pollutants(names: list[str], classes: dict[str, np.ndarray], mult: dict[str, np.ndarray],
                     idx: tuple[int, ...]) -> list[str]:
    """Up to three parameters worse than III at *idx*, worst class first, then largest exceedance."""
    cand = [k for k in names if classes[k][idx] > 3]
    cand.sort(key=lambda k: (-classes[k][idx], -(mult[k][idx] if k in mult else -np.inf)))
    return cand[:3]


def _scalar_section_result(worst: np.ndarray, names: list[str], classes: dict[str, np.ndarray],
                           mult: dict[str, np.ndarray], apart_cls: dict, not_assessed: list[str],
                           wb: str) -> SectionResult:
    """The :class:`SectionResult` of scalar input, with Python values and lists."""
    w = float(worst)
    if w != w:
        wc, label, q = float("nan"), None, (None, None)
    else:
        wc, label, q = int(w), _LABELS[int(w)], _QUALITY[int(w)]
    cls_out = {k: (int(classes[k]) if classes[k] == classes[k] else float("nan")) for k in names}
    controlling = [k for k in names if classes[k] == worst]
    exceed = {k: float(mult[k]) for k in mult if mult[k] == mult[k]}
    main = _main_pollutants(names, classes, mult, ()) if w == w and w > 3 else []
    return SectionResult(wc, label, q[0], q[1], cls_out, controlling, exceed, main, apart_cls, not_assessed, wb)


def _array_section_result(worst: np.ndarray, template: object, names: list[str], classes: dict[str, np.ndarray],
                          mult: dict[str, np.ndarray], apart_cls: dict, not_assessed: list[str],
                          wb: str) -> SectionResult:
    """The :class:`SectionResult` of array input, in the input's container, strings comma-joined per element."""
    shape = worst.shape
    controlling = np.empty(shape, dtype=object)
    main = np.empty(shape, dtype=object)
    labels = np.empty(shape, dtype=object)
    qual = np.empty(shape, dtype=object)
    qual_en = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        w = worst[idx]
        ok = w == w
        controlling[idx] = ",".join(k for k in names if classes[k][idx] == w)
        main[idx] = ",".join(_main_pollutants(names, classes, mult, idx)) if ok and w > 3 else ""
        labels[idx] = _LABELS[int(w)] if ok else ""
        qual[idx], qual_en[idx] = _QUALITY[int(w)] if ok else ("", "")
    tmpl = type(template)(worst, template.kind, template.original, np.zeros(shape, bool))

    def out(values, long_name, integer=False):
        """Numbers wrapped like the input, with CF attributes."""
        return wrap(values, tmpl, {"units": "1", "long_name": long_name}, integer=integer)

    def strings(values):
        """Strings wrapped like the input (array, Series or DataArray)."""
        values = values.astype(str)
        if tmpl.kind == "dataarray":
            res = tmpl.original.copy(data=values)
            res.attrs = {}
            return res
        if tmpl.kind == "series":
            import pandas as pd

            return pd.Series(values, index=tmpl.original.index)
        return values

    return SectionResult(
        water_class=out(worst, "GB 3838-2002 section class (6 = worse than V)", integer=True),
        label=strings(labels), quality=strings(qual), quality_en=strings(qual_en),
        classes={k: out(classes[k], f"class of {k}", integer=True) for k in names},
        controlling=strings(controlling), exceedance={k: out(v, f"exceedance multiple of {k} over class III")
                                                      for k, v in mult.items()},
        main_pollutants=strings(main), apart=apart_cls, not_assessed=not_assessed, waterbody=wb)


def _dates(values):
    if is_series(values) and np.issubdtype(getattr(values.index, "dtype", np.dtype(object)), np.datetime64):
        return np.asarray(values.index.values, dtype="datetime64[D]")
    if is_dataarray(values) and values.ndim == 1 and values.dims[0] in values.coords \
            and np.issubdtype(values[values.dims[0]].dtype, np.datetime64):
        return np.asarray(values[values.dims[0]].values, dtype="datetime64[D]")
    return None


def annual_section_class(series, waterbody: str = "river", *, year: int | None = None,
                         nan_policy: str = "raise") -> SectionResult:
    """Annual class of a section: annual mean of each parameter, then :func:`section_class`.

    Parameters
    ----------
    series : mapping, pandas.DataFrame or xarray.Dataset
        Parameter → the year's samples [mg/L] (typically monthly), 1-d. With a DatetimeIndex /
        datetime ``time`` coordinate the samples of one calendar year are used.
    waterbody : {'river', 'lake'}
    year : int, optional
        Year to assess when the dates span several years.
    nan_policy : {'raise', 'omit'}
        NaN samples refused, or left out of the mean (the count used is in ``.samples``).

    Returns
    -------
    SectionResult
        With ``.means`` (annual means) and ``.samples`` (number of samples averaged) filled in.

    References
    ----------
    环办〔2011〕22号: annual assessment from the arithmetic mean of the year's monitoring results.

    Examples
    --------
    >>> tp = [0.12, 0.15, 0.18, 0.16, 0.14, 0.13, 0.17, 0.19, 0.15, 0.14, 0.13, 0.12]
    >>> r = annual_section_class({"TP": tp, "NH3-N": [0.4] * 12})
    >>> round(r.means["TP"], 4), r.water_class, r.label, r.controlling
    (0.1483, 3, 'Ⅲ类', ['TP'])
    """
    if nan_policy not in ("raise", "omit"):
        raise StandardsError(f"nan_policy: unknown value {nan_policy!r}; expected 'raise' or 'omit'",
                             field="nan_policy", value=nan_policy, expected="'raise' or 'omit'")
    wb = _waterbody(waterbody)
    mapping = as_mapping(series, "series")
    means, counts = {}, {}
    for name, values in mapping.items():
        key = _parameter(name)
        if key == "TN" and wb == "river":
            means[key] = float("nan")
            counts[key] = 0
            continue
        limits = water_limits(key, wb)
        prep = prepare(values, key, unit=limits.unit, nan_policy="raise" if nan_policy == "raise" else "propagate",
                       what="sample concentration")
        x = prep.values
        if x.ndim != 1:
            raise StandardsError(f"{key}: expected a 1-d series of samples, got shape {x.shape}", field=key,
                                 value=x.shape, expected="1-d")
        d = _dates(values)
        if d is not None:
            years = d.astype("datetime64[Y]").astype(int) + 1970
            present = sorted(set(years.tolist()))
            if year is None and len(present) > 1:
                raise StandardsError(f"{key}: samples span the years {present}; pass year= to choose one",
                                     field="year", value=present, expected="one calendar year")
            chosen = present[0] if year is None else year
            x = x[years == chosen]
        x = x[~np.isnan(x)]
        if x.size == 0:
            raise StandardsError(f"{key}: no valid sample to average", field=key, expected="at least one sample")
        means[key] = float(x.mean())
        counts[key] = int(x.size)
    given = {k: v for k, v in means.items() if not (k == "TN" and wb == "river")}
    result = section_class(given, wb)
    if "TN" in means and wb == "river":
        result.not_assessed.append("TN")
    result.means = {k: v for k, v in means.items() if k in given}
    result.samples = {k: counts[k] for k in given}
    return result


def share_at_or_better(classes, threshold: int = 3, *, percent: bool = False):
    """Share of sections (or samples) at class *threshold* or better — e.g. the 优Ⅲ ratio.

    Parameters
    ----------
    classes : array-like, pandas.Series or xarray.DataArray
        Classes 1–6 (6 = 劣V). NaN entries (not assessed) are left out of the count.
    threshold : int
        Worst class that counts (3 for "class III or better", 优Ⅲ比例).
    percent : bool
        Percent [%] instead of a fraction [1].

    Returns
    -------
    float
        Fraction in [0, 1] (or percent).

    Examples
    --------
    >>> share_at_or_better([2, 3, 3, 4, 6])
    0.6
    >>> share_at_or_better([2, 3, 3, 4, 6], percent=True)
    60.0
    """
    if int(threshold) != threshold or not 1 <= threshold <= 6:
        raise StandardsError(f"threshold: {threshold!r}; expected a class 1-6", field="threshold", value=threshold,
                             expected="1-6")
    prep = prepare(classes, "classes", unit="1", nan_policy="propagate", what="class")
    x = prep.values[~prep.nan]
    bad = (x != np.round(x)) | (x < 1) | (x > 6)
    if bad.any():
        raise StandardsError(f"classes: {x[bad][0]} is not a class; expected integers 1-6 (6 = worse than V)",
                             field="classes", value=float(x[bad][0]), expected="1-6")
    if x.size == 0:
        raise StandardsError("classes: no assessed class to count", field="classes", expected="at least one class")
    share = float(np.count_nonzero(x <= threshold) / x.size)
    return share * 100.0 if percent else share
