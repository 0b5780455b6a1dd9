"""``ecomodel run | compare | optimise`` end to end (in-process, linear air/water backends, real carbon)."""

import textwrap

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import io
from ecomodel.cli import main
from ecomodel.errors import ScenarioError
from ecomodel.scenario import files
from tests.scenario.test_run import linear_backends  # noqa: F401  (autouse: the linear test backends)


PACKAGE = """
[package]
name = "{name}"

[[measure]]
id = "nox_{name}"
name = "工业NOx深度治理"
domain = "air"
start = 2022

[measure.cost]
capital = 1.0
annual = 0.1
unit = "亿元"
lifetime = 10

[[measure.effect]]
pollutant = "NOx"
sector = "industry"
amount = {nox}

[[measure]]
id = "wwtp_{name}"
name = "污水厂提标"
domain = "water"
start = 2023

[measure.cost]
annual = 0.5
unit = "亿元"

[[measure.effect]]
pollutant = "TP"
category = "wwtp"
fraction = {tp}

[[measure]]
id = "coal_{name}"
name = "工业燃煤改气"
domain = "carbon"
start = 2024

[measure.cost]
annual = 2.0
unit = "亿元"

[[measure.effect]]
fuel = "raw_coal"
to_fuel = "natural_gas"
sector = "chemicals"
fraction = 0.2
"""


def package(tmp_path, name, nox=4000.0, tp=0.5):
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(PACKAGE.format(name=name, nox=nox, tp=tp)), encoding="utf-8")
    return path


def scenario_file(tmp_path, pkg_path):
    path = tmp_path / "scenario.toml"
    path.write_text(f'[scenario]\nname = "cli"\npackage = "{pkg_path.name}"\nmembers = 8\nseed = 3\n', encoding="utf-8")
    return path


