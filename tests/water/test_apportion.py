"""Source apportionment: shares sum to 1 at every section and the parts add up to the model."""

import numpy as np
import pytest

from ecomodel.errors import EcomodelError
from ecomodel.water import demo
from ecomodel.water.apportion import SECTORS, _sector_of, apportion


@pytest.fixture(scope="module")
def parts():
    return apportion(concentrations=True)


def test_shares_sum_to_one_at_every_section(parts):
    s = parts["source_share"]
    assert s.sizes["site"] == len(demo().network.sections)
    np.testing.assert_allclose(s.sum("sector").values, 1.0, rtol=0, atol=1e-12)
    assert float(s.min()) >= 0.0


def test_contributions_add_up_to_the_steady_solution(parts):
    means = demo().section_means()
    for sub in means.columns:
        np.testing.assert_allclose(parts["concentration"].sel(substance=sub).values,
                                   means.loc[list(parts["site"].values), sub].values, rtol=1e-10)


def test_removing_a_sector_removes_its_share(parts):
    cats = {c: 1.0 for c in SECTORS["point"]}
    cut = apportion(reductions=cats, concentrations=True)
    assert float(cut["contribution"].sel(sector="point").max()) == 0.0
    # the other sectors' concentrations are unchanged (linearity)
    others = [s for s in cut["sector"].values if s != "point"]
    np.testing.assert_allclose(cut["contribution"].sel(sector=others).values,
                               parts["contribution"].sel(sector=others).values, rtol=1e-10)
    # sediment release dominates Zhushan-Bay-fed sections' TP more once points are cut
    assert (cut["source_share"].sel(sector="sediment", substance="TP").values
            >= parts["source_share"].sel(sector="sediment", substance="TP").values).all()


def test_unknown_category_is_named():
    with pytest.raises(EcomodelError, match="'fish_farm'"):
        _sector_of("fish_farm")
