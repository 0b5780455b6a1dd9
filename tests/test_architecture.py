"""The package's import structure: no cycles, and the scenario rooms keep to their layers.

The imports are read from the source with ``ast`` (nothing is imported), including those inside
functions. An import statement at module scope (also in a class body or an ``if``/``try`` at
module level) runs when the module is imported; one inside a function runs when it is called.
``import ecomodel`` not importing numba is tested in tests/test_package.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ecomodel

ROOT = Path(ecomodel.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """ecomodel modules an import statement in *module* names (submodules where they are modules)."""
    out = []
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.name == "ecomodel" or a.name.startswith("ecomodel."):
                out.append(a.name)
        return [m for m in out if m in MODULES]
    if node.level:
        base = module.split(".") if _is_package(module) else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not (target == "ecomodel" or target.startswith("ecomodel.")):
        return []
    for a in node.names:  # `from pkg import sub` imports the submodule
        sub = f"{target}.{a.name}"
        out.append(sub if sub in MODULES else target)
    return sorted({m for m in out if m in MODULES})


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(module-scope imports, function-level imports) of *module*, as ecomodel module names."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top, inner = set(), set()

    def visit(node, in_function: bool, type_checking: bool = False):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if not type_checking:
                    (inner if in_function else top).update(_resolve(module, child))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(child, in_function, True)
            else:
                visit(child, in_function, type_checking)

    visit(tree, False)
    top.discard(module)
    inner.discard(module)
    return top, inner


GRAPH = {m: _imports(m) for m in MODULES}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def test_graph_reader_sees_the_imports_it_should():
    """The reader itself: known imports are found, at the right scope (so the tests below can fail)."""
    top, inner = GRAPH["ecomodel.scenario.run"]
    assert {"ecomodel.scenario.model", "ecomodel.scenario.backends", "ecomodel.scenario.specs",
            "ecomodel.errors"} <= top
    assert "ecomodel.scenario.files" in inner  # _load imports it when called
    assert "ecomodel.scenario.optimise" not in top and "ecomodel.scenario.optimise" in inner  # module __getattr__
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_at_module_scope():
    edges = {m: top for m, (top, _) in GRAPH.items()}
    assert _cycles(edges) == []


SCENARIO_LIBRARY = sorted(m for m in MODULES if m.startswith("ecomodel.scenario.")
                          and m not in ("ecomodel.scenario.demo",))


@pytest.mark.parametrize("module", SCENARIO_LIBRARY)
def test_scenario_library_never_imports_the_demo_or_the_cli(module):
    """Library code works without the demo and the command line (not even in a function); only the
    package's ``__init__`` re-exports the demo."""
    top, inner = GRAPH[module]
    bad = sorted(m for m in top | inner if m == "ecomodel.scenario.demo" or m.startswith("ecomodel.cli"))
    assert bad == []


#: The scenario rooms from the bottom up (ecomodel/scenario/ARCHITECTURE.md); a room imports only
#: rooms of its own or a lower layer, also inside functions.
LAYERS = {
    "model": 0, "indicators": 0, "health": 0,
    "schedule": 1, "specs": 1, "files": 1,
    "backends": 2, "backends._shared": 2, "backends.linear": 2, "backends.air": 2, "backends.water": 2,
    "backends.carbon": 2,
    "run": 3, "accounting": 3, "adapters": 3,
    "economics": 4, "plans": 4,
    "optimise": 5, "report": 5,
    "demo": 6,
}
#: Upward imports kept for compatibility: ``run.evaluator`` (moved to optimise) is served lazily.
UPWARD_ALLOWED = {("run", "optimise")}


def test_every_scenario_module_has_a_layer():
    rooms = {m.removeprefix("ecomodel.scenario.") for m in MODULES if m.startswith("ecomodel.scenario.")}
    assert rooms == set(LAYERS)


@pytest.mark.parametrize("room", sorted(LAYERS))
def test_scenario_rooms_import_only_downwards(room):
    top, inner = GRAPH[f"ecomodel.scenario.{room}"]
    used = {m.removeprefix("ecomodel.scenario.") for m in top | inner if m.startswith("ecomodel.scenario.")}
    upward = sorted(u for u in used if LAYERS[u] > LAYERS[room] and (room, u) not in UPWARD_ALLOWED)
    assert upward == []


BACKENDS = ("air", "water", "carbon")


