"""Anonymity at rest: a copy of the database, with every secret the server holds, does
not link anyone to their pulse answer.

Seven people answer a pulse over HTTP, each with a free text of their own (a marker
only they wrote). Copies are taken while the pulse is open, after the seven answers,
and after `puls stäng`:

- SQLite: the database file and its `-wal`, byte for byte. The attacker replays the
  WAL frame by frame, so they see the database after every commit since the last
  checkpoint (row versions since overwritten included), and scans the raw bytes.
- PostgreSQL: `pg_dump`; every table read with SQL with `xmin` and `ctid`; every heap
  page read raw (`pageinspect`: dead row versions included, as after a VACUUM-less
  close); and the write-ahead log of the test's span, raw (`pg_read_binary_file`).

The attacker holds the server secret and knows the server's code, past and present:
they recover any pulse key sealed under the secret anywhere in the bytes, and compute
every tag a person can leave (object id, Teams id, UPN, respondent key, the old
per-pulse HMAC keys). Then every linkage vector is tried:

- keys and ids: a row (or row version, dump line, heap tuple) holding both someone's
  tag and an answer's content;
- timestamps and row order: when each answer's content first appears (commit number,
  transaction id, position in the WAL) against when each person first appears; an
  answer is linked unless at least the pulse's threshold of people had appeared by
  the time it was written;
- the outbox, audit rows, logs (every record, every level) and the metrics text: none
  may hold an answerer's tag (nor, but for the shown results, an answer).

None links. Before this design, the per-pulse key (sealed while open, "erased" at the
close) was in every copy, and all seven answers were linked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core import answer_key
from storage.db import normalise_url, sqlite_path
from tests.support.harness import BotHarness, add_units, harness  # noqa: F401
from tests.support.items import deliver
from tests.teams import TeamsUser, new_channel

THRESHOLD = 5  # the default: the pulse's own threshold
COORDINATOR = TeamsUser(name="Karin Samordnare", upn="karin@example.se")
COUNTY = {"Jamtland": None, "Ostersund": "Jamtland"}


@dataclass(frozen=True)
class Answerer:
    person: TeamsUser
    marker: str  # the free text only they wrote
    values: dict[str, str]


@dataclass
class Record:
    """One row (or row version, tuple, dump line) of a copy, as text, lower case."""

    where: str
    text: str
    time: int | None = None  # commit number, transaction id or WAL position


@dataclass
class Copy:
    name: str
    records: list[Record] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    # Blobs whose byte order is time order (the write-ahead log).
    timed_raw: list[bytes] = field(default_factory=list)
    live: dict[str, list[str]] = field(default_factory=dict)  # table -> rows as the copy shows

    def bytes_of(self) -> Iterable[bytes]:
        """Everything in its original case (records are lower-cased for matching)."""
        yield from self.raw


# -- the attacker's knowledge of the server's code ----------------------------------------


def _old_unseal(secret: str, ref: str, token: str) -> bytes | None:
    """The sealed per-pulse key of the previous design (core/answer_key.py before 0005)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if raw[:1] != b"\x01" or len(raw) < 1 + 12 + 32 + 16:
        return None
    wrap = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"samverkan", info=b"samverkan/pulse-key-wrap/v1"
    ).derive(secret.encode())
    try:
        return AESGCM(wrap).decrypt(raw[1:13], raw[13:], b"pulse:" + ref.encode())
    except InvalidTag:
        return None


def _old_answer_key(pulse_key: bytes, user_id: str) -> str:
    message = b"samverkan/pulse-answer/v1\x00" + user_id.strip().lower().encode()
    return hmac.new(pulse_key, message, hashlib.sha256).hexdigest()


# A sealed key is 61 bytes: 84 base64 characters ending in "==". In a row its column
# may run straight into the next one, so every such window is tried.
_TOKEN = re.compile(rb"(?=([A-Za-z0-9_-]{82}==))")


def recovered_keys(copy: Copy, secret: str, refs: list[str]) -> list[bytes]:
    """Every pulse key sealed under the secret that the copy still holds, anywhere."""
    found: set[bytes] = set()
    for blob in copy.bytes_of():
        for token in set(_TOKEN.findall(blob)):
            for ref in refs:
                key = _old_unseal(secret, ref, token.decode())
                if key is not None:
                    found.add(key)
    return sorted(found)


