"""Key-encryption keys: the keys that wrap every person's data key, behind a KMS-shaped interface.

A data key never rests in the clear: the key store keeps it wrapped (encrypted) under a
key-encryption key (KEK), with a context binding the wrapped key to its row, as AWS KMS,
Google Cloud KMS or Vault's transit engine do with their encrypt and decrypt calls. A service
gets its KEKs from ``LocalKeyEncryptionKeys`` (keys from configuration) or from an adapter of its
KMS that implements ``KeyEncryptionKeys``.

Rotation: add a new KEK in front of the configured list (it becomes the one new data keys are
wrapped with, the others still unwrap), run ``DataKeyStore.rewrap()`` until it reports nothing
left, then drop the old KEK from the configuration. Data keys do not change, so no event does.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trellis_contracts.fields import OPAQUE_ID_PATTERN

KEY_ENCRYPTION_KEYS_SETTING: Final = "TRELLIS_KEY_ENCRYPTION_KEYS"
"""``<kek id>:<BASE64URL of 32 random bytes>``, comma-separated; the first wraps new data keys."""
_NONCE_BYTES: Final = 12
_ID: Final = re.compile(OPAQUE_ID_PATTERN)


class KeyEncryptionError(Exception):
    """A data key cannot be wrapped or unwrapped: an unknown KEK, or a wrapped key that does not
    open with its KEK and context (a wrong KEK, or a row altered or moved)."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key encrypted under the KEK ``kek_id``."""

    kek_id: str
    ciphertext: bytes


class KeyEncryptionKeys(Protocol):
    """What the key store needs of a KMS."""

    @property
    def current(self) -> str:
        """The id of the KEK new data keys are wrapped with."""
        ...

    async def wrap(self, key: bytes, *, context: bytes) -> WrappedKey:
        """``key`` encrypted under the current KEK; ``context`` must be given again to unwrap."""
        ...

    async def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        """The data key; KeyEncryptionError when the KEK is unknown or the context differs."""
        ...


class LocalKeyEncryptionKeys:
    """KEKs held in the process, from configuration: AES-256-GCM with the context as additional
    authenticated data. For a single installation; a production deployment with a KMS plugs an
    adapter of it in instead."""

    def __init__(self, keys: Mapping[str, bytes], *, current: str) -> None:
        if current not in keys:
            raise ValueError(f"the current KEK {current!r} is not among the keys given")
        for kek_id, key in keys.items():
            if not _ID.fullmatch(kek_id):
                raise ValueError(f"a KEK id is an opaque id, not {kek_id!r}")
            if len(key) != 32:
                raise ValueError(f"KEK {kek_id!r} is {len(key)} bytes; a KEK is 32 random bytes")
        self._keys = {kek_id: AESGCM(key) for kek_id, key in keys.items()}
        self._current = current

    @classmethod
    def from_setting(cls, value: str) -> LocalKeyEncryptionKeys:
        """From ``TRELLIS_KEY_ENCRYPTION_KEYS``: ``kek_2026:<base64url>,kek_2025:<base64url>``."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            kek_id, separator, encoded = entry.partition(":")
            if not separator:
                raise ValueError(f"{KEY_ENCRYPTION_KEYS_SETTING}: write each key as <id>:<base64url key>")
            if kek_id in keys:
                raise ValueError(f"{KEY_ENCRYPTION_KEYS_SETTING}: the KEK {kek_id!r} is given twice")
            try:
                keys[kek_id] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                raise ValueError(
                    f"{KEY_ENCRYPTION_KEYS_SETTING}: the KEK {kek_id!r} is not base64url"
                ) from None
            order.append(kek_id)
        if not order:
            raise ValueError(f"{KEY_ENCRYPTION_KEYS_SETTING} names no key")
        return cls(keys, current=order[0])

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> LocalKeyEncryptionKeys:
        value = environ.get(KEY_ENCRYPTION_KEYS_SETTING)
        if not value:
            raise ValueError(f"set {KEY_ENCRYPTION_KEYS_SETTING} (see trellis_kernel.privacy.kms)")
        return cls.from_setting(value)

    @property
    def current(self) -> str:
        return self._current

    async def wrap(self, key: bytes, *, context: bytes) -> WrappedKey:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(nonce, key, context)
        return WrappedKey(self._current, nonce + sealed)

    async def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        kek = self._keys.get(wrapped.kek_id)
        if kek is None:
            raise KeyEncryptionError(
                f"the KEK {wrapped.kek_id!r} that wraps this data key is not configured "
                f"({KEY_ENCRYPTION_KEYS_SETTING}); keep it until DataKeyStore.rewrap() moved every key off it"
            )
        nonce, sealed = wrapped.ciphertext[:_NONCE_BYTES], wrapped.ciphertext[_NONCE_BYTES:]
        try:
            return kek.decrypt(nonce, sealed, context)
        except InvalidTag:
            raise KeyEncryptionError(
                f"a data key wrapped under {wrapped.kek_id!r} does not open: a wrong KEK, or a row altered"
            ) from None


def new_key_encryption_key(kek_id: str) -> str:
    """A fresh entry for ``TRELLIS_KEY_ENCRYPTION_KEYS``: ``<kek_id>:<base64url of 32 random bytes>``."""
    if not _ID.fullmatch(kek_id):
        raise ValueError(f"a KEK id is an opaque id, not {kek_id!r}")
    return f"{kek_id}:{base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).rstrip(b'=').decode()}"
