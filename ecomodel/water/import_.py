"""Bring your own network: reaches, lakes and sections from GeoJSON or a GeoPackage.

A GeoJSON ``FeatureCollection`` (RFC 7946: longitude/latitude in degrees, WGS 84) is read with
the standard library; a GeoPackage (or any file GeoPandas reads) needs the optional extra
``pip install ecomodel[geo]``. CSV tables are read by :func:`ecomodel.water.read_network`.

Features
--------
- **Reaches**: ``LineString`` (or single-part ``MultiLineString``) features drawn in the flow
  direction, with property ``reach`` (id) and the reach-table columns of
  :data:`ecomodel.water.network.REACH_COLUMNS` as properties (``flow`` [m3/s] and ``velocity``
  [m/s] or ``width``/``depth`` …). ``length`` [m] defaults to the great-circle length of the
  line (haversine, Earth radius 6 371 008.8 m, the IUGG mean radius; Moritz 2000, *Geodetic
  Reference System 1980*, J. Geodesy 74, 128–133). ``downstream`` defaults to the reach whose
  first vertex is this reach's last vertex (within ``tolerance`` degrees); a reach may say
  ``"outlet": true``.
- **Lakes**: features with property ``lake`` and ``area`` [km2], ``mean_depth`` [m] (any geometry).
- **Sections**: ``Point`` features with properties ``section`` and ``reach``.

Topology is checked before the network is built: a given ``downstream`` whose first vertex does
not meet the reach's end, or a reach whose end meets no other reach although it is not the
network's single (or a declared) outlet, is a *dangling reach*; cycles, unknown ids and sections
off the network are refused by :class:`~ecomodel.water.RiverNetwork` itself. Every refusal is a
:class:`~ecomodel.errors.NetworkError` naming the reach or section.

Examples
--------
>>> fc = {"type": "FeatureCollection", "features": [
...   {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[120.0, 31.7], [120.01, 31.7]]},
...    "properties": {"reach": "A", "flow": 2.0, "velocity": 0.2}},
...   {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[120.01, 31.7], [120.02, 31.69]]},
...    "properties": {"reach": "B", "flow": 3.0, "velocity": 0.2}},
...   {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.02, 31.69]},
...    "properties": {"section": "S1", "reach": "B"}}]}
>>> net = network_from_geojson(fc)
>>> net.reaches.tolist(), net.sections["reach"].tolist()
(['A', 'B'], ['B'])
>>> round(float(net.length[0]))   # 0.01 degree of longitude at 31.7 N
946
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pandas as pd

from ecomodel.errors import NetworkError

from .network import RiverNetwork

__all__ = ["network_from_geojson", "read_geojson", "read_geopackage", "EARTH_RADIUS"]

#: mean Earth radius [m] (IUGG R1, GRS 80; Moritz 2000)
EARTH_RADIUS = 6371008.8


def _line(feature: dict, reach) -> np.ndarray:
    geom = feature.get("geometry") or {}
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "MultiLineString" and coords is not None and len(coords) == 1:
        kind, coords = "LineString", coords[0]
    if kind != "LineString" or coords is None or len(coords) < 2:
        raise NetworkError(f"reach {reach!r}: geometry {kind!r} with {len(coords or [])} vertices; expected a "
                           "LineString of at least 2 vertices drawn downstream", field="geometry", value=kind,
                           expected="LineString")
    xy = np.asarray(coords, float)[:, :2]
    if not np.isfinite(xy).all() or (np.abs(xy[:, 1]) > 90).any():
        raise NetworkError(f"reach {reach!r}: coordinates are not longitude/latitude in degrees", field="geometry",
                           value=reach, expected="RFC 7946 longitude, latitude")
    return xy


def _haversine_length(xy: np.ndarray) -> float:
    """Great-circle length [m] of a polyline of (lon, lat) vertices [degrees]."""
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    a = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    return float(np.sum(2 * EARTH_RADIUS * np.arcsin(np.sqrt(np.minimum(a, 1.0)))))


def _split(features: list) -> tuple[list, list, list]:
    reaches, lakes, sections = [], [], []
    for i, f in enumerate(features):
        p = f.get("properties") or {}
        if "section" in p and (f.get("geometry") or {}).get("type") == "Point":
            sections.append(p)
        elif "reach" in p:
            reaches.append(f)
        elif "lake" in p:
            lakes.append(p)
        else:
            raise NetworkError(f"feature {i}: properties {sorted(p)} name no reach, lake or section",
                               field="properties", value=i, expected="a 'reach', 'lake' or 'section' property")
    if not reaches:
        raise NetworkError("GeoJSON: no reach features (LineStrings with a 'reach' property)", field="features",
                           value=0, expected="at least one reach")
    return reaches, lakes, sections


def _downstream(ids: list, lines: list, props: list, tolerance: float) -> list:
    """Downstream id of each reach: given, or the reach starting where it ends; dangling ends refused."""
    starts = np.array([ln[0] for ln in lines])
    ends = np.array([ln[-1] for ln in lines])
    down, open_ends = [], []
    for i, p in enumerate(props):
        given = p.get("downstream")
        touching = [ids[j] for j in np.nonzero(np.all(np.abs(starts - ends[i]) <= tolerance, axis=1))[0] if j != i]
        if given not in (None, ""):
            if str(given) in map(str, ids) and str(given) not in map(str, touching) and not p.get("ignore_geometry"):
                raise NetworkError(f"dangling reach {ids[i]!r}: its end {tuple(ends[i])} does not meet the start of "
                                   f"its downstream reach {given!r}", field="geometry", value=ids[i],
                                   expected="the reach's last vertex on the downstream reach's first vertex")
            down.append(given)
        elif p.get("outlet"):
            down.append("")
        elif len(touching) > 1:
            raise NetworkError(f"reach {ids[i]!r} ends where {touching} start: give 'downstream' and 'fraction' "
                               "rows for a split", field="downstream", value=ids[i], expected="one downstream reach")
        else:
            down.append(touching[0] if touching else "")
            if not touching:
                open_ends.append(ids[i])
    declared = any(p.get("outlet") for p in props)
    if len(open_ends) > (0 if declared else 1):
        raise NetworkError(f"dangling reach(es) {open_ends[:10]}: their ends meet no other reach and they are not "
                           "declared outlets ('outlet': true)", field="geometry", value=open_ends[:10],
                           expected="one outlet, or outlets declared")
    return down


def network_from_geojson(data: dict, *, tolerance: float = 1e-6, allow_disconnected: bool = False) -> RiverNetwork:
    """Build a :class:`~ecomodel.water.RiverNetwork` from a GeoJSON FeatureCollection (a dict).

    Parameters
    ----------
    data : dict
        Parsed GeoJSON (see the module docstring for the features and properties).
    tolerance : float
        Largest coordinate difference [degrees] at which two vertices meet (1e-6 deg ≈ 0.1 m).
    allow_disconnected : bool
        As for :meth:`RiverNetwork.from_dataframe`.

    Returns
    -------
    RiverNetwork

    Raises
    ------
    NetworkError
        Not a FeatureCollection, a feature that is neither reach, lake nor section, a reach that is
        not a LineString, a dangling reach, and every error of :meth:`RiverNetwork.from_dataframe`
        (cycles, sections on reaches not in the network …).
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or \
            not isinstance(data.get("features"), list):
        raise NetworkError("GeoJSON: expected a FeatureCollection with a 'features' list", field="type",
                           value=data.get("type") if isinstance(data, dict) else type(data).__name__,
                           expected="FeatureCollection")
    reach_f, lake_p, section_p = _split(data["features"])
    props = [dict(f.get("properties") or {}) for f in reach_f]
    ids = [p["reach"] for p in props]
    lines = [_line(f, r) for f, r in zip(reach_f, ids)]
    down = _downstream(ids, lines, props, tolerance)
    rows = []
    for p, ln, d in zip(props, lines, down):
        row = {k: v for k, v in p.items() if k not in ("outlet", "ignore_geometry")}
        row["downstream"] = d
        if row.get("length") in (None, "") and not row.get("lake"):
            row["length"] = _haversine_length(ln)
        rows.append(row)
    reaches = pd.DataFrame(rows)
    lakes = pd.DataFrame(lake_p) if lake_p else None
    sections = pd.DataFrame(section_p)[["section", "reach"]] if section_p else None
    return RiverNetwork.from_dataframe(reaches, lakes=lakes, sections=sections, allow_disconnected=allow_disconnected)


def read_geojson(path: str | os.PathLike, **kwargs: Any) -> RiverNetwork:
    """Read a network from a GeoJSON file (standard library only); see :func:`network_from_geojson`."""
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as err:
            raise NetworkError(f"{os.fspath(path)}: not valid JSON ({err})", field="path", value=os.fspath(path),
                               expected="a GeoJSON file") from None
    return network_from_geojson(data, **kwargs)


def read_geopackage(path: str | os.PathLike, layer: str | None = None, **kwargs: Any) -> RiverNetwork:
    """Read a network from a GeoPackage layer (or any file GeoPandas reads), reprojected to
    longitude/latitude (EPSG:4326); needs the optional extra ``ecomodel[geo]`` (geopandas)."""
    try:
        import geopandas
    except ImportError:
        raise NetworkError("reading a GeoPackage needs geopandas: pip install 'ecomodel[geo]' (or export the "
                           "layer to GeoJSON and use read_geojson)", field="path", value=os.fspath(path),
                           expected="geopandas installed") from None
    frame = geopandas.read_file(path, layer=layer)
    if frame.crs is not None:
        frame = frame.to_crs(4326)
    return network_from_geojson(json.loads(frame.to_json()), **kwargs)
