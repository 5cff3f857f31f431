"""The REST API under /api/v1/: one NinjaAPI, a router per app."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Clientela API",
    version="1",
    description="Everything the web pages can do. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `clientela token create USERNAME` or on your profile page).",
    urls_namespace="api",
)
