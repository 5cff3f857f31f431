"""A small client for API tests: a real token for a user, JSON in and out."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from clientela.accounts import actions as account_actions
from clientela.accounts.models import User

BASE = "/api/v1"


def issue_token(user: User, **options: Any) -> str:
    _token, raw = account_actions.token_create(actor=user, user=user, **options)
    return raw


class ApiClient:
    """Sends requests as one user with a Bearer token."""

    def __init__(self, user: User | None = None, *, token: str | None = None) -> None:
        self.user = user
        self.token = token if token is not None else (issue_token(user) if user is not None else None)
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        result = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        result.update(headers or {})
        return result

    def get(self, path: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return self.client.generic(
            method, BASE + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.send("POST", path, body, headers, **kw)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.send("PATCH", path, body, headers, **kw)

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.send("PUT", path, body, headers, **kw)

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.send("DELETE", path, None, headers)
