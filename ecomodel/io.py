"""Outputs in and out: netCDF, Zarr, CSV and the IAMC long table — all written atomically.

Every writer writes to a temporary path in the destination's directory and moves it into place
with :func:`os.replace` only when the write has finished, so an error or an interrupt
(``KeyboardInterrupt``) leaves neither a half-written file nor the temporary one behind; an
existing file at the destination stays as it was until the new one is complete.

Temporary paths are named ``.<name>.<pid>.<token>.tmp`` (``.old`` for the moment a Zarr store is
being swapped) after the writing process. Signals and crashes:

- :func:`install_signal_handlers` (the ``ecomodel`` command calls it): SIGTERM and SIGINT (Ctrl-C)
  remove this process's unfinished temporary paths, print one line on stderr and end the process
  with 143 (SIGTERM) or 130 (SIGINT) through :class:`Interrupted`; a second signal ends it at once.
  Once a signal arrived, no output is moved into place any more, even if some code swallowed the
  exception.
- SIGKILL (or a power cut) cannot be caught: its temporary path stays, and :func:`sweep_stale`
  removes it the next time anything writes into (or checks an output path in) that directory,
  because its process is gone. Temporary paths of live processes are never touched.

netCDF is written with the ``h5netcdf`` engine (HDF5, Unicode names kept as they are); Zarr with
xarray's Zarr backend. :class:`xarray.DataTree` objects (the result of :func:`ecomodel.run`) are
written with their groups. :func:`open_output` reads either format back fully into memory (the file
is closed again), and what it returns is identical to what was written — after
:func:`conform`, which every writer applies (CF-1.10 ``Conventions``, coordinate attributes,
UDUNITS units).

Examples
--------
>>> import xarray as xr, tempfile, os
>>> ds = xr.Dataset({"tp": ("year", [0.15, 0.14], {"units": "mg/L"})}, coords={"year": [2021, 2022]})
>>> path = os.path.join(tempfile.mkdtemp(), "tp.nc")
>>> _ = write_netcdf(ds, path)
>>> open_output(path).identical(conform(ds)), open_output(path).attrs["Conventions"]
(True, 'CF-1.10')
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import OutputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

__all__ = [
    "atomic_path",
    "check_output",
    "sweep_stale",
    "install_signal_handlers",
    "restore_signal_handlers",
    "interrupted",
    "clear_interrupt",
    "recording",
    "discard",
    "Interrupted",
    "write_netcdf",
    "write_zarr",
    "write",
    "open_output",
    "write_csv",
    "to_iamc",
    "write_iamc",
    "read_iamc",
    "IAMC_COLUMNS",
    "IAMC_VARIABLES",
]

#: Columns of the IAMC long table (as read by pyam).
IAMC_COLUMNS = ["model", "scenario", "region", "variable", "unit", "year", "value"]

#: IAMC variable names for the indicator keys the models produce (``{site}`` is filled in).
IAMC_VARIABLES = {
    "pm25_annual_mean": "Concentration|PM2.5|Annual Mean",
    "good_air_days_ratio": "Air Quality|Good Days Ratio",
    "tp_concentration": "Water Quality|TP|{site}",
    "nh3n_concentration": "Water Quality|NH3-N|{site}",
    "cod_concentration": "Water Quality|COD|{site}",
    "co2_emissions": "Emissions|CO2",
    "co2_intensity_decrease_pct": "Emissions Intensity|CO2|Decrease",
    "energy_intensity_decrease_pct": "Energy Intensity|Decrease",
    "coal_share_energy_pct": "Primary Energy|Coal|Share",
    "non_fossil_energy_share_pct": "Primary Energy|Non-Fossil|Share",
}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# --- unfinished outputs: names, the registry of this process's temporaries, signals, sweeping ----

#: ``.<name>.<pid>.<token>.tmp`` (being written) or ``.old`` (an existing store being swapped out)
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]+)\.(?P<token>[0-9a-f]{12})\.(?P<kind>tmp|old)$")

#: this process's unfinished paths: str(path) -> (owner pid, 'tmp' or 'old')
_live: dict[str, tuple[int, str]] = {}
#: the first handled signal's number, once one arrived
_interrupt: int | None = None
#: handlers replaced by install_signal_handlers: signal number -> previous handler
_previous: dict[int, object] = {}
#: lists collecting the destinations committed while a recording() block is active
_recorders: list[list[Path]] = []
#: set when an Interrupted was swallowed as "unraisable" and is being delivered again
_redeliver = False
_in_hook = False
#: sys.unraisablehook before install_signal_handlers
_previous_unraisablehook = None


class Interrupted(SystemExit):
    """Raised by the handlers of :func:`install_signal_handlers`; a :class:`SystemExit` whose code is
    ``128 + signal number`` (143 for SIGTERM, 130 for SIGINT), so an uncaught one ends the process
    with that code and no traceback. ``signum`` is the signal."""

    def __init__(self, signum: int):
        super().__init__(128 + int(signum))
        self.signum = int(signum)


def _temp_path(path: Path, kind: str = "tmp") -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.{kind}"


def _pid_alive(pid: int) -> bool:
    """Whether process *pid* exists and is not a zombie (on doubt: alive, so nothing is removed)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would terminate it; never judge there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's live process
        return True
    try:  # a killed child not yet waited for is a zombie: gone for our purpose
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def sweep_stale(directory: str | os.PathLike = ".") -> list[Path]:
    """Remove the ecomodel temporary paths in *directory* whose writing process no longer runs.

    A ``.tmp`` path (an output being written when its process died, e.g. by SIGKILL) is removed. A
    ``.old`` path (an existing Zarr store that was being replaced) is moved back onto its destination
    if that is missing, else removed. Paths of live processes — including this one — are left alone,
    and nothing else in the directory is touched. Never raises for a missing or unreadable directory.
    Run before every write and by :func:`check_output`.

    Returns
    -------
    list of pathlib.Path
        The paths removed or moved back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".out.nc.999999999.0123456789ab.tmp").write_text("half")   # no such process
    >>> [p.name for p in sweep_stale(d)], list(d.iterdir())
    (['.out.nc.999999999.0123456789ab.tmp'], [])
    """
    directory = Path(directory)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    swept = []
    for name in names:
        m = _TEMP_RE.match(name)
        if m is None or _pid_alive(int(m["pid"])):
            continue
        stale = directory / name
        if m["kind"] == "old":
            dest = directory / m["name"]
            if not os.path.lexists(dest):
                with contextlib.suppress(OSError):
                    os.replace(stale, dest)
                    swept.append(stale)
                    continue
        _remove(stale)
        if not os.path.lexists(stale):
            swept.append(stale)
    return swept


