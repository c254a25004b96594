"""Keys that let one person keep one editable pulse answer without storing who they are.

- Each pulse gets a random 256-bit key. An answer row is keyed by
  HMAC-SHA256(pulse key, user id): the same person always lands on the same row,
  and the row says nothing about who they are to anyone without the key.
- While the pulse is open its key is stored sealed with AES-GCM under a key
  derived (HKDF-SHA256) from the server secret, bound to the pulse's reference.
- On close the sealed key is erased. From then on the HMACs cannot be
  recomputed, so no one (the database and the server secret together included)
  can link an answer to a person.

Pure computation: the caller supplies the secret and stores the result.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
_NONCE_BYTES = 12
_HKDF_INFO = b"samverkan/pulse-key-wrap/v1"
_HKDF_SALT = b"samverkan"
_HMAC_LABEL = b"samverkan/pulse-answer/v1\x00"
_VERSION = b"\x01"


class KeyUnavailable(Exception):
    """The sealed key cannot be opened: wrong secret, wrong pulse, or tampered."""


def new_pulse_key() -> bytes:
    return os.urandom(KEY_BYTES)


def answer_key(pulse_key: bytes, user_id: str) -> str:
    """The row key for this person's answer to this pulse (64 hex characters)."""
    if len(pulse_key) != KEY_BYTES:
        raise ValueError("pulse key must be 32 bytes")
    message = _HMAC_LABEL + user_id.strip().lower().encode()
    return hmac.new(pulse_key, message, hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)  # one secret per process; HKDF per answer is wasted work
def wrapping_key(server_secret: str) -> bytes:
    if len(server_secret) < 32:
        raise ValueError("server secret must be at least 32 characters")
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_HKDF_SALT, info=_HKDF_INFO
    ).derive(server_secret.encode())


def seal(server_secret: str, pulse_ref: str, pulse_key: bytes) -> str:
    """The pulse key encrypted for storage, bound to the pulse's reference."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(wrapping_key(server_secret)).encrypt(nonce, pulse_key, _aad(pulse_ref))
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()


def unseal(server_secret: str, pulse_ref: str, sealed: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except (ValueError, TypeError) as exc:
        raise KeyUnavailable("not a sealed key") from exc
    if raw[:1] != _VERSION or len(raw) < 1 + _NONCE_BYTES + KEY_BYTES + 16:
        raise KeyUnavailable("unknown sealed key format")
    nonce, body = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
    try:
        key = AESGCM(wrapping_key(server_secret)).decrypt(nonce, body, _aad(pulse_ref))
    except InvalidTag as exc:
        raise KeyUnavailable("sealed key does not open") from exc
    return key


def _aad(pulse_ref: str) -> bytes:
    return b"pulse:" + pulse_ref.encode()
