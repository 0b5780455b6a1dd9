"""Carbon benchmarks: inventory, projection and LMDI at 10^4 regions x 20 sectors x 12 fuels x 16 years.

Targets (issue 6): inventory + projection <= 1 s; LMDI over the same <= 1 s.

    python -m benchmarks carbon
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import best_time, result


def _balance(regions, sectors, years, seed=0):
    import xarray as xr

    from ecomodel.carbon import FUELS, energy_balance

    rng = np.random.default_rng(seed)
    vals = rng.uniform(0.0, 100.0, (regions, years, sectors, len(FUELS)))
    vals[rng.random(vals.shape) < 0.2] = 0.0
    vals[..., 0, -1] += 1.0  # every region/year uses some electricity
    da = xr.DataArray(vals, dims=("region", "year", "sector", "fuel"),
                      coords={"region": np.arange(regions), "year": np.arange(2020, 2020 + years),
                              "sector": [f"s{i}" for i in range(sectors)], "fuel": list(FUELS)})
    return energy_balance(da, units="default"), rng


def _drivers(regions, sectors, seed=1):
    import xarray as xr

    from ecomodel.carbon import FUELS, Drivers, energy_balance

    rng = np.random.default_rng(seed)
    vals = rng.uniform(0.0, 100.0, (regions, sectors, len(FUELS)))
    vals[rng.random(vals.shape) < 0.2] = 0.0
    names = [f"r{i}" for i in range(regions)]
    secs = [f"s{i}" for i in range(sectors)]
    bal = energy_balance(xr.DataArray(vals, dims=("region", "sector", "fuel"),
                                      coords={"region": names, "sector": secs, "fuel": list(FUELS)}), units="default")
    share = rng.uniform(0.5, 1.5, (regions, sectors))
    share /= share.sum(1, keepdims=True)
    return Drivers(balance=bal, gdp=xr.DataArray(rng.uniform(100, 1000, regions), dims="region",
                                                 coords={"region": names}),
                   activity_share=xr.DataArray(share, dims=("region", "sector"),
                                               coords={"region": names, "sector": secs}),
                   household_sectors=(),
                   parameters={"gdp_growth": 0.05, "energy_intensity_decline": 0.03, "coal_to_gas": 0.02,
                               "electrification": 0.01, "grid_non_fossil_increase": 0.01})


def run(tiny: bool = False):
    from ecomodel.carbon import co2_inventory, lmdi_decomposition, project

    regions, sectors, years = (10, 4, 3) if tiny else (10_000, 20, 16)
    repeat = 1 if tiny else 3
    size = f"{regions} regions x {sectors} sectors x 12 fuels x {years} years"
    cells = regions * sectors * 12 * years

    bal, rng = _balance(regions, sectors, years)
    t_inv = best_time(lambda: co2_inventory(bal), repeat=repeat)
    yield result("inventory", size, t_inv, cells, "cells/s")

    drivers = _drivers(regions, sectors)
    yrs = range(2020, 2020 + years)
    t_proj = best_time(lambda: project(drivers, years=yrs, members=1), repeat=repeat)
    yield result("projection (members=1)", size, t_proj, cells, "cells/s")
    yield result("inventory + projection", size, t_inv + t_proj, cells, "cells/s", target_seconds=1.0)
    from dataclasses import replace

    shifting = replace(drivers.with_parameters(structure_shift={"*": 0.0123, "s0": 0.0}, coal_to_gas=0.05,
                                               coal_to_electricity=0.05), structure_receiver="s0")
    t_struct = best_time(lambda: project(shifting, years=yrs, members=1), repeat=repeat)
    yield result("projection with structure shift + coal to gas/electricity", size, t_struct, cells, "cells/s",
                 peer="projection without them", peer_seconds=t_proj)

    inv = co2_inventory(bal)
    act = bal.isel(fuel=0, drop=True).copy(data=rng.uniform(1.0, 10.0, bal.shape[:-1]))
    energy, co2 = inv["energy_tce"], inv["co2"]
    t_lmdi = best_time(lambda: lmdi_decomposition(act, energy, co2, engine="numba"), repeat=repeat)
    t_numpy = best_time(lambda: lmdi_decomposition(act, energy, co2, engine="numpy"), repeat=1, warmup=0)
    yield result("lmdi chained (numba kernel)", size, t_lmdi, cells, "cells/s", peer="numpy engine (same module)",
                 peer_seconds=t_numpy, target_seconds=1.0)

    if not tiny:
        small = _drivers(1000, sectors)
        t_ens = best_time(lambda: project(small, years=yrs, members=100, seed=0), repeat=repeat)
        yield result("projection ensemble", f"1000 regions x {sectors} sectors x 12 fuels x {years} years x 100 members",
                     t_ens, 1000 * sectors * 12 * years * 100, "cell-members/s")
