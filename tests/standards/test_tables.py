"""ecomodel/standards/_tables.py: the tables read from ecomodel/data/standards/ against HJ 633-2012 Table 1
(typed again in _typed_tables.py).
"""

from ecomodel import standards

from tests.standards._typed_tables import HJ633_TABLE1, IAQI_LEVELS


# ----------------------------------------------------------------------------- HJ 633 IAQI
def test_breakpoint_tables__match_the_standard():
    for item, bps in HJ633_TABLE1.items():
        table = standards.breakpoints(*item.split("_"))
        assert table.concentration.tolist() == bps, item
        assert table.iaqi.tolist() == IAQI_LEVELS[: len(bps)], item
        assert table.unit == ("mg/m3" if item.startswith("CO") else "ug/m3")
