"""What `trellis export` refuses before it asks any service, writing nothing (the archive it
writes is tested against the running platform in tests/platform/test_access_request.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from trellis_deploy.cli import main
from trellis_deploy.export import ExportError, export_person

SERVICES = ("goals", "feedback", "recognition", "integrations")
SECRET = "a-local-secret-of-at-least-32-bytes!"


def test_an_archive_missing_a_service_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "ada.zip"
    addresses = {"goals": "http://127.0.0.1:9", "feedback": "http://127.0.0.1:9"}
    with httpx.Client() as http, pytest.raises(ExportError, match="recognition, integrations service is not"):
        export_person(
            "org_1", "emp_1", addresses=addresses, services=SERVICES, secret=SECRET, out=out, http=http
        )
    assert not out.exists()


@pytest.mark.parametrize(("organisation", "person"), [("org 1", "emp_1"), ("org_1", "../emp_1")])
def test_ids_that_are_not_opaque_ids_are_refused(organisation: str, person: str, tmp_path: Path) -> None:
    with httpx.Client() as http, pytest.raises(ExportError, match="is not a valid"):
        export_person(organisation, person, addresses={}, services=SERVICES, secret=SECRET, http=http)


def test_a_service_that_does_not_answer_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "ada.zip"
    addresses = dict.fromkeys(SERVICES, "http://127.0.0.1:9")  # the discard port: nobody listens
    with httpx.Client(timeout=2) as http, pytest.raises(ExportError, match="did not answer"):
        export_person(
            "org_1", "emp_1", addresses=addresses, services=SERVICES, secret=SECRET, out=out, http=http
        )
    assert not out.exists()


def test_the_command_refuses_when_the_services_verify_an_identity_providers_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRELLIS_JWKS_URL", "https://login.example.com/jwks")
    assert main(["export", "org_1", "emp_1"]) == 1
    assert "local mode" in capsys.readouterr().err
