"""HJ 633-2012 Table 1 typed again from the standard, independently of the CSV files the library reads,
so a typo in either shows up as a failure (used by test_tables.py and test_air.py).
"""

IAQI_LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]


# HJ 633-2012 Table 1: item -> breakpoints at IAQI_LEVELS (shorter columns stop early)
HJ633_TABLE1 = {
    "SO2_24h": [0, 50, 150, 475, 800, 1600, 2100, 2620],
    "SO2_1h": [0, 150, 500, 650, 800],
    "NO2_24h": [0, 40, 80, 180, 280, 565, 750, 940],
    "NO2_1h": [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    "PM10_24h": [0, 50, 150, 250, 350, 420, 500, 600],
    "CO_24h": [0, 2, 4, 14, 24, 36, 48, 60],
    "CO_1h": [0, 5, 10, 35, 60, 90, 120, 150],
    "O3_1h": [0, 160, 200, 300, 400, 800, 1000, 1200],
    "O3_8h": [0, 100, 160, 215, 265, 800],
    "PM2.5_24h": [0, 35, 75, 115, 150, 250, 350, 500],
}
