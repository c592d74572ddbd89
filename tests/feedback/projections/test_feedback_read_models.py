"""The feedback timeline, requests and pending answers, and counts per goal, on real PostgreSQL;
and no read model holding the id of anyone an anonymous request asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from tests.feedback.domain.builders import (
    DUE,
    EMPLOYEE,
    FACTS,
    GOAL,
    KEY,
    MANAGER,
    MENTOR,
    NOW,
    ORG,
    PEER,
    PEER_3,
    REQUEST,
    TEAM,
    anonymous_answer,
    answer,
    close,
    days,
    decline,
    named_request,
    on,
    remind,
    upward_request,
)
from tests.feedback.projections.support import ReadModelFixtures, record, rows
from trellis_feedback import projections
from trellis_feedback.domain.anonymity import SealedAnswer, respondent_token
from trellis_feedback.domain.feedback import GiveFeedback, NarrowFeedbackVisibility, feedback_decider
from trellis_feedback.domain.request import request_decider, seal_answer
from trellis_feedback.domain.request.commands import AnswerRequest, Invitee, NarrowAnswerVisibility
from trellis_feedback.domain.request.state import RequestEvent
from trellis_feedback.event_codec import FeedbackCodec
from trellis_feedback.streams import feedback_stream, request_stream
from trellis_kernel.projections import InlineProjector, rebuild
from trellis_kernel.store import EventStore, Pool
from trellis_kernel.testing import replay

STREAM = request_stream(ORG, REQUEST)
READ_MODELS = (
    projections.FeedbackTimeline,
    projections.FeedbackRequests,
    projections.ConversationLog,
    projections.GoalFeedbackCounts,
)
"""Every read model of the feedback service's own events (their tables)."""
AFTER_DUE = on(DUE + days(1), time(6, 0))


async def run_request(
    projector: InlineProjector, history: list[RequestEvent], *commands: object
) -> list[RequestEvent]:
    """Decide each command against the stream so far and record its events."""
    for command in commands:
        events = list(request_decider.handle(history, command))  # type: ignore[arg-type]
        await record(projector, STREAM, events)
        history = [*history, *events]
    return history


async def answer_anonymously(
    projector: InlineProjector,
    history: list[RequestEvent],
    sealed: list[SealedAnswer],
    command: AnswerRequest,
) -> list[RequestEvent]:
    sealed.append(seal_answer(command, request_decider.fold(history)))
    return await run_request(projector, history, command)


def give(feedback_id: str, **overrides: object) -> GiveFeedback:
    values: dict[str, object] = {
        "feedback_id": feedback_id,
        "organisation_id": ORG,
        "giver_id": MENTOR,
        "recipient_id": EMPLOYEE,
        "relationship": "mentor",
        "kind": "praise",
        "content": "Great demo.",
        "visibility": "recipient_and_manager",
        "now": NOW,
        "facts": FACTS,
        "goal_id": GOAL,
    }
    values.update(overrides)
    return GiveFeedback(**values)  # type: ignore[arg-type]


