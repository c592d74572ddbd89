"""The README's walk-through, taken from README.md as written and run twice against a running
platform: it must work again (fresh ids each time), with dates that never expire, and take
its addresses from `trellis infra env` rather than from hard-coded ports."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.platform.running import RunningPlatform
from trellis_deploy.settings import PROJECT_DIR

pytestmark = pytest.mark.infra

README = (PROJECT_DIR / "README.md").read_text()


def shell_blocks(section: str) -> list[str]:
    body = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", body, flags=re.DOTALL)


def test_the_blocks_take_addresses_from_trellis_infra_env_and_name_no_port_or_date() -> None:
    for block in shell_blocks("Using it"):
        assert block.startswith('eval "$(.venv/bin/trellis infra env)"')
        assert not re.search(r"127\.0\.0\.1:\d+|localhost:\d+", block), block
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", block), "dates must be computed, not written"
    consumer = shell_blocks("Using it")[1]
    assert '--bootstrap "$KAFKA_BOOTSTRAP_SERVERS"' in consumer


def test_the_walk_through_runs_as_written_and_again(
    platform: RunningPlatform, platform_databases: dict[str, str]
) -> None:
    walk_through = shell_blocks("Using it")[0]
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith("_DATABASE_URL") and not key.startswith("TRELLIS_")
    }
    environment |= {
        "TRELLIS_HOME": str(platform.home),  # where `trellis run` recorded the addresses it serves
        "TRELLIS_JWT_SECRET": platform.secret,
        "KAFKA_BOOTSTRAP_SERVERS": platform.kafka,
        **{f"{name.upper()}_DATABASE_URL": url for name, url in platform_databases.items()},
    }
    employees = set()
    for _ in range(2):
        run = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", walk_through],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
        assert '"version":1,"events":["dev.trellis.goals.GoalProposed.v2"]' in run.stdout
        assert (
            '"version":3,"events":["dev.trellis.goals.GoalAgreed.v1","dev.trellis.goals.GoalCreated.v2"]'
            in run.stdout
        )
        assert "\n409\n" in run.stdout
        progress = re.search(r'\{"employee_id":"(emp_\w+)","active_goals":1,', run.stdout)
        assert progress, run.stdout
        assert platform.web_url in run.stdout
        employees.add(progress.group(1))
    assert len(employees) == 2, "each run makes its own people"
