"""Anonymity that holds: pseudonyms for the people an anonymous request asks, and the sealed
answers the service keeps until the request closes.

For an anonymous request the service keeps one random key privately (never in an event, never
published, erased with the request). A person's token is an HMAC of their id under that key:
the request's events carry tokens only, so the stream can refuse a second response from the
same person while nothing that leaves the service names anyone. With the key and a person's
id the service can find its own answer again (to let a giver see what they gave); without the
key, nobody can link a token to a person, so erasing the key severs the link for good.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from trellis_contracts.feedback import FeedbackKind, FeedbackVisibility, ReleasedAnswer

DEFAULT_ANONYMITY_THRESHOLD = 3
"""k when an organisation never chose one."""
MIN_KEY_BYTES = 16
TOKEN_HEX_DIGITS = 32


def respondent_token(key: bytes, request_id: str, person_id: str) -> str:
    """The person's pseudonym within one anonymous request."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a request's key has at least {MIN_KEY_BYTES} random bytes")
    message = f"{request_id}\x1f{person_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TOKEN_HEX_DIGITS]


@dataclass(frozen=True)
class SealedAnswer:
    """An anonymous answer as the service keeps it privately until the request closes: by
    token, never by person."""

    respondent_token: str
    kind: FeedbackKind
    visibility: FeedbackVisibility
    content: str


def release(answers: Iterable[SealedAnswer]) -> tuple[ReleasedAnswer, ...]:
    """The answers without token, ordered by their content: nothing in the order or the values
    says who wrote which, or when."""
    released = [ReleasedAnswer(kind=a.kind, visibility=a.visibility, content=a.content) for a in answers]
    return tuple(sorted(released, key=lambda a: (a.content, a.kind, a.visibility)))
