"""ecomodel/carbon/iamc.py: the IAMC round trip through a pandas CSV and the IAMC region names.
"""

import numpy as np
import pandas as pd
import pytest

from ecomodel.carbon import demo_drivers, for_check, from_iamc, project, to_iamc
from ecomodel.errors import CarbonError


def test_iamc__round_trip_through_pandas_csv(tmp_path):
    ds = project(demo_drivers(scenario="policy"), years=range(2020, 2036), members=5, seed=0)
    ds = for_check(ds)  # IAMC tables are by year: the peak year repeated along year
    table = to_iamc(ds, scenario="policy", quantiles=(0.05, 0.95))
    assert list(table.columns) == ["model", "scenario", "region", "variable", "unit", "year", "value"]
    path = tmp_path / "carbon.csv"
    table.to_csv(path, index=False)
    back_table = pd.read_csv(path)
    assert back_table["year"].dtype.kind == "i" and back_table["value"].dtype.kind == "f"
    back = from_iamc(back_table)
    for var in ("co2_emissions", "gdp", "energy_consumption", "co2_intensity_decrease_pct", "coal_share_energy_pct"):
        np.testing.assert_allclose(back[var].sel(region=ds["region"].values).transpose("year", "region").values,
                                   ds[var].mean("member").transpose("year", "region").values, rtol=1e-12)
    p95 = back_table[back_table["variable"] == "Emissions|CO2|95th Percentile"]
    assert len(p95) == 16 * 5
    members = to_iamc(ds, statistic="members", region_names="en")
    assert members["scenario"].nunique() == 5 and "Jiangyin" in set(members["region"])
    with pytest.raises(CarbonError, match="several scenarios"):
        from_iamc(members)
    one = from_iamc(members, scenario="default|member 3")
    np.testing.assert_allclose(one["co2_emissions"].sel(region="Jiangyin").values,
                               ds["co2_emissions"].isel(member=3).sel(region="江阴市").values)


def test_iamc_region_of_names_and_sections():
    from ecomodel.carbon.iamc import iamc_region
    from ecomodel.errors import CarbonError

    assert iamc_region("常州市武进区") == iamc_region("Wujin") == iamc_region("武进区") == \
        "China|Jiangsu|Changzhou|Wujin"
    assert iamc_region("常州市") == "China|Jiangsu|Changzhou" and iamc_region("中国") == "China"
    assert iamc_region("黄埝桥") == "China|Jiangsu|Changzhou|Wujin"  # a section: the district it lies in
    assert iamc_region("Nowhere", default="Nowhere") == "Nowhere"
    with pytest.raises(CarbonError, match="no IAMC region"):
        iamc_region("Nowhere")
