"""Progress bars: one per long stage when asked for, silent when stderr is not a terminal."""

import io
import sys

import numpy as np
import pytest

from ecomodel.scenario import Cost, Effect, Measure
from ecomodel.scenario.adapters import _progress
from ecomodel.scenario.optimise import TargetSpec, optimise


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_stage_bar_only_when_asked_and_on_a_terminal(monkeypatch):
    items = ["a"]
    assert _progress(items, False, "air") is items  # -q: no bar at all
    assert _progress([], True, "air") == []
    assert _progress(items, True, "air").disable  # pytest's stderr is not a terminal: silent
    tty = _TTY()
    monkeypatch.setattr(sys, "stderr", tty)
    bar = _progress(items, True, "air")
    assert not bar.disable and list(bar) == items  # a single long stage gets its bar too
    assert "air" in tty.getvalue()


def _optimise(progress):
    costs = [3.0, 1.0, 2.0]
    cands = [Measure(id=f"m{i}", name=f"m{i}", domain="air", cost=Cost(annual=c),
                     effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),)) for i, c in enumerate(costs)]
    effects = np.array([[-2.0], [-1.0], [-1.5]])
    return optimise(cands, [TargetSpec("i0", 34.0, 2025, "<=")], evaluate=lambda s: 36.0 + np.asarray(s) @ effects,
                    progress=progress)


@pytest.mark.parametrize("tty", [False, True])
def test_optimiser_rounds_bar(monkeypatch, capsys, tty):
    stream = _TTY() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    res = _optimise(progress=True)
    assert res.status == "met" and res.rounds >= 1
    assert ("optimiser rounds" in stream.getvalue()) == tty
    quiet = _TTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    _optimise(progress=False)
    assert quiet.getvalue() == ""
