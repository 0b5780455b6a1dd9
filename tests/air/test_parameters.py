"""Process coefficients (ecomodel/air/parameters.py): the defaults are the cited values of SOURCES.md."""

import pytest


def test_defaults_are_the_cited_values():
    from ecomodel.air import ProcessParameters

    p = ProcessParameters()
    # dry deposition [cm/s], mid values of Seinfeld & Pandis (2016) ch. 19 (ecomodel/data/air/SOURCES.md)
    assert p.dry_deposition_velocity == {"SO2": 0.5, "NOx": 0.1, "HNO3": 2.0, "NH3": 1.0, "VOC": 0.0, "aerosol": 0.1}
    # SO2 + OH 9.0e-13 cm3/s (Atkinson et al. 2004), NO2 + OH 1.1e-11 cm3/s (JPL 15-10)
    assert p.k_so2_oh == pytest.approx(9.0e-13) and p.k_no2_oh == pytest.approx(1.1e-11)
    assert 0.0 < p.soa_yield < 1.0
