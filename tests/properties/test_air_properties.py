"""Hypothesis properties of the air box model (small sizes; see tests/conftest.py for the profile)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel.air import Domain, Inventory, ProcessParameters, demo, simulate
from ecomodel.air.box import _run
from ecomodel.air.chemistry import MOLAR_MASS
from ecomodel.air.emissions import POLLUTANTS, schedule_factors
from ecomodel.air.meteorology import meteorology_arrays
from ecomodel.air.parameters import SPECIES
from tests.air.air_helpers import constant_meteorology
from tests.air.air_reference import reference_run

DEMO = demo()
SP = {s: i for i, s in enumerate(SPECIES)}


def _met(draw_vals, days):
    """Daily meteorology from drawn lists (wind, mixing height, temperature, RH, precipitation)."""
    wind, mixh, temp, rh, prec = draw_vals
    time = pd.date_range("2021-01-10", periods=days, freq="D")
    data = {"wind_speed": wind, "mixing_height": mixh, "temperature": temp, "relative_humidity": rh,
            "precipitation": prec}
    ds = xr.Dataset({k: (("time", "member"), np.asarray(v, float).reshape(days, 1)) for k, v in data.items()},
                    coords={"time": time, "member": [0]})
    for k, u in (("wind_speed", "m/s"), ("mixing_height", "m"), ("temperature", "degC"), ("relative_humidity", "%"),
                 ("precipitation", "mm/d")):
        ds[k].attrs["units"] = u
    return ds


def met_strategy(days, *, rain=True, mixh=None):
    f = st.floats
    return st.tuples(
        st.lists(f(0.0, 8.0), min_size=days, max_size=days),
        st.lists(f(80.0, 2000.0), min_size=days, max_size=days) if mixh is None
        else st.just([mixh] * days),
        st.lists(f(-10.0, 35.0), min_size=days, max_size=days),
        st.lists(f(20.0, 99.0), min_size=days, max_size=days),
        st.lists(f(0.0, 40.0), min_size=days, max_size=days) if rain else st.just([0.0] * days),
    )


def _closed_domain():
    """Three boxes exchanging air among themselves and with nothing else (no outside border)."""
    borders = np.array([[0, 8e3, 5e3], [8e3, 0, 12e3], [5e3, 12e3, 0]], dtype=float)
    return Domain(("a", "b", "c"), np.array([50e6, 120e6, 400e6]), borders, np.zeros(3))


emissions_strategy = st.lists(st.floats(0.0, 5000.0), min_size=15, max_size=15)


def _inventory(boxes, values):
    rows = []
    k = 0
    for b in boxes:
        for p in POLLUTANTS:
            rows.append((b, "industry", p, values[k % len(values)]))
            k += 1
    return Inventory.from_records(rows)


@settings(max_examples=20)
@given(values=emissions_strategy, met=met_strategy(6, rain=False, mixh=700.0),
       init=st.lists(st.floats(0.0, 50.0), min_size=30, max_size=30))
def test_mass_balance__each_element_is_conserved_in_a_closed_domain(values, met, init):
    """No deposition, no rain, no outside air: S, N, NHx, PPM and VOC + SOA/yield change exactly by emissions."""
    dom = _closed_domain()
    params = ProcessParameters(dry_deposition_velocity={g: 0.0 for g in ("SO2", "NOx", "HNO3", "NH3", "VOC",
                                                                        "aerosol")})
    inv = _inventory(dom.boxes, values)
    ds = _met(met, 6)
    arr, dates, _ = meteorology_arrays(ds)
    flux, period, _ = inv.fluxes(dom, dates, schedule_factors(None, inv, [2021], domain=dom))
    state0 = np.asarray(init, float).reshape(1, 10, 3)
    _, state = _run(dom, flux[None], period, np.zeros(1, dtype=np.int64), arr, params, chemistry=True,
                    components=False, substeps=1, state=state0)
    h, area = 700.0, dom.area

    def total(st_, species_weights):
        return sum(w * (st_[0, SP[s]] * area * h).sum() for s, w in species_weights.items())

    emitted = {p: float(inv.total().sel(pollutant=p)) * 1e12 / 365.0 * 6 for p in POLLUTANTS}  # µg over 6 days
    checks = {
        "S": ({"SO2": 1 / MOLAR_MASS["SO2"], "SO4": 1 / MOLAR_MASS["SO4"]}, emitted["SO2"] / MOLAR_MASS["SO2"]),
        "N": ({"NOx": 1 / MOLAR_MASS["NO2"], "HNO3": 1 / MOLAR_MASS["HNO3"], "NO3": 1 / MOLAR_MASS["NO3"]},
              emitted["NOx"] / MOLAR_MASS["NO2"]),
        "NHx": ({"NH3": 1 / MOLAR_MASS["NH3"], "NH4": 1 / MOLAR_MASS["NH4"]}, emitted["NH3"] / MOLAR_MASS["NH3"]),
        "VOC": ({"VOC": 1.0, "SOA": 1.0 / params.soa_yield}, emitted["VOCs"]),
        "PPM": ({"PPM": 1.0}, emitted["PM2.5"]),
    }
    for name, (weights, added) in checks.items():
        before, after = total(state0, weights), total(state, weights)
        assert after == pytest.approx(before + added, rel=1e-9, abs=1e-6 * (before + added + 1.0)), name


@settings(max_examples=25)
@given(values=emissions_strategy, met=met_strategy(8), chem=st.booleans())
def test_non_negative_and_finite_for_any_weather_and_emissions(values, met, chem):
    dom = Domain.grid(2, 1, cell_km=8.0, background_km2=2e4)
    inv = _inventory(dom.boxes, values)
    out = simulate(inv, _met(met, 8), domain=dom, chemistry=chem, spinup_days=0)
    for v in out.data_vars:
        x = out[v].values
        assert np.isfinite(x).all() and (x >= 0).all(), v


@pytest.fixture(scope="module")
def demo_winter_met():
    return DEMO.meteorology(members=2, year=2021, seed=8).isel(time=slice(0, 45))


@settings(max_examples=12)
@given(f1=st.floats(0.0, 1.0), f2=st.floats(0.0, 1.0), seed=st.integers(0, 10_000))
def test_cutting_all_precursors_together_never_raises_pm25(f1, f2, seed):
    lo, hi = sorted((f1, f2))
    met = DEMO.meteorology(members=1, year=2021, seed=seed).isel(time=slice(0, 40))
    cut = lambda f: {p: f for p in POLLUTANTS}  # noqa: E731
    a = simulate(DEMO.inventory, met, reductions=cut(lo), components=False, spinup_days=5)["pm25"].values
    b = simulate(DEMO.inventory, met, reductions=cut(hi), components=False, spinup_days=5)["pm25"].values
    assert (b <= a * (1 + 1e-12) + 1e-12).all()


@settings(max_examples=8)
@given(f=st.floats(0.3, 1.0))
def test_cutting_only_so2_frees_ammonia_and_raises_nitrate(f, demo_winter_met):
    everywhere = {("*", None, "SO2"): f, ("长三角背景", None, "SO2"): f}
    base = simulate(DEMO.inventory, demo_winter_met)
    cut = simulate(DEMO.inventory, demo_winter_met, reductions=everywhere)
    m0, m1 = base.mean(("time", "member")), cut.mean(("time", "member"))
    assert (m1["sulfate"] < m0["sulfate"]).all()
    assert (m1["nitrate"] > m0["nitrate"]).all()


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_result(seed):
    a = simulate(DEMO.inventory, DEMO.settings, members=2, year=2021, seed=seed, components=False, spinup_days=3)
    b = simulate(DEMO.inventory, DEMO.settings, members=2, year=2021, seed=seed, components=False, spinup_days=3)
    np.testing.assert_array_equal(a["pm25"].values, b["pm25"].values)


@settings(max_examples=10)
@given(values=emissions_strategy, met=met_strategy(4), chem=st.booleans(),
       init=st.lists(st.floats(0.0, 40.0), min_size=30, max_size=30))
def test_numba_kernel_equals_the_plain_numpy_reference(values, met, chem, init):
    dom = Domain.grid(2, 1, cell_km=6.0, background_km2=5e3)
    params = ProcessParameters()
    inv = _inventory(dom.boxes, values)
    ds = _met(met, 4)
    arr, dates, _ = meteorology_arrays(ds)
    flux, period, _ = inv.fluxes(dom, dates, schedule_factors(None, inv, [2021], domain=dom))
    state0 = np.asarray(init, float).reshape(1, 10, 3)
    out, state = _run(dom, flux[None], period, np.zeros(1, dtype=np.int64), arr, params, chemistry=chem,
                      components=True, substeps=1, state=state0)
    ref_means, ref_state = reference_run(dom, flux, period, arr, params, chemistry=chem, state=state0)
    np.testing.assert_allclose(out, ref_means, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(state, ref_state, rtol=1e-7, atol=1e-9)


@settings(max_examples=8)
@given(perm=st.permutations(list(range(4))), values=emissions_strategy)
def test_relabelling_boxes_permutes_the_results(perm, values):
    dom = Domain.grid(2, 2, cell_km=7.0)
    inv = _inventory(dom.boxes, values)
    met = constant_meteorology(days=5, wind=3.0, rh=70.0)
    p = list(perm)
    dom2 = Domain(tuple(dom.boxes[i] for i in p), dom.area[p], dom.borders[np.ix_(p, p)], dom.outer[p])
    a = simulate(inv, met, domain=dom, spinup_days=0)
    b = simulate(inv, met, domain=dom2, spinup_days=0)
    np.testing.assert_allclose(b["pm25"].sel(box=list(dom.boxes)).values, a["pm25"].values, rtol=1e-9)
