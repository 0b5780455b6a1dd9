"""Every public function and method of the public modules is fully annotated (issue 15 item 4).

Public: a module whose path has no ``_``-prefixed part (``__init__`` counts), a function or a class
whose name has no leading ``_``. Fully annotated: every parameter except ``self``/``cls`` (and
``*args``/``**kwargs``) and the return value. The annotations are strings (``from __future__ import
annotations``), so they cost nothing at import.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecomodel"


def _public_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if any(p.startswith("_") and p != "__init__.py" for p in parts):
            continue
        yield path


def _unannotated(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        funcs = [node]
        if isinstance(node, ast.ClassDef):
            if node.name.startswith("_"):
                continue
            funcs = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for f in funcs:
            if not isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) or f.name.startswith("_"):
                continue
            args = [a for a in f.args.posonlyargs + f.args.args + f.args.kwonlyargs if a.arg not in ("self", "cls")]
            args += [a for a in (f.args.vararg, f.args.kwarg) if a is not None]
            missing = [a.arg for a in args if a.annotation is None]
            if f.returns is None:
                missing.append("return")
            if missing:
                out.append(f"{f.name}({', '.join(missing)})")
    return out


MODULES = list(_public_modules())


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_public_functions_are_fully_annotated(path):
    assert _unannotated(path) == [], f"{path.relative_to(PACKAGE)}: not annotated"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_annotations_are_not_evaluated_at_import(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    has_annotations = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
        n.returns is not None or any(a.annotation is not None for a in n.args.args)) for n in ast.walk(tree))
    if has_annotations:
        assert "from __future__ import annotations" in text, path.relative_to(PACKAGE)
