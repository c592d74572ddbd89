"""The HS256 signing secret of a local stack, made once and kept beside its state (0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def local_jwt_secret(home: Path) -> str:
    configured = os.environ.get("TRELLIS_JWT_SECRET")
    if configured:
        return configured
    path = home / "jwt-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()
