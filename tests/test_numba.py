"""ecomodel/_numba.py: the compiled-kernel disk cache (on by default in a per-user directory, opt-out,
read-only safe) and the numba policy (safe fastmath flags only, lazy compilation).

Each case runs in a fresh interpreter (the cache is configured once, when ``ecomodel._numba`` is
first imported) with its own cache directory.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


ROOT = Path(__file__).resolve().parents[1]


PROBE = """
import json, math
from ecomodel import _numba
from ecomodel._mathkernels import exp_neg
assert abs(exp_neg(0.5) - math.exp(-0.5)) < 1e-15
print(json.dumps({"cache": _numba.CACHE, "dir": _numba.CACHE_DIR, "problem": _numba.CACHE_PROBLEM}))
"""


def _probe(env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOMODEL_", "NUMBA_CACHE_DIR", "XDG_CACHE"))}
    env.update({"PYTHONPATH": str(ROOT), "HOME": str(tmp_path / "home"), **env_extra})
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cached_files(directory):
    return [p for p in Path(directory).rglob("*") if p.suffix in {".nbi", ".nbc"}]


def test_cache_is_on_by_default_in_the_user_cache_directory(tmp_path):
    got = _probe({"XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path)
    assert got["cache"] is True and got["problem"] is None
    assert Path(got["dir"]) == tmp_path / "xdg" / "ecomodel" / "numba"
    assert _cached_files(got["dir"]), "a called kernel leaves its compiled code in the cache directory"


def test_home_cache_when_xdg_is_unset(tmp_path):
    got = _probe({}, tmp_path)
    assert Path(got["dir"]) == tmp_path / "home" / ".cache" / "ecomodel" / "numba"


def test_explicit_root_wins(tmp_path):
    got = _probe({"ECOMODEL_CACHE_DIR": str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path)
    assert Path(got["dir"]) == tmp_path / "mine" / "numba" and _cached_files(tmp_path / "mine")
    assert not (tmp_path / "xdg").exists()
    got = _probe({"NUMBA_CACHE_DIR": str(tmp_path / "numba_own"), "ECOMODEL_CACHE_DIR": str(tmp_path / "m")}, tmp_path)
    assert Path(got["dir"]) == tmp_path / "numba_own"


def test_opt_out(tmp_path):
    for variable, value in (("ECOMODEL_NUMBA_CACHE", "0"), ("ECOMODEL_NUMBA_CACHE", "off"), ("ECOMODEL_CACHE", "False")):
        got = _probe({variable: value, "XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path)
        assert got["cache"] is False and got["dir"] is None and variable in got["problem"]
    assert not (tmp_path / "xdg" / "ecomodel" / "numba").exists()


def test_unwritable_directory_turns_caching_off_and_kernels_still_run(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")  # a path under a regular file cannot be created, even by root
    got = _probe({"ECOMODEL_CACHE_DIR": str(blocker / "root")}, tmp_path)
    assert got["cache"] is False and got["dir"] is None
    assert "not writable" in got["problem"] and str(blocker) in got["problem"]


def test_no_two_kernels_share_a_disk_cache_entry():
    """numba names a cache entry by file, qualified name and first line (and keys it by signature and
    bytecode, not by ``parallel=``): two dispatchers of one function would load each other's code."""
    import importlib

    from numba.core.registry import CPUDispatcher

    seen = {}
    for name in ("ecomodel._mathkernels", "ecomodel.air._kernels", "ecomodel.air._o3kernels",
                 "ecomodel.water._kernels", "ecomodel.carbon._kernels"):
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher):
                f = obj.py_func
                key = (f.__code__.co_filename, f.__qualname__, f.__code__.co_firstlineno)
                assert key not in seen or seen[key] is obj, f"{name}.{attr} and {seen[key]} share {key}"
                seen[key] = obj
    assert len(seen) > 10


AIR_PROBE = """
import hashlib, numpy as np
from ecomodel import air
ds = air.project(None, years=[2021], members=2, seed=5, ozone=False)
print(hashlib.sha256(np.ascontiguousarray(ds["pm25_annual_mean"].values).tobytes()).hexdigest())
"""


def test_air_results_do_not_depend_on_the_cache_state(tmp_path):
    """Same seed, same bits: the first process (compiling, filling the cache), a second one (reading
    it) and one with caching off agree exactly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOMODEL_", "NUMBA_CACHE_DIR"))}
    env.update({"PYTHONPATH": str(ROOT), "ECOMODEL_CACHE_DIR": str(tmp_path / "cache")})
    runs = []
    for extra in ({}, {}, {"ECOMODEL_CACHE": "0"}):
        proc = subprocess.run([sys.executable, "-c", AIR_PROBE], env=env | extra, capture_output=True, text=True,
                              timeout=600, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        runs.append(proc.stdout.strip().splitlines()[-1])
    assert runs[0] == runs[1] == runs[2]


def test_numba_policy__safe_fastmath_only():
    from ecomodel import _numba

    assert {"nnan", "ninf", "fast"}.isdisjoint(_numba.SAFE_FASTMATH)
    with pytest.raises(ValueError):
        _numba.jit(fastmath={"nnan"})
    with pytest.raises(ValueError):
        _numba.jit(signature="f8(f8)")

    @_numba.jit
    def twice(x):
        return 2.0 * x

    assert twice(2.0) == 4.0
    assert twice(np.nan) != twice(np.nan)  # NaN semantics kept
