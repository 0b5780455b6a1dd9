r"""Calibration of loss rates and source multipliers to observed section values.

Parameters are fitted by weighted least squares with :func:`scipy.optimize.least_squares`
(trust-region reflective, bounds respected): minimise :math:`\sum_i r_i^2` with
:math:`r_i = (m_i(\theta) - o_i)/\sigma_i`. The parameter covariance is
:math:`(J^\top J)^{-1}` at the optimum (σ are the observation standard errors, so no rescaling by
the residual variance), and the standard errors are its square roots.

A fit is refused — :class:`~ecomodel.errors.CalibrationError` — when the optimiser did not converge,
a parameter sits on its bound, the covariance is singular (parameters not identifiable), or the
weighted residuals are too large (any :math:`|r_i|` above ``max_abs_z``, default 3). Pass
``raise_on_failure=False`` to inspect a failed fit; its ``success`` is then False and ``reason``
says why.

References
----------
Branch, M. A., Coleman, T. F. & Li, Y. (1999). A subspace, interior, and conjugate gradient method
for large-scale bound-constrained minimization problems. *SIAM J. Sci. Comput.* 21(1), 1–23.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ecomodel._checks import as_float_array
from ecomodel.errors import CalibrationError, InputError

if TYPE_CHECKING:
    from .wujin import WujinDemo

__all__ = ["fit", "calibrate", "CalibrationResult", "DEFAULT_PARAMETERS"]


@dataclass
class CalibrationResult:
    """Outcome of a calibration.

    Attributes
    ----------
    parameters : pandas.DataFrame
        Index: parameter name; columns ``value``, ``se`` (standard error), ``lower``, ``upper``,
        ``initial``.
    residuals : pandas.DataFrame
        One row per observation: ``observed``, ``modelled``, ``residual`` (modelled − observed),
        ``sigma``, ``z`` (residual / sigma).
    covariance : numpy.ndarray
        Parameter covariance.
    success : bool
    reason : str
        Why the fit was refused ('' on success).
    chi2 : float
        Sum of squared weighted residuals.
    dof : int
        Observations minus parameters.
    """

    parameters: pd.DataFrame
    residuals: pd.DataFrame
    covariance: np.ndarray
    success: bool
    reason: str
    chi2: float
    dof: int
    info: dict = field(default_factory=dict)

    def __str__(self) -> str:
        p = self.parameters[["value", "se"]].to_string(float_format=lambda v: f"{v:.4g}")
        r = self.residuals[["observed", "modelled", "residual", "z"]].to_string(float_format=lambda v: f"{v:.4g}")
        status = "success" if self.success else f"REFUSED: {self.reason}"
        return f"calibration {status}; chi2 = {self.chi2:.3g} with {self.dof} dof\n{p}\n{r}"


def fit(model: Callable[[dict[str, float]], ArrayLike], observed: ArrayLike, sigma: float | ArrayLike,
        parameters: dict, *, labels: Sequence[str] | None = None, max_abs_z: float = 3.0,
        raise_on_failure: bool = True) -> CalibrationResult:
    """Weighted least-squares fit of a model to observations.

    Parameters
    ----------
    model : callable
        ``model(values) -> array`` of modelled values in the units of *observed*, where *values* is
        a dict parameter -> value.
    observed : array-like
        Observations.
    sigma : float or array-like
        Observation standard errors (same units, > 0).
    parameters : dict
        ``{name: (initial, lower, upper)}``.
    labels : list, optional
        Names of the observations (index of ``residuals``).
    max_abs_z : float
        Largest accepted |residual/σ|.
    raise_on_failure : bool
        Raise :class:`CalibrationError` for a refused fit (default), or return it with
        ``success=False``.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    A straight line through three points:

    >>> import numpy as np
    >>> x = np.array([0.0, 1.0, 2.0])
    >>> r = fit(lambda p: p["a"] + p["b"] * x, [1.0, 3.1, 4.9], 0.1,
    ...         {"a": (0.0, -10, 10), "b": (1.0, -10, 10)})
    >>> r.parameters["value"].round(3).tolist()
    [1.05, 1.95]
    >>> r.success
    True
    """
    from scipy.optimize import least_squares

    obs = as_float_array(observed, "observed", nonnegative=False, ndim=1)
    sig = np.broadcast_to(as_float_array(sigma, "sigma", positive=True), obs.shape).astype(float)
    names, x0, lo, hi = _parameter_bounds(parameters, len(obs))

    def resid(x):
        """Weighted residuals (model − observed) / σ at parameter vector *x*."""
        m = np.asarray(model(dict(zip(names, x))), float)
        if m.shape != obs.shape or not np.all(np.isfinite(m)):
            raise CalibrationError(f"model returned {m!r:.80} for parameters {dict(zip(names, x))}; expected "
                                   f"{obs.shape[0]} finite values", field="model", value=m,
                                   expected="finite values")
        return (m - obs) / sig

    sol = least_squares(resid, x0, bounds=(lo, hi), method="trf", x_scale="jac", xtol=1e-12, ftol=1e-12,
                        gtol=1e-12)
    z = sol.fun
    chi2 = float(z @ z)
    cov, reason = _covariance(sol.jac, len(names))
    se = np.sqrt(np.diag(cov))
    reason = _refusal(sol, names, lo, hi, z, labels, max_abs_z, reason)
    modelled = obs + z * sig
    res = pd.DataFrame({"observed": obs, "modelled": modelled, "residual": modelled - obs, "sigma": sig, "z": z},
                       index=pd.Index(labels if labels is not None else range(len(obs)), name="observation"))
    par = pd.DataFrame({"value": sol.x, "se": se, "lower": lo, "upper": hi, "initial": x0},
                       index=pd.Index(names, name="parameter"))
    result = CalibrationResult(par, res, cov, reason == "", reason, chi2, len(obs) - len(names),
                               {"nfev": sol.nfev, "message": sol.message})
    if reason and raise_on_failure:
        raise CalibrationError(f"calibration refused: {reason}\n{result}", field="calibration", value=chi2,
                               expected=f"|z| <= {max_abs_z}, converged, interior optimum")
    return result


def _parameter_bounds(parameters: dict, n_obs: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(names, initial values, lower and upper bounds) of ``{name: (initial, lower, upper)}``, checked."""
    if not parameters:
        raise InputError("parameters: nothing to fit", field="parameters", value={}, expected="at least one")
    names = list(parameters)
    x0, lo, hi = (np.array([float(parameters[n][k]) for n in names]) for k in range(3))
    bad = ~((lo < hi) & (x0 >= lo) & (x0 <= hi))
    if bad.any():
        n = names[int(np.argmax(bad))]
        raise InputError(f"parameters[{n!r}]: initial {parameters[n][0]} must lie in [{parameters[n][1]}, "
                         f"{parameters[n][2]}] with lower < upper", field=n, value=parameters[n],
                         expected="lower <= initial <= upper")
    if len(names) > n_obs:
        raise InputError(f"parameters: {len(names)} parameters for {n_obs} observations", field="parameters",
                         value=len(names), expected=f"<= {n_obs}")
    return names, x0, lo, hi


