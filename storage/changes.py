"""Which tables this process has written: counters that tell a cache its copy may be old.

Every INSERT, UPDATE or DELETE that goes through SQLAlchemy in this process (handlers,
jobs, a CLI command run in-process, a test writing directly) bumps its table's counter
when it executes and again when its transaction ends. A cache notes `version(tables)`
before it reads and keeps what it read only while the version is unchanged: a write that
commits after the read began always makes the copy stale, whatever the interleaving.

Writes by other processes (the `samverkan` CLI, another instance of the bot) are not seen
here; a cache of them also expires after a short TTL.

A statement whose table cannot be told (raw SQL, DDL) bumps every version. A writer that
updates the caches itself may say so with the execution option `UNWATCHED` (a tuple of
table names) on its connection; its writes to those tables then bump nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import UpdateBase

UNWATCHED = "samverkan_unwatched"

_ANY = "*"
_PENDING = "samverkan_written"
# Statements that never write, by their first word (raw SQL only; compiled statements
# are told by their type).
_READS = frozenset(
    {"SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SHOW", "SET"}
)
_counts: defaultdict[str, int] = defaultdict(int)


def version(*tables: str) -> int:
    """Grows whenever any of `tables` is written in this process (never goes back)."""
    return _counts[_ANY] + sum(_counts[t] for t in tables)


def _written(statement: str, context: Any) -> set[str]:
    compiled = getattr(context, "compiled", None)
    stmt = getattr(compiled, "statement", None)
    if isinstance(stmt, UpdateBase):
        name = getattr(getattr(stmt, "table", None), "name", None)
        return {name} if isinstance(name, str) else {_ANY}
    words = statement.split(None, 1)
    if not words or words[0].upper() in _READS:
        return set()
    return {_ANY}


def _bump(tables: set[str]) -> None:
    for table in tables:
        _counts[table] += 1


@event.listens_for(Engine, "after_cursor_execute")
def _after_execute(
    conn: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    tables = _written(statement, context)
    if not tables:
        return
    quiet = (context.execution_options if context is not None else {}).get(UNWATCHED) or ()
    tables -= set(quiet)
    if tables:
        _bump(tables)
        conn.info.setdefault(_PENDING, set()).update(tables)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _ended(conn: Connection) -> None:
    # Again at the end: a cache that read between the statement and the commit read the
    # old rows, and must not keep them under the version the statement left.
    tables = conn.info.pop(_PENDING, None)
    if tables:
        _bump(tables)
