"""What the group-commit writers (storage/answer_writer.py, storage/sightings.py) do
with a batch: write it in one transaction and answer each waiting caller; if the batch
fails, write each of its items alone, so one bad row fails only its own caller."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def tell(done: asyncio.Future[Any], outcome: object) -> None:
    """Answer a waiting caller with `outcome` (raised if an exception), once."""
    if done.done():
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)


async def write_or_split(
    batch: list[T],
    write: Callable[[list[T]], Awaitable[Sequence[object]]],
    done: Callable[[T], asyncio.Future[Any]],
    *,
    what: str,
    splits: Callable[[Exception], bool] = lambda exc: True,
) -> None:
    """`write` the batch (one outcome per item) and settle each item's `done` future.
    A failure `splits` accepts (by default any) is retried item by item; otherwise,
    or for a lone item, it is every item's outcome."""
    try:
        outcomes = await write(batch)
    except Exception as exc:
        if len(batch) > 1 and splits(exc):
            log.warning(
                "batch of %d %s failed (%s); retrying one by one",
                len(batch),
                what,
                type(exc).__name__,
            )
            for one in batch:
                await write_or_split([one], write, done, what=what, splits=splits)
            return
        for item in batch:
            tell(done(item), exc)
        return
    for item, outcome in zip(batch, outcomes, strict=True):
        tell(done(item), outcome)