def _remove_live() -> int:
    """Remove this process's unfinished temporaries; a swapped-out store goes back to its destination
    if that is missing (the swap had not happened), else it is removed (the swap is done). Returns
    the number of ``.tmp`` paths removed."""
    me = os.getpid()
    n = 0
    for name, (pid, kind) in list(_live.items()):
        if pid != me:
            continue
        p = Path(name)
        if kind == "tmp":
            if os.path.lexists(p):
                n += 1
        else:
            m = _TEMP_RE.match(p.name)
            dest = p.parent / m["name"] if m else None
            if dest is not None and not os.path.lexists(dest):
                with contextlib.suppress(OSError):
                    os.replace(p, dest)
        _remove(p)
    return n


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.write(2, (text + "\n").encode("utf-8", "replace"))  # not print: safe inside a signal handler


def _on_signal(signum, frame) -> None:
    global _interrupt, _redeliver
    if _redeliver:  # our own re-delivery of an Interrupted that a __del__ or weakref callback swallowed
        if _in_hook:  # raising here would be swallowed again: later
            _redeliver_soon(signum)
            return
        _redeliver = False
        _remove_live()
        raise Interrupted(_interrupt if _interrupt is not None else signum)
    first = _interrupt is None
    if first:
        _interrupt = signum
    code = 128 + int(_interrupt)
    if not first:  # second signal: the first one's unwinding hangs or was swallowed — end now
        _remove_live()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(code)
    n = _remove_live()
    name = signal.Signals(signum).name
    what = f"removed {n} unfinished output file{'s' if n != 1 else ''}" if n else "no unfinished output"
    _say(f"ecomodel: {'interrupted' if signum == signal.SIGINT else 'terminated'} ({name}); {what}; exit {code}")
    raise Interrupted(signum)


