"""The integrators' example (docs/examples/consume_goals.py) decodes real Trellis records,
deduplicates by event id and skips unknown types, also through a real Kafka broker."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from aiokafka import AIOKafkaProducer

from trellis_contracts.envelope import (
    Envelope,
    KafkaRecord,
    encode_binary,
    encode_structured,
    envelope_for,
)
from trellis_contracts.goals import DevelopmentActivityCompleted, MilestoneReached

from .examples import GOALS_EXAMPLES

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "consume_goals.py"
WHEN = datetime(2026, 2, 10, 16, 0, tzinfo=UTC)


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("consume_goals_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def goals_records() -> list[KafkaRecord]:
    reached = MilestoneReached.model_validate(GOALS_EXAMPLES["dev.trellis.goals.MilestoneReached.v1"][0])
    completed = DevelopmentActivityCompleted.model_validate(
        GOALS_EXAMPLES["dev.trellis.goals.DevelopmentActivityCompleted.v1"][0]
    )
    reached_record = encode_binary(
        envelope_for(reached, id="evt-1", subject="goal_5b12", time=WHEN, sequence=7), reached
    )
    unknown = Envelope.for_event(
        "dev.trellis.goals.GoalCelebrated.v1", id="evt-3", subject="goal_5b12", time=WHEN
    )
    return [
        reached_record,
        encode_structured(envelope_for(completed, id="evt-2", subject="goal_5b12", time=WHEN), completed),
        reached_record,  # redelivered
        encode_binary(unknown, {"goal_id": "goal_5b12"}),
    ]


def assert_handled_once_each(feed: object) -> None:
    assert feed.actions == [  # type: ignore[attr-defined]
        "milestone ms_01 of goal goal_5b12 reached by emp_2c91 on 2026-02-10",
        "training act_03 completed by emp_2c91",
    ]
    assert feed.processed_ids == {"evt-1", "evt-2"}  # type: ignore[attr-defined]
    [skipped] = feed.skipped  # type: ignore[attr-defined]
    assert "GoalCelebrated" in skipped


def test_example_decodes_dedupes_and_skips_unknown_types() -> None:
    example = load_example()
    feed = example.MilestoneFeed()

    handled = [feed.handle(record.headers, record.value) for record in goals_records()]

    assert handled == [True, True, False, False]
    assert_handled_once_each(feed)


@pytest.mark.infra
async def test_example_consumes_from_a_real_kafka_topic(
    kafka_bootstrap: str, new_topic: Callable[..., Awaitable[str]]
) -> None:
    example = load_example()
    topic = await new_topic(partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in goals_records():
            await producer.send_and_wait(topic, value=record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()

    feed = example.MilestoneFeed()
    await asyncio.wait_for(
        example.consume(
            kafka_bootstrap,
            f"example-{topic}",
            feed,
            topic=topic,
            stop=lambda current: len(current.processed_ids) + len(current.skipped) >= 3,
        ),
        timeout=60,
    )

    assert_handled_once_each(feed)
