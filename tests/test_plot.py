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
    assert ax.get_ylabel() == "PM2.5 annual mean [ug/m3]"
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
