"""Append rate of the Trellis event store beside its baselines, on one PostgreSQL, in one run.

    python -m bench.event_store [--commands 2000] [--rounds 4] [--seconds 30]

Every figure is a rate of one-event commands per second from 1 and from 8 concurrent clients.
Each workload runs the same number of commands per round (--commands, split among the clients;
--seconds only caps a round that would take too long, and the JSON says how many ran), and the
workloads take turns round by round, so that load from elsewhere on the machine weighs on all
alike. What each one pays:

| workload | round trips per command | indexes written | client |
| --- | --- | --- | --- |
| trellis_append | 1: EventStore.append, one event, exact expected version (the INSERT...SELECT checks the previous version and its transaction id) | events: (stream_id, version), (event_id), (transaction_id, global_position), identity | own connection |
| asyncpg | 1: a bare autocommit INSERT of the same row into a table made by the store's own DDL | the same three and the identity | own connection |
| asyncpg_transaction | 3: the same INSERT in BEGIN ... COMMIT (asyncpg's transaction()) | the same | own connection |
| asyncpg_narrow | 1: autocommit INSERT of (uuid, jsonb) into a two-column table | one (the uuid key) | own connection |
| trellis | 2: take a pooled connection, read the stream (EventStore.read_stream), decide, append expecting the version read | events' three | pooled connection |
| trellis_handler | 2: the same through CommandHandler.handle: decode each stored event into a contract model (ContractCodec), fold, decide, encode, append | events' three | pooled connection |
| asyncpg_read_insert | 2: raw SQL for the same command: select the stream's rows, insert the next | the store's table: the same three | own connection |
| eventsourcing | the eventsourcing library (9.5, PostgreSQL application recorder): repository.get, trigger one event, save; its recorder takes a table lock per save and writes its own two indexes | its stored_events table: (originator_id, originator_version), (notification_id) | a thread per client, each taking a connection of the library's pool (its model for concurrent use; it has no asyncio API) |

trellis_append beside asyncpg is the store's cost over the INSERT it must do anyway (target: at
least 0.7 at 8 clients); beside asyncpg_transaction and asyncpg_narrow for reading. trellis
beside eventsourcing is the whole command against the library doing the same command (target:
at least 10 at 8 clients). The last line printed is one JSON object with every figure and ratio.

Relay slot: when bench/relay.py exists and defines `async def measure(dsn: str) -> dict`,
its figures (relay rate beside a plain aiokafka producer) are added under "relay".
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import asyncpg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.database import ScratchDatabase, admin_dsn, scratch_database
from trellis_contracts import EventContract
from trellis_kernel.codec import ContractCodec
from trellis_kernel.commands import CommandHandler
from trellis_kernel.decider import Decider
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, create_pool
from trellis_kernel.store.schema import STATEMENTS

CLIENT_COUNTS = (1, 8)
EVENTS_PER_STREAM = 10  # each stream takes this many commands, so reads stay short and alike
EVENT_TYPE = "dev.trellis.bench.ProgressRecorded.v1"
METADATA = EventMetadata(principal="bench", correlation_id=uuid.uuid4())
BASELINE_SCHEMA = "baseline"  # the store's own DDL, run here: a table like events, untouched by the store


class Goal(Aggregate):  # the eventsourcing library's aggregate for the same command
    @event("Created")
    def __init__(self, progress: int) -> None:
        self.progress = progress

    @event("ProgressRecorded")
    def record_progress(self, progress: int) -> None:
        self.progress = progress


class ProgressRecorded(EventContract):  # the same command as a Trellis service decides it
    service: ClassVar[str] = "bench"
    moment_field: ClassVar[str | None] = None
    progress: int


@dataclass(frozen=True)
class RecordProgress:
    pass


def decide_progress(command: RecordProgress, progress: int) -> list[ProgressRecorded]:
    return [ProgressRecorded(progress=progress + 1)]


def evolve_progress(progress: int, recorded: ProgressRecorded) -> int:
    return recorded.progress


PROGRESS: Decider[RecordProgress, int, ProgressRecorded] = Decider(
    decide_progress, evolve_progress, lambda: 0
)
CODEC: ContractCodec[ProgressRecorded] = ContractCodec([ProgressRecorded])


@dataclass(frozen=True)
class Rate:
    commands: int
    seconds: float

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.commands + other.commands, self.seconds + other.seconds)

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Budget:
    commands: int
    seconds: float  # a cap, not the measure: a round ends early only when it would take longer

    def per_client(self, clients: int) -> int:
        return max(1, self.commands // clients)


async def run_async_clients(
    clients: int, budget: Budget, command: Callable[[int, int], Awaitable[None]]
) -> Rate:
    """Run command(client, n) from `clients` tasks until each has run its share of the budget."""
    deadline = time.perf_counter() + budget.seconds

    async def client(number: int) -> int:
        done = 0
        for n in range(budget.per_client(clients)):
            if time.perf_counter() > deadline:
                break
            await command(number, n)
            done += 1
        return done

    started = time.perf_counter()
    done = await asyncio.gather(*(client(c) for c in range(clients)))
    return Rate(sum(done), time.perf_counter() - started)


def new_run() -> str:
    return uuid.uuid4().hex[:8]


def stream_of(run: str, client: int, n: int) -> str:
    return f"goal-{run}{client}x{n // EVENTS_PER_STREAM}"


# --- trellis -------------------------------------------------------------------------------------


async def measure_trellis(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    # One connection per client, and one for the store's background NOTIFY.
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    try:
        store = EventStore(pool)
        run = new_run()

        async def command(client: int, n: int) -> None:
            # As a service handles a request: one pooled connection for the read and the append
            # (each its own transaction; the append commits on its own).
            stream = stream_of(run, client, n)
            async with pool.acquire() as connection:
                history = await store.read_stream(stream, connection=connection)
                version = history[-1].version if history else 0
                progress = (history[-1].payload["progress"] if history else 0) + 1
                await store.append(
                    stream,
                    [NewEvent(EVENT_TYPE, {"progress": progress})],
                    expected=version,
                    metadata=METADATA,
                    connection=connection,
                )

        await command(0, -EVENTS_PER_STREAM)  # warm the pool's prepared statements
        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        await pool.close()


async def measure_trellis_handler(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    try:
        store = EventStore(pool)
        handler = CommandHandler(store, PROGRESS, CODEC)
        run = new_run()

        async def command(client: int, n: int) -> None:
            await handler.handle(stream_of(run, client, n), RecordProgress(), metadata=METADATA)

        await command(0, -EVENTS_PER_STREAM)
        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        await pool.close()


async def measure_trellis_append(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    """The store's append alone, on a connection per client like the asyncpg baselines: each
    client knows the version of the stream it writes (as a caller that has just decided does)."""
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    connections = [await pool.acquire() for _ in range(clients)]
    try:
        store = EventStore(pool)
        run = new_run()

        async def command(client: int, n: int) -> None:
            version = n % EVENTS_PER_STREAM if n >= 0 else 0
            await store.append(
                stream_of(run, client, n) if n >= 0 else f"goal-{run}warm{client}",
                [NewEvent(EVENT_TYPE, {"progress": version + 1})],
                expected=version,
                metadata=METADATA,
                connection=connections[client],
            )

        for client in range(clients):
            await command(client, -1)  # warm each connection's prepared statements
        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        for connection in connections:
            await pool.release(connection)
        await pool.close()


# --- plain asyncpg -------------------------------------------------------------------------------

NARROW_TABLE = "CREATE TABLE IF NOT EXISTS plain_rows (id uuid PRIMARY KEY, payload jsonb NOT NULL)"
INSERT_EVENT = f"""
INSERT INTO {BASELINE_SCHEMA}.events (event_id, stream_id, version, event_type, schema_version, payload,
                                     occurred_at, correlation_id, principal)
