"""The goals service's views over HTTP beside a trivial GET on the same server, in one run.

    python -m bench.views [--sizes 1000 10000] [--long] [--requests 200]

For each size (goals in one organisation; ``--long`` adds 100,000) a scratch database is seeded
through the application layer (GoalsApplication: reporting lines set by HR, goals proposed by
their employee and agreed by the manager, exactly as the API does it), organised as teams of
100 reports with 10 goals each (two milestones per goal, one due within 30 days). The service
then runs as its own uvicorn process, as in production, and this process times GET requests
over HTTP, the endpoints taking turns request by request:

- baseline: ``GET /health/live`` (trivial: no database, no token, a tiny JSON body);
- openapi_json: ``GET /openapi.json``, the trivial GET the views were first measured beside (no
  database, no token, a static document of 150 kB);
- progress: one employee's progress view (10 goals);
- team: one manager's team view (100 reports, 1,000 goals);
- organisation: the organisation's goals for HR, first page of 100; a later page; a filtered
  page (active goals with something overdue); and the counts by status;

every view asked "as of" 40 days after seeding, so that milestones are overdue. On the first
size the measured team's goals are then given 27 check-ins each (10 times the events they had)
and the team view is timed again. Each figure is p50 and p95 in milliseconds and p50 as a ratio
to each trivial GET's p50. Targets: team within 3 times the trivial GET, and no slower with 10
times the events; an organisation page of 100,000 goals within 5 times; each judged against
both trivial GETs. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bench.database import admin_dsn, scratch_database
from trellis_contracts.goals import GoalMetric, GoalTerms, MilestonePlan
from trellis_goals.application import GoalsApplication
from trellis_goals.domain.authorization import Actor
from trellis_goals.domain.goal import commands as c
from trellis_kernel.identity import mint_token
from trellis_kernel.privacy import KEY_ENCRYPTION_KEYS_SETTING, LocalKeyEncryptionKeys, new_key_encryption_key
from trellis_kernel.store import create_pool

SECRET = "bench-views-secret-of-at-least-32-bytes"
ORG = "org_bench"
REPORTS_PER_MANAGER = 100
GOALS_PER_EMPLOYEE = 10
WORKERS = 8
TARGET_TEAM = 3.0
BENCH_KEKS_SETTING = new_key_encryption_key("kek_bench")
BENCH_KEYS = LocalKeyEncryptionKeys.from_setting(BENCH_KEKS_SETTING)
"""The employees' texts are sealed as the service seals them, under a key made for the run (and
given to the server it starts)."""
TARGET_ORGANISATION = 5.0


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def seed(dsn: str, goals: int, now: datetime) -> dict[str, str]:
    """Teams of 100 reports with 10 goals each; returns who and what to time."""
    pool = await create_pool(dsn, min_size=2, max_size=WORKERS + 2)
    app = GoalsApplication(pool, BENCH_KEYS, clock=lambda: now)
    await app.setup()
    hr = Actor("hr_1", ORG, hr_admin=True)
    employees = max(1, goals // GOALS_PER_EMPLOYEE)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(employees):
        queue.put_nowait(n)
    done = 0
    started = time.monotonic()

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            n = queue.get_nowait()
            employee, manager = f"emp_{n:06d}", f"mgr_{n // REPORTS_PER_MANAGER:04d}"
            await app.reporting_lines.change(hr, employee, manager, None)
            for g in range(GOALS_PER_EMPLOYEE):
                goal_id = f"goal_{n:06d}_{g:02d}"
                # One goal in ten has a first milestone that falls due before the views' day.
                soon = now.date() + timedelta(days=(10 if (n + g) % 10 == 3 else 50) + (n + g) % 7)
                await app.goals.propose(
                    Actor(employee, ORG),
                    goal_id=goal_id,
                    employee_id=employee,
                    terms=GoalTerms(
                        title=f"Goal {g} of {employee}",
                        description="Produce campaign visuals without design-team help.",
                        metric=GoalMetric(name="Visuals shipped per month", baseline=0, target=4),
                        due_date=now.date() + timedelta(days=90 + g),
                    ),
                    milestones=(
                        MilestonePlan(milestone_id="ms_1", title="Course", owner_id=employee, due_date=soon),
                        MilestonePlan(
                            milestone_id="ms_2",
                            title="First visual",
                            owner_id=employee,
                            due_date=now.date() + timedelta(days=60),
                        ),
                    ),
                )
                if (n + g) % 10:  # one goal in ten stays proposed, waiting for the manager
                    await app.goals.act(
                        Actor(manager, ORG), c.AgreeToGoal(goal_id=goal_id, agreed_by=manager, now=now), None
                    )
                done += 1
                if done % 5000 == 0:
                    print(f"  seeded {done} goals ({done / (time.monotonic() - started):.0f}/s)", flush=True)

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    # A service's tables have planner statistics and a visibility map; freshly seeded ones get
    # them when autovacuum comes round: until then a view may be planned as over empty tables,
    # and autovacuum's own work would weigh on the timings.
    await pool.execute("VACUUM ANALYZE")
    await pool.close()
    print(f"  seeded {done} goals in {time.monotonic() - started:.0f} s", flush=True)
    return {"employee": "emp_000000", "manager": "mgr_0000"}


async def add_events(dsn: str, manager_index: int, now: datetime, check_ins: int) -> int:
    """Give every goal of one team ``check_ins`` more check-ins."""
    pool = await create_pool(dsn, min_size=2, max_size=WORKERS + 2)
    app = GoalsApplication(pool, BENCH_KEYS, clock=lambda: now)
    manager = f"mgr_{manager_index:04d}"
    goal_ids = [
        row["goal_id"]
        for row in await pool.fetch(
            "SELECT goal_id FROM goal_views g JOIN reporting_lines r USING (organisation_id, employee_id)"
            " WHERE r.manager_id = $1 AND g.status = 'active'",
            manager,
        )
    ]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for goal_id in goal_ids:
        queue.put_nowait(goal_id)

    async def worker() -> None:
        while not queue.empty():
            goal_id = queue.get_nowait()
            for k in range(check_ins):
                command = c.RecordCheckIn(
                    goal_id=goal_id,
                    check_in_id=f"ci_{k}",
                    recorded_by=manager,
                    progress_summary="Going well",
                    now=now,
                )
                await app.goals.act(Actor(manager, ORG), command, None)

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    await pool.execute("VACUUM ANALYZE")
    events = await pool.fetchval(
        "SELECT avg(version) FROM goal_views WHERE status = 'active' AND goal_id = ANY($1)", goal_ids
    )
    await pool.close()
    return round(float(events))


def start_server(dsn: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "TRELLIS_JWKS_URL")}
    env.update(GOALS_DATABASE_URL=dsn, TRELLIS_JWT_SECRET=SECRET, GOALS_OVERDUE_SWEEP_SECONDS="0")
    env[KEY_ENCRYPTION_KEYS_SETTING] = BENCH_KEKS_SETTING
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "trellis_goals.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def time_endpoints(base_url: str, endpoints: dict[str, tuple[str, str]], requests: int) -> dict[str, Any]:
    """Each endpoint ``requests`` times (after a warm-up), taking turns; p50/p95 in ms."""
    samples: dict[str, list[float]] = {name: [] for name in endpoints}
    tokens = {
        who: mint_token(SECRET, who, roles=("hr_admin",) if who == "hr_1" else (), organisation_id=ORG)
        for who in {who for who, _ in endpoints.values()}
    }
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for round_ in range(requests + 20):
            for name, (who, path) in endpoints.items():
                headers = {"Authorization": f"Bearer {tokens[who]}"}
                started = time.perf_counter()
                response = http.get(path, headers=headers)
                took = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
                if round_ >= 20:
                    samples[name].append(took)
    base = statistics.median(samples["baseline"])
    document = statistics.median(samples["openapi_json"])
    return {
        name: {
            "p50_ms": round(percentile(values, 50), 2),
            "p95_ms": round(percentile(values, 95), 2),
            "ratio_p50": round(percentile(values, 50) / base, 2),
            "ratio_to_openapi_json_p50": round(percentile(values, 50) / document, 2),
        }
        for name, values in samples.items()
    }


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the goals service stopped while starting")
        try:
            if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the goals service did not start within 60 s")


async def measure(admin: str, goals: int, requests: int, heavy: bool) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    day = (now.date() + timedelta(days=40)).isoformat()
    result: dict[str, Any] = {"goals": goals}
    async with scratch_database(admin, prefix="bench_views") as scratch:
        who = await seed(scratch.dsn, goals, now)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = start_server(scratch.dsn, port)
        try:
            await asyncio.to_thread(wait_until_up, base_url, server)
            hr_token = mint_token(SECRET, "hr_1", roles=("hr_admin",), organisation_id=ORG)
            async with httpx.AsyncClient(base_url=base_url) as http:
                first = await http.get(
                    "/organisation/goals",
                    params={"limit": 100, "today": day},
                    headers={"Authorization": f"Bearer {hr_token}"},
                )
                later = first.json()["next_cursor"]
            endpoints = {
                "baseline": ("hr_1", "/health/live"),
                "openapi_json": ("hr_1", "/openapi.json"),
                "progress": (who["employee"], f"/employees/{who['employee']}/progress?today={day}"),
                "team": (who["manager"], f"/managers/{who['manager']}/team?today={day}"),
                "organisation_page": ("hr_1", f"/organisation/goals?limit=100&today={day}"),
                "organisation_later_page": (
                    "hr_1",
                    f"/organisation/goals?limit=100&today={day}&after={later}",
                ),
                "organisation_filtered": (
                    "hr_1",
                    f"/organisation/goals?limit=100&today={day}&status=active&overdue=true",
                ),
                "organisation_counts": ("hr_1", f"/organisation/goal-counts?today={day}"),
            }
            result["views"] = await asyncio.to_thread(time_endpoints, base_url, endpoints, requests)
            if heavy:
                events = await add_events(scratch.dsn, 0, now, 27)
                team_only = {k: endpoints[k] for k in ("baseline", "openapi_json", "team")}
                again = await asyncio.to_thread(time_endpoints, base_url, team_only, requests)
                result["team_with_10x_events"] = {**again["team"], "events_per_goal": events}
        finally:
            server.terminate()
            await asyncio.to_thread(server.wait, 30)
    return result


def line_of(figures: dict[str, Any]) -> str:
    return (
        f"p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms"
        f"  x{figures['ratio_p50']}, x{figures['ratio_to_openapi_json_p50']}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--long", action="store_true", help="add 100,000 goals")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    sizes = [*args.sizes, *([100_000] if args.long else [])]
    admin = admin_dsn()
    runs = []
    for index, goals in enumerate(sizes):
        print(f"{goals} goals:", flush=True)
        run = asyncio.run(measure(admin, goals, args.requests, heavy=index == 0))
        print(f"  {'':26} {'':12}  {'':12}  to /health/live, to /openapi.json")
        for name, figures in run["views"].items():
            print(f"  {name:26} {line_of(figures)}")
        if "team_with_10x_events" in run:
            heavy = run["team_with_10x_events"]
            print(f"  {'team, ' + str(heavy['events_per_goal']) + ' events a goal':26} {line_of(heavy)}")
        runs.append(run)
    largest = runs[-1]
    targets: dict[str, Any] = {"largest": largest["goals"]}
    for ratio, against in (("ratio_p50", "health_live"), ("ratio_to_openapi_json_p50", "openapi_json")):
        targets[against] = {
            "team_within_3x": all(
                run["views"]["team"][ratio] <= TARGET_TEAM for run in runs if run["goals"] >= 1000
            ),
            "team_unchanged_with_10x_events": all(
                run["team_with_10x_events"][ratio] <= max(TARGET_TEAM, run["views"]["team"][ratio] * 1.25)
                for run in runs
                if "team_with_10x_events" in run
            ),
            "organisation_page_within_5x_at_largest": largest["views"]["organisation_page"][ratio]
            <= TARGET_ORGANISATION,
        }
    print(json.dumps({"bench": "views", "date": date.today().isoformat(), "runs": runs, "targets": targets}))


if __name__ == "__main__":
    main()
