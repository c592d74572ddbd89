"""Calls to the services' public HTTP APIs with the signed-in person's bearer token: the web
app sees and does exactly what that person may, nothing more."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """A service refused or failed a call; ``reasons`` are its explanations, one per problem."""

    def __init__(self, service: str, status: int, reasons: list[str]) -> None:
        super().__init__(f"{service} answered {status}: {'; '.join(reasons)}")
        self.service = service
        self.status = status
        self.reasons = reasons


class ServiceUnavailable(Exception):
    """The service is not configured for the web app, or does not answer."""

    def __init__(self, service: str, why: str) -> None:
        super().__init__(f"the {service} service {why}")
        self.service = service


def _reasons(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return [response.text[:300] or response.reason_phrase]
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        reasons = []
        for problem in detail:
            if isinstance(problem, dict):
                field = problem.get("field")
                reason = str(problem.get("reason") or problem.get("msg") or problem)
                reasons.append(f"{field}: {reason}" if field else reason)
            else:
                reasons.append(str(problem))
        return reasons
    return [str(detail)]


class ServiceClient:
    def __init__(self, http: httpx.AsyncClient, service: str, base_url: str | None, token: str) -> None:
        self._http = http
        self.service = service
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._base_url is None:
            raise ServiceUnavailable(self.service, f"is not configured (TRELLIS_{self.service.upper()}_URL)")
        try:
            response = await self._http.request(
                method, self._base_url + path, headers=self._headers, **kwargs
            )
        except httpx.HTTPError as error:
            raise ServiceUnavailable(
                self.service, f"does not answer at {self._base_url} ({error})"
            ) from error
        if response.status_code >= 400:
            raise ApiError(self.service, response.status_code, _reasons(response))
        return response.json() if response.content else None

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    async def get_or_none(self, path: str, **params: Any) -> Any:
        """Like get, but None when there is nothing there yet (404)."""
        try:
            return await self.get(path, **params)
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._call("POST", path, json=body)