VALUES ($1, $2, $3, $4, 1, $5::jsonb, $6, $7, $8)
"""


async def setup_baseline_tables(database: ScratchDatabase) -> None:
    connection = await asyncpg.connect(database.dsn)
    try:
        await connection.execute(NARROW_TABLE)
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {BASELINE_SCHEMA}")
        await connection.execute(f"SET search_path = {BASELINE_SCHEMA}")
        for statement in STATEMENTS:
            await connection.execute(statement)
    finally:
        await connection.close()


async def measure_on_own_connections(
    database: ScratchDatabase,
    clients: int,
    budget: Budget,
    command: Callable[[asyncpg.Connection, int, int], Awaitable[None]],
) -> Rate:
    """Run command(connection, client, n) with every client on a connection of its own (warmed
    by one command each first)."""
    connections = [await asyncpg.connect(database.dsn) for _ in range(clients)]
    try:

        async def on_own_connection(client: int, n: int) -> None:
            await command(connections[client], client, n)

        for client in range(clients):
            await on_own_connection(client, -EVENTS_PER_STREAM)
        return await run_async_clients(clients, budget, on_own_connection)
    finally:
        for connection in connections:
            await connection.close()


def event_row(run: str, client: int, n: int, version: int, progress: int) -> tuple[Any, ...]:
    return (
        uuid.uuid4(),
        stream_of(run, client, n),
        version,
        EVENT_TYPE,
        json.dumps({"progress": progress}, separators=(",", ":")),
        datetime.now(UTC),
        METADATA.correlation_id,
        METADATA.principal,
    )


async def measure_plain_asyncpg(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    run = new_run()

    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        version = n % EVENTS_PER_STREAM + 1 if n >= 0 else 1
        await connection.execute(INSERT_EVENT, *event_row(run, client, n, version, version))

    return await measure_on_own_connections(database, clients, budget, command)


async def measure_asyncpg_transaction(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    run = new_run()

    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        version = n % EVENTS_PER_STREAM + 1 if n >= 0 else 1
        async with connection.transaction():
            await connection.execute(INSERT_EVENT, *event_row(run, client, n, version, version))

    return await measure_on_own_connections(database, clients, budget, command)


async def measure_asyncpg_narrow(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        await connection.execute(
            "INSERT INTO plain_rows (id, payload) VALUES ($1, $2::jsonb)",
            uuid.uuid4(),
            json.dumps({"progress": n}),
        )

    return await measure_on_own_connections(database, clients, budget, command)


async def measure_asyncpg_read_insert(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    run = new_run()

    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        history = await connection.fetch(
            f"SELECT version, payload::text FROM {BASELINE_SCHEMA}.events WHERE stream_id = $1 ORDER BY version",
            stream_of(run, client, n),
        )
        payloads = [json.loads(row["payload"]) for row in history]
        version = history[-1]["version"] if history else 0
        progress = (payloads[-1]["progress"] if payloads else 0) + 1
        await connection.execute(INSERT_EVENT, *event_row(run, client, n, version + 1, progress))

    return await measure_on_own_connections(database, clients, budget, command)


# --- the eventsourcing library -----------------------------------------------------------------


def eventsourcing_application(database: ScratchDatabase, clients: int) -> Application:
    return Application(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": database.name,
            "POSTGRES_HOST": database.host,
            "POSTGRES_PORT": str(database.port),
            "POSTGRES_USER": database.user,
            "POSTGRES_PASSWORD": database.password,
            "POSTGRES_POOL_SIZE": str(clients),
            "POSTGRES_MAX_OVERFLOW": "0",
            "CREATE_TABLE": "y",
        }
    )


def measure_eventsourcing(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    """The same command and the same number of commands as the trellis workloads, from as many
    clients (threads: the library is synchronous)."""
    application = eventsourcing_application(database, clients)
    deadline_lock = threading.Lock()
    deadline = [0.0]

    def client(number: int, commands: int) -> int:
        done = 0
        goal_id: Any = None
        for n in range(commands):
            with deadline_lock:
                if time.perf_counter() > deadline[0]:
                    break
            if n % EVENTS_PER_STREAM == 0:
                goal = Goal(progress=1)
            else:
                goal = application.repository.get(goal_id)
                goal.record_progress(goal.progress + 1)
            application.save(goal)
            goal_id = goal.id
            done += 1
        return done

    try:
        deadline[0] = time.perf_counter() + 60
        with ThreadPoolExecutor(max_workers=clients) as executor:  # warm every pooled connection
            list(executor.map(client, range(clients), [EVENTS_PER_STREAM] * clients))
            deadline[0] = time.perf_counter() + budget.seconds
            started = time.perf_counter()
            done = list(executor.map(client, range(clients), [budget.per_client(clients)] * clients))
        return Rate(sum(done), time.perf_counter() - started)
    finally:
        application.close()


async def measure_eventsourcing_async(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    return await asyncio.to_thread(measure_eventsourcing, database, clients, budget)


async def measure_relay(dsn: str) -> dict[str, Any] | None:
    """MESSAGING's slot: figures from bench/relay.py when it exists."""
    try:
        relay = importlib.import_module("bench.relay")
    except ModuleNotFoundError:
        return None
    figures: dict[str, Any] = await relay.measure(dsn)
    return figures