def _covariance(J: np.ndarray, n: int) -> tuple[np.ndarray, str]:
    """(parameter covariance (JᵀJ)⁻¹, refusal reason): NaN and a reason when the Jacobian is singular."""
    try:
        cov = np.linalg.inv(J.T @ J)
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        return (np.full((n, n), np.nan),
                "the parameters are not identifiable from these observations (singular Jacobian)")
    return cov, ""


def _refusal(sol: object, names: list[str], lo: np.ndarray, hi: np.ndarray, z: np.ndarray,
             labels: Sequence[str] | None, max_abs_z: float, reason: str) -> str:
    """Why the fit is refused ('' when accepted): no convergence, a parameter on its bound, or a poor fit."""
    span = hi - lo
    at_bound = (np.abs(sol.x - lo) < 1e-6 * span) | (np.abs(sol.x - hi) < 1e-6 * span)
    if not sol.success:
        reason = f"the optimiser did not converge ({sol.message})"
    elif at_bound.any():
        reason = f"parameter {names[int(np.argmax(at_bound))]!r} is on its bound ({sol.x[np.argmax(at_bound)]:.4g})"
    elif not reason and np.max(np.abs(z)) > max_abs_z:
        k = int(np.argmax(np.abs(z)))
        lab = labels[k] if labels is not None else k
        reason = f"poor fit: residual at {lab!r} is {z[k]:.2f} sigma (limit {max_abs_z})"
    return reason


