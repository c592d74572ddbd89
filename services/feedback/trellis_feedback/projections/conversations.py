"""A manager's (and an employee's) conversation log: each conversation with what was discussed,
the actions agreed and whether they are done, and for each employee and manager pair the
cadence with the day the next conversation is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from trellis_contracts.feedback import (
    ActionItemCompletedV2,
    ConversationCadenceMissed,
    ConversationCadenceSet,
    ConversationCancelled,
    ConversationHeldV2,
    ConversationLinkedToGoal,
    ConversationScheduledV2,
)
from trellis_contracts.personal import ERASED
from trellis_feedback.projections.payloads import decoded, handling, updated
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_HANDLED = handling(
    ConversationScheduledV2,
    ConversationHeldV2,
    ConversationLinkedToGoal,
    ConversationCancelled,
    ActionItemCompletedV2,
    ConversationCadenceSet,
    ConversationCadenceMissed,
)

# The next conversation is due every_days after the later of the day the cadence was set and
# the day the pair last held one (greatest() skips a null last_held_on), as the domain counts.
_NEXT_DUE = (
    "CASE WHEN c.every_days IS NULL THEN NULL ELSE greatest(c.set_on, c.last_held_on) + c.every_days END"
)


class ConversationLog:
    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        self._codec = codec

    name = "feedback.conversation_log"
    tables: Sequence[str] = ("conversations", "conversation_actions", "conversation_cadences")
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.conversations (
            organisation_id  text NOT NULL,
            conversation_id  text NOT NULL,
            employee_id      text NOT NULL,
            manager_id       text NOT NULL,
            kind             text NOT NULL,
            status           text NOT NULL,
            scheduled_for    timestamptz NOT NULL,
            scheduled_by     text NOT NULL,
            agenda           text,
            goal_ids         text[] NOT NULL,
            milestone_ids    text[] NOT NULL DEFAULT '{{}}',
            held_at          timestamptz,
            held_by          text,
            progress_summary text,
            notes            text,
            cancelled_at     timestamptz,
            cancel_reason    text,
            version          integer NOT NULL,
            scheduled_at     timestamptz,
            PRIMARY KEY (organisation_id, conversation_id)
        )
        """,
        "CREATE INDEX ON {schema}.conversations (organisation_id, manager_id, scheduled_for)",
        "CREATE INDEX ON {schema}.conversations (organisation_id, employee_id, scheduled_for)",
        """
        CREATE TABLE {schema}.conversation_actions (
            organisation_id text NOT NULL,
            conversation_id text NOT NULL,
            action_id       text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text NOT NULL,
            owner_id        text NOT NULL,
            description     text NOT NULL,
            due_on          date NOT NULL,
            milestone_id    text,
            completed_at    timestamptz,
            completed_by    text,
            note            text,
            PRIMARY KEY (organisation_id, conversation_id, action_id)
        )
        """,
        "CREATE INDEX ON {schema}.conversation_actions (organisation_id, manager_id, due_on)"
        " WHERE completed_at IS NULL",
        "CREATE INDEX ON {schema}.conversation_actions (organisation_id, employee_id, due_on)"
        " WHERE completed_at IS NULL",
        """
        CREATE TABLE {schema}.conversation_cadences (
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text NOT NULL,
            every_days      integer,
            set_on          date,
            last_held_on    date,
            next_due_on     date,
            missed_due_on   date,
            PRIMARY KEY (organisation_id, employee_id, manager_id)
        )
        """,
        "CREATE INDEX ON {schema}.conversation_cadences (organisation_id, manager_id, next_due_on)",
    )

    async def forget(self, connection: Connection, organisation_id: str, person_id: str, schema: str) -> int:
        """The texts of an erased employee's conversations read as erased (absent ones stay
        absent, as a rebuild shows them). Returns the rows whose texts went."""
        erased = "CASE WHEN {column} IS NULL THEN NULL ELSE $3 END"
        conversations = await connection.execute(
            f"UPDATE {schema}.conversations SET "
            + ", ".join(
                f"{column} = {erased.format(column=column)}"
                for column in ("agenda", "progress_summary", "notes", "cancel_reason")
            )
            + " WHERE organisation_id = $1 AND employee_id = $2"
            " AND (agenda <> $3 OR progress_summary <> $3 OR notes <> $3 OR cancel_reason <> $3)",
            organisation_id,
            person_id,
            ERASED,
        )
        actions = await connection.execute(
            f"UPDATE {schema}.conversation_actions SET description = $3, note = {erased.format(column='note')}"
            " WHERE organisation_id = $1 AND employee_id = $2 AND (description <> $3 OR note <> $3)",
            organisation_id,
            person_id,
            ERASED,
        )
        return updated(conversations) + updated(actions)

    async def forget_before(
        self, connection: Connection, organisation_id: str, before: datetime, schema: str
    ) -> int:
        """Texts sealed with keys of the years before ``before`` read as erased: each by the
        moment of the event that carried it (scheduled, held, cancelled, completed)."""
        changed = 0
        for column, moment in (
            ("agenda", "scheduled_at"),
            ("progress_summary", "held_at"),
            ("notes", "held_at"),
            ("cancel_reason", "cancelled_at"),
        ):
            changed += updated(
                await connection.execute(
                    f"UPDATE {schema}.conversations SET {column} = $3"
                    f" WHERE organisation_id = $1 AND {moment} < $2 AND {column} <> $3",
                    organisation_id,
                    before,
                    ERASED,
                )
            )
        changed += updated(
            await connection.execute(
                f"UPDATE {schema}.conversation_actions a SET description = $3 FROM {schema}.conversations c"
                " WHERE a.organisation_id = $1 AND c.organisation_id = a.organisation_id"
                " AND c.conversation_id = a.conversation_id AND c.held_at < $2 AND a.description <> $3",
                organisation_id,
                before,
                ERASED,
            )
        )
        changed += updated(
            await connection.execute(
                f"UPDATE {schema}.conversation_actions SET note = $3"
                " WHERE organisation_id = $1 AND completed_at < $2 AND note <> $3",
                organisation_id,
                before,
                ERASED,
            )
        )
        return changed

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        data = await decoded(event, _HANDLED, codec=self._codec, connection=connection)
        if data is None:
            return
        conversations = f"{schema}.conversations"
        match data:
            case ConversationScheduledV2() as scheduled:
                await connection.execute(
                    f"""
                    INSERT INTO {conversations} (
                        organisation_id, conversation_id, employee_id, manager_id, kind, status,
                        scheduled_for, scheduled_by, agenda, goal_ids, version, scheduled_at)
                    VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7, $8, $9, $10, $11)
                    """,
                    scheduled.organisation_id,
                    scheduled.conversation_id,
                    scheduled.employee_id,
                    scheduled.manager_id,
                    scheduled.kind,
                    scheduled.scheduled_for,
                    scheduled.scheduled_by,
                    scheduled.agenda,
                    list(scheduled.goal_ids),
                    event.version,
                    scheduled.scheduled_at,
                )
            case ConversationHeldV2() as held:
                await self._held(connection, schema, held, event.version)
            case ConversationLinkedToGoal() as linked:
                await connection.execute(
                    f"UPDATE {conversations} SET goal_ids = array_append(goal_ids, $3), version = $4"
                    " WHERE organisation_id = $1 AND conversation_id = $2",
                    linked.organisation_id,
                    linked.conversation_id,
                    linked.goal_id,
                    event.version,
                )
            case ConversationCancelled() as cancelled:
                await connection.execute(
                    f"UPDATE {conversations} SET status = 'cancelled', cancelled_at = $3,"
                    " cancel_reason = $4, version = $5 WHERE organisation_id = $1 AND conversation_id = $2",
                    cancelled.organisation_id,
                    cancelled.conversation_id,
                    cancelled.cancelled_at,
                    cancelled.reason,
                    event.version,
                )
            case ActionItemCompletedV2() as completed:
                await connection.execute(
                    f"UPDATE {schema}.conversation_actions SET completed_at = $4, completed_by = $5,"
                    " note = $6 WHERE organisation_id = $1 AND conversation_id = $2 AND action_id = $3",
                    completed.organisation_id,
                    completed.conversation_id,
                    completed.action_id,
                    completed.completed_at,
                    completed.completed_by,
                    completed.note,
                )
                await connection.execute(
                    f"UPDATE {conversations} SET version = $3 WHERE organisation_id = $1 AND conversation_id = $2",
                    completed.organisation_id,
                    completed.conversation_id,
                    event.version,
                )
            case ConversationCadenceSet() as cadence:
                await self._cadence(
                    connection,
                    schema,
                    (cadence.organisation_id, cadence.employee_id, cadence.manager_id),
                    "every_days = $4, set_on = $5",
                    cadence.every_days,
                    cadence.set_at.date(),
                )
            case ConversationCadenceMissed() as missed:
                await self._cadence(
                    connection,
                    schema,
                    (missed.organisation_id, missed.employee_id, missed.manager_id),
                    "missed_due_on = $4",
                    missed.due_on,
                )

    async def _held(
        self, connection: Connection, schema: str, held: ConversationHeldV2, version: int
    ) -> None:
        await connection.execute(
            f"""
            UPDATE {schema}.conversations SET status = 'held', held_at = $3, held_by = $4,
                progress_summary = $5, notes = $6, milestone_ids = $7,
                goal_ids = goal_ids || ARRAY(SELECT g FROM unnest($8::text[]) AS g WHERE g <> ALL (goal_ids)),
                version = $9
            WHERE organisation_id = $1 AND conversation_id = $2
            """,
            held.organisation_id,
            held.conversation_id,
            held.held_at,
            held.held_by,
            held.progress_summary,
            held.notes,
            list(held.milestone_ids),
            list(held.goal_ids),
            version,
        )
        await connection.executemany(
            f"""
            INSERT INTO {schema}.conversation_actions (
                organisation_id, conversation_id, action_id, employee_id, manager_id, owner_id,
                description, due_on, milestone_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            [
                (
                    held.organisation_id,
                    held.conversation_id,
                    action.action_id,
                    held.employee_id,
                    held.manager_id,
                    action.owner_id,
                    action.description,
                    action.due_on,
                    action.milestone_id,
                )
                for action in held.agreed_actions
            ],
        )
        held_on: date = held.held_at.date()
        await self._cadence(
            connection,
            schema,
            (held.organisation_id, held.employee_id, held.manager_id),
            "last_held_on = greatest(c.last_held_on, $4)",
            held_on,
        )

    @staticmethod
    async def _cadence(
        connection: Connection, schema: str, pair: tuple[str, str, str], assignments: str, *values: object
    ) -> None:
        """Set ``assignments`` (over ``$4``...) on the pair's row, made if missing, then
        recompute when the next conversation is due from the row as it now stands."""
        cadences = f"{schema}.conversation_cadences"
        where = " WHERE organisation_id = $1 AND employee_id = $2 AND manager_id = $3"
        await connection.execute(
            f"INSERT INTO {cadences} (organisation_id, employee_id, manager_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            *pair,
        )
        await connection.execute(f"UPDATE {cadences} AS c SET {assignments}" + where, *pair, *values)
        await connection.execute(f"UPDATE {cadences} AS c SET next_due_on = {_NEXT_DUE}" + where, *pair)
