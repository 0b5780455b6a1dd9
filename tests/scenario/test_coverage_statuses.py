"""Honest statuses for the state rows no projection checks: each names what is missing."""

import pytest

from ecomodel import targets

#: rows another helper builds networks for; they keep the generic status
_LEFT = {"002:365/section_water_class", "003:531/yangtze_tributary_water_class",
         "003:532/key_river_class_iii_or_better_pct"}
_GENERIC = "state indicator no projection holds yet (or no target year)"


@pytest.fixture(scope="module")
def cov():
    return targets.coverage()


@pytest.mark.parametrize("ref", sorted(targets.UNCHECKED_STATES))
def test_every_unchecked_reason_names_a_state_row(ref, cov):
    assert targets.reference_problem(ref) is None
    rows = cov[cov["ref"] == ref]
    assert len(rows) and (rows["kind"] == "state").all()
    status, _ = targets.UNCHECKED_STATES[ref]
    assert (rows["status"] == status).all()
    assert (rows["reason"] != _GENERIC).all() and (rows["reason"].str.len() > 40).all()
    assert not rows["reason"].str.contains("{").any()  # the scope was filled in


def test_share_rows_without_a_section_set_are_not_checkable(cov):
    shares = cov[cov["ref"].isin(["004:19/water_section_class_iii_or_better_ratio",
                                  "004:19/water_section_class_ii_or_better_ratio",
                                  "003:76/water_section_class_iii_or_better_ratio",
                                  "003:78/water_section_class_iii_or_better_ratio",
                                  "003:93/worse_than_v_section_share_pct", "003:95/worse_than_v_section_share_pct",
                                  "003:294/water_section_class_iii_or_better_ratio",
                                  "001:147/water_section_class_iii_or_better_ratio",
                                  "000:545/drinking_water_source_good_ratio_pct"])]
    assert len(shares) == 12
    assert (shares["status"] == "not checkable").all()
    assert shares["reason"].str.contains("does not list").all()
    # the three 004:19 优Ⅲ rows differ by scope, and their reasons say which
    three = shares[shares["ref"] == "004:19/water_section_class_iii_or_better_ratio"]["reason"]
    assert sorted(r.split("its ")[1].split("断面")[0] for r in three) == ["国考", "市考", "省考"]


def test_missing_models_are_named(cov):
    by_ref = cov.groupby("ref")["reason"].first()
    assert "upstream" in by_ref["004:29/yangtze_mainstream_water_class"]
    assert "boundary" in by_ref["004:29/yangtze_mainstream_water_class"]
    assert "2060" in by_ref["000:94/carbon_neutrality_year"]
    assert "no dyeing sector" in by_ref["003:900/dyeing_emission_decrease_pct"]


def test_no_state_row_keeps_the_generic_reason_except_those_left_to_others(cov):
    # without any check table, the rows a run checks keep the generic reason too: take the demo's
    checked = {"000:94/co2_peak_year", "000:787/tp_concentration", "000:788/tp_concentration",
               "001:165/good_air_days_ratio", "001:174/pm25_annual_mean", "001:486/section_water_class",
               "003:26/good_air_days_ratio", "003:259/energy_intensity_decrease_pct", "003:273/good_air_days_ratio",
               "003:280/pm25_annual_mean", "004:19/pm25_annual_mean", "004:19/good_air_days_ratio",
               "003:34/pm25_decrease_pct", "000:933/dustfall", "004:34/dustfall"} | {
                   f"004:19/{p}_reduction_t" for p in ("nox", "vocs", "cod", "nh3n")}
    generic = set(cov.loc[(cov["kind"] == "state") & (cov["reason"] == _GENERIC), "ref"])
    assert generic - checked == _LEFT


def test_a_count_of_works_done_is_an_activity(cov):
    row = cov[cov["ref"] == "001:490/worse_than_v_rivers_remediated_count"]
    assert row["kind"].item() == "activity"
    assert not targets.is_state_indicator("worse_than_v_rivers_remediated_count")
    assert targets.is_state_indicator("worse_than_v_section_share_pct")


def test_coverage_line_counts_the_new_statuses(cov):
    line = targets.coverage_line(cov)
    nc = int((cov["status"] == "not checkable").sum())
    nm = int(((cov["status"] == "not modelled") & (cov["kind"] == "state")).sum())
    assert f"({nc} not checkable, {nm} not modelled)" in line
    assert line.startswith("checked 0 of 47 state targets")


