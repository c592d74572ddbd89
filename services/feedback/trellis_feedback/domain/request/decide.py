"""What a command on a feedback request leads to: the events it causes, or a DomainError
saying why not. No message names a giver, so that none can leak an anonymous one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from trellis_contracts.feedback import (
    MAX_GIVERS,
    MAX_PROMPTS,
    AnonymousFeedbackSubmitted,
    FeedbackDeclinedV3,
    FeedbackGivenV3,
    FeedbackKind,
    FeedbackReminderDue,
    FeedbackRequestClosedV2,
    FeedbackRequestedV3,
    FeedbackVisibilityNarrowed,
    RequestedGiver,
)
from trellis_feedback.domain.anonymity import SealedAnswer, release, respondent_token
from trellis_feedback.domain.facts import check_goal_of, check_relationship
from trellis_feedback.domain.request.commands import (
    AnswerRequest,
    CloseRequest,
    DeclineRequest,
    NarrowAnswerVisibility,
    RemindPendingGivers,
    RequestCommand,
    RequestFeedback,
)
from trellis_feedback.domain.request.state import Request, RequestEvent, RequestState
from trellis_feedback.domain.rules import first_repeated, require_aware, require_text, today
from trellis_feedback.domain.visibility import check_narrowing, check_shareable
from trellis_kernel.decider import DomainError

REMINDER_LEAD = timedelta(days=2)
"""A reminder is due this long before the due date."""


def decide_request(command: RequestCommand, state: RequestState) -> Sequence[RequestEvent]:
    require_aware(command.now)
    if isinstance(command, RequestFeedback):
        return _request(command, state)
    request = _existing(state, command.request_id)
    match command:
        case AnswerRequest():
            return _answer(command, request)
        case DeclineRequest():
            return _decline(command, request)
        case RemindPendingGivers():
            return _remind(command, request)
        case CloseRequest():
            return _close(command, request)
        case NarrowAnswerVisibility():
            return _narrow(command, request)


def seal_answer(command: AnswerRequest, state: RequestState) -> SealedAnswer:
    """What the service keeps privately of an anonymous answer until the request closes,
    decided exactly like the answer itself (raises the same DomainError)."""
    [event] = decide_request(command, state)
    if not isinstance(event, AnonymousFeedbackSubmitted) or state is None:
        raise ValueError("only an answer to an anonymous request is sealed")
    return SealedAnswer(
        event.respondent_token, _answer_kind(state, command.kind), command.visibility, command.content
    )


def _existing(state: RequestState, request_id: str) -> Request:
    if state is None or state.request_id != request_id:
        raise DomainError(f"There is no request {request_id!r}", field="request_id")
    return state


# --- asking -------------------------------------------------------------------------------------


def _request(command: RequestFeedback, state: RequestState) -> Sequence[RequestEvent]:
    if state is not None:
        raise DomainError(f"There is already a request {command.request_id!r}", field="request_id")
    facts = command.facts
    recipient_manager_id = facts.manager_of(command.recipient_id)
    if command.requester_id not in (command.recipient_id, recipient_manager_id):
        raise DomainError(
            "Only the person the feedback is about, or their manager, can ask for it",
            field="requester_id",
        )
    _check_givers(command)
    day = today(command.now)
    if command.due_on <= day:
        raise DomainError(
            f"The due date must be after today ({day.isoformat()}), got {command.due_on.isoformat()}",
            field="due_on",
        )
    check_goal_of(facts, command.recipient_id, command.goal_id, command.milestone_id)
    if len(command.prompts) > MAX_PROMPTS:
        raise DomainError(f"Ask at most {MAX_PROMPTS} questions", field="prompts")
    for index, prompt in enumerate(command.prompts):
        require_text(prompt, f"prompts[{index}]", "A question")
    remind_on = command.due_on - REMINDER_LEAD
    givers: tuple[RequestedGiver, ...] = ()
    tokens: tuple[str, ...] = ()
    if command.anonymous:
        key = _key(command.respondent_key)
        tokens = tuple(sorted(respondent_token(key, command.request_id, g.giver_id) for g in command.givers))
    else:
        givers = tuple(
            RequestedGiver(giver_id=g.giver_id, relationship=g.relationship) for g in command.givers
        )
    return [
        FeedbackRequestedV3(
            request_id=command.request_id,
            organisation_id=command.organisation_id,
            requester_id=command.requester_id,
            recipient_id=command.recipient_id,
            recipient_manager_id=recipient_manager_id,
            kind=command.kind,
            anonymous=command.anonymous,
            givers=givers,
            invitee_tokens=tokens,
            invited_count=len(command.givers),
            anonymity_threshold=command.anonymity_threshold if command.anonymous else None,
            goal_id=command.goal_id,
            milestone_id=command.milestone_id,
            prompts=command.prompts,
            due_on=command.due_on,
            remind_on=remind_on if remind_on > day else None,
            requested_at=command.now,
        )
    ]


def _check_givers(command: RequestFeedback) -> None:
    givers = command.givers
    if not givers:
        raise DomainError("Ask at least one person", field="givers")
    if len(givers) > MAX_GIVERS:
        raise DomainError(f"Ask at most {MAX_GIVERS} people", field="givers")
    repeated = first_repeated(g.giver_id for g in givers)
    if repeated is not None:
        raise DomainError("Each person is asked once", field=f"givers[{repeated}].giver_id")
    for index, giver in enumerate(givers):
        if giver.giver_id == command.recipient_id:
            raise DomainError(
                "Nobody is asked for feedback about themselves", field=f"givers[{index}].giver_id"
            )
        if giver.giver_id == command.requester_id:
            raise DomainError("The requester does not ask themselves", field=f"givers[{index}].giver_id")
        field = f"givers[{index}].relationship"
        check_relationship(command.facts, giver.giver_id, command.recipient_id, giver.relationship, field)
        if command.kind == "upward" and giver.relationship != "direct_report":
            raise DomainError(
                "Upward feedback, on the recipient's coaching, is asked of people who report to them",
                field=field,
            )
    if command.anonymous and len(givers) < command.anonymity_threshold:
        raise DomainError(
            f"An anonymous request asks at least {command.anonymity_threshold} people: answers are "
            "shown only once that many answered",
            field="givers",
        )


def _key(key: bytes | None) -> bytes:
    if key is None:
        raise ValueError("an anonymous request needs its respondent key")
    return key


# --- responding -----------------------------------------------------------------------------------


def _respondent(request: Request, command: AnswerRequest | DeclineRequest) -> str:
    """Who responds, as the request's events will name them: their id, or their token."""
    giver_id = command.giver_id
    if request.closed:
        raise DomainError("The request is closed", field="request_id")
    if request.expired_on(today(command.now)):
        raise DomainError(
            f"The request expired: responses were due by {request.due_on.isoformat()}", field="request_id"
        )
    if request.anonymous:
        respondent = respondent_token(_key(command.respondent_key), request.request_id, giver_id)
        invited = respondent in request.invitee_tokens
    else:
        respondent = giver_id
        invited = giver_id in request.givers
    if not invited:
        raise DomainError("You were not asked for this feedback", field="giver_id")
    if respondent in request.responses:
        raise DomainError("You have already responded to this request", field="giver_id")
    return respondent


