from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "clientela.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from clientela.channels import queries
        from clientela.core.recordtypes import register

        register("channels.email", scoped_get=queries.email_get)
        register("channels.emailtemplate", public=True)
        register("channels.mailbox", scoped_get=queries.mailbox_get)
        register("channels.sms", scoped_get=queries.sms_get)
        # E-mail in: every round, queue a read of each IMAP mailbox that is due (one worker each).
        from clientela.core import housekeeping

        housekeeping.register("channels.mailboxes", "clientela.channels.tasks_inbound.check_mailboxes")
        # The person's attachments: in their access export, and deleted when they are erased.
        from clientela.channels.actions import personal_files
        from clientela.privacy.actions import access, erasure

        if personal_files.export_files not in access.FILE_SOURCES:
            access.FILE_SOURCES.append(personal_files.export_files)
        if personal_files.erase_files not in erasure.ERASERS:
            erasure.ERASERS.append(personal_files.erase_files)
        # E-mail out: the latest e-mails and "Send e-mail" on a contact's, an organization's and a
        # deal's page; the worker's sweep of queued e-mails whose job was lost.
        from clientela.channels import panels
        from clientela.core import panels as core_panels

        for record_type in ("parties.contact", "parties.organization", "sales.deal"):
            core_panels.register(record_type, panels.record_emails)
        housekeeping.register("channels.stalled_emails", "clientela.channels.tasks.resume_stalled_emails")
        # SMS out: the SMS panel and its "Send SMS" form on a contact's page; the worker's sweep of
        # queued messages whose job was lost.
        from clientela.channels import panels_sms

        core_panels.register("parties.contact", panels_sms.contact_sms)
        housekeeping.register("channels.stalled_sms", "clientela.channels.tasks_sms.resume_stalled_sms")
