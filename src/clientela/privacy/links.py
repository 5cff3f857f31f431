"""The signed links that reach the person without signing in: the one that confirms a consent
(double opt-in, mailed by the worker) and the one to their privacy choices (to put in newsletters
as the unsubscribe link; the contact's Privacy panel shows it). Signed, not stored: a forged or
expired link is refused."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "clientela.privacy.consent-confirm"
PREFERENCES_SALT = "clientela.privacy.preferences"
CONFIRM_DAYS = 30
PREFERENCES_DAYS = 365


def confirmation_token(consent: Any) -> str:
    return signing.dumps({"c": str(consent.public_id)}, salt=CONFIRM_SALT, compress=True)


def preferences_token(contact_public_id: str) -> str:
    return signing.dumps({"p": contact_public_id}, salt=PREFERENCES_SALT, compress=True)


def confirmation_url(consent: Any) -> str:
    return settings.CLIENTELA_SITE_URL.rstrip("/") + reverse(
        "privacy_public:confirm", args=[confirmation_token(consent)]
    )


def preferences_url(contact: Any) -> str:
    token = preferences_token(str(contact.public_id))
    return settings.CLIENTELA_SITE_URL.rstrip("/") + reverse("privacy_public:preferences", args=[token])


def read(token: str, *, salt: str, days: int) -> dict[str, Any] | None:
    """The link's data, or None when forged or older than `days`."""
    try:
        data = signing.loads(token, salt=salt, max_age=days * 86400)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None
