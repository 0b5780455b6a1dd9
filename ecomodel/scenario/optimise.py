"""The cheapest set of measures that meets every chosen target.

Method
------
Let ``x ∈ {0, 1}ⁿ`` select measures with equivalent annual costs ``c``. Each target ``j`` is an
indicator at a year with a limit ``T_j`` (``<=`` or ``>=``). The responses are linearised from
``n + 1`` evaluations — the baseline ``b_j`` and each measure alone, ``d_ij = v_j({i}) − b_j`` — and
the mixed-integer linear programme

.. math::

    \\min_x\\; c^\\top x \\quad\\text{s.t.}\\quad s_j\\,(b_j + d_j^\\top x) \\le s_j T_j,\\;
    c^\\top x \\le B,\\; \\sum_{i \\in g} x_i \\le 1 \\;\\forall g

(``s_j = +1`` for ``<=``, ``−1`` for ``>=``; ``B`` the budget; ``g`` groups of mutually exclusive
alternatives) is solved with :func:`scipy.optimize.milp` (HiGHS branch and bound). Responses of the
air model are not additive (NH3 and NOx controls interact through ammonium nitrate), so the choice
is then *verified* with the verifying evaluator (by default the full models). If a target is
missed, the responses are linearised again around the chosen set (``v(S ∪ {i}) − v(S)`` for
measures outside it, ``v(S) − v(S \\ {i})`` inside), shifted by the gap between the verifying and
the fast evaluator at the chosen set (a bias correction of the surrogate), the failed set is
excluded by a no-good cut
``Σ_{i∈S}(1 − x_i) + Σ_{i∉S} x_i ≥ 1`` and the programme is solved again, up to ``max_rounds``
times. The result reports every target with its linearised and verified value and whether it is
met; a target that is still missed is reported, never hidden.

A target with a required probability ``p`` is met when at least a share ``p`` of the ensemble
members meet it, which is the same as the ``p``-quantile of the members (``<=`` targets) or the
``1 − p``-quantile (``>=`` targets) meeting it; evaluators return that quantile for such targets.

Examples
--------
A linear toy problem (the evaluator returns target values for each row of a 0/1 selection matrix):

>>> import numpy as np
>>> from ecomodel.scenario.model import Cost, Effect, Measure
>>> ms = [Measure(id=f"m{i}", name=f"m{i}", domain="air", cost=Cost(annual=c),
...               effects=(Effect(domain="air", pollutant="NOx", fraction=0.1),)) for i, c in enumerate([3., 2., 4.])]
>>> effect = np.array([[-2.0], [-1.0], [-3.0]])             # µg/m³ per measure
>>> evaluate = lambda sel: 36.0 + sel @ effect               # baseline 36 µg/m³
>>> res = optimise(ms, [TargetSpec("pm25_annual_mean", 33.0, 2025)], evaluate=evaluate)
>>> res.chosen, res.cost
(['m2'], 4.0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from .model import DEFAULT_DISCOUNT_RATE, DOMAINS, Measure, Package, Scenario
from .specs import TargetSpec, _as_targets, as_targets, parse_target, target_statistics, targets_from_registry

if TYPE_CHECKING:
    import os

    import numpy.typing as npt
    import pandas as pd

__all__ = ["TargetSpec", "parse_target", "targets_from_registry", "optimise", "OptimisationResult", "linear_problem",
           "evaluator", "check_horizon"]

_REEXPORTED = (as_targets, parse_target, targets_from_registry)  # moved to .specs; still importable from here


def evaluator(measures: Sequence[Measure], specs: Iterable[TargetSpec], *, scenario: Scenario | None = None,
              method: str = "surface",
              progress: bool = False) -> Callable:
    """``evaluate(selection) -> statistics`` for :func:`optimise`.

    For each row of a 0/1 selection matrix (k, n measures), the package made of the selected
    measures is projected (only the domains the targets need, only up to the last target year)
    and each target's statistic returned (k, m). Without *scenario*, the library default
    (:meth:`Scenario.default <ecomodel.scenario.model.Scenario.default>`).
    """
    base = scenario or Scenario.default()
    measures = list(measures)
    specs = list(specs)
    domains = {_indicator_domain(t.indicator) for t in specs}
    end = max(t.year for t in specs)
    start = min(base.start_year, min(t.year for t in specs))
    sc = base.replace(start_year=start, end_year=end, method=method,
                      domains=tuple(d for d in DOMAINS if d in domains))

    def evaluate(selection):
        from .run import _stacked as stack  # looked up at each call (run imports this module lazily)

        sel = np.asarray(selection, dtype=bool)
        scenarios = [sc.with_package(Package(f"s{k}", tuple(m for m, on in zip(measures, row, strict=True) if on)),
                                     name=f"s{k}") for k, row in enumerate(sel)]
        stacked = {d: stack(scenarios, d, sc.years, method, progress=progress)[0] for d in sc.domains}
        return target_statistics(stacked, specs).reshape(len(scenarios), len(specs))

    return evaluate


def _indicator_domain(indicator: str) -> str:
    from .indicators import indicator as known

    return known(indicator).domain


def _health_of(measures, scenario=None) -> dict:
    """Deaths avoided in the city and their value for *measures* against no measures (last year of the
    scenario; the air response surface), as :func:`~ecomodel.scenario.run.compare` reports them."""
    from .run import BENEFIT_REGION, compare

    base = (scenario if scenario is not None else Scenario.default()).replace(domains=("air",), method="surface")
    summary = compare([base.with_package(Package("chosen", tuple(measures)), name="chosen")],
                      targets=False)["summary"].to_dataset()
    if "health_benefit" not in summary:
        return None
    b = summary["health_benefit"].sel(scenario="chosen")
    return {"deaths_avoided": float(summary["deaths_avoided"].sel(scenario="chosen")),
            "benefit": {str(k): float(b.sel(vsl=k)) for k in b["vsl"].values},
            "where": f"{BENEFIT_REGION}, {base.end_year}, GEMM"}


def check_horizon(specs: Iterable[TargetSpec], scenario: Scenario | None = None) -> None:
    """Refuse, before any run, targets the default evaluators cannot project: an indicator no model
    produces, or a year outside the scenario's horizon (the default 2020–2030 when *scenario* is None).
    """
    from .indicators import indicator

    base = scenario if scenario is not None else Scenario.default(members=1)
    for t in specs:
        indicator(t.indicator)
        if not base.start_year <= t.year <= base.end_year:
            raise ScenarioError(f"target {t.label}: year {t.year} is outside the run's horizon "
                                f"{base.start_year}–{base.end_year}; give a scenario that covers it "
                                "(Scenario.replace(end_year=…) or end_year in the scenario file)", field="year",
                                value=t.year, expected=f"{base.start_year}..{base.end_year}")


def _as_measures(measures) -> list[Measure]:
    if isinstance(measures, Package):
        return list(measures.measures)
    if isinstance(measures, Measure):
        return [measures]
    out = list(measures)
    for m in out:
        if not isinstance(m, Measure):
            raise ScenarioError(f"candidate {m!r} is not a Measure", field="measures", value=m, expected="Measure")
    ids = [m.id for m in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ScenarioError(f"candidate measure ids {dup} are used more than once", field="id", value=dup,
                            expected="unique ids")
    return out


@dataclass
class OptimisationResult:
    """What :func:`optimise` found.

    Attributes
    ----------
    status : str
        ``'met'`` (chosen set verified to meet every target), ``'missed'`` (best set found misses a
        target after verification; see ``table``), ``'infeasible'`` (even the linearised problem
        has no solution within the budget).
    chosen : list of str
        Ids of the chosen measures (empty when infeasible).
    cost : float
        Equivalent annual cost of the chosen set [CNY/yr].
    table : pandas.DataFrame
        One row per target: baseline, linearised and verified value, limit, margin, met.
    rounds : int
        Linearise–solve–verify rounds used.
    message : str
        Human summary.
    """

    status: str
    chosen: list
    cost: float
    table: object
    rounds: int
    message: str
    candidates: list = field(default_factory=list)
    costs: np.ndarray | None = None
    health: dict | None = None

    @property
    def net_benefit(self) -> float | None:
        """Health benefit at the central value of a statistical life minus :attr:`cost` [CNY/yr]."""
        return None if self.health is None else self.health["benefit"]["central"] - self.cost

    @property
    def met(self) -> bool:
        return self.status == "met"

    @property
    def missed(self) -> list[str]:
        """Labels of targets missed by the verified choice (or unreachable when infeasible)."""
        t = self.table
        return [] if t is None or t.empty else list(t.loc[~t["met"].astype(bool), "target"])

    def package(self, name: str = "optimal") -> Package:
        """The chosen measures as a package."""
        return Package(name, tuple(m for m in self.candidates if m.id in set(self.chosen)),
                       title="cheapest package meeting the targets (ecomodel.optimise)")

    def __str__(self) -> str:
        lines = [self.message, f"chosen ({len(self.chosen)}): {', '.join(self.chosen) or '-'}",
                 f"annualised cost: {self.cost / 1e8:.3f} × 10^8 CNY/yr"]
        if self.health is not None:
            b = self.health["benefit"]
            lines.append(f"health benefit ({self.health['where']}): {self.health['deaths_avoided']:.1f} deaths "
                         f"avoided/yr, {b['central'] / 1e8:.3f} × 10^8 CNY/yr (VSL low–high "
                         f"{b['low'] / 1e8:.3f}–{b['high'] / 1e8:.3f}); benefit − cost "
                         f"{self.net_benefit / 1e8:+.3f} × 10^8 CNY/yr")
        if self.table is not None and not self.table.empty:
            lines.append(self.table.to_string(index=False))
        return "\n".join(lines)


def linear_problem(costs: npt.ArrayLike, base: npt.ArrayLike, deltas: npt.ArrayLike, targets: Sequence[TargetSpec],
                   budget: float | None = None, groups: Sequence[npt.ArrayLike] | None = None,
                   cuts: Sequence[npt.ArrayLike] = (), slack: npt.ArrayLike | None = None) -> np.ndarray | None:
    """Solve the 0/1 programme for given linear responses; returns the selection or ``None``.

    Parameters
    ----------
    costs : array (n,)
        Cost of each measure [CNY/yr].
    base : array (m,)
        Value of each target's statistic with no measure (or the constant of a re-linearisation).
    deltas : array (n, m)
        Change of each target's statistic per measure.
    targets : sequence of TargetSpec
        Limits and directions.
    budget : float, optional
        Upper bound of the summed cost [CNY/yr].
    groups : sequence of int arrays, optional
        Index sets of mutually exclusive measures.
    cuts : sequence of bool arrays
        Selections to exclude (no-good cuts).
    slack : array (m,), optional
        Safety margin by which each target is tightened [indicator unit].
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    costs = np.asarray(costs, dtype=float)
    n = costs.size
    deltas = np.asarray(deltas, dtype=float).reshape(n, len(targets))
    rows, ub, lb = [], [], []
    slack = np.zeros(len(targets)) if slack is None else np.asarray(slack, dtype=float)
    for j, t in enumerate(targets):
        s = 1.0 if t.comparator == "<=" else -1.0
        rows.append(s * deltas[:, j])
        ub.append(s * (t.value - base[j]) - slack[j])
        lb.append(-np.inf)
    if budget is not None:
        rows.append(costs)
        ub.append(float(budget))
        lb.append(-np.inf)
    for g in groups or ():
        r = np.zeros(n)
        r[np.asarray(g)] = 1.0
        rows.append(r)
        ub.append(1.0)
        lb.append(-np.inf)
    for cut in cuts:
        cut = np.asarray(cut, dtype=bool)
        r = np.where(cut, -1.0, 1.0)  # Σ_{i∉S} x_i − Σ_{i∈S} x_i ≥ 1 − |S|
        rows.append(r)
        lb.append(1.0 - cut.sum())
        ub.append(np.inf)
    # tiny cost tie-breaker so that among equal-cost sets the smaller one is chosen
    c = costs + 1e-9 * (np.abs(costs).max() + 1.0)
    constraints = [LinearConstraint(np.array(rows), np.array(lb), np.array(ub))] if rows else []
    res = milp(c, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=constraints,
               options={"disp": False, "mip_rel_gap": 1e-9})
    if res.status != 0 or res.x is None:
        return None
    return np.round(res.x).astype(bool)


