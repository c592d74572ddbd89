"""Who may read a piece of feedback is chosen when it is given; it can narrow, never widen."""

from __future__ import annotations

from trellis_contracts.feedback import FeedbackVisibility
from trellis_kernel.decider import DomainError

_AUDIENCE: dict[FeedbackVisibility, int] = {"recipient_only": 1, "recipient_and_manager": 2}


def check_shareable(visibility: FeedbackVisibility, recipient_manager_id: str | None) -> None:
    if visibility == "recipient_and_manager" and recipient_manager_id is None:
        raise DomainError("The recipient has no manager to share it with", field="visibility")


def check_narrowing(current: FeedbackVisibility, wanted: FeedbackVisibility) -> None:
    if _AUDIENCE[wanted] > _AUDIENCE[current]:
        raise DomainError(
            f"Visibility can narrow, never widen: it is {current}, it cannot become {wanted}",
            field="visibility",
        )
    if wanted == current:
        raise DomainError(f"It is already {current}", field="visibility")
