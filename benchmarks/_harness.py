"""Timing helpers shared by the benchmarks (never used for timed assertions in tests)."""

from __future__ import annotations

import time


def best_time(fn, *, repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Best wall-clock seconds per call of *fn* over *repeat* rounds of *number* calls.

    *warmup* calls run first (numba compilation is excluded this way).
    """
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def result(name: str, size, seconds: float, work: float, unit: str, *, peer: str | None = None,
           peer_seconds: float | None = None, **extra) -> dict:
    """One benchmark record.

    Parameters
    ----------
    name : str
        Case name.
    size : str or number
        Human description of the problem size.
    seconds : float
        Our time [s].
    work : float
        Amount of work done in *seconds* (``throughput = work / seconds``).
    unit : str
        Unit of the throughput (``'reach-steps/s'`` …).
    peer, peer_seconds : optional
        The peer that did the same work in the same run and its time [s]; ``ratio`` is
        ``peer_seconds / seconds`` (above 1 means we are faster).
    """
    rec = {"name": name, "size": size, "seconds": seconds, "throughput": work / seconds if seconds > 0 else None,
           "unit": unit}
    if peer is not None:
        rec["peer"] = peer
        rec["peer_seconds"] = peer_seconds
        rec["ratio"] = (peer_seconds / seconds) if (peer_seconds and seconds > 0) else None
    rec.update(extra)
    return rec
