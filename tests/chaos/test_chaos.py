"""The short chaos run CI makes (`make chaos` makes the long one): at least 1,000 commands
through the public APIs of goals, feedback and recognition, with the integrations service
delivering to a webhook receiver and an LRS (two processes each, on a private Kafka and
PostgreSQL), while faults strike one after another, one of each kind. Afterwards nothing
acknowledged is lost, no effect is applied twice, the dead-letter topics hold exactly the
poison records (every check of the report passes) and every lag is back to zero. TRELLIS_CHAOS_SEED replays another schedule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chaos.faults import KINDS
from chaos.run import Options, run

pytestmark = pytest.mark.infra

COMMANDS = 1_000
FAULTS = len(KINDS)
SEED = int(os.environ.get("TRELLIS_CHAOS_SEED", "20261130"))


async def test_no_acknowledged_event_is_lost_and_no_effect_applied_twice_while_things_break(
    tmp_path: Path,
) -> None:
    report = await run(Options(COMMANDS, FAULTS, SEED, tmp_path / "chaos.json"))

    failed = [f"{c['name']}: {'; '.join(c['problems'])}" for c in report["checks"] if not c["ok"]]
    assert not failed, f"seed {SEED}:\n" + "\n".join(failed)
    assert report["events_lost"] == 0
    assert report["effects_missing"] == 0
    assert report["duplicate_effects"] == 0
    assert report["commands_acknowledged"] + report["commands_retried"] >= COMMANDS
    assert sorted(report["faults_injected"]) == sorted(KINDS), report["faults_injected"]
    dead_letters = next(c for c in report["checks"] if c["name"].startswith("dead-letter"))["figures"]
    assert dead_letters["poison_injected"] >= 1
    assert dead_letters["dead_letters"] >= dead_letters["dead_letters_expected"] > 0
    lags = next(c for c in report["checks"] if c["name"].startswith("relay and consumer lag"))["figures"]
    assert set(lags["relay_lag"].values()) == {0} and set(lags["consumer_lag"].values()) == {0}
