"""A dispatcher alone in a process, for the crash test: `python -m tests.delivery.dispatcher_proc`.

It sends the outbox of DATABASE_URL anonymously (local mode) to the connector each
stored conversation reference names, prints "ready", and runs until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from delivery.dispatcher import build_dispatcher
from infra.metrics import Metrics
from infra.settings import Settings
from storage.db import Database


async def main(database_url: str, rate: float, lease: float) -> None:
    settings = Settings(
        _env_file=None, client_id=None, database_url=database_url, global_rate_per_second=rate
    )
    db = Database(database_url)
    dispatcher = build_dispatcher(
        settings, db, Metrics(), lease_seconds=lease, poll_seconds=0.2, send_timeout=2.0
    )
    await dispatcher.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--lease", type=float, default=60.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    asyncio.run(main(args.database_url, args.rate, args.lease))
