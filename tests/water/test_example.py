"""The example script runs end to end on a small ensemble."""

import importlib.util
from pathlib import Path

import pandas as pd

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tp_yaoxiangqiao.py"


def test_tp_yaoxiangqiao_example_runs_small(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("tp_yaoxiangqiao", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "out"
    assert module.main(["--members", "4", "--out", str(out), "--last", "2026"]) == 0
    assert (out / "tp_trajectories.png").stat().st_size > 10_000
    summary = pd.read_csv(out / "tp_summary.csv")
    assert set(summary["run"]) == {"no new measures", "demo package"}
    assert set(summary["site"]) == {"姚巷桥", "黄埝桥", "百渎港桥"}
    table = pd.read_csv(out / "tp_targets.csv")
    assert sorted(table["target_value"]) == [0.136, 0.16, 0.164]
    assert "姚巷桥" in capsys.readouterr().out
