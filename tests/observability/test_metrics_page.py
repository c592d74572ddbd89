"""The goals and feedback services run as containers run them (`trellis serve`) against the real
PostgreSQL and Kafka: a command through the goals API moves its /metrics counters (commands by
type and outcome, appends, events published by the relay, relay lag back to nothing), and the
feedback service's /metrics shows its consumer applying the published event and its lag per
partition back to zero. Both processes log JSON lines."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PostgresServer
from tests.service_process import ServiceProcess
from trellis_goals.app import RELAY_NAME
from trellis_kernel.identity import mint_token

pytestmark = pytest.mark.infra

SECRET = "metrics-test-secret-of-at-least-32-bytes"
ORG = "org_metrics"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def hr() -> dict[str, str]:
    token = mint_token(SECRET, "hr_1", roles=("hr_admin",), organisation_id=ORG)
    return {"Authorization": f"Bearer {token}"}


async def scrape(http: httpx.AsyncClient, service: ServiceProcess) -> Samples:
    page = await http.get(f"{service.url}/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def matching(samples: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    wanted = set(labels.items())
    return {found: v for (n, found), v in samples.items() if n == name and wanted <= found}


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within}s: {what}"
        await asyncio.sleep(0.2)


async def test_a_command_moves_the_counters_on_the_metrics_pages(
    postgres: PostgresServer,
    kafka_bootstrap: str,
    new_topic: Callable[..., Awaitable[str]],
    tmp_path: Path,
) -> None:
    goals_topic, feedback_topic = await new_topic(3), await new_topic(3)
    group = f"feedback-metrics-{uuid.uuid4().hex[:8]}"
    common = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TRELLIS_JWT_SECRET": SECRET,
        "GOALS_EVENTS_TOPIC": goals_topic,
        "GOALS_OVERDUE_SWEEP_SECONDS": "0",
        "GOALS_DATABASE_URL": await postgres.create_database("metrics_goals"),
        "FEEDBACK_DATABASE_URL": await postgres.create_database("metrics_feedback"),
        "FEEDBACK_GOALS_TOPIC": goals_topic,
        "FEEDBACK_EVENTS_TOPIC": feedback_topic,
        "FEEDBACK_GOALS_CONSUMER_GROUP": group,
        "FEEDBACK_SWEEP_SECONDS": "0",
    }
    goals = ServiceProcess(common, tmp_path / "goals.log", service="goals")
    feedback = ServiceProcess(common, tmp_path / "feedback.log", service="feedback")
    try:
        goals.start()
        feedback.start()
        async with httpx.AsyncClient(timeout=10) as http:
            before = await scrape(http, goals)
            consumed_before = await scrape(http, feedback)

            changed = await http.post(
                f"{goals.url}/employees/emp_1/manager", json={"manager_id": "mgr_1"}, headers=hr()
            )
            assert changed.status_code == 200, changed.text
            own_manager = await http.post(
                f"{goals.url}/employees/emp_2/manager", json={"manager_id": "emp_2"}, headers=hr()
            )
            assert own_manager.status_code == 422, own_manager.text

            after = await scrape(http, goals)
            for outcome in ("recorded", "rejected"):
                name = "trellis_commands_total"
                assert value(after, name, command="ChangeReportingLine", outcome=outcome) == (
                    value(before, name, command="ChangeReportingLine", outcome=outcome) + 1
                ), outcome
            assert (
                value(after, "trellis_append_seconds_count")
                == value(before, "trellis_append_seconds_count") + 1
            )
            assert value(
                after, "trellis_events_appended_total", event_type="dev.trellis.goals.ReportingLineChanged.v1"
            ) == 1 + value(
                before,
                "trellis_events_appended_total",
                event_type="dev.trellis.goals.ReportingLineChanged.v1",
            )

            async def published() -> bool:
                page = await scrape(http, goals)
                return (
                    value(page, "trellis_relay_published_events_total", relay=RELAY_NAME)
                    >= value(before, "trellis_relay_published_events_total", relay=RELAY_NAME) + 1
                    and value(page, "trellis_relay_unpublished_events", relay=RELAY_NAME) == 0
                )

            await until(published, "the goals relay published the event and has nothing waiting")
            relayed = await scrape(http, goals)
            assert value(relayed, "trellis_relay_leader", relay=RELAY_NAME) == 1
            assert value(relayed, "trellis_relay_oldest_unpublished_seconds", relay=RELAY_NAME) == 0
            assert (("trellis_relay_set_aside_waiting_events", frozenset({("relay", RELAY_NAME)}))) in relayed

            async def consumed() -> bool:
                page = await scrape(http, feedback)
                lag = matching(page, "trellis_consumer_lag_records", consumer=group, topic=goals_topic)
                return (
                    value(page, "trellis_consumer_events_total", consumer=group, outcome="applied")
                    == value(
                        consumed_before, "trellis_consumer_events_total", consumer=group, outcome="applied"
                    )
                    + 1
                    and len(lag) == 3
                    and sum(lag.values()) == 0
                )

            await until(consumed, "the feedback consumer applied the event and has no lag left")
            final = await scrape(http, feedback)
            assert value(final, "trellis_consumer_events_total", consumer=group, outcome="dead_lettered") == 0
            assert "trellis_relay_unpublished_events" in {name for name, _ in final}
    finally:
        goals.stop()
        feedback.stop()

    for log in (goals.log, feedback.log):
        lines = [line for line in log.read_text().splitlines() if line.strip() and not line.startswith("---")]
        assert lines, f"{log.name} is empty"
        for line in lines:
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= entry.keys(), line