def test_run_writes_outputs_and_prints_attainment(tmp_path, capsys):
    sc = scenario_file(tmp_path, package(tmp_path, "a"))
    out, iamc, tcsv = tmp_path / "out.nc", tmp_path / "iamc.csv", tmp_path / "t.csv"
    code = main(["run", str(sc), "-o", str(out), "--iamc", str(iamc), "--targets-csv", str(tcsv), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Yaoxiangqiao TP ≤0.136 mg/L (2026)" in text and "annualised cost" in text
    tree = io.open_output(out)
    assert set(tree.children) >= {"air", "water", "carbon", "targets", "package"}
    assert tree.attrs["members"] == 8
    table = io.read_iamc(iamc)
    assert {"Concentration|PM2.5|Annual Mean", "Emissions|CO2"} <= set(table.variable)
    assert "probability" in pd.read_csv(tcsv).columns


def test_run_zarr_and_overrides(tmp_path):
    sc = scenario_file(tmp_path, package(tmp_path, "a"))
    out = tmp_path / "out.zarr"
    assert main(["run", str(sc), "-o", str(out), "--members", "3", "--method", "full", "-q"]) == 0
    tree = io.open_output(out)
    assert tree["air"].sizes["member"] == 3 and tree.attrs["method"] == "full"


def test_compare_prints_summary_and_writes_files(tmp_path, capsys):
    a = package(tmp_path, "a", nox=4000.0, tp=0.5)
    b = package(tmp_path, "b", nox=1000.0, tp=0.1)
    out, csv, png = tmp_path / "c.nc", tmp_path / "c.csv", tmp_path / "c.png"
    code = main(["compare", str(a), str(b), "--members", "6", "-o", str(out), "--csv", str(csv), "--plot", str(png),
                 "-q"])
    assert code == 0
    text = capsys.readouterr().out
    assert "baseline" in text and "attainment probability by target" in text
    summary = pd.read_csv(csv, index_col=0)
    assert list(summary.index) == ["baseline", "a", "b"]
    assert summary.loc["baseline", "annualised_cost"] == 0 and summary.loc["a", "annualised_cost"] > 0
    assert summary.loc["a", "mean_probability"] >= summary.loc["b", "mean_probability"]  # a cuts more
    cmp = io.open_output(out)
    assert cmp["air"].sizes["scenario"] == 3
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_optimise_finds_cheapest_and_exit_codes(tmp_path, capsys):
    pool = package(tmp_path, "pool")
    out = tmp_path / "best.toml"
    code = main(["optimise", str(pool), "--targets", "tp_concentration@姚巷桥<=0.136:2026", "--members", "6",
                 "-o", str(out), "-q"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert text.startswith("met") and "wwtp_pool" in text
    from ecomodel.scenario import load_package

    assert load_package(out).ids == ["wwtp_pool"]
    code = main(["optimise", str(pool), "--targets", "tp_concentration@姚巷桥<=0.05:2026", "--members", "6", "-q"])
    assert code == 1
    assert "infeasible" in capsys.readouterr().out


def test_optimise_pools_measures_of_several_files(tmp_path, capsys):
    weak = package(tmp_path, "weak", tp=0.05)
    strong = package(tmp_path, "strong", tp=0.5)
    code = main(["optimise", str(weak), str(strong), "--targets", "tp_concentration@姚巷桥<=0.136:2026",
                 "--members", "6", "-q"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "of 6 measures" in text and "wwtp_strong" in text and "wwtp_weak" not in text.split("chosen")[1]


def test_bad_input_gives_error_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname='x'\nmembers=0\n", encoding="utf-8")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "members" in err
    assert main(["optimise", str(package(tmp_path, "a")), "--targets", "nonsense"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_dask_scheduler_option_runs_on_a_local_cluster(tmp_path, capsys, monkeypatch):
    """--scheduler local gives the same numbers as the serial run."""
    distributed = pytest.importorskip("distributed")
    a = package(tmp_path, "a")
    serial = tmp_path / "serial.nc"
    main(["compare", str(a), "--members", "4", "-o", str(serial), "-q"])
    real = distributed.LocalCluster
    monkeypatch.setattr(distributed, "LocalCluster",
                        lambda **kw: real(n_workers=1, threads_per_worker=2, processes=False, **kw))
    dask_out = tmp_path / "dask.nc"
    assert main(["compare", str(a), "--members", "4", "-o", str(dask_out), "-q", "--scheduler", "local"]) == 0
    xr.testing.assert_identical(io.open_output(serial), io.open_output(dask_out))


@pytest.fixture
def no_model(monkeypatch):
    """Fail the test if any domain model starts (the checks must come before the work)."""
    def no_work(*a, **k):
        raise AssertionError("a model started before the input was checked")

    for cls in ("air.AirBackend", "water.WaterBackend", "carbon.CarbonBackend", "linear.LinearBackend"):
        monkeypatch.setattr(f"ecomodel.scenario.backends.{cls}.project_stack", no_work)
    monkeypatch.setattr("ecomodel.scenario.demo.run_demo", no_work)


@pytest.mark.parametrize("argv", [
    ["run", "wwtp_taihu_limits", "-o", "missing_dir/out.nc"],
    ["run", "wwtp_taihu_limits", "-o", "out.txt"],
    ["run", "wwtp_taihu_limits", "--iamc", "missing_dir/x.csv"],
    ["compare", "wwtp_taihu_limits", "agri_nh3_control", "--csv", "/nonexistent/x.csv"],
    ["compare", "wwtp_taihu_limits", "--plot", "fig.txt"],
    ["optimise", "wwtp_taihu_limits", "--targets", "tp_concentration@姚巷桥<=0.136:2026", "-o", "nodir/p.toml"],
])
def test_bad_output_path_fails_before_the_run(argv, tmp_path, monkeypatch, capsys, no_model):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2  # refused before any model work (no_model)
    err = capsys.readouterr().err
    assert "expected" in err or "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_demo_out_an_existing_file_is_a_clean_error(tmp_path, capsys, no_model):
    target = tmp_path / "afile"
    target.write_text("keep me")
    assert main(["demo", "--out", str(target)]) == 2
    assert "existing file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_empty_package_file_is_refused(tmp_path, capsys, no_model):
    empty = tmp_path / "empty.toml"
    empty.write_text("\n  \n")
    with pytest.raises(ScenarioError, match="empty"):
        files.load(empty)
    assert main(["run", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err


def test_the_no_model_guard_catches_a_real_run(tmp_path, monkeypatch, no_model):
    """The guard used above must trip when a command does reach the models."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match="a model started"):
        main(["run", "wwtp_taihu_limits", "--members", "2", "-q"])


def test_run_writes_the_accounts_and_prints_the_tonnage_targets(tmp_path, capsys, monkeypatch):
    """``ecomodel run`` on an embedded package with the embedded models: the output holds the
    package's accounts (run's years, members, seed), the report lists the tonnage rows the run
    checked from them (its ``/targets``; the CLI does not check them again), says what mean,
    probability and met are, and --targets-csv carries them (basis 'accounts', met_rule)."""
    from ecomodel.scenario import load_package, report
    from ecomodel.scenario.accounting import accounts
    from ecomodel.scenario.run import register_backend

    def second_path(*args, **kwargs):
        raise AssertionError("the CLI checked the tonnage rows apart from run()")

    monkeypatch.setattr(report, "tonnage_check", second_path)
    register_backend("air", None)  # the embedded models, not the linear test backends
    register_backend("water", None)
    sc = tmp_path / "key.toml"
    sc.write_text('[scenario]\nname = "key"\npackage = "changzhou_2023_key_projects"\nmembers = 3\nseed = 5\n'
                  'start_year = 2022\nend_year = 2023\n', encoding="utf-8")
    out, tcsv, iamc = tmp_path / "out.nc", tmp_path / "t.csv", tmp_path / "iamc.csv"
    assert main(["run", str(sc), "-o", str(out), "--targets-csv", str(tcsv), "--iamc", str(iamc), "-q"]) == 0
    text = capsys.readouterr().out
    head, _, ton = text.partition("tonnage targets (reductions from the emission and load accounts, t):")
    assert ton, text
    for row in ("Changzhou nox_reduction_t ≥5207 t (2023)", "Changzhou vocs_reduction_t ≥4856 t (2023)",
                "Changzhou cod_reduction_t ≥3993 t (2023)", "Changzhou nh3n_reduction_t ≥225 t (2023)"):
        assert row in ton.split("annualised cost")[0] and row not in head
    footnote = ("(mean: ensemble mean at the target year; probability: share of the 3 members meeting the "
                "target; met: whether the ensemble mean meets it, unless another rule is named)")
    assert text.count(footnote) == 2 and text.count("probability  met (ensemble mean)") == 2
    acc = io.open_output(out)["accounts"].to_dataset(inherit=False)
    assert acc["nox_reduction_t"].dims == ("year", "member", "region")
    assert acc.sizes["member"] == 3 and list(acc["year"].values) == [2022, 2023]
    assert acc["emissions"].dims == ("year", "region", "sector", "pollutant")
    assert acc["loads"].dims == ("year", "network", "source", "substance")
    assert {acc[k].attrs["units"] for k in ("emissions", "emissions_baseline", "loads", "loads_baseline")} == {"t/yr"}
    assert acc["cod_reduction_t"].attrs["units"] == "t" and acc.attrs["seed"] == 5
    expected = accounts(load_package("changzhou_2023_key_projects"), [2022, 2023], members=3, seed=5)
    for k in ("nox_reduction_t", "vocs_reduction_t", "cod_reduction_t", "nh3n_reduction_t"):
        xr.testing.assert_allclose(acc[k], expected[k].assign_attrs(acc[k].attrs))
    table = pd.read_csv(tcsv)
    rows = table[table["basis"] == "accounts"]
    assert set(rows["indicator"]) >= {"nox_reduction_t", "vocs_reduction_t", "cod_reduction_t", "nh3n_reduction_t"}
    nox = rows[rows["indicator"] == "nox_reduction_t"].iloc[0]
    assert nox["projected"] == pytest.approx(float(acc["nox_reduction_t"].sel(year=2023, region="常州市").mean()))
    assert set(table["basis"]) == {"model", "accounts"} and set(table["met_rule"]) == {"ensemble mean"}
    stored = io.open_output(out)["targets"].to_dataset(inherit=False)  # the file holds the same verdicts
    assert [str(b) for b in stored["basis"].values] == list(table["basis"])
    np.testing.assert_allclose(stored["probability"].values, table["probability"].values)
    variables = set(io.read_iamc(iamc)["variable"])  # the IAMC table keeps the model outputs only
    assert "Emissions|CO2" in variables and not any("reduction_t" in v or "emissions" in v for v in variables)
