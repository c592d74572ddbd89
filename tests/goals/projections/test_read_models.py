"""The stored read models, specified as Given events / Then rows: the goal views, the open
deadlines the overdue counts and the sweep read, and the reporting lines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from tests.goals.codec import codec_on
from tests.goals.domain.builders import (
    EMPLOYEE,
    GOAL,
    MANAGER,
    NOW,
    ORG,
    agree,
    mark_overdue,
    propose,
    reach,
    review,
    withdraw,
)
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import (
    AbandonGoal,
    AdjustGoal,
    RecordCheckIn,
    RescheduleMilestone,
    TermChanges,
)
from trellis_goals.domain.reporting_line import ChangeReportingLine, reporting_line_decider
from trellis_goals.event_codec import GoalsCodec
from trellis_goals.projections.goal_views import GoalViews
from trellis_goals.projections.reporting_line_table import ReportingLines
from trellis_goals.streams import goal_stream, reporting_line_stream
from trellis_kernel.store import Pool, create_pool
from trellis_kernel.testing import ProjectionSpecification, on, replay

pytestmark = pytest.mark.infra

STREAM = goal_stream(ORG, GOAL)
FEB_10 = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
FEB_20 = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
GOAL_ROW = "SELECT organisation_id, goal_id, status, percent_complete, version FROM {schema}.goal_views"
DEADLINES = (
    "SELECT item_kind, item_id, due_date::text, missed FROM {schema}.goal_deadlines"
    " ORDER BY due_date, item_kind, item_id"
)


@pytest.fixture
async def pool(database_dsn: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.fixture
async def codec(pool: Pool) -> GoalsCodec:
    return await codec_on(pool)


@pytest.fixture
def spec(pool: Pool, codec: GoalsCodec) -> ProjectionSpecification:
    return ProjectionSpecification(pool, GoalViews(codec), codec=codec)


async def test_a_goal_row_follows_the_goal_to_its_latest_status(spec: ProjectionSpecification) -> None:
    proposed = replay(goal_decider, propose())
    agreed = replay(goal_decider, agree(), history=proposed)
    abandoned = replay(
        goal_decider,
        review(AbandonGoal(reason="Moved teams", lesson_learned="Agree scope early")),
        history=agreed,
    )
    await spec.given(on(STREAM, *proposed)).then(GOAL_ROW, [(ORG, GOAL, "proposed", 0, 1)])
    await spec.given(on(STREAM, *agreed)).then(GOAL_ROW, [(ORG, GOAL, "active", 0, 3)])
    await spec.given(on(STREAM, *abandoned)).then(GOAL_ROW, [(ORG, GOAL, "abandoned", 0, len(abandoned))])
    withdrawn = replay(goal_decider, withdraw(), history=proposed)
    await spec.given(on(STREAM, *withdrawn)).then(GOAL_ROW, [(ORG, GOAL, "withdrawn", 0, 2)])


async def test_the_same_goal_id_in_two_organisations_is_two_rows(spec: ProjectionSpecification) -> None:
    ours = replay(goal_decider, propose(), agree())
    theirs = replay(goal_decider, propose(organisation_id="org_2"))
    await spec.given(on(STREAM, *ours), on(goal_stream("org_2", GOAL), *theirs)).then(
        GOAL_ROW + " ORDER BY organisation_id",
        [(ORG, GOAL, "active", 0, 3), ("org_2", GOAL, "proposed", 0, 1)],
    )


async def test_open_deadlines_are_those_of_an_active_goal_not_yet_met(spec: ProjectionSpecification) -> None:
    await spec.given(on(STREAM, *replay(goal_decider, propose()))).then(DEADLINES, [])
    active = replay(goal_decider, propose(), agree())
    await spec.given(on(STREAM, *active)).then(
        DEADLINES,
        [
            ("milestone", "ms_1", "2026-02-14", False),
            ("milestone", "ms_2", "2026-03-15", False),
            ("goal", GOAL, "2026-03-31", False),
        ],
    )
    reached = replay(goal_decider, reach("ms_1", FEB_10), history=active)
    await spec.given(on(STREAM, *reached)).then(
        DEADLINES, [("milestone", "ms_2", "2026-03-15", False), ("goal", GOAL, "2026-03-31", False)]
    )
    missed = replay(goal_decider, mark_overdue(FEB_20), history=active)
    await spec.given(on(STREAM, *missed)).then(
        DEADLINES,
        [
            ("milestone", "ms_1", "2026-02-14", True),
            ("milestone", "ms_2", "2026-03-15", False),
            ("goal", GOAL, "2026-03-31", False),
        ],
    )
    closed = replay(goal_decider, review(AbandonGoal(reason="Moved", lesson_learned="Scope")), history=missed)
    await spec.given(on(STREAM, *closed)).then(DEADLINES, [])


async def test_each_deadline_row_follows_its_milestone_and_the_goals_title(
    spec: ProjectionSpecification,
) -> None:
    rows = (
        "SELECT item_kind, item_id, due_date::text, missed, title, goal_title FROM {schema}.goal_deadlines"
        " ORDER BY due_date, item_kind, item_id"
    )
    active = replay(goal_decider, propose(), agree())
    moved = replay(
        goal_decider,
        RescheduleMilestone(
            goal_id=GOAL, milestone_id="ms_2", due_date=date(2026, 3, 20), reason="Course moved",
            rescheduled_by=MANAGER, now=NOW,
        ),
        reach("ms_1", FEB_10),
        history=active,
    )  # fmt: skip
    await spec.given(on(STREAM, *moved)).then(
        rows,
        [
            ("milestone", "ms_2", "2026-03-20", False, "Step ms_2", "Master Photoshop"),
            ("goal", GOAL, "2026-03-31", False, "Master Photoshop", "Master Photoshop"),
        ],
    )
    renamed = replay(
        goal_decider,
        AdjustGoal(
            goal_id=GOAL, adjusted_by=MANAGER, reason="Broader", changes=TermChanges(title="Master design tools"),
            now=NOW,
        ),
        history=moved,
    )  # fmt: skip
    await spec.given(on(STREAM, *renamed)).then(
        rows,
        [
            ("milestone", "ms_2", "2026-03-20", False, "Step ms_2", "Master design tools"),
            ("goal", GOAL, "2026-03-31", False, "Master design tools", "Master design tools"),
        ],
    )


async def test_the_team_views_entries_are_printed_from_the_rows_they_sit_in(
    spec: ProjectionSpecification,
) -> None:
    goal_entry = (
        "SELECT team_entry::jsonb = jsonb_build_object('goal_id', goal_id, 'title', title,"
        " 'due_date', due_date, 'version', version), team_entry FROM {schema}.goal_views"
    )
    deadline_entries = (
        "SELECT team_entry::jsonb = jsonb_build_object('goal_id', goal_id, 'goal_title', goal_title,"
        " 'kind', item_kind, 'item_id', item_id, 'title', title, 'due_date', due_date), item_id"
        " FROM {schema}.goal_deadlines ORDER BY item_kind, item_id"
    )
    proposed = replay(goal_decider, propose())
    [(same, printed)] = await spec.given(on(STREAM, *proposed)).rows(goal_entry)
    assert same, printed
    assert '"version":1' in printed and '"title":"Master Photoshop"' in printed

    renamed = replay(
        goal_decider,
        agree(),
        AdjustGoal(
            goal_id=GOAL, adjusted_by=MANAGER, reason="Broader", changes=TermChanges(title="Master design tools"),
            now=NOW,
        ),
        reach("ms_1", FEB_10),
        history=proposed,
    )  # fmt: skip
    [(same, printed)] = await spec.given(on(STREAM, *renamed)).rows(goal_entry)
    assert same and f'"version":{len(renamed)}' in printed, printed
    assert await spec.given(on(STREAM, *renamed)).rows(deadline_entries) == [
        (True, GOAL),
        (True, "ms_2"),
    ]


async def test_a_view_costs_the_same_however_many_events_a_goal_has(spec: ProjectionSpecification) -> None:
    history = replay(goal_decider, propose(), agree())
    for n in range(30):
        history = replay(
            goal_decider,
            RecordCheckIn(
                goal_id=GOAL, check_in_id=f"ci_{n}", recorded_by=MANAGER, progress_summary="Going", now=NOW
            ),
            history=history,
        )
    await spec.given(on(STREAM, *history)).then(
        "SELECT version, last_check_in_at FROM {schema}.goal_views", [(33, NOW)]
    )


def line(employee: str, manager: str | None) -> ChangeReportingLine:
    return ChangeReportingLine(
        organisation_id=ORG, employee_id=employee, manager_id=manager, changed_by="hr_1", now=NOW
    )


async def test_reporting_lines_keep_each_employees_current_manager(pool: Pool, codec: GoalsCodec) -> None:
    first = replay(reporting_line_decider, line(EMPLOYEE, MANAGER))
    changed = replay(reporting_line_decider, line(EMPLOYEE, "mgr_2"), line(EMPLOYEE, None), history=first)
    other = replay(reporting_line_decider, line("emp_2", MANAGER))
    spec = ProjectionSpecification(pool, ReportingLines(codec), codec=codec)
    query = (
        "SELECT organisation_id, employee_id, manager_id FROM {schema}.reporting_lines ORDER BY employee_id"
    )

    await spec.given(
        on(reporting_line_stream(ORG, EMPLOYEE), *first), on(reporting_line_stream(ORG, "emp_2"), *other)
    ).then(query, [(ORG, EMPLOYEE, MANAGER), (ORG, "emp_2", MANAGER)])
    await spec.given(on(reporting_line_stream(ORG, EMPLOYEE), *changed)).then(query, [(ORG, EMPLOYEE, None)])