def tags(who: TeamsUser, secret: str, ref: str, keys: list[bytes]) -> set[str]:
    """Everything a person can leave in the database, in lower case."""
    out = {who.aad_object_id, who.channel_id, who.upn, who.name}
    respondent = getattr(answer_key, "respondent_key", None)
    if respondent is not None:
        out.add(respondent(secret, ref, who.aad_object_id))
    out |= {_old_answer_key(k, who.aad_object_id) for k in keys}
    return {t.lower() for t in out if t}


# -- the copies ------------------------------------------------------------------------------


def _sqlite_rows(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, list[str]] = {}
        for table in tables:
            try:
                rows = conn.execute(f'SELECT rowid, * FROM "{table}"').fetchall()
            except sqlite3.OperationalError:  # WITHOUT ROWID: its order is its key's
                rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            out[table] = [repr(r).lower() for r in rows]
        return out
    finally:
        conn.close()


def sqlite_copy(name: str, url: str, tmp: Path) -> Copy:
    """The file and its -wal, as a file-level backup takes them; then every commit the
    WAL holds, replayed frame by frame onto the file."""
    path = sqlite_path(url)
    assert path is not None
    main, wal = path.read_bytes(), Path(f"{path}-wal").read_bytes()
    copy = Copy(name, raw=[main, wal])
    page = int.from_bytes(wal[8:12], "big") if len(wal) >= 32 else 0
    salts = wal[16:24]
    image = bytearray(main)
    seen: set[tuple[str, str]] = set()

    def snapshot(n: int) -> None:
        target = tmp / f"{name}-{n}.db"
        target.write_bytes(bytes(image))
        for table, rows in _sqlite_rows(target).items():
            for row in rows:
                if (table, row) not in seen:
                    seen.add((table, row))
                    copy.records.append(Record(f"{name} commit {n} {table}", row, n))
        target.unlink()

    snapshot(0)
    commits, offset = 0, 32
    while page and offset + 24 + page <= len(wal):
        header = wal[offset : offset + 24]
        if header[8:16] != salts:
            break  # frames of an earlier WAL generation
        number, size = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
        start = (number - 1) * page
        if len(image) < start + page:
            image.extend(b"\0" * (start + page - len(image)))
        image[start : start + page] = wal[offset + 24 : offset + 24 + page]
        if size:
            del image[size * page :]
            commits += 1
            snapshot(commits)
        offset += 24 + page
    live = tmp / f"{name}-live.db"
    shutil.copyfile(path, live)
    Path(f"{live}-wal").write_bytes(wal)
    copy.live = _sqlite_rows_live(live)
    return copy


def _sqlite_rows_live(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            t: [repr(r).lower() for r in conn.execute(f'SELECT * FROM "{t}"').fetchall()]
            for t in tables
        }
    finally:
        conn.close()


async def pg_copy(name: str, url: str, since_lsn: str) -> Copy:
    """pg_dump, every table with xmin and ctid, every heap page raw (dead row versions
    included), and the WAL since `since_lsn`."""
    plain = normalise_url(url).replace("+asyncpg", "")
    copy = Copy(name)
    if shutil.which("pg_dump"):
        proc = await asyncio.create_subprocess_exec(
            "pg_dump", "--no-owner", plain, stdout=asyncio.subprocess.PIPE
        )
        dump, _ = await proc.communicate()
        assert proc.returncode == 0
        copy.raw.append(dump)
        copy.records += [
            Record(f"{name} pg_dump", line.lower())
            for line in dump.decode(errors="replace").splitlines()
        ]
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        ]
        for table in tables:
            rows = await conn.fetch(
                f'SELECT xmin::text::bigint AS xmin, ctid::text AS ctid, t::text AS row FROM "{table}" t'
            )
            copy.live[table] = [r["row"].lower() for r in rows]
            copy.records += [
                Record(f"{name} {table} {r['ctid']}", r["row"].lower(), int(r["xmin"]))
                for r in rows
            ]
            pages = await conn.fetchval(
                "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int",
                f'"{table}"',
            )
            for n in range(int(pages)):
                for item in await conn.fetch(
                    "SELECT t_xmin::text::bigint AS xmin, t_data FROM"
                    " heap_page_items(get_raw_page($1, $2::int)) WHERE t_data IS NOT NULL",
                    table,
                    n,
                ):
                    data = bytes(item["t_data"])
                    copy.raw.append(data)  # as stored: a sealed key is case-sensitive
                    text = data.decode("utf-8", errors="replace").lower()
                    copy.records.append(Record(f"{name} {table} page {n}", text, int(item["xmin"])))
        size = int(
            await conn.fetchval(
                "SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'"
            )
        )
        end = await conn.fetchval("SELECT pg_current_wal_lsn()::text")
        first = await conn.fetchrow(
            "SELECT * FROM pg_walfile_name_offset($1::text::pg_lsn)", since_lsn
        )
        last = await conn.fetchrow("SELECT * FROM pg_walfile_name_offset($1::text::pg_lsn)", end)
        wal = bytearray()
        segment, offset = first["file_name"], int(first["file_offset"])
        while True:
            stop = int(last["file_offset"]) if segment == last["file_name"] else size
            wal += await conn.fetchval(
                "SELECT pg_read_binary_file('pg_wal/' || $1, $2, $3)",
                segment,
                offset,
                stop - offset,
            )
            if segment == last["file_name"]:
                break
            segment, offset = _next_segment(segment, size), 0
        copy.raw.append(bytes(wal))
        copy.timed_raw.append(bytes(wal).lower())
    finally:
        await conn.close()
    return copy


