"""ecomodel/cli/standards.py: the `ecomodel standards` subcommands (aqi, water, limits) and their errors.
"""

import json

import pytest

from ecomodel.cli import main


# ---------------------------------------------------------------------------------- CLI
def test_cli__aqi(capsys):
    from ecomodel.cli import main

    assert main(["standards", "aqi", "PM2.5=80", "O3_8h=170"]) == 0
    out = capsys.readouterr().out
    assert "PM2.5" in out and "107" in out and "110" in out
    assert "AQI 110: 轻度污染 (Lightly polluted), level 3" in out
    assert "primary pollutant: O3_8h" in out


def test_cli__aqi_json_and_off_scale(capsys):
    from ecomodel.cli import main

    assert main(["standards", "aqi", "PM2.5=600", "O3_8h=900", "O3_1h=300", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["aqi"] == 500 and data["iaqi"]["O3_8h"] is None and data["not_rated"] == {"O3_8h": 1}


def test_cli__water(capsys):
    from ecomodel.cli import main

    assert main(["standards", "water", "TP=0.15", "NH3-N=0.6", "--waterbody", "river"]) == 0
    out = capsys.readouterr().out
    assert "TP" in out and "Ⅲ类" in out and "section class: Ⅲ类 (良好); controlling: TP, NH3-N" in out
    assert main(["standards", "water", "TP=0.25", "NH3-N=1.8"]) == 0
    out = capsys.readouterr().out
    assert "section class: Ⅴ类" in out and "main pollutants: NH3-N (0.80), TP (0.25)" in out


def test_cli__limits(capsys):
    from ecomodel.cli import main

    assert main(["standards", "limits", "water", "--waterbody", "lake"]) == 0
    assert "0.025" in capsys.readouterr().out
    assert main(["standards", "limits", "air"]) == 0
    assert "PM2.5" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["standards", "aqi", "PM2.5"], "expected NAME=VALUE"),
        (["standards", "aqi", "PM2.5=abc"], "'abc' is not a number"),
        (["standards", "aqi", "PM3=80"], "unknown name 'PM3'; did you mean"),
        (["standards", "aqi", "PM2.5=-4"], "cannot be negative"),
        (["standards", "aqi", "PM2.5=4", "PM2.5=5"], "given twice"),
        (["standards", "water", "TPX=0.1"], "did you mean 'TP'"),
    ],
)
def test_cli__bad_tokens_exit_2(capsys, argv, message):
    from ecomodel.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecomodel standards: error:") and message in err


def test_standards_cli_refuses_missing_values_without_python_only_advice(capsys):
    from ecomodel.cli import main

    for token in ("PM2.5=nan", "PM2.5=inf"):
        assert main(["standards", "aqi", token, "O3_8h=100"]) == 2
        err = capsys.readouterr().err
        assert "not a measured value" in err and "nan_policy" not in err and "Traceback" not in err
