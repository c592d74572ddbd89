"""The delivery log: plain tables, not event streams.

Deliveries and their attempts change many times a second and matter as a log to query (status
codes, latencies, what waits), not as a history to replay; rows with a lease and a next-attempt
time are what a work queue needs. What does earn a history (a subscription's configuration,
its secret rotations, who disabled or enabled it and why) is in the subscription's stream.

- ``delivery_events``: each event routed to at least one subscription, once, as the CloudEvent in
  structured JSON mode (the body every webhook delivery of it sends).
- ``deliveries``: one per (subscription, event), the outbox the dispatcher works through; unique,
  so an event consumed twice (or replayed by a backfill after it came live) is delivered once.
- ``delivery_attempts``: every attempt: when, how long, the status code or error, what next.
- ``subscription_secrets``: the signing secrets (and LRS passwords), outside the event store so
  that a rotated one can be erased when its overlap ends.
- ``subscription_health``: the current run of failures, which may disable a subscription.
- ``backfill_jobs``: a service's replay being delivered to one subscription.
- ``erased_people``: people erased (``PersonErased``), whose clear text is never kept
  (``delivery.erasure``).
"""

from __future__ import annotations

from typing import Final

from trellis_integrations.delivery.erasure import ERASED_PEOPLE

SCHEMA: Final = (
    """
    CREATE TABLE IF NOT EXISTS subscription_secrets (
        organisation_id  text NOT NULL,
        subscription_id  text NOT NULL,
        secret_id        text NOT NULL,
        secret           text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        valid_until      timestamptz,
        PRIMARY KEY (organisation_id, subscription_id, secret_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS delivery_events (
        event_id         uuid PRIMARY KEY,
        event_type       text NOT NULL,
        organisation_id  text NOT NULL,
        source           text NOT NULL,
        time             timestamptz,
        body             text NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS deliveries (
        delivery_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        organisation_id   text NOT NULL,
        subscription_id   text NOT NULL,
        event_id          uuid NOT NULL,
        event_type        text NOT NULL,
        aggregate         text NOT NULL,
        sequence          bigint NOT NULL,
        backfill_id       uuid,
        status            text NOT NULL DEFAULT 'pending',
        attempts          integer NOT NULL DEFAULT 0,
        next_attempt_at   timestamptz NOT NULL,
        first_attempt_at  timestamptz,
        leased_until      timestamptz,
        leased_by         text,
        last_status_code  integer,
        last_error        text,
        finished_at       timestamptz,
        created_at        timestamptz NOT NULL,
        UNIQUE (organisation_id, subscription_id, event_id)
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS deliveries_lanes ON deliveries
        (organisation_id, subscription_id, aggregate, sequence, delivery_id) WHERE status = 'pending'
    """,
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending'",
    "CREATE INDEX IF NOT EXISTS deliveries_log ON deliveries (organisation_id, subscription_id, delivery_id)",
    "CREATE INDEX IF NOT EXISTS deliveries_backfill ON deliveries (backfill_id) WHERE backfill_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL",
    """
    CREATE TABLE IF NOT EXISTS delivery_attempts (
        delivery_id      bigint NOT NULL,
        attempt          integer NOT NULL,
        started_at       timestamptz NOT NULL,
        latency_ms       double precision NOT NULL,
        status_code      integer,
        outcome          text NOT NULL,
        error            text,
        next_attempt_at  timestamptz,
        PRIMARY KEY (delivery_id, attempt)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS subscription_health (
        organisation_id       text NOT NULL,
        subscription_id       text NOT NULL,
        consecutive_failures  integer NOT NULL DEFAULT 0,
        failing_since         timestamptz,
        last_success_at       timestamptz,
        last_failure_at       timestamptz,
        PRIMARY KEY (organisation_id, subscription_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS backfill_jobs (
        backfill_id      uuid PRIMARY KEY,
        organisation_id  text NOT NULL,
        subscription_id  text NOT NULL,
        service          text NOT NULL,
        event_types      text[] NOT NULL,
        since            timestamptz,
        state            text NOT NULL DEFAULT 'replaying',
        partitions       integer,
        partitions_done  integer[] NOT NULL DEFAULT '{}',
        announced_events bigint,
        created_by       text NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        replayed_at      timestamptz
    )
    """,
    ERASED_PEOPLE,
)

NOTIFY_CHANNEL: Final = "trellis_deliveries"
NOTIFY: Final = f"SELECT pg_notify('{NOTIFY_CHANNEL}', '')"
