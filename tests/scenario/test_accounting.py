"""Emission and load accounting: tonnes add up, reductions match plan amounts, 004:19 is checked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomodel import targets
from ecomodel.errors import EcomodelError
from ecomodel.scenario import Effect, Measure, Package, load_package
from ecomodel.scenario.accounting import accounts, lognormal_parameters


def _pkg(frac, pollutant="NOx", region="常州市武进区"):
    return Package("p", (Measure(id="m", name="m", domain="air", start=2022,
                                 effects=(Effect(domain="air", pollutant=pollutant, region=region, fraction=frac),)),))


def test_lognormal_interval_closed_form():
    mu, s = lognormal_parameters(-0.14, 0.13)
    assert np.exp(mu - 1.959964 * s) == pytest.approx(0.86, rel=1e-6)
    assert np.exp(mu + 1.959964 * s) == pytest.approx(1.13, rel=1e-6)
    with pytest.raises(EcomodelError):
        lognormal_parameters(0.2, 0.1)


def test_baseline_regions_add_up_and_fraction_cut_is_exact():
    ds = accounts(_pkg(0.25), [2021, 2022])
    base = ds["emissions_baseline"]
    city = base.sel(region="常州市").sum()
    districts = [r for r in ds.region.values if str(r).startswith("常州市") and r != "常州市"] + ["溧阳市"]
    assert float(city) == pytest.approx(float(base.sel(region=districts).sum()))
    wj = base.sel(region="常州市武进区", year=2022, pollutant="NOx").sum()
    assert float(ds["nox_reduction_t"].sel(year=2022, region="常州市武进区").mean()) == pytest.approx(0.25 * float(wj))
    assert float(ds["nox_reduction_t"].sel(year=2021).max()) == 0.0  # before the start year
    assert float(ds["so2_reduction_t"].max()) == 0.0


@settings(max_examples=15, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_reductions_monotone_and_nonnegative(a, b):
    lo, hi = sorted((a, b))
    r_lo = accounts(_pkg(lo), [2022])["nox_reduction_t"].sel(region="常州市").mean()
    r_hi = accounts(_pkg(hi), [2022])["nox_reduction_t"].sel(region="常州市").mean()
    ds = accounts(_pkg(hi), [2022])
    assert float(ds["emissions"].min()) >= 0.0
    assert float(r_hi) >= float(r_lo) - 1e-9 >= -1e-9


def test_key_projects_meet_004_19_with_a_probability():
    ds = accounts(load_package("changzhou_2023_key_projects"), range(2020, 2026), members=200, seed=3)
    keys = [k for k in ds.data_vars if k.endswith("_reduction_t")]
    table = targets.check(ds[keys], outside="skip")
    got = {r.indicator: r for r in table.itertuples()}
    for key, t in (("nox_reduction_t", 5207), ("vocs_reduction_t", 4856), ("cod_reduction_t", 3993),
                   ("nh3n_reduction_t", 225)):
        assert got[key].target_value == t and got[key].source_line == "19"
        assert 0.2 < got[key].probability < 0.95  # uncertain inventory: neither certain nor hopeless
    # central inventory: the plan amounts exactly
    one = accounts(load_package("changzhou_2023_key_projects"), [2023])
    assert float(one["nox_reduction_t"].sel(region="常州市").mean()) == pytest.approx(5207.0)
    assert float(one["cod_reduction_t"].sel(region="常州市").mean()) == pytest.approx(3993.0)
    assert float(one["cod_reduction_t"].sel(region="常州市武进区").mean()) == pytest.approx(0.2 * 3993.0)


def test_water_loads_mass_balance():
    pkg = load_package("changzhou_2023_key_projects")
    ds = accounts(pkg, [2022, 2024])
    cut = ds["loads_baseline"] - ds["loads"].sel(year=2024)
    assert float(cut.sel(substance="COD").sum()) == pytest.approx(
        float(ds["cod_reduction_t"].sel(year=2024, region="常州市武进区").mean()))
    assert float(ds["loads"].min()) >= 0.0
