"""The carbon example runs end to end into a temporary directory."""

import importlib.util
from pathlib import Path

import pandas as pd

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "carbon_peak.py"


def test_carbon_peak_example__runs_and_writes_its_outputs(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("carbon_peak", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path), "--members", "8", "--seed", "3"]) == 0
    for name in ("inventory_2020.csv", "peak_years.csv", "targets.csv", "lmdi_changzhou.csv", "cobenefits_2030.csv",
                 "projection_iamc.csv", "co2_trajectories.png", "lmdi_changzhou.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    peaks = pd.read_csv(tmp_path / "peak_years.csv")
    assert set(peaks["scenario"]) == {"baseline", "policy", "low_carbon"}
    checks = pd.read_csv(tmp_path / "targets.csv")
    assert {"energy_intensity_decrease_pct", "co2_peak_year"} <= set(checks["indicator"])
    lmdi = pd.read_csv(tmp_path / "lmdi_changzhou.csv")
    effects = ["activity", "structure", "intensity", "fuel_mix", "emission_factor"]
    assert (abs(lmdi[effects].sum(axis=1) - lmdi["total"]) < 1e-9 * (1 + abs(lmdi["total"]))).all()
    assert "Peak years" in capsys.readouterr().out
