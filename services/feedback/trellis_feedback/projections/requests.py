"""Feedback requests and who is asked: what a person still has to answer, and how a request
stands for whoever asked.

``feedback_requests`` has one row per request with its counts. ``feedback_invitations`` lists
the givers of named requests and how each responded. An anonymous request has no invitation
rows and names nobody: it keeps the pseudonyms of the people asked (``invitee_tokens``) and of
those who responded (``respondent_tokens``), so that only the service, which holds the
request's key, can tell whether a given person still has it to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trellis_contracts.feedback import (
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV2,
    FeedbackGivenV2,
    FeedbackReminderDue,
    FeedbackRequestClosed,
    FeedbackRequestedV2,
    FeedbackVisibilityNarrowed,
)
from trellis_contracts.personal import ERASED
from trellis_feedback.projections.payloads import decoded, handling, updated
from trellis_kernel.codec import AsyncEventCodec
from trellis_kernel.store import Connection, StoredEvent

_HANDLED = handling(
    FeedbackRequestedV2,
    FeedbackGivenV2,
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV2,
    FeedbackReminderDue,
    FeedbackRequestClosed,
    FeedbackVisibilityNarrowed,
)


class FeedbackRequests:
    def __init__(self, codec: AsyncEventCodec[Any]) -> None:
        self._codec = codec

    name = "feedback.requests"
    tables: Sequence[str] = ("feedback_requests", "feedback_invitations")
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.feedback_requests (
            organisation_id      text NOT NULL,
            request_id           text NOT NULL,
            requester_id         text NOT NULL,
            recipient_id         text NOT NULL,
            recipient_manager_id text,
            kind                 text NOT NULL,
            anonymous            boolean NOT NULL,
            anonymity_threshold  integer,
            goal_id              text,
            milestone_id         text,
            prompts              text[] NOT NULL,
            due_on               date NOT NULL,
            remind_on            date,
            invited_count        integer NOT NULL,
            answered_count       integer NOT NULL DEFAULT 0,
            declined_count       integer NOT NULL DEFAULT 0,
            invitee_tokens       text[] NOT NULL,
            respondent_tokens    text[] NOT NULL DEFAULT '{{}}',
            requested_at         timestamptz NOT NULL,
            reminded_at          timestamptz,
            closed_at            timestamptz,
            close_reason         text,
            results              text,
            version              integer NOT NULL,
            PRIMARY KEY (organisation_id, request_id)
        )
        """,
        "CREATE INDEX ON {schema}.feedback_requests (organisation_id, requester_id)",
        "CREATE INDEX ON {schema}.feedback_requests (organisation_id, recipient_id)",
        "CREATE INDEX ON {schema}.feedback_requests (organisation_id) WHERE anonymous AND closed_at IS NULL",
        """
        CREATE TABLE {schema}.feedback_invitations (
            organisation_id text NOT NULL,
            request_id      text NOT NULL,
            giver_id        text NOT NULL,
            relationship    text NOT NULL,
            response        text,
            responded_at    timestamptz,
            PRIMARY KEY (organisation_id, request_id, giver_id)
        )
        """,
        "CREATE INDEX ON {schema}.feedback_invitations (organisation_id, giver_id) WHERE response IS NULL",
    )

    async def forget(self, connection: Connection, organisation_id: str, person_id: str, schema: str) -> int:
        """The prompts of requests about an erased person read as erased: one protected value,
        so ``["[erased]"]`` as a rebuild shows them. Returns the requests whose prompts went."""
        status = await connection.execute(
            f"UPDATE {schema}.feedback_requests SET prompts = ARRAY[$3]"
            " WHERE organisation_id = $1 AND recipient_id = $2 AND prompts <> ARRAY[$3]",
            organisation_id,
            person_id,
            ERASED,
        )
        return updated(status)

    async def forget_before(
        self, connection: Connection, organisation_id: str, before: datetime, schema: str
    ) -> int:
        """The prompts of requests made before ``before`` read as erased."""
        return updated(
            await connection.execute(
                f"UPDATE {schema}.feedback_requests SET prompts = ARRAY[$3]"
                " WHERE organisation_id = $1 AND requested_at < $2 AND prompts <> ARRAY[$3]",
                organisation_id,
                before,
                ERASED,
            )
        )

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        data = await decoded(event, _HANDLED, codec=self._codec, connection=connection)
        if data is None:
            return
        requests = f"{schema}.feedback_requests"
        match data:
            case FeedbackRequestedV2() as asked:
                await connection.execute(
                    f"""
                    INSERT INTO {requests} (
                        organisation_id, request_id, requester_id, recipient_id, recipient_manager_id,
                        kind, anonymous, anonymity_threshold, goal_id, milestone_id, prompts, due_on,
                        remind_on, invited_count, invitee_tokens, requested_at, version)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                    """,
                    asked.organisation_id,
                    asked.request_id,
                    asked.requester_id,
                    asked.recipient_id,
                    asked.recipient_manager_id,
                    asked.kind,
                    asked.anonymous,
                    asked.anonymity_threshold,
                    asked.goal_id,
                    asked.milestone_id,
                    list(asked.prompts),
                    asked.due_on,
                    asked.remind_on,
                    asked.invited_count,
                    list(asked.invitee_tokens),
                    asked.requested_at,
                    event.version,
                )
                await connection.executemany(
                    f"INSERT INTO {schema}.feedback_invitations"
                    " (organisation_id, request_id, giver_id, relationship) VALUES ($1, $2, $3, $4)",
                    [
                        (asked.organisation_id, asked.request_id, giver.giver_id, giver.relationship)
                        for giver in asked.givers
                    ],
                )
            case FeedbackGivenV2(request_id=str(request_id)) as given:
                giver = (given.organisation_id, request_id, given.giver_id)
                await self._respond(connection, schema, event, giver, "answered")
            case FeedbackDeclinedV2(giver_id=str(giver_id)) as declined:
                giver = (declined.organisation_id, declined.request_id, giver_id)
                await self._respond(connection, schema, event, giver, "declined")
            case AnonymousFeedbackSubmitted() | FeedbackDeclinedV2():
                counter = (
                    "answered_count" if isinstance(data, AnonymousFeedbackSubmitted) else "declined_count"
                )
                await connection.execute(
                    f"UPDATE {requests} SET {counter} = {counter} + 1,"
                    " respondent_tokens = array_append(respondent_tokens, $3), version = $4"
                    " WHERE organisation_id = $1 AND request_id = $2",
                    data.organisation_id,
                    data.request_id,
                    data.respondent_token,
                    event.version,
                )
            case FeedbackReminderDue() as reminder:
                await connection.execute(
                    f"UPDATE {requests} SET reminded_at = $3, version = $4"
                    " WHERE organisation_id = $1 AND request_id = $2",
                    reminder.organisation_id,
                    reminder.request_id,
                    reminder.reminded_at,
                    event.version,
                )
            case FeedbackVisibilityNarrowed() as narrowed if narrowed.request_id is not None:
                await connection.execute(
                    f"UPDATE {requests} SET version = $3 WHERE organisation_id = $1 AND request_id = $2",
                    narrowed.organisation_id,
                    narrowed.request_id,
                    event.version,
                )
            case FeedbackRequestClosed() as closed:
                await connection.execute(
                    f"UPDATE {requests} SET closed_at = $3, close_reason = $4, results = $5, version = $6"
                    " WHERE organisation_id = $1 AND request_id = $2",
                    closed.organisation_id,
                    closed.request_id,
                    closed.closed_at,
                    closed.reason,
                    closed.results,
                    event.version,
                )

    @staticmethod
    async def _respond(
        connection: Connection, schema: str, event: StoredEvent, giver: tuple[str, str, str], response: str
    ) -> None:
        """A named giver responded: count it and mark their invitation."""
        organisation_id, request_id, giver_id = giver
        counter = "answered_count" if response == "answered" else "declined_count"
        await connection.execute(
            f"UPDATE {schema}.feedback_requests SET {counter} = {counter} + 1, version = $3"
            " WHERE organisation_id = $1 AND request_id = $2",
            organisation_id,
            request_id,
            event.version,
        )
        await connection.execute(
            f"UPDATE {schema}.feedback_invitations SET response = $4, responded_at = $5"
            " WHERE organisation_id = $1 AND request_id = $2 AND giver_id = $3",
            organisation_id,
            request_id,
            giver_id,
            response,
            event.occurred_at,
        )
