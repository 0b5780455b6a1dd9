"""The embedded 江阴 demo network: 金潼桥, 码头大桥, 泗河桥 (003:205) in three stylised catchments."""

import re

import numpy as np
import pandas as pd
import pytest

from ecomodel import standards, targets
from ecomodel._data import data_path
from ecomodel.errors import EcomodelError, InputError
from ecomodel.water import section_shares
from ecomodel.water.apportion import apportion
from ecomodel.water.networks import NETWORKS, network_demo, section_ensemble

SECTIONS = ["金潼桥", "码头大桥", "泗河桥"]
N_SPECIES = ["OrgN", "NH3-N", "NO3-N"]


@pytest.fixture(scope="module")
def jy():
    return network_demo("jiangyin")


def test_network_has_the_three_plan_sections_each_at_its_own_outlet(jy):
    net = jy.network
    assert "jiangyin" in NETWORKS and net.n_reaches == 9
    assert list(net.sections.index) == SECTIONS
    assert net.sections["reach"].tolist() == ["JTQ-2", "MTD-2", "SHQ-2"]
    assert sorted(net.outlets.tolist()) == ["JTQ-2", "MTD-2", "SHQ-2"]
    assert all(s.endswith("003_640b6bcd6ad4341f.txt:205") for s in net.sections["source"])
    assert set(jy.substances) == {"TP", "OrgN", "NH3-N", "NO3-N", "COD", "CODMn"}


def test_mass_balance_and_junction_closed_form(jy):
    net = jy.network
    ds = jy.steady(diagnostics=True)
    out, inflow, local, loss = (ds[v].to_pandas() for v in ("load", "inflow_load", "local_load", "loss"))
    # every reach: what enters leaves or is lost (kg/d), for every substance
    np.testing.assert_allclose((inflow - loss).to_numpy(), out.to_numpy(), rtol=1e-12, atol=1e-9)
    # a junction: the lower reach receives its upper reach and side branch plus its own sources
    for c in ("JTQ", "MTD", "SHQ"):
        np.testing.assert_allclose(inflow.loc[f"{c}-2"], out.loc[f"{c}-1"] + out.loc[f"{c}-T"] + local.loc[f"{c}-2"],
                                   rtol=1e-12)
    outlets = ["JTQ-2", "MTD-2", "SHQ-2"]
    for s in ("TP", "COD", "CODMn"):  # conservative but for settling/decay: outlets + losses = all sources
        assert out.loc[outlets, s].sum() + loss[s].sum() == pytest.approx(local[s].sum(), rel=1e-10)
    # nitrogen: species convert into one another; total N in = N out + net N removed
    total_n = local[N_SPECIES].to_numpy().sum()
    assert out.loc[outlets, N_SPECIES].to_numpy().sum() + loss[N_SPECIES].to_numpy().sum() == pytest.approx(
        total_n, rel=1e-10)
    assert loss[N_SPECIES].to_numpy().sum() > 0  # denitrification and settling remove N
    # the sources' loads are what the network receives
    loads = jy.all_sources().loads(net, by_category=False)
    np.testing.assert_allclose(loads.sel(substance="TP").values, local["TP"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(apportion(jy).sum("sector").values, 1.0, atol=1e-12)


def test_catchments_are_independent_and_the_response_is_linear(jy):
    base = jy.section_means()
    cut = jy.section_means({("rural_domestic", "JTQ-1"): 1.0})
    assert cut.loc["金潼桥", "TP"] < base.loc["金潼桥", "TP"]
    pd.testing.assert_frame_equal(cut.loc[["码头大桥", "泗河桥"]], base.loc[["码头大桥", "泗河桥"]])
    half = jy.section_means({("rural_domestic", "JTQ-1"): 0.5})
    np.testing.assert_allclose(half.loc["金潼桥"].to_numpy(), 0.5 * (base.loc["金潼桥"] + cut.loc["金潼桥"]).to_numpy(),
                               rtol=1e-10)


def test_loads_reproduce_the_2020_states_of_003_205(jy):
    """calibration_targets.csv: the ranges the plan's words allow, and the fitted midpoints."""
    m = jy.section_means()
    cal = pd.read_csv(data_path("water", "jiangyin", "calibration_targets.csv"))
    assert set(cal["site"]) == set(SECTIONS)
    for r in cal.itertuples():
        v = float(m.loc[r.site, r.substance])
        assert r.lower < v <= r.upper, (r.site, r.substance, v)
        if not np.isnan(r.value):
            assert v == pytest.approx(r.value, rel=0.01), (r.site, r.substance)
    cls = {s: max(int(standards.water_class(p, float(m.loc[s, p]))) for p in ("TP", "NH3-N", "COD", "CODMn"))
           for s in SECTIONS}
    assert cls == {"金潼桥": 3, "码头大桥": 3, "泗河桥": 4}  # 泗河桥 fails Wuxi's class III (003:205)
    assert m.loc["金潼桥", "TN"] == pytest.approx(m.loc["金潼桥", N_SPECIES].sum(), rel=1e-12)


def test_ensemble_projects_every_section_with_n_and_codmn():
    ds = section_ensemble("jiangyin", years=[2025], members=3, seed=2)
    assert list(ds["site"].values) == SECTIONS
    for v in ("tp_concentration", "nh3n_concentration", "cod_concentration", "codmn_concentration",
              "tn_concentration"):
        assert ds[v].dims == ("year", "member", "site") and np.isfinite(ds[v]).all(), v
    s = section_shares(ds, SECTIONS, region="江阴市", scope="省考及以上断面")
    r = targets.check(s[["water_section_class_iii_or_better_ratio"]], outside="skip")
    assert "294-298;234;531;550" in r["source_line"].tolist()
    # the 天宁 ensemble keeps its three substances (its tables carry no N species)
    t = section_ensemble("tianning", years=[2025], members=2, seed=2)
    assert "tn_concentration" not in t and "tp_concentration" in t


def test_sources_md_documents_every_file_and_column():
    folder = data_path("water", "jiangyin")
    text = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for csv in sorted(folder.glob("*.csv")):
        assert f"`{csv.name}`" in text, csv.name
        for col in pd.read_csv(csv, nrows=0).columns:
            assert f"`{col}`" in text, (csv.name, col)
    for ref in ("003:205", "003:531", "003:532"):
        assert re.search(ref, text), ref
    zl = (data_path("water", "zhonglou") / "SOURCES.md").read_text(encoding="utf-8")
    assert "002:365" in zl and "no 钟楼 network" in zl.replace("**", "")


def test_unknown_network_names_the_field():
    with pytest.raises(EcomodelError) as info:
        network_demo("jiangyn")
    assert isinstance(info.value, InputError) and info.value.field == "network"
    assert "jiangyin" in str(info.value)
    with pytest.raises(EcomodelError) as info:
        network_demo("zhonglou")  # not built: its plan names no section
    assert info.value.field == "network"
