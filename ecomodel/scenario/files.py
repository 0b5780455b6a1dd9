"""Measures, packages and scenarios as TOML files.

Read with :mod:`tomllib` and validated into the typed objects of :mod:`ecomodel.scenario.model`;
every error names the file, the table and the field. Written with a small writer for the subset of
TOML these files use (tables, arrays of tables, strings, numbers, booleans, arrays of scalars), so
that ``load(dump(x)) == x``.

A package file::

    [package]
    name = "wwtp_taihu"
    title = "污水处理厂提标至太湖地区特别排放限值"

    [[measure]]
    id = "wwtp_db32_1072"
    name = "城镇污水处理厂执行 DB32/1072-2018"
    domain = "water"
    start = 2024
    ramp_years = 2
    implements = ["004:42"]   # registry rows it carries out (optional)

    [measure.cost]
    capital = 6.0
    annual = 0.9
    unit = "10^8 CNY"
    lifetime = 20

    [[measure.effect]]
    pollutant = "TP"
    category = "wwtp"
    fraction = 0.4

A scenario file has a ``[scenario]`` table (``name``, ``base``, ``start_year``, ``end_year``,
``members``, ``seed``, ``discount_rate``, ``domains``, ``method``) and either ``package = "name or
path"`` inside it (a list merges several packages) or the package tables inline.

Examples
--------
>>> from ecomodel.scenario.model import Package
>>> text = dumps(Package("empty").to_dict())
>>> print(text)
[package]
name = "empty"
<BLANKLINE>
>>> parse_package(loads(text, "x.toml"), "x.toml").name
'empty'
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path

from ..errors import EcomodelError, ScenarioError, close_matches
from .model import DOMAINS, Cost, Effect, Measure, Package, Scenario

__all__ = [
    "loads",
    "dumps",
    "read",
    "load_package",
    "load_scenario",
    "load",
    "dump",
    "parse_package",
    "parse_scenario",
    "embedded_packages",
]

_MEASURE_KEYS = ("id", "name", "name_en", "domain", "start", "ramp_years", "end", "group", "source", "description",
                 "implements", "cost", "effect", "co_benefit")
_COST_KEYS = ("capital", "annual", "lifetime", "unit", "source")
_EFFECT_KEYS = ("domain",) + Effect.TEXT_FIELDS + ("fraction", "amount", "share")
_PACKAGE_KEYS = ("name", "title", "description", "source")
_SCENARIO_KEYS = ("name", "base", "start_year", "end_year", "members", "seed", "discount_rate", "domains", "method",
                  "description", "package")


def _where(file, table: str, detail: str = "") -> str:
    """``'pkg.toml: table [[measure.effect]] (measure 'x', effect #2)'``."""
    text = f"table {table}" + (f" ({detail})" if detail else "")
    return f"{file}: {text}" if file else text


def _raise(where, msg, *, field_name=None, value=None, expected=None):
    raise ScenarioError(f"{where}: {msg}", field=field_name, value=value, expected=expected)


def _check_keys(d, allowed, where):
    if not isinstance(d, dict):
        _raise(where, f"expected a table, got {type(d).__name__} {d!r:.60}", value=d, expected="a TOML table")
    for key in d:
        if key not in allowed:
            _raise(where, f"field '{key}': unknown field" + close_matches(key, allowed), field_name=key,
                   value=d[key], expected=f"one of {list(allowed)}")


def _table_list(value, where, header):
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        _raise(where, f"field '{header.split('.')[-1]}': expected an array of tables [[{header}]], got "
               f"{value!r:.60}", field_name=header, value=value, expected=f"[[{header}]] tables")
    return value


def _wrap(exc: ScenarioError, prefix: str) -> ScenarioError:
    """Prefix an error raised by a dataclass with the file and table."""
    new = ScenarioError(f"{prefix}: {exc}", field=exc.field, value=exc.value, expected=exc.expected)
    return new


# ------------------------------------------------------------------------------------------------ parsing


def loads(text: str, file: str | os.PathLike = "<string>") -> dict:
    """Parse TOML *text*; syntax errors become :class:`ScenarioError` naming *file* and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{file}: not valid TOML ({exc})", field="toml", value=str(file),
                            expected="a TOML file") from None


