"""Purposes of processing and privacy policy versions: the company's settings, kept by roles
with the privacy permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientela.core import records
from clientela.privacy.models import PolicyVersion, Purpose
from clientela.privacy.queries import require_privacy
from clientela.privacy.rules import clean_policy, clean_purpose

if TYPE_CHECKING:
    from clientela.accounts.models import User


def purpose_create(*, actor: User, values: dict[str, Any]) -> Purpose:
    require_privacy(actor)
    cleaned = clean_purpose(values, None)
    return records.create_record(Purpose, actor=actor, values=cleaned, action="purpose.create")


def purpose_update(
    *, actor: User, purpose: Purpose, values: dict[str, Any], expected_version: int | None = None, merge: bool = False
) -> Purpose:
    require_privacy(actor)
    cleaned = clean_purpose(values, purpose)
    return records.update_record(
        purpose, actor=actor, values=cleaned, action="purpose.update", expected_version=expected_version, merge=merge
    )


def policy_create(*, actor: User, values: dict[str, Any]) -> PolicyVersion:
    require_privacy(actor)
    cleaned = clean_policy(values, None)
    return records.create_record(PolicyVersion, actor=actor, values=cleaned, action="policy.create")


def policy_update(
    *, actor: User, policy: PolicyVersion, values: dict[str, Any], expected_version: int | None = None
) -> PolicyVersion:
    require_privacy(actor)
    cleaned = clean_policy(values, policy)
    return records.update_record(
        policy, actor=actor, values=cleaned, action="policy.update", expected_version=expected_version
    )
