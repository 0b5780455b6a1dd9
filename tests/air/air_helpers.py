"""Helpers shared by the air tests and the air property tests."""

import numpy as np
import pandas as pd
import xarray as xr

from ecomodel.air.meteorology import VARIABLES


def constant_meteorology(days=30, members=1, *, wind=2.0, mixing_height=800.0, temperature=15.0, rh=60.0,
                         precipitation=0.0, start="2021-01-01"):
    """Constant daily meteorology over (time, member) in canonical units."""
    time = pd.date_range(start, periods=days, freq="D")
    vals = {"wind_speed": wind, "mixing_height": mixing_height, "temperature": temperature,
            "relative_humidity": rh, "precipitation": precipitation}
    ds = xr.Dataset({k: (("time", "member"), np.full((days, members), float(v))) for k, v in vals.items()},
                    coords={"time": time, "member": np.arange(members)})
    for k in vals:
        ds[k].attrs["units"] = VARIABLES[k][0]
    return ds
