"""A tiny-size run of every benchmark, so the benchmarks never rot (no timing is asserted)."""

import importlib

import pytest

from benchmarks.__main__ import available

REQUIRED = {"name", "size", "seconds", "throughput", "unit"}


@pytest.mark.parametrize("name", available())
def test_benchmark_runs_tiny(name):
    module = importlib.import_module(f"benchmarks.{name}")
    records = list(module.run(tiny=True))
    assert records, f"benchmark {name} produced no record"
    for rec in records:
        assert REQUIRED <= set(rec), rec
        assert rec["seconds"] > 0
        if "peer" in rec and rec.get("peer_seconds") is not None:
            assert rec["ratio"] == pytest.approx(rec["peer_seconds"] / rec["seconds"])
