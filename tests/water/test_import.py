"""User networks from GeoJSON / GeoPackage: topology from geometry, lengths, and refusals."""

import json
import math

import numpy as np
import pytest

from ecomodel.errors import EcomodelError, NetworkError
from ecomodel.water import steady
from ecomodel.water.import_ import EARTH_RADIUS, network_from_geojson, read_geojson, read_geopackage


def _reach(rid, coords, **props):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"reach": rid, "flow": props.pop("flow", 2.0), "velocity": 0.2, **props}}


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _y_network():
    """A and B join into C; a lake L below C; a section on C."""
    return _fc(_reach("A", [[120.0, 31.8], [120.05, 31.75]], flow=1.0),
               _reach("B", [[120.1, 31.8], [120.05, 31.75]], flow=2.0),
               _reach("C", [[120.05, 31.75], [120.05, 31.70]], flow=3.5),
               _reach("L", [[120.05, 31.70], [120.05, 31.60]], flow=3.5, lake="滆湖", outlet=True),
               {"type": "Feature", "geometry": None, "properties": {"lake": "滆湖", "area": 10.0, "mean_depth": 1.2}},
               {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.05, 31.70]},
                "properties": {"section": "S-C", "reach": "C"}})


def test_topology_lengths_and_a_solve():
    net = network_from_geojson(_y_network())
    assert net.reaches.tolist()[-1] == "L"
    assert sorted(net.reaches[net.edge_src[net.edge_dst == net.position("C")]].tolist()) == ["A", "B"]
    # 0.05 degree of latitude along a meridian: R * 0.05 * pi / 180
    assert net.length[net.position("C")] == pytest.approx(EARTH_RADIUS * math.radians(0.05), rel=1e-12)
    assert net.sections.loc["S-C", "reach"] == "C"
    assert np.isnan(net.length[net.position("L")])      # lakes have no river length
    out = steady(net, np.ones(net.n_reaches), decay_rate=0.0, settling_velocity=0.0)
    # no loss: the outlet (the lake) carries every reach's 1 kg/d
    assert float(out["load"].values[net.position("L")]) == pytest.approx(4.0)


def test_file_round_trip_and_geopackage(tmp_path):
    path = tmp_path / "net.geojson"
    path.write_text(json.dumps(_y_network(), ensure_ascii=False), encoding="utf-8")
    a = read_geojson(path)
    gpd = pytest.importorskip("geopandas")
    fc = _y_network()
    fc["features"] = [f for f in fc["features"] if f["geometry"] and f["geometry"]["type"] == "LineString"]
    for f in fc["features"]:
        f["properties"].pop("lake", None)
    frame = gpd.GeoDataFrame.from_features(fc["features"], crs=4326)
    gpkg = tmp_path / "net.gpkg"
    frame.to_file(gpkg, layer="reaches", driver="GPKG")
    b = read_geopackage(gpkg, layer="reaches")
    assert b.reaches.tolist() == a.reaches.tolist()
    np.testing.assert_allclose(b.length[:3], a.length[:3], rtol=1e-9)


def test_cycle_is_named():
    fc = _fc(_reach("A", [[0.0, 0.0], [0.0, 0.01]]), _reach("B", [[0.0, 0.01], [0.01, 0.01]]),
             _reach("C", [[0.01, 0.01], [0.0, 0.0]]))
    with pytest.raises(NetworkError, match="cycle.*'A'"):
        network_from_geojson(fc)


def test_dangling_reach_is_named():
    fc = _fc(_reach("A", [[0.0, 0.0], [0.0, 0.01]]), _reach("B", [[0.0, 0.01], [0.01, 0.01]]),
             _reach("X", [[0.5, 0.5], [0.5, 0.51]]))
    with pytest.raises(NetworkError, match=r"dangling reach\(es\) \['B', 'X'\]"):
        network_from_geojson(fc)
    fc = _fc(_reach("A", [[0.0, 0.0], [0.0, 0.01]], downstream="B"), _reach("B", [[0.2, 0.01], [0.01, 0.01]]))
    with pytest.raises(NetworkError, match="dangling reach 'A'.*'B'"):
        network_from_geojson(fc)


def test_section_off_the_network_and_bad_features():
    fc = _y_network()
    fc["features"][-1]["properties"]["reach"] = "Q"
    with pytest.raises(EcomodelError, match="section 'S-C': reach 'Q' does not exist"):
        network_from_geojson(fc)
    with pytest.raises(NetworkError, match="FeatureCollection"):
        network_from_geojson({"type": "Feature"})
    with pytest.raises(NetworkError, match="reach 'A': geometry 'Point'"):
        network_from_geojson(_fc({"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]},
                                  "properties": {"reach": "A", "flow": 1.0, "velocity": 0.1}}))
    with pytest.raises(NetworkError, match="feature 0"):
        network_from_geojson(_fc({"type": "Feature", "geometry": None, "properties": {"name": "x"}}))
