"""The tests mirror the package (issue 15 item 5): ecomodel/<package>/<module>.py is tested in
tests/<package>/test_<module>.py, the module name without its leading (or trailing) underscores.

``__init__.py``, ``__main__.py`` and ``ecomodel/data/`` are not mirrored. ``MISSING`` lists the
modules whose test file does not exist yet; it may only shrink: a module that gets its test file
must leave the list (the second test says so), and a new module must come with its test file.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ecomodel"

# Modules without their mirrored test file yet (none left; a new module comes with its test file).
MISSING: frozenset = frozenset()


def mirrored_test(module: Path) -> Path:
    """tests/<package path>/test_<name>.py for ecomodel/<package path>/<name>.py."""
    rel = module.relative_to(PACKAGE)
    return ROOT.joinpath("tests", *rel.parts[:-1], f"test_{rel.stem.strip('_')}.py")


def modules() -> dict[str, Path]:
    """Every mirrored module of the package, keyed by its path below ecomodel/."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if path.name in ("__init__.py", "__main__.py") or rel.parts[0] == "data":
            continue
        out[rel.as_posix()] = path
    return out


def test_mirrored_test_path_rules():
    assert mirrored_test(PACKAGE / "units.py") == ROOT / "tests" / "test_units.py"
    assert mirrored_test(PACKAGE / "_cache.py") == ROOT / "tests" / "test_cache.py"
    assert mirrored_test(PACKAGE / "standards" / "_air.py") == ROOT / "tests" / "standards" / "test_air.py"
    assert mirrored_test(PACKAGE / "water" / "import_.py") == ROOT / "tests" / "water" / "test_import.py"
    found = modules()
    assert "carbon/lmdi.py" in found and "cli/targets.py" in found and "_numba.py" in found
    assert not any(name.endswith(("__init__.py", "__main__.py")) or name.startswith("data/") for name in found)


def test_every_module_has_its_test_file():
    lacking = {name: mirrored_test(path) for name, path in modules().items()
               if name not in MISSING and not mirrored_test(path).exists()}
    assert not lacking, "add a test file for each module (tests of the module go there):\n" + "\n".join(
        f"  ecomodel/{name} -> {test.relative_to(ROOT)}" for name, test in sorted(lacking.items()))


def test_missing_list_only_shrinks():
    found = modules()
    gone = sorted(name for name in MISSING if name not in found)
    done = sorted(name for name in MISSING if name in found and mirrored_test(found[name]).exists())
    assert not gone, f"remove from MISSING in tests/test_layout.py (no such module any more): {gone}"
    assert not done, f"remove from MISSING in tests/test_layout.py (the test file exists now): {done}"
