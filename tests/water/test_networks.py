"""Embedded demo networks beyond Wujin and the steady section ensemble."""

import re

import numpy as np
import pandas as pd
import pytest

from ecomodel import targets
from ecomodel._data import data_path
from ecomodel.errors import EcomodelError
from ecomodel.water import section_shares
from ecomodel.water.apportion import apportion
from ecomodel.water.networks import network_demo, section_ensemble, tianning


def test_tianning_network_and_mass_balance():
    d = tianning()
    net = d.network
    assert net.sections.loc["粮庄桥", "reach"] == "XGH-4" and net.outlets.tolist() == ["XGH-4"]
    # with no loss, the outlet load is the sum of all sources (kg/d)
    ds = d.steady(diagnostics=True)
    loads = d.all_sources().loads(net, by_category=False)
    total_in = float(loads.sel(substance="COD").sum())
    out = float(ds["load"].sel(substance="COD").values[net.position("XGH-4")])
    loss = float(ds["loss"].sel(substance="COD").sum())
    assert out + loss == pytest.approx(total_in, rel=1e-9)
    np.testing.assert_allclose(apportion(d).sum("sector").values, 1.0, atol=1e-12)


def test_sources_md_documents_every_file_and_column():
    folder = data_path("water", "tianning")
    text = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for csv in sorted(folder.glob("*.csv")):
        assert f"`{csv.name}`" in text, csv.name
        for col in pd.read_csv(csv, nrows=0).columns:
            assert f"`{col}`" in text, (csv.name, col)
    assert re.search(r"001:486", text)


def test_ensemble_checks_the_liangzhuangqiao_class_target():
    ds = section_ensemble("tianning", years=[2025], members=4, seed=1)
    assert ds["tp_concentration"].dims == ("year", "member", "site")
    s = section_shares(ds, ["粮庄桥"], region="常州市天宁区")
    r = targets.check(s[["section_water_class"]], targets.load(site="粮庄桥", kind="target"))
    assert r["source_line"].tolist() == ["486"] and r["members"].tolist() == [4]
    assert 0.0 <= r["probability"].iloc[0] <= 1.0
    # cutting every source but the Grand Canal inflow lowers TP at the section
    cut = section_ensemble("tianning", years=[2025], members=4, seed=1,
                           reductions={"rural_domestic": 1.0, "agriculture": 1.0, "urban_runoff": 1.0})
    assert (cut["tp_concentration"] < ds["tp_concentration"]).all()


def test_unknown_network_is_named():
    with pytest.raises(EcomodelError, match="'tianing'.*tianning"):
        network_demo("tianing")
    with pytest.raises(EcomodelError, match="members"):
        section_ensemble(members=0)
