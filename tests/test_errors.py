"""ecomodel/errors.py: the error hierarchy, its messages and close_matches().
"""

from ecomodel.errors import EcomodelError, TargetError, UnitError, close_matches


def test_errors__hierarchy_and_message():
    err = TargetError("unknown site 'X'", field="site", value="X")
    assert isinstance(err, EcomodelError) and isinstance(err, KeyError)
    assert str(err) == "unknown site 'X'"  # not KeyError's repr
    assert issubclass(UnitError, ValueError)
    assert "did you mean 'PM2.5'" in close_matches("PM25", ["PM2.5", "SO2"])