def _redeliver_soon(signum: int) -> None:
    import _thread
    import threading

    timer = threading.Timer(0.01, _thread.interrupt_main, args=(signum,))  # from outside: runs the handler
    timer.daemon = True                                                   # in the main flow, not in here
    timer.start()


def _unraisable(info) -> None:
    """``sys.unraisablehook`` while the handlers are installed.

    A signal handled while Python runs a ``__del__`` or a weakref callback raises there, and Python
    would print "Exception ignored … Interrupted" and go on as if nothing happened. Instead the
    interrupt is delivered again, shortly, to the main flow (silently); and after an interrupt the
    noise of other objects torn down half-way is not printed either."""
    global _redeliver, _in_hook
    _in_hook = True
    try:
        if isinstance(info.exc_value, Interrupted):
            _redeliver = True
            _redeliver_soon(info.exc_value.signum)
            return
        if _interrupt is not None:
            return
        (_previous_unraisablehook or sys.__unraisablehook__)(info)
    finally:
        _in_hook = False


def install_signal_handlers(signals: Iterable[int] | None = None) -> dict:
    """Handle SIGTERM and SIGINT (and SIGHUP) so that an interrupted process leaves no temporary file.

    On the first signal: this process's unfinished temporary paths are removed, one line is printed
    on stderr and :class:`Interrupted` (a ``SystemExit`` with code ``128 + signal``: 143 for SIGTERM,
    130 for SIGINT/Ctrl-C) is raised in the main thread, so ``finally`` blocks run and the process
    ends with that code and no traceback. From then on no output is moved into place (see
    :func:`interrupted`). A second signal ends the process at once (``os._exit``) with the same code.

    A signal that is ignored (``SIG_IGN``, e.g. SIGINT of a background job or SIGHUP under ``nohup``)
    stays ignored. Call from the main thread; calling again is harmless.

    Parameters
    ----------
    signals : iterable of int, optional
        Default SIGTERM, SIGINT and SIGHUP (where it exists).

    Returns
    -------
    dict
        The handlers replaced, by signal number (see :func:`restore_signal_handlers`).
    """
    global _previous_unraisablehook
    if signals is None:
        signals = [signal.SIGTERM, signal.SIGINT] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    if sys.unraisablehook is not _unraisable:
        _previous_unraisablehook = sys.unraisablehook
        sys.unraisablehook = _unraisable
    replaced = {}
    for sig in signals:
        current = signal.getsignal(sig)
        if current is signal.SIG_IGN or current is _on_signal:
            continue
        signal.signal(sig, _on_signal)
        replaced[int(sig)] = current
        _previous.setdefault(int(sig), current)
    return replaced


def restore_signal_handlers(replaced: dict | None = None) -> None:
    """Put back the handlers :func:`install_signal_handlers` replaced (those in *replaced*, or all)."""
    global _previous_unraisablehook
    items = dict(_previous if replaced is None else replaced)
    for sig, handler in items.items():
        if signal.getsignal(sig) is _on_signal:
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _previous.pop(sig, None)
    if not _previous and sys.unraisablehook is _unraisable:
        sys.unraisablehook = _previous_unraisablehook or sys.__unraisablehook__
        _previous_unraisablehook = None


def interrupted() -> int | None:
    """The number of the signal the handlers received (SIGTERM 15, SIGINT 2 …), or None."""
    return _interrupt


def clear_interrupt() -> None:
    """Forget a received signal so that outputs can be written again (for long-lived interpreters)."""
    global _interrupt
    _interrupt = None


