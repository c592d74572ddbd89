"""contracts/asyncapi.json parses with the official AsyncAPI parser (@asyncapi/parser, node).

Node is a hard requirement of this test: without it the test fails, it never skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from trellis_contracts.artefacts import SOURCE_ROOT

TOOL = SOURCE_ROOT.parent / "tools" / "asyncapi"
DOCUMENT = SOURCE_ROOT / "asyncapi.json"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    assert found, "node (>= 20) is needed to run the official AsyncAPI parser; install it"
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install tools/asyncapi (npm ci)"
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=TOOL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}\n{installed.stderr}"
    return found


def run_parser(node: str, document: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, "check.mjs", str(document)],
        cwd=TOOL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_official_parser_accepts_the_document(node: str) -> None:
    result = run_parser(node, DOCUMENT)

    assert result.returncode == 0, f"AsyncAPI diagnostics:\n{result.stderr}{result.stdout}"
    assert "AsyncAPI 3.0.0 ok: 3 channels, 3 operations" in result.stdout


def test_the_parser_check_fails_on_a_broken_document(node: str, tmp_path: Path) -> None:
    document = json.loads(DOCUMENT.read_text())
    document["channels"]["goalsEvents"]["bindings"]["kafka"]["partitions"] = "twelve"
    del document["channels"]["feedbackEvents"]
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(document))

    result = run_parser(node, broken)

    assert result.returncode == 1
    assert "partitions" in result.stderr
    assert "#/channels/feedbackEvents" in result.stderr
