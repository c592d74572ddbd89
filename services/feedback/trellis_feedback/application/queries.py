"""What people may read, enforced here as much as in the commands.

- The feedback a person received: all of it for them; for anyone else only what was shared
  with them as the recipient's manager at the time (``recipient_manager_id``). HR admins read
  no feedback, not even as a role: an HR admin who manages someone reads exactly what a
  manager reads.
- No answer of an anonymous request ever shows who gave it: released answers have no giver,
  and while a request is open its answers are sealed and its counts not shown ("pending"):
  a count that moved as people answered would date each answer.
- A person's pending requests and what they gave, anonymous answers included, are read only
  by that person; the anonymous ones are found by the person's pseudonym under each request's
  private key (one HMAC per anonymous request of the organisation).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from trellis_feedback import known_facts, private_tables
from trellis_feedback.application.core import FeedbackCore, require
from trellis_feedback.domain.anonymity import respondent_token
from trellis_feedback.domain.authorization import Actor, Subject
from trellis_feedback.domain.conversation.state import Conversation
from trellis_feedback.domain.settings import anonymity_threshold
from trellis_feedback.streams import conversation_stream, settings_stream
from trellis_kernel.http import Forbidden, NotFound

_TIMELINE_COLUMNS = (
    "entry_id, recipient_id, kind, visibility, anonymous, giver_id, relationship, request_id, goal_id,"
    " milestone_id, content, given_at"
)
_CONVERSATION_COLUMNS = (
    "conversation_id, employee_id, manager_id, kind, status, scheduled_for, scheduled_by, agenda, goal_ids,"
    " milestone_ids, held_at, held_by, progress_summary, notes, cancelled_at, cancel_reason, version"
)
_ACTION_COLUMNS = (
    "conversation_id, action_id, employee_id, manager_id, owner_id, description, due_on, milestone_id,"
    " completed_at, completed_by, note"
)
_CADENCE_COLUMNS = "employee_id, manager_id, every_days, set_on, last_held_on, next_due_on, missed_due_on"


def _rows(records: Any) -> list[dict[str, Any]]:
    return [dict(record) for record in records]


class FeedbackQueries(FeedbackCore):
    async def anonymity_threshold(self, actor: Actor) -> tuple[int, int]:
        """k for requests made now, and the settings stream's version."""
        require(actor, "view_anonymity_threshold", Subject(actor.organisation_id))
        loaded = await self.settings.load(settings_stream(actor.organisation_id))
        return anonymity_threshold(loaded.state), loaded.version

    # --- feedback received and given ---------------------------------------------------------------

    async def timeline(self, actor: Actor, employee_id: str) -> list[dict[str, Any]]:
        organisation = actor.organisation_id
        if actor.user_id == employee_id:
            rows = await self.pool.fetch(
                f"SELECT {_TIMELINE_COLUMNS} FROM feedback_timeline WHERE organisation_id = $1 AND recipient_id = $2"
                " ORDER BY given_at DESC, entry_id",
                organisation,
                employee_id,
            )
            return _rows(rows)
        rows = await self.pool.fetch(
            f"SELECT {_TIMELINE_COLUMNS} FROM feedback_timeline WHERE organisation_id = $1 AND recipient_id = $2"
            " AND visibility = 'recipient_and_manager' AND recipient_manager_id = $3 ORDER BY given_at DESC, entry_id",
            organisation,
            employee_id,
            actor.user_id,
        )
        current = await known_facts.manager_of(self.pool, organisation, employee_id)
        manager = actor.user_id if rows or current == actor.user_id else current
        require(
            actor,
            "view_feedback_timeline",
            Subject(organisation, employee_id=employee_id, manager_id=manager),
        )
        return _rows(rows)

    async def given_feedback(self, actor: Actor) -> list[dict[str, Any]]:
        """What the caller gave: named feedback, and their sealed answers to anonymous requests."""
        organisation = actor.organisation_id
        named = _rows(
            await self.pool.fetch(
                f"SELECT {_TIMELINE_COLUMNS} FROM feedback_timeline WHERE organisation_id = $1 AND giver_id = $2"
                " ORDER BY given_at DESC, entry_id",
                organisation,
                actor.user_id,
            )
        )
        anonymous = []
        for request in await self._anonymous_requests(organisation, open_only=False):
            token = respondent_token(request["key"], request["request_id"], actor.user_id)
            if token not in request["respondent_tokens"]:
                continue
            sealed = await private_tables.sealed_answer(
                self.pool, self.keys, organisation, request["request_id"], token
            )
            if sealed is None:
                continue  # declined
            anonymous.append(
                {
                    "request_id": request["request_id"],
                    "recipient_id": request["recipient_id"],
                    "kind": sealed.kind,
                    "visibility": sealed.visibility,
                    "content": sealed.content,
                    "request_closed": request["closed_at"] is not None,
                    "results": request["results"],
                }
            )
        return [*named, *anonymous]

    async def _anonymous_requests(self, organisation: str, *, open_only: bool) -> list[dict[str, Any]]:
        rows = _rows(
            await self.pool.fetch(
                "SELECT r.request_id, r.requester_id, r.recipient_id, r.kind, r.due_on, r.prompts, r.goal_id,"
                " r.milestone_id, r.requested_at, r.invitee_tokens, r.respondent_tokens, r.closed_at, r.results, k.key"
                " FROM feedback_requests r JOIN anonymous_request_keys k USING (organisation_id, request_id)"
                " WHERE r.organisation_id = $1 AND r.anonymous AND ($2 = false OR r.closed_at IS NULL)"
                " ORDER BY r.due_on, r.request_id",
                organisation,
                open_only,
            )
        )
        for row in rows:
            row["key"] = bytes(row["key"])
        return rows

    async def pending_requests(self, actor: Actor, today: date) -> list[dict[str, Any]]:
        """The requests the caller was asked and has not answered or declined, still open."""
        organisation = actor.organisation_id
        pending = _rows(
            await self.pool.fetch(
                "SELECT r.request_id, r.requester_id, r.recipient_id, r.kind, r.anonymous, r.due_on, r.prompts,"
                " r.goal_id, r.milestone_id, r.requested_at FROM feedback_invitations i"
                " JOIN feedback_requests r USING (organisation_id, request_id)"
                " WHERE i.organisation_id = $1 AND i.giver_id = $2 AND i.response IS NULL"
                " AND r.closed_at IS NULL AND r.due_on >= $3",
                organisation,
                actor.user_id,
                today,
            )
        )
        for request in await self._anonymous_requests(organisation, open_only=True):
            token = respondent_token(request["key"], request["request_id"], actor.user_id)
            asked = token in request["invitee_tokens"] and token not in request["respondent_tokens"]
            if asked and request["due_on"] >= today:
                pending.append(
                    {
                        name: request[name]
                        for name in (
                            "request_id",
                            "requester_id",
                            "recipient_id",
                            "kind",
                            "due_on",
                            "prompts",
                            "goal_id",
                            "milestone_id",
                            "requested_at",
                        )
                    }
                    | {"anonymous": True}
                )
        return sorted(pending, key=lambda r: (r["due_on"], r["request_id"]))

    # --- requests -----------------------------------------------------------------------------------

    async def _request_row(self, actor: Actor, request_id: str) -> tuple[dict[str, Any], bool]:
        """The request and whether the caller was asked; NotFound, or Forbidden unless the caller
        may view it."""
        organisation = actor.organisation_id
        row = await self.pool.fetchrow(
            "SELECT * FROM feedback_requests WHERE organisation_id = $1 AND request_id = $2",
            organisation,
            request_id,
        )
        if row is None:
            raise NotFound(f"there is no feedback request {request_id!r}")
        request = dict(row)
        if request["anonymous"]:
            key = await private_tables.key_of(self.pool, organisation, request_id)
            asked = (
                key is not None
                and respondent_token(key, request_id, actor.user_id) in request["invitee_tokens"]
            )
        else:
            asked = bool(
                await self.pool.fetchval(
                    "SELECT true FROM feedback_invitations WHERE organisation_id = $1 AND request_id = $2 AND giver_id = $3",
                    organisation,
                    request_id,
                    actor.user_id,
                )
            )
        subject = Subject(
            organisation,
            employee_id=request["recipient_id"],
            requester_id=request["requester_id"],
            invitee_ids=frozenset({actor.user_id}) if asked else frozenset(),
        )
        require(actor, "view_request", subject)
        return request, asked

    async def request(self, actor: Actor, request_id: str) -> dict[str, Any]:
        request, _ = await self._request_row(actor, request_id)
        concerned = actor.user_id in (request["recipient_id"], request["requester_id"])
        closed = request["closed_at"] is not None
        view = {
            name: request[name]
            for name in (
                "request_id",
                "requester_id",
                "recipient_id",
                "kind",
                "anonymous",
                "anonymity_threshold",
                "goal_id",
                "milestone_id",
                "prompts",
                "due_on",
                "requested_at",
                "invited_count",
                "closed_at",
                "version",
            )
        }
        view["status"] = "closed" if closed else "open"
        view["close_reason"] = request["close_reason"]
        view["results"] = request["results"] if closed else ("pending" if request["anonymous"] else None)
        counts_shown = concerned and (closed or not request["anonymous"])
        view["answered_count"] = request["answered_count"] if counts_shown else None
        view["declined_count"] = request["declined_count"] if counts_shown else None
        view["givers"] = []
        if concerned and not request["anonymous"]:
            view["givers"] = _rows(
                await self.pool.fetch(
                    "SELECT giver_id, relationship, response FROM feedback_invitations"
                    " WHERE organisation_id = $1 AND request_id = $2 ORDER BY giver_id",
                    actor.organisation_id,
                    request_id,
                )
            )
        return view

    async def results(self, actor: Actor, request_id: str) -> dict[str, Any]:
        request, _ = await self._request_row(actor, request_id)
        if actor.user_id not in (request["recipient_id"], request["requester_id"]):
            raise Forbidden("only the person the feedback is about, or who asked for it, reads the answers")
        organisation = actor.organisation_id
        closed = request["closed_at"] is not None
        if request["anonymous"] and not closed:
            status, answers = "pending", []
        else:
            status = request["results"] if request["anonymous"] else "named"
            if actor.user_id == request["recipient_id"]:
                rows = await self.pool.fetch(
                    f"SELECT {_TIMELINE_COLUMNS} FROM feedback_timeline WHERE organisation_id = $1 AND request_id = $2"
                    " ORDER BY entry_id",
                    organisation,
                    request_id,
                )
            else:
                rows = await self.pool.fetch(
                    f"SELECT {_TIMELINE_COLUMNS} FROM feedback_timeline WHERE organisation_id = $1 AND request_id = $2"
                    " AND visibility = 'recipient_and_manager' AND recipient_manager_id = $3 ORDER BY entry_id",
                    organisation,
                    request_id,
                    actor.user_id,
                )
            answers = _rows(rows)
        return {
            "request_id": request_id,
            "anonymous": request["anonymous"],
            "status": status,
            "anonymity_threshold": request["anonymity_threshold"],
            "answers": answers,
        }

    # --- goals --------------------------------------------------------------------------------------

    async def goal_feedback_counts(self, actor: Actor, goal_id: str) -> dict[str, Any]:
        organisation = actor.organisation_id
        owner = await self.pool.fetchval(
            "SELECT employee_id FROM goals WHERE organisation_id = $1 AND goal_id = $2", organisation, goal_id
        )
        if owner is None:
            raise NotFound(f"there is no goal {goal_id!r}")
        manager = await known_facts.manager_of(self.pool, organisation, owner)
        require(
            actor, "view_goal_feedback_counts", Subject(organisation, employee_id=owner, manager_id=manager)
        )
        row = await self.pool.fetchrow(
            "SELECT feedback_count, shared_count, praise_count, constructive_count, upward_count, last_feedback_at"
            " FROM goal_feedback_counts WHERE organisation_id = $1 AND goal_id = $2",
            organisation,
            goal_id,
        )
        counts: dict[str, Any] = dict(row) if row is not None else {
            "feedback_count": 0, "shared_count": 0, "praise_count": 0, "constructive_count": 0,
            "upward_count": 0, "last_feedback_at": None,
        }  # fmt: skip
        if actor.user_id != owner:  # the manager: only what was shared with managers
            counts = {"shared_count": counts["shared_count"]}
        return {"goal_id": goal_id, "employee_id": owner, **counts}

    async def milestones_reached(self, actor: Actor, employee_id: str) -> list[dict[str, Any]]:
        """The employee's milestones reached, as the goals topic told: moments to ask for feedback."""
        organisation = actor.organisation_id
        manager = await known_facts.manager_of(self.pool, organisation, employee_id)
        require(actor, "request_feedback", Subject(organisation, employee_id=employee_id, manager_id=manager))
        return _rows(
            await self.pool.fetch(
                "SELECT g.goal_id, m.milestone_id, m.due_date, m.reached_on"
                " FROM goal_milestones m JOIN goals g USING (organisation_id, goal_id)"
                " WHERE m.organisation_id = $1 AND g.employee_id = $2 AND m.reached_on IS NOT NULL"
                " ORDER BY m.reached_on DESC, g.goal_id, m.milestone_id",
                organisation,
                employee_id,
            )
        )

    # --- conversations --------------------------------------------------------------------------------

    async def conversation(self, actor: Actor, conversation_id: str) -> dict[str, Any]:
        loaded = await self.conversations.load(conversation_stream(actor.organisation_id, conversation_id))
        state: Conversation | None = loaded.state
        if state is None:
            raise NotFound(f"there is no conversation {conversation_id!r}")
        require(
            actor,
            "view_conversations",
            Subject(state.organisation_id, employee_id=state.employee_id, manager_id=state.manager_id),
        )
        row = await self.pool.fetchrow(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE organisation_id = $1 AND conversation_id = $2",
            actor.organisation_id,
            conversation_id,
        )
        assert row is not None
        actions = await self.pool.fetch(
            f"SELECT {_ACTION_COLUMNS} FROM conversation_actions WHERE organisation_id = $1 AND conversation_id = $2"
            " ORDER BY due_on, action_id",
            actor.organisation_id,
            conversation_id,
        )
        return {**dict(row), "actions": _rows(actions)}

    async def _log(self, organisation: str, column: str, person: str, today: date) -> dict[str, Any]:
        conversations = await self.pool.fetch(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE organisation_id = $1 AND {column} = $2"
            " ORDER BY scheduled_for DESC, conversation_id",
            organisation,
            person,
        )
        actions = await self.pool.fetch(
            f"SELECT {_ACTION_COLUMNS} FROM conversation_actions WHERE organisation_id = $1 AND {column} = $2"
            " AND completed_at IS NULL ORDER BY due_on, conversation_id, action_id",
            organisation,
            person,
        )
        # Only pairs that are pairs now: a former manager's cadence has nothing due.
        cadences = await self.pool.fetch(
            f"SELECT {', '.join('c.' + c.strip() for c in _CADENCE_COLUMNS.split(','))}"
            " FROM conversation_cadences c JOIN reporting_lines l"
            " ON l.organisation_id = c.organisation_id AND l.employee_id = c.employee_id AND l.manager_id = c.manager_id"
            f" WHERE c.organisation_id = $1 AND c.{column} = $2 AND c.every_days IS NOT NULL"
            " ORDER BY c.next_due_on, c.employee_id",
            organisation,
            person,
        )
        return {
            "conversations": _rows(conversations),
            "open_actions": _rows(actions),
            "cadences": [
                {**row, "overdue": row["next_due_on"] is not None and row["next_due_on"] < today}
                for row in _rows(cadences)
            ],
        }

    async def manager_conversations(self, actor: Actor, manager_id: str, today: date) -> dict[str, Any]:
        require(actor, "view_conversations", Subject(actor.organisation_id, manager_id=manager_id))
        return {
            "manager_id": manager_id,
            **await self._log(actor.organisation_id, "manager_id", manager_id, today),
        }

    async def employee_conversations(self, actor: Actor, employee_id: str, today: date) -> dict[str, Any]:
        organisation = actor.organisation_id
        manager = await known_facts.manager_of(self.pool, organisation, employee_id)
        require(
            actor, "view_conversations", Subject(organisation, employee_id=employee_id, manager_id=manager)
        )
        return {
            "employee_id": employee_id,
            **await self._log(organisation, "employee_id", employee_id, today),
        }

    async def cadence(self, actor: Actor, employee_id: str, today: date) -> dict[str, Any]:
        organisation = actor.organisation_id
        manager = await known_facts.manager_of(self.pool, organisation, employee_id)
        require(actor, "view_cadence", Subject(organisation, employee_id=employee_id, manager_id=manager))
        row = None
        if manager is not None:
            row = await self.pool.fetchrow(
                f"SELECT {_CADENCE_COLUMNS} FROM conversation_cadences"
                " WHERE organisation_id = $1 AND employee_id = $2 AND manager_id = $3",
                organisation,
                employee_id,
                manager,
            )
        found: dict[str, Any] = dict(row) if row is not None else {}
        next_due = found.get("next_due_on")
        return {
            "employee_id": employee_id,
            "manager_id": manager,
            "every_days": found.get("every_days"),
            "last_held_on": found.get("last_held_on"),
            "next_due_on": next_due,
            "overdue": next_due is not None and next_due < today,
        }
