"""ecomodel/_data.py: data_path finds the embedded data files and names a missing one."""

import pytest

from ecomodel._data import DATA_DIR, data_path
from ecomodel.errors import InputError


def test_data_path__finds_embedded_files():
    path = data_path("carbon", "demo_energy_balance.csv")
    assert path.is_file() and path == DATA_DIR / "carbon" / "demo_energy_balance.csv"
    assert path.read_text(encoding="utf-8").strip()


def test_data_path__missing_file_names_the_path():
    with pytest.raises(InputError, match=r"embedded data file 'carbon/no_such\.csv' is missing") as exc:
        data_path("carbon", "no_such.csv")
    assert exc.value.field == "data" and exc.value.value == "carbon/no_such.csv"
