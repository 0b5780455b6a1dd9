"""Dustfall (ecomodel.air.deposition): closed form, rain factor, monotone response to dust cuts, the
in-sample baseline against the Changzhou bulletin, and the two registry rows it checks."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecomodel import air, targets, units
from ecomodel.air.deposition import (DUSTFALL_UNITS, DustfallParameters, dustfall, fit_deposited_fraction,
                                     load_dustfall_observations, monthly_dustfall, wet_day_factor)
from ecomodel.errors import EcomodelError, EmissionError, InputError, MeteorologyError, TargetError, UnitError

_LOCAL = ("天宁", "钟楼", "新北", "武进", "金坛", "溧阳", "江阴")


@pytest.fixture(scope="module")
def inv2023(demo_data):
    return demo_data.inventory_for(2023)


# --- closed forms ------------------------------------------------------------------------------

def test_monthly_dustfall__closed_form_on_a_toy_input():
    p = DustfallParameters(tsp_per_pm25=20.0, deposited_fraction=0.5)
    e = np.array([[120.0, 0.0], [240.0, 60.0]])  # (period, box) [t/yr]
    area = np.array([10.0, 20.0])  # [km2]
    prof = np.array([1.2, 0.6])
    w = np.array([[1.0, 1.0], [0.9, 1.1]])  # (member, period)
    got = monthly_dustfall(e, area, prof, w, background_density=np.array([1.0, 2.0]), parameters=p)
    density = e / area + np.array([1.0, 2.0])[:, None]  # [t km-2 yr-1]
    want = w[:, :, None] * (0.5 * 20.0 * density * prof[:, None] / 12.0)[None]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert got[0, 0, 0] == pytest.approx(0.5 * 20.0 * (12.0 + 1.0) * 1.2 / 12.0)
    # without the regional term only the box's own density counts
    alone = monthly_dustfall(e, area, prof, w, background_density=5.0, parameters=DustfallParameters(
        tsp_per_pm25=20.0, deposited_fraction=0.5, regional=False))
    assert alone[0, 0, 1] == 0.0


def test_wet_day_factor__ap42_rain_correction_relative_to_climatology():
    dates = pd.date_range("2023-01-01", "2023-02-28")
    prec = np.zeros((2, len(dates)))
    prec[0, :20] = 3.0  # member 0: 20 wet January days
    prec[1, 31:36] = 0.5  # member 1: dry January, 5 wet February days
    clim = np.full(12, 10.0)
    w, keys = wet_day_factor(prec, dates, clim)
    assert keys == [(2023, 1), (2023, 2)]
    assert w[0, 0] == pytest.approx((1 - 20 / (4 * 31)) / (1 - 10 / (4 * 31)))
    assert w[1, 0] == pytest.approx(1 / (1 - 10 / (4 * 31)))
    assert w[1, 1] == pytest.approx((1 - 5 / (4 * 28)) / (1 - 10 / (4 * 28)))
    # the climatological wet days give exactly 1
    prec2 = np.zeros((1, 31))
    prec2[0, ::3] = 1.0
    w2, _ = wet_day_factor(prec2, dates[:31], np.full(12, 11.0))
    assert w2[0, 0] == pytest.approx(1.0)


@given(st.lists(st.floats(0.0, 5000.0), min_size=6, max_size=6), st.integers(0, 2**31 - 1))
def test_dustfall_is_finite_and_non_negative(emissions, seed):
    rng = np.random.default_rng(seed)
    e = np.array(emissions).reshape(3, 2)
    w, _ = wet_day_factor(rng.gamma(0.5, 4.0, size=(4, 90)) * (rng.random((4, 90)) < 0.4),
                          pd.date_range("2023-01-01", periods=90), np.full(12, 10.0))
    d = monthly_dustfall(e, [100.0, 5.0], [1.0, 0.9, 1.2], w, background_density=0.3)
    assert np.isfinite(d).all() and (d >= 0).all()
    assert (w > 0).all()


# --- response to measures ----------------------------------------------------------------------

@given(st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7), st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7))
def test_dust_cuts_lower_dustfall_monotonically(demo_data, inv2023, cut, extra):
    """Deeper dust-sector cuts (box by box) never raise dustfall anywhere; a cut box's own value falls."""
    small = {(b, "dust", "PM2.5"): f for b, f in zip(_LOCAL, cut, strict=True)}
    deeper = {(b, "dust", "PM2.5"): min(1.0, f + g) for b, f, g in zip(_LOCAL, cut, extra, strict=True)}
    base = dustfall(inv2023, years=[2023], domain=demo_data.domain)["dustfall"]
    d1 = dustfall(inv2023, years=[2023], reductions=small, domain=demo_data.domain)["dustfall"]
    d2 = dustfall(inv2023, years=[2023], reductions=deeper, domain=demo_data.domain)["dustfall"]
    assert (d1 <= base + 1e-12).all() and (d2 <= d1 + 1e-12).all()
    for b, f in small.items():
        if f > 1e-6:
            assert d1.sel(box=b[0]).item() < base.sel(box=b[0]).item()


