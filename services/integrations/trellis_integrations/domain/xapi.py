"""xAPI statements made of Trellis events, for a Learning Record Store.

- The actor is an ``account`` on the organisation's home page, named by the opaque employee id
  (never an e-mail address).
- Verbs are ADL's published ones: ``completed`` for a milestone reached, a goal completed and a
  development activity completed; ``registered`` (the learner is enrolled in an activity) for a
  learning assignment.
- Goals, milestones and development activities are activities under
  ``<activity base>/organisations/<org>/goals/<goal>`` (a milestone or development activity
  below its goal, which is also its ``parent`` in the context). A learning assignment's
  activity is the LMS's own IRI when ``activity_id`` is one.
- An activity is named by its title only when the event carries the title in the clear. A title
  that travels protected (sealed with the employee's key, which Trellis's integrations do not
  hold) or was erased is never sent: the activity is named by its kind ("Goal", "Milestone",
  "Development activity") and identified by its IRI, so no statement carries personal text
  Trellis cannot read, and none outlives an erasure. Events are read as
  ``contract.model_validate(reveal(contract, data))``: protected fields read as erased.
- The statement id is a name-based UUID (version 5) of the event id, so a retried or replayed
  delivery of one event is the same statement, which an LRS stores once.
"""

from __future__ import annotations

import uuid
from typing import Any, Final
from urllib.parse import quote

from trellis_contracts.catalogue import UnknownEventType, contract_for
from trellis_contracts.goals import DevelopmentActivityCompleted, GoalCompleted, MilestoneReached
from trellis_contracts.personal import ERASED
from trellis_contracts.protected import reveal
from trellis_contracts.recognition import LearningAssignmentRequestedV2

STATEMENT_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://trellis.dev/xapi/statements")
DEFAULT_ACTIVITY_BASE: Final = "https://trellis.dev/xapi"
XAPI_VERSION: Final = "1.0.3"
LANGUAGE: Final = "und"  # titles are in whatever language the organisation writes them
EXTENSIONS: Final = "https://trellis.dev/xapi/extensions/"

COMPLETED: Final = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
REGISTERED: Final = {"id": "http://adlnet.gov/expapi/verbs/registered", "display": {"en-US": "registered"}}
_TYPES: Final = {
    "goal": "http://adlnet.gov/expapi/activities/objective",
    "milestone": "http://adlnet.gov/expapi/activities/objective",
    "activity": "http://adlnet.gov/expapi/activities/course",
}
NEUTRAL_NAMES: Final = {"goal": "Goal", "milestone": "Milestone", "activity": "Development activity"}
"""An activity's name when its title is protected or erased."""
STATEMENT_EVENTS: Final = (MilestoneReached, GoalCompleted, DevelopmentActivityCompleted, LearningAssignmentRequestedV2)
"""The contracts (and their later majors, which subclass them) made into statements."""


class NotAStatement(ValueError):
    """The event is not one the adapter makes a statement of."""


def statement_id(event_id: uuid.UUID | str) -> uuid.UUID:
    return uuid.uuid5(STATEMENT_NAMESPACE, str(event_id))


