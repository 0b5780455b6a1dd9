"""Nothing half-written, ever (issue 14, item 2): signals, crashes and sweeping of ecomodel.io's temporaries.

Writers run as separate processes forked from the server of ``benchmarks/_faults.py`` (own pid, own
handlers); one test starts the real ``ecomodel`` command. No timing is asserted: waits only bound
how long a test may hang.
"""

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr

from benchmarks import _faults
from ecomodel import io
from ecomodel.cli import main

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and fork")


@pytest.fixture(scope="module")
def server():
    with _faults.ForkServer(REPO) as s:
        yield s


@pytest.fixture
def sigint_default():
    """SIGINT as in a foreground process (a test runner started in the background may ignore it)."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)
    io.clear_interrupt()


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def small():
    return xr.Dataset({"tp": ("year", [0.15, 0.14], {"units": "mg/L"})}, coords={"year": [2021, 2022]})


def wait_for_temp(directory: Path, pid: int, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = [e for e, p in _faults.temps(directory) if p == pid and e.endswith(".tmp")]
        if mine:
            return mine[0]
        time.sleep(0.001)
    raise AssertionError(f"writer {pid} never started a write")


def test_temporary_name_carries_the_pid(tmp_path):
    with io.atomic_path(tmp_path / "out.nc") as tmp:
        m = _faults.TEMP_RE.match(tmp.name)
        assert m and m["name"] == "out.nc" and int(m["pid"]) == os.getpid() and m["kind"] == "tmp"
        tmp.write_text("x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.nc"]


def test_sweep_removes_dead_writers_temporaries_only(tmp_path):
    gone, live = dead_pid(), subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_file = tmp_path / f".out.nc.{gone}.0123456789ab.tmp"
        dead_dir = tmp_path / f".out.zarr.{gone}.abcdef012345.tmp"
        live_file = tmp_path / f".out.nc.{live.pid}.0123456789ab.tmp"
        mine = tmp_path / f".b.nc.{os.getpid()}.0123456789ab.tmp"
        others = [tmp_path / ".out.nc.tmp", tmp_path / f".out.nc.{gone}.tmp", tmp_path / "run.nc"]
        for p in (dead_file, live_file, mine, *others):
            p.write_text("x")
        (dead_dir / "tp").mkdir(parents=True)
        (dead_dir / "tp" / "0.0").write_text("chunk")
        swept = io.sweep_stale(tmp_path)
        assert sorted(swept) == sorted([dead_file, dead_dir])
        assert sorted(tmp_path.iterdir()) == sorted([live_file, mine, *others])
    finally:
        live.kill()
        live.wait()
    assert io.sweep_stale(tmp_path) == [live_file]  # its process is gone now (reaped)


def test_sweep_puts_back_a_store_swapped_out_by_a_dead_writer(tmp_path):
    gone = dead_pid()
    old = tmp_path / f".run.zarr.{gone}.0123456789ab.old"
    (old / "air").mkdir(parents=True)
    io.sweep_stale(tmp_path)
    assert (tmp_path / "run.zarr" / "air").is_dir() and not old.exists()  # the last complete store is back
    (old / "air").mkdir(parents=True)  # destination present: the leftover is only removed
    io.sweep_stale(tmp_path)
    assert not old.exists() and (tmp_path / "run.zarr" / "air").is_dir()


def test_every_write_and_the_output_check_sweep_first(tmp_path):
    stale = tmp_path / f".out.nc.{dead_pid()}.0123456789ab.tmp"
    stale.write_text("half")
    io.write_csv(small().to_dataframe(), tmp_path / "other.csv")
    assert not stale.exists()
    stale.write_text("half")
    io.check_output(tmp_path / "out.nc")
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv"]


@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_during_a_write_exits_with_its_code_and_leaves_nothing(server, tmp_path, name, status):
    dest = tmp_path / "run.nc"
    pid = server.start(dest, members=20)["pid"]
    wait_for_temp(tmp_path, pid)
    os.kill(pid, _faults.SIGNALS[name])
    assert server.wait(pid) == status
    server.drop(pid)
    assert _faults.temps(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] in ([], ["run.nc"])
    if dest.exists():  # the write had just finished: then it is complete
        assert _faults.check_destination(dest, *_faults.expected_output(tmp_path, 20, 0)[:2]) == "complete"


def test_sigkill_leaves_a_temporary_that_the_next_start_sweeps(server, tmp_path):
    dest = tmp_path / "run.nc"
    pid = server.start(dest, members=20)["pid"]
    left = wait_for_temp(tmp_path, pid)
    os.kill(pid, signal.SIGKILL)
    assert server.wait(pid) == -signal.SIGKILL
    server.drop(pid)
    assert (tmp_path / left).exists()  # SIGKILL cannot be caught
    assert not dest.exists()  # but the destination never appears half-written
    nxt = server.start(dest, members=20)
    assert nxt["swept"] == [left]
    assert [e for e, p in _faults.temps(tmp_path) if p != nxt["pid"]] == []
    os.kill(nxt["pid"], signal.SIGTERM)
    assert server.wait(nxt["pid"]) == 143
    server.drop(nxt["pid"])


def test_random_kills_over_several_seeds(server, tmp_path):
    s = _faults.campaign(tmp_path, seeds=(11, 12, 13), kills_per_seed=2, members=5, max_delay=0.6, server=server)
    assert s["kills"] == 6 and s["failures"] == []
    assert s["partial_files"] == 0
    assert s["temps_after_sweep"] == 0
    assert s["temps_at_exit_sigterm_sigint"] == 0
    assert s["wrong_exit_status"] == 0
    assert s["absent"] + s["complete"] == 6


def test_random_kills_of_a_zarr_writer(server, tmp_path):
    s = _faults.campaign(tmp_path, seeds=(21,), kills_per_seed=3, members=5, max_delay=0.8, server=server,
                         output="run.zarr")
    assert s["kills"] == 3 and s["failures"] == []
    assert s["partial_files"] == s["temps_after_sweep"] == s["temps_at_exit_sigterm_sigint"] == 0


def test_no_output_is_moved_into_place_after_a_swallowed_signal(tmp_path, sigint_default):
    replaced = io.install_signal_handlers([signal.SIGINT])
    try:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
        except BaseException:  # noqa: BLE001  (code that swallows everything)
            pass
        assert io.interrupted() == signal.SIGINT
        with pytest.raises(io.Interrupted) as exc:
            io.write_netcdf(small(), tmp_path / "out.nc")
        assert exc.value.code == 130
        assert list(tmp_path.iterdir()) == []
        io.clear_interrupt()
        io.write_netcdf(small(), tmp_path / "out.nc")
        assert io.open_output(tmp_path / "out.nc").identical(io.conform(small()))
    finally:
        io.restore_signal_handlers(replaced)


def test_a_signal_swallowed_by_a_finaliser_is_delivered_again(capfd, sigint_default):
    class Finalised:
        def __del__(self):  # the handler runs in here; Python would print "Exception ignored" and go on
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)

    replaced = io.install_signal_handlers([signal.SIGINT])
    try:
        with pytest.raises(io.Interrupted) as exc:
            obj = Finalised()
            del obj
            for _ in range(100_000):  # the main flow goes on: the interrupt must reach it
                time.sleep(0)
        assert exc.value.code == 130
    finally:
        io.restore_signal_handlers(replaced)
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "SIGINT" in err and "Traceback" not in err and "ignored" not in err


def test_cli_keyboard_interrupt_exits_130_without_outputs(tmp_path, monkeypatch, capsys):
    scenario_run = importlib.import_module("ecomodel.scenario.run")  # the package attribute is the function

    def interrupted_run(sc, **kw):
        io.write_netcdf(small(), tmp_path / "early.nc")  # an output finished before the interrupt
        raise KeyboardInterrupt

    monkeypatch.setattr(scenario_run, "run", interrupted_run)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "wwtp_taihu_limits", "-q", "-o", "out.nc"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_swallowed_sigint_is_not_a_success(tmp_path, monkeypatch, capfd, sigint_default):
    import ecomodel.cli.scenario as cli_scenario

    def swallowing(args):
        io.write_netcdf(small(), tmp_path / "early.nc")
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
        except BaseException:  # noqa: BLE001
            pass
        return 0

    monkeypatch.setattr(cli_scenario, "_cmd_run", swallowing)
    assert main(["run", "wwtp_taihu_limits", "-q"]) == 130
    assert list(tmp_path.iterdir()) == []
    assert "SIGINT" in capfd.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the command put it back
    assert io.interrupted() is None


def test_ctrl_c_of_the_real_command_exits_130_with_one_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "ecomodel", "run", "wwtp_taihu_limits", "--members", "4",
                             "-o", "out.nc"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stderr.readline()  # "running ...": the command is at work, handlers in place
    assert first.startswith("running"), first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip() and "package/s" not in ln
             and "it/s" not in ln]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert len([ln for ln in lines if "interrupted" in ln]) == 1, err
    assert list(tmp_path.iterdir()) == []
