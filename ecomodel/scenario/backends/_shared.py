"""What the embedded backends share: the per-process cache of unit responses, effect
descriptions, the ``'demo'`` base names, region names and progress bars.

Nothing here knows a domain model; :mod:`.air`, :mod:`.water` and :mod:`.carbon` import it, and
never each other.
"""

from __future__ import annotations

from ...errors import EcomodelError, ScenarioError, close_matches
from ..schedule import ReductionKey

__all__: list[str] = []

#: unit responses of the surface methods, kept per process: (domain, base, horizon, members, seed, key) → arrays
_RESPONSES: dict = {}
_RESPONSES_MAX = 4096


def _cached(key, compute):
    if key not in _RESPONSES:
        if len(_RESPONSES) >= _RESPONSES_MAX:
            _RESPONSES.clear()
        _RESPONSES[key] = compute()
    return _RESPONSES[key]


def _where(effect) -> str:
    return effect.where or f"{effect.domain} effect {effect.describe()!r}"


def _demo_base(base: str, domain: str) -> str:
    """``'demo'`` or ``'demo:<variant>'`` → variant name ('' for the default)."""
    if base == "demo":
        return ""
    if base.startswith("demo:"):
        return base.split(":", 1)[1]
    raise ScenarioError(f"base {base!r}: the {domain} model has embedded data for 'demo' only", field="base",
                        value=base, expected="'demo' or 'demo:<variant>'")


def _effect_from_key(key):
    """The :class:`~ecomodel.scenario.model.Effect` at fraction 1 that acts on reduction *key*."""
    return ReductionKey.of(key).effect(1.0)


def _resolve_region(name, regions, where):
    from ... import targets

    try:
        full = targets.resolve_region(name)
    except EcomodelError:
        full = name
    if full not in regions:
        raise ScenarioError(f"{where}: field 'region': {name!r} is not a region of the base data"
                            + close_matches(str(name), regions), field="region", value=name,
                            expected=f"one of {regions}")
    return full


def _progress(items, progress, desc, unit="package"):
    """*items* behind a progress bar for the stage *desc* when *progress* is set; silent (``disable=None``)
    when stderr is not a terminal."""
    if not progress or not len(items):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit=unit, leave=False, disable=None)

