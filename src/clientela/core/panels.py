"""Panels an app adds to another app's record page, without the other app knowing it.

The 360° page of an organization or a contact belongs to the parties app, which may not
import the apps above it (sales, later activities and service). Each of those registers a
provider for a record type in its `AppConfig.ready()`; the page asks `panels_for` and
includes each panel's template with its context. A provider returns None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    replaces: str = ""  # the placeholder it stands for ("deals"), hidden once a panel shows it


Provider = Callable[[Any, Any], Panel | None]
_PROVIDERS: dict[str, list[Provider]] = {}


def register(record_type: str, provider: Provider) -> None:
    """Show `provider(reader, record)` on the pages of `record_type` ("parties.contact")."""
    providers = _PROVIDERS.setdefault(record_type, [])
    if provider not in providers:
        providers.append(provider)


def panels_for(reader: Any, record: Any) -> list[Panel]:
    found = (provider(reader, record) for provider in _PROVIDERS.get(record._meta.label_lower, []))
    return [panel for panel in found if panel is not None]
