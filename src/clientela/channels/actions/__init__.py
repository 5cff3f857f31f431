"""Every write of the channels app (DESIGN.md rule 1): e-mails out and in, templates, mailboxes,
SMS, telephony events. Each concept is a module here; import the actions from this package."""
