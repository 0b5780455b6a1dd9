"""China factor inputs typed from the cited tables and one-fuel energy tables, shared by test_factors.py and
test_inventory.py.
"""

import pandas as pd


# (NCV [GJ/unit], carbon content [t C/TJ], oxidation) typed from the cited tables, independent of the CSV
CHINA = {
    "raw_coal": (20.908, 26.18, 0.93), "washed_coal": (26.344, 25.40, 0.93), "coke": (28.435, 29.40, 0.93),
    "coke_oven_gas": (173.854, 13.60, 0.99), "crude_oil": (41.816, 20.10, 0.98), "gasoline": (43.070, 18.90, 0.98),
    "kerosene": (43.070, 19.60, 0.98), "diesel": (42.652, 20.20, 0.98), "fuel_oil": (41.816, 21.10, 0.98),
    "lpg": (50.179, 17.20, 0.99), "natural_gas": (389.31, 15.30, 0.99),
}


UNITS = {"coke_oven_gas": "10^4 m3", "natural_gas": "10^4 m3", "electricity": "MWh"}


def one_fuel_table(fuel, amount=1000.0, unit=None):
    return pd.DataFrame({"sector": ["industry"], "fuel": [fuel], "value": [amount],
                         "unit": [unit or UNITS.get(fuel, "t")]})
