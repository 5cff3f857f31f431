"""Time-based one-time passwords (RFC 6238) for the optional second login step.

Pure helpers: no database. The actions decide what is stored.
"""

from __future__ import annotations

import re
import time

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "Clientela"
# One step either side of now: tolerates a phone clock 30 seconds off.
VALID_WINDOW = 1
_CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def normalise_code(raw: str) -> str | None:
    """The code as six digits, or None when it can't be one (spaces are allowed)."""
    code = re.sub(r"\s+", "", raw or "")
    return code if _CODE.fullmatch(code) else None


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose code equals `code` (within the window), or None."""
    if not secret:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """An inline SVG of the QR code for `text` (no images, no external requests)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration so the SVG can sit inside HTML.
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
