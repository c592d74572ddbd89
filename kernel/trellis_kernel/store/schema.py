"""The event store's tables, created idempotently by EventStore.setup().

One table, `events`, is both the event store and the outbox (the relay reads it in global
order). Every row carries two ordering columns:

- global_position: an identity, taken when the row is inserted;
- transaction_id: the xid8 of the inserting transaction (pg_current_xact_id()).

A position becomes visible only when its transaction commits, and transactions do not commit
in position order, so "read everything after position N" can skip an event that commits late.
Readers therefore take only rows whose transaction is older than the oldest transaction still
running (pg_snapshot_xmin(pg_current_snapshot())): every such transaction has finished, so no
row can still appear below what they return. They order and checkpoint by the pair
(transaction_id, global_position). Writers never lock each other out; the price is that one
long-open transaction anywhere in the cluster holds readers back, so run the services with
`idle_in_transaction_session_timeout` set (e.g. 60s) and watch relay lag.
"""

from __future__ import annotations

NOTIFY_CHANNEL = "trellis_events"

EVENTS_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    global_position bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    schema_version  integer NOT NULL CHECK (schema_version > 0),
    payload         jsonb NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    correlation_id  uuid,
    causation_id    uuid,
    principal       text NOT NULL,
    traceparent     text,
    CONSTRAINT events_stream_version_key PRIMARY KEY (stream_id, version),
    CONSTRAINT events_event_id_key UNIQUE (event_id)
)
"""

EVENTS_GLOBAL_ORDER_INDEX = """
CREATE INDEX IF NOT EXISTS events_global_order_idx ON events (transaction_id, global_position)
"""

STATEMENTS: tuple[str, ...] = (EVENTS_TABLE, EVENTS_GLOBAL_ORDER_INDEX)

STREAM_VERSION_CONSTRAINT = "events_stream_version_key"
EVENT_ID_CONSTRAINT = "events_event_id_key"
