"""One vocabulary: every alias of ecomodel.vocabulary resolves to the same canonical name in the
air inventory, in scenario effects, in the water sources, in the carbon co-benefits and in the
GB 3838 parameter lookup of the standards."""

from __future__ import annotations

import pytest

from ecomodel import vocabulary as v
from ecomodel.air import emissions
from ecomodel.carbon import cobenefits
from ecomodel.errors import EmissionError, ScenarioError
from ecomodel.scenario.model import POLLUTANTS, Effect, normalise_pollutant
from ecomodel.standards._water import _parameter
from ecomodel.water import sources

NAMES = sorted(set(v.POLLUTANT_ALIASES) | set(v.POLLUTANT_ALIASES.values()))


def _spellings(name):
    return {name, name.upper(), name.lower(), f"  {name} ", name.title()}


@pytest.mark.parametrize("name", NAMES)
def test_every_pollutant_alias_resolves_the_same_everywhere(name):
    canon = v.POLLUTANT_ALIASES.get(name, name)
    for spelling in _spellings(name):
        assert v.pollutant(spelling) == canon
        for domain, options in v.POLLUTANTS.items():
            if canon in options:
                assert v.pollutant(spelling, domain) == canon
                assert normalise_pollutant(domain, spelling) == canon
            else:
                assert v.pollutant(spelling, domain) is None
                with pytest.raises(ScenarioError):
                    normalise_pollutant(domain, spelling)
        if canon in v.AIR_POLLUTANTS:
            assert emissions.normalise_pollutant(spelling) == canon
        else:
            with pytest.raises(EmissionError):
                emissions.normalise_pollutant(spelling)
        if canon in v.WATER_POLLUTANTS:
            assert _parameter(spelling) == canon


@pytest.mark.parametrize("name", sorted(set(v.SECTOR_ALIASES) | set(v.AIR_SECTORS)))
def test_every_sector_alias_resolves_the_same_everywhere(name):
    canon = v.SECTOR_ALIASES.get(name, name)
    assert canon in v.AIR_SECTORS
    for spelling in _spellings(name):
        assert v.sector(spelling) == canon
        assert emissions.normalise_sector(spelling) == canon


def test_the_plan_spellings_named_in_issue_15():
    assert [v.pollutant(n) for n in ("no2", "nmvoc", "颗粒物", "TN", "CODMn", "tn", "codmn")] == \
        ["NOx", "VOCs", "PM2.5", "TN", "CODMn", "TN", "CODMn"]
    eff = Effect(domain="air", pollutant="颗粒物", fraction=0.1)
    assert eff.pollutant == "PM2.5"
    assert Effect(domain="water", pollutant="高锰酸盐指数", category="wwtp", fraction=0.1).pollutant == "CODMn"


def test_every_domain_reads_its_names_from_the_vocabulary():
    assert emissions.POLLUTANTS is v.AIR_POLLUTANTS and emissions.SECTORS is v.AIR_SECTORS
    assert cobenefits.AIR_POLLUTANTS is v.AIR_POLLUTANTS and cobenefits.AIR_SECTORS is v.AIR_SECTORS
    assert sources.SUBSTANCES is v.WATER_SUBSTANCES
    assert POLLUTANTS is v.POLLUTANTS
    assert set(v.WATER_SUBSTANCES) <= set(v.WATER_POLLUTANTS)


@pytest.mark.parametrize("bad", [None, 3, "", "ozone", "tp "[:0], "NOx2"])
def test_unknown_names_are_none_and_callers_raise_their_own_error(bad):
    assert v.pollutant(bad) is None and v.sector(bad) is None
    with pytest.raises(EmissionError, match="pollutant"):
        emissions.normalise_pollutant(bad)
    with pytest.raises(ScenarioError, match="pollutant"):
        normalise_pollutant("air", bad)