@pytest.mark.parametrize("room", BACKENDS)
def test_backend_modules_do_not_import_each_other_or_the_scenario_machinery(room):
    """A backend room may use the scenario's data types (model, schedule), the backends' shared
    helpers and the domain models — never another backend, run, optimise, specs, demo or the CLI."""
    top, inner = GRAPH[f"ecomodel.scenario.backends.{room}"]
    allowed_scenario = {"ecomodel.scenario.model", "ecomodel.scenario.schedule", "ecomodel.scenario.backends._shared"}
    used = top | inner
    assert "ecomodel.air" in used or "ecomodel.water" in used or "ecomodel.carbon" in used
    bad = sorted(m for m in used if (m.startswith("ecomodel.scenario") and m not in allowed_scenario)
                 or m.startswith("ecomodel.cli"))
    assert bad == []


@pytest.mark.parametrize("domain", BACKENDS)
def test_domain_models_do_not_import_each_other_or_the_scenario_layer(domain):
    """``ecomodel.air``, ``ecomodel.water`` and ``ecomodel.carbon`` stand alone: the scenario layer
    reaches them, never the other way, and none reaches into another."""
    others = [d for d in BACKENDS if d != domain]
    bad = set()
    for m, (top, inner) in GRAPH.items():
        if m == f"ecomodel.{domain}" or m.startswith(f"ecomodel.{domain}."):
            bad |= {t for t in top | inner if t.startswith("ecomodel.scenario") or t.startswith("ecomodel.cli")
                    or any(t == f"ecomodel.{o}" or t.startswith(f"ecomodel.{o}.") for o in others)}
    assert sorted(bad) == []


def test_adapters_reexports_the_same_objects():
    """The compatibility module re-exports (module caches exist once, monkeypatching either works on the same
    objects)."""
    from ecomodel.scenario import adapters
    from ecomodel.scenario.backends import _shared, air, carbon, water

    assert adapters._RESPONSES is _shared._RESPONSES
    assert adapters._AIR_SRM_EXTRA is air._AIR_SRM_EXTRA
    assert adapters._air_srm is air._air_srm and adapters._tianning_response is water._tianning_response
    assert adapters._carbon_drivers is carbon._carbon_drivers
    assert adapters.WATER_NETWORKS is water.WATER_NETWORKS
    assert adapters.AirBackend is air.AirBackend


# ------------------------------------------------------------------------------------------------ typed keys

KEY_READERS = ["ecomodel.scenario.backends.air", "ecomodel.scenario.backends.water",
               "ecomodel.scenario.backends.carbon", "ecomodel.scenario.backends._shared",
               "ecomodel.scenario.backends.linear", "ecomodel.scenario.accounting"]


@pytest.mark.parametrize("module", KEY_READERS)
def test_backends_do_not_read_reduction_keys_by_position(module):
    """``k[3]``, ``key[1]`` … on a reduction key are refused: read ``ReductionKey`` fields by name."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    hits = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name)
            and n.value.id in ("k", "key") and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, int)]
    assert hits == []


def test_reduction_key_is_the_effect_key_by_name():
    import numpy as np

    from ecomodel.scenario.backends.air import AirBackend
    from ecomodel.scenario.model import Effect
    from ecomodel.scenario.schedule import ReductionKey, Reductions

    effect = Effect(domain="air", pollutant="NOx", sector="industry", region="常州市天宁区", fraction=0.3)
    key = ReductionKey.of(effect)
    assert ReductionKey._fields == Effect.KEY_FIELDS
    assert key == effect.key and hash(key) == hash(effect.key) and {effect.key: 1}[key] == 1
    assert (key.region, key.sector, key.pollutant) == ("常州市天宁区", "industry", "NOx")
    assert key.effect(1.0).key == effect.key
    years = np.array([2024, 2025])
    fr = np.array([[0.1, 0.3]])
    typed = Reductions("air", years, (key,), fr)
    plain = Reductions("air", years, (tuple(effect.key),), fr)  # a schedule built with plain tuples
    expected = {2024: {("常州市天宁区", "industry", "NOx"): 0.1}, 2025: {("常州市天宁区", "industry", "NOx"): 0.3}}
    assert AirBackend().schedule(typed, years) == AirBackend().schedule(plain, years) == expected


def test_no_broad_except_in_the_library():
    """Errors are caught by type (EcomodelError or the specific built-ins), never by a bare
    ``except Exception`` (or bare ``except:``) that would swallow a programming error (issue 15).
    ``except BaseException`` stays allowed for clean-up that re-raises (the atomic writers of io.py)."""
    import re

    root = Path(__file__).resolve().parents[1] / "ecomodel"
    broad = [f"{p.relative_to(root)}:{i}" for p in sorted(root.rglob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.match(r"\s*except\s*(Exception)?\s*(as \w+)?\s*:", line)]
    assert broad == []
