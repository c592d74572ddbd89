"""PostgreSQL is real and each service gets a database of its own."""

from __future__ import annotations

import asyncpg

from tests.conftest import PostgresServer


async def test_two_service_databases_are_separate(postgres: PostgresServer) -> None:
    goals_dsn = await postgres.create_database("goals")
    feedback_dsn = await postgres.create_database("feedback")
    goals = await asyncpg.connect(goals_dsn)
    feedback = await asyncpg.connect(feedback_dsn)
    try:
        await goals.execute("create table owned_by_goals (id int primary key, title text)")
        await goals.execute("insert into owned_by_goals values (1, 'master Photoshop')")
        assert await goals.fetchval("select title from owned_by_goals where id = 1") == "master Photoshop"

        await feedback.execute("create table owned_by_feedback (id int primary key)")
        visible_to_feedback = await feedback.fetchval(
            "select count(*) from information_schema.tables where table_name = 'owned_by_goals'"
        )
        assert visible_to_feedback == 0
        assert await goals.fetchval("select current_database()") != await feedback.fetchval(
            "select current_database()"
        )
        assert int(await goals.fetchval("show server_version_num")) >= 150000
    finally:
        await goals.close()
        await feedback.close()
