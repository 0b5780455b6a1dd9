"""Ensemble members in fixed blocks (ecomodel/_members.py): each block its own stream, independent of
the ensemble size and of which blocks are computed together."""

import numpy as np
import pytest

from ecomodel._members import MEMBER_BLOCK, block_generators, blocks, check_block
from ecomodel.errors import InputError


def test_blocks_cover_the_ensemble_in_fixed_sizes():
    assert blocks(60) == [(0, 25), (25, 50), (50, 60)] and MEMBER_BLOCK == 25
    assert blocks(25) == [(0, 25)] and blocks(1) == [(0, 1)]


def test_a_blocks_stream_depends_on_seed_and_position_only():
    """Block k is SeedSequence(seed).spawn(n)[k] whatever the ensemble size or the blocks asked for."""
    whole = {lo: g.random(3) for lo, _, g in block_generators(7, 80)}
    part = {lo: g.random(3) for lo, _, g in block_generators(7, 120, start=25, stop=75)}
    assert set(part) == {25, 50}
    for lo in part:
        np.testing.assert_array_equal(part[lo], whole[lo])
    spawned = np.random.default_rng(np.random.SeedSequence(7).spawn(4)[2]).random(3)
    np.testing.assert_array_equal(whole[50], spawned)


@pytest.mark.parametrize("block, seed, field", [((0, 10), 1, "member_block"), ((25, 20), 1, "member_block"),
                                                 ("ab", 1, "member_block"), ((0, 25), None, "seed")])
def test_partial_blocks_off_the_grid_or_without_a_replayable_seed_are_refused(block, seed, field):
    with pytest.raises(InputError) as exc:
        check_block(block, 50, seed)
    assert exc.value.field == field
    assert check_block(None, 50, None) == (0, 50) and check_block((25, 50), 50, 3) == (25, 50)
