"""The Wujin demo data: plan numbers, internal consistency and documentation of every file/column."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomodel._data import data_path
from ecomodel.water import demo, route

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_demo__network_and_sections():
    d = demo()
    assert d.network.n_reaches == 19 and set(d.lakes) == {"滆湖", "竺山湖", "太湖"}
    sec = d.network.sections
    assert sec.loc["姚巷桥", "reach"] == "WJG-4" and sec.loc["黄埝桥", "reach"] == "TGY-3"
    assert sec.loc["百渎港桥", "reach"] == "CQH-3"
    assert (d.network.abstraction == 0).all() and (d.network.lateral_flow >= 0).all()
    # 滆湖 feeds both 太滆运河 and 漕桥河, 武进港 is a separate branch
    assert "GH" in d.network.upstream_of("TGY-3") and "GH" in d.network.upstream_of("CQH-3")
    assert "GH" not in d.network.upstream_of("WJG-4")


def test_demo__boundary_inflows_fit_in_lateral_flows():
    d = demo()
    t = d.sources.table
    b = pd.read_csv(data_path("water", "boundary_sources.csv"))
    lat = pd.Series(d.network.lateral_flow, index=d.network.reaches)
    for row in b.itertuples():
        assert row.quantity <= lat[row.reach] + 1e-12
    assert set(t["reach"]) <= set(d.network.reaches)


def test_demo__observations_are_the_plan_numbers():
    obs = demo().observations
    if not SEEDS.exists():
        pytest.skip("seed plans not available")
    lines = (SEEDS / "000_55a924d7e69113c1.txt").read_text(encoding="utf-8").splitlines()
    for row in obs.itertuples():
        line = int(row.source.split(":")[1])
        assert f"{row.value:.3f}" in lines[line - 1], (row.site, lines[line - 1])


def test_demo__lake_pools_are_in_equilibrium_in_2021():
    d = demo()
    ds = d.steady(diagnostics=True)
    net = d.network
    names = list(net.lakes["lake"])
    for name, lk in d.lakes.items():
        i = int(np.nonzero(net.lake_of == names.index(name))[0][0])
        inflow = float(ds["inflow_load"].sel(substance="TP").values[i]) * 365 / 1000
        external = inflow - lk.internal_load
        assert lk.equilibrium_burial_rate(external, net.flow[i]) == pytest.approx(lk.burial_rate, abs=2e-4)


def test_demo__daily_route_with_seasonal_sources_averages_near_steady():
    d = demo()
    src = d.all_sources()
    dl = src.daily(d.network, "2021-01-01", 365)
    ds = route(d.network, None, dl, days=365, decay_rate=d.decay_rates(), settling_velocity=d.settling_velocities(),
               temperature=d.temperature, theta=d.theta())
    annual = ds["load"].mean("time") / ds["flow"].mean("time") * (1e6 / 86400e3)
    steady = d.section_means()
    np.testing.assert_allclose(annual.sel(substance="TP").values, steady["TP"].values, rtol=0.05)


def test_sources_md_documents_every_file_and_column():
    folder = data_path("water")
    text = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for csv in sorted(folder.glob("*.csv")):
        assert f"`{csv.name}`" in text, csv.name
        for col in pd.read_csv(csv, nrows=0).columns:
            assert f"`{col}`" in text, (csv.name, col)
    for ref in re.findall(r"(00[0-4])_\w+\.txt:(\d+)", text):
        assert 1 <= int(ref[1]) < 2000
