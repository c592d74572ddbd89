"""Who each employee reports to now, per organisation: the reporting_lines table."""

from __future__ import annotations

from collections.abc import Sequence

from trellis_contracts.goals import ReportingLineChanged
from trellis_goals.event_codec import GoalsCodec
from trellis_kernel.store import Connection, StoredEvent


class ReportingLines:
    name = "goals.reporting_lines"
    tables: Sequence[str] = ("reporting_lines",)
    ddl: Sequence[str] = (
        """
        CREATE TABLE {schema}.reporting_lines (
            organisation_id text NOT NULL,
            employee_id     text NOT NULL,
            manager_id      text,
            PRIMARY KEY (organisation_id, employee_id)
        )
        """,
        "CREATE INDEX ON {schema}.reporting_lines (organisation_id, manager_id, employee_id)",
    )

    def __init__(self, codec: GoalsCodec) -> None:
        self.codec = codec

    async def apply(self, connection: Connection, event: StoredEvent, schema: str) -> None:
        if event.event_type != ReportingLineChanged.event_type():
            return
        [line] = await self.codec.decode_all([event], connection=connection)
        await connection.execute(
            f"""
            INSERT INTO {schema}.reporting_lines (organisation_id, employee_id, manager_id)
            VALUES ($1, $2, $3)
            ON CONFLICT (organisation_id, employee_id) DO UPDATE SET manager_id = excluded.manager_id
            """,
            line.organisation_id,
            line.employee_id,
            line.manager_id,
        )
