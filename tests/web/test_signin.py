"""Signing in to the web app: development tokens only in local mode, a real OpenID Connect
provider (oidc-provider-mock, run on a local port) where one is configured, forms that must
carry the session's form token, and no redirect to another site after signing in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urljoin

import httpx
import pytest
from oidc_provider_mock import User, run_server_in_thread

from trellis_web.app import create_app
from trellis_web.settings import OidcSettings, WebSettings

SECRET = "web-sign-in-tests-secret-of-32-bytes!!"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    person = User(
        sub="emp_oidc", claims={"org_id": "org_oidc", "roles": ["hr_admin"], "email": "emp@example.org"}
    )
    with run_server_in_thread(user_claims=[person]) as server:
        yield f"http://localhost:{server.server_port}"


async def _client(settings: WebSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            yield client


@pytest.fixture
async def local_web() -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(WebSettings(service_urls={}, jwt_secret=SECRET)):
        yield client


@pytest.fixture
async def oidc_web(provider: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = WebSettings(
        service_urls={},
        jwks_url=f"{provider}/jwks",
        oidc=OidcSettings(
            issuer=provider, client_id="trellis-web", client_secret="s3cret", api_token="id_token"
        ),
    )
    async for client in _client(settings):
        yield client


def _form_token(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def test_oidc_sign_in_goes_through_the_provider_and_keeps_its_token(
    oidc_web: httpx.AsyncClient, provider: str
) -> None:
    page = (await oidc_web.get("/signin")).text
    assert "Sign in with your organisation" in page
    assert "Local sign-in" not in page, "no development tokens when an identity provider is used"

    to_provider = await oidc_web.get("/signin/oidc")
    assert to_provider.status_code in (302, 303, 307)
    authorize_url = to_provider.headers["location"]
    assert authorize_url.startswith(f"{provider}/oauth2/authorize")
    async with httpx.AsyncClient() as browser_at_provider:
        consent = await browser_at_provider.post(authorize_url, data={"sub": "emp_oidc"})
    assert consent.status_code in (302, 303)
    callback = urljoin(authorize_url, consent.headers["location"])
    assert callback.startswith("http://web/signin/oidc/callback?code=")

    landed = await oidc_web.get(callback.removeprefix("http://web"))
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == "/people/emp_oidc", (await oidc_web.get("/signin")).text[-1500:]
    signed_in = (await oidc_web.get("/signin")).text
    assert "You are signed in as <strong>emp_oidc</strong>" in signed_in
    assert "org_oidc, HR admin" in signed_in


async def test_local_sign_in_is_refused_when_an_identity_provider_is_configured(
    oidc_web: httpx.AsyncClient,
) -> None:
    await oidc_web.get("/signin")
    refused = await oidc_web.post(
        "/signin/local", data={"form_token": "any", "person_id": "emp_1", "organisation_id": "org_1"}
    )
    assert refused.status_code == 404
    assert "Signed in as" not in (await oidc_web.get("/signin")).text


async def test_local_sign_in_issues_a_development_token_and_goes_nowhere_else(
    local_web: httpx.AsyncClient,
) -> None:
    token = _form_token((await local_web.get("/signin")).text)
    signed_in = await local_web.post(
        "/signin/local",
        data={
            "form_token": token,
            "person_id": "emp_1",
            "organisation_id": "org_1",
            "next": "//evil.example/",
        },
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/people/emp_1", "never a redirect to another site"
    page = (await local_web.get("/signin")).text
    assert "You are signed in as <strong>emp_1</strong>" in page


async def test_a_form_without_the_session_form_token_changes_nothing(local_web: httpx.AsyncClient) -> None:
    await local_web.get("/signin")
    forged = await local_web.post("/signin/local", data={"person_id": "emp_1", "organisation_id": "org_1"})
    assert forged.status_code == 400
    assert "Signed in as" not in (await local_web.get("/signin")).text


async def test_pages_send_someone_not_signed_in_to_sign_in(local_web: httpx.AsyncClient) -> None:
    response = await local_web.get("/people/emp_1")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/people/emp_1"
