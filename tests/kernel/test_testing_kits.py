"""The kernel's test kits fail when what they specify does not hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from tests.kernel.commands.titles import CODEC, Renamed, SetTitle, Titled, TitleState, title_decider
from tests.kernel.projections.goal_titles import GoalTitles, ProjectionFailed, created, renamed
from trellis_kernel.store import Pool, create_pool
from trellis_kernel.testing import ProjectionSpecification, given, on, replay


def test_given_when_then_passes_and_fails_as_the_decider_says() -> None:
    history = replay(title_decider, SetTitle("a"))
    assert history == [Titled(title="a")]
    assert given(title_decider, *history).when(SetTitle("b")) == [Renamed(title="b")]
    assert given(title_decider, *history).then_state() == TitleState("a")
    error = given(title_decider).when_rejected(SetTitle(" "), field="title", match="needs words")
    assert error.field == "title"
    with pytest.raises(AssertionError, match="accepted"):
        given(title_decider).when_rejected(SetTitle("fine"), field="title")
    with pytest.raises(AssertionError, match="not 'name'"):
        given(title_decider).when_rejected(SetTitle(" "), field="name")
    with pytest.raises(AssertionError, match="'spaces' is not in"):
        given(title_decider).when_rejected(SetTitle(" "), field="title", match="spaces")


@pytest.fixture
async def pool(database_dsn: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_a_projection_specification_applies_the_events_and_leaves_nothing_behind(pool: Pool) -> None:
    spec = ProjectionSpecification(pool, GoalTitles())
    first, second = f"goal-{uuid4()}", f"goal-{uuid4()}"
    scenario = spec.given(on(first, created("a"), renamed("b")), on(second, created("c")))
    assert [(e.stream_id, e.version) for e in scenario.events] == [(first, 1), (first, 2), (second, 1)]
    query = "SELECT stream_id, title, renames, last_version FROM {schema}.goal_titles ORDER BY title"
    await scenario.then(query, [(first, "b", 1, 2), (second, "c", 0, 1)])
    with pytest.raises(AssertionError, match="holds"):
        await scenario.then(query, [(first, "a", 0, 1)])
    failing = ProjectionSpecification(pool, GoalTitles(fail_on_title="bad"))
    await failing.given(on(first, created("bad"))).then_raises(ProjectionFailed)
    with pytest.raises(AssertionError, match="without raising"):
        await failing.given(on(first, created("fine"))).then_raises(ProjectionFailed)
    leftovers = await pool.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'spec_%'")
    assert leftovers == 0


async def test_a_projection_specification_encodes_domain_events_with_the_codec(pool: Pool) -> None:
    class Titles(GoalTitles):
        pass

    spec = ProjectionSpecification(pool, GoalTitles(), codec=CODEC)
    scenario = spec.given(on("titled-1", Titled(title="x")))
    assert scenario.events[0].event_type == Titled.event_type()
    assert scenario.events[0].payload == {"title": "x"}
    with pytest.raises(TypeError, match="codec"):
        ProjectionSpecification(pool, Titles()).given(on("titled-1", Titled(title="x")))
