"""The feedback service's events to and from the event store's records: the kernel's protecting
codec over the feedback contracts, the one place a feedback payload becomes stored JSON and back.

Every personal text is sealed with a data key of the person it is about, one key per person per
calendar year of the event (its moment, in UTC): retention shreds whole years of text, so the
scope is chosen from the first protected event on and never changes.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from trellis_contracts import EventContract
from trellis_contracts.feedback import FEEDBACK_EVENTS
from trellis_kernel.codec import ContractCodec
from trellis_kernel.privacy import DataKeyStore, ProtectingCodec

FeedbackCodec = ProtectingCodec[Any]


def year_scope(event: EventContract) -> str:
    """The key scope of an event: the year (UTC) it happened in, e.g. ``"2026"``."""
    moment = event.moment()
    if moment is None:
        raise ValueError(f"{type(event).__name__} names no moment to choose its key's year by")
    return str(moment.astimezone(UTC).year)


def feedback_codec(keys: DataKeyStore) -> FeedbackCodec:
    return ProtectingCodec(ContractCodec(FEEDBACK_EVENTS), keys, key_scope=year_scope)
