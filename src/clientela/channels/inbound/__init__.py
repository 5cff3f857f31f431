"""E-mail in: reading IMAP mailboxes (`imap`), making sense of what arrives (`parsing`, `dsn`),
whom it concerns and which conversation it continues (`matching`), and keeping its files safely
(`attachments`). Nothing here writes to the database: `channels.actions.inbound` does, with
these pieces; `channels.tasks_inbound` runs the whole in the job worker."""
