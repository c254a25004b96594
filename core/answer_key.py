"""Who has answered a pulse, with nothing that leads from a person to what they answered.

An answer is stored as two rows with no column in common but the pulse
(storage/pulse_models.py):

- "this person has answered" (`pulse_respondents`), keyed by `respondent_key`:
  HMAC-SHA256 of the pulse's reference and the person's id under a key derived
  (HKDF-SHA256) from the server secret. It hides who answered from someone who
  reads the database without the server secret; with the secret, who answered is
  known while the pulse is open (one answer per person needs it). The rows are
  deleted when the pulse's results are final.
- the answer's content (`pulse_answers`), under a random id (`new_answer_id`):
  no key, no time, and written in random groups (storage/answer_writer.py), so
  neither the row nor when or where it was written says whose it is.

There is no per-pulse key to erase: nothing computed from a person, with every
secret the server holds, finds their answer. So an answer cannot be changed
either: finding it again would need exactly such a key.

Pure computation: the caller supplies the secret and stores the result.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
_HKDF_INFO = b"samverkan/pulse-respondent/v1"
_HKDF_SALT = b"samverkan"
_LABEL = b"samverkan/pulse-respondent/v1\x00"


@functools.lru_cache(maxsize=4)  # one secret per process; HKDF per answer is wasted work
def respondent_hmac_key(server_secret: str) -> bytes:
    if len(server_secret) < 32:
        raise ValueError("server secret must be at least 32 characters")
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_HKDF_SALT, info=_HKDF_INFO
    ).derive(server_secret.encode())


def respondent_key(server_secret: str, pulse_ref: str, user_id: str) -> str:
    """ "This person has answered this pulse" as a row key (64 hex characters)."""
    message = _LABEL + pulse_ref.encode() + b"\x00" + user_id.strip().lower().encode()
    return hmac.new(respondent_hmac_key(server_secret), message, hashlib.sha256).hexdigest()


def new_answer_id() -> str:
    """A random id for one answer's content row: 128 bits, no order, no time."""
    return secrets.token_hex(16)