def _answer_kind(request: Request, wanted: FeedbackKind | None) -> FeedbackKind:
    """An upward request's answers are upward feedback (``kind`` may be left out); a general
    request's are praise or constructive."""
    if request.kind == "upward":
        if wanted not in (None, "upward"):
            raise DomainError("Answers to an upward request are upward feedback", field="kind")
        return "upward"
    if wanted is None or wanted == "upward":
        raise DomainError("Say whether the answer is praise or constructive feedback", field="kind")
    return wanted


def _answer(command: AnswerRequest, request: Request) -> Sequence[RequestEvent]:
    respondent = _respondent(request, command)
    kind = _answer_kind(request, command.kind)
    require_text(command.content, "content", "The feedback")
    check_shareable(command.visibility, request.recipient_manager_id)
    if request.anonymous:
        return [
            AnonymousFeedbackSubmitted(
                request_id=request.request_id,
                organisation_id=request.organisation_id,
                respondent_token=respondent,
                submitted_at=command.now,
            )
        ]
    if request.answer(command.feedback_id) is not None:
        raise DomainError(f"The answer id {command.feedback_id!r} is taken", field="feedback_id")
    return [
        FeedbackGivenV3(
            feedback_id=command.feedback_id,
            organisation_id=request.organisation_id,
            request_id=request.request_id,
            giver_id=command.giver_id,
            recipient_id=request.recipient_id,
            recipient_manager_id=request.recipient_manager_id,
            relationship=request.givers[command.giver_id],
            kind=kind,
            goal_id=request.goal_id,
            milestone_id=request.milestone_id,
            content=command.content,
            visibility=command.visibility,
            given_at=command.now,
        )
    ]


