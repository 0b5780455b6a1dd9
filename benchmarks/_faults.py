"""Fault injection for the atomic writers of :mod:`ecomodel.io` (shared by benchmarks/fault_injection.py
and tests/test_fault_injection.py).

A *writer* process installs :func:`ecomodel.io.install_signal_handlers`, sweeps its output directory
(:func:`ecomodel.io.sweep_stale`, what every ecomodel start does before writing), says ``ready`` and
then writes a run-shaped netCDF output (groups air / water / carbon / targets / package as
``ecomodel run`` writes them, Chinese region and site names) to the same destination again and again
with :func:`ecomodel.io.write_netcdf`, until it is killed. The controller kills it with SIGKILL,
SIGTERM or SIGINT after a random delay and then looks at the directory:

- *partial file*: the destination exists but does not open, or is not identical to the expected
  output (must never happen: the destination is either absent or complete);
- *temporaries at exit*: ecomodel temporaries of the killed writer left right after it died (SIGKILL
  leaves one when it hits a write; SIGTERM and SIGINT must leave none);
- *temporaries after the sweep*: temporaries of dead writers still there once the next writer has
  started and swept (must be 0).

Writers are forked from a small *fork server* (``python -m benchmarks._faults server``, started
with ``PYTHONPATH`` set to the worktree) that has already imported xarray, h5netcdf and
ecomodel.io, so a kill costs milliseconds instead of an interpreter start. Each forked writer is
its own process (own pid, own signal handlers, own temporaries); the server only forks and reaps.

    python -m benchmarks._faults server     # the fork server (spoken to over stdin/stdout, JSON lines)
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: ``.<name>.<pid>.<token>.tmp|old`` — the names of ecomodel.io's temporaries
TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.(?P<token>[0-9a-f]{12})\.(?P<kind>tmp|old)$")

SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}
#: the exit status each signal must give (subprocess convention: -N for death by signal N)
EXPECTED_STATUS = {"SIGKILL": -signal.SIGKILL, "SIGTERM": 143, "SIGINT": 130}

REPO = Path(__file__).resolve().parent.parent


def realistic_tree(members: int = 50, seed: int = 0):
    """A DataTree shaped like the output of ``ecomodel run`` (11 years × *members* × regions/sites)."""
    import numpy as np
    import xarray as xr

    rng = np.random.default_rng(seed)
    years = np.arange(2020, 2031)
    member = np.arange(members)
    regions = ["常州市", "天宁区", "钟楼区", "新北区", "武进区", "金坛区", "溧阳市", "江阴市"]
    sites = ["姚巷桥", "百渎港桥", "黄埝桥"]
    lakes = ["滆湖", "长荡湖", "太湖"]

    def field(shape, mean, spread, units, long_name):
        return xr.Variable(("year", "member", shape[0]), mean + spread * rng.standard_normal(
            (len(years), members, len(shape[1]))), {"units": units, "long_name": long_name})

    air = xr.Dataset(
        {"pm25_annual_mean": field(("region", regions), 33.0, 2.0, "ug/m3", "PM2.5 annual mean"),
         "good_air_days_ratio": field(("region", regions), 81.0, 3.0, "%", "good-air-day ratio"),
         "o3_mda8_p90": field(("region", regions), 170.0, 8.0, "ug/m3", "O3 MDA8 90th percentile")},
        coords={"year": years, "member": member, "region": regions},
        attrs={"title": "ecomodel.air projection", "seed": str(seed), "members": members})
    water = xr.Dataset(
        {name: field(("site", sites), mean, 0.1 * mean, "mg/L", name.replace("_", " "))
         for name, mean in (("tp_concentration", 0.14), ("nh3n_concentration", 0.5), ("tn_concentration", 2.1),
                            ("cod_concentration", 16.0), ("codmn_concentration", 4.2))}
        | {"lake_tp_concentration": field(("lake", lakes), 0.08, 0.01, "mg/L", "lake TP")},
        coords={"year": years, "member": member, "site": sites, "lake": lakes})
    carbon = xr.Dataset(
        {name: field(("region", regions[:5]), mean, 0.05 * mean, units, name.replace("_", " "))
         for name, mean, units in (("co2_emissions", 2.1e7, "t/yr"), ("gdp", 1.0e11, "CNY/yr"),
                                   ("co2_intensity", 0.2, "t/1e4 CNY"), ("energy_consumption", 9.0e6, "tce/yr"),
                                   ("coal_share_energy_pct", 48.0, "%"), ("non_fossil_energy_share_pct", 14.0, "%"))},
        coords={"year": years, "member": member, "region": regions[:5]})
    n = 19
    targets = xr.Dataset(
        {"region": ("target", [regions[i % len(regions)] for i in range(n)]),
         "indicator": ("target", ["pm25_annual_mean", "tp_concentration", "co2_peak_year"] * 6 + ["gdp"]),
         "target_year": ("target", 2020 + rng.integers(0, 11, n)),
         "target_value": ("target", rng.uniform(0.1, 80.0, n)),
         "projected": ("target", rng.uniform(0.1, 80.0, n)),
         "probability": ("target", rng.uniform(0.0, 1.0, n)),
         "met": ("target", rng.random(n) < 0.5)},
        coords={"target": np.arange(n)})
    package = xr.Dataset(
        {"measure_name": ("measure", [f"措施{i}" for i in range(5)]),
         "capital_cost": ("measure", rng.uniform(1e7, 1e9, 5), {"units": "CNY"}),
         "annualised_cost": ("measure", rng.uniform(1e6, 1e8, 5), {"units": "CNY/yr"})},
        coords={"measure": np.arange(5)},
        attrs={"package": "wujin_plan_2022_2026", "title": "武进区生态文明建设规划（2022-2026）的减排与治污工程"})
    return xr.DataTree.from_dict(
        {"/": xr.Dataset(attrs={"title": "ecomodel run of scenario 'fault_injection'", "scenario": "fault_injection"}),
         "/air": air, "/water": water, "/carbon": carbon, "/targets": targets, "/package": package})


def temps(directory, name: str | None = None) -> list[tuple[str, int]]:
    """ecomodel temporaries in *directory* (for destination *name*, or any): ``(file name, pid)``."""
    out = []
    for entry in sorted(os.listdir(directory)):
        m = TEMP_RE.match(entry)
        if m and (name is None or m["name"] == name):
            out.append((entry, int(m["pid"])))
    return out


# --- the writer and the fork server (run inside the server process) ------------------------------

def _emit(obj) -> None:
    os.write(1, (json.dumps(obj) + "\n").encode())  # one write per line: lines of forked writers never mix


def _writer(dest: str, members: int, seed: int) -> int:
    from ecomodel import io

    signal.signal(signal.SIGINT, signal.default_int_handler)  # a foreground process (not an ignoring background job)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    io.install_signal_handlers()
    tree = realistic_tree(members, seed)
    swept = io.sweep_stale(Path(dest).parent)
    _emit({"event": "ready", "pid": os.getpid(), "swept": [p.name for p in swept]})
    n = 0
    while True:
        t0 = time.perf_counter()
        io.write(tree, dest)
        n += 1
        _emit({"event": "wrote", "pid": os.getpid(), "n": n, "seconds": time.perf_counter() - t0})


def serve() -> None:
    """The fork server: reads JSON commands on stdin, answers JSON lines on stdout.

    ``{"op": "start", "dest": ..., "members": ..., "seed": ...}`` forks a writer (answer: ``started``
    with its pid, then the writer's own ``ready`` and ``wrote`` lines); ``{"op": "wait", "pid": ...}``
    reaps it (answer: ``exit`` with ``status``, -N for a death by signal N); ``{"op": "quit"}``.
    """
    import h5netcdf  # noqa: F401  (imported once here, inherited by every forked writer)
    import xarray  # noqa: F401

    from ecomodel import io  # noqa: F401

    realistic_tree(2, 0)  # warm the imports xarray does lazily
    _emit({"event": "server", "pid": os.getpid()})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "quit":
            break
        if cmd["op"] == "start":
            pid = os.fork()
            if pid == 0:  # the writer
                code = 1
                try:
                    os.close(0)
                    code = _writer(cmd["dest"], int(cmd.get("members", 50)), int(cmd.get("seed", 0)))
                except SystemExit as exc:  # io.Interrupted: 143 / 130, as at the top of a script
                    code = exc.code if isinstance(exc.code, int) else 1
                except KeyboardInterrupt:  # as Python's own top level would end (no handler reached)
                    code = -signal.SIGINT
                except BaseException as exc:  # noqa: BLE001
                    os.write(2, f"writer: {type(exc).__name__}: {exc}\n".encode())
                finally:
                    if code < 0:
                        signal.signal(-code, signal.SIG_DFL)
                        os.kill(os.getpid(), -code)
                    os._exit(code)
            _emit({"event": "started", "pid": pid})
        elif cmd["op"] == "wait":
            _, status = os.waitpid(int(cmd["pid"]), 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            _emit({"event": "exit", "pid": int(cmd["pid"]), "status": code})


# --- the controller (run in the benchmark or test process) ---------------------------------------

class ForkServer:
    """A running fork server (a subprocess with ``PYTHONPATH`` set to this worktree)."""

    def __init__(self, repo: str | os.PathLike = REPO):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(repo)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks._faults", "server"], cwd=str(repo), env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._buf: list[dict] = []
        self.expect("server", timeout=120)

    def send(self, **cmd) -> None:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def expect(self, event: str, pid: int | None = None, timeout: float = 60.0) -> dict:
        """The next line with *event* (and *pid*); the lines skipped on the way are kept in ``skipped``."""
        deadline = time.monotonic() + timeout
        for i, msg in enumerate(self._buf):
            if msg["event"] == event and (pid is None or msg.get("pid") == pid):
                return self._buf.pop(i)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise TimeoutError(f"fork server: no {event!r} line within {timeout} s")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"fork server ended (status {self.proc.poll()}) while waiting for {event!r}")
            msg = json.loads(line)
            if msg["event"] == event and (pid is None or msg.get("pid") == pid):
                return msg
            self._buf.append(msg)

    def drop(self, pid: int) -> list[dict]:
        """Forget (and return) the buffered lines of writer *pid*."""
        mine = [m for m in self._buf if m.get("pid") == pid]
        self._buf = [m for m in self._buf if m.get("pid") != pid]
        return mine

    def start(self, dest, *, members: int = 50, seed: int = 0) -> dict:
        self.send(op="start", dest=str(dest), members=members, seed=seed)
        pid = self.expect("started")["pid"]
        return self.expect("ready", pid)

    def wait(self, pid: int) -> int:
        self.send(op="wait", pid=pid)
        return self.expect("exit", pid)["status"]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(op="quit")
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def expected_output(directory, members: int, seed: int, suffix: str = ".nc"):
    """The reference a complete destination must equal, written once through ecomodel.io into
    *directory*: ``(path, bytes or None for a Zarr store, seconds of the write)``."""
    from ecomodel import io

    ref = Path(directory) / f"reference{suffix}"
    t0 = time.perf_counter()
    io.write(realistic_tree(members, seed), ref)
    seconds = time.perf_counter() - t0
    return ref, (ref.read_bytes() if ref.is_file() else None), seconds


def check_destination(dest: Path, reference: Path, raw: bytes | None = None) -> str:
    """``'absent'``, ``'complete'`` or ``'partial'`` (exists but unreadable, or not identical to *reference*).

    A file whose bytes equal *raw* (the reference's; the h5netcdf output is byte-for-byte
    reproducible) is complete without being read; any other is opened and compared with the reference.
    """
    from ecomodel import io

    if not os.path.lexists(dest):
        return "absent"
    if raw is not None and dest.is_file() and dest.read_bytes() == raw:
        return "complete"
    try:
        got = io.open_output(dest)
    except Exception:  # noqa: BLE001  (unreadable: a torn file)
        return "partial"
    return "complete" if got.identical(io.open_output(reference)) else "partial"


def campaign(directory, *, seeds=(0, 1, 2, 3, 4), kills_per_seed: int = 10, members: int = 50,
             max_delay: float | None = None, server: ForkServer | None = None, output: str = "run.nc") -> dict:
    """Kill writers ``len(seeds) × kills_per_seed`` times and count what they leave behind.

    Each seed draws the signal (SIGKILL, SIGTERM, SIGINT) and the delay after ``ready``
    (uniform in ``[0, max_delay]``; default 2.5 × the time of the reference write) of each kill. Within a seed
    the kills follow each other in one directory, so the temporaries a SIGKILL leaves must be swept
    by the next writer's start; before each kill the destination is removed, so that a kill during
    the first write must leave it absent.

    *output* names the destination: ``.nc`` (netCDF) or ``.zarr`` (a Zarr store, written with
    :func:`ecomodel.io.write`). Returns a summary dict (counts; ``partial_files`` and
    ``temps_after_sweep`` must be 0).
    """
    import numpy as np

    from ecomodel import io

    directory = Path(directory)
    own = server is None
    server = server or ForkServer()
    summary = {"kills": 0, "partial_files": 0, "temps_after_sweep": 0, "temps_at_exit_sigterm_sigint": 0,
               "temps_at_exit_sigkill": 0, "wrong_exit_status": 0, "kills_mid_write": 0, "absent": 0,
               "complete": 0, "writes_completed": 0, "by_signal": {k: 0 for k in SIGNALS}, "failures": []}
    t_start = time.perf_counter()
    try:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            folder = directory / f"seed{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            dest = folder / output
            reference, raw, t_write = expected_output(folder, members, seed, Path(output).suffix)
            hi = max_delay if max_delay is not None else 2.5 * t_write
            for k in range(kills_per_seed):
                name = str(rng.choice(list(SIGNALS)))
                delay = float(rng.uniform(0.0, hi))
                if os.path.lexists(dest):
                    io.discard([dest])
                ready = server.start(dest, members=members, seed=seed)
                pid = ready["pid"]
                stale = [t for t in temps(folder) if t[1] != pid]  # after this start's sweep
                summary["temps_after_sweep"] += len(stale)
                if stale:
                    summary["failures"].append(f"seed {seed} kill {k}: stale after sweep {stale}")
                time.sleep(delay)
                mid = any(p == pid and e.endswith(".tmp") for e, p in temps(folder))
                os.kill(pid, SIGNALS[name])
                status = server.wait(pid)
                lines = server.drop(pid)
                summary["writes_completed"] += sum(1 for m in lines if m["event"] == "wrote")
                summary["kills"] += 1
                summary["by_signal"][name] += 1
                summary["kills_mid_write"] += int(mid)
                if status != EXPECTED_STATUS[name]:
                    summary["wrong_exit_status"] += 1
                    summary["failures"].append(f"seed {seed} kill {k}: {name} gave status {status}")
                left = [t for t in temps(folder) if t[1] == pid]
                if name == "SIGKILL":
                    summary["temps_at_exit_sigkill"] += len(left)
                else:
                    summary["temps_at_exit_sigterm_sigint"] += len(left)
                    if left:
                        summary["failures"].append(f"seed {seed} kill {k}: {name} left {left}")
                state = check_destination(dest, reference, raw)
                summary[state if state != "partial" else "partial_files"] += 1
                if state == "partial":
                    summary["failures"].append(f"seed {seed} kill {k}: {name} after {delay:.3f} s left a partial file")
            # the next start's sweep (this process starts writing here now)
            io.sweep_stale(folder)
            stale = temps(folder)
            summary["temps_after_sweep"] += len(stale)
            if stale:
                summary["failures"].append(f"seed {seed}: stale after the final sweep {stale}")
    finally:
        if own:
            server.close()
    summary["seconds"] = time.perf_counter() - t_start
    return summary


def run_campaign_in_tmp(**kw) -> dict:
    with tempfile.TemporaryDirectory(prefix="ecomodel-faults-") as d:
        return campaign(d, **kw)


if __name__ == "__main__":
    if sys.argv[1:2] == ["server"]:
        serve()
    else:
        print(__doc__)
        sys.exit(2)
