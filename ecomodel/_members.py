"""Ensemble members in fixed blocks, each drawn from its own random stream.

The water and carbon projections draw their member parameters block by block: members
``0–24`` from the first child of ``numpy.random.SeedSequence(seed)``, ``25–49`` from the second,
and so on (:data:`MEMBER_BLOCK` members per block, the last block shorter). A member's numbers
then depend on the seed and its position only — not on how many members are asked for in total
beyond its block, nor on which other blocks are computed in the same call — so a cluster can
compute blocks apart (``member_block=(start, stop)`` on the projections) and the joined result is
the one computed in one piece. The block size is fixed: changing it changes the random numbers.

A :class:`numpy.random.Generator` seed gives one child seed per block from the generator's own
stream (the blocks of such a run can only be computed together). This module never imports
numba.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

__all__ = ["MEMBER_BLOCK", "blocks", "check_block", "block_generators"]

#: members per random-number block (fixed: changing it changes every drawn value)
MEMBER_BLOCK = 25


def blocks(members: int, size: int = MEMBER_BLOCK) -> list[tuple[int, int]]:
    """``(start, stop)`` of every block of an ensemble of *members* members."""
    return [(lo, min(lo + size, int(members))) for lo in range(0, int(members), size)]


def check_block(member_block, members: int, seed) -> tuple[int, int]:
    """The checked ``(start, stop)`` of *member_block* (None: every member) in an ensemble of *members*.

    A partial block must start and stop on block boundaries (multiples of :data:`MEMBER_BLOCK`, or
    the ensemble's end) and needs an integer seed (a Generator or None cannot be replayed)."""
    members = int(members)
    if member_block is None:
        return 0, members
    try:
        start, stop = (int(v) for v in member_block)
    except (TypeError, ValueError):
        raise InputError(f"member_block: {member_block!r}; expected (start, stop)", field="member_block",
                         value=member_block, expected="a (start, stop) pair of integers") from None
    if not (0 <= start < stop <= members) or start % MEMBER_BLOCK or (stop % MEMBER_BLOCK and stop != members):
        raise InputError(f"member_block: {member_block!r}; expected 0 <= start < stop <= {members} on block "
                         f"boundaries (multiples of {MEMBER_BLOCK} or {members})", field="member_block",
                         value=member_block, expected=f"multiples of {MEMBER_BLOCK}")
    if (start, stop) != (0, members) and (seed is None or isinstance(seed, np.random.Generator)):
        raise InputError(f"member_block: {member_block!r} needs an integer seed (got {type(seed).__name__})",
                         field="seed", value=seed, expected="an integer >= 0 with member_block")
    return start, stop


def block_generators(seed, members: int, start: int = 0, stop: int | None = None
                     ) -> list[tuple[int, int, np.random.Generator]]:
    """``(lo, hi, generator)`` of the blocks of members ``start`` to ``stop - 1`` (default: all).

    An integer (or None) seed: block *k* draws from ``SeedSequence(seed, spawn_key=(k,))``, which is
    ``SeedSequence(seed).spawn(n)[k]`` for any ``n > k``. A Generator: one integer seed per block of
    the whole ensemble from its stream, in block order."""
    members = int(members)
    stop = members if stop is None else int(stop)
    all_blocks = blocks(members)
    if isinstance(seed, np.random.Generator):
        seeds = seed.integers(0, 2**63 - 1, size=len(all_blocks))
        rngs = [np.random.default_rng(int(s)) for s in seeds]
    else:
        root = np.random.SeedSequence(seed)
        rngs = [np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(k,)))
                for k in range(len(all_blocks))]
    return [(lo, hi, rng) for (lo, hi), rng in zip(all_blocks, rngs, strict=True) if lo >= start and hi <= stop]
