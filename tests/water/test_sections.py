"""Monitoring sections (ecomodel/water/sections.py): the plan's three inflow sections, their source lines
and their GB 3838 assessment."""

import numpy as np
import xarray as xr


def test_section_table_names_the_plan_sections_with_their_lines():
    from ecomodel.water.sections import section_table

    t = section_table()
    assert list(t.index) == ["姚巷桥", "黄埝桥", "百渎港桥"]
    assert t.loc["姚巷桥", "waterbody"] == "武进港" and t["source"].str.startswith("000_").all()


def test_assess_classes_follow_the_gb3838_tp_limits():
    from ecomodel.water.sections import assess

    tp = xr.DataArray(np.array([[0.09, 0.15, 0.25, 0.35, 0.45]]), dims=("year", "site"),
                      coords={"year": [2025], "site": list("abcde")}, attrs={"units": "mg/L"})
    out = assess(xr.Dataset({"tp_concentration": tp}))
    cls = [v for v in out.data_vars if "class" in v]
    assert cls, list(out.data_vars)
    # GB 3838 river TP limits 0.02/0.1/0.2/0.3/0.4 mg/L: classes II, III, IV, V, worse than V
    np.testing.assert_array_equal(out[cls[0]].sel(year=2025).values, [2, 3, 4, 5, 6])
