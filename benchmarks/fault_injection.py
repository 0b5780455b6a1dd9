"""Fault injection: writers of a run-shaped netCDF output killed mid-work (issue 14, item 2).

    python -m benchmarks fault_injection          # 50 kills: 5 seeds × 10, members 50 (~360 kB files),
                                                  # and 10 more on a Zarr store
    python -m benchmarks fault_injection --tiny   # 4 kills, members 5

A writer process (forked from a server started with ``PYTHONPATH`` set to this worktree; see
``benchmarks/_faults.py``) writes the output again and again through ``ecomodel.io.write_netcdf``
and is killed with SIGKILL, SIGTERM or SIGINT (drawn per kill from the seed) after a random delay
of 0–2.5 write times. Reported, all counts over every kill:

- ``partial_files``: destinations that exist but do not open or differ from the reference (must be 0);
- ``temps_after_sweep``: temporaries of dead writers left once the next writer started and swept
  (must be 0);
- ``temps_at_exit_sigterm_sigint``: temporaries a SIGTERM/SIGINT'd writer left (must be 0);
  ``temps_at_exit_sigkill``: those a SIGKILL left (expected when it hit a write; the sweep removes them);
- ``wrong_exit_status``: SIGTERM not ending with 143, SIGINT not with 130 (must be 0);
- ``kills_mid_write``: kills sent while the writer's temporary existed (how often a write was hit).

No peer: there is no other library doing the same job to compare with. ``seconds`` is the whole
campaign's wall time (kills/s as throughput), not a speed figure of ecomodel.
"""

from __future__ import annotations

import sys

from benchmarks._faults import run_campaign_in_tmp
from benchmarks._harness import result


def _record(name, output, seeds, kills, members, max_delay):
    s = run_campaign_in_tmp(seeds=seeds, kills_per_seed=kills, members=members, max_delay=max_delay, output=output)
    for line in s.pop("failures"):
        print(f"# fault_injection: FAILURE {line}", file=sys.stderr)
    seconds = s.pop("seconds")
    size = (f"{s['kills']} kills ({len(seeds)} seeds × {kills}), SIGKILL/SIGTERM/SIGINT, run tree with {members} "
            f"members as {output}")
    return result(name, size, seconds, s["kills"], "kills/s", seeds=list(seeds), members=members, output=output, **s)


def run(tiny: bool = False):
    if tiny:
        yield _record("io.fault_injection", "run.nc", (0, 1), 2, 5, 0.5)
        return
    yield _record("io.fault_injection", "run.nc", (0, 1, 2, 3, 4), 10, 50, None)
    # the same for a Zarr store (a directory: swapped with a parked .old copy when it exists)
    yield _record("io.fault_injection.zarr", "run.zarr", (5, 6), 5, 50, None)
