"""Comparison extras: coverage line, tonnage table, benefits column, cost-curve figures."""

import pytest

from ecomodel.scenario import compare, demo_scenario, load_package
from ecomodel.scenario.report import comparison_extras


@pytest.fixture(scope="module")
def extras(tmp_path_factory):
    sc = [demo_scenario(load_package("changzhou_2023_work_plan"), members=4)]
    cmp = compare(sc)
    return comparison_extras(cmp, sc, tmp_path_factory.mktemp("extras"), pollutants=("NOx",))


def test_coverage_line_and_tonnage(extras):
    assert extras["coverage_line"].startswith("checked ")
    assert extras["total_numeric_targets"] == 528
    ton = extras["tonnage"]
    assert set(ton["indicator"]) == {"nox_reduction_t", "vocs_reduction_t", "cod_reduction_t", "nh3n_reduction_t"}
    assert ((ton["probability"] >= 0) & (ton["probability"] <= 1)).all()
    cov = extras["coverage"]
    assert cov.loc[cov["ref"] == "004:19/nox_reduction_t", "status"].item() == "checked"


def test_coverage_shows_the_last_scenarios_tonnage_probability(extras):
    """With the baseline first (as in the demo), the coverage row carries the last scenario's
    probability, not the baseline's 0."""
    import xarray as xr

    from ecomodel.scenario.report import coverage_of

    ton = extras["tonnage"]
    fake = ton.assign(scenario="baseline", probability=0.0)
    both = __import__("pandas").concat([fake, ton], ignore_index=True)
    cov = coverage_of(xr.DataTree(), [], tonnage=both)
    got = cov.loc[cov["ref"] == "004:19/nox_reduction_t", "probability"].item()
    assert got == ton.loc[ton["indicator"] == "nox_reduction_t", "probability"].iloc[0] > 0


def test_benefits_and_figure(extras):
    b = extras["benefits"]
    assert b.loc["baseline", "deaths_avoided_per_yr"] == 0.0
    row = b.loc["changzhou_2023_work_plan"]
    assert row["deaths_avoided_per_yr"] > 0
    assert row["net_benefit_central_cny_per_yr"] == pytest.approx(
        row["benefit_central_cny_per_yr"] - row["annualised_cost_cny_per_yr"])
    assert len(extras["figures"]) == 1 and extras["figures"][0].stat().st_size > 1000