def test_a_checked_row_keeps_the_note_of_its_check():
    import pandas as pd

    fake = pd.DataFrame([{"document": "003_640b6bcd6ad4341f.txt", "source_line": "34",
                          "indicator": "pm25_decrease_pct", "probability": 1.0, "note": "in-sample hindcast"}])
    cov = targets.coverage(fake)
    row = cov[cov["ref"] == "003:34/pm25_decrease_pct"]
    assert row["status"].item() == "checked" and row["reason"].item() == "in-sample hindcast"


def test_jiangyin_pm25_decrease_is_checked_on_an_in_sample_hindcast():
    from ecomodel.scenario.report import HINDCAST_NOTE, hindcast_table

    t = hindcast_table(members=4, seed=3)
    assert len(t) == 1
    row = t.iloc[0]
    assert (row["document"][:3], row["source_line"], row["indicator"]) == ("003", "34-37", "pm25_decrease_pct")
    assert int(row["reference_year"]) == 2015 and int(row["target_year"]) == 2020 and row["members"] == 4
    # the calibrated demo falls by 30-45 % (observed 45.6 %, 003:4), well past the 20 % target
    assert 25.0 < row["projected"] < 50.0 and row["probability"] == 1.0
    cov = targets.coverage(t)
    got = cov[cov["ref"] == "003:34/pm25_decrease_pct"]
    assert got["status"].item() == "checked" and got["reason"].item() == HINDCAST_NOTE
    assert "in-sample" in HINDCAST_NOTE


@pytest.mark.parametrize(("package", "measure", "ref"), [
    ("wujin_plan_2022_2026", "wj_gehu_aquaculture", "000:1274/gehu_aquaculture_rectification_area"),
    ("wujin_plan_2022_2026", "wj_fertiliser_efficiency", "000:472/fertilizer_use_efficiency_pct"),
    ("jiangyin_plan_2021_2025", "jy_energy_saving", "003:729/energy_saving_target"),
    ("jiangyin_plan_2021_2025", "jy_fertiliser_cut", "003:573/fertilizer_use_decrease_pct"),
    ("changzhou_2023_work_plan", "zhushan_dredging", "004:45/lake_dredging_volume"),
    ("changzhou_2023_work_plan", "cz_fertiliser_cut", "004:44/fertilizer_use_decrease_pct"),
    ("changzhou_2023_work_plan", "cz_pond_tailwater", "004:44/pond_eco_retrofit_area"),
])
def test_new_plan_measures_implement_their_rows_and_pass_the_backends(package, measure, ref):
    from ecomodel.scenario import load_package, plans
    from ecomodel.scenario.run import get_backend

    pkg = load_package(package)
    m = pkg.measure(measure)
    for e in m.all_effects:
        get_backend(e.domain).check_effect("demo", e)
    assert plans.implemented_rows([pkg])[ref] == f"{package}/{measure}"
    cov = targets.coverage(implemented=plans.implemented_rows())
    assert cov.loc[cov["ref"] == ref, "status"].item() == "implemented"


@pytest.mark.parametrize(("ref", "word"), [("000:982/industrial_water_intensity_decrease_pct", "water use"),
                                           ("000:1642/emergency_pool_count", "risk"),
                                           ("004:49/joint_enforcement_per_year", "enforcement"),
                                           ("003:591/abandoned_mine_restoration_count", "ecology")])
def test_activities_without_a_load_effect_are_out_of_scope_with_a_reason(ref, word, cov):
    row = cov[cov["ref"] == ref]
    assert row["status"].item() == "out of scope" and word in row["reason"].item()


@pytest.fixture(scope="module")
def cov_plans():
    from ecomodel.scenario import plans

    return targets.coverage(implemented=plans.implemented_rows())


@pytest.mark.parametrize("ref", sorted(targets.ACTIVITY_REASONS))
def test_every_activity_reason_names_an_activity_row_without_a_measure(ref, cov_plans):
    assert targets.reference_problem(ref) is None
    rows = cov_plans[cov_plans["ref"] == ref]
    status, why = targets.ACTIVITY_REASONS[ref]
    assert len(rows) and (rows["kind"] == "activity").all()
    assert status in ("out of scope", "no measure") and (rows["status"] == status).all()
    assert (rows["reason"] == why).all() and len(why) > 40 and "{" not in why