def read(path: str | os.PathLike) -> dict:
    """Read a TOML file into a dict (errors name the file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found", field="path", value=str(path),
                            expected="an existing TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc})", field="path", value=str(path)) from None
    if not text.strip():
        raise ScenarioError(f"{path}: the file is empty; expected a package ([[measure]] tables) or a scenario",
                            field="path", value=str(path), expected="a non-empty TOML file")
    return loads(text, path)


def _parse_effect(d, where, default_domain) -> Effect:
    _check_keys(d, _EFFECT_KEYS, where)
    kwargs = dict(d)
    kwargs.setdefault("domain", default_domain)
    return Effect(**kwargs, where=where)


def _parse_cost(d, where) -> Cost:
    from .. import units

    if d is None:
        return Cost(where=where)
    _check_keys(d, _COST_KEYS, where)
    unit = d.get("unit", "CNY")
    try:
        if not isinstance(unit, str) or units.dimension(unit) != "money":
            raise ScenarioError("not money")
        money = units.factor(unit, "CNY")
    except EcomodelError:
        _raise(where, f"field 'unit': {unit!r} is not a money unit; expected CNY, 10^4 CNY (万元) or 10^8 CNY (亿元)",
               field_name="unit", value=unit, expected="a money unit")
    kwargs = {k: v for k, v in d.items() if k in ("capital", "annual", "lifetime", "source")}
    for k in ("capital", "annual"):
        if k in kwargs and isinstance(kwargs[k], (int, float)) and not isinstance(kwargs[k], bool):
            kwargs[k] = kwargs[k] * money
    return Cost(**kwargs, where=where)


def _parse_measure(d, file, index) -> Measure:
    label = f"measure #{index + 1}"
    if isinstance(d, dict) and isinstance(d.get("id"), str):
        label = f"measure '{d['id']}'"
    where = _where(file, "[[measure]]", label)
    _check_keys(d, _MEASURE_KEYS, where)
    for req in ("id", "name", "domain"):
        if req not in d:
            _raise(where, f"field '{req}' is missing", field_name=req, expected="a value")
    domain = d["domain"]
    if domain not in DOMAINS:
        _raise(where, f"field 'domain': unknown value {domain!r}" + close_matches(str(domain), DOMAINS),
               field_name="domain", value=domain, expected=f"one of {list(DOMAINS)}")
    effects = tuple(_parse_effect(e, _where(file, "[[measure.effect]]", f"{label}, effect #{i + 1}"), domain)
                    for i, e in enumerate(_table_list(d.get("effect"), where, "measure.effect")))
    co = tuple(_parse_effect(e, _where(file, "[[measure.co_benefit]]", f"{label}, co_benefit #{i + 1}"), domain)
               for i, e in enumerate(_table_list(d.get("co_benefit"), where, "measure.co_benefit")))
    cost = _parse_cost(d.get("cost"), _where(file, "[measure.cost]", label))
    kwargs = {k: v for k, v in d.items() if k not in ("cost", "effect", "co_benefit")}
    return Measure(**kwargs, effects=effects, co_benefits=co, cost=cost, where=where)


def parse_package(data: dict, file: str | os.PathLike = "", *, name: str | None = None,
                  allow: tuple = ("package", "measure")) -> Package:
    """Build a :class:`Package` from a parsed TOML dict (``[package]`` + ``[[measure]]``)."""
    file = str(file)
    for key in data:
        if key not in allow:
            raise ScenarioError(f"{file}: unknown top-level table [{key}]" + close_matches(key, allow),
                                field=key, value=key, expected=f"one of {list(allow)}")
    head = data.get("package", {})
    where = _where(file, "[package]")
    _check_keys(head, _PACKAGE_KEYS, where)
    pname = head.get("name") or name or (Path(file).stem if file else None)
    if pname is None:
        _raise(where, "field 'name' is missing", field_name="name", expected="a name")
    measures = [_parse_measure(m, file, i)
                for i, m in enumerate(_table_list(data.get("measure"), _where(file, "[[measure]]"), "measure"))]
    kwargs = {k: v for k, v in head.items() if k != "name"}
    return Package(name=pname, measures=tuple(measures), where=where, **kwargs)


def embedded_packages() -> list[str]:
    """Names of the packages shipped in ``ecomodel/data/packages``.

    Examples
    --------
    >>> "changzhou_2023_key_projects" in embedded_packages()
    True
    """
    from .._data import DATA_DIR

    return sorted(p.stem for p in (DATA_DIR / "packages").glob("*.toml"))


def _resolve(ref: str | os.PathLike, relative_to: Path | None = None) -> Path:
    p = Path(ref)
    candidates = []
    if relative_to is not None and not p.is_absolute():
        candidates.append(relative_to / p)
    candidates.append(p)
    for c in candidates:
        if c.is_file():
            return c
    if p.suffix == "" and str(ref) in embedded_packages():
        from .._data import data_path

        return data_path("packages", f"{ref}.toml")
    raise ScenarioError(f"package {str(ref)!r}: no such file, and no embedded package of that name"
                        + close_matches(str(ref), embedded_packages()), field="package", value=str(ref),
                        expected="a TOML file or an embedded package name")


def load_package(ref: str | os.PathLike) -> Package:
    """Read a package: a TOML path or the name of an embedded package.

    Examples
    --------
    >>> p = load_package("changzhou_2023_key_projects")
    >>> p.name
    'changzhou_2023_key_projects'
    """
    path = _resolve(ref)
    return parse_package(read(path), path)


def parse_scenario(data: dict, file: str | os.PathLike = "") -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML dict."""
    file_s = str(file)
    base_dir = Path(file).parent if file_s else None
    for key in data:
        if key not in ("scenario", "package", "measure"):
            raise ScenarioError(f"{file_s}: unknown top-level table [{key}]"
                                + close_matches(key, ["scenario", "package", "measure"]), field=key, value=key,
                                expected="[scenario], [package] or [[measure]]")
    if "scenario" not in data:
        raise ScenarioError(f"{file_s}: table [scenario] is missing", field="scenario",
                            expected="a [scenario] table with at least 'name'")
    head = data["scenario"]
    where = _where(file_s, "[scenario]")
    _check_keys(head, _SCENARIO_KEYS, where)
    ref = head.get("package")
    inline = "package" in data or "measure" in data
    if ref is not None and inline:
        _raise(where, "field 'package': given both as a reference and as inline tables",
               field_name="package", value=ref, expected="one of the two")
    if ref is not None:
        refs = [ref] if isinstance(ref, str) else ref
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            _raise(where, f"field 'package': {ref!r}; expected a package name or path, or a list of them",
                   field_name="package", value=ref, expected="string or list of strings")
        pkgs = []
        for r in refs:
            try:
                path = _resolve(r, base_dir)
            except ScenarioError as exc:
                raise _wrap(exc, where) from None
            pkgs.append(parse_package(read(path), path))
        package = pkgs[0] if len(pkgs) == 1 else pkgs[0].merged(*pkgs[1:])
    elif inline:
        package = parse_package({k: v for k, v in data.items() if k != "scenario"}, file_s,
                                name=head.get("name"))
    else:
        package = Package("baseline", title="no measures")
    kwargs = {k: v for k, v in head.items() if k != "package"}
    if "name" not in kwargs:
        kwargs["name"] = Path(file_s).stem if file_s else package.name
    if "domains" in kwargs and not isinstance(kwargs["domains"], (list, str)):
        _raise(where, f"field 'domains': {kwargs['domains']!r}; expected a list such as [\"air\"]",
               field_name="domains", value=kwargs["domains"], expected="a list of domain names")
    if isinstance(kwargs.get("domains"), list):
        kwargs["domains"] = tuple(kwargs["domains"])
    return Scenario(package=package, where=where, **kwargs)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read a scenario TOML file (a package file is read as a scenario with default settings)."""
    data = read(path)
    if "scenario" not in data:
        pkg = parse_package(data, path)
        return Scenario(name=pkg.name, package=pkg)
    return parse_scenario(data, path)


def load(path: str | os.PathLike) -> Scenario | Package:
    """Read a scenario or package file, whichever it is."""
    data = read(path)
    return parse_scenario(data, path) if "scenario" in data else parse_package(data, path)


# ------------------------------------------------------------------------------------------------ writing

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _scalar(v) -> str:
    import numpy as np

    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return repr(f)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise ScenarioError(f"cannot write {v!r} ({type(v).__name__}) to TOML", field="value", value=v,
                        expected="str, int, float, bool or a list of them")


def _is_table_array(v) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, dict) for x in v)


def _emit(d: dict, path: list[str], lines: list[str]):
    for k, v in d.items():
        if isinstance(v, dict) or _is_table_array(v):
            continue
        lines.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append("")
            lines.append("[" + ".".join(_key(p) for p in path + [k]) + "]")
            _emit(v, path + [k], lines)
    for k, v in d.items():
        if _is_table_array(v):
            for item in v:
                lines.append("")
                lines.append("[[" + ".".join(_key(p) for p in path + [k]) + "]]")
                _emit(item, path + [k], lines)


def dumps(data: dict) -> str:
    """Write a dict as TOML text (the subset used by ecomodel's files).

    Examples
    --------
    >>> print(dumps({"a": 1, "t": {"b": "x"}, "arr": [{"c": 1.5}]}), end="")
    a = 1
    <BLANKLINE>
    [t]
    b = "x"
    <BLANKLINE>
    [[arr]]
    c = 1.5
    """
    lines: list[str] = []
    _emit(data, [], lines)
    while lines and lines[0] == "":
        lines.pop(0)
    return "\n".join(lines) + "\n"


def dump(obj: Package | Scenario, path: str | os.PathLike) -> Path:
    """Write a :class:`Package` or :class:`Scenario` to a TOML file (atomically)."""
    from ..io import atomic_path

    if not isinstance(obj, (Package, Scenario)):
        raise ScenarioError(f"cannot write {type(obj).__name__} as a scenario file", field="obj", value=obj,
                            expected="a Package or Scenario")
    text = dumps(obj.to_dict())
    path = Path(path)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path
