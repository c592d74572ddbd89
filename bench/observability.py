"""What tracing costs a command: CommandHandler.handle with the services' tracing set up beside
the same commands without it, in one run.

    python -m bench.observability [--commands 1000] [--rounds 4] [--clients 8]

Each round runs the same number of one-event commands (read the stream, decide, append; each
on a stream of its own kind, as bench.event_store's trellis_handler) in two fresh processes, one
after the other, their order swapped each round so that load from elsewhere weighs on both:

- ``untraced``: no tracer provider, as before tracing existed (metrics are counted in both);
- ``traced``: ``configure_tracing`` as every service calls it with no collector configured (the
  SDK's provider, the command and append spans, the events stamped with their traceparent;
  queries get spans only when spans are exported).

Prints commands per second for each and the ratio traced / untraced (target: at least 0.8), and
ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid

from bench.database import admin_dsn, scratch_database


async def _run(dsn: str, mode: str, commands: int, clients: int) -> float:
    from tests.kernel.commands.titles import CODEC, SetTitle, title_decider
    from trellis_kernel.commands import CommandHandler
    from trellis_kernel.metadata import EventMetadata
    from trellis_kernel.observability import configure_tracing
    from trellis_kernel.store import EventStore, create_pool

    if mode == "traced":
        configure_tracing("bench")
    pool = await create_pool(dsn, min_size=clients, max_size=clients)
    try:
        store = EventStore(pool)
        await store.setup()
        handler = CommandHandler(store, title_decider, CODEC)
        metadata = EventMetadata(principal="bench")
        run = uuid.uuid4().hex[:8]

        async def client(number: int) -> None:
            for n in range(commands // clients):
                stream = f"title-org_bench/{run}-{number}-{n % 50}"
                await handler.handle(stream, SetTitle(f"title {n}"), metadata=metadata)

        began = time.perf_counter()
        await asyncio.gather(*(client(number) for number in range(clients)))
        return (commands // clients * clients) / (time.perf_counter() - began)
    finally:
        await pool.close()


def _round(dsn: str, mode: str, commands: int, clients: int) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.observability", "--child", mode, "--dsn", dsn,
         "--commands", str(commands), "--clients", str(clients)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


async def _main(arguments: argparse.Namespace, admin: str) -> None:
    rates: dict[str, list[float]] = {"untraced": [], "traced": []}
    async with scratch_database(admin, "bench_traces") as database:
        for number in range(arguments.rounds):
            order = ("untraced", "traced") if number % 2 == 0 else ("traced", "untraced")
            for mode in order:
                rate = await asyncio.to_thread(_round, database.dsn, mode, arguments.commands, arguments.clients)
                rates[mode].append(rate)
                print(f"round {number + 1}: {mode:9} {rate:8.0f} commands/s", flush=True)
    medians = {mode: statistics.median(values) for mode, values in rates.items()}
    ratio = medians["traced"] / medians["untraced"]
    print(f"median: untraced {medians['untraced']:.0f}/s, traced {medians['traced']:.0f}/s, ratio {ratio:.2f}")
    print(json.dumps({"benchmark": "observability", "clients": arguments.clients, "rates": rates,
                      "median": medians, "traced_over_untraced": round(ratio, 3)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=1000, help="commands per process and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in each process")
    parser.add_argument("--child", choices=("untraced", "traced"), help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(asyncio.run(_run(arguments.dsn, arguments.child, arguments.commands, arguments.clients)))
    else:
        asyncio.run(_main(arguments, admin_dsn()))


if __name__ == "__main__":
    main()
