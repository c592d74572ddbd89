"""The read tables the API looks goals and managers up in, specified as Given events / Then rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.goals.domain.builders import EMPLOYEE, GOAL, MANAGER, NOW, ORG, agree, propose, review
from trellis_goals.domain.goal import goal_decider
from trellis_goals.domain.goal.commands import AbandonGoal
from trellis_goals.domain.reporting_line import ChangeReportingLine, reporting_line_decider
from trellis_goals.event_codec import GOALS_CODEC
from trellis_goals.read_tables import GoalIndex, ReportingLines
from trellis_kernel.store import Pool, create_pool
from trellis_kernel.testing import ProjectionSpecification, on, replay


@pytest.fixture
async def pool(database_dsn: str) -> AsyncIterator[Pool]:
    pool = await create_pool(database_dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()


def line(employee: str, manager: str | None) -> ChangeReportingLine:
    return ChangeReportingLine(
        organisation_id=ORG, employee_id=employee, manager_id=manager, changed_by="hr_1", now=NOW
    )


async def test_the_goal_index_follows_each_goal_to_its_latest_status(pool: Pool) -> None:
    proposed = replay(goal_decider, propose())
    agreed = replay(goal_decider, agree(), history=proposed)
    abandoned = replay(
        goal_decider,
        review(AbandonGoal(reason="Moved teams", lesson_learned="Agree scope early")),
        history=agreed,
    )
    spec = ProjectionSpecification(pool, GoalIndex(), codec=GOALS_CODEC)
    query = "SELECT goal_id, organisation_id, employee_id, status, version FROM {schema}.goal_index"

    await spec.given(on(f"goal-{GOAL}", *proposed)).then(query, [(GOAL, ORG, EMPLOYEE, "proposed", 1)])
    await spec.given(on(f"goal-{GOAL}", *agreed)).then(query, [(GOAL, ORG, EMPLOYEE, "active", 3)])
    await spec.given(on(f"goal-{GOAL}", *abandoned)).then(
        query, [(GOAL, ORG, EMPLOYEE, "abandoned", len(abandoned))]
    )


async def test_reporting_lines_keep_each_employees_current_manager(pool: Pool) -> None:
    first = replay(reporting_line_decider, line(EMPLOYEE, MANAGER))
    changed = replay(reporting_line_decider, line(EMPLOYEE, "mgr_2"), line(EMPLOYEE, None), history=first)
    other = replay(reporting_line_decider, line("emp_2", MANAGER))
    spec = ProjectionSpecification(pool, ReportingLines(), codec=GOALS_CODEC)
    query = "SELECT employee_id, manager_id FROM {schema}.reporting_lines ORDER BY employee_id"

    await spec.given(
        on(f"reportingline-{EMPLOYEE}", *first), on("reportingline-emp_2", *other)
    ).then(query, [(EMPLOYEE, MANAGER), ("emp_2", MANAGER)])
    await spec.given(on(f"reportingline-{EMPLOYEE}", *changed)).then(query, [(EMPLOYEE, None)])