class TestNamedFeedback(ReadModelFixtures):
    async def test_a_named_request_shows_who_answered_who_declined_and_who_is_pending(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history = await run_request(
            projector, [], named_request(), answer(PEER, visibility="recipient_and_manager")
        )

        [request] = await rows(pool, "SELECT * FROM feedback_requests")
        assert (request["organisation_id"], request["request_id"], request["recipient_id"]) == (
            ORG,
            REQUEST,
            EMPLOYEE,
        )
        assert (request["invited_count"], request["answered_count"], request["declined_count"]) == (2, 1, 0)
        assert (request["due_on"], request["remind_on"], request["closed_at"]) == (DUE, DUE - days(2), None)
        assert request["invitee_tokens"] == [] and request["version"] == 2
        invitations = await rows(
            pool, "SELECT giver_id, relationship, response FROM feedback_invitations ORDER BY giver_id"
        )
        assert invitations == [
            {"giver_id": PEER, "relationship": "peer", "response": "answered"},
            {"giver_id": MANAGER, "relationship": "manager", "response": None},
        ]
        pending = await rows(
            pool,
            "SELECT request_id FROM feedback_invitations WHERE organisation_id = $1 AND giver_id = $2"
            " AND response IS NULL",
            ORG,
            MANAGER,
        )
        assert pending == [{"request_id": REQUEST}]

        history = await run_request(
            projector,
            history,
            remind(on(DUE - days(2))),
            decline(MANAGER, now=on(DUE - days(1)), reason="Busy"),
        )
        await run_request(projector, history, close(on(DUE - days(1))))
        [request] = await rows(pool, "SELECT * FROM feedback_requests")
        assert request["reminded_at"] == on(DUE - days(2))
        assert (request["declined_count"], request["close_reason"], request["results"]) == (
            1,
            "everyone_responded",
            None,
        )
        assert request["closed_at"] == on(DUE - days(1)) and request["version"] == 5

    async def test_the_timeline_holds_named_feedback_with_who_may_read_it(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history = await run_request(
            projector, [], named_request(), answer(PEER, visibility="recipient_and_manager")
        )
        unasked = replay(feedback_decider, give("fb_9"))
        await record(projector, feedback_stream(ORG, "fb_9"), unasked)

        timeline = await rows(
            pool,
            "SELECT entry_id, giver_id, relationship, kind, visibility, recipient_manager_id, anonymous,"
            " request_id, goal_id, content FROM feedback_timeline WHERE organisation_id = $1 AND recipient_id = $2"
            " ORDER BY given_at, entry_id",
            ORG,
            EMPLOYEE,
        )
        assert timeline == [
            {
                "entry_id": "fb_9",
                "giver_id": MENTOR,
                "relationship": "mentor",
                "kind": "praise",
                "visibility": "recipient_and_manager",
                "recipient_manager_id": MANAGER,
                "anonymous": False,
                "request_id": None,
                "goal_id": GOAL,
                "content": "Great demo.",
            },
            {
                "entry_id": f"fb_{PEER}",
                "giver_id": PEER,
                "relationship": "peer",
                "kind": "praise",
                "visibility": "recipient_and_manager",
                "recipient_manager_id": MANAGER,
                "anonymous": False,
                "request_id": REQUEST,
                "goal_id": GOAL,
                "content": "Clear notes; keep the risks up front.",
            },
        ]

        narrow = NarrowAnswerVisibility(
            request_id=REQUEST, feedback_id=f"fb_{PEER}", narrowed_by=PEER, now=on(DUE)
        )
        await run_request(projector, history, narrow)
        narrowed = NarrowFeedbackVisibility(feedback_id="fb_9", narrowed_by=MENTOR, now=on(DUE))
        await record(
            projector, feedback_stream(ORG, "fb_9"), list(feedback_decider.handle(unasked, narrowed))
        )
        visibility = await rows(pool, "SELECT DISTINCT visibility FROM feedback_timeline")
        assert visibility == [{"visibility": "recipient_only"}]

    async def test_counts_per_goal_tell_the_owner_everything_and_the_manager_what_was_shared(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        await run_request(
            projector,
            [],
            named_request(),
            answer(PEER, kind="constructive"),
            answer(MANAGER, visibility="recipient_and_manager"),
        )
        await record(projector, feedback_stream(ORG, "fb_9"), replay(feedback_decider, give("fb_9")))
        await record(
            projector,
            feedback_stream(ORG, "fb_10"),
            replay(feedback_decider, give("fb_10", goal_id=None, content="Thanks for the help")),
        )

        [counts] = await rows(pool, "SELECT * FROM goal_feedback_counts")
        assert (counts["organisation_id"], counts["goal_id"], counts["employee_id"]) == (ORG, GOAL, EMPLOYEE)
        assert (
            counts["feedback_count"],
            counts["shared_count"],
            counts["praise_count"],
            counts["constructive_count"],
            counts["upward_count"],
        ) == (3, 2, 2, 1, 0)
        assert counts["last_feedback_at"] == answer(MANAGER).now

        unasked = replay(feedback_decider, give("fb_11"))
        await record(projector, feedback_stream(ORG, "fb_11"), unasked)
        narrowed = NarrowFeedbackVisibility(feedback_id="fb_11", narrowed_by=MENTOR, now=on(DUE))
        await record(
            projector, feedback_stream(ORG, "fb_11"), list(feedback_decider.handle(unasked, narrowed))
        )
        [counts] = await rows(pool, "SELECT feedback_count, shared_count FROM goal_feedback_counts")
        assert counts == {"feedback_count": 4, "shared_count": 2}


class TestAnonymousFeedback(ReadModelFixtures):
    async def upward_feedback(
        self, projector: InlineProjector, answers: int, *, goal: bool = False
    ) -> tuple[list[RequestEvent], list[SealedAnswer]]:
        """mgr_1's reports are asked (anonymously, k = 3); the first ``answers`` of them answer,
        the last one declines."""
        ask = (
            upward_request(goal_id=GOAL, recipient_id=EMPLOYEE, requester_id=EMPLOYEE)
            if goal
            else upward_request()
        )
        history = await run_request(projector, [], ask)
        sealed: list[SealedAnswer] = []
        for number, giver in enumerate(TEAM[:answers], start=1):
            command = anonymous_answer(giver, f"Answer number {number}.", visibility="recipient_and_manager")
            history = await answer_anonymously(projector, history, sealed, command)
        history = await run_request(projector, history, decline(TEAM[-1], respondent_key=KEY))
        return history, sealed

    async def test_below_k_the_request_shows_only_that_answers_are_pending(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history, sealed = await self.upward_feedback(projector, answers=2)
        [request] = await rows(pool, "SELECT * FROM feedback_requests")
        assert (request["answered_count"], request["declined_count"], request["invited_count"]) == (2, 1, 4)
        assert await rows(pool, "SELECT * FROM feedback_timeline") == []

        await run_request(projector, history, close(AFTER_DUE, *sealed))
        [request] = await rows(pool, "SELECT close_reason, results FROM feedback_requests")
        assert request == {"close_reason": "expired", "results": "withheld"}
        assert await rows(pool, "SELECT * FROM feedback_timeline") == []

    async def test_from_k_answers_the_timeline_shows_them_released_and_unattributed(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history, sealed = await self.upward_feedback(projector, answers=3)
        assert await rows(pool, "SELECT * FROM feedback_timeline") == []  # sealed until the request closes

        await run_request(projector, history, close(on(DUE - days(1)), *sealed))
        timeline = await rows(
            pool,
            "SELECT entry_id, recipient_id, giver_id, relationship, anonymous, kind, visibility, content, given_at"
            " FROM feedback_timeline ORDER BY entry_id",
        )
        assert timeline == [
            {
                "entry_id": f"{REQUEST}#{n}",
                "recipient_id": MANAGER,
                "giver_id": None,
                "relationship": None,
                "anonymous": True,
                "kind": "upward",
                "visibility": "recipient_and_manager",
                "content": f"Answer number {n}.",
                "given_at": on(DUE - days(1)),
            }
            for n in (1, 2, 3)
        ]

    async def test_anonymous_answers_count_for_their_goal_only_once_released(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        # emp_1 asks a peer, their manager and another peer, anonymously, about their goal.
        givers = (*named_request().givers, Invitee(giver_id=PEER_3, relationship="peer"))
        ask = replace(named_request(anonymous=True, respondent_key=KEY), givers=givers)
        history = await run_request(projector, [], ask)
        sealed: list[SealedAnswer] = []
        for giver in (PEER, MANAGER, PEER_3):
            history = await answer_anonymously(
                projector, history, sealed, anonymous_answer(giver, kind="praise")
            )
            assert await rows(pool, "SELECT * FROM goal_feedback_counts") == []
        await run_request(projector, history, close(on(DUE - days(1)), *sealed))
        [counts] = await rows(
            pool, "SELECT feedback_count, praise_count, shared_count FROM goal_feedback_counts"
        )
        assert counts == {"feedback_count": 3, "praise_count": 3, "shared_count": 0}

    async def test_only_the_service_holding_the_key_finds_what_a_person_still_has_to_answer(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history = await run_request(projector, [], upward_request())
        await answer_anonymously(projector, history, [], anonymous_answer(PEER))

        async def still_to_answer(person: str) -> bool:
            token = respondent_token(KEY, REQUEST, person)
            found = await pool.fetchval(
                "SELECT count(*) FROM feedback_requests WHERE organisation_id = $1 AND anonymous"
                " AND closed_at IS NULL AND $2 = ANY(invitee_tokens) AND NOT $2 = ANY(respondent_tokens)",
                ORG,
                token,
            )
            return bool(found)

        assert [await still_to_answer(person) for person in TEAM] == [True, False, True, True]
        assert not await still_to_answer(MANAGER)
        assert await rows(pool, "SELECT * FROM feedback_invitations") == []

    async def test_no_read_model_holds_the_id_of_anyone_an_anonymous_request_asked(
        self, projector: InlineProjector, pool: Pool
    ) -> None:
        history, sealed = await self.upward_feedback(projector, answers=3)
        await run_request(projector, history, remind(on(DUE - days(2))), close(AFTER_DUE, *sealed))

        dumped = await self.every_feedback_row(pool)
        assert dumped, "the read models hold rows"
        assert any(MANAGER in row for row in dumped), "the scan sees ids where they are"
        for person in TEAM:
            assert not any(person in row for row in dumped), f"{person} appears in a read model"

    @staticmethod
    async def every_feedback_row(pool: Pool) -> list[str]:
        """Every row of every feedback read model, as text (all columns, arrays included)."""
        dumped: list[str] = []
        for projection in READ_MODELS:
            for table in projection.tables:
                dumped.extend(row[0] for row in await pool.fetch(f"SELECT t::text FROM {table} AS t"))
        return dumped


class TestRebuild(ReadModelFixtures):
    async def test_every_feedback_read_model_rebuilds_from_the_store_to_the_same_rows(
        self, projector: InlineProjector, pool: Pool, store: EventStore, codec: FeedbackCodec
    ) -> None:
        history = await run_request(projector, [], upward_request())
        sealed: list[SealedAnswer] = []
        for giver in TEAM[:3]:
            history = await answer_anonymously(
                projector, history, sealed, anonymous_answer(giver, f"From {giver[-1]}")
            )
        await run_request(projector, history, close(AFTER_DUE, *sealed))
        await record(projector, feedback_stream(ORG, "fb_9"), replay(feedback_decider, give("fb_9")))

        async def snapshot() -> dict[str, list[str]]:
            return {
                table: sorted(row[0] for row in await pool.fetch(f"SELECT t::text FROM {table} AS t"))
                for projection in READ_MODELS
                for table in projection.tables
            }

        before = await snapshot()
        assert len(before["feedback_timeline"]) == 4
        stored = await pool.fetch("SELECT payload::text FROM events")
        assert not any("From " in row[0] or "Great demo" in row[0] for row in stored), (
            "the store keeps text sealed"
        )
        assert "Great demo." in str(before["feedback_timeline"]), "the read model shows them opened"
        for projection in projections.feedback_projections(codec):
            await rebuild(store, projection, inline=True)
        assert await snapshot() == before