def _decline(command: DeclineRequest, request: Request) -> Sequence[RequestEvent]:
    respondent = _respondent(request, command)
    if request.anonymous:
        if command.reason is not None:
            raise DomainError(
                "A decline of an anonymous request gives no reason: its words could tell who declined",
                field="reason",
            )
        return [
            FeedbackDeclinedV3(
                request_id=request.request_id,
                organisation_id=request.organisation_id,
                respondent_token=respondent,
                declined_at=command.now,
            )
        ]
    if command.reason is not None:
        require_text(command.reason, "reason", "The reason")
    return [
        FeedbackDeclinedV3(
            request_id=request.request_id,
            organisation_id=request.organisation_id,
            giver_id=respondent,
            reason=command.reason,
            declined_at=command.now,
        )
    ]


# --- reminding and closing ------------------------------------------------------------------------


def _remind(command: RemindPendingGivers, request: Request) -> Sequence[RequestEvent]:
    day = today(command.now)
    if (
        request.closed
        or request.reminded
        or request.remind_on is None
        or day < request.remind_on
        or request.expired_on(day)
        or request.everyone_responded
    ):
        return []
    return [
        FeedbackReminderDue(
            request_id=request.request_id,
            organisation_id=request.organisation_id,
            recipient_id=request.recipient_id,
            due_on=request.due_on,
            anonymous=request.anonymous,
            pending_count=request.pending_count,
            pending_giver_ids=request.pending_giver_ids(),
            reminded_at=command.now,
        )
    ]


def _close(command: CloseRequest, request: Request) -> Sequence[RequestEvent]:
    if request.closed:
        return []
    if request.everyone_responded:
        reason = "everyone_responded"
    elif request.expired_on(today(command.now)):
        reason = "expired"
    else:
        return []
    sealed = command.sealed_answers
    if request.anonymous and command.answers_erased:
        if sealed:
            raise ValueError("answers erased with their recipient cannot be released")
    elif request.anonymous:
        if frozenset(a.respondent_token for a in sealed) != request.answered_tokens or len(sealed) != len(
            request.answered_tokens
        ):
            raise ValueError("the sealed answers kept do not match the answers the request recorded")
    elif sealed:
        raise ValueError("a named request has no sealed answers")
    threshold = request.anonymity_threshold or 0
    released = request.anonymous and not command.answers_erased and request.answered_count >= threshold
    return [
        FeedbackRequestClosedV2(
            request_id=request.request_id,
            organisation_id=request.organisation_id,
            requester_id=request.requester_id,
            recipient_id=request.recipient_id,
            recipient_manager_id=request.recipient_manager_id,
            kind=request.kind,
            reason=reason,
            anonymous=request.anonymous,
            invited_count=request.invited_count,
            answered_count=request.answered_count,
            declined_count=request.declined_count,
            unanswered_giver_ids=request.pending_giver_ids(),
            goal_id=request.goal_id,
            milestone_id=request.milestone_id,
            results=None if not request.anonymous else "released" if released else "withheld",
            released_answers=release(sealed) if released else (),
            closed_at=command.now,
        )
    ]


# --- visibility ------------------------------------------------------------------------------------


def _narrow(command: NarrowAnswerVisibility, request: Request) -> Sequence[RequestEvent]:
    answer = request.answer(command.feedback_id)
    if answer is None:
        raise DomainError(f"The request has no answer {command.feedback_id!r}", field="feedback_id")
    if command.narrowed_by != answer.giver_id:
        raise DomainError("Only the giver can narrow who reads their feedback", field="narrowed_by")
    check_narrowing(answer.visibility, command.visibility)
    return [
        FeedbackVisibilityNarrowed(
            feedback_id=answer.feedback_id,
            organisation_id=request.organisation_id,
            request_id=request.request_id,
            recipient_id=request.recipient_id,
            giver_id=answer.giver_id,
            goal_id=request.goal_id,
            visibility=command.visibility,
            previous_visibility=answer.visibility,
            narrowed_at=command.now,
        )
    ]
