"""ecomodel/_cf.py: CF-1.10 on the library's outputs: ``Conventions``, coordinate attributes and UDUNITS-2 units.

The validator is ``cf_units`` (the UDUNITS-2 library, bundled in its wheels; in the ``test``
extra): every ``units`` attribute of every data variable and coordinate of the demo projections
(air, water, carbon) and of a demo scenario run tree must parse, and the CF spellings must still
convert with ``ecomodel.units`` and check with ``ecomodel.targets``.
"""

import warnings

import numpy as np
import pytest
import xarray as xr

from ecomodel import units
from ecomodel._cf import _CF_UNITS, COORDINATES, CONVENTIONS, cf_units, conform

cf_units_lib = pytest.importorskip("cf_units")


def udunits_error(unit: str) -> str | None:
    """None when UDUNITS-2 parses *unit* to a real unit, else the reason."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            u = cf_units_lib.Unit(unit)
        except (ValueError, TypeError) as err:
            return f"{unit!r}: {err}"
    if u.is_unknown() or u.is_no_unit():
        return f"{unit!r}: parsed as unknown / no unit"
    return None


def cf_problems(ds: xr.Dataset, where: str) -> list[str]:
    """Every CF defect of one Dataset: Conventions, coordinate attributes, units UDUNITS rejects."""
    out = []
    if ds.attrs.get("Conventions") != CONVENTIONS:
        out.append(f"{where}: Conventions = {ds.attrs.get('Conventions')!r}")
    for name, var in ds.variables.items():
        if name in ds.coords and not var.attrs.get("long_name"):
            out.append(f"{where}/{name}: coordinate without long_name")
        if name in ds.coords and name == "year" and var.attrs.get("axis") != "T":
            out.append(f"{where}/year: no axis = 'T'")
        if "units" in var.attrs:
            err = udunits_error(str(var.attrs["units"]))
            if err:
                out.append(f"{where}/{name}: {err}")
            if "CNY" in str(var.attrs.get("units_label", "")) and var.attrs.get("currency") != "CNY":
                out.append(f"{where}/{name}: money without currency")
    return out


def tree_problems(tree: xr.DataTree) -> list[str]:
    return [p for node in tree.subtree for p in cf_problems(node.to_dataset(inherit=False), node.path)]


# --- the validator itself can fail -------------------------------------------------------------

@pytest.mark.parametrize("bad", ["10^8 CNY", "t/10^4 CNY", "10^4 tce", "tce/10^4 CNY", "t/MWh", "class", "CNY/yr"])
def test_validator_rejects_the_spellings_the_user_reported(bad):
    assert udunits_error(bad) is not None


def test_validator_flags_a_dataset_without_conventions_or_coordinate_attributes():
    ds = xr.Dataset({"gdp": ("year", [1.0], {"units": "10^8 CNY"})}, coords={"year": [2020]})
    problems = cf_problems(ds, "x")
    assert any("Conventions" in p for p in problems) and any("long_name" in p for p in problems)
    assert any("10^8 CNY" in p for p in problems)
    assert cf_problems(conform(ds), "x") == []


# --- the spelling table ------------------------------------------------------------------------

@pytest.mark.parametrize("ours", sorted(_CF_UNITS))
def test_every_cf_spelling_parses_and_converts_like_ours(ours):
    cf, extra = cf_units(ours)
    assert udunits_error(cf) is None
    assert extra["units_label"] == ours
    assert ("CNY" in ours) == (extra.get("currency") == "CNY")
    try:
        canon = units.canonical(ours)
    except Exception:
        return  # not an ecomodel conversion unit (a label such as 't C/TJ')
    if ours in ("CNY", "CNY/yr", "10^4 CNY/yr", "10^8 CNY/yr", "m3/10^4 CNY"):
        return  # currency counted as 1: '1' and 'yr-1' stay the dimensionless / rate units
    assert units.factor(cf, canon) == pytest.approx(1.0)


@pytest.mark.parametrize("ours", ["10^8 CNY", "t/10^4 CNY", "10^4 tce", "tce/10^4 CNY", "t/MWh", "tce"])
def test_udunits_and_ecomodel_agree_on_the_physical_part(ours):
    """The CF spelling converts to SI in UDUNITS by the same factor as ecomodel's unit (CNY = 1)."""
    cf, _ = cf_units(ours)
    dim, f = units.UNITS[units.canonical(ours)]
    base = {"money": "1", "energy": "GJ", "mass_per_money": "t", "energy_per_money": "GJ",
            "mass_per_energy": "kg/GJ"}[dim]
    got = cf_units_lib.Unit(cf).convert(1.0, cf_units_lib.Unit(base))
    assert got == pytest.approx(f, rel=1e-9)


def test_unknown_units_are_left_alone_and_coordinates_filled():
    ds = xr.Dataset({"x": (("year", "thing"), [[1.0]], {"units": "ug/m3"})},
                    coords={"year": [2020], "thing": ["a"]})
    out = conform(ds)
    assert out["x"].attrs == {"units": "ug/m3"}
    assert out["thing"].attrs["long_name"] == "thing" and out["year"].attrs["axis"] == "T"
    assert ds.attrs == {} and ds["year"].attrs == {}  # the input is not changed


