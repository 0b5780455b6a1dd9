"""The kernels built per number of substances (closures) are found in numba's disk cache by the next
process: the routing members kernel and the unrolled steady kernels (a dispatcher held in a closure cell
would make their cache key differ in every process, and they would compile again each time)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
import numpy as np
from ecomodel.water import _kernels as k
from tests.water._reference import random_network
net, rng = random_network(5, 60, 0.2, False)
n = net.n_reaches
A = (net.down, net.sp_ptr, net.sp_idx, net.sp_w)
k._steady_members_coupled(*A, np.ones((2, n, 3)), np.full((2, n, 3), 0.9), np.array([0]), np.array([1]),
                          np.full((2, n, 1), 0.05), np.zeros((2, n, 3)), np.empty((2, n, 3)))
single, members = k.steady_kernel(3, (0,), (1,))
rk = k.route_kernel(0)[1]
z = np.zeros
T, K = 3, 2
args = (np.full(n, 0.3), np.full(n, 0.3), np.full(n, -1, np.int64), np.full(n, -1, np.int64),
        np.array([0, 1], np.int64), np.array([n], np.int64), np.ones(1), np.array([0], np.int64),
        np.ones(0), z((2, 0, 0)), z((2, n, 0)), z((2, n, 0)), z((0, 0)), np.ones((T, n), np.float32),
        np.zeros(0, np.int64), np.ones(n), z((2, n, 0)), z((2, n, 0)), np.ones((T, 0)), np.ones((T, 0)),
        z((2, n, 1)), np.array([0, n], np.int64), np.zeros(2, np.int64), np.zeros(0, np.int64),
        np.zeros(0, np.int64), np.zeros(2, np.int64), np.zeros(0, np.int64), 0, 64, z((2, T, K)),
        z((2, T, K, 0)), 1, np.zeros(0, np.int64), z((2, n, 0, 0)), z((2, 0, 0, 0)), z((2, 0, 0, 0)),
        z((2, 0, 0, 0)), z((2, 0, 0)), z((2, 0, 0)))
rk(*args)
print(json.dumps({"steady_members": [sum(members.stats.cache_hits.values()), sum(members.stats.cache_misses.values())],
                  "route_members": [sum(rk.stats.cache_hits.values()), sum(rk.stats.cache_misses.values())]}))
"""


def test_closure_kernels_are_read_back_from_the_disk_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOMODEL_", "NUMBA_CACHE_DIR"))}
    env.update({"PYTHONPATH": str(ROOT), "ECOMODEL_CACHE_DIR": str(tmp_path / "cache")})
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600,
                              cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["steady_members"][1] >= 1 and first["route_members"][1] >= 1  # compiled (and saved) in the first
    assert second["steady_members"] == [1, 0], second  # read back, not compiled again
    assert second["route_members"] == [1, 0], second
