"""Dead letters: a record a consumer gave up on, republished with why and where it came from."""

from __future__ import annotations

from collections.abc import Callable

from trellis_kernel.consumers.incoming import Headers, RecordCoordinates

DeadLetterTopic = Callable[[str], str]

MAX_ERROR_LENGTH = 2000

# Header names of the dead-letter record; the original record's headers are kept as they were.
REASON = "dlt-reason"
ERROR = "dlt-error"
ORIGINAL_TOPIC = "dlt-original-topic"
ORIGINAL_PARTITION = "dlt-original-partition"
ORIGINAL_OFFSET = "dlt-original-offset"
CONSUMER = "dlt-consumer"
ATTEMPTS = "dlt-attempts"

UNDECODABLE = "undecodable"
HANDLER_FAILED = "handler-failed"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlt"


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


def dead_letter_headers(
    original: Headers,
    coordinates: RecordCoordinates,
    *,
    consumer: str,
    reason: str,
    error: BaseException,
    attempts: int,
) -> dict[str, str]:
    headers = {name: value.decode("utf-8", "backslashreplace") for name, value in original}
    headers.update(
        {
            REASON: reason,
            ERROR: describe(error),
            ORIGINAL_TOPIC: coordinates.topic,
            ORIGINAL_PARTITION: str(coordinates.partition),
            ORIGINAL_OFFSET: str(coordinates.offset),
            CONSUMER: consumer,
            ATTEMPTS: str(attempts),
        }
    )
    return headers