def _check_interrupt() -> None:
    if _interrupt is not None:
        raise Interrupted(_interrupt)


@contextlib.contextmanager
def recording() -> Iterator[list[Path]]:
    """Collect the destinations that writers move into place inside the block (a list of Paths)."""
    found: list[Path] = []
    _recorders.append(found)
    try:
        yield found
    finally:
        _recorders.remove(found)


def discard(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Remove finished outputs (e.g. those :func:`recording` collected, when the run was interrupted)."""
    gone = []
    for p in paths:
        p = Path(p)
        if os.path.lexists(p):
            _remove(p)
            gone.append(p)
    return gone


@contextlib.contextmanager
def _signals_held():
    """Block the handled signals during the move into place, so that moving and bookkeeping are one step."""
    sigs = set(_previous) if hasattr(signal, "pthread_sigmask") else set()
    if not sigs:
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fsync(path: Path) -> None:
    if path.is_file():
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _after_fork_in_child() -> None:
    _live.clear()  # the parent's unfinished files are the parent's business


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside *path*; move it onto *path* when the block succeeds.

    Works for files and for directories (Zarr stores). On any exception, including
    ``KeyboardInterrupt``, the temporary path is removed and *path* is left untouched. The temporary
    path is ``.<name>.<pid>.<token>.tmp`` in the same directory; stale ones of dead processes there
    are swept first (:func:`sweep_stale`). After a handled signal (:func:`install_signal_handlers`)
    nothing is moved into place and :class:`Interrupted` is raised.

    Parameters
    ----------
    path : str or path-like
        Final destination. Its directory must exist.

    Raises
    ------
    OutputError
        If the directory does not exist or the move fails.

    Examples
    --------
    >>> import tempfile, os
    >>> dest = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_path(dest) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(dest).read()
    'done'
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output {str(path)!r}: directory {str(parent)!r} does not exist", field="path",
                          value=str(path), expected="a path in an existing directory")
    _check_interrupt()
    sweep_stale(parent)
    tmp = _temp_path(path)
    backup = None
    committed = False
    _live[str(tmp)] = (os.getpid(), "tmp")
    try:
        yield tmp
        _check_interrupt()  # a handler may have removed tmp under a write that then went on
        if not tmp.exists():
            raise OutputError(f"output {str(path)!r}: nothing was written", field="path", value=str(path))
        _fsync(tmp)
        with _signals_held():
            _check_interrupt()
            if path.exists() and (path.is_dir() or tmp.is_dir()):
                backup = _temp_path(path, "old")
                _live[str(backup)] = (os.getpid(), "old")
                os.replace(path, backup)
                try:
                    os.replace(tmp, path)
                except BaseException:
                    os.replace(backup, path)
                    raise
            else:
                os.replace(tmp, path)
            committed = True
            _live.pop(str(tmp), None)
            for found in _recorders:
                found.append(path)
    except BaseException as exc:
        _remove(tmp)
        if _interrupt is not None and not isinstance(exc, Interrupted):
            raise Interrupted(_interrupt) from exc  # whatever failed, it failed because of the signal
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"output {str(path)!r}: {exc}", field="path", value=str(path)) from exc
        raise
    finally:
        _live.pop(str(tmp), None)
        if backup is not None:
            if committed:
                _remove(backup)
            _live.pop(str(backup), None)


#: the file kinds the writers know, by the option that writes them
OUTPUT_KINDS = {"dataset": (".nc", ".zarr"), "csv": (".csv",), "figure": (".png", ".svg", ".pdf"),
                "toml": (".toml",)}


def check_output(path: str | os.PathLike, kind: str = "dataset", *, field: str = "path") -> Path:
    """Check an output path before any work is done: known extension for *kind*, parent directory
    existing and writable, and not an existing directory (for a file) or file (for ``kind="directory"``).

    Raises
    ------
    OutputError
        Naming the option (*field*), the path and what was expected.
    """
    path = Path(path)
    if kind == "directory":
        if path.exists() and not path.is_dir():
            raise OutputError(f"{field} {str(path)!r} is an existing file; expected a directory (new or existing)",
                              field=field, value=str(path), expected="a directory")
        parent = path if path.exists() else path.absolute().parent
    else:
        allowed = OUTPUT_KINDS[kind]
        if path.suffix.lower() not in allowed:
            raise OutputError(f"{field} {str(path)!r}: unknown extension {path.suffix or '(none)'!r}; expected "
                              + " or ".join(allowed), field=field, value=str(path), expected=" or ".join(allowed))
        if path.is_dir() and path.suffix.lower() != ".zarr":
            raise OutputError(f"{field} {str(path)!r} is an existing directory; expected a file name",
                              field=field, value=str(path), expected="a file path")
        parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputError(f"{field} {str(path)!r}: directory {str(parent)!r} does not exist", field=field,
                          value=str(path), expected="an existing directory")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{field} {str(path)!r}: directory {str(parent)!r} is not writable", field=field,
                          value=str(path), expected="a writable directory")
    sweep_stale(path if kind == "directory" and path.is_dir() else parent)
    return path


def _as_writable(obj):
    import xarray as xr

    if isinstance(obj, xr.DataArray):
        return obj.to_dataset(name=obj.name or "values")
    if isinstance(obj, (xr.Dataset, xr.DataTree)):
        return obj
    raise OutputError(f"cannot write {type(obj).__name__}; expected an xarray Dataset, DataArray or DataTree",
                      field="obj", value=type(obj).__name__, expected="xarray object")


def conform(obj: xr.Dataset | xr.DataArray | xr.DataTree) -> xr.Dataset | xr.DataArray | xr.DataTree:
    """:func:`ecomodel._cf.conform` (imported on use: it needs xarray)."""
    from ._cf import conform as _conform

    return _conform(obj)


def write_netcdf(obj: xr.Dataset | xr.DataArray | xr.DataTree, path: str | os.PathLike) -> Path:
    """Write *obj* (Dataset, DataArray or DataTree) to a netCDF-4 file, atomically.

    Parameters
    ----------
    obj : xarray.Dataset, xarray.DataArray or xarray.DataTree
        What to write; a DataTree keeps its groups.
    path : str or path-like
        Destination file (``.nc``).

    Returns
    -------
    pathlib.Path
        The destination.
    """
    data = conform(_as_writable(obj))  # CF-1.10 conventions, coordinate attributes, UDUNITS units
    path = Path(path)
    with atomic_path(path) as tmp:
        data.to_netcdf(tmp, engine="h5netcdf")
    return path


def write_zarr(obj: xr.Dataset | xr.DataArray | xr.DataTree, path: str | os.PathLike) -> Path:
    """Write *obj* (Dataset, DataArray or DataTree) to a Zarr store (a directory), atomically.

    Parameters
    ----------
    obj : xarray.Dataset, xarray.DataArray or xarray.DataTree
        What to write.
    path : str or path-like
        Destination directory (``.zarr``); an existing store there is replaced.
    """
    data = _vlen_strings(conform(_as_writable(obj)))
    path = Path(path)
    with atomic_path(path) as tmp:
        data.to_zarr(tmp, mode="w", consolidated=False)
    return path


def _vlen_strings(obj):
    """Fixed-width Unicode arrays as variable-length strings (the string type Zarr v3 specifies)."""
    import xarray as xr

    def fix(ds):
        out = ds.copy()
        for name, var in ds.variables.items():
            if var.dtype.kind == "U":
                out[name] = var.astype(object)
        return out

    if isinstance(obj, xr.DataTree):
        return obj.map_over_datasets(fix)
    return fix(obj)


def write(obj: xr.Dataset | xr.DataArray | xr.DataTree | pd.DataFrame | pd.Series, path: str | os.PathLike) -> Path:
    """Write by extension: ``.zarr`` → Zarr, ``.csv`` → CSV table, anything else → netCDF."""
    suffix = Path(path).suffix.lower()
    if suffix == ".zarr":
        return write_zarr(obj, path)
    if suffix == ".csv":
        return write_csv(obj, path)
    return write_netcdf(obj, path)


def _is_zarr(path: Path) -> bool:
    return path.is_dir() and any((path / n).exists() for n in ("zarr.json", ".zgroup", ".zattrs", ".zmetadata"))


def open_output(path: str | os.PathLike, *, tree: bool | None = None) -> xr.Dataset | xr.DataTree:
    """Read an output written by :func:`write_netcdf` or :func:`write_zarr` fully into memory.

    Parameters
    ----------
    path : str or path-like
        netCDF file or Zarr directory.
    tree : bool, optional
        Return a DataTree (True) or a Dataset (False); by default a DataTree when the file has
        groups, else a Dataset.
    """
    import xarray as xr

    path = Path(path)
    if not path.exists():
        raise OutputError(f"output {str(path)!r} does not exist", field="path", value=str(path),
                          expected="an existing netCDF file or Zarr store")
    zarr = _is_zarr(path)
    kw = {"engine": "zarr", "consolidated": False} if zarr else {"engine": "h5netcdf"}
    if tree is None:
        with xr.open_datatree(path, **kw) as dt:
            tree = bool(dt.children)
    if tree:
        with xr.open_datatree(path, **kw) as dt:
            return dt.load().copy()
    with xr.open_dataset(path, **kw) as ds:
        return ds.load()


def write_csv(table: pd.DataFrame | pd.Series | xr.Dataset | xr.DataArray, path: str | os.PathLike, *,
              index: bool | None = None) -> Path:
    """Write a pandas table (or an xarray Dataset/DataArray, flattened) to CSV (UTF-8), atomically."""
    import pandas as pd
    import xarray as xr

    if isinstance(table, (xr.Dataset, xr.DataArray)):
        table = table.to_dataframe() if isinstance(table, xr.Dataset) else table.to_dataframe(name=table.name or "value")
        index = True if index is None else index
    if not isinstance(table, pd.DataFrame | pd.Series):
        raise OutputError(f"cannot write {type(table).__name__} as CSV; expected a pandas DataFrame",
                          field="table", value=type(table).__name__, expected="DataFrame")
    if index is None:
        index = not isinstance(table.index, pd.RangeIndex)
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index, encoding="utf-8")
    return path


def _iamc_rows(ds, model: str, scenario: str, region: str | None, reduce_members: str):
    import numpy as np

    rows = []
    for name, da in ds.data_vars.items():
        if "year" not in da.dims:
            continue
        if "member" in da.dims:
            da = da.mean("member") if reduce_members == "mean" else da.median("member")
        other = [d for d in da.dims if d != "year"]
        unit = str(da.attrs.get("units_label") or da.attrs.get("units", ""))  # the readable spelling (10^8 CNY)
        template = IAMC_VARIABLES.get(str(name), str(name))
        stacked = da.transpose(*other, "year") if other else da
        labels = [da[d].values for d in other]
        for idx in np.ndindex(*[len(lab) for lab in labels]) if other else [()]:
            coord = {d: str(labels[i][j]) for i, (d, j) in enumerate(zip(other, idx, strict=True))}
            reg = coord.pop("region", None) or region or str(da.attrs.get("region", "") or ds.attrs.get("region", ""))
            site = coord.pop("site", None) or coord.pop("section", None)
            var = template.replace("{site}", site) if site and "{site}" in template else (
                template.replace("|{site}", "") + (f"|{site}" if site else ""))
            for d, v in coord.items():
                var = f"{var}|{d}={v}"
            values = stacked.values[idx] if other else stacked.values
            for year, value in zip(da["year"].values, np.atleast_1d(values), strict=True):
                if np.isfinite(value):
                    rows.append((model, scenario, _iamc_place(reg, site), var, unit, int(year), float(value)))
    return rows


def _iamc_place(region, site) -> str:
    """IAMC region of a row: the region's (or the section's) administrative path, as
    :func:`ecomodel.carbon.iamc.iamc_region` names it; 'World' only when there is no place at all."""
    from .carbon.iamc import iamc_region

    if region:
        return iamc_region(region, default=str(region))
    if site:
        return iamc_region(site, default="World")
    return "World"


def to_iamc(data: xr.Dataset | xr.DataArray | xr.DataTree | dict[str, xr.Dataset | xr.DataArray | xr.DataTree], *,
            model: str | None = None, scenario: str | None = None, region: str | None = None,
            reduce_members: str = "mean") -> pd.DataFrame:
    """The IAMC long table (model, scenario, region, variable, unit, year, value) of a projection.

    Parameters
    ----------
    data : xarray.Dataset, xarray.DataTree or mapping of scenario name → Dataset/DataTree
        Variables with a ``year`` dimension are exported; a ``member`` dimension is reduced by
        ``reduce_members`` (``'mean'`` or ``'median'``); ``region`` becomes the IAMC region (its administrative path, ``China|Jiangsu|Changzhou|Wujin``),
        ``site``/``section`` is appended to the variable name, any other dimension too (``|dim=value``).
        A ``scenario`` dimension is split into scenarios.
    model : str
        IAMC model name (default ``'ecomodel <version>'``).
    scenario : str
        Scenario name (default the dataset's ``scenario`` attribute, else ``'default'``).
    region : str, optional
        Region for variables without a ``region`` coordinate.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IAMC_COLUMNS`, sorted.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"pm25_annual_mean": (("year", "region"), [[36.0], [34.0]], {"units": "ug/m3"})},
    ...                 coords={"year": [2020, 2025], "region": ["常州市"]})
    >>> t = to_iamc(ds, model="m", scenario="s")
    >>> sorted(set(t["region"])), sorted(set(t["variable"])), t["value"].tolist()
    (['China|Jiangsu|Changzhou'], ['Concentration|PM2.5|Annual Mean'], [36.0, 34.0])
    """
    import pandas as pd
    import xarray as xr

    from . import __version__

    model = model or f"ecomodel {__version__}"
    if reduce_members not in ("mean", "median"):
        raise OutputError(f"reduce_members: {reduce_members!r}; expected 'mean' or 'median'", field="reduce_members",
                          value=reduce_members, expected="'mean' or 'median'")
    items = data.items() if isinstance(data, dict) else [(scenario, data)]
    rows = []
    for scen, obj in items:
        if isinstance(obj, xr.DataArray):
            obj = obj.to_dataset(name=obj.name or "value")
        datasets = [node.to_dataset() for node in obj.subtree] if isinstance(obj, xr.DataTree) else [obj]
        for ds in datasets:
            if "scenario" in ds.dims:
                for s in ds["scenario"].values:
                    rows += _iamc_rows(ds.sel(scenario=s, drop=True), model, str(s), region, reduce_members)
            else:
                name = scen or str(ds.attrs.get("scenario", "") or "default")
                rows += _iamc_rows(ds, model, name, region, reduce_members)
    df = pd.DataFrame(rows, columns=IAMC_COLUMNS)
    return df.sort_values(IAMC_COLUMNS[:-2] + ["year"], kind="stable").reset_index(drop=True)


def write_iamc(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write an IAMC long table (from :func:`to_iamc`) to CSV, atomically."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or list(table.columns) != IAMC_COLUMNS:
        table = to_iamc(table)
    return write_csv(table, path, index=False)


def read_iamc(path: str | os.PathLike) -> pd.DataFrame:
    """Read an IAMC long table written by :func:`write_iamc` (year as int, value as float)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise OutputError(f"IAMC table {str(path)!r} does not exist", field="path", value=str(path))
    df = pd.read_csv(path, encoding="utf-8", dtype={"model": str, "scenario": str, "region": str, "variable": str,
                                                     "unit": str})
    missing = [c for c in IAMC_COLUMNS if c not in df.columns]
    if missing:
        raise OutputError(f"IAMC table {str(path)!r}: missing columns {missing}", field="columns", value=list(df.columns),
                          expected=str(IAMC_COLUMNS))
    df["unit"] = df["unit"].fillna("")
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    return df[IAMC_COLUMNS]
