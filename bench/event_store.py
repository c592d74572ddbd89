"""Append rate of the Trellis event store beside two baselines, on one PostgreSQL, in one run.

    python -m bench.event_store [--commands 8000] [--seconds 8] [--rounds 4]

Every figure is a rate of one-event commands per second from 1 and from 8 concurrent clients:

- trellis_append: the store's append alone, as a caller that has decided calls it: one event,
  the exact expected version (each client knows its stream's version), a pooled connection
  taken by the store (EventStore.append, NOTIFY included). Its targets: at least 0.7 of
  asyncpg_transaction (plain asyncpg's one-row transactions) at 8 clients;
- trellis: a command takes a pooled connection (trellis_kernel.store.create_pool), reads its
  stream, decides (the next progress value) and appends one event with the version it read as
  the expected version (EventStore.append, NOTIFY included);
- trellis_version_only: the same, reading only the stream's current version (the brief's
  "read current version, decide, append"; a decider that needs no state);
- asyncpg: one plain one-row INSERT per command, each its own transaction, every client on a
  connection of its own (the floor any store on PostgreSQL pays: one round trip and one commit
  per command; trellis pays two round trips, the read and the append);
- asyncpg_transaction: the same INSERT inside an explicit transaction (asyncpg's
  `async with connection.transaction()`: BEGIN, INSERT, COMMIT, three round trips);
- asyncpg_read_insert: the same two round trips as trellis in raw SQL (select the aggregate's
  rows, then insert one row with the next version), every client on a connection of its own: what the
  store's own code costs beyond the round trips (not a target, for reading the figures);
- eventsourcing: the Python eventsourcing library's PostgreSQL application recorder doing the
  same command (repository.get, trigger one event, save), clients being threads.

Each measurement stops after --commands commands or --seconds seconds, whichever comes first.
trellis and asyncpg run in alternating rounds (--rounds), so that load from elsewhere on the
machine weighs on both alike.
The last line printed is one JSON object with every figure and ratio.

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
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import asyncpg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.database import ScratchDatabase, admin_dsn, scratch_database
from trellis_kernel.store import EventMetadata, EventStore, NewEvent, create_pool

CLIENT_COUNTS = (1, 8)
EVENTS_PER_STREAM = 10  # each stream takes this many commands, so reads stay short and alike
METADATA = EventMetadata(principal="bench", correlation_id=uuid.uuid4())


class Goal(Aggregate):  # the eventsourcing library's aggregate for the same command
    @event("Created")
    def __init__(self, progress: int) -> None:
        self.progress = progress

    @event("ProgressRecorded")
    def record_progress(self, progress: int) -> None:
        self.progress = progress


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
    seconds: float

    def per_client(self, clients: int) -> int:
        return max(1, self.commands // clients)


async def run_async_clients(
    clients: int, budget: Budget, command: Callable[[int, int], Awaitable[None]]
) -> Rate:
    """Run command(client, n) from `clients` tasks until the budget is spent."""
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


async def measure_trellis(
    database: ScratchDatabase, clients: int, budget: Budget, *, read_history: bool = True
) -> Rate:
    # One connection per client, and one for the store's background NOTIFY.
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    try:
        store = EventStore(pool)
        await store.setup()
        run = uuid.uuid4().hex[:8]

        async def command(client: int, n: int) -> None:
            # As a service handles a request: one pooled connection for the read and the append
            # (each still its own transaction; the append commits on its own).
            stream = f"goal-{run}{client}x{n // EVENTS_PER_STREAM}"
            async with pool.acquire() as connection:
                if read_history:
                    history = await store.read_stream(stream, connection=connection)
                    version = history[-1].version if history else 0
                    progress = (history[-1].payload["progress"] if history else 0) + 1
                else:
                    version = await store.stream_version(stream, connection=connection)
                    progress = version + 1
                await store.append(
                    stream,
                    [NewEvent("dev.trellis.goals.ProgressRecorded.v1", {"progress": progress})],
                    expected=version,
                    metadata=METADATA,
                    connection=connection,
                )

        await command(0, -1)  # warm the pool's prepared statements
        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        await pool.close()


async def measure_trellis_append(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    """The store's append alone: each client knows the version of the stream it writes (as a
    caller that has just decided does) and appends one event expecting exactly that version."""
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    try:
        store = EventStore(pool)
        await store.setup()
        run = uuid.uuid4().hex[:8]

        async def command(client: int, n: int) -> None:
            stream = f"goal-{run}{client}x{n // EVENTS_PER_STREAM}"
            version = n % EVENTS_PER_STREAM if n >= 0 else 0
            await store.append(
                stream if n >= 0 else f"goal-{run}warm",
                [NewEvent("dev.trellis.goals.ProgressRecorded.v1", {"progress": version + 1})],
                expected=version,
                metadata=METADATA,
            )

        await command(0, -1)  # warm the pool's prepared statements
        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        await pool.close()


async def measure_trellis_version_only(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    return await measure_trellis(database, clients, budget, read_history=False)


PLAIN_ROWS = "CREATE TABLE IF NOT EXISTS plain_rows (id uuid PRIMARY KEY, payload jsonb NOT NULL)"
PLAIN_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS plain_versions ("
    " aggregate text, version integer, payload jsonb NOT NULL,"
    " PRIMARY KEY (aggregate, version))"
)


async def measure_on_own_connections(
    database: ScratchDatabase,
    clients: int,
    budget: Budget,
    table: str,
    command: Callable[[asyncpg.Connection, int, int], Awaitable[None]],
) -> Rate:
    """Create `table`, then run command(connection, client, n) with every client on a
    connection of its own (warmed by one command each first)."""
    connections = [await asyncpg.connect(database.dsn) for _ in range(clients)]
    try:
        await connections[0].execute(table)

        async def on_own_connection(client: int, n: int) -> None:
            await command(connections[client], client, n)

        for client in range(clients):
            await on_own_connection(client, -1)
        return await run_async_clients(clients, budget, on_own_connection)
    finally:
        for connection in connections:
            await connection.close()


async def measure_plain_asyncpg(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        await connection.execute(
            "INSERT INTO plain_rows (id, payload) VALUES ($1, $2::jsonb)",
            uuid.uuid4(),
            json.dumps({"progress": n}),
        )

    return await measure_on_own_connections(database, clients, budget, PLAIN_ROWS, command)


async def measure_asyncpg_transaction(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO plain_rows (id, payload) VALUES ($1, $2::jsonb)",
                uuid.uuid4(),
                json.dumps({"progress": n}),
            )

    return await measure_on_own_connections(database, clients, budget, PLAIN_ROWS, command)


async def measure_asyncpg_read_insert(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    run = uuid.uuid4().hex[:8]

    async def command(connection: asyncpg.Connection, client: int, n: int) -> None:
        aggregate = f"{run}{client}x{n // EVENTS_PER_STREAM}"
        history = await connection.fetch(
            "SELECT version, payload::text FROM plain_versions WHERE aggregate = $1 ORDER BY version",
            aggregate,
        )
        payloads = [json.loads(row["payload"]) for row in history]
        version = history[-1]["version"] if history else 0
        progress = (payloads[-1]["progress"] if payloads else 0) + 1
        await connection.execute(
            "INSERT INTO plain_versions (aggregate, version, payload) VALUES ($1, $2, $3::jsonb)",
            aggregate,
            version + 1,
            json.dumps({"progress": progress}),
        )

    return await measure_on_own_connections(database, clients, budget, PLAIN_VERSIONS, command)


def measure_eventsourcing(database: ScratchDatabase, clients: int, budget: Budget) -> Rate:
    application = Application(
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
    deadline_lock = threading.Lock()
    deadline = [0.0]

    def client(number: int) -> int:
        done = 0
        goal_id: Any = None
        for n in range(budget.per_client(clients)):
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
        client(-1)  # warm up: connections, tables
        deadline[0] = time.perf_counter() + budget.seconds
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as executor:
            done = list(executor.map(client, range(clients)))
        return Rate(sum(done), time.perf_counter() - started)
    finally:
        application.close()


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


async def main_async(admin: str, budget: Budget, rounds: int) -> dict[str, Any]:
    rates: dict[str, dict[int, Rate]] = {
        "trellis_append": {},
        "trellis": {},
        "trellis_version_only": {},
        "asyncpg": {},
        "asyncpg_transaction": {},
        "asyncpg_read_insert": {},
        "eventsourcing": {},
    }
    round_budget = Budget(max(1, budget.commands // rounds), budget.seconds / rounds)
    async with scratch_database(admin, "bench_store") as database:
        for clients in CLIENT_COUNTS:
            alternating = {
                "asyncpg": measure_plain_asyncpg,
                "trellis_append": measure_trellis_append,
                "trellis": measure_trellis,
                "trellis_version_only": measure_trellis_version_only,
                "asyncpg_transaction": measure_asyncpg_transaction,
                "asyncpg_read_insert": measure_asyncpg_read_insert,
            }
            totals = {name: Rate(0, 0.0) for name in alternating}
            for _ in range(rounds):
                for name, measure in alternating.items():
                    totals[name] += await measure(database, clients, round_budget)
            for name, total in totals.items():
                rates[name][clients] = total
            rates["eventsourcing"][clients] = await asyncio.to_thread(
                measure_eventsourcing, database, clients, budget
            )
            for name in rates:
                rate = rates[name][clients]
                print(
                    f"{name:>20} {clients} client(s): {rate.per_second:9.1f} commands/s "
                    f"({rate.commands} in {rate.seconds:.2f}s)",
                    flush=True,
                )
        relay = await measure_relay(database.dsn)

    figures: dict[str, Any] = {
        "bench": "event_store",
        "budget": {"commands": budget.commands, "seconds": budget.seconds, "rounds": rounds},
        "cpus": os.cpu_count(),
    }
    for name, by_clients in rates.items():
        for clients, rate in by_clients.items():
            figures[f"{name}_{clients}_clients_per_s"] = round(rate.per_second, 1)
            figures[f"{name}_{clients}_clients_commands"] = rate.commands
    for clients in CLIENT_COUNTS:
        append = rates["trellis_append"][clients]
        figures[f"trellis_append_vs_asyncpg_{clients}_clients"] = ratio(append, rates["asyncpg"][clients])
        figures[f"trellis_append_vs_asyncpg_transaction_{clients}_clients"] = ratio(
            append, rates["asyncpg_transaction"][clients]
        )
        figures[f"trellis_version_only_vs_asyncpg_{clients}_clients"] = ratio(
            rates["trellis_version_only"][clients], rates["asyncpg"][clients]
        )
        trellis = rates["trellis"][clients]
        figures[f"trellis_vs_asyncpg_{clients}_clients"] = ratio(trellis, rates["asyncpg"][clients])
        figures[f"trellis_vs_asyncpg_transaction_{clients}_clients"] = ratio(
            trellis, rates["asyncpg_transaction"][clients]
        )
        figures[f"trellis_vs_asyncpg_read_insert_{clients}_clients"] = ratio(
            trellis, rates["asyncpg_read_insert"][clients]
        )
        figures[f"trellis_vs_eventsourcing_{clients}_clients"] = ratio(
            trellis, rates["eventsourcing"][clients]
        )
    # The targets: the store's append (one-event, exact expected version) against plain asyncpg's
    # one-row transactions; the whole command (read, decide, append) against the eventsourcing
    # library doing the same whole command.
    figures["target_append_vs_asyncpg_transaction_8_clients_met"] = (
        figures["trellis_append_vs_asyncpg_transaction_8_clients"] >= 0.7
    )
    figures["target_append_vs_asyncpg_autocommit_8_clients_met"] = (
        figures["trellis_append_vs_asyncpg_8_clients"] >= 0.7
    )
    figures["target_vs_eventsourcing_8_clients_met"] = figures["trellis_vs_eventsourcing_8_clients"] >= 10
    figures["relay"] = relay
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=8000, help="per measurement")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=4, help="alternating trellis/asyncpg rounds")
    arguments = parser.parse_args(argv)
    budget = Budget(arguments.commands, arguments.seconds)
    figures = asyncio.run(main_async(admin_dsn(), budget, arguments.rounds))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
