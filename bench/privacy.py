"""What protecting personal data costs: commands and replays with the protecting codec beside the
same with plain contracts, on one PostgreSQL, in one run.

    python -m bench.privacy [--commands 1000] [--rounds 3] [--events 5000]

| workload | what one unit is |
| --- | --- |
| handler_plain | a one-event command through CommandHandler (load the stream, decide, append) with ContractCodec; the event carries one personal text, in the clear |
| handler_protected | the same with ProtectingCodec: the load reads the stream's keys, the append takes the person's key (lock against erasure, erasure check, key) and seals the text |
| inline_plain | handler_plain with an inline read model: in the append's transaction it decodes the new event and writes the note into a row |
| inline_protected | the same with ProtectingCodec: that decode takes the person's shared lock (held against erasure until commit), then reads the key |
| decode_autocommit | ProtectingCodec.decode_all of one stored event on a connection outside any transaction: one key query |
| decode_in_transaction | the same inside an open transaction, as an inline read model decodes: the person's shared lock, then the key query |
| replay_plain | decoding one stored event in a replay (every committed event, batches of 500, as a rebuild reads them) |
| replay_protected | the same for sealed events: one key query per batch, AES-GCM per field |

The replays decode every event of their kind in the database: --events seeded of each, plus
what the command rounds stored.

Commands run from 1 and from 8 concurrent clients, each stream taking 10 commands about one of
50 people; the workloads take turns round by round. The last line printed is one JSON object
with every figure and the ratios protected / plain (and inline_protected / handler_protected: what
the inline read model's decode adds to a protected command).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime

from bench.database import ScratchDatabase, admin_dsn, scratch_database
from bench.event_store import Budget, Rate, run_async_clients
from trellis_contracts import EventContract, personal_data
from trellis_kernel.codec import ContractCodec
from trellis_kernel.commands import CommandHandler
from trellis_kernel.decider import Decider
from trellis_kernel.privacy import DataKeyStore, LocalKeyEncryptionKeys, ProtectingCodec
from trellis_kernel.projections import setup_projection
from trellis_kernel.store import Connection, EventMetadata, EventStore, Position, StoredEvent, create_pool

CLIENT_COUNTS = (1, 8)
EVENTS_PER_STREAM = 10
PEOPLE = 50
METADATA = EventMetadata(principal="bench")
NOTE = "Finished two of the four course modules; the design review is booked for Friday."


class NoteRecorded(EventContract):
    service: ClassVar[str] = "bench"
    organisation_id: str
    employee_id: str
    n: int
    note: str = personal_data("A note about the employee.", about="employee_id")
    occurred_at: AwareDatetime


class NoteRecordedV2(NoteRecorded):
    major: ClassVar[int] = 2
    protects_personal_data: ClassVar[bool] = True


@dataclass(frozen=True)
class RecordNote:
    employee_id: str
    protected: bool


def decide(command: RecordNote, count: int) -> list[NoteRecorded]:
    contract = NoteRecordedV2 if command.protected else NoteRecorded
    return [
        contract(
            organisation_id="org_bench",
            employee_id=command.employee_id,
            n=count + 1,
            note=NOTE,
            occurred_at=datetime.now(UTC),
        )
    ]


def evolve(count: int, event: NoteRecorded) -> int:
    return event.n


NOTES: Decider[RecordNote, int, NoteRecorded] = Decider(decide, evolve, lambda: 0)
CONTRACTS: ContractCodec[NoteRecorded] = ContractCodec([NoteRecorded, NoteRecordedV2])


class LatestNotes:
    """An inline read model: each employee's latest note, decoded in the append's transaction."""

    name = "bench.latest_notes"
    tables = ("bench_latest_notes",)
    ddl = (
        "CREATE TABLE {schema}.bench_latest_notes (employee_id text PRIMARY KEY, note text NOT NULL)",
    )

    def __init__(self, codec: Any) -> None:
        self.codec = codec

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        [note] = await self.codec.decode_all([event], connection=connection)
        await connection.execute(
            f"INSERT INTO {schema}.bench_latest_notes VALUES ($1, $2)"
            " ON CONFLICT (employee_id) DO UPDATE SET note = excluded.note",
            note.employee_id,
            note.note,
        )


def key_encryption_keys() -> LocalKeyEncryptionKeys:
    return LocalKeyEncryptionKeys({"kek_bench": os.urandom(32)}, current="kek_bench")


KEKS = key_encryption_keys()


async def measure_handler(
    database: ScratchDatabase, clients: int, budget: Budget, protected: bool, inline: bool = False
) -> Rate:
    pool = await create_pool(database.dsn, min_size=clients + 1, max_size=clients + 1)
    try:
        store = EventStore(pool)
        codec: Any = ProtectingCodec(CONTRACTS, DataKeyStore(pool, KEKS)) if protected else CONTRACTS
        handler = CommandHandler(store, NOTES, codec, projections=[LatestNotes(codec)] if inline else ())
        run = uuid.uuid4().hex[:8]

        async def command(client: int, n: int) -> None:
            stream = f"note-{run}{client}x{n // EVENTS_PER_STREAM}"
            person = f"emp_{(client * 7 + n // EVENTS_PER_STREAM) % PEOPLE}"
            await handler.handle(stream, RecordNote(person, protected), metadata=METADATA)

        rate = await run_async_clients(clients, budget, command)
        await store.flush_notifications()
        return rate
    finally:
        await pool.close()


async def seed_replay(database: ScratchDatabase, events: int) -> None:
    """``events`` stored events of each kind, 100 to a stream, about 50 people."""
    pool = await create_pool(database.dsn, min_size=1, max_size=2)
    try:
        store = EventStore(pool)
        protecting = ProtectingCodec(CONTRACTS, DataKeyStore(pool, KEKS))
        for protected, codec in ((False, CONTRACTS), (True, protecting)):
            for first in range(0, events, 100):
                person = f"emp_{first // 100 % PEOPLE}"
                batch = [
                    decide(RecordNote(person, protected), n)[0]
                    for n in range(first, min(first + 100, events))
                ]
                records = await codec.encode_all(batch)
                await store.append(f"replay-{protected}x{first}", records, expected=0, metadata=METADATA)
        await store.flush_notifications()
    finally:
        await pool.close()


async def measure_replay(database: ScratchDatabase, protected: bool) -> Rate:
    """Decode every stored event of one kind, read in batches of 500 as a rebuild reads them."""
    pool = await create_pool(database.dsn, min_size=1, max_size=2)
    try:
        store = EventStore(pool)
        codec: Any = ProtectingCodec(CONTRACTS, DataKeyStore(pool, KEKS)) if protected else CONTRACTS
        wanted = (NoteRecordedV2 if protected else NoteRecorded).event_type()
        decoded = 0
        started = time.perf_counter()
        position = Position.START
        async with pool.acquire() as connection:
            while batch := await store.read_all_visible(position, 500, connection=connection):
                position = batch[-1].position
                mine = [stored for stored in batch if stored.event_type == wanted]
                await codec.decode_all(mine, connection=connection)
                decoded += len(mine)
        return Rate(decoded, time.perf_counter() - started)
    finally:
        await pool.close()


async def measure_decode(database: ScratchDatabase, decodes: int, in_transaction: bool) -> Rate:
    """Decode one sealed event ``decodes`` times, one call at a time, on one connection."""
    pool = await create_pool(database.dsn, min_size=1, max_size=1)
    try:
        store = EventStore(pool)
        codec = ProtectingCodec(CONTRACTS, DataKeyStore(pool, KEKS))
        async with pool.acquire() as connection:
            stored = (await store.read_stream("replay-Truex0", connection=connection))[0]  # seeded sealed
            await codec.decode_all([stored], connection=connection)  # the key unwrapped and cached
            started = time.perf_counter()
            if in_transaction:
                async with connection.transaction():
                    for _ in range(decodes):
                        await codec.decode_all([stored], connection=connection)
            else:
                for _ in range(decodes):
                    await codec.decode_all([stored], connection=connection)
            return Rate(decodes, time.perf_counter() - started)
    finally:
        await pool.close()


def ratio(numerator: Rate, denominator: Rate) -> float:
    return round(numerator.per_second / denominator.per_second, 3) if denominator.per_second else 0.0


async def main_async(admin: str, budget: Budget, rounds: int, events: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"bench": "privacy", "cpus": os.cpu_count(), "rounds": rounds}
    async with scratch_database(admin, "bench_privacy") as database:
        pool = await create_pool(database.dsn, min_size=1, max_size=1)
        try:
            await EventStore(pool).setup()
            await DataKeyStore(pool, KEKS).setup()
            await setup_projection(pool, LatestNotes(CONTRACTS), checkpoint=False)
        finally:
            await pool.close()
        workloads: dict[str, Callable[[int], Awaitable[Rate]]] = {
            "handler_plain": lambda clients: measure_handler(database, clients, budget, False),
            "handler_protected": lambda clients: measure_handler(database, clients, budget, True),
            "inline_plain": lambda clients: measure_handler(database, clients, budget, False, True),
            "inline_protected": lambda clients: measure_handler(database, clients, budget, True, True),
        }
        for clients in CLIENT_COUNTS:
            totals = {name: Rate(0, 0.0) for name in workloads}
            for _ in range(rounds):
                for name, measure in workloads.items():
                    totals[name] += await measure(clients)
            for name, total in totals.items():
                print(f"{name:>18} {clients} client(s): {total.per_second:9.1f} commands/s", flush=True)
                figures[f"{name}_{clients}_clients_per_s"] = round(total.per_second, 1)
            figures[f"handler_protected_vs_plain_{clients}_clients"] = ratio(
                totals["handler_protected"], totals["handler_plain"]
            )
            figures[f"inline_protected_vs_plain_{clients}_clients"] = ratio(
                totals["inline_protected"], totals["inline_plain"]
            )
            figures[f"inline_protected_vs_handler_protected_{clients}_clients"] = ratio(
                totals["inline_protected"], totals["handler_protected"]
            )
        await seed_replay(database, events)
        replays = {"replay_plain": Rate(0, 0.0), "replay_protected": Rate(0, 0.0)}
        for _ in range(rounds):
            replays["replay_plain"] += await measure_replay(database, False)
            replays["replay_protected"] += await measure_replay(database, True)
        for name, total in replays.items():
            print(f"{name:>18}: {total.per_second:9.1f} events/s decoded ({total.commands})", flush=True)
            figures[f"{name}_per_s"] = round(total.per_second, 1)
        figures["replay_protected_vs_plain"] = ratio(replays["replay_protected"], replays["replay_plain"])
        decodes = {"decode_autocommit": Rate(0, 0.0), "decode_in_transaction": Rate(0, 0.0)}
        for _ in range(rounds):
            decodes["decode_autocommit"] += await measure_decode(database, budget.commands, False)
            decodes["decode_in_transaction"] += await measure_decode(database, budget.commands, True)
        for name, total in decodes.items():
            microseconds = 1e6 / total.per_second if total.per_second else 0.0
            print(f"{name:>22}: {microseconds:7.1f} µs per decode_all of one event", flush=True)
            figures[f"{name}_us"] = round(microseconds, 1)
        figures["decode_in_transaction_vs_autocommit"] = ratio(
            decodes["decode_autocommit"], decodes["decode_in_transaction"]
        )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=1000, help="commands per workload and round")
    parser.add_argument("--seconds", type=float, default=30.0, help="cap on one workload's round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, every workload taking its turn")
    parser.add_argument("--events", type=int, default=5000, help="events of each kind seeded for the replays")
    arguments = parser.parse_args(argv)
    budget = Budget(arguments.commands, arguments.seconds)
    figures = asyncio.run(main_async(admin_dsn(), budget, arguments.rounds, arguments.events))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