def _evaluate(evaluate, selections, n_targets, what):
    values = np.asarray(evaluate(np.asarray(selections, dtype=float)), dtype=float)
    if values.shape != (len(selections), n_targets):
        raise ScenarioError(f"{what}: evaluator returned shape {values.shape}; expected "
                            f"({len(selections)}, {n_targets})", field="evaluate", value=values.shape)
    if not np.isfinite(values).all():
        raise ScenarioError(f"{what}: evaluator returned non-finite values", field="evaluate", value="NaN/inf",
                            expected="finite values")
    return values


def optimise(measures: Package | Sequence[Measure] | str | os.PathLike,
             targets: TargetSpec | str | Sequence[TargetSpec | str] | pd.DataFrame, budget: float | None = None, *,
             scenario: Scenario | None = None,
             evaluate: Callable | None = None, verify: Callable | None = None, max_rounds: int = 6,
             discount_rate: float | None = None, progress: bool = False) -> OptimisationResult:
    """Find the cheapest set of measures meeting every target, then verify it.

    Parameters
    ----------
    measures : Package, sequence of Measure, or path/name of a package file
        Candidate measures.
    targets : sequence of TargetSpec or str, or a registry table
        Targets to meet (``'tp_concentration@姚巷桥<=0.136:2026'``, or rows of
        :func:`ecomodel.targets.load`).
    budget : float, optional
        Largest acceptable equivalent annual cost [CNY/yr].
    scenario : Scenario, optional
        Base data, ensemble and discount rate used by the default evaluators (the demo settings
        when omitted).
    evaluate : callable, optional
        ``evaluate(selection) -> values``: for a 0/1 matrix (k, n) of measure selections, the
        statistic of each target (k, m). Used to linearise; by default the fast responses
        (response surfaces) of :func:`evaluator`.
    verify : callable, optional
        Same signature; used to verify the choice (default: the full models; *evaluate* when an
        *evaluate* is given without *verify*).
    max_rounds : int
        Linearise–solve–verify rounds at most. After a failed verification the targets are also
        tightened by the largest gap seen so far between the linear model and the verifying
        evaluator, so later rounds choose sets with that much room.
    discount_rate : float, optional
        For annualising capital [1/yr]; default the scenario's (8 %).
    progress : bool
        Show a progress bar while evaluating.

    Returns
    -------
    OptimisationResult
    """
    if isinstance(measures, str) or hasattr(measures, "__fspath__"):
        from .files import load_package

        measures = load_package(measures)
    cands = _as_measures(measures)
    specs = _as_targets(targets)
    default = evaluate is None
    if default:  # the default evaluators project the scenario: check the targets fit it first
        check_horizon(specs, scenario)
    if not cands:
        raise ScenarioError("no candidate measures", field="measures", expected="at least one measure")
    if budget is not None and (not np.isfinite(budget) or budget < 0):
        raise ScenarioError(f"budget {budget!r}; expected a non-negative number [CNY/yr]", field="budget",
                            value=budget, expected=">= 0")
    if scenario is not None and discount_rate is None:
        discount_rate = scenario.discount_rate
    rate = DEFAULT_DISCOUNT_RATE if discount_rate is None else discount_rate
    costs = np.array([m.annualised_cost(rate) for m in cands])
    n, m = len(cands), len(specs)
    if evaluate is None:
        evaluate = evaluator(cands, specs, scenario=scenario, method="surface", progress=progress)
        if verify is None:
            verify = evaluator(cands, specs, scenario=scenario, method="full", progress=progress)
    verify = verify or evaluate
    groups = _alternative_groups(cands)

    values = _evaluate(evaluate, np.vstack([np.zeros(n), np.eye(n)]), m, "linearisation")
    base, deltas = values[0], values[1:] - values[0]
    chosen, best, rounds = _solve_rounds(evaluate, verify, costs, base, deltas, specs, budget, groups, max_rounds,
                                         progress)
    found = chosen if chosen is not None else best
    if found is None:
        return _infeasible_result(evaluate, cands, costs, specs, base, deltas, groups, budget, rounds)
    # the default evaluators run the demo models: value the chosen set's cleaner air too
    health = _health_of([c for c, s in zip(cands, found[0], strict=True) if s], scenario) if default else None
    return _found_result(chosen is not None, found, cands, costs, specs, base, rounds, health)


