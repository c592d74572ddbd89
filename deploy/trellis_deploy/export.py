"""`trellis export <organisation> <person>`: a person's access request (GDPR article 15) as one
archive.

Each service answers for its own data (``GET /privacy/people/{person}/export``, as an HR admin
of the organisation); the archive is a zip of one JSON file per service and ``manifest.json``:
who, when, and for each service its file, what it holds (events, key reads, erasure) and the
file's SHA-256. A service that holds nothing about the person still has its file (no events),
so the archive shows every service was asked. The archive holds personal data: it is written
readable by its owner only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx

from trellis_contracts.fields import OPAQUE_ID_PATTERN
from trellis_kernel.identity import mint_token

EXPORT_SUBJECT: Final = "trellis-export"
"""Who the services see asking (an HR admin of the organisation)."""
MANIFEST: Final = "manifest.json"
ARCHIVE_FORMAT: Final = "trellis.access-request.v1"


class ExportError(Exception):
    """The archive could not be made complete; nothing was written."""


@dataclass(frozen=True)
class ServiceFile:
    service: str
    file: str
    content: bytes
    events: int
    key_reads: int
    erased: bool
    holds_data: bool

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "file": self.file,
            "holds_data": self.holds_data,
            "events": self.events,
            "key_reads": self.key_reads,
            "erased": self.erased,
            "bytes": len(self.content),
            "sha256": hashlib.sha256(self.content).hexdigest(),
        }


@dataclass(frozen=True)
class Archive:
    path: Path
    manifest: dict[str, Any]


def export_person(
    organisation_id: str,
    person_id: str,
    *,
    addresses: dict[str, str],
    services: Sequence[str],
    secret: str,
    out: Path | None = None,
    http: httpx.Client,
) -> Archive:
    """Ask every one of ``services`` (at ``addresses``) for what it holds about the person and
    write the archive to ``out`` (by default ``export-<organisation>-<person>-<when>.zip`` in the
    working directory)."""
    for name, value in (("organisation", organisation_id), ("person", person_id)):
        if not re.fullmatch(OPAQUE_ID_PATTERN, value):
            raise ExportError(f"{value!r} is not a valid {name} id")
    missing = [service for service in services if service not in addresses]
    if missing:
        raise ExportError(
            f"the {', '.join(missing)} service is not running: an access request covers every service "
            "(start the platform with `make run`, or set TRELLIS_<SERVICE>_URL)"
        )
    token = mint_token(secret, EXPORT_SUBJECT, roles=("hr_admin",), organisation_id=organisation_id)
    generated_at = datetime.now(UTC)
    files = [
        _service_file(http, service, addresses[service], organisation_id, person_id, token, generated_at)
        for service in services
    ]
    if not any(file.holds_data for file in files):
        raise ExportError(
            f"no service holds anything about {person_id} in the organisation {organisation_id}"
        )
    manifest = {
        "format": ARCHIVE_FORMAT,
        "organisation_id": organisation_id,
        "person_id": person_id,
        "generated_at": generated_at.isoformat(),
        "generated_by": EXPORT_SUBJECT,
        "files": [file.manifest_entry() for file in files],
    }
    path = out or Path(f"export-{organisation_id}-{person_id}-{generated_at:%Y%m%dT%H%M%SZ}.zip")
    _write_privately(path, _zip(manifest, files))
    return Archive(path, manifest)


def _service_file(
    http: httpx.Client,
    service: str,
    address: str,
    organisation_id: str,
    person_id: str,
    token: str,
    generated_at: datetime,
) -> ServiceFile:
    url = f"{address.rstrip('/')}/privacy/people/{quote(person_id, safe='')}/export"
    try:
        response = http.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as error:
        raise ExportError(f"the {service} service at {address} did not answer: {error}") from error
    if response.status_code == 404:
        body: dict[str, Any] = {
            "service": service,
            "organisation_id": organisation_id,
            "person_id": person_id,
            "generated_at": generated_at.isoformat(),
            "events": [],
            "key_reads": [],
            "erasure": None,
        }
        holds_data = False
    elif response.status_code == 200:
        body = response.json()
        if (body.get("organisation_id"), body.get("person_id")) != (organisation_id, person_id):
            raise ExportError(f"the {service} service answered for someone else")
        holds_data = True
    else:
        raise ExportError(
            f"the {service} service refused the export ({response.status_code}): {response.text}"
        )
    content = json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    return ServiceFile(
        service=service,
        file=f"{service}.json",
        content=content,
        events=len(body["events"]),
        key_reads=len(body["key_reads"]),
        erased=body["erasure"] is not None,
        holds_data=holds_data,
    )


def _zip(manifest: dict[str, Any], files: Sequence[ServiceFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for file in files:
            archive.writestr(file.file, file.content)
    return buffer.getvalue()


def _write_privately(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` at once (a partial archive never appears), mode 0600."""
    path = path.resolve()
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
