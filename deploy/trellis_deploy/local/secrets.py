"""The secrets of a local stack, made once and kept beside its state (0600): the HS256 signing
secret of its tokens and the key-encryption keys that wrap the per-person data keys."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, new_key_encryption_key

LOCAL_KEK_ID = "local_1"


def local_jwt_secret(home: Path) -> str:
    return _kept(home, "TRELLIS_JWT_SECRET", "jwt-secret", lambda: secrets.token_urlsafe(48))


def local_key_encryption_keys(home: Path) -> str:
    """``TRELLIS_KEY_ENCRYPTION_KEYS`` of the local stack. Losing this file makes every protected
    field stored by the local services unreadable, as if everyone had been erased."""
    return _kept(
        home, KEY_ENCRYPTION_KEYS_SETTING, "key-encryption-keys", lambda: new_key_encryption_key(LOCAL_KEK_ID)
    )


def _kept(home: Path, variable: str, file_name: str, make: Callable[[], str]) -> str:
    configured = os.environ.get(variable)
    if configured:
        return configured
    path = home / file_name
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(make() + "\n")
    return path.read_text().strip()
