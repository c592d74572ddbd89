"""`trellis demo`: finds the running platform, seeds a fresh organisation journey by journey
with a progress bar, then shows what a downstream consumer saw and where to look."""

from __future__ import annotations

import asyncio
import os

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trellis_contracts.topics import TOPICS
from trellis_deploy import infrastructure, services, settings
from trellis_deploy.demo import downstream
from trellis_deploy.demo.context import DemoContext, DemoError
from trellis_deploy.demo.feedback_journey import FeedbackJourney
from trellis_deploy.demo.goals_journey import GoalsJourney
from trellis_deploy.demo.journeys import Journey
from trellis_deploy.demo.organisation import PEOPLE
from trellis_deploy.demo.recognition_journey import RecognitionJourney, RewardPolicyJourney
from trellis_deploy.local.secrets import local_jwt_secret
from trellis_deploy.supervisor.runner import recorded_addresses

JOURNEYS: tuple[Journey, ...] = (
    RewardPolicyJourney(),
    GoalsJourney(),
    FeedbackJourney(),
    RecognitionJourney(),
)
"""In the order they are played: the reward policy first, so that it decides on what follows."""


HIGHLIGHTS = 10
"""Lines per topic that say what an integrator would act on."""


def platform_addresses() -> dict[str, str]:
    """The APIs and web app of the platform `trellis run` serves (TRELLIS_<NAME>_URL overrides)."""
    addresses = recorded_addresses()
    for name in [app.name for app in services.SERVICE_APPS] + ["web"]:
        configured = os.environ.get(f"TRELLIS_{name.upper()}_URL")
        if configured:
            addresses[name] = configured.rstrip("/")
    return addresses


def run(console: Console | None = None) -> int:
    console = console or Console(highlight=False)
    if os.environ.get("TRELLIS_JWKS_URL"):
        raise DemoError(
            "the demo acts as its people with local development tokens: run the platform in local mode"
        )
    addresses = platform_addresses()
    if not any(app.name in addresses for app in services.SERVICE_APPS):
        raise DemoError("no running platform found: start it with `make run` (or set TRELLIS_GOALS_URL)")
    endpoints = infrastructure.running_endpoints()
    if endpoints is None:
        raise DemoError("Kafka and PostgreSQL are not running: start the platform with `make run`")
    journeys = [j for j in JOURNEYS if j.service in addresses]
    for journey in {j.name: j for j in JOURNEYS if j not in journeys}.values():
        console.print(
            f"[yellow]The {journey.name} journey is left out: the {journey.service} service is not running."
        )
    playing = {j.service for j in journeys}
    topics = [TOPICS[a.name].name for a in services.SERVICE_APPS if a.name in playing and a.name in TOPICS]
    start = asyncio.run(downstream.end_offsets(endpoints.kafka_bootstrap_servers, topics))

    with httpx.Client(timeout=30) as http:
        context = DemoContext.fresh(addresses, local_jwt_secret(settings.trellis_home()), http, PEOPLE)
        console.print(
            f"Seeding organisation [bold]{context.organisation_id}[/] through the APIs of {', '.join(addresses)}"
        )
        plan = [(journey, step) for journey in journeys for step in journey.steps(context)]
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("starting", total=len(plan))
            for journey, step in plan:
                progress.update(task, description=f"{journey.name}: {step.description}")
                step.action(context)
                progress.advance(task)
            progress.update(task, description="seeded")

    expected = {
        TOPICS[service].name: count for service, count in context.events_caused.items() if service in TOPICS
    }
    with console.status("Reading back what a downstream consumer sees on the topics ..."):
        views = asyncio.run(
            downstream.read_since(endpoints.kafka_bootstrap_servers, start, context.organisation_id, expected)
        )
    views = {topic: views[topic] for topic in topics if topic in views}
    _report(console, views, expected)
    web = addresses.get("web", "the web app")
    console.print()
    for journey in journeys:
        for line in journey.where_to_look(context, web):
            console.print(line)
    missing = {topic: n - views[topic].total for topic, n in expected.items() if views[topic].total < n}
    if missing:
        console.print(f"[red]Not every event reached its topic in time: {missing}")
        return 1
    return 0


def _report(console: Console, views: dict[str, downstream.TopicView], expected: dict[str, int]) -> None:
    for topic, view in views.items():
        console.print()
        console.print(
            f"What a downstream consumer saw on {topic} ({view.total} of {expected.get(topic, 0)} events):"
        )
        table = Table("event", "count")
        for name, count in sorted(view.counts.items()):
            table.add_row(name, str(count))
        console.print(table)
        for line in view.highlights[:HIGHLIGHTS]:
            console.print(f"  {line}")
