"""Cold and warm start of the command line: ``ecomodel run <package> -o out.nc`` in fresh processes.

Three cases, each a new interpreter with its own empty cache root (``ECOMODEL_CACHE_DIR``):

- ``coldstart.no_cache``: caching off (``ECOMODEL_CACHE=0``) — every process compiles the kernels
  and fits the air response surface again (what every run cost before the cache was on by default);
- ``coldstart.first``: the first run with the default cache (compiles, fits, and keeps both);
- ``coldstart.second``: a second fresh process reading the cache (goal ≤ 5 s, issue 14).

``--tiny`` (the test suite) uses 4 members and the user's own cache root, and skips the no-cache
case, so it checks the command without recompiling everything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._harness import result

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "wwtp_taihu_limits"


def _once(env_extra: dict, workdir: Path, members: int) -> float:
    out = workdir / "out.nc"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOMODEL_", "NUMBA_CACHE_DIR"))}
    env.update({"PYTHONPATH": str(ROOT), **env_extra})
    cmd = [sys.executable, "-m", "ecomodel", "run", PACKAGE, "-o", str(out), "-q", "--members", str(members)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=workdir)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds


def run(*, tiny: bool = False):
    members = 4 if tiny else 50
    size = f"ecomodel run {PACKAGE} --members {members}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        off = None
        if not tiny:
            off = _once({"ECOMODEL_CACHE": "0", "ECOMODEL_CACHE_DIR": str(tmp / "unused")}, tmp, members)
            yield result("coldstart.no_cache", size, off, 1, "runs/s")
        cache = {} if tiny else {"ECOMODEL_CACHE_DIR": str(tmp / "cache")}
        if tiny and "ECOMODEL_CACHE_DIR" in os.environ:
            cache = {"ECOMODEL_CACHE_DIR": os.environ["ECOMODEL_CACHE_DIR"]}
        first = _once(cache, tmp, members)
        yield result("coldstart.first", size, first, 1, "runs/s")
        second = _once(cache, tmp, members)
        peer = {} if off is None else {"peer": "same command without the cache", "peer_seconds": off}
        yield result("coldstart.second", size, second, 1, "runs/s", target_seconds=5.0, **peer)
