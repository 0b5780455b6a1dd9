"""Uncertainty of the calibrated parameters (bootstrap) and leave-one-section-out validation.

SPARROW reports, next to the least-squares estimates, bootstrap intervals of every coefficient
and the prediction error at sites left out of the fit (Schwarz, G. E. et al. 2006, *The SPARROW
surface water-quality model: theory, application and user documentation*, U.S. Geological
Survey Techniques and Methods 6-B3, ch. 1.5.3–1.5.4). Here:

- :func:`bootstrap` — parametric bootstrap: new observations are drawn as the fitted model value
  plus a normal error with the observation's standard error (σ of ``observations.csv``), the
  model is refitted to each draw, and the spread of the refitted parameters is their uncertainty
  (standard deviation and 2.5–97.5 % percentiles; Efron & Tibshirani 1993, *An Introduction to the
  Bootstrap*, Chapman & Hall, ch. 6). A draw whose refit ends on a bound is kept (the bound is the
  constrained estimate for that draw) and counted in ``attrs['on_bound']``.
- :func:`validate` — each observed section in turn is left out, the parameters are refitted to
  the others, and the left-out section is predicted: a table of held-out errors.

Examples
--------
>>> t = validate()
>>> list(t.columns)[:5]
['substance', 'observed', 'predicted', 'error', 'relative_error_pct']
>>> sorted(t.index)
['姚巷桥', '百渎港桥', '黄埝桥']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .calibration import _setup, calibrate

if TYPE_CHECKING:
    from .wujin import WujinDemo

__all__ = ["bootstrap", "validate"]


def bootstrap(data: WujinDemo | None = None, *, replicates: int = 100, seed: int = 0,
              parameters: Mapping[str, tuple[float, float, float]] | None = None, year: int = 2021,
              substance: str | Sequence[str] | None = "TP") -> pd.DataFrame:
    """Parametric-bootstrap uncertainty of every calibrated parameter.

    Parameters
    ----------
    data : WujinDemo, optional
        Demo to calibrate (default: the uncalibrated demo).
    replicates : int
        Number of bootstrap draws (each one least-squares refit, ~0.2 s for the demo).
    seed : int
        Random seed.
    parameters, year, substance
        As for :func:`~ecomodel.water.calibrate`.

    Returns
    -------
    pandas.DataFrame
        Index: parameter; columns ``value`` (fit to the observations), ``se`` (from the Jacobian),
        ``boot_mean``, ``boot_sd``, ``p2_5``, ``p97_5``. ``attrs['draws']`` holds the refitted
        values (one row per replicate), ``attrs['on_bound']`` how many ended on a bound.
    """
    from ecomodel.errors import InputError

    if int(replicates) != replicates or replicates < 2:
        raise InputError(f"replicates: {replicates!r}; expected an integer >= 2", field="replicates",
                         value=replicates, expected=">= 2")
    d, obs, params = _setup(data, parameters, year, substance, ())
    base = calibrate(d, parameters=params, year=year, substance=substance, raise_on_failure=False)
    rng = np.random.default_rng(seed)
    modelled = base.residuals["modelled"].to_numpy(float)
    sigma = obs["sigma"].to_numpy(float)
    draws, on_bound = [], 0
    for _ in range(int(replicates)):
        o = obs.copy()
        o["value"] = np.maximum(modelled + rng.normal(0.0, sigma), 1e-6)
        from dataclasses import replace

        r = calibrate(replace(d, observations=o), parameters=params, year=year, substance=substance,
                      max_abs_z=np.inf, raise_on_failure=False)
        on_bound += "on its bound" in r.reason
        draws.append(r.parameters["value"])
    table = pd.DataFrame(draws).reset_index(drop=True)
    out = pd.DataFrame({"value": base.parameters["value"], "se": base.parameters["se"],
                        "boot_mean": table.mean(), "boot_sd": table.std(ddof=1),
                        "p2_5": table.quantile(0.025), "p97_5": table.quantile(0.975)})
    out.index.name = "parameter"
    out.attrs.update(draws=table, on_bound=on_bound, replicates=int(replicates), seed=seed)
    return out


def validate(data: WujinDemo | None = None, *, parameters: Mapping[str, tuple[float, float, float]] | None = None,
             year: int = 2021, substance: str | Sequence[str] | None = "TP") -> pd.DataFrame:
    """Leave-one-section-out validation of the calibration.

    Parameters
    ----------
    data, parameters, year, substance
        As for :func:`~ecomodel.water.calibrate`.

    Returns
    -------
    pandas.DataFrame
        One row per held-out section (index ``site``): ``substance``, ``observed`` [mg/L],
        ``predicted`` [mg/L] (refitted without that section), ``error`` = predicted − observed
        [mg/L], ``relative_error_pct`` [%], ``sigma`` [mg/L], ``z`` [1], ``fit`` (``'ok'`` or why
        the refit was refused — e.g. a parameter on its bound with too few sections left), and
        one column per refitted parameter.
    """
    d, obs, params = _setup(data, parameters, year, substance, ())
    rows = []
    for site, group in obs.groupby("site", sort=False):
        r = calibrate(d, parameters=params, year=year, substance=substance, exclude=[site], max_abs_z=np.inf,
                      raise_on_failure=False)
        means = d.with_parameters(**r.parameters["value"].to_dict()).section_means()
        for row in group.itertuples(index=False):
            pred = float(means.loc[site, row.substance])
            err = pred - float(row.value)
            rows.append({"site": site, "substance": row.substance, "observed": float(row.value), "predicted": pred,
                         "error": err, "relative_error_pct": 100.0 * err / float(row.value),
                         "sigma": float(row.sigma), "z": err / float(row.sigma), "fit": r.reason or "ok",
                         **r.parameters["value"].to_dict()})
    return pd.DataFrame(rows).set_index("site")
