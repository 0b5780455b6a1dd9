"""Input parsing shared by the steady and routing solvers (ecomodel/water/_inputs.py)."""

import numpy as np
import pytest

from ecomodel.errors import InputError
from ecomodel.water._inputs import _per_substance


def test_per_substance_broadcasts_every_accepted_form():
    names, n = ["TP", "COD"], 3
    np.testing.assert_array_equal(_per_substance(0.5, names, n, "decay_rate", 0.0), np.full((3, 2), 0.5))
    col = _per_substance(np.array([1.0, 2.0, 3.0]), names, n, "decay_rate", 0.0)
    np.testing.assert_array_equal(col, np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))
    per = _per_substance({"TP": 0.1}, names, n, "decay_rate", 0.0)
    np.testing.assert_array_equal(per, np.array([[0.1, 0.0]] * 3))  # a missing substance takes the default


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.array([1.0, 2.0, 3.0, 4.0]), {"TN": 0.1}])
def test_per_substance_refuses_negative_nan_misshapen_or_unknown(bad):
    with pytest.raises(InputError) as exc:
        _per_substance(bad, ["TP", "COD"], 3, "decay_rate", 0.0)
    assert "decay_rate" in str(exc.value)  # a substance missing from the run is not silently dropped
