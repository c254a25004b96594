"""Leader election in one process: one leader at a time, hand-over on release."""

from __future__ import annotations

import asyncio
import logging

import pytest

from runtime.leader import Leader


def leader(url: str, name: str, log: list[str]) -> Leader:
    elected = Leader(url, instance_id=name, retry_seconds=0.2)

    async def start() -> None:
        log.append(f"{name} start")

    async def stop() -> None:
        log.append(f"{name} stop")

    elected.follow(start, stop)
    return elected


async def test_one_leader_and_hand_over_on_stop(db_url: str) -> None:
    log: list[str] = []
    a, b = leader(db_url, "a", log), leader(db_url, "b", log)
    await a.start()
    await asyncio.wait_for(a.became_leader.wait(), 5)
    await b.start()
    await asyncio.sleep(0.6)  # b has tried a few times
    assert (a.is_leader, b.is_leader) == (True, False)

    await a.stop()
    assert not a.is_leader
    await asyncio.wait_for(b.became_leader.wait(), 2)
    assert b.is_leader
    await b.stop()
    assert log == ["a start", "a stop", "b start", "b stop"]


async def test_a_leader_whose_work_fails_to_start_steps_down(db_url: str) -> None:
    attempts = 0
    broken = Leader(db_url, instance_id="broken", retry_seconds=0.2)

    async def fail() -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("database unreachable")

    async def nothing() -> None:
        return None

    broken.follow(fail, nothing)
    await broken.start()
    await asyncio.sleep(0.5)
    assert attempts >= 1 and not broken.is_leader
    log: list[str] = []
    healthy = leader(db_url, "healthy", log)
    await broken.stop()
    await healthy.start()
    await asyncio.wait_for(healthy.became_leader.wait(), 2)
    await healthy.stop()
    assert log == ["healthy start", "healthy stop"]


async def test_a_normal_stop_is_logged_as_a_hand_over_not_a_failure(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A planned stop said "no longer the leader: shutting down" at WARNING, like a lost lock."""
    caplog.set_level(logging.INFO, logger="runtime.leader")
    log: list[str] = []
    a = leader(db_url, "a", log)
    await a.start()
    await asyncio.wait_for(a.became_leader.wait(), 5)
    await a.stop()
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "runtime.leader"]
    assert (logging.INFO, "instance a hands over the leadership: shutting down") in said
    assert not [m for level, m in said if level >= logging.WARNING], said
