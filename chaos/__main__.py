"""`python -m chaos --commands N --faults M --seed S --report PATH`: exits 1 when a check fails."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path

from chaos.run import Options, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--faults", type=int, default=20)
    parser.add_argument(
        "--seed", type=int, default=None, help="replays a run's fault schedule (random if omitted)"
    )
    parser.add_argument("--report", type=Path, default=Path(".trellis/chaos/report.json"))
    parser.add_argument("--rate", type=float, default=25.0, help="commands a second")
    parser.add_argument("--concurrency", type=int, default=8, help="journeys under way at once")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 1_000_000)
    summary = asyncio.run(
        run(
            Options(
                args.commands, args.faults, seed, args.report, rate=args.rate, concurrency=args.concurrency
            )
        )
    )
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
