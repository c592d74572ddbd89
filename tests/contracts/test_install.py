"""`pip install ./contracts` into a clean virtualenv brings pydantic and nothing else, and the
installed package decodes records and finds its schemas without the source tree."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from trellis_contracts.artefacts import SOURCE_ROOT

ALLOWED = {
    "trellis-contracts",
    "pydantic",
    "pydantic-core",
    "typing-extensions",
    "annotated-types",
    "typing-inspection",
}

USE_INSTALLED_PACKAGE = """
import json, sys
from datetime import datetime, timezone
import trellis_contracts
from trellis_contracts.artefacts import artefacts_root, load_asyncapi, load_schema
from trellis_contracts.envelope import decode_record, encode_binary, envelope_for
from trellis_contracts.recognition import RewardGrantedV2

reward = RewardGrantedV2.model_validate(RewardGrantedV2.model_json_schema()["examples"][0])
record = encode_binary(
    envelope_for(reward, id="e-1", subject=reward.reward_id,
                 time=datetime(2026, 4, 2, tzinfo=timezone.utc)),
    reward,
)
decoded = decode_record(record.headers, record.value)
schema = load_schema(decoded.envelope.type)
print(json.dumps({
    "package": trellis_contracts.__file__,
    "artefacts": str(artefacts_root()),
    "amount": decoded.data.amount.amount,
    "schema_id": schema["$id"],
    "asyncapi": load_asyncapi()["asyncapi"],
}))
"""


def run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def installed(python: Path) -> set[str]:
    listed = json.loads(run(python, "-m", "pip", "list", "--format=json"))
    return {entry["name"].lower().replace("_", "-") for entry in listed}


def test_clean_install_brings_only_pydantic_and_ships_the_artefacts(tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    python = environment / "bin" / "python"
    bootstrap = installed(python)  # pip (and setuptools on some Pythons)

    wheels = tmp_path / "wheels"
    run(python, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, SOURCE_ROOT)
    [wheel] = wheels.glob("trellis_contracts-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "trellis_contracts/asyncapi.json" in names
    assert "trellis_contracts/py.typed" in names
    assert "trellis_contracts/schemas/feedback/FeedbackGiven.v2.json" in names
    assert "trellis_contracts/schemas/goals/MilestoneReached.v1.json" in names
    assert "trellis_contracts/policies/reward-policy.v1.json" in names

    run(python, "-m", "pip", "install", "--quiet", wheel)

    added = installed(python) - bootstrap
    assert added == ALLOWED, f"unexpected distributions: {sorted(added - ALLOWED)}"

    # Run from elsewhere so nothing can come from the source tree.
    report = json.loads(run(python, "-c", USE_INSTALLED_PACKAGE, cwd=tmp_path))
    site_packages = str(environment)
    assert report["package"].startswith(site_packages)
    assert report["artefacts"].startswith(site_packages)
    assert report["amount"] == "200.00"
    assert report["schema_id"].endswith("/recognition/RewardGranted.v2.json")
    assert report["asyncapi"] == "3.0.0"
    assert sys.version_info >= (3, 11)