def _next_segment(name: str, size: int) -> str:
    """The WAL file after `name` (timeline, log, segment: 8 hex digits each)."""
    timeline, log, seg = name[:8], int(name[8:16], 16), int(name[16:24], 16) + 1
    if seg == 0x100000000 // size:
        log, seg = log + 1, 0
    return f"{timeline}{log:08X}{seg:08X}"


# -- the attack ------------------------------------------------------------------------------


def attack(copy: Copy, secret: str, ref: str, answerers: list[Answerer]) -> list[str]:
    """Every way this copy links an answerer to their answer, in words (none: [])."""
    problems: list[str] = []
    keys = recovered_keys(copy, secret, [ref])
    if keys:
        problems.append(f"{copy.name}: {len(keys)} pulse key(s) open with the server secret")
    people = {a.person.name: tags(a.person, secret, ref, keys) for a in answerers}
    markers = {a.marker.lower(): a.person.name for a in answerers}

    # Keys and ids: one row holding both a person's tag and an answer.
    for record in copy.records:
        for marker, author in markers.items():
            if marker not in record.text:
                continue
            for who, their_tags in people.items():
                if any(tag in record.text for tag in their_tags):
                    problems.append(
                        f"{copy.name}: {record.where} holds {author}'s answer and {who}'s tag"
                    )

    # Time and order: who had appeared when each answer was first written.
    def linked_by_time(timeline: str, first_seen: dict[str, int | None]) -> None:
        for marker, author in markers.items():
            written = first_seen.get(marker)
            if written is None:
                continue
            could = [who for who in people if (first_seen.get(who) or written + 1) <= written]
            if len(could) < THRESHOLD:
                problems.append(
                    f"{copy.name}: {author}'s answer was written ({timeline}) when only"
                    f" {len(could)} people had appeared: {sorted(could)}"
                )

    timed = [r for r in copy.records if r.time is not None]
    if timed:
        first: dict[str, int | None] = {}
        for marker in markers:
            times = [r.time for r in timed if marker in r.text and r.time is not None]
            first[marker] = min(times) if times else None
        for who, their_tags in people.items():
            times = [
                r.time for r in timed if r.time is not None and any(t in r.text for t in their_tags)
            ]
            first[who] = min(times) if times else None
        linked_by_time("by commit or transaction", first)
    for blob in copy.timed_raw:
        first = {}
        for marker in markers:
            at = blob.find(marker.encode())
            first[marker] = at if at >= 0 else None
        for who, their_tags in people.items():
            places = [blob.find(t.encode()) for t in their_tags]
            places = [p for p in places if p >= 0]
            first[who] = min(places) if places else None
        linked_by_time("by position in the write-ahead log", first)

    # The outbox and the audit log carry no answerer at all.
    for table in ("outbox", "audit_log"):
        for row in copy.live.get(table, []):
            for who, their_tags in people.items():
                if any(tag in row for tag in their_tags):
                    problems.append(f"{copy.name}: {table} row names {who}")
    return problems


def leaks_in(text: str, secret: str, ref: str, answerers: list[Answerer], where: str) -> list[str]:
    text = text.lower()
    out = []
    for a in answerers:
        if any(tag in text for tag in tags(a.person, secret, ref, [])):
            out.append(f"{where} names {a.person.name}")
        if a.marker.lower() in text:
            out.append(f"{where} holds {a.person.name}'s answer")
    return out


