"""Weather generator: reproducibility, climatology, loaders and validation."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.air import MeteorologySettings, generate_meteorology, load_climatology, load_meteorology
from ecomodel.air.meteorology import check_meteorology
from ecomodel.errors import MeteorologyError


def test_generator__same_seed_same_series_other_seed_differs():
    a = generate_meteorology(years=2021, members=2, seed=5)
    b = generate_meteorology(years=2021, members=2, seed=5)
    c = generate_meteorology(years=2021, members=2, seed=6)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values)
    assert not np.array_equal(a["temperature"].values, c["temperature"].values)


def test_generator__reproduces_the_monthly_climatology():
    clim = load_climatology()
    met = generate_meteorology(years=2021, members=60, seed=1)
    monthly_t = met["temperature"].groupby("time.month").mean(...).values
    np.testing.assert_allclose(monthly_t, clim["temperature"].values, atol=1.2)
    annual_p = float(met["precipitation"].sum("time").mean())
    assert annual_p == pytest.approx(clim["precipitation"].sum(), rel=0.08)
    wet_days = float((met["precipitation"] > 0).sum("time").mean())
    assert wet_days == pytest.approx(clim["wet_days"].sum(), rel=0.08)
    # mean-preserving log-normal wind and mixing height
    assert float(met["wind_speed"].mean()) == pytest.approx(clim["wind_speed"].mean(), rel=0.06)
    assert float(met["mixing_height"].mean()) == pytest.approx(clim["mixing_height"].mean(), rel=0.06)
    # stagnation couples wind and mixing height
    r = np.corrcoef(np.log(met["wind_speed"].values.ravel()), np.log(met["mixing_height"].values.ravel()))[0, 1]
    assert r > 0.4
    assert met["temperature"].attrs["units"] == "degC" and met["precipitation"].attrs["units"] == "mm/d"


def test_load_meteorology__csv_with_units_and_netcdf(tmp_path):
    met = generate_meteorology(years=2021, members=2, seed=2)
    df = met.to_dataframe().reset_index()
    df["temperature"] = df["temperature"] + 273.15
    df = df.rename(columns={"temperature": "temperature [K]"})
    path = tmp_path / "met.csv"
    df.to_csv(path, index=False)
    back = load_meteorology(path)
    np.testing.assert_allclose(back["temperature"].values, met["temperature"].values, atol=1e-9)
    nc = tmp_path / "met.nc"
    met.to_netcdf(nc, engine="h5netcdf")
    back = load_meteorology(nc, member=1)
    assert back.sizes["member"] == 1
    with pytest.raises(MeteorologyError, match="does not exist"):
        load_meteorology(tmp_path / "none.csv")
    with pytest.raises(MeteorologyError, match="unknown file type"):
        (tmp_path / "x.txt").write_text("a")
        load_meteorology(tmp_path / "x.txt")


def test_check_meteorology__refuses_bad_series():
    met = generate_meteorology(years=2021, members=1, seed=0)
    bad = met.copy(deep=True)
    bad["wind_speed"][2, 0] = -1.0
    with pytest.raises(MeteorologyError, match="wind_speed: -1 m/s on 2021-01-03"):
        check_meteorology(bad)
    bad = met.copy(deep=True)
    bad["relative_humidity"][0, 0] = 120.0
    with pytest.raises(MeteorologyError, match="relative_humidity: 120"):
        check_meteorology(bad)
    gap = met.drop_sel(time=pd.Timestamp("2021-03-01"))
    with pytest.raises(MeteorologyError, match="2021-02-28 is followed by 2021-03-02"):
        check_meteorology(gap)
    boxy = met.expand_dims(box=["a", "b"])
    with pytest.raises(MeteorologyError, match="the meteorology is regional"):
        check_meteorology(boxy)
    with pytest.raises(MeteorologyError, match="temperature"):
        bad = met.copy(deep=True)
        bad["temperature"].attrs["units"] = "m/s"
        check_meteorology(bad)


def test_settings__validation():
    with pytest.raises(MeteorologyError, match="temperature_ar1: 1.2"):
        MeteorologySettings(temperature_ar1=1.2)
    with pytest.raises(MeteorologyError, match="members: 0"):
        generate_meteorology(years=2021, members=0)