def calibrate(data: WujinDemo | None = None, *, parameters: Mapping[str, tuple[float, float, float]] | None = None,
              year: int = 2021, substance: str | Sequence[str] | None = "TP", exclude: Sequence[str] = (),
              max_abs_z: float = 3.0, raise_on_failure: bool = True) -> CalibrationResult:
    """Calibrate the Wujin demo to its observed section means.

    The default parameters are ``tp_diffuse_multiplier`` (scales the TP export coefficients of the
    diffuse categories) and ``tp_river_loss_multiplier`` (scales the river TP settling velocity),
    both within [0.2, 5]. Observations are the section means of the plan with their assumed
    standard errors (``observations.csv``), over every observed section and substance asked for.

    Parameters
    ----------
    data : WujinDemo, optional
        Demo to calibrate (default: the uncalibrated demo, every parameter 1).
    parameters : dict, optional
        ``{name: (initial, lower, upper)}`` of demo calibration parameters.
    year : int
        Observation year [year].
    substance : str, sequence of str or None
        Observed substance(s); None for every substance observed in *year*.
    exclude : sequence of str
        Sections left out of the fit (leave-one-out validation, :func:`ecomodel.water.validate`).
    max_abs_z, raise_on_failure
        See :func:`fit`.

    Returns
    -------
    CalibrationResult
        ``residuals`` indexed by section (one substance) or ``section/substance`` (several).

    Examples
    --------
    >>> r = calibrate()
    >>> r.success, sorted(r.parameters.index)
    (True, ['tp_diffuse_multiplier', 'tp_river_loss_multiplier'])
    >>> bool((r.residuals["z"].abs() < 3).all())
    True
    """
    d, obs, params = _setup(data, parameters, year, substance, exclude)
    sites, subs = list(obs["site"]), list(obs["substance"])
    labels = sites if len(set(subs)) == 1 else [f"{a}/{b}" for a, b in zip(sites, subs)]

    def model(values):
        means = d.with_parameters(**values).section_means()
        return np.array([means.loc[a, b] for a, b in zip(sites, subs)], float)

    return fit(model, obs["value"].to_numpy(float), obs["sigma"].to_numpy(float), params, labels=labels,
               max_abs_z=max_abs_z, raise_on_failure=raise_on_failure)


#: default calibration parameters: name -> (initial, lower, upper)
DEFAULT_PARAMETERS = {"tp_diffuse_multiplier": (1.0, 0.2, 5.0), "tp_river_loss_multiplier": (1.0, 0.2, 5.0)}


def _setup(data, parameters, year, substance, exclude):
    """Demo, the observations used (year, substances, minus *exclude*) and the parameters."""
    from .wujin import demo

    d = demo(calibrated=False) if data is None else data
    o = d.observations
    subs = sorted(set(o.loc[o["year"] == year, "substance"])) if substance is None else \
        ([substance] if isinstance(substance, str) else list(substance))
    obs = o[(o["year"] == year) & o["substance"].isin(subs)]
    if obs.empty:
        raise InputError(f"no {'/'.join(subs) or 'any'} observations in {year}", field="year", value=year,
                         expected=f"one of {sorted(o['year'].unique())}")
    unknown = [s for s in exclude if s not in set(obs["site"])]
    if unknown:
        raise InputError(f"exclude: section {unknown[0]!r} has no observation in {year}", field="exclude",
                         value=unknown[0], expected=f"one of {sorted(set(obs['site']))}")
    obs = obs[~obs["site"].isin(list(exclude))]
    return d, obs, dict(parameters or DEFAULT_PARAMETERS)
