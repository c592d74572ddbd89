"""What `trellis run` prints once everything answers: where each part lives and how to use it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from trellis_contracts.topics import TOPICS


@dataclass(frozen=True)
class Listening:
    name: str
    url: str
    is_api: bool

    @property
    def label(self) -> str:
        return f"{self.name} API" if self.is_api else f"{self.name} app"


def trellis_command() -> str:
    """How the user can call `trellis` from where they are (the project's .venv/bin/trellis)."""
    script = Path(sys.executable).parent / "trellis"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def banner(listening: list[Listening], kafka_bootstrap: str, *, local_tokens: bool) -> str:
    trellis = trellis_command()
    width = max(len(item.label) for item in listening)
    lines = ["", "Trellis is running.", ""]
    for item in listening:
        if item.is_api:
            lines.append(f"  {item.label:<{width}}  {item.url}   OpenAPI: {item.url}/docs")
    for item in listening:
        if not item.is_api:
            lines.append(f"  {item.label:<{width}}  {item.url}")
    topics = ", ".join(topic.name for topic in TOPICS.values())
    lines.append(f"  {'Kafka':<{width}}  {kafka_bootstrap}   topics: {topics}")
    lines.append("")
    if local_tokens:
        lines += [
            "A bearer token for the APIs (local HS256 tokens; every token names an organisation):",
            f"  {trellis} token emp_1 --org org_1                  # an employee",
            f"  {trellis} token hr_1 --org org_1 --role hr_admin   # an HR admin",
            "In the web app, sign in as anyone: any id and organisation (local mode only).",
        ]
    else:
        issuer = os.environ.get("TRELLIS_OIDC_ISSUER") or os.environ.get("TRELLIS_JWKS_URL", "")
        lines.append(f"Tokens come from your OIDC provider ({issuer}); the web app signs in with it.")
    lines += [
        f'Addresses for a shell (consumers, psql): eval "$({trellis} infra env)"',
        f"Seed a demo organisation: {trellis} demo",
        f"Ctrl-C stops the services; Kafka and PostgreSQL keep running ({trellis} infra down stops them).",
        "",
    ]
    return "\n".join(lines)
