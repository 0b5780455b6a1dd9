"""Plan-target registry: key rows, provenance of every row, lookups and check().

The `ecomodel targets` command line is tested in tests/cli/test_targets.py."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from ecomodel import targets
from ecomodel.errors import EcomodelError, InputError, TargetError

REPO = Path(__file__).resolve().parents[1]


def _seed_dir() -> Path | None:
    for cand in (os.environ.get("ECOMODEL_SEEDS"), "/work/shared/seeds", REPO.parent / "shared" / "seeds"):
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None


SEEDS = _seed_dir()
needs_seeds = pytest.mark.skipif(SEEDS is None, reason="seed documents not available (../shared/seeds)")


def _lines(spec: str) -> list[int]:
    out = []
    for part in str(spec).split(";"):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def _one(**filters) -> pd.Series:
    kind = filters.pop("kind", "target")
    extra = {k: filters.pop(k) for k in list(filters) if k in ("target_year_", "scope")}
    df = targets.load(kind=kind, **filters)
    if "scope" in extra:
        df = df[df["scope"] == extra["scope"]]
    assert len(df) == 1, df[["indicator", "site", "scope", "target_year", "source_line"]]
    return df.iloc[0]


# ------------------------------------------------------------------------------- key rows


@pytest.mark.parametrize(
    "site, waterbody, target, baseline, lines",
    [
        ("姚巷桥", "武进港", 0.136, 0.146, "787-795"),
        ("黄埝桥", "太滆运河", 0.16, 0.138, "788;799-804"),
        ("百渎港桥", "漕桥河", 0.164, 0.147, "788;809-814"),
    ],
)
def test_key_rows__wujin_section_tp_targets(site, waterbody, target, baseline, lines):
    row = _one(site=site, indicator="tp_concentration", year=2026)
    assert row["region"] == "常州市武进区"
    assert row["waterbody"] == waterbody
    assert row["unit"] == "mg/L" and row["comparator"] == "<="
    assert row["target_value"] == pytest.approx(target)
    assert (row["baseline_year"], row["baseline_value"]) == (2021, pytest.approx(baseline))
    assert row["source_line"] == lines
    assert row["binding"] == "约束性"
    assert row["document"].startswith("000_")


def test_key_rows__tianning_pm25_and_good_days():
    pm = _one(region="天宁", indicator="pm25_annual_mean", year=2025)
    assert (pm["baseline_year"], pm["baseline_value"], pm["target_value"], pm["comparator"]) == (2020, 36, 34, "<=")
    assert pm["source_line"].startswith("174-179")
    assert "36.5" in pm["notes"]  # table 36 vs text 36.5 discrepancy documented
    text = _one(region="天宁", indicator="pm25_annual_mean", kind="observation")
    assert (text["baseline_year"], text["baseline_value"], text["source_line"]) == (2020, 36.5, "27")
    good = _one(region="天宁", indicator="good_air_days_ratio", year=2025)
    assert (good["baseline_value"], good["target_value"], good["comparator"]) == (82, 83.8, ">=")
    assert good["source_line"].startswith("165-170")


def test_key_rows__changzhou_2023_air_and_reductions():
    pm = _one(region="常州", indicator="pm25_annual_mean", year=2023)
    assert (pm["target_value"], pm["comparator"], pm["source_line"]) == (31, "<=", "19")
    good = _one(region="Changzhou", indicator="good_air_days_ratio", year=2023)
    assert (good["target_value"], good["comparator"], good["source_line"]) == (80.0, ">=", "19")
    for key, tonnes in [("nox_reduction_t", 5207), ("vocs_reduction_t", 4856), ("cod_reduction_t", 3993),
                        ("nh3n_reduction_t", 225)]:
        row = _one(region="常州市", indicator=key, year=2023)
        assert (row["target_value"], row["unit"], row["source_line"], row["document"][:3]) == (tonnes, "t", "19", "004")


def test_key_rows__jiangyin_air_water_carbon_and_emissions():
    pm = _one(region="江阴", indicator="pm25_annual_mean", year=2025)
    assert (pm["baseline_value"], pm["target_value"], pm["binding"]) == (37, 33, "约束性")
    assert pm["source_line"].startswith("280-284")
    good = _one(region="江阴", indicator="good_air_days_ratio", year=2025)
    assert (good["baseline_value"], good["target_value"]) == (77.9, 82)
    water = _one(region="江阴", indicator="water_section_class_iii_or_better_ratio", year=2025)
    assert (water["baseline_value"], water["target_value"]) == (88.9, 100)
    energy = _one(region="江阴", indicator="energy_intensity_decrease_pct", year=2025)
    assert (energy["target_value"], energy["reference_year"], energy["comparator"]) == (8, 2020, ">=")
    co2 = _one(region="江阴", indicator="co2_intensity_decrease_pct", year=2025)
    assert co2["comparator"] == "complete" and co2["binding"] == "约束性" and co2["reference_year"] == 2020
    for key in ("nox_reduction_t", "vocs_reduction_t", "cod_reduction_t", "nh3n_reduction_t", "tn_reduction_t",
                "tp_reduction_t"):
        row = _one(region="江阴", indicator=key, year=2025)
        assert row["target_text"] == "[完成上级下达目标]" and row["unit"] == "10^4 t"
    obs = _one(region="江阴", indicator="pm25_decrease_pct", kind="observation")
    assert (obs["baseline_year"], obs["baseline_value"], obs["reference_year"]) == (2020, 45.6, 2015)
    pm_obs = _one(region="江阴", indicator="pm25_annual_mean", kind="observation")
    assert (pm_obs["baseline_year"], pm_obs["baseline_value"]) == (2020, 37)
    old = _one(region="江阴", indicator="good_air_days_ratio", year=2020)  # 13th-FYP target
    assert old["target_value"] == 75


def test_key_rows__zhonglou_air_water_carbon():
    pm = _one(region="钟楼", indicator="pm25_annual_mean", kind="observation")
    assert (pm["baseline_year"], pm["baseline_value"], pm["source_line"]) == (2022, 33, "15")
    drop = _one(region="钟楼", indicator="pm25_decrease_pct", kind="observation")
    assert (drop["baseline_value"], drop["reference_year"]) == (10.8, 2021)
    co2 = _one(region="钟楼", indicator="co2_intensity_decrease_pct", year=2025)
    assert co2["target_text"] == "完成市定目标" and co2["source_line"] == "354"
    water_use = _one(region="钟楼", indicator="water_use_per_gdp_decrease_pct", year=2025)
    assert (water_use["target_value"], water_use["reference_year"]) == (23, 2020)
    pm_target = _one(region="钟楼", indicator="pm25_annual_mean", year=2025)
    assert pm_target["comparator"] == "complete" and "持续下降" in pm_target["target_text"]
    pv = _one(region="钟楼", indicator="rooftop_pv_added", year=2023)
    assert pv["target_value"] == 0.4


def test_key_rows__wujin_observations_for_calibration():
    pm = _one(region="武进", indicator="pm25_annual_mean", kind="observation")
    assert (pm["baseline_year"], pm["baseline_value"]) == (2021, 35.5)
    drop = _one(region="武进", indicator="pm25_decrease_pct", kind="observation")
    assert (drop["baseline_value"], drop["reference_year"]) == (9.0, 2020)


# ------------------------------------------------------------------------------- every row


def test_registry__schema_and_kinds():
    df = targets.load()
    assert tuple(df.columns) == targets.COLUMNS
    assert len(df) > 900
    assert set(df["kind"]) <= set(targets.KINDS)
    assert set(df["comparator"]) <= set(targets.COMPARATORS) | {""}
    for col in ("baseline_value", "target_value"):
        assert df[col].dtype == np.float64
    for col in ("baseline_year", "reference_year", "target_year"):
        assert str(df[col].dtype) == "Int64"
    assert set(df["document"]) == set(targets.DOCUMENTS)
    assert set(df["value_source"]) <= {"verbatim", "words", "derived"}


def test_registry__row_kinds_are_consistent():
    df = targets.load()
    tgt = df[df["kind"] == "target"]
    assert (tgt["target_value"].notna() | (tgt["target_text"] != "")).all()
    numeric = tgt[tgt["target_value"].notna()]
    assert numeric["comparator"].isin(["<=", ">=", "=="]).all()
    assert (tgt.loc[tgt["target_value"].isna(), "comparator"] == "complete").all()
    obs = df[df["kind"] == "observation"]
    assert obs["target_value"].isna().all() and obs["target_year"].isna().all() and (obs["comparator"] == "").all()
    assert (obs["baseline_value"].notna() | (obs["baseline_text"] != "")).all()
    both = df[df["baseline_year"].notna() & df["target_year"].notna()]
    assert (both["baseline_year"] <= both["target_year"]).all()
    assert (df["unit"] != "").all()


def test_registry__every_source_line_is_inside_its_document():
    df = targets.load()
    for _, row in df.iterrows():
        n = targets.DOCUMENTS[row["document"]].n_lines
        lines = _lines(row["source_line"])
        assert 1 <= min(lines) and max(lines) <= n, (row["document"], row["source_line"], n)


def test_registry__regions_and_sites_resolve_to_themselves():
    df = targets.load()
    for region in set(df["region"]):
        assert targets.resolve_region(region) == region
    for site in set(df["site"]) - {""}:
        assert targets.resolve_site(site) == site


def test_registry__non_verbatim_values_are_explained():
    df = targets.load()
    odd = df[df["value_source"] != "verbatim"]
    assert len(odd) > 0
    assert (odd["notes"].str.len() > 0).all()


@needs_seeds
def test_seeds__line_counts_match_documents():
    for doc in targets.DOCUMENTS.values():
        text = (SEEDS / doc.file).read_text(encoding="utf-8")
        assert len(text.splitlines()) == doc.n_lines, doc.file


@needs_seeds
def test_seeds__cited_lines_contain_every_verbatim_number():
    texts = {f: (SEEDS / f).read_text(encoding="utf-8").splitlines() for f in targets.DOCUMENTS}
    df = targets.load()
    failures = []
    for _, row in df[df["value_source"] == "verbatim"].iterrows():
        cited = " ".join(texts[row["document"]][n - 1] for n in _lines(row["source_line"]))
        numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", cited)]
        for col in ("baseline_value", "target_value"):
            value = row[col]
            if not math.isnan(value) and not any(abs(abs(value) - x) < 1e-9 for x in numbers):
                failures.append((row["document"][:3], row["source_line"], row["indicator"], col, value))
    assert not failures, failures[:10]


@needs_seeds
def test_seeds__key_lines_say_what_the_registry_says():
    lines = (SEEDS / "004_1952cce4b94fab34.txt").read_text(encoding="utf-8").splitlines()
    assert "不超过31微克/立方米" in lines[18] and "5207吨、4856吨、3993吨、225吨" in lines[18]
    wujin = (SEEDS / "000_55a924d7e69113c1.txt").read_text(encoding="utf-8").splitlines()
    assert wujin[788].strip() == "武进港姚巷桥" and wujin[791].strip() == "≤0.136"
    jiangyin = (SEEDS / "003_640b6bcd6ad4341f.txt").read_text(encoding="utf-8").splitlines()
    assert [jiangyin[i].strip() for i in (280, 281, 282)] == ["细颗粒物（PM2.5）浓度（微克/立方米）", "37", "33"]


# ------------------------------------------------------------------------------- lookups


@pytest.mark.parametrize("name", ["常州市武进区", "武进", "武进区", "Wujin", "wujin district", " WUJIN "])
def test_resolve_region__accepts_full_short_and_english(name):
    assert targets.resolve_region(name) == "常州市武进区"


@pytest.mark.parametrize("name", ["姚巷桥", "武进港姚巷桥", "Yaoxiangqiao", "yaoxiangqiao"])
def test_resolve_site__accepts_station_river_station_and_english(name):
    assert targets.resolve_site(name) == "姚巷桥"


def test_resolve_site__plan_section_name():
    assert targets.resolve_site("太滆运河分水（黄埝桥）") == "黄埝桥"


@pytest.mark.parametrize(
    "call, arg, suggestion",
    [
        (targets.resolve_region, "Wujn", "Wujin"),
        (targets.resolve_site, "姚巷", "姚巷桥"),
        (lambda x: targets.load(indicator=x), "pm25_annual", "pm25_annual_mean"),
        (lambda x: targets.load(kind=x), "targets", "target"),
        (lambda x: targets.load(document=x), "0003", "003"),
    ],
)
def test_unknown_names__raise_target_error_with_suggestions(call, arg, suggestion):
    with pytest.raises(TargetError, match="did you mean") as info:
        call(arg)
    assert repr(suggestion) in str(info.value)
    assert isinstance(info.value, EcomodelError) and isinstance(info.value, KeyError)


def test_load__filters_and_copies():
    a = targets.load(region="江阴", kind="target")
    b = targets.load(region="Jiangyin", kind="target")
    pd.testing.assert_frame_equal(a, b)
    assert set(a["region"]) == {"江阴市"} and set(a["kind"]) == {"target"}
    a.loc[0, "target_value"] = -1.0
    assert targets.load(region="江阴", kind="target").loc[0, "target_value"] != -1.0
    y = targets.load(year=2023, document="004")
    assert set(y["target_year"].dropna()) == {2023}
    multi = targets.load(region="江阴", indicator="pm25_annual_mean", kind="all", year=[2020, 2025])
    assert set(multi["kind"]) == {"target", "observation"}
    by_name = targets.load(indicator="细颗粒物（PM2.5）浓度", region="江阴")
    assert set(by_name["indicator"]) == {"pm25_annual_mean"}


def test_load__bad_year_raises():
    with pytest.raises(TargetError, match="year"):
        targets.load(year="soon")


# ------------------------------------------------------------------------------- check()


def _tp(values, *, units="mg/L", years=(2025, 2026), members=True, site="姚巷桥"):
    values = np.asarray(values, dtype=float)
    dims = ("year", "member") if members else ("year",)
    coords = {"year": list(years)}
    if members:
        coords["member"] = np.arange(values.shape[1])
    return xr.DataArray(values, dims=dims, coords=coords, name="tp_concentration",
                        attrs={"units": units, "site": site})


def test_check__without_members_le_target():
    r = targets.check(_tp([0.150, 0.130], members=False), targets.load(site="姚巷桥", year=2026))
    (row,) = r.to_dict("records")
    assert row["projected"] == pytest.approx(0.130)
    assert row["margin"] == pytest.approx(0.136 - 0.130)
    assert row["met"] is True and row["probability"] == 1.0 and row["members"] == 0
    assert row["source_line"] == "787-795" and row["site"] == "姚巷桥"
    r2 = targets.check(_tp([0.150, 0.140], members=False), targets.load(site="姚巷桥", year=2026))
    assert r2.loc[0, "margin"] == pytest.approx(-0.004) and not r2.loc[0, "met"] and r2.loc[0, "probability"] == 0.0


def test_check__members_give_probability_and_mean():
    vals = [[0.2, 0.2, 0.2, 0.2], [0.120, 0.130, 0.140, 0.150]]
    r = targets.check(_tp(vals), targets.load(site="Yaoxiangqiao", year=2026))
    assert r.loc[0, "projected"] == pytest.approx(0.135)
    assert r.loc[0, "probability"] == pytest.approx(0.5)
    assert r.loc[0, "members"] == 4
    assert bool(r.loc[0, "met"]) is True  # mean 0.135 ≤ 0.136


def test_check__ge_target_margin_sign_by_region_dimension():
    good = xr.DataArray([[84.0], [83.0]], dims=("year", "region"), coords={"year": [2024, 2025], "region": ["Tianning"]},
                        name="good_air_days_ratio", attrs={"units": "%"})
    r = targets.check(good, targets.load(region="天宁", year=2025))
    assert r.loc[0, "target_value"] == 83.8 and r.loc[0, "margin"] == pytest.approx(83.0 - 83.8)
    assert not r.loc[0, "met"] and r.loc[0, "region"] == "常州市天宁区"


def test_check__dataset_default_targets_skip_outside_years():
    ds = xr.Dataset(
        {"pm25_annual_mean": (("year", "region"), np.array([[35.0, 36.0], [33.5, 33.0]]))},
        coords={"year": [2024, 2025], "region": ["江阴", "天宁"]},
    )
    ds["pm25_annual_mean"].attrs["units"] = "µg/m³"
    r = targets.check(ds, outside="skip")
    got = {(row["region"], row["target_year"]): (row["target_value"], row["met"]) for row in r.to_dict("records")}
    assert got == {("江阴市", 2025): (33.0, False), ("常州市天宁区", 2025): (34.0, True)}
    with pytest.raises(TargetError, match="outside the projection"):
        targets.check(ds.sel(year=[2024]))


def test_check__units_are_converted():
    r_mg = targets.check(_tp([[0.14], [0.13]]), targets.load(site="姚巷桥", year=2026))
    r_ug = targets.check(_tp([[140.0], [130.0]], units="ug/L"), targets.load(site="姚巷桥", year=2026))
    assert r_ug.loc[0, "projected"] == pytest.approx(0.130)
    assert r_ug.loc[0, "margin"] == pytest.approx(r_mg.loc[0, "margin"])


def test_check__incompatible_or_missing_units_raise():
    with pytest.raises(TargetError, match="cannot be converted"):
        targets.check(_tp([[0.14], [0.13]], units="kg/d"), targets.load(site="姚巷桥", year=2026))
    da = _tp([[0.14], [0.13]])
    del da.attrs["units"]
    with pytest.raises(TargetError, match="no 'units'"):
        targets.check(da, targets.load(site="姚巷桥", year=2026))


def test_check__nothing_matches_raises():
    with pytest.raises(TargetError, match="no target matches"):
        targets.check(_tp([[0.14], [0.13]], site="粮庄桥"))
    with pytest.raises(TargetError, match="registry indicator"):
        targets.check(_tp([[0.14], [0.13]]).rename("phosphorus"))
    with pytest.raises(TargetError, match="no name"):
        targets.check(_tp([[0.14], [0.13]]).rename(None))


def test_check__location_errors():
    da = _tp([[0.14], [0.13]])
    del da.attrs["site"]
    with pytest.raises(TargetError, match="no location"):
        targets.check(da)
    with pytest.raises(TargetError, match="unknown site"):
        targets.check(_tp([[0.14], [0.13]], site="不存在桥"))


def test_check__nan_is_reported_not_rated():
    with pytest.raises(InputError, match="non-finite"):
        targets.check(_tp([[0.14, 0.1], [np.nan, 0.13]]), targets.load(site="姚巷桥", year=2026))


def test_check__decrease_targets_use_the_reference_year():
    intensity = xr.DataArray([[1.0], [0.95], [0.93]], dims=("year", "region"),
                             coords={"year": [2020, 2024, 2025], "region": ["江阴市"]})
    dec = targets.decrease_pct(intensity, 2020).rename("energy_intensity_decrease_pct")
    r = targets.check(dec, targets.load(region="江阴", indicator="energy_intensity_decrease_pct", year=2025))
    assert r.loc[0, "projected"] == pytest.approx(7.0) and r.loc[0, "margin"] == pytest.approx(-1.0)
    dec_2021 = dec.copy()
    dec_2021.attrs["reference_year"] = 2021
    with pytest.raises(TargetError, match="against 2021"):
        targets.check(dec_2021, targets.load(region="江阴", indicator="energy_intensity_decrease_pct", year=2025))


def test_check__text_targets_are_listed_not_checked():
    t = targets.load(region="江阴", year=2025)
    ds = xr.Dataset({"pm25_annual_mean": ("year", [34.0, 32.0])}, coords={"year": [2024, 2025]},
                    attrs={"region": "江阴"})
    ds["pm25_annual_mean"].attrs["units"] = "ug/m3"
    r = targets.check(ds, t)
    assert len(r) == 1 and r.loc[0, "met"]
    assert (r.attrs["not_checkable"]["comparator"] == "complete").any()


def test_decrease_pct__bad_reference_year():
    x = xr.DataArray([1.0, 0.9], coords={"year": [2020, 2021]}, dims="year")
    with pytest.raises(InputError, match="reference_year"):
        targets.decrease_pct(x, 2019)
