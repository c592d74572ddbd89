"""The `trellis` command: `trellis infra up|down|status|env`."""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from trellis_deploy import infrastructure, settings
from trellis_deploy.local.kafka import KafkaStartError
from trellis_deploy.local.postgres import PostgresStartError
from trellis_deploy.local.prerequisites import MissingPrerequisite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trellis", description="Trellis platform tools")
    commands = parser.add_subparsers(dest="command", required=True)
    infra = commands.add_parser("infra", help="local Kafka and PostgreSQL")
    infra_commands = infra.add_subparsers(dest="action", required=True)
    infra_commands.add_parser("up", help="start what is not running (idempotent)")
    infra_commands.add_parser("down", help="stop the processes `up` started")
    infra_commands.add_parser("status", help="say what runs where")
    infra_commands.add_parser("env", help="print shell exports pointing Trellis at the infrastructure")
    args = parser.parse_args(argv)

    try:
        return INFRA_ACTIONS[args.action]()
    except (MissingPrerequisite, KafkaStartError, PostgresStartError) as error:
        print(f"trellis: {error}", file=sys.stderr)
        return 1


def _up() -> int:
    started = time.monotonic()
    endpoints = infrastructure.up()
    print(f"Infrastructure ready in {time.monotonic() - started:.1f}s (state in {settings.trellis_home()})")
    _status()
    print('Point a shell at it with: eval "$(trellis infra env)"')
    return 0 if endpoints else 1


def _down() -> int:
    stopped = infrastructure.down()
    print("Stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    return 0


def _status() -> int:
    for row in infrastructure.report():
        log = f"  log: {row.log_file}" if row.log_file else ""
        print(f"{row.name:<22} {row.state:<24} {row.where}{log}")
    return 0


def _env() -> int:
    endpoints = infrastructure.running_endpoints()
    if endpoints is None:
        print("trellis: the infrastructure is not running; run `trellis infra up` first", file=sys.stderr)
        return 1
    print(f"export KAFKA_BOOTSTRAP_SERVERS={shlex.quote(endpoints.kafka_bootstrap_servers)}")
    for service, url in endpoints.database_urls.items():
        print(f"export {service.upper()}_DATABASE_URL={shlex.quote(url)}")
    if endpoints.postgres_admin_dsn:
        print(f"export POSTGRES_DATABASE_URL={shlex.quote(endpoints.postgres_admin_dsn)}")
    return 0


INFRA_ACTIONS = {"up": _up, "down": _down, "status": _status, "env": _env}

if __name__ == "__main__":
    sys.exit(main())