def ratio(numerator: Rate, denominator: Rate) -> float:
    return round(numerator.per_second / denominator.per_second, 3) if denominator.per_second else 0.0


WORKLOADS: dict[str, Callable[[ScratchDatabase, int, Budget], Awaitable[Rate]]] = {
    "asyncpg": measure_plain_asyncpg,
    "trellis_append": measure_trellis_append,
    "asyncpg_transaction": measure_asyncpg_transaction,
    "asyncpg_narrow": measure_asyncpg_narrow,
    "trellis": measure_trellis,
    "trellis_handler": measure_trellis_handler,
    "asyncpg_read_insert": measure_asyncpg_read_insert,
    "eventsourcing": measure_eventsourcing_async,
}

RATIOS: Sequence[tuple[str, str]] = (
    ("trellis_append", "asyncpg"),
    ("trellis_append", "asyncpg_transaction"),
    ("trellis_append", "asyncpg_narrow"),
    ("trellis", "asyncpg_read_insert"),
    ("trellis", "eventsourcing"),
    ("trellis_handler", "eventsourcing"),
    ("trellis_handler", "trellis"),
)


async def main_async(admin: str, budget: Budget, rounds: int) -> dict[str, Any]:
    rates: dict[str, dict[int, Rate]] = {name: {} for name in WORKLOADS}
    async with scratch_database(admin, "bench_store") as database:
        await setup_baseline_tables(database)
        pool = await create_pool(database.dsn, min_size=1, max_size=1)
        try:
            await EventStore(pool).setup()
        finally:
            await pool.close()
        for clients in CLIENT_COUNTS:
            totals = {name: Rate(0, 0.0) for name in WORKLOADS}
            for _ in range(rounds):
                for name, measure in WORKLOADS.items():
                    totals[name] += await measure(database, clients, budget)
            for name, total in totals.items():
                rates[name][clients] = total
                print(
                    f"{name:>20} {clients} client(s): {total.per_second:9.1f} commands/s "
                    f"({total.commands} in {total.seconds:.2f}s)",
                    flush=True,
                )
        relay = await measure_relay(database.dsn)

    figures: dict[str, Any] = {
        "bench": "event_store",
        "budget": {"commands_per_round": budget.commands, "cap_seconds": budget.seconds, "rounds": rounds},
        "cpus": os.cpu_count(),
    }
    for name, by_clients in rates.items():
        for clients, rate in by_clients.items():
            figures[f"{name}_{clients}_clients_per_s"] = round(rate.per_second, 1)
            figures[f"{name}_{clients}_clients_commands"] = rate.commands
    for clients in CLIENT_COUNTS:
        for numerator, denominator in RATIOS:
            figures[f"{numerator}_vs_{denominator}_{clients}_clients"] = ratio(
                rates[numerator][clients], rates[denominator][clients]
            )
    figures["target_append_vs_asyncpg_autocommit_8_clients_met"] = (
        figures["trellis_append_vs_asyncpg_8_clients"] >= 0.7
    )
    figures["target_command_vs_eventsourcing_8_clients_met"] = (
        figures["trellis_vs_eventsourcing_8_clients"] >= 10
    )
    figures["relay"] = relay
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=2000, help="commands per workload and round")
    parser.add_argument("--seconds", type=float, default=30.0, help="cap on one workload's round")
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds, every workload taking its turn in each"
    )
    arguments = parser.parse_args(argv)
    budget = Budget(arguments.commands, arguments.seconds)
    figures = asyncio.run(main_async(admin_dsn(), budget, arguments.rounds))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