def test_only_the_dust_sector_drives_dustfall(demo_data, inv2023):
    base = dustfall(inv2023, years=[2023], domain=demo_data.domain)["dustfall"]
    other = dustfall(inv2023, years=[2023], domain=demo_data.domain,
                     reductions={"NOx": 0.5, ("industry", "PM2.5"): 0.5, ("transport", "PM2.5"): 0.9})["dustfall"]
    np.testing.assert_array_equal(base.values, other.values)
    # a city-wide 30 % dust cut: local share ~82 %, so the city falls by ~25 %, the background box not at all
    cut = dustfall(inv2023, years=[2023], domain=demo_data.domain, reductions={("常州市", "dust", "PM2.5"): 0.3})
    rel = (cut["dustfall"].sel(box="常州市") / base.sel(box="常州市")).item()
    assert 0.70 < rel < 0.78
    assert cut["dustfall"].sel(box="长三角背景").item() == base.sel(box="长三角背景").item()


# --- baseline against the observation ----------------------------------------------------------

def test_baseline_equals_the_bulletin_value_in_sample(demo_data, inv2023):
    obs = load_dustfall_observations()
    fit = obs[obs["use"] == "fit"].iloc[0]
    assert (fit["region"], int(fit["year"]), fit["months"], fit["value"]) == ("常州市", 2023, "1-2", 1.9)
    assert "sthjj.changzhou.gov.cn" in fit["source"]
    # the stored deposited fraction is the in-sample fit (to its 4 digits)
    assert fit_deposited_fraction() == pytest.approx(DustfallParameters().deposited_fraction, abs=5e-5)
    clim = dustfall(inv2023, years=[2023], domain=demo_data.domain)["dustfall_monthly"].sel(box="常州市")
    jan_feb = clim.isel(month=[0, 1]).mean().item()
    assert abs(jan_feb - 1.9) <= float(fit["tolerance"])
    # generated weather: the ensemble mean stays within the tolerance; members differ
    met = demo_data.meteorology(members=20, year=2023, seed=5)
    ens = dustfall(inv2023, met, domain=demo_data.domain)["dustfall_monthly"].sel(box="常州市").isel(month=[0, 1])
    assert abs(float(ens.mean()) - 1.9) <= float(fit["tolerance"])
    assert float(ens.mean("month").std()) > 0
    # the February check row: 2.0 observed (±0.05 rounding); the model's February equals its January in
    # expectation (1.90), 0.1 low — not a test of skill (February is inside the fitted months)
    feb = obs[(obs["use"] == "check")].iloc[0]
    assert abs(clim.isel(month=1).item() - feb["value"]) <= 0.1 + float(feb["tolerance"])


def test_fit_scales_with_the_observation():
    assert fit_deposited_fraction(3.8) == pytest.approx(2 * fit_deposited_fraction(1.9))
    with pytest.raises(InputError, match="observed"):
        fit_deposited_fraction(-1.0)


# --- wiring: trajectory, projection, registry rows --------------------------------------------

def test_trajectory_carries_dustfall_from_each_members_weather():
    tr = air.trajectory(None, years=[2023], members=3, seed=2, ozone=False)
    d = tr["dustfall"]
    assert d.dims == ("year", "member", "box") and d.attrs["units"] == DUSTFALL_UNITS
    assert (d > 0).all() and float(d.sel(box="常州市").std()) > 0
    # the surface method's rule: a schedule's ensemble = baseline ensemble x expected ratio (exact, same weather)
    sched = {2023: {("武进", "dust", "PM2.5"): 0.4}}
    cut = air.trajectory(sched, years=[2023], members=3, seed=2, ozone=False)["dustfall"]
    exp = air.expected_dustfall([None, sched], years=[2023])
    ratio = (exp.isel(scenario=1) / exp.isel(scenario=0)).sel(region="常州市武进区").item()
    np.testing.assert_allclose(cut.sel(box="武进").values, d.sel(box="武进").values * ratio, rtol=1e-12)
    assert 0.6 < ratio < 0.7


