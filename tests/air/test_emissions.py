"""Inventory, reductions and the emission feed of the kernel."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel.air import Domain, Inventory, fractions_from_amounts, load_inventory, reduction_factors
from ecomodel.air.emissions import SECTORS, schedule_factors
from ecomodel.errors import EmissionError


def test_inventory__bad_values_are_refused_with_position():
    with pytest.raises(EmissionError, match=r"emissions\['A', 'industry', 'SO2'\]: -5.0 t/yr; expected"):
        Inventory.from_records([("A", "industry", "SO2", -5.0)])
    with pytest.raises(EmissionError, match=r"emissions\['A', 'industry', 'SO2'\]: nan"):
        Inventory.from_records([("A", "industry", "SO2", float("nan"))])
    with pytest.raises(EmissionError, match="sector: unknown value 'shipping'"):
        Inventory.from_records([("A", "shipping", "SO2", 1.0)])
    with pytest.raises(EmissionError, match="pollutant: unknown value 'CO2'"):
        Inventory.from_records([("A", "industry", "CO2", 1.0)])
    da = xr.DataArray(np.full((1, 1, 1), -1.0), dims=("box", "sector", "pollutant"),
                      coords={"box": ["A"], "sector": ["power"], "pollutant": ["NOx"]})
    with pytest.raises(EmissionError, match="expected emissions >= 0"):
        Inventory(da)


def test_inventory__units_aliases_and_profiles():
    df = pd.DataFrame({"box": ["A", "A"], "sector": ["Solvents", "交通"], "pollutant": ["voc", "nox"],
                       "emission": [10.0, 5.0]})
    inv = Inventory.from_records(df)
    assert float(inv.emissions.sel(box="A", sector="solvent", pollutant="VOCs")) == 10.0
    da = xr.DataArray(np.full((1, 1, 1), 1.0), dims=("box", "sector", "pollutant"),
                      coords={"box": ["A"], "sector": ["power"], "pollutant": ["NOx"]}, attrs={"units": "kt"})
    with pytest.raises(EmissionError, match="cannot be converted to t/yr"):
        Inventory(da)
    da.attrs["units"] = "10^4 t/yr"
    assert float(Inventory(da).total().sel(pollutant="NOx")) == pytest.approx(1e4)
    # monthly profiles are rescaled to a day-weighted mean of 1: the annual total is kept
    prof = xr.DataArray(np.tile(np.arange(1.0, 13.0), (len(SECTORS), 1)), dims=("sector", "month"),
                        coords={"sector": list(SECTORS), "month": np.arange(1, 13)})
    inv = Inventory.from_records([("A", "power", "SO2", 365.0)], monthly_profile=prof)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    assert float((inv.monthly_profile.sel(sector="power") * days).sum()) == pytest.approx(365.0)


def test_fluxes__units_from_t_per_yr_to_ug_per_m2_per_day():
    dom = Domain.single(10.0)
    inv = Inventory.from_records([("box", "industry", "SO2", 365.0), ("box", "industry", "PM2.5", 730.0)])
    dates = pd.date_range("2021-01-01", periods=40, freq="D")
    flux, period, keys = inv.fluxes(dom, dates, {2021: np.ones(inv.emissions.shape)})
    assert keys == [(2021, 1), (2021, 2)] and period[31] == 1
    # 365 t/yr = 1 t/d = 1e12 µg/d over 1e7 m2
    assert flux[0, 0, 0] == pytest.approx(1e12 / 1e7)
    assert flux[0, 9, 0] == pytest.approx(2e12 / 1e7)
    assert flux[0, 2, 0] == 0.0


def test_reductions__combine_multiplicatively_and_respect_boxes(demo_data):
    inv, dom = demo_data.inventory, demo_data.domain
    f = reduction_factors({"NOx": 0.2, ("industry", "NOx"): 0.5, ("武进", None, "SO2"): 1.0}, inv, domain=dom)
    i_wj = inv.boxes.index("武进")
    i_bg = inv.boxes.index("长三角背景")
    k_nox, k_so2 = 1, 0
    s_ind, s_pow = SECTORS.index("industry"), SECTORS.index("power")
    assert f[i_wj, s_ind, k_nox] == pytest.approx(0.8 * 0.5)
    assert f[i_wj, s_pow, k_nox] == pytest.approx(0.8)
    assert (f[i_wj, :, k_so2] == 0).all()
    assert (f[inv.boxes.index("天宁"), :, k_so2] == 1).all()
    # keys without a box leave the regional background alone
    assert (f[i_bg] == 1).all()
    f = reduction_factors({("长三角背景", None, "NOx"): 0.1}, inv, domain=dom)
    assert f[i_bg, s_ind, k_nox] == pytest.approx(0.9)
    # city keys cover the city's districts only
    f = reduction_factors({("常州市", None, "NH3"): 0.5}, inv, domain=dom)
    assert f[inv.boxes.index("溧阳"), 0, 2] == 0.5 and f[inv.boxes.index("江阴"), 0, 2] == 1.0


def test_reductions__schedules_hold_until_the_next_year(demo_data):
    inv, dom = demo_data.inventory, demo_data.domain
    sched = {2023: {"NOx": 0.1}, 2025: {"NOx": 0.3}}
    f = schedule_factors(sched, inv, range(2021, 2028), domain=dom)
    k = inv.boxes.index("天宁")
    got = [f[y][k, 1, 1] for y in range(2021, 2028)]
    np.testing.assert_allclose(got, [1, 1, 0.9, 0.9, 0.7, 0.7, 0.7])
    da = xr.DataArray([0.1, 0.3], dims="year", coords={"year": [2023, 2025]}).expand_dims(pollutant=["NOx"])
    g = schedule_factors(da, inv, range(2021, 2028), domain=dom)
    np.testing.assert_allclose([g[y][k, 1, 1] for y in range(2021, 2028)], got)


def test_fractions_from_amounts__the_2023_key_projects(demo_data):
    """004:19: NOx 5207 t and VOCs 4856 t cut in Changzhou in 2023."""
    inv, dom = demo_data.inventory, demo_data.domain
    fr = fractions_from_amounts({("常州市", None, "NOx"): 5207.0, ("常州市", None, "VOCs"): 4856.0}, inv, domain=dom)
    cz = [inv.boxes.index(b) for b in dom.resolve("常州市")]
    nox = inv.emissions.values[cz, :, 1].sum()
    assert fr[("常州市", None, "NOx")] == pytest.approx(5207.0 / nox)
    reduced = inv.reduced(fr, domain=dom)
    cut = nox - reduced.emissions.values[cz, :, 1].sum()
    assert cut == pytest.approx(5207.0)
    with pytest.raises(EmissionError, match="exceeds"):
        fractions_from_amounts({("钟楼", "power", "SO2"): 1e9}, inv, domain=dom)


def test_load_inventory__demo_file_is_complete():
    inv = load_inventory()
    assert set(inv.boxes) == {"天宁", "钟楼", "新北", "武进", "金坛", "溧阳", "江阴", "长三角背景"}
    tot = inv.total(("sector",))
    assert (tot.values > 0).all()
    with pytest.raises(EmissionError, match="does not exist"):
        load_inventory("/no/such/file.csv")
