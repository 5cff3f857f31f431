"""Mailbox passwords at rest: encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the
`cryptography` package) under a key derived from the installation's SECRET_KEY by HKDF, so a
copy of the database alone does not give the passwords away. The worker decrypts a password
only to sign in; no page and no API response ever carries it.

Changing SECRET_KEY makes the stored passwords unreadable: each mailbox then reports that its
password must be entered again (`PasswordUnreadable`).
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_PURPOSE = b"clientela.channels.mailbox-password.v1"


class PasswordUnreadable(Exception):
    """The stored password was encrypted under another SECRET_KEY (or is damaged)."""


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(password: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(password.encode("utf-8")).decode("ascii")


def decrypt_password(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        raise PasswordUnreadable from None