def _alternative_groups(cands: list[Measure]) -> list[np.ndarray]:
    """Indices of the candidates of each group with more than one member (alternatives: at most one chosen)."""
    group_names = {}
    for i, c in enumerate(cands):
        if c.group:
            group_names.setdefault(c.group, []).append(i)
    return [np.array(v) for v in group_names.values() if len(v) > 1]


def _solve_rounds(evaluate: Callable, verify: Callable, costs: np.ndarray, base: np.ndarray, deltas: np.ndarray,
                  specs: list[TargetSpec], budget: float | None, groups: list[np.ndarray], max_rounds: int,
                  progress: bool) -> tuple[tuple | None, tuple | None, int]:
    """Linearise–solve–verify rounds: (verified set or None, best set found or None, rounds run).

    Each set is ``(selection, verified values, met per target, linearised values)``.
    """
    n, m = len(costs), len(specs)
    cuts: list[np.ndarray] = []
    lin_const, lin_deltas = base, deltas
    slack = np.zeros(m)  # largest gap seen between the linear model and the verifying evaluator
    chosen = None
    best = None
    rounds = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max(1, int(max_rounds)), desc="optimiser rounds", unit="round", leave=False, disable=None)
    for rounds in range(1, max(1, int(max_rounds)) + 1):
        if bar is not None:
            bar.update(1)
        x = linear_problem(costs, lin_const, lin_deltas, specs, budget, groups, cuts, slack)
        if x is None:
            break
        checked = _evaluate(verify, x[None, :], m, "verification")[0]
        ok = np.array([bool(s.met(v)) for s, v in zip(specs, checked, strict=True)])
        predicted = lin_const + x.astype(float) @ lin_deltas
        slack = np.maximum(slack, np.abs(checked - predicted))
        if best is None or ok.sum() > best[2].sum():
            best = (x, checked, ok, predicted)
        if ok.all():
            chosen = (x, checked, ok, predicted)
            break
        cuts.append(x)
        lin_const, lin_deltas = _relinearise(evaluate, x, checked, n, m)
    if bar is not None:
        bar.close()
    return chosen, best, rounds


