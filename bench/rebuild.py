"""How fast the goals read model is rebuilt from the store: replayed in batches, beside the same
replay event by event, in one run.

    python -m bench.rebuild [--goals 5000] [--rounds 2]

Seeds one organisation as ``bench.views`` does (teams of 100 reports, 10 goals each, about three
events a goal) into a scratch database, then rebuilds ``goals.goal_views`` with the kernel's
``rebuild`` (what ``trellis projections rebuild`` and an upgrade's automatic rebuild run), the
two ways taking turns round by round:

- event_by_event: the projection's ``apply`` for each event (the baseline);
- batched: its ``apply_batch`` for each batch the rebuild reads.

Prints events per second for each, best of the rounds, and their ratio; ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bench.database import admin_dsn, scratch_database
from bench.views import BENCH_KEYS, seed
from trellis_goals.application import GoalsApplication
from trellis_goals.projections.goal_views import GoalViews
from trellis_kernel.projections import Projection, rebuild
from trellis_kernel.store import Connection, StoredEvent, create_pool


@dataclass
class EventByEvent:
    """The goals read model without its batch replay: the rebuild applies each event alone."""

    views: GoalViews

    @property
    def name(self) -> str:
        return self.views.name

    @property
    def tables(self) -> Sequence[str]:
        return self.views.tables

    @property
    def ddl(self) -> Sequence[str]:
        return self.views.ddl

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        await self.views.apply(connection, event, schema)


async def measure(goals: int, rounds: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    async with scratch_database(admin_dsn(), prefix="bench_rebuild") as scratch:
        await seed(scratch.dsn, goals, now)
        pool = await create_pool(scratch.dsn, min_size=1, max_size=4)
        try:
            app = GoalsApplication(pool, BENCH_KEYS)
            views = next(p for p in app.read_models if isinstance(p, GoalViews))
            events = await pool.fetchval("SELECT count(*) FROM events")
            ways: dict[str, Projection] = {"event_by_event": EventByEvent(views), "batched": views}
            seconds: dict[str, list[float]] = {way: [] for way in ways}
            for round_ in range(rounds):
                for way, projection in ways.items():
                    started = time.monotonic()
                    await rebuild(app.store, projection, inline=True)
                    seconds[way].append(time.monotonic() - started)
                    print(f"  round {round_ + 1} {way:15} {seconds[way][-1]:6.1f} s", flush=True)
        finally:
            await pool.close()
    rates = {way: round(events / min(taken)) for way, taken in seconds.items()}
    return {"goals": goals, "events": events, "events_per_second": rates}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--goals", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.goals, args.rounds))
    rates = result["events_per_second"]
    result["ratio"] = round(rates["batched"] / rates["event_by_event"], 2)
    print(
        f"{result['events']} events: event by event {rates['event_by_event']}/s,"
        f" batched {rates['batched']}/s, x{result['ratio']}"
    )
    print(json.dumps({"bench": "rebuild", "date": date.today().isoformat(), **result}))


if __name__ == "__main__":
    main()
