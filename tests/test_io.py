"""Outputs: identical after reopening, atomic writes that leave nothing behind on errors or interrupts."""

import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import io
from ecomodel.errors import OutputError


@pytest.fixture
def dataset():
    rng = np.random.default_rng(1)
    ds = xr.Dataset(
        {
            "pm25_annual_mean": (("year", "member", "region"), 30 + rng.random((3, 4, 2)),
                                 {"units": "ug/m3", "long_name": "annual mean PM2.5",
                                  "standard_name": "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air",
                                  "cell_methods": "time: mean"}),
            "met": ("year", np.array([True, False, True])),
            "count": ("year", np.array([1, 2, 3], dtype=np.int64)),
        },
        coords={"year": [2020, 2021, 2022], "member": np.arange(4), "region": ["常州市", "常州市武进区"],
                "region_en": ("region", ["Changzhou", "Wujin"])},
        attrs={"title": "test", "seed": 3, "comment": "中文 attribute"},
    )
    return ds


@pytest.fixture
def tree(dataset):
    return xr.DataTree.from_dict({
        "/": xr.Dataset(attrs={"scenario": "s"}),
        "/air": dataset,
        "/targets": xr.Dataset({"probability": ("target", [0.2, 1.0])}, coords={"target": [0, 1]}),
        "/package/air": xr.Dataset({"f": (("reduction", "year"), [[0.1, 0.2, 0.3]])},
                                   coords={"reduction": ["NOx industry"], "year": [2020, 2021, 2022]}),
    })


@pytest.mark.parametrize("writer,suffix", [(io.write_netcdf, ".nc"), (io.write_zarr, ".zarr")])
def test_reopened_dataset_is_identical(tmp_path, dataset, writer, suffix):
    path = writer(dataset, tmp_path / f"out{suffix}")
    back = io.open_output(path)
    assert isinstance(back, xr.Dataset)
    xr.testing.assert_identical(back, io.conform(dataset))  # written as CF-1.10 (ecomodel._cf.conform)
    assert back.attrs["Conventions"] == "CF-1.10"
    assert back["met"].dtype == bool


@pytest.mark.parametrize("writer,suffix", [(io.write_netcdf, ".nc"), (io.write_zarr, ".zarr")])
def test_reopened_datatree_is_identical(tmp_path, tree, writer, suffix):
    path = writer(tree, tmp_path / f"tree{suffix}")
    back = io.open_output(path)
    assert isinstance(back, xr.DataTree)
    xr.testing.assert_identical(back, io.conform(tree))


def test_write_by_extension_and_dataarray(tmp_path, dataset):
    da = dataset["pm25_annual_mean"]
    p = io.write(da, tmp_path / "a.nc")
    xr.testing.assert_identical(io.open_output(p)["pm25_annual_mean"], io.conform(da))
    q = io.write(dataset[["count"]], tmp_path / "b.csv")
    assert pd.read_csv(q)["count"].tolist() == [1, 2, 3]


def _leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n.startswith("."))


@pytest.mark.parametrize("writer,suffix", [(io.write_netcdf, ".nc"), (io.write_zarr, ".zarr")])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_atomic_write_leaves_no_file_when_interrupted(tmp_path, dataset, monkeypatch, writer, suffix, exc):
    """An interrupt in the middle of writing leaves neither the output nor a temporary file."""
    method = "to_netcdf" if suffix == ".nc" else "to_zarr"
    original = getattr(xr.Dataset, method)

    def write_then_fail(self, path, *args, **kwargs):
        original(self, path, *args, **kwargs)  # the temporary file is complete on disk …
        assert os.path.exists(path)
        raise exc("interrupted")  # … when the interrupt arrives

    monkeypatch.setattr(xr.Dataset, method, write_then_fail)
    target = tmp_path / f"out{suffix}"
    with pytest.raises(exc):
        writer(dataset, target)
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path, dataset, monkeypatch):
    target = io.write_netcdf(dataset, tmp_path / "out.nc")
    before = target.read_bytes()

    def fail(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", fail)
    with pytest.raises(KeyboardInterrupt):
        io.write_netcdf(dataset, target)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_atomic_zarr_replaces_existing_store(tmp_path, dataset):
    target = io.write_zarr(dataset, tmp_path / "s.zarr")
    io.write_zarr(dataset.isel(year=[0]), target)
    assert io.open_output(target).sizes["year"] == 1
    assert _leftovers(tmp_path) == []


def test_output_errors(tmp_path, dataset):
    with pytest.raises(OutputError, match="does not exist"):
        io.write_netcdf(dataset, tmp_path / "no" / "dir.nc")
    with pytest.raises(OutputError, match="does not exist"):
        io.open_output(tmp_path / "missing.nc")
    with pytest.raises(OutputError, match="expected an xarray"):
        io.write_netcdf([1, 2], tmp_path / "x.nc")
    with pytest.raises(OutputError, match="expected a pandas DataFrame"):
        io.write_csv([1, 2], tmp_path / "x.csv")


def test_csv_round_trip_unicode(tmp_path):
    df = pd.DataFrame({"site": ["姚巷桥", "黄埝桥"], "tp": [0.146, 0.138]})
    p = io.write_csv(df, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(pd.read_csv(p), df)


def test_iamc_table_round_trip(tmp_path, dataset):
    water = xr.Dataset({"tp_concentration": (("year", "member", "site"), np.full((3, 4, 1), 0.14),
                                             {"units": "mg/L"})},
                       coords={"year": [2020, 2021, 2022], "member": np.arange(4), "site": ["姚巷桥"]})
    tree = xr.DataTree.from_dict({"/air": dataset, "/water": water})
    table = io.to_iamc(tree, model="ecomodel", scenario="demo")
    assert list(table.columns) == io.IAMC_COLUMNS
    pm = table[(table.variable == "Concentration|PM2.5|Annual Mean") & (table.region == "China|Jiangsu|Changzhou")]
    np.testing.assert_allclose(pm["value"], dataset["pm25_annual_mean"].sel(region="常州市").mean("member"))
    assert "Water Quality|TP|姚巷桥" in set(table.variable)
    assert set(table.loc[table.variable == "Water Quality|TP|姚巷桥", "region"]) == {"China|Jiangsu|Changzhou|Wujin"}
    assert set(table.unit) == {"ug/m3", "mg/L", ""}  # `count` has no unit
    path = io.write_iamc(table, tmp_path / "iamc.csv")
    pd.testing.assert_frame_equal(io.read_iamc(path), table)


def test_iamc_splits_scenario_dimension():
    ds = xr.Dataset({"co2_emissions": (("scenario", "year"), [[1.0, 2.0], [3.0, 4.0]], {"units": "Mt"})},
                    coords={"scenario": ["a", "b"], "year": [2025, 2030]})
    table = io.to_iamc(ds, region="常州市")
    assert sorted(set(table.scenario)) == ["a", "b"]
    assert table.loc[(table.scenario == "b") & (table.year == 2030), "value"].item() == 4.0


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
