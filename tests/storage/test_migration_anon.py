"""0005_anon on existing data: answers keep their values under random ids and lose their
keys, the sealed per-pulse keys are gone, and a unit still has at most one open pulse
(the partial unique index survives the table's rebuild on SQLite). Both backends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import IntegrityError

from storage.migrate import downgrade, upgrade
from tests.storage.test_migration_people import _run
from tests.storage.test_migrations import empty_url  # noqa: F401

PULSE_COLUMNS = (
    "INSERT INTO pulses (ref, unit_id, conversation_pk, template_key, template, period,"
    " threshold, opened_at, closes_at, closed_at, sealed_key) VALUES "
)


def test_answers_lose_their_keys_and_pulses_their_sealed_keys(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0005_rrule")
    _run(
        empty_url,
        "INSERT INTO units (name, level, defaults, created_at, updated_at) VALUES "
        "('Krokom', 'team', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO conversations (conversation_id, kind, reference, active, installed_at,"
        " updated_at) VALUES ('19:k', 'channel', '{}', true, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP)",
        PULSE_COLUMNS + "('old', 1, 1, 't', '{}', '2026-10', 5, CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL),"
        " ('open', 1, 1, 't', '{}', '2026-11', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
        " NULL, 'AXNlYWxlZA')",
        'INSERT INTO pulse_answers (pulse_id, answer_key, "values") VALUES '
        + ", ".join(f"({1 + i % 2}, '{i:064x}', '{{\"collab\": {1 + i % 5}}}')" for i in range(8)),
    )
    upgrade(empty_url)
    rows = _run(empty_url, 'SELECT pulse_id, id, "values" FROM pulse_answers')
    assert sorted(
        (p, json.loads(v)["collab"] if isinstance(v, str) else v["collab"]) for p, _, v in rows
    ) == sorted((1 + i % 2, 1 + i % 5) for i in range(8))
    ids = [i for _, i, _ in rows]
    assert len(set(ids)) == 8 and all(len(i) == 32 for i in ids)
    assert not {f"{i:064x}" for i in range(8)} & set(ids)  # the old keys are gone
    held = _run(empty_url, "SELECT ref, held FROM pulses ORDER BY ref")
    assert [tuple(r) for r in held] == [("old", 0), ("open", 0)]
    with pytest.raises(Exception, match="sealed_key"):
        _run(empty_url, "SELECT sealed_key FROM pulses")
    # Still one open pulse per unit.
    with pytest.raises(IntegrityError):
        _run(
            empty_url,
            "INSERT INTO pulses (ref, unit_id, conversation_pk, template_key, template, period,"
            " threshold, opened_at, closes_at) VALUES ('second', 1, 1, 't', '{}', '2026-11',"
            " 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        )

    downgrade(empty_url, "0005_rrule")
    rows = _run(empty_url, "SELECT pulse_id, answer_key FROM pulse_answers")
    assert len(rows) == 8