def _relinearise(evaluate: Callable, x: np.ndarray, checked: np.ndarray, n: int, m: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(constant, slopes) of the linear model re-linearised around *x*, corrected to the verified values there."""
    flips = np.tile(x, (n, 1))
    flips[np.arange(n), np.arange(n)] = ~x
    around = _evaluate(evaluate, np.vstack([x[None, :], flips]), m, "re-linearisation")
    v0, vf = around[0], around[1:]
    slope = np.where(x[:, None], v0 - vf, vf - v0)  # effect of including measure i
    bias = checked - v0  # verifying model minus fast responses, at x
    return v0 + bias - x.astype(float) @ slope, slope


def _result_table(specs: list[TargetSpec], base: np.ndarray, verified: np.ndarray, ok: np.ndarray,
                  predicted: np.ndarray) -> pd.DataFrame:
    """The per-target table of an :class:`OptimisationResult`."""
    import pandas as pd

    return pd.DataFrame({
        "target": [s.label for s in specs], "indicator": [s.indicator for s in specs],
        "location": [s.location or "" for s in specs], "year": [s.year for s in specs],
        "comparator": [s.comparator for s in specs], "limit": [s.value for s in specs],
        "baseline": base, "linearised": predicted, "verified": verified,
        "margin": [float(s.margin(v)) for s, v in zip(specs, verified, strict=True)], "met": ok})


def _found_result(met: bool, found: tuple, cands: list[Measure], costs: np.ndarray, specs: list[TargetSpec],
                  base: np.ndarray, rounds: int, health: dict | None) -> OptimisationResult:
    """The result for a set found: verified to meet every target (``met``) or the best one that misses some."""
    x, checked, ok, predicted = found
    n, m = len(cands), len(specs)
    ids = [c.id for c, s in zip(cands, x, strict=True) if s]
    if met:
        msg = (f"met: the cheapest set found ({len(ids)} of {n} measures) meets all {m} targets "
               f"(verified, {rounds} round{'s' if rounds > 1 else ''})")
    else:
        missed = [s.label for s, k in zip(specs, ok, strict=True) if not k]
        msg = (f"missed: no verified set after {rounds} round(s); the best set found misses {len(missed)} "
               f"target(s): {', '.join(missed)}")
    return OptimisationResult("met" if met else "missed", ids, float(costs[x].sum()),
                              _result_table(specs, base, checked, ok, predicted), rounds, msg, cands, costs, health)


def _infeasible_result(evaluate: Callable, cands: list[Measure], costs: np.ndarray, specs: list[TargetSpec],
                       base: np.ndarray, deltas: np.ndarray, groups: list[np.ndarray], budget: float | None,
                       rounds: int) -> OptimisationResult:
    """The result when even the linearised problem is infeasible: what all measures (one per group) would reach."""
    n, m = len(cands), len(specs)
    allx = np.ones(n, dtype=bool)
    for g in groups:  # one alternative per group: the one with the largest effect
        allx[g] = False
        allx[g[np.argmax([np.abs(deltas[i]).sum() for i in g])]] = True
    reach = _evaluate(evaluate, allx[None, :], m, "all measures")[0]
    ok = np.array([bool(s.met(v)) for s, v in zip(specs, reach, strict=True)])
    t = _result_table(specs, base, reach, ok, base + allx.astype(float) @ deltas)  # 'verified' = with all candidates
    unreachable = [s.label for s, k in zip(specs, ok, strict=True) if not k]
    why = (f"even all {n} candidates miss {', '.join(unreachable)}" if unreachable else
           f"the budget {budget / 1e8:.3f} × 10^8 CNY/yr is too small (all candidates cost "
           f"{costs[allx].sum() / 1e8:.3f} × 10^8 CNY/yr)" if budget is not None else
           "no combination meets every target together in the linearised responses")
    return OptimisationResult("infeasible", [], 0.0, t, rounds,
                              f"infeasible: {why} (table: values with all candidates)", cands, costs)
