"""ecomodel/_lazy.py: the package's lazy namespace resolves submodules and refuses unknown names.
"""

import pytest

import ecomodel
from ecomodel import units


def test_lazy_subpackages_resolve():
    assert ecomodel.units is units
    with pytest.raises(AttributeError):
        ecomodel.not_a_module  # noqa: B018
