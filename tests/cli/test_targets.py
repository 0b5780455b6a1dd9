"""ecomodel/cli/targets.py: `ecomodel targets` prints, filters and exports the target registry.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd

from ecomodel import targets


def _cli(*argv) -> tuple[int, str, str]:
    from ecomodel.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["targets", *argv])
    return code, out.getvalue(), err.getvalue()


def test_cli__table_shows_the_jiangyin_plan():
    code, out, _ = _cli("--region", "江阴")
    assert code == 0
    assert "江阴市“十四五”生态环境保护规划" in out
    line = next(l for l in out.splitlines() if "细颗粒物（PM2.5）浓度" in l and "2025" in l)
    assert "37 (2020)" in line and "≤33" in line and "003:280-284" in line and "约束" in line
    assert "observed values" in out


def test_cli__csv_round_trips_the_registry_rows():
    code, out, _ = _cli("--site", "姚巷桥", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert list(df.columns) == list(targets.COLUMNS)
    assert set(df["target_value"]) == {0.136, 0.15}


def test_cli__json_records():
    code, out, _ = _cli("--region", "常州", "--year", "2023", "--indicator", "pm25_annual_mean", "--format", "json")
    assert code == 0
    (rec,) = json.loads(out)
    assert rec["target_value"] == 31 and rec["comparator"] == "<=" and rec["reference_year"] is None


def test_cli__unknown_region_exits_2_with_suggestion():
    code, out, err = _cli("--region", "Jiangyn")
    assert code == 2 and "did you mean" in err and "Jiangyin" in err


def test_cli__table_width_is_terminal_friendly():
    from ecomodel.cli.targets import display_width

    _, out, _ = _cli("--document", "004")
    assert max(display_width(l) for l in out.splitlines() if not l.startswith(("· ", "0"))) <= 200
