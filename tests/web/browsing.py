"""A person using the web app of a running platform over HTTP, as a browser without scripts
would: signing in, reading pages, sending their forms with the session's form token."""

from __future__ import annotations

import re
from html import unescape

import httpx

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


class Browser:
    def __init__(self, web_url: str) -> None:
        self.http = httpx.Client(base_url=web_url, timeout=30)
        self.form_token = ""

    def close(self) -> None:
        self.http.close()

    def sign_in(self, person_id: str, organisation_id: str, *, hr_admin: bool = False) -> str:
        self.http.cookies.clear()
        self._take_token(self.http.get("/signin").text)
        form = {"form_token": self.form_token, "person_id": person_id, "organisation_id": organisation_id}
        if hr_admin:
            form["hr_admin"] = "true"
        page = self.http.post("/signin/local", data=form, follow_redirects=True)
        assert page.status_code == 200, page.text
        self._take_token(page.text)
        return page.text

    def page(self, path: str, status: int = 200) -> str:
        response = self.http.get(path)
        assert response.status_code == status, f"GET {path}: {response.status_code}\n{response.text[-2000:]}"
        self._take_token(response.text)
        return response.text

    def send(self, action: str, **fields: str) -> str:
        """Sends a form; answers the page it leads to, with its messages."""
        response = self.http.post(
            action, data={"form_token": self.form_token, **fields}, follow_redirects=True
        )
        assert response.status_code == 200, f"POST {action}: {response.status_code}\n{response.text[-2000:]}"
        self._take_token(response.text)
        return response.text

    def _take_token(self, page: str) -> None:
        found = FORM_TOKEN.search(page)
        if found:
            self.form_token = found.group(1)


def text_of(page: str) -> str:
    """The page's text without its markup, spaces collapsed: what a reader sees."""
    without_tags = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
    spaced = re.sub(r"\s+", " ", unescape(without_tags))
    return re.sub(r"\s+([,.:;)])", r"\1", re.sub(r"\(\s+", "(", spaced)).strip()


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)
