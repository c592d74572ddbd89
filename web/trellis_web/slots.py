"""Places on the pages for what the services still to come will show. Each slot names the
service it waits for; when that service is configured (TRELLIS_<SERVICE>_URL) and a page
module renders the slot, it replaces the placeholder."""

from __future__ import annotations

from dataclasses import dataclass

from trellis_web.settings import WebSettings


@dataclass(frozen=True)
class Slot:
    slot_id: str
    title: str
    service: str
    what: str


EMPLOYEE_SLOTS = (
    Slot("feedback-received", "Feedback received", "feedback", "feedback from managers, mentors and peers"),
    Slot("feedback-requests", "Feedback requests to answer", "feedback", "requests waiting for your answer"),
    Slot("recognition", "Recognition", "recognition", "recognition and rewards for milestones reached"),
)
MANAGER_SLOTS = (
    Slot("conversations-due", "Conversations due", "feedback", "check-ins and quarterly conversations due"),
    Slot("team-feedback", "Upward feedback", "feedback", "anonymous feedback on your coaching"),
)
HR_SLOTS = (
    Slot(
        "reward-policies",
        "Reward policies and their backtest",
        "recognition",
        "published policies, backtested",
    ),
    Slot(
        "compensation-approvals", "Compensation proposals to approve", "recognition", "proposals awaiting HR"
    ),
)


def pending(
    slots: tuple[Slot, ...], settings: WebSettings, rendered: frozenset[str] = frozenset()
) -> list[Slot]:
    """The slots still shown as placeholders: their service is missing, or no page renders them yet."""
    return [s for s in slots if s.slot_id not in rendered or settings.service_url(s.service) is None]
