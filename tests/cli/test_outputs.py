"""Bad output paths and empty package files are refused before any model work (issue 14)."""

import time

import pytest

from ecomodel import io
from ecomodel.cli import main
from ecomodel.errors import OutputError, ScenarioError
from ecomodel.scenario import files


@pytest.mark.parametrize("argv", [
    ["run", "wwtp_taihu_limits", "-o", "missing_dir/out.nc"],
    ["run", "wwtp_taihu_limits", "-o", "out.txt"],
    ["run", "wwtp_taihu_limits", "--iamc", "missing_dir/x.csv"],
    ["compare", "wwtp_taihu_limits", "agri_nh3_control", "--csv", "/nonexistent/x.csv"],
    ["compare", "wwtp_taihu_limits", "--plot", "fig.txt"],
    ["optimise", "wwtp_taihu_limits", "--targets", "tp_concentration@姚巷桥<=0.136:2026", "-o", "nodir/p.toml"],
])
def test_bad_output_path_fails_before_the_run(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    t0 = time.perf_counter()
    assert main(argv) == 2
    assert time.perf_counter() - t0 < 1.0  # refused before any model work
    err = capsys.readouterr().err
    assert "expected" in err or "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_demo_out_an_existing_file_is_a_clean_error(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("keep me")
    t0 = time.perf_counter()
    assert main(["demo", "--out", str(target)]) == 2
    assert time.perf_counter() - t0 < 1.0
    assert "existing file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_check_output_rules(tmp_path):
    assert io.check_output(tmp_path / "a.nc") == tmp_path / "a.nc"
    assert io.check_output(tmp_path / "a.zarr") == tmp_path / "a.zarr"
    io.check_output(tmp_path / "new_dir", "directory")
    with pytest.raises(OutputError, match="unknown extension"):
        io.check_output(tmp_path / "a.txt")
    (tmp_path / "d.nc").mkdir()
    with pytest.raises(OutputError, match="existing directory"):
        io.check_output(tmp_path / "d.nc")
    with pytest.raises(OutputError, match="does not exist"):
        io.check_output(tmp_path / "no" / "a.csv", "csv", field="--csv")


def test_empty_package_file_is_refused(tmp_path, capsys):
    empty = tmp_path / "empty.toml"
    empty.write_text("\n  \n")
    with pytest.raises(ScenarioError, match="empty"):
        files.load(empty)
    t0 = time.perf_counter()
    assert main(["run", str(empty)]) == 2
    assert time.perf_counter() - t0 < 1.0
    assert "empty" in capsys.readouterr().err


def test_standards_cli_refuses_missing_values_without_python_only_advice(capsys):
    from ecomodel.cli import main

    for token in ("PM2.5=nan", "PM2.5=inf"):
        assert main(["standards", "aqi", token, "O3_8h=100"]) == 2
        err = capsys.readouterr().err
        assert "not a measured value" in err and "nan_policy" not in err and "Traceback" not in err
