"""The CommandHandler counts each command by its type and outcome, times its appends, and the
events it appends carry the trace context of the append."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY

from tests.kernel.commands.titles import CODEC, SetTitle, TitleEvent, TitleState, title_decider
from trellis_kernel.commands import CommandHandler, command_name
from trellis_kernel.decider import DomainError
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.observability.tracing import current_traceparent
from trellis_kernel.store import ConcurrencyConflict, InMemoryEventStore

METADATA = EventMetadata(principal="tester")


def count(command: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("trellis_commands_total", {"command": command, "outcome": outcome}) or 0.0
    )


def appends() -> float:
    return REGISTRY.get_sample_value("trellis_append_seconds_count") or 0.0


async def test_each_command_is_counted_by_type_and_outcome() -> None:
    handler = CommandHandler(InMemoryEventStore(), title_decider, CODEC)
    stream = "title-org_m/t1"
    outcomes = ("recorded", "unchanged", "rejected", "conflict")
    before = {outcome: count("SetTitle", outcome) for outcome in outcomes}
    appended_before = appends()

    await handler.handle(stream, SetTitle("Draft"), metadata=METADATA)
    await handler.handle(stream, SetTitle("Draft"), metadata=METADATA)
    with pytest.raises(DomainError):
        await handler.handle(stream, SetTitle("  "), metadata=METADATA)
    with pytest.raises(ConcurrencyConflict):
        await handler.handle(stream, SetTitle("Final"), metadata=METADATA, expected_version=0)

    assert {outcome: count("SetTitle", outcome) - before[outcome] for outcome in outcomes} == dict.fromkeys(
        outcomes, 1.0
    )
    assert appends() == appended_before + 1


class NotFound(Exception):
    pass


async def _rename_thing(handler: CommandHandler[SetTitle, TitleState, TitleEvent]) -> None:
    """A use case: its decision needs more than the stream."""

    async def decide(loaded: object) -> list[TitleEvent]:
        raise NotFound("no such thing")

    assert command_name(decide) == "rename_thing"
    await handler.handle_with("title-org_m/t2", decide, metadata=METADATA)


async def test_a_decision_of_a_use_case_is_named_after_it_and_its_failure_after_the_error() -> None:
    before = count("rename_thing", "not_found")
    with pytest.raises(NotFound):
        await _rename_thing(CommandHandler(InMemoryEventStore(), title_decider, CODEC))
    assert count("rename_thing", "not_found") == before + 1


async def test_the_events_carry_the_trace_of_their_append(tracer_provider: TracerProvider) -> None:
    tracer = tracer_provider.get_tracer("tests")
    store = InMemoryEventStore()
    handler = CommandHandler(store, title_decider, CODEC)
    with tracer.start_as_current_span("request") as request:
        given = current_traceparent()
        outcome = await handler.handle(
            "title-org_m/t3",
            SetTitle("Traced"),
            metadata=EventMetadata(principal="tester", traceparent=given),
        )
    (stored,) = outcome.stored
    assert stored.traceparent is not None and given is not None
    trace_id = format(request.get_span_context().trace_id, "032x")
    assert stored.traceparent.split("-")[1] == trace_id  # the request's trace ...
    assert stored.traceparent != given  # ... continued by the command's own append span