# --- the demo outputs --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def air_projection():
    from ecomodel import air

    return air.project(None, years=[2023, 2024], members=2, seed=1)


@pytest.fixture(scope="module")
def water_projection():
    from ecomodel import water

    return water.project(years=[2021, 2022], members=2, seed=1)


@pytest.fixture(scope="module")
def carbon_projection():
    from ecomodel import carbon

    return carbon.project(carbon.demo_drivers(), years=[2020, 2021, 2022], members=2, seed=1, detail=True)


@pytest.fixture(scope="module")
def run_tree():
    from ecomodel.scenario import load_package
    from ecomodel.scenario.demo import demo_scenario
    from ecomodel.scenario.run import run

    return run(demo_scenario(load_package("changzhou_2023_key_projects"), members=2))


@pytest.mark.parametrize("which", ["air_projection", "water_projection", "carbon_projection"])
def test_domain_projections_are_cf(which, request):
    ds = request.getfixturevalue(which)
    assert cf_problems(ds, which) == []
    assert ds["member"].attrs["standard_name"] == "realization"


def test_carbon_units_are_udunits_and_keep_their_label(carbon_projection):
    ds = carbon_projection
    assert ds["gdp"].attrs["units"] == "1e8" and ds["gdp"].attrs["currency"] == "CNY"
    assert ds["gdp"].attrs["units_label"] == "10^8 CNY"
    assert ds["energy_consumption"].attrs["units"] == "2.93076e5 GJ"
    assert ds["grid_factor"].attrs["units"] == "t/(MW h)"
    np.testing.assert_allclose(units.convert(ds["energy_consumption"], ds["energy_consumption"].attrs["units"],
                                             "PJ"), ds["energy_consumption"] * 29.3076e4 / 1e6)


def test_targets_check_reads_conformed_carbon_output(carbon_projection):
    """A registry row in 10^8 CNY is checked against gdp written as units '1e8' + currency."""
    from ecomodel import targets

    gdp = carbon_projection["gdp"].sel(region=["常州市"])
    row = targets.load().iloc[[0]].copy()
    row[["region", "site", "scope", "indicator", "unit", "comparator", "reference_year"]] = [
        "常州市", "", "", "gdp", "10^8 CNY", ">=", ""]
    row[["target_year", "target_value"]] = [2022, 1.0]
    table = targets.check(xr.Dataset({"gdp": gdp}), targets=row)
    assert len(table) == 1 and bool(table["met"].iloc[0])
    np.testing.assert_allclose(table["projected"].iloc[0], float(gdp.sel(year=2022).mean()))


def test_run_tree_domain_nodes_have_conventions_and_udunits_units(run_tree):
    """The domain nodes of a run carry the projections' Conventions and units as they are. (Their
    coordinates are rebuilt by the scenario backends, and the targets/package nodes are built in
    scenario.run: those get their CF attributes from conform(), below.)"""
    for domain in ("air", "water", "carbon"):
        node = run_tree[domain].to_dataset(inherit=False)
        assert [p for p in cf_problems(node, domain) if "coordinate" not in p and "axis" not in p] == [], domain
    assert cf_problems(run_tree["water"].to_dataset(inherit=False), "water") == []
    assert run_tree.attrs["Conventions"] == CONVENTIONS


def test_conformed_run_tree_is_cf_everywhere(run_tree):
    """conform() fixes the nodes built in scenario.run (targets table, package costs in CNY)."""
    fixed = conform(run_tree)
    assert tree_problems(fixed) == []
    cost = fixed["package"]["capital_cost"]
    assert cost.attrs["units"] == "1" and cost.attrs["currency"] == "CNY" and cost.attrs["units_label"] == "CNY"
    for path in ("air", "water", "carbon"):  # values untouched; water was CF already: nothing changes
        xr.testing.assert_equal(fixed[path].to_dataset(), run_tree[path].to_dataset())
    xr.testing.assert_identical(fixed["water"].to_dataset(), run_tree["water"].to_dataset())


def test_coordinate_table_units_parse():
    for name, attrs in COORDINATES.items():
        if "units" in attrs:
            assert udunits_error(attrs["units"]) is None, name


# --- IAMC regions are named for the place ------------------------------------------------------

def test_iamc_regions_are_administrative_paths_not_world(carbon_projection):
    from ecomodel.carbon.iamc import IAMC_REGIONS, from_iamc, to_iamc

    table = to_iamc(carbon_projection)
    regions = set(table["region"])
    assert "World" not in regions
    assert regions == {IAMC_REGIONS[str(r)] for r in carbon_projection["region"].values}
    assert "China|Jiangsu|Changzhou|Wujin" in regions and "China|Jiangsu|Wuxi|Jiangyin" in regions
    assert all(r.startswith("China|Jiangsu|") for r in regions)
    back = from_iamc(table)  # the paths become registry names again
    assert set(back["region"].values.tolist()) == set(carbon_projection["region"].values.tolist())
    np.testing.assert_allclose(back["co2_emissions"].sel(year=2021, region="常州市武进区"),
                               carbon_projection["co2_emissions"].sel(year=2021, region="常州市武进区").mean())
    assert set(to_iamc(carbon_projection, region_names="zh")["region"]) == set(carbon_projection["region"].values)
