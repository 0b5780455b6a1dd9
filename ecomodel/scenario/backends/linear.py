"""A backend defined by baseline trajectories and linear sensitivities (see :class:`LinearBackend`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...errors import ScenarioError
from ..model import DOMAINS, Effect

if TYPE_CHECKING:
    import xarray as xr

    from ..schedule import Reductions

__all__ = ["LinearBackend", "effect_fields"]

_MATCH_FIELDS = Effect.KEY_FIELDS[1:]


def effect_fields(effect_or_key: Effect | Sequence) -> dict:
    """The fields set on an effect (or effect key), without ``domain``: ``{'pollutant': 'NOx', …}``."""
    key = effect_or_key.key if isinstance(effect_or_key, Effect) else tuple(effect_or_key)
    return {f: v for f, v in zip(_MATCH_FIELDS, key[1:], strict=True) if v is not None}


class LinearBackend:
    """A domain whose indicators respond linearly to reduction fractions.

    .. math:: v_{y,m,p} = b_{y,p} + \\sum_k s_{k,p}\\, f_{k,y} + \\varepsilon_{m,p}

    with baseline ``b`` (year, place), slope ``s`` of indicator per unit reduction fraction of
    effect key ``k``, fraction ``f`` from the schedule and a member anomaly ``ε ~ N(0, sd²)`` drawn
    once per (member, place) from ``seed``.

    Parameters
    ----------
    domain : {'air', 'water', 'carbon'}
        Domain this backend stands for.
    baseline : xarray.Dataset
        Baseline indicators over ``year`` and ``region`` or ``site`` (variables named by indicator
        key, with ``units``).
    responses : sequence of dict
        ``{"indicator": key, "match": {"pollutant": "NOx", "sector": "industry"}, "slope": s}``:
        change of the indicator [its unit] for a reduction fraction of 1 of exactly what ``match``
        describes (the effect's fields other than domain); ``slope`` is a number or a mapping
        place → number.
    amounts : sequence of dict, optional
        ``{"match": {...}, "amount": a}``: base quantities [t/yr, t CO2 for carbon]. An effect's
        base is the sum of the entries whose fields include all the effect's fields.
    member_sd : mapping, optional
        Standard deviation of the member anomaly per indicator [its unit].

    Examples
    --------
    >>> import xarray as xr
    >>> base = xr.Dataset({"pm25_annual_mean": (("year", "region"), [[36.0], [35.0]], {"units": "ug/m3"})},
    ...                   coords={"year": [2024, 2025], "region": ["常州市"]})
    >>> b = LinearBackend("air", base, [{"indicator": "pm25_annual_mean", "match": {"pollutant": "NOx"},
    ...                                  "slope": -6.0}])
    >>> b.baseline_amount("demo", Effect(domain="air", pollutant="NOx", fraction=0.5))
    Traceback (most recent call last):
    ...
    ecomodel.errors.ScenarioError: air effect 'NOx': no base amount is known for it in this backend
    """

    def __init__(self, domain: str, baseline, responses: Sequence[Mapping], amounts: Sequence[Mapping] = (),
                 member_sd: Mapping[str, float] | None = None):
        if domain not in DOMAINS:
            raise ScenarioError(f"LinearBackend: unknown domain {domain!r}", field="domain", value=domain,
                                expected=f"one of {DOMAINS}")
        self.domain = domain
        self.baseline = baseline
        self.place = next((d for d in ("region", "site") if d in baseline.dims), None)
        if self.place is None or "year" not in baseline.dims:
            raise ScenarioError(f"LinearBackend: baseline dims {dict(baseline.sizes)}; expected 'year' and "
                                "'region' or 'site'", field="baseline", value=dict(baseline.sizes))
        self.responses = []
        for r in responses:
            if r.get("indicator") not in baseline:
                raise ScenarioError(f"LinearBackend: response for {r.get('indicator')!r}, which the baseline lacks",
                                    field="indicator", value=r.get("indicator"),
                                    expected=f"one of {list(baseline.data_vars)}")
            slope = r["slope"]
            places = [str(p) for p in baseline[self.place].values]
            if isinstance(slope, Mapping):
                vec = np.array([float(slope.get(p, 0.0)) for p in places])
            else:
                vec = np.full(len(places), float(slope))
            self.responses.append((r["indicator"], dict(r["match"]), vec))
        self.amounts = [(dict(a["match"]), float(a["amount"])) for a in amounts]
        self.member_sd = dict(member_sd or {})

    def _matches(self, fields: dict) -> list:
        return [i for i, (_, match, _) in enumerate(self.responses) if match == fields]

    def check_effect(self, base: str, effect: Effect) -> None:
        fields = effect_fields(effect)
        if not self._matches(fields):
            known = sorted({str(m) for _, m, _ in self.responses})
            raise ScenarioError(f"{effect.where or 'effect'}: {self.domain} effect {fields} has no response in this "
                                f"backend (known: {', '.join(known)})", field="effect", value=fields)

    def baseline_amount(self, base: str, effect: Effect) -> float:
        fields = effect_fields(effect)
        total = sum(a for match, a in self.amounts if all(match.get(k) == v for k, v in fields.items()))
        if total <= 0:
            raise ScenarioError(f"{self.domain} effect {effect.pollutant or effect.fuel!r}: no base amount is known "
                                "for it in this backend", field="amount", value=effect.amount)
        return float(total)

    def project_stack(self, base: str, schedules: Sequence[Reductions], years: Sequence[int] | np.ndarray,
                      members: int, seed: int, method: str, progress: bool = False) -> xr.Dataset:
        import xarray as xr

        years = np.asarray(years)
        missing = sorted(set(years.tolist()) - set(self.baseline["year"].values.tolist()))
        if missing:
            raise ScenarioError(f"LinearBackend ({self.domain}): no baseline for years {missing}", field="year",
                                value=missing)
        b = self.baseline.sel(year=years)
        rng = np.random.default_rng(seed)
        n_place = b.sizes[self.place]
        noise = {name: rng.normal(0.0, self.member_sd.get(name, 0.0), size=(members, n_place))
                 for name in b.data_vars}
        ds = xr.Dataset(coords={"scenario": np.arange(len(schedules)), "year": years, "member": np.arange(members),
                                self.place: b[self.place].values})
        for c in b.coords:
            if c != "year" and b[c].dims == (self.place,):
                ds = ds.assign_coords({c: b[c]})
        for name, da in b.data_vars.items():
            value = np.repeat(da.transpose("year", self.place).values.astype(float)[None], len(schedules), axis=0)
            for k, sched in enumerate(schedules):
                for key, fr in sched.as_dict().items():
                    for i in self._matches(effect_fields(key)):
                        ind, _, slope = self.responses[i]
                        if ind == name:
                            value[k] += fr[:, None] * slope[None, :]
            arr = value[:, :, None, :] + noise[name][None, None, :, :]
            ds[name] = (("scenario", "year", "member", self.place), arr, dict(da.attrs))
        return ds
