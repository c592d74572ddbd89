"""Finds the programs the local stack needs, with one clear sentence when one is missing."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path


class MissingPrerequisite(RuntimeError):
    pass


def java() -> str:
    return _on_path(
        "java",
        "Java 17 or newer is needed to run the local Kafka broker: install it "
        "(e.g. `apt-get install openjdk-17-jre-headless`) or set KAFKA_BOOTSTRAP_SERVERS to an existing broker.",
    )


def maven() -> str:
    return _on_path(
        "mvn",
        "Maven is needed to fetch the Kafka broker's jars from Maven Central: install it "
        "(e.g. `apt-get install maven`) or set KAFKA_BOOTSTRAP_SERVERS to an existing broker.",
    )


def postgres_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres (Debian keeps it off PATH)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise MissingPrerequisite(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in "
        "/usr/lib/postgresql/*/bin: install them (e.g. `apt-get install postgresql-15`) "
        "or set DATABASE_URL to an existing server."
    )


def _major(initdb_path: str) -> int:
    try:
        return int(Path(initdb_path).parts[-3])
    except ValueError:
        return 0


def _on_path(program: str, advice: str) -> str:
    found = shutil.which(program)
    if not found:
        raise MissingPrerequisite(f"`{program}` was not found on PATH. {advice}")
    return found
