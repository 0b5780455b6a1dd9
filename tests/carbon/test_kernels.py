"""ecomodel/carbon/_kernels.py: the numba LMDI kernel gives the numpy engine's effects.
"""

import numpy as np
import xarray as xr

from ecomodel.carbon import lmdi_decomposition


def test_lmdi__numba_engine_equals_numpy_engine():
    rng = np.random.default_rng(1)
    q = rng.uniform(1, 5, (3, 4, 5))
    e = rng.uniform(0, 3, (3, 4, 5, 6)) * (rng.random((3, 4, 5, 6)) > 0.3)
    c = e * rng.uniform(0, 3, e.shape) * (rng.random(e.shape) > 0.1)
    coords = {"region": ["a", "b", "c"], "year": [2020, 2021, 2022, 2023], "sector": list("pqrst")}
    Q = xr.DataArray(q, dims=("region", "year", "sector"), coords=coords)
    E = xr.DataArray(e, dims=("region", "year", "sector", "fuel"), coords=dict(coords, fuel=list("uvwxyz")))
    C = E.copy(data=c)
    a = lmdi_decomposition(Q, E, C, engine="numpy")
    b = lmdi_decomposition(Q, E, C, engine="numba")
    np.testing.assert_allclose(a["delta_by_sector"].values, b["delta_by_sector"].values, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a["delta"].sum("effect").values, a["total_change"].values, rtol=1e-10, atol=1e-9)
