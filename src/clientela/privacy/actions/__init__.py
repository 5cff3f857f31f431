"""Every write of the privacy app (`from clientela.privacy import actions`)."""

from clientela.privacy.actions.access import access_export, build_export
from clientela.privacy.actions.audit import sensitive_read_log
from clientela.privacy.actions.consents import consent_confirm, consent_record, consents_from_form, consents_import
from clientela.privacy.actions.erasure import contact_erase, erasures_reapply, identifiers_of
from clientela.privacy.actions.purposes import policy_create, policy_update, purpose_create, purpose_update
from clientela.privacy.actions.requests import (
    RequestClosed,
    privacy_request_create,
    privacy_request_fulfil,
    privacy_request_reject,
    privacy_request_verify,
)
from clientela.privacy.actions.restrictions import restriction_create, restriction_lift
from clientela.privacy.actions.retention import retention_apply, retention_rule_create, retention_rule_update

__all__ = [
    "RequestClosed",
    "access_export",
    "build_export",
    "consent_confirm",
    "consent_record",
    "consents_from_form",
    "consents_import",
    "contact_erase",
    "erasures_reapply",
    "identifiers_of",
    "policy_create",
    "policy_update",
    "privacy_request_create",
    "privacy_request_fulfil",
    "privacy_request_reject",
    "privacy_request_verify",
    "purpose_create",
    "purpose_update",
    "restriction_create",
    "restriction_lift",
    "retention_apply",
    "retention_rule_create",
    "retention_rule_update",
    "sensitive_read_log",
]
