"""The embedded air demo (ecomodel/air/demodata.py): the calibrated inventory is the stated one times the
stored local scales, and the stored calibration names its observations."""

import numpy as np


def test_calibrated_inventory_is_the_base_times_the_local_scale():
    from ecomodel.air.demodata import demo, load_calibration

    d, cal = demo(), load_calibration()
    base = np.asarray(d.base_inventory.emissions.values, dtype=float)
    got = np.asarray(d.inventory.emissions.values, dtype=float)
    boxes = list(d.inventory.boxes)
    for box in ("天宁", "武进", "江阴"):
        i = boxes.index(box)
        group = "江阴" if box == "江阴" else "常州市"
        np.testing.assert_allclose(got[i], base[i] * cal["local_scale"][group], rtol=1e-12)
    assert set(cal["local_scale"]) == {"常州市", "江阴"}
    assert cal["calibrated_to"].startswith("ecomodel/data/air/observations.csv")
