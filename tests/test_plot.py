"""Figures render to PNG files; bad input is refused."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import plot
from ecomodel.errors import InputError

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    return path.exists() and path.read_bytes()[:8] == PNG and path.stat().st_size > 2000


def test_trajectory_png(tmp_path):
    rng = np.random.default_rng(0)
    da = xr.DataArray(np.linspace(36, 30, 11)[:, None, None] + rng.normal(0, 1, (11, 30, 1)),
                      dims=("year", "member", "region"),
                      coords={"year": np.arange(2020, 2031), "region": ["常州市"], "name_en": ("region", ["Changzhou"])},
                      attrs={"units": "ug/m3", "long_name": "PM2.5 annual mean"}, name="pm25_annual_mean")
    fig = plot.trajectory(da, target=31, target_year=2025, path=tmp_path / "t.png")
    assert _is_png(tmp_path / "t.png")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "PM2.5 annual mean [µg/m³]"  # typeset, not 'ug/m3'
    assert any(np.allclose(line.get_ydata(), 31) for line in ax.get_lines())  # the target line
    with pytest.raises(InputError, match="select one value"):
        plot.trajectory(xr.concat([da, da], "region"))
    with pytest.raises(InputError, match="no 'year'"):
        plot.trajectory(da.isel(year=0))


def test_section_classes_png(tmp_path):
    c = xr.DataArray([[4, 3, 3], [5, 4, 2], [6, 4, 3]], dims=("site", "year"),
                     coords={"site": ["姚巷桥", "黄埝桥", "百渎港桥"], "year": [2021, 2025, 2026],
                             "name_en": ("site", ["Yaoxiangqiao", "Huangnianqiao", "Baidugangqiao"])})
    fig = plot.section_classes(c, path=tmp_path / "s.png")
    assert _is_png(tmp_path / "s.png")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Yaoxiangqiao", "Huangnianqiao", "Baidugangqiao"]
    with pytest.raises(InputError, match="1–6"):
        plot.section_classes(c + 5)


def test_package_comparison_png(tmp_path):
    t = pd.DataFrame({"scenario": ["baseline", "key", "alt"], "annualised_cost": [0, 4e8, 2e8],
                      "probability": [0.1, 0.8, 0.5]})
    plot.package_comparison(t, path=tmp_path / "c.png")
    assert _is_png(tmp_path / "c.png")
    with pytest.raises(InputError, match="column 'cost'"):
        plot.package_comparison(t, cost="cost")


def test_decomposition_png(tmp_path):
    fig = plot.decomposition(pd.Series({"activity": 10.0, "structure": -2.0, "intensity": -9.5}), units="Mt",
                             path=tmp_path / "d.png")
    assert _is_png(tmp_path / "d.png")
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights[-1] == pytest.approx(-1.5)  # total bar = sum of effects
    with pytest.raises(InputError):
        plot.decomposition({"a": np.nan})


def _members(offset=0.0, members=20, units="ug/m3"):
    rng = np.random.default_rng(1)
    return xr.DataArray(np.linspace(36, 30, 11)[:, None] + offset + rng.normal(0, 1, (11, members)),
                        dims=("year", "member"), coords={"year": np.arange(2020, 2031)},
                        attrs={"units": units, "long_name": "PM2.5 annual mean"})


def test_trajectory_units_are_typeset_from_the_cf_label():
    da = _members(units="1e8").assign_attrs(units_label="10^8 CNY", currency="CNY", long_name="GDP")
    assert plot.trajectory(da).axes[0].get_ylabel() == "GDP [10⁸ CNY]"
    da = _members(units="mg/m3")
    assert "µ" not in plot.trajectory(da).axes[0].get_ylabel()
    assert plot.trajectory(_members(units="m3/s")).axes[0].get_ylabel().endswith("[m³/s]")


def test_one_band_legend_entry_for_several_scenarios():
    fig = plot.trajectory(_members(), label="baseline", color="0.5")
    plot.trajectory(_members(-1.0), ax=fig.axes[0], label="key projects", color="C1")
    plot.trajectory(_members(-2.0), ax=fig.axes[0], label="+ WWTP", color="C0", target=31, target_year=2025)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    band = [t for t in texts if "members" in t]
    assert len(band) == 1 and band[0].startswith("5%–95% of 20 members"), texts
    assert [t for t in texts if "members" not in t] == ["baseline", "key projects", "+ WWTP", "target 31"]
    assert len(ax.collections) == 3  # every scenario still has its band
    # a band over a different ensemble is a different entry
    plot.trajectory(_members(members=5), ax=ax, label="small")
    assert sum("members" in t.get_text() for t in ax.get_legend().get_texts()) == 2


def test_section_classes_ticks_every_year(tmp_path):
    years = [2020, 2021, 2022, 2024, 2026, 2028, 2030]  # as the demo selected them
    c = xr.DataArray(np.full((2, len(years)), 3), dims=("site", "year"),
                     coords={"site": ["姚巷桥", "黄埝桥"], "year": years})
    fig = plot.section_classes(c, path=tmp_path / "s.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in range(2020, 2031)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["III", "no data"]
    shown = [t.get_text() for t in ax.texts]
    assert shown.count("III") == 2 * len(years) and shown.count("–") == 2 * (11 - len(years))
    full = c.reindex(year=np.arange(2020, 2031), fill_value=3)
    ax = plot.section_classes(full).axes[0]
    assert len(ax.get_xticklabels()) == 11 and "no data" not in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(InputError, match="not increasing"):
        plot.section_classes(c.isel(year=[1, 0]))


def test_package_comparison_axis_typesets_the_money_unit():
    t = pd.DataFrame({"scenario": ["a"], "annualised_cost": [1e8], "probability": [0.5]})
    assert plot.package_comparison(t).axes[0].get_xlabel() == "annualised cost [10⁸ CNY/yr]"