def test_the_two_dustfall_rows_are_checked_with_a_probability():
    e = air.expected_dustfall([None], years=[2023, 2024, 2025]).isel(scenario=0, drop=True)
    table = targets.check(e.to_dataset(), outside="skip")
    cov = targets.coverage(table)
    rows = cov[cov["ref"].isin(["000:933/dustfall", "004:34/dustfall"])].set_index("ref")
    assert len(rows) == 2 and (rows["status"] == "checked").all()
    assert rows["reason"].str.startswith("in-sample").all()  # the check note says the baseline is fitted
    assert rows["probability"].between(0, 1).all()
    assert "000:933/dustfall" not in targets.UNCHECKED_STATES and "004:34/dustfall" not in targets.UNCHECKED_STATES
    got = table.set_index("region")
    assert got.loc["常州市", "target_value"] == 2.3 and got.loc["常州市武进区", "target_value"] == 2.0
    assert got.loc["常州市", "projected"] == pytest.approx(2.0, abs=0.05)  # the in-sample fit, annual


# --- bad input and units -----------------------------------------------------------------------

def test_bad_input_names_the_field():
    w = np.ones((1, 1))
    with pytest.raises(EmissionError, match="dust_emission") as exc:
        monthly_dustfall([[-1.0]], [1.0], [1.0], w)
    assert exc.value.field == "dust_emission"
    with pytest.raises(EmissionError, match="dust_emission.*finite"):
        monthly_dustfall([[np.nan]], [1.0], [1.0], w)
    with pytest.raises(InputError, match="area_km2"):
        monthly_dustfall([[1.0]], [0.0], [1.0], w)
    with pytest.raises(InputError, match="expected \\(period, box\\)"):
        monthly_dustfall([[1.0, 2.0]], [1.0], [1.0], w)
    with pytest.raises(MeteorologyError, match="precipitation") as exc:
        wet_day_factor([[-1.0]], pd.date_range("2023-01-01", periods=1), np.full(12, 10.0))
    assert exc.value.field == "precipitation"
    with pytest.raises(MeteorologyError, match="wet_days"):
        wet_day_factor([[1.0]], pd.date_range("2023-01-01", periods=1), np.full(11, 10.0))
    with pytest.raises(InputError, match="deposited_fraction") as exc:
        DustfallParameters(deposited_fraction=1.5)
    assert exc.value.field == "deposited_fraction"
    with pytest.raises(InputError, match="whole calendar years"):
        air.deposition.dustfall_arrays(air.demo().inventory, air.demo().domain,
                                       pd.date_range("2023-01-01", periods=40), {2023: 1.0}, None)
    # a city with no local box is refused, not silently left out of the output
    with pytest.raises(InputError, match="no local box belongs to '上海市'") as exc:
        dustfall(air.demo().inventory_for(2023), years=[2023], city="上海市")
    assert exc.value.field == "city"
    with pytest.raises(InputError, match="上海市"):
        fit_deposited_fraction(city="上海市")
    assert "上海市" not in dustfall(air.demo().inventory_for(2023), years=[2023], city=None)["box"].values


def test_units_are_udunits_and_convert_from_the_registry_spelling():
    assert units.canonical("t/(km2·month)") == DUSTFALL_UNITS
    assert units.convert(12.0, "t km-2 yr-1", "t/(km2·month)") == pytest.approx(1.0)
    cf_units = pytest.importorskip("cf_units")
    u = cf_units.Unit(DUSTFALL_UNITS)
    assert u.convert(1.0, cf_units.Unit("kg m-2 s-1")) == pytest.approx(
        units.factor(DUSTFALL_UNITS, "t km-2 yr-1") * 1e3 / 1e6 / (365 * 86400), rel=1e-3)
    with pytest.raises(UnitError):
        units.convert(1.0, "t/(km2·month)", "ug/m3")
    e = air.expected_dustfall([None], years=[2023]).isel(scenario=0, drop=True)
    e.attrs["units"] = "ug/m3"
    with pytest.raises(TargetError, match="cannot be converted") as exc:
        targets.check(e.to_dataset(), outside="skip")
    assert isinstance(exc.value, EcomodelError)
