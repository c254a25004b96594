"""Answer keys: respondent keys and answer ids."""

from __future__ import annotations

from core import answer_key as keys


def test_respondent_keys() -> None:
    secret = "s" * 40
    key = keys.respondent_key(secret, "ref1", "ABC")
    assert key == keys.respondent_key(secret, "ref1", " abc ") and len(key) == 64
    assert key != keys.respondent_key(secret, "ref2", "abc")  # per pulse
    assert key != keys.respondent_key("t" * 40, "ref1", "abc")  # per server secret
    ids = {keys.new_answer_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 for i in ids)