def _activity(activity_id: str, name: str | None, kind: str) -> dict[str, Any]:
    """``name``: the title as the event carries it (None: the activity is not named)."""
    definition: dict[str, Any] = {"type": _TYPES[kind]}
    if name == ERASED:
        definition["name"] = {"en-US": NEUTRAL_NAMES[kind]}
    elif name:
        definition["name"] = {LANGUAGE: name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def makes_statement(event_type: str) -> bool:
    try:
        return issubclass(contract_for(event_type), STATEMENT_EVENTS)
    except UnknownEventType:
        return False


def _segment(value: str) -> str:
    return quote(value, safe="")


class _Ids:
    def __init__(self, base: str, organisation_id: str) -> None:
        self.root = f"{base.rstrip('/')}/organisations/{_segment(organisation_id)}"

    def goal(self, goal_id: str) -> str:
        return f"{self.root}/goals/{_segment(goal_id)}"

    def milestone(self, goal_id: str, milestone_id: str) -> str:
        return f"{self.goal(goal_id)}/milestones/{_segment(milestone_id)}"

    def development_activity(self, goal_id: str, activity_id: str) -> str:
        return f"{self.goal(goal_id)}/activities/{_segment(activity_id)}"

    def learning(self, activity_id: str) -> str:
        if activity_id.startswith(("https://", "http://")):
            return activity_id
        return f"{self.root}/learning/{_segment(activity_id)}"


def statement(
    event_type: str,
    event_id: uuid.UUID | str,
    time: str,
    data: dict[str, Any],
    *,
    home_page: str,
    activity_base: str = DEFAULT_ACTIVITY_BASE,
) -> dict[str, Any]:
    """The statement for one event (``time``: its CloudEvents time, the statement's timestamp)."""
    if not makes_statement(event_type):
        raise NotAStatement(f"no xAPI statement is made of {event_type}")
    contract = contract_for(event_type)
    event = contract.model_validate(reveal(contract, data))  # protected text reads as erased
    organisation_id = data["organisation_id"]
    ids = _Ids(activity_base, organisation_id)

    def actor(person: str) -> dict[str, Any]:
        return {"objectType": "Agent", "account": {"homePage": home_page, "name": person}}

    context: dict[str, Any] = {
        "platform": "Trellis",
        "extensions": {f"{EXTENSIONS}organisation": organisation_id},
    }
    body: dict[str, Any]
    if isinstance(event, MilestoneReached):
        goal = _activity(ids.goal(event.goal_id), event.goal_title, "goal")
        context["contextActivities"] = {"parent": [goal]}
        context["extensions"][f"{EXTENSIONS}on-time"] = event.on_time
        body = {
            "actor": actor(event.employee_id),
            "verb": COMPLETED,
            "object": _activity(ids.milestone(event.goal_id, event.milestone_id), event.title, "milestone"),
            "result": {"completion": True},
        }
    elif isinstance(event, GoalCompleted):
        completed = event
        context["extensions"][f"{EXTENSIONS}on-time"] = completed.on_time
        body = {
            "actor": actor(completed.employee_id),
            "verb": COMPLETED,
            "object": _activity(ids.goal(completed.goal_id), completed.title, "goal"),
            "result": {"completion": True},
        }
    elif isinstance(event, DevelopmentActivityCompleted):
        activity = event
        context["contextActivities"] = {"parent": [_activity(ids.goal(activity.goal_id), None, "goal")]}
        context["extensions"][f"{EXTENSIONS}activity-kind"] = activity.kind
        body = {
            "actor": actor(activity.employee_id),
            "verb": COMPLETED,
            "object": _activity(
                ids.development_activity(activity.goal_id, activity.activity_id), activity.title, "activity"
            ),
            "result": {"completion": True},
        }
    elif isinstance(event, LearningAssignmentRequestedV2):
        assignment = event
        if assignment.goal_id is not None:
            context["contextActivities"] = {"parent": [_activity(ids.goal(assignment.goal_id), None, "goal")]}
        context["extensions"][f"{EXTENSIONS}assignment"] = assignment.assignment_id
        context["extensions"][f"{EXTENSIONS}activity-kind"] = assignment.activity_kind
        if assignment.due_on is not None:
            context["extensions"][f"{EXTENSIONS}due-on"] = assignment.due_on.isoformat()
        body = {
            "actor": actor(assignment.learner_id),
            "verb": REGISTERED,
            "object": _activity(ids.learning(assignment.activity_id), None, "activity"),
        }
    else:
        raise NotAStatement(f"no xAPI statement is made of {event_type}")
    return {"id": str(statement_id(event_id)), **body, "context": context, "timestamp": time}
