"""Answer mix: the pool that keeps answers anonymous at rest."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from core.answer_mix import may_write_remainder, mix


@given(
    held=st.integers(min_value=0, max_value=12),
    arriving=st.integers(min_value=0, max_value=30),
    keep=st.integers(min_value=0, max_value=10),
    seed=st.integers(),
)
def test_the_pool_mix_keeps_what_it_must_and_writes_the_rest(
    held: int, arriving: int, keep: int, seed: int
) -> None:
    pool = [("held", i) for i in range(held)]
    new = [("new", i) for i in range(arriving)]
    out, kept = mix(pool, new, keep, random.Random(seed))
    assert sorted(out + kept) == sorted(pool + new)
    assert len(kept) == min(keep, held + arriving)
    assert may_write_remainder(keep, keep) and not may_write_remainder(keep - 1, keep)
