"""The `trellis` command: `run`, `token`, `export`, `infra up|down|status|env`, `projections`,
`relay quarantined|retry|lag`, `backfill start|status|cancel`, `keys new-kek`; for images and clusters `serve`, `migrate`, `health` and
`docker up|down|status|build`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import timedelta
from pathlib import Path

from trellis_deploy import backfill, infrastructure, projections, relay, serving, settings
from trellis_deploy.container import image
from trellis_deploy.container.base_image import ensure_base_image
from trellis_deploy.container.engine import DockerError, LocalDockerEngine, docker_engine
from trellis_deploy.demo.context import DemoError
from trellis_deploy.export import ExportError
from trellis_deploy.local.kafka import KafkaStartError
from trellis_deploy.local.postgres import PostgresStartError
from trellis_deploy.local.prerequisites import MissingPrerequisite
from trellis_deploy.local.secrets import local_jwt_secret
from trellis_deploy.supervisor import runner
from trellis_kernel.decider import DomainError
from trellis_kernel.http import Forbidden, NotFound
from trellis_kernel.identity import mint_token
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, new_key_encryption_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trellis", description="Trellis platform tools")
    commands = parser.add_subparsers(dest="command", required=True)
    infra = commands.add_parser("infra", help="local Kafka and PostgreSQL")
    infra_commands = infra.add_subparsers(dest="action", required=True)
    infra_commands.add_parser("up", help="start what is not running (idempotent)")
    infra_commands.add_parser("down", help="stop the processes `up` started")
    infra_commands.add_parser("status", help="say what runs where")
    infra_commands.add_parser("env", help="print shell exports pointing Trellis at the infrastructure")
    run = commands.add_parser("run", help="start the infrastructure and run every service (Ctrl-C stops)")
    run.add_argument("--host", default="127.0.0.1")
    commands.add_parser("demo", help="seed a fresh demo organisation through the running platform's APIs")
    export = commands.add_parser(
        "export", help="a person's access request: everything every service holds about them, as one zip"
    )
    export.add_argument("organisation", help="the organisation id")
    export.add_argument("person", help="the person's id")
    export.add_argument(
        "--out", type=Path, help="the archive to write (default: export-<org>-<person>-<when>.zip)"
    )
    token = commands.add_parser("token", help="mint a bearer token signed with the local HS256 secret")
    token.add_argument("subject", help="the principal's opaque id, e.g. an employee id")
    token.add_argument("--role", action="append", default=[], help="a role such as hr_admin (repeatable)")
    token.add_argument("--org", help="the organisation id")
    token.add_argument("--hours", type=float, default=8.0, help="lifetime in hours")
    projection_parser = commands.add_parser("projections", help="a service's read models")
    projection_commands = projection_parser.add_subparsers(dest="action", required=True)
    listing = projection_commands.add_parser("list", help="the service's projections")
    listing.add_argument("service")
    rebuild = projection_commands.add_parser(
        "rebuild", help="replay a projection from the first event into fresh tables and swap them in"
    )
    rebuild.add_argument("service")
    rebuild.add_argument("projection")
    _add_container_commands(commands)
    relay_parser = commands.add_parser("relay", help="a service's outbox relay")
    relay_commands = relay_parser.add_subparsers(dest="action", required=True)
    quarantined = relay_commands.add_parser("quarantined", help="events set aside as unpublishable, and why")
    quarantined.add_argument("service")
    retry = relay_commands.add_parser(
        "retry", help="publish a set-aside event (and its stream's later ones) once the cause is fixed"
    )
    retry.add_argument("service")
    retry.add_argument("event_id")
    retry.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the relay's answer")
    lag = relay_commands.add_parser("lag", help="events stored but not yet published, and how old")
    lag.add_argument("service")
    _add_backfill_commands(commands)
    keys = commands.add_parser("keys", help="key-encryption keys of personal data")
    key_commands = keys.add_subparsers(dest="action", required=True)
    new_kek = key_commands.add_parser(
        "new-kek",
        help=f"print a fresh entry for {KEY_ENCRYPTION_KEYS_SETTING} (put it first to make it current)",
    )
    new_kek.add_argument("kek_id", nargs="?", default=f"kek_{time.strftime('%Y%m%d')}")
    args = parser.parse_args(argv)

    try:
        if args.command in CONTAINER_COMMANDS:
            return CONTAINER_COMMANDS[args.command](args)
        if args.command == "run":
            return runner.run(args.host)
        if args.command == "demo":
            from trellis_deploy.demo import runner as demo

            return demo.run()
        if args.command == "export":
            return _export(args.organisation, args.person, args.out)
        if args.command == "projections":
            return _projections(args)
        if args.command == "relay":
            return _relay(args)
        if args.command == "backfill":
            return _backfill(args)
        if args.command == "keys":
            print(new_key_encryption_key(args.kek_id))
            return 0
        if args.command == "token":
            return _token(args.subject, args.role, args.org, args.hours)
        return INFRA_ACTIONS[args.action]()
    except (
        MissingPrerequisite,
        KafkaStartError,
        PostgresStartError,
        DemoError,
        DockerError,
        ExportError,
        ValueError,
    ) as error:
        print(f"trellis: {error}", file=sys.stderr)
        return 1


def _add_container_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run one service in the foreground (a container's command)")
    serve.add_argument("service")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, help=f"default: ${serving.PORT_VARIABLE}, else the service's own")
    migrate = commands.add_parser(
        "migrate",
        help="create or upgrade a service's tables (and topics, with KAFKA_BOOTSTRAP_SERVERS), then exit",
    )
    migrate.add_argument("service")
    health = commands.add_parser(
        "health", help="probe the service on 127.0.0.1: exit 0 if it is live (or ready)"
    )
    health.add_argument("--ready", action="store_true", help="ask for readiness instead of liveness")
    health.add_argument("--port", type=int, help=f"default: ${serving.PORT_VARIABLE}")
    health.add_argument("--path", help="probe this path instead (the web app answers /health)")
    docker = commands.add_parser("docker", help="a Docker engine on this machine and Trellis's image")
    docker_commands = docker.add_subparsers(dest="action", required=True)
    docker_commands.add_parser(
        "up", help="install and start the engine if needed, import the local base image"
    )
    docker_commands.add_parser("down", help="stop the engine `up` started")
    docker_commands.add_parser("status", help="say whether the engine runs")
    build = docker_commands.add_parser("build", help="build the image from deploy/Dockerfile")
    build.add_argument("--tag", default=image.LOCAL_TAG)
    build.add_argument("--base-image", help="default: a base image made here from Debian's packages")


def _serve(args: argparse.Namespace) -> int:
    return serving.serve(args.service, host=args.host, port=args.port)


def _migrate(args: argparse.Namespace) -> int:
    return serving.migrate(args.service)


def _health(args: argparse.Namespace) -> int:
    return serving.health(ready=args.ready, port=args.port, path=args.path)


def _docker(args: argparse.Namespace) -> int:
    home = settings.trellis_home()
    engine = LocalDockerEngine(home)
    if args.action == "down":
        print("Stopped: dockerd" if engine.down() else "Stopped: nothing was running")
    elif args.action == "status":
        print(f"dockerd {engine.status()}: {engine.docker.host}  log: {engine.log_file}")
    elif args.action == "up":
        docker = docker_engine(home)
        print(f"Docker engine at {docker.host}; base image {ensure_base_image(docker, home)}")
        print(f"Point a docker client at it with: export DOCKER_HOST={shlex.quote(docker.host)}")
    else:
        built = image.build_on_local_engine(home, tag=args.tag, base_image=args.base_image)
        print(f"Built {built.tag} on {built.base_image} in {built.seconds:.0f}s")
    return 0


def _add_backfill_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "backfill", help="replay a service's stored history to a topic or a subscription"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="ask the service (its running replicas) to replay its history")
    start.add_argument("service")
    target = start.add_mutually_exclusive_group(required=True)
    target.add_argument("--topic", help="a Kafka topic of your choosing")
    target.add_argument(
        "--subscription", metavar="ORG/ID", help="a webhook or xAPI subscription of the integrations service"
    )
    start.add_argument("--since", help="only events that happened at or after this date or ISO 8601 moment")
    start.add_argument(
        "--type", action="append", dest="types", help="only this CloudEvents type (repeatable)"
    )
    start.add_argument("--organisation", help="only this organisation's events (with --topic)")
    start.add_argument("--rate", type=int, default=2000, help="events per second at most (default 2000)")
    start.add_argument("--id", dest="backfill_id", help="the backfill's id (makes the command retryable)")
    start.add_argument("--follow", action="store_true", help="show its progress until it has finished")
    status = actions.add_parser("status", help="the service's backfills and their progress")
    status.add_argument("service")
    status.add_argument("backfill_id", nargs="?")
    status.add_argument("--follow", action="store_true", help="show its progress until it has finished")
    cancel = actions.add_parser("cancel", help="stop a backfill after its current batch")
    cancel.add_argument("service")
    cancel.add_argument("backfill_id")


def _backfill(args: argparse.Namespace) -> int:
    try:
        return _backfill_action(args)
    except (NotFound, Forbidden, DomainError, LookupError) as error:
        print(f"trellis: {getattr(error, 'message', None) or error}", file=sys.stderr)
        return 1


def _backfill_action(args: argparse.Namespace) -> int:
    if args.action == "start":
        started = backfill.start(
            args.service,
            topic=args.topic,
            subscription=args.subscription,
            since=args.since,
            types=args.types,
            organisation=args.organisation,
            rate=args.rate,
            backfill_id=args.backfill_id,
        )
        print(started.describe())
        if args.follow:
            return 0 if backfill.follow(args.service, str(started.backfill_id)).state == "completed" else 1
        print(f"progress: trellis backfill status {args.service} {started.backfill_id} --follow")
        return 0
    if args.action == "status":
        if args.follow and args.backfill_id:
            return 0 if backfill.follow(args.service, args.backfill_id).state == "completed" else 1
        print("\n".join(backfill.status(args.service, args.backfill_id)))
        return 0
    print(backfill.cancel(args.service, args.backfill_id))
    return 0


CONTAINER_COMMANDS = {"serve": _serve, "migrate": _migrate, "health": _health, "docker": _docker}


def _projections(args: argparse.Namespace) -> int:
    if args.action == "list":
        print("\n".join(projections.list_projections(args.service)))
    else:
        print(projections.rebuild_projection(args.service, args.projection))
    return 0


def _relay(args: argparse.Namespace) -> int:
    if args.action == "quarantined":
        print("\n".join(relay.list_set_aside(args.service)))
        return 0
    if args.action == "lag":
        print("\n".join(relay.lag(args.service)))
        return 0
    try:
        published, lines = relay.retry(args.service, args.event_id, args.wait)
    except LookupError as error:
        print(f"trellis: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0 if published else 1


def _export(organisation: str, person: str, out: Path | None) -> int:
    import httpx

    from trellis_deploy import export, services
    from trellis_deploy.demo.runner import platform_addresses

    if os.environ.get("TRELLIS_JWKS_URL"):
        raise ExportError(
            "the export asks the services as HR with a local token: run the platform in local mode"
        )
    with httpx.Client(timeout=120) as http:
        archive = export.export_person(
            organisation,
            person,
            addresses=platform_addresses(),
            services=[app.name for app in services.SERVICE_APPS],
            secret=local_jwt_secret(settings.trellis_home()),
            out=out,
            http=http,
        )
    for entry in archive.manifest["files"]:
        held = (
            f"{entry['events']} events, {entry['key_reads']} key reads" if entry["holds_data"] else "nothing"
        )
        erased = ", erased" if entry["erased"] else ""
        print(f"{entry['service']:<14} {held}{erased}")
    print(f"Wrote {archive.path} (readable by you only: it holds personal data)")
    return 0


def _token(subject: str, roles: list[str], organisation: str | None, hours: float) -> int:
    secret = local_jwt_secret(settings.trellis_home())
    print(
        mint_token(
            secret, subject, roles=roles, organisation_id=organisation, expires_in=timedelta(hours=hours)
        )
    )
    return 0


def _up() -> int:
    started = time.monotonic()
    infrastructure.up()
    print(f"Infrastructure ready in {time.monotonic() - started:.1f}s (state in {settings.trellis_home()})")
    _status()
    print('Point a shell at it with: eval "$(trellis infra env)"')
    return 0


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
    for name, url in runner.recorded_addresses().items():  # the APIs and web app `trellis run` serves
        print(f"export TRELLIS_{name.upper()}_URL={shlex.quote(url)}")
    return 0


INFRA_ACTIONS = {"up": _up, "down": _down, "status": _status, "env": _env}

if __name__ == "__main__":
    sys.exit(main())
