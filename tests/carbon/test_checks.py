"""ecomodel/carbon/checks.py: for_check() and national_peak_rows() feed targets.check with the registry rows.
"""

import pytest

from ecomodel import targets
from ecomodel.carbon import demo_drivers, for_check, project, national_peak_rows


def test_registry_rows_checked_from_a_carbon_projection():
    ds = project(demo_drivers(scenario="baseline"), years=range(2020, 2036), members=30, seed=2)
    table = targets.check(for_check(ds), outside="skip")
    ei = table[(table["region"] == "江阴市") & (table["indicator"] == "energy_intensity_decrease_pct")]
    assert len(ei) == 1 and ei["target_value"].item() == 8.0 and ei["source_line"].astype(str).item().startswith("259")
    expected = ds["energy_intensity_decrease_pct"].sel(year=2025, region="江阴市")
    assert ei["projected"].item() == pytest.approx(float(expected.mean()))
    assert ei["probability"].item() == pytest.approx(float((expected >= 8.0).mean()))
    # 000:94 national peak before 2030, applied to Wujin (which must peak before the nation, 000:912)
    nat = targets.check(for_check(ds), national_peak_rows(["武进"]))
    assert list(nat["region"]) == ["常州市武进区"] and nat["target_value"].item() == 2030.0
    wj = ds["co2_peak_year"].sel(region="常州市武进区")
    assert nat["probability"].item() == pytest.approx(float((wj <= 2030).mean()))
    assert "000:94" in ds["co2_peak_year"].attrs["comment"]
