"""A PostgreSQL cluster from the machine's own binaries, on 127.0.0.1, one database per service.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user and
every server command runs through runuser. That user cannot reach a checkout under a private
home (mode 700), so as root a new cluster lives in the `postgres` user's own home instead, in
a folder named after this checkout (TRELLIS_HOME/postgres/cluster says which); otherwise it
lives in TRELLIS_HOME/postgres. Only TCP on 127.0.0.1 is served, with a generated password
(scram-sha-256) kept in TRELLIS_HOME/postgres/password.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from trellis_deploy.local import prerequisites, processes
from trellis_deploy.settings import SERVICES, configured_port

DEFAULT_PORT = 15432
SUPERUSER = "trellis"
SERVER_USER = "postgres"
IDLE_IN_TRANSACTION_TIMEOUT = "60s"
"""The event store's readers wait for every transaction open in the cluster (gap-safe reads):
a session left idle inside a transaction, in any database, is ended after this long instead of
holding every relay and projection back for as long as it lives."""


class PostgresStartError(RuntimeError):
    pass


@dataclass(frozen=True)
class PostgresStatus:
    running: bool
    pid: int | None
    admin_dsn: str
    database_urls: dict[str, str] = field(default_factory=dict)
    log_file: Path = Path()


def database_name(service: str) -> str:
    return f"trellis_{service}"


class LocalPostgres:
    def __init__(self, home: Path) -> None:
        self.root = home / "postgres"
        self.password_file = self.root / "password"
        self.port_file = self.root / "port"
        self.location_file = self.root / "cluster"
        """Names the cluster's folder when it lives outside ``root`` (made as root)."""
        self.cluster = self._cluster_folder()
        self.data = self.cluster / "data"
        self.log_file = self.cluster / "postgres.log"

    def _cluster_folder(self) -> Path:
        if self.location_file.exists():
            return Path(self.location_file.read_text().strip())
        if (self.root / "data" / "PG_VERSION").exists() or os.geteuid() != 0:
            return self.root
        try:
            server_home = Path(_server_user().pw_dir)
        except prerequisites.MissingPrerequisite:
            return self.root  # `up` says what is missing
        return server_home / "trellis" / _checkout_folder_name(self.root)

    def status(self) -> PostgresStatus:
        pid = processes.read_pid(self.data / "postmaster.pid")
        running = pid is not None and processes.is_running(pid, str(self.data))
        port = int(self.port_file.read_text()) if self.port_file.exists() else DEFAULT_PORT
        password = self.password_file.read_text().strip() if self.password_file.exists() else ""
        return PostgresStatus(
            running=running,
            pid=pid if running else None,
            admin_dsn=self._dsn(port, password, "postgres"),
            database_urls={s: self._dsn(port, password, database_name(s)) for s in SERVICES},
            log_file=self.log_file,
        )

    def up(self) -> PostgresStatus:
        self.root.mkdir(parents=True, exist_ok=True)
        self._discard_orphaned_cluster()
        if not self.status().running:
            bin_dir = prerequisites.postgres_bin_dir()
            self._init_cluster_once(bin_dir)
            port = self._choose_port()
            self._server_command(
                bin_dir / "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                # Given at every start, so that a cluster made before this setting has it too.
                f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT}",
            )
        status = self.status()
        asyncio.run(_create_databases(status.admin_dsn))
        return status

    def down(self) -> bool:
        if not self.status().running:
            return False
        self._server_command(
            prerequisites.postgres_bin_dir() / "pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data)
        )
        return True

    def _discard_orphaned_cluster(self) -> None:
        """Removes a cluster left by an earlier checkout at this same path, now deleted.

        A cluster kept outside the checkout outlives it; its password went with the old
        checkout, so nothing can log in to it. It is named after this path, so it is ours to
        stop and replace, and nothing in it was reachable any more.
        """
        if self.cluster == self.root or self.password_file.exists() or not self.cluster.exists():
            return
        if self.status().running:
            self._server_command(
                prerequisites.postgres_bin_dir() / "pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data)
            )
        shutil.rmtree(self.cluster)

    def _init_cluster_once(self, bin_dir: Path) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        if self.cluster != self.root:
            self.cluster.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._hand_to_server_user(self.cluster.parent)
            self.location_file.write_text(f"{self.cluster}\n")
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        pwfile = self.cluster / "initdb-password"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._hand_to_server_user(self.cluster, pwfile)
        try:
            self._server_command(
                bin_dir / "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.data / "postgresql.conf").open("a") as conf:
            # The global-order reader waits for open transactions (snapshot xmin); a session
            # left idle inside a transaction must not hold every subscriber back for long.
            conf.write(
                f"\nidle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION_TIMEOUT}'\nmax_connections = 200\n"
            )

    def _choose_port(self) -> int:
        if self.port_file.exists():
            port = int(self.port_file.read_text())
            if processes.port_is_free(port):
                return port
        port = processes.free_port_from(configured_port("TRELLIS_POSTGRES_PORT", DEFAULT_PORT))
        self.port_file.write_text(str(port))
        return port

    def _hand_to_server_user(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        server_user = _server_user()
        for path in paths:
            os.chown(path, server_user.pw_uid, server_user.pw_gid)

    def _server_command(self, program: Path, *args: str) -> None:
        command = [str(program), *args]
        if os.geteuid() == 0:
            _server_user()
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise PostgresStartError(
                f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"\nLast lines of {self.log_file}:\n{processes.tail(self.log_file)}"
            )

    @staticmethod
    def _dsn(port: int, password: str, database: str) -> str:
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{database}"


def _checkout_folder_name(root: Path) -> str:
    """A folder name tied to one state folder: readable, and unique by a digest of its path."""
    resolved = root.resolve()
    checkout = resolved.parent.parent.name if resolved.parent.name == ".trellis" else resolved.parent.name
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", checkout)[:40] or "checkout"
    return f"{readable}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:12]}"


def _server_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise prerequisites.MissingPrerequisite(
            "Running as root, the local PostgreSQL must run as the `postgres` user, which does not "
            "exist: install Debian's postgresql package (it creates the user) or run as a normal user."
        ) from None


async def _create_databases(admin_dsn: str) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        existing = {r["datname"] for r in await connection.fetch("select datname from pg_database")}
        for service in SERVICES:
            if database_name(service) not in existing:
                await connection.execute(f'create database "{database_name(service)}"')
    finally:
        await connection.close()