# -- the test --------------------------------------------------------------------------------


async def _archive_wal(url: str) -> tuple[asyncpg.Connection, str]:
    """Keep the server's WAL from now on, as WAL archiving would: a temporary physical
    replication slot, dropped when this connection closes (also if the test dies)."""
    conn = await asyncpg.connect(normalise_url(url).replace("+asyncpg", ""))
    name = f"samverkan_at_rest_{uuid.uuid4().hex[:8]}"
    row = await conn.fetchrow(
        "SELECT lsn::text FROM pg_create_physical_replication_slot($1, true, true)", name
    )
    return conn, str(row["lsn"])


async def _copy(h: BotHarness, name: str, tmp: Path, since: str | None) -> Copy:
    if h.db.dialect == "sqlite":
        return sqlite_copy(name, h.db.url, tmp)
    assert since is not None
    return await pg_copy(name, h.db.url, since)


async def _metrics(h: BotHarness) -> str:
    async with h.http.get(h.url + "/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def test_copies_with_the_server_secret_link_no_one_to_their_answer(
    harness: BotHarness,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = harness
    assert h.services is not None
    secret = h.services.settings.server_secret()
    archive, since = await _archive_wal(h.db.url) if h.db.dialect == "postgresql" else (None, None)
    try:
        await _scenario(h, secret, since, tmp_path, caplog)
    finally:
        if archive is not None:
            await archive.close()


async def _scenario(
    h: BotHarness, secret: str, since: str | None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await add_units(h.db, COUNTY)
    channel = new_channel("Ostersund samverkan")
    await h.post(h.teams.install_in_team(channel, COORDINATOR))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "setup Ostersund"))
    await h.connector.wait_for(lambda p: "Klart" in p.text)
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls start"))
    await deliver(h)  # every pulse post goes out through the outbox
    posted = await h.connector.wait_for(lambda p: any("pulse.answer" in str(c) for c in p.cards))
    ref = posted.cards[0]["actions"][0]["data"]["pulse"]

    answerers = [
        Answerer(
            TeamsUser(name=f"Person {i} Andersson", upn=f"person{i}@example.se"),
            f"mark-{i}-{uuid.uuid4().hex[:12]}",
            {"q_collab": str(1 + i % 5), "q_contact": "yes" if i % 2 else "no"},
        )
        for i in range(7)
    ]
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    for a in answerers:
        data = {"action": "pulse.answer", "pulse": ref, **a.values, "q_example": a.marker}
        status, body = await h.post(h.teams.invoke_action(channel, a.person, "pulse.answer", data))
        assert status == 200 and "Du svarade" in json.dumps(body, ensure_ascii=False)
    while_open = await _copy(h, "open", tmp_path, since)
    metrics_open = await _metrics(h)

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await h.connector.wait_for(lambda p: "är stängd (7 svar)" in p.text)
    await deliver(h)
    results = await h.connector.wait_for(lambda p: any("resultat för" in str(c) for c in p.cards))
    after_close = await _copy(h, "closed", tmp_path, since)
    metrics_closed = await _metrics(h)

    problems = attack(while_open, secret, ref, answerers)
    problems += attack(after_close, secret, ref, answerers)
    # The log, every level and every logger (the database drivers' DEBUG lines carry
    # each statement's values), read like a copy: record by record, in order.
    logs = Copy("log")
    logs.records = [
        Record(f"log {r.name} {r.levelname}", f"{r.getMessage()} {r.exc_text or ''}".lower(), n)
        for n, r in enumerate(caplog.records)
    ]
    problems += attack(logs, secret, ref, answerers)
    problems += leaks_in(metrics_open + metrics_closed, secret, ref, answerers, "/metrics")
    assert not problems, "\n".join(problems)

    # Not vacuous: the copies hold what there is to link. While open, who has answered;
    # after the close, every answer (the results showed them all: seven wrote text).
    for a in answerers:
        assert any(a.person.aad_object_id.lower() in r.text for r in while_open.records)
        assert any(a.marker.lower() in r.text for r in after_close.records), a.person.name
        assert a.marker in json.dumps(results.cards, ensure_ascii=False)
    # After the close nothing says who answered, and no key could (there is none).
    assert after_close.live.get("pulse_respondents", []) == []
    assert recovered_keys(after_close, secret, [ref]) == []
