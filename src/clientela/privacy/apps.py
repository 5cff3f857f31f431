from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "clientela.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from clientela.core import housekeeping
        from clientela.core.recordtypes import register
        from clientela.privacy import panels, queries, tasks
        from clientela.privacy.actions import consents, erasure

        register("privacy.purpose", public=True)
        register("privacy.policyversion", public=True)
        register("privacy.retentionrule", admin_only=True)
        register("privacy.consent", scoped_get=queries.consent_get)
        register("privacy.restriction", scoped_get=queries.restriction_get)
        register("privacy.privacyrequest", scoped_get=queries.request_get)
        if tasks.queue_confirmation not in consents.CONFIRMATION_SENDERS:
            consents.CONFIRMATION_SENDERS.append(tasks.queue_confirmation)
        if tasks.after_erasure not in erasure.AFTER_ERASURE:
            erasure.AFTER_ERASURE.append(tasks.after_erasure)
        housekeeping.register("privacy.retention", "clientela.privacy.tasks.apply_retention_rules")
        # Consents, objections and requests on a contact's page; sensitive fields guarded.
        from clientela.core import panels as core_panels
        from clientela.core import personal_data

        core_panels.register("parties.contact", panels.contact_privacy)
        personal_data.register_guard("parties.contact", panels.guard_contact_fields)
