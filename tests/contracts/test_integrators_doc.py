"""docs/integrators.md stays true to the contracts: every event type and topic is in it."""

from __future__ import annotations

from pathlib import Path

from trellis_contracts.catalogue import CATALOGUE
from trellis_contracts.envelope import SCHEMA_BASE_URI
from trellis_contracts.topics import DAY_MS, TOPICS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "integrators.md").read_text()


def test_every_event_type_is_listed() -> None:
    missing = [event_type for event_type in CATALOGUE if f"`{event_type}`" not in DOC]
    assert not missing, f"add to docs/integrators.md: {missing}"


def test_topic_table_matches_the_topic_constants() -> None:
    for topic in TOPICS.values():
        days = topic.retention_ms // DAY_MS
        row = f"| `{topic.name}` | {topic.service} | {topic.partitions} | {days} days | delete |"
        assert row in DOC


def test_schema_uri_base_is_documented() -> None:
    assert SCHEMA_BASE_URI in DOC


def _block_after(marker: str, language: str) -> str:
    start = DOC.index(f"```{language}\n", DOC.index(marker)) + len(language) + 4
    return DOC[start : DOC.index("```", start)]


def test_the_protected_field_example_runs_and_the_shown_value_opens_with_the_example_key() -> None:
    import contextlib
    import io
    import json

    from trellis_contracts.protected import open_value
    from trellis_contracts.schemas import EXAMPLE_KEY

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(_block_after("**Reading in Python.**", "python"), "integrators.md", "exec"), {})
    assert printed.getvalue() == "Master Photoshop\n"

    shown = json.loads("{" + _block_after("**The shape**", "json") + "}")["title"]
    assert open_value(shown, EXAMPLE_KEY) == "Master Photoshop"
