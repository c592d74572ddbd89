"""The feedback service's commands: load a stream, check who may act, decide, append, keep
what anonymity needs privately. The clock is read here (and in the sweeps), then passed into
commands; what the goals topic taught the service comes in as ``Facts``."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date
from typing import Any

from trellis_contracts.feedback import (
    AgreedAction,
    ConversationKind,
    FeedbackKind,
    FeedbackVisibility,
    GiverRelationship,
    RequestKind,
)
from trellis_feedback import known_facts, private_tables, receipts
from trellis_feedback.application.core import (
    ANONYMOUS_RESPONDENT,
    FeedbackCore,
    caller_metadata,
    receipt_of,
    require,
)
from trellis_feedback.domain.anonymity import SealedAnswer, respondent_token
from trellis_feedback.domain.authorization import Actor, Subject
from trellis_feedback.domain.cadence import SetCadence
from trellis_feedback.domain.conversation.commands import (
    CancelConversation,
    CompleteAction,
    HoldConversation,
    LinkConversationToGoal,
    ScheduleConversation,
)
from trellis_feedback.domain.conversation.state import Conversation
from trellis_feedback.domain.feedback import GiveFeedback, NarrowFeedbackVisibility
from trellis_feedback.domain.request import request_decider, seal_answer
from trellis_feedback.domain.request.commands import (
    AnswerRequest,
    CloseRequest,
    DeclineRequest,
    Invitee,
    NarrowAnswerVisibility,
    RequestFeedback,
)
from trellis_feedback.domain.request.state import Request
from trellis_feedback.domain.settings import SetAnonymityThreshold, anonymity_threshold
from trellis_feedback.receipts import IdKind, Receipt, fingerprint
from trellis_feedback.streams import (
    cadence_stream,
    conversation_stream,
    feedback_stream,
    request_stream,
    settings_stream,
)
from trellis_kernel.commands import Loaded
from trellis_kernel.decider import DomainError
from trellis_kernel.http import NotFound
from trellis_kernel.metadata import EventMetadata
from trellis_kernel.store import Connection

KEY_BYTES = 32


def invited(request: Request, person_id: str, key: bytes | None) -> bool:
    """Whether the request asks this person (for an anonymous one, by their pseudonym)."""
    if not request.anonymous:
        return person_id in request.givers
    if key is None:
        return False
    return respondent_token(key, request.request_id, person_id) in request.invitee_tokens


def request_subject(actor: Actor, request: Request, key: bytes | None) -> Subject:
    return Subject(
        request.organisation_id,
        employee_id=request.recipient_id,
        requester_id=request.requester_id,
        invitee_ids=frozenset({actor.user_id}) if invited(request, actor.user_id, key) else frozenset(),
    )


def conversation_subject(conversation: Conversation) -> Subject:
    return Subject(
        conversation.organisation_id, employee_id=conversation.employee_id, manager_id=conversation.manager_id
    )


class FeedbackCommands(FeedbackCore):
    async def _once(
        self,
        organisation: str,
        kind: IdKind,
        client_id: str,
        print_: bytes,
        work: Callable[[Connection], Awaitable[Receipt]],
    ) -> Receipt:
        """``work`` in a transaction of its own the first time ``client_id`` comes; when it comes
        again with the same content (``print_``), the receipt it answered then."""

        async def once(connection: Connection) -> Receipt:
            await receipts.hold(connection, organisation, kind, client_id)
            first = await receipts.recall(connection, organisation, kind, client_id, print_)
            if first is not None:
                return first
            receipt = await work(connection)
            await receipts.record(connection, organisation, kind, client_id, print_, receipt)
            return receipt

        return await self.transact(once)

    # --- settings ---------------------------------------------------------------------------

    async def set_anonymity_threshold(
        self, actor: Actor, threshold: int, expected_version: int | None, traceparent: str | None
    ) -> Receipt:
        require(actor, "set_anonymity_threshold", Subject(actor.organisation_id))
        command = SetAnonymityThreshold(
            organisation_id=actor.organisation_id, threshold=threshold, set_by=actor.user_id, now=self.clock()
        )
        return await self.handle_as(
            actor, self.settings, settings_stream(actor.organisation_id), command, expected_version, traceparent
        )

    # --- feedback requests ------------------------------------------------------------------------

    async def request_feedback(
        self,
        actor: Actor,
        *,
        request_id: str,
        recipient_id: str,
        givers: Sequence[tuple[str, GiverRelationship]],
        kind: RequestKind,
        anonymous: bool,
        due_on: date,
        goal_id: str | None,
        milestone_id: str | None,
        prompts: Sequence[str],
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id
        stream = request_stream(organisation, request_id)
        said: dict[str, Any] = {
            "command": "request_feedback",
            "by": actor.user_id,
            "recipient_id": recipient_id,
            "givers": [list(giver) for giver in givers],
            "kind": kind,
            "anonymous": anonymous,
            "due_on": due_on.isoformat(),
            "goal_id": goal_id,
            "milestone_id": milestone_id,
            "prompts": list(prompts),
        }

        async def work(connection: Connection) -> Receipt:
            await receipts.hold(connection, organisation, "request", request_id)
            kept_key = await private_tables.key_of(connection, organisation, request_id)
            new_key = secrets.token_bytes(KEY_BYTES) if anonymous and kept_key is None else None
            print_ = fingerprint(said, kept_key or new_key)
            first = await receipts.recall(connection, organisation, "request", request_id, print_)
            if first is not None:
                return first
            facts = await known_facts.facts(
                connection,
                organisation,
                people=[recipient_id, actor.user_id, *(giver for giver, _ in givers)],
                goal_ids=[goal_id],
            )
            require(
                actor,
                "request_feedback",
                Subject(organisation, employee_id=recipient_id, manager_id=facts.manager_of(recipient_id)),
            )
            threshold = anonymity_threshold(
                (await self.settings.load(settings_stream(organisation), connection=connection)).state
            )
            command = RequestFeedback(
                request_id=request_id,
                organisation_id=organisation,
                requester_id=actor.user_id,
                recipient_id=recipient_id,
                givers=tuple(Invitee(giver_id=g, relationship=r) for g, r in givers),
                due_on=due_on,
                now=self.clock(),
                facts=facts,
                kind=kind,
                anonymous=anonymous,
                respondent_key=new_key,
                anonymity_threshold=threshold,
                goal_id=goal_id,
                milestone_id=milestone_id,
                prompts=tuple(prompts),
            )
            outcome = await self.requests.handle(
                stream, command, metadata=caller_metadata(actor, traceparent), connection=connection
            )
            if new_key is not None:
                await private_tables.keep_key(connection, organisation, request_id, new_key)
            receipt = receipt_of(outcome)
            await receipts.record(connection, organisation, "request", request_id, print_, receipt)
            return receipt

        return await self.transact(work)

    async def _loaded_request(self, loaded: Loaded[Any, Any], request_id: str) -> Request:
        request: Request | None = loaded.state
        if request is None:
            raise NotFound(f"there is no feedback request {request_id!r}")
        return request

    async def _respond(
        self,
        actor: Actor,
        request_id: str,
        respond: Any,
        *,
        receipt_for: tuple[str, dict[str, Any]] | None,
        traceparent: str | None,
    ) -> Receipt:
        """Answer or decline: ``respond(request, key, now)`` is the domain command. When the
        request is anonymous, nothing recorded names the caller, and the answer is sealed."""
        organisation = actor.organisation_id
        stream = request_stream(organisation, request_id)

        async def work(connection: Connection) -> Receipt:
            if receipt_for is not None:
                await receipts.hold(connection, organisation, "feedback", receipt_for[0])
            key = await private_tables.key_of(connection, organisation, request_id)
            print_ = b""
            if receipt_for is not None:
                feedback_id, said = receipt_for
                print_ = fingerprint(said, key)
                first = await receipts.recall(connection, organisation, "feedback", feedback_id, print_)
                if first is not None:
                    return first
            sealed: SealedAnswer | None = None
            sealed_for = sealed_scope = ""

            async def decide(loaded: Loaded[Any, Any]) -> list[Any]:
                nonlocal sealed, sealed_for, sealed_scope
                request = await self._loaded_request(loaded, request_id)
                require(actor, "respond_to_request", request_subject(actor, request, key))
                now = self.clock()
                command = respond(request, key, now)
                events = list(request_decider.decide(command, request))
                kept: tuple[SealedAnswer, ...] = ()
                if request.anonymous:
                    kept = await private_tables.sealed_answers(
                        connection, self.keys, organisation, request_id
                    )
                    if isinstance(command, AnswerRequest):
                        sealed = seal_answer(command, request)
                        sealed_for, sealed_scope = request.recipient_id, str(now.astimezone(UTC).year)
                        kept = (*kept, sealed)
                state = request_decider.fold([*loaded.events, *events])
                events += request_decider.decide(
                    CloseRequest(request_id=request_id, now=now, sealed_answers=kept), state
                )
                return events

            metadata = (
                EventMetadata(principal=ANONYMOUS_RESPONDENT)
                if key is not None
                else caller_metadata(actor, traceparent)
            )
            outcome = await self.requests.handle_with(
                stream, decide, metadata=metadata, connection=connection
            )
            if sealed is not None:
                await private_tables.seal(
                    connection,
                    self.keys,
                    organisation,
                    request_id,
                    sealed_for,
                    sealed,
                    scope=sealed_scope,
                )
            receipt = receipt_of(outcome)
            if receipt_for is not None:
                await receipts.record(connection, organisation, "feedback", receipt_for[0], print_, receipt)
            return receipt

        return await self.transact(work)

    async def answer_request(
        self,
        actor: Actor,
        request_id: str,
        *,
        feedback_id: str,
        content: str,
        visibility: FeedbackVisibility,
        kind: FeedbackKind | None,
        traceparent: str | None,
    ) -> Receipt:
        said = {
            "command": "answer_request",
            "by": actor.user_id,
            "request_id": request_id,
            "content": content,
            "visibility": visibility,
            "kind": kind,
        }

        def respond(request: Request, key: bytes | None, now: Any) -> AnswerRequest:
            return AnswerRequest(
                request_id=request_id,
                feedback_id=feedback_id,
                giver_id=actor.user_id,
                content=content,
                visibility=visibility,
                now=now,
                kind=kind,
                respondent_key=key,
            )

        return await self._respond(
            actor, request_id, respond, receipt_for=(feedback_id, said), traceparent=traceparent
        )

    async def decline_request(
        self, actor: Actor, request_id: str, *, reason: str | None, traceparent: str | None
    ) -> Receipt:
        def respond(request: Request, key: bytes | None, now: Any) -> DeclineRequest:
            return DeclineRequest(
                request_id=request_id, giver_id=actor.user_id, now=now, reason=reason, respondent_key=key
            )

        return await self._respond(actor, request_id, respond, receipt_for=None, traceparent=traceparent)

    async def narrow_answer_visibility(
        self,
        actor: Actor,
        request_id: str,
        feedback_id: str,
        visibility: FeedbackVisibility,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id

        async def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            request = await self._loaded_request(loaded, request_id)
            answer = request.answer(feedback_id)
            if answer is None:
                raise NotFound(f"the request has no answer {feedback_id!r}")
            require(
                actor,
                "narrow_feedback_visibility",
                Subject(organisation, employee_id=request.recipient_id, giver_id=answer.giver_id),
            )
            command = NarrowAnswerVisibility(
                request_id=request_id,
                feedback_id=feedback_id,
                narrowed_by=actor.user_id,
                now=self.clock(),
                visibility=visibility,
            )
            return request_decider.decide(command, request)

        stream = request_stream(organisation, request_id)
        return await self.decide_as(actor, self.requests, stream, decide, expected_version, traceparent)

    # --- unasked feedback -----------------------------------------------------------------------

    async def give_feedback(
        self,
        actor: Actor,
        *,
        feedback_id: str,
        recipient_id: str,
        relationship: GiverRelationship,
        kind: FeedbackKind,
        content: str,
        visibility: FeedbackVisibility,
        goal_id: str | None,
        milestone_id: str | None,
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id
        said = {
            "command": "give_feedback",
            "by": actor.user_id,
            "recipient_id": recipient_id,
            "relationship": relationship,
            "kind": kind,
            "content": content,
            "visibility": visibility,
            "goal_id": goal_id,
            "milestone_id": milestone_id,
        }
        print_ = fingerprint(said)

        async def work(connection: Connection) -> Receipt:
            require(actor, "give_feedback", Subject(organisation, employee_id=recipient_id))
            facts = await known_facts.facts(
                connection, organisation, people=[actor.user_id, recipient_id], goal_ids=[goal_id]
            )
            command = GiveFeedback(
                feedback_id=feedback_id,
                organisation_id=organisation,
                giver_id=actor.user_id,
                recipient_id=recipient_id,
                relationship=relationship,
                kind=kind,
                content=content,
                visibility=visibility,
                now=self.clock(),
                facts=facts,
                goal_id=goal_id,
                milestone_id=milestone_id,
            )
            outcome = await self.feedback.handle(
                feedback_stream(organisation, feedback_id),
                command,
                metadata=caller_metadata(actor, traceparent),
                connection=connection,
            )
            return receipt_of(outcome)

        return await self._once(organisation, "feedback", feedback_id, print_, work)

    async def narrow_feedback_visibility(
        self,
        actor: Actor,
        feedback_id: str,
        visibility: FeedbackVisibility,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id

        async def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
            if loaded.state is None:
                raise NotFound(f"there is no feedback {feedback_id!r}")
            given = loaded.state.given
            require(
                actor,
                "narrow_feedback_visibility",
                Subject(organisation, employee_id=given.recipient_id, giver_id=given.giver_id),
            )
            command = NarrowFeedbackVisibility(
                feedback_id=feedback_id, narrowed_by=actor.user_id, now=self.clock(), visibility=visibility
            )
            return self.feedback.decider.decide(command, loaded.state)

        stream = feedback_stream(organisation, feedback_id)
        return await self.decide_as(actor, self.feedback, stream, decide, expected_version, traceparent)

    # --- conversations ------------------------------------------------------------------------------

    async def schedule_conversation(
        self,
        actor: Actor,
        *,
        conversation_id: str,
        employee_id: str,
        kind: ConversationKind,
        scheduled_for: Any,
        goal_ids: Sequence[str],
        agenda: str | None,
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id
        said = {
            "command": "schedule_conversation",
            "by": actor.user_id,
            "employee_id": employee_id,
            "kind": kind,
            "scheduled_for": scheduled_for.isoformat(),
            "goal_ids": list(goal_ids),
            "agenda": agenda,
        }
        print_ = fingerprint(said)

        async def work(connection: Connection) -> Receipt:
            facts = await known_facts.facts(connection, organisation, people=[employee_id], goal_ids=goal_ids)
            require(
                actor,
                "schedule_conversation",
                Subject(organisation, employee_id=employee_id, manager_id=facts.manager_of(employee_id)),
            )
            command = ScheduleConversation(
                conversation_id=conversation_id,
                organisation_id=organisation,
                employee_id=employee_id,
                scheduled_by=actor.user_id,
                kind=kind,
                scheduled_for=scheduled_for,
                now=self.clock(),
                facts=facts,
                goal_ids=tuple(goal_ids),
                agenda=agenda,
            )
            outcome = await self.conversations.handle(
                conversation_stream(organisation, conversation_id),
                command,
                metadata=caller_metadata(actor, traceparent),
                connection=connection,
            )
            return receipt_of(outcome)

        return await self._once(organisation, "conversation", conversation_id, print_, work)

    async def conversation_command(
        self,
        actor: Actor,
        conversation_id: str,
        action: Any,
        build: Any,
        expected_version: int | None,
        traceparent: str | None,
        *,
        goal_ids: Sequence[str] = (),
        all_goals: bool = False,
    ) -> Receipt:
        """``build(conversation, facts, now)`` makes the domain command once the caller may act."""
        organisation = actor.organisation_id

        async def work(connection: Connection) -> Receipt:
            async def decide(loaded: Loaded[Any, Any]) -> Sequence[Any]:
                conversation: Conversation | None = loaded.state
                if conversation is None:
                    raise NotFound(f"there is no conversation {conversation_id!r}")
                require(actor, action, conversation_subject(conversation))
                facts = await known_facts.facts(
                    connection,
                    organisation,
                    people=conversation.participants,
                    goal_ids=goal_ids,
                    goals_of=conversation.employee_id if all_goals else None,
                )
                return self.conversations.decider.decide(
                    build(conversation, facts, self.clock()), conversation
                )

            outcome = await self.conversations.handle_with(
                conversation_stream(organisation, conversation_id),
                decide,
                metadata=caller_metadata(actor, traceparent),
                expected_version=expected_version,
                connection=connection,
            )
            return receipt_of(outcome)

        return await self.transact(work, expected_version=expected_version)

    async def hold_conversation(
        self,
        actor: Actor,
        conversation_id: str,
        *,
        progress_summary: str,
        goal_ids: Sequence[str],
        milestone_ids: Sequence[str],
        notes: str | None,
        agreed_actions: Sequence[AgreedAction],
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        def build(conversation: Conversation, facts: Any, now: Any) -> HoldConversation:
            return HoldConversation(
                conversation_id=conversation_id,
                held_by=actor.user_id,
                progress_summary=progress_summary,
                now=now,
                facts=facts,
                goal_ids=tuple(goal_ids),
                milestone_ids=tuple(milestone_ids),
                notes=notes,
                agreed_actions=tuple(agreed_actions),
            )

        return await self.conversation_command(
            actor, conversation_id, "hold_conversation", build, expected_version, traceparent, all_goals=True
        )

    async def link_conversation_to_goal(
        self,
        actor: Actor,
        conversation_id: str,
        goal_id: str,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        def build(conversation: Conversation, facts: Any, now: Any) -> LinkConversationToGoal:
            return LinkConversationToGoal(
                conversation_id=conversation_id,
                goal_id=goal_id,
                linked_by=actor.user_id,
                now=now,
                facts=facts,
            )

        return await self.conversation_command(
            actor,
            conversation_id,
            "link_conversation_to_goal",
            build,
            expected_version,
            traceparent,
            goal_ids=[goal_id],
        )

    async def cancel_conversation(
        self,
        actor: Actor,
        conversation_id: str,
        reason: str | None,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        def build(conversation: Conversation, facts: Any, now: Any) -> CancelConversation:
            return CancelConversation(
                conversation_id=conversation_id, cancelled_by=actor.user_id, now=now, reason=reason
            )

        return await self.conversation_command(
            actor, conversation_id, "cancel_conversation", build, expected_version, traceparent
        )

    async def complete_action(
        self,
        actor: Actor,
        conversation_id: str,
        action_id: str,
        note: str | None,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        def build(conversation: Conversation, facts: Any, now: Any) -> CompleteAction:
            return CompleteAction(
                conversation_id=conversation_id,
                action_id=action_id,
                completed_by=actor.user_id,
                now=now,
                note=note,
            )

        return await self.conversation_command(
            actor, conversation_id, "complete_action", build, expected_version, traceparent
        )

    # --- cadence ---------------------------------------------------------------------------------------

    async def set_cadence(
        self,
        actor: Actor,
        employee_id: str,
        every_days: int,
        expected_version: int | None,
        traceparent: str | None,
    ) -> Receipt:
        organisation = actor.organisation_id

        async def work(connection: Connection) -> Receipt:
            manager_id = await known_facts.manager_of(connection, organisation, employee_id)
            require(
                actor, "set_cadence", Subject(organisation, employee_id=employee_id, manager_id=manager_id)
            )
            if manager_id is None:
                raise DomainError(
                    "The employee has no manager to hold conversations with", field="employee_id"
                )
            facts = await known_facts.facts(connection, organisation, people=[employee_id])
            command = SetCadence(
                organisation_id=organisation,
                employee_id=employee_id,
                manager_id=manager_id,
                every_days=every_days,
                set_by=actor.user_id,
                now=self.clock(),
                facts=facts,
            )
            outcome = await self.cadences.handle(
                cadence_stream(organisation, employee_id, manager_id),
                command,
                metadata=caller_metadata(actor, traceparent),
                expected_version=expected_version,
                connection=connection,
            )
            return receipt_of(outcome)

        return await self.transact(work, expected_version=expected_version)
